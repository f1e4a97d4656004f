#!/usr/bin/env bash
# Builds the heimdall container image without reaching any registry.
#
#   scripts/docker-image.sh                    # heimdall:latest
#   scripts/docker-image.sh --tag heimdall:ci  # another tag
#
# The Dockerfile's base (debian:bookworm-slim unless --base says otherwise)
# is made locally once: debootstrap (minbase) from the Debian mirror, trimmed,
# then `docker import`ed under that tag. The build never pulls (--pull=false)
# and reuses Docker's layer cache, so running this again after no change
# takes a second or two. Safe to run concurrently: a lock serialises runs.
#
# Exit codes: 0 built, 77 no Docker engine answers (ctest reads it as
# "skipped"), anything else a failure.
set -euo pipefail
cd "$(dirname "$0")/.."

tag=heimdall:latest
base=debian:bookworm-slim
mirror=http://deb.debian.org/debian
while (($#)); do
  case "$1" in
    --tag) tag=$2; shift 2 ;;
    --base) base=$2; shift 2 ;;
    --mirror) mirror=$2; shift 2 ;;
    *) echo "docker-image: unknown argument $1" >&2; exit 2 ;;
  esac
done

if ! command -v docker >/dev/null; then
  echo "docker-image: SKIPPED: no docker client (install docker.io)" >&2
  exit 77
fi
if ! docker info >/dev/null 2>&1; then
  echo "docker-image: SKIPPED: no Docker engine answers (start dockerd)" >&2
  exit 77
fi

if [ ! -f web/node_modules/uplot/dist/uPlot.iife.min.js ]; then
  echo "docker-image: web/node_modules/uplot is missing; the image embeds" \
    "it: run scripts/bootstrap.sh (npm ci in web/) first" >&2
  exit 1
fi

exec 9>/tmp/heimdall-docker-image.lock
flock 9

# The base image: made once, kept by tag.
if ! docker image inspect "$base" >/dev/null 2>&1; then
  if ! command -v debootstrap >/dev/null; then
    echo "docker-image: base image $base is missing and making it needs" \
      "debootstrap (apt-get install debootstrap)" >&2
    exit 1
  fi
  rootfs=$(mktemp -d /tmp/heimdall-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "docker-image: making $base with debootstrap (about 30 s)"
  debootstrap --variant=minbase bookworm "$rootfs" "$mirror" \
    >"$rootfs.log" 2>&1 || { tail -20 "$rootfs.log" >&2; exit 1; }
  rm -f "$rootfs.log"
  # What a slim image leaves out; apt-get update fetches the lists again.
  rm -rf "$rootfs"/usr/share/{doc,man,info,locale}/* \
    "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
    "$rootfs"/var/cache/apt/archives/*.deb
  tar -C "$rootfs" -c . | docker import -c 'CMD ["/bin/bash"]' - "$base" \
    >/dev/null
  rm -rf "$rootfs"
  trap - EXIT
  echo "docker-image: $base made ($(docker image inspect -f '{{.Size}}' "$base") bytes)"
fi

# The legacy builder: BuildKit would need buildx, which Debian does not ship.
# TODO: every source change leaves the previous build's images dangling
# (about 800 MB: builder and runtime); a LABEL of ours on both stages would
# let this script prune exactly those, and no one else's images.
start=$(date +%s)
log=/tmp/heimdall-docker-build.$$.log
DOCKER_BUILDKIT=0 docker build --pull=false --build-arg "BASE=$base" \
  -t "$tag" . >"$log" 2>&1 || {
  tail -40 "$log" >&2
  echo "docker-image: the build failed; its whole log is $log" >&2
  exit 1
}
rm -f "$log"
echo "docker-image: built $tag in $(($(date +%s) - start)) s," \
  "$(docker image inspect -f '{{.Size}}' "$tag") bytes"
