#include "healer/docker_engine.h"

#include <fmt/format.h>

namespace heimdall::healer {
namespace {

// Pinned so replies keep one shape on newer engines (they all serve older
// versions); 1.41 is Docker 20.10, Debian 12's docker.io.
constexpr char kApiPrefix[] = "http://docker/v1.41";

// "label" filters as the engine wants them in a query string.
std::string LabelFilter(const std::vector<std::string>& labels) {
  return PercentEncode(nlohmann::json{{"label", labels}}.dump());
}

bool Succeeded(int status) { return status >= 200 && status < 300; }

// The "Id" of a create reply.
Result<std::string> CreatedId(const nlohmann::json& reply,
                              const std::string& what) {
  if (!reply.is_object() || !reply.contains("Id") || !reply["Id"].is_string()) {
    return MakeError("docker: creating {}: the reply has no Id", what);
  }
  return reply["Id"].get<std::string>();
}

}  // namespace

DockerEngine::DockerEngine(DockerEngineOptions options)
    : options_(std::move(options)), client_(std::make_unique<http::Client>()) {}

Result<DockerEngine::Reply> DockerEngine::Call(const std::string& method,
                                               const std::string& path,
                                               const std::string& body,
                                               Duration timeout) {
  http::ClientRequest request;
  request.method = method;
  request.url = kApiPrefix + path;
  request.unix_socket = options_.socket;
  request.body = body;
  request.timeout = timeout;
  Result<http::ClientResponse> response = client_->Send(request);
  if (!response.ok()) {
    return response.error().Annotate("docker engine");
  }
  return Reply{response->status, std::move(response->body)};
}

// For calls whose only success is a 2xx with a JSON (or empty) body.
Result<nlohmann::json> DockerEngine::CallJson(const std::string& method,
                                              const std::string& path,
                                              const nlohmann::json& body) {
  Result<Reply> reply =
      Call(method, path, body.is_null() ? "" : body.dump(), options_.timeout);
  if (!reply.ok()) return reply.error();
  if (!Succeeded(reply->status)) {
    return MakeError("docker {} {}: {} {}", method, path, reply->status,
                     EngineMessage(reply->body));
  }
  if (reply->body.empty()) return nlohmann::json();
  nlohmann::json parsed = nlohmann::json::parse(reply->body, nullptr, false);
  if (parsed.is_discarded()) {
    return MakeError("docker {} {}: reply is not JSON", method, path);
  }
  return parsed;
}

Status DockerEngine::Ping() {
  Result<Reply> reply = Call("GET", "/_ping", "", options_.timeout);
  if (!reply.ok()) return reply.error();
  if (reply->status != 200) {
    return MakeError("docker engine at {}: ping answered {}", options_.socket,
                     reply->status);
  }
  return Status::Ok();
}

Result<std::optional<nlohmann::json>> DockerEngine::InspectImage(
    const std::string& name) {
  Result<Reply> reply = Call("GET", "/images/" + PercentEncode(name) + "/json",
                             "", options_.timeout);
  if (!reply.ok()) return reply.error();
  if (reply->status == 404) return std::optional<nlohmann::json>();
  if (!Succeeded(reply->status)) {
    return MakeError("docker: inspecting image {}: {} {}", name, reply->status,
                     EngineMessage(reply->body));
  }
  return std::optional<nlohmann::json>(
      nlohmann::json::parse(reply->body, nullptr, false));
}

Result<std::string> DockerEngine::CreateNetwork(
    const std::string& name, const std::map<std::string, std::string>& labels) {
  const nlohmann::json body = {{"Name", name},
                               {"CheckDuplicate", true},
                               {"Driver", "bridge"},
                               {"Labels", labels}};
  Result<nlohmann::json> created = CallJson("POST", "/networks/create", body);
  if (!created.ok()) return created.error();
  return CreatedId(*created, "network " + name);
}

Status DockerEngine::RemoveNetwork(const std::string& name_or_id) {
  Result<Reply> reply = Call("DELETE", "/networks/" + PercentEncode(name_or_id),
                             "", options_.timeout);
  if (!reply.ok()) return reply.error();
  if (Succeeded(reply->status) || reply->status == 404) return Status::Ok();
  return MakeError("docker: removing network {}: {} {}", name_or_id,
                   reply->status, EngineMessage(reply->body));
}

Result<std::vector<nlohmann::json>> DockerEngine::ListNetworks(
    const std::vector<std::string>& label_filters) {
  Result<nlohmann::json> list =
      CallJson("GET", "/networks?filters=" + LabelFilter(label_filters),
               nlohmann::json());
  if (!list.ok()) return list.error();
  if (!list->is_array()) return Error("docker: network list is not an array");
  return list->get<std::vector<nlohmann::json>>();
}

Result<std::string> DockerEngine::CreateContainer(const std::string& name,
                                                  const nlohmann::json& spec) {
  Result<nlohmann::json> created =
      CallJson("POST", "/containers/create?name=" + PercentEncode(name), spec);
  if (!created.ok()) return created.error();
  return CreatedId(*created, "container " + name);
}

Status DockerEngine::StartContainer(const std::string& id) {
  return CallJson("POST", "/containers/" + id + "/start", nlohmann::json())
      .status();
}

Result<std::optional<nlohmann::json>> DockerEngine::InspectContainer(
    const std::string& id) {
  Result<Reply> reply =
      Call("GET", "/containers/" + id + "/json", "", options_.timeout);
  if (!reply.ok()) return reply.error();
  if (reply->status == 404) return std::optional<nlohmann::json>();
  if (!Succeeded(reply->status)) {
    return MakeError("docker: inspecting container {}: {} {}", id,
                     reply->status, EngineMessage(reply->body));
  }
  nlohmann::json parsed = nlohmann::json::parse(reply->body, nullptr, false);
  if (!parsed.is_object()) {
    return MakeError("docker: inspecting container {}: reply is not JSON", id);
  }
  return std::optional<nlohmann::json>(std::move(parsed));
}

Status DockerEngine::StopContainer(const std::string& id, Duration grace) {
  // The engine answers only once the container has stopped: allow the
  // grace period on top of the usual deadline. Its `t` is in whole seconds.
  const auto seconds = std::chrono::ceil<std::chrono::seconds>(grace).count();
  Result<Reply> reply =
      Call("POST", fmt::format("/containers/{}/stop?t={}", id, seconds), "",
           options_.timeout + grace);
  if (!reply.ok()) return reply.error();
  // 304: already stopped; 404: already gone.
  if (Succeeded(reply->status) || reply->status == 304 ||
      reply->status == 404) {
    return Status::Ok();
  }
  return MakeError("docker: stopping container {}: {} {}", id, reply->status,
                   EngineMessage(reply->body));
}

Status DockerEngine::RemoveContainer(const std::string& id) {
  Result<Reply> reply = Call("DELETE", "/containers/" + id + "?force=1&v=1", "",
                             options_.timeout);
  if (!reply.ok()) return reply.error();
  if (Succeeded(reply->status) || reply->status == 404) return Status::Ok();
  return MakeError("docker: removing container {}: {} {}", id, reply->status,
                   EngineMessage(reply->body));
}

Result<std::string> DockerEngine::Logs(const std::string& id, int lines) {
  Result<Reply> reply = Call(
      "GET",
      fmt::format("/containers/{}/logs?stdout=1&stderr=1&tail={}", id, lines),
      "", options_.timeout);
  if (!reply.ok()) return reply.error();
  if (!Succeeded(reply->status)) {
    return MakeError("docker: logs of container {}: {} {}", id, reply->status,
                     EngineMessage(reply->body));
  }
  return DemultiplexLogs(reply->body);
}

Result<std::vector<nlohmann::json>> DockerEngine::ListContainers(
    const std::vector<std::string>& label_filters) {
  Result<nlohmann::json> list = CallJson(
      "GET", "/containers/json?all=1&filters=" + LabelFilter(label_filters),
      nlohmann::json());
  if (!list.ok()) return list.error();
  if (!list->is_array()) {
    return Error("docker: container list is not an array");
  }
  return list->get<std::vector<nlohmann::json>>();
}

std::string DemultiplexLogs(std::string_view stream) {
  std::string text;
  while (stream.size() >= 8) {
    const auto byte = [&](size_t i) {
      return static_cast<uint32_t>(static_cast<unsigned char>(stream[i]));
    };
    const uint32_t length =
        byte(4) << 24 | byte(5) << 16 | byte(6) << 8 | byte(7);
    stream.remove_prefix(8);
    const size_t take = std::min<size_t>(length, stream.size());
    text.append(stream.substr(0, take));
    stream.remove_prefix(take);
  }
  return text;
}

std::string PercentEncode(std::string_view text) {
  std::string encoded;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '_' || c == '.' || c == '~') {
      encoded += c;
    } else {
      encoded += fmt::format("%{:02X}", u);
    }
  }
  return encoded;
}

std::string EngineMessage(std::string_view body) {
  const nlohmann::json parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_object() && parsed.contains("message") &&
      parsed["message"].is_string()) {
    return parsed["message"].get<std::string>();
  }
  return std::string(body.substr(0, 200));
}

}  // namespace heimdall::healer
