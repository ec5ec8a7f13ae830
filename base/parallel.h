// A loop over indices on worker threads: what parallel work dfsim does (the mapper's candidates)
// goes through here, so that the result never depends on the number of threads.
#pragma once
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace dfsim {

// Calls fn(i) for every i in [0, n) on up to `jobs` threads (the caller's among them). Each index
// runs once, in no particular order, so fn must only write what belongs to index i. The first
// exception thrown is rethrown here once every thread has stopped.
template <typename Fn>
void parallel_for(size_t n, int jobs, Fn fn) {
    const size_t threads = std::min(n, static_cast<size_t>(std::max(jobs, 1)));
    if (threads <= 1) {
        for (size_t i = 0; i < n; ++i) fn(i);
        return;
    }
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) {
            try {
                fn(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error) error = std::current_exception();
                next = n;
            }
        }
    };
    std::vector<std::thread> pool;
    for (size_t k = 1; k < threads; ++k) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
}

}  // namespace dfsim
