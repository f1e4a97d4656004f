// The Mission Control page of `heimdall up`: HTML, script, styles and the
// uPlot charting library, embedded in the binary at build time (CMake
// generates web_assets.cc from web/ and web/node_modules), so the page
// needs nothing but the controller that serves it.
#ifndef HEIMDALL_WEB_DASHBOARD_H_
#define HEIMDALL_WEB_DASHBOARD_H_

#include <span>
#include <string_view>

#include "http/server.h"

namespace heimdall::web {

// One embedded file. Views into static storage: valid for the program's
// lifetime.
struct Asset {
  std::string_view path;  // "/", "/app.js", "/vendor/uPlot.iife.min.js".
  std::string_view content_type;
  std::string_view body;
};

// Every embedded file; the page itself is at "/".
std::span<const Asset> Assets();

// Adds "GET <path>" for every asset to `router`. The page is sent with a
// Content-Security-Policy that lets it load and connect only to the server
// it came from.
void RegisterDashboard(http::Router& router);

}  // namespace heimdall::web

#endif  // HEIMDALL_WEB_DASHBOARD_H_
