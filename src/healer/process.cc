#include "healer/process.h"

#include <fcntl.h>
#include <fmt/ranges.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <thread>

#include "healer/spawn_support.h"

extern char** environ;

namespace heimdall::healer {
namespace {

using internal::CStrings;
using internal::MergedEnvironment;
using internal::SpawnSetup;

using namespace std::chrono_literals;

// Fields of /proc/<pid>/stat that matter here.
struct ProcStat {
  char state = '?';
  pid_t pgrp = 0;
  uint64_t start_ticks = 0;
};

std::optional<std::string> ReadWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<ProcStat> ReadStat(pid_t pid) {
  std::optional<std::string> text =
      ReadWhole(fmt::format("/proc/{}/stat", pid));
  if (!text) return std::nullopt;
  // The command name (field 2) may hold spaces and ')'; fields after the
  // last ')' are plain numbers: state is field 3, pgrp 5, starttime 22.
  const size_t close = text->rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(text->substr(close + 1));
  ProcStat stat;
  std::string skip;
  fields >> stat.state >> skip >> stat.pgrp;
  for (int field = 6; field < 22; ++field) fields >> skip;
  fields >> stat.start_ticks;
  if (!fields) return std::nullopt;
  return stat;
}

// NUL-separated strings of a /proc file.
std::vector<std::string> ReadNulList(const std::filesystem::path& path) {
  std::vector<std::string> items;
  std::optional<std::string> text = ReadWhole(path);
  if (!text) return items;
  std::string_view rest = *text;
  while (!rest.empty()) {
    const size_t end = rest.find('\0');
    items.emplace_back(rest.substr(0, end));
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 1);
  }
  return items;
}

int Configure(SpawnSetup& setup, const std::string& log_path) {
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  int rc = posix_spawnattr_setflags(
      &setup.attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                       POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_USEVFORK);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &all);
  if (rc == 0) {
    rc = posix_spawn_file_actions_addopen(&setup.actions, 0, "/dev/null",
                                          O_RDONLY, 0);
  }
  if (rc == 0) {
    rc = posix_spawn_file_actions_addopen(&setup.actions, 1, log_path.c_str(),
                                          O_WRONLY | O_CREAT | O_APPEND, 0644);
  }
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(&setup.actions, 1, 2);
  // Sockets, the store and other children's logs stay with us.
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(&setup.actions, 3);
  return rc;
}

bool IsLive(const ProcStat& stat) {
  return stat.state != 'Z' && stat.state != 'X';
}

// Calls `visit(pid, stat)` for every live (non-zombie) process.
template <typename Visit>
void ForEachLiveProcess(Visit visit) {
  std::error_code error;
  for (const auto& entry :
       std::filesystem::directory_iterator("/proc", error)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() ||
        name.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    const auto pid = static_cast<pid_t>(std::stol(name));
    std::optional<ProcStat> stat = ReadStat(pid);
    if (stat && IsLive(*stat)) visit(pid, *stat);
  }
}

// Reaps `pid` if it is our child and has exited. True if it was reaped or
// is not our child.
bool ReapIfChild(pid_t pid) {
  int status = 0;
  const pid_t rc = waitpid(pid, &status, WNOHANG);
  return rc == pid || (rc < 0 && errno == ECHILD);
}

bool IsSameProcess(const ProcessId& id) {
  std::optional<ProcStat> stat = ReadStat(id.pid);
  return stat && stat->start_ticks == id.start_ticks;
}

// Polls `done` until it holds or `timeout` passes; processes run on real
// time, so this waits on the real clock.
template <typename Done>
bool WaitUntil(Done done, Duration timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

// Sends `signal` to `target` (a PID, or a group as -PGID), then waits up to
// `timeout` for `gone`.
template <typename Gone>
bool SignalAndWait(pid_t target, int signal, Gone gone, Duration timeout) {
  kill(target, signal);
  return WaitUntil(gone, timeout);
}

constexpr Duration kKillTimeout = 5s;

}  // namespace

Result<ProcessId> SpawnProcess(const ProcessSpec& spec) {
  SpawnSetup setup;
  if (const int rc = Configure(setup, spec.log_path.string()); rc != 0) {
    return MakeError("spawning {}: {}", spec.program.string(),
                     std::strerror(rc));
  }
  std::vector<std::string> argv = {spec.program.string()};
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env = MergedEnvironment(spec.env);
  std::vector<char*> argv_c = CStrings(argv);
  std::vector<char*> env_c = CStrings(env);

  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, argv[0].c_str(), &setup.actions,
                              &setup.attr, argv_c.data(), env_c.data());
  if (rc != 0) {
    return MakeError("spawning {} (log {}): {}", spec.program.string(),
                     spec.log_path.string(), std::strerror(rc));
  }
  std::optional<ProcStat> stat = ReadStat(pid);
  // The child exists until we reap it, so its stat is readable.
  return ProcessId{pid, stat ? stat->start_ticks : 0};
}

