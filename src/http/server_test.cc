#include "http/server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <poll.h>
#include <sys/wait.h>

#include "http/test_socket.h"

namespace heimdall::http {
namespace {

using testing::RawResponse;
using testing::TestSocket;

// Records on_reject calls from worker threads.
class RejectLog {
 public:
  std::function<void(std::string_view)> Callback() {
    return [this](std::string_view reason) {
      std::lock_guard<std::mutex> lock(mutex_);
      reasons_.emplace_back(reason);
    };
  }
  std::vector<std::string> reasons() {
    std::lock_guard<std::mutex> lock(mutex_);
    return reasons_;
  }

 private:
  std::mutex mutex_;
  std::vector<std::string> reasons_;
};

Router TestRouter() {
  Router router;
  router.Handle("GET", "/hello", [](const Request&) {
    return Response::Json(200, R"({"hello":"world"})");
  });
  router.Handle("POST", "/echo", [](const Request& request) {
    Response response = Response::Json(200, request.body);
    response.content_type = std::string(request.Header("Content-Type"));
    return response;
  });
  router.Handle("GET", "/query", [](const Request& request) {
    return Response::Json(200, request.QueryParam("name"));
  });
  router.Handle("GET", "/peer", [](const Request& request) {
    return Response::Json(200, request.peer);
  });
  router.Handle("GET", "/throw", [](const Request&) -> Response {
    throw std::runtime_error("model exploded");
  });
  router.Handle("GET", "/big", [](const Request& request) {
    size_t size = std::stoul(request.QueryParam("bytes"));
    std::string body(size, 'x');
    for (size_t i = 0; i < size; i += 4096) body[i] = 'a' + (i / 4096) % 26;
    return Response::Json(200, std::move(body));
  });
  return router;
}

std::unique_ptr<Server> StartServer(ServerOptions options,
                                    Router router = TestRouter()) {
  auto server = Server::Start(std::move(options), std::move(router));
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  return server.ok() ? std::move(server).value() : nullptr;
}

std::string Get(std::string_view path, std::string_view extra = "") {
  return "GET " + std::string(path) + " HTTP/1.1\r\nHost: t\r\n" +
         std::string(extra) + "\r\n";
}

std::string Post(std::string_view path, std::string_view body) {
  return "POST " + std::string(path) +
         " HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
         "Content-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

std::string ErrorOf(const RawResponse& response) {
  auto json = nlohmann::json::parse(response.body, nullptr, false);
  if (!json.is_object() || !json.contains("error")) return "<not json>";
  return json["error"].get<std::string>();
}

TEST(Server, AnswersWithFramingHeaders) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());
  ASSERT_TRUE(socket.connected());

  ASSERT_TRUE(socket.Send(Get("/hello")));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"hello":"world"})");
  EXPECT_EQ(response->Header("Content-Type"), "application/json");
  EXPECT_EQ(response->Header("Content-Length"), "17");
  EXPECT_EQ(response->Header("Connection"), "keep-alive");
  EXPECT_NE(response->Header("Date").find(" GMT"), std::string::npos);
}

TEST(Server, KeepAliveServesManyRequestsOnOneConnection) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  for (int i = 0; i < 500; ++i) {
    std::string body = "{\"i\":" + std::to_string(i) + "}";
    ASSERT_TRUE(socket.Send(Post("/echo", body)));
    auto response = socket.ReadResponse();
    ASSERT_TRUE(response) << "request " << i;
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, body);
  }
}

TEST(Server, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  std::string batch;
  for (int i = 0; i < 100; ++i) {
    batch += i % 3 == 0 ? Get("/hello") : Post("/echo", std::to_string(i));
  }
  ASSERT_TRUE(socket.Send(batch));
  for (int i = 0; i < 100; ++i) {
    auto response = socket.ReadResponse();
    ASSERT_TRUE(response) << "response " << i;
    EXPECT_EQ(response->body,
              i % 3 == 0 ? R"({"hello":"world"})" : std::to_string(i));
  }
}

TEST(Server, RequestArrivingByteByByteIsAnswered) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  std::string request = Post("/echo", R"({"heart_rate": 80})") + Get("/hello");
  for (char c : request) {
    ASSERT_TRUE(socket.Send(std::string_view(&c, 1)));
    // Yield so that bytes tend to arrive in separate reads.
    std::this_thread::yield();
  }
  auto first = socket.ReadResponse();
  auto second = socket.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->body, R"({"heart_rate": 80})");
  EXPECT_EQ(second->status, 200);
}

