// The docker provider against a real Docker engine and the heimdall image.
#include <gtest/gtest.h>

#include <fstream>

#include "healer/docker_provider.h"
#include "healer/docker_test_support.h"
#include "healer/up.h"
#include "http/client.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;
using testing::ContainersOf;
using testing::NetworksOf;
using testing::RemoveEverythingOf;

class DockerProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HEIMDALL_SKIP_WITHOUT_DOCKER();
    options_.state_dir = dir_.path() / "state";
    options_.engine = testing::TestEngine();
    options_.image = HEIMDALL_TEST_IMAGE;
    options_.build_timeout = 20s;
    options_.stop_grace = 2s;
    options_.health_check = [](const std::string& url) {
      return HttpHealthCheck(url, 1s);
    };
  }
  void TearDown() override {
    for (const std::string& controller : controllers_) {
      RemoveEverythingOf(controller);
    }
  }

  std::unique_ptr<DockerProvider> Make(DockerProviderOptions options) {
    auto provider = DockerProvider::Create(std::move(options)).value();
    controllers_.push_back(provider->controller());
    return provider;
  }

  nlohmann::json Inspect(const std::string& id) {
    auto found = engine_.InspectContainer(id);
    return found.ok() && found->has_value() ? **found : nlohmann::json();
  }

  std::vector<std::string> Ids(const Deployment& deployment) {
    std::vector<std::string> ids;
    for (const auto& c : deployment.detail["containers"]) {
      ids.push_back(c["id"].get<std::string>());
    }
    return ids;
  }

  testing::TempDir dir_;
  DockerProviderOptions options_;
  DockerEngine engine_{testing::TestEngine()};
  std::vector<std::string> controllers_;
};

TEST_F(DockerProviderTest, BuildsLabelledLimitedContainersOnLoopback) {
  options_.memory_bytes = 128LL << 20;
  options_.cpus = 0.5;
  options_.pids_limit = 64;
  auto provider = Make(options_);
  const Result<Deployment> built = provider->Build(1);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_TRUE(built->simulator_url.starts_with("http://127.0.0.1:"));
  EXPECT_TRUE(built->predictor_url.starts_with("http://127.0.0.1:"));
  ASSERT_EQ(Ids(*built).size(), 2u);

  for (const std::string& id : Ids(*built)) {
    const nlohmann::json c = Inspect(id);
    ASSERT_TRUE(c.is_object()) << id;
    const nlohmann::json& labels = c["Config"]["Labels"];
    EXPECT_EQ(labels[kDockerLabelManaged], "true");
    EXPECT_EQ(labels[kDockerLabelController], provider->controller());
    EXPECT_EQ(labels[kDockerLabelGeneration], "1");
    const nlohmann::json& host = c["HostConfig"];
    EXPECT_EQ(host["Memory"], 128LL << 20);
    EXPECT_EQ(host["NanoCpus"], 500'000'000);
    EXPECT_EQ(host["PidsLimit"], 64);
    EXPECT_EQ(host["NetworkMode"], provider->NetworkName(1));
    for (const auto& [port, bindings] : host["PortBindings"].items()) {
      for (const auto& binding : bindings) {
        EXPECT_EQ(binding["HostIp"], "127.0.0.1") << port;
      }
    }
    EXPECT_EQ(c["Config"]["Healthcheck"]["Test"][1], "heimdall");
    EXPECT_EQ(c["Config"]["User"], "heimdall");
  }

  // The wire contract answers through the published ports.
  http::Client client;
  auto telemetry = client.Get(built->simulator_url + "/telemetry", 2s);
  ASSERT_TRUE(telemetry.ok()) << telemetry.error().message();
  EXPECT_EQ(telemetry->status, 200);
  EXPECT_NE(telemetry->body.find("heart_rate"), std::string::npos);
  auto predicted = client.PostJson(
      built->predictor_url + "/predict",
      R"({"heart_rate": 80, "oxygen_level": 98.7, "temperature": 37.0})", 2s);
  ASSERT_TRUE(predicted.ok()) << predicted.error().message();
  EXPECT_NE(predicted->body.find("failure_probability"), std::string::npos);
  EXPECT_TRUE(provider->Health(*built).ok());
  EXPECT_EQ(NetworksOf(provider->controller()).size(), 1u);

  ASSERT_TRUE(provider->Destroy(*built).ok());
  for (const std::string& id : Ids(*built)) EXPECT_TRUE(Inspect(id).is_null());
  EXPECT_TRUE(ContainersOf(provider->controller()).empty());
  EXPECT_TRUE(NetworksOf(provider->controller()).empty());
  // Destroying what is gone succeeds; its health is an error.
  EXPECT_TRUE(provider->Destroy(*built).ok());
  EXPECT_NE(provider->Health(*built).ToString().find("is gone"),
            std::string::npos);
}

