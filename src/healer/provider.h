// Providers provision and destroy the infrastructure the controller watches.
//
// A *generation* is one build of it: for the `local` provider a simulator
// process and a prediction-service process; for later providers containers
// or Terraform-managed machines. The interface stays small so those fit:
// Build, Health, Archive, Destroy, Adopt.
//
// Providers are called from the controller's loop thread only and need not
// be thread-safe. Every call is bounded in time (each provider has its own
// timeouts) and reports failure as a value, with the generation in the
// message.
#ifndef HEIMDALL_HEALER_PROVIDER_H_
#define HEIMDALL_HEALER_PROVIDER_H_

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

namespace heimdall::healer {

// Where a generation answers, and what its provider needs to find it again.
struct Deployment {
  int64_t generation_id = 0;
  std::string provider;
  std::string simulator_url;  // Base URL, e.g. "http://127.0.0.1:40411".
  std::string predictor_url;  // Base URL of the prediction service.
  // Provider-defined (PIDs, ports, markers, container ids...). Stored with
  // the generation so a restarted controller can adopt or destroy it.
  nlohmann::json detail = nlohmann::json::object();
};

nlohmann::json ToJson(const Deployment& deployment);
// Fails, naming the missing or mistyped field, on malformed input.
Result<Deployment> DeploymentFromJson(const nlohmann::json& json);

// For providers' Archive: sets archive["path"] to `path` and writes the
// archive there as indented JSON, atomically (a temporary file renamed over
// it), creating the directory. Fails naming the generation.
Status WriteArchive(const std::filesystem::path& path, int64_t generation_id,
                    nlohmann::json& archive);

class Provider {
 public:
  virtual ~Provider() = default;

  virtual std::string_view name() const = 0;

  // Provisions generation `generation_id` and returns once it is healthy.
  // On failure nothing it started is left running.
  virtual Result<Deployment> Build(int64_t generation_id) = 0;

  // OK if every part of the deployment is up and answering its health check.
  virtual Status Health(const Deployment& deployment) = 0;

  // Captures what is worth keeping about the deployment (for `local`: PIDs,
  // ports, command lines, log tails) and returns it. Called before Destroy,
  // so the archive describes the failed generation as it was.
  virtual Result<nlohmann::json> Archive(const Deployment& deployment) = 0;

  // Tears the deployment down: graceful stop, forced after a timeout.
  // Idempotent: destroying what is already gone succeeds. An error means
  // something may still be running.
  virtual Status Destroy(const Deployment& deployment) = 0;

  // After a controller restart: makes the provider's infrastructure match
  // the store. If `recorded` (the generation the store says may be running)
  // is still running, provably ours and healthy, it is returned and kept.
  // Everything else this provider ever started and that is still running,
  // including `recorded` when it is not kept, is destroyed, and nullopt is
  // returned.
  virtual Result<std::optional<Deployment>> Adopt(
      const std::optional<Deployment>& recorded) = 0;

  // True if the live generation is left running when the controller stops,
  // for the next start to adopt (infrastructure that takes minutes to
  // build, where a controller restart must not rebuild it). False: the
  // controller destroys it on the way out.
  virtual bool KeepOnStop() const { return false; }
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_PROVIDER_H_
