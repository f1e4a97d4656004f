#include "healer/heal_state_json.h"

#include <charconv>

namespace heimdall::healer {
namespace {

constexpr int kVersion = 1;

int64_t Ms(TimePoint t) { return t.time_since_epoch().count(); }
TimePoint FromMs(int64_t ms) { return TimePoint(Duration(ms)); }

// Reads fields of one object, remembering the first problem.
class FieldReader {
 public:
  explicit FieldReader(const nlohmann::json& json) : json_(json) {}

  template <typename T>
  T Get(const char* name) {
    const auto it = json_.find(name);
    if (it == json_.end()) return Fail<T>(name, "missing");
    if constexpr (std::is_same_v<T, bool>) {
      if (!it->is_boolean()) return Fail<T>(name, "not a boolean");
    } else {
      if (!it->is_number_integer()) return Fail<T>(name, "not an integer");
    }
    return it->get<T>();
  }
  TimePoint Time(const char* name) { return FromMs(Get<int64_t>(name)); }
  const nlohmann::json* Find(const char* name) {
    const auto it = json_.find(name);
    return it == json_.end() ? nullptr : &*it;
  }
  template <typename T>
  T Fail(const char* name, const char* problem) {
    if (status_.ok()) status_ = MakeError("heal state: {}: {}", name, problem);
    return T{};
  }
  Status status() const { return status_; }

 private:
  const nlohmann::json& json_;
  Status status_;
};

Status ReadRecentHeals(const nlohmann::json& json,
                       std::vector<TimePoint>* out) {
  const auto recent = json.find("recent_heals");
  if (recent == json.end() || !recent->is_array()) {
    return Error("heal state: recent_heals: not an array");
  }
  for (const nlohmann::json& t : *recent) {
    if (!t.is_number_integer()) {
      return Error("heal state: recent_heals: not all integers");
    }
    out->push_back(FromMs(t.get<int64_t>()));
  }
  return Status::Ok();
}

Status ReadRng(const nlohmann::json& json, uint64_t* out) {
  const auto rng = json.find("rng");
  const std::string text =
      rng != json.end() && rng->is_string() ? rng->get<std::string>() : "";
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), *out);
  if (text.empty() || error != std::errc() ||
      end != text.data() + text.size()) {
    return Error("heal state: rng: not a decimal string");
  }
  return Status::Ok();
}

// Optional fields (added after version 1 was first written): absent or
// malformed means "no fingerprint yet", which only restarts a stale timer.
void ReadFingerprint(const nlohmann::json& json, HealState* s) {
  const auto print = json.find("fingerprint");
  const auto since = json.find("fingerprint_since");
  if (print == json.end() || !print->is_string() || since == json.end() ||
      !since->is_number_integer()) {
    return;
  }
  uint64_t value = 0;
  const std::string text = print->get<std::string>();
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return;
  s->fingerprint = value;
  s->fingerprint_since = FromMs(since->get<int64_t>());
}

}  // namespace

nlohmann::json ToJson(const HealState& s) {
  nlohmann::json recent = nlohmann::json::array();
  for (TimePoint t : s.recent_heals) recent.push_back(Ms(t));
  return {{"version", kVersion},
          {"above_count", s.above_count},
          {"above_since", s.above_since ? nlohmann::json(Ms(*s.above_since))
                                        : nlohmann::json(nullptr)},
          {"unscored_count", s.unscored_count},
          {"unresponsive_count", s.unresponsive_count},
          {"fingerprint", s.fingerprint
                              ? nlohmann::json(std::to_string(*s.fingerprint))
                              : nlohmann::json(nullptr)},
          {"fingerprint_since", s.fingerprint_since
                                    ? nlohmann::json(Ms(*s.fingerprint_since))
                                    : nlohmann::json(nullptr)},
          {"grace_until", Ms(s.grace_until)},
          {"not_before", Ms(s.not_before)},
          {"not_before_is_backoff", s.not_before_is_backoff},
          {"quiet_until", Ms(s.quiet_until)},
          {"last_trouble", Ms(s.last_trouble)},
          {"consecutive_heals", s.consecutive_heals},
          {"recent_heals", recent},
          {"breaker_open", s.breaker_open},
          {"paused", s.paused},
          {"rng", std::to_string(s.rng)}};
}

Result<HealState> HealStateFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return Error("heal state: not a JSON object");
  FieldReader read(json);
  if (read.Get<int>("version") != kVersion && read.status().ok()) {
    return MakeError("heal state: version {} is not {}", json["version"].dump(),
                     kVersion);
  }
  HealState s;
  s.above_count = read.Get<int>("above_count");
  if (const nlohmann::json* since = read.Find("above_since");
      since != nullptr && since->is_number_integer()) {
    s.above_since = FromMs(since->get<int64_t>());
  }
  s.unscored_count = read.Get<int>("unscored_count");
  s.unresponsive_count = read.Get<int>("unresponsive_count");
  s.grace_until = read.Time("grace_until");
  s.not_before = read.Time("not_before");
  s.not_before_is_backoff = read.Get<bool>("not_before_is_backoff");
  if (const nlohmann::json* quiet = read.Find("quiet_until");
      quiet != nullptr && quiet->is_number_integer()) {
    s.quiet_until = FromMs(quiet->get<int64_t>());  // Optional: added later.
  }
  s.last_trouble = read.Time("last_trouble");
  s.consecutive_heals = read.Get<int>("consecutive_heals");
  s.breaker_open = read.Get<bool>("breaker_open");
  s.paused = read.Get<bool>("paused");
  HEIMDALL_RETURN_IF_ERROR(read.status());

  HEIMDALL_RETURN_IF_ERROR(ReadRecentHeals(json, &s.recent_heals));
  HEIMDALL_RETURN_IF_ERROR(ReadRng(json, &s.rng));
  ReadFingerprint(json, &s);
  return s;
}

}  // namespace heimdall::healer
