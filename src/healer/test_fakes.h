// Test support: a provider and a probe in memory, for controller and API
// tests that must not start processes or open sockets.
#ifndef HEIMDALL_HEALER_TEST_FAKES_H_
#define HEIMDALL_HEALER_TEST_FAKES_H_

#include <algorithm>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "healer/probe.h"
#include "healer/provider.h"

namespace heimdall::healer::testing {

// Infrastructure in memory. Records every call, and the most generations
// that were ever up at once.
class FakeProvider : public Provider {
 public:
  std::string_view name() const override { return "fake"; }

  Result<Deployment> Build(int64_t id) override {
    calls.push_back(fmt::format("build {}", id));
    if (failing_builds > 0) {
      --failing_builds;
      return MakeError("generation {}: no capacity", id);
    }
    alive.insert(id);
    max_alive = std::max(max_alive, alive.size());
    return Describe(id);
  }
  Status Health(const Deployment& d) override {
    return alive.count(d.generation_id) ? Status::Ok() : Error("down");
  }
  Result<nlohmann::json> Archive(const Deployment& d) override {
    calls.push_back(fmt::format("archive {}", d.generation_id));
    if (failing_archives > 0) {
      --failing_archives;
      return MakeError("archiving generation {}: disk full", d.generation_id);
    }
    return nlohmann::json{{"archived", d.generation_id},
                          {"was_alive", alive.count(d.generation_id) > 0}};
  }
  Status Destroy(const Deployment& d) override {
    calls.push_back(fmt::format("destroy {}", d.generation_id));
    if (failing_destroys > 0) {
      --failing_destroys;
      return MakeError("generation {}: process stuck", d.generation_id);
    }
    alive.erase(d.generation_id);
    return Status::Ok();
  }
  bool KeepOnStop() const override { return keep_on_stop; }
  Result<std::optional<Deployment>> Adopt(
      const std::optional<Deployment>& recorded) override {
    calls.push_back(recorded ? fmt::format("adopt {}", recorded->generation_id)
                             : "adopt none");
    const bool keep = recorded && alive.count(recorded->generation_id);
    std::set<int64_t> kept;
    if (keep) kept.insert(recorded->generation_id);
    alive = kept;
    if (!keep) return std::optional<Deployment>();
    return std::optional<Deployment>(*recorded);
  }

  Deployment Describe(int64_t id) const {
    Deployment d;
    d.generation_id = id;
    d.provider = "fake";
    d.simulator_url = simulator_url.empty()
                          ? fmt::format("fake://simulator/{}", id)
                          : simulator_url;
    d.predictor_url = predictor_url.empty()
                          ? fmt::format("fake://predictor/{}", id)
                          : predictor_url;
    return d;
  }
  size_t Count(const std::string& call) const {
    return std::count(calls.begin(), calls.end(), call);
  }

  std::set<int64_t> alive;
  size_t max_alive = 0;
  std::vector<std::string> calls;
  int failing_builds = 0;
  int failing_destroys = 0;
  int failing_archives = 0;
  bool keep_on_stop = false;
  std::string simulator_url;  // If set, every generation's simulator.
  std::string predictor_url;  // If set, every generation's predictor.
};

enum class Mode { kHealthy, kFailing, kSilent, kInvalid, kEnded };

// Answers for each generation as the test says; healthy by default.
class FakeProbe : public Probe {
 public:
  Reading Poll(const Deployment& deployment, TimePoint now) override {
    ++polls;
    Reading r;
    r.time = now;
    const Mode mode = modes.count(deployment.generation_id)
                          ? modes[deployment.generation_id]
                          : default_mode;
    r.responsive = mode != Mode::kSilent;
    if (mode == Mode::kHealthy) r.probability = 0.1;
    if (mode == Mode::kFailing) r.probability = 0.99;
    if (mode != Mode::kSilent) r.values = {{"heart_rate", 150}};
    if (mode != Mode::kHealthy && mode != Mode::kFailing) r.error = "no answer";
    r.ended = mode == Mode::kEnded;
    if (on_poll) on_poll();
    return r;
  }

  std::map<int64_t, Mode> modes;
  Mode default_mode = Mode::kHealthy;
  int polls = 0;
  std::function<void()> on_poll;
};

}  // namespace heimdall::healer::testing

#endif  // HEIMDALL_HEALER_TEST_FAKES_H_
