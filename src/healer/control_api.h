// The control API of `heimdall up`, the one the dashboard uses.
//
//   GET  /api/state          the controller's snapshot (controller.h)
//   GET  /api/generations    newest first; ?limit=N (1..1000, default 50)
//   GET  /api/incidents      newest first; ?limit=N
//   GET  /api/heals          heal actions with durations; ?limit=N
//   GET  /api/samples        recent readings, newest first; ?limit=N
//   GET  /api/model          the live generation's predictor's GET /model
//   GET  /api/events         server-sent events (text/event-stream), when
//                            an EventHub is given: "state" (as /api/state)
//                            after every step, and "sample", "incident",
//                            "heal", "generation" (as the lists above)
//                            whenever one is stored
//   POST /api/faults         forwarded to the live generation's simulator
//                            (POST /faults, same body); its answer is
//                            returned as it came. 409 with no generation,
//                            or while it is being healed (the fault would
//                            go with it, or find its simulator gone).
//   DELETE /api/faults       clears the fault the same way (DELETE /faults)
//   POST /api/heal           force a heal now                     -> 202
//   POST /api/pause          record "would heal", never heal      -> 202
//   POST /api/resume                                             -> 202
//   POST /api/breaker/reset  close the circuit breaker            -> 202
//   POST /api/alertmanager   Alertmanager webhook (JSON version 4): each
//                            firing alert whose labels match heal_on asks
//                            for a heal (reason "alert"; the policy's holds
//                            apply; ignored while no generation is live).
//                            200 {"alerts", "matched", "heal_requested"};
//                            400 naming the bad field.
//   GET  /healthz            {"status": "ok"}
// With a token set, every POST needs "Authorization: Bearer TOKEN" (401
// otherwise). Errors are JSON {"error": "..."}.
//
// Thread-safe: handlers only read snapshots and the store, queue commands,
// and forward faults, each through a client of its own.
#ifndef HEIMDALL_HEALER_CONTROL_API_H_
#define HEIMDALL_HEALER_CONTROL_API_H_

#include <optional>
#include <string>

#include "healer/alerts.h"
#include "healer/controller.h"
#include "http/server.h"
#include "store/store.h"

namespace heimdall::http {
class EventHub;
}  // namespace heimdall::http

namespace heimdall::healer {

struct ControlApiOptions {
  std::string token;  // Empty: POSTs are open (loopback only by default).
  Duration forward_timeout = std::chrono::seconds(2);
  // Labels a webhook alert must carry to trigger a heal; empty: none does.
  Labels heal_on;
  // Told "matched" or "ignored" for each alert received; may be empty.
  std::function<void(std::string_view)> on_alert_result;
  // Serves GET /api/events when set; must outlive the API.
  http::EventHub* events = nullptr;
};

// GET /api/state's body: the snapshot (controller.h) plus "policy" (the
// threshold, sustained_count and poll interval_ms the dashboard draws).
nlohmann::json StateJson(const ControllerSnapshot& snapshot,
                         const ControllerOptions& options);

class ControlApi {
 public:
  // `controller` and `store` must outlive the API and its server.
  ControlApi(Controller& controller, store::Store& store,
             ControlApiOptions options);
  ControlApi(const ControlApi&) = delete;
  ControlApi& operator=(const ControlApi&) = delete;

  // Adds the routes above to `router`, which must not outlive this object.
  void Register(http::Router& router);

  // The handlers, public for tests that call them without sockets.
  http::Response State(const http::Request& request);
  http::Response Generations(const http::Request& request);
  http::Response Incidents(const http::Request& request);
  http::Response Heals(const http::Request& request);
  http::Response Samples(const http::Request& request);
  http::Response Model(const http::Request& request);
  http::Response Events(const http::Request& request);
  http::Response Faults(const http::Request& request);
  http::Response ClearFaults(const http::Request& request);
  http::Response Heal(const http::Request& request);
  http::Response Pause(const http::Request& request);
  http::Response Resume(const http::Request& request);
  http::Response ResetBreaker(const http::Request& request);
  http::Response AlertmanagerWebhook(const http::Request& request);

 private:
  // nullopt if allowed; else the 401 to send.
  std::optional<http::Response> Refuse(const http::Request& request) const;
  template <typename List, typename Json>
  http::Response ListResponse(const http::Request& request, List list,
                              Json to_json);
  enum class DuringHeal { kForward, kRefuse };
  // Sends `method` `path` (with `body`) to the live generation's service
  // at `base_url` of the deployment, and returns its answer as it came:
  // 409 without a live generation (or while it is healed, if asked), 502
  // if it cannot be reached.
  http::Response Forward(std::string method, std::string Deployment::*base_url,
                         std::string_view path, std::string body,
                         DuringHeal during_heal = DuringHeal::kForward);

  Controller& controller_;
  store::Store& store_;
  ControlApiOptions options_;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_CONTROL_API_H_
