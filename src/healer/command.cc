#include "healer/command.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <thread>

#include "healer/spawn_support.h"

extern char** environ;

namespace heimdall::healer {
namespace {

using internal::CStrings;
using internal::MergedEnvironment;
using internal::SpawnSetup;

using namespace std::chrono_literals;
using SteadyTime = std::chrono::steady_clock::time_point;

constexpr Duration kKillGrace = 5s;
constexpr size_t kErrorTail = 1024;

// Closes a descriptor on scope exit.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { Reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void Reset() {
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
};

// Own process group, default signals, stdin from /dev/null, stdout and
// stderr to the pipes, nothing else inherited. 0 or an errno value.
int Configure(SpawnSetup& setup, const CommandSpec& spec, int out_fd,
              int err_fd) {
  sigset_t none, all;
  sigemptyset(&none);
  sigfillset(&all);
  // `heimdall up` blocks termination signals in every thread; the child
  // must get them back.
  int rc = posix_spawnattr_setflags(&setup.attr, POSIX_SPAWN_SETPGROUP |
                                                     POSIX_SPAWN_SETSIGMASK |
                                                     POSIX_SPAWN_SETSIGDEF);
  if (rc == 0) rc = posix_spawnattr_setpgroup(&setup.attr, 0);
  if (rc == 0) rc = posix_spawnattr_setsigmask(&setup.attr, &none);
  if (rc == 0) rc = posix_spawnattr_setsigdefault(&setup.attr, &all);
  posix_spawn_file_actions_t* actions = &setup.actions;
  if (rc == 0) {
    rc = posix_spawn_file_actions_addopen(actions, 0, "/dev/null", O_RDONLY, 0);
  }
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, out_fd, 1);
  if (rc == 0) rc = posix_spawn_file_actions_adddup2(actions, err_fd, 2);
  if (rc == 0) rc = posix_spawn_file_actions_addclosefrom_np(actions, 3);
  if (rc == 0 && !spec.working_dir.empty()) {
    rc =
        posix_spawn_file_actions_addchdir_np(actions, spec.working_dir.c_str());
  }
  return rc;
}

// Starts the child with stdout and stderr on the write ends of the pipes.
Result<pid_t> Spawn(const CommandSpec& spec, int out_fd, int err_fd) {
  SpawnSetup setup;
  int rc = Configure(setup, spec, out_fd, err_fd);
  std::vector<std::string> argv = {spec.program.string()};
  argv.insert(argv.end(), spec.args.begin(), spec.args.end());
  std::vector<std::string> env = MergedEnvironment(spec.env);
  pid_t pid = 0;
  if (rc == 0) {
    rc = posix_spawnp(&pid, spec.program.c_str(), &setup.actions, &setup.attr,
                      CStrings(argv).data(), CStrings(env).data());
  }
  if (rc != 0) {
    return MakeError("starting {} in {}: {}", spec.program.string(),
                     spec.working_dir.empty() ? "." : spec.working_dir.string(),
                     std::strerror(rc));
  }
  return pid;
}

// Reads both pipes until they close. Fails with "timed out" when `deadline`
// passes first, or when the output grows past `limit`.
Status Drain(int out_fd, int err_fd, SteadyTime deadline, size_t limit,
             CommandOutput* output) {
  std::array<pollfd, 2> fds = {pollfd{out_fd, POLLIN, 0},
                               pollfd{err_fd, POLLIN, 0}};
  std::array<std::string*, 2> sinks = {&output->out, &output->err};
  char buffer[64 * 1024];
  while (fds[0].fd >= 0 || fds[1].fd >= 0) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left <= 0ms) return Error("timed out");
    const int ready =
        poll(fds.data(), fds.size(),
             static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (ready < 0 && errno != EINTR)
      return MakeError("poll: {}", std::strerror(errno));
    for (size_t i = 0; i < fds.size() && ready > 0; ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      const ssize_t got = read(fds[i].fd, buffer, sizeof(buffer));
      if (got > 0) {
        sinks[i]->append(buffer, static_cast<size_t>(got));
      } else if (got == 0 || errno != EINTR) {
        fds[i].fd = -1;  // Closed (or broken): nothing more comes.
      }
    }
    if (output->out.size() + output->err.size() > limit) {
      return MakeError("wrote more than {} bytes", limit);
    }
  }
  return Status::Ok();
}

// Waits for `pid` until `deadline`; its exit code, or nullopt on timeout.
std::optional<int> Reap(pid_t pid, SteadyTime deadline) {
  while (true) {
    int status = 0;
    const pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    }
    if (done < 0 && errno != EINTR) return -1;
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(10ms);
  }
}

// SIGTERM to the group, SIGKILL after kKillGrace, and reap.
void Kill(pid_t pid) {
  kill(-pid, SIGTERM);
  if (Reap(pid, std::chrono::steady_clock::now() + kKillGrace)) return;
  kill(-pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
}

}  // namespace

std::string Tail(std::string_view text, size_t max_bytes) {
  const auto space = [](char c) {
    return std::isspace(static_cast<unsigned char>(c));
  };
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  if (text.size() > max_bytes) text = text.substr(text.size() - max_bytes);
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  return std::string(text);
}

Result<CommandOutput> RunCommand(const CommandSpec& spec) {
  const SteadyTime deadline = std::chrono::steady_clock::now() + spec.timeout;
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    return MakeError("{}: pipe: {}", spec.program.string(),
                     std::strerror(errno));
  }
  Fd out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    return MakeError("{}: pipe: {}", spec.program.string(),
                     std::strerror(errno));
  }
  Fd err_read(err_pipe[0]), err_write(err_pipe[1]);

  Result<pid_t> pid = Spawn(spec, out_write.get(), err_write.get());
  if (!pid.ok()) return pid.error();
  out_write.Reset();
  err_write.Reset();

  CommandOutput output;
  Status drained = Drain(out_read.get(), err_read.get(), deadline,
                         spec.max_output_bytes, &output);
  std::optional<int> code;
  if (drained.ok()) code = Reap(*pid, deadline);
  if (!code) {
    Kill(*pid);
    const std::string why =
        drained.ok() || drained.error().message() == "timed out"
            ? fmt::format("timed out after {} ms", spec.timeout.count())
            : drained.ToString();
    return MakeError("{} {}: {}; stderr ends: {}", spec.program.string(),
                     spec.args.empty() ? "" : spec.args.front(), why,
                     Tail(output.err, kErrorTail));
  }
  output.exit_code = *code;
  return output;
}

}  // namespace heimdall::healer
