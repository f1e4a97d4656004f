#include "http/browser_guard.h"

#include <gtest/gtest.h>

namespace heimdall::http {
namespace {

Request Make(std::string method, std::string host,
             std::vector<std::pair<std::string, std::string>> more = {}) {
  Request request;
  request.method = std::move(method);
  request.path = "/api/heal";
  if (!host.empty()) request.headers.emplace_back("Host", std::move(host));
  for (auto& header : more) request.headers.push_back(std::move(header));
  return request;
}

TEST(HostName, DropsThePortAndCase) {
  EXPECT_EQ(HostName("Example.COM:8080"), "example.com");
  EXPECT_EQ(HostName("example.com"), "example.com");
  EXPECT_EQ(HostName("127.0.0.1:8080"), "127.0.0.1");
  EXPECT_EQ(HostName("[::1]:8080"), "[::1]");
  EXPECT_EQ(HostName("[::1]"), "[::1]");
  EXPECT_EQ(HostName(""), "");
}

TEST(BrowserGuard, AddressesLocalhostAndListedNamesPassOtherNamesAreRefused) {
  const BrowserGuardOptions options{.allowed_hosts = {"Heimdall.internal"}};
  for (const char* host :
       {"127.0.0.1:8080", "localhost:8080", "[::1]:8080", "LOCALHOST",
        "10.0.0.5:9100", "[2001:db8::1]", "heimdall.internal:8080", ""}) {
    EXPECT_EQ(BrowserGuardRefusal(options, Make("GET", host)), std::nullopt)
        << host;
  }
  // A rebound name: the page's own host, pointed at 127.0.0.1.
  const std::optional<std::string> refusal =
      BrowserGuardRefusal(options, Make("GET", "evil.example:8080"));
  ASSERT_TRUE(refusal.has_value());
  EXPECT_NE(refusal->find("evil.example:8080"), std::string::npos);
  EXPECT_NE(refusal->find("api.allowed_hosts"), std::string::npos);
  // Names that only look like addresses or loopback are names.
  for (const char* host : {"127.0.0.1.evil.example", "localhost.evil.example",
                           "10.0.0.5.nip.io", "2130706433"}) {
    EXPECT_TRUE(BrowserGuardRefusal(options, Make("POST", host)).has_value())
        << host;
  }
}

TEST(BrowserGuard, AStarLetsEveryNameThrough) {
  const BrowserGuardOptions options{.allowed_hosts = {"*"}};
  EXPECT_EQ(BrowserGuardRefusal(options, Make("GET", "anything.example")),
            std::nullopt);
  // The cross-site check still applies.
  EXPECT_TRUE(
      BrowserGuardRefusal(options, Make("POST", "anything.example",
                                        {{"Origin", "http://evil.example"}}))
          .has_value());
}

TEST(BrowserGuard, StateChangesFromAnotherOriginAreRefused) {
  const BrowserGuardOptions options;
  const std::string host = "127.0.0.1:8080";
  // The dashboard itself, and clients that are not browsers.
  EXPECT_EQ(
      BrowserGuardRefusal(options, Make("POST", host,
                                        {{"Origin", "http://127.0.0.1:8080"},
                                         {"Sec-Fetch-Site", "same-origin"}})),
      std::nullopt);
  EXPECT_EQ(BrowserGuardRefusal(options, Make("POST", host)), std::nullopt);
  EXPECT_EQ(BrowserGuardRefusal(options, Make("DELETE", host)), std::nullopt);

  const std::vector<std::pair<std::string, std::string>> cross[] = {
      {{"Origin",
        "http://127.0.0.1:18099"}},  // Another port is another origin.
      {{"Origin", "http://evil.example"}},
      {{"Origin", "null"}},  // A sandboxed frame or a file.
      {{"Sec-Fetch-Site", "cross-site"}},
      {{"Sec-Fetch-Site", "same-site"}},
  };
  for (const auto& headers : cross) {
    for (const char* method : {"POST", "DELETE", "PUT"}) {
      const std::optional<std::string> refusal =
          BrowserGuardRefusal(options, Make(method, host, headers));
      EXPECT_TRUE(refusal.has_value()) << method << " " << headers[0].second;
    }
  }
  // Reading is left to the browser's same-origin policy.
  EXPECT_EQ(
      BrowserGuardRefusal(
          options, Make("GET", host, {{"Origin", "http://evil.example"}})),
      std::nullopt);
}

TEST(BrowserGuard, WrapsEveryRouteWithA403) {
  Router router;
  int called = 0;
  router.Handle("POST", "/api/heal", [&](const Request&) {
    ++called;
    return Response::Json(202, "{}");
  });
  router.Wrap(BrowserGuard({}));
  const Response refused = router.Dispatch(
      Make("POST", "127.0.0.1:8080", {{"Origin", "http://evil.example"}}));
  EXPECT_EQ(refused.status, 403);
  EXPECT_NE(refused.body.find("refused: a request from origin"),
            std::string::npos);
  EXPECT_EQ(called, 0);
  EXPECT_EQ(router.Dispatch(Make("POST", "127.0.0.1:8080")).status, 202);
  EXPECT_EQ(called, 1);
}

}  // namespace
}  // namespace heimdall::http
