#include "http/client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>

#include "http/server.h"

namespace heimdall::http {
namespace {

using std::chrono::milliseconds;

constexpr milliseconds kTimeout{5000};

// A listening socket on 127.0.0.1 that the test drives by hand.
class RawListener {
 public:
  RawListener() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(fd_, 16);
    socklen_t length = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~RawListener() { Close(); }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }
  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

class ClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Router router;
    router.Handle("GET", "/hello", [](const Request&) {
      return Response::Json(200, R"({"hello":"world"})");
    });
    router.Handle("POST", "/echo", [](const Request& request) {
      return Response::Json(200, request.body);
    });
    router.Handle("POST", "/seen", [](const Request& request) {
      return Response::Json(200, std::string(request.Header("Content-Type")) +
                                     "|" +
                                     std::string(request.Header("Expect")));
    });
    router.Handle("PUT", "/token", [](const Request& request) {
      return Response::Json(200, std::string(request.Header("X-Token")));
    });
    router.Handle("GET", "/peer", [](const Request& request) {
      return Response::Json(200, request.peer);
    });
    router.Handle("GET", "/big", [](const Request& request) {
      return Response::Json(
          200, std::string(std::stoul(request.QueryParam("n")), 'x'));
    });
    auto server = Server::Start({}, std::move(router));
    ASSERT_TRUE(server.ok()) << server.error().message();
    server_ = std::move(server).value();
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(server_->port()) +
           std::string(path);
  }

  std::unique_ptr<Server> server_;
  Client client_;
};

TEST_F(ClientTest, GetReturnsStatusTypeAndBody) {
  auto response = client_.Get(Url("/hello"), kTimeout);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body, R"({"hello":"world"})");
}

TEST_F(ClientTest, PostJsonSendsTheBody) {
  // Large enough that curl would otherwise ask for 100-continue.
  std::string body = "{\"pad\":\"" + std::string(200'000, 'p') + "\"}";
  auto response = client_.PostJson(Url("/echo"), body, kTimeout);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, body);

  auto small = client_.PostJson(Url("/echo"), R"({"a":1})", kTimeout);
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->body, R"({"a":1})");
}

TEST_F(ClientTest, SendsContentTypeAndNoExpectHeader) {
  // The handler answers with the Content-Type and Expect headers it saw.
  auto response = client_.PostJson(Url("/seen"),
                                   std::string(100'000, ' ') + "{}", kTimeout);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, "application/json|");
}

TEST_F(ClientTest, ErrorStatusIsASuccessfulExchange) {
  auto response = client_.Get(Url("/missing"), kTimeout);
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 404);
}

TEST_F(ClientTest, CustomMethodAndHeaders) {
  ClientRequest request;
  request.method = "PUT";
  request.url = Url("/token");
  request.body = "{}";
  request.headers = {{"X-Token", "s3cret"}};
  auto response = client_.Send(request);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, "s3cret");
}

TEST_F(ClientTest, ReusesTheConnection) {
  auto first = client_.Get(Url("/peer"), kTimeout);
  auto second = client_.Get(Url("/peer"), kTimeout);
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->body, second->body);
}

TEST_F(ClientTest, RecoversWhenTheCachedConnectionWasClosed) {
  ASSERT_TRUE(client_.Get(Url("/hello"), kTimeout).ok());
  // Restart on the same port: the connection curl cached is now dead.
  std::string url = Url("/hello");
  ServerOptions options;
  options.port = server_->port();
  server_->Stop();
  Router router;
  router.Handle("GET", "/hello", [](const Request&) {
    return Response::Json(200, "restarted");
  });
  auto restarted = Server::Start(options, std::move(router));
  ASSERT_TRUE(restarted.ok()) << restarted.error().message();

  auto response = client_.Get(url, kTimeout);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, "restarted");
}

TEST_F(ClientTest, OversizedResponseIsAnError) {
  ClientRequest request;
  request.url = Url("/big?n=5000");
  request.max_response_bytes = 4000;
  auto response = client_.Send(request);
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message().find("larger than 4000 bytes"),
            std::string::npos)
      << response.error().message();

  auto default_cap = client_.Get(Url("/big?n=9000000"), kTimeout);
  ASSERT_FALSE(default_cap.ok());
  EXPECT_NE(default_cap.error().message().find("larger than 8388608"),
            std::string::npos);

  auto fits = client_.Get(Url("/big?n=8388608"), kTimeout);
  ASSERT_TRUE(fits.ok()) << fits.error().message();
  EXPECT_EQ(fits->body.size(), 8388608u);
}

