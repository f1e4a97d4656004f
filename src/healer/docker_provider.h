// The docker provider: a generation is a simulator container and a
// predictor container on a bridge network of their own, made through the
// Docker Engine API (docker_engine.h).
//
// Each container runs with memory, CPU and PID limits, a Docker health
// check, its service port published on 127.0.0.1 only (the engine picks
// the host port, so builds never race for one), and labels:
//
//   heimdall.managed=true
//   heimdall.controller=<canonical state dir>   whose container it is
//   heimdall.generation=<id>
//   heimdall.role=simulator|predictor
//
// The network carries the same labels. A controller only ever stops or
// removes objects whose heimdall.controller label is its own state dir, so
// two controllers on one engine leave each other alone; Adopt finds what a
// killed controller left behind by these labels.
//
// Archives (inspect JSON with environment values redacted, the last log
// lines) go to STATE_DIR/generations/<id>/archive.json.
//
// Not thread-safe (see provider.h).
#ifndef HEIMDALL_HEALER_DOCKER_PROVIDER_H_
#define HEIMDALL_HEALER_DOCKER_PROVIDER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "healer/clock.h"
#include "healer/docker_engine.h"
#include "healer/provider.h"

namespace heimdall::healer {

inline constexpr char kDockerLabelManaged[] = "heimdall.managed";
inline constexpr char kDockerLabelController[] = "heimdall.controller";
inline constexpr char kDockerLabelGeneration[] = "heimdall.generation";
inline constexpr char kDockerLabelRole[] = "heimdall.role";

// One container of a generation.
struct DockerServiceOptions {
  explicit DockerServiceOptions(uint16_t service_port) : port(service_port) {}

  // "" = DockerProviderOptions::image.
  std::string image;
  // The command after the image's entrypoint. Placeholders: {port} (the
  // container port), {model} (the model path inside the container). Empty:
  // `simulate --bind 0.0.0.0 --port {port}` or `serve --bind 0.0.0.0
  // --port {port} --model {model}`.
  std::vector<std::string> command;
  // Appended to the command.
  std::vector<std::string> extra_args;
  // The port the service listens on inside the container; published on
  // publish_address at a port the engine picks.
  uint16_t port;
  // The Docker health check, run inside the container ({port} expands).
  // Empty: `heimdall healthcheck http://127.0.0.1:{port}/healthz`, which
  // needs the heimdall image; ["NONE"] turns it off.
  std::vector<std::string> health_command;
};

struct DockerProviderOptions {
  // Where archives go; also the controller identity on the labels.
  // Required.
  std::filesystem::path state_dir;
  DockerEngineOptions engine;
  std::string image = "heimdall:latest";
  DockerServiceOptions simulator{5001};
  DockerServiceOptions predictor{5002};
  // A model file on this machine, mounted read-only for the predictor.
  // Empty: the one baked into the heimdall image.
  std::filesystem::path model;
  // A recorded series, mounted read-only, for `simulate --replay`.
  std::filesystem::path replay;
  // Passed to the simulator as HEIMDALL_TOKEN (redacted in archives).
  std::string token;
  std::string publish_address = "127.0.0.1";
  // Per container.
  int64_t memory_bytes = 256LL << 20;
  double cpus = 1.0;
  int64_t pids_limit = 256;
  Duration health_interval = std::chrono::seconds(5);
  // Build gives up (and removes what it made) if not healthy by then.
  Duration build_timeout = std::chrono::seconds(30);
  // Destroy's SIGTERM-to-SIGKILL grace, per container.
  Duration stop_grace = std::chrono::seconds(2);
  // Health check of one service by base URL ("http://127.0.0.1:P"), from
  // this process through the published port. Required.
  std::function<Status(const std::string& base_url)> health_check;
};

class DockerProvider final : public Provider {
 public:
  // Fails if the state dir cannot be made or a required option is missing.
  // Does not contact the engine (Build and Adopt report it unreachable).
  static Result<std::unique_ptr<DockerProvider>> Create(
      DockerProviderOptions options);

  std::string_view name() const override { return "docker"; }
  Result<Deployment> Build(int64_t generation_id) override;
  Status Health(const Deployment& deployment) override;
  Result<nlohmann::json> Archive(const Deployment& deployment) override;
  Status Destroy(const Deployment& deployment) override;
  Result<std::optional<Deployment>> Adopt(
      const std::optional<Deployment>& recorded) override;

  // The heimdall.controller label value of this provider.
  const std::string& controller() const { return controller_; }
  // Names of generation `id`'s network and containers.
  std::string NetworkName(int64_t generation_id) const;
  std::string ContainerName(int64_t generation_id, std::string_view role) const;

 private:
  struct Container;
  explicit DockerProvider(DockerProviderOptions options);

  std::map<std::string, std::string> Labels(int64_t generation_id,
                                            std::string_view role) const;
  nlohmann::json ContainerSpec(int64_t generation_id, std::string_view role,
                               const DockerServiceOptions& service) const;
  nlohmann::json HealthSpec(const DockerServiceOptions& service,
                            const std::string& model) const;
  nlohmann::json HostSpec(const std::string& network, const std::string& port,
                          const nlohmann::json& binds) const;
  Status CheckImages();
  Result<Container> StartContainer(int64_t generation_id, std::string_view role,
                                   const DockerServiceOptions& service);
  Status WaitUntilHealthy(const std::vector<Container>& containers);
  Status CheckContainers(const std::vector<Container>& containers);
  Deployment Describe(int64_t generation_id,
                      const std::vector<Container>& containers) const;
  Status RemoveGeneration(int64_t generation_id);
  Status RemoveStrays(const std::optional<int64_t>& keep);
  bool IsOurs(const Deployment& deployment);
  std::filesystem::path GenerationDir(int64_t generation_id) const;

  DockerProviderOptions options_;
  std::string controller_;
  std::string short_id_;  // In names: a hash of controller_.
  DockerEngine engine_;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_DOCKER_PROVIDER_H_
