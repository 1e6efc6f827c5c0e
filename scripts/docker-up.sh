#!/usr/bin/env bash
# Installs (if needed) and starts a local Docker engine with no networking, then
# builds the local test images. Idempotent: safe to run again.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

need_pkgs=()
command -v dockerd >/dev/null 2>&1 || need_pkgs+=(docker.io)
[ -x /bin/busybox ] && /bin/busybox --list 2>/dev/null | grep -qx tail || need_pkgs+=(busybox-static)
command -v kcat >/dev/null 2>&1 || need_pkgs+=(kcat)
command -v docker-compose >/dev/null 2>&1 || need_pkgs+=(docker-compose)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  echo "docker-up: installing ${need_pkgs[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
fi

if ! docker version >/dev/null 2>&1; then
  mkdir -p /var/log/logship-dev
  echo "docker-up: starting dockerd" >&2
  nohup dockerd --bridge=none --iptables=false --ip-forward=false \
    >/var/log/logship-dev/dockerd.log 2>&1 &
  for _ in $(seq 1 120); do
    if [ -S /var/run/docker.sock ] && docker version >/dev/null 2>&1; then break; fi
    sleep 0.5
  done
  docker version >/dev/null 2>&1 || { echo "docker-up: dockerd did not come up; see /var/log/logship-dev/dockerd.log" >&2; exit 1; }
fi

"$here/build-test-images.sh"
