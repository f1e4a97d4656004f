#include "service/simulator_service.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "http/client.h"
#include "telemetry/http_poll_source.h"

namespace heimdall::service {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;

// Wall time the tests set by hand.
class ManualTime {
 public:
  std::function<double()> Function() {
    return [this] { return seconds_.load(); };
  }
  void Advance(double seconds) { seconds_ = seconds_.load() + seconds; }

 private:
  std::atomic<double> seconds_{1000.0};
};

http::Request MakeRequest(std::string method, std::string path,
                          std::string body = "",
                          std::string authorization = "") {
  http::Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  request.body = std::move(body);
  if (!authorization.empty()) {
    request.headers.emplace_back("Authorization", std::move(authorization));
  }
  return request;
}

json Body(const http::Response& response) { return json::parse(response.body); }

class SimulatorServiceTest : public ::testing::Test {
 protected:
  std::unique_ptr<SimulatorService> Make(double speed = 1.0,
                                         std::string token = "") {
    telemetry::SimulatorOptions simulator;
    simulator.seed = 5;
    SimulatorServiceOptions options;
    options.speed = speed;
    options.token = std::move(token);
    options.now = time_.Function();
    return SimulatorService::ForSimulator(simulator, options).value();
  }

  json Get(SimulatorService& service, const std::string& path) {
    const http::Response response =
        path == "/telemetry" ? service.Telemetry(MakeRequest("GET", path))
        : path == "/faults"  ? service.Faults(MakeRequest("GET", path))
                             : service.Health(MakeRequest("GET", path));
    EXPECT_EQ(response.status, 200) << response.body;
    return Body(response);
  }

  ManualTime time_;
};

TEST_F(SimulatorServiceTest, TelemetryKeepsTheEarlierContract) {
  auto service = Make();
  const json body = Get(*service, "/telemetry");
  for (const char* key : {"heart_rate", "oxygen_level", "temperature"}) {
    ASSERT_TRUE(body.at(key).is_number()) << key;
  }
  EXPECT_TRUE(body.at("respiration_rate").is_number());
  EXPECT_EQ(body.at("astronaut_id"), "astronaut-5");
  EXPECT_EQ(body.at("fault"), "none");
  EXPECT_EQ(body.at("critical"), false);
  EXPECT_TRUE(body.at("timestamp").is_string());
}

TEST_F(SimulatorServiceTest, SimulatedTimeIsSpeedTimesWallTime) {
  auto service = Make(/*speed=*/10);
  EXPECT_EQ(Get(*service, "/telemetry").at("time"), 0.0);
  time_.Advance(0.05);  // Half a simulated second: the same sample.
  EXPECT_EQ(Get(*service, "/telemetry").at("time"), 0.0);
  time_.Advance(0.95);
  EXPECT_EQ(Get(*service, "/telemetry").at("time"), 10.0);
  time_.Advance(360);  // An hour of simulated time, caught up at once.
  EXPECT_EQ(Get(*service, "/telemetry").at("time"), 3610.0);
}

TEST_F(SimulatorServiceTest, InjectFaultTurnsVitalsAnomalousAtOnce) {
  auto service = Make();
  const http::Response injected =
      service->InjectFault(MakeRequest("POST", "/inject_fault"));
  ASSERT_EQ(injected.status, 200);
  EXPECT_EQ(injected.content_type, "application/json");
  const json status = Body(injected);
  EXPECT_EQ(status.at("status"), "fault injected");
  EXPECT_EQ(status.at("fault").at("kind"), "acute");

  const json reading = Get(*service, "/telemetry");  // No time has passed.
  EXPECT_GE(reading.at("heart_rate").get<double>(), 130);
  EXPECT_LE(reading.at("oxygen_level").get<double>(), 92);
  EXPECT_GE(reading.at("temperature").get<double>(), 38);
  EXPECT_EQ(reading.at("fault"), "acute");
}

TEST_F(SimulatorServiceTest, OxygenLeakReportsItsFirstCriticalTime) {
  auto service = Make();
  time_.Advance(60);
  const http::Response started = service->StartFault(
      MakeRequest("POST", "/faults", R"({"kind": "oxygen_leak", "rate": 10})"));
  ASSERT_EQ(started.status, 200) << started.body;
  const json fault = Body(started).at("fault");
  EXPECT_EQ(fault.at("params").at("rate"), 10.0);
  EXPECT_EQ(fault.at("params").at("floor"), 60.0);
  EXPECT_EQ(fault.at("start"), 61.0);  // The sample made at injection.
  EXPECT_TRUE(fault.at("first_critical").is_null());

  // About 14 points to lose at 10 a minute: critical after ~84 s.
  time_.Advance(150);
  const json later = Get(*service, "/faults").at("fault");
  EXPECT_TRUE(later.at("active").get<bool>());
  ASSERT_TRUE(later.at("seconds_to_critical").is_number()) << later;
  EXPECT_NEAR(later.at("seconds_to_critical").get<double>(), 84, 8);
  EXPECT_EQ(Get(*service, "/telemetry").at("critical"), true);

  const http::Response cleared =
      service->ClearFault(MakeRequest("DELETE", "/faults"));
  ASSERT_EQ(cleared.status, 200);
  const json was = Body(cleared).at("cleared");
  EXPECT_EQ(was.at("kind"), "oxygen_leak");
  EXPECT_FALSE(was.at("active").get<bool>());
  EXPECT_EQ(was.at("first_critical"), later.at("first_critical"));
  time_.Advance(1);
  EXPECT_EQ(Get(*service, "/telemetry").at("fault"), "none");
}

TEST_F(SimulatorServiceTest, BadFaultRequestsGet400NamingTheProblem) {
  auto service = Make();
  const auto error_of = [&](const std::string& body) {
    const http::Response response =
        service->StartFault(MakeRequest("POST", "/faults", body));
    EXPECT_EQ(response.status, 400) << body;
    return Body(response).at("error").get<std::string>();
  };
  EXPECT_FALSE(error_of("not json").empty());
  EXPECT_NE(error_of("[1]").find("object"), std::string::npos);
  EXPECT_NE(error_of("{}").find("missing field 'kind'"), std::string::npos);
  EXPECT_NE(error_of(R"({"kind": 3})").find("'kind' must be a string"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "meteor"})").find("unknown fault kind"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "fever", "rate": true})")
                .find("parameter 'rate' must be a number or a string, got "
                      "boolean"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "fever", "rate": "fast"})")
                .find("rate must be a number"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "oxygen_leak", "rate": -1})")
                .find("rate must be in (0, 100]"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"kind": "acute", "bogus": 1})")
                .find("unknown parameter 'bogus'"),
            std::string::npos);
  EXPECT_EQ(Get(*service, "/faults").at("fault").at("kind"), "none");
}

