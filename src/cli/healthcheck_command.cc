// heimdall healthcheck: one GET, exit 0 on a 2xx. Containers run it as their
// Docker health check, so the image needs no curl.
#include <chrono>
#include <memory>
#include <string>

#include "cli/command.h"
#include "healer/config.h"
#include "http/client.h"

namespace heimdall::cli {
namespace {

struct HealthcheckFlags {
  std::string url;
  std::string timeout = "2s";
};

Result<int> RunHealthcheck(const HealthcheckFlags& flags) {
  Result<healer::Duration> timeout = healer::ParseDuration(flags.timeout);
  if (!timeout.ok()) return timeout.error().Annotate("--timeout");
  http::Client client;
  Result<http::ClientResponse> response = client.Get(flags.url, *timeout);
  if (!response.ok()) return response.error();
  if (response->status < 200 || response->status > 299) {
    return MakeError("{} answered {}", flags.url, response->status);
  }
  return 0;
}

}  // namespace

Command AddHealthcheckCommand(CLI::App& root) {
  auto flags = std::make_shared<HealthcheckFlags>();
  CLI::App* app = root.add_subcommand(
      "healthcheck",
      "GET a URL; exit 0 if it answers 2xx in time, else 1 (for container "
      "health checks).");
  app->add_option("url", flags->url, "e.g. http://127.0.0.1:5001/healthz")
      ->required();
  app->add_option("--timeout", flags->timeout, "Deadline, e.g. 2s")
      ->capture_default_str();
  return {app, [flags] { return RunHealthcheck(*flags); }};
}

}  // namespace heimdall::cli
