#include <fmt/format.h>

#include <exception>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "http/server.h"

namespace heimdall::http {
namespace {

char ToLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = ToLower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// Form-style decoding: "+" is a space, "%XX" a byte; a malformed escape is
// kept as written.
std::string PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                      HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// A request path as quoted in an error message: long ones are cut short.
std::string Echo(std::string_view path) {
  constexpr size_t kMaxEcho = 100;
  if (path.size() <= kMaxEcho) return std::string(path);
  return std::string(path.substr(0, kMaxEcho)) + "...";
}

Response HandlerError(std::string_view what) {
  return Response::JsonError(500, fmt::format("internal error: {}", what));
}

}  // namespace

std::string_view Request::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (EqualsIgnoreCase(key, name)) return value;
  }
  return {};
}

std::string Request::QueryParam(std::string_view key) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    size_t amp = rest.find('&');
    std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view()
                                         : rest.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view name = pair.substr(0, eq);
    if (PercentDecode(name) != key) continue;
    return eq == std::string_view::npos ? std::string()
                                        : PercentDecode(pair.substr(eq + 1));
  }
  return {};
}

Response Response::JsonError(int status, std::string_view message) {
  nlohmann::json body = {{"error", message}};
  // Replacing invalid UTF-8 keeps the output valid JSON whatever the
  // message echoes back from a request.
  return Json(status, body.dump(-1, ' ', false,
                                nlohmann::json::error_handler_t::replace));
}

Response Response::Json(int status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

void Router::Handle(std::string method, std::string path, Handler handler) {
  for (Route& route : routes_) {
    if (route.method == method && route.path == path) {
      route.handler = std::move(handler);
      return;
    }
  }
  routes_.push_back({std::move(method), std::move(path), std::move(handler)});
}

void Router::Wrap(const Wrapper& wrap) {
  for (Route& route : routes_) {
    route.handler = wrap(route.method, route.path, std::move(route.handler));
  }
}

Response Router::Dispatch(const Request& request) const {
  std::string_view rejection;
  return Dispatch(request, &rejection);
}

Response Router::Dispatch(const Request& request,
                          std::string_view* rejection) const {
  *rejection = {};
  std::string_view method = request.method;
  if (method == "HEAD") method = "GET";

  std::string allow;
  for (const Route& route : routes_) {
    if (route.path != request.path) continue;
    if (route.method == method) return Run(route, request, rejection);
    if (!allow.empty()) allow += ", ";
    allow += route.method;
    if (route.method == "GET") allow += ", HEAD";
  }

  if (allow.empty()) {
    *rejection = "unknown path";
    return Response::JsonError(
        404, fmt::format("no such path: {}", Echo(request.path)));
  }
  *rejection = "method not allowed";
  Response response = Response::JsonError(
      405, fmt::format("method {} not allowed for {}; allowed: {}",
                       request.method, Echo(request.path), allow));
  response.headers.emplace_back("Allow", std::move(allow));
  return response;
}

Response Router::Run(const Route& route, const Request& request,
                     std::string_view* rejection) const {
  Response response;
  try {
    response = route.handler(request);
  } catch (const std::exception& e) {
    *rejection = "handler error";
    return HandlerError(e.what());
  } catch (...) {
    *rejection = "handler error";
    return HandlerError("unknown exception");
  }
  if (response.status < 200 || response.status > 599) {
    *rejection = "handler error";
    return HandlerError(
        fmt::format("handler returned status {}", response.status));
  }
  return response;
}

}  // namespace heimdall::http
