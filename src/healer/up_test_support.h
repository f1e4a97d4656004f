// For tests: a real `heimdall up` process, started from a config file and
// driven through its control API.
#ifndef HEIMDALL_HEALER_UP_TEST_SUPPORT_H_
#define HEIMDALL_HEALER_UP_TEST_SUPPORT_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "common/test_eventually.h"
#include "healer/process.h"
#include "http/client.h"

namespace heimdall::test_support {

// The live generation's id while the controller at `api` is watching, else 0.
inline int64_t LiveGeneration(http::Client& client, const std::string& api) {
  using namespace std::chrono_literals;
  Result<http::ClientResponse> response = client.Get(api + "/api/state", 2s);
  if (!response.ok() || response->status != 200) return 0;
  const nlohmann::json state =
      nlohmann::json::parse(response->body, nullptr, false);
  if (!state.is_object() || state["phase"] != "watching" ||
      !state["generation"].is_object()) {
    return 0;
  }
  return state["generation"]["generation_id"].get<int64_t>();
}

class UpProcess {
 public:
  explicit UpProcess(std::chrono::milliseconds patience)
      : patience_(patience) {}
  UpProcess(const UpProcess&) = delete;
  UpProcess& operator=(const UpProcess&) = delete;
  ~UpProcess() { Stop(); }

  // Starts `heimdall up --config config` with its output in `log`, and
  // waits for its control API and a live generation. `hold_phase` sets the
  // test hook that holds heals in that phase.
  ::testing::AssertionResult Start(const std::filesystem::path& config,
                                   const std::filesystem::path& log,
                                   const std::string& hold_phase = "") {
    healer::ProcessSpec spec;
    spec.program = HEIMDALL_BINARY;
    spec.args = {"up", "--config", config.string()};
    if (!hold_phase.empty()) {
      spec.env = {"HEIMDALL_TEST_HOLD_PHASE=" + hold_phase};
    }
    spec.log_path = log;
    log_ = log;
    Result<healer::ProcessId> id = healer::SpawnProcess(spec);
    if (!id.ok()) {
      return ::testing::AssertionFailure() << id.error().message();
    }
    id_ = *id;
    const std::regex listening("control API on http://127\\.0\\.0\\.1:(\\d+)");
    const bool listens = Eventually(
        [&] {
          std::smatch match;
          const std::string text = healer::TailFile(log_, 1 << 20);
          if (!std::regex_search(text, match, listening)) return false;
          api_ = "http://127.0.0.1:" + match[1].str();
          return true;
        },
        patience_, kEvery);
    if (!listens) {
      return ::testing::AssertionFailure() << "no control API in the log:\n"
                                           << Log();
    }
    if (!Eventually([&] { return LiveGeneration() > 0; }, patience_, kEvery)) {
      return ::testing::AssertionFailure() << "no live generation:\n" << Log();
    }
    return ::testing::AssertionSuccess();
  }

  // SIGKILL, as a crash would: nothing of ours is cleaned up.
  ::testing::AssertionResult Kill() {
    if (kill(id_.pid, SIGKILL) != 0 ||
        waitpid(id_.pid, nullptr, 0) != id_.pid) {
      return ::testing::AssertionFailure() << "could not kill " << id_.pid;
    }
    id_ = {};
    return ::testing::AssertionSuccess();
  }

  // SIGTERM, and waits for a clean exit. Returns false if it was not running.
  bool Stop() {
    if (id_.pid <= 0) return false;
    kill(id_.pid, SIGTERM);
    waitpid(id_.pid, nullptr, 0);
    id_ = {};
    return true;
  }

  // The body of a 200 answer as JSON, else null.
  nlohmann::json Get(const std::string& path) {
    using namespace std::chrono_literals;
    Result<http::ClientResponse> response = client_.Get(api_ + path, 2s);
    if (!response.ok() || response->status != 200) return nullptr;
    return nlohmann::json::parse(response->body, nullptr, false);
  }

  // The answer's status, -1 without one.
  int Post(const std::string& path, const std::string& body) {
    using namespace std::chrono_literals;
    Result<http::ClientResponse> response =
        client_.PostJson(api_ + path, body, 2s);
    return response.ok() ? response->status : -1;
  }

  int64_t LiveGeneration() {
    return test_support::LiveGeneration(client_, api_);
  }

  // The end of what it printed, for failure messages.
  std::string Log() const { return healer::TailFile(log_, 4096); }

  bool running() const { return id_.pid > 0; }
  const std::string& api() const { return api_; }

 private:
  static constexpr std::chrono::milliseconds kEvery{50};

  std::chrono::milliseconds patience_;
  healer::ProcessId id_;
  std::filesystem::path log_;
  std::string api_;
  http::Client client_;
};

}  // namespace heimdall::test_support

#endif  // HEIMDALL_HEALER_UP_TEST_SUPPORT_H_
