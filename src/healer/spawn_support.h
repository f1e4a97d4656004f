// What process.cc and command.cc share to start a child with posix_spawn.
#ifndef HEIMDALL_HEALER_SPAWN_SUPPORT_H_
#define HEIMDALL_HEALER_SPAWN_SUPPORT_H_

#include <spawn.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace heimdall::healer::internal {

// Our environment with `extra` ("K=V") replacing or adding variables.
inline std::vector<std::string> MergedEnvironment(
    const std::vector<std::string>& extra) {
  std::vector<std::string> merged;
  auto name_of = [](std::string_view entry) {
    return entry.substr(0, entry.find('='));
  };
  for (char** entry = environ; *entry != nullptr; ++entry) {
    const std::string_view current(*entry);
    const bool replaced = std::any_of(
        extra.begin(), extra.end(),
        [&](const std::string& e) { return name_of(e) == name_of(current); });
    if (!replaced) merged.emplace_back(current);
  }
  merged.insert(merged.end(), extra.begin(), extra.end());
  return merged;
}

// argv/envp for exec: pointers into `strings`, then a null.
inline std::vector<char*> CStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (std::string& s : strings) pointers.push_back(s.data());
  pointers.push_back(nullptr);
  return pointers;
}

// posix_spawn's attributes and file actions, released on scope exit.
struct SpawnSetup {
  posix_spawnattr_t attr;
  posix_spawn_file_actions_t actions;
  SpawnSetup() {
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_init(&actions);
  }
  ~SpawnSetup() {
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
  }
  SpawnSetup(const SpawnSetup&) = delete;
  SpawnSetup& operator=(const SpawnSetup&) = delete;
};

}  // namespace heimdall::healer::internal

#endif  // HEIMDALL_HEALER_SPAWN_SUPPORT_H_
