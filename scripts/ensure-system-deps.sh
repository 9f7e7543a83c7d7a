#!/usr/bin/env bash
# Installs what the tests need from Debian when it is missing: Chromium (browser
# tests, replay rendering) and ffmpeg (replay video). Only leaf packages: never
# one that depends on Debian's nodejs (it would replace the machine's Node).
set -euo pipefail
need=()
command -v "${CWMN_CHROMIUM_PATH:-chromium}" >/dev/null 2>&1 || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "cwmn tests need: ${need[*]} (install them with your package manager)" >&2
  exit 1
fi
echo "installing ${need[*]} from Debian…" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
