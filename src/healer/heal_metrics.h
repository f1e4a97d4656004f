// The controller's Prometheus series, served by `heimdall up` at
// GET /metrics beside the standard HTTP ones (http/metrics.h):
//
//   heimdall_failure_probability               gauge, latest reading (NaN
//                                              when it had none)
//   heimdall_readings_total                    counter, polls of the target
//   heimdall_heals_total{reason}               counter, heals decided
//   heimdall_heals_failed_total{reason}        counter, heals aborted
//   heimdall_heal_duration_seconds             histogram, decision to next
//                                              generation live (MTTR)
//   heimdall_breaker_open                      gauge, 1 while open
//   heimdall_breaker_opened_total              counter
//   heimdall_paused                            gauge, 1 while paused
//   heimdall_generation_id                     gauge, live generation (0:
//                                              none)
//   heimdall_generation_age_seconds            gauge, since it went live
//   heimdall_alerts_total{outcome}             counter, alerts to
//                                              Alertmanager: sent, failed,
//                                              dropped
//   heimdall_alert_heal_requests_total{result} counter, webhook alerts:
//                                              matched, ignored
//
// Every series carries the label target. Thread-safe.
#ifndef HEIMDALL_HEALER_HEAL_METRICS_H_
#define HEIMDALL_HEALER_HEAL_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <mutex>
#include <string>

#include "common/status.h"
#include "healer/controller.h"

namespace heimdall::healer {

class HealMetrics {
 public:
  // Registers the families in `registry`. Fails on a name clash.
  static Result<std::unique_ptr<HealMetrics>> Create(
      std::shared_ptr<prometheus::Registry> registry, std::string target);

  // Counts a heal event (ControllerOptions::on_heal_event).
  void Observe(const HealEvent& event);
  // Sets the gauges and the readings counter from a snapshot taken `now`;
  // called before each scrape.
  void Refresh(const ControllerSnapshot& snapshot, TimePoint now);
  // "sent", "failed" or "dropped" (AlertSenderOptions::on_outcome).
  void CountAlert(std::string_view outcome);
  // "matched" or "ignored", per alert received on the webhook.
  void CountAlertHealRequest(std::string_view result);

 private:
  explicit HealMetrics(std::shared_ptr<prometheus::Registry> registry,
                       std::string target);
  void Register();
  void RegisterAlertFamilies();

  std::shared_ptr<prometheus::Registry> registry_;
  std::string target_;
  prometheus::Family<prometheus::Counter>* heals_ = nullptr;
  prometheus::Family<prometheus::Counter>* failed_ = nullptr;
  prometheus::Family<prometheus::Counter>* alerts_ = nullptr;
  prometheus::Family<prometheus::Counter>* alert_requests_ = nullptr;
  prometheus::Gauge* probability_ = nullptr;
  prometheus::Counter* readings_ = nullptr;
  prometheus::Histogram* heal_duration_ = nullptr;
  prometheus::Gauge* breaker_open_ = nullptr;
  prometheus::Counter* breaker_opened_ = nullptr;
  prometheus::Gauge* paused_ = nullptr;
  prometheus::Gauge* generation_id_ = nullptr;
  prometheus::Gauge* generation_age_ = nullptr;

  std::mutex mutex_;  // Serialises Refresh.
  int64_t readings_seen_ = 0;
};

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_HEAL_METRICS_H_
