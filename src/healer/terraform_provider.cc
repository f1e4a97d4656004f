#include "healer/terraform_provider.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <thread>

namespace heimdall::healer {
namespace {

constexpr size_t kStderrTail = 2048;

// "20261204T193012.345Z": sorts by time, safe in a file name.
std::string UtcStamp() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      now.time_since_epoch())
                      .count() %
                  1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::strftime(text, sizeof(text), "%Y%m%dT%H%M%S", &utc);
  return fmt::format("{}.{:03}Z", text, ms);
}

// Writes `text` to a new file readable by its owner only; never replaces
// an existing file.
Status WritePrivateFile(const std::filesystem::path& path,
                        std::string_view text) {
  const int fd =
      open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    return MakeError("creating {}: {}", path.string(), std::strerror(errno));
  }
  std::string_view rest = text;
  while (!rest.empty()) {
    const ssize_t wrote = write(fd, rest.data(), rest.size());
    if (wrote < 0 && errno == EINTR) continue;
    if (wrote <= 0) break;
    rest.remove_prefix(static_cast<size_t>(wrote));
  }
  const bool complete = rest.empty() && fsync(fd) == 0;
  const int error = errno;
  close(fd);
  if (!complete) {
    std::filesystem::remove(path);
    return MakeError("writing {}: {}", path.string(), std::strerror(error));
  }
  return Status::Ok();
}

Result<std::string> StringOutput(const nlohmann::json& outputs,
                                 const std::string& name) {
  auto it = outputs.find(name);
  if (it == outputs.end()) {
    return MakeError("terraform output \"{}\" is missing", name);
  }
  if (!it->is_object() || !it->contains("value")) {
    return MakeError("terraform output \"{}\" has no \"value\"", name);
  }
  const nlohmann::json& value = (*it)["value"];
  if (!value.is_string() || value.get<std::string>().empty()) {
    return MakeError("terraform output \"{}\" is not a non-empty string: {}",
                     name, value.dump());
  }
  return value.get<std::string>();
}

// The URL from `url_output` if set, else http://<address>:<port>.
Result<std::string> ServiceUrl(const nlohmann::json& outputs,
                               const std::string& url_output,
                               const std::string& address_output,
                               uint16_t port) {
  if (!url_output.empty()) return StringOutput(outputs, url_output);
  Result<std::string> address = StringOutput(outputs, address_output);
  if (!address.ok()) return address;
  // An IPv6 address needs brackets in a URL.
  const bool v6 = address->find(':') != std::string::npos;
  return fmt::format("http://{}{}{}:{}", v6 ? "[" : "", *address, v6 ? "]" : "",
                     port);
}

}  // namespace

Result<TerraformEndpoints> ParseTerraformOutputs(
    std::string_view text, const TerraformProviderOptions& options) {
  const nlohmann::json outputs = nlohmann::json::parse(text, nullptr, false);
  if (outputs.is_discarded() || !outputs.is_object()) {
    return MakeError("terraform output -json: not a JSON object: {}",
                     Tail(text, 200));
  }
  TerraformEndpoints endpoints;
  Result<std::string> simulator =
      ServiceUrl(outputs, options.simulator_url_output, options.address_output,
                 options.simulator_port);
  if (!simulator.ok()) return simulator.error();
  Result<std::string> predictor =
      ServiceUrl(outputs, options.predictor_url_output, options.address_output,
                 options.predictor_port);
  if (!predictor.ok()) return predictor.error();
  endpoints.simulator_url = std::move(*simulator);
  endpoints.predictor_url = std::move(*predictor);
  endpoints.outputs = nlohmann::json::object();
  for (const auto& [name, output] : outputs.items()) {
    // Sensitive values stay out of the store and the API.
    const bool sensitive =
        output.is_object() && output.value("sensitive", false);
    endpoints.outputs[name] =
        sensitive ? nlohmann::json("(sensitive)")
                  : output.value("value", nlohmann::json(nullptr));
  }
  return endpoints;
}

TerraformProvider::TerraformProvider(TerraformProviderOptions options)
    : options_(std::move(options)) {}

