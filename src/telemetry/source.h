// The one interface the controller reads telemetry from.
//
// Implementations:
//   Simulator      (simulator.h)        the astronaut model, in process;
//   ReplaySource   (replay_source.h)    a recorded CSV series, in process;
//   HttpPollSource (http_poll_source.h) GET /telemetry of a remote service.
// In-process sources never sleep: each Next() moves the source's own clock
// forward by one sample, as fast as the caller asks. Pacing against wall
// time, where wanted, is the caller's job (see service/simulator_service.h).
#ifndef HEIMDALL_TELEMETRY_SOURCE_H_
#define HEIMDALL_TELEMETRY_SOURCE_H_

#include <optional>
#include <string>

#include "common/status.h"
#include "telemetry/sample.h"

namespace heimdall::telemetry {

// Not thread-safe: one reader at a time.
class TelemetrySource {
 public:
  virtual ~TelemetrySource() = default;

  // The next sample, in order, with sample.time never decreasing.
  //  - a Sample: the next reading;
  //  - nullopt: a finite stream has ended (every later call says so too);
  //  - an error: the source failed or did not answer in time (for the
  //    controller: "unresponsive"). The message names the source. A later
  //    call may succeed again (a remote service that recovered).
  virtual Result<std::optional<Sample>> Next() = 0;

  // What the source reads, for logs and errors: "simulator seed 7",
  // "replay machine_temperature_system_failure.csv", or a URL.
  virtual std::string Describe() const = 0;
};

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_SOURCE_H_
