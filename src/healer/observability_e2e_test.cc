// End to end with real Prometheus and Alertmanager (Debian's prometheus and
// prometheus-alertmanager), all on 127.0.0.1 with temporary storage:
//   - Prometheus scrapes `heimdall up`'s /metrics;
//   - Alertmanager receives the alert Heimdall sends on a heal;
//   - a Prometheus rule, routed by Alertmanager to Heimdall's webhook,
//     makes Heimdall heal.
// Each test is skipped, saying why, only when a component cannot start.
// The shipped example configs are checked with promtool and amtool.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <regex>
#include <thread>

#include "healer/command.h"
#include "healer/local_provider.h"
#include "healer/process.h"
#include "healer/up_test_support.h"
#include "http/client.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

constexpr auto kPatience = 40s;

template <typename Condition>
bool Eventually(Condition condition,
                std::chrono::milliseconds patience = kPatience) {
  return test_support::Eventually(condition, patience, 100ms);
}

// A loopback port that was free a moment ago.
uint16_t FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  bind(fd, reinterpret_cast<sockaddr*>(&address), length);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

bool Installed(const std::string& program) {
  return std::system(("command -v " + program + " >/dev/null 2>&1").c_str()) ==
         0;
}

class ObservabilityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-obs-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    api_port_ = FreePort();
    prometheus_port_ = FreePort();
    alertmanager_port_ = FreePort();
  }

  void TearDown() override {
    // Heimdall first, so its clean stop destroys its generation.
    for (auto it = started_.rbegin(); it != started_.rend(); ++it) {
      (void)StopProcessGroup(*it, 5s);
    }
    // A Heimdall held mid-heal is killed and leaves its generation behind.
    const std::string marker =
        std::filesystem::weakly_canonical(dir_ / "state").string() + "/";
    for (const auto& [pid, value] :
         FindProcessesWithEnv(kGenerationMarkerEnv)) {
      if (!value.starts_with(marker)) continue;
      if (std::optional<uint64_t> ticks = ProcessStartTicks(pid)) {
        (void)StopProcessGroup({pid, *ticks}, 0ms);
      }
    }
    std::filesystem::remove_all(dir_);
  }

  std::string Url(uint16_t port) const {
    return fmt::format("http://127.0.0.1:{}", port);
  }

  ProcessId Start(const std::string& name, const std::string& program,
                  std::vector<std::string> args,
                  std::vector<std::string> env = {}) {
    ProcessSpec spec;
    spec.program = program;
    spec.args = std::move(args);
    spec.env = std::move(env);
    spec.log_path = dir_ / (name + ".log");
    Result<ProcessId> id = SpawnProcess(spec);
    EXPECT_TRUE(id.ok()) << id.error().message();
    if (!id.ok()) return {};
    started_.push_back(*id);
    return *id;
  }

  std::string Log(const std::string& name) {
    return TailFile(dir_ / (name + ".log"), 4096);
  }

  bool Ready(uint16_t port, const std::string& path = "/-/ready") {
    return Eventually(
        [&] {
          Result<http::ClientResponse> r = client_.Get(Url(port) + path, 1s);
          return r.ok() && r->status == 200;
        },
        15s);
  }

  // Alertmanager routing alerts named HeimdallTestTrigger to Heimdall's
  // webhook, and the rest nowhere. False if it did not come up.
  bool StartAlertmanager() {
    if (!Installed("prometheus-alertmanager")) return false;
    std::ofstream(dir_ / "alertmanager.yml") << fmt::format(R"(
route:
  receiver: nowhere
  group_by: [alertname]
  group_wait: 500ms
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - matchers: ['alertname="HeimdallTestTrigger"']
      receiver: heimdall
receivers:
  - name: nowhere
  - name: heimdall
    webhook_configs:
      - url: {}/api/alertmanager
        send_resolved: false
)",
                                                            Url(api_port_));
    Start("alertmanager", "prometheus-alertmanager",
          {"--config.file=" + (dir_ / "alertmanager.yml").string(),
           "--storage.path=" + (dir_ / "am").string(),
           fmt::format("--web.listen-address=127.0.0.1:{}", alertmanager_port_),
           "--cluster.listen-address="});
    return Ready(alertmanager_port_);
  }

  // Prometheus scraping Heimdall every second, with a rule that fires
  // HeimdallTestTrigger while generation 1 is live.
  bool StartPrometheus() {
    if (!Installed("prometheus")) return false;
    std::ofstream(dir_ / "rules.yml") << R"(
groups:
  - name: test
    interval: 1s
    rules:
      - alert: HeimdallTestTrigger
        expr: heimdall_generation_id == 1
)";
    std::ofstream(dir_ / "prometheus.yml") << fmt::format(
        R"(
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [{}]
alerting:
  alertmanagers:
    - static_configs:
        - targets: ["127.0.0.1:{}"]
scrape_configs:
  - job_name: heimdall
    static_configs:
      - targets: ["127.0.0.1:{}"]
)",
        (dir_ / "rules.yml").string(), alertmanager_port_, api_port_);
    Start("prometheus", "prometheus",
          {"--config.file=" + (dir_ / "prometheus.yml").string(),
           "--storage.tsdb.path=" + (dir_ / "prom").string(),
           fmt::format("--web.listen-address=127.0.0.1:{}", prometheus_port_)});
    return Ready(prometheus_port_);
  }

  // `heimdall up` with fast polls, sending alerts to our Alertmanager and
  // healing on HeimdallTestTrigger.
  void StartHeimdall(const std::string& hold_phase = "", int max_heals = 0) {
    std::ofstream(dir_ / "heimdall.toml") << fmt::format(
        R"(
state_dir = "{}"
[controller]
interval = "200ms"
[policy]
grace = "300ms"
cooldown = "0s"
[policy.breaker]
max_heals = {}
[probe]
telemetry_timeout = "500ms"
predict_timeout = "500ms"
[api]
listen = "127.0.0.1:{}"
[alertmanager]
url = "{}"
resolve_after = "10m"
[alertmanager.heal_on]
alertname = "HeimdallTestTrigger"
)",
        (dir_ / "state").string(), max_heals, api_port_,
        Url(alertmanager_port_));
    std::vector<std::string> env;
    if (!hold_phase.empty()) env = {"HEIMDALL_TEST_HOLD_PHASE=" + hold_phase};
    Start("heimdall", HEIMDALL_BINARY,
          {"up", "--config", (dir_ / "heimdall.toml").string()}, env);
    ASSERT_TRUE(Eventually([&] { return LiveGeneration() > 0; }))
        << Log("heimdall");
  }

  nlohmann::json GetJson(const std::string& url) {
    Result<http::ClientResponse> r = client_.Get(url, 2s);
    if (!r.ok() || r->status != 200) return nullptr;
    return nlohmann::json::parse(r->body, nullptr, false);
  }

  int64_t LiveGeneration() {
    return test_support::LiveGeneration(client_, Url(api_port_));
  }

  // The value of an instant query, or nullopt while it has none.
  std::optional<double> Query(const std::string& promql) {
    const nlohmann::json answer =
        GetJson(Url(prometheus_port_) + "/api/v1/query?query=" + promql);
    if (!answer.is_object() || answer["status"] != "success") {
      return std::nullopt;
    }
    const nlohmann::json& result = answer["data"]["result"];
    if (!result.is_array() || result.empty()) return std::nullopt;
    return std::stod(result[0]["value"][1].get<std::string>());
  }

  // A sample's value from Heimdall's own /metrics text, or -1.
  double HeimdallMetric(const std::string& series) {
    Result<http::ClientResponse> r =
        client_.Get(Url(api_port_) + "/metrics", 2s);
    if (!r.ok()) return -1;
    const size_t at = r->body.find("\n" + series + " ");
    if (at == std::string::npos) return -1;
    return std::stod(r->body.substr(at + series.size() + 2));
  }

  // Active alerts Alertmanager holds with alertname `name`.
  std::vector<nlohmann::json> AlertsNamed(const std::string& name) {
    std::vector<nlohmann::json> found;
    const nlohmann::json alerts =
        GetJson(Url(alertmanager_port_) + "/api/v2/alerts");
    if (!alerts.is_array()) return found;
    for (const nlohmann::json& alert : alerts) {
      if (alert["labels"]["alertname"] == name) found.push_back(alert);
    }
    return found;
  }

  std::filesystem::path dir_;
  uint16_t api_port_ = 0;
  uint16_t prometheus_port_ = 0;
  uint16_t alertmanager_port_ = 0;
  std::vector<ProcessId> started_;
  http::Client client_;
};

