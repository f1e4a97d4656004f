#include "healer/docker_provider.h"

#include <spdlog/spdlog.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <set>
#include <thread>

namespace heimdall::healer {

using namespace std::chrono_literals;

struct DockerProvider::Container {
  std::string role;
  std::string id;
  std::string name;
  std::string image;
  uint16_t host_port = 0;
  std::string url;
};

namespace {

constexpr int kArchiveLogLines = 200;
constexpr int kErrorLogLines = 20;
constexpr size_t kErrorLogTail = 1024;
constexpr char kModelInContainer[] = "/heimdall/model.json";
constexpr char kImageModel[] = "/usr/share/heimdall/model.json";
constexpr char kReplayInContainer[] = "/heimdall/replay.csv";

int64_t Nanoseconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

// A short, stable tag for names (labels hold the full identity).
std::string ShortHash(std::string_view text) {
  uint32_t hash = 2166136261u;  // FNV-1a.
  for (const char c : text) {
    hash = (hash ^ static_cast<unsigned char>(c)) * 16777619u;
  }
  return fmt::format("{:08x}", hash);
}

std::string Expand(std::string text, std::string_view key,
                   std::string_view value) {
  const std::string placeholder = fmt::format("{{{}}}", key);
  for (size_t at = text.find(placeholder); at != std::string::npos;
       at = text.find(placeholder, at + value.size())) {
    text.replace(at, placeholder.size(), value);
  }
  return text;
}

std::vector<std::string> ExpandAll(const std::vector<std::string>& parts,
                                   uint16_t port, std::string_view model) {
  std::vector<std::string> expanded;
  for (const std::string& part : parts) {
    expanded.push_back(
        Expand(Expand(part, "port", std::to_string(port)), "model", model));
  }
  return expanded;
}

// The value at `pointer` ("/State/Running") if it is there with type T,
// else `fallback`: engine replies and stored details are read without
// exceptions, whatever their shape.
template <typename T>
T Get(const nlohmann::json& json, const std::string& pointer, T fallback) {
  const nlohmann::json::json_pointer path(pointer);
  if (!json.contains(path)) return fallback;
  const nlohmann::json& value = json.at(path);
  if constexpr (std::is_same_v<T, std::string>) {
    return value.is_string() ? value.get<std::string>() : fallback;
  } else if constexpr (std::is_same_v<T, bool>) {
    return value.is_boolean() ? value.get<bool>() : fallback;
  } else {
    return value.is_number_integer() ? value.get<T>() : fallback;
  }
}

// The containers recorded in a deployment's detail (objects only).
std::vector<nlohmann::json> RecordedContainers(const Deployment& deployment) {
  std::vector<nlohmann::json> containers;
  const auto it = deployment.detail.find("containers");
  if (it == deployment.detail.end() || !it->is_array()) return containers;
  for (const nlohmann::json& c : *it) {
    if (c.is_object()) containers.push_back(c);
  }
  return containers;
}

// Environment values can hold secrets (the API token): keep only names.
nlohmann::json Redacted(nlohmann::json inspect) {
  nlohmann::json* env =
      inspect.contains("Config") && inspect["Config"].is_object()
          ? &inspect["Config"]["Env"]
          : nullptr;
  if (env == nullptr || !env->is_array()) return inspect;
  for (nlohmann::json& entry : *env) {
    if (!entry.is_string()) continue;
    const std::string text = entry.get<std::string>();
    entry = text.substr(0, text.find('=')) + "=<redacted>";
  }
  return inspect;
}

// A label from a list entry ("Labels") or an inspect reply
// ("Config.Labels").
std::string LabelOf(const nlohmann::json& object, const char* key) {
  const std::string label =
      Get<std::string>(object, fmt::format("/Labels/{}", key), "");
  if (!label.empty()) return label;
  return Get<std::string>(object, fmt::format("/Config/Labels/{}", key), "");
}

}  // namespace

DockerProvider::DockerProvider(DockerProviderOptions options)
    : options_(std::move(options)),
      controller_(options_.state_dir.string()),
      short_id_(ShortHash(controller_)),
      engine_(options_.engine) {}

Result<std::unique_ptr<DockerProvider>> DockerProvider::Create(
    DockerProviderOptions options) {
  if (options.state_dir.empty()) return Error("docker provider: no state dir");
  if (!options.health_check) return Error("docker provider: no health check");
  if (options.image.empty()) return Error("docker provider: no image");
  std::error_code error;
  std::filesystem::create_directories(options.state_dir, error);
  if (error) {
    return MakeError("docker provider: creating {}: {}",
                     options.state_dir.string(), error.message());
  }
  options.state_dir = std::filesystem::canonical(options.state_dir);
  for (std::filesystem::path* file : {&options.model, &options.replay}) {
    if (file->empty()) continue;
    *file = std::filesystem::absolute(*file);
    if (!std::filesystem::is_regular_file(*file, error)) {
      return MakeError("docker provider: {} is not a file", file->string());
    }
  }
  if (options.simulator.command.empty()) {
    options.simulator.command = {"simulate", "--bind", "0.0.0.0", "--port",
                                 "{port}"};
  }
  if (options.predictor.command.empty()) {
    options.predictor.command = {"serve",  "--bind",  "0.0.0.0", "--port",
                                 "{port}", "--model", "{model}"};
  }
  for (DockerServiceOptions* service :
       {&options.simulator, &options.predictor}) {
    if (service->image.empty()) service->image = options.image;
    if (service->health_command.empty()) {
      service->health_command = {"heimdall", "healthcheck",
                                 "http://127.0.0.1:{port}/healthz"};
    }
  }
  return std::unique_ptr<DockerProvider>(
      new DockerProvider(std::move(options)));
}

std::string DockerProvider::NetworkName(int64_t generation_id) const {
  return fmt::format("heimdall-{}-g{}", short_id_, generation_id);
}

std::string DockerProvider::ContainerName(int64_t generation_id,
                                          std::string_view role) const {
  return fmt::format("heimdall-{}-g{}-{}", short_id_, generation_id, role);
}

std::filesystem::path DockerProvider::GenerationDir(
    int64_t generation_id) const {
  return options_.state_dir / "generations" / std::to_string(generation_id);
}

std::map<std::string, std::string> DockerProvider::Labels(
    int64_t generation_id, std::string_view role) const {
  std::map<std::string, std::string> labels = {
      {kDockerLabelManaged, "true"},
      {kDockerLabelController, controller_},
      {kDockerLabelGeneration, std::to_string(generation_id)}};
  if (!role.empty()) labels[kDockerLabelRole] = std::string(role);
  return labels;
}

// Docker's health check for `service`, or none (["NONE"]).
nlohmann::json DockerProvider::HealthSpec(const DockerServiceOptions& service,
                                          const std::string& model) const {
  if (service.health_command == std::vector<std::string>{"NONE"}) {
    return {{"Test", {"NONE"}}};
  }
  nlohmann::json test = {"CMD"};
  for (const std::string& part :
       ExpandAll(service.health_command, service.port, model)) {
    test.push_back(part);
  }
  return {{"Test", test},
          {"Interval", Nanoseconds(options_.health_interval)},
          {"Timeout",
           Nanoseconds(std::min<Duration>(options_.health_interval, 3s))},
          {"Retries", 3}};
}

// Limits, the loopback port binding, the network, read-only mounts.
nlohmann::json DockerProvider::HostSpec(const std::string& network,
                                        const std::string& port,
                                        const nlohmann::json& binds) const {
  return {
      {"PortBindings",
       {{port, {{{"HostIp", options_.publish_address}, {"HostPort", ""}}}}}},
      {"Memory", options_.memory_bytes},
      {"MemorySwap", options_.memory_bytes},
      {"NanoCpus", static_cast<int64_t>(options_.cpus * 1e9)},
      {"PidsLimit", options_.pids_limit},
      {"NetworkMode", network},
      {"Binds", binds},
      // Heimdall heals; an engine restart policy would fight it.
      {"RestartPolicy", {{"Name", "no"}}},
      {"CapDrop", {"ALL"}},
      {"SecurityOpt", {"no-new-privileges"}},
      {"LogConfig",
       {{"Type", "json-file"},
        {"Config", {{"max-size", "10m"}, {"max-file", "2"}}}}}};
}

nlohmann::json DockerProvider::ContainerSpec(
    int64_t generation_id, std::string_view role,
    const DockerServiceOptions& service) const {
  const bool simulator = role == "simulator";
  const std::string model =
      options_.model.empty() ? kImageModel : kModelInContainer;
  std::vector<std::string> command =
      ExpandAll(service.command, service.port, model);
  command.insert(command.end(), service.extra_args.begin(),
                 service.extra_args.end());

  // Mounts, read-only: a model of the user's, a file to replay.
  nlohmann::json binds = nlohmann::json::array();
  if (!simulator && !options_.model.empty()) {
    binds.push_back(options_.model.string() + ":" + kModelInContainer + ":ro");
  }
  if (simulator && !options_.replay.empty()) {
    binds.push_back(options_.replay.string() + ":" + kReplayInContainer +
                    ":ro");
    command.insert(command.end(), {"--replay", kReplayInContainer});
  }
  nlohmann::json env = nlohmann::json::array();
  if (simulator && !options_.token.empty()) {
    env.push_back("HEIMDALL_TOKEN=" + options_.token);
  }

  const std::string port = fmt::format("{}/tcp", service.port);
  const std::string network = NetworkName(generation_id);
  return {
      {"Image", service.image},
      {"Cmd", command},
      {"Env", env},
      {"Labels", Labels(generation_id, role)},
      {"ExposedPorts", {{port, nlohmann::json::object()}}},
      {"Healthcheck", HealthSpec(service, model)},
      {"HostConfig", HostSpec(network, port, binds)},
      {"NetworkingConfig",
       {{"EndpointsConfig", {{network, {{"Aliases", {std::string(role)}}}}}}}}};
}

Status DockerProvider::CheckImages() {
  for (const std::string& image : std::set<std::string>{
           options_.simulator.image, options_.predictor.image}) {
    Result<std::optional<nlohmann::json>> found = engine_.InspectImage(image);
    if (!found.ok()) return found.error();
    if (!found->has_value()) {
      return MakeError(
          "image {} is not on this Docker engine (nothing is pulled; "
          "scripts/docker-image.sh builds the heimdall image)",
          image);
    }
  }
  return Status::Ok();
}

Result<DockerProvider::Container> DockerProvider::StartContainer(
    int64_t generation_id, std::string_view role,
    const DockerServiceOptions& service) {
  Container container;
  container.role = std::string(role);
  container.name = ContainerName(generation_id, role);
  container.image = service.image;
  Result<std::string> id = engine_.CreateContainer(
      container.name, ContainerSpec(generation_id, role, service));
  if (!id.ok()) return id.error().Annotate(container.role);
  container.id = *id;
  HEIMDALL_RETURN_IF_ERROR(
      engine_.StartContainer(container.id).Annotate(container.role));

  Result<std::optional<nlohmann::json>> inspect =
      engine_.InspectContainer(container.id);
  if (!inspect.ok()) return inspect.error().Annotate(container.role);
  if (!inspect->has_value()) {
    return MakeError("{}: container {} vanished after start", container.role,
                     container.name);
  }
  // "~1" is "/" escaped in a JSON pointer: the key is "5001/tcp".
  const std::string key = fmt::format("{}/tcp", service.port);
  const std::string host_port = Get<std::string>(
      **inspect,
      fmt::format("/NetworkSettings/Ports/{}~1tcp/0/HostPort", service.port),
      "");
  const auto [end, parsed] =
      std::from_chars(host_port.data(), host_port.data() + host_port.size(),
                      container.host_port);
  if (parsed != std::errc() || container.host_port == 0) {
    // A container that exited at once has no published port any more: say
    // why it exited, with its log.
    HEIMDALL_RETURN_IF_ERROR(CheckContainers({container}));
    return MakeError("{}: container {} published {} on port \"{}\"",
                     container.role, container.name, key, host_port);
  }
  const std::string host = options_.publish_address == "0.0.0.0"
                               ? "127.0.0.1"
                               : options_.publish_address;
  container.url = fmt::format("http://{}:{}", host, container.host_port);
  return container;
}

// Running, not reported unhealthy by Docker; else why not, with the logs.
Status DockerProvider::CheckContainers(
    const std::vector<Container>& containers) {
  for (const Container& c : containers) {
    Result<std::optional<nlohmann::json>> inspect =
        engine_.InspectContainer(c.id);
    if (!inspect.ok()) return inspect.error().Annotate(c.role);
    if (!inspect->has_value()) {
      return MakeError("{}: container {} is gone", c.role, c.name);
    }
    std::string problem;
    if (!Get<bool>(**inspect, "/State/Running", false)) {
      problem = fmt::format("exited with code {}",
                            Get<int>(**inspect, "/State/ExitCode", -1));
    } else if (Get<std::string>(**inspect, "/State/Health/Status", "") ==
               "unhealthy") {
      problem = "failing its Docker health check";
    }
    if (problem.empty()) continue;
    Result<std::string> logs = engine_.Logs(c.id, kErrorLogLines);
    std::string tail = logs.ok() ? *logs : logs.error().message();
    if (tail.size() > kErrorLogTail) {
      tail = tail.substr(tail.size() - kErrorLogTail);
    }
    return MakeError("{}: container {} {}; its log ends: {}", c.role, c.name,
                     problem, tail);
  }
  return Status::Ok();
}

Status DockerProvider::WaitUntilHealthy(
    const std::vector<Container>& containers) {
  const auto deadline =
      std::chrono::steady_clock::now() + options_.build_timeout;
  while (true) {
    // A container that exits (a bad flag, a missing file) fails at once.
    HEIMDALL_RETURN_IF_ERROR(CheckContainers(containers));
    Status health;
    for (const Container& c : containers) {
      health = options_.health_check(c.url).Annotate(c.role);
      if (!health.ok()) break;
    }
    if (health.ok()) return health;
    if (std::chrono::steady_clock::now() >= deadline) {
      return health.Annotate(fmt::format("not healthy after {} ms",
                                         options_.build_timeout.count()));
    }
    std::this_thread::sleep_for(50ms);
  }
}

Deployment DockerProvider::Describe(
    int64_t generation_id, const std::vector<Container>& containers) const {
  Deployment deployment;
  deployment.generation_id = generation_id;
  deployment.provider = std::string(name());
  deployment.detail["controller"] = controller_;
  deployment.detail["network"] = NetworkName(generation_id);
  nlohmann::json& list = deployment.detail["containers"];
  list = nlohmann::json::array();
  for (const Container& c : containers) {
    if (c.role == "simulator") deployment.simulator_url = c.url;
    if (c.role == "predictor") deployment.predictor_url = c.url;
    list.push_back({{"role", c.role},
                    {"id", c.id},
                    {"name", c.name},
                    {"image", c.image},
                    {"host_port", c.host_port}});
  }
  return deployment;
}

Result<Deployment> DockerProvider::Build(int64_t generation_id) {
  const auto started = std::chrono::steady_clock::now();
  HEIMDALL_RETURN_IF_ERROR(CheckImages().Annotate(
      fmt::format("building generation {}", generation_id)));
  std::error_code error;
  std::filesystem::create_directories(GenerationDir(generation_id), error);
  if (error) {
    return MakeError("generation {}: creating {}: {}", generation_id,
                     GenerationDir(generation_id).string(), error.message());
  }

  std::vector<Container> containers;
  Status status =
      engine_
          .CreateNetwork(NetworkName(generation_id), Labels(generation_id, ""))
          .status();
  for (const auto& [role, service] :
       {std::pair{"simulator", &options_.simulator},
        std::pair{"predictor", &options_.predictor}}) {
    if (!status.ok()) break;
    Result<Container> container = StartContainer(generation_id, role, *service);
    if (container.ok()) containers.push_back(std::move(*container));
    status = container.status();
  }
  if (status.ok()) status = WaitUntilHealthy(containers);

  if (!status.ok()) {
    // Everything of this generation goes, found by label: also a container
    // that was created but failed to start.
    const Status cleanup = RemoveGeneration(generation_id);
    if (!cleanup.ok()) {
      status = MakeError("{} (and cleaning up: {})", status.ToString(),
                         cleanup.ToString());
    }
    return status.Annotate(fmt::format("building generation {}", generation_id))
        .error();
  }
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - started);
  spdlog::info("generation {} built: containers {} ({}) and {} ({}), {} ms",
               generation_id, containers[0].name, containers[0].url,
               containers[1].name, containers[1].url, elapsed.count());
  return Describe(generation_id, containers);
}