Result<std::unique_ptr<TerraformProvider>> TerraformProvider::Create(
    TerraformProviderOptions options) {
  if (options.working_dir.empty()) {
    return Error("terraform provider: no working directory");
  }
  if (options.state_dir.empty())
    return Error("terraform provider: no state dir");
  if (!options.health_check) {
    return Error("terraform provider: no health check");
  }
  if (options.binary.empty()) return Error("terraform provider: no binary");
  if (options.address_output.empty() &&
      (options.simulator_url_output.empty() ||
       options.predictor_url_output.empty())) {
    return Error("terraform provider: no output names the address to watch");
  }
  std::error_code error;
  if (!std::filesystem::is_directory(options.working_dir, error)) {
    return MakeError("terraform provider: {} is not a directory",
                     options.working_dir.string());
  }
  options.working_dir = std::filesystem::absolute(options.working_dir);
  // Commands run in the working directory: a relative path to the binary
  // means one relative to here, not to there.
  if (options.binary.has_parent_path()) {
    options.binary = std::filesystem::absolute(options.binary);
  }
  const std::filesystem::path archives =
      options.state_dir / "terraform" / "archives";
  std::filesystem::create_directories(archives, error);
  if (error) {
    return MakeError("terraform provider: creating {}: {}", archives.string(),
                     error.message());
  }
  // Archived state holds secrets (keys, passwords in attributes).
  std::filesystem::permissions(archives, std::filesystem::perms::owner_all,
                               error);
  return std::unique_ptr<TerraformProvider>(
      new TerraformProvider(std::move(options)));
}

std::filesystem::path TerraformProvider::ArchiveDir() const {
  return options_.state_dir / "terraform" / "archives";
}

std::filesystem::path TerraformProvider::ReplaceMarker() const {
  return options_.state_dir / "terraform" / "replace-pending";
}

Result<CommandOutput> TerraformProvider::Terraform(
    std::vector<std::string> args, Duration timeout) const {
  CommandSpec spec;
  spec.program = options_.binary;
  spec.args = std::move(args);
  spec.working_dir = options_.working_dir;
  // No prompts, no colour codes in captured text, no version check calls.
  spec.env = {"TF_IN_AUTOMATION=1", "TF_INPUT=0", "NO_COLOR=1",
              "CHECKPOINT_DISABLE=1"};
  spec.timeout = timeout;
  const std::string what =
      fmt::format("{} {}", options_.binary.string(), spec.args.front());
  Result<CommandOutput> ran = RunCommand(spec);
  if (!ran.ok()) return ran.error().Annotate(options_.working_dir.string());
  if (ran->exit_code != 0) {
    return MakeError("{} in {} exited {}; stderr ends: {}", what,
                     options_.working_dir.string(), ran->exit_code,
                     Tail(ran->err, kStderrTail));
  }
  return ran;
}

Status TerraformProvider::Apply() {
  HEIMDALL_RETURN_IF_ERROR(
      Terraform({"init", "-input=false", "-no-color"}, options_.init_timeout)
          .status());
  std::vector<std::string> args = {"apply", "-auto-approve", "-input=false",
                                   "-no-color"};
  const bool replacing = std::filesystem::exists(ReplaceMarker());
  if (replacing) {
    for (const std::string& resource : options_.replace) {
      args.push_back("-replace=" + resource);
    }
  }
  args.insert(args.end(), options_.extra_args.begin(),
              options_.extra_args.end());
  HEIMDALL_RETURN_IF_ERROR(Terraform(args, options_.apply_timeout).status());
  if (replacing) {
    std::error_code error;
    std::filesystem::remove(ReplaceMarker(), error);
  }
  return Status::Ok();
}

// TODO: a stop of `heimdall up` cannot cut this wait (nor a running apply)
// short, so shutdown can take up to ready_timeout; the systemd unit's stop
// timeout is sized for it. A cancellation token through Provider::Build
// would let the readiness wait end at once (the apply should still finish).
Status TerraformProvider::WaitUntilHealthy(
    const TerraformEndpoints& endpoints) const {
  const auto deadline =
      std::chrono::steady_clock::now() + options_.ready_timeout;
  while (true) {
    Status health = options_.health_check(endpoints.simulator_url);
    if (health.ok()) health = options_.health_check(endpoints.predictor_url);
    if (health.ok()) return health;
    if (std::chrono::steady_clock::now() >= deadline) {
      return health.Annotate(fmt::format("not healthy after {} ms",
                                         options_.ready_timeout.count()));
    }
    std::this_thread::sleep_for(options_.ready_poll);
  }
}

Result<Deployment> TerraformProvider::Build(int64_t generation_id) {
  const auto started = std::chrono::steady_clock::now();
  Status applied = Apply();
  Result<TerraformEndpoints> endpoints = Error("not read");
  if (applied.ok()) {
    Result<CommandOutput> outputs =
        Terraform({"output", "-json", "-no-color"}, options_.query_timeout);
    endpoints = outputs.ok() ? ParseTerraformOutputs(outputs->out, options_)
                             : Result<TerraformEndpoints>(outputs.error());
    applied = endpoints.status();
  }
  if (applied.ok()) applied = WaitUntilHealthy(*endpoints);
  if (!applied.ok()) {
    return applied
        .Annotate(fmt::format("building generation {}", generation_id))
        .error();
  }
  Deployment deployment;
  deployment.generation_id = generation_id;
  deployment.provider = std::string(name());
  deployment.simulator_url = endpoints->simulator_url;
  deployment.predictor_url = endpoints->predictor_url;
  deployment.detail = {{"working_dir", options_.working_dir.string()},
                       {"outputs", endpoints->outputs}};
  spdlog::info("terraform: generation {} applied in {} and healthy after {} s",
               generation_id, options_.working_dir.string(),
               std::chrono::duration_cast<std::chrono::seconds>(
                   std::chrono::steady_clock::now() - started)
                   .count());
  return deployment;
}

