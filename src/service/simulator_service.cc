#include "service/simulator_service.h"

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>
#include <spdlog/spdlog.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <utility>
#include <variant>
#include <vector>

#include "http/json.h"
#include "http/metrics.h"
#include "telemetry/telemetry_json.h"

namespace heimdall::service {

using nlohmann::json;
using telemetry::FaultKind;
using telemetry::FaultSpec;
using telemetry::FaultStatus;
using telemetry::Sample;

// A telemetry source stepped forward to a simulated time on request.
// Guarded by the service's mutex.
class PacedFeed {
 public:
  virtual ~PacedFeed() = default;

  virtual std::string_view mode() const = 0;  // "simulator" or "replay".
  // Makes current() the last sample due `elapsed` simulated seconds after
  // the first.
  virtual void AdvanceTo(double elapsed) = 0;
  // The current sample. Precondition: !ended().
  virtual const Sample& current() const = 0;
  virtual bool ended() const { return false; }
  // Starts `spec`; fails (409) if this feed cannot run it.
  virtual Status Inject(const FaultSpec& spec) = 0;
  virtual FaultStatus Clear() = 0;
  virtual const FaultStatus& fault() const = 0;
  virtual std::string Describe() const = 0;

  bool crashed() const {
    return fault().active && fault().spec.kind == FaultKind::kCrash;
  }
};

namespace {

class SimulatorFeed final : public PacedFeed {
 public:
  explicit SimulatorFeed(std::unique_ptr<telemetry::Simulator> simulator)
      : simulator_(std::move(simulator)) {
    Step();
  }

  std::string_view mode() const override { return "simulator"; }
  void AdvanceTo(double elapsed) override {
    // TODO: catching up after a long silence costs one step (~0.6 us) per
    // simulated sample under the service lock: a day unpolled at speed 100
    // and 1 Hz is ~8.6M steps, ~5 s. Advancing the physiology in one exact
    // large step (its drift transitions are exact for any dt) when far
    // behind would fix it; fault onsets and first-critical times would need
    // the same closed-form treatment.
    while (simulator_->next_time() <= elapsed) Step();
  }
  const Sample& current() const override { return current_; }
  Status Inject(const FaultSpec& spec) override {
    simulator_->Inject(spec);
    Step();  // So a client that injects and then reads sees the fault.
    return Status::Ok();
  }
  FaultStatus Clear() override { return simulator_->Clear(); }
  const FaultStatus& fault() const override { return simulator_->fault(); }
  std::string Describe() const override { return simulator_->Describe(); }

 private:
  void Step() {
    // Fails only during a crash; time moves on and current_ stays.
    Result<std::optional<Sample>> next = simulator_->Next();
    if (next.ok()) current_ = **next;
  }

  std::unique_ptr<telemetry::Simulator> simulator_;
  Sample current_;
};

class ReplayFeed final : public PacedFeed {
 public:
  explicit ReplayFeed(std::unique_ptr<telemetry::ReplaySource> replay)
      : replay_(std::move(replay)) {
    // Open() guarantees at least one row.
    current_ = Pull().value();
    first_time_ = current_.time;
    pending_ = Pull();
    if (!pending_) end_time_ = current_.time + gap_;
  }

  std::string_view mode() const override { return "replay"; }
  void AdvanceTo(double elapsed) override {
    while (pending_ && pending_->time - first_time_ <= elapsed) {
      if (pending_->time > current_.time) gap_ = pending_->time - current_.time;
      current_ = *pending_;
      pending_ = Pull();
      if (!pending_) end_time_ = current_.time + gap_;
    }
    ended_ = !pending_ && elapsed >= end_time_ - first_time_;
  }
  const Sample& current() const override { return current_; }
  bool ended() const override { return ended_; }
  Status Inject(const FaultSpec& spec) override {
    if (spec.kind != FaultKind::kCrash) {
      return MakeError(
          "a replay serves recorded data: only a crash fault "
          "can be injected, not {}",
          telemetry::FaultKindName(spec.kind));
    }
    status_ = FaultStatus{spec, true, current_.time, std::nullopt};
    return Status::Ok();
  }
  FaultStatus Clear() override {
    status_.active = false;
    return status_;
  }
  const FaultStatus& fault() const override { return status_; }
  std::string Describe() const override {
    return fmt::format("{} ({} rows)", replay_->Describe(), replay_->rows());
  }

 private:
  std::optional<Sample> Pull() {
    // In-memory rows: Next() cannot fail.
    return replay_->Next().value();
  }

