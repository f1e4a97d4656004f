// End to end: the real `heimdall up` binary with real `simulate` and
// `serve` processes at a 100 ms poll, driven through its control API.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>
#include <tuple>

#include "healer/local_provider.h"
#include "healer/process.h"
#include "healer/up_test_support.h"
#include "store/sqlite_store.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

constexpr auto kPatience = 30s;

// Polls `condition` until it holds or kPatience passes.
template <typename Condition>
bool Eventually(Condition condition) {
  return test_support::Eventually(condition, kPatience, 50ms);
}

struct ProcessInfo {
  ProcessId id;
  int port = 0;
};

class UpEndToEndTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-e2e-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    config_ = dir_ / "heimdall.toml";
    // These tests are about the loop, not the detector: the earlier model
    // flags an acute reading at once, and a stuck sensor goes stale in 2 s.
    WriteConfig(R"(parts = ["model"])", 5);
  }

  void WriteConfig(std::string_view detector, double speed) {
    std::ofstream(config_) << fmt::format(R"(
state_dir = "{}"
[controller]
interval = "100ms"
[policy]
grace = "500ms"
cooldown = "0s"
stale_after = "2s"
[policy.backoff]
base = "100ms"
max = "1s"
[policy.breaker]
max_heals = 0
[provider.local]
simulator_args = ["--speed", "{}"]
[probe]
telemetry_timeout = "300ms"
predict_timeout = "300ms"
[api]
listen = "127.0.0.1:0"
[detector]
{}
)",
                                          (dir_ / "state").string(), speed,
                                          detector);
  }

  void TearDown() override {
    if (up_.Stop()) {
      // A clean stop leaves nothing of ours running.
      EXPECT_TRUE(OurProcesses().empty());
    }
    for (const auto& [pid, marker] : OurProcesses()) {
      (void)StopProcessGroup({pid, *ProcessStartTicks(pid)}, 0ms);
    }
    std::filesystem::remove_all(dir_);
  }

  // Starts `heimdall up` and waits for a live generation; `hold_phase`
  // sets the test hook that holds heals there.
  void StartUp(const std::string& hold_phase = "") {
    ASSERT_TRUE(up_.Start(config_, dir_ / fmt::format("up-{}.log", ++starts_),
                          hold_phase));
  }

  std::vector<ProcessId> LiveProcesses() {
    std::vector<ProcessId> ids;
    const nlohmann::json state = up_.Get("/api/state");
    if (!state.is_object() || !state["generation"].is_object()) return ids;
    for (const auto& p : state["generation"]["detail"]["processes"]) {
      ids.push_back({p["pid"].get<pid_t>(), p["start_ticks"].get<uint64_t>()});
    }
    return ids;
  }

  // Every running process carrying this test's state-dir marker.
  std::vector<std::pair<pid_t, std::string>> OurProcesses() {
    const std::string prefix =
        std::filesystem::weakly_canonical(dir_ / "state").string() + "/";
    std::vector<std::pair<pid_t, std::string>> ours;
    for (auto& found : FindProcessesWithEnv(kGenerationMarkerEnv)) {
      if (found.second.starts_with(prefix)) ours.push_back(found);
    }
    return ours;
  }

  std::unique_ptr<store::SqliteStore> OpenStore() {
    return store::SqliteStore::Open(dir_ / "state" / "heimdall.db",
                                    {.create_if_missing = false})
        .value();
  }

  std::filesystem::path dir_;
  std::filesystem::path config_;
  test_support::UpProcess up_{kPatience};
  int starts_ = 0;
};

struct FaultCase {
  const char* body;
  const char* reason;
};