TEST_F(ObservabilityTest, PrometheusScrapesHeimdallsMetrics) {
  if (!StartPrometheus()) {
    GTEST_SKIP() << "Prometheus could not start (apt-get install prometheus): "
                 << Log("prometheus");
  }
  StartHeimdall();
  ASSERT_TRUE(Eventually([&] {
    const std::optional<double> readings =
        Query("heimdall_readings_total%7Bjob%3D%22heimdall%22%7D");
    return readings && *readings > 0;
  })) << Log("prometheus");
  EXPECT_EQ(Query("up%7Bjob%3D%22heimdall%22%7D"), 1.0);
  EXPECT_GE(Query("heimdall_generation_id").value_or(0), 1.0);
  EXPECT_EQ(Query("heimdall_breaker_open"), 0.0);
  // The histogram is exported with its conventional series.
  EXPECT_TRUE(Query("heimdall_heal_duration_seconds_count").has_value());
}

TEST_F(ObservabilityTest, AlertmanagerReceivesHeimdallsHealAlert) {
  if (!StartAlertmanager()) {
    GTEST_SKIP() << "Alertmanager could not start (apt-get install "
                    "prometheus-alertmanager): "
                 << Log("alertmanager");
  }
  // The heal is held before its destroy, so its alert stays active (a
  // finished heal resolves it, and Alertmanager lists active ones only).
  StartHeimdall("destroying");
  Result<http::ClientResponse> forced =
      client_.PostJson(Url(api_port_) + "/api/heal", "", 2s);
  ASSERT_TRUE(forced.ok() && forced->status == 202);

  std::vector<nlohmann::json> alerts;
  ASSERT_TRUE(Eventually([&] {
    alerts = AlertsNamed("HeimdallHeal");
    return !alerts.empty();
  })) << Log("heimdall");
  EXPECT_EQ(alerts[0]["labels"]["target"], "default");
  EXPECT_EQ(alerts[0]["labels"]["reason"], "forced");
  EXPECT_EQ(alerts[0]["labels"]["severity"], "warning");
  EXPECT_EQ(alerts[0]["status"]["state"], "active");
  EXPECT_NE(alerts[0]["annotations"]["description"].get<std::string>().find(
                "generation 1"),
            std::string::npos);
}