  std::unique_ptr<telemetry::ReplaySource> replay_;
  Sample current_;
  std::optional<Sample> pending_;
  double first_time_ = 0;
  double gap_ = 1.0;  // The last positive spacing between rows.
  double end_time_ = 0;
  bool ended_ = false;
  FaultStatus status_;
};

double SteadySeconds() {
  return std::chrono::duration<double>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Compares in time that depends only on the expected token's length.
bool ConstantTimeEquals(std::string_view given, std::string_view expected) {
  unsigned char difference = given.size() != expected.size();
  for (size_t i = 0; i < expected.size(); ++i) {
    const char c = i < given.size() ? given[i] : '\0';
    difference |= static_cast<unsigned char>(c ^ expected[i]);
  }
  return difference == 0;
}

json OptionalTime(const std::optional<double>& time) {
  return time ? json(*time) : json(nullptr);
}

json FaultJson(const FaultStatus& status) {
  json params = json::object();
  for (const auto& [name, value] : telemetry::ParamsOf(status.spec)) {
    std::visit([&, &key = name](const auto& v) { params[key] = v; }, value);
  }
  const bool started = status.spec.kind != FaultKind::kNone;
  std::optional<double> lead;
  if (status.first_critical) lead = *status.first_critical - status.start;
  return json{{"kind", telemetry::FaultKindName(status.spec.kind)},
              {"active", status.active},
              {"params", params},
              {"start", started ? json(status.start) : json(nullptr)},
              {"first_critical", OptionalTime(status.first_critical)},
              {"seconds_to_critical", OptionalTime(lead)}};
}

// Reads {"kind": ..., <params>} into a spec; the message names the problem.
Result<FaultSpec> SpecFromJson(const json& body) {
  const auto kind = body.find("kind");
  if (kind == body.end()) return Error("missing field 'kind'");
  if (!kind->is_string()) return Error("field 'kind' must be a string");
  telemetry::FaultParams params;
  for (const auto& [key, value] : body.items()) {
    if (key == "kind") continue;
    if (value.is_number()) {
      params.emplace_back(key, value.get<double>());
    } else if (value.is_string()) {
      params.emplace_back(key, value.get<std::string>());
    } else {
      return MakeError("parameter '{}' must be a number or a string, got {}",
                       key, value.type_name());
    }
  }
  return telemetry::MakeFaultSpec(kind->get<std::string>(), params);
}

}  // namespace

// Prometheus series of the service; gauges are refreshed on each scrape.
struct SimulatorService::Meters {
  std::shared_ptr<prometheus::Registry> registry =
      std::make_shared<prometheus::Registry>();
  std::optional<http::HttpMetrics> http;
  http::Handler serialize;
  std::vector<prometheus::Gauge*> values;  // By schema position.
  prometheus::Gauge* time = nullptr;
  prometheus::Gauge* critical = nullptr;
  prometheus::Gauge* ended = nullptr;
  std::map<FaultKind, prometheus::Gauge*> active;
  std::map<FaultKind, prometheus::Counter*> injected;

