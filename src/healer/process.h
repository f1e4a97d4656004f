// Child processes for the `local` provider: start one in its own process
// group with its output in a log file, tell whether it is still the process
// we started, and stop its whole group without leaving orphans or zombies.
//
// Linux only (reads /proc). A process is named by its PID and its start time
// in clock ticks since boot, so a PID reused by an unrelated process is never
// mistaken for ours. Functions are thread-safe unless noted.
#ifndef HEIMDALL_HEALER_PROCESS_H_
#define HEIMDALL_HEALER_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "healer/clock.h"

namespace heimdall::healer {

struct ProcessSpec {
  std::filesystem::path program;  // Absolute, or resolved through PATH.
  std::vector<std::string> args;  // argv[1...].
  // "KEY=VALUE" pairs added to this process's environment (replacing a
  // variable of the same name).
  std::vector<std::string> env;
  // Receives stdout and stderr, appended; created if missing. stdin is
  // /dev/null and no other descriptor is inherited.
  std::filesystem::path log_path;
};

struct ProcessId {
  pid_t pid = 0;  // Also its process group id.
  uint64_t start_ticks = 0;
};

// Starts `spec` as the leader of a new process group, with default signal
// dispositions and an empty signal mask. Fails with the program and the
// system's reason if it cannot be started (missing, not executable, log not
// writable).
Result<ProcessId> SpawnProcess(const ProcessSpec& spec);

// True while `id` is running: the PID exists, is not a zombie, and has the
// recorded start time. Reaps `id` if it is our child and has exited.
bool IsRunning(const ProcessId& id);

// Ends every process in the group led by `id.pid`: SIGTERM, up to `grace`
// for them to leave, then SIGKILL. Reaps the leader if it is our child.
// Does nothing if `id` no longer names the process we started (the PID was
// reused, or the leader is gone): members that outlived their leader must be
// found another way (by marker, FindProcessesWithEnv) and stopped one by one.
// Fails if anything in the group survives SIGKILL for a few seconds
// (a process stuck in the kernel): the caller must treat it as unknown.
Status StopProcessGroup(const ProcessId& id, Duration grace);

// The same for one process that does not lead its group.
Status StopProcess(const ProcessId& id, Duration grace);

// PIDs of live (non-zombie) processes in process group `pgid`.
std::vector<pid_t> ProcessGroupMembers(pid_t pgid);

// Reads /proc/<pid>: start time, argv, one environment variable. nullopt or
// empty if the process is gone or not readable (another user's).
std::optional<uint64_t> ProcessStartTicks(pid_t pid);
std::vector<std::string> ProcessCommandLine(pid_t pid);
std::optional<std::string> ProcessEnv(pid_t pid, std::string_view name);

// Live processes whose environment variable `name` is set, with its value.
std::vector<std::pair<pid_t, std::string>> FindProcessesWithEnv(
    std::string_view name);

// The last `max_bytes` of a file, or "" if it cannot be read.
std::string TailFile(const std::filesystem::path& path, size_t max_bytes);

}  // namespace heimdall::healer

#endif  // HEIMDALL_HEALER_PROCESS_H_
