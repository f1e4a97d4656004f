// Reads telemetry from a remote service by polling GET /telemetry.
//
// Each Next() makes one request with a deadline. The response maps to:
//   200 with a telemetry body (telemetry_json.h)  -> a Sample;
//   410 Gone (a replay that has ended)             -> nullopt;
//   anything else, a timeout, a refused or reset
//   connection, or a body that cannot be read     -> an error naming the URL
//                                                    ("unresponsive").
// Works with the earlier Flask simulator too: only its three values are
// needed. Sample time is the body's "time" if it has one, else seconds since
// the first poll; either way clamped so it never decreases.
#ifndef HEIMDALL_TELEMETRY_HTTP_POLL_SOURCE_H_
#define HEIMDALL_TELEMETRY_HTTP_POLL_SOURCE_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "telemetry/sample.h"
#include "telemetry/source.h"

namespace heimdall::http {
class Client;
}  // namespace heimdall::http

namespace heimdall::telemetry {

struct HttpPollOptions {
  std::string url;  // "http://127.0.0.1:5001/telemetry".
  std::chrono::milliseconds timeout{2000};
  // Values to read, in this order; each response must have them all.
  // Empty: every non-reserved numeric (or null) key of each response.
  std::vector<std::string> values;
};

// Not thread-safe (it owns one http::Client).
class HttpPollSource final : public TelemetrySource {
 public:
  explicit HttpPollSource(HttpPollOptions options);
  ~HttpPollSource() override;

  Result<std::optional<Sample>> Next() override;
  std::string Describe() const override { return options_.url; }

 private:
  // `fallback_time` is used when the body has no "time".
  Result<Sample> ToSample(std::string_view body, double fallback_time);
  std::shared_ptr<const Schema> SchemaFor(const std::string& subject,
                                          std::vector<std::string> names);

  HttpPollOptions options_;
  std::unique_ptr<http::Client> client_;
  std::shared_ptr<const Schema> schema_;  // The last one made, reused.
  std::optional<std::chrono::steady_clock::time_point> first_poll_;
  double last_time_ = 0;
};

}  // namespace heimdall::telemetry

#endif  // HEIMDALL_TELEMETRY_HTTP_POLL_SOURCE_H_
