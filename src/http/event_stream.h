// Server-sent events: one publisher, any number of subscribers, each an
// open GET answered with a text/event-stream response (server.h streams it
// without holding a thread).
//
// Every subscriber has its own bounded buffer of events not yet taken by
// its connection. A subscriber whose buffer would overflow (a peer that
// stopped reading, or reads slower than events come) is dropped: its
// buffered events are discarded and its response ends, so it reconnects and
// catches up from the API instead of growing our memory.
//
// TODO: a reconnecting subscriber gets no replay (Last-Event-ID); the
// dashboard reloads history from the API instead. A ring of recent events
// with ids would let clients resume without the reload.
//
// Thread-safe: Publish, Subscribe and Close may be called from any thread.
// The hub may be destroyed before the server that streams its responses;
// their streams then end.
#ifndef HEIMDALL_HTTP_EVENT_STREAM_H_
#define HEIMDALL_HTTP_EVENT_STREAM_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "http/rate_limited_log.h"
#include "http/server.h"

namespace heimdall::http {

struct EventHubOptions {
  // Bytes of events buffered per subscriber before it is dropped.
  size_t max_buffered_bytes = 256 * 1024;
  // Subscribers beyond this are refused with 503.
  size_t max_subscribers = 32;
  // Sent as "retry:": how long a browser waits before reconnecting.
  std::chrono::milliseconds retry{1000};
};

// One event in the text/event-stream format: "event: TYPE" (omitted when
// empty), one "data:" line per line of `data`, and the blank line that ends
// it. `type` must not hold CR or LF (a bug: asserted).
std::string FormatEvent(std::string_view type, std::string_view data);

class EventHub {
 public:
  explicit EventHub(EventHubOptions options = {});
  ~EventHub();  // Close().
  EventHub(const EventHub&) = delete;
  EventHub& operator=(const EventHub&) = delete;

  // A 200 text/event-stream response that receives every event published
  // from now on, after a "retry:" line; or a JSON 503 when max_subscribers
  // are connected, or after Close().
  Response Subscribe();
  // Queues the event for every subscriber and wakes their connections.
  void Publish(std::string_view type, std::string_view data);
  // Ends every subscriber's response (after what it has buffered) and
  // refuses new ones.
  void Close();

  // Subscribers still receiving events. A dropped one stops counting at
  // once, though its connection may linger until the peer reads or the
  // server's timeout closes it.
  size_t subscribers() const;
  // Subscribers dropped so far because their buffer was full.
  uint64_t dropped() const;

 private:
  class Subscriber;
  // Subscribers still receiving events; prunes those whose connection is
  // gone or whose stream has ended. Needs mutex_.
  std::vector<std::shared_ptr<Subscriber>> Live() const;

  EventHubOptions options_;
  RateLimitedLog warnings_;
  mutable std::mutex mutex_;
  mutable std::vector<std::weak_ptr<Subscriber>> subscribers_;
  uint64_t dropped_ = 0;
  bool closed_ = false;
};

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_EVENT_STREAM_H_
