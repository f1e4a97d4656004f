#include "common/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace heimdall {

Result<std::string> ReadFile(const std::filesystem::path& path) {
  std::error_code error;
  if (std::filesystem::is_directory(path, error)) {
    return MakeError("{}: is a directory, not a file", path.string());
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return MakeError("{}: cannot read: {}", path.string(),
                     std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return MakeError("{}: read failed: {}", path.string(),
                     std::strerror(errno));
  }
  return text.str();
}

}  // namespace heimdall
