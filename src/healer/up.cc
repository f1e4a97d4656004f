#include "healer/up.h"

#include <fcntl.h>
#include <fmt/ranges.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <thread>

#include "healer/alert_sender.h"
#include "healer/alerts.h"
#include "healer/control_api.h"
#include "healer/heal_metrics.h"
#include "healer/terraform_provider.h"
#include "http/browser_guard.h"
#include "http/client.h"
#include "http/event_stream.h"
#include "http/json.h"
#include "http/metrics.h"
#include "http/server.h"
#include "model/model_file.h"
#include "store/observed_store.h"
#include "store/sqlite_store.h"
#include "web/dashboard.h"

namespace heimdall::healer {
namespace {

// Holds an exclusive flock on a file for its lifetime.
class StateLock {
 public:
  static Result<std::unique_ptr<StateLock>> Acquire(
      const std::filesystem::path& path) {
    const int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
      return MakeError("{}: {}", path.string(), std::strerror(errno));
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int error = errno;
      close(fd);
      if (error == EWOULDBLOCK) {
        return MakeError(
            "{} is held: another heimdall up uses this state "
            "directory",
            path.string());
      }
      return MakeError("locking {}: {}", path.string(), std::strerror(error));
    }
    // TODO: a shared store (PostgreSQL) needs a lease with a fencing token
    // checked on every write, not a local flock, to keep one healer per
    // target across machines.
    return std::unique_ptr<StateLock>(new StateLock(fd));
  }
  ~StateLock() { close(fd_); }
  StateLock(const StateLock&) = delete;
  StateLock& operator=(const StateLock&) = delete;

 private:
  explicit StateLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace

Status HttpHealthCheck(const std::string& base_url, Duration timeout) {
  http::Client client;
  Result<http::ClientResponse> response =
      client.Get(base_url + "/healthz", timeout);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return MakeError("{}/healthz answered {}", base_url, response->status);
  }
  return Status::Ok();
}

struct UpRuntime::Parts {
  UpConfig config;
  // Pushes what the controller stores and does to the dashboard.
  http::EventHub events;
  std::unique_ptr<StateLock> lock;
  std::unique_ptr<store::SqliteStore> sqlite;
  std::unique_ptr<store::ObservedStore> store;
  std::unique_ptr<Provider> provider;
  std::unique_ptr<HttpProbe> probe;
  SystemClock clock;
  std::shared_ptr<prometheus::Registry> registry;
  std::unique_ptr<HealMetrics> metrics;
  std::unique_ptr<Controller> controller;
  // Null without alertmanager.url. After the controller: its thread asks
  // the controller for the breaker's state.
  std::unique_ptr<AlertSender> alerts;
  std::unique_ptr<ControlApi> api;
  std::unique_ptr<http::Server> server;

