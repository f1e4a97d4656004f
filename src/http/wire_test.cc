#include "http/wire.h"

#include <gtest/gtest.h>

#include <string>

namespace heimdall::http::internal {
namespace {

std::string Serialize(const Response& response, bool keep_alive = true,
                      bool head = false) {
  Framing framing;
  framing.keep_alive = keep_alive;
  framing.head = head;
  framing.date = "Sun, 06 Nov 1994 08:49:37 GMT";
  std::string out;
  AppendResponse(response, framing, out);
  return out;
}

TEST(AppendResponse, WritesStatusLineHeadersAndBody) {
  EXPECT_EQ(Serialize(Response::Json(200, "{}")),
            "HTTP/1.1 200 OK\r\n"
            "Content-Type: application/json\r\n"
            "Content-Length: 2\r\n"
            "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\n"
            "Connection: keep-alive\r\n"
            "\r\n{}");
}

TEST(AppendResponse, CloseAndHead) {
  std::string out = Serialize(Response::Json(404, "body"), false, true);
  EXPECT_NE(out.find("HTTP/1.1 404 Not Found\r\n"), std::string::npos);
  EXPECT_NE(out.find("Content-Length: 4\r\n"), std::string::npos);
  EXPECT_NE(out.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(AppendResponse, NoContentHasNoLengthOrBody) {
  Response response = Response::Json(204, "ignored");
  std::string out = Serialize(response);
  EXPECT_EQ(out.find("Content-Length"), std::string::npos);
  EXPECT_EQ(out.substr(out.size() - 4), "\r\n\r\n");
}

TEST(AppendResponse, DropsOwnedAndSplittingExtraHeaders) {
  Response response = Response::Json(200, "{}");
  response.headers = {{"Allow", "GET"},
                      {"content-length", "999"},
                      {"Connection", "upgrade"},
                      {"X-Evil", "a\r\nSet-Cookie: x=1"},
                      {"X-Bad:Name", "v"},
                      {"", "v"},
                      {"Cache-Control", "no-store"}};
  std::string out = Serialize(response);
  EXPECT_NE(out.find("Allow: GET\r\n"), std::string::npos);
  EXPECT_NE(out.find("Cache-Control: no-store\r\n"), std::string::npos);
  EXPECT_EQ(out.find("999"), std::string::npos);
  EXPECT_EQ(out.find("upgrade"), std::string::npos);
  EXPECT_EQ(out.find("Set-Cookie"), std::string::npos);
  EXPECT_EQ(out.find("X-Bad"), std::string::npos);
}

TEST(AppendResponse, EmptyContentTypeIsOmitted) {
  Response response = Response::Json(200, "x");
  response.content_type.clear();
  EXPECT_EQ(Serialize(response).find("Content-Type"), std::string::npos);
}

TEST(FormatHttpDate, UsesImfFixdate) {
  EXPECT_EQ(FormatHttpDate(784111777), "Sun, 06 Nov 1994 08:49:37 GMT");
  EXPECT_EQ(FormatHttpDate(0), "Thu, 01 Jan 1970 00:00:00 GMT");
}

TEST(ReasonPhrase, KnowsTheCodesTheServerUses) {
  for (int status : {100, 200, 400, 404, 405, 413, 414, 417, 431, 500, 505}) {
    EXPECT_NE(ReasonPhrase(status), "Unknown") << status;
  }
  EXPECT_EQ(ReasonPhrase(299), "Unknown");
}

}  // namespace
}  // namespace heimdall::http::internal
