#include "healer/clock.h"

namespace heimdall::healer {

TimePoint SystemClock::Now() {
  return std::chrono::time_point_cast<Duration>(
      std::chrono::system_clock::now());
}

bool SystemClock::SleepUntil(TimePoint deadline) {
  std::unique_lock lock(mutex_);
  wake_.wait_until(lock, deadline, [this] { return woken_; });
  const bool woken = woken_;
  woken_ = false;
  return woken;
}

void SystemClock::Wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  wake_.notify_all();
}

TimePoint FakeClock::Now() {
  std::lock_guard lock(mutex_);
  return now_;
}

bool FakeClock::SleepUntil(TimePoint deadline) {
  std::lock_guard lock(mutex_);
  if (woken_) {
    woken_ = false;
    return true;
  }
  if (deadline > now_) now_ = deadline;
  return false;
}

void FakeClock::Wake() {
  std::lock_guard lock(mutex_);
  woken_ = true;
}

void FakeClock::Advance(Duration step) {
  std::lock_guard lock(mutex_);
  now_ += step;
}

void FakeClock::Set(TimePoint now) {
  std::lock_guard lock(mutex_);
  now_ = now;
}

}  // namespace heimdall::healer
