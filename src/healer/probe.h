// One poll of a generation: read its telemetry, ask its predictor, score.
//
// The controller and `heimdall monitor` watch through this interface, so
// tests script what a target answers without sockets. `HttpProbe` is the
// real one: GET <simulator>/telemetry (the telemetry layer's HttpPollSource),
// then POST <predictor>/predict with the values read, each with a deadline;
// then the failure probability the policy reads is made from the parts the
// configuration names (detect::DetectorSpec): the predictor's answer
// ("model") and scorers that run here on the stream of samples ("trend",
// "frozen", a detector kind), whichever is largest.
#ifndef HEIMDALL_HEALER_PROBE_H_
#define HEIMDALL_HEALER_PROBE_H_

#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "detect/vitals_scorer.h"
#include "healer/clock.h"
#include "healer/policy.h"
#include "healer/provider.h"

namespace heimdall::http {
class Client;
}  // namespace heimdall::http

namespace heimdall::telemetry {
class HttpPollSource;
struct Sample;
}  // namespace heimdall::telemetry

namespace heimdall::healer {

struct Reading {
  TimePoint time{};
  // False when the telemetry or the predictor did not answer in time, or
  // answered with a server error.
  bool responsive = false;
  // The failure probability the policy reads, if every part that must
  // answer did (see HttpProbe).
  std::optional<double> probability;
  // The prediction service's own answer, if it gave a finite one.
  std::optional<double> model_probability;
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
  //  "model_probability": p, "timestamp": "...", "error": "..."} (the last
  //  three only when set), for incidents and the API.
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

// How a reading becomes the failure probability the policy reads.
struct Scoring {
  // The prediction service's answer is a part: without a finite one there
  // is no probability (never read as healthy).
  bool use_predictor = true;
  // Scorers run in the probe on the generation's samples, fresh for each
  // generation; empty for none. With no probability of their own (the
  // values they need are missing) they leave the decision to the predictor,
  // or, without it, leave the reading without a probability.
  detect::VitalsScorerFactory local;
  // Fresh local scorers for each generation, or one set for them all.
  bool restart_with_generation = true;
};

// Makes the scoring that `spec` describes ("model" = the predictor).
Result<Scoring> MakeScoring(const detect::DetectorSpec& spec);

// The predictor is always asked, whatever the scoring: it is part of the
// generation, and one that does not answer (a timeout, a server error) makes
// the reading unresponsive.
class HttpProbe final : public Probe {
 public:
  explicit HttpProbe(HttpProbeOptions options = {}, Scoring scoring = {});
  ~HttpProbe() override;

  Reading Poll(const Deployment& deployment, TimePoint now) override;

 private:
  void Predict(const Deployment& deployment, Reading* reading);
  void Score(const Deployment& deployment, const telemetry::Sample& sample,
             Reading* reading);

  HttpProbeOptions options_;
  Scoring scoring_;
  std::string source_url_;  // The telemetry URL `source_` polls.
  std::unique_ptr<telemetry::HttpPollSource> source_;
  std::unique_ptr<http::Client> client_;
  // The local scorers and the generation whose samples they have seen.
  std::unique_ptr<detect::VitalsScorer> scorer_;
  int64_t scorer_generation_ = -1;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_PROBE_H_
