#include "web/dashboard.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>
#include <string>

namespace heimdall::web {
namespace {

const Asset* Find(std::string_view path) {
  for (const Asset& asset : Assets()) {
    if (asset.path == path) return &asset;
  }
  return nullptr;
}

http::Response Get(const http::Router& router, std::string path) {
  http::Request request;
  request.method = "GET";
  request.path = std::move(path);
  return router.Dispatch(request);
}

TEST(Dashboard, ServesThePageWithAPolicyThatKeepsItLocal) {
  http::Router router;
  RegisterDashboard(router);
  const http::Response page = Get(router, "/");
  ASSERT_EQ(page.status, 200);
  EXPECT_EQ(page.content_type, "text/html; charset=utf-8");
  EXPECT_NE(page.body.find("<title>Heimdall"), std::string::npos);
  bool has_policy = false;
  for (const auto& [name, value] : page.headers) {
    if (name != "Content-Security-Policy") continue;
    has_policy = true;
    EXPECT_NE(value.find("default-src 'self'"), std::string::npos);
    EXPECT_NE(value.find("connect-src 'self'"), std::string::npos);
  }
  EXPECT_TRUE(has_policy);
  EXPECT_EQ(Get(router, "/nope.js").status, 404);
}

TEST(Dashboard, EveryFileThePageLoadsIsEmbedded) {
  const Asset* page = Find("/");
  ASSERT_NE(page, nullptr);
  const std::string html(page->body);
  const std::regex reference(R"((?:src|href)="([^"]+)\")");
  std::set<std::string> loaded;
  for (auto it = std::sregex_iterator(html.begin(), html.end(), reference);
       it != std::sregex_iterator(); ++it) {
    loaded.insert((*it)[1].str());
  }
  ASSERT_TRUE(loaded.count("/vendor/uPlot.iife.min.js"));
  ASSERT_TRUE(loaded.count("/app.js"));
  for (const std::string& url : loaded) {
    if (url.starts_with("data:")) continue;
    EXPECT_TRUE(url.starts_with("/")) << url << " is not on this server";
    const Asset* asset = Find(url);
    ASSERT_NE(asset, nullptr) << url << " is not embedded";
    EXPECT_GT(asset->body.size(), 0u) << url;
  }
}

TEST(Dashboard, OwnFilesNameNoOtherHost) {
  for (std::string_view path : {"/", "/app.js", "/style.css"}) {
    const Asset* asset = Find(path);
    ASSERT_NE(asset, nullptr) << path;
    EXPECT_EQ(asset->body.find("http://"), std::string_view::npos) << path;
    EXPECT_EQ(asset->body.find("https://"), std::string_view::npos) << path;
    EXPECT_EQ(asset->body.find("@import"), std::string_view::npos) << path;
  }
}

TEST(Dashboard, EmbedsUplotFromNpm) {
  const Asset* uplot = Find("/vendor/uPlot.iife.min.js");
  ASSERT_NE(uplot, nullptr);
  EXPECT_EQ(uplot->content_type, "text/javascript; charset=utf-8");
  EXPECT_NE(uplot->body.find("var uPlot="), std::string_view::npos);
  ASSERT_NE(Find("/vendor/uPlot.min.css"), nullptr);
  const Asset* licence = Find("/vendor/uPlot.LICENSE");
  ASSERT_NE(licence, nullptr);
  EXPECT_NE(licence->body.find("Permission is hereby granted"),
            std::string_view::npos);
}

}  // namespace
}  // namespace heimdall::web