TEST_F(SimulatorServiceTest, TokenGuardsStateChanges) {
  auto service = Make(1.0, "s3cret");
  const std::string body = R"({"kind": "fever"})";
  for (const std::string& authorization :
       {std::string(), std::string("Bearer wrong"), std::string("Bearer s3cre"),
        std::string("Bearer s3cret2"), std::string("Basic s3cret"),
        std::string("s3cret")}) {
    SCOPED_TRACE(authorization);
    const http::Response response = service->StartFault(
        MakeRequest("POST", "/faults", body, authorization));
    EXPECT_EQ(response.status, 401);
    ASSERT_EQ(response.headers.size(), 1u);
    EXPECT_EQ(response.headers[0].first, "WWW-Authenticate");
    EXPECT_EQ(service
                  ->InjectFault(
                      MakeRequest("POST", "/inject_fault", "", authorization))
                  .status,
              401);
    EXPECT_EQ(
        service->ClearFault(MakeRequest("DELETE", "/faults", "", authorization))
            .status,
        401);
  }
  EXPECT_EQ(Get(*service, "/faults").at("fault").at("kind"), "none");
  EXPECT_EQ(
      service->StartFault(MakeRequest("POST", "/faults", body, "Bearer s3cret"))
          .status,
      200);
  EXPECT_EQ(
      service->ClearFault(MakeRequest("DELETE", "/faults", "", "bearer s3cret"))
          .status,
      200);
  // Reading needs no token.
  EXPECT_EQ(service->Telemetry(MakeRequest("GET", "/telemetry")).status, 200);
}