TEST_F(ObservabilityTest, TheBreakerAlertFiresUntilTheBreakerIsReset) {
  if (!StartAlertmanager()) {
    GTEST_SKIP() << "Alertmanager could not start (apt-get install "
                    "prometheus-alertmanager): "
                 << Log("alertmanager");
  }
  StartHeimdall("", /*max_heals=*/1);
  const auto post = [&](const std::string& path, const std::string& body) {
    Result<http::ClientResponse> r =
        client_.PostJson(Url(api_port_) + path, body, 2s);
    return r.ok() ? r->status : -1;
  };
  // A crash is healed once; the next one opens the breaker.
  ASSERT_EQ(post("/api/faults", R"({"kind": "crash"})"), 200);
  ASSERT_TRUE(Eventually([&] { return LiveGeneration() == 2; }))
      << Log("heimdall");
  ASSERT_EQ(post("/api/faults", R"({"kind": "crash"})"), 200);

  std::vector<nlohmann::json> alerts;
  ASSERT_TRUE(Eventually([&] {
    alerts = AlertsNamed("HeimdallBreakerOpen");
    return !alerts.empty();
  })) << Log("heimdall");
  EXPECT_EQ(alerts[0]["labels"],
            (nlohmann::json{{"alertname", "HeimdallBreakerOpen"},
                            {"target", "default"},
                            {"severity", "critical"}}));
  EXPECT_EQ(alerts[0]["status"]["state"], "active");
  EXPECT_EQ(LiveGeneration(), 2);  // Open: no second heal.

  // The reset resolves it; Alertmanager lists active alerts only.
  ASSERT_EQ(post("/api/breaker/reset", ""), 202);
  EXPECT_TRUE(Eventually(
      [&] { return AlertsNamed("HeimdallBreakerOpen").empty(); }, 15s))
      << Log("heimdall");
}

