#!/usr/bin/env bash
# Runs inside the VM: for each size SxR (S services x R real servers, no health checks so only
# programming is measured), times hadirectord and keepalived programming an empty table, a
# reload changing the weight of 1 % of the destinations, and their memory (RSS of all their
# processes). Completion is read from /proc/net/ip_vs. keepalived's reload is capped at 60 s.
# Options for profiling: --log-level L (hadirectord's, default notice; debug logs the time of
# each reload phase), --logs DIR (keep each run's hadirectord log there), --only TOOL.
#   usage: ipvs.guest.sh BUILD_DIR [--log-level L] [--logs DIR] [--only TOOL] SxR...
set -euo pipefail
build=${1:?usage: ipvs.guest.sh BUILD_DIR [--log-level L] [--logs DIR] [--only TOOL] SxR...}
shift
log_level=notice logs="" only=""
while [[ ${1:-} == --* ]]; do
  case $1 in
    --log-level) log_level=$2 ;;
    --logs) logs=$2 ;;
    --only) only=$2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
daemon=$build/daemon/hadirectord
modprobe ip_vs
work=$(mktemp -d /run/hd-bench-ipvs.XXXXXX)
ns=hd-bipvs
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}
trap cleanup EXIT
now() { date +%s.%N; }
# Times when the namespace's table reaches a state: one process started (and reading) before
# the action, polling /proc/net/ip_vs, so no program start (50-100 ms each in the VM) lies
# between the change and its detection. Reading 40,000 entries takes a large fraction of a
# second under emulation, so it runs at nice 19 (it must not take a vCPU from the daemon being
# timed) and polls again 20 ms after each read: it sees the state about one read after it is
# reached. (Backing off instead made the detection up to two seconds late at 40,000.) Prints "ready", then the epoch time or
# "timeout". $1: minimum number of destinations, $2: weight they must have ("" any), $3 limit.
watch_table() {
  ip netns exec "$ns" python3 -u -c '
import os, re, sys, time
os.nice(19)
target, weight, limit = int(sys.argv[1]), sys.argv[2], float(sys.argv[3])
line = re.compile(rb"^  -> \S+ +\S+ +" + (weight.encode() if weight else rb"\d+") + rb" ", re.M)
def count():
    with open("/proc/net/ip_vs", "rb") as f:
        return len(line.findall(f.read()))
count()
print("ready")
start = time.time()
while count() < target:
    if time.time() - start > limit:
        print("timeout")
        sys.exit(0)
    time.sleep(0.02)
print(f"{time.time():.6f}")
' "$@"
}
start_watch() {  # starts watch_table "$@" on fd 3 and waits until it reads the table
  rm -f "$work/watch"
  mkfifo "$work/watch"
  watch_table "$@" >"$work/watch" &
  pids+=("$!")
  exec 3<"$work/watch"
  read -r _ <&3 || true
}
finish_watch() {  # seconds from $1 to the watched state, or ">LIMIT" ($2) on timeout
  local reached
  read -r reached <&3 || reached=timeout
  exec 3<&-
  if [[ $reached == timeout ]]; then echo ">$2"; return; fi
  python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$1" "$reached"
}
wait_until() {  # $1: limit in seconds; then a command; returns 1 on timeout
  local limit=$1 start=$SECONDS
  shift
  until "$@"; do ((SECONDS - start < limit)) || return 1; sleep 0.1; done
}
rss_kb() {  # summed RSS of pid $1 and its children
  ps -o rss= -p "$1" --ppid "$1" | awk '{s += $1} END {print s + 0}'
}
gen() {  # $1 S, $2 R, $3 format (yaml|keepalived), $4 changed (0|1)
  python3 - "$@" <<'PY'
import sys
s, r, fmt, changed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
out = []
if fmt == "yaml":
    out.append("version: 1\nglobal: {router_id: bench}\nvirtual_servers:")
else:
    out.append("global_defs {\n  router_id bench\n}")
for i in range(s):
    vip = f"10.3.{i // 250}.{i % 250 + 1}"
    if fmt == "yaml":
        out.append(f"  - name: vs{i}\n    address: {vip}:80\n    scheduler: wrr\n    real_servers:")
    else:
        out.append(f"virtual_server {vip} 80 {{\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP")
    for j in range(r):
        w = 7 if changed and (i * r + j) % 100 == 0 else 3
        rip = f"10.4.{j // 250}.{j % 250 + 1}"
        if fmt == "yaml":
            out.append(f"      - {{address: {rip}:80, weight: {w}}}")
        else:
            out.append(f"  real_server {rip} 80 {{\n    weight {w}\n  }}")
    if fmt != "yaml":
        out.append("}")
print("\n".join(out))
PY
}

