// The Terraform provider against a stand-in `terraform`: a shell script
// that records its arguments and acts out each command (no Terraform is
// installed where these tests run, and none must reach a cloud).
#include "healer/terraform_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "healer/controller.h"
#include "healer/test_fakes.h"
#include "store/sqlite_store.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

// Acts out the commands the provider runs, in the working directory:
// apply writes terraform.tfstate with one resource (serial counting up),
// output prints outputs.json, state pull prints the state (nothing before
// the first apply), destroy leaves a state without resources. A file
// standin-fail-VERB makes VERB fail with an error on stderr;
// standin-sleep-VERB makes it hang. VERB is "state-pull" for "state pull".
constexpr char kStandIn[] = R"(#!/bin/sh
echo "$*" >> calls.log
verb="$1"
[ "$1" = state ] && verb="state-$2"
[ -e "standin-sleep-$verb" ] && sleep 30
if [ -e "standin-fail-$verb" ]; then
  echo "Error: simulated $verb failure" >&2
  exit 1
fi
case "$verb" in
  init) echo "Terraform has been successfully initialized!" ;;
  apply)
    serial=$(( $(cat serial 2>/dev/null || echo 0) + 1 ))
    echo "$serial" > serial
    printf '{"version":4,"terraform_version":"1.9.0","serial":%d,"lineage":"stand-in","outputs":{},"resources":[{"mode":"managed","type":"aws_instance","name":"heimdall"}]}\n' "$serial" > terraform.tfstate
    echo "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." ;;
  output) cat outputs.json ;;
  state-pull) if [ -e terraform.tfstate ]; then cat terraform.tfstate; fi ;;
  destroy)
    serial=$(( $(cat serial 2>/dev/null || echo 0) + 1 ))
    echo "$serial" > serial
    printf '{"version":4,"serial":%d,"lineage":"stand-in","outputs":{},"resources":[]}\n' "$serial" > terraform.tfstate
    echo "Destroy complete! Resources: 1 destroyed." ;;
  *) echo "stand-in: unknown command $*" >&2; exit 1 ;;
esac
)";

constexpr char kOutputs[] = R"({
  "public_ip": {"sensitive": false, "type": "string", "value": "203.0.113.10"},
  "ssh_key": {"sensitive": true, "type": "string", "value": "secret"}
})";

std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

class TerraformProviderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-tf-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    module_ = dir_ / "module";
    std::filesystem::create_directories(module_);
    const std::filesystem::path stand_in = dir_ / "terraform";
    std::ofstream(stand_in) << kStandIn;
    std::filesystem::permissions(stand_in, std::filesystem::perms::owner_all);
    std::ofstream(module_ / "outputs.json") << kOutputs;

    options_.binary = stand_in;
    options_.working_dir = module_;
    options_.state_dir = dir_ / "state";
    options_.ready_poll = 10ms;
    options_.health_check = [this](const std::string& url) -> Status {
      checked_.push_back(url);
      return healthy_ ? Status::Ok() : Status(Error("connection refused"));
    };
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<TerraformProvider> Make() {
    Result<std::unique_ptr<TerraformProvider>> made =
        TerraformProvider::Create(options_);
    EXPECT_TRUE(made.ok()) << made.error().message();
    return made.ok() ? std::move(*made) : nullptr;
  }

  // The commands the stand-in ran, one per line, then forgets them.
  std::vector<std::string> Calls() {
    std::vector<std::string> calls;
    std::istringstream lines(ReadFile(module_ / "calls.log"));
    for (std::string line; std::getline(lines, line);) calls.push_back(line);
    std::filesystem::remove(module_ / "calls.log");
    return calls;
  }

  void Touch(const std::string& name) { std::ofstream(module_ / name) << ""; }

  std::vector<std::filesystem::path> Archives() {
    std::vector<std::filesystem::path> files;
    for (const auto& entry : std::filesystem::directory_iterator(
             options_.state_dir / "terraform" / "archives")) {
      files.push_back(entry.path());
    }
    return files;
  }

  std::filesystem::path dir_;
  std::filesystem::path module_;
  TerraformProviderOptions options_;
  bool healthy_ = true;
  std::vector<std::string> checked_;
};

const std::string kInit = "init -input=false -no-color";
const std::string kApply = "apply -auto-approve -input=false -no-color";
const std::string kOutput = "output -json -no-color";
const std::string kDestroy = "destroy -auto-approve -input=false -no-color";

