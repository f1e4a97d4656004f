// One server worker: an epoll loop over its own listening socket and the
// connections it accepted. Private to the http layer.
#ifndef HEIMDALL_HTTP_WORKER_H_
#define HEIMDALL_HTTP_WORKER_H_

#include <sys/socket.h>

#include <chrono>
#include <cstdint>
#include <list>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "http/connection.h"
#include "http/rate_limited_log.h"
#include "http/server.h"
#include "http/socket.h"
#include "http/wire.h"

namespace heimdall::http::internal {

// Created and initialised on the starting thread, then Run() on its own
// thread; everything but the shared wake-up descriptor is confined to it.
class Worker {
 public:
  // Takes `listener`. `wake_fd` (an eventfd) stays owned by the caller and
  // must outlive Run(); so must `options` and `router`.
  Worker(UniqueFd listener, int wake_fd, const ServerOptions& options,
         const Router& router);
  ~Worker();

  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Creates the epoll instance and registers the listener and wake-up fd.
  Status Init();
  // Serves until `wake_fd` becomes readable, then closes the listener and
  // every connection (after one last attempt to write pending answers).
  void Run();

 private:
  using Clock = std::chrono::steady_clock;
  struct Slot;
  using SlotList = std::list<Slot>;
  struct Slot {
    uint64_t id = 0;
    std::unique_ptr<Connection> connection;
    Clock::time_point deadline;
    uint32_t events = 0;    // Registered with epoll.
    uint64_t progress = 0;  // Connection::progress() at the last deadline.
    bool lingering = false;
    bool closed = false;  // In closed_, freed after the current batch.
    SlotList::iterator position;
  };

  void AcceptAll();
  void Adopt(int fd, const sockaddr_storage& peer, socklen_t peer_length);
  void ShedOneConnection();
  void Serve(Slot* slot, uint32_t events);
  void ServeStreams();
  void AfterIo(Slot* slot, bool alive);
  void Touch(Slot* slot);
  void UpdateInterest(Slot* slot);
  void Close(Slot* slot);
  void ExpireIdle();
  int NextTimeoutMs() const;
  void CloseAll();

  UniqueFd listener_;
  int wake_fd_;
  UniqueFd epoll_;
  // Held open so that when descriptors run out, one can be freed to accept
  // and drop a connection instead of spinning on a full accept queue.
  UniqueFd spare_;
  RateLimitedLog warnings_;
  Clock::duration idle_timeout_;
  Clock::duration linger_timeout_;

  DateCache date_;
  StreamWakeups wakeups_;
  ConnectionContext context_;
  std::vector<char> scratch_;
  Clock::time_point now_;
  SlotList active_;     // Ordered by deadline: last progress + idle timeout.
  SlotList lingering_;  // Ordered by deadline: linger start + linger time.
  // Slots closed while handling one batch of epoll events. A later event of
  // the same batch may still point at one (a stream's wake-up can close a
  // connection whose hang-up is also in the batch), so they are freed only
  // once the batch is done.
  SlotList closed_;
  uint64_t next_id_ = 0;
  // Every slot by id, so a stream's wake-up finds its connection (or finds
  // it gone).
  std::unordered_map<uint64_t, Slot*> slots_by_id_;
};

}  // namespace heimdall::http::internal

#endif  // HEIMDALL_HTTP_WORKER_H_
