// Socket helpers for the server. Private to the http layer.
#ifndef HEIMDALL_HTTP_SOCKET_H_
#define HEIMDALL_HTTP_SOCKET_H_

#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "common/status.h"

namespace heimdall::http::internal {

// Owns a file descriptor and closes it on destruction. Movable only.
class UniqueFd {
 public:
  explicit UniqueFd(int fd = -1) : fd_(fd) {}
  ~UniqueFd() { Reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(other.Release()) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) Reset(other.Release());
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int Release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void Reset(int fd = -1);

 private:
  int fd_;
};

struct SocketAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  uint16_t port() const;
  void set_port(uint16_t port);
  // "127.0.0.1:5002" or "[::1]:5002".
  std::string ToString() const;
};

// Resolves a numeric address or a host name from /etc/hosts ("localhost").
Result<SocketAddress> ResolveBindAddress(const std::string& host,
                                         uint16_t port);

// Fails if something already listens on `address`. SO_REUSEPORT would let a
// second server (same user) share the port silently and take half of its
// traffic; a plain bind refuses. A listener appearing between this check
// and our bind is not caught.
Status CheckPortFree(const SocketAddress& address);

// A non-blocking, close-on-exec listening socket bound to `address` with
// SO_REUSEADDR and SO_REUSEPORT. Errors name the address and the reason.
Result<UniqueFd> OpenListener(const SocketAddress& address, int backlog);

// The address a bound socket ended up with (e.g. the port chosen for 0).
Result<SocketAddress> LocalAddress(int fd);

}  // namespace heimdall::http::internal

#endif  // HEIMDALL_HTTP_SOCKET_H_
