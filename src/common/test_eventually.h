// For tests: waits on the real clock for a condition to come true.
#ifndef HEIMDALL_COMMON_TEST_EVENTUALLY_H_
#define HEIMDALL_COMMON_TEST_EVENTUALLY_H_

#include <chrono>
#include <thread>

namespace heimdall::test_support {

// Polls `condition` every `every` until it holds or `patience` has passed;
// returns its last answer.
template <typename Condition>
bool Eventually(
    Condition condition, std::chrono::milliseconds patience,
    std::chrono::milliseconds every = std::chrono::milliseconds(20)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(every);
  }
  return condition();
}

}  // namespace heimdall::test_support

#endif  // HEIMDALL_COMMON_TEST_EVENTUALLY_H_