TEST_F(DockerProviderTest, ArchiveHasInspectAndLogsWithoutSecrets) {
  options_.token = "s3cret-token-value";
  auto provider = Make(options_);
  const Result<Deployment> built = provider->Build(5);
  ASSERT_TRUE(built.ok()) << built.error().message();

  const Result<nlohmann::json> archive = provider->Archive(*built);
  ASSERT_TRUE(archive.ok()) << archive.error().message();
  const std::filesystem::path path = (*archive)["path"].get<std::string>();
  EXPECT_EQ(path, dir_.path() / "state" / "generations" / "5" / "archive.json");
  std::ifstream in(path);
  const nlohmann::json stored = nlohmann::json::parse(in);
  ASSERT_EQ(stored["containers"].size(), 2u);
  for (const nlohmann::json& c : stored["containers"]) {
    EXPECT_TRUE(c["running"].get<bool>());
    EXPECT_EQ(c["inspect"]["Id"], c["id"]);
    EXPECT_FALSE(c["log_tail"].get<std::string>().empty()) << c["role"];
  }
  std::ifstream raw(path);
  const std::string text((std::istreambuf_iterator<char>(raw)), {});
  EXPECT_EQ(text.find("s3cret-token-value"), std::string::npos);
  EXPECT_NE(text.find("HEIMDALL_TOKEN=<redacted>"), std::string::npos);
  ASSERT_TRUE(provider->Destroy(*built).ok());
}

TEST_F(DockerProviderTest, AMissingImageFailsClearlyAndLeavesNothing) {
  options_.image = "heimdall-test-missing:none";
  auto provider = Make(options_);
  const Result<Deployment> built = provider->Build(1);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find(
                "image heimdall-test-missing:none is not on this Docker "
                "engine"),
            std::string::npos)
      << built.error().message();
  EXPECT_TRUE(ContainersOf(provider->controller()).empty());
  EXPECT_TRUE(NetworksOf(provider->controller()).empty());
}

TEST_F(DockerProviderTest, AContainerThatExitsFailsTheBuildWithItsLog) {
  options_.predictor.command = {"serve",
                                "--bind",
                                "0.0.0.0",
                                "--port",
                                "{port}",
                                "--model",
                                "/nonexistent/model.json"};
  auto provider = Make(options_);
  const Result<Deployment> built = provider->Build(2);
  ASSERT_FALSE(built.ok());
  const std::string& message = built.error().message();
  EXPECT_NE(message.find("predictor: container"), std::string::npos) << message;
  EXPECT_NE(message.find("exited with code 1"), std::string::npos) << message;
  EXPECT_NE(message.find("/nonexistent/model.json"), std::string::npos)
      << message;
  EXPECT_TRUE(ContainersOf(provider->controller()).empty());
  EXPECT_TRUE(NetworksOf(provider->controller()).empty());
}

TEST_F(DockerProviderTest, AFailingDockerHealthCheckFailsTheBuild) {
  // Docker runs this check every 200 ms and calls the container unhealthy
  // after 3 failures; our own check never passes, so the build waits.
  options_.simulator.health_command = {"heimdall", "healthcheck", "--timeout",
                                       "100ms", "http://127.0.0.1:1/healthz"};
  options_.health_interval = 200ms;
  options_.health_check = [](const std::string&) {
    return Status(Error("not yet"));
  };
  auto provider = Make(options_);
  const Result<Deployment> built = provider->Build(3);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(
      built.error().message().find("simulator: container " +
                                   provider->ContainerName(3, "simulator") +
                                   " failing its Docker health check"),
      std::string::npos)
      << built.error().message();
  EXPECT_TRUE(ContainersOf(provider->controller()).empty());
}