TEST_F(ObservabilityTest, APrometheusAlertRoutedToTheWebhookHeals) {
  if (!StartAlertmanager()) {
    GTEST_SKIP() << "Alertmanager could not start (apt-get install "
                    "prometheus-alertmanager): "
                 << Log("alertmanager");
  }
  if (!StartPrometheus()) {
    GTEST_SKIP() << "Prometheus could not start (apt-get install prometheus): "
                 << Log("prometheus");
  }
  StartHeimdall();
  ASSERT_EQ(LiveGeneration(), 1);

  // Rule fires -> Alertmanager -> POST /api/alertmanager -> heal.
  ASSERT_TRUE(Eventually([&] { return LiveGeneration() >= 2; }))
      << Log("heimdall") << Log("alertmanager");
  const nlohmann::json incidents =
      GetJson(Url(api_port_) + "/api/incidents?limit=10");
  ASSERT_TRUE(incidents.is_array() && !incidents.empty());
  const nlohmann::json& first = incidents.back();
  EXPECT_EQ(first["reason"], "alert");
  EXPECT_EQ(first["action"], "heal");
  EXPECT_EQ(first["generation_id"], 1);
  EXPECT_NE(first["detail"].get<std::string>().find("HeimdallTestTrigger"),
            std::string::npos);

  // Heimdall told Alertmanager of the heal (start and end), and both
  // were accepted.
  ASSERT_TRUE(Eventually([&] {
    return HeimdallMetric(
               "heimdall_alerts_total{outcome=\"sent\",target=\"default\"}") >=
           2;
  })) << Log("heimdall");
  EXPECT_GE(HeimdallMetric("heimdall_alert_heal_requests_total{result="
                           "\"matched\",target=\"default\"}"),
            1);
  // The rule stops firing once generation 2 is live: one heal, not a loop.
  std::this_thread::sleep_for(3s);
  const nlohmann::json heals = GetJson(Url(api_port_) + "/api/heals?limit=10");
  EXPECT_EQ(heals.size(), 1u) << heals.dump();
}

TEST(DeployConfigs, PromtoolAndAmtoolAcceptTheShippedExamples) {
  if (!Installed("promtool") || !Installed("amtool")) {
    GTEST_SKIP() << "promtool/amtool not installed (apt-get install "
                    "prometheus prometheus-alertmanager)";
  }
  const std::string dir = HEIMDALL_SOURCE_DIR "/deploy/prometheus/";
  for (const std::vector<std::string>& command :
       {std::vector<std::string>{"promtool", "check", "config",
                                 dir + "prometheus.yml"},
        std::vector<std::string>{"promtool", "check", "rules",
                                 dir + "heimdall.rules.yml"},
        std::vector<std::string>{"amtool", "check-config",
                                 dir + "alertmanager.yml"}}) {
    CommandSpec spec;
    spec.program = command[0];
    spec.args.assign(command.begin() + 1, command.end());
    Result<CommandOutput> ran = RunCommand(spec);
    ASSERT_TRUE(ran.ok()) << ran.error().message();
    EXPECT_EQ(ran->exit_code, 0)
        << command.back() << ": " << ran->out << ran->err;
  }
}

TEST(DeployConfigs, TheSystemdUnitVerifies) {
  if (!Installed("systemd-analyze")) {
    GTEST_SKIP() << "systemd-analyze not installed (apt-get install systemd)";
  }
  // The unit as shipped, pointed at the binary just built.
  std::ifstream in(HEIMDALL_SOURCE_DIR "/deploy/systemd/heimdall.service");
  std::string unit((std::istreambuf_iterator<char>(in)),
                   std::istreambuf_iterator<char>());
  ASSERT_FALSE(unit.empty());
  unit = std::regex_replace(unit, std::regex("/usr/local/bin/heimdall"),
                            HEIMDALL_BINARY);
  char dir[] = "/tmp/heimdall-unit-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::filesystem::path path =
      std::filesystem::path(dir) / "heimdall.service";
  std::ofstream(path) << unit;

  CommandSpec spec;
  spec.program = "systemd-analyze";
  spec.args = {"verify", path.string()};
  Result<CommandOutput> ran = RunCommand(spec);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(ran.ok()) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 0) << ran->err;
  // Unknown keys and misplaced settings are only warnings to systemd.
  EXPECT_EQ(ran->err.find("Unknown"), std::string::npos) << ran->err;
  EXPECT_TRUE(unit.find("NoNewPrivileges=yes") != std::string::npos);
  EXPECT_TRUE(unit.find("DynamicUser=yes") != std::string::npos);
}

TEST(DeployConfigs, TheTerraformModuleIsFormatted) {
  if (!Installed("terraform")) {
    GTEST_SKIP() << "no terraform on PATH (not packaged for Debian)";
  }
  CommandSpec spec;
  spec.program = "terraform";
  spec.args = {"fmt", "-check", "-recursive", "-no-color",
               HEIMDALL_SOURCE_DIR "/deploy/terraform"};
  spec.env = {"CHECKPOINT_DISABLE=1"};
  Result<CommandOutput> ran = RunCommand(spec);
  ASSERT_TRUE(ran.ok()) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 0) << "not formatted: " << ran->out << ran->err;
}

}  // namespace
}  // namespace heimdall::healer