TEST(Server, LargeResponsesSurvivePartialWrites) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  // Far beyond the socket buffers, and pipelined past the server's 1 MiB
  // output limit, so the server must wait for EPOLLOUT and hold requests.
  constexpr size_t kBytes = 6 * 1024 * 1024;
  std::string path = "/big?bytes=" + std::to_string(kBytes);
  ASSERT_TRUE(socket.Send(Get(path) + Get(path) + Get("/hello")));
  for (int i = 0; i < 2; ++i) {
    auto response = socket.ReadResponse();
    ASSERT_TRUE(response);
    ASSERT_EQ(response->body.size(), kBytes);
    for (size_t at = 0; at < kBytes; at += 4096) {
      ASSERT_EQ(response->body[at], 'a' + (at / 4096) % 26) << at;
    }
  }
  auto last = socket.ReadResponse();
  ASSERT_TRUE(last);
  EXPECT_EQ(last->body, R"({"hello":"world"})");
}

TEST(Server, HugeHeaderGets431AndClose) {
  RejectLog rejects;
  ServerOptions options;
  options.max_header_bytes = 1024;
  options.on_reject = rejects.Callback();
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(
      socket.Send(Get("/hello", "X-Big: " + std::string(2000, 'b') + "\r\n")));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_NE(ErrorOf(*response).find("1024 bytes"), std::string::npos);
  EXPECT_TRUE(socket.WaitForClose());
  EXPECT_EQ(rejects.reasons(), std::vector<std::string>{"header too large"});
}

TEST(Server, ManySmallHeadersCountTowardsTheLimit) {
  ServerOptions options;
  options.max_header_bytes = 2048;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  std::string headers;
  for (int i = 0; i < 1000; ++i) headers += "a:\r\n";
  ASSERT_TRUE(socket.Send(Get("/hello", headers)));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 431);
}

TEST(Server, LongTargetGets414) {
  ServerOptions options;
  options.max_header_bytes = 1024;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/" + std::string(5000, 'p'))));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 414);
}