Status DockerProvider::Health(const Deployment& deployment) {
  const auto annotate = fmt::format("generation {}", deployment.generation_id);
  if (deployment.provider != name()) {
    return MakeError("{}: made by provider \"{}\"", annotate,
                     deployment.provider);
  }
  std::vector<Container> containers;
  for (const nlohmann::json& c : RecordedContainers(deployment)) {
    Container container;
    container.role = Get<std::string>(c, "/role", "");
    container.id = Get<std::string>(c, "/id", "");
    container.name = Get<std::string>(c, "/name", "");
    containers.push_back(std::move(container));
  }
  if (containers.empty()) return MakeError("{}: no containers", annotate);
  HEIMDALL_RETURN_IF_ERROR(CheckContainers(containers).Annotate(annotate));
  HEIMDALL_RETURN_IF_ERROR(IsOurs(deployment)
                               ? Status::Ok()
                               : MakeError("{}: containers are not labelled as "
                                           "this controller's",
                                           annotate));
  for (const std::string& url :
       {deployment.simulator_url, deployment.predictor_url}) {
    HEIMDALL_RETURN_IF_ERROR(options_.health_check(url).Annotate(annotate));
  }
  return Status::Ok();
}

bool DockerProvider::IsOurs(const Deployment& deployment) {
  const std::string generation = std::to_string(deployment.generation_id);
  const std::vector<nlohmann::json> containers = RecordedContainers(deployment);
  if (containers.empty()) return false;
  for (const nlohmann::json& c : containers) {
    Result<std::optional<nlohmann::json>> inspect =
        engine_.InspectContainer(Get<std::string>(c, "/id", ""));
    if (!inspect.ok() || !inspect->has_value() ||
        LabelOf(**inspect, kDockerLabelController) != controller_ ||
        LabelOf(**inspect, kDockerLabelGeneration) != generation) {
      return false;
    }
  }
  return true;
}

