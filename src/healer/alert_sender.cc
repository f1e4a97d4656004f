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
  std::string_view base = options_.url;
  while (base.ends_with('/')) base.remove_suffix(1);
  const std::string url = std::string(base) + "/api/v2/alerts";
  auto next_check = std::chrono::steady_clock::now();
  std::unique_lock lock(mutex_);
  while (true) {
    if (options_.standing && std::chrono::steady_clock::now() >= next_check) {
      next_check = std::chrono::steady_clock::now() + options_.check_every;
      lock.unlock();
      Send(options_.standing());  // Queued, or dropped when full, as any.
      lock.lock();
    }
    const auto ready = [this] { return stop_ || !queue_.empty(); };
    if (options_.standing) {
      changed_.wait_until(lock, next_check, ready);
    } else {
      changed_.wait(lock, ready);
    }
    if (stop_) return;
    if (queue_.empty()) continue;  // Time for the next check.
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
