#include "healer/provider.h"

#include <cerrno>
#include <cstring>
#include <fstream>

namespace heimdall::healer {

nlohmann::json ToJson(const Deployment& deployment) {
  return {{"generation_id", deployment.generation_id},
          {"provider", deployment.provider},
          {"simulator_url", deployment.simulator_url},
          {"predictor_url", deployment.predictor_url},
          {"detail", deployment.detail}};
}

Result<Deployment> DeploymentFromJson(const nlohmann::json& json) {
  if (!json.is_object()) return MakeError("deployment: not a JSON object");
  Deployment deployment;
  auto field = [&](const char* name, auto* out) -> Status {
    auto it = json.find(name);
    using T = std::remove_pointer_t<decltype(out)>;
    if (it == json.end()) return MakeError("deployment: missing \"{}\"", name);
    if constexpr (std::is_same_v<T, int64_t>) {
      if (!it->is_number_integer()) {
        return MakeError("deployment: \"{}\" is not an integer", name);
      }
    } else {
      if (!it->is_string()) {
        return MakeError("deployment: \"{}\" is not a string", name);
      }
    }
    *out = it->template get<T>();
    return Status::Ok();
  };
  HEIMDALL_RETURN_IF_ERROR(field("generation_id", &deployment.generation_id));
  HEIMDALL_RETURN_IF_ERROR(field("provider", &deployment.provider));
  HEIMDALL_RETURN_IF_ERROR(field("simulator_url", &deployment.simulator_url));
  HEIMDALL_RETURN_IF_ERROR(field("predictor_url", &deployment.predictor_url));
  if (auto it = json.find("detail"); it != json.end()) {
    deployment.detail = *it;
  }
  return deployment;
}

Status WriteArchive(const std::filesystem::path& path, int64_t generation_id,
                    nlohmann::json& archive) {
  archive["path"] = path.string();
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  const std::filesystem::path temp = path.string() + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    out << archive.dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
        << "\n";
    out.flush();
    if (!out) {
      return MakeError("archiving generation {}: writing {}: {}", generation_id,
                       temp.string(), std::strerror(errno));
    }
  }
  std::filesystem::rename(temp, path, error);
  if (error) {
    return MakeError("archiving generation {}: renaming {} to {}: {}",
                     generation_id, temp.string(), path.string(),
                     error.message());
  }
  return Status::Ok();
}

}  // namespace heimdall::healer