TEST(Server, DeclaredHugeBodyGets413BeforeItIsSent) {
  RejectLog rejects;
  ServerOptions options;
  options.max_body_bytes = 1000;
  options.on_reject = rejects.Callback();
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  // Only the head is sent: the answer must not wait for 100 MB of body.
  ASSERT_TRUE(socket.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 100000000\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_NE(ErrorOf(*response).find("100000000"), std::string::npos);
  EXPECT_TRUE(socket.WaitForClose());
  EXPECT_EQ(rejects.reasons(), std::vector<std::string>{"body too large"});
}

TEST(Server, HugeBodyBeingSentStillGets413) {
  ServerOptions options;
  options.max_body_bytes = 1000;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  // The body keeps arriving after the answer; the lingering close must let
  // the client read the 413 rather than a reset.
  std::string body(256 * 1024, 'z');
  ASSERT_TRUE(socket.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 262144\r\n\r\n"));
  (void)socket.Send(body);
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
}

TEST(Server, ChunkedBodyOverTheLimitGets413) {
  ServerOptions options;
  options.max_body_bytes = 100;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  std::string chunk(80, 'c');
  ASSERT_TRUE(socket.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "50\r\n" +
      chunk + "\r\n50\r\n" + chunk + "\r\n0\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
}

TEST(Server, ChunkedBodyWithinTheLimitIsAssembled) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(
      "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
      "3\r\nabc\r\n4\r\ndefg\r\n0\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->body, "abcdefg");
}

TEST(Server, ExpectContinueGetsInterimResponse) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(
      socket.Send("POST /echo HTTP/1.1\r\nHost: t\r\n"
                  "Content-Length: 5\r\nExpect: 100-continue\r\n\r\n"));
  auto interim = socket.ReadResponse();
  ASSERT_TRUE(interim);
  EXPECT_EQ(interim->status, 100);
  ASSERT_TRUE(socket.Send("hello"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "hello");
}

TEST(Server, ExpectContinueWithTooLargeBodyGets413) {
  ServerOptions options;
  options.max_body_bytes = 10;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(
      socket.Send("POST /echo HTTP/1.1\r\nHost: t\r\n"
                  "Content-Length: 50\r\nExpect: 100-continue\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 413);
}

TEST(Server, UnknownExpectationGets417) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/hello", "Expect: teapot\r\n")));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 417);
}

TEST(Server, MalformedRequestLineGets400JsonAndClose) {
  RejectLog rejects;
  ServerOptions options;
  options.on_reject = rejects.Callback();
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send("GET /hello HTTP/1.1 extra\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 400);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_EQ(ErrorOf(*response).rfind("malformed request: ", 0), 0u)
      << response->body;
  EXPECT_TRUE(socket.WaitForClose());
  EXPECT_EQ(rejects.reasons(), std::vector<std::string>{"malformed request"});
}

TEST(Server, GarbageGets400) {
  for (std::string garbage :
       {"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", "HELLO\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Header\r\n\r\n",
        "POST /echo HTTP/1.1\r\nContent-Length: 1\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"}) {
    auto server = StartServer({});
    ASSERT_NE(server, nullptr);
    TestSocket socket(server->port());
    ASSERT_TRUE(socket.Send(garbage));
    auto response = socket.ReadResponse();
    ASSERT_TRUE(response) << garbage;
    EXPECT_EQ(response->status, 400) << garbage;
  }
}

TEST(Server, OtherHttpMajorVersionGets505) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send("GET /hello HTTP/2.0\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 505);
  EXPECT_TRUE(socket.WaitForClose());
}

TEST(Server, WrongMethodGets405WithAllow) {
  RejectLog rejects;
  ServerOptions options;
  options.on_reject = rejects.Callback();
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send("DELETE /echo HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 405);
  EXPECT_EQ(response->Header("Allow"), "POST");
  EXPECT_EQ(response->Header("Connection"), "keep-alive");
  EXPECT_EQ(rejects.reasons(), std::vector<std::string>{"method not allowed"});
}

TEST(Server, UnknownPathGets404AndKeepsTheConnection) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/nope") + Get("/hello")));
  auto missing = socket.ReadResponse();
  auto found = socket.ReadResponse();
  ASSERT_TRUE(missing && found);
  EXPECT_EQ(missing->status, 404);
  EXPECT_EQ(ErrorOf(*missing), "no such path: /nope");
  EXPECT_EQ(found->status, 200);
}

TEST(Server, HandlerExceptionGets500) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/throw")));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(ErrorOf(*response), "internal error: model exploded");
}

TEST(Server, Http10ClosesUnlessKeepAliveIsAsked) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);

  TestSocket plain(server->port());
  ASSERT_TRUE(plain.Send("GET /hello HTTP/1.0\r\n\r\n"));
  auto closed = plain.ReadResponse();
  ASSERT_TRUE(closed);
  EXPECT_EQ(closed->Header("Connection"), "close");
  EXPECT_TRUE(plain.WaitForClose());

  TestSocket kept(server->port());
  ASSERT_TRUE(
      kept.Send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
                "GET /hello HTTP/1.0\r\n\r\n"));
  auto first = kept.ReadResponse();
  auto second = kept.ReadResponse();
  ASSERT_TRUE(first && second);
  EXPECT_EQ(first->Header("Connection"), "keep-alive");
  EXPECT_EQ(second->Header("Connection"), "close");
}

TEST(Server, ConnectionCloseIsHonouredAndLaterRequestsIgnored) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(
      socket.Send(Get("/hello", "Connection: close\r\n") + Get("/hello")));
  auto response = socket.ReadResponse();
  ASSERT_TRUE(response);
  EXPECT_EQ(response->Header("Connection"), "close");
  EXPECT_TRUE(socket.WaitForClose());
  EXPECT_TRUE(socket.buffered().empty());
}

TEST(Server, PipelinedRequestsBeforeHalfCloseAreAllAnswered) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/hello") + Post("/echo", "2") + Get("/hello")));
  socket.ShutdownWrite();
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(socket.ReadResponse()) << i;
  EXPECT_TRUE(socket.WaitForClose());
}

TEST(Server, HeadGetsHeadersWithoutBody) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(
      socket.Send("HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n" + Get("/hello")));
  // The test reader trusts Content-Length, so read the HEAD answer's head
  // and check that the next bytes start the following response.
  auto head = socket.ReadResponse();
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->Header("Content-Length"), "17");
  EXPECT_EQ(head->body.substr(0, 8), "HTTP/1.1");
}

TEST(Server, QueryAndPeerReachTheHandler) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/query?x=1&name=a%20b+c") + Get("/peer")));
  auto query = socket.ReadResponse();
  auto peer = socket.ReadResponse();
  ASSERT_TRUE(query && peer);
  EXPECT_EQ(query->body, "a b c");
  EXPECT_EQ(peer->body.rfind("127.0.0.1:", 0), 0u) << peer->body;
}

TEST(Server, ManyConcurrentConnectionsAreAllServed) {
  ServerOptions options;
  options.threads = 2;
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);

  constexpr int kClients = 8;
  constexpr int kConnectionsPerClient = 40;
  constexpr int kRequests = 5;
  std::atomic<int> answered{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      std::vector<std::unique_ptr<TestSocket>> sockets;
      for (int i = 0; i < kConnectionsPerClient; ++i) {
        sockets.push_back(std::make_unique<TestSocket>(server->port()));
      }
      for (int r = 0; r < kRequests; ++r) {
        for (auto& socket : sockets) {
          (void)socket->Send(Post("/echo", std::to_string(c)));
        }
        for (auto& socket : sockets) {
          auto response = socket->ReadResponse();
          if (response && response->body == std::to_string(c)) ++answered;
        }
      }
    });
  }
  for (std::thread& client : clients) client.join();
  EXPECT_EQ(answered.load(), kClients * kConnectionsPerClient * kRequests);
}

