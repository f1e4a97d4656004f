// Configuration of `heimdall up`: defaults, then a TOML file, then flags.
//
// Every key is documented in heimdall.example.toml at the repository root.
// Unknown keys are errors (a misspelt key must not silently keep a
// default), as are values of the wrong type or out of range; messages name
// the file, the key and the line. Durations are strings with a unit:
// "250ms", "5s", "2m", "1h" (or a combination, "1m30s").
#ifndef HEIMDALL_HEALER_CONFIG_H_
#define HEIMDALL_HEALER_CONFIG_H_

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "detect/vitals_scorer.h"
#include "healer/clock.h"
#include "healer/controller.h"
#include "healer/docker_provider.h"
#include "healer/local_provider.h"
#include "healer/probe.h"
#include "healer/terraform_provider.h"

namespace heimdall::healer {

// Where `heimdall up` sends its alerts, and which alerts it heals on.
struct AlertmanagerConfig {
  // Base URL ("http://127.0.0.1:9093"); alerts go to URL/api/v2/alerts.
  // Empty: no alerts are sent.
  std::string url;
  Duration timeout = std::chrono::seconds(2);
  // Alerts waiting to be sent; more are dropped (and counted).
  int queue_size = 64;
  // Sent alerts end (resolve) this long after they start.
  Duration resolve_after = std::chrono::minutes(5);
  // A firing alert posted to POST /api/alertmanager whose labels include
  // all of these (exact values) triggers a heal. Empty: none does.
  std::map<std::string, std::string> heal_on;
};

struct UpConfig {
  // Store, logs, archives and the default model live here.
  std::filesystem::path state_dir = "heimdall-state";
  // Empty: STATE_DIR/heimdall.db.
  std::filesystem::path store;
  int max_samples = 10'000;
  // Interval, policy (threshold, grace, backoff, breaker, dry-run).
  ControllerOptions controller;
  // "local", "docker" or "terraform".
  std::string provider = "local";
  // The local provider (its state_dir and health_check are wired by `up`).
  LocalProviderOptions local;
  // The docker provider (state_dir, health_check, model, replay and token
  // are wired by `up`).
  DockerProviderOptions docker;
  // The Terraform provider (state_dir and health_check wired by `up`).
  TerraformProviderOptions terraform;
  AlertmanagerConfig alertmanager;
  // A recorded series for the simulator to replay (simulate --replay).
  std::filesystem::path replay;
  HttpProbeOptions probe;
  // What turns readings into the failure probability the policy reads.
  detect::DetectorSpec detector;
  // The control API: "HOST:PORT"; loopback unless told otherwise.
  std::string listen = "127.0.0.1:8080";
  // Host names browsers may use to reach the API and dashboard besides
  // "localhost", IP addresses and the listen address; "*" for any
  // (http/browser_guard.h).
  std::vector<std::string> allowed_hosts;
  // Required on state-changing API calls when set. HEIMDALL_TOKEN in the
  // environment overrides the file.
  std::string token;

  std::filesystem::path StorePath() const {
    return store.empty() ? state_dir / "heimdall.db" : store;
  }
};

// Reads `path` over the defaults. Fails naming the file and key.
Result<UpConfig> LoadUpConfig(const std::filesystem::path& path);
// Parses TOML text (for tests); `name` starts error messages.
Result<UpConfig> ParseUpConfig(std::string_view text, std::string_view name);
// Checks the whole configuration (the policy's ranges, a provider we know,
// a positive interval, a listen address with a port).
Status Validate(const UpConfig& config);
// Checks the URL scheme, a positive timeout and queue size.
Status Validate(const AlertmanagerConfig& config);
// Checks the docker provider's limits and timeouts.
Status Validate(const DockerProviderOptions& docker);

// "250ms", "5s", "2m", "1h", "1m30s" -> milliseconds. Fails on a missing
// or unknown unit, a negative or absurd value.
Result<Duration> ParseDuration(std::string_view text);

// Splits "HOST:PORT". Fails unless the port is 0-65535.
Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view text);

// Whether a listen host (as ParseListen returns it) reaches only this
// machine: "localhost", any 127.0.0.0/8 address (also IPv4-mapped), or
// ::1, with or without brackets. Other names are not resolved, so they
// count as reachable.
bool IsLoopbackHost(std::string_view host);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_CONFIG_H_