TEST_F(TerraformProviderTest, BuildRunsInitApplyAndReadsTheAddress) {
  auto provider = Make();
  Result<Deployment> built = provider->Build(7);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, kApply, kOutput}));
  EXPECT_EQ(built->generation_id, 7);
  EXPECT_EQ(built->provider, "terraform");
  EXPECT_EQ(built->simulator_url, "http://203.0.113.10:5001");
  EXPECT_EQ(built->predictor_url, "http://203.0.113.10:5002");
  EXPECT_EQ(built->detail["outputs"]["public_ip"], "203.0.113.10");
  EXPECT_EQ(built->detail["outputs"]["ssh_key"], "(sensitive)");
  EXPECT_EQ(checked_, (std::vector<std::string>{"http://203.0.113.10:5001",
                                                "http://203.0.113.10:5002"}));
}

TEST_F(TerraformProviderTest, ExtraArgsAndUrlOutputsAreUsed) {
  options_.extra_args = {"-var-file=prod.tfvars"};
  options_.simulator_url_output = "simulator_url";
  options_.predictor_url_output = "predictor_url";
  std::ofstream(module_ / "outputs.json") << R"({
    "simulator_url": {"value": "https://sim.example.test"},
    "predictor_url": {"value": "https://predict.example.test:8443"}})";
  auto provider = Make();
  Result<Deployment> built = provider->Build(1);
  ASSERT_TRUE(built.ok()) << built.error().message();
  EXPECT_EQ(built->simulator_url, "https://sim.example.test");
  EXPECT_EQ(built->predictor_url, "https://predict.example.test:8443");
  EXPECT_EQ(Calls()[1], kApply + " -var-file=prod.tfvars");
}

TEST(ParseTerraformOutputs, MalformedOutputsNameTheProblem) {
  TerraformProviderOptions options;
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"", "not a JSON object"},
      {"Error: no state", "not a JSON object"},
      {"[1, 2]", "not a JSON object"},
      {"{}", "\"public_ip\" is missing"},
      {R"({"public_ip": "1.2.3.4"})", "\"public_ip\" has no \"value\""},
      {R"({"public_ip": {"type": "string"}})", "has no \"value\""},
      {R"({"public_ip": {"value": 42}})", "not a non-empty string: 42"},
      {R"({"public_ip": {"value": ""}})", "not a non-empty string"},
      {R"({"public_ip": {"value": ["1.2.3.4"]}})", "not a non-empty string"},
  };
  for (const Case& c : cases) {
    Result<TerraformEndpoints> parsed = ParseTerraformOutputs(c.text, options);
    ASSERT_FALSE(parsed.ok()) << c.text;
    EXPECT_NE(parsed.error().message().find(c.error), std::string::npos)
        << c.text << " -> " << parsed.error().message();
  }
}

TEST(ParseTerraformOutputs, BracketsAnIpv6Address) {
  TerraformProviderOptions options;
  Result<TerraformEndpoints> parsed = ParseTerraformOutputs(
      R"({"public_ip": {"value": "2001:db8::5"}})", options);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->simulator_url, "http://[2001:db8::5]:5001");
}

TEST_F(TerraformProviderTest, MalformedOutputFailsTheBuild) {
  std::ofstream(module_ / "outputs.json") << R"({"other": {"value": "x"}})";
  auto provider = Make();
  Result<Deployment> built = provider->Build(3);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find("building generation 3"),
            std::string::npos);
  EXPECT_NE(built.error().message().find("\"public_ip\" is missing"),
            std::string::npos)
      << built.error().message();
  EXPECT_TRUE(checked_.empty());
}

TEST_F(TerraformProviderTest, FailingApplyCarriesExitCodeAndStderr) {
  Touch("standin-fail-apply");
  auto provider = Make();
  Result<Deployment> built = provider->Build(2);
  ASSERT_FALSE(built.ok());
  const std::string& message = built.error().message();
  EXPECT_NE(message.find("apply in " + module_.string() + " exited 1"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("Error: simulated apply failure"), std::string::npos);
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, kApply}));
}

