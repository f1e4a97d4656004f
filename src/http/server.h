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

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers.

  // {"error": message} with `status`.
  static Response JsonError(int status, std::string_view message);
  static Response Json(int status, std::string body);
};

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
  Response Dispatch(const Request& request) const;

 private:
  struct Route {
    std::string method;
    std::string path;
    Handler handler;
  };
  std::vector<Route> routes_;
};

struct ServerOptions {
  std::string bind = "127.0.0.1";
  uint16_t port = 0;  // 0 picks a free port; see Server::port().
  int threads = 2;
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 1024 * 1024;
  std::chrono::milliseconds idle_timeout{30'000};
  // Called once per rejected request with a short class ("bad json",
  // "body too large", ...) so services can count and rate-limit logs.
  std::function<void(std::string_view reason)> on_reject;
};

class Server {
 public:
  // Binds and starts the worker threads. Fails with the address and the
  // system's reason if the socket cannot be bound.
  static Result<std::unique_ptr<Server>> Start(ServerOptions options,
                                               Router router);
  ~Server();  // Stops and joins the workers.

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // The bound port (useful when options.port was 0).
  uint16_t port() const;
  // Stops accepting, closes connections and joins the workers. Idempotent;
  // safe to call from any thread but a worker's own handler.
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_SERVER_H_
