// Strict JSON for request bodies and safe JSON for responses.
//
// Requests: ParseJsonObject accepts only what a careful service wants to
// read (one JSON object, no duplicate keys, bounded nesting) and names the
// problem otherwise, in words fit for an HTTP 400 `error`.
//
// Responses: nlohmann::json writes NaN and infinities as `null`, which would
// silently turn a broken computation into a plausible answer. The policy
// here is that a non-finite number is never written: SerializeJson fails
// (naming where the number sits), and JsonResponse turns that into a 500.
// Handlers that can legitimately produce a non-finite value must decide
// what to send instead (clip it, or omit the field) before serializing.
//
// Everything here is a pure function; all are thread-safe.
#ifndef HEIMDALL_HTTP_JSON_H_
#define HEIMDALL_HTTP_JSON_H_

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/status.h"
#include "http/server.h"

namespace heimdall::http {

// Deepest nesting ParseJsonObject accepts; the top-level object is depth 1.
inline constexpr int kMaxJsonDepth = 64;

// Parses `body` as one JSON object. Fails, with a message naming the
// problem, on: invalid JSON (with the byte offset), trailing data, a top
// level that is not an object, a key repeated within one object at any depth
// ("duplicate key 'heart_rate'"), a number too large for a double ("number
// overflow ..."), nesting deeper than kMaxJsonDepth, or invalid UTF-8.
Result<nlohmann::json> ParseJsonObject(std::string_view body);

// The finite number at `key` of `object` (integers are converted). Fails
// with "missing field 'heart_rate'" or "field 'heart_rate' must be a number,
// got string" (or boolean, null, object, array), or "... must be finite".
// Precondition: `object` is an object.
Result<double> RequireNumber(const nlohmann::json& object,
                             std::string_view key);

// True for "application/json", in any letter case, with or without
// parameters ("application/json; charset=utf-8") and surrounding spaces.
bool IsJsonContentType(std::string_view content_type);

// Compact JSON text for `value`. Fails if any number in it is NaN or
// infinite, naming its JSON pointer ("non-finite number at
// /explanation/heart_rate"). Invalid UTF-8 in strings is replaced by U+FFFD
// rather than thrown about.
Result<std::string> SerializeJson(const nlohmann::json& value);

// A JSON response with `status`, or a 500 naming the non-finite number.
Response JsonResponse(int status, const nlohmann::json& value);

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_JSON_H_
