#include "healer/controller.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <map>
#include <set>

#include "healer/test_fakes.h"
#include "store/sqlite_store.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;
using store::GenerationStatus;
using testing::FakeProbe;
using testing::FakeProvider;
using testing::Mode;

class ControllerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-ctl-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    OpenStore();
    options_.interval = 1s;
    options_.policy.grace = 0s;
    options_.policy.cooldown = 0s;
    options_.policy.backoff.jitter = 0.0;
    options_.policy.breaker.max_heals = 0;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void OpenStore() {
    store_.reset();
    store_ = std::move(store::SqliteStore::Open(dir_ / "h.db").value());
  }

  // A fresh controller on the same store, provider and clock: what a
  // restart after kill -9 sees.
  Controller& NewController() {
    controller_ = std::make_unique<Controller>(options_, *store_, provider_,
                                               probe_, clock_);
    return *controller_;
  }

  Controller& Started() {
    Controller& controller = NewController();
    const Status started = controller.Start();
    EXPECT_TRUE(started.ok()) << started.ToString();
    return controller;
  }

  // Steps once per interval, as Run would.
  void Steps(int n) {
    for (int i = 0; i < n; ++i) {
      clock_.Advance(options_.interval);
      const Status status = controller_->Step();
      ASSERT_TRUE(status.ok()) << status.ToString();
    }
  }

  store::Generation Gen(int64_t id) {
    return store_->GetGeneration(id).value().value();
  }
  std::vector<store::Incident> Incidents() {
    return store_->ListIncidents("default", 1000).value();
  }
  std::vector<store::HealAction> Heals() {
    return store_->ListHealActions("default", 1000).value();
  }
  size_t LiveRows() {
    return store_->RunningGenerations("default").value().size();
  }

  std::filesystem::path dir_;
  std::unique_ptr<store::SqliteStore> store_;
  ControllerOptions options_;
  FakeProvider provider_;
  FakeProbe probe_;
  FakeClock clock_;
  std::unique_ptr<Controller> controller_;
};

TEST_F(ControllerTest, StartBuildsAndRecordsALiveGeneration) {
  Controller& controller = Started();
  EXPECT_EQ(provider_.calls,
            (std::vector<std::string>{"adopt none", "build 1"}));
  const store::Generation g = Gen(1);
  EXPECT_EQ(g.status, GenerationStatus::kLive);
  EXPECT_EQ(g.provider, "fake");
  EXPECT_EQ(g.endpoints["simulator_url"], "fake://simulator/1");
  const ControllerSnapshot snapshot = controller.Snapshot();
  EXPECT_EQ(snapshot.phase, Phase::kWatching);
  ASSERT_TRUE(snapshot.deployment.has_value());
  EXPECT_EQ(snapshot.deployment->generation_id, 1);
}

TEST_F(ControllerTest, SustainedBreachArchivesDestroysAndBuildsTheNext) {
  Started();
  probe_.modes[1] = Mode::kFailing;
  Steps(1);
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);
  Steps(1);

  EXPECT_EQ(provider_.calls,
            (std::vector<std::string>{"adopt none", "build 1", "archive 1",
                                      "destroy 1", "build 2"}));
  const std::vector<store::Incident> incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].reason, "threshold");
  EXPECT_EQ(incidents[0].action, "heal");
  EXPECT_EQ(incidents[0].generation_id, 1);
  EXPECT_DOUBLE_EQ(*incidents[0].probability, 0.99);
  ASSERT_EQ(incidents[0].readings.size(), 2u);
  EXPECT_EQ(incidents[0].readings[1]["values"]["heart_rate"], 150);

  const store::Generation old = Gen(1);
  EXPECT_EQ(old.status, GenerationStatus::kStopped);
  EXPECT_EQ(old.stop_reason, "heal: threshold");
  EXPECT_EQ(old.archive["archived"], 1);
  EXPECT_TRUE(old.archive["was_alive"].get<bool>());  // Archived first.
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);

  const std::vector<store::HealAction> heals = Heals();
  ASSERT_EQ(heals.size(), 1u);
  EXPECT_EQ(heals[0].from_generation, 1);
  EXPECT_EQ(heals[0].to_generation, 2);
  EXPECT_EQ(heals[0].phase, "done");
  EXPECT_EQ(heals[0].outcome, "ok");
  EXPECT_EQ(heals[0].incident_id, incidents[0].id);
  EXPECT_EQ(provider_.max_alive, 1u);
  EXPECT_EQ(controller_->Snapshot().heals, 1);
}