run_one() {  # $1 tool (hadirector|keepalived), $2 S, $3 R; sets t_prog t_reload rss
  local tool=$1 s=$2 r=$3 total=$(($2 * $3)) changed=$((($2 * $3 + 99) / 100)) pid start
  # A fresh namespace per run: IPVS keeps deleted destinations in a per-namespace trash for
  # about two minutes and searches it linearly on every add, so a run after one that removed
  # 40,000 entries would be timed against that list, not against an empty table.
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  if [[ $tool == hadirector ]]; then gen "$s" "$r" yaml 0 >"$work/h.yaml"
  else gen "$s" "$r" keepalived 0 >"$work/k.conf"; fi
  start_watch "$total" "" 600
  start=$(now)
  if [[ $tool == hadirector ]]; then
    ip netns exec "$ns" "$daemon" -f "$work/h.yaml" --runtime-dir "$work/run" \
      --log-level "$log_level" 2>"$work/h.log" 3<&- &
  else
    ip netns exec "$ns" keepalived -n -C -f "$work/k.conf" -p "$work/k.pid" \
      -c "$work/kc.pid" -r "$work/kr.pid" >"$work/k.log" 2>&1 3<&- &
  fi
  pid=$!
  pids+=("$pid")
  t_prog=$(finish_watch "$start" 600)
  [[ $t_prog == ">"* ]] && { echo "$tool: not programmed" >&2; return 1; }
  sleep 1
  rss=$(rss_kb "$pid")
  if [[ $tool == hadirector ]]; then gen "$s" "$r" yaml 1 >"$work/h.yaml"
  else gen "$s" "$r" keepalived 1 >"$work/k.conf"; fi
  start_watch "$changed" 7 60
  start=$(now)
  kill -HUP "$pid"
  # With --logs, when the signal went, to set against the daemon's phase times.
  [[ -n $logs ]] && date -u +"SIGHUP sent at %FT%T.%3NZ" >"$logs/sighup.$tool.$total.txt"
  t_reload=$(finish_watch "$start" 60)
  if [[ $tool == hadirector ]] && grep -q "ipvs-error\|ipvs: .*will retry" "$work/h.log"; then
    echo "hadirector: IPVS errors during the run (retried by the drift check):" >&2
    grep "will retry" "$work/h.log" | head -3 >&2
  fi
  [[ -n $logs && $tool == hadirector ]] && cp "$work/h.log" "$logs/hadirectord.$total.log"
  # keepalived's children remove its 40,000 entries after the parent is told to stop; one
  # still deleting would remove the next run's entries (same addresses), so wait for them all.
  local kids
  kids=$(pgrep -P "$pid" || true)
  kill -TERM "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  for k in $kids; do wait_until 300 eval "! kill -0 $k 2>/dev/null" || kill -KILL "$k" 2>/dev/null || true; done
  return 0
}

for size in "$@"; do
  s=${size%x*}
  r=${size#*x}
  total=$((s * r))
  t_prog=nan t_reload=nan rss=0
  [[ $only == keepalived ]] || run_one hadirector "$s" "$r"
  h_prog=$t_prog h_reload=$t_reload h_rss=$rss
  t_prog=nan t_reload=nan rss=0
  [[ $only == hadirector ]] || run_one keepalived "$s" "$r"
  k_prog=$t_prog k_reload=$t_reload k_rss=$rss
  num() { [[ $1 == ">60" ]] && echo nan || echo "$1"; }
  echo "BENCH ipvs.program.$total|s|$h_prog|$k_prog|<= ka|from empty, $s services x $r real servers"
  echo "BENCH ipvs.reload_1pct.$total|s|$(num "$h_reload")|$(num "$k_reload")|< 1|weights of 1 % changed by SIGHUP; keepalived $k_reload"
  echo "BENCH ipvs.rss.$total|MiB|$((h_rss / 1024))|$((k_rss / 1024))|-|RSS of all processes after programming"
done
