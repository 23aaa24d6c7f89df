// The one owner of threads in csgen: a batch is cut into contiguous row
// ranges, each run on its own std::thread and joined before returning.
// Threads are created per call (tens of microseconds against milliseconds of
// work per range), so there is no pool to reset after fork() in DataLoader
// workers or multiprocessing.
#pragma once
#include <exception>
#include <functional>
#include <thread>
#include <vector>

namespace csgen {

// Runs fn(k) for k in [0, n_tasks), task 0 on the calling thread. The first
// exception thrown by any task is rethrown after all have joined.
inline void run_parallel(int n_tasks, const std::function<void(int)>& fn) {
  if (n_tasks <= 1) {
    if (n_tasks == 1) fn(0);
    return;
  }
  std::vector<std::exception_ptr> errors(static_cast<size_t>(n_tasks));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n_tasks - 1));
  auto guarded = [&](int k) {
    try {
      fn(k);
    } catch (...) {
      errors[static_cast<size_t>(k)] = std::current_exception();
    }
  };
  for (int k = 1; k < n_tasks; ++k) threads.emplace_back(guarded, k);
  guarded(0);
  for (std::thread& t : threads) t.join();
  for (const std::exception_ptr& e : errors)
    if (e) std::rethrow_exception(e);
}

}  // namespace csgen
