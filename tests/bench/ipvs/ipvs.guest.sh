#!/usr/bin/env bash
# Runs inside the VM: for each size SxR (S services x R real servers, no health checks so only
# programming is measured), times hadirectord and keepalived programming an empty table, a
# reload changing the weight of 1 % of the destinations, and their memory (RSS of all their
# processes). Completion is timed by ipvs_watch (netlink, only the pending services) and by the
# older whole-table poller of /proc/net/ip_vs. keepalived's reload is capped at 60 s.
# Options for profiling: --log-level L (hadirectord's, default notice; debug logs the time of
# each reload phase), --logs DIR (keep each run's hadirectord log there), --only TOOL.
# --validate [SxR]: no daemon; the two detectors against changes made at known times.
#   usage: ipvs.guest.sh BUILD_DIR [--log-level L] [--logs DIR] [--only TOOL] SxR...
#          ipvs.guest.sh BUILD_DIR --validate [SxR]
set -euo pipefail
build=${1:?usage: ipvs.guest.sh BUILD_DIR [--log-level L] [--logs DIR] [--only TOOL] SxR...}
shift
log_level=notice logs="" only="" validate=""
while [[ ${1:-} == --* ]]; do
  case $1 in
    --log-level) log_level=$2 ;;
    --logs) logs=$2 ;;
    --only) only=$2 ;;
    --validate) validate=1; shift; continue ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift 2
done
daemon=$build/daemon/hadirectord
watcher=$build/tests/bench/ipvs/bench_ipvs_watch
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
# Two detectors time when the namespace's table reaches a state, each one process started (and
# reading) before the action, so no program start (50-100 ms each in the VM) lies between the
# change and its detection. Both run at nice 19: they must not take a vCPU from the daemon.
# - ipvs_watch (the figure compared with the target): given the expected destinations (a spec
#   from gen), it dumps over netlink only the services still pending, each dropped once it shows
#   them, and reports when the last did, with the send time of that service's last dump that did
#   not (the state was reached between the two). A pass over 400 services is a few ms natively.
# - the older poller, kept for continuity: reads all of /proc/net/ip_vs every 20 ms, counting
#   the destinations (of a weight); at 40,000 one read takes a large fraction of a second in the
#   VM, and it sees the state about one read after it is reached.
# $1: minimum number of destinations, $2: weight they must have ("" any), $3 limit, $4 spec.
watch_proc() {
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
# $5: which to start: both, nl (ipvs_watch) or proc (the poller); they compete for the vCPUs, so
# the bench times a reload with one only. ipvs_watch runs at a real-time priority (a pass is not
# delayed by the daemon it times) and rests three times as long as a pass takes.
start_watch() {  # starts watch_proc on fd 3 and ipvs_watch on fd 4, waits until they read
  rm -f "$work/watch" "$work/watch.nl"
  mkfifo "$work/watch" "$work/watch.nl"
  if [[ $5 == nl ]]; then printf 'ready\nskip\n' >"$work/watch" &
  else watch_proc "$1" "$2" "$3" >"$work/watch" 3<&- 4<&- & fi
  pids+=("$!")
  if [[ $5 == proc ]]; then printf 'ready\nskip\n' >"$work/watch.nl" &
  else ip netns exec "$ns" chrt -f 10 "$watcher" wait "$4" "$3" 5 >"$work/watch.nl" 3<&- 4<&- & fi
  pids+=("$!")
  exec 3<"$work/watch" 4<"$work/watch.nl"
  read -r _ <&3 || true
  read -r _ <&4 || true
}
since() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.3f}')" "$@"; }
# Sets w_nl and w_proc (seconds from $1 to the state, ipvs_watch's and the poller's, or ">$2" on
# timeout) and w_nl_after (ipvs_watch: the state was not complete before this many seconds).
finish_watch() {
  local reached line
  read -r reached <&3 || reached=timeout
  read -r line <&4 || line=timeout
  exec 3<&- 4<&-
  w_proc=">$2" w_nl=">$2" w_nl_after=nan
  [[ $reached != skip ]] || w_proc=nan
  [[ $reached == timeout || $reached == skip ]] || w_proc=$(since "$1" "$reached")
  [[ $line != skip ]] || { w_nl=nan; return 0; }
  echo "ipvs_watch: $line" >&2
  [[ $line == done* ]] || return 0
  read -r _ seen after rest <<<"$line"
  [[ $rest == *missing_after=0 ]] || echo "ipvs_watch: state undone after completion" >&2
  w_nl=$(since "$1" "$seen")
  w_nl_after=$(since "$1" "$after")
}
wait_until() {  # $1: limit in seconds; then a command; returns 1 on timeout
  local limit=$1 start=$SECONDS
  shift
  until "$@"; do ((SECONDS - start < limit)) || return 1; sleep 0.1; done
}
rss_kb() {  # summed RSS of pid $1 and its children
  ps -o rss= -p "$1" --ppid "$1" | awk '{s += $1} END {print s + 0}'
}
gen() {  # $1 S, $2 R, $3 format (yaml|keepalived|spec), $4 changed (0|1)
  python3 - "$@" <<'PY'
import sys
s, r, fmt, changed = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4] == "1"
out = []
if fmt == "yaml":
    out.append("version: 1\nglobal: {router_id: bench}\nvirtual_servers:")
