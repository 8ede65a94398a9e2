#!/usr/bin/env bash
# The README's main job: shows a director pair serving and failing over under real traffic.
# Installs what is missing, builds (Release, as scripts/test.sh), then runs scripts/lab/lab.py:
# the NAT pair of etc/nat-pair-lb{1,2}.yaml with a client and three real servers in network
# namespaces, walked through spread, a real server stopped, the master killed, its return, a
# reload and a drain, each step with its measured timing, and a summary table. This machine's
# kernel has no IPVS, so by default it runs inside Debian's kernel under qemu
# (tests/kernel/vm-run.sh); on a kernel with IPVS it runs directly.
#   usage: scripts/lab.sh [--quick] [--json] [--build-dir DIR] [--no-build]
#   --quick  shorter steps (CI: ctest -R kernel.lab);  --json  results as JSON on stdout
# Exit: 0 every expectation held, 1 one failed, 77 not root (ctest: skipped), 130 interrupted.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$repo/build
quick=() json=0 do_build=1
vm_timeout=600  # bound on the qemu run; --quick: 300 s, under kernel.lab's ctest TIMEOUT of 360 s

usage() { echo "usage: scripts/lab.sh [--quick] [--json] [--build-dir DIR] [--no-build]" >&2; exit 2; }
while (($#)); do
  case $1 in
    --quick) quick=(--quick); vm_timeout=300; shift ;;
    --json) json=1; shift ;;
    --build-dir) [[ -n ${2:-} ]] || usage; build=$(cd "$2" && pwd); shift 2 ;;
    --no-build) do_build=0; shift ;;
    -h | --help) sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) usage ;;
  esac
done
if ((EUID != 0)); then
  echo "lab: skipped: needs root (network namespaces, IPVS, the qemu VM's shares)"
  exit 77
fi
# With --json, stdout carries only the JSON document; everything else goes to stderr.
if ((json)); then exec 3>&1 1>&2; else exec 3>&1; fi

if ((do_build)); then
  "$repo/scripts/setup-deps.sh"
  cmake -S "$repo" -B "$build" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_FLAGS_RELEASE=-O2 >/dev/null
  cmake --build "$build" -j "$(nproc)" --target hadirectord hadirectorctl lab_net
fi

tag=$$
run=$(mktemp -d "$build/lab.XXXXXX")
narration=$run/narration.txt result=$run/result.json
: >"$narration"
child="" tail_pid="" mode=""
# Stops the running lab by pid. Directly: lab.py's SIGTERM handler removes its namespaces and
# processes. In the VM everything dies with qemu, which `timeout` (a child of vm-run.sh, in a
# process group of its own, so Ctrl-C does not reach it) stops on SIGTERM.
# shellcheck disable=SC2317  # stop_child and cleanup run from traps
stop_child() {
  if [[ $mode == vm ]]; then
    # shellcheck disable=SC2046  # one pid per word
    kill -TERM $(cat /proc/"$child"/task/*/children 2>/dev/null) 2>/dev/null || true
    for _ in {1..50}; do kill -0 "$child" 2>/dev/null || break; sleep 0.2; done
  fi
  kill -TERM "$child" 2>/dev/null || true
  wait "$child" 2>/dev/null || true
}
# On exit and Ctrl-C: stop what we started, then a last sweep of namespaces and process groups
# in case lab.py could not clean up itself.
# shellcheck disable=SC2317
cleanup() {
  trap - EXIT INT TERM
  [[ -n $child ]] && stop_child
  [[ -n $tail_pid ]] && kill "$tail_pid" 2>/dev/null
  if [[ -f $run/pids ]]; then
    while read -r pid; do kill -KILL -- "-$pid" 2>/dev/null || true; done <"$run/pids"
  fi
  ip netns list 2>/dev/null | awk -v p="hdlab$tag-" 'index($1, p) == 1 {print $1}' |
    while read -r ns; do ip netns del "$ns"; done
  rm -rf "$run"
}
trap cleanup EXIT
trap 'echo "lab: interrupted" >&2; exit 130' INT TERM

lab=(python3 -B "$repo/scripts/lab/lab.py" --build "$build" "${quick[@]}" --tag "$tag"
     --progress "$narration" --json "$result" --keep-logs "$run/logs")
if [[ -e /proc/net/ip_vs ]] || { modprobe -q ip_vs 2>/dev/null && [[ -e /proc/net/ip_vs ]]; }; then
  echo "lab: this kernel ($(uname -r)) has IPVS: running in network namespaces here"
  mode=direct
  "${lab[@]}" --mode direct --pids "$run/pids" &
else
  echo "lab: this kernel ($(uname -r)) has no IPVS: running the lab inside Debian's kernel" \
       "under qemu (tests/kernel/vm-run.sh; software-emulated CPU, so timings are slower)"
  mode=vm
  # vm-run.sh needs its working directory inside the shared tree (the repository's parent).
  (cd "$build" && exec "$repo/tests/kernel/vm-run.sh" --timeout "$vm_timeout" -- "${lab[@]}" --mode vm) \
    >"$run/vm.log" 2>&1 &
fi
child=$!
tail -n +1 -f --pid="$child" "$narration" &
tail_pid=$!
set +e
wait "$child"
rc=$?
child=""
wait "$tail_pid" 2>/dev/null
tail_pid=""
set -e
if [[ ! -s $result ]]; then
  echo "lab: the lab did not finish (exit $rc); its output:"
  cat "$run/vm.log" 2>/dev/null || true
  ((rc == 77 || rc == 130)) && exit "$rc"
  exit 1
fi
if ((rc != 0)) && [[ -d $run/logs ]]; then
  kept=$build/lab-logs
  rm -rf "$kept" && cp -r "$run/logs" "$kept"
  echo "lab: logs of the failed run kept in $kept"
fi
((json)) && cat "$result" >&3
exit "$rc"
