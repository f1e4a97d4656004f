#include "healer/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

TEST(FakeClock, SleepJumpsToTheDeadlineAndWakeEndsItEarly) {
  FakeClock clock;
  const TimePoint start = clock.Now();
  EXPECT_FALSE(clock.SleepUntil(start + 5s));
  EXPECT_EQ(clock.Now(), start + 5s);
  EXPECT_FALSE(clock.SleepUntil(start));  // Never goes back.
  EXPECT_EQ(clock.Now(), start + 5s);

  clock.Wake();
  EXPECT_TRUE(clock.SleepUntil(start + 1h));
  EXPECT_EQ(clock.Now(), start + 5s);
  clock.Advance(1s);
  EXPECT_EQ(clock.Now(), start + 6s);
}

TEST(SystemClock, WakeFromAnotherThreadEndsTheSleep) {
  SystemClock clock;
  std::thread waker([&] { clock.Wake(); });
  // An hour-long sleep returns only because of the wake.
  EXPECT_TRUE(clock.SleepUntil(clock.Now() + 1h));
  waker.join();
  EXPECT_FALSE(clock.SleepUntil(clock.Now() - 1s));
}

}  // namespace
}  // namespace heimdall::healer