bool IsRunning(const ProcessId& id) {
  if (id.pid <= 0) return false;
  std::optional<ProcStat> stat = ReadStat(id.pid);
  if (!stat || stat->start_ticks != id.start_ticks) return false;
  if (IsLive(*stat)) return true;
  // Reaped after the look, not before it: a child that died in between
  // would be left a zombie.
  ReapIfChild(id.pid);
  return false;
}

Status StopProcessGroup(const ProcessId& id, Duration grace) {
  if (id.pid <= 0) return Status::Ok();
  // A PID with another start time is someone else's now, and so may be a
  // group of that number: leave both alone. Our grandchildren that outlived
  // the leader are found by their marker instead (FindProcessesWithEnv).
  if (!IsSameProcess(id)) {
    ReapIfChild(id.pid);
    return Status::Ok();
  }
  auto gone = [&] {
    if (!ProcessGroupMembers(id.pid).empty()) return false;
    // The leader is dead: reaped after the look, not before it, so that one
    // dying in between is not left a zombie.
    ReapIfChild(id.pid);
    return true;
  };
  if (SignalAndWait(-id.pid, SIGTERM, gone, grace)) return Status::Ok();
  if (SignalAndWait(-id.pid, SIGKILL, gone, kKillTimeout)) return Status::Ok();
  return MakeError("process group {} survived SIGKILL (members: {})", id.pid,
                   fmt::join(ProcessGroupMembers(id.pid), ", "));
}

Status StopProcess(const ProcessId& id, Duration grace) {
  if (id.pid <= 0 || !IsSameProcess(id)) {
    ReapIfChild(id.pid);
    return Status::Ok();
  }
  auto gone = [&] { return !IsRunning(id); };
  if (SignalAndWait(id.pid, SIGTERM, gone, grace)) return Status::Ok();
  if (SignalAndWait(id.pid, SIGKILL, gone, kKillTimeout)) return Status::Ok();
  return MakeError("process {} survived SIGKILL", id.pid);
}

std::vector<pid_t> ProcessGroupMembers(pid_t pgid) {
  std::vector<pid_t> members;
  // No such group at all: skip the scan. Otherwise it may hold only zombies.
  if (kill(-pgid, 0) != 0 && errno == ESRCH) return members;
  ForEachLiveProcess([&](pid_t pid, const ProcStat& stat) {
    if (stat.pgrp == pgid) members.push_back(pid);
  });
  return members;
}

std::optional<uint64_t> ProcessStartTicks(pid_t pid) {
  std::optional<ProcStat> stat = ReadStat(pid);
  if (!stat) return std::nullopt;
  return stat->start_ticks;
}

std::vector<std::string> ProcessCommandLine(pid_t pid) {
  return ReadNulList(fmt::format("/proc/{}/cmdline", pid));
}

std::optional<std::string> ProcessEnv(pid_t pid, std::string_view name) {
  for (const std::string& entry :
       ReadNulList(fmt::format("/proc/{}/environ", pid))) {
    if (entry.size() > name.size() && entry.starts_with(name) &&
        entry[name.size()] == '=') {
      return entry.substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

std::vector<std::pair<pid_t, std::string>> FindProcessesWithEnv(
    std::string_view name) {
  std::vector<std::pair<pid_t, std::string>> found;
  ForEachLiveProcess([&](pid_t pid, const ProcStat&) {
    if (std::optional<std::string> value = ProcessEnv(pid, name)) {
      found.emplace_back(pid, std::move(*value));
    }
  });
  return found;
}

std::string TailFile(const std::filesystem::path& path, size_t max_bytes) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const std::streamoff size = in.tellg();
  const std::streamoff start =
      size > static_cast<std::streamoff>(max_bytes)
          ? size - static_cast<std::streamoff>(max_bytes)
          : 0;
  in.seekg(start);
  std::string tail(static_cast<size_t>(size - start), '\0');
  in.read(tail.data(), static_cast<std::streamsize>(tail.size()));
  tail.resize(static_cast<size_t>(in.gcount()));
  return tail;
}

}  // namespace heimdall::healer
