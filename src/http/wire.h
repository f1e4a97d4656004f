// Response serialization for the server. Private to the http layer.
#ifndef HEIMDALL_HTTP_WIRE_H_
#define HEIMDALL_HTTP_WIRE_H_

#include <ctime>
#include <string>
#include <string_view>

#include "http/server.h"

namespace heimdall::http::internal {

// How a response is framed on this connection.
struct Framing {
  bool keep_alive = true;
  bool head = false;  // The request was HEAD: send headers only.
  // For a streamed response: "Transfer-Encoding: chunked" (HTTP/1.1 peers)
  // rather than a body delimited by the close.
  bool chunked = false;
  std::string_view date;  // Value of the Date header.
};

// Appends `response` as HTTP/1.1 bytes to `out`, with the header rules
// documented in server.h. Never fails; `response.status` must be 100-999.
// A streamed response (response.stream set) gets its head only: no
// Content-Length, and the chunked header if framing.chunked.
void AppendResponse(const Response& response, const Framing& framing,
                    std::string& out);

// "OK", "Not Found", ...; "Unknown" for codes without a standard phrase.
std::string_view ReasonPhrase(int status);

// Appends `data` as one chunk of a chunked body (nothing if it is empty,
// since an empty chunk would end the body).
void AppendChunk(std::string_view data, std::string& out);
// The chunk that ends a chunked body.
inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT".
std::string FormatHttpDate(std::time_t time);

// The Date header value for the current second, formatted once per second.
// Not thread-safe: one per worker.
class DateCache {
 public:
  // Refreshes the value if the second has changed.
  void Update(std::time_t now);
  std::string_view value() const { return value_; }

 private:
  std::time_t second_ = -1;
  std::string value_;
};

}  // namespace heimdall::http::internal

#endif  // HEIMDALL_HTTP_WIRE_H_
