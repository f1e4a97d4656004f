#include "web/dashboard.h"

#include <string>

namespace heimdall::web {
namespace {

// The browser itself then refuses anything from elsewhere (a CDN, a font
// host): the page works offline by construction, not only by care.
// uPlot positions its elements with inline styles, hence 'unsafe-inline'
// for styles only.
constexpr std::string_view kPagePolicy =
    "default-src 'self'; script-src 'self'; connect-src 'self'; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self'; object-src 'none'; base-uri 'none'; "
    "frame-ancestors 'none'";

http::Response Serve(const Asset& asset) {
  http::Response response;
  response.content_type = std::string(asset.content_type);
  response.body = std::string(asset.body);
  // Embedded files change only with the binary; revalidating costs little
  // on loopback and never shows a stale page after an upgrade.
  response.headers.emplace_back("Cache-Control", "no-cache");
  response.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (asset.path == "/") {
    response.headers.emplace_back("Content-Security-Policy",
                                  std::string(kPagePolicy));
  }
  return response;
}

}  // namespace

void RegisterDashboard(http::Router& router) {
  for (const Asset& asset : Assets()) {
    router.Handle("GET", std::string(asset.path),
                  [&asset](const http::Request&) { return Serve(asset); });
  }
}

}  // namespace heimdall::web