TEST_F(UpEndToEndTest, EveryFaultKindIsHealedForTheRightReason) {
  StartUp();
  const FaultCase cases[] = {
      {R"({"kind": "acute"})", "threshold"},
      {R"({"kind": "crash"})", "unresponsive"},
      {R"({"kind": "sensor_dropout"})", "invalid_reading"},
      {R"({"kind": "sensor_stuck"})", "stale_reading"},
      {R"({"kind": "fever", "rate": 10})", "threshold"},
      {R"({"kind": "oxygen_leak", "rate": 100})", "threshold"},
  };
  for (const FaultCase& fault : cases) {
    SCOPED_TRACE(fault.body);
    const int64_t old = up_.LiveGeneration();
    ASSERT_GT(old, 0);
    const std::vector<ProcessId> old_processes = LiveProcesses();
    ASSERT_EQ(up_.Post("/api/faults", fault.body), 200);
    ASSERT_TRUE(Eventually([&] {
      const int64_t now = up_.LiveGeneration();
      return now != 0 && now != old;
    }));

    const nlohmann::json incident = up_.Get("/api/incidents?limit=1")[0];
    EXPECT_EQ(incident["reason"], fault.reason);
    EXPECT_EQ(incident["action"], "heal");
    EXPECT_EQ(incident["generation_id"], old);
    EXPECT_FALSE(incident["readings"].empty());

    // New processes; the old ones are gone.
    for (const ProcessId& now : LiveProcesses()) {
      for (const ProcessId& before : old_processes) {
        EXPECT_NE(now.pid, before.pid);
      }
    }
    for (const ProcessId& before : old_processes) {
      EXPECT_FALSE(IsRunning(before)) << before.pid;
    }
    // The archive was written before the destroy: it saw them running.
    const nlohmann::json generations = up_.Get("/api/generations?limit=10");
    const auto archived =
        std::find_if(generations.begin(), generations.end(),
                     [&](const nlohmann::json& g) { return g["id"] == old; });
    ASSERT_NE(archived, generations.end());
    EXPECT_EQ((*archived)["status"], "stopped");
    EXPECT_EQ((*archived)["stop_reason"], std::string("heal: ") + fault.reason);
    const nlohmann::json& archive = (*archived)["archive"];
    ASSERT_EQ(archive["processes"].size(), 2u);
    for (const nlohmann::json& p : archive["processes"]) {
      EXPECT_TRUE(p["running"].get<bool>());
      EXPECT_FALSE(p["log_tail"].get<std::string>().empty());
    }
    EXPECT_TRUE(std::filesystem::exists(archive["path"].get<std::string>()));
  }
  EXPECT_EQ(OurProcesses().size(), 2u);
}

// The default detector (trend + frozen sensor) through the real loop: a
// slow oxygen leak is healed on its forecast, before the astronaut's oxygen
// is critical (< 85 %).
TEST_F(UpEndToEndTest, DefaultDetectorHealsAnOxygenLeakBeforeCritical) {
  // A minute of simulated time per second: the trend needs two minutes.
  WriteConfig("", 60);
  StartUp();
  const int64_t old = up_.LiveGeneration();
  ASSERT_EQ(up_.Post("/api/faults", R"({"kind": "oxygen_leak", "rate": 3})"),
            200);
  ASSERT_TRUE(Eventually([&] {
    const int64_t now = up_.LiveGeneration();
    return now != 0 && now != old;
  }));
  const nlohmann::json incident = up_.Get("/api/incidents?limit=1")[0];
  EXPECT_EQ(incident["reason"], "threshold");
  EXPECT_EQ(incident["generation_id"], old);
  const nlohmann::json& readings = incident["readings"];
  ASSERT_FALSE(readings.empty());
  for (const nlohmann::json& reading : readings) {
    EXPECT_GT(reading["values"]["oxygen_level"].get<double>(), 85.0)
        << reading.dump();
    // The predictor was still asked; its answer is kept beside the decision.
    EXPECT_TRUE(reading["model_probability"].is_number()) << reading.dump();
  }
  EXPECT_GT(readings.back()["probability"].get<double>(), 0.9);
}

class KillMidHealTest : public UpEndToEndTest,
                        public ::testing::WithParamInterface<const char*> {};

