// A blocking HTTP/1.1 client for talking to Heimdall's own services and
// targets (libcurl underneath). Every call has a deadline: a wedged or silent
// peer is reported as an error, never waited on forever.
#ifndef HEIMDALL_HTTP_CLIENT_H_
#define HEIMDALL_HTTP_CLIENT_H_

#include <chrono>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"

namespace heimdall::http {

struct ClientResponse {
  int status = 0;
  std::string content_type;
  std::string body;
};

struct ClientRequest {
  std::string method = "GET";
  std::string url;  // "http://127.0.0.1:5001/telemetry".
  std::string body;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::chrono::milliseconds timeout{2000};  // Whole exchange, connect included.
  // When set, the exchange goes over this Unix domain socket instead of
  // TCP; the URL's host then only fills the Host header. For the Docker
  // engine: url "http://docker/v1.41/_ping", unix_socket
  // "/var/run/docker.sock".
  std::string unix_socket;
  // A longer response body is an error, not a truncated answer.
  size_t max_response_bytes = 8 * 1024 * 1024;
};

// Reuses one connection per peer across calls (keep-alive). Not thread-safe:
// use one Client per thread.
class Client {
 public:
  Client();
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // Performs the exchange. Any HTTP status is a successful exchange; an
  // error means no complete response arrived in time (refused, reset,
  // timed out, too large), with the URL and the reason in the message.
  // Also an error: a timeout that is not positive, a header with CR or LF,
  // a scheme other than http/https. Proxy settings in the environment are
  // ignored, redirects are not followed, and "Expect: 100-continue" is
  // never sent. Content-Type is sent only with a body.
  Result<ClientResponse> Send(const ClientRequest& request);

  Result<ClientResponse> Get(const std::string& url,
                             std::chrono::milliseconds timeout);
  Result<ClientResponse> PostJson(const std::string& url, std::string body,
                                  std::chrono::milliseconds timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_CLIENT_H_
