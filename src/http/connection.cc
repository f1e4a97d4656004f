#include "http/connection.h"

#include <fmt/format.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

namespace heimdall::http::internal {
namespace {

// Answers waiting beyond this stop further requests from being read, so a
// client that pipelines without reading cannot grow our memory.
constexpr size_t kOutputHighWater = 1 << 20;
// Buffers grown past this by one large message are released afterwards.
constexpr size_t kMaxRetainedBuffer = 64 * 1024;
// Per-header bytes on the wire that the parser does not report (": ", CRLF).
constexpr size_t kHeaderLineOverhead = 4;
// Longest piece of a request echoed back in an error message.
constexpr size_t kMaxEcho = 64;
// A stream is read only while less than this of it waits for the peer, so a
// peer that stops reading leaves its backlog in the stream's own (bounded)
// buffer, where the producer can see it and drop the subscriber.
constexpr size_t kStreamLowWater = 16 * 1024;
constexpr size_t kStreamReadBytes = 16 * 1024;

Connection* Self(http_parser* parser) {
  return static_cast<Connection*>(parser->data);
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if ((a[i] | 0x20) != (b[i] | 0x20)) return false;
  }
  return true;
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t");
  return text.substr(begin, end - begin + 1);
}

void Release(std::string& buffer) {
  if (buffer.capacity() > kMaxRetainedBuffer) {
    std::string().swap(buffer);
  } else {
    buffer.clear();
  }
}

}  // namespace

Status StreamWakeups::Init() {
  fd_.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd_.valid()) {
    return MakeError("creating the stream eventfd: {}", std::strerror(errno));
  }
  return Status::Ok();
}

void StreamWakeups::Notify(uint64_t id) {
  std::lock_guard<std::mutex> lock(mutex_);
  // One eventfd write per batch: the worker takes the whole list at once.
  if (ready_.empty()) {
    uint64_t one = 1;
    while (::write(fd_.get(), &one, sizeof one) < 0 && errno == EINTR) {
    }
  }
  ready_.push_back(id);
}

std::vector<uint64_t> StreamWakeups::Take() {
  std::vector<uint64_t> ids;
  std::lock_guard<std::mutex> lock(mutex_);
  uint64_t count;
  while (::read(fd_.get(), &count, sizeof count) < 0 && errno == EINTR) {
  }
  ids.swap(ready_);
  return ids;
}

const http_parser_settings Connection::kSettings = [] {
  http_parser_settings settings;
  http_parser_settings_init(&settings);
  settings.on_message_begin = &Connection::OnMessageBegin;
  settings.on_url = &Connection::OnUrl;
  settings.on_header_field = &Connection::OnHeaderField;
  settings.on_header_value = &Connection::OnHeaderValue;
  settings.on_headers_complete = &Connection::OnHeadersComplete;
  settings.on_body = &Connection::OnBody;
  settings.on_message_complete = &Connection::OnMessageComplete;
  return settings;
}();

Connection::Connection(uint64_t id, int fd, std::string peer,
                       const ConnectionContext& context)
    : id_(id), fd_(fd), context_(context) {
  http_parser_init(&parser_, HTTP_REQUEST);
  parser_.data = this;
  request_.peer = std::move(peer);
}

Connection::~Connection() {
  if (stream_) stream_->Detach();
  ::close(fd_);
}

int Connection::OnMessageBegin(http_parser* parser) {
  Connection* self = Self(parser);
  Request& request = self->request_;
  request.method.clear();
  request.path.clear();
  request.query.clear();
  request.headers.clear();
  Release(request.body);
  self->target_.clear();
  self->header_bytes_ = 0;
  self->in_header_value_ = false;
  return 0;
}

int Connection::OnUrl(http_parser* parser, const char* at, size_t length) {
  Connection* self = Self(parser);
  if (!self->CountHeaderBytes(length, /*in_target=*/true)) return -1;
  self->target_.append(at, length);
  return 0;
}

