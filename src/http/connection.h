// One accepted HTTP/1.x connection: parsing, dispatch and buffered writes.
// Private to the http layer; the worker owns connections and drives them
// from its epoll loop.
#ifndef HEIMDALL_HTTP_CONNECTION_H_
#define HEIMDALL_HTTP_CONNECTION_H_

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "http/server.h"
#include "http/wire.h"

namespace heimdall::http::internal {

// What connections share within one worker. Owned by the worker; outlives
// its connections.
struct ConnectionContext {
  const Router* router = nullptr;
  size_t max_header_bytes = 0;
  size_t max_body_bytes = 0;
  const std::function<void(std::string_view)>* on_reject = nullptr;
  const DateCache* date = nullptr;
};

// Not thread-safe: used only by the worker that accepted it.
class Connection {
 public:
  // Takes ownership of the non-blocking socket `fd`.
  Connection(int fd, std::string peer, const ConnectionContext& context);
  ~Connection();  // Closes the socket.

  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }

  // Reads once into `scratch`, answers every complete request and writes
  // what the socket takes. Returns false when the connection is finished
  // (peer gone, socket error, or a lingering close that saw EOF).
  bool OnReadable(std::span<char> scratch);
  // Writes pending answers, then resumes requests held back by them.
  // Returns false as OnReadable does.
  bool OnWritable();

  // The epoll events (EPOLLIN, EPOLLOUT) the connection waits for now.
  uint32_t WantedEvents() const;
  // True once the last answer is written and the connection only drains
  // input until the peer closes.
  bool lingering() const { return state_ == State::kLingering; }
  // One non-blocking attempt to write what is pending, for shutdown.
  void FlushBeforeClose() { (void)Flush(); }
  // Grows whenever a request is answered or answer bytes are written. Mere
  // input does not count, so a client trickling a request byte by byte
  // does not keep the connection alive.
  uint64_t progress() const { return progress_; }

 private:
  enum class State {
    kOpen,       // Reading and answering requests.
    kClosing,    // A closing answer is queued; no more requests are read.
    kLingering,  // Answers sent, write side shut; discarding input.
  };

  static int OnMessageBegin(http_parser* parser);
  static int OnUrl(http_parser* parser, const char* at, size_t length);
  static int OnHeaderField(http_parser* parser, const char* at, size_t length);
  static int OnHeaderValue(http_parser* parser, const char* at, size_t length);
  static int OnHeadersComplete(http_parser* parser);
  static int OnBody(http_parser* parser, const char* at, size_t length);
  static int OnMessageComplete(http_parser* parser);
  static const http_parser_settings kSettings;

  bool CountHeaderBytes(size_t length, bool in_target);
  int CheckHeaders();
  void ParseTarget();
  void ProcessInput();
  void AnswerRequest();
  void Reject(int status, std::string_view reason, std::string_view message);
  void Queue(const Response& response, bool keep_alive, bool head);
  bool OutputFull() const;
  bool Flush();
  bool FinishIo();
  bool Discard(std::span<char> scratch);

  int fd_;
  const ConnectionContext& context_;
  http_parser parser_;
  State state_ = State::kOpen;
  bool peer_closed_ = false;

  std::string in_;   // Received bytes the parser has not consumed yet.
  std::string out_;  // Answers not yet written, from out_offset_.
  size_t out_offset_ = 0;
  uint64_t progress_ = 0;

  // The request being parsed.
  Request request_;
  std::string target_;
  size_t header_bytes_ = 0;
  bool in_header_value_ = false;
  bool keep_alive_ = true;
  // A rejection found inside a parser callback, answered after it returns.
  int reject_status_ = 0;
  std::string_view reject_reason_;
  std::string reject_message_;
};

}  // namespace heimdall::http::internal

#endif  // HEIMDALL_HTTP_CONNECTION_H_
