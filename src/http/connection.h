// One accepted HTTP/1.x connection: parsing, dispatch and buffered writes.
// Private to the http layer; the worker owns connections and drives them
// from its epoll loop.
#ifndef HEIMDALL_HTTP_CONNECTION_H_
#define HEIMDALL_HTTP_CONNECTION_H_

#include <http_parser.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "http/server.h"
#include "http/socket.h"
#include "http/wire.h"

namespace heimdall::http::internal {

// Which streaming connections of one worker have more to send. Streams
// call Notify from any thread; the worker polls fd() and calls Take.
class StreamWakeups {
 public:
  // Creates the eventfd; fails with the system's reason.
  Status Init();
  int fd() const { return fd_.get(); }
  // Thread-safe. Marks connection `id` ready and wakes the worker if it
  // was not woken already.
  void Notify(uint64_t id);
  // The ids notified since the last call, in order; resets the eventfd.
  std::vector<uint64_t> Take();

 private:
  std::mutex mutex_;
  std::vector<uint64_t> ready_;  // Guarded by mutex_.
  UniqueFd fd_;
};

// What connections share within one worker. Owned by the worker; outlives
// its connections.
struct ConnectionContext {
  const Router* router = nullptr;
  size_t max_header_bytes = 0;
  size_t max_body_bytes = 0;
  const std::function<void(std::string_view)>* on_reject = nullptr;
  const DateCache* date = nullptr;
  StreamWakeups* wakeups = nullptr;
};

// Not thread-safe: used only by the worker that accepted it.
class Connection {
 public:
  // Takes ownership of the non-blocking socket `fd`. `id` is unique within
  // the worker and names the connection in StreamWakeups.
  Connection(uint64_t id, int fd, std::string peer,
             const ConnectionContext& context);
  ~Connection();  // Detaches a stream, closes the socket.

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
  // The stream being answered has more (its wake was called). Returns
  // false as OnReadable does.
  bool OnStreamReady();
  // Called when the idle timeout passes. Returns true if the connection
  // stays: it streams, nothing waits for the peer, and the stream's
  // keep-alive bytes were written.
  bool KeepStreamAlive();

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
  size_t Pending() const { return out_.size() - out_offset_; }
  void StartStream(std::shared_ptr<ResponseStream> stream);
  bool PumpStream();
  void AppendStreamBytes(std::string_view data);
  void EndStream();
  bool Flush();
  bool FinishIo();
  bool Discard(std::span<char> scratch);

  uint64_t id_;
  int fd_;
  const ConnectionContext& context_;
  http_parser parser_;
  State state_ = State::kOpen;
  bool peer_closed_ = false;

  std::string in_;   // Received bytes the parser has not consumed yet.
  std::string out_;  // Answers not yet written, from out_offset_.
  size_t out_offset_ = 0;
  uint64_t progress_ = 0;

  // The streamed answer in progress, if any.
  std::shared_ptr<ResponseStream> stream_;
  bool stream_ready_ = false;  // Read may have more without a wake.
  bool chunked_ = false;
  std::string stream_piece_;  // Scratch for one Read.

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
