// docker-compose.yml at the repository root, brought up for real with
// Debian's docker-compose 1.x on ports this test picks.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "healer/docker_test_support.h"
#include "http/client.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

// Free loopback ports, bound together so they differ.
std::vector<uint16_t> FreePorts(int count) {
  std::vector<int> sockets;
  std::vector<uint16_t> ports;
  for (int i = 0; i < count; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    bind(fd, reinterpret_cast<sockaddr*>(&address), length);
    getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ports.push_back(ntohs(address.sin_port));
    sockets.push_back(fd);
  }
  for (int fd : sockets) close(fd);
  return ports;
}

class ComposeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    HEIMDALL_SKIP_WITHOUT_DOCKER();
    if (testing::RunCommand("docker-compose version", 30).exit_code != 0) {
      GTEST_SKIP() << "docker-compose is not installed (apt-get install "
                      "docker-compose)";
    }
    const std::vector<uint16_t> ports = FreePorts(3);
    urls_ = {fmt::format("http://127.0.0.1:{}", ports[0]),
             fmt::format("http://127.0.0.1:{}", ports[1]),
             fmt::format("http://127.0.0.1:{}", ports[2])};
    compose_ = fmt::format(
        "env HEIMDALL_IMAGE={} HEIMDALL_SIMULATOR_PORT={} "
        "HEIMDALL_PREDICTOR_PORT={} HEIMDALL_API_PORT={} docker-compose "
        "-f {}/docker-compose.yml -p heimdall-test-{} ",
        HEIMDALL_TEST_IMAGE, ports[0], ports[1], ports[2], HEIMDALL_SOURCE_DIR,
        getpid());
    started_ = true;
  }
  void TearDown() override {
    if (!started_) return;
    const testing::CommandOutput down =
        testing::RunCommand(compose_ + "down -v --timeout 5");
    EXPECT_EQ(down.exit_code, 0) << down.output;
  }

  // Polls until GET or POST answers 200, up to a minute.
  bool Answers(const std::string& url, const std::string& body = "") {
    http::Client client;
    const auto deadline = std::chrono::steady_clock::now() + 60s;
    while (std::chrono::steady_clock::now() < deadline) {
      auto response =
          body.empty() ? client.Get(url, 1s) : client.PostJson(url, body, 1s);
      if (response.ok() && response->status == 200) {
        last_body_ = response->body;
        return true;
      }
      std::this_thread::sleep_for(200ms);
    }
    return false;
  }

  std::vector<std::string> urls_;
  std::string compose_;
  std::string last_body_;
  bool started_ = false;
};

TEST_F(ComposeTest, TheDemoServesEveryPartOnLoopback) {
  const testing::CommandOutput up = testing::RunCommand(compose_ + "up -d");
  ASSERT_EQ(up.exit_code, 0) << up.output;

  ASSERT_TRUE(Answers(urls_[0] + "/telemetry"));
  EXPECT_NE(last_body_.find("heart_rate"), std::string::npos);
  ASSERT_TRUE(Answers(
      urls_[1] + "/predict",
      R"({"heart_rate": 80, "oxygen_level": 98.7, "temperature": 37.0})"));
  EXPECT_NE(last_body_.find("failure_probability"), std::string::npos);
  // The controller built its own generation inside its container.
  http::Client client;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  std::string phase;
  while (phase != "watching" && std::chrono::steady_clock::now() < deadline) {
    auto state = client.Get(urls_[2] + "/api/state", 1s);
    if (state.ok() && state->status == 200) {
      phase =
          nlohmann::json::parse(state->body, nullptr, false).value("phase", "");
    }
    std::this_thread::sleep_for(200ms);
  }
  EXPECT_EQ(phase, "watching");

  const testing::CommandOutput ids = testing::RunCommand(compose_ + "ps -q");
  ASSERT_EQ(ids.exit_code, 0) << ids.output;
  std::string id_list = ids.output;
  std::replace(id_list.begin(), id_list.end(), '\n', ' ');
  const testing::CommandOutput bindings = testing::RunCommand(
      "docker inspect -f '{{json .HostConfig.PortBindings}}' " + id_list);
  ASSERT_EQ(bindings.exit_code, 0) << bindings.output;
  EXPECT_NE(bindings.output.find("\"HostIp\":\"127.0.0.1\""),
            std::string::npos);
  EXPECT_EQ(bindings.output.find("\"HostIp\":\"\""), std::string::npos)
      << bindings.output;
  EXPECT_EQ(bindings.output.find("0.0.0.0"), std::string::npos)
      << bindings.output;
}

}  // namespace
}  // namespace heimdall::healer
