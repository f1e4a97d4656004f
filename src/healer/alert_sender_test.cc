// The alert sender against a mock Alertmanager: our own HTTP server on
// 127.0.0.1 that records what it is sent and answers as told.
#include "healer/alert_sender.h"

#include <gtest/gtest.h>

#include <atomic>
#include <condition_variable>
#include <mutex>

#include "http/server.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

class MockAlertmanager {
 public:
  MockAlertmanager() {
    http::Router router;
    router.Handle("POST", "/api/v2/alerts", [this](const http::Request& r) {
      std::unique_lock lock(mutex_);
      bodies_.push_back(nlohmann::json::parse(r.body, nullptr, false));
      content_types_.emplace_back(r.Header("Content-Type"));
      // Held requests wait here until Release(), like a wedged server.
      released_.wait(lock, [this] { return !hold_; });
      return http::Response::Json(status_, "{}");
    });
    http::ServerOptions options;
    options.bind = "127.0.0.1";
    Result<std::unique_ptr<http::Server>> started =
        http::Server::Start(std::move(options), std::move(router));
    EXPECT_TRUE(started.ok());
    server_ = std::move(*started);
  }
  ~MockAlertmanager() {
    Release();
    server_->Stop();
  }

  std::string url() const {
    return fmt::format("http://127.0.0.1:{}", server_->port());
  }
  std::vector<nlohmann::json> bodies() {
    std::lock_guard lock(mutex_);
    return bodies_;
  }
  std::string content_type(size_t i) {
    std::lock_guard lock(mutex_);
    return content_types_.at(i);
  }
  void set_status(int status) {
    std::lock_guard lock(mutex_);
    status_ = status;
  }
  void Hold() {
    std::lock_guard lock(mutex_);
    hold_ = true;
  }
  void Release() {
    {
      std::lock_guard lock(mutex_);
      hold_ = false;
    }
    released_.notify_all();
  }

 private:
  std::mutex mutex_;
  std::condition_variable released_;
  std::vector<nlohmann::json> bodies_;
  std::vector<std::string> content_types_;
  int status_ = 200;
  bool hold_ = false;
  std::unique_ptr<http::Server> server_;
};

nlohmann::json OneAlert(const std::string& name) {
  return nlohmann::json::array({{{"labels", {{"alertname", name}}},
                                 {"startsAt", "2026-12-04T19:00:00.000Z"}}});
}

struct Outcomes {
  std::mutex mutex;
  std::vector<std::string> seen;
  std::function<void(std::string_view)> Recorder() {
    return [this](std::string_view outcome) {
      std::lock_guard lock(mutex);
      seen.emplace_back(outcome);
    };
  }
  std::vector<std::string> Get() {
    std::lock_guard lock(mutex);
    return seen;
  }
};

AlertSenderOptions Options(std::string url, Duration timeout, size_t queue_size,
                           Outcomes& outcomes) {
  AlertSenderOptions options;
  options.url = std::move(url);
  options.timeout = timeout;
  options.queue_size = queue_size;
  options.on_outcome = outcomes.Recorder();
  return options;
}

TEST(AlertSender, PostsEachBatchToTheV2Api) {
  MockAlertmanager alertmanager;
  Outcomes outcomes;
  AlertSender sender(Options(alertmanager.url(), 2s, 8, outcomes));
  EXPECT_TRUE(sender.Send(OneAlert("HeimdallHeal")));
  EXPECT_TRUE(sender.Send(OneAlert("HeimdallHealFailed")));
  EXPECT_TRUE(sender.Send(nlohmann::json::array()));  // Nothing to send.
  ASSERT_TRUE(sender.Flush(10s));

  const std::vector<nlohmann::json> bodies = alertmanager.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], OneAlert("HeimdallHeal"));
  EXPECT_EQ(bodies[1], OneAlert("HeimdallHealFailed"));
  EXPECT_EQ(alertmanager.content_type(0), "application/json");
  EXPECT_EQ(outcomes.Get(), (std::vector<std::string>{"sent", "sent"}));
}