TEST(Server, StopClosesConnectedClients) {
  auto server = StartServer({});
  ASSERT_NE(server, nullptr);
  TestSocket idle(server->port());
  TestSocket answered(server->port());
  TestSocket partial(server->port());
  ASSERT_TRUE(answered.Send(Get("/hello")));
  ASSERT_TRUE(answered.ReadResponse());
  ASSERT_TRUE(
      partial.Send("POST /echo HTTP/1.1\r\nContent-Length: 10\r\n\r\nab"));
  // Let the server take in the partial request before stopping.
  ASSERT_TRUE(partial.QuietFor(50));

  server->Stop();
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_TRUE(answered.WaitForClose());
  EXPECT_TRUE(partial.WaitForClose());
  server->Stop();  // Idempotent.

  TestSocket refused(server->port());
  EXPECT_FALSE(refused.connected());
}

TEST(Server, IdleConnectionIsClosedAfterTimeout) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(50);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send(Get("/hello")));
  ASSERT_TRUE(socket.ReadResponse());
  EXPECT_TRUE(socket.WaitForClose());
}

TEST(Server, IdleTimeoutAlsoEndsAStalledRequest) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(50);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  ASSERT_TRUE(socket.Send("GET /hello HTTP/1.1\r\nHo"));
  EXPECT_TRUE(socket.WaitForClose());
}

TEST(Server, IdleTimeoutEndsARequestTrickledByteByByte) {
  ServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(100);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());

  // A header that never ends, one byte per 10 ms: traffic, but no request.
  // The server must close; the test gives up after 50 s of bytes.
  ASSERT_TRUE(socket.Send("GET /hello HTTP/1.1\r\nX-Slow: "));
  bool closed = false;
  for (int i = 0; i < 5000 && !closed; ++i) {
    closed = !socket.QuietFor(10) || !socket.Send("a");
  }
  EXPECT_TRUE(closed);
  EXPECT_TRUE(socket.WaitForClose());
}

// heimdall up spawns processes while its control API serves. A child that
// exists between fork and exec holds copies of every descriptor, so closing a
// connection's socket does not take it out of the epoll set; the worker must
// remove it itself, or traffic on it reaches a freed connection.
TEST(Server, ConnectionClosedWhileAForkedChildHoldsItGetsNoMoreEvents) {
  ServerOptions options;
  options.threads = 1;
  options.idle_timeout = std::chrono::milliseconds(50);
  auto server = StartServer(options);
  ASSERT_NE(server, nullptr);
  TestSocket socket(server->port());
  ASSERT_TRUE(socket.Send(Get("/hello")));
  ASSERT_TRUE(socket.ReadResponse());

  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::poll(nullptr, 0, 1000);  // Hold the copies, as a spawn in flight does.
    ::_exit(0);
  }
  // Let the idle timeout close the connection, then talk on it.
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  (void)socket.Send(Get("/hello"));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  for (int i = 0; i < 20; ++i) {
    TestSocket other(server->port());
    ASSERT_TRUE(other.Send(Get("/hello")));
    std::optional<RawResponse> response = other.ReadResponse();
    ASSERT_TRUE(response.has_value());
    EXPECT_EQ(response->status, 200);
  }
  int status = 0;
  EXPECT_EQ(::waitpid(child, &status, 0), child);
}

TEST(Server, PortServedByAnotherListenerIsRefused) {
  auto first = StartServer({});
  ASSERT_NE(first, nullptr);
  ServerOptions options;
  options.port = first->port();
  auto second = Server::Start(options, TestRouter());
  ASSERT_FALSE(second.ok());
  EXPECT_NE(second.error().message().find("127.0.0.1:" +
                                          std::to_string(first->port())),
            std::string::npos)
      << second.error().message();
}

TEST(Server, InvalidOptionsAreRefused) {
  ServerOptions options;
  options.threads = 0;
  EXPECT_FALSE(Server::Start(options, Router()).ok());
  options = {};
  options.bind = "not an address";
  EXPECT_FALSE(Server::Start(options, Router()).ok());
  options = {};
  options.idle_timeout = std::chrono::milliseconds(0);
  EXPECT_FALSE(Server::Start(options, Router()).ok());
}

}  // namespace
}  // namespace heimdall::http
