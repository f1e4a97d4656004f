#include "healer/local_provider.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <thread>

#include "model/model_file.h"
#include "model/train.h"

namespace heimdall::healer {

using namespace std::chrono_literals;

struct LocalProvider::Child {
  std::string role;  // "simulator" or "predictor".
  ProcessId id;
  uint16_t port = 0;
  std::vector<std::string> argv;
  std::filesystem::path log;
};

namespace {

constexpr size_t kArchiveLogTail = 8 * 1024;
constexpr size_t kErrorLogTail = 1024;

// Binds `count` sockets to port 0 at once so the ports differ, then frees
// them for the children. Another process could take one in between; the
// build then fails and the controller retries it.
// TODO: remove the race by letting the children bind port 0 and report the
// port they got (simulate and serve would need to write it to a file).
Result<std::vector<uint16_t>> PickFreePorts(const std::string& bind,
                                            int count) {
  std::vector<int> sockets;
  std::vector<uint16_t> ports;
  Status status;
  for (int i = 0; i < count && status.ok(); ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    socklen_t length = sizeof(address);
    if (fd < 0 || inet_pton(AF_INET, bind.c_str(), &address.sin_addr) != 1 ||
        ::bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
        getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
      status = MakeError("picking a free port on {}: {}", bind,
                         std::strerror(errno));
    } else {
      ports.push_back(ntohs(address.sin_port));
    }
    if (fd >= 0) sockets.push_back(fd);
  }
  for (int fd : sockets) close(fd);
  if (!status.ok()) return status.error();
  return ports;
}

std::string Expand(
    std::string text,
    const std::vector<std::pair<std::string, std::string>>& values) {
  for (const auto& [key, value] : values) {
    const std::string placeholder = "{" + key + "}";
    for (size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at + value.size())) {
      text.replace(at, placeholder.size(), value);
    }
  }
  return text;
}

std::string BaseUrl(const std::string& bind, uint16_t port) {
  return fmt::format("http://{}:{}", bind, port);
}

// The processes recorded in a deployment's detail.
std::vector<ProcessId> RecordedProcesses(const Deployment& deployment) {
  std::vector<ProcessId> ids;
  const nlohmann::json& processes =
      deployment.detail.value("processes", nlohmann::json::array());
  for (const nlohmann::json& p : processes) {
    if (!p.is_object()) continue;
    ids.push_back(ProcessId{p.value("pid", pid_t{0}),
                            p.value("start_ticks", uint64_t{0})});
  }
  return ids;
}

// Stops a process found by its marker, whether or not it leads a group.
Status StopStray(pid_t pid, Duration grace) {
  std::optional<uint64_t> ticks = ProcessStartTicks(pid);
  if (!ticks) return Status::Ok();
  const ProcessId id{pid, *ticks};
  if (getpgid(pid) == pid) return StopProcessGroup(id, grace);
  return StopProcess(id, grace);
}

}  // namespace

LocalProvider::LocalProvider(LocalProviderOptions options)
    : options_(std::move(options)) {}

Result<std::unique_ptr<LocalProvider>> LocalProvider::Create(
    LocalProviderOptions options) {
  if (options.state_dir.empty()) return Error("local provider: no state dir");
  if (!options.health_check) return Error("local provider: no health check");
  std::error_code error;
  std::filesystem::create_directories(options.state_dir, error);
  if (error) {
    return MakeError("local provider: creating {}: {}",
                     options.state_dir.string(), error.message());
  }
  options.state_dir = std::filesystem::canonical(options.state_dir);
  if (options.binary.empty()) {
    options.binary = std::filesystem::read_symlink("/proc/self/exe", error);
  }
  if (error || access(options.binary.c_str(), X_OK) != 0) {
    return MakeError("local provider: binary {} is not executable",
                     options.binary.string());
  }
  if (options.simulator_command.empty()) {
    options.simulator_command = {"{binary}", "simulate", "--bind",
                                 "{bind}",   "--port",   "{port}"};
  }
  if (options.predictor_command.empty()) {
    options.predictor_command = {"{binary}", "serve",  "--bind",  "{bind}",
                                 "--port",   "{port}", "--model", "{model}"};
  }
  return std::unique_ptr<LocalProvider>(new LocalProvider(std::move(options)));
}

std::string LocalProvider::Marker(int64_t generation_id) const {
  return fmt::format("{}/{}", options_.state_dir.string(), generation_id);
}

std::filesystem::path LocalProvider::GenerationDir(
    int64_t generation_id) const {
  return options_.state_dir / "generations" / std::to_string(generation_id);
}

Status LocalProvider::EnsureModel() {
  if (!options_.model.empty()) return Status::Ok();
  const std::filesystem::path path = options_.state_dir / "model.json";
  if (!std::filesystem::exists(path)) {
    Result<model::Model> trained =
        model::Train(model::BuiltinHealthySet(), model::TrainOptions{});
    if (!trained.ok()) return trained.error().Annotate("training the model");
    HEIMDALL_RETURN_IF_ERROR(model::SaveModel(*trained, path));
    spdlog::info("trained the built-in model into {}", path.string());
  }
  options_.model = path;
  return Status::Ok();
}

