#!/usr/bin/env bash
# IPVS programming benchmark, hadirector against keepalived 2.2.7, in the qemu VM with Debian's
# kernel (tests/kernel/vm-run.sh; the host kernel has no IPVS). Prints BENCH lines (README.md).
#   usage: run.sh BUILD_DIR [--quick] [GUEST_OPTION...] [SxR...]
# Guest options (ipvs.guest.sh): --log-level L, --logs DIR, --only hadirector|keepalived,
# --validate (the completion detectors against changes made at known times; one size).
# SxR sizes replace the default ones.
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [--quick] [GUEST_OPTION...] [SxR...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
sizes="2000x20 500x20"           # services x real servers: 40,000 and 10,000 destinations
options=()
while (($#)); do
  case $1 in
    --quick) sizes="50x20" ;;
    --validate) options+=("$1"); sizes=${sizes%% *} ;;
    --log-level | --logs | --only) options+=("$1" "$2"); shift ;;
    *x*) [[ ${custom:-} ]] || sizes=""; custom=1; sizes+=" $1" ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
# The host's load (other builds slow the emulator): with every figure.
echo "host load average before: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
rc=0
"$here/../../kernel/vm-run.sh" --timeout 3000 -- "$here/ipvs.guest.sh" "$build" \
  "${options[@]}" $sizes || rc=$?
echo "host load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
exit "$rc"
