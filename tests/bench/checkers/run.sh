#!/usr/bin/env bash
# The checker benchmark in the qemu VM (real IPVS, which keepalived's checker needs): boots
# Debian's kernel with tests/kernel/vm-run.sh and runs checkers_bench.py there, hadirectord
# then keepalived on the same workload. Prints its BENCH lines on stdout (README.md here).
#   usage: run.sh BUILD_DIR [--quick] [checkers_bench.py options...]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../../.." && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR [options]}" && pwd)
shift
for f in "$build/daemon/hadirectord" "$build/tests/bench/checkers/bench_check_listener"; do
  [[ -x $f ]] || { echo "run.sh: $f missing: cmake --build $build --target bench_checkers" >&2; exit 2; }
done
command -v keepalived >/dev/null || echo "run.sh: keepalived missing: its column stays empty" >&2
cd "$build"
# TCG's guest is slowed by whatever else the host's cores run: the host's load goes with figures.
echo "run.sh: host load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
status=0
"$repo/tests/kernel/vm-run.sh" --timeout 900 -- \
  python3 "$here/checkers_bench.py" --build "$build" \
  --host-load "$(cut -d' ' -f1-3 /proc/loadavg)" "$@" || status=$?
echo "run.sh: host load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit "$status"
