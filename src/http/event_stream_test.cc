#include "http/event_stream.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>

#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "common/test_eventually.h"
#include "http/test_socket.h"

namespace heimdall::http {
namespace {

using namespace std::chrono_literals;
using testing::TestSocket;

// What a subscriber's socket received: the head, and the body so far with
// the chunk framing removed.
class StreamReader {
 public:
  explicit StreamReader(TestSocket& socket) : socket_(socket) {}

  // Reads until the decoded body contains `text` (true), or the peer closes
  // or kTimeoutMs passes (false).
  bool ReadUntil(std::string_view text) {
    while (Body().find(text) == std::string::npos) {
      if (!Fill()) return false;
    }
    return true;
  }
  // Reads until the server closes the connection; false on timeout.
  bool ReadToClose() {
    while (!closed_) {
      if (!Fill() && !closed_) return false;
    }
    return true;
  }

  std::string Head() const { return raw_.substr(0, raw_.find("\r\n\r\n")); }
  bool chunked() const {
    return Head().find("Transfer-Encoding: chunked") != std::string::npos;
  }
  // The body, de-chunked if the head says so. Stops at an incomplete chunk.
  std::string Body() const {
    size_t start = raw_.find("\r\n\r\n");
    if (start == std::string::npos) return "";
    std::string_view rest = std::string_view(raw_).substr(start + 4);
    if (!chunked()) return std::string(rest);
    std::string body;
    while (true) {
      size_t line_end = rest.find("\r\n");
      if (line_end == std::string_view::npos) break;
      size_t size = std::strtoul(std::string(rest.substr(0, line_end)).c_str(),
                                 nullptr, 16);
      if (rest.size() < line_end + 2 + size + 2) break;
      body.append(rest.substr(line_end + 2, size));
      rest.remove_prefix(line_end + 2 + size + 2);
      if (size == 0) break;
    }
    return body;
  }
  // True once the terminating zero-size chunk has arrived.
  bool SawLastChunk() const {
    return raw_.find("\r\n0\r\n\r\n") != std::string::npos;
  }
  bool closed() const { return closed_; }

 private:
  bool Fill() {
    pollfd p{socket_.fd(), POLLIN, 0};
    if (::poll(&p, 1, TestSocket::kTimeoutMs) <= 0) return false;
    char chunk[16 * 1024];
    ssize_t n = ::recv(socket_.fd(), chunk, sizeof chunk, 0);
    if (n <= 0) {
      closed_ = true;
      return false;
    }
    raw_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  TestSocket& socket_;
  std::string raw_;
  bool closed_ = false;
};

// A server whose GET /events subscribes to `hub`.
struct EventServer {
  explicit EventServer(EventHubOptions hub_options = {},
                       ServerOptions server_options = {})
      : hub(std::make_unique<EventHub>(hub_options)) {
    Router router;
    router.Handle("GET", "/events", [hub = hub.get()](const Request&) {
      return hub->Subscribe();
    });
    router.Handle("GET", "/hello",
                  [](const Request&) { return Response::Json(200, "{}"); });
    // Holds its worker, so that events pile up behind it.
    router.Handle("GET", "/busy", [](const Request&) {
      std::this_thread::sleep_for(300ms);
      return Response::Json(200, "{}");
    });
    auto started = Server::Start(server_options, std::move(router));
    EXPECT_TRUE(started.ok()) << started.status().ToString();
    if (started.ok()) server = std::move(started).value();
  }
  ~EventServer() {
    if (server) server->Stop();
  }

  std::unique_ptr<EventHub> hub;
  std::unique_ptr<Server> server;
};

// Polls `condition` for up to five seconds.
template <typename Condition>
bool Eventually(Condition condition) {
  return test_support::Eventually(condition, 5s, 5ms);
}

constexpr std::string_view kSubscribe =
    "GET /events HTTP/1.1\r\nHost: t\r\nAccept: text/event-stream\r\n\r\n";

TEST(FormatEvent, WritesTypeAndOneDataLinePerLine) {
  EXPECT_EQ(FormatEvent("sample", R"({"p":0.5})"),
            "event: sample\ndata: {\"p\":0.5}\n\n");
  EXPECT_EQ(FormatEvent("", "a\nb\r\nc\rd"),
            "data: a\ndata: b\ndata: c\ndata: d\n\n");
  EXPECT_EQ(FormatEvent("x", ""), "event: x\ndata: \n\n");
}

TEST(EventHub, StreamsPublishedEventsChunkedWithoutPolling) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  TestSocket socket(events.server->port());
  ASSERT_TRUE(socket.Send(kSubscribe));
  StreamReader reader(socket);
  ASSERT_TRUE(reader.ReadUntil("retry: 1000\n\n"));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));

