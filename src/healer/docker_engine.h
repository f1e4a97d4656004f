// A small client of the Docker Engine API (version 1.41, Docker 20.10 and
// later) over the engine's Unix socket: the calls the docker provider needs
// and nothing more.
//
// Why the API and not the `docker` CLI: replies are JSON with stable field
// names (no output scraping), errors come back as the engine's own message,
// each call has its own deadline in-process (no child process to time out
// and reap), and nothing depends on which CLI version is on PATH.
//
// Every call is bounded by the engine's `timeout` (StopContainer by the
// grace period on top of it). Errors name the call, the object and the
// engine's reason. Not thread-safe: one DockerEngine per thread.
#ifndef HEIMDALL_HEALER_DOCKER_ENGINE_H_
#define HEIMDALL_HEALER_DOCKER_ENGINE_H_

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "healer/clock.h"
#include "http/client.h"

namespace heimdall::healer {

struct DockerEngineOptions {
  std::string socket = "/var/run/docker.sock";
  Duration timeout = std::chrono::seconds(10);
};

class DockerEngine {
 public:
  explicit DockerEngine(DockerEngineOptions options);

  // OK if the engine answers GET /_ping.
  Status Ping();

  // The image's inspect JSON, nullopt if the engine has no such image
  // locally (nothing is ever pulled).
  Result<std::optional<nlohmann::json>> InspectImage(const std::string& name);

  // Creates a bridge network and returns its id.
  Result<std::string> CreateNetwork(
      const std::string& name,
      const std::map<std::string, std::string>& labels);
  // Succeeds if the network is gone afterwards (also when it never existed).
  Status RemoveNetwork(const std::string& name_or_id);
  Result<std::vector<nlohmann::json>> ListNetworks(
      const std::vector<std::string>& label_filters);

  // Creates (does not start) a container from an Engine API create body;
  // returns its id.
  Result<std::string> CreateContainer(const std::string& name,
                                      const nlohmann::json& spec);
  Status StartContainer(const std::string& id);
  // nullopt if there is no such container.
  Result<std::optional<nlohmann::json>> InspectContainer(const std::string& id);
  // SIGTERM (the image's stop signal), SIGKILL after `grace`. Succeeds if
  // the container is stopped or gone.
  Status StopContainer(const std::string& id, Duration grace);
  // Force-removes the container and its anonymous volumes. Succeeds if it
  // is gone afterwards (also when it never existed).
  Status RemoveContainer(const std::string& id);
  // The last `lines` lines of stdout and stderr, interleaved as written.
  Result<std::string> Logs(const std::string& id, int lines);
  // Containers, running or not, carrying every "key=value" label given.
  Result<std::vector<nlohmann::json>> ListContainers(
      const std::vector<std::string>& label_filters);

 private:
  struct Reply {
    int status = 0;
    std::string body;
  };
  Result<Reply> Call(const std::string& method, const std::string& path,
                     const std::string& body, Duration timeout);
  Result<nlohmann::json> CallJson(const std::string& method,
                                  const std::string& path,
                                  const nlohmann::json& body);

  DockerEngineOptions options_;
  std::unique_ptr<http::Client> client_;
};

// Joins the frames of a non-TTY log stream (8-byte headers: stream, 0, 0, 0,
// big-endian length) into text. A truncated last frame is kept as far as it
// goes.
std::string DemultiplexLogs(std::string_view stream);

// Percent-encodes everything but unreserved characters (RFC 3986).
std::string PercentEncode(std::string_view text);

// The engine's reason from an error body ({"message": ...}), or the body.
std::string EngineMessage(std::string_view body);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_DOCKER_ENGINE_H_