  static Result<std::unique_ptr<Meters>> Create(const Sample& first);
  void AddFaultSeries();
  void Refresh(const PacedFeed& feed);
};

namespace {

prometheus::Gauge* AddGauge(prometheus::Registry& registry,
                            const std::string& name, const std::string& help) {
  return &prometheus::BuildGauge().Name(name).Help(help).Register(registry).Add(
      {});
}

}  // namespace

Result<std::unique_ptr<SimulatorService::Meters>>
SimulatorService::Meters::Create(const Sample& first) {
  auto meters = std::make_unique<Meters>();
  Result<http::HttpMetrics> http = http::HttpMetrics::Create(meters->registry);
  if (!http.ok()) return http.error();
  meters->http = *http;
  meters->serialize = http::MetricsHandler(meters->registry);
  prometheus::Registry& registry = *meters->registry;

  auto& values = prometheus::BuildGauge()
                     .Name("heimdall_simulator_value")
                     .Help("The current sample's values; NaN when missing.")
                     .Register(registry);
  for (const std::string& name : first.schema->names) {
    meters->values.push_back(&values.Add({{"name", name}}));
  }
  meters->time = AddGauge(registry, "heimdall_simulator_time_seconds",
                          "The current sample's time on the source clock.");
  meters->critical = AddGauge(registry, "heimdall_simulator_critical",
                              "1 if the simulated astronaut is critical.");
  meters->ended = AddGauge(registry, "heimdall_simulator_replay_ended",
                           "1 once a replay has run out of rows.");
  meters->AddFaultSeries();
  return meters;
}

void SimulatorService::Meters::AddFaultSeries() {
  auto& active_family = prometheus::BuildGauge()
                            .Name("heimdall_simulator_fault_active")
                            .Help("1 for the fault kind now active.")
                            .Register(*registry);
  auto& injected_family = prometheus::BuildCounter()
                              .Name("heimdall_simulator_faults_injected_total")
                              .Help("Faults started, by kind.")
                              .Register(*registry);
  for (int k = 1; k <= static_cast<int>(FaultKind::kCrash); ++k) {
    const auto kind = static_cast<FaultKind>(k);
    const std::string name(telemetry::FaultKindName(kind));
    active[kind] = &active_family.Add({{"kind", name}});
    injected[kind] = &injected_family.Add({{"kind", name}});
  }
}

void SimulatorService::Meters::Refresh(const PacedFeed& feed) {
  const Sample& sample = feed.current();
  for (size_t i = 0; i < values.size(); ++i) values[i]->Set(sample.values[i]);
  time->Set(sample.time);
  critical->Set(sample.truth && sample.truth->critical ? 1 : 0);
  ended->Set(feed.ended() ? 1 : 0);
  for (auto& [kind, gauge] : active) {
    const bool on = feed.fault().active && feed.fault().spec.kind == kind;
    gauge->Set(on ? 1 : 0);
  }
}

Result<std::unique_ptr<SimulatorService>> SimulatorService::ForSimulator(
    telemetry::SimulatorOptions simulator, SimulatorServiceOptions options) {
  Result<std::unique_ptr<telemetry::Simulator>> made =
      telemetry::Simulator::Create(std::move(simulator));
  if (!made.ok()) return made.error();
  return Make(std::make_unique<SimulatorFeed>(std::move(made).value()),
              std::move(options));
}

Result<std::unique_ptr<SimulatorService>> SimulatorService::ForReplay(
    std::unique_ptr<telemetry::ReplaySource> replay,
    SimulatorServiceOptions options) {
  if (replay == nullptr || replay->position() != 0) {
    return Error("replay service needs a freshly opened replay source");
  }
  return Make(std::make_unique<ReplayFeed>(std::move(replay)),
              std::move(options));
}

Result<std::unique_ptr<SimulatorService>> SimulatorService::Make(
    std::unique_ptr<PacedFeed> feed, SimulatorServiceOptions options) {
  if (!std::isfinite(options.speed) || options.speed <= 0) {
    return MakeError("speed must be a positive number (got {})", options.speed);
  }
  if (!options.now) options.now = SteadySeconds;
  Result<std::unique_ptr<Meters>> meters = Meters::Create(feed->current());
  if (!meters.ok()) return meters.error();
  return std::unique_ptr<SimulatorService>(new SimulatorService(
      std::move(feed), std::move(options), std::move(meters).value()));
}

SimulatorService::SimulatorService(std::unique_ptr<PacedFeed> feed,
                                   SimulatorServiceOptions options,
                                   std::unique_ptr<Meters> meters)
    : options_(std::move(options)),
      origin_(options_.now()),
      feed_(std::move(feed)),
      meters_(std::move(meters)) {}

SimulatorService::~SimulatorService() = default;

void SimulatorService::Register(http::Router& router) {
  const auto bind = [this](auto method) {
    return [this, method](const http::Request& request) {
      return (this->*method)(request);
    };
  };
  router.Handle("GET", "/telemetry", bind(&SimulatorService::Telemetry));
  router.Handle("POST", "/inject_fault", bind(&SimulatorService::InjectFault));
  router.Handle("POST", "/faults", bind(&SimulatorService::StartFault));
  router.Handle("DELETE", "/faults", bind(&SimulatorService::ClearFault));
  router.Handle("GET", "/faults", bind(&SimulatorService::Faults));
  router.Handle("GET", "/healthz", bind(&SimulatorService::Health));
  router.Handle("GET", "/metrics", bind(&SimulatorService::Metrics));
  meters_->http->Instrument(router);
}

std::function<void(std::string_view)> SimulatorService::RejectionCounter() {
  return meters_->http->RejectionCounter();
}

void SimulatorService::Shutdown() {
  std::lock_guard lock(mutex_);
  shutting_down_ = true;
  crash_changed_.notify_all();
}

double SimulatorService::Elapsed() const {
  return (options_.now() - origin_) * options_.speed;
}

bool SimulatorService::Authorized(const http::Request& request) const {
  if (options_.token.empty()) return true;
  constexpr std::string_view kScheme = "bearer ";
  const std::string_view header = request.Header("Authorization");
  if (header.size() < kScheme.size()) return false;
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != kScheme[i]) {
      return false;
    }
  }
  return ConstantTimeEquals(header.substr(kScheme.size()), options_.token);
}

