// The docker provider's parts that need no engine. Its behaviour against a
// real engine is in docker_provider_docker_test.cc.
#include "healer/docker_provider.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <thread>

#include "common/test_command.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

std::string Frame(char stream, std::string_view payload) {
  std::string frame = {stream, 0, 0, 0};
  const auto size = static_cast<uint32_t>(payload.size());
  for (int shift : {24, 16, 8, 0}) {
    frame += static_cast<char>((size >> shift) & 0xff);
  }
  return frame + std::string(payload);
}

TEST(DemultiplexLogs, JoinsStdoutAndStderrFramesInOrder) {
  const std::string stream = Frame(1, "listening on 5001\n") +
                             Frame(2, "warning: slow\n") +
                             Frame(1, std::string(300, 'x'));
  EXPECT_EQ(DemultiplexLogs(stream),
            "listening on 5001\nwarning: slow\n" + std::string(300, 'x'));
}

TEST(DemultiplexLogs, KeepsWhatATruncatedFrameHas) {
  std::string stream = Frame(1, "complete\n") + Frame(2, "cut short");
  stream.resize(stream.size() - 5);
  EXPECT_EQ(DemultiplexLogs(stream), "complete\ncut ");
  EXPECT_EQ(DemultiplexLogs(""), "");
  EXPECT_EQ(DemultiplexLogs("\x01\x00"), "");
}

TEST(PercentEncode, LeavesOnlyUnreservedCharacters) {
  EXPECT_EQ(PercentEncode("heimdall:latest"), "heimdall%3Alatest");
  EXPECT_EQ(PercentEncode(R"({"label":["a=b/c"]})"),
            "%7B%22label%22%3A%5B%22a%3Db%2Fc%22%5D%7D");
  EXPECT_EQ(PercentEncode("A-z_0.9~"), "A-z_0.9~");
}

TEST(EngineMessage, PrefersTheEnginesMessageField) {
  EXPECT_EQ(EngineMessage(R"({"message":"No such image: x:y"})"),
            "No such image: x:y");
  EXPECT_EQ(EngineMessage("page not found"), "page not found");
}

// An "engine" on a Unix socket that answers every request 200 with the
// same body, one request per connection.
class ScriptedEngine {
 public:
  ScriptedEngine(std::string path, std::string body)
      : path_(std::move(path)), body_(std::move(body)) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    path_.copy(address.sun_path, sizeof(address.sun_path) - 1);
    bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address));
    listen(fd_, 16);
    thread_ = std::thread([this] { Serve(); });
  }
  ~ScriptedEngine() {
    stop_ = true;
    shutdown(fd_, SHUT_RDWR);
    thread_.join();
    close(fd_);
  }
  int requests() const { return requests_; }

 private:
  void Serve() {
    while (!stop_) {
      const int client = accept(fd_, nullptr, nullptr);
      if (client < 0) continue;
      char buffer[8192];
      if (recv(client, buffer, sizeof(buffer), 0) > 0) ++requests_;
      const std::string reply = fmt::format(
          "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: "
          "close\r\n\r\n{}",
          body_.size(), body_);
      (void)send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
      close(client);
    }
  }

  std::string path_;
  std::string body_;
  int fd_ = -1;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

class DockerProviderWithoutEngine : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-docker-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    options_.state_dir = dir_ / "state";
    options_.engine.socket = (dir_ / "no-engine.sock").string();
    options_.engine.timeout = 500ms;
    options_.health_check = [](const std::string&) { return Status::Ok(); };
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  DockerProviderOptions options_;
};

TEST_F(DockerProviderWithoutEngine, CreateRefusesMissingOptionsAndFiles) {
  DockerProviderOptions no_check = options_;
  no_check.health_check = nullptr;
  EXPECT_NE(DockerProvider::Create(no_check).error().message().find(
                "no health check"),
            std::string::npos);

  DockerProviderOptions no_model = options_;
  no_model.model = dir_ / "missing-model.json";
  const Error error = DockerProvider::Create(no_model).error();
  EXPECT_NE(error.message().find("missing-model.json is not a file"),
            std::string::npos)
      << error.message();
}