Status TerraformProvider::Health(const Deployment& deployment) {
  for (const std::string& url :
       {deployment.simulator_url, deployment.predictor_url}) {
    Status health = options_.health_check(url);
    if (!health.ok()) {
      return health.Annotate(
          fmt::format("generation {}", deployment.generation_id));
    }
  }
  return Status::Ok();
}

Result<std::string> TerraformProvider::PullState() const {
  Result<CommandOutput> pulled =
      Terraform({"state", "pull"}, options_.query_timeout);
  if (!pulled.ok()) return pulled.error();
  // A module never applied has no state: `state pull` prints nothing.
  if (Tail(pulled->out, 1).empty()) return std::string();
  const nlohmann::json state =
      nlohmann::json::parse(pulled->out, nullptr, false);
  if (state.is_discarded() || !state.is_object()) {
    return MakeError("state pull did not print a JSON state: \"{}\"",
                     Tail(pulled->out, 200));
  }
  return std::move(pulled->out);
}

Result<nlohmann::json> TerraformProvider::WriteArchive(
    int64_t generation_id, const std::string& text) const {
  const nlohmann::json state = nlohmann::json::parse(text, nullptr, false);
  const std::filesystem::path path =
      ArchiveDir() /
      fmt::format("generation-{}-{}.tfstate", generation_id, UtcStamp());
  HEIMDALL_RETURN_IF_ERROR(WritePrivateFile(path, text));
  return nlohmann::json{
      {"path", path.string()},
      {"bytes", text.size()},
      {"serial", state.value("serial", nlohmann::json(nullptr))},
      {"lineage", state.value("lineage", nlohmann::json(nullptr))},
      {"resources", state.value("resources", nlohmann::json::array()).size()}};
}

Result<nlohmann::json> TerraformProvider::Archive(
    const Deployment& deployment) {
  const std::string context =
      fmt::format("archiving generation {}", deployment.generation_id);
  Result<std::string> state = PullState();
  if (!state.ok()) return state.error().Annotate(context);
  if (state->empty()) {
    return MakeError("{}: state pull did not print a JSON state (no state)",
                     context);
  }
  Result<nlohmann::json> archive =
      WriteArchive(deployment.generation_id, *state);
  if (!archive.ok()) return archive.error().Annotate(context);
  (*archive)["outputs"] =
      deployment.detail.value("outputs", nlohmann::json::object());
  return archive;
}

Status TerraformProvider::DestroyAll() {
  if (!options_.replace.empty()) {
    // The next apply replaces them; written first, so a crash before that
    // apply still replaces.
    Status marked = WritePrivateFile(ReplaceMarker(), "");
    if (!marked.ok() && !std::filesystem::exists(ReplaceMarker())) {
      return marked;
    }
    return Status::Ok();
  }
  std::vector<std::string> args = {"destroy", "-auto-approve", "-input=false",
                                   "-no-color"};
  args.insert(args.end(), options_.extra_args.begin(),
              options_.extra_args.end());
  return Terraform(args, options_.destroy_timeout).status();
}

Status TerraformProvider::Destroy(const Deployment& deployment) {
  return DestroyAll().Annotate(
      fmt::format("destroying generation {}", deployment.generation_id));
}

Result<std::optional<Deployment>> TerraformProvider::Adopt(
    const std::optional<Deployment>& recorded) {
  if (recorded && recorded->provider == name() && Health(*recorded).ok()) {
    return recorded;
  }
  // What the state holds is all this provider ever started.
  const char* context = "terraform: clearing what the state holds";
  HEIMDALL_RETURN_IF_ERROR(
      Terraform({"init", "-input=false", "-no-color"}, options_.init_timeout)
          .status()
          .Annotate(context));
  Result<std::string> state = PullState();
  if (!state.ok()) return state.error().Annotate(context);
  const nlohmann::json parsed = nlohmann::json::parse(*state, nullptr, false);
  if (state->empty() ||
      parsed.value("resources", nlohmann::json::array()).empty()) {
    return std::optional<Deployment>();
  }
  // Archived first, as before any destroy; if that fails nothing is touched.
  Result<nlohmann::json> archived =
      WriteArchive(recorded ? recorded->generation_id : 0, *state);
  if (!archived.ok()) return archived.error().Annotate(context);
  spdlog::info("terraform: state archived to {} before clearing it",
               (*archived)["path"].get<std::string>());
  HEIMDALL_RETURN_IF_ERROR(DestroyAll().Annotate(context));
  return std::optional<Deployment>();
}

}  // namespace heimdall::healer
