#!/usr/bin/env bash
# Installs what Heimdall needs to build and test (Debian 12 packages), then
# configures and builds it in ./build. Safe to run again: it installs only
# what is missing and rebuilds only what changed.
#
#   scripts/bootstrap.sh              # release build in ./build
#   BUILD_DIR=build-asan CMAKE_ARGS=-DHEIMDALL_SANITIZE=ON scripts/bootstrap.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# Why each package is here is written in README.md ("Dependencies").
packages=(
  build-essential cmake pkg-config git curl ca-certificates
  libsvm-dev nlohmann-json3-dev libcli11-dev libspdlog-dev libfmt-dev
  libtomlplusplus-dev libsqlite3-dev libcurl4-openssl-dev prometheus-cpp-dev
  libhttp-parser-dev libgtest-dev libgmock-dev libbenchmark-dev
  chromium
)
# The integration tests start their own, on loopback. Without recommends:
# no node exporter and IPMI tools come along.
test_packages=(prometheus prometheus-alertmanager)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing+=("$p")
done
missing_tests=()
for p in "${test_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' \
    || missing_tests+=("$p")
done
# Node and npm fetch the dashboard's front-end packages and drive the browser
# tests. A node that is already there (from another source, which may
# bundle its own npm and conflict with Debian's) is kept.
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
if ((${#missing[@]} + ${#missing_tests[@]})); then
  echo "bootstrap: installing ${missing[*]} ${missing_tests[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  if ((${#missing[@]})); then
    $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}"
  fi
  if ((${#missing_tests[@]})); then
    $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 \
      --no-install-recommends "${missing_tests[@]}"
  fi
fi

# The dashboard's npm packages (uPlot, embedded in the binary; playwright-core
# for the browser tests), exactly as web/package-lock.json pins them. Fetched
# again only when the lock file changed.
if ! cmp -s web/package-lock.json web/node_modules/.heimdall-lock; then
  echo "bootstrap: npm ci in web/"
  (cd web && npm ci --no-audit --no-fund)
  cp web/package-lock.json web/node_modules/.heimdall-lock
fi

build_dir=${BUILD_DIR:-build}
# shellcheck disable=SC2086  # CMAKE_ARGS is a list of flags.
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} \
  ${CMAKE_ARGS:-} >/dev/null
cmake --build "$build_dir" -j"$(nproc)"
echo "bootstrap: built $build_dir/heimdall"
