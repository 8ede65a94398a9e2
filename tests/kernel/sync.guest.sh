#!/usr/bin/env bash
# Runs inside the VM (vm-run.sh): connection sync between two real hadirectord directors in
# guest namespaces. Director A (hd-da) forwards a client's TCP connection (NAT) to a real
# server; director B (hd-db) holds the same virtual service; the two are joined by a sync
# link. With sync `mode: both` each runs a master and a backup daemon: the connection opened
# through A must appear in B's connection table, B's status must report role "both", the
# sysctls from the config must be set, and B's sync monitor must count A's messages.
#   usage: sync.guest.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: sync.guest.sh BUILD_DIR}
daemon=$build/daemon/hadirectord
ctl=$build/daemon/hadirectorctl
[[ -x $daemon && -x $ctl ]] || { echo "no $daemon or $ctl"; exit 1; }
modprobe ip_vs
work=$(mktemp -d /run/hd-sync.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in hd-cl hd-da hd-db hd-rs; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  for ns in hd-da hd-db; do
    echo "--- $ns ipvsadm -Lnc"; ip netns exec "$ns" ipvsadm -Lnc || true
    echo "--- $ns ipvsadm --list --daemon"; ip netns exec "$ns" ipvsadm --list --daemon || true
    echo "--- $ns log"; cat "$work/$ns.log" || true
  done
  exit 1
}
# Polls "$@" every 0.2 s for up to $wait_s seconds.
wait_for() {
  local deadline=$((SECONDS + ${wait_s:-20}))
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}

for ns in hd-cl hd-da hd-db hd-rs; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
link() {  # ns1 if1 addr1 ns2 if2 addr2
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}
link hd-cl cl0 10.1.0.2/24 hd-da da-cl 10.1.0.1/24
link hd-da da-rs 10.2.0.1/24 hd-rs rs0 10.2.0.2/24
link hd-da da-sync 10.9.0.1/24 hd-db db-sync 10.9.0.2/24
ip -n hd-da addr add 10.1.0.100/32 dev da-cl
ip -n hd-cl route add default via 10.1.0.1
ip -n hd-rs route add default via 10.2.0.1
ip netns exec hd-da sysctl -qw net.ipv4.ip_forward=1
(cd "$work" && exec ip netns exec hd-rs python3 -m http.server --bind 10.2.0.2 8080 \
   >"$work/http.log" 2>&1) &
pids+=($!)

write_config() {  # $1: director name
  cat >"$work/$1.yaml" <<YAML
version: 1
global:
  router_id: $1
  state_dir: $work/state-$1
virtual_servers:
  - name: web
    address: 10.1.0.100:80
    protocol: tcp
    scheduler: rr
    forwarding: nat
    real_servers:
      - address: 10.2.0.2:8080
        weight: 1
sync:
  interface: ${1#hd-}-sync
  sync_id: 42
  mode: both
  sysctls: {sync_threshold: [3, 40], sync_retries: 1}
YAML
}
for ns in hd-da hd-db; do
  write_config "$ns"
  ip netns exec "$ns" "$daemon" -f "$work/$ns.yaml" --runtime-dir "$work/run-$ns" \
    2>"$work/$ns.log" &
  pids+=($!)
done
status() { "$ctl" -s "$work/run-$1/control.sock" status --json; }
sync_field() {  # ns python-expression over the "sync" object
  status "$1" | python3 -c '
import json, sys
def find(o):
    if isinstance(o, dict):
        if "sync" in o and isinstance(o["sync"], dict) and "role" in o["sync"]:
            return o["sync"]
        for v in o.values():
            r = find(v)
            if r is not None:
                return r
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r is not None:
                return r
s = find(json.load(sys.stdin))
print(eval(sys.argv[1], {"s": s}))' "$2"
}
daemons_up() { ip netns exec "$1" ipvsadm --list --daemon | grep -q "backup sync daemon" &&
  ip netns exec "$1" ipvsadm --list --daemon | grep -q "master sync daemon"; }
programmed() { ip netns exec "$1" ipvsadm -Ln | grep -q "10.2.0.2:8080"; }
for ns in hd-da hd-db; do
  wait_for daemons_up "$ns" || fail "$ns: sync daemons not started"
  ip netns exec "$ns" ipvsadm --list --daemon | grep -q "syncid=42" || fail "$ns: syncid"
  wait_for programmed "$ns" || fail "$ns: service not programmed"
done
[[ $(sync_field hd-db 's["role"]') == both ]] || fail "status sync.role of B is not both"
grep -q "sync daemon: none -> both (mode both)" "$work/hd-da.log" || fail "no role log line"
[[ $(ip netns exec hd-da cat /proc/sys/net/ipv4/vs/sync_threshold | tr -s '\t ' ' ') == "3 40" ]] ||
  fail "sync_threshold not set"
[[ $(ip netns exec hd-da cat /proc/sys/net/ipv4/vs/sync_retries) == 1 ]] || fail "sync_retries"
echo "ok: both directors run master and backup sync daemons, sysctls set"

# A long-lived connection: the request is left unfinished so the server keeps it open.
ip netns exec hd-cl python3 -c '
import socket, time
s = socket.create_connection(("10.1.0.100", 80), timeout=5)
for part in (b"GET / HTTP/1.1\r\n", b"Host: vip\r\n", b"X-A: 1\r\n", b"X-B: 2\r\n"):
    s.sendall(part)
    time.sleep(0.2)
time.sleep(60)' &
pids+=($!)
in_table() { ip netns exec "$1" ipvsadm -Lnc | grep -E "TCP .* ESTABLISHED +10\.1\.0\.2:[0-9]+ +10\.1\.0\.100:80 +10\.2\.0\.2:8080" >/dev/null; }
wait_s=10 wait_for in_table hd-da || fail "connection not in A's table"
wait_s=10 wait_for in_table hd-db || fail "connection not synced to B within 10 s"
echo "ok: connection through A appears in B's table"

seen() { [[ $(sync_field hd-db 's["monitor"]["peers"].get("10.9.0.1", {}).get("messages", 0)') -ge 1 ]]; }
wait_s=10 wait_for seen || fail "B's sync monitor counted no message from A: $(sync_field hd-db 's["monitor"]')"
[[ $(sync_field hd-db 's["monitor"]["peers"]["10.9.0.1"]["sync_id"]') == 42 ]] ||
  fail "monitor syncid"
echo "ok: B's sync monitor counts A's messages"
echo "sync: ok"