elif fmt == "keepalived":
    out.append("global_defs {\n  router_id bench\n}")
for i in range(s):
    vip = f"10.3.{i // 250}.{i % 250 + 1}"
    if fmt == "yaml":
        out.append(f"  - name: vs{i}\n    address: {vip}:80\n    scheduler: wrr\n    real_servers:")
    elif fmt == "spec":
        pass
    else:
        out.append(f"virtual_server {vip} 80 {{\n  lb_algo wrr\n  lb_kind DR\n  protocol TCP")
    for j in range(r):
        w = 7 if changed and (i * r + j) % 100 == 0 else 3
        rip = f"10.4.{j // 250}.{j % 250 + 1}"
        if fmt == "yaml":
            out.append(f"      - {{address: {rip}:80, weight: {w}}}")
        elif fmt == "spec":  # ipvs_watch: all of them from empty, the changed ones on reload
            if not changed or w == 7:
                out.append(f"{vip}:80 {rip}:80 {w}")
        else:
            out.append(f"  real_server {rip} 80 {{\n    weight {w}\n  }}")
    if fmt == "keepalived":
        out.append("}")
print("\n".join(out))
PY
}

run_one() {  # $1 tool (hadirector|keepalived), $2 S, $3 R; sets the t_* figures and rss
  local tool=$1 s=$2 r=$3 total=$(($2 * $3)) changed=$((($2 * $3 + 99) / 100)) pid start
  # A fresh namespace per run: IPVS keeps deleted destinations in a per-namespace trash for
  # about two minutes and searches it linearly on every add, so a run after one that removed
  # 40,000 entries would be timed against that list, not against an empty table.
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up
  if [[ $tool == hadirector ]]; then gen "$s" "$r" yaml 0 >"$work/h.yaml"
  else gen "$s" "$r" keepalived 0 >"$work/k.conf"; fi
  gen "$s" "$r" spec 0 >"$work/spec"
  start_watch "$total" "" 600 "$work/spec" both
  start=$(now)
  if [[ $tool == hadirector ]]; then
    ip netns exec "$ns" "$daemon" -f "$work/h.yaml" --runtime-dir "$work/run" \
      --log-level "$log_level" 2>"$work/h.log" 3<&- 4<&- &
  else
    ip netns exec "$ns" keepalived -n -C -f "$work/k.conf" -p "$work/k.pid" \
      -c "$work/kc.pid" -r "$work/kr.pid" >"$work/k.log" 2>&1 3<&- 4<&- &
  fi
  pid=$!
  pids+=("$pid")
  finish_watch "$start" 600
  t_prog=$w_nl t_prog_proc=$w_proc t_prog_after=$w_nl_after
  [[ $t_prog == ">"* ]] && { echo "$tool: not programmed" >&2; return 1; }
  sleep 1
  rss=$(rss_kb "$pid")
  if [[ $tool == hadirector ]]; then gen "$s" "$r" yaml 1 >"$work/h.yaml"
  else gen "$s" "$r" keepalived 1 >"$work/k.conf"; fi
  gen "$s" "$r" spec 1 >"$work/spec"
  start_watch "$changed" 7 60 "$work/spec" nl
  start=$(now)
  kill -HUP "$pid"
  # With --logs, when the signal went, to set against the daemon's phase times.
  [[ -n $logs ]] && date -u +"SIGHUP sent at %FT%T.%3NZ" >"$logs/sighup.$tool.$total.txt"
  finish_watch "$start" 60
  t_reload=$w_nl t_reload_after=$w_nl_after
  # The same change back (weights 7 -> 3), timed by the /proc poller alone: the older figure.
  sleep 1
  if [[ $tool == hadirector ]]; then gen "$s" "$r" yaml 0 >"$work/h.yaml"
  else gen "$s" "$r" keepalived 0 >"$work/k.conf"; fi
  start_watch "$total" 3 60 "$work/spec" proc
  start=$(now)
  kill -HUP "$pid"
  [[ -n $logs ]] && date -u +"SIGHUP sent at %FT%T.%3NZ" >"$logs/sighup2.$tool.$total.txt"
  finish_watch "$start" 60
  t_reload_proc=$w_proc
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

# --validate: the detectors against changes made at known times (ipvs_watch apply: everything
# but the last destination in batches, then, HOLD ms later, the last one alone, timed around
# its request). ipvs_watch must never report the state before that last request was sent.
validate_one() {  # $1 what, $2 spec, $3 add|edit, $4 destinations, $5 weight ("" any)
  local applied before acked verdict=ok
  start_watch "$4" "$5" 20 "$2" both
  applied=$(ip netns exec "$ns" "$watcher" apply "$2" "$3" 300)
  read -r _ before acked <<<"$applied"
  finish_watch "$before" 20
  # Never before the last change was sent, and the bracket's low end before it was acked.
  [[ $w_nl != ">"* && $w_nl != -* ]] || verdict=FAIL
  python3 -c "import sys; sys.exit(float(sys.argv[1]) >= float(sys.argv[2]))" \
    "$w_nl_after" "$(since "$before" "$acked")" || verdict=FAIL
  echo "VALIDATE $1: last change acked after $(since "$before" "$acked") s; ipvs_watch saw it" \
    "after $w_nl s (not there at $w_nl_after s); /proc poller after $w_proc s: $verdict"
  [[ $verdict == ok ]]
}
validate() {  # $1 size
  local s=${1%x*} r=${1#*x} failed=0 t0 t1
  ip netns del "$ns" 2>/dev/null || true
  ip netns add "$ns"
  ip -n "$ns" link set lo up  # else no route: IPVS refuses the real servers (EINVAL)
  gen "$s" "$r" spec 0 >"$work/spec.all"
  gen "$s" "$r" spec 1 >"$work/spec.7"
  sed 's/ 7$/ 3/' "$work/spec.7" >"$work/spec.3"
  validate_one "from empty, $1" "$work/spec.all" add $((s * r)) "" || return 1
  for round in 1 2 3; do
    validate_one "1 % to weight 7, round $round" "$work/spec.7" edit $(((s * r + 99) / 100)) 7 ||
      failed=1
    validate_one "1 % back to weight 3, round $round" "$work/spec.3" edit $((s * r)) 3 || failed=1
  done
  # One ipvsadm edit, the change between t0 and t1 (a program start, 50-100 ms, is inside).
  head -1 "$work/spec.7" | sed 's/ 7$/ 9/' >"$work/spec.9"
  start_watch 1 9 60 "$work/spec.9" both
  read -r vip rip _ <"$work/spec.9"
  t0=$(now)
  ip netns exec "$ns" ipvsadm -e -t "$vip" -r "$rip" -w 9
  t1=$(now)
  finish_watch "$t0" 60
  echo "VALIDATE ipvsadm -e: returned after $(since "$t0" "$t1") s; ipvs_watch saw it after" \
    "$w_nl s (not there at $w_nl_after s)"
  return $failed
}
if [[ -n $validate ]]; then validate "${1:-2000x20}"; exit; fi

for size in "$@"; do
  s=${size%x*}
  r=${size#*x}
  total=$((s * r))

  for tool in hadirector keepalived; do
    t_prog=nan t_reload=nan t_prog_proc=nan t_reload_proc=nan t_prog_after=nan t_reload_after=nan
    rss=0
    [[ -n $only && $only != "$tool" ]] || run_one "$tool" "$s" "$r"
    declare "${tool:0:1}_prog=$t_prog" "${tool:0:1}_reload=$t_reload" "${tool:0:1}_rss=$rss"
    declare "${tool:0:1}_pp=$t_prog_proc" "${tool:0:1}_rp=$t_reload_proc"
    declare "${tool:0:1}_pa=$t_prog_after" "${tool:0:1}_ra=$t_reload_after"
  done
  num() { [[ $1 == ">"* ]] && echo nan || echo "$1"; }
  echo "BENCH ipvs.program.$total|s|$(num "$h_prog")|$(num "$k_prog")|<= ka|from empty, $s services x $r real servers (ipvs_watch; reached after $h_pa / $k_pa)"
  echo "BENCH ipvs.reload_1pct.$total|s|$(num "$h_reload")|$(num "$k_reload")|< 1|weights of 1 % changed by SIGHUP (ipvs_watch; reached after $h_ra / $k_ra); keepalived $k_reload"
  echo "BENCH ipvs.program_proc.$total|s|$(num "$h_pp")|$(num "$k_pp")|-|the same, seen by the whole-table poller of /proc/net/ip_vs (both ran)"
  echo "BENCH ipvs.reload_1pct_proc.$total|s|$(num "$h_rp")|$(num "$k_rp")|-|the same change back, seen by the whole-table poller of /proc/net/ip_vs alone"
  echo "BENCH ipvs.rss.$total|MiB|$((h_rss / 1024))|$((k_rss / 1024))|-|RSS of all processes after programming"
done
