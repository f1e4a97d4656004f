#include "http/worker.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <spdlog/spdlog.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <iterator>

namespace heimdall::http::internal {
namespace {

constexpr size_t kScratchBytes = 64 * 1024;
constexpr int kMaxEvents = 128;
// Bounded so a flood of connects cannot starve established connections.
constexpr int kMaxAcceptsPerWake = 64;
constexpr auto kMaxLinger = std::chrono::seconds(2);

// Tags for the non-connection descriptors in epoll_event.data.ptr.
char listener_tag;
char wake_tag;
char stream_tag;

std::string FormatPeer(const sockaddr_storage& peer, socklen_t length) {
  SocketAddress address;
  std::memcpy(&address.storage, &peer, length);
  address.length = length;
  return address.ToString();
}

}  // namespace

Worker::Worker(UniqueFd listener, int wake_fd, const ServerOptions& options,
               const Router& router)
    : listener_(std::move(listener)),
      wake_fd_(wake_fd),
      idle_timeout_(options.idle_timeout),
      linger_timeout_(
          std::min<Clock::duration>(options.idle_timeout, kMaxLinger)),
      scratch_(kScratchBytes) {
  context_.router = &router;
  context_.max_header_bytes = options.max_header_bytes;
  context_.max_body_bytes = options.max_body_bytes;
  context_.on_reject = &options.on_reject;
  context_.date = &date_;
  context_.wakeups = &wakeups_;
}

Worker::~Worker() = default;

Status Worker::Init() {
  epoll_.Reset(epoll_create1(EPOLL_CLOEXEC));
  if (!epoll_.valid()) {
    return MakeError("creating an epoll instance: {}", std::strerror(errno));
  }
  spare_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  HEIMDALL_RETURN_IF_ERROR(wakeups_.Init());

  epoll_event listen_event{};
  listen_event.events = EPOLLIN;
  listen_event.data.ptr = &listener_tag;
  epoll_event wake_event{};
  wake_event.events = EPOLLIN;
  wake_event.data.ptr = &wake_tag;
  epoll_event stream_event{};
  stream_event.events = EPOLLIN;
  stream_event.data.ptr = &stream_tag;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, listener_.get(), &listen_event) !=
          0 ||
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wake_fd_, &wake_event) != 0 ||
      epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, wakeups_.fd(), &stream_event) !=
          0) {
    return MakeError("registering with epoll: {}", std::strerror(errno));
  }
  return Status::Ok();
}

void Worker::Run() {
  std::array<epoll_event, kMaxEvents> events;
  bool stopping = false;
  while (!stopping) {
    int count =
        epoll_wait(epoll_.get(), events.data(), kMaxEvents, NextTimeoutMs());
    if (count < 0 && errno != EINTR) {
      // Only a bug (bad descriptor or arguments) gets here.
      spdlog::critical("http worker: epoll_wait: {}", std::strerror(errno));
      break;
    }
    now_ = Clock::now();
    date_.Update(std::time(nullptr));

    for (int i = 0; i < count; ++i) {
      void* tag = events[i].data.ptr;
      if (tag == &wake_tag) {
        stopping = true;
      } else if (tag == &listener_tag) {
        AcceptAll();
      } else if (tag == &stream_tag) {
        ServeStreams();
      } else if (Slot* slot = static_cast<Slot*>(tag); !slot->closed) {
        Serve(slot, events[i].events);
      }
    }
    ExpireIdle();
    closed_.clear();
  }
  CloseAll();
}

void Worker::AcceptAll() {
  for (int i = 0; i < kMaxAcceptsPerWake; ++i) {
    sockaddr_storage peer{};
    socklen_t length = sizeof peer;
    int fd = accept4(listener_.get(), reinterpret_cast<sockaddr*>(&peer),
                     &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd >= 0) {
      Adopt(fd, peer, length);
    } else if (errno == EMFILE || errno == ENFILE) {
      ShedOneConnection();
      return;
    } else if (errno != EINTR && errno != ECONNABORTED) {
      return;  // EAGAIN: the queue is empty.
    }
  }
}

void Worker::Adopt(int fd, const sockaddr_storage& peer,
                   socklen_t peer_length) {
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);

  Slot& slot = active_.emplace_back();
  slot.position = std::prev(active_.end());
  slot.id = ++next_id_;
  slot.connection = std::make_unique<Connection>(
      slot.id, fd, FormatPeer(peer, peer_length), context_);
  slot.deadline = now_ + idle_timeout_;
  slot.events = EPOLLIN;

  epoll_event event{};
  event.events = slot.events;
  event.data.ptr = &slot;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_ADD, fd, &event) != 0) {
    active_.erase(slot.position);
    return;
  }
  slots_by_id_.emplace(slot.id, &slot);
}

