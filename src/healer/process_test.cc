#include "healer/process.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "common/test_eventually.h"

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

class ProcessTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "heimdall-proc-XXXXXX")
            .string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    for (const ProcessId& id : started_) (void)StopProcessGroup(id, 0ms);
    std::filesystem::remove_all(dir_);
  }

  ProcessId Start(const std::string& script,
                  std::vector<std::string> env = {}) {
    ProcessSpec spec;
    spec.program = "/bin/sh";
    spec.args = {"-c", script};
    spec.env = std::move(env);
    spec.log_path = dir_ / "out.log";
    Result<ProcessId> id = SpawnProcess(spec);
    EXPECT_TRUE(id.ok()) << id.error().message();
    if (id.ok()) started_.push_back(*id);
    return id.ok() ? *id : ProcessId{};
  }

  // Polls `condition` for up to 10 s; the processes run on real time.
  template <typename Condition>
  static bool Eventually(Condition condition) {
    return test_support::Eventually(condition, 10s, 5ms);
  }

  static bool IsZombieOrGone(pid_t pid) {
    std::string stat = TailFile("/proc/" + std::to_string(pid) + "/stat", 4096);
    if (stat.empty()) return true;
    return stat.find(") Z") != std::string::npos;
  }

  std::filesystem::path dir_;
  std::vector<ProcessId> started_;
};