TEST_F(ControllerTest, EveryPollIsASampleOfItsGeneration) {
  Started();
  Steps(3);
  const std::vector<store::Sample> samples =
      store_->RecentSamples("default", 10).value();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[0].generation_id, 1);
  EXPECT_DOUBLE_EQ(*samples[0].probability, 0.1);
  EXPECT_EQ(samples[0].time, clock_.Now());
}

TEST_F(ControllerTest, UnresponsiveTargetHealsAfterThreePolls) {
  Started();
  probe_.modes[1] = Mode::kSilent;
  Steps(2);
  EXPECT_TRUE(Incidents().empty());
  Steps(1);
  ASSERT_EQ(Incidents().size(), 1u);
  EXPECT_EQ(Incidents()[0].reason, "unresponsive");
  EXPECT_FALSE(Incidents()[0].probability.has_value());
  EXPECT_NE(Incidents()[0].detail.find("no answer"), std::string::npos);
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);
}

TEST_F(ControllerTest, InvalidReadingsHealWithTheirOwnReason) {
  Started();
  probe_.modes[1] = Mode::kInvalid;
  Steps(3);
  ASSERT_EQ(Incidents().size(), 1u);
  EXPECT_EQ(Incidents()[0].reason, "invalid_reading");
}

TEST_F(ControllerTest, GraceAfterABuildIgnoresReadings) {
  options_.policy.grace = 10s;
  probe_.default_mode = Mode::kFailing;
  Started();
  Steps(9);
  EXPECT_TRUE(Incidents().empty());
  EXPECT_EQ(controller_->Snapshot().last_decision.hold, Hold::kGrace);
  Steps(2);
  EXPECT_EQ(Incidents().size(), 1u);
}

TEST_F(ControllerTest, DryRunRecordsWouldHealAndDestroysNothing) {
  options_.policy.dry_run = true;
  options_.policy.cooldown = 30s;
  probe_.default_mode = Mode::kFailing;
  Started();
  Steps(60);
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);
  EXPECT_EQ(Gen(1).status, GenerationStatus::kLive);
  const std::vector<store::Incident> incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);  // A minute of trouble: one episode.
  EXPECT_EQ(incidents[0].action, "would_heal");
  EXPECT_NE(incidents[0].detail.find("dry_run"), std::string::npos);
  EXPECT_TRUE(Heals().empty());
}

TEST_F(ControllerTest, PauseSurvivesARestartAndResumeHeals) {
  Controller& first = Started();
  first.SetPaused(true);
  Steps(1);
  EXPECT_TRUE(first.Snapshot().heal_state.paused);

  Controller& second = Started();  // Restart: adopts generation 1.
  EXPECT_TRUE(second.Snapshot().heal_state.paused);
  probe_.modes[1] = Mode::kFailing;
  Steps(2);
  ASSERT_EQ(Incidents().size(), 1u);
  EXPECT_EQ(Incidents()[0].action, "would_heal");
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);

  second.SetPaused(false);
  Steps(2);
  EXPECT_EQ(provider_.Count("destroy 1"), 1u);
  EXPECT_EQ(Incidents()[0].action, "heal");
}

TEST_F(ControllerTest, BreakerOpensAfterTooManyHealsAndResetResumes) {
  options_.policy.breaker.max_heals = 2;
  options_.policy.breaker.window = 1h;
  options_.policy.backoff.base = 1s;
  options_.policy.backoff.max = 1s;
  probe_.default_mode = Mode::kFailing;
  Controller& controller = Started();
  Steps(6);  // Heals at 2 s and 4 s; the third breach trips the breaker.
  EXPECT_EQ(Heals().size(), 2u);
  ASSERT_GE(Incidents().size(), 3u);
  EXPECT_EQ(Incidents()[0].action, "breaker_open");
  EXPECT_TRUE(controller.Snapshot().heal_state.breaker_open);

  Steps(20);  // Open: keeps watching, never heals.
  EXPECT_EQ(Heals().size(), 2u);
  EXPECT_EQ(Incidents()[0].action, "would_heal");
  EXPECT_EQ(provider_.alive.size(), 1u);

  controller.ResetBreaker();
  Steps(2);
  EXPECT_EQ(Heals().size(), 3u);
  EXPECT_FALSE(controller.Snapshot().heal_state.breaker_open);
}

