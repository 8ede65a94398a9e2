#!/usr/bin/env bash
# Installs every Debian 12 package that hadirector's build and tests need. Idempotent: it asks
# apt only for what is missing, so a second run costs a second. Needs root.
set -euo pipefail

packages=(
  # build
  build-essential cmake pkg-config ccache clang-19 libclang-rt-19-dev
  libsystemd-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev
  libyaml-cpp-dev libyaml-dev nlohmann-json3-dev libssl-dev libsnmp-dev
  libgtest-dev libgmock-dev libnftables-dev
  # tests: namespaces, interop peer, kernel VM, systemd unit check, SNMP (snmpd, snmpwalk,
  # snmptrapd), promtool (prometheus); python3: the lab, VM scripts
  iproute2 procps psmisc nftables systemd keepalived ipvsadm tcpdump curl dnsmasq-base
  snmpd snmp snmptrapd prometheus
  qemu-system-x86 xz-utils cpio kmod python3
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
  echo "setup-deps: all ${#packages[@]} packages present"
  exit 0
fi
if [[ $EUID -ne 0 ]]; then
  echo "setup-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "setup-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# keepalived's package enables its service; we only use its binary as a test peer.
if command -v systemctl >/dev/null && [[ -d /run/systemd/system ]]; then
  systemctl disable --now keepalived >/dev/null 2>&1 || true
  # Likewise snmpd, snmptrapd (tests start their own) and prometheus (only promtool is used).
  systemctl disable --now snmpd snmptrapd prometheus >/dev/null 2>&1 || true
fi
echo "setup-deps: done"
