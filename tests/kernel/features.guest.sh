#!/usr/bin/env bash
# Runs inside the VM (vm-run.sh): virtual-server features of the real hadirectord on real IPVS.
# A client namespace reaches a director (VRRP instance `front` holding the VIP) that NATs to an
# HTTP real server. Checks: a group's addresses and fwmark each become a service with the shared
# real server; follow_instance programs the followed services only while `front` is MASTER
# (FAULT through a tracked file removes them, back to MASTER restores them) while an unfollowed
# service stays; live counters in `status --json` and /metrics move with traffic.
#   usage: features.guest.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: features.guest.sh BUILD_DIR}
daemon=$build/daemon/hadirectord
ctl=$build/daemon/hadirectorctl
[[ -x $daemon && -x $ctl ]] || { echo "no $daemon or $ctl"; exit 1; }
modprobe ip_vs
# Accept mode (front has accept: false) needs nf_tables; loading it from the daemon over 9p under
# emulation takes seconds of the start-up the waits below allow.
modprobe nf_tables
work=$(mktemp -d /run/hd-features.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for ns in hd-fcl hd-fdir hd-frs; do ip netns del "$ns" 2>/dev/null || true; done
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- ipvsadm"; ip netns exec hd-fdir ipvsadm -Ln --stats || true
  echo "--- daemon log"; cat "$work/daemon.log" || true
  exit 1
}
wait_for() {  # polls "$@" every 0.2 s for up to $wait_s (20) seconds
  local deadline=$((SECONDS + ${wait_s:-20}))
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}
table() { ip netns exec hd-fdir ipvsadm -Ln; }
has_service() { table | grep -q -E "^$1 +rr"; }
no_service() { ! table | grep -q -E "^$1 "; }

for ns in hd-fcl hd-fdir hd-frs; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
link() {  # ns1 if1 addr1 ns2 if2 addr2
  ip link add "$2" netns "$1" type veth peer name "$5" netns "$4"
  ip -n "$1" addr add "$3" dev "$2"
  ip -n "$4" addr add "$6" dev "$5"
  ip -n "$1" link set "$2" up
  ip -n "$4" link set "$5" up
}
link hd-fcl fcl0 10.1.0.2/24 hd-fdir fdir-cl 10.1.0.1/24
link hd-fdir fdir-rs 10.2.0.1/24 hd-frs frs0 10.2.0.2/24
ip -n hd-fcl route add default via 10.1.0.1
ip -n hd-frs route add default via 10.2.0.1
ip netns exec hd-fdir sysctl -qw net.ipv4.ip_forward=1
(cd "$work" && exec ip netns exec hd-frs python3 -m http.server --bind 10.2.0.2 8080 \
   >"$work/http.log" 2>&1) &
pids+=($!)
echo 0 >"$work/fault"

cat >"$work/hadirector.yaml" <<YAML
version: 1
global:
  router_id: vm-features
  state_dir: $work/state
vrrp:
  instances:
    - name: front
      interface: fdir-cl
      vrid: 77
      priority: 100
      advert_interval: 100ms
      virtual_addresses: [10.1.0.100/32, 10.1.0.101/32]
      track:
        files: [{path: $work/fault, weight: 0}]
virtual_servers:
  - name: web
    addresses: [10.1.0.100:80, 10.1.0.101:81]
    fwmarks: [5]
    protocol: tcp
    scheduler: rr
    forwarding: nat
    follow_instance: front
    real_servers:
      - address: 10.2.0.2:8080
        checks: [{type: tcp, interval: 300ms, timeout: 250ms, rise: 1, fall: 2}]
  - name: always
    address: 10.1.0.1:53
    protocol: udp
    scheduler: rr
    forwarding: nat
    real_servers:
      - address: 10.2.0.2:53
control:
  metrics_listen: 127.0.0.1:9657
YAML
ip netns exec hd-fdir "$daemon" -f "$work/hadirector.yaml" --runtime-dir "$work/run" \
  2>"$work/daemon.log" &
dpid=$!
pids+=("$dpid")

