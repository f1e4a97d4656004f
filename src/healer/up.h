// `heimdall up` assembled from an UpConfig: state directory lock, store,
// provider (local or terraform), HTTP probe, controller, and one HTTP server
// for the control API, GET /metrics (heal_metrics.h) and the Alertmanager
// webhook; heal events also go to Alertmanager when alertmanager.url is set.
//
// One controller per state directory: Create takes an exclusive lock on
// STATE_DIR/heimdall.lock (released by the kernel if the process dies, so a
// kill -9 never leaves it stale) and fails if another process holds it.
#ifndef HEIMDALL_HEALER_UP_H_
#define HEIMDALL_HEALER_UP_H_

#include <memory>

#include "common/status.h"
#include "healer/config.h"
#include "healer/controller.h"

namespace heimdall::healer {

class UpRuntime {
 public:
  // Validates `config`, locks the state directory, opens the store, and
  // starts the control API (the controller does not run yet). Fails naming
  // what could not be set up.
  static Result<std::unique_ptr<UpRuntime>> Create(UpConfig config);
  ~UpRuntime();
  UpRuntime(const UpRuntime&) = delete;
  UpRuntime& operator=(const UpRuntime&) = delete;

  // Runs the controller until Stop() or the end of a replay (see
  // Controller::Run), then stops the control API.
  Status Run();
  // Thread-safe.
  void Stop();

  Controller& controller();
  // The control API's bound port (useful when the config said port 0).
  uint16_t api_port() const;

 private:
  struct Parts;
  explicit UpRuntime(std::unique_ptr<Parts> parts);
  std::unique_ptr<Parts> parts_;
};

// GET BASE_URL/healthz with `timeout`; OK on a 200. Thread-safe (one
// client per call).
Status HttpHealthCheck(const std::string& base_url, Duration timeout);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_UP_H_
