// One poll of a generation: read its telemetry, ask its predictor.
//
// The controller and `heimdall monitor` watch through this interface, so
// tests script what a target answers without sockets. `HttpProbe` is the
// real one: GET <simulator>/telemetry (the telemetry layer's HttpPollSource),
// then POST <predictor>/predict with the values read, each with a deadline.
#ifndef HEIMDALL_HEALER_PROBE_H_
#define HEIMDALL_HEALER_PROBE_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "healer/clock.h"
#include "healer/policy.h"
#include "healer/provider.h"

namespace heimdall::http {
class Client;
}  // namespace heimdall::http

namespace heimdall::telemetry {
class HttpPollSource;
}  // namespace heimdall::telemetry

namespace heimdall::healer {

struct Reading {
  TimePoint time{};
  // False when the telemetry or the predictor did not answer in time, or
  // answered with a server error.
  bool responsive = false;
  // The predictor's answer, if it gave a finite one.
  std::optional<double> probability;
  // Telemetry values read (null where missing); {} if none were read.
  nlohmann::json values = nlohmann::json::object();
  // The source's own time of the reading ("2013-12-10T06:25:00Z" for a
  // replayed row), if it sent one.
  std::string timestamp;
  // Why there is no probability; "" when there is one.
  std::string error;
  // A replayed series has no more readings.
  bool ended = false;

  // For the policy; the values' fingerprint is a hash of their JSON text.
  Observation ToObservation() const;
  // {"time": ms, "responsive": b, "probability": p|null, "values": {...},
  //  "timestamp": "...", "error": "..."} (the last two only when set), for
  //  incidents and the API.
  nlohmann::json ToJson() const;
};

// Not thread-safe: the loop thread polls.
class Probe {
 public:
  virtual ~Probe() = default;
  // Polls `deployment` once. Never takes longer than the probe's timeouts.
  virtual Reading Poll(const Deployment& deployment, TimePoint now) = 0;
};

struct HttpProbeOptions {
  Duration telemetry_timeout = std::chrono::seconds(1);
  Duration predict_timeout = std::chrono::seconds(1);
};

class HttpProbe final : public Probe {
 public:
  explicit HttpProbe(HttpProbeOptions options = {});
  ~HttpProbe() override;

  Reading Poll(const Deployment& deployment, TimePoint now) override;

 private:
  void Predict(const Deployment& deployment, Reading* reading);

  HttpProbeOptions options_;
  std::string source_url_;  // The telemetry URL `source_` polls.
  std::unique_ptr<telemetry::HttpPollSource> source_;
  std::unique_ptr<http::Client> client_;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_PROBE_H_
