#include "healer/command.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace heimdall::healer {
namespace {

using namespace std::chrono_literals;

CommandSpec Shell(std::string script) {
  CommandSpec spec;
  spec.program = "/bin/sh";
  spec.args = {"-c", std::move(script)};
  spec.timeout = 10s;
  return spec;
}

TEST(RunCommand, CapturesStdoutStderrAndExitCodeApart) {
  Result<CommandOutput> ran =
      RunCommand(Shell("echo out; echo err >&2; exit 7"));
  ASSERT_TRUE(ran.ok()) << ran.error().message();
  EXPECT_EQ(ran->exit_code, 7);
  EXPECT_EQ(ran->out, "out\n");
  EXPECT_EQ(ran->err, "err\n");
}

TEST(RunCommand, RunsInTheWorkingDirWithExtraEnvironment) {
  CommandSpec spec = Shell("pwd; echo \"$HEIMDALL_COMMAND_TEST\"");
  spec.working_dir = "/tmp";
  spec.env = {"HEIMDALL_COMMAND_TEST=yes"};
  Result<CommandOutput> ran = RunCommand(spec);
  ASSERT_TRUE(ran.ok()) << ran.error().message();
  EXPECT_EQ(ran->out, "/tmp\nyes\n");
}

TEST(RunCommand, TimeoutStopsTheWholeGroupAndReportsStderr) {
  CommandSpec spec = Shell("echo starting >&2; sleep 30 & sleep 30");
  spec.timeout = 300ms;
  const auto start = std::chrono::steady_clock::now();
  Result<CommandOutput> ran = RunCommand(spec);
  ASSERT_FALSE(ran.ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, 8s);
  EXPECT_NE(ran.error().message().find("timed out after 300 ms"),
            std::string::npos)
      << ran.error().message();
  EXPECT_NE(ran.error().message().find("starting"), std::string::npos);
}

TEST(RunCommand, MissingProgramOrDirectoryIsAnError) {
  CommandSpec spec;
  spec.program = "/nonexistent/terraform";
  Result<CommandOutput> ran = RunCommand(spec);
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message().find("/nonexistent/terraform"),
            std::string::npos);

  spec = Shell("true");
  spec.working_dir = "/nonexistent-dir";
  ran = RunCommand(spec);
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message().find("/nonexistent-dir"), std::string::npos);
}

TEST(RunCommand, OutputOverTheLimitIsAnError) {
  CommandSpec spec = Shell("head -c 100000 /dev/zero");
  spec.max_output_bytes = 1000;
  Result<CommandOutput> ran = RunCommand(spec);
  ASSERT_FALSE(ran.ok());
  EXPECT_NE(ran.error().message().find("more than 1000 bytes"),
            std::string::npos)
      << ran.error().message();
}

TEST(Tail, KeepsTheEndTrimmed) {
  EXPECT_EQ(Tail("  abc\n", 10), "abc");
  EXPECT_EQ(Tail("0123456789\n", 4), "6789");
  EXPECT_EQ(Tail("", 4), "");
}

}  // namespace
}  // namespace heimdall::healer
