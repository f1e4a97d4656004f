// Reading a whole file, with the reason when that fails.
#ifndef HEIMDALL_COMMON_FILE_H_
#define HEIMDALL_COMMON_FILE_H_

#include <filesystem>
#include <string>

#include "common/status.h"

namespace heimdall {

// The bytes of the regular file (or other readable non-directory, such as a
// pipe) at `path`. Fails naming the path and the system's reason, also for
// a directory, which opens on Linux but reads as an error.
Result<std::string> ReadFile(const std::filesystem::path& path);

}  // namespace heimdall

#endif  // HEIMDALL_COMMON_FILE_H_