TEST(AlertSender, ATrailingSlashInTheUrlIsIgnored) {
  MockAlertmanager alertmanager;
  Outcomes outcomes;
  AlertSender sender(Options(alertmanager.url() + "//", 2s, 8, outcomes));
  sender.Send(OneAlert("HeimdallHeal"));
  ASSERT_TRUE(sender.Flush(10s));
  EXPECT_EQ(alertmanager.bodies().size(), 1u);
  EXPECT_EQ(outcomes.Get(), (std::vector<std::string>{"sent"}));
}

TEST(AlertSender, ARefusalIsCountedAsFailed) {
  MockAlertmanager alertmanager;
  alertmanager.set_status(400);
  Outcomes outcomes;
  AlertSender sender(Options(alertmanager.url(), 2s, 8, outcomes));
  sender.Send(OneAlert("HeimdallHeal"));
  ASSERT_TRUE(sender.Flush(10s));
  EXPECT_EQ(outcomes.Get(), (std::vector<std::string>{"failed"}));
}

TEST(AlertSender, NobodyListeningIsCountedAsFailed) {
  // A port that was free a moment ago: the connection is refused.
  std::string url;
  {
    MockAlertmanager gone;
    url = gone.url();
  }
  Outcomes outcomes;
  AlertSender sender(Options(url, 2s, 8, outcomes));
  sender.Send(OneAlert("HeimdallHeal"));
  ASSERT_TRUE(sender.Flush(10s));
  EXPECT_EQ(outcomes.Get(), (std::vector<std::string>{"failed"}));
}

TEST(AlertSender, AWedgedAlertmanagerNeverBlocksSendAndTheQueueIsBounded) {
  MockAlertmanager alertmanager;
  alertmanager.Hold();
  Outcomes outcomes;
  AlertSender sender(Options(alertmanager.url(), 500ms, 2, outcomes));

  // One in flight (held by the server), two queued, the rest dropped; Send
  // returns at once all the same.
  const auto start = std::chrono::steady_clock::now();
  ASSERT_TRUE(sender.Send(OneAlert("a")));
  while (alertmanager.bodies().empty()) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(sender.Send(OneAlert("b")));
  EXPECT_TRUE(sender.Send(OneAlert("c")));
  EXPECT_FALSE(sender.Send(OneAlert("d")));
  EXPECT_FALSE(sender.Send(OneAlert("e")));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 400ms);

  // The held request times out on our side; the queued ones follow.
  ASSERT_TRUE(sender.Flush(20s));
  alertmanager.Release();
  const std::vector<std::string> seen = outcomes.Get();
  EXPECT_EQ(std::count(seen.begin(), seen.end(), "dropped"), 2);
  EXPECT_GE(std::count(seen.begin(), seen.end(), "failed"), 1);
  EXPECT_EQ(seen.size(), 5u);
}

TEST(AlertSender, AsksForStandingAlertsEveryCheckAndSendsWhatItGets) {
  MockAlertmanager alertmanager;
  std::atomic<int> asked = 0;
  AlertSenderOptions options;
  options.url = alertmanager.url();
  options.check_every = 20ms;
  options.standing = [&] {
    // Something to send on the first and third asking only.
    const int n = ++asked;
    return n == 1 || n == 3 ? OneAlert(fmt::format("standing-{}", n))
                            : nlohmann::json::array();
  };
  AlertSender sender(std::move(options));
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (alertmanager.bodies().size() < 2 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(5ms);
  }
  const std::vector<nlohmann::json> bodies = alertmanager.bodies();
  ASSERT_EQ(bodies.size(), 2u);
  EXPECT_EQ(bodies[0], OneAlert("standing-1"));
  EXPECT_EQ(bodies[1], OneAlert("standing-3"));
  EXPECT_GE(asked.load(), 3);
  // Events are still sent as they come between checks.
  EXPECT_TRUE(sender.Send(OneAlert("event")));
  ASSERT_TRUE(sender.Flush(10s));
  EXPECT_EQ(alertmanager.bodies().back(), OneAlert("event"));
}

}  // namespace
}  // namespace heimdall::healer