bool SimulatorService::WaitOutCrash(std::unique_lock<std::mutex>& lock) {
  feed_->AdvanceTo(Elapsed());
  if (!feed_->crashed()) return true;
  const std::chrono::duration<double> hang(feed_->fault().spec.hang_seconds);
  crash_changed_.wait_for(
      lock, hang, [this] { return shutting_down_ || !feed_->crashed(); });
  if (feed_->crashed()) return false;
  feed_->AdvanceTo(Elapsed());
  return true;
}

http::Response SimulatorService::Reject(int status, std::string_view reason,
                                        std::string_view message) {
  meters_->http->CountRejection(reason);
  http::Response response = http::Response::JsonError(status, message);
  if (status == 401)
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  return response;
}

http::Response SimulatorService::Telemetry(const http::Request&) {
  std::unique_lock lock(mutex_);
  if (!WaitOutCrash(lock)) {
    return http::Response::JsonError(503, "simulator crashed (crash fault)");
  }
  if (feed_->ended()) {
    return http::JsonResponse(
        410, json{{"error", fmt::format("{} has ended", feed_->Describe())},
                  {"end", true}});
  }
  const Sample sample = feed_->current();
  lock.unlock();
  return http::Response::Json(200, telemetry::SampleToJson(sample));
}

http::Response SimulatorService::InjectFault(const http::Request& request) {
  if (!Authorized(request)) {
    return Reject(401, "unauthorized", "missing or wrong bearer token");
  }
  return Start(telemetry::MakeFaultSpec("acute").value());
}

http::Response SimulatorService::StartFault(const http::Request& request) {
  if (!Authorized(request)) {
    return Reject(401, "unauthorized", "missing or wrong bearer token");
  }
  Result<json> body = http::ParseJsonObject(request.body);
  if (!body.ok()) return Reject(400, "bad json", body.error().message());
  Result<FaultSpec> spec = SpecFromJson(*body);
  if (!spec.ok()) return Reject(400, "bad fault", spec.error().message());
  return Start(*spec);
}

http::Response SimulatorService::Start(const FaultSpec& spec) {
  std::unique_lock lock(mutex_);
  feed_->AdvanceTo(Elapsed());
  const Status started = feed_->Inject(spec);
  if (!started.ok()) {
    lock.unlock();
    return Reject(409, "conflict", started.error().message());
  }
  crash_changed_.notify_all();
  meters_->injected[spec.kind]->Increment();
  const json fault = FaultJson(feed_->fault());
  lock.unlock();
  spdlog::info("simulate: {} fault started: {}",
               telemetry::FaultKindName(spec.kind), fault.dump());
  return http::JsonResponse(
      200, json{{"status", "fault injected"}, {"fault", fault}});
}

http::Response SimulatorService::ClearFault(const http::Request& request) {
  if (!Authorized(request)) {
    return Reject(401, "unauthorized", "missing or wrong bearer token");
  }
  std::unique_lock lock(mutex_);
  feed_->AdvanceTo(Elapsed());
  const json cleared = FaultJson(feed_->Clear());
  crash_changed_.notify_all();
  lock.unlock();
  spdlog::info("simulate: fault cleared: {}", cleared.dump());
  return http::JsonResponse(200, json{{"cleared", cleared}});
}

http::Response SimulatorService::Faults(const http::Request&) {
  std::lock_guard lock(mutex_);
  feed_->AdvanceTo(Elapsed());
  return http::JsonResponse(200, json{{"fault", FaultJson(feed_->fault())}});
}

http::Response SimulatorService::Health(const http::Request&) {
  std::unique_lock lock(mutex_);
  if (!WaitOutCrash(lock)) {
    return http::Response::JsonError(503, "simulator crashed (crash fault)");
  }
  const FaultStatus& fault = feed_->fault();
  return http::JsonResponse(
      200,
      json{{"status", "ok"},
           {"mode", feed_->mode()},
           {"source", feed_->Describe()},
           {"time", feed_->current().time},
           {"speed", options_.speed},
           {"fault", telemetry::FaultKindName(fault.active ? fault.spec.kind
                                                           : FaultKind::kNone)},
           {"end", feed_->ended()}});
}

http::Response SimulatorService::Metrics(const http::Request& request) {
  {
    std::lock_guard lock(mutex_);
    feed_->AdvanceTo(Elapsed());
    meters_->Refresh(*feed_);
  }
  return meters_->serialize(request);
}

}  // namespace heimdall::service