  EXPECT_NE(reader.Head().find("HTTP/1.1 200 OK"), std::string::npos);
  EXPECT_NE(reader.Head().find("Content-Type: text/event-stream"),
            std::string::npos);
  EXPECT_NE(reader.Head().find("Connection: close"), std::string::npos);
  EXPECT_NE(reader.Head().find("Cache-Control: no-store"), std::string::npos);
  EXPECT_EQ(reader.Head().find("Content-Length"), std::string::npos);
  EXPECT_TRUE(reader.chunked());

  // Published from this thread while the worker sleeps in epoll_wait: only
  // the wake-up can get the events out.
  events.hub->Publish("sample", R"({"n":1})");
  events.hub->Publish("incident", "two\nlines");
  ASSERT_TRUE(reader.ReadUntil("data: lines\n\n"));
  EXPECT_EQ(reader.Body(),
            "retry: 1000\n\nevent: sample\ndata: {\"n\":1}\n\n"
            "event: incident\ndata: two\ndata: lines\n\n");
}

TEST(EventHub, EveryEventReachesEverySubscriber) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  TestSocket first(events.server->port());
  TestSocket second(events.server->port());
  ASSERT_TRUE(first.Send(kSubscribe));
  ASSERT_TRUE(second.Send(kSubscribe));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 2; }));

  std::string expected;
  for (int i = 0; i < 200; ++i) {
    std::string data = "event number " + std::to_string(i);
    events.hub->Publish("n", data);
    expected += FormatEvent("n", data);
  }
  for (TestSocket* socket : {&first, &second}) {
    StreamReader reader(*socket);
    ASSERT_TRUE(reader.ReadUntil("event number 199\n\n"));
    EXPECT_EQ(reader.Body(), "retry: 1000\n\n" + expected);
  }
  EXPECT_EQ(events.hub->dropped(), 0u);
}

TEST(EventHub, Http10GetsABodyDelimitedByTheClose) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  TestSocket socket(events.server->port());
  ASSERT_TRUE(socket.Send("GET /events HTTP/1.0\r\n\r\n"));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));
  events.hub->Publish("a", "1");
  events.hub->Close();

  StreamReader reader(socket);
  ASSERT_TRUE(reader.ReadToClose());
  EXPECT_FALSE(reader.chunked());
  EXPECT_EQ(reader.Body(), "retry: 1000\n\nevent: a\ndata: 1\n\n");
}

TEST(EventHub, CloseEndsTheChunkedBodyAndTheConnection) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  TestSocket socket(events.server->port());
  ASSERT_TRUE(socket.Send(kSubscribe));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));

  events.hub->Publish("last", "bye");
  events.hub->Close();
  StreamReader reader(socket);
  ASSERT_TRUE(reader.ReadToClose());
  EXPECT_TRUE(reader.SawLastChunk());
  EXPECT_EQ(reader.Body(), "retry: 1000\n\nevent: last\ndata: bye\n\n");

  // Closed hubs refuse new subscribers.
  TestSocket late(events.server->port());
  ASSERT_TRUE(late.Send(kSubscribe));
  auto refused = late.ReadResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
}

TEST(EventHub, ASubscriberThatHangsUpIsForgotten) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  {
    TestSocket socket(events.server->port());
    ASSERT_TRUE(socket.Send(kSubscribe));
    ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));
  }
  // The worker sees the hang-up through the input it keeps reading.
  EXPECT_TRUE(Eventually([&] { return events.hub->subscribers() == 0; }));
  events.hub->Publish("nobody", "listens");
  EXPECT_EQ(events.hub->dropped(), 0u);
}

// A stream's wake-up and its connection's reset can come in one batch of
// epoll events: serving the wake-up closes the connection (the write
// fails), and the reset that follows in the batch must then be skipped, not
// served on the freed connection. `heimdall up` crashed this way when a
// test dropped 32 subscribers at once.
TEST(EventHub, SubscribersResetWhileAnEventIsPendingAreClosedOnce) {
  ServerOptions server_options;
  server_options.threads = 1;  // Every event goes to the one busy worker.
  EventServer events({}, server_options);
  ASSERT_NE(events.server, nullptr);
  const uint16_t port = events.server->port();
  for (int round = 0; round < 5; ++round) {
    std::vector<std::unique_ptr<TestSocket>> subscribers;
    for (int i = 0; i < 16; ++i) {
      subscribers.push_back(std::make_unique<TestSocket>(port));
      ASSERT_TRUE(subscribers.back()->Send(kSubscribe));
      ASSERT_TRUE(StreamReader(*subscribers.back()).ReadUntil("retry:"));
    }
    TestSocket busy(port);
    ASSERT_TRUE(busy.Send("GET /busy HTTP/1.1\r\nHost: t\r\n\r\n"));
    std::this_thread::sleep_for(50ms);  // The worker is in the handler.
    // Queued behind it, in this order: the wake-up, then the resets.
    events.hub->Publish("", "to every subscriber");
    for (auto& subscriber : subscribers) subscriber->Reset();

    std::optional<testing::RawResponse> answer = busy.ReadResponse();
    ASSERT_TRUE(answer);
    EXPECT_EQ(answer->status, 200);
    EXPECT_TRUE(Eventually([&] { return events.hub->subscribers() == 0; }));
    TestSocket after(port);
    ASSERT_TRUE(after.Send("GET /hello HTTP/1.1\r\nHost: t\r\n\r\n"));
    answer = after.ReadResponse();
    ASSERT_TRUE(answer) << "round " << round;
    EXPECT_EQ(answer->status, 200);
  }
}