TEST_F(SimulatorServiceTest, CrashHoldsRequestsThenAnswers503) {
  auto service = Make();
  ASSERT_EQ(service
                ->StartFault(MakeRequest("POST", "/faults",
                                         R"({"kind":"crash","hang_s":0.05})"))
                .status,
            200);
  EXPECT_EQ(service->Telemetry(MakeRequest("GET", "/telemetry")).status, 503);
  EXPECT_EQ(service->Health(MakeRequest("GET", "/healthz")).status, 503);
  // The control plane still answers.
  EXPECT_EQ(Get(*service, "/faults").at("fault").at("kind"), "crash");
  ASSERT_EQ(service->ClearFault(MakeRequest("DELETE", "/faults")).status, 200);
  EXPECT_EQ(service->Telemetry(MakeRequest("GET", "/telemetry")).status, 200);
  EXPECT_EQ(Get(*service, "/healthz").at("status"), "ok");
}

TEST_F(SimulatorServiceTest, ClearingACrashReleasesHeldRequests) {
  auto service = Make();
  // Held for up to an hour: only the clear can end the wait in time.
  ASSERT_EQ(service
                ->StartFault(MakeRequest("POST", "/faults",
                                         R"({"kind":"crash","hang_s":3600})"))
                .status,
            200);
  std::atomic<int> status{0};
  std::thread reader([&] {
    status = service->Telemetry(MakeRequest("GET", "/telemetry")).status;
  });
  // Clear only once the reader is waiting, or the test proves nothing.
  std::this_thread::sleep_for(milliseconds(50));
  EXPECT_EQ(status.load(), 0);
  ASSERT_EQ(service->ClearFault(MakeRequest("DELETE", "/faults")).status, 200);
  reader.join();
  EXPECT_EQ(status.load(), 200);
}

TEST_F(SimulatorServiceTest, ShutdownReleasesHeldRequests) {
  auto service = Make();
  ASSERT_EQ(service
                ->StartFault(MakeRequest("POST", "/faults",
                                         R"({"kind":"crash","hang_s":3600})"))
                .status,
            200);
  std::atomic<int> status{0};
  std::thread reader([&] {
    status = service->Telemetry(MakeRequest("GET", "/telemetry")).status;
  });
  std::this_thread::sleep_for(milliseconds(50));
  service->Shutdown();
  reader.join();
  EXPECT_EQ(status.load(), 503);
  // After shutdown a crash answers at once.
  EXPECT_EQ(service->Health(MakeRequest("GET", "/healthz")).status, 503);
}

TEST_F(SimulatorServiceTest, MetricsShowValuesFaultsAndHttp) {
  auto service = Make();
  http::Router router;
  service->Register(router);
  ASSERT_EQ(router.Dispatch(MakeRequest("POST", "/inject_fault")).status, 200);
  const http::Response metrics =
      router.Dispatch(MakeRequest("GET", "/metrics"));
  ASSERT_EQ(metrics.status, 200);
  const std::string& text = metrics.body;
  EXPECT_NE(text.find("heimdall_simulator_value{name=\"heart_rate\"}"),
            std::string::npos);
  EXPECT_NE(text.find("heimdall_simulator_fault_active{kind=\"acute\"} 1"),
            std::string::npos);
  EXPECT_NE(
      text.find("heimdall_simulator_faults_injected_total{kind=\"acute\"} 1"),
      std::string::npos);
  EXPECT_NE(text.find("http_requests_total"), std::string::npos);
}

TEST(SimulatorServiceOptions, BadSpeedIsRefused) {
  SimulatorServiceOptions options;
  options.speed = 0;
  EXPECT_FALSE(SimulatorService::ForSimulator({}, options).ok());
  options.speed = -2;
  EXPECT_FALSE(SimulatorService::ForSimulator({}, options).ok());
}

std::filesystem::path WriteCsv(const std::string& name,
                               const std::string& text) {
  const auto path = std::filesystem::path(::testing::TempDir()) / name;
  std::ofstream(path, std::ios::binary) << text;
  return path;
}

std::unique_ptr<telemetry::ReplaySource> OpenReplay(
    const std::filesystem::path& path) {
  telemetry::ReplayOptions options;
  options.path = path;
  return telemetry::ReplaySource::Open(options).value();
}

