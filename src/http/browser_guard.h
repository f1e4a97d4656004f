// Keeps web pages on other sites from driving or reading a server that a
// browser on the same machine can reach.
//
//   DNS rebinding   a page on evil.example re-points its name at 127.0.0.1
//                   and calls us as "its own" origin. Its requests still say
//                   "Host: evil.example", so a request whose Host is a name
//                   (not an IP address) other than "localhost" and the
//                   allowed hosts is refused (403). An IP address cannot be
//                   rebound, so any passes: Prometheus scraping 10.0.0.5
//                   needs no list.
//   cross-site      a page on another origin can send a POST (a form, or
//   requests        fetch with mode "no-cors") without reading the answer.
//                   Browsers mark such requests with Origin or
//                   Sec-Fetch-Site; a request other than GET, HEAD or
//                   OPTIONS whose Origin is not this server's own (the
//                   scheme-less host:port of its Host header), or whose
//                   Sec-Fetch-Site is "cross-site" or "same-site", is
//                   refused (403).
// Clients that are not browsers (curl, Alertmanager, Prometheus) send
// neither header and pass. This is no substitute for the API token when the
// server listens beyond loopback.
#ifndef HEIMDALL_HTTP_BROWSER_GUARD_H_
#define HEIMDALL_HTTP_BROWSER_GUARD_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/server.h"

namespace heimdall::http {

struct BrowserGuardOptions {
  // Host names (no port) that requests may name in their Host header,
  // compared without case, besides "localhost" and IP addresses; "*" lets
  // every name through.
  std::vector<std::string> allowed_hosts;
};

// The host name of a Host header value: "Example.com:80" -> "example.com",
// "[::1]:8080" -> "[::1]". Lower case.
std::string HostName(std::string_view host_header);

// Why `request` is refused, or nullopt if it passes.
std::optional<std::string> BrowserGuardRefusal(
    const BrowserGuardOptions& options, const Request& request);

// A Router::Wrap wrapper applying BrowserGuardRefusal before each handler:
// refused requests get a JSON 403 naming the reason.
Router::Wrapper BrowserGuard(BrowserGuardOptions options);

}  // namespace heimdall::http

#endif  // HEIMDALL_HTTP_BROWSER_GUARD_H_
