#!/usr/bin/env bash
# Debian packages the platform needs beyond Python wheels.
#   runtime: EGL + Mesa's software OpenGL, for rendering the synthetic cohort (moderngl)
#   test:    runtime + Chromium for the browser tests
set -euo pipefail
cd "$(dirname "$0")/.."

packages=()
while read -r pkg; do
  [[ -z "$pkg" || "$pkg" == \#* ]] || packages+=("$pkg")
done < .ci/apt-packages.txt
if [ "${1:-runtime}" = "test" ]; then
  packages+=(chromium)
fi

missing=()
for pkg in "${packages[@]}"; do
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" != "0" ]; then
  echo "Missing Debian packages: ${missing[*]}; install them with: sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