TEST_F(ControllerTest, RepeatedHealsBackOffOnTheControllableClock) {
  options_.policy.backoff.base = 10s;
  options_.policy.backoff.max = 40s;
  options_.policy.backoff.reset_after = 1h;
  probe_.default_mode = Mode::kFailing;
  Started();
  std::vector<TimePoint> heal_times;
  for (int i = 0; i < 200 && heal_times.size() < 5; ++i) {
    const size_t before = Heals().size();
    Steps(1);
    if (Heals().size() > before) heal_times.push_back(clock_.Now());
  }
  ASSERT_EQ(heal_times.size(), 5u);
  // The first heal is at once; then 10, 20, 40 and 40 s apart (the clock
  // steps 1 s, and each new generation needs two breaching readings).
  const std::vector<Duration> gaps = {10s, 20s, 40s, 40s};
  for (size_t i = 0; i < gaps.size(); ++i) {
    EXPECT_EQ(heal_times[i + 1] - heal_times[i], gaps[i]) << i;
  }
}

TEST_F(ControllerTest, AFailedBuildIsRecordedAndRetriedWithBackoff) {
  options_.policy.backoff.base = 10s;
  provider_.failing_builds = 2;
  Controller& controller = Started();
  EXPECT_EQ(Gen(1).status, GenerationStatus::kFailed);
  EXPECT_NE(Gen(1).stop_reason.find("no capacity"), std::string::npos);
  EXPECT_NE(controller.Snapshot().problem.find("build failed"),
            std::string::npos);

  Steps(9);
  EXPECT_EQ(provider_.Count("build 2"), 0u);  // Waits 10 s.
  Steps(1);
  EXPECT_EQ(Gen(2).status, GenerationStatus::kFailed);
  Steps(19);
  EXPECT_EQ(provider_.Count("build 3"), 0u);  // Then 20 s.
  Steps(1);
  EXPECT_EQ(Gen(3).status, GenerationStatus::kLive);
  EXPECT_EQ(controller.Snapshot().problem, "");
  EXPECT_EQ(controller.Snapshot().phase, Phase::kWatching);
}

TEST_F(ControllerTest, AForcedHealRebuildsAHealthyGeneration) {
  Controller& controller = Started();
  controller.RequestHeal();
  Steps(1);
  ASSERT_EQ(Incidents().size(), 1u);
  EXPECT_EQ(Incidents()[0].reason, "forced");
  EXPECT_EQ(Gen(1).stop_reason, "heal: forced");
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);
}

TEST_F(ControllerTest,
       AFailedDestroyIsRetriedWithBackoffAndNothingIsBuiltBesideIt) {
  options_.policy.backoff.base = 5s;
  Controller& controller = Started();
  probe_.modes[1] = Mode::kFailing;
  provider_.failing_destroys = 2;
  Steps(2);
  EXPECT_EQ(provider_.Count("build 2"), 0u);
  EXPECT_EQ(provider_.Count("destroy 1"), 1u);
  EXPECT_NE(controller.Snapshot().problem.find(
                "destroy failed (1 in a row), retrying in 5000 ms: "),
            std::string::npos)
      << controller.Snapshot().problem;
  EXPECT_NE(controller.Snapshot().problem.find("process stuck"),
            std::string::npos);
  EXPECT_EQ(Heals()[0].phase, "destroying");
  // Not again before the backoff (5 s, then 10 s) has passed.
  Steps(4);
  EXPECT_EQ(provider_.Count("destroy 1"), 1u);
  Steps(1);
  EXPECT_EQ(provider_.Count("destroy 1"), 2u);
  EXPECT_EQ(provider_.Count("build 2"), 0u);
  Steps(9);
  EXPECT_EQ(provider_.Count("destroy 1"), 2u);
  Steps(1);
  EXPECT_EQ(provider_.Count("destroy 1"), 3u);
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);
  EXPECT_EQ(Heals()[0].phase, "done");
  EXPECT_EQ(controller.Snapshot().problem, "");
  EXPECT_EQ(provider_.max_alive, 1u);
}

