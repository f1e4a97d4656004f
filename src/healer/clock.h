// Time for the healer, behind an interface so tests advance a clock instead
// of sleeping.
//
// Times are wall-clock milliseconds because they are stored and compared
// across restarts (grace, backoff and breaker windows survive a crash).
#ifndef HEIMDALL_HEALER_CLOCK_H_
#define HEIMDALL_HEALER_CLOCK_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace heimdall::healer {

// TODO: intervals (grace, cooldown, backoff) are measured on the wall clock,
// so a clock step moves them; keep wall time for what is stored and measure
// intervals on a monotonic clock, converting at restart.
using Duration = std::chrono::milliseconds;
using TimePoint = std::chrono::sys_time<std::chrono::milliseconds>;

// Thread-safe: implementations may be shared by the loop and the control API.
class Clock {
 public:
  virtual ~Clock() = default;

  virtual TimePoint Now() = 0;
  // Blocks until Now() >= deadline or Wake() is called, whichever is first.
  // Returns true if woken early.
  virtual bool SleepUntil(TimePoint deadline) = 0;
  // Ends the current (or next) SleepUntil early. Used to react at once to a
  // forced heal, a pause or a shutdown.
  virtual void Wake() = 0;
};

// The real clock. Thread-safe.
class SystemClock : public Clock {
 public:
  TimePoint Now() override;
  bool SleepUntil(TimePoint deadline) override;
  void Wake() override;

 private:
  std::mutex mutex_;
  std::condition_variable wake_;
  bool woken_ = false;
};

// A clock that only moves when told. SleepUntil advances it to the deadline
// at once, so loops driven by it run as fast as the CPU allows. Thread-safe.
class FakeClock : public Clock {
 public:
  explicit FakeClock(TimePoint start = TimePoint(Duration(1'700'000'000'000)))
      : now_(start) {}

  TimePoint Now() override;
  bool SleepUntil(TimePoint deadline) override;
  void Wake() override;

  void Advance(Duration step);
  void Set(TimePoint now);

 private:
  std::mutex mutex_;
  TimePoint now_;
  bool woken_ = false;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_CLOCK_H_