Result<nlohmann::json> DockerProvider::Archive(const Deployment& deployment) {
  nlohmann::json archive = {
      {"generation_id", deployment.generation_id},
      {"provider", deployment.provider},
      {"simulator_url", deployment.simulator_url},
      {"predictor_url", deployment.predictor_url},
      {"network", Get<std::string>(deployment.detail, "/network", "")},
      {"containers", nlohmann::json::array()}};
  // What the engine cannot tell about one container is recorded as an
  // error and the archive is written either way; but one that holds no
  // container's state at all because the engine failed is no archive, and
  // the heal must not destroy what it could not record.
  int inspected = 0;
  std::optional<std::string> engine_error;
  for (nlohmann::json c : RecordedContainers(deployment)) {
    const std::string id = Get<std::string>(c, "/id", "");
    Result<std::optional<nlohmann::json>> inspect =
        engine_.InspectContainer(id);
    if (!inspect.ok()) {
      c["error"] = inspect.error().message();
      if (!engine_error) engine_error = inspect.error().message();
    } else if (inspect->has_value()) {
      ++inspected;
      c["running"] = Get<bool>(**inspect, "/State/Running", false);
      c["inspect"] = Redacted(std::move(**inspect));
      Result<std::string> logs = engine_.Logs(id, kArchiveLogLines);
      c["log_tail"] = logs.ok() ? *logs : "(" + logs.error().message() + ")";
    } else {
      c["running"] = false;
      c["error"] = "container is gone";
    }
    archive["containers"].push_back(std::move(c));
  }
  const std::filesystem::path path =
      GenerationDir(deployment.generation_id) / "archive.json";
  HEIMDALL_RETURN_IF_ERROR(
      WriteArchive(path, deployment.generation_id, archive));
  if (inspected == 0 && engine_error) {
    return MakeError(
        "docker: the archive of generation {} holds no container's state "
        "(written to {}): {}",
        deployment.generation_id, path.string(), *engine_error);
  }
  return archive;
}

