// Test support for the *_docker_test.cc suites: a real Docker engine on the
// default socket and the image the docker_image test builds
// (HEIMDALL_TEST_IMAGE). Tests skip, saying why, when either is missing.
#ifndef HEIMDALL_HEALER_DOCKER_TEST_SUPPORT_H_
#define HEIMDALL_HEALER_DOCKER_TEST_SUPPORT_H_

#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>

#include <filesystem>
#include <string>
#include <vector>

#include "healer/docker_engine.h"
#include "healer/docker_provider.h"

namespace heimdall::healer::testing {

// The engine the tests use: DOCKER_HOST when it names a Unix socket, else
// the default socket.
inline DockerEngineOptions TestEngine() {
  DockerEngineOptions options;
  const char* host = std::getenv("DOCKER_HOST");
  const std::string_view prefix = "unix://";
  if (host != nullptr && std::string_view(host).starts_with(prefix)) {
    options.socket = host + prefix.size();
  }
  return options;
}

// Why Docker tests cannot run here, or "" if they can.
inline std::string DockerUnavailableReason() {
  DockerEngine engine(TestEngine());
  const Status ping = engine.Ping();
  if (!ping.ok()) {
    return "no Docker engine answers (" + ping.error().message() +
           "); start dockerd to run this test";
  }
  Result<std::optional<nlohmann::json>> image =
      engine.InspectImage(HEIMDALL_TEST_IMAGE);
  if (!image.ok()) return image.error().message();
  if (!image->has_value()) {
    return std::string("image ") + HEIMDALL_TEST_IMAGE +
           " is missing; the docker_image test (scripts/docker-image.sh "
           "--tag " HEIMDALL_TEST_IMAGE ") builds it";
  }
  return "";
}

#define HEIMDALL_SKIP_WITHOUT_DOCKER()                          \
  do {                                                          \
    const std::string reason =                                  \
        ::heimdall::healer::testing::DockerUnavailableReason(); \
    if (!reason.empty()) GTEST_SKIP() << reason;                \
  } while (false)

struct CommandOutput {
  int exit_code = -1;
  std::string output;  // stdout and stderr.
};

// Runs `command` with /bin/sh, bounded by coreutils' timeout.
inline CommandOutput RunCommand(const std::string& command,
                                int timeout_seconds = 120) {
  CommandOutput result;
  const std::string bounded =
      "timeout " + std::to_string(timeout_seconds) + " " + command + " 2>&1";
  FILE* pipe = popen(bounded.c_str(), "r");
  if (pipe == nullptr) return result;
  char buffer[4096];
  size_t got = 0;
  while ((got = fread(buffer, 1, sizeof(buffer), pipe)) > 0) {
    result.output.append(buffer, got);
  }
  const int status = pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

// A fresh directory under /tmp, removed with the object.
class TempDir {
 public:
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-dockertest-XXXXXX")
            .string();
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Containers and networks labelled as `controller`'s (a canonical state
// dir), as the engine lists them.
inline std::vector<nlohmann::json> ContainersOf(const std::string& controller) {
  DockerEngine engine(TestEngine());
  return engine
      .ListContainers({std::string(kDockerLabelController) + "=" + controller})
      .value();
}
inline std::vector<nlohmann::json> NetworksOf(const std::string& controller) {
  DockerEngine engine(TestEngine());
  return engine
      .ListNetworks({std::string(kDockerLabelController) + "=" + controller})
      .value();
}

// Removes everything labelled as `controller`'s: cleanup after a test,
// whatever it left.
inline void RemoveEverythingOf(const std::string& controller) {
  DockerEngine engine(TestEngine());
  for (const nlohmann::json& c : ContainersOf(controller)) {
    (void)engine.RemoveContainer(c.value("Id", ""));
  }
  for (const nlohmann::json& n : NetworksOf(controller)) {
    (void)engine.RemoveNetwork(n.value("Id", ""));
  }
}

}  // namespace heimdall::healer::testing

#endif  // HEIMDALL_HEALER_DOCKER_TEST_SUPPORT_H_
