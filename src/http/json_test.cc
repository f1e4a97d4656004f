#include "http/json.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

namespace heimdall::http {
namespace {

using nlohmann::json;

std::string ParseError(std::string_view body) {
  auto parsed = ParseJsonObject(body);
  return parsed.ok() ? "<ok>" : parsed.error().message();
}

TEST(ParseJsonObject, AcceptsAnObjectWithAnyValues) {
  auto parsed = ParseJsonObject(
      R"({"heart_rate": 80, "oxygen_level": 98.5, "temperature": 36.9,
          "tags": ["a", {"b": null}], "ok": true, "big": 18446744073709551615,
          "unicode": "\u00e9\ud83d\ude80"})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ((*parsed)["heart_rate"], 80);
  EXPECT_DOUBLE_EQ((*parsed)["oxygen_level"].get<double>(), 98.5);
  EXPECT_TRUE((*parsed)["tags"][1]["b"].is_null());
  EXPECT_EQ((*parsed)["big"].get<uint64_t>(), 18446744073709551615u);
  EXPECT_EQ((*parsed)["unicode"], "\u00e9\U0001F680");
}

TEST(ParseJsonObject, RejectsInvalidJsonWithPosition) {
  std::string error = ParseError(R"({"heart_rate": tru})");
  EXPECT_EQ(error.rfind("invalid JSON: ", 0), 0u) << error;
  EXPECT_NE(error.find("column"), std::string::npos) << error;
  EXPECT_EQ(error.find("[json.exception"), std::string::npos) << error;
}

TEST(ParseJsonObject, RejectsEmptyAndTrailingData) {
  EXPECT_EQ(ParseError("").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(ParseError("{} {}").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(ParseError("{}x").rfind("invalid JSON", 0), 0u);
}

TEST(ParseJsonObject, RejectsNonObjectTopLevel) {
  EXPECT_EQ(ParseError("[1, 2]"), "expected a JSON object, got array");
  EXPECT_EQ(ParseError("\"text\""), "expected a JSON object, got string");
  EXPECT_EQ(ParseError("42"), "expected a JSON object, got number");
  EXPECT_EQ(ParseError("null"), "expected a JSON object, got null");
  EXPECT_EQ(ParseError("true"), "expected a JSON object, got boolean");
}

TEST(ParseJsonObject, RejectsDuplicateKeysAtAnyDepth) {
  EXPECT_EQ(ParseError(R"({"heart_rate": 80, "heart_rate": 200})"),
            "duplicate key 'heart_rate'");
  EXPECT_EQ(ParseError(R"({"a": {"b": 1, "c": 2, "b": 3}})"),
            "duplicate key 'b'");
  EXPECT_EQ(ParseError(R"({"a": [{"x": 1}, {"x": 1, "x": 2}]})"),
            "duplicate key 'x'");
  // The same key in sibling objects is fine.
  EXPECT_EQ(ParseError(R"({"a": {"x": 1}, "b": {"x": 1}})"), "<ok>");
}

TEST(ParseJsonObject, DuplicateKeyMessageIsTruncated) {
  std::string key(1000, 'k');
  std::string error = ParseError("{\"" + key + "\": 1, \"" + key + "\": 2}");
  EXPECT_LT(error.size(), 100u);
  EXPECT_EQ(error.rfind("duplicate key 'kkk", 0), 0u);
}

TEST(ParseJsonObject, RejectsNumbersThatOverflow) {
  std::string error = ParseError(R"({"heart_rate": 1e999})");
  EXPECT_NE(error.find("number overflow"), std::string::npos) << error;
  EXPECT_NE(ParseError("{\"x\": -" + std::string(400, '9') + "}")
                .find("number overflow"),
            std::string::npos);
}

TEST(ParseJsonObject, RejectsNonStandardNumbers) {
  EXPECT_EQ(ParseError(R"({"x": NaN})").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(ParseError(R"({"x": Infinity})").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(ParseError(R"({"x": -Infinity})").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(ParseError(R"({"x": 01})").rfind("invalid JSON", 0), 0u);
}

TEST(ParseJsonObject, LimitsNesting) {
  auto nested = [](int depth) {
    std::string text = "{\"a\":";
    for (int i = 1; i < depth; ++i) text += "[";
    text += "1";
    for (int i = 1; i < depth; ++i) text += "]";
    return text + "}";
  };
  EXPECT_EQ(ParseError(nested(kMaxJsonDepth)), "<ok>");
  EXPECT_EQ(ParseError(nested(kMaxJsonDepth + 1)),
            "JSON nested deeper than 64 levels");
  // Deep enough to overflow a recursive parser's stack.
  EXPECT_EQ(ParseError(nested(1'000'000)), "JSON nested deeper than 64 levels");
}

TEST(ParseJsonObject, RejectsInvalidUtf8AndComments) {
  EXPECT_EQ(ParseError("{\"x\": \"\xff\"}").rfind("invalid JSON", 0), 0u);
  EXPECT_EQ(ParseError("{\"x\": 1 /* c */}").rfind("invalid JSON", 0), 0u);
}

TEST(RequireNumber, ReturnsNumbersOfEitherKind) {
  json object = {{"int", 80}, {"float", 36.6}, {"negative", -3}};
  EXPECT_EQ(*RequireNumber(object, "int"), 80.0);
  EXPECT_EQ(*RequireNumber(object, "float"), 36.6);
  EXPECT_EQ(*RequireNumber(object, "negative"), -3.0);
}

TEST(RequireNumber, NamesTheFieldAndTheWrongType) {
  json object =
      json::parse(R"({"s": "80", "b": true, "n": null, "o": {}, "a": [1]})");
  auto message = [&](std::string_view key) {
    auto value = RequireNumber(object, key);
    return value.ok() ? "<ok>" : value.error().message();
  };
  EXPECT_EQ(message("missing"), "missing field 'missing'");
  EXPECT_EQ(message("s"), "field 's' must be a number, got string");
  EXPECT_EQ(message("b"), "field 'b' must be a number, got boolean");
  EXPECT_EQ(message("n"), "field 'n' must be a number, got null");
  EXPECT_EQ(message("o"), "field 'o' must be a number, got object");
  EXPECT_EQ(message("a"), "field 'a' must be a number, got array");
}

TEST(RequireNumber, RejectsNonFiniteValuesBuiltInCode) {
  json object = {{"x", std::numeric_limits<double>::infinity()}};
  auto value = RequireNumber(object, "x");
  ASSERT_FALSE(value.ok());
  EXPECT_EQ(value.error().message(), "field 'x' must be finite");
}

TEST(IsJsonContentType, AcceptsJsonWithParametersInAnyCase) {
  EXPECT_TRUE(IsJsonContentType("application/json"));
  EXPECT_TRUE(IsJsonContentType("Application/JSON"));
  EXPECT_TRUE(IsJsonContentType("application/json; charset=utf-8"));
  EXPECT_TRUE(IsJsonContentType("  application/json ;charset=UTF-8"));
  EXPECT_FALSE(IsJsonContentType(""));
  EXPECT_FALSE(IsJsonContentType("text/plain"));
  EXPECT_FALSE(IsJsonContentType("application/jsonx"));
  EXPECT_FALSE(IsJsonContentType("application/x-www-form-urlencoded"));
  EXPECT_FALSE(IsJsonContentType("application"));
}

TEST(SerializeJson, WritesFiniteDocumentsCompactly) {
  json value = {{"failure_probability", 0.25}, {"anomaly", false}};
  auto text = SerializeJson(value);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, R"({"anomaly":false,"failure_probability":0.25})");
}

TEST(SerializeJson, RefusesNonFiniteNumbersNamingWhere) {
  double nan = std::nan("");
  double inf = std::numeric_limits<double>::infinity();
  auto message = [](const json& value) {
    auto text = SerializeJson(value);
    return text.ok() ? "<ok>" : text.error().message();
  };
  EXPECT_EQ(message(json{{"explanation", {{"heart_rate", nan}}}}),
            "non-finite number at /explanation/heart_rate");
  EXPECT_EQ(message(json{{"scores", {1.0, -inf}}}),
            "non-finite number at /scores/1");
  EXPECT_EQ(message(json{{"a/b~c", inf}}), "non-finite number at /a~1b~0c");
  EXPECT_EQ(message(json(nan)), "non-finite number at the top level");
}

TEST(SerializeJson, ReplacesInvalidUtf8InsteadOfThrowing) {
  auto text = SerializeJson(json{{"error", "bad \xff byte"}});
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, "{\"error\":\"bad \xef\xbf\xbd byte\"}");
}

TEST(JsonResponse, TurnsNonFiniteIntoA500) {
  Response ok = JsonResponse(200, json{{"p", 0.5}});
  EXPECT_EQ(ok.status, 200);
  EXPECT_EQ(ok.body, R"({"p":0.5})");

  Response broken = JsonResponse(200, json{{"p", std::nan("")}});
  EXPECT_EQ(broken.status, 500);
  EXPECT_EQ(json::parse(broken.body)["error"],
            "internal error: non-finite number at /p");
}

}  // namespace
}  // namespace heimdall::http
