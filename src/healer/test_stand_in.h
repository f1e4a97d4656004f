// Test support: stand-in services for the local provider's process tests,
// self-contained (no python, no network beyond loopback).
//
// A test binary that includes this header and calls RunStandInIfAsked() from
// a static initializer becomes a tiny HTTP service when started as
//   <test binary> --stand-in PORT MODE
// MODE is "ok" (answers every request 200), "exit" (prints a message and
// exits 3), "silent" (accepts, never answers), "stubborn" (ignores SIGTERM
// and starts a grandchild that does too) or "fork" (starts a grandchild).
#ifndef HEIMDALL_HEALER_TEST_STAND_IN_H_
#define HEIMDALL_HEALER_TEST_STAND_IN_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "common/status.h"

namespace heimdall::healer::testing {

inline std::vector<std::string> OwnCommandLine() {
  std::ifstream in("/proc/self/cmdline", std::ios::binary);
  std::vector<std::string> args;
  std::string arg;
  while (std::getline(in, arg, '\0')) args.push_back(arg);
  return args;
}

[[noreturn]] inline void ServeStandIn(int port, const std::string& mode) {
  if (mode == "exit") {
    std::printf("stand-in refusing to start on port %d\n", port);
    std::fflush(stdout);
    std::_Exit(3);
  }
  if (mode == "stubborn") signal(SIGTERM, SIG_IGN);
  if (mode == "stubborn" || mode == "fork") {
    if (fork() == 0) {
      while (true) pause();
    }
  }
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  const int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      listen(fd, 16) != 0) {
    std::printf("stand-in cannot listen on %d: %s\n", port,
                std::strerror(errno));
    std::fflush(stdout);
    std::_Exit(4);
  }
  std::printf("stand-in listening on %d (%s)\n", port, mode.c_str());
  std::fflush(stdout);
  std::vector<int> held;  // "silent" keeps connections open, unanswered.
  while (true) {
    const int client = accept(fd, nullptr, nullptr);
    if (client < 0) continue;
    if (mode == "silent") {
      held.push_back(client);
      continue;
    }
    char buffer[2048];
    (void)read(client, buffer, sizeof(buffer));
    const char kReply[] =
        "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
    (void)write(client, kReply, sizeof(kReply) - 1);
    close(client);
  }
}

// Call from a static initializer; returns false in the normal test run.
inline bool RunStandInIfAsked() {
  const std::vector<std::string> args = OwnCommandLine();
  if (args.size() >= 4 && args[1] == "--stand-in") {
    ServeStandIn(std::atoi(args[2].c_str()), args[3]);
  }
  return false;
}

// GET /healthz over a raw socket with a 500 ms deadline; OK on a 200.
inline Status StandInHealthCheck(const std::string& base_url) {
  const size_t colon = base_url.rfind(':');
  const int port = std::atoi(base_url.c_str() + colon + 1);
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval timeout{0, 500'000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  std::string reply(64, '\0');
  ssize_t got = -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) ==
      0) {
    const char kRequest[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
    if (write(fd, kRequest, sizeof(kRequest) - 1) > 0) {
      got = read(fd, reply.data(), reply.size());
    }
  }
  close(fd);
  if (got > 0 && reply.starts_with("HTTP/1.1 200")) return Status::Ok();
  return MakeError("{}/healthz: no 200", base_url);
}

}  // namespace heimdall::healer::testing

#endif  // HEIMDALL_HEALER_TEST_STAND_IN_H_
