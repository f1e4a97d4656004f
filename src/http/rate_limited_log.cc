#include "http/rate_limited_log.h"

#include <fmt/format.h>

#include <string>
#include <utility>

namespace heimdall::http {

RateLimitedLog::RateLimitedLog(Options options) : options_(std::move(options)) {
  if (!options_.now) options_.now = [] { return Clock::now(); };
  overflow_.last_line = Clock::time_point::min();
}

RateLimitedLog::ClassState& RateLimitedLog::StateFor(std::string_view key) {
  auto it = classes_.find(key);
  if (it != classes_.end()) return it->second;
  if (classes_.size() >= options_.max_classes) return overflow_;
  ClassState& state = classes_[std::string(key)];
  // Far enough in the past that the first event is always written.
  state.last_line = Clock::time_point::min();
  return state;
}

bool RateLimitedLog::Log(std::string_view key, std::string_view message) {
  Clock::time_point now = options_.now();
  uint64_t held_back;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    ClassState& state = StateFor(key);
    bool first = state.last_line == Clock::time_point::min();
    if (!first && now - state.last_line < options_.interval) {
      ++state.held_back;
      return false;
    }
    held_back = state.held_back;
    state.held_back = 0;
    state.last_line = now;
  }

  // Written outside the lock: a slow sink must not serialise callers.
  std::shared_ptr<spdlog::logger> logger =
      options_.logger ? options_.logger : spdlog::default_logger();
  if (held_back == 0) {
    logger->log(options_.level, "{}", message);
  } else {
    logger->log(options_.level, "{} ({} more not logged)", message, held_back);
  }
  return true;
}

std::function<void(std::string_view)> RateLimitedLog::RejectionLogger() {
  return [this](std::string_view reason) {
    Log(reason, fmt::format("rejected request: {}", reason));
  };
}

}  // namespace heimdall::http