TEST_F(ControllerTest, RestartAdoptsTheLiveGeneration) {
  Started();
  Steps(3);
  Started();  // The old controller is gone without a shutdown (kill -9).
  EXPECT_EQ(provider_.calls.back(), "adopt 1");
  EXPECT_EQ(provider_.Count("build 2"), 0u);
  EXPECT_EQ(LiveRows(), 1u);
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{1}));
}

TEST_F(ControllerTest, RestartRebuildsWhenTheLiveGenerationIsGone) {
  Started();
  provider_.alive.clear();  // Its processes died with the machine.
  Started();
  EXPECT_EQ(Gen(1).status, GenerationStatus::kStopped);
  EXPECT_EQ(Gen(1).stop_reason, "not adopted after a controller restart");
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);
  EXPECT_EQ(LiveRows(), 1u);
}

// Writes what Heal() has written when a crash stops it in `phase`.
store::HealAction CrashedHeal(store::Store& store, const std::string& phase,
                              TimePoint now) {
  store::Incident incident;
  incident.generation_id = 1;
  incident.time = now;
  incident.reason = "threshold";
  incident.action = "heal";
  store::HealAction action;
  action.incident_id = store.AddIncident(incident).value();
  action.from_generation = 1;
  action.phase = phase;
  action.started_at = now;
  action.id = store.AddHealAction(action).value();
  return action;
}

TEST_F(ControllerTest, RestartFinishesAHealInterruptedBeforeItsArchive) {
  Started();
  CrashedHeal(*store_, "archiving", clock_.Now());
  Started();
  // Archived while its processes were still there, then destroyed.
  EXPECT_EQ(Gen(1).archive["archived"], 1);
  EXPECT_TRUE(Gen(1).archive["was_alive"].get<bool>());
  EXPECT_EQ(Gen(1).status, GenerationStatus::kStopped);
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);
  const store::HealAction heal = Heals()[0];
  EXPECT_EQ(heal.phase, "done");
  EXPECT_EQ(heal.to_generation, 2);
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{2}));
  EXPECT_EQ(LiveRows(), 1u);
  EXPECT_EQ(Incidents().size(), 1u);
}

TEST_F(ControllerTest, ArchiveFailureAbortsTheHealAndKeepsTheGeneration) {
  std::vector<HealEvent> events;
  options_.on_heal_event = [&](const HealEvent& e) { events.push_back(e); };
  Controller& controller = Started();
  provider_.failing_archives = 1;
  probe_.modes[1] = Mode::kFailing;
  Steps(2);

  // Nothing was destroyed; generation 1 is still the live one.
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{1}));
  EXPECT_EQ(Gen(1).status, GenerationStatus::kLive);
  EXPECT_TRUE(Gen(1).archive.is_null());
  const std::vector<store::HealAction> heals = Heals();
  ASSERT_EQ(heals.size(), 1u);
  EXPECT_EQ(heals[0].phase, "failed");
  EXPECT_EQ(heals[0].outcome, "failed");
  EXPECT_TRUE(heals[0].finished());
  EXPECT_NE(heals[0].error.find("disk full"), std::string::npos);
  ASSERT_EQ(Incidents().size(), 1u);
  EXPECT_EQ(Incidents()[0].action, "heal");

  const ControllerSnapshot snapshot = controller.Snapshot();
  EXPECT_EQ(snapshot.phase, Phase::kWatching);
  EXPECT_EQ(snapshot.failed_heals, 1);
  EXPECT_EQ(snapshot.heals, 0);
  EXPECT_NE(snapshot.problem.find("aborted"), std::string::npos);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, HealEvent::Kind::kStarted);
  EXPECT_EQ(events[1].kind, HealEvent::Kind::kFailed);
  EXPECT_EQ(events[1].reason, "threshold");
  EXPECT_EQ(events[1].generation_id, 1);
  EXPECT_NE(events[1].detail.find("disk full"), std::string::npos);

  // After the backoff the breach is healed for real, archive first.
  Steps(12);
  EXPECT_EQ(provider_.Count("archive 1"), 2u);
  EXPECT_EQ(provider_.Count("destroy 1"), 1u);
  EXPECT_EQ(Gen(1).status, GenerationStatus::kStopped);
  EXPECT_EQ(Heals()[0].outcome, "ok");
  EXPECT_TRUE(controller.Snapshot().problem.empty());
  EXPECT_EQ(events.back().kind, HealEvent::Kind::kDone);
}

