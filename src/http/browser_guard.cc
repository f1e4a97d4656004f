#include "http/browser_guard.h"

#include <arpa/inet.h>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace heimdall::http {
namespace {

std::string Lower(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return lower;
}

bool ChangesState(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

// "http://Host:8080" -> "host:8080"; nullopt for "null" or no scheme.
std::optional<std::string> OriginAuthority(std::string_view origin) {
  const size_t scheme = origin.find("://");
  if (scheme == std::string_view::npos) return std::nullopt;
  std::string_view authority = origin.substr(scheme + 3);
  if (const size_t slash = authority.find('/');
      slash != std::string_view::npos) {
    authority = authority.substr(0, slash);
  }
  return Lower(authority);
}

// "10.0.0.5" or "[::1]": an address, which no DNS answer can re-point.
bool IsIpAddress(const std::string& host) {
  in6_addr address;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    const std::string inside = host.substr(1, host.size() - 2);
    return inet_pton(AF_INET6, inside.c_str(), &address) == 1;
  }
  return inet_pton(AF_INET, host.c_str(), &address) == 1;
}

}  // namespace

std::string HostName(std::string_view host_header) {
  std::string_view host = host_header;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    host = close == std::string_view::npos ? host : host.substr(0, close + 1);
  } else if (const size_t colon = host.rfind(':');
             colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  return Lower(host);
}

std::optional<std::string> BrowserGuardRefusal(
    const BrowserGuardOptions& options, const Request& request) {
  const std::string_view host_header = request.Header("Host");
  const std::string host = HostName(host_header);
  // No browser leaves Host out; a client that does is no rebound page.
  if (!host.empty() && host != "localhost" && !IsIpAddress(host)) {
    const bool listed =
        std::any_of(options.allowed_hosts.begin(), options.allowed_hosts.end(),
                    [&](const std::string& allowed) {
                      return allowed == "*" || Lower(allowed) == host;
                    });
    if (!listed) {
      return fmt::format(
          "Host \"{}\" is not a name this server answers to (add it to "
          "api.allowed_hosts if it is yours)",
          host_header);
    }
  }
  if (!ChangesState(request.method)) return std::nullopt;
  const std::string_view site = request.Header("Sec-Fetch-Site");
  if (site == "cross-site" || site == "same-site") {
    return fmt::format("a request from another site ({}) may not change state",
                       site);
  }
  const std::string_view origin = request.Header("Origin");
  if (!origin.empty()) {
    const std::optional<std::string> from = OriginAuthority(origin);
    if (!from || *from != Lower(host_header)) {
      return fmt::format(
          "a request from origin \"{}\" may not change state here", origin);
    }
  }
  return std::nullopt;
}

Router::Wrapper BrowserGuard(BrowserGuardOptions options) {
  return [options = std::move(options)](const std::string&, const std::string&,
                                        Handler handler) -> Handler {
    return [options, handler = std::move(handler)](const Request& request) {
      if (std::optional<std::string> refusal =
              BrowserGuardRefusal(options, request)) {
        return Response::JsonError(403, "refused: " + *refusal);
      }
      return handler(request);
    };
  };
}

}  // namespace heimdall::http
