#!/usr/bin/env bash
# Runs inside the VM (vm-run.sh): VRRP accept mode with real IPVS. A director (instance `front`,
# accept: false) NATs VIP:80 to an HTTP real server. The daemon's nftables table runs before
# IPVS: the configured service on the VIP is served, a service added to IPVS by hand on VIP:81
# (not in the configuration, so not exempt) and a local listener on VIP:2222 are not; after a
# reload to accept: true both answer; a clean stop removes the table.
#   usage: accept.guest.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: accept.guest.sh BUILD_DIR}
daemon=$build/daemon/hadirectord
ctl=$build/daemon/hadirectorctl
[[ -x $daemon && -x $ctl ]] || { echo "no $daemon or $ctl"; exit 1; }
modprobe ip_vs
modprobe nf_tables || { echo "FAIL: no nf_tables module in the VM"; exit 1; }
work=$(mktemp -d /run/hd-accept.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in hd-acl hd-adir hd-ars; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- ipvsadm"; ip netns exec hd-adir ipvsadm -Ln || true
  echo "--- nft"; ip netns exec hd-adir nft list ruleset || true
  echo "--- daemon log"; cat "$work/daemon.log" || true
  exit 1
}
wait_for() {  # polls "$@" every 0.2 s for up to $wait_s (20) seconds
  local deadline=$((SECONDS + ${wait_s:-20}))
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}
for ns in hd-acl hd-adir hd-ars; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
link() {  # ns1 if1 addr1 ns2 if2 addr2
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}
link hd-acl acl0 10.1.0.2/24 hd-adir adir-cl 10.1.0.1/24
link hd-adir adir-rs 10.2.0.1/24 hd-ars ars0 10.2.0.2/24
ip -n hd-acl route add default via 10.1.0.1
ip -n hd-ars route add default via 10.2.0.1
ip netns exec hd-adir sysctl -qw net.ipv4.ip_forward=1
(cd "$work" && exec ip netns exec hd-ars python3 -m http.server --bind 10.2.0.2 8080 \
   >"$work/http.log" 2>&1) &
pids+=($!)
# A service on the director itself, outside IPVS, listening on every address.
ip netns exec hd-adir python3 -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", 2222)); s.listen(16); time.sleep(600)' &
pids+=($!)

write_config() {  # $1: accept true|false
  cat >"$work/hadirector.yaml" <<YAML
version: 1
global:
  router_id: vm-accept
  state_dir: $work/state
vrrp:
  instances:
    - name: front
      interface: adir-cl
      vrid: 79
      priority: 100
      advert_interval: 100ms
      accept: $1
      virtual_addresses: [10.1.0.100/32]
virtual_servers:
  - name: web
    address: 10.1.0.100:80
    protocol: tcp
    scheduler: rr
    forwarding: nat
    real_servers:
      - address: 10.2.0.2:8080
YAML
}
write_config false
ip netns exec hd-adir "$daemon" -f "$work/hadirector.yaml" --runtime-dir "$work/run" \
  2>"$work/daemon.log" &
dpid=$!
pids+=("$dpid")

has_vip() { ip -n hd-adir -4 addr show dev adir-cl | grep -q "10.1.0.100/32"; }
has_service() { ip netns exec hd-adir ipvsadm -Ln | grep -q -E "^TCP  $1 "; }
has_table() { ip netns exec hd-adir nft list table inet hadirector >/dev/null 2>&1; }
# A TCP handshake from the client within 2 s (SYNs dropped: it times out).
connects() {
  ip netns exec hd-acl python3 -c '
import socket, sys
socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2).close()' "$1" "$2" \
    2>/dev/null
}
http_ok() { ip netns exec hd-acl timeout 5 curl -s -o /dev/null --max-time 3 "http://$1/"; }

wait_for has_vip || fail "front did not become MASTER"
wait_for has_service "10.1.0.100:80" || fail "web not programmed"
has_table || fail "no table inet hadirector with accept: false"
# Not in the configuration: the reconciler leaves it alone, and nothing exempts it.
ip netns exec hd-adir ipvsadm -A -t 10.1.0.100:81 -s rr
ip netns exec hd-adir ipvsadm -a -t 10.1.0.100:81 -r 10.2.0.2:8080 -m
wait_for http_ok 10.1.0.100 || fail "the configured service on the VIP is not served"
http_ok 10.1.0.100:81 && fail "IPVS served VIP:81, which the filter should drop before IPVS"
connects 10.1.0.100 2222 && fail "a local listener answered on the VIP with accept: false"
connects 10.1.0.1 2222 || fail "the director's own address is not reachable (control)"
"$ctl" -s "$work/run/control.sock" status --json | python3 -c '
import json, sys
i = [i for i in json.load(sys.stdin)["vrrp"]["instances"] if i["name"] == "front"][0]
assert i["accept"] is False and i["accept_enforced"] is True, i' ||
  fail "status does not show accept false, enforced"
echo "ok: accept false: VIP:80 served through IPVS; VIP:81 (IPVS, not configured) and VIP:2222 dropped"

write_config true
"$ctl" -s "$work/run/control.sock" reload >/dev/null || fail "reload failed"
wait_for bash -c "! ip netns exec hd-adir nft list table inet hadirector >/dev/null 2>&1" ||
  fail "table still there with accept: true"
wait_for http_ok 10.1.0.100:81 || fail "VIP:81 not served with accept: true"
connects 10.1.0.100 2222 || fail "VIP:2222 not reachable with accept: true"
http_ok 10.1.0.100 || fail "VIP:80 not served with accept: true"
echo "ok: accept true: every port of the VIP answers"

write_config false
"$ctl" -s "$work/run/control.sock" reload >/dev/null || fail "reload failed"
wait_for has_table || fail "table not installed again"
kill -TERM "$dpid"
wait "$dpid" || fail "daemon exit code $?"
has_table && fail "table left after a clean stop"
grep -q "nftables table inet hadirector removed" "$work/daemon.log" || fail "no removal log line"
echo "ok: clean stop removes the table"
