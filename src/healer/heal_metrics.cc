#include "healer/heal_metrics.h"

#include <cmath>
#include <exception>
#include <limits>

#include "healer/policy.h"

namespace heimdall::healer {
namespace {

// A local heal takes a fraction of a second; a Terraform one, minutes.
const prometheus::Histogram::BucketBoundaries& HealBuckets() {
  static const prometheus::Histogram::BucketBoundaries buckets = {
      0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800};
  return buckets;
}

template <typename Builder>
auto& Family(Builder builder, const char* name, const char* help,
             prometheus::Registry& registry) {
  return builder.Name(name).Help(help).Register(registry);
}

}  // namespace

HealMetrics::HealMetrics(std::shared_ptr<prometheus::Registry> registry,
                         std::string target)
    : registry_(std::move(registry)), target_(std::move(target)) {}

Result<std::unique_ptr<HealMetrics>> HealMetrics::Create(
    std::shared_ptr<prometheus::Registry> registry, std::string target) {
  std::unique_ptr<HealMetrics> metrics(
      new HealMetrics(std::move(registry), std::move(target)));
  // prometheus-cpp reports a name clash by throwing.
  try {
    metrics->Register();
  } catch (const std::exception& e) {
    return MakeError("registering heal metrics: {}", e.what());
  }
  return metrics;
}

void HealMetrics::Register() {
  using prometheus::BuildCounter;
  using prometheus::BuildGauge;
  using prometheus::BuildHistogram;
  prometheus::Registry& r = *registry_;
  const prometheus::Labels target = {{"target", target_}};
  probability_ = &Family(BuildGauge(), "heimdall_failure_probability",
                         "Failure probability of the latest reading", r)
                      .Add(target);
  probability_->Set(std::numeric_limits<double>::quiet_NaN());
  readings_ = &Family(BuildCounter(), "heimdall_readings_total",
                      "Polls of the live generation", r)
                   .Add(target);
  heals_ = &Family(BuildCounter(), "heimdall_heals_total",
                   "Heals decided, by reason", r);
  failed_ = &Family(BuildCounter(), "heimdall_heals_failed_total",
                    "Heals aborted (archive failed), by reason", r);
  // Every reason's series exists (as zero) from the start, so that rate()
  // and increase() count a heal of a reason never seen before.
  for (HealReason reason : kHealReasons) {
    const prometheus::Labels labels = {
        {"target", target_}, {"reason", std::string(ToString(reason))}};
    heals_->Add(labels);
    failed_->Add(labels);
  }
  heal_duration_ =
      &Family(BuildHistogram(), "heimdall_heal_duration_seconds",
              "Time from heal decision to the next generation live (MTTR)", r)
           .Add(target, HealBuckets());
  breaker_open_ = &Family(BuildGauge(), "heimdall_breaker_open",
                          "1 while the circuit breaker stops healing", r)
                       .Add(target);
  breaker_opened_ = &Family(BuildCounter(), "heimdall_breaker_opened_total",
                            "Times the circuit breaker opened", r)
                         .Add(target);
  paused_ = &Family(BuildGauge(), "heimdall_paused",
                    "1 while automatic healing is paused", r)
                 .Add(target);
  generation_id_ = &Family(BuildGauge(), "heimdall_generation_id",
                           "Id of the live generation (0: none)", r)
                        .Add(target);
  generation_age_ = &Family(BuildGauge(), "heimdall_generation_age_seconds",
                            "Seconds since the live generation went live", r)
                         .Add(target);
  RegisterAlertFamilies();
}

void HealMetrics::RegisterAlertFamilies() {
  using prometheus::BuildCounter;
  prometheus::Registry& r = *registry_;
  alerts_ = &Family(BuildCounter(), "heimdall_alerts_total",
                    "Alerts for Alertmanager, by outcome", r);
  alert_requests_ =
      &Family(BuildCounter(), "heimdall_alert_heal_requests_total",
              "Alerts received on the webhook, by result", r);
  // Resolved now so the common series exist (as zeros) from the start.
  for (const char* outcome : {"sent", "failed", "dropped"}) {
    alerts_->Add({{"target", target_}, {"outcome", outcome}});
  }
  for (const char* result : {"matched", "ignored"}) {
    alert_requests_->Add({{"target", target_}, {"result", result}});
  }
}

void HealMetrics::Observe(const HealEvent& event) {
  const prometheus::Labels labels = {{"target", target_},
                                     {"reason", event.reason}};
  switch (event.kind) {
    case HealEvent::Kind::kStarted:
      heals_->Add(labels).Increment();
      break;
    case HealEvent::Kind::kDone:
      heal_duration_->Observe(
          std::chrono::duration<double>(event.duration).count());
      break;
    case HealEvent::Kind::kFailed:
      failed_->Add(labels).Increment();
      break;
    case HealEvent::Kind::kBreakerOpened:
      breaker_opened_->Increment();
      break;
  }
}

void HealMetrics::Refresh(const ControllerSnapshot& snapshot, TimePoint now) {
  std::lock_guard lock(mutex_);
  const std::optional<double>& p = snapshot.last_reading
                                       ? snapshot.last_reading->probability
                                       : std::optional<double>();
  probability_->Set(p ? *p : std::numeric_limits<double>::quiet_NaN());
  if (snapshot.readings > readings_seen_) {
    readings_->Increment(
        static_cast<double>(snapshot.readings - readings_seen_));
    readings_seen_ = snapshot.readings;
  }
  breaker_open_->Set(snapshot.heal_state.breaker_open ? 1 : 0);
  paused_->Set(snapshot.heal_state.paused ? 1 : 0);
  const bool live = snapshot.deployment.has_value();
  generation_id_->Set(
      live ? static_cast<double>(snapshot.deployment->generation_id) : 0);
  generation_age_->Set(
      live ? std::chrono::duration<double>(now - snapshot.live_since).count()
           : 0);
}

void HealMetrics::CountAlert(std::string_view outcome) {
  alerts_->Add({{"target", target_}, {"outcome", std::string(outcome)}})
      .Increment();
}

void HealMetrics::CountAlertHealRequest(std::string_view result) {
  alert_requests_->Add({{"target", target_}, {"result", std::string(result)}})
      .Increment();
}

}  // namespace heimdall::healer