Status DockerProvider::Destroy(const Deployment& deployment) {
  return RemoveGeneration(deployment.generation_id);
}

// Every container and the network labelled with this controller and
// generation: stop (SIGTERM, SIGKILL after the grace), remove.
Status DockerProvider::RemoveGeneration(int64_t generation_id) {
  const std::string annotate =
      fmt::format("destroying generation {}", generation_id);
  Result<std::vector<nlohmann::json>> listed = engine_.ListContainers(
      {fmt::format("{}={}", kDockerLabelController, controller_),
       fmt::format("{}={}", kDockerLabelGeneration, generation_id)});
  if (!listed.ok()) return listed.error().Annotate(annotate);
  Status first;
  for (const nlohmann::json& c : *listed) {
    const std::string id = Get<std::string>(c, "/Id", "");
    Status stopped = engine_.StopContainer(id, options_.stop_grace);
    Status removed = engine_.RemoveContainer(id);
    if (first.ok() && !stopped.ok()) first = stopped;
    if (first.ok() && !removed.ok()) first = removed;
  }
  Status network = engine_.RemoveNetwork(NetworkName(generation_id));
  if (first.ok() && !network.ok()) first = network;
  return first.Annotate(annotate);
}

Result<std::optional<Deployment>> DockerProvider::Adopt(
    const std::optional<Deployment>& recorded) {
  HEIMDALL_RETURN_IF_ERROR(engine_.Ping());
  std::optional<Deployment> kept;
  // TODO: a generation recorded by the local provider (the state dir ran
  // with kind "local" before) is not kept and not stopped here: its
  // processes outlive the switch. Recover should hand every recorded
  // generation to the provider that made it.
  if (recorded && Health(*recorded).ok()) kept = recorded;
  HEIMDALL_RETURN_IF_ERROR(RemoveStrays(
      kept ? std::optional<int64_t>(kept->generation_id) : std::nullopt));
  return kept;
}