TEST(Client, OversizedResponseWithoutLengthIsAnError) {
  RawListener listener;
  std::thread peer([&] {
    int fd = ::accept(listener.fd(), nullptr, nullptr);
    char request[4096];
    (void)::recv(fd, request, sizeof request, 0);
    std::string chunk(1000, 'c');
    std::string reply = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";
    for (int i = 0; i < 5; ++i) reply += "3e8\r\n" + chunk + "\r\n";
    reply += "0\r\n\r\n";
    (void)::send(fd, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(fd);
  });
  Client client;
  ClientRequest request;
  request.url = listener.Url("/chunked");
  request.max_response_bytes = 2500;
  auto response = client.Send(request);
  peer.join();
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message().find("larger than 2500 bytes"),
            std::string::npos)
      << response.error().message();
}

TEST(Client, RefusedConnectionNamesTheUrl) {
  RawListener listener;
  std::string url = listener.Url("/telemetry");
  listener.Close();
  Client client;
  auto response = client.Get(url, kTimeout);
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().message().rfind("GET " + url + ": ", 0), 0u)
      << response.error().message();
}

TEST(Client, SilentPeerTimesOut) {
  // The listener accepts into its backlog but never answers.
  RawListener listener;
  Client client;
  auto response = client.Get(listener.Url("/telemetry"), milliseconds(100));
  ASSERT_FALSE(response.ok());
  EXPECT_NE(response.error().message().find("timed out"), std::string::npos)
      << response.error().message();
}

TEST(Client, TalksOverAUnixSocket) {
  const std::string path =
      "/tmp/heimdall-client-test-" + std::to_string(getpid()) + ".sock";
  ::unlink(path.c_str());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  path.copy(address.sun_path, sizeof(address.sun_path) - 1);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address),
            0);
  ASSERT_EQ(::listen(fd, 4), 0);
  std::string seen;
  std::thread peer([&] {
    int client = ::accept(fd, nullptr, nullptr);
    char request[4096];
    ssize_t got = ::recv(client, request, sizeof request, 0);
    if (got > 0) seen.assign(request, static_cast<size_t>(got));
    const std::string reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nOK";
    (void)::send(client, reply.data(), reply.size(), MSG_NOSIGNAL);
    ::close(client);
  });
  Client client;
  ClientRequest request;
  request.url = "http://docker/v1.41/_ping";
  request.unix_socket = path;
  auto response = client.Send(request);
  peer.join();
  ::close(fd);
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->body, "OK");
  EXPECT_EQ(seen.rfind("GET /v1.41/_ping HTTP/1.1\r\n", 0), 0u) << seen;
  EXPECT_NE(seen.find("Host: docker\r\n"), std::string::npos) << seen;

  // A socket nobody listens on is an error naming the socket.
  ::unlink(path.c_str());
  auto missing = client.Send(request);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message().find("(over " + path + ")"),
            std::string::npos)
      << missing.error().message();
}

TEST(Client, RefusesBadRequestsWithoutSending) {
  Client client;
  ClientRequest request;
  request.url = "http://127.0.0.1:1/x";
  request.timeout = milliseconds(0);
  EXPECT_FALSE(client.Send(request).ok());

  request.timeout = kTimeout;
  request.headers = {{"X-Evil", "a\r\nHost: elsewhere"}};
  auto split = client.Send(request);
  ASSERT_FALSE(split.ok());
  EXPECT_NE(split.error().message().find("invalid header 'X-Evil'"),
            std::string::npos);

  request.headers.clear();
  request.url = "file:///etc/passwd";
  EXPECT_FALSE(client.Send(request).ok());
}

TEST_F(ClientTest, IgnoresProxyEnvironment) {
  // A proxy that refuses everything: honouring it would fail the request.
  RawListener proxy;
  std::string proxy_url = proxy.Url("");
  proxy.Close();
  ASSERT_EQ(setenv("http_proxy", proxy_url.c_str(), 1), 0);
  ASSERT_EQ(setenv("HTTP_PROXY", proxy_url.c_str(), 1), 0);
  Client fresh;
  auto response = fresh.Get(Url("/hello"), kTimeout);
  unsetenv("http_proxy");
  unsetenv("HTTP_PROXY");
  ASSERT_TRUE(response.ok()) << response.error().message();
  EXPECT_EQ(response->status, 200);
}

}  // namespace
}  // namespace heimdall::http