TEST_F(TerraformProviderTest, AHangingCommandTimesOut) {
  Touch("standin-sleep-apply");
  options_.apply_timeout = 300ms;
  auto provider = Make();
  const auto start = std::chrono::steady_clock::now();
  Result<Deployment> built = provider->Build(2);
  ASSERT_FALSE(built.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 10s);
  EXPECT_NE(built.error().message().find("timed out after 300 ms"),
            std::string::npos)
      << built.error().message();
}

TEST_F(TerraformProviderTest, UnhealthyServicesFailTheBuildAfterReadyTimeout) {
  healthy_ = false;
  options_.ready_timeout = 100ms;
  auto provider = Make();
  Result<Deployment> built = provider->Build(4);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find("not healthy after 100 ms"),
            std::string::npos)
      << built.error().message();
  EXPECT_NE(built.error().message().find("connection refused"),
            std::string::npos);
  EXPECT_GE(checked_.size(), 2u);
}

TEST_F(TerraformProviderTest, ArchiveWritesThePulledStateOwnerOnly) {
  auto provider = Make();
  Result<Deployment> built = provider->Build(5);
  ASSERT_TRUE(built.ok());
  Calls();
  Result<nlohmann::json> archive = provider->Archive(*built);
  ASSERT_TRUE(archive.ok()) << archive.error().message();
  EXPECT_EQ(Calls(), (std::vector<std::string>{"state pull"}));

  const std::vector<std::filesystem::path> files = Archives();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ((*archive)["path"], files[0].string());
  // generation-5-20261204T193012.345Z.tfstate
  const std::string name = files[0].filename().string();
  EXPECT_TRUE(name.starts_with("generation-5-20")) << name;
  EXPECT_TRUE(name.ends_with("Z.tfstate")) << name;
  EXPECT_EQ(name.size(),
            std::string("generation-5-20261204T193012.345Z.tfstate").size());
  struct stat info {};
  ASSERT_EQ(stat(files[0].c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(files[0]), ReadFile(module_ / "terraform.tfstate"));
  EXPECT_EQ((*archive)["serial"], 1);
  EXPECT_EQ((*archive)["lineage"], "stand-in");
  EXPECT_EQ((*archive)["resources"], 1);
}

TEST_F(TerraformProviderTest, ArchiveFailsWhenStateCannotBePulled) {
  auto provider = Make();
  Result<Deployment> built = provider->Build(5);
  ASSERT_TRUE(built.ok());

  Touch("standin-fail-state-pull");
  Result<nlohmann::json> archive = provider->Archive(*built);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.error().message().find("archiving generation 5"),
            std::string::npos);
  EXPECT_NE(archive.error().message().find("simulated state-pull failure"),
            std::string::npos)
      << archive.error().message();

  // An empty state (nothing pulled) is no archive either.
  std::filesystem::remove(module_ / "standin-fail-state-pull");
  std::filesystem::remove(module_ / "terraform.tfstate");
  archive = provider->Archive(*built);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.error().message().find("did not print a JSON state"),
            std::string::npos);
  EXPECT_TRUE(Archives().empty());
}

TEST_F(TerraformProviderTest, DestroyRunsTerraformDestroy) {
  auto provider = Make();
  Result<Deployment> built = provider->Build(1);
  ASSERT_TRUE(built.ok());
  Calls();
  ASSERT_TRUE(provider->Destroy(*built).ok());
  EXPECT_EQ(Calls(), (std::vector<std::string>{kDestroy}));
  EXPECT_NE(ReadFile(module_ / "terraform.tfstate").find("\"resources\":[]"),
            std::string::npos);

  Touch("standin-fail-destroy");
  const Status failed = provider->Destroy(*built);
  ASSERT_FALSE(failed.ok());
  EXPECT_NE(failed.ToString().find("destroying generation 1"),
            std::string::npos);
}

TEST_F(TerraformProviderTest, ReplaceModeHealsWithOneApplyReplace) {
  options_.replace = {"aws_instance.heimdall", "aws_eip.heimdall"};
  auto provider = Make();
  Result<Deployment> first = provider->Build(1);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, kApply, kOutput}));

  // Destroy only marks the replacement; the next build performs it.
  ASSERT_TRUE(provider->Destroy(*first).ok());
  EXPECT_TRUE(Calls().empty());
  Result<Deployment> second = provider->Build(2);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(Calls(), (std::vector<std::string>{
                         kInit,
                         kApply + " -replace=aws_instance.heimdall "
                                  "-replace=aws_eip.heimdall",
                         kOutput}));

  // Once done, a later build replaces nothing.
  ASSERT_TRUE(provider->Build(3).ok());
  EXPECT_EQ(Calls()[1], kApply);
}