TEST_F(DockerProviderWithoutEngine, NamesAndLabelsCarryTheStateDir) {
  auto provider = DockerProvider::Create(options_).value();
  const std::string state = std::filesystem::canonical(dir_ / "state").string();
  EXPECT_EQ(provider->controller(), state);
  // The same state dir always gives the same names; another, others.
  auto again = DockerProvider::Create(options_).value();
  EXPECT_EQ(provider->NetworkName(7), again->NetworkName(7));
  options_.state_dir = dir_ / "other";
  auto other = DockerProvider::Create(options_).value();
  EXPECT_NE(provider->NetworkName(7), other->NetworkName(7));
  EXPECT_TRUE(
      provider->ContainerName(7, "simulator").ends_with("-g7-simulator"));
}

TEST_F(DockerProviderWithoutEngine, AnUnreachableEngineIsAnErrorNamingIt) {
  auto provider = DockerProvider::Create(options_).value();
  const Result<Deployment> built = provider->Build(1);
  ASSERT_FALSE(built.ok());
  EXPECT_NE(built.error().message().find("building generation 1"),
            std::string::npos);
  EXPECT_NE(built.error().message().find(options_.engine.socket),
            std::string::npos)
      << built.error().message();

  const auto adopted = provider->Adopt(std::nullopt);
  ASSERT_FALSE(adopted.ok());
  EXPECT_NE(adopted.error().message().find(options_.engine.socket),
            std::string::npos);

  Deployment gone;
  gone.generation_id = 4;
  gone.provider = "docker";
  EXPECT_FALSE(provider->Destroy(gone).ok());
  EXPECT_FALSE(provider->Health(gone).ok());
}

// Written for the record, but failed: a heal must not destroy a generation
// it could not record anything of (the controller aborts it).
TEST_F(DockerProviderWithoutEngine, AnArchiveThatHoldsNothingFails) {
  auto provider = DockerProvider::Create(options_).value();
  Deployment deployment;
  deployment.generation_id = 3;
  deployment.provider = "docker";
  deployment.detail = {
      {"network", "n"},
      {"containers", {{{"role", "simulator"}, {"id", "abc"}}}}};
  const Result<nlohmann::json> archive = provider->Archive(deployment);
  ASSERT_FALSE(archive.ok());
  EXPECT_NE(archive.error().message().find("holds no container's state"),
            std::string::npos)
      << archive.error().message();
  EXPECT_NE(archive.error().message().find("docker engine"), std::string::npos)
      << archive.error().message();
  const std::filesystem::path written =
      options_.state_dir / "generations" / "3" / "archive.json";
  ASSERT_TRUE(std::filesystem::exists(written));
  const std::string text = test_support::ReadWholeFile(written);
  EXPECT_NE(text.find("docker engine"), std::string::npos);
}

TEST_F(DockerProviderWithoutEngine, MalformedEngineRepliesAreErrorsNotCrashes) {
  for (const char* body :
       {"{}", "[]", "not json", R"({"Id": 7})", R"({"Id": "abc"})"}) {
    SCOPED_TRACE(body);
    ScriptedEngine engine(options_.engine.socket, body);
    auto provider = DockerProvider::Create(options_).value();
    const Result<Deployment> built = provider->Build(1);
    ASSERT_FALSE(built.ok());
    EXPECT_NE(built.error().message().find("building generation 1"),
              std::string::npos)
        << built.error().message();

    Deployment odd;
    odd.generation_id = 2;
    odd.provider = "docker";
    odd.detail = {{"containers", {7, {{"id", 3}}, "x"}}};
    EXPECT_FALSE(provider->Health(odd).ok());
    // Garbage about every container is no archive; either way, no crash.
    const Result<nlohmann::json> archived = provider->Archive(odd);
    if (!archived.ok()) {
      EXPECT_NE(archived.error().message().find("holds no container's state"),
                std::string::npos)
          << archived.error().message();
    }
    (void)provider->Destroy(odd);
    (void)provider->Adopt(odd);
    EXPECT_GT(engine.requests(), 0);
    std::filesystem::remove(options_.engine.socket);
  }
}

}  // namespace
}  // namespace heimdall::healer
