#include "healer/config.h"

#include <arpa/inet.h>
#include <toml++/toml.h>

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstring>
#include <functional>
#include <map>
#include <regex>

#include "common/file.h"

namespace heimdall::healer {
namespace {

// Sets one setting from a TOML node; fails with what was expected.
using Setter = std::function<Status(const toml::node&)>;

// A finite number: TOML also writes nan and inf, which every range check
// (a comparison) would let through.
Result<double> NumberOf(const toml::node& node) {
  std::optional<double> value = node.value<double>();
  if (!value) return Error("expected a number");
  if (!std::isfinite(*value)) return Error("expected a finite number");
  return *value;
}

// A string without NUL, which would cut a path or argument short.
Result<std::string> StringOf(const toml::node& node, const char* expected) {
  if (!node.is_string()) return Error(expected);
  std::string value = *node.value<std::string>();
  if (value.find('\0') != std::string::npos) {
    return Error("must not contain a NUL character");
  }
  return value;
}

Setter Number(double* out) {
  return [out](const toml::node& node) -> Status {
    Result<double> value = NumberOf(node);
    if (!value.ok()) return value.status();
    *out = *value;
    return Status::Ok();
  };
}

Setter Integer(int* out) {
  return [out](const toml::node& node) -> Status {
    if (!node.is_integer()) return Error("expected an integer");
    const int64_t value = *node.value<int64_t>();
    if (value < INT32_MIN || value > INT32_MAX) return Error("out of range");
    *out = static_cast<int>(value);
    return Status::Ok();
  };
}

Setter Boolean(bool* out) {
  return [out](const toml::node& node) -> Status {
    if (!node.is_boolean()) return Error("expected true or false");
    *out = *node.value<bool>();
    return Status::Ok();
  };
}

Setter Text(std::string* out) {
  return [out](const toml::node& node) -> Status {
    Result<std::string> value = StringOf(node, "expected a string");
    if (!value.ok()) return value.status();
    *out = std::move(*value);
    return Status::Ok();
  };
}

Setter PathSetting(std::filesystem::path* out) {
  return [out](const toml::node& node) -> Status {
    Result<std::string> value = StringOf(node, "expected a path string");
    if (!value.ok()) return value.status();
    *out = std::move(*value);
    return Status::Ok();
  };
}

Setter DurationSetting(Duration* out) {
  return [out](const toml::node& node) -> Status {
    if (!node.is_string()) return Error("expected a duration like \"5s\"");
    Result<Duration> value = ParseDuration(*node.value<std::string>());
    if (!value.ok()) return value.status();
    *out = *value;
    return Status::Ok();
  };
}

Setter Port(uint16_t* out) {
  return [out](const toml::node& node) -> Status {
    if (!node.is_integer()) return Error("expected a port number");
    const int64_t value = *node.value<int64_t>();
    if (value < 1 || value > 65535) return Error("expected a port 1-65535");
    *out = static_cast<uint16_t>(value);
    return Status::Ok();
  };
}

Setter Bytes(int64_t* out) {
  return [out](const toml::node& node) -> Status {
    if (!node.is_integer() || *node.value<int64_t>() < 0) {
      return Error("expected a non-negative integer");
    }
    *out = *node.value<int64_t>();
    return Status::Ok();
  };
}

// A table of string values with any keys (label matchers).
Setter TextMap(std::map<std::string, std::string>* out) {
  return [out](const toml::node& node) -> Status {
    const toml::table* table = node.as_table();
    if (table == nullptr) return Error("expected a table of strings");
    std::map<std::string, std::string> values;
    for (const auto& [key, item] : *table) {
      Result<std::string> value = StringOf(item, "expected a string");
      if (!value.ok()) {
        return value.error().Annotate(fmt::format("\"{}\"", key.str()));
      }
      values[std::string(key.str())] = std::move(*value);
    }
    *out = std::move(values);
    return Status::Ok();
  };
}

Setter TextList(std::vector<std::string>* out) {
  return [out](const toml::node& node) -> Status {
    const toml::array* array = node.as_array();
    if (array == nullptr) return Error("expected an array of strings");
    std::vector<std::string> values;
    for (const toml::node& item : *array) {
      Result<std::string> value =
          StringOf(item, "expected an array of strings");
      if (!value.ok()) return value.status();
      values.push_back(std::move(*value));
    }
    *out = std::move(values);
    return Status::Ok();
  };
}

// A table of numbers under free names (a detector's parameters).
Setter NumberTable(std::map<std::string, double>* out) {
  return [out](const toml::node& node) -> Status {
    const toml::table* table = node.as_table();
    if (table == nullptr) return Error("expected a table of numbers");
    std::map<std::string, double> values;
    for (const auto& [key, item] : *table) {
      Result<double> value = NumberOf(item);
      if (!value.ok()) return value.error().Annotate(key.str());
      values[std::string(key.str())] = *value;
    }
    *out = std::move(values);
    return Status::Ok();
  };
}

void AddTerraformSettings(TerraformProviderOptions& t,
                          std::map<std::string, Setter>& settings) {
  const std::string prefix = "provider.terraform.";
  const std::pair<const char*, Setter> keys[] = {
      {"binary", PathSetting(&t.binary)},
      {"working_dir", PathSetting(&t.working_dir)},
      {"replace", TextList(&t.replace)},
      {"extra_args", TextList(&t.extra_args)},
      {"destroy_on_stop", Boolean(&t.destroy_on_stop)},
      {"address_output", Text(&t.address_output)},
      {"simulator_url_output", Text(&t.simulator_url_output)},
      {"predictor_url_output", Text(&t.predictor_url_output)},
      {"simulator_port", Port(&t.simulator_port)},
      {"predictor_port", Port(&t.predictor_port)},
      {"init_timeout", DurationSetting(&t.init_timeout)},
      {"apply_timeout", DurationSetting(&t.apply_timeout)},
      {"destroy_timeout", DurationSetting(&t.destroy_timeout)},
      {"query_timeout", DurationSetting(&t.query_timeout)},
      {"ready_timeout", DurationSetting(&t.ready_timeout)},
  };
  for (const auto& [key, setter] : keys) settings[prefix + key] = setter;
}

void AddDockerService(std::map<std::string, Setter>& settings,
                      const std::string& prefix, DockerServiceOptions& s) {
  settings.emplace(prefix + ".image", Text(&s.image));
  settings.emplace(prefix + ".command", TextList(&s.command));
  settings.emplace(prefix + ".args", TextList(&s.extra_args));
  settings.emplace(prefix + ".port", Port(&s.port));
  settings.emplace(prefix + ".health_command", TextList(&s.health_command));
}

// The keys of [provider.docker] and its two service tables.
void AddDockerSettings(std::map<std::string, Setter>& settings, UpConfig& c) {
  DockerProviderOptions& d = c.docker;
  const std::map<std::string, Setter> keys = {
      {"socket", Text(&d.engine.socket)},
      {"api_timeout", DurationSetting(&d.engine.timeout)},
      {"image", Text(&d.image)},
      {"model", PathSetting(&d.model)},
      {"publish_address", Text(&d.publish_address)},
      {"memory_bytes", Bytes(&d.memory_bytes)},
      {"cpus", Number(&d.cpus)},
      {"pids_limit", Bytes(&d.pids_limit)},
      {"health_interval", DurationSetting(&d.health_interval)},
      {"build_timeout", DurationSetting(&d.build_timeout)},
      {"stop_grace", DurationSetting(&d.stop_grace)},
  };
  for (const auto& [key, setter] : keys) {
    settings.emplace("provider.docker." + key, setter);
  }
  AddDockerService(settings, "provider.docker.simulator", d.simulator);
  AddDockerService(settings, "provider.docker.predictor", d.predictor);
}

void AddAlertmanagerSettings(AlertmanagerConfig& a,
                             std::map<std::string, Setter>& settings) {
  settings["alertmanager.url"] = Text(&a.url);
  settings["alertmanager.timeout"] = DurationSetting(&a.timeout);
  settings["alertmanager.queue_size"] = Integer(&a.queue_size);
  settings["alertmanager.resolve_after"] = DurationSetting(&a.resolve_after);
  settings["alertmanager.heal_on"] = TextMap(&a.heal_on);
}

// The keys of the controller, policy, local provider, probe, API and store.
std::map<std::string, Setter> CoreSettings(UpConfig& c) {
  HealPolicy& p = c.controller.policy;
  LocalProviderOptions& l = c.local;
  return {
      {"state_dir", PathSetting(&c.state_dir)},
      {"controller.interval", DurationSetting(&c.controller.interval)},
      {"controller.dry_run", Boolean(&p.dry_run)},
      {"controller.incident_readings",
       Integer(&c.controller.incident_readings)},
      {"policy.threshold", Number(&p.threshold)},
      {"policy.sustained_count", Integer(&p.sustained_count)},
      {"policy.sustained_for", DurationSetting(&p.sustained_for)},
      {"policy.unresponsive_polls", Integer(&p.unresponsive_polls)},
      {"policy.stale_after", DurationSetting(&p.stale_after)},
      {"policy.grace", DurationSetting(&p.grace)},
      {"policy.cooldown", DurationSetting(&p.cooldown)},
      {"policy.backoff.base", DurationSetting(&p.backoff.base)},
      {"policy.backoff.max", DurationSetting(&p.backoff.max)},
      {"policy.backoff.jitter", Number(&p.backoff.jitter)},
      {"policy.backoff.reset_after", DurationSetting(&p.backoff.reset_after)},
      {"policy.breaker.max_heals", Integer(&p.breaker.max_heals)},
      {"policy.breaker.window", DurationSetting(&p.breaker.window)},
      {"provider.kind", Text(&c.provider)},
      {"provider.local.binary", PathSetting(&l.binary)},
      {"provider.local.model", PathSetting(&l.model)},
      {"provider.local.bind", Text(&l.bind)},
      {"provider.local.build_timeout", DurationSetting(&l.build_timeout)},
      {"provider.local.stop_grace", DurationSetting(&l.stop_grace)},
      {"provider.local.simulator_args", TextList(&l.extra_simulator_args)},
      {"provider.local.predictor_args", TextList(&l.extra_predictor_args)},
      {"provider.local.replay", PathSetting(&c.replay)},
      {"probe.telemetry_timeout", DurationSetting(&c.probe.telemetry_timeout)},
      {"probe.predict_timeout", DurationSetting(&c.probe.predict_timeout)},
      {"detector.parts", TextList(&c.detector.parts)},
      {"detector.column", Text(&c.detector.column)},
      {"detector.params", NumberTable(&c.detector.params)},
      {"detector.restart_with_generation",
       Boolean(&c.detector.restart_with_generation)},
      {"api.listen", Text(&c.listen)},
      {"api.allowed_hosts", TextList(&c.allowed_hosts)},
      {"api.token", Text(&c.token)},
      {"store.path", PathSetting(&c.store)},
      {"store.max_samples", Integer(&c.max_samples)},
  };
}

// Every key the file may set, by dotted path.
std::map<std::string, Setter> Settings(UpConfig& c) {
  std::map<std::string, Setter> settings = CoreSettings(c);
  AddTerraformSettings(c.terraform, settings);
  AddDockerSettings(settings, c);
  AddAlertmanagerSettings(c.alertmanager, settings);
  return settings;
}

// Applies every leaf of `table` under `prefix`; tables recurse unless a
// setting takes the whole table.
Status Apply(const toml::table& table, const std::string& prefix,
             std::map<std::string, Setter>& settings, std::string_view name) {
  for (const auto& [key, node] : table) {
    const std::string path = prefix.empty()
                                 ? std::string(key.str())
                                 : prefix + "." + std::string(key.str());
    const auto line = node.source().begin.line;
    auto it = settings.find(path);
    // A table is a group of keys, unless it is one setting itself.
    if (const toml::table* inner = node.as_table();
        inner != nullptr && it == settings.end()) {
      HEIMDALL_RETURN_IF_ERROR(Apply(*inner, path, settings, name));
      continue;
    }
    if (it == settings.end()) {
      return MakeError("{}:{}: unknown key \"{}\"", name, line, path);
    }
    const Status set = it->second(node);
    if (!set.ok()) {
      return MakeError("{}:{}: {}: {}", name, line, path, set.ToString());
    }
  }
  return Status::Ok();
}

}  // namespace

Result<UpConfig> ParseUpConfig(std::string_view text, std::string_view name) {
  toml::table table;
  try {
    table = toml::parse(text, name);
  } catch (const toml::parse_error& error) {
    return MakeError("{}:{}: {}", name, error.source().begin.line,
                     error.description());
  }
  UpConfig config;
  std::map<std::string, Setter> settings = Settings(config);
  HEIMDALL_RETURN_IF_ERROR(Apply(table, "", settings, name));
  return config;
}

Result<UpConfig> LoadUpConfig(const std::filesystem::path& path) {
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.error();
  return ParseUpConfig(*text, path.string());
}

Status Validate(const UpConfig& config) {
  HEIMDALL_RETURN_IF_ERROR(
      Validate(config.controller.policy).Annotate("policy"));
  if (config.controller.interval <= Duration(0)) {
    return Error("controller.interval: must be positive");
  }
  if (config.controller.incident_readings < 1) {
    return Error("controller.incident_readings: must be at least 1");
  }
  if (config.provider != "local" && config.provider != "docker" &&
      config.provider != "terraform") {
    return MakeError(
        "provider.kind: \"{}\" is not a known provider (local, docker, "
        "terraform)",
        config.provider);
  }
  HEIMDALL_RETURN_IF_ERROR(Validate(config.docker).Annotate("provider.docker"));
  // The local provider picks its ports on this address before the
  // children bind it; a name or a bad address would fail every build.
  in_addr local_bind{};
  if (inet_pton(AF_INET, config.local.bind.c_str(), &local_bind) != 1) {
    return MakeError(
        "provider.local.bind: \"{}\" is not an IPv4 address (such as "
        "127.0.0.1)",
        config.local.bind);
  }
  if (config.provider == "terraform" && !config.replay.empty()) {
    return Error(
        "provider.local.replay: the terraform provider runs no local "
        "simulator to replay into");
  }
  if (config.provider == "terraform" && config.terraform.working_dir.empty()) {
    return Error(
        "provider.terraform.working_dir: required by provider "
        "\"terraform\"");
  }
  for (Duration d :
       {config.terraform.init_timeout, config.terraform.apply_timeout,
        config.terraform.destroy_timeout, config.terraform.query_timeout,
        config.terraform.ready_timeout}) {
    if (d <= Duration(0)) {
      return Error("provider.terraform: timeouts must be positive");
    }
  }
  HEIMDALL_RETURN_IF_ERROR(Validate(config.alertmanager));
  if (config.max_samples < 1) return Error("store.max_samples: must be >= 1");
  HEIMDALL_RETURN_IF_ERROR(
      detect::Validate(config.detector).Annotate("detector"));
  for (Duration d :
       {config.probe.telemetry_timeout, config.probe.predict_timeout,
        config.local.build_timeout}) {
    if (d <= Duration(0)) return Error("timeouts must be positive");
  }
  Result<std::pair<std::string, uint16_t>> listen = ParseListen(config.listen);
  if (!listen.ok()) return listen.error().Annotate("api.listen");
  return Status::Ok();
}

namespace {

// Docker's image reference grammar (distribution/reference): an optional
// registry host, lower-case path components, an optional tag and digest.
// An image name goes into an Engine API path, so anything else is refused
// here with its key rather than as an odd answer from the engine.
bool IsImageReference(const std::string& image) {
  static const std::regex reference(
      R"((?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))"
      R"((?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*)"
      R"((?::[0-9]+)?/)?)"
      R"([a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)"
      R"((?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
      R"((?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?)"
      R"((?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?)");
  // Far above any real reference; libstdc++'s regex recurses per character.
  constexpr size_t kMaxLength = 512;
  return image.size() <= kMaxLength && std::regex_match(image, reference);
}

}  // namespace

Status Validate(const DockerProviderOptions& docker) {
  if (docker.image.empty()) return Error("image: must not be empty");
  const std::pair<const char*, const std::string*> images[] = {
      {"image", &docker.image},
      {"simulator.image", &docker.simulator.image},
      {"predictor.image", &docker.predictor.image}};
  for (const auto& [key, image] : images) {
    if (!image->empty() && !IsImageReference(*image)) {
      return MakeError(
          "{}: \"{}\" is not an image reference (such as heimdall:local or "
          "registry.example:5000/team/heimdall:1.2)",
          key, *image);
    }
  }
  // Heimdall's services run about 8 threads each, and every health check
  // is one more process: a tighter limit makes them fail to start.
  if (docker.pids_limit != 0 && docker.pids_limit < 16) {
    return Error("pids_limit: 0 (no limit) or at least 16");
  }
  if (docker.cpus <= 0 || docker.cpus > 1024) {
    return Error("cpus: must be above 0 (and at most 1024)");
  }
  // Docker itself refuses less than 6 MiB.
  if (docker.memory_bytes != 0 && docker.memory_bytes < (6LL << 20)) {
    return Error("memory_bytes: 0 (no limit) or at least 6291456");
  }
  for (Duration d :
       {docker.engine.timeout, docker.health_interval, docker.build_timeout}) {
    if (d <= Duration(0)) return Error("timeouts must be positive");
  }
  return Status::Ok();
}

Status Validate(const AlertmanagerConfig& config) {
  if (!config.url.empty() && !config.url.starts_with("http://") &&
      !config.url.starts_with("https://")) {
    return MakeError("alertmanager.url: \"{}\" is not an http(s) URL",
                     config.url);
  }
  if (config.timeout <= Duration(0)) {
    return Error("alertmanager.timeout: must be positive");
  }
  if (config.queue_size < 1) {
    return Error("alertmanager.queue_size: must be at least 1");
  }
  if (config.resolve_after <= Duration(0)) {
    return Error("alertmanager.resolve_after: must be positive");
  }
  return Status::Ok();
}

Result<Duration> ParseDuration(std::string_view text) {
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"ms", 1}, {"s", 1000}, {"m", 60'000}, {"h", 3'600'000}};
  const std::string_view original = text;
  int64_t total = 0;
  if (text.empty()) return Error("empty duration");
  while (!text.empty()) {
    int64_t amount = 0;
    const auto [end, error] =
        std::from_chars(text.data(), text.data() + text.size(), amount);
    if (error != std::errc() || end == text.data() || amount < 0) {
      return MakeError("\"{}\": expected a duration like 250ms, 5s, 2m, 1h",
                       original);
    }
    text.remove_prefix(static_cast<size_t>(end - text.data()));
    int64_t scale = 0;
    for (const auto& [unit, ms] : kUnits) {
      // "ms" before "m", so "5ms" is not read as 5 minutes and an "s".
      if (text.starts_with(unit) &&
          (text.size() == unit.size() || std::isdigit(text[unit.size()]))) {
        scale = ms;
        text.remove_prefix(unit.size());
        break;
      }
    }
    if (scale == 0) {
      return MakeError("\"{}\": missing or unknown unit", original);
    }
    // A thousand years is a typo, not a setting (and would overflow).
    constexpr int64_t kLongest = 1000LL * 365 * 24 * 3'600'000;
    if (amount > kLongest / scale || total + amount * scale > kLongest) {
      return MakeError("\"{}\": too long", original);
    }
    total += amount * scale;
  }
  return Duration(total);
}

Result<std::pair<std::string, uint16_t>> ParseListen(std::string_view text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) {
    return MakeError("\"{}\": expected HOST:PORT", text);
  }
  const std::string_view port_text = text.substr(colon + 1);
  unsigned port = 0;
  const auto [end, error] = std::from_chars(
      port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() ||
      port > 65535) {
    return MakeError("\"{}\": bad port", text);
  }
  return std::pair<std::string, uint16_t>(std::string(text.substr(0, colon)),
                                          static_cast<uint16_t>(port));
}

bool IsLoopbackHost(std::string_view host) {
  if (host == "localhost") return true;
  if (host.starts_with('[') && host.ends_with(']')) {
    host = host.substr(1, host.size() - 2);
  }
  const std::string text(host);
  in_addr v4{};
  if (inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, text.c_str(), &v6) != 1) return false;
  // ::ffff:127.x.y.z is an IPv4 loopback address in IPv6 clothes.
  return IN6_IS_ADDR_LOOPBACK(&v6) ||
         (IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127);
}

}  // namespace heimdall::healer
