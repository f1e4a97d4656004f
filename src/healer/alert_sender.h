// Sends Heimdall's alerts to Alertmanager without ever holding up the
// controller: Send() only queues; one thread of its own POSTs the queue,
// one request at a time, each with a timeout.
//
// Delivery is best effort: a full queue drops the new alert, and a failed
// POST is not retried (Alertmanager expects clients to re-send alerts that
// still hold: heals are short-lived and their alerts resolve by
// themselves, and an alert that lasts is re-sent through `standing`).
// Every outcome is reported to `on_outcome` ("sent", "failed", "dropped")
// for the metrics, and failures are logged at most once per 10 s.
#ifndef HEIMDALL_HEALER_ALERT_SENDER_H_
#define HEIMDALL_HEALER_ALERT_SENDER_H_

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <thread>

#include "healer/clock.h"

namespace heimdall::healer {

struct AlertSenderOptions {
  // Alertmanager's base URL; alerts go to URL/api/v2/alerts. Required.
  std::string url;
  Duration timeout = std::chrono::seconds(2);
  size_t queue_size = 64;
  // Called on the sender's thread (or, for "dropped", the caller's) with
  // "sent", "failed" or "dropped". Must be thread-safe; may be empty.
  std::function<void(std::string_view outcome)> on_outcome;
  // Alerts that follow a state rather than an event (the breaker's): asked
  // for every `check_every` on the sender's thread; a non-empty array it
  // returns is sent like Send()'s. May be empty.
  std::function<nlohmann::json()> standing;
  Duration check_every = std::chrono::seconds(2);
};

class AlertSender {
 public:
  explicit AlertSender(AlertSenderOptions options);
  // Stops the thread after the request in flight; unsent alerts are lost.
  ~AlertSender();
  AlertSender(const AlertSender&) = delete;
  AlertSender& operator=(const AlertSender&) = delete;

  // Queues `alerts` (a JSON array in the /api/v2/alerts format) for one
  // POST. Never blocks on the network. False if the queue was full and
  // they were dropped; an empty array is ignored (true). Thread-safe.
  bool Send(nlohmann::json alerts);

  // Blocks until every queued alert has been tried, or `timeout` passes.
  // True if the queue emptied. For shutdown and tests.
  bool Flush(Duration timeout);

 private:
  void Loop();
  void Report(std::string_view outcome);

  AlertSenderOptions options_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<nlohmann::json> queue_;  // Guarded by mutex_.
  bool busy_ = false;                 // A POST is in flight.
  bool stop_ = false;
  std::chrono::steady_clock::time_point last_logged_{};
  std::thread thread_;  // Last: starts once the rest is ready.
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_ALERT_SENDER_H_
