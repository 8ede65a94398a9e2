#!/usr/bin/env bash
# IPVS programming benchmark, hadirector against keepalived 2.2.7, in the qemu VM with Debian's
# kernel (tests/kernel/vm-run.sh; the host kernel has no IPVS). Prints BENCH lines (README.md).
#   usage: run.sh BUILD_DIR [--quick]
set -euo pipefail
build=${1:?usage: run.sh BUILD_DIR [--quick]}
quick=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "$build" && pwd)
sizes="2000x20 500x20"           # services x real servers: 40,000 and 10,000 destinations
[[ $quick == --quick ]] && sizes="50x20"
exec "$here/../../kernel/vm-run.sh" --timeout 3000 -- "$here/ipvs.guest.sh" "$build" $sizes
