#!/usr/bin/env bash
# The README's first command: builds hadirector and shows the running daemon on a
# self-contained configuration, in a network namespace of its own (a veth pair carries the
# VRRP instance, so nothing touches the host's network): start-up and readiness, the instance
# becoming MASTER with its VIP, a reload with a change, a rejected reload, a crashed worker
# restarted, and a clean stop. Needs root and nothing but this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $EUID -ne 0 ]]; then
  echo "demo: run as root (it creates a network namespace and installs packages)" >&2
  exit 1
fi
scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target hadirectord hadirectorctl

work=$(mktemp -d /tmp/hadirector-demo.XXXXXX)
ns=hd-demo-$$
daemon_pid=""
cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

d=build/daemon
ctl() { "$d/hadirectorctl" -s "$work/run/control.sock" "$@"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
wait_for() {  # wait_for SECONDS CMD...: poll until CMD succeeds
  local until=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < until)) || { echo "timed out waiting for: $*" >&2; return 1; }
    sleep 0.05
  done
}

cat >"$work/hadirector.yaml" <<'YAML'
version: 1
global:
  router_id: demo-lb1
vrrp:
  instances:
    - name: web
      interface: demo0
      vrid: 51
      priority: 150
      advert_interval: 100ms
      virtual_addresses: [192.0.2.100/32]
virtual_servers:
  - name: web-http
    address: 192.0.2.100:80
    protocol: tcp
    scheduler: wlc
    real_servers:
      - address: 198.51.100.11:80
YAML

step "validate the configuration"
"$d/hadirectord" --check-config -f "$work/hadirector.yaml"

step "network namespace $ns with a veth pair demo0-demo1 (203.0.113.1/24)"
ip netns add "$ns"
ip -n "$ns" link set lo up
ip -n "$ns" link add demo0 type veth peer name demo1
ip -n "$ns" link set demo1 up
ip -n "$ns" link set demo0 up
ip -n "$ns" addr add 203.0.113.1/24 dev demo0

step "start hadirectord in it (log: $work/daemon.log)"
ip netns exec "$ns" "$d/hadirectord" -f "$work/hadirector.yaml" --runtime-dir "$work/run" \
  2>"$work/daemon.log" &
daemon_pid=$!
wait_for 10 ctl status
echo "alone on its segment, instance web becomes MASTER after Master_Down_Interval:"
wait_for 5 sh -c "$d/hadirectorctl -s $work/run/control.sock status --json | grep -q '\"state\": \"MASTER\"'"
ctl status
echo
ip -n "$ns" -br addr show demo0

step "reload with a second real server (SIGHUP)"
printf '      - address: 198.51.100.12:80\n' >>"$work/hadirector.yaml"
start=$(date +%s%N)
ctl reload
echo "reload took $(( ($(date +%s%N) - start) / 1000000 )) ms; no worker restarted:"
ctl status | sed -n '/PROCESS/,/^$/p'

step "a broken configuration is rejected and the running one kept"
cp "$work/hadirector.yaml" "$work/good.yaml"
printf 'bogus_key: 1\n' >>"$work/hadirector.yaml"
ctl reload || true
cp "$work/good.yaml" "$work/hadirector.yaml"

step "kill -9 the checker worker: the supervisor restarts it"
checker=$(ctl status | awk '$1 == "checker" {print $2}')
kill -9 "$checker"
wait_for 5 sh -c "$d/hadirectorctl -s $work/run/control.sock status --json | grep -q '\"restarts\": 1'"
ctl status | sed -n '/PROCESS/,/^$/p'

step "stop (SIGTERM)"
start=$(date +%s%N)
kill -TERM "$daemon_pid"
wait "$daemon_pid"
echo "stopped with status $? in $(( ($(date +%s%N) - start) / 1000000 )) ms"
daemon_pid=""

step "the daemon's log"
cat "$work/daemon.log"
