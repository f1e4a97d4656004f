#include "http/rate_limited_log.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>

#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace heimdall::http {
namespace {

using std::chrono::seconds;

class RateLimitedLogTest : public ::testing::Test {
 protected:
  RateLimitedLog::Options TestOptions() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(lines_);
    sink->set_pattern("%l %v");
    RateLimitedLog::Options options;
    options.interval = seconds(10);
    options.logger = std::make_shared<spdlog::logger>("test", sink);
    options.now = [this] { return now_; };
    return options;
  }

  std::vector<std::string> Lines() {
    std::vector<std::string> lines;
    std::istringstream in(lines_.str());
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
  }

  std::ostringstream lines_;
  RateLimitedLog::Clock::time_point now_{seconds(1000)};
};

TEST_F(RateLimitedLogTest, WritesOneLinePerClassPerInterval) {
  RateLimitedLog log(TestOptions());
  EXPECT_TRUE(log.Log("bad json", "bad json from 127.0.0.1"));
  for (int i = 0; i < 500; ++i) EXPECT_FALSE(log.Log("bad json", "again"));
  now_ += seconds(9);
  EXPECT_FALSE(log.Log("bad json", "again"));
  now_ += seconds(1);
  EXPECT_TRUE(log.Log("bad json", "bad json from 127.0.0.2"));
  now_ += seconds(10);
  EXPECT_TRUE(log.Log("bad json", "bad json from 127.0.0.3"));

  EXPECT_EQ(Lines(), (std::vector<std::string>{
                         "warning bad json from 127.0.0.1",
                         "warning bad json from 127.0.0.2 (501 more not "
                         "logged)",
                         "warning bad json from 127.0.0.3"}));
}

TEST_F(RateLimitedLogTest, ClassesAreLimitedIndependently) {
  RateLimitedLog log(TestOptions());
  EXPECT_TRUE(log.Log("bad json", "a"));
  EXPECT_TRUE(log.Log("body too large", "b"));
  EXPECT_FALSE(log.Log("bad json", "c"));
  EXPECT_FALSE(log.Log("body too large", "d"));
  EXPECT_EQ(Lines().size(), 2u);
}

TEST_F(RateLimitedLogTest, TooManyClassesShareOneLimit) {
  RateLimitedLog::Options options = TestOptions();
  options.max_classes = 2;
  RateLimitedLog log(options);
  EXPECT_TRUE(log.Log("a", "a"));
  EXPECT_TRUE(log.Log("b", "b"));
  EXPECT_TRUE(log.Log("c", "c"));
  EXPECT_FALSE(log.Log("d", "d"));
  EXPECT_FALSE(log.Log("e", "e"));
  EXPECT_FALSE(log.Log("b", "b"));
}

TEST_F(RateLimitedLogTest, UsesTheConfiguredLevel) {
  RateLimitedLog::Options options = TestOptions();
  options.level = spdlog::level::info;
  RateLimitedLog log(options);
  log.Log("x", "hello");
  EXPECT_EQ(Lines(), std::vector<std::string>{"info hello"});
}

TEST_F(RateLimitedLogTest, RejectionLoggerNamesTheClass) {
  RateLimitedLog log(TestOptions());
  auto on_reject = log.RejectionLogger();
  on_reject("body too large");
  on_reject("body too large");
  on_reject("unknown path");
  EXPECT_EQ(Lines(), (std::vector<std::string>{
                         "warning rejected request: body too large",
                         "warning rejected request: unknown path"}));
}

TEST_F(RateLimitedLogTest, ConcurrentCallersWriteOneLine) {
  RateLimitedLog log(TestOptions());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) log.Log("flood", "flood");
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Lines(), std::vector<std::string>{"warning flood"});
}

}  // namespace
}  // namespace heimdall::http
