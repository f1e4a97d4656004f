#include "http/client.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace heimdall::http {
namespace {

// curl_global_init is not guaranteed thread-safe on every libcurl build, so
// it runs exactly once, under the guarantee for function-local statics. It
// is never paired with curl_global_cleanup: other code may still use curl.
Status GlobalInit() {
  static const CURLcode code = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (code != CURLE_OK) {
    return MakeError("initialising libcurl: {}", curl_easy_strerror(code));
  }
  return Status::Ok();
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using HeaderList = std::unique_ptr<curl_slist, SlistDeleter>;

bool BreaksLine(std::string_view text) {
  return text.find_first_of("\r\n") != std::string_view::npos;
}

// The headers to send, or an error naming a header that would split the
// request.
Result<HeaderList> BuildHeaders(const ClientRequest& request) {
  HeaderList list;
  auto append = [&list](const std::string& line) {
    curl_slist* grown = curl_slist_append(list.get(), line.c_str());
    if (grown == nullptr) return false;
    list.release();
    list.reset(grown);
    return true;
  };
  // Without this curl may wait for a "100 Continue" on larger bodies.
  bool ok = append("Expect:");
  if (!request.body.empty() && !request.content_type.empty()) {
    if (BreaksLine(request.content_type)) {
      return MakeError("content type holds a line break");
    }
    ok = ok && append("Content-Type: " + request.content_type);
  }
  for (const auto& [name, value] : request.headers) {
    if (name.empty() || BreaksLine(name) || BreaksLine(value) ||
        name.find(':') != std::string::npos) {
      return MakeError("invalid header '{}'", name);
    }
    ok = ok && append(name + ": " + value);
  }
  if (!ok) return MakeError("out of memory building headers");
  return list;
}

}  // namespace

struct Client::Impl {
  CURL* easy = nullptr;
  char error[CURL_ERROR_SIZE] = {};
  std::string body;
  size_t max_bytes = 0;
  bool too_large = false;

  ~Impl() {
    if (easy != nullptr) curl_easy_cleanup(easy);
  }

  static size_t OnData(char* data, size_t size, size_t count, void* user);
  void SetMethod(const ClientRequest& request);
  void Configure(const ClientRequest& request, curl_slist* headers);
  Error Describe(CURLcode code, const ClientRequest& request) const;
};

size_t Client::Impl::OnData(char* data, size_t size, size_t count, void* user) {
  auto* impl = static_cast<Impl*>(user);
  size_t length = size * count;
  if (length > impl->max_bytes - impl->body.size()) {
    impl->too_large = true;
    return CURL_WRITEFUNC_ERROR;
  }
  impl->body.append(data, length);
  return length;
}

void Client::Impl::SetMethod(const ClientRequest& request) {
  if (request.method == "GET" && request.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    return;
  }
  if (request.method == "HEAD") {
    curl_easy_setopt(easy, CURLOPT_NOBODY, 1L);
    return;
  }
  if (request.method != "POST") {
    curl_easy_setopt(easy, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.method == "POST" || !request.body.empty()) {
    curl_easy_setopt(easy, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
}

void Client::Impl::Configure(const ClientRequest& request,
                             curl_slist* headers) {
  // Reset keeps the connection cache, which is what gives keep-alive.
  curl_easy_reset(easy);
  error[0] = '\0';
  body.clear();
  max_bytes = request.max_response_bytes;
  too_large = false;

  curl_easy_setopt(easy, CURLOPT_URL, request.url.c_str());
  if (!request.unix_socket.empty()) {
    curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH,
                     request.unix_socket.c_str());
  }
  curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(easy, CURLOPT_NOPROXY, "*");
  long timeout_ms = static_cast<long>(request.timeout.count());
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Impl::OnData);
  curl_easy_setopt(easy, CURLOPT_WRITEDATA, this);
  curl_easy_setopt(easy, CURLOPT_MAXFILESIZE_LARGE,
                   static_cast<curl_off_t>(request.max_response_bytes));
  curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
  SetMethod(request);
}

Error Client::Impl::Describe(CURLcode code,
                             const ClientRequest& request) const {
  std::string reason;
  if (too_large || code == CURLE_FILESIZE_EXCEEDED) {
    reason = fmt::format("response larger than {} bytes",
                         request.max_response_bytes);
  } else if (error[0] != '\0') {
    reason = error;
  } else {
    reason = curl_easy_strerror(code);
  }
  if (!request.unix_socket.empty()) {
    return MakeError("{} {} (over {}): {}", request.method, request.url,
                     request.unix_socket, reason);
  }
  return MakeError("{} {}: {}", request.method, request.url, reason);
}

Client::Client() : impl_(std::make_unique<Impl>()) {
  if (GlobalInit().ok()) impl_->easy = curl_easy_init();
}

Client::~Client() = default;

Result<ClientResponse> Client::Send(const ClientRequest& request) {
  HEIMDALL_RETURN_IF_ERROR(GlobalInit());
  if (impl_->easy == nullptr) return Error("creating a curl handle failed");
  if (request.timeout.count() <= 0) {
    return MakeError("{} {}: timeout must be positive", request.method,
                     request.url);
  }
  auto headers = BuildHeaders(request);
  if (!headers.ok()) {
    return headers.error().Annotate(
        fmt::format("{} {}", request.method, request.url));
  }

  impl_->Configure(request, headers->get());
  CURLcode code = curl_easy_perform(impl_->easy);
  if (code != CURLE_OK) return impl_->Describe(code, request);

  ClientResponse response;
  long status = 0;
  curl_easy_getinfo(impl_->easy, CURLINFO_RESPONSE_CODE, &status);
  response.status = static_cast<int>(status);
  char* content_type = nullptr;
  curl_easy_getinfo(impl_->easy, CURLINFO_CONTENT_TYPE, &content_type);
  if (content_type != nullptr) response.content_type = content_type;
  response.body = std::move(impl_->body);
  impl_->body = std::string();
  return response;
}

Result<ClientResponse> Client::Get(const std::string& url,
                                   std::chrono::milliseconds timeout) {
  ClientRequest request;
  request.url = url;
  request.timeout = timeout;
  return Send(request);
}

Result<ClientResponse> Client::PostJson(const std::string& url,
                                        std::string body,
                                        std::chrono::milliseconds timeout) {
  ClientRequest request;
  request.method = "POST";
  request.url = url;
  request.body = std::move(body);
  request.timeout = timeout;
  return Send(request);
}

}  // namespace heimdall::http