Result<LocalProvider::Child> LocalProvider::StartChild(
    std::string role, int64_t generation_id, uint16_t port,
    const std::vector<std::string>& command,
    const std::vector<std::string>& extra_args) {
  Child child;
  child.role = std::move(role);
  child.port = port;
  child.log = GenerationDir(generation_id) / (child.role + ".log");
  const std::vector<std::pair<std::string, std::string>> values = {
      {"binary", options_.binary.string()},
      {"bind", options_.bind},
      {"port", std::to_string(port)},
      {"model", options_.model.string()},
      {"generation", std::to_string(generation_id)},
      {"dir", GenerationDir(generation_id).string()}};
  for (const std::string& part : command) {
    child.argv.push_back(Expand(part, values));
  }
  child.argv.insert(child.argv.end(), extra_args.begin(), extra_args.end());

  ProcessSpec spec;
  spec.program = child.argv.front();
  spec.args.assign(child.argv.begin() + 1, child.argv.end());
  spec.env = {
      fmt::format("{}={}", kGenerationMarkerEnv, Marker(generation_id))};
  spec.log_path = child.log;
  Result<ProcessId> id = SpawnProcess(spec);
  if (!id.ok()) return id.error().Annotate(child.role);
  child.id = *id;
  return child;
}

Status LocalProvider::CheckRunning(const std::vector<Child>& children) {
  for (const Child& child : children) {
    if (!IsRunning(child.id)) {
      return MakeError("{} (pid {}) exited; its log ends: {}", child.role,
                       child.id.pid, TailFile(child.log, kErrorLogTail));
    }
  }
  return Status::Ok();
}

Status LocalProvider::CheckHealth(const std::vector<Child>& children) {
  for (const Child& child : children) {
    Status health = options_.health_check(BaseUrl(options_.bind, child.port));
    if (!health.ok()) return health.Annotate(child.role);
  }
  return Status::Ok();
}

Status LocalProvider::WaitUntilHealthy(const std::vector<Child>& children) {
  const auto deadline =
      std::chrono::steady_clock::now() + options_.build_timeout;
  while (true) {
    // A child that exits (a bad flag, a taken port) fails the build at once.
    HEIMDALL_RETURN_IF_ERROR(CheckRunning(children));
    Status health = CheckHealth(children);
    if (health.ok()) return health;
    if (std::chrono::steady_clock::now() >= deadline) {
      return health.Annotate(fmt::format("not healthy after {} ms",
                                         options_.build_timeout.count()));
    }
    std::this_thread::sleep_for(10ms);
  }
}

Deployment LocalProvider::Describe(int64_t generation_id,
                                   const std::vector<Child>& children) const {
  Deployment deployment;
  deployment.generation_id = generation_id;
  deployment.provider = std::string(name());
  deployment.detail["marker"] = Marker(generation_id);
  deployment.detail["dir"] = GenerationDir(generation_id).string();
  nlohmann::json& processes = deployment.detail["processes"];
  processes = nlohmann::json::array();
  for (const Child& child : children) {
    const std::string url = BaseUrl(options_.bind, child.port);
    if (child.role == "simulator") deployment.simulator_url = url;
    if (child.role == "predictor") deployment.predictor_url = url;
    processes.push_back({{"role", child.role},
                         {"pid", child.id.pid},
                         {"start_ticks", child.id.start_ticks},
                         {"port", child.port},
                         {"argv", child.argv},
                         {"log", child.log.string()}});
  }
  return deployment;
}

Result<Deployment> LocalProvider::Build(int64_t generation_id) {
  HEIMDALL_RETURN_IF_ERROR(EnsureModel());
  std::error_code error;
  std::filesystem::create_directories(GenerationDir(generation_id), error);
  if (error) {
    return MakeError("generation {}: creating {}: {}", generation_id,
                     GenerationDir(generation_id).string(), error.message());
  }
  Result<std::vector<uint16_t>> ports = PickFreePorts(options_.bind, 2);
  if (!ports.ok()) return ports.error();

  std::vector<Child> children;
  Status status = StartChildren(generation_id, *ports, &children);
  if (status.ok()) status = WaitUntilHealthy(children);
  if (!status.ok()) {
    std::vector<ProcessId> started;
    for (const Child& child : children) started.push_back(child.id);
    const Status cleanup = StopGeneration(generation_id, started);
    if (!cleanup.ok()) {
      status = MakeError("{} (and cleaning up: {})", status.ToString(),
                         cleanup.ToString());
    }
    return status.Annotate(fmt::format("building generation {}", generation_id))
        .error();
  }
  return Describe(generation_id, children);
}