int Connection::OnHeaderField(http_parser* parser, const char* at,
                              size_t length) {
  Connection* self = Self(parser);
  auto& headers = self->request_.headers;
  bool starts_header = self->in_header_value_ || headers.empty();
  size_t counted = length + (starts_header ? kHeaderLineOverhead : 0);
  if (!self->CountHeaderBytes(counted, /*in_target=*/false)) return -1;

  if (starts_header) headers.emplace_back();
  self->in_header_value_ = false;
  headers.back().first.append(at, length);
  return 0;
}

int Connection::OnHeaderValue(http_parser* parser, const char* at,
                              size_t length) {
  Connection* self = Self(parser);
  if (!self->CountHeaderBytes(length, /*in_target=*/false)) return -1;
  auto& headers = self->request_.headers;
  if (headers.empty()) headers.emplace_back();  // The parser never does this.
  self->in_header_value_ = true;
  headers.back().second.append(at, length);
  return 0;
}

int Connection::OnHeadersComplete(http_parser* parser) {
  Connection* self = Self(parser);
  self->request_.method =
      http_method_str(static_cast<http_method>(parser->method));
  self->ParseTarget();
  self->keep_alive_ = http_should_keep_alive(parser) != 0;
  return self->CheckHeaders();
}

int Connection::OnBody(http_parser* parser, const char* at, size_t length) {
  Connection* self = Self(parser);
  std::string& body = self->request_.body;
  size_t limit = self->context_.max_body_bytes;
  // Reached only by chunked bodies: a declared length was checked already.
  if (length > limit - body.size()) {
    self->reject_status_ = 413;
    self->reject_reason_ = "body too large";
    self->reject_message_ =
        fmt::format("request body exceeds the limit of {} bytes", limit);
    return -1;
  }
  if (body.empty() && (parser->flags & F_CONTENTLENGTH)) {
    body.reserve(parser->content_length);
  }
  body.append(at, length);
  return 0;
}

int Connection::OnMessageComplete(http_parser* parser) {
  // Pausing hands each complete request back to ProcessInput, which answers
  // it before parsing the next pipelined one.
  http_parser_pause(parser, 1);
  return 0;
}

bool Connection::CountHeaderBytes(size_t length, bool in_target) {
  header_bytes_ += length;
  size_t limit = context_.max_header_bytes;
  if (header_bytes_ <= limit) return true;
  if (in_target) {
    reject_status_ = 414;
    reject_reason_ = "request target too long";
    reject_message_ =
        fmt::format("request target exceeds the limit of {} bytes", limit);
  } else {
    reject_status_ = 431;
    reject_reason_ = "header too large";
    reject_message_ = fmt::format(
        "request line and headers exceed the limit of {} bytes", limit);
  }
  return false;
}

int Connection::CheckHeaders() {
  if (parser_.http_major != 1) {
    reject_status_ = 505;
    reject_reason_ = "unsupported version";
    reject_message_ = fmt::format("HTTP/{}.{} is not supported; use HTTP/1.1",
                                  parser_.http_major, parser_.http_minor);
    return -1;
  }

  bool declared = (parser_.flags & F_CONTENTLENGTH) != 0;
  if (declared && parser_.content_length > context_.max_body_bytes) {
    reject_status_ = 413;
    reject_reason_ = "body too large";
    reject_message_ =
        fmt::format("request body of {} bytes exceeds the limit of {} bytes",
                    parser_.content_length, context_.max_body_bytes);
    return -1;
  }

  std::string_view expect = Trim(request_.Header("Expect"));
  if (expect.empty()) return 0;
  if (!EqualsIgnoreCase(expect, "100-continue")) {
    reject_status_ = 417;
    reject_reason_ = "expectation failed";
    reject_message_ =
        fmt::format("unsupported expectation: {}", expect.substr(0, kMaxEcho));
    return -1;
  }
  // HTTP/1.0 clients do not understand 100 (RFC 9110, 10.1.1).
  bool has_body =
      (parser_.flags & F_CHUNKED) || (declared && parser_.content_length > 0);
  if (has_body && parser_.http_major == 1 && parser_.http_minor >= 1) {
    out_.append("HTTP/1.1 100 Continue\r\n\r\n");
  }
  return 0;
}

