// Running an external tool (terraform, tofu) to completion with a deadline,
// its stdout and stderr captured separately.
//
// Linux only. Thread-safe: each call owns its child and pipes.
#ifndef HEIMDALL_HEALER_COMMAND_H_
#define HEIMDALL_HEALER_COMMAND_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "common/status.h"
#include "healer/clock.h"

namespace heimdall::healer {

struct CommandSpec {
  std::filesystem::path program;      // Absolute, or resolved through PATH.
  std::vector<std::string> args;      // argv[1...].
  std::filesystem::path working_dir;  // Empty: this process's.
  // "KEY=VALUE" pairs added to this process's environment.
  std::vector<std::string> env;
  // The command is stopped (SIGTERM to its process group, SIGKILL 5 s
  // later) and the call fails once this has passed.
  Duration timeout = std::chrono::minutes(1);
  // Output beyond this is an error, not a truncated answer (a state file
  // is the largest thing expected).
  size_t max_output_bytes = 64 * 1024 * 1024;
};

struct CommandOutput {
  int exit_code = 0;  // 128 + N when killed by signal N.
  std::string out;
  std::string err;
};

// Runs `spec` in its own process group with stdin from /dev/null and
// returns once it has exited, whatever its exit code. Fails, naming the
// program, if it cannot be started, outlives its timeout (the tail of its
// stderr is in the message), or writes more than max_output_bytes.
Result<CommandOutput> RunCommand(const CommandSpec& spec);

// The last `max_bytes` of `text`, trimmed of surrounding whitespace, for
// error messages.
std::string Tail(std::string_view text, size_t max_bytes);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_COMMAND_H_