TEST_F(TerraformProviderTest, AReplacementOwedSurvivesARestart) {
  options_.replace = {"aws_instance.heimdall"};
  Result<Deployment> first = Make()->Build(1);
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Make()->Destroy(*first).ok());
  Calls();
  // A new provider (a restarted controller) still owes the replacement.
  ASSERT_TRUE(Make()->Build(2).ok());
  EXPECT_EQ(Calls()[1], kApply + " -replace=aws_instance.heimdall");
}

TEST_F(TerraformProviderTest, AdoptKeepsAHealthyRecordedGeneration) {
  auto provider = Make();
  Result<Deployment> built = provider->Build(1);
  ASSERT_TRUE(built.ok());
  Calls();
  Result<std::optional<Deployment>> adopted = provider->Adopt(*built);
  ASSERT_TRUE(adopted.ok());
  ASSERT_TRUE(adopted->has_value());
  EXPECT_EQ((*adopted)->generation_id, 1);
  EXPECT_TRUE(Calls().empty());
}

TEST_F(TerraformProviderTest, AdoptArchivesThenDestroysWhatTheStateHolds) {
  auto provider = Make();
  Result<Deployment> built = provider->Build(1);
  ASSERT_TRUE(built.ok());
  Calls();
  healthy_ = false;
  Result<std::optional<Deployment>> adopted = provider->Adopt(*built);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message();
  EXPECT_FALSE(adopted->has_value());
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, "state pull", kDestroy}));
  ASSERT_EQ(Archives().size(), 1u);
  EXPECT_TRUE(Archives()[0].filename().string().starts_with("generation-1-"));

  // Nothing in the state any more: nothing to archive or destroy.
  adopted = provider->Adopt(std::nullopt);
  ASSERT_TRUE(adopted.ok());
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, "state pull"}));
  EXPECT_EQ(Archives().size(), 1u);
}

TEST_F(TerraformProviderTest, AdoptOnAModuleNeverAppliedDoesNothing) {
  auto provider = Make();
  Result<std::optional<Deployment>> adopted = provider->Adopt(std::nullopt);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message();
  EXPECT_FALSE(adopted->has_value());
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, "state pull"}));
  EXPECT_TRUE(Archives().empty());
}

TEST_F(TerraformProviderTest, AdoptDestroysNothingIfTheArchiveFails) {
  auto provider = Make();
  ASSERT_TRUE(provider->Build(1).ok());
  Calls();
  Touch("standin-fail-state-pull");
  Result<std::optional<Deployment>> adopted = provider->Adopt(std::nullopt);
  ASSERT_FALSE(adopted.ok());
  EXPECT_EQ(Calls(), (std::vector<std::string>{kInit, "state pull"}));
  EXPECT_NE(ReadFile(module_ / "terraform.tfstate").find("aws_instance"),
            std::string::npos);
}

TEST_F(TerraformProviderTest, KeepsTheGenerationOnStopUnlessConfigured) {
  EXPECT_TRUE(Make()->KeepOnStop());
  options_.destroy_on_stop = true;
  EXPECT_FALSE(Make()->KeepOnStop());
}

TEST_F(TerraformProviderTest,
       ARelativeBinaryPathIsResolvedFromHereNotTheModule) {
  const std::filesystem::path here = std::filesystem::current_path();
  std::filesystem::current_path(dir_);
  options_.binary = "./terraform";
  auto provider = Make();
  std::filesystem::current_path(here);
  Result<Deployment> built = provider->Build(1);
  EXPECT_TRUE(built.ok()) << built.error().message();
}

TEST_F(TerraformProviderTest, CreateRefusesAMissingWorkingDir) {
  options_.working_dir = dir_ / "nowhere";
  Result<std::unique_ptr<TerraformProvider>> made =
      TerraformProvider::Create(options_);
  ASSERT_FALSE(made.ok());
  EXPECT_NE(made.error().message().find("nowhere"), std::string::npos);
}

