#include "http/event_stream.h"

#include <fmt/format.h>

#include <algorithm>
#include <cassert>
#include <functional>
#include <utility>

namespace heimdall::http {

// The producer side of one subscriber's stream. Its mutex guards the
// buffer and the wake function; the connection takes bytes through Read.
class EventHub::Subscriber final : public ResponseStream {
 public:
  Subscriber(size_t max_bytes, std::string greeting)
      : max_bytes_(max_bytes), buffer_(std::move(greeting)) {}

  void Attach(std::function<void()> wake) override {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_ = std::move(wake);
    // Something may have been queued (or the hub closed) before the
    // connection attached; it reads once on its own, so no wake is due.
  }

  bool Read(std::string& out, size_t max) override {
    std::lock_guard<std::mutex> lock(mutex_);
    size_t n = std::min(max, buffer_.size());
    // Whole events where possible, so a subscriber dropped later has no
    // half event on the wire (only an event over `max` is split).
    if (n < buffer_.size()) {
      size_t end = std::string_view(buffer_).substr(0, n).rfind("\n\n");
      if (end != std::string_view::npos) n = end + 2;
    }
    out.append(buffer_, 0, n);
    buffer_.erase(0, n);
    return !(ended_ && buffer_.empty());
  }

  void Detach() override {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_ = nullptr;
    detached_ = true;
    std::string().swap(buffer_);
  }

  std::string_view KeepAlive() const override { return ": keep-alive\n\n"; }

  // Returns false if the subscriber had to be dropped for this event.
  bool Push(std::string_view event) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (ended_ || detached_) return true;
    if (buffer_.size() + event.size() > max_bytes_) {
      std::string().swap(buffer_);
      EndLocked();
      return false;
    }
    bool was_empty = buffer_.empty();
    buffer_.append(event);
    if (was_empty && wake_) wake_();
    return true;
  }

  void End() {
    std::lock_guard<std::mutex> lock(mutex_);
    EndLocked();
  }

  bool ended() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return ended_ || detached_;
  }

 private:
  void EndLocked() {
    if (ended_) return;
    ended_ = true;
    if (wake_) wake_();
  }

  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::string buffer_;
  std::function<void()> wake_;
  bool ended_ = false;
  bool detached_ = false;
};

std::string FormatEvent(std::string_view type, std::string_view data) {
  assert(type.find_first_of("\r\n") == std::string_view::npos);
  std::string event;
  event.reserve(type.size() + data.size() + 16);
  if (!type.empty()) event.append("event: ").append(type).append("\n");
  // A data line ends at LF, CR or CRLF; each becomes its own "data:" line
  // and the client joins them back with LF.
  size_t start = 0;
  while (true) {
    size_t end = data.find_first_of("\r\n", start);
    event.append("data: ").append(data.substr(start, end - start));
    event.append("\n");
    if (end == std::string_view::npos) break;
    start = end + (data.substr(end, 2) == "\r\n" ? 2 : 1);
  }
  event.append("\n");
  return event;
}

EventHub::EventHub(EventHubOptions options) : options_(options) {}

EventHub::~EventHub() { Close(); }

Response EventHub::Subscribe() {
  std::string greeting = fmt::format("retry: {}\n\n", options_.retry.count());
  auto subscriber = std::make_shared<Subscriber>(options_.max_buffered_bytes,
                                                 std::move(greeting));
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_) return Response::JsonError(503, "event stream closed");
    if (Live().size() >= options_.max_subscribers) {
      return Response::JsonError(
          503, fmt::format("too many event subscribers (limit {})",
                           options_.max_subscribers));
    }
    subscribers_.push_back(subscriber);
  }
  Response response;
  response.content_type = "text/event-stream";
  response.headers.emplace_back("Cache-Control", "no-store");
  response.stream = std::move(subscriber);
  return response;
}

void EventHub::Publish(std::string_view type, std::string_view data) {
  const std::string event = FormatEvent(type, data);
  std::lock_guard<std::mutex> lock(mutex_);
  for (const std::shared_ptr<Subscriber>& subscriber : Live()) {
    if (subscriber->Push(event)) continue;
    ++dropped_;
    warnings_.Log("slow subscriber",
                  fmt::format("event stream: dropped a subscriber more than "
                              "{} bytes behind ({} dropped so far)",
                              options_.max_buffered_bytes, dropped_));
  }
}

void EventHub::Close() {
  std::lock_guard<std::mutex> lock(mutex_);
  closed_ = true;
  for (const std::shared_ptr<Subscriber>& subscriber : Live()) {
    subscriber->End();
  }
  subscribers_.clear();
}

size_t EventHub::subscribers() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return Live().size();
}

uint64_t EventHub::dropped() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return dropped_;
}

std::vector<std::shared_ptr<EventHub::Subscriber>> EventHub::Live() const {
  std::vector<std::shared_ptr<Subscriber>> live;
  std::vector<std::weak_ptr<Subscriber>> kept;
  for (const std::weak_ptr<Subscriber>& weak : subscribers_) {
    std::shared_ptr<Subscriber> strong = weak.lock();
    if (strong && !strong->ended()) {
      live.push_back(std::move(strong));
      kept.push_back(weak);
    }
  }
  subscribers_.swap(kept);
  return live;
}

}  // namespace heimdall::http
