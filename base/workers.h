// Forked worker processes (sweep points, compare pairs): one SystemC simulation per process.
#pragma once
#include <sched.h>
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace dfsim {

// The cores this process may run on: its CPU affinity (taskset, a batch system's cgroup cpuset),
// not all the machine's (std::thread::hardware_concurrency), which would start more workers than
// cores under `taskset -c 0`. The default of sweep's and corpus's --jobs.
inline int usable_cores() {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0) return CPU_COUNT(&set);
    return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Forks up to `n` worker processes; worker k runs body(k) and exits 0, or 1 if body threw (it
// never returns into the caller's code). Output buffers are flushed before the forks and in each
// worker before it exits. Stops at the first fork that fails and returns the pids forked so far.
// A T made in memory the parent shares with the workers it forks after (an anonymous shared
// mapping: counters the workers take work from, progress they report), unmapped when this goes.
// T must work across processes: std::atomic of a lock-free type, plain numbers. Throws
// std::runtime_error naming `who` if the memory cannot be mapped.
template <typename T>
class SharedObject {
public:
    explicit SharedObject(const std::string& who) {
        void* mem = mmap(nullptr, sizeof(T), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (mem == MAP_FAILED) throw std::runtime_error(who + ": mmap failed");
        m_object = new (mem) T();
    }
    ~SharedObject() {
        m_object->~T();
        munmap(m_object, sizeof(T));
    }
    SharedObject(const SharedObject&) = delete;
    SharedObject& operator=(const SharedObject&) = delete;
    T* operator->() const { return m_object; }
    T& operator*() const { return *m_object; }

private:
    T* m_object;
};

inline std::vector<pid_t> fork_workers(int n, const std::function<void(int)>& body) {
    std::vector<pid_t> kids;
    std::fflush(nullptr);
    for (int k = 0; k < n; ++k) {
        const pid_t pid = fork();
        if (pid < 0) break;
        if (pid == 0) {
            int rc = 0;
            try {
                body(k);
            } catch (...) {
                rc = 1;
            }
            std::fflush(nullptr);
            _exit(rc);
        }
        kids.push_back(pid);
    }
    return kids;
}

}  // namespace dfsim