Status LocalProvider::StartChildren(int64_t generation_id,
                                    const std::vector<uint16_t>& ports,
                                    std::vector<Child>* children) {
  std::vector<std::string> simulator_args = options_.extra_simulator_args;
  if (options_.build_simulator_args) {
    for (std::string& arg : options_.build_simulator_args()) {
      simulator_args.push_back(std::move(arg));
    }
  }
  Result<Child> simulator =
      StartChild("simulator", generation_id, ports[0],
                 options_.simulator_command, simulator_args);
  if (!simulator.ok()) return simulator.error();
  children->push_back(std::move(*simulator));
  Result<Child> predictor =
      StartChild("predictor", generation_id, ports[1],
                 options_.predictor_command, options_.extra_predictor_args);
  if (!predictor.ok()) return predictor.error();
  children->push_back(std::move(*predictor));
  return Status::Ok();
}

bool LocalProvider::IsOurs(const Deployment& deployment) const {
  const std::vector<ProcessId> ids = RecordedProcesses(deployment);
  if (deployment.provider != name() || ids.empty()) return false;
  const std::string marker = Marker(deployment.generation_id);
  for (const ProcessId& id : ids) {
    if (!IsRunning(id) || ProcessEnv(id.pid, kGenerationMarkerEnv) != marker) {
      return false;
    }
  }
  return true;
}

Status LocalProvider::Health(const Deployment& deployment) {
  if (!IsOurs(deployment)) {
    return MakeError("generation {}: a process is gone",
                     deployment.generation_id);
  }
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

Result<nlohmann::json> LocalProvider::Archive(const Deployment& deployment) {
  nlohmann::json archive = {{"generation_id", deployment.generation_id},
                            {"provider", deployment.provider},
                            {"simulator_url", deployment.simulator_url},
                            {"predictor_url", deployment.predictor_url},
                            {"marker", deployment.detail.value("marker", "")},
                            {"processes", nlohmann::json::array()}};
  for (nlohmann::json p :
       deployment.detail.value("processes", nlohmann::json::array())) {
    const ProcessId id{p.value("pid", pid_t{0}),
                       p.value("start_ticks", uint64_t{0})};
    p["running"] = IsRunning(id);
    p["log_tail"] = TailFile(p.value("log", ""), kArchiveLogTail);
    archive["processes"].push_back(std::move(p));
  }
  const std::filesystem::path path =
      GenerationDir(deployment.generation_id) / "archive.json";
  HEIMDALL_RETURN_IF_ERROR(
      WriteArchive(path, deployment.generation_id, archive));
  return archive;
}

Status LocalProvider::Destroy(const Deployment& deployment) {
  return StopGeneration(deployment.generation_id,
                        RecordedProcesses(deployment));
}

Status LocalProvider::StopGeneration(int64_t generation_id,
                                     const std::vector<ProcessId>& known) {
  Status first;
  for (const ProcessId& id : known) {
    Status stopped = StopProcessGroup(id, options_.stop_grace);
    if (first.ok() && !stopped.ok()) first = stopped;
  }
  // Anything of this generation that outlived its group leader, or was
  // started but never recorded (a crash mid-build).
  const std::string marker = Marker(generation_id);
  for (const auto& [pid, value] : FindProcessesWithEnv(kGenerationMarkerEnv)) {
    if (value != marker) continue;
    Status stopped = StopStray(pid, options_.stop_grace);
    if (first.ok() && !stopped.ok()) first = stopped;
  }
  return first.Annotate(fmt::format("destroying generation {}", generation_id));
}

Result<std::optional<Deployment>> LocalProvider::Adopt(
    const std::optional<Deployment>& recorded) {
  std::optional<Deployment> kept;
  if (recorded && IsOurs(*recorded) && Health(*recorded).ok()) kept = recorded;
  // Only processes that carry our marker are stopped: a recorded PID that
  // lost its marker belongs to someone else now.
  HEIMDALL_RETURN_IF_ERROR(StopStrays(
      kept ? std::optional<int64_t>(kept->generation_id) : std::nullopt));
  return kept;
}

Status LocalProvider::StopStrays(const std::optional<int64_t>& keep) {
  const std::string prefix = options_.state_dir.string() + "/";
  const std::string kept = keep ? Marker(*keep) : "";
  Status first;
  for (const auto& [pid, value] : FindProcessesWithEnv(kGenerationMarkerEnv)) {
    // Another controller's processes (another state dir) are not ours.
    if (!value.starts_with(prefix) ||
        value.find('/', prefix.size()) != std::string::npos || value == kept) {
      continue;
    }
    spdlog::warn("stopping stray process {} of generation {}", pid,
                 value.substr(prefix.size()));
    Status stopped = StopStray(pid, options_.stop_grace);
    if (first.ok() && !stopped.ok()) first = stopped;
  }
  return first;
}

}  // namespace heimdall::healer
