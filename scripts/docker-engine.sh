#!/usr/bin/env bash
# A Docker engine for the docker tests (Debian 12 packages).
#
#   scripts/docker-engine.sh start   # install if missing; start dockerd if
#                                    # none answers; print its PID
#   scripts/docker-engine.sh stop    # stop the dockerd that `start` started
#
# `start` installs docker.io, debootstrap (the base image) and
# docker-compose when missing. Machines without systemd as PID 1 (CI here)
# have nothing that starts dockerd, so `start` runs it in the background
# with its log in /tmp/heimdall-dockerd.log and its PID in
# /tmp/heimdall-dockerd.pid; `stop` ends only that PID. An engine that
# already answers is used as it is and never stopped by this script.
set -euo pipefail

pid_file=/tmp/heimdall-dockerd.pid
log_file=/tmp/heimdall-dockerd.log

install_missing() {
  local missing=()
  for p in docker.io debootstrap docker-compose; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
      grep -q 'install ok installed' || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  echo "docker-engine: installing ${missing[*]}"
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -q
  $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 "${missing[@]}"
}

start() {
  install_missing
  if docker info >/dev/null 2>&1; then
    echo "docker-engine: an engine already answers; using it"
    return 0
  fi
  dockerd >"$log_file" 2>&1 &
  echo $! >"$pid_file"
  for _ in $(seq 300); do
    docker info >/dev/null 2>&1 && break
    sleep 0.1
  done
  if ! docker info >/dev/null 2>&1; then
    echo "docker-engine: dockerd did not answer in 30 s; its log ends:" >&2
    tail -20 "$log_file" >&2
    return 1
  fi
  echo "docker-engine: dockerd started, PID $(cat "$pid_file")"
}

stop() {
  [ -f "$pid_file" ] || return 0
  local pid
  pid=$(cat "$pid_file")
  rm -f "$pid_file"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 150); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "docker-engine: dockerd $pid stopped"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
