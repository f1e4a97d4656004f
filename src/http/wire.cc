#include "http/wire.h"

#include <fmt/format.h>

#include <charconv>
#include <string>
#include <string_view>

namespace heimdall::http::internal {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i] | 0x20;
    if (x != (b[i] | 0x20)) return false;
  }
  return true;
}

// Headers the server owns, and headers that would split the response.
bool IsForbiddenExtraHeader(std::string_view name, std::string_view value) {
  static constexpr std::string_view kOwned[] = {
      "content-length", "content-type", "date", "connection",
      "transfer-encoding"};
  if (name.empty()) return true;
  for (std::string_view owned : kOwned) {
    if (EqualsIgnoreCase(name, owned)) return true;
  }
  auto breaks_line = [](std::string_view s) {
    return s.find_first_of(std::string_view("\r\n\0", 3)) !=
           std::string_view::npos;
  };
  return breaks_line(name) || breaks_line(value) ||
         name.find(':') != std::string_view::npos;
}

void AppendNumber(size_t n, std::string& out) {
  char digits[24];
  auto result = std::to_chars(digits, digits + sizeof digits, n);
  out.append(digits, result.ptr);
}

void AppendHeader(std::string_view name, std::string_view value,
                  std::string& out) {
  out.append(name).append(": ").append(value).append("\r\n");
}

}  // namespace

void AppendResponse(const Response& response, const Framing& framing,
                    std::string& out) {
  // 204 and 304 never carry a body, so they carry no Content-Length either.
  bool bodiless = response.status == 204 || response.status == 304;
  bool streamed = response.stream != nullptr;
  out.append("HTTP/1.1 ");
  AppendNumber(static_cast<size_t>(response.status), out);
  out.append(" ").append(ReasonPhrase(response.status)).append("\r\n");

  if (!response.content_type.empty()) {
    AppendHeader("Content-Type", response.content_type, out);
  }
  if (streamed && framing.chunked) {
    AppendHeader("Transfer-Encoding", "chunked", out);
  } else if (!bodiless && !streamed) {
    out.append("Content-Length: ");
    AppendNumber(response.body.size(), out);
    out.append("\r\n");
  }
  AppendHeader("Date", framing.date, out);
  AppendHeader("Connection", framing.keep_alive ? "keep-alive" : "close", out);
  for (const auto& [name, value] : response.headers) {
    if (!IsForbiddenExtraHeader(name, value)) AppendHeader(name, value, out);
  }
  out.append("\r\n");

  if (!bodiless && !streamed && !framing.head) out.append(response.body);
}

void AppendChunk(std::string_view data, std::string& out) {
  if (data.empty()) return;
  out.append(fmt::format("{:x}\r\n", data.size()));
  out.append(data).append("\r\n");
}

std::string_view ReasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 417:
      return "Expectation Failed";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

std::string FormatHttpDate(std::time_t time) {
  // Spelled out rather than strftime'd: day and month names must be English
  // whatever the process locale.
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed",
                                          "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr",
                                            "May", "Jun", "Jul", "Aug",
                                            "Sep", "Oct", "Nov", "Dec"};
  std::tm utc{};
  gmtime_r(&time, &utc);
  return fmt::format("{}, {:02d} {} {:04d} {:02d}:{:02d}:{:02d} GMT",
                     kDays[utc.tm_wday], utc.tm_mday, kMonths[utc.tm_mon],
                     utc.tm_year + 1900, utc.tm_hour, utc.tm_min, utc.tm_sec);
}

void DateCache::Update(std::time_t now) {
  if (now == second_) return;
  second_ = now;
  value_ = FormatHttpDate(now);
}

}  // namespace heimdall::http::internal
