// A small, fast HTTP/1.1 server for Heimdall's services.
//
// Each worker thread runs its own epoll loop on its own SO_REUSEPORT listening
// socket, so requests never cross threads. Requests are parsed with Debian's
// http-parser; handlers are plain functions from Request to Response, looked
// up in a Router by exact method and path. Keep-alive, request size limits and
// idle timeouts are enforced here, so handlers only see complete, bounded
// requests. Errors found before a handler runs (malformed HTTP, oversized
// bodies, unknown paths, wrong methods) are answered with a JSON `error`.
#ifndef HEIMDALL_HTTP_SERVER_H_
#define HEIMDALL_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace heimdall::http {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string path;    // Without the query string, e.g. "/predict".
  std::string query;   // After '?', undecoded; empty if none.
  std::vector<std::pair<std::string, std::string>> headers;  // As received.
  std::string body;
  std::string peer;  // "127.0.0.1:53412".

  // The first header named `name` (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
  // The value of query parameter `key` (percent-decoded), or "" if absent.
  std::string QueryParam(std::string_view key) const;
};

// A response body produced over time, such as server-sent events
// (event_stream.h). The connection owns it through Response::stream and is
// the only caller of Attach, Read and Detach, all on one worker thread; the
// producer may run on any thread and calls `wake` to say "Read has more".
class ResponseStream {
 public:
  virtual ~ResponseStream() = default;

  // Called once, before any Read. `wake` is thread-safe and cheap; calling
  // it after Detach() has returned is a bug, so a producer must stop using
  // it under the same lock that Detach takes.
  virtual void Attach(std::function<void()> wake) = 0;
  // Appends at most `max` bytes that are ready now to `out` (possibly
  // none). Returns false once the stream has ended: what it appended is its
  // last output. After a Read that appended something the connection reads
  // again (once the peer has taken most of it); after an empty one it waits
  // for `wake`.
  virtual bool Read(std::string& out, size_t max) = 0;
  // The connection is finished with the stream (it ended, the peer left,
  // the server stops). Called once if Attach was called, never otherwise.
  virtual void Detach() = 0;
  // Bytes written when the stream has been quiet for the idle timeout, so
  // that a waiting subscriber is not taken for an idle connection. Empty:
  // a quiet stream is closed like any idle connection.
  virtual std::string_view KeepAlive() const { return {}; }
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers.
  // When set, `body` is ignored and the body comes from the stream; see
  // "Wire behaviour".
  std::shared_ptr<ResponseStream> stream;

  // {"error": message} with `status`.
  static Response JsonError(int status, std::string_view message);
  static Response Json(int status, std::string body);
};

// Handlers run on the worker threads, concurrently for requests on
// different connections, so they must be thread-safe. The Request is valid
// only during the call. While a handler runs, the other connections of its
// worker wait: slow work belongs on another thread.
using Handler = std::function<Response(const Request&)>;

// Maps (method, path) to handlers. Built before the server starts and
// read-only afterwards, so lookups need no lock.
class Router {
 public:
  // Registers `handler` for exact `method` and `path`. A later registration
  // of the same pair replaces the earlier one.
  void Handle(std::string method, std::string path, Handler handler);

  // Runs the handler for `request`: 404 for an unknown path, 405 (with an
  // Allow header) for a known path and another method. A handler that throws
  // yields a 500 whose message names the exception; nothing propagates.
  // HEAD is answered by the GET handler (the server drops the body). A
  // status outside 200-599 from a handler becomes a 500.
  Response Dispatch(const Request& request) const;

  // Like Dispatch, and sets `*rejection` to the class of a router-level
  // rejection ("unknown path", "method not allowed", "handler error"), or
  // to "" when a handler answered normally. The text is static.
  Response Dispatch(const Request& request, std::string_view* rejection) const;

  // Replaces every handler registered so far, h, with wrap(method, path, h),
  // e.g. to instrument all routes at once (see metrics.h). Routes added
  // later are not wrapped.
  using Wrapper = std::function<Handler(
      const std::string& method, const std::string& path, Handler handler)>;
  void Wrap(const Wrapper& wrap);

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };
  Response Run(const Route& route, const Request& request,
               std::string_view* rejection) const;

  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string bind = "127.0.0.1";  // Numeric IPv4/IPv6 or "localhost".
  uint16_t port = 0;               // 0 picks a free port; see Server::port().
  int threads = 2;  // Worker threads, each with its own epoll loop.
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};  // See "Wire behaviour".
  // Called once per rejected request with a short class ("bad json",
  // "body too large", ...) so services can count and rate-limit logs.
  // The server reports "malformed request", "header too large",
  // "request target too long", "body too large", "expectation failed",
  // "unsupported version", "unknown path", "method not allowed" and
  // "handler error". Runs on worker threads, possibly concurrently; must
  // not throw.
  std::function<void(std::string_view reason)> on_reject;
};

// Wire behaviour, for clients and reviewers:
// - Every response carries Content-Length (but 204 and 304), Content-Type,
//   Date and Connection. Content-Length, Content-Type, Date, Connection and
//   Transfer-Encoding in Response::headers are ignored, as is any extra
//   header whose name or value holds CR, LF or NUL.
// - HTTP/1.1 keeps the connection open unless the request says
//   "Connection: close"; HTTP/1.0 closes unless it says "keep-alive".
//   Pipelined requests are answered in order. Unread input is held back
//   (not read) while more than 1 MiB of answers waits for the peer.
// - A request line and headers over max_header_bytes get 431 (414 when the
//   target alone is too long); a body over max_body_bytes gets 413 as soon
//   as its Content-Length is known, before any of it is read. Both close the
//   connection after the answer. "Expect: 100-continue" gets an interim
//   100 when the body is acceptable; any other expectation gets 417.
// - Malformed HTTP gets 400, an HTTP major version other than 1 gets 505;
//   both close the connection.
// - A connection is closed when idle_timeout passes without an answer being
//   produced or written, so a request must arrive whole within idle_timeout
//   of the previous answer (or of connecting): clients trickling bytes do
//   not hold connections open.
// - After an answer that closes the connection, the server stops writing
//   and discards input for up to 2 s (at most idle_timeout), so the peer
//   reads the answer instead of a reset.
// - A streamed answer (Response::stream) has no Content-Length: it is
//   chunked for HTTP/1.1 and delimited by the close for HTTP/1.0. It always
//   says "Connection: close" and is the connection's last answer; input
//   after its request is discarded. No thread waits on it: the worker reads
//   the stream when woken, 16 KiB at a time, while less than 16 KiB of it
//   awaits the peer, so a peer that stops reading holds at most 32 KiB here
//   (plus what the stream itself buffers), and is closed by the idle
//   timeout once nothing more can be written. A quiet
//   stream sends its KeepAlive() bytes every idle_timeout instead of being
//   closed. When the stream ends, the connection sends the last chunk and
//   closes. HEAD gets the head only and never attaches the stream.

class Server {
 public:
  // Binds and starts the worker threads. Fails with the address and the
  // system's reason if the socket cannot be bound (including a port already
  // served by another SO_REUSEPORT listener), or if options are invalid
  // (threads < 1, zero limits or timeout).
  static Result<std::unique_ptr<Server>> Start(ServerOptions options,
                                               Router router);
  ~Server();  // Stops and joins the workers.

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful when options.port was 0).
  uint16_t port() const;
  // Stops accepting, closes connections and joins the workers. Answers
  // already produced get one last non-blocking write attempt; requests in
  // progress are dropped. Idempotent; safe to call from any thread but a
  // worker's own handler (which would wait for itself).
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_SERVER_H_
