// A provider whose generation is whatever a Terraform (or OpenTofu) root
// module builds, driven through its CLI in the module's directory:
//
//   Build    init -input=false
//            apply -auto-approve -input=false [-replace=R ...]
//            output -json   -> the addresses to watch
//            then waits until the simulator and predictor are healthy
//   Archive  state pull     -> STATE_DIR/terraform/archives/
//                              generation-<id>-<UTC time>.tfstate, mode 0600
//   Destroy  destroy -auto-approve -input=false, or, when `replace` names
//            resources, nothing yet: the next Build's apply replaces them
//            (one `apply -replace=...` instead of destroy + apply).
//
// Terraform's state is the record of what exists, so no infrastructure is
// ever untracked: a build that fails part-way leaves its resources in the
// state and the retried apply converges on them, and Adopt after a restart
// keeps the recorded generation if it is healthy and otherwise archives the
// state and destroys (or marks for replacement) what it holds.
//
// A replacement owed by Destroy is remembered in STATE_DIR/terraform/
// replace-pending, so a controller killed between the destroy and the build
// still replaces on the next build.
//
// Every command has its own timeout; a failing command's error carries its
// exit code and the tail of its stderr. Not thread-safe (see provider.h).
#ifndef HEIMDALL_HEALER_TERRAFORM_PROVIDER_H_
#define HEIMDALL_HEALER_TERRAFORM_PROVIDER_H_

#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "healer/clock.h"
#include "healer/command.h"
#include "healer/provider.h"

namespace heimdall::healer {

struct TerraformProviderOptions {
  // "terraform", "tofu", or a path. Resolved through PATH.
  std::filesystem::path binary = "terraform";
  // The root module to run in. Required.
  std::filesystem::path working_dir;
  // Archives and the replace-pending marker go under STATE_DIR/terraform.
  // Required.
  std::filesystem::path state_dir;
  // Resource addresses ("aws_instance.heimdall") to replace on a heal with
  // one `apply -replace=...`; empty: heal with destroy, then apply.
  std::vector<std::string> replace;
  // Extra arguments for apply and destroy ("-var-file=prod.tfvars").
  std::vector<std::string> extra_args;
  // Destroy the live generation when the controller stops. False: leave
  // it for the next start to adopt (a restart does not rebuild a cloud).
  bool destroy_on_stop = false;

  // Where the generation answers, from `output -json`. When a *_url_output
  // is set, that output holds the whole base URL; otherwise the URL is
  // http://<address_output>:<port>.
  std::string address_output = "public_ip";
  std::string simulator_url_output;
  std::string predictor_url_output;
  uint16_t simulator_port = 5001;
  uint16_t predictor_port = 5002;

  Duration init_timeout = std::chrono::minutes(5);
  Duration apply_timeout = std::chrono::minutes(30);
  Duration destroy_timeout = std::chrono::minutes(30);
  // `output -json` and `state pull`.
  Duration query_timeout = std::chrono::minutes(2);
  // After apply, how long the services may take to answer their health
  // check (an instance boots, pulls and starts the image).
  Duration ready_timeout = std::chrono::minutes(10);
  Duration ready_poll = std::chrono::seconds(2);

  // OK if the service at a base URL is healthy. Required.
  std::function<Status(const std::string& base_url)> health_check;
};

// The simulator and predictor base URLs from `output -json` text. Fails,
// naming the output, on text that is not the JSON Terraform prints, a
// missing output, or a value that is not a non-empty string.
struct TerraformEndpoints {
  std::string simulator_url;
  std::string predictor_url;
  nlohmann::json outputs;  // Every output's value, by name.
};
Result<TerraformEndpoints> ParseTerraformOutputs(
    std::string_view text, const TerraformProviderOptions& options);

class TerraformProvider final : public Provider {
 public:
  // Fails if a required option is missing, the working directory does not
  // exist, or the state directory cannot be created.
  static Result<std::unique_ptr<TerraformProvider>> Create(
      TerraformProviderOptions options);

  std::string_view name() const override { return "terraform"; }
  Result<Deployment> Build(int64_t generation_id) override;
  Status Health(const Deployment& deployment) override;
  // Fails if the state cannot be pulled or written: the caller must then
  // not destroy (the state would be lost with the infrastructure).
  Result<nlohmann::json> Archive(const Deployment& deployment) override;
  Status Destroy(const Deployment& deployment) override;
  Result<std::optional<Deployment>> Adopt(
      const std::optional<Deployment>& recorded) override;
  bool KeepOnStop() const override { return !options_.destroy_on_stop; }

  std::filesystem::path ArchiveDir() const;

 private:
  explicit TerraformProvider(TerraformProviderOptions options);

  // Runs `binary args...` in the working directory; fails unless it exits 0.
  Result<CommandOutput> Terraform(std::vector<std::string> args,
                                  Duration timeout) const;
  Status Apply();
  Status WaitUntilHealthy(const TerraformEndpoints& endpoints) const;
  Status DestroyAll();
  // `state pull`'s text, checked to be a JSON object; "" when there is no
  // state at all.
  Result<std::string> PullState() const;
  // Writes pulled state to a new owner-only file; returns what the store
  // keeps about it (path, bytes, serial, lineage, resources).
  Result<nlohmann::json> WriteArchive(int64_t generation_id,
                                      const std::string& text) const;
  std::filesystem::path ReplaceMarker() const;

  TerraformProviderOptions options_;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_TERRAFORM_PROVIDER_H_