TEST_F(ProcessTest, OutputGoesToTheLogAndTheExitedChildIsReaped) {
  const ProcessId id = Start("echo to-stdout; echo to-stderr >&2");
  ASSERT_GT(id.pid, 0);
  ASSERT_TRUE(Eventually([&] { return !IsRunning(id); }));
  const std::string log = TailFile(dir_ / "out.log", 1024);
  EXPECT_NE(log.find("to-stdout"), std::string::npos);
  EXPECT_NE(log.find("to-stderr"), std::string::npos);
  // IsRunning reaped it: no zombie is left behind.
  EXPECT_EQ(waitpid(id.pid, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

TEST_F(ProcessTest, LeadsItsOwnGroupAndCarriesItsMarker) {
  const ProcessId id = Start("exec sleep 30", {"HEIMDALL_TEST_MARKER=gen:7"});
  ASSERT_TRUE(IsRunning(id));
  EXPECT_EQ(getpgid(id.pid), id.pid);
  EXPECT_NE(getpgid(id.pid), getpgid(0));
  EXPECT_EQ(ProcessStartTicks(id.pid), id.start_ticks);
  // The shell execs sleep soon after it starts; wait for that.
  ASSERT_TRUE(Eventually([&] {
    return ProcessCommandLine(id.pid) ==
           std::vector<std::string>{"sleep", "30"};
  }));
  EXPECT_EQ(ProcessEnv(id.pid, "HEIMDALL_TEST_MARKER"), "gen:7");
  const auto found = FindProcessesWithEnv("HEIMDALL_TEST_MARKER");
  EXPECT_NE(std::find(found.begin(), found.end(),
                      std::pair<pid_t, std::string>(id.pid, "gen:7")),
            found.end());
}

TEST_F(ProcessTest, StopEndsTheWholeGroupAndReapsTheLeader) {
  const ProcessId id = Start("sleep 30 & sleep 30 & wait");
  ASSERT_TRUE(
      Eventually([&] { return ProcessGroupMembers(id.pid).size() == 3; }));
  const std::vector<pid_t> members = ProcessGroupMembers(id.pid);

  ASSERT_TRUE(StopProcessGroup(id, 2s).ok());
  EXPECT_TRUE(ProcessGroupMembers(id.pid).empty());
  EXPECT_FALSE(IsRunning(id));
  EXPECT_EQ(waitpid(id.pid, nullptr, WNOHANG), -1);  // Already reaped.
  for (pid_t pid : members) EXPECT_TRUE(IsZombieOrGone(pid)) << pid;
}

// A leader that takes a moment to exit on SIGTERM, as `simulate` and
// `serve` do, may die between two looks of the stop's wait: it must still
// be reaped, not left a zombie.
TEST_F(ProcessTest, StopNeverLeavesTheLeaderAZombie) {
  for (int i = 0; i < 40; ++i) {
    SCOPED_TRACE(i);
    const ProcessId id = Start(fmt::format(
        "trap 'n=0; while [ $n -lt {} ]; do n=$((n+1)); done; exit 0' TERM; "
        "sleep 30 & wait",
        50 * i));
    ASSERT_TRUE(
        Eventually([&] { return ProcessGroupMembers(id.pid).size() == 2; }));
    ASSERT_TRUE(StopProcessGroup(id, 2s).ok());
    EXPECT_EQ(waitpid(id.pid, nullptr, WNOHANG), -1);
    EXPECT_EQ(errno, ECHILD);
  }
}

TEST_F(ProcessTest, StopEscalatesToSigkillWhenTermIsIgnored) {
  const ProcessId id = Start("trap '' TERM; sleep 30 & wait; sleep 30");
  ASSERT_TRUE(
      Eventually([&] { return ProcessGroupMembers(id.pid).size() == 2; }));
  ASSERT_TRUE(StopProcessGroup(id, 100ms).ok());
  EXPECT_TRUE(ProcessGroupMembers(id.pid).empty());
  EXPECT_FALSE(IsRunning(id));
}

TEST_F(ProcessTest, StopLeavesAReusedPidAlone) {
  const ProcessId id = Start("exec sleep 30");
  ProcessId stale = id;
  stale.start_ticks += 1;  // As if the PID now named another process.
  EXPECT_FALSE(IsRunning(stale));
  ASSERT_TRUE(StopProcessGroup(stale, 0ms).ok());
  EXPECT_TRUE(IsRunning(id));
  EXPECT_EQ(ProcessGroupMembers(id.pid).size(), 1u);
}

TEST_F(ProcessTest, ADescriptorOfOursIsNotInherited) {
  const int fd = open("/dev/null", O_RDONLY);  // Deliberately no O_CLOEXEC.
  ASSERT_GE(fd, 0);
  ASSERT_EQ(dup2(fd, 57), 57);
  const ProcessId id = Start("ls /proc/$$/fd; echo done");
  ASSERT_TRUE(Eventually([&] { return !IsRunning(id); }));
  close(57);
  close(fd);
  const std::string log = TailFile(dir_ / "out.log", 4096);
  ASSERT_NE(log.find("done"), std::string::npos) << log;
  EXPECT_EQ(log.find("57"), std::string::npos) << log;
}

TEST_F(ProcessTest, AMissingProgramIsAnErrorNamingIt) {
  ProcessSpec spec;
  spec.program = "/nonexistent/heimdall-nothing";
  spec.log_path = dir_ / "out.log";
  Result<ProcessId> id = SpawnProcess(spec);
  ASSERT_FALSE(id.ok());
  EXPECT_NE(id.error().message().find("/nonexistent/heimdall-nothing"),
            std::string::npos);
}

TEST_F(ProcessTest, AnUnwritableLogIsAnError) {
  ProcessSpec spec;
  spec.program = "/bin/true";
  spec.log_path = dir_ / "no-such-dir" / "out.log";
  EXPECT_FALSE(SpawnProcess(spec).ok());
}

TEST(TailFile, ReturnsTheEndOfTheFile) {
  const std::filesystem::path path =
      std::filesystem::temp_directory_path() /
      ("heimdall-tail-" + std::to_string(getpid()));
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("0123456789", f);
    std::fclose(f);
  }
  EXPECT_EQ(TailFile(path, 4), "6789");
  EXPECT_EQ(TailFile(path, 100), "0123456789");
  EXPECT_EQ(TailFile(path / "missing", 4), "");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace heimdall::healer
