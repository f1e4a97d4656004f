// Runs independent work items on a few threads. Internal to the evaluate
// layer.
#ifndef HEIMDALL_EVALUATE_PARALLEL_H_
#define HEIMDALL_EVALUATE_PARALLEL_H_

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace heimdall::evaluate {

// Calls work(i) for every i in [0, count), on up to `threads` threads (0:
// one per hardware thread), and returns when all are done. `work` must be
// safe to call concurrently for different i.
template <typename Work>
void ParallelFor(size_t count, int threads, const Work& work) {
  const size_t hardware = std::max(1u, std::thread::hardware_concurrency());
  const size_t workers =
      std::min(count, threads > 0 ? static_cast<size_t>(threads) : hardware);
  std::atomic<size_t> next{0};
  const auto loop = [&] {
    for (size_t i; (i = next++) < count;) work(i);
  };
  std::vector<std::thread> pool;
  for (size_t w = 1; w < workers; ++w) pool.emplace_back(loop);
  loop();
  for (std::thread& thread : pool) thread.join();
}

}  // namespace heimdall::evaluate

#endif  // HEIMDALL_EVALUATE_PARALLEL_H_