void Worker::ShedOneConnection() {
  spare_.Reset();
  ::close(accept4(listener_.get(), nullptr, nullptr, SOCK_CLOEXEC));
  spare_.Reset(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  warnings_.Log("out of fds",
                "http worker: out of file descriptors; dropped a connection");
}

void Worker::Serve(Slot* slot, uint32_t events) {
  Connection& connection = *slot->connection;
  bool alive = (events & EPOLLERR) == 0;
  if (alive && (events & (EPOLLIN | EPOLLHUP))) {
    alive = connection.OnReadable(scratch_);
  }
  if (alive && (events & EPOLLOUT)) alive = connection.OnWritable();
  AfterIo(slot, alive);
}

void Worker::ServeStreams() {
  for (uint64_t id : wakeups_.Take()) {
    auto found = slots_by_id_.find(id);
    if (found == slots_by_id_.end()) continue;  // Closed since the wake.
    Slot* slot = found->second;
    AfterIo(slot, slot->connection->OnStreamReady());
  }
}

void Worker::AfterIo(Slot* slot, bool alive) {
  if (!alive) {
    Close(slot);
    return;
  }
  Touch(slot);
  UpdateInterest(slot);
}

void Worker::Touch(Slot* slot) {
  if (slot->lingering) return;  // A linger has a fixed end.
  if (slot->connection->lingering()) {
    slot->lingering = true;
    slot->deadline = now_ + linger_timeout_;
    lingering_.splice(lingering_.end(), active_, slot->position);
    return;
  }
  uint64_t progress = slot->connection->progress();
  if (progress == slot->progress) return;
  slot->progress = progress;
  slot->deadline = now_ + idle_timeout_;
  active_.splice(active_.end(), active_, slot->position);
}

void Worker::UpdateInterest(Slot* slot) {
  uint32_t wanted = slot->connection->WantedEvents();
  if (wanted == slot->events) return;
  epoll_event event{};
  event.events = wanted;
  event.data.ptr = slot;
  if (epoll_ctl(epoll_.get(), EPOLL_CTL_MOD, slot->connection->fd(), &event) !=
      0) {
    Close(slot);
    return;
  }
  slot->events = wanted;
}

void Worker::Close(Slot* slot) {
  // Closing the descriptor is not enough: epoll watches the open file, and a
  // child between fork and exec (heimdall up spawns while serving) keeps it
  // open, so events would keep coming for a slot that no longer exists.
  epoll_ctl(epoll_.get(), EPOLL_CTL_DEL, slot->connection->fd(), nullptr);
  slots_by_id_.erase(slot->id);
  slot->closed = true;
  SlotList& list = slot->lingering ? lingering_ : active_;
  closed_.splice(closed_.end(), list, slot->position);
}

void Worker::ExpireIdle() {
  while (!active_.empty() && active_.front().deadline <= now_) {
    Slot* slot = &active_.front();
    if (!slot->connection->KeepStreamAlive()) {
      Close(slot);
      continue;
    }
    // A subscriber waiting for events is not idle; the keep-alive bytes
    // also find out whether it is still there.
    slot->progress = slot->connection->progress();
    slot->deadline = now_ + idle_timeout_;
    active_.splice(active_.end(), active_, slot->position);
    UpdateInterest(slot);
  }
  while (!lingering_.empty() && lingering_.front().deadline <= now_) {
    Close(&lingering_.front());
  }
}

int Worker::NextTimeoutMs() const {
  Clock::time_point next = Clock::time_point::max();
  if (!active_.empty()) next = active_.front().deadline;
  if (!lingering_.empty()) next = std::min(next, lingering_.front().deadline);
  if (next == Clock::time_point::max()) return -1;

  auto wait = next - Clock::now();
  if (wait <= Clock::duration::zero()) return 0;
  // Rounded up, so the loop does not wake just before a deadline.
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  return static_cast<int>(std::min<int64_t>(ms, 60'000));
}

void Worker::CloseAll() {
  listener_.Reset();
  for (Slot& slot : active_) slot.connection->FlushBeforeClose();
  slots_by_id_.clear();
  active_.clear();
  lingering_.clear();
  closed_.clear();
}

}  // namespace heimdall::http::internal