TEST(EventHub, RefusesSubscribersBeyondTheLimit) {
  EventServer events({.max_subscribers = 1});
  ASSERT_NE(events.server, nullptr);
  TestSocket first(events.server->port());
  ASSERT_TRUE(first.Send(kSubscribe));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));

  TestSocket second(events.server->port());
  ASSERT_TRUE(second.Send(kSubscribe));
  auto refused = second.ReadResponse();
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 503);
  EXPECT_NE(refused->body.find("too many event subscribers (limit 1)"),
            std::string::npos);
}

TEST(EventHub, HeadGetsTheHeadAndNoSubscription) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  TestSocket socket(events.server->port());
  ASSERT_TRUE(socket.Send("HEAD /events HTTP/1.1\r\nHost: t\r\n\r\n"));
  StreamReader reader(socket);
  ASSERT_TRUE(reader.ReadToClose());
  EXPECT_NE(reader.Head().find("text/event-stream"), std::string::npos);
  EXPECT_EQ(reader.Body(), "");
  EXPECT_EQ(events.hub->subscribers(), 0u);
}

TEST(EventHub, SlowSubscriberIsDroppedNotBuffered) {
  EventServer events({.max_buffered_bytes = 8 * 1024});
  ASSERT_NE(events.server, nullptr);
  TestSocket slow(events.server->port());
  int small = 4096;
  setsockopt(slow.fd(), SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
  ASSERT_TRUE(slow.Send(kSubscribe));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));

  // The peer reads nothing: events pile up in the kernel's buffers, the
  // 16 KiB the connection holds and the hub's 8 KiB, and the first event
  // that does not fit drops the subscriber. How far the connection got
  // first depends on the kernel and on scheduling.
  const std::string payload(1000, 'x');
  int published = 0;
  while (events.hub->dropped() == 0 && published < 100'000) {
    events.hub->Publish("bulk", payload);
    ++published;
    if (published % 100 == 0) std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(events.hub->dropped(), 1u) << published << " events published";
  EXPECT_TRUE(Eventually([&] { return events.hub->subscribers() == 0; }));

  // Reading now finds the greeting and whole events up to the cut, then the
  // end. The hub may cut before the connection took any event at all.
  StreamReader reader(slow);
  ASSERT_TRUE(reader.ReadToClose());
  EXPECT_TRUE(reader.SawLastChunk());
  const std::string body = reader.Body();
  const std::string greeting = "retry: 1000\n\n";
  const std::string frame = "event: bulk\ndata: " + payload + "\n\n";
  ASSERT_TRUE(body.starts_with(greeting)) << body.substr(0, 40);
  const size_t received = (body.size() - greeting.size()) / frame.size();
  EXPECT_LT(received, static_cast<size_t>(published));
  std::string expected = greeting;
  for (size_t i = 0; i < received; ++i) expected += frame;
  EXPECT_EQ(body.size(), expected.size()) << "the cut fell inside an event";
  EXPECT_TRUE(body == expected);
}

TEST(EventHub, QuietStreamSendsKeepAlivesInsteadOfTimingOut) {
  ServerOptions options;
  options.idle_timeout = 100ms;
  EventServer events({}, options);
  ASSERT_NE(events.server, nullptr);
  TestSocket socket(events.server->port());
  ASSERT_TRUE(socket.Send(kSubscribe));
  StreamReader reader(socket);
  ASSERT_TRUE(reader.ReadUntil(": keep-alive\n\n: keep-alive\n\n"));
  EXPECT_FALSE(reader.closed());
  events.hub->Publish("still", "here");
  EXPECT_TRUE(reader.ReadUntil("data: here\n\n"));

  // An ordinary idle connection on the same server is still closed.
  TestSocket idle(events.server->port());
  EXPECT_TRUE(idle.WaitForClose());
}

TEST(EventHub, StoppingTheServerEndsStreamsAndOutlivesTheHub) {
  EventServer events;
  ASSERT_NE(events.server, nullptr);
  TestSocket socket(events.server->port());
  ASSERT_TRUE(socket.Send(kSubscribe));
  ASSERT_TRUE(Eventually([&] { return events.hub->subscribers() == 1; }));

  // The hub goes first, as it may in `heimdall up`; the connection keeps
  // its end of the stream alive until it is closed.
  events.hub.reset();
  events.server->Stop();
  StreamReader reader(socket);
  EXPECT_TRUE(reader.ReadToClose());
  EXPECT_TRUE(reader.SawLastChunk());
}

}  // namespace
}  // namespace heimdall::http