// The controller with this provider: a heal whose state pull fails is
// aborted and recorded, and `terraform destroy` never runs.
TEST_F(TerraformProviderTest, ControllerAbortsTheHealWhenStatePullFails) {
  std::unique_ptr<store::SqliteStore> store =
      store::SqliteStore::Open(dir_ / "heimdall.db").value();
  auto provider = Make();
  testing::FakeProbe probe;
  FakeClock clock;
  ControllerOptions options;
  options.policy.grace = 0s;
  options.policy.breaker.max_heals = 0;
  Controller controller(options, *store, *provider, probe, clock);
  ASSERT_TRUE(controller.Start().ok());
  Calls();

  Touch("standin-fail-state-pull");
  probe.default_mode = testing::Mode::kFailing;
  for (int i = 0; i < 2; ++i) {
    clock.Advance(options.interval);
    ASSERT_TRUE(controller.Step().ok());
  }
  EXPECT_EQ(Calls(), (std::vector<std::string>{"state pull"}));
  const store::HealAction heal =
      store->ListHealActions("default", 1).value().at(0);
  EXPECT_EQ(heal.outcome, "failed");
  EXPECT_NE(heal.error.find("simulated state-pull failure"), std::string::npos)
      << heal.error;
  EXPECT_EQ(store->GetGeneration(1).value()->status,
            store::GenerationStatus::kLive);
  EXPECT_NE(ReadFile(module_ / "terraform.tfstate").find("aws_instance"),
            std::string::npos);
  EXPECT_EQ(controller.Snapshot().failed_heals, 1);

  // With the state readable again the next heal archives, then destroys.
  std::filesystem::remove(module_ / "standin-fail-state-pull");
  for (int i = 0; i < 10 && Archives().empty(); ++i) {
    clock.Advance(options.interval * 10);
    ASSERT_TRUE(controller.Step().ok());
  }
  const std::vector<std::string> calls = Calls();
  ASSERT_GE(calls.size(), 2u);
  EXPECT_EQ(calls[0], "state pull");
  EXPECT_EQ(calls[1], kDestroy);
  EXPECT_EQ(Archives().size(), 1u);
}

// The same calls against a real `terraform`, where one is installed (none
// is packaged for Debian, so CI usually skips this). The module uses only
// Terraform's built-in terraform_data resource: no provider download, no
// network, no cloud.
TEST_F(TerraformProviderTest, RealTerraformAcceptsEveryCommandWeRun) {
  if (std::system("command -v terraform >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no terraform on PATH; the stand-in tests above cover "
                    "the provider";
  }
  std::filesystem::remove(module_ / "outputs.json");
  std::ofstream(module_ / "main.tf") << R"(
resource "terraform_data" "host" {
  input = "heimdall"
}
output "public_ip" {
  value = "127.0.0.1"
}
output "instance_id" {
  value = terraform_data.host.id
}
)";
  options_.binary = "terraform";
  options_.replace = {"terraform_data.host"};
  auto provider = Make();
  Result<std::optional<Deployment>> adopted = provider->Adopt(std::nullopt);
  ASSERT_TRUE(adopted.ok()) << adopted.error().message();

  Result<Deployment> first = provider->Build(1);
  ASSERT_TRUE(first.ok()) << first.error().message();
  EXPECT_EQ(first->simulator_url, "http://127.0.0.1:5001");
  const std::string first_id = first->detail["outputs"]["instance_id"];
  Result<nlohmann::json> archive = provider->Archive(*first);
  ASSERT_TRUE(archive.ok()) << archive.error().message();
  EXPECT_EQ((*archive)["resources"], 1);
  EXPECT_NE(ReadFile((*archive)["path"].get<std::string>()).find(first_id),
            std::string::npos);

  // A heal in replace mode: a new resource behind the same outputs.
  ASSERT_TRUE(provider->Destroy(*first).ok());
  Result<Deployment> second = provider->Build(2);
  ASSERT_TRUE(second.ok()) << second.error().message();
  EXPECT_NE(second->detail["outputs"]["instance_id"], first_id);

  // Then without replace: a real destroy, and Adopt finds nothing left.
  options_.replace.clear();
  provider = Make();
  ASSERT_TRUE(provider->Destroy(*second).ok());
  Result<std::optional<Deployment>> after = provider->Adopt(std::nullopt);
  ASSERT_TRUE(after.ok()) << after.error().message();
  EXPECT_EQ(Archives().size(), 1u);
}

}  // namespace
}  // namespace heimdall::healer