  Status OpenState();
  Status MakeProvider();
  Status MakeLocalProvider();
  Status MakeDockerProvider();
  Status MakeTerraformProvider();
  Status StartTelling();
  void StartAlerts();
  void PublishEvents();
  Status StartApi();
  http::Router Routes();
};

namespace {

// One event on the dashboard's stream; a record that cannot be serialized
// (a non-finite number) is a bug upstream and is skipped, not sent as null.
void PublishJson(http::EventHub& events, std::string_view type,
                 const nlohmann::json& record) {
  Result<std::string> text = http::SerializeJson(record);
  if (text.ok()) events.Publish(type, *text);
}

}  // namespace

Status UpRuntime::Parts::OpenState() {
  std::error_code error;
  std::filesystem::create_directories(config.state_dir, error);
  if (error) {
    return MakeError("creating {}: {}", config.state_dir.string(),
                     error.message());
  }
  Result<std::unique_ptr<StateLock>> locked =
      StateLock::Acquire(config.state_dir / "heimdall.lock");
  if (!locked.ok()) return locked.status();
  lock = std::move(*locked);
  Result<std::unique_ptr<store::SqliteStore>> opened = store::SqliteStore::Open(
      config.StorePath(), {.max_samples = config.max_samples});
  if (!opened.ok()) return opened.status();
  sqlite = std::move(*opened);
  store = std::make_unique<store::ObservedStore>(
      *sqlite, [this](std::string_view kind, const nlohmann::json& record) {
        PublishJson(events, kind, record);
      });
  return Status::Ok();
}

void UpRuntime::Parts::PublishEvents() {
  config.controller.on_snapshot = [this](const ControllerSnapshot& snapshot) {
    PublishJson(events, "state", StateJson(snapshot, config.controller));
  };
}

Status UpRuntime::Parts::MakeProvider() {
  if (config.provider == "docker") return MakeDockerProvider();
  return config.provider == "terraform" ? MakeTerraformProvider()
                                        : MakeLocalProvider();
}

Status UpRuntime::Parts::MakeDockerProvider() {
  DockerProviderOptions options = config.docker;
  options.state_dir = config.state_dir;
  options.replay = config.replay;
  options.token = config.token;
  const Duration timeout = config.probe.telemetry_timeout;
  options.health_check = [timeout](const std::string& url) {
    return HttpHealthCheck(url, timeout);
  };
  Result<std::unique_ptr<DockerProvider>> made =
      DockerProvider::Create(std::move(options));
  if (!made.ok()) return made.status();
  provider = std::move(*made);
  return Status::Ok();
}

Status UpRuntime::Parts::MakeTerraformProvider() {
  TerraformProviderOptions options = config.terraform;
  options.state_dir = config.state_dir;
  const Duration timeout = config.probe.telemetry_timeout;
  options.health_check = [timeout](const std::string& url) {
    return HttpHealthCheck(url, timeout);
  };
  Result<std::unique_ptr<TerraformProvider>> made =
      TerraformProvider::Create(std::move(options));
  if (!made.ok()) return made.status();
  provider = std::move(*made);
  return Status::Ok();
}

Status UpRuntime::Parts::MakeLocalProvider() {
  LocalProviderOptions options = config.local;
  options.state_dir = config.state_dir;
  if (!config.replay.empty()) {
    options.extra_simulator_args.push_back("--replay");
    options.extra_simulator_args.push_back(
        std::filesystem::absolute(config.replay).string());
    // A rebuilt generation goes on from the row the last one was read at,
    // as a rebuilt machine would face what comes next, not its past again.
    // TODO: kept in memory only: after a restart of `heimdall up` the
    // replay starts from its first row again.
    options.build_simulator_args = [this]() -> std::vector<std::string> {
      if (controller == nullptr) return {};
      const std::optional<Reading> last = controller->Snapshot().last_reading;
      if (!last || last->timestamp.empty()) return {};
      return {"--replay-after", last->timestamp};
    };
  }
  const Duration timeout = config.probe.telemetry_timeout;
  options.health_check = [timeout](const std::string& url) {
    return HttpHealthCheck(url, timeout);
  };
  Result<std::unique_ptr<LocalProvider>> made =
      LocalProvider::Create(std::move(options));
  if (!made.ok()) return made.status();
  provider = std::move(*made);
  return Status::Ok();
}

// Metrics, and alerts for Alertmanager: both hear of every heal event.
Status UpRuntime::Parts::StartTelling() {
  registry = std::make_shared<prometheus::Registry>();
  Result<std::unique_ptr<HealMetrics>> made =
      HealMetrics::Create(registry, config.controller.target);
  if (!made.ok()) return made.status();
  metrics = std::move(*made);
  // Events come from the controller's thread, which starts after
  // StartAlerts.
  config.controller.on_heal_event = [this](const HealEvent& event) {
    metrics->Observe(event);
    if (alerts) {
      alerts->Send(AlertmanagerAlerts(event, clock.Now(),
                                      config.alertmanager.resolve_after));
    }
  };
  return Status::Ok();
}

void UpRuntime::Parts::StartAlerts() {
  const AlertmanagerConfig& am = config.alertmanager;
  if (am.url.empty()) return;
  AlertSenderOptions options;
  options.url = am.url;
  options.timeout = am.timeout;
  options.queue_size = static_cast<size_t>(am.queue_size);
  options.on_outcome = [m = metrics.get()](std::string_view outcome) {
    m->CountAlert(outcome);
  };
  // The breaker's alert is re-sent well before Alertmanager would resolve
  // it; its state is looked at often enough for that.
  const Duration resend =
      std::min<Duration>(am.resolve_after / 2, std::chrono::minutes(1));
  options.check_every = std::clamp<Duration>(
      resend, std::chrono::milliseconds(100), options.check_every);
  options.standing = [this,
                      breaker = std::make_shared<BreakerAlert>(
                          config.controller.target, am.resolve_after, resend)] {
    return breaker->Update(controller->Snapshot().heal_state.breaker_open,
                           clock.Now());
  };
  alerts = std::make_unique<AlertSender>(std::move(options));
  spdlog::info("alerts go to {}/api/v2/alerts", am.url);
}

http::Router UpRuntime::Parts::Routes() {
  ControlApiOptions options;
  options.token = config.token;
  options.heal_on = config.alertmanager.heal_on;
  options.on_alert_result = [m = metrics.get()](std::string_view result) {
    m->CountAlertHealRequest(result);
  };
  options.events = &events;
  api = std::make_unique<ControlApi>(*controller, *store, std::move(options));
  http::Router router;
  api->Register(router);
  web::RegisterDashboard(router);
  http::Handler serialize = http::MetricsHandler(registry);
  router.Handle("GET", "/metrics",
                [this, serialize](const http::Request& request) {
                  metrics->Refresh(controller->Snapshot(), clock.Now());
                  return serialize(request);
                });
  return router;
}

Status UpRuntime::Parts::StartApi() {
  Result<std::pair<std::string, uint16_t>> listen = ParseListen(config.listen);
  if (!listen.ok()) return listen.status();
  const std::string& host = listen->first;
  if (!IsLoopbackHost(host) && config.token.empty()) {
    spdlog::warn(
        "the control API listens on {} without a token: anyone who can "
        "reach it can heal, pause and inject faults (set api.token or "
        "HEIMDALL_TOKEN)",
        host);
  }
  http::Router router = Routes();
  http::BrowserGuardOptions guard;
  guard.allowed_hosts = config.allowed_hosts;
  // Addresses always pass; a listen address that is a name is allowed too.
  guard.allowed_hosts.push_back(host);
  router.Wrap(http::BrowserGuard(std::move(guard)));
  Result<http::HttpMetrics> http_metrics = http::HttpMetrics::Create(registry);
  if (!http_metrics.ok()) return http_metrics.status();
  http_metrics->Instrument(router);
  http::ServerOptions options;
  options.bind = host;
  options.port = listen->second;
  // More workers than cores: a forward to a wedged service holds one for
  // up to its timeout.
  options.threads = 4;
  options.on_reject = http_metrics->RejectionCounter();
  Result<std::unique_ptr<http::Server>> started =
      http::Server::Start(std::move(options), std::move(router));
  if (!started.ok()) return started.error().Annotate("control API");
  server = std::move(*started);
  spdlog::info("control API on http://{0}:{1}, dashboard at http://{0}:{1}/{2}",
               listen->first, server->port(),
               config.token.empty() ? "" : " (POST needs the token)");
  return Status::Ok();
}

namespace {

// HEIMDALL_TEST_HOLD_PHASE=<phase> holds every heal for a minute right
// after <phase> is stored, so an end-to-end test can kill -9 the controller
// mid-heal at a known point. Unset in production.
void InstallTestHold(ControllerOptions& options) {
  const char* phase = std::getenv("HEIMDALL_TEST_HOLD_PHASE");
  if (phase == nullptr || *phase == '\0') return;
  spdlog::warn("test hook: heals hold after phase \"{}\"", phase);
  options.after_heal_phase = [held = std::string(phase)](std::string_view p) {
    if (p == held) std::this_thread::sleep_for(std::chrono::minutes(1));
  };
}

// A file the generations need that is missing or unusable would otherwise
// show only as builds failing and retried for ever.
Status CheckInputFiles(const UpConfig& config) {
  // Only the model of the provider in use (--model sets both); Terraform's
  // generations bring their own.
  const std::filesystem::path none;
  struct InputFile {
    const char* key;
    const std::filesystem::path& path;
    bool is_model;
  };
  const InputFile files[] = {
      {"replay", config.replay, false},
      {"provider.local.model",
       config.provider == "local" ? config.local.model : none, true},
      {"provider.docker.model",
       config.provider == "docker" ? config.docker.model : none, true}};
  for (const InputFile& file : files) {
    if (file.path.empty()) continue;
    std::error_code error;
    if (!std::filesystem::is_regular_file(file.path, error)) {
      return MakeError("{}: {} is not a readable file", file.key,
                       file.path.string());
    }
    if (!std::ifstream(file.path)) {
      return MakeError("{}: cannot read {}: {}", file.key, file.path.string(),
                       std::strerror(errno));
    }
    // The predictor would refuse it the same way at every build.
    if (file.is_model) {
      if (Result<model::Model> model = model::LoadModel(file.path);
          !model.ok()) {
        return model.error().Annotate(file.key);
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<UpRuntime>> UpRuntime::Create(UpConfig config) {
  HEIMDALL_RETURN_IF_ERROR(Validate(config));
  HEIMDALL_RETURN_IF_ERROR(CheckInputFiles(config));
  InstallTestHold(config.controller);
  auto parts = std::make_unique<Parts>();
  parts->config = std::move(config);
  HEIMDALL_RETURN_IF_ERROR(parts->OpenState());
  HEIMDALL_RETURN_IF_ERROR(parts->MakeProvider());
  HEIMDALL_RETURN_IF_ERROR(parts->StartTelling());
  parts->PublishEvents();
  Result<Scoring> scoring = MakeScoring(parts->config.detector);
  if (!scoring.ok()) return scoring.error().Annotate("detector");
  parts->probe =
      std::make_unique<HttpProbe>(parts->config.probe, std::move(*scoring));
  parts->controller = std::make_unique<Controller>(
      parts->config.controller, *parts->store, *parts->provider, *parts->probe,
      parts->clock);
  parts->StartAlerts();
  HEIMDALL_RETURN_IF_ERROR(parts->StartApi());
  spdlog::info(
      "heimdall up: provider {}, state {}, interval {} ms, detector {}, "
      "threshold {}{}",
      parts->config.provider, parts->config.state_dir.string(),
      parts->config.controller.interval.count(),
      fmt::join(parts->config.detector.parts, "+"),
      parts->config.controller.policy.threshold,
      parts->config.controller.policy.dry_run ? ", dry run" : "");
  return std::unique_ptr<UpRuntime>(new UpRuntime(std::move(parts)));
}

UpRuntime::UpRuntime(std::unique_ptr<Parts> parts) : parts_(std::move(parts)) {}

UpRuntime::~UpRuntime() {
  if (parts_->server) parts_->server->Stop();
}

Status UpRuntime::Run() {
  const Status status = parts_->controller->Run();
  parts_->server->Stop();
  // The last heal's alerts, if Alertmanager answers soon.
  if (parts_->alerts) (void)parts_->alerts->Flush(std::chrono::seconds(2));
  return status;
}

void UpRuntime::Stop() { parts_->controller->Stop(); }

Controller& UpRuntime::controller() { return *parts_->controller; }

uint16_t UpRuntime::api_port() const { return parts_->server->port(); }

}  // namespace heimdall::healer
