// A blocking test client over a raw TCP socket, for tests that need to
// control exactly which bytes reach the server. Tests only.
#ifndef HEIMDALL_HTTP_TEST_SOCKET_H_
#define HEIMDALL_HTTP_TEST_SOCKET_H_

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace heimdall::http::testing {

struct RawResponse {
  int status = 0;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header named `name` (case-insensitive), or "".
  std::string Header(std::string_view name) const {
    for (const auto& [key, value] : headers) {
      if (key.size() != name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < key.size(); ++i) {
        same = same && (key[i] | 0x20) == (name[i] | 0x20);
      }
      if (same) return value;
    }
    return {};
  }
};

// Every read waits at most `kTimeoutMs`, so a server bug fails the test
// instead of hanging it.
class TestSocket {
 public:
  static constexpr int kTimeoutMs = 5000;

  explicit TestSocket(uint16_t port) {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address),
                           sizeof address) == 0;
    timeval timeout{kTimeoutMs / 1000, (kTimeoutMs % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  }
  ~TestSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  TestSocket(const TestSocket&) = delete;
  TestSocket& operator=(const TestSocket&) = delete;

  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  // Sends all of `data`; false if the peer closed or reset.
  bool Send(std::string_view data) {
    while (!data.empty()) {
      ssize_t n = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      data.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  void ShutdownWrite() { ::shutdown(fd_, SHUT_WR); }

  // Closes with a reset (RST) instead of the orderly FIN, as a client that
  // is killed or drops unread input does.
  void Reset() {
    linger no_linger{1, 0};
    setsockopt(fd_, SOL_SOCKET, SO_LINGER, &no_linger, sizeof no_linger);
    ::close(fd_);
    fd_ = -1;
  }

  // Reads one response framed by Content-Length (or by close when absent).
  // nullopt on timeout, reset, or a close before a complete response.
  std::optional<RawResponse> ReadResponse() {
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return std::nullopt;
    }
    RawResponse response;
    if (!ParseHead(buffer_.substr(0, header_end), response)) {
      return std::nullopt;
    }
    buffer_.erase(0, header_end + 4);

    std::string length = response.Header("Content-Length");
    if (length.empty()) {
      if (response.status == 100 || response.status == 204) return response;
      while (Fill()) {
      }
      response.body = std::move(buffer_);
      buffer_.clear();
      return response;
    }
    size_t want = std::strtoull(length.c_str(), nullptr, 10);
    while (buffer_.size() < want) {
      if (!Fill()) return std::nullopt;
    }
    response.body = buffer_.substr(0, want);
    buffer_.erase(0, want);
    return response;
  }

  // True if the server closes the connection (EOF or reset) within the
  // timeout, discarding anything it still sends.
  bool WaitForClose() {
    for (;;) {
      char chunk[4096];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n == 0) return true;
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return errno == ECONNRESET;
    }
  }

  // True if nothing arrives and the connection stays open for `ms`.
  bool QuietFor(int ms) {
    pollfd p{fd_, POLLIN, 0};
    return ::poll(&p, 1, ms) == 0;
  }

  // Bytes received but not yet consumed by ReadResponse.
  const std::string& buffered() const { return buffer_; }

 private:
  bool Fill() {
    char chunk[16 * 1024];
    ssize_t n;
    do {
      n = ::recv(fd_, chunk, sizeof chunk, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }

  static bool ParseHead(const std::string& head, RawResponse& response) {
    size_t line_end = head.find("\r\n");
    std::string status_line = head.substr(0, line_end);
    if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
      return false;
    }
    response.status = std::atoi(status_line.c_str() + 9);
    while (line_end != std::string::npos) {
      size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      std::string line = head.substr(start, line_end - start);
      size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t value = line.find_first_not_of(' ', colon + 1);
      response.headers.emplace_back(
          line.substr(0, colon),
          value == std::string::npos ? "" : line.substr(value));
    }
    return true;
  }

  int fd_ = -1;
  bool connected_ = false;
  std::string buffer_;
};

}  // namespace heimdall::http::testing

#endif  // HEIMDALL_HTTP_TEST_SOCKET_H_
