// Forked worker processes (sweep points, compare pairs): one SystemC simulation per process.
#pragma once
#include <sys/mman.h>
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

namespace dfsim {

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
