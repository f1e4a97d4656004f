#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "http/server.h"

namespace heimdall::http {
namespace {

using nlohmann::json;

Request MakeRequest(std::string method, std::string path) {
  Request request;
  request.method = std::move(method);
  request.path = std::move(path);
  return request;
}

Router TwoRoutes() {
  Router router;
  router.Handle("GET", "/telemetry",
                [](const Request&) { return Response::Json(200, "{}"); });
  router.Handle("POST", "/telemetry",
                [](const Request&) { return Response::Json(201, "{}"); });
  return router;
}

TEST(Response, JsonErrorEscapesTheMessage) {
  Response response =
      Response::JsonError(400, "bad \"quote\" \\ and\nnewline \x01 \xff");
  EXPECT_EQ(response.status, 400);
  EXPECT_EQ(response.content_type, "application/json");
  json body = json::parse(response.body);  // Throws if invalid.
  EXPECT_EQ(body["error"], "bad \"quote\" \\ and\nnewline \x01 \xef\xbf\xbd");
}

TEST(Request, HeaderLookupIgnoresCase) {
  Request request;
  request.headers = {
      {"Content-Type", "application/json"}, {"X-A", "1"}, {"x-a", "2"}};
  EXPECT_EQ(request.Header("content-type"), "application/json");
  EXPECT_EQ(request.Header("X-A"), "1");
  EXPECT_EQ(request.Header("missing"), "");
}

TEST(Request, QueryParamDecodes) {
  Request request;
  request.query = "a=1&name=heart%20rate+x&flag&bad=%zz&empty=";
  EXPECT_EQ(request.QueryParam("a"), "1");
  EXPECT_EQ(request.QueryParam("name"), "heart rate x");
  EXPECT_EQ(request.QueryParam("flag"), "");
  EXPECT_EQ(request.QueryParam("bad"), "%zz");
  EXPECT_EQ(request.QueryParam("missing"), "");
  request.query = "n%61me=v";
  EXPECT_EQ(request.QueryParam("name"), "v");
}

TEST(Router, DispatchesByMethodAndPath) {
  Router router = TwoRoutes();
  std::string_view rejection = "unset";
  EXPECT_EQ(
      router.Dispatch(MakeRequest("GET", "/telemetry"), &rejection).status,
      200);
  EXPECT_EQ(rejection, "");
  EXPECT_EQ(router.Dispatch(MakeRequest("POST", "/telemetry")).status, 201);
}

TEST(Router, LaterRegistrationReplaces) {
  Router router = TwoRoutes();
  router.Handle("GET", "/telemetry",
                [](const Request&) { return Response::Json(202, "{}"); });
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/telemetry")).status, 202);
}

TEST(Router, UnknownPathIs404) {
  std::string_view rejection;
  Response response =
      TwoRoutes().Dispatch(MakeRequest("GET", "/nope"), &rejection);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(rejection, "unknown path");
  EXPECT_EQ(json::parse(response.body)["error"], "no such path: /nope");
}

TEST(Router, LongUnknownPathIsCutInTheMessage) {
  Response response =
      TwoRoutes().Dispatch(MakeRequest("GET", "/" + std::string(5000, 'x')));
  std::string error = json::parse(response.body)["error"];
  EXPECT_LT(error.size(), 150u);
  EXPECT_EQ(error.substr(error.size() - 3), "...");
}

TEST(Router, WrongMethodIs405WithAllow) {
  std::string_view rejection;
  Response response =
      TwoRoutes().Dispatch(MakeRequest("DELETE", "/telemetry"), &rejection);
  EXPECT_EQ(response.status, 405);
  EXPECT_EQ(rejection, "method not allowed");
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].first, "Allow");
  EXPECT_EQ(response.headers[0].second, "GET, HEAD, POST");
}

TEST(Router, HeadUsesTheGetHandler) {
  EXPECT_EQ(TwoRoutes().Dispatch(MakeRequest("HEAD", "/telemetry")).status,
            200);
}

TEST(Router, HandlerExceptionsBecome500) {
  Router router;
  router.Handle("GET", "/std", [](const Request&) -> Response {
    throw std::out_of_range("index 7");
  });
  router.Handle("GET", "/other", [](const Request&) -> Response { throw 42; });
  std::string_view rejection;
  Response std_error = router.Dispatch(MakeRequest("GET", "/std"), &rejection);
  EXPECT_EQ(std_error.status, 500);
  EXPECT_EQ(rejection, "handler error");
  EXPECT_EQ(json::parse(std_error.body)["error"], "internal error: index 7");
  Response other = router.Dispatch(MakeRequest("GET", "/other"));
  EXPECT_EQ(json::parse(other.body)["error"],
            "internal error: unknown exception");
}

TEST(Router, InvalidHandlerStatusBecomes500) {
  Router router;
  router.Handle("GET", "/x",
                [](const Request&) { return Response::Json(42, "{}"); });
  EXPECT_EQ(router.Dispatch(MakeRequest("GET", "/x")).status, 500);
}

TEST(Router, WrapDecoratesEveryRegisteredRoute) {
  Router router = TwoRoutes();
  std::vector<std::string> wrapped;
  router.Wrap([&](const std::string& method, const std::string& path,
                  Handler inner) -> Handler {
    wrapped.push_back(method + " " + path);
    return [inner](const Request& request) {
      Response response = inner(request);
      response.headers.emplace_back("X-Wrapped", "yes");
      return response;
    };
  });
  EXPECT_EQ(wrapped,
            (std::vector<std::string>{"GET /telemetry", "POST /telemetry"}));
  Response response = router.Dispatch(MakeRequest("POST", "/telemetry"));
  EXPECT_EQ(response.status, 201);
  ASSERT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers[0].second, "yes");
}

}  // namespace
}  // namespace heimdall::http
