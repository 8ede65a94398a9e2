#!/usr/bin/env bash
# Runs inside the VM (vm-run.sh): the real hadirectord programming real IPVS. A director
# namespace checks two HTTP real servers living in a second namespace (over veth) and must:
# program the service and both destinations; remove a real server whose server stops; turn a
# weight change on reload into an edit (no delete); keep the table when it stops and adopt it
# without removing anything when it starts again.   usage: reconcile.guest.sh BUILD_DIR
set -euo pipefail
build=${1:?usage: reconcile.guest.sh BUILD_DIR}
daemon=$build/daemon/hadirectord
[[ -x $daemon ]] || { echo "no $daemon"; exit 1; }
modprobe ip_vs
work=$(mktemp -d /run/hd-reconcile.XXXXXX)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del hd-dir 2>/dev/null || true
  ip netns del hd-rs 2>/dev/null || true
}
trap cleanup EXIT
fail() {
  echo "FAIL: $*"
  echo "--- ipvsadm"; ip netns exec hd-dir ipvsadm -Ln || true
  echo "--- daemon log"; cat "$work"/daemon*.log || true
  exit 1
}
# Polls "$@" every 0.2 s for up to $wait_s seconds.
wait_for() {
  local deadline=$((SECONDS + ${wait_s:-20}))
  until "$@"; do ((SECONDS < deadline)) || return 1; sleep 0.2; done
}
in_dir() { ip netns exec hd-dir "$@"; }
table() { in_dir ipvsadm -Ln; }
has_dest() { table | grep -q -E "^  -> $1 +Masq +$2 "; }
no_dest() { ! table | grep -q -E "^  -> $1 "; }

ip netns add hd-dir
ip netns add hd-rs
ip -n hd-dir link set lo up
ip -n hd-rs link set lo up
ip link add hd-a netns hd-dir type veth peer name hd-b netns hd-rs
ip -n hd-dir addr add 10.0.0.1/24 dev hd-a
ip -n hd-rs addr add 10.0.0.2/24 dev hd-b
ip -n hd-rs addr add 10.0.0.3/24 dev hd-b
ip -n hd-dir link set hd-a up
ip -n hd-rs link set hd-b up
for a in 10.0.0.2 10.0.0.3; do
  (cd "$work" && exec ip netns exec hd-rs python3 -m http.server --bind "$a" 8080 \
     >"$work/http-$a.log" 2>&1) &
  pids+=($!)
done
srv3=${pids[1]}

write_config() {  # $1: weight of 10.0.0.2
  cat >"$work/hadirector.yaml" <<YAML
version: 1
global:
  router_id: vm-lb
  state_dir: $work/state
virtual_servers:
  - name: web
    address: 10.0.0.100:80
    protocol: tcp
    scheduler: wrr
    forwarding: nat
    real_servers:
      - address: 10.0.0.2:8080
        weight: $1
        checks: [{type: http, path: /, interval: 300ms, timeout: 250ms, rise: 1, fall: 2}]
      - address: 10.0.0.3:8080
        weight: 10
        checks: [{type: tcp, interval: 300ms, timeout: 250ms, rise: 1, fall: 2}]
YAML
}
start_daemon() {  # $1: log name
  # Not through in_dir: $! must be the daemon itself (ip netns exec execs it), not a subshell.
  ip netns exec hd-dir "$daemon" -f "$work/hadirector.yaml" --runtime-dir "$work/run" \
    2>"$work/$1.log" &
  dpid=$!
}
stop_daemon() {
  kill -TERM "$dpid"
  wait "$dpid" || true
}

write_config 100
start_daemon daemon1
wait_for has_dest 10.0.0.2:8080 100 || fail "10.0.0.2 not programmed"
wait_for has_dest 10.0.0.3:8080 10 || fail "10.0.0.3 not programmed"
table | grep -q "^TCP  10.0.0.100:80 wrr" || fail "service not programmed"
echo "ok: service and destinations programmed"

kill "$srv3"
wait_for no_dest 10.0.0.3:8080 || fail "failed real server not removed"
grep -q "real server 10.0.0.3:8080 of web: up -> down" "$work/daemon1.log" || fail "no down log"
echo "ok: failed real server removed"

write_config 50
# Only what the reload did counts: a check that timed out earlier on a loaded host may have
# removed and re-added 10.0.0.2 before it.
before=$(wc -l <"$work/daemon1.log")
kill -HUP "$dpid"
wait_for has_dest 10.0.0.2:8080 50 || fail "weight not changed on reload"
after=$(tail -n +"$((before + 1))" "$work/daemon1.log")
grep -q "ipvs: edit destination 10.0.0.2:8080 of TCP 10.0.0.100:80 (weight 50" <<<"$after" ||
  fail "weight change was not an edit"
grep -q "ipvs: delete destination 10.0.0.2:8080" <<<"$after" && fail "reload deleted"
echo "ok: weight change on reload is an edit"

stop_daemon
has_dest 10.0.0.2:8080 50 || fail "table not kept on stop"
echo "ok: table kept on stop"

start_daemon daemon2
wait_s=10 wait_for grep -q "real server 10.0.0.2:8080 of web: down -> up" "$work/daemon2.log" ||
  fail "restarted daemon did not see 10.0.0.2 up"
has_dest 10.0.0.2:8080 50 || fail "destination lost on restart"
grep -q -E "ipvs: (delete|add) " "$work/daemon2.log" && fail "restart changed the table"
stop_daemon
echo "reconcile: ok"