TEST_F(SimulatorServiceTest, ReplayIsPacedThenEndsWith410) {
  SimulatorServiceOptions options;
  options.now = time_.Function();
  auto service =
      SimulatorService::ForReplay(
          OpenReplay(WriteCsv("paced.csv", "time,value\n0,1\n10,2\n20,3\n")),
          options)
          .value();
  EXPECT_EQ(Get(*service, "/telemetry").at("value"), 1.0);
  time_.Advance(9.9);
  EXPECT_EQ(Get(*service, "/telemetry").at("value"), 1.0);
  time_.Advance(0.1);
  const json second = Get(*service, "/telemetry");
  EXPECT_EQ(second.at("value"), 2.0);
  EXPECT_EQ(second.at("series"), "paced");
  time_.Advance(10);
  EXPECT_EQ(Get(*service, "/telemetry").at("value"), 3.0);
  time_.Advance(9.9);  // The last row stays as long as the one before it.
  EXPECT_EQ(Get(*service, "/telemetry").at("value"), 3.0);
  time_.Advance(0.1);
  const http::Response ended =
      service->Telemetry(MakeRequest("GET", "/telemetry"));
  EXPECT_EQ(ended.status, 410);
  EXPECT_EQ(Body(ended).at("end"), true);
  const json health = Get(*service, "/healthz");
  EXPECT_EQ(health.at("end"), true);
  EXPECT_EQ(health.at("mode"), "replay");
}

TEST_F(SimulatorServiceTest, ReplayAcceptsOnlyCrashFaults) {
  SimulatorServiceOptions options;
  options.now = time_.Function();
  auto service =
      SimulatorService::ForReplay(
          OpenReplay(WriteCsv("faults.csv", "time,value\n0,1\n")), options)
          .value();
  const http::Response acute =
      service->InjectFault(MakeRequest("POST", "/inject_fault"));
  EXPECT_EQ(acute.status, 409);
  EXPECT_NE(Body(acute).at("error").get<std::string>().find("only a crash"),
            std::string::npos);
  EXPECT_EQ(service
                ->StartFault(MakeRequest("POST", "/faults",
                                         R"({"kind":"crash","hang_s":0.01})"))
                .status,
            200);
  EXPECT_EQ(service->Telemetry(MakeRequest("GET", "/telemetry")).status, 503);
}

