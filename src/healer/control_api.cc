#include "healer/control_api.h"

#include <fmt/ranges.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <charconv>

#include "http/client.h"
#include "http/event_stream.h"
#include "http/json.h"
#include "store/store_json.h"

namespace heimdall::healer {
namespace {

constexpr int kDefaultLimit = 50;
constexpr int kMaxLimit = 1000;

// Compares without an early exit, so timing does not reveal how much of
// the token was right (only its length).
bool SameSecret(std::string_view given, std::string_view secret) {
  if (given.size() != secret.size() || secret.empty()) return false;
  unsigned char differ = 0;
  for (size_t i = 0; i < secret.size(); ++i) {
    differ |= static_cast<unsigned char>(given[i] ^ secret[i]);
  }
  return differ == 0;
}

Result<int> ParseLimit(const http::Request& request) {
  const std::string text = request.QueryParam("limit");
  if (text.empty()) return kDefaultLimit;
  int limit = 0;
  const auto [end, error] =
      std::from_chars(text.data(), text.data() + text.size(), limit);
  if (error != std::errc() || end != text.data() + text.size() || limit < 1 ||
      limit > kMaxLimit) {
    return MakeError("limit: expected an integer from 1 to {}", kMaxLimit);
  }
  return limit;
}

// alertname{label="value",...}, for the incident's detail.
std::string Describe(const ReceivedAlert& alert) {
  std::vector<std::string> labels;
  for (const auto& [name, value] : alert.labels) {
    if (name != "alertname")
      labels.push_back(fmt::format("{}=\"{}\"", name, value));
  }
  const auto name = alert.labels.find("alertname");
  return fmt::format("{}{{{}}}", name == alert.labels.end() ? "" : name->second,
                     fmt::join(labels, ","));
}

http::Response Accepted(std::string_view command) {
  return http::JsonResponse(202, {{"accepted", command}});
}

}  // namespace

nlohmann::json StateJson(const ControllerSnapshot& snapshot,
                         const ControllerOptions& options) {
  nlohmann::json state = ToJson(snapshot);
  state["policy"] = {{"threshold", options.policy.threshold},
                     {"sustained_count", options.policy.sustained_count},
                     {"interval_ms", options.interval.count()}};
  return state;
}

ControlApi::ControlApi(Controller& controller, store::Store& store,
                       ControlApiOptions options)
    : controller_(controller), store_(store), options_(std::move(options)) {}

void ControlApi::Register(http::Router& router) {
  auto bind = [this](
                  http::Response (ControlApi::*handler)(const http::Request&)) {
    return
        [this, handler](const http::Request& r) { return (this->*handler)(r); };
  };
  router.Handle("GET", "/api/state", bind(&ControlApi::State));
  router.Handle("GET", "/api/generations", bind(&ControlApi::Generations));
  router.Handle("GET", "/api/incidents", bind(&ControlApi::Incidents));
  router.Handle("GET", "/api/heals", bind(&ControlApi::Heals));
  router.Handle("GET", "/api/samples", bind(&ControlApi::Samples));
  router.Handle("GET", "/api/model", bind(&ControlApi::Model));
  if (options_.events != nullptr) {
    router.Handle("GET", "/api/events", bind(&ControlApi::Events));
  }
  router.Handle("POST", "/api/faults", bind(&ControlApi::Faults));
  router.Handle("DELETE", "/api/faults", bind(&ControlApi::ClearFaults));
  router.Handle("POST", "/api/heal", bind(&ControlApi::Heal));
  router.Handle("POST", "/api/pause", bind(&ControlApi::Pause));
  router.Handle("POST", "/api/resume", bind(&ControlApi::Resume));
  router.Handle("POST", "/api/breaker/reset", bind(&ControlApi::ResetBreaker));
  router.Handle("POST", "/api/alertmanager",
                bind(&ControlApi::AlertmanagerWebhook));
  router.Handle("GET", "/healthz", [](const http::Request&) {
    return http::JsonResponse(200, {{"status", "ok"}});
  });
}

std::optional<http::Response> ControlApi::Refuse(
    const http::Request& request) const {
  if (options_.token.empty()) return std::nullopt;
  const std::string_view header = request.Header("Authorization");
  // The scheme's name is case-insensitive (RFC 7235); the token is not.
  constexpr std::string_view kBearer = "bearer ";
  const bool bearer =
      header.size() > kBearer.size() &&
      std::equal(kBearer.begin(), kBearer.end(), header.begin(),
                 [](char a, char b) {
                   return a == std::tolower(static_cast<unsigned char>(b));
                 });
  if (bearer && SameSecret(header.substr(kBearer.size()), options_.token)) {
    return std::nullopt;
  }
  http::Response refusal =
      http::Response::JsonError(401, "missing or wrong bearer token");
  refusal.headers.emplace_back("WWW-Authenticate", "Bearer");
  return refusal;
}

http::Response ControlApi::State(const http::Request&) {
  return http::JsonResponse(
      200, StateJson(controller_.Snapshot(), controller_.options()));
}

template <typename List, typename Json>
http::Response ControlApi::ListResponse(const http::Request& request, List list,
                                        Json to_json) {
  Result<int> limit = ParseLimit(request);
  if (!limit.ok())
    return http::Response::JsonError(400, limit.error().message());
  auto rows = list(controller_.options().target, *limit);
  if (!rows.ok()) return http::Response::JsonError(500, rows.error().message());
  nlohmann::json items = nlohmann::json::array();
  for (const auto& row : *rows) items.push_back(to_json(row));
  return http::JsonResponse(200, items);
}

http::Response ControlApi::Generations(const http::Request& request) {
  return ListResponse(
      request,
      [this](std::string_view t, int n) {
        return store_.ListGenerations(t, n);
      },
      [](const store::Generation& g) { return store::ToJson(g); });
}

http::Response ControlApi::Incidents(const http::Request& request) {
  return ListResponse(
      request,
      [this](std::string_view t, int n) { return store_.ListIncidents(t, n); },
      [](const store::Incident& i) { return store::ToJson(i); });
}

http::Response ControlApi::Heals(const http::Request& request) {
  return ListResponse(
      request,
      [this](std::string_view t, int n) {
        return store_.ListHealActions(t, n);
      },
      [](const store::HealAction& a) { return store::ToJson(a); });
}

http::Response ControlApi::Samples(const http::Request& request) {
  return ListResponse(
      request,
      [this](std::string_view t, int n) { return store_.RecentSamples(t, n); },
      [](const store::Sample& s) { return store::ToJson(s); });
}

http::Response ControlApi::Model(const http::Request&) {
  return Forward("GET", &Deployment::predictor_url, "/model", "");
}

http::Response ControlApi::Events(const http::Request&) {
  return options_.events->Subscribe();
}

http::Response ControlApi::Faults(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  return Forward("POST", &Deployment::simulator_url, "/faults", request.body,
                 DuringHeal::kRefuse);
}

http::Response ControlApi::ClearFaults(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  return Forward("DELETE", &Deployment::simulator_url, "/faults", "",
                 DuringHeal::kRefuse);
}

http::Response ControlApi::Forward(std::string method,
                                   std::string Deployment::*base_url,
                                   std::string_view path, std::string body,
                                   DuringHeal during_heal) {
  const ControllerSnapshot snapshot = controller_.Snapshot();
  const std::optional<Deployment>& deployment = snapshot.deployment;
  if (!deployment) {
    return http::Response::JsonError(
        409, fmt::format("no live generation to send {} {} to", method, path));
  }
  if (during_heal == DuringHeal::kRefuse && snapshot.phase == Phase::kHealing) {
    return http::Response::JsonError(
        409, fmt::format("generation {} is being healed; send {} {} again "
                         "once its successor is live",
                         deployment->generation_id, method, path));
  }
  http::ClientRequest forward;
  forward.method = std::move(method);
  forward.url = (*deployment).*base_url + std::string(path);
  forward.body = std::move(body);
  forward.timeout = options_.forward_timeout;
  // A simulator started with HEIMDALL_TOKEN in its environment (inherited
  // from `heimdall up`) wants the same token.
  if (!options_.token.empty()) {
    forward.headers.emplace_back("Authorization", "Bearer " + options_.token);
  }
  // A client of its own per call: a wedged service then holds up only the
  // request forwarded to it, not every other forward behind a shared one.
  Result<http::ClientResponse> answer = http::Client().Send(forward);
  if (!answer.ok())
    return http::Response::JsonError(502, answer.error().message());
  http::Response response;
  response.status = answer->status;
  response.content_type =
      answer->content_type.empty() ? "application/json" : answer->content_type;
  response.body = std::move(answer->body);
  return response;
}

http::Response ControlApi::Heal(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  controller_.RequestHeal();
  return Accepted("heal");
}

http::Response ControlApi::Pause(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  controller_.SetPaused(true);
  return Accepted("pause");
}

http::Response ControlApi::Resume(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  controller_.SetPaused(false);
  return Accepted("resume");
}

http::Response ControlApi::ResetBreaker(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  controller_.ResetBreaker();
  return Accepted("breaker reset");
}

}  // namespace heimdall::healer

namespace heimdall::healer {

http::Response ControlApi::AlertmanagerWebhook(const http::Request& request) {
  if (auto refusal = Refuse(request)) return *refusal;
  Result<std::vector<ReceivedAlert>> alerts =
      ParseAlertmanagerWebhook(request.body);
  if (!alerts.ok()) {
    return http::Response::JsonError(400, alerts.error().message());
  }
  std::vector<std::string> matched;
  for (const ReceivedAlert& alert : *alerts) {
    const bool match =
        alert.firing && MatchesHealTrigger(alert.labels, options_.heal_on);
    if (options_.on_alert_result) {
      options_.on_alert_result(match ? "matched" : "ignored");
    }
    if (match) matched.push_back(Describe(alert));
  }
  if (!matched.empty()) {
    const std::string detail =
        fmt::format("alert {}", fmt::join(matched, ", "));
    spdlog::info("heal requested by {}", detail);
    controller_.RequestAlertHeal(detail);
  }
  return http::JsonResponse(200, {{"alerts", alerts->size()},
                                  {"matched", matched.size()},
                                  {"heal_requested", !matched.empty()}});
}

}  // namespace heimdall::healer