void Connection::ParseTarget() {
  std::string_view target = target_;
  // Absolute form ("http://host/path"), as proxies send it.
  if (!target.empty() && target[0] != '/') {
    size_t scheme_end = target.find("://");
    if (scheme_end != std::string_view::npos) {
      size_t slash = target.find('/', scheme_end + 3);
      target = slash == std::string_view::npos ? std::string_view("/")
                                               : target.substr(slash);
    }
  }
  target = target.substr(0, target.find('#'));
  size_t question = target.find('?');
  request_.path.assign(target.substr(0, question));
  if (question != std::string_view::npos) {
    request_.query.assign(target.substr(question + 1));
  }
}

void Connection::ProcessInput() {
  size_t offset = 0;
  while (state_ == State::kOpen && offset < in_.size() && !OutputFull()) {
    size_t parsed = http_parser_execute(
        &parser_, &kSettings, in_.data() + offset, in_.size() - offset);
    offset += parsed;
    auto error = static_cast<http_errno>(parser_.http_errno);
    if (error == HPE_PAUSED) {
      http_parser_pause(&parser_, 0);
      AnswerRequest();
    } else if (reject_status_ != 0) {
      Reject(reject_status_, reject_reason_, reject_message_);
    } else if (error == HPE_HEADER_OVERFLOW) {
      Reject(431, "header too large", "request headers are too large");
    } else if (error != HPE_OK) {
      Reject(
          400, "malformed request",
          fmt::format("malformed request: {}", http_errno_description(error)));
    } else if (parsed == 0) {
      break;
    }
  }

  if (state_ == State::kOpen) {
    in_.erase(0, offset);
  } else {
    Release(in_);
  }
}

void Connection::AnswerRequest() {
  std::string_view rejection;
  Response response = context_.router->Dispatch(request_, &rejection);
  if (!rejection.empty() && context_.on_reject && *context_.on_reject) {
    (*context_.on_reject)(rejection);
  }

  // An upgrade (or CONNECT) is not supported: answer, then close, since
  // the bytes after it are not HTTP. A stream is always the last answer.
  bool streamed = response.stream != nullptr;
  bool keep_alive = keep_alive_ && !parser_.upgrade && !streamed;
  bool head = request_.method == "HEAD";
  chunked_ = streamed && parser_.http_minor >= 1;
  Queue(response, keep_alive, head);
  if (!keep_alive) state_ = State::kClosing;
  if (streamed && !head) StartStream(std::move(response.stream));
}

void Connection::StartStream(std::shared_ptr<ResponseStream> stream) {
  stream_ = std::move(stream);
  stream_ready_ = true;
  StreamWakeups* wakeups = context_.wakeups;
  uint64_t id = id_;
  stream_->Attach([wakeups, id] { wakeups->Notify(id); });
}

bool Connection::PumpStream() {
  if (!stream_ || !stream_ready_ || Pending() >= kStreamLowWater) {
    return false;
  }
  // Cleared before the read: a wake that races with it sets it again.
  stream_ready_ = false;
  stream_piece_.clear();
  bool more = stream_->Read(stream_piece_, kStreamReadBytes);
  bool appended = !stream_piece_.empty();
  if (appended) stream_ready_ = true;
  AppendStreamBytes(stream_piece_);
  Release(stream_piece_);
  if (!more) EndStream();
  return appended || !more;
}

void Connection::AppendStreamBytes(std::string_view data) {
  if (chunked_) {
    AppendChunk(data, out_);
  } else {
    out_.append(data);
  }
}

void Connection::EndStream() {
  if (chunked_) out_.append(kLastChunk);
  stream_->Detach();
  stream_.reset();
}