Status DockerProvider::RemoveStrays(const std::optional<int64_t>& keep) {
  const std::string ours =
      fmt::format("{}={}", kDockerLabelController, controller_);
  const std::string kept = keep ? std::to_string(*keep) : "";
  std::set<std::string> generations;
  Result<std::vector<nlohmann::json>> containers =
      engine_.ListContainers({ours});
  if (!containers.ok()) return containers.error();
  for (const nlohmann::json& c : *containers) {
    generations.insert(LabelOf(c, kDockerLabelGeneration));
  }
  Result<std::vector<nlohmann::json>> networks = engine_.ListNetworks({ours});
  if (!networks.ok()) return networks.error();
  for (const nlohmann::json& n : *networks) {
    generations.insert(LabelOf(n, kDockerLabelGeneration));
  }

  Status first;
  for (const std::string& generation : generations) {
    int64_t id = 0;
    const auto [end, parsed] = std::from_chars(
        generation.data(), generation.data() + generation.size(), id);
    // An unparsable label is not one we wrote.
    if (generation == kept || parsed != std::errc()) continue;
    spdlog::warn("removing stray containers of generation {}", id);
    Status removed = RemoveGeneration(id);
    if (first.ok() && !removed.ok()) first = removed;
  }
  return first;
}

}  // namespace heimdall::healer