wait_for has_service "UDP  10.1.0.1:53" || fail "unfollowed service not programmed"
wait_for has_service "TCP  10.1.0.100:80" || fail "followed service not programmed as MASTER"
wait_for has_service "TCP  10.1.0.101:81" || fail "second group address not programmed"
has_service "FWM  5" || fail "group fwmark not programmed"
has_real() { table | grep -A1 -E "^$1 " | grep -q -E "^  -> 10.2.0.2:8080 +Masq +1 "; }
for s in "TCP  10.1.0.100:80" "TCP  10.1.0.101:81" "FWM  5"; do
  wait_for has_real "$s" || fail "$s lacks the shared real server"
done
grep -q "virtual server web: instance front is MASTER, programming its services" \
  "$work/daemon.log" || fail "no follow log line"
echo "ok: group members programmed with the shared real server while front is MASTER"

status_json() { "$ctl" -s "$work/run/control.sock" status --json; }
# Prints the value of a python expression over the "web" virtual server of the status.
web_field() {
  status_json | python3 -c '
import json, sys
doc = json.load(sys.stdin)
def find(o):
    if isinstance(o, dict):
        for vs in o.get("virtual_servers", []) or []:
            if isinstance(vs, dict) and vs.get("name") == "web":
                return vs
        for v in o.values():
            r = find(v)
            if r is not None:
                return r
    if isinstance(o, list):
        for v in o:
            r = find(v)
            if r is not None:
                return r
web = find(doc)
print(eval(sys.argv[1]))' "$1"
}
for i in 1 2 3 4 5; do
  ip netns exec hd-fcl timeout 5 curl -s -o /dev/null http://10.1.0.100/ || fail "request $i"
done
conns_moved() {
  [[ $(web_field 'web["services"][0]["stats"]["connections"]') -ge 5 ]] &&
    [[ $(web_field 'web["services"][0]["destinations"][0]["stats"]["in_packets"]') -gt 0 ]]
}
wait_for conns_moved || fail "status counters did not move: $(web_field 'web["services"][0]')"
[[ $(web_field 'web["services"][1]["stats"]["connections"]') == 0 ]] ||
  fail "the unused group member counted connections"
echo "ok: status counters: $(web_field 'web["services"][0]["stats"]["connections"]') connections"
metrics=$(ip netns exec hd-fdir curl -s http://127.0.0.1:9657/metrics)
grep -q -E '^hadirector_ipvs_service_connections_total\{virtual_server="web",service="TCP 10.1.0.100:80"\} ([5-9]|[1-9][0-9]+)$' \
  <<<"$metrics" || fail "metrics lack the service counter: $(grep ipvs_service <<<"$metrics")"
grep -q -E '^hadirector_ipvs_destination_in_bytes_total\{virtual_server="web",service="TCP 10.1.0.100:80",real_server="10.2.0.2:8080"\} [1-9]' \
  <<<"$metrics" || fail "metrics lack the destination counter"
echo "ok: /metrics carries the live counters"

echo 1 >"$work/fault"
wait_s=15 wait_for no_service "TCP  10.1.0.100:80" || fail "followed service kept in FAULT"
no_service "TCP  10.1.0.101:81" || fail "group member kept in FAULT"
no_service "FWM  5" || fail "group fwmark kept in FAULT"
has_service "UDP  10.1.0.1:53" || fail "unfollowed service removed with the instance"
[[ $(web_field 'web["wanted_in_ipvs"]') == False ]] || fail "status still wants web in IPVS"
echo "ok: leaving MASTER removes the followed group, keeps the rest"

echo 0 >"$work/fault"
wait_s=15 wait_for has_service "TCP  10.1.0.100:80" || fail "not programmed again as MASTER"
has_service "FWM  5" || fail "fwmark not programmed again"
wait_for ip netns exec hd-fcl timeout 5 curl -s -o /dev/null http://10.1.0.100/ ||
  fail "no traffic after MASTER again"
echo "ok: becoming MASTER again programs the group"
kill -TERM "$dpid"
wait "$dpid" || true
echo "features: ok"