TEST_P(KillMidHealTest, RestartLeavesOneLiveGenerationAndNoOrphans) {
  const std::string phase = GetParam();
  StartUp(phase);
  const int64_t first = up_.LiveGeneration();
  const std::vector<ProcessId> first_processes = LiveProcesses();
  ASSERT_EQ(up_.Post("/api/faults", R"({"kind": "acute"})"), 200);
  ASSERT_TRUE(Eventually([&] {
    const nlohmann::json heals = up_.Get("/api/heals?limit=1");
    return heals.is_array() && !heals.empty() && heals[0]["phase"] == phase &&
           heals[0]["ended_at"].is_null();
  }));
  ASSERT_TRUE(up_.Kill());

  StartUp();
  const int64_t live = up_.LiveGeneration();
  EXPECT_NE(live, first);

  auto store = OpenStore();
  const std::vector<store::Generation> running =
      store->RunningGenerations("default").value();
  ASSERT_EQ(running.size(), 1u);
  EXPECT_EQ(running[0].id, live);
  EXPECT_EQ(running[0].status, store::GenerationStatus::kLive);

  // Exactly the live generation's two processes run; the first are gone.
  const std::vector<ProcessId> live_processes = LiveProcesses();
  ASSERT_EQ(live_processes.size(), 2u) << up_.Get("/api/state").dump();
  const auto ours = OurProcesses();
  ASSERT_EQ(ours.size(), 2u);
  for (const auto& [pid, marker] : ours) {
    EXPECT_TRUE(pid == live_processes[0].pid || pid == live_processes[1].pid);
  }
  for (const ProcessId& id : first_processes) EXPECT_FALSE(IsRunning(id));

  // The incident survived; the heal is finished; the first generation was
  // archived (before it was destroyed) and stopped.
  const std::vector<store::Incident> incidents =
      store->ListIncidents("default", 10).value();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].reason, "threshold");
  EXPECT_EQ(incidents[0].generation_id, first);
  const store::HealAction heal = store->ListHealActions("default", 1)->at(0);
  EXPECT_EQ(heal.phase, "done");
  EXPECT_EQ(heal.to_generation, live);
  const store::Generation old = store->GetGeneration(first)->value();
  EXPECT_EQ(old.status, store::GenerationStatus::kStopped);
  ASSERT_TRUE(old.archive.is_object());
  for (const nlohmann::json& p : old.archive["processes"]) {
    EXPECT_TRUE(p["running"].get<bool>());
  }
}

INSTANTIATE_TEST_SUITE_P(Phases, KillMidHealTest,
                         ::testing::Values("archiving", "destroying",
                                           "building"));

// What a page on another site could send from the operator's browser: a
// cross-origin POST, and any request under a rebound host name.
TEST_F(UpEndToEndTest, PagesOnOtherSitesCannotDriveOrReadTheController) {
  StartUp();
  http::Client client;
  const auto send =
      [&](std::string method, std::string path,
          std::vector<std::pair<std::string, std::string>> headers) {
        http::ClientRequest request;
        request.method = std::move(method);
        request.url = up_.api() + path;
        request.headers = std::move(headers);
        Result<http::ClientResponse> answer = client.Send(request);
        return answer.ok() ? answer->status : -1;
      };
  EXPECT_EQ(send("POST", "/api/heal", {{"Origin", "http://evil.example"}}),
            403);
  EXPECT_EQ(send("POST", "/api/faults", {{"Sec-Fetch-Site", "cross-site"}}),
            403);
  EXPECT_EQ(send("GET", "/api/state", {{"Host", "evil.example:8080"}}), 403);
  EXPECT_EQ(send("GET", "/", {{"Host", "evil.example"}}), 403);
  EXPECT_EQ(up_.Get("/api/state")["heals"], 0);
  EXPECT_EQ(up_.Get("/api/incidents").size(), 0u);

  // The dashboard's own requests carry its origin and pass.
  const std::string origin = up_.api();
  EXPECT_EQ(send("POST", "/api/pause", {{"Origin", origin}}), 202);
}

TEST_F(UpEndToEndTest, ASecondControllerOnTheSameStateIsRefused) {
  StartUp();
  ProcessSpec spec;
  spec.program = HEIMDALL_BINARY;
  spec.args = {"up", "--config", config_.string()};
  spec.log_path = dir_ / "second.log";
  Result<ProcessId> second = SpawnProcess(spec);
  ASSERT_TRUE(second.ok());
  int status = 0;
  ASSERT_EQ(waitpid(second->pid, &status, 0), second->pid);
  EXPECT_EQ(WEXITSTATUS(status), 1);
  EXPECT_NE(TailFile(spec.log_path, 4096).find("another heimdall up"),
            std::string::npos);
  EXPECT_EQ(OurProcesses().size(), 2u);
}