TEST_F(ControllerTest, RestartAbortsAnInterruptedHealWhoseArchiveFails) {
  Started();
  CrashedHeal(*store_, "archiving", clock_.Now());
  provider_.failing_archives = 1;
  Controller& controller = Started();
  // The generation is kept, not destroyed without its archive.
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{1}));
  EXPECT_EQ(Gen(1).status, GenerationStatus::kLive);
  EXPECT_EQ(Heals()[0].outcome, "failed");
  EXPECT_EQ(controller.Snapshot().deployment->generation_id, 1);
  EXPECT_EQ(LiveRows(), 1u);
}

TEST_F(ControllerTest, AlertHealIsRecordedWithItsReasonAndRespectsGrace) {
  options_.policy.grace = 5s;
  std::vector<HealEvent> events;
  options_.on_heal_event = [&](const HealEvent& e) { events.push_back(e); };
  Controller& controller = Started();

  controller.RequestAlertHeal("alert TargetDown {job=\"vitals\"}");
  Steps(1);  // Within grace: held, nothing recorded.
  EXPECT_EQ(provider_.Count("archive 1"), 0u);
  EXPECT_TRUE(Incidents().empty());

  Steps(5);
  controller.RequestAlertHeal("alert TargetDown {job=\"vitals\"}");
  Steps(1);
  EXPECT_EQ(provider_.calls.back(), "build 2");
  const std::vector<store::Incident> incidents = Incidents();
  ASSERT_EQ(incidents.size(), 1u);
  EXPECT_EQ(incidents[0].reason, "alert");
  EXPECT_EQ(incidents[0].action, "heal");
  EXPECT_NE(incidents[0].detail.find("TargetDown"), std::string::npos);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].reason, "alert");
  EXPECT_EQ(events[1].kind, HealEvent::Kind::kDone);
  EXPECT_EQ(controller.Snapshot().heals, 1);
}

TEST_F(ControllerTest, BreakerOpeningIsAnEvent) {
  options_.policy.breaker.max_heals = 1;
  std::vector<HealEvent> events;
  options_.on_heal_event = [&](const HealEvent& e) { events.push_back(e); };
  Started();
  probe_.default_mode = Mode::kFailing;
  Steps(40);
  const auto opened =
      std::count_if(events.begin(), events.end(), [](const HealEvent& e) {
        return e.kind == HealEvent::Kind::kBreakerOpened;
      });
  EXPECT_EQ(opened, 1);
  EXPECT_EQ(Heals().size(), 1u);
}

TEST_F(ControllerTest, RestartFinishesAHealInterruptedMidDestroy) {
  Started();
  store::Generation g = Gen(1);
  g.status = GenerationStatus::kDestroying;
  ASSERT_TRUE(store_->UpdateGeneration(g).ok());
  CrashedHeal(*store_, "destroying", clock_.Now());
  Started();
  EXPECT_EQ(Gen(1).status, GenerationStatus::kStopped);
  EXPECT_EQ(Gen(2).status, GenerationStatus::kLive);
  EXPECT_EQ(Heals()[0].phase, "done");
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{2}));
}

TEST_F(ControllerTest, RestartRebuildsAfterACrashMidBuild) {
  Started();
  ASSERT_TRUE(provider_.Destroy(provider_.Describe(1)).ok());
  store::HealAction heal = CrashedHeal(*store_, "building", clock_.Now());
  store::Generation half;
  half.provider = "fake";
  half.started_at = clock_.Now();
  heal.to_generation = store_->AddGeneration(half).value();  // Generation 2.
  ASSERT_TRUE(store_->UpdateHealAction(heal).ok());
  ASSERT_TRUE(provider_.Build(2).ok());  // Its processes got started.
  store::Generation g = Gen(1);
  g.status = GenerationStatus::kStopped;
  ASSERT_TRUE(store_->UpdateGeneration(g).ok());

  Started();
  EXPECT_EQ(Gen(2).status, GenerationStatus::kFailed);
  EXPECT_EQ(Gen(3).status, GenerationStatus::kLive);
  EXPECT_EQ(Heals()[0].to_generation, 3);
  EXPECT_EQ(Heals()[0].phase, "done");
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{3}));
  EXPECT_EQ(LiveRows(), 1u);
}

