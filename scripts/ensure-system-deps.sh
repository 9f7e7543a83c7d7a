#!/usr/bin/env bash
# Installs what the tests need from Debian when it is missing: Chromium (browser
# tests, replay rendering), ffmpeg (replay video), redis-server (the tests of
# several servers start their own), openssl (the TLS tests make certificates) and, as root, the tools of the network tests:
# iproute2, iptables and coturn. Only leaf packages: never one that depends on
# Debian's nodejs (it would replace the machine's Node).
set -euo pipefail
need=()
command -v "${CWMN_CHROMIUM_PATH:-chromium}" >/dev/null 2>&1 || need+=(chromium)
command -v ffmpeg >/dev/null 2>&1 || need+=(ffmpeg)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The network tests (test/net) run only as root and skip otherwise, so only root needs their tools.
net=()
if [ "$(id -u)" -eq 0 ]; then
  command -v ip >/dev/null 2>&1 || net+=(iproute2)
  command -v iptables >/dev/null 2>&1 || net+=(iptables)
  command -v turnserver >/dev/null 2>&1 || net+=(coturn)
fi
all=("${need[@]}" "${net[@]}")
[ ${#all[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "cwmn tests need: ${all[*]} (install them with your package manager)" >&2
  exit 1
fi
echo "installing ${all[*]} from Debian…" >&2
apt-get update -qq
[ ${#need[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
# Without recommends (nftables, libatm1): the tests use the commands alone.
[ ${#net[@]} -eq 0 ] || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${net[@]}" >/dev/null
