#include "http/json.h"

#include <fmt/format.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heimdall::http {
namespace {

using nlohmann::json;

// Longest key echoed back in an error message.
constexpr size_t kMaxEchoedKey = 64;

std::string Echo(std::string_view text) {
  if (text.size() <= kMaxEchoedKey) return std::string(text);
  return std::string(text.substr(0, kMaxEchoedKey)) + "...";
}

// "[json.exception.parse_error.101] parse error at ..." -> "parse error at".
std::string WithoutExceptionId(std::string_view what) {
  if (!what.empty() && what[0] == '[') {
    size_t close = what.find("] ");
    if (close != std::string_view::npos) what.remove_prefix(close + 2);
  }
  return std::string(what);
}

// Builds the document like nlohmann's own DOM parser, and stops at the
// first thing ParseJsonObject refuses.
class StrictBuilder : public nlohmann::json_sax<json> {
 public:
  bool null() override { return Add(nullptr); }
  bool boolean(bool value) override { return Add(value); }
  bool number_integer(number_integer_t value) override { return Add(value); }
  bool number_unsigned(number_unsigned_t value) override { return Add(value); }
  bool number_float(number_float_t value, const string_t&) override {
    return Add(value);
  }
  bool string(string_t& value) override { return Add(std::move(value)); }
  bool binary(binary_t& value) override { return Add(std::move(value)); }
  bool start_object(std::size_t) override { return Open(json::object()); }
  bool start_array(std::size_t) override { return Open(json::array()); }
  bool end_object() override { return Close(); }
  bool end_array() override { return Close(); }

  bool key(string_t& name) override {
    if (stack_.back()->contains(name)) {
      return Fail(fmt::format("duplicate key '{}'", Echo(name)));
    }
    key_ = std::move(name);
    return true;
  }

  bool parse_error(std::size_t, const std::string&,
                   const nlohmann::detail::exception& error) override {
    return Fail(
        fmt::format("invalid JSON: {}", WithoutExceptionId(error.what())));
  }

  json& root() { return root_; }
  const std::string& error() const { return error_; }

 private:
  // Places `value` where the parser is, and returns where it went.
  json* Place(json value) {
    if (stack_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    json& parent = *stack_.back();
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    json& slot = parent[key_];
    slot = std::move(value);
    return &slot;
  }

  template <typename T>
  bool Add(T&& value) {
    if (stack_.empty()) {
      return Fail(fmt::format("expected a JSON object, got {}",
                              json(std::forward<T>(value)).type_name()));
    }
    Place(json(std::forward<T>(value)));
    return true;
  }

  bool Open(json container) {
    if (stack_.empty() && !container.is_object()) {
      return Fail("expected a JSON object, got array");
    }
    if (stack_.size() >= static_cast<size_t>(kMaxJsonDepth)) {
      return Fail(
          fmt::format("JSON nested deeper than {} levels", kMaxJsonDepth));
    }
    stack_.push_back(Place(std::move(container)));
    return true;
  }

  bool Close() {
    stack_.pop_back();
    return true;
  }

  bool Fail(std::string message) {
    error_ = std::move(message);
    return false;
  }

  json root_;
  // Containers being filled, innermost last. Pointers stay valid: a
  // container's parent is not modified while the container is open.
  std::vector<json*> stack_;
  std::string key_;
  std::string error_;
};

std::string PointerToken(std::string_view key) {
  std::string token;
  for (char c : key) {
    if (c == '~') {
      token += "~0";
    } else if (c == '/') {
      token += "~1";
    } else {
      token += c;
    }
  }
  return token;
}

// True if `value` holds a NaN or infinity; `*where` then gets its JSON
// pointer, built on the way back up.
bool FindNonFinite(const json& value, std::string* where) {
  if (value.is_number_float()) {
    return !std::isfinite(value.get<double>());
  }
  if (value.is_object()) {
    for (const auto& [key, member] : value.items()) {
      if (FindNonFinite(member, where)) {
        where->insert(0, "/" + PointerToken(key));
        return true;
      }
    }
  } else if (value.is_array()) {
    for (size_t i = 0; i < value.size(); ++i) {
      if (FindNonFinite(value[i], where)) {
        where->insert(0, "/" + std::to_string(i));
        return true;
      }
    }
  }
  return false;
}

char ToLower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

}  // namespace

Result<nlohmann::json> ParseJsonObject(std::string_view body) {
  StrictBuilder builder;
  bool ok = json::sax_parse(body.begin(), body.end(), &builder);
  if (!ok) return Error(builder.error());
  return std::move(builder.root());
}

Result<double> RequireNumber(const nlohmann::json& object,
                             std::string_view key) {
  auto it = object.find(std::string(key));
  if (it == object.end()) {
    return MakeError("missing field '{}'", Echo(key));
  }
  if (!it->is_number()) {
    return MakeError("field '{}' must be a number, got {}", Echo(key),
                     it->type_name());
  }
  double value = it->get<double>();
  if (!std::isfinite(value)) {
    return MakeError("field '{}' must be finite", Echo(key));
  }
  return value;
}

bool IsJsonContentType(std::string_view content_type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    if (ToLower(media[i]) != kJson[i]) return false;
  }
  return true;
}

Result<std::string> SerializeJson(const nlohmann::json& value) {
  std::string where;
  if (FindNonFinite(value, &where)) {
    if (where.empty()) return Error("non-finite number at the top level");
    return MakeError("non-finite number at {}", where);
  }
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

Response JsonResponse(int status, const nlohmann::json& value) {
  auto text = SerializeJson(value);
  if (!text.ok()) {
    return Response::JsonError(
        500, fmt::format("internal error: {}", text.error().message()));
  }
  return Response::Json(status, std::move(text).value());
}

}  // namespace heimdall::http
