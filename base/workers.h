// Forked worker processes (sweep points, compare pairs): one SystemC simulation per process.
#pragma once
#include <sys/types.h>
#include <unistd.h>

#include <cstdio>
#include <functional>
#include <vector>

namespace dfsim {

// Forks up to `n` worker processes; worker k runs body(k) and exits 0, or 1 if body threw (it
// never returns into the caller's code). Output buffers are flushed before the forks and in each
// worker before it exits. Stops at the first fork that fails and returns the pids forked so far.
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
