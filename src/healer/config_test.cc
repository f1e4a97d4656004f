#include "healer/config.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <span>

#include "healer/alerts.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

TEST(ParseDuration, ReadsUnitsAndCombinations) {
  EXPECT_EQ(*ParseDuration("250ms"), 250ms);
  EXPECT_EQ(*ParseDuration("5s"), 5s);
  EXPECT_EQ(*ParseDuration("2m"), 2min);
  EXPECT_EQ(*ParseDuration("1h"), 1h);
  EXPECT_EQ(*ParseDuration("1m30s"), 90s);
  EXPECT_EQ(*ParseDuration("0s"), 0s);
  for (const char* bad :
       {"", "5", "s", "-5s", "5 s", "5sec", "5mx", "1.5s", "99999999999999h"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
}

TEST(ParseListen, SplitsHostAndPort) {
  EXPECT_EQ(*ParseListen("127.0.0.1:8080"),
            (std::pair<std::string, uint16_t>("127.0.0.1", 8080)));
  EXPECT_EQ(ParseListen("[::1]:0")->second, 0);
  for (const char* bad : {"8080", ":80", "host:", "host:70000", "h:8x"}) {
    EXPECT_FALSE(ParseListen(bad).ok()) << bad;
  }
}

TEST(IsLoopbackHost, KnowsEveryLoopbackSpelling) {
  for (const char* host :
       {"localhost", "127.0.0.1", "127.1.2.3", "127.255.255.254", "::1",
        "[::1]", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "::", "[::]", "10.0.0.1", "128.0.0.1", "126.255.255.255",
        "::ffff:10.0.0.1", "example.com", "localhost.", "127.0.0.1.nip.io",
        "", "[::1", "::2"}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(ParseUpConfig, DefaultsWhenEmpty) {
  Result<UpConfig> config = ParseUpConfig("", "empty.toml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->controller.interval, 5s);
  EXPECT_DOUBLE_EQ(config->controller.policy.threshold, 0.9);
  EXPECT_EQ(config->controller.policy.sustained_count, 2);
  EXPECT_EQ(config->listen, "127.0.0.1:8080");
  EXPECT_EQ(config->StorePath(), "heimdall-state/heimdall.db");
  EXPECT_TRUE(Validate(*config).ok());
}

TEST(ParseUpConfig, ReadsEveryTable) {
  Result<UpConfig> config = ParseUpConfig(R"(
state_dir = "/var/lib/heimdall"
[controller]
interval = "100ms"
dry_run = true
[policy]
threshold = 0.8
sustained_count = 3
grace = "2s"
stale_after = "1m"
[policy.backoff]
base = "1s"
max = "30s"
jitter = 0.0
[policy.breaker]
max_heals = 7
window = "10m"
[provider.local]
simulator_args = ["--seed", "7"]
replay = "data.csv"
[api]
listen = "127.0.0.1:9090"
token = "secret"
[store]
max_samples = 500
[detector]
parts = ["novelty", "frozen"]
column = "value"
restart_with_generation = false
[detector.params]
memory = 1500
)",
                                          "full.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->state_dir, "/var/lib/heimdall");
  EXPECT_EQ(config->controller.interval, 100ms);
  EXPECT_TRUE(config->controller.policy.dry_run);
  EXPECT_DOUBLE_EQ(config->controller.policy.threshold, 0.8);
  EXPECT_EQ(config->controller.policy.sustained_count, 3);
  EXPECT_EQ(config->controller.policy.grace, 2s);
  EXPECT_EQ(config->controller.policy.stale_after, 1min);
  EXPECT_EQ(config->controller.policy.backoff.max, 30s);
  EXPECT_EQ(config->controller.policy.breaker.max_heals, 7);
  EXPECT_EQ(config->controller.policy.breaker.window, 10min);
  EXPECT_EQ(config->local.extra_simulator_args,
            (std::vector<std::string>{"--seed", "7"}));
  EXPECT_EQ(config->replay, "data.csv");
  EXPECT_EQ(config->token, "secret");
  EXPECT_EQ(config->max_samples, 500);
  EXPECT_EQ(config->detector.parts,
            (std::vector<std::string>{"novelty", "frozen"}));
  EXPECT_EQ(config->detector.column, "value");
  EXPECT_FALSE(config->detector.restart_with_generation);
  EXPECT_EQ(config->detector.params,
            (detect::DetectorParams{{"memory", 1500}}));
  EXPECT_TRUE(Validate(*config).ok()) << Validate(*config).ToString();
}

TEST(ParseUpConfig, TheDefaultDetectorIsTrendAndFrozen) {
  Result<UpConfig> config = ParseUpConfig("", "empty.toml");
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->detector.parts,
            (std::vector<std::string>{"trend", "frozen"}));
}

TEST(ParseUpConfig, ReadsTerraformAndAlertmanager) {
  Result<UpConfig> config = ParseUpConfig(R"(
[provider]
kind = "terraform"
[provider.terraform]
binary = "tofu"
working_dir = "deploy/terraform"
replace = ["aws_instance.heimdall"]
extra_args = ["-var-file=prod.tfvars"]
address_output = "ip"
simulator_port = 6001
apply_timeout = "20m"
[alertmanager]
url = "http://127.0.0.1:9093"
timeout = "1s"
queue_size = 8
[alertmanager.heal_on]
alertname = "VitalsDown"
job = "vitals"
)",
                                          "tf.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->provider, "terraform");
  EXPECT_EQ(config->terraform.binary, "tofu");
  EXPECT_EQ(config->terraform.working_dir, "deploy/terraform");
  EXPECT_EQ(config->terraform.replace,
            (std::vector<std::string>{"aws_instance.heimdall"}));
  EXPECT_EQ(config->terraform.extra_args,
            (std::vector<std::string>{"-var-file=prod.tfvars"}));
  EXPECT_EQ(config->terraform.address_output, "ip");
  EXPECT_EQ(config->terraform.simulator_port, 6001);
  EXPECT_EQ(config->terraform.predictor_port, 5002);
  EXPECT_EQ(config->terraform.apply_timeout, 20min);
  EXPECT_EQ(config->alertmanager.url, "http://127.0.0.1:9093");
  EXPECT_EQ(config->alertmanager.timeout, 1s);
  EXPECT_EQ(config->alertmanager.queue_size, 8);
  EXPECT_EQ(config->alertmanager.heal_on,
            (Labels{{"alertname", "VitalsDown"}, {"job", "vitals"}}));
  EXPECT_TRUE(Validate(*config).ok());
}

TEST(ParseUpConfig, ErrorsNameTheFileLineAndKey) {
  struct Case {
    const char* text;
    const char* expected;
  };
  const Case cases[] = {
      {"[policy]\nthreshhold = 0.9\n",
       "bad.toml:2: unknown key \"policy.threshhold\""},
      {"[policy]\nthreshold = \"high\"\n",
       "policy.threshold: expected a number"},
      {"[controller]\ninterval = 5\n",
       "controller.interval: expected a duration"},
      {"[controller]\ninterval = \"5 parsecs\"\n", "controller.interval"},
      {"[policy]\nsustained_count = 1.5\n", "expected an integer"},
      {"[policy\n", "bad.toml:1"},
      {"[detector]\nparts = \"trend\"\n", "detector.parts: expected an array"},
      {"[detector.params]\nmemory = \"big\"\n",
       "detector.params: memory: expected a number"},
      {"[detector]\nparams = 3\n", "detector.params: expected a table"},
      {"[provider.terraform]\nsimulator_port = 70000\n",
       "provider.terraform.simulator_port: expected a port"},
      {"[alertmanager.heal_on]\nseverity = 3\n",
       "alertmanager.heal_on: \"severity\": expected a string"},
      {"[alertmanager]\nheal_on = \"all\"\n", "expected a table"},
  };
  for (const Case& c : cases) {
    Result<UpConfig> config = ParseUpConfig(c.text, "bad.toml");
    ASSERT_FALSE(config.ok()) << c.text;
    EXPECT_NE(config.error().message().find(c.expected), std::string::npos)
        << config.error().message();
  }
}

TEST(Validate, RejectsOutOfRangeValues) {
  UpConfig config;
  config.controller.policy.threshold = 1.5;
  EXPECT_NE(Validate(config).ToString().find("threshold"), std::string::npos);
  config = UpConfig{};
  config.provider = "kubernetes";
  EXPECT_NE(Validate(config).ToString().find("provider.kind"),
            std::string::npos);
  config = UpConfig{};
  config.provider = "terraform";
  EXPECT_NE(Validate(config).ToString().find("provider.terraform.working_dir"),
            std::string::npos);
  config.terraform.working_dir = "deploy/terraform";
  EXPECT_TRUE(Validate(config).ok());
  config.replay = "vitals.csv";
  EXPECT_NE(Validate(config).ToString().find("replay"), std::string::npos);
  config.replay.clear();
  config.terraform.apply_timeout = 0ms;
  EXPECT_FALSE(Validate(config).ok());
  config = UpConfig{};
  config.alertmanager.url = "127.0.0.1:9093";
  EXPECT_NE(Validate(config).ToString().find("alertmanager.url"),
            std::string::npos);
  config = UpConfig{};
  config.alertmanager.queue_size = 0;
  EXPECT_NE(Validate(config).ToString().find("alertmanager.queue_size"),
            std::string::npos);
  config = UpConfig{};
  config.controller.interval = 0ms;
  EXPECT_FALSE(Validate(config).ok());
  config = UpConfig{};
  config.detector.parts = {"novelty"};  // Without the column it watches.
  EXPECT_NE(Validate(config).ToString().find("detector: detector 'novelty'"),
            std::string::npos)
      << Validate(config).ToString();
  config = UpConfig{};
  config.listen = "nowhere";
  EXPECT_NE(Validate(config).ToString().find("api.listen"), std::string::npos);
}

TEST(ParseUpConfig, ReadsTheDockerProvider) {
  Result<UpConfig> config = ParseUpConfig(R"(
[provider]
kind = "docker"
[provider.docker]
socket = "/run/other.sock"
api_timeout = "3s"
image = "heimdall:ci"
memory_bytes = 134217728
cpus = 0.5
pids_limit = 64
[provider.docker.simulator]
args = ["--speed", "5"]
port = 6001
[provider.docker.predictor]
image = "my/predictor:1"
command = ["serve", "--port", "{port}"]
health_command = ["NONE"]
)",
                                          "docker.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(Validate(*config).ok());
  const DockerProviderOptions& d = config->docker;
  EXPECT_EQ(config->provider, "docker");
  EXPECT_EQ(d.engine.socket, "/run/other.sock");
  EXPECT_EQ(d.engine.timeout, 3s);
  EXPECT_EQ(d.image, "heimdall:ci");
  EXPECT_EQ(d.memory_bytes, 134217728);
  EXPECT_EQ(d.cpus, 0.5);
  EXPECT_EQ(d.pids_limit, 64);
  EXPECT_EQ(d.simulator.extra_args, (std::vector<std::string>{"--speed", "5"}));
  EXPECT_EQ(d.simulator.port, 6001);
  EXPECT_EQ(d.predictor.port, 5002);
  EXPECT_EQ(d.predictor.image, "my/predictor:1");
  EXPECT_EQ(d.predictor.health_command, std::vector<std::string>{"NONE"});
}

// Each config text is refused with a message that holds its expected part.
void ExpectRefused(
    std::span<const std::pair<const char*, const char*>> cases) {
  for (const auto& [text, expected] : cases) {
    Result<UpConfig> config = ParseUpConfig(text, "bad.toml");
    ASSERT_FALSE(config.ok()) << text;
    EXPECT_NE(config.error().message().find(expected), std::string::npos)
        << config.error().message();
  }
}

TEST(ParseUpConfig, RefusesBadDockerValues) {
  const std::pair<const char*, const char*> cases[] = {
      {"[provider.docker.simulator]\nport = 70000\n", "port 1-65535"},
      {"[provider.docker]\nmemory_bytes = -1\n", "non-negative"},
      {"[provider.docker]\nsokcet = \"/x\"\n", "unknown key"},
      {"[provider.docker.predictor]\ncommand = \"serve\"\n",
       "array of strings"},
  };
  ExpectRefused(cases);
  UpConfig config;
  config.docker.cpus = 0;
  EXPECT_NE(Validate(config).ToString().find("provider.docker: cpus"),
            std::string::npos);
  config = UpConfig{};
  config.docker.memory_bytes = 1024;
  EXPECT_NE(Validate(config).ToString().find("memory_bytes"),
            std::string::npos);
  config = UpConfig{};
  config.docker.pids_limit = 1;
  EXPECT_EQ(Validate(config).ToString(),
            "provider.docker: pids_limit: 0 (no limit) or at least 16");
  config.docker.pids_limit = 0;
  EXPECT_TRUE(Validate(config).ok());
}

// TOML can write nan, inf and NUL, which range checks and C paths miss.
TEST(ParseUpConfig, RefusesNonFiniteNumbersAndNulInStrings) {
  const std::pair<const char*, const char*> cases[] = {
      {"[provider.docker]\ncpus = nan\n",
       "provider.docker.cpus: expected a finite number"},
      {"[policy]\nthreshold = inf\n",
       "policy.threshold: expected a finite number"},
      {"[detector.params]\nz = -inf\n", "z: expected a finite number"},
      {"state_dir = \"/tmp/a\\u0000b\"\n",
       "state_dir: must not contain a NUL character"},
      {"[provider.local]\nsimulator_args = [\"--x\\u0000\"]\n",
       "provider.local.simulator_args: must not contain a NUL character"},
      {"[alertmanager.heal_on]\nalertname = \"a\\u0000\"\n",
       "\"alertname\": must not contain a NUL character"},
  };
  ExpectRefused(cases);
}

TEST(Validate, TheLocalBindIsAnIpv4Address) {
  UpConfig config;
  for (const char* bind : {"127.0.0.1", "127.0.0.2", "0.0.0.0"}) {
    config.local.bind = bind;
    EXPECT_TRUE(Validate(config).ok()) << bind;
  }
  for (const char* bind : {"999.1.1.1", "localhost", "::1", "", "127.0.0.1 "}) {
    config.local.bind = bind;
    EXPECT_EQ(Validate(config).ToString(),
              fmt::format("provider.local.bind: \"{}\" is not an IPv4 "
                          "address (such as 127.0.0.1)",
                          bind))
        << bind;
  }
}

TEST(ParseUpConfig, DockerImagesMustBeImageReferences) {
  for (const char* image :
       {"heimdall:local", "heimdall", "debian:bookworm-slim",
        "registry.example:5000/team/heimdall:1.2", "ghcr.io/a/b_c.d-e__f",
        "heimdall@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123"
        "456789abcdef"}) {
    UpConfig config;
    config.docker.image = image;
    EXPECT_TRUE(Validate(config).ok())
        << image << ": " << Validate(config).ToString();
  }
  for (const char* image :
       {"Heimdall:local", "heimdall:", "../x", "a b", "heimdall/json?x=1",
        "x:tag/../../v1.43/info", ":latest", "heimdall:local\n"}) {
    UpConfig config;
    config.docker.image = image;
    EXPECT_EQ(Validate(config).ToString(),
              fmt::format("provider.docker: image: \"{}\" is not an image "
                          "reference (such as heimdall:local or "
                          "registry.example:5000/team/heimdall:1.2)",
                          image))
        << image;
  }
  UpConfig config;
  config.docker.predictor.image = "x y";
  EXPECT_NE(Validate(config).ToString().find("predictor.image: \"x y\""),
            std::string::npos);
}

TEST(ParseUpConfig, ReadsTheApiHostsBrowsersMayUse) {
  Result<UpConfig> config = ParseUpConfig(
      "[api]\nallowed_hosts = [\"heimdall.internal\", \"10.0.0.5\"]\n", "t");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_EQ(config->allowed_hosts,
            (std::vector<std::string>{"heimdall.internal", "10.0.0.5"}));
  Result<UpConfig> bad = ParseUpConfig("[api]\nallowed_hosts = 5\n", "t");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.error().message().find("api.allowed_hosts"), std::string::npos);
}

TEST(LoadUpConfig, TheShippedExampleLoadsAndValidates) {
  Result<UpConfig> config =
      LoadUpConfig(HEIMDALL_SOURCE_DIR "/heimdall.example.toml");
  ASSERT_TRUE(config.ok()) << config.error().message();
  EXPECT_TRUE(Validate(*config).ok());
  EXPECT_FALSE(LoadUpConfig("/nonexistent/heimdall.toml").ok());
  // A directory opens on Linux and used to read as an empty config.
  Result<UpConfig> directory = LoadUpConfig(HEIMDALL_SOURCE_DIR);
  ASSERT_FALSE(directory.ok());
  EXPECT_NE(directory.error().message().find("is a directory"),
            std::string::npos);
}

}  // namespace
}  // namespace heimdall::healer
