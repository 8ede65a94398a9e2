#!/usr/bin/env bash
# The README's first command: builds hadirector and shows the running daemon on a
# self-contained configuration: start-up and readiness, status, a reload with a change, a
# rejected reload, a crashed worker restarted, and a clean stop. Needs nothing but this tree.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc)" --target hadirectord hadirectorctl

work=$(mktemp -d /tmp/hadirector-demo.XXXXXX)
daemon_pid=""
cleanup() {
  if [[ -n $daemon_pid ]] && kill -0 "$daemon_pid" 2>/dev/null; then
    kill -TERM "$daemon_pid" 2>/dev/null || true
    wait "$daemon_pid" 2>/dev/null || true
  fi
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
      interface: lo
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

step "start hadirectord (log: $work/daemon.log)"
"$d/hadirectord" -f "$work/hadirector.yaml" --runtime-dir "$work/run" 2>"$work/daemon.log" &
daemon_pid=$!
wait_for 10 ctl status
ctl status

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
checker=$(ctl status --json | python3 -c 'import json,sys; print([p["pid"] for p in json.load(sys.stdin)["processes"] if p["name"]=="checker"][0])')
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