// `up | head` or a log shipper that goes away closes the log pipe. The
// controller keeps healing (its log lines are lost) and a stop still ends
// what it started; it used to die of SIGPIPE and leave its generation.
TEST_F(UpEndToEndTest, AClosedLogPipeNeitherStopsItNorOrphansItsGeneration) {
  const std::filesystem::path fifo = dir_ / "log.fifo";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  // Opened before the child, so its open for writing does not block.
  int reader = open(fifo.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  ASSERT_GE(reader, 0) << std::strerror(errno);
  ProcessSpec spec;
  spec.program = HEIMDALL_BINARY;
  spec.args = {"up", "--config", config_.string()};
  spec.log_path = fifo;
  Result<ProcessId> up = SpawnProcess(spec);
  ASSERT_TRUE(up.ok()) << up.error().message();
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && kill(pid, SIGKILL) == 0) waitpid(pid, nullptr, 0);
    }
  } reaper{up->pid};

  // Read the log until the API's address, then hang up.
  const std::regex listening("control API on (http://127\\.0\\.0\\.1:\\d+)");
  std::string log;
  std::smatch match;
  const bool listens = test_support::Eventually(
      [&] {
        char buffer[4096];
        for (ssize_t n; (n = read(reader, buffer, sizeof buffer)) > 0;) {
          log.append(buffer, static_cast<size_t>(n));
        }
        return std::regex_search(log, match, listening);
      },
      kPatience, 50ms);
  close(reader);
  ASSERT_TRUE(listens) << log;
  const std::string api = match[1].str();
  http::Client client;
  ASSERT_TRUE(test_support::Eventually(
      [&] { return test_support::LiveGeneration(client, api) == 1; },
      kPatience, 50ms));

  // A forced heal logs several lines into the closed pipe.
  Result<http::ClientResponse> heal =
      client.PostJson(api + "/api/heal", "{}", 2s);
  ASSERT_TRUE(heal.ok());
  EXPECT_EQ(heal->status, 202);
  EXPECT_TRUE(test_support::Eventually(
      [&] { return test_support::LiveGeneration(client, api) == 2; },
      kPatience, 50ms));
  int status = 0;
  EXPECT_EQ(waitpid(up->pid, &status, WNOHANG), 0) << "up died: " << status;

  kill(up->pid, SIGTERM);
  ASSERT_EQ(waitpid(up->pid, &status, 0), up->pid);
  reaper.pid = 0;
  EXPECT_TRUE(WIFEXITED(status)) << "ended by signal " << WTERMSIG(status);
  EXPECT_TRUE(OurProcesses().empty());
}

// Files the generations need are checked before anything starts, rather
// than showing up as builds failing and retried for ever.
TEST_F(UpEndToEndTest, AMissingReplayOrAMissingOrBrokenModelIsRefusedAtStart) {
  // The Docker provider's model is named as its own (and refused before
  // the engine is asked for anything).
  const std::filesystem::path docker_config = dir_ / "docker.toml";
  std::ofstream(docker_config)
      << fmt::format("state_dir = \"{}\"\n[provider]\nkind = \"docker\"\n",
                     (dir_ / "docker-state").string());
  const std::filesystem::path broken = dir_ / "broken-model.json";
  std::ofstream(broken) << R"({"format": "heimdall-ocsvm", "version": 1})";
  const std::string missing = "/nonexistent/series.csv";
  const std::tuple<std::filesystem::path, const char*, std::string,
                   std::string>
      cases[] = {
          {config_, "--replay", missing,
           "replay: /nonexistent/series.csv is not a readable file"},
          {config_, "--model", missing,
           "provider.local.model: /nonexistent/series.csv is not a readable "
           "file"},
          {docker_config, "--model", missing,
           "provider.docker.model: /nonexistent/series.csv is not a readable "
           "file"},
          {config_, "--model", broken.string(),
           "provider.local.model: " + broken.string() +
               ": the document has no 'features'"},
      };
  for (const auto& [config, flag, file, message] : cases) {
    ProcessSpec spec;
    spec.program = HEIMDALL_BINARY;
    spec.args = {"up", "--config", config.string(), flag, file};
    spec.log_path = dir_ / "refused.log";
    Result<ProcessId> up = SpawnProcess(spec);
    ASSERT_TRUE(up.ok());
    int status = 0;
    ASSERT_EQ(waitpid(up->pid, &status, 0), up->pid);
    EXPECT_EQ(WEXITSTATUS(status), 1);
    EXPECT_NE(TailFile(spec.log_path, 4096).find(message), std::string::npos)
        << TailFile(spec.log_path, 4096);
    EXPECT_TRUE(OurProcesses().empty());
  }
}

}  // namespace
}  // namespace heimdall::healer
