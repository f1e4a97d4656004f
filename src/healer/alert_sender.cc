#include "healer/alert_sender.h"

#include <spdlog/spdlog.h>

#include "http/client.h"

namespace heimdall::healer {
namespace {

constexpr auto kLogEvery = std::chrono::seconds(10);

}  // namespace

AlertSender::AlertSender(AlertSenderOptions options)
    : options_(std::move(options)), thread_([this] { Loop(); }) {}

AlertSender::~AlertSender() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

void AlertSender::Report(std::string_view outcome) {
  if (options_.on_outcome) options_.on_outcome(outcome);
}

bool AlertSender::Send(nlohmann::json alerts) {
  if (!alerts.is_array() || alerts.empty()) return true;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.queue_size) {
      Report("dropped");
      return false;
    }
    queue_.push_back(std::move(alerts));
  }
  changed_.notify_all();
  return true;
}

bool AlertSender::Flush(Duration timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout,
                           [this] { return queue_.empty() && !busy_; });
}

void AlertSender::Loop() {
  // The client lives on this thread only (it is not thread-safe).
  http::Client client;
  const std::string url = options_.url + "/api/v2/alerts";
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (stop_) return;
    const std::string body = queue_.front().dump();
    queue_.pop_front();
    busy_ = true;
    lock.unlock();

    Result<http::ClientResponse> answer =
        client.PostJson(url, body, options_.timeout);
    std::string failure;
    if (!answer.ok()) {
      failure = answer.error().message();
    } else if (answer->status / 100 != 2) {
      failure = fmt::format("{} answered {}: {}", url, answer->status,
                            answer->body.substr(0, 200));
    }
    Report(failure.empty() ? "sent" : "failed");

    lock.lock();
    busy_ = false;
    const auto now = std::chrono::steady_clock::now();
    if (!failure.empty() && now - last_logged_ >= kLogEvery) {
      last_logged_ = now;
      spdlog::warn("alert not delivered to Alertmanager: {}", failure);
    }
    changed_.notify_all();
  }
}

}  // namespace heimdall::healer
