// The telemetry service behind `heimdall simulate`: the astronaut simulator
// or a replayed file, paced against wall time, over HTTP.
//
// Wire contract (the earlier Flask simulator's, extended):
//   GET    /telemetry    200 telemetry JSON (telemetry/telemetry_json.h):
//                        the current sample. 410 {"error", "end": true}
//                        once a replay has run out (see below).
//   POST   /inject_fault 200 {"status": "fault injected", "fault": {...}}:
//                        starts an `acute` fault (any body is ignored).
//   POST   /faults       {"kind": "oxygen_leak", "rate": 2.0, ...}: starts
//                        any fault of telemetry/faults.h with its parameters
//                        at the top level; 200 {"fault": {...}}.
//   DELETE /faults       ends the active fault; 200 {"cleared": {...}}.
//   GET    /faults       200 {"fault": {...}}.
//   GET    /healthz      200 {"status": "ok", "mode", "time", "fault", "end"}.
//   GET    /metrics      Prometheus text.
// A fault object is {"kind", "active", "params": {...}, "start",
// "first_critical", "seconds_to_critical"}: times are seconds on the
// simulated clock; the last two are null until a critical sample comes.
//
// Errors are JSON {"error": "..."} naming the problem: 400 for a body that
// is not a JSON object, a missing or unknown kind, an unknown parameter, a
// parameter of the wrong type or out of range; 401 (with WWW-Authenticate)
// when a token is set and the request to POST or DELETE lacks
// "Authorization: Bearer <token>"; 409 for a fault other than crash on a
// replay.
//
// Time: simulated time = speed x wall time since the service was made. The
// current sample is the last one whose time has come; the simulator is
// stepped forward (never ahead) on each request, so a service nobody polls
// costs nothing, and a service polled after a long silence catches up in one
// request. Injecting a fault makes the next sample at once (time jumps ahead
// by at most one step), so a client that injects and then reads sees it.
//
// Replay end: the last row stays current for as long as the row before it
// did (one row interval for a one-row file); after that /telemetry answers
// 410 with "end": true, and /healthz reports "end": true.
//
// Crash: while a crash fault is active, /telemetry and /healthz hold each
// request for the fault's hang_s wall seconds, or until the fault is cleared
// or Shutdown() is called, then answer 503 (or, if cleared meanwhile, answer
// normally). A client with a shorter timeout sees "unresponsive". A held
// request occupies its server worker: requests that land on that worker
// wait too, as on a real wedged service; run the server with a few threads
// so DELETE /faults is served promptly.
#ifndef HEIMDALL_SERVICE_SIMULATOR_SERVICE_H_
#define HEIMDALL_SERVICE_SIMULATOR_SERVICE_H_

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/server.h"
#include "telemetry/faults.h"
#include "telemetry/replay_source.h"
#include "telemetry/simulator.h"

namespace heimdall::service {

class PacedFeed;  // The simulator or the replay; in simulator_service.cc.

struct SimulatorServiceOptions {
  double speed = 1.0;  // Simulated seconds per wall second; finite, > 0.
  // When not empty, POST and DELETE need "Authorization: Bearer <token>".
  std::string token;
  // Monotonic wall time in seconds; tests substitute a clock they advance.
  // Empty: std::chrono::steady_clock.
  std::function<double()> now;
};

// Thread-safe: handlers share one mutex (held only while stepping the
// source and copying a sample, never while a crash holds a request).
class SimulatorService {
 public:
  // Serves a simulator made from `simulator`. Fails on bad options.
  static Result<std::unique_ptr<SimulatorService>> ForSimulator(
      telemetry::SimulatorOptions simulator, SimulatorServiceOptions options);
  // Serves `replay`, paced by its sample times. Fails on bad options.
  static Result<std::unique_ptr<SimulatorService>> ForReplay(
      std::unique_ptr<telemetry::ReplaySource> replay,
      SimulatorServiceOptions options);

  ~SimulatorService();
  SimulatorService(const SimulatorService&) = delete;
  SimulatorService& operator=(const SimulatorService&) = delete;

  // Adds the routes above (with HTTP metrics) to `router`, which must not
  // outlive this service.
  void Register(http::Router& router);
  // For ServerOptions::on_reject: counts requests the server refused.
  std::function<void(std::string_view)> RejectionCounter();
  // Releases requests held by a crash and makes later ones answer 503 at
  // once. Call before stopping the server, whose Stop() waits for handlers.
  void Shutdown();

  // The handlers, public for tests that call them without sockets.
  http::Response Telemetry(const http::Request& request);
  http::Response InjectFault(const http::Request& request);
  http::Response StartFault(const http::Request& request);
  http::Response ClearFault(const http::Request& request);
  http::Response Faults(const http::Request& request);
  http::Response Health(const http::Request& request);
  http::Response Metrics(const http::Request& request);

 private:
  struct Meters;

  static Result<std::unique_ptr<SimulatorService>> Make(
      std::unique_ptr<PacedFeed> feed, SimulatorServiceOptions options);
  SimulatorService(std::unique_ptr<PacedFeed> feed,
                   SimulatorServiceOptions options,
                   std::unique_ptr<Meters> meters);

  double Elapsed() const;
  bool Authorized(const http::Request& request) const;
  // Waits while a crash is active; returns false if it still is.
  bool WaitOutCrash(std::unique_lock<std::mutex>& lock);
  http::Response Start(const telemetry::FaultSpec& spec);
  http::Response Reject(int status, std::string_view reason,
                        std::string_view message);

  SimulatorServiceOptions options_;
  double origin_ = 0;  // options_.now() when the service was made.
  std::mutex mutex_;
  std::condition_variable crash_changed_;
  bool shutting_down_ = false;
  std::unique_ptr<PacedFeed> feed_;
  std::unique_ptr<Meters> meters_;
};

}  // namespace heimdall::service

#endif  // HEIMDALL_SERVICE_SIMULATOR_SERVICE_H_
