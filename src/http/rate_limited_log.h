// Logging that stays readable under a flood of similar events: one line per
// class of event per interval, with a count of what was held back.
//
// Meant for per-request problems (a client sending bad JSON ten thousand
// times a second should cost a line every few seconds, not ten thousand).
// The first event of a class is logged at once; later ones within the
// interval are only counted, and the next line logged for that class says
// how many were held back. A count still pending when events stop is never
// written (there is no background thread); metrics carry exact counts.
#ifndef HEIMDALL_HTTP_RATE_LIMITED_LOG_H_
#define HEIMDALL_HTTP_RATE_LIMITED_LOG_H_

#include <spdlog/spdlog.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

namespace heimdall::http {

class RateLimitedLog {
 public:
  using Clock = std::chrono::steady_clock;

  struct Options {
    Clock::duration interval = std::chrono::seconds(10);
    spdlog::level::level_enum level = spdlog::level::warn;
    // Where lines go; null means spdlog's default logger at the time of
    // each call.
    std::shared_ptr<spdlog::logger> logger;
    // The time source; tests substitute their own. Null means Clock::now.
    std::function<Clock::time_point()> now;
    // Distinct classes remembered; beyond this, new classes share one
    // limit so that odd keys cannot grow memory without bound.
    size_t max_classes = 256;
  };

  RateLimitedLog() : RateLimitedLog(Options()) {}
  explicit RateLimitedLog(Options options);

  RateLimitedLog(const RateLimitedLog&) = delete;
  RateLimitedLog& operator=(const RateLimitedLog&) = delete;

  // Writes `message` if class `key` has not written within the interval,
  // with " (N more not logged)" appended when N > 0 were held back since its
  // last line; otherwise counts it. Returns whether a line was written.
  // Thread-safe.
  bool Log(std::string_view key, std::string_view message);

  // A ServerOptions::on_reject callback writing "rejected request: <class>"
  // under the class. This object must outlive the server using it.
  std::function<void(std::string_view)> RejectionLogger();

 private:
  struct ClassState {
    Clock::time_point last_line;
    uint64_t held_back = 0;
  };

  ClassState& StateFor(std::string_view key);

  Options options_;
  std::mutex mutex_;
  std::map<std::string, ClassState, std::less<>> classes_;
  ClassState overflow_;
};

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_RATE_LIMITED_LOG_H_
