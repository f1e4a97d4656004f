#include "http/server.h"

#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cassert>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "http/socket.h"
#include "http/worker.h"

namespace heimdall::http {
namespace {

using internal::UniqueFd;

// Above the kernel's usual somaxconn, which then caps it.
constexpr int kListenBacklog = 4096;
constexpr int kMaxThreads = 256;

Status Validate(const ServerOptions& options) {
  if (options.threads < 1 || options.threads > kMaxThreads) {
    return MakeError("server threads must be 1-{}, got {}", kMaxThreads,
                     options.threads);
  }
  if (options.max_header_bytes == 0) {
    return MakeError("server max_header_bytes must be positive");
  }
  if (options.idle_timeout.count() <= 0) {
    return MakeError("server idle_timeout must be positive");
  }
  return Status::Ok();
}

// One listener per worker, all on the same port. With port 0 the first
// listener picks the port and the others join it.
Result<std::vector<UniqueFd>> OpenListeners(const ServerOptions& options,
                                            uint16_t* port) {
  auto address = internal::ResolveBindAddress(options.bind, options.port);
  if (!address.ok()) return address.error();
  if (options.port != 0) {
    HEIMDALL_RETURN_IF_ERROR(internal::CheckPortFree(*address));
  }

  std::vector<UniqueFd> listeners;
  for (int i = 0; i < options.threads; ++i) {
    auto listener = internal::OpenListener(*address, kListenBacklog);
    if (!listener.ok()) return listener.error();
    if (i == 0) {
      auto bound = internal::LocalAddress(listener->get());
      if (!bound.ok()) return bound.error();
      address->set_port(bound->port());
    }
    listeners.push_back(std::move(listener).value());
  }
  *port = address->port();
  return listeners;
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  Router router;
  uint16_t port = 0;
  UniqueFd wake;
  std::vector<std::unique_ptr<internal::Worker>> workers;
  std::vector<std::thread> threads;
  std::mutex stop_mutex;
  bool stopped = false;
};

Result<std::unique_ptr<Server>> Server::Start(ServerOptions options,
                                              Router router) {
  HEIMDALL_RETURN_IF_ERROR(Validate(options));
  auto impl = std::make_unique<Impl>();
  impl->options = std::move(options);
  impl->router = std::move(router);

  auto listeners = OpenListeners(impl->options, &impl->port);
  if (!listeners.ok()) return listeners.error().Annotate("starting server");
  // Level-triggered and never read: once signalled it wakes every worker.
  impl->wake.Reset(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!impl->wake.valid()) {
    return MakeError("starting server: eventfd: {}", std::strerror(errno));
  }

  for (UniqueFd& listener : *listeners) {
    auto worker = std::make_unique<internal::Worker>(
        std::move(listener), impl->wake.get(), impl->options, impl->router);
    HEIMDALL_RETURN_IF_ERROR(worker->Init().Annotate("starting server"));
    impl->workers.push_back(std::move(worker));
  }
  for (size_t i = 0; i < impl->workers.size(); ++i) {
    internal::Worker* worker = impl->workers[i].get();
    impl->threads.emplace_back([worker] { worker->Run(); });
    std::string name = fmt::format("http-{}", i);
    pthread_setname_np(impl->threads.back().native_handle(), name.c_str());
  }

  spdlog::info("http: listening on {}:{} with {} worker threads",
               impl->options.bind, impl->port, impl->options.threads);
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

Server::~Server() { Stop(); }

uint16_t Server::port() const { return impl_->port; }

void Server::Stop() {
  for ([[maybe_unused]] const std::thread& thread : impl_->threads) {
    // A worker joining itself would wait forever.
    assert(thread.get_id() != std::this_thread::get_id());
  }
  std::lock_guard<std::mutex> lock(impl_->stop_mutex);
  if (impl_->stopped) return;
  impl_->stopped = true;

  uint64_t one = 1;
  while (::write(impl_->wake.get(), &one, sizeof one) < 0 && errno == EINTR) {
  }
  for (std::thread& thread : impl_->threads) thread.join();
  impl_->workers.clear();
}

}  // namespace heimdall::http