TEST_F(DockerProviderTest, AdoptKeepsTheHealthyRecordedGenerationOnly) {
  auto provider = Make(options_);
  DockerProviderOptions foreign_options = options_;
  foreign_options.state_dir = dir_.path() / "another-controller";
  auto foreign = Make(foreign_options);
  const Result<Deployment> old = provider->Build(1);
  const Result<Deployment> recorded = provider->Build(2);
  const Result<Deployment> theirs = foreign->Build(1);
  ASSERT_TRUE(old.ok() && recorded.ok() && theirs.ok());

  const auto adopted = provider->Adopt(*recorded);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message();
  ASSERT_TRUE(adopted->has_value());
  EXPECT_EQ((*adopted)->generation_id, 2);
  const std::vector<nlohmann::json> left = ContainersOf(provider->controller());
  ASSERT_EQ(left.size(), 2u);
  for (const nlohmann::json& c : left) {
    EXPECT_EQ(c["Labels"][kDockerLabelGeneration], "2");
  }
  EXPECT_EQ(NetworksOf(provider->controller()).size(), 1u);
  // Another controller's containers are not ours to remove.
  EXPECT_EQ(ContainersOf(foreign->controller()).size(), 2u);

  // Nothing recorded: everything of ours goes, theirs stays.
  const auto none = provider->Adopt(std::nullopt);
  ASSERT_TRUE(none.ok()) << none.error().message();
  EXPECT_FALSE(none->has_value());
  EXPECT_TRUE(ContainersOf(provider->controller()).empty());
  EXPECT_TRUE(NetworksOf(provider->controller()).empty());
  EXPECT_EQ(ContainersOf(foreign->controller()).size(), 2u);
}

TEST_F(DockerProviderTest, AdoptRemovesARecordedGenerationThatIsNotHealthy) {
  auto provider = Make(options_);
  const Result<Deployment> built = provider->Build(4);
  ASSERT_TRUE(built.ok()) << built.error().message();
  ASSERT_TRUE(engine_.StopContainer(Ids(*built)[0], 1s).ok());

  const auto adopted = provider->Adopt(*built);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message();
  EXPECT_FALSE(adopted->has_value());
  EXPECT_TRUE(ContainersOf(provider->controller()).empty());
  EXPECT_TRUE(NetworksOf(provider->controller()).empty());
}

class DockerImageTest : public ::testing::Test {
 protected:
  void SetUp() override { HEIMDALL_SKIP_WITHOUT_DOCKER(); }
};

TEST_F(DockerImageTest, HelpRunsAsAnUnprivilegedUser) {
  const testing::CommandOutput help =
      testing::RunCommand("docker run --rm " HEIMDALL_TEST_IMAGE " --help");
  EXPECT_EQ(help.exit_code, 0) << help.output;
  EXPECT_NE(help.output.find("predictive self-healing controller"),
            std::string::npos)
      << help.output;
  for (const char* subcommand :
       {"simulate", "serve", "up", "monitor", "train", "healthcheck"}) {
    EXPECT_NE(help.output.find(subcommand), std::string::npos) << subcommand;
  }
  const testing::CommandOutput uid = testing::RunCommand(
      "docker run --rm --entrypoint id " HEIMDALL_TEST_IMAGE " -u");
  EXPECT_EQ(uid.exit_code, 0) << uid.output;
  EXPECT_EQ(uid.output, "10001\n");
}

TEST_F(DockerImageTest, AServiceStopsOnSigtermWithoutBeingKilled) {
  const std::string name = "heimdall-test-stop-" + std::to_string(getpid());
  const testing::CommandOutput run = testing::RunCommand(
      "docker run -d --name " + name + " --label heimdall.test=stop " +
      HEIMDALL_TEST_IMAGE + " simulate --bind 0.0.0.0");
  ASSERT_EQ(run.exit_code, 0) << run.output;
  // Up to 20 s of grace: a PID 1 that ignored SIGTERM would be SIGKILLed
  // after them and exit 137.
  const testing::CommandOutput stop =
      testing::RunCommand("docker stop -t 20 " + name);
  const testing::CommandOutput code =
      testing::RunCommand("docker inspect -f '{{.State.ExitCode}}' " + name);
  (void)testing::RunCommand("docker rm -f " + name);
  EXPECT_EQ(stop.exit_code, 0) << stop.output;
  EXPECT_EQ(code.output, "0\n");
}

}  // namespace
}  // namespace heimdall::healer