// The service on a real socket, with the real clock.
class SimulatorServiceHttpTest : public ::testing::Test {
 protected:
  void Start(std::unique_ptr<SimulatorService> service) {
    service_ = std::move(service);
    http::Router router;
    service_->Register(router);
    http::ServerOptions options;
    options.threads = 4;
    options.on_reject = service_->RejectionCounter();
    server_ = http::Server::Start(options, std::move(router)).value();
  }
  void StartSimulator(std::string token = "") {
    telemetry::SimulatorOptions simulator;
    simulator.seed = 9;
    SimulatorServiceOptions options;
    options.token = std::move(token);
    Start(SimulatorService::ForSimulator(simulator, options).value());
  }
  void TearDown() override {
    if (service_) service_->Shutdown();
    if (server_) server_->Stop();
  }
  std::string Url(std::string_view path) const {
    return fmt::format("http://127.0.0.1:{}{}", server_->port(), path);
  }
  http::ClientResponse Send(std::string method, std::string_view path,
                            std::string body = "", std::string token = "") {
    http::ClientRequest request;
    request.method = std::move(method);
    request.url = Url(path);
    request.body = std::move(body);
    if (!token.empty()) {
      request.headers.emplace_back("Authorization", "Bearer " + token);
    }
    request.timeout = milliseconds(10'000);
    Result<http::ClientResponse> response = client_.Send(request);
    EXPECT_TRUE(response.ok()) << response.error().message();
    return response.ok() ? *response : http::ClientResponse{};
  }

  std::unique_ptr<SimulatorService> service_;
  std::unique_ptr<http::Server> server_;
  http::Client client_;
};

TEST_F(SimulatorServiceHttpTest, TheEarlierClientContractWorks) {
  StartSimulator();
  const http::ClientResponse first = Send("GET", "/telemetry");
  ASSERT_EQ(first.status, 200);
  EXPECT_NE(first.content_type.find("application/json"), std::string::npos);
  const json reading = json::parse(first.body);
  for (const char* key : {"heart_rate", "oxygen_level", "temperature"}) {
    ASSERT_TRUE(reading.at(key).is_number()) << key;
  }
  EXPECT_LT(reading.at("heart_rate").get<double>(), 130);

  // The earlier monitor posts with no body at all.
  const http::ClientResponse injected = Send("POST", "/inject_fault");
  ASSERT_EQ(injected.status, 200);
  EXPECT_NE(injected.content_type.find("application/json"), std::string::npos);
  EXPECT_EQ(json::parse(injected.body).at("status"), "fault injected");

  const json faulty = json::parse(Send("GET", "/telemetry").body);
  EXPECT_GE(faulty.at("heart_rate").get<double>(), 130);
  EXPECT_LE(faulty.at("oxygen_level").get<double>(), 92);
  EXPECT_GE(faulty.at("temperature").get<double>(), 38);
}

TEST_F(SimulatorServiceHttpTest, TokenAndBadRequestsOverTheWire) {
  StartSimulator("t0ken");
  EXPECT_EQ(Send("POST", "/inject_fault").status, 401);
  EXPECT_EQ(Send("POST", "/faults", R"({"kind":"fever"})", "nope").status, 401);
  const http::ClientResponse bad =
      Send("POST", "/faults", R"({"kind":"fever","rate":-3})", "t0ken");
  EXPECT_EQ(bad.status, 400);
  EXPECT_NE(json::parse(bad.body).at("error").get<std::string>().find("rate"),
            std::string::npos);
  EXPECT_EQ(Send("POST", "/faults", R"({"kind":"fever"})", "t0ken").status,
            200);
  EXPECT_EQ(Send("GET", "/faults").status, 200);
  EXPECT_EQ(Send("GET", "/nowhere").status, 404);
  EXPECT_EQ(Send("PUT", "/faults").status, 405);
}

TEST_F(SimulatorServiceHttpTest, PollSourceSeesACrashAsUnresponsive) {
  StartSimulator();
  telemetry::HttpPollOptions options;
  options.url = Url("/telemetry");
  options.timeout = milliseconds(300);
  options.values = {"heart_rate", "oxygen_level", "temperature"};
  telemetry::HttpPollSource source(options);

  Result<std::optional<telemetry::Sample>> sample = source.Next();
  ASSERT_TRUE(sample.ok()) << sample.error().message();
  ASSERT_TRUE(sample->has_value());
  EXPECT_EQ((*sample)->size(), 3u);
  EXPECT_TRUE((*sample)->Get("heart_rate").has_value());
  EXPECT_EQ((*sample)->schema->subject, "astronaut-9");
  ASSERT_TRUE((*sample)->truth.has_value());

  ASSERT_EQ(Send("POST", "/faults", R"({"kind":"crash","hang_s":1})").status,
            200);
  const Result<std::optional<telemetry::Sample>> down = source.Next();
  ASSERT_FALSE(down.ok());
  EXPECT_NE(down.error().message().find("/telemetry"), std::string::npos);

  ASSERT_EQ(Send("DELETE", "/faults").status, 200);
  const Result<std::optional<telemetry::Sample>> back = source.Next();
  ASSERT_TRUE(back.ok()) << back.error().message();
  EXPECT_TRUE(back->has_value());
}

TEST_F(SimulatorServiceHttpTest, PollSourceEndsWithTheReplay) {
  SimulatorServiceOptions options;
  options.speed = 1e9;  // Every row is due at once.
  Start(SimulatorService::ForReplay(
            OpenReplay(WriteCsv("http_replay.csv", "time,value\n0,1\n1,2\n")),
            options)
            .value());
  telemetry::HttpPollOptions poll;
  poll.url = Url("/telemetry");
  telemetry::HttpPollSource source(poll);
  const Result<std::optional<telemetry::Sample>> end = source.Next();
  ASSERT_TRUE(end.ok()) << end.error().message();
  EXPECT_FALSE(end->has_value());
}

// `heimdall simulate ...` as a child process with stderr on a pipe.
class SimulateProcess {
 public:
  explicit SimulateProcess(std::vector<std::string> args) {
    args.insert(args.begin(), {HEIMDALL_BINARY, "simulate"});
    int pipe_fds[2];
    EXPECT_EQ(::pipe2(pipe_fds, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(pipe_fds[1], STDERR_FILENO);
      ::dup2(pipe_fds[1], STDOUT_FILENO);
      std::vector<char*> argv;
      for (std::string& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      ::execv(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(pipe_fds[1]);
    output_fd_ = pipe_fds[0];
  }
  ~SimulateProcess() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    ::close(output_fd_);
  }

  // Reads output until `pattern` matches it (returning the first group) or
  // `seconds` pass (returning "").
  std::string WaitFor(const std::regex& pattern, double seconds) {
    const auto deadline = Deadline(seconds);
    std::smatch match;
    while (!std::regex_search(output_, match, pattern)) {
      if (!ReadMore(deadline)) return "";
    }
    return match.size() > 1 ? match[1].str() : match[0].str();
  }
  // Sends `signal` (if given), waits for the exit and the rest of the
  // output, and returns the exit code (-1 if killed by a signal).
  int Wait(int signal = 0) {
    if (signal != 0) ::kill(pid_, signal);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    exited_ = true;
    const auto deadline = Deadline(5);
    while (ReadMore(deadline)) {
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }
  const std::string& output() const { return output_; }

 private:
  using Clock = std::chrono::steady_clock;

  static Clock::time_point Deadline(double seconds) {
    return Clock::now() + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(seconds));
  }
  // Appends what the child wrote; false at end of output or the deadline.
  bool ReadMore(Clock::time_point deadline) {
    const auto left =
        std::chrono::duration_cast<milliseconds>(deadline - Clock::now());
    pollfd fd{output_fd_, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&fd, 1, left.count()) <= 0) return false;
    char buffer[4096];
    const ssize_t got = ::read(output_fd_, buffer, sizeof buffer);
    if (got <= 0) return false;
    output_.append(buffer, got);
    return true;
  }

  pid_t pid_ = -1;
  int output_fd_ = -1;
  bool exited_ = false;
  std::string output_;
};

TEST(SimulateCommand, ServesTheEarlierContractAndStopsOnSigterm) {
  SimulateProcess process({"--port", "0", "--seed", "3", "--speed", "10"});
  const std::string port =
      process.WaitFor(std::regex("listening on 127\\.0\\.0\\.1:(\\d+)"), 10);
  ASSERT_FALSE(port.empty()) << process.output();
  EXPECT_NE(process.output().find("seed 3"), std::string::npos);

  http::Client client;
  const std::string base = "http://127.0.0.1:" + port;
  Result<http::ClientResponse> reading =
      client.Get(base + "/telemetry", milliseconds(5000));
  ASSERT_TRUE(reading.ok()) << reading.error().message();
  ASSERT_EQ(reading->status, 200);
  EXPECT_TRUE(json::parse(reading->body).at("heart_rate").is_number());
  Result<http::ClientResponse> injected =
      client.PostJson(base + "/inject_fault", "", milliseconds(5000));
  ASSERT_TRUE(injected.ok());
  EXPECT_EQ(injected->status, 200);

  EXPECT_EQ(process.Wait(SIGTERM), 0) << process.output();
  EXPECT_NE(process.output().find("acute fault started"), std::string::npos);
}

TEST(SimulateCommand, BrokenReplayFileFailsWithLineNumbers) {
  const auto path = WriteCsv("cli_broken.csv",
                             "timestamp,value\n"
                             "2014-01-01 00:00:00,1\n"
                             "2014-01-01 00:05:00,oops\n");
  SimulateProcess process({"--replay", path.string(), "--port", "0"});
  EXPECT_EQ(process.Wait(), 1);
  EXPECT_NE(process.output().find("line 3: value: 'oops' is not a number"),
            std::string::npos)
      << process.output();
}

TEST(SimulateCommand, BadFlagsAreRefused) {
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"--speed", "0"},
        std::vector<std::string>{"--speed", "1e308"},
        std::vector<std::string>{"--rate", "-1"},
        std::vector<std::string>{"--columns", "a"},
        std::vector<std::string>{"--replay", "x.csv", "--seed", "2"}}) {
    SimulateProcess process(args);
    EXPECT_NE(process.Wait(), 0) << process.output();
  }
}

// More samples a second than a core can simulate would keep a worker busy
// catching up for ever; the product of speed and rate is bounded.
TEST(SimulateCommand, MoreSamplesPerSecondThanItCanMakeAreRefused) {
  SimulateProcess process({"--port", "0", "--speed", "1000", "--rate", "1000"});
  EXPECT_EQ(process.Wait(), 1);
  EXPECT_NE(process.output().find("samples per second; at most 100000"),
            std::string::npos)
      << process.output();
}

}  // namespace
}  // namespace heimdall::service
