// For tests: runs the heimdall binary with arguments and collects what it
// printed and how it exited.
#ifndef HEIMDALL_COMMON_TEST_COMMAND_H_
#define HEIMDALL_COMMON_TEST_COMMAND_H_

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace heimdall::test_support {

struct CommandOutcome {
  int exit_code = -1;  // -1 when killed by a signal.
  std::string out;
  std::string err;
};

inline std::string ReadWholeFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs `heimdall <args>` through the shell (tests write the arguments),
// keeping its output in files under `dir`.
inline CommandOutcome RunHeimdall(const std::string& args,
                                  const std::filesystem::path& dir) {
  const std::string command = std::string(HEIMDALL_BINARY) + " " + args + " >" +
                              (dir / "out").string() + " 2>" +
                              (dir / "err").string();
  const int status = std::system(command.c_str());
  CommandOutcome run;
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  run.out = ReadWholeFile(dir / "out");
  run.err = ReadWholeFile(dir / "err");
  return run;
}

}  // namespace heimdall::test_support

#endif  // HEIMDALL_COMMON_TEST_COMMAND_H_