bool Connection::OnStreamReady() {
  if (!stream_) return true;  // A late wake for a stream that has ended.
  stream_ready_ = true;
  return FinishIo();
}

bool Connection::KeepStreamAlive() {
  if (!stream_ || Pending() > 0) return false;
  std::string_view keep_alive = stream_->KeepAlive();
  if (keep_alive.empty()) return false;
  AppendStreamBytes(keep_alive);
  return Flush();
}

void Connection::Reject(int status, std::string_view reason,
                        std::string_view message) {
  if (context_.on_reject && *context_.on_reject) {
    (*context_.on_reject)(reason);
  }
  Queue(Response::JsonError(status, message), /*keep_alive=*/false,
        request_.method == "HEAD");
  state_ = State::kClosing;
  reject_status_ = 0;
}

void Connection::Queue(const Response& response, bool keep_alive, bool head) {
  Framing framing;
  framing.keep_alive = keep_alive;
  framing.head = head;
  framing.chunked = chunked_;
  framing.date = context_.date->value();
  AppendResponse(response, framing, out_);
  ++progress_;
}

bool Connection::OutputFull() const {
  return out_.size() - out_offset_ >= kOutputHighWater;
}

bool Connection::Flush() {
  while (out_offset_ < out_.size()) {
    ssize_t n = ::send(fd_, out_.data() + out_offset_,
                       out_.size() - out_offset_, MSG_NOSIGNAL);
    if (n >= 0) {
      out_offset_ += static_cast<size_t>(n);
      ++progress_;
    } else if (errno != EINTR) {
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }
  }
  out_offset_ = 0;
  Release(out_);
  return true;
}

bool Connection::FinishIo() {
  // Requests held back by a full output buffer resume once it drains.
  for (;;) {
    if (!Flush()) return false;
    if (PumpStream()) continue;
    if (state_ != State::kOpen || in_.empty() || OutputFull()) break;
    size_t before = in_.size();
    ProcessInput();
    if (in_.size() == before && state_ == State::kOpen) break;
  }

  bool pending = out_offset_ < out_.size();
  if (state_ != State::kClosing || pending || stream_) return true;
  if (peer_closed_) return false;
  // Half-close and keep reading, so unread request bytes do not turn our
  // last answer into a reset on the peer's side.
  ::shutdown(fd_, SHUT_WR);
  state_ = State::kLingering;
  return true;
}

bool Connection::OnReadable(std::span<char> scratch) {
  if (state_ == State::kLingering) return Discard(scratch);

  ssize_t n = ::recv(fd_, scratch.data(), scratch.size(), 0);
  if (n > 0 && state_ == State::kOpen) {
    in_.append(scratch.data(), static_cast<size_t>(n));
    ProcessInput();
  } else if (n == 0) {
    // A subscriber that hangs up is gone: nobody reads the rest.
    if (stream_) return false;
    peer_closed_ = true;
    if (state_ == State::kOpen) state_ = State::kClosing;
  } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK &&
             errno != EINTR) {
    return false;
  }
  return FinishIo();
}

bool Connection::OnWritable() { return FinishIo(); }

bool Connection::Discard(std::span<char> scratch) {
  ssize_t n = ::recv(fd_, scratch.data(), scratch.size(), 0);
  if (n > 0) return true;
  if (n == 0) return false;
  return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR;
}

uint32_t Connection::WantedEvents() const {
  bool pending = out_offset_ < out_.size();
  switch (state_) {
    case State::kOpen:
      return (OutputFull() ? 0u : uint32_t{EPOLLIN}) |
             (pending ? uint32_t{EPOLLOUT} : 0u);
    case State::kClosing:
      // While streaming, input is read (and dropped) to see a hang-up.
      return (stream_ ? uint32_t{EPOLLIN} : 0u) |
             (pending || !stream_ ? uint32_t{EPOLLOUT} : 0u);
    case State::kLingering:
      return EPOLLIN;
  }
  return 0;
}

}  // namespace heimdall::http::internal
