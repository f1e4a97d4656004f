// The embedded default provider: a generation is two child processes on free
// loopback ports, `heimdall simulate` and `heimdall serve`.
//
// Each process leads its own process group and writes its output to
// STATE_DIR/generations/<id>/<role>.log. Each carries the environment marker
// HEIMDALL_GENERATION=<state dir>/<id>, inherited by anything it starts, so
// a restarted controller can tell its processes (and only its processes)
// apart from everything else on the machine: Adopt verifies the marker and
// the recorded start time before it keeps or kills anything.
//
// Not thread-safe (see provider.h). Linux only.
#ifndef HEIMDALL_HEALER_LOCAL_PROVIDER_H_
#define HEIMDALL_HEALER_LOCAL_PROVIDER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "healer/clock.h"
#include "healer/process.h"
#include "healer/provider.h"

namespace heimdall::healer {

inline constexpr char kGenerationMarkerEnv[] = "HEIMDALL_GENERATION";

struct LocalProviderOptions {
  // Where logs, archives and the default model go. Required.
  std::filesystem::path state_dir;
  // The heimdall binary to run; empty means this process's own
  // (/proc/self/exe).
  std::filesystem::path binary;
  // The model `serve` loads. Empty: STATE_DIR/model.json, trained once with
  // `heimdall train --out` on the built-in healthy set if missing.
  std::filesystem::path model;
  std::string bind = "127.0.0.1";
  // Command templates. Placeholders: {binary} {bind} {port} {model}
  // {generation} {dir} (the generation's directory). The defaults run
  // `{binary} simulate|serve --bind {bind} --port {port}` (serve also gets
  // `--model {model}`); extra_*_args are appended to them.
  std::vector<std::string> simulator_command;
  std::vector<std::string> predictor_command;
  std::vector<std::string> extra_simulator_args;
  std::vector<std::string> extra_predictor_args;
  // Asked at each build for more simulator arguments (a replay resumes
  // where the previous generation stopped); empty for none.
  std::function<std::vector<std::string>()> build_simulator_args;
  // Build gives up (and cleans up) if both are not healthy by then.
  Duration build_timeout = std::chrono::seconds(15);
  // How long Destroy waits after SIGTERM before SIGKILL.
  Duration stop_grace = std::chrono::seconds(2);
  // Health check of one service by base URL ("http://127.0.0.1:P"): OK if
  // it answers GET /healthz with 200 within its own timeout. Required.
  std::function<Status(const std::string& base_url)> health_check;
};

class LocalProvider final : public Provider {
 public:
  // Fails if the state directory cannot be created or the binary is not
  // executable.
  static Result<std::unique_ptr<LocalProvider>> Create(
      LocalProviderOptions options);

  std::string_view name() const override { return "local"; }
  Result<Deployment> Build(int64_t generation_id) override;
  Status Health(const Deployment& deployment) override;
  Result<nlohmann::json> Archive(const Deployment& deployment) override;
  Status Destroy(const Deployment& deployment) override;
  Result<std::optional<Deployment>> Adopt(
      const std::optional<Deployment>& recorded) override;

  // The marker value for generation `id` of this provider.
  std::string Marker(int64_t generation_id) const;

 private:
  struct Child;
  explicit LocalProvider(LocalProviderOptions options);

  Status EnsureModel();
  Result<Child> StartChild(std::string role, int64_t generation_id,
                           uint16_t port,
                           const std::vector<std::string>& command,
                           const std::vector<std::string>& extra_args);
  Status StartChildren(int64_t generation_id,
                       const std::vector<uint16_t>& ports,
                       std::vector<Child>* children);
  Status CheckRunning(const std::vector<Child>& children);
  Status CheckHealth(const std::vector<Child>& children);
  Status WaitUntilHealthy(const std::vector<Child>& children);
  Deployment Describe(int64_t generation_id,
                      const std::vector<Child>& children) const;
  Status StopGeneration(int64_t generation_id,
                        const std::vector<ProcessId>& known);
  Status StopStrays(const std::optional<int64_t>& keep);
  bool IsOurs(const Deployment& deployment) const;
  std::filesystem::path GenerationDir(int64_t generation_id) const;

  LocalProviderOptions options_;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_LOCAL_PROVIDER_H_