TEST_F(ControllerTest, RestartAfterTheNewGenerationWentLiveClosesTheHeal) {
  Started();
  probe_.modes[1] = Mode::kFailing;
  Steps(2);  // A full heal: 1 -> 2.
  store::HealAction heal = Heals()[0];
  heal.ended_at.reset();  // As if the crash came just before "done".
  heal.phase = "building";
  ASSERT_TRUE(store_->UpdateHealAction(heal).ok());
  Started();
  EXPECT_EQ(provider_.calls.back(), "adopt 2");
  EXPECT_EQ(Heals()[0].phase, "done");
  EXPECT_EQ(Heals()[0].to_generation, 2);
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{2}));
}

TEST_F(ControllerTest, RunStopsOnRequestAndDestroysTheLiveGeneration) {
  probe_.default_mode = Mode::kFailing;
  Controller& controller = NewController();
  probe_.on_poll = [&] {
    if (probe_.polls == 40) controller.Stop();
  };
  const Status ran = controller.Run();
  ASSERT_TRUE(ran.ok()) << ran.ToString();
  EXPECT_TRUE(provider_.alive.empty());
  EXPECT_EQ(LiveRows(), 0u);
  EXPECT_GE(Heals().size(), 3u);
  EXPECT_EQ(controller.Snapshot().phase, Phase::kStopped);
  const store::Generation last =
      store_->ListGenerations("default", 1).value().front();
  EXPECT_EQ(last.stop_reason, "controller stopped");
  EXPECT_EQ(provider_.max_alive, 1u);
}

TEST_F(ControllerTest, AProviderThatKeepsOnStopIsAdoptedOnTheNextStart) {
  provider_.keep_on_stop = true;
  Controller& controller = NewController();
  probe_.on_poll = [&] {
    if (probe_.polls == 3) controller.Stop();
  };
  ASSERT_TRUE(controller.Run().ok());
  EXPECT_EQ(provider_.Count("destroy 1"), 0u);
  EXPECT_EQ(provider_.alive, (std::set<int64_t>{1}));
  EXPECT_EQ(Gen(1).status, GenerationStatus::kLive);

  probe_.on_poll = nullptr;
  Started();
  EXPECT_EQ(provider_.calls.back(), "adopt 1");
  EXPECT_EQ(provider_.Count("build 2"), 0u);
  EXPECT_EQ(controller_->Snapshot().deployment->generation_id, 1);
}

TEST_F(ControllerTest, RunEndsWithTheTelemetry) {
  probe_.default_mode = Mode::kEnded;
  Controller& controller = NewController();
  ASSERT_TRUE(controller.Run().ok());
  EXPECT_EQ(Gen(1).stop_reason, "telemetry ended");
  EXPECT_TRUE(Incidents().empty());
}

TEST(ControllerSnapshot, ToJsonNamesTheState) {
  ControllerSnapshot snapshot;
  snapshot.phase = Phase::kWatching;
  snapshot.deployment = FakeProvider().Describe(4);
  snapshot.heal_state.paused = true;
  const nlohmann::json json = ToJson(snapshot);
  EXPECT_EQ(json["phase"], "watching");
  EXPECT_EQ(json["generation"]["generation_id"], 4);
  EXPECT_EQ(json["paused"], true);
  EXPECT_TRUE(json["last_reading"].is_null());
}

TEST_F(ControllerTest, EverySnapshotIsHandedToTheHook) {
  std::vector<ControllerSnapshot> seen;
  options_.on_snapshot = [&seen](const ControllerSnapshot& snapshot) {
    seen.push_back(snapshot);
  };
  Controller& controller = Started();
  const size_t after_start = seen.size();
  ASSERT_GE(after_start, 1u);  // At construction (and after the build).
  Steps(2);
  ASSERT_EQ(seen.size(), after_start + 2);
  EXPECT_EQ(seen.back().phase, Phase::kWatching);
  ASSERT_TRUE(seen.back().last_reading.has_value());
  EXPECT_EQ(seen.back().last_reading->probability, 0.1);
  EXPECT_EQ(seen.back().deployment->generation_id,
            controller.Snapshot().deployment->generation_id);
}

}  // namespace
}  // namespace heimdall::healer
