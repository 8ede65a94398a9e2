#!/usr/bin/env bash
# Runs one command inside a throw-away qemu VM that boots Debian's stock kernel (real IPVS),
# prepared by vm-prepare.sh. The guest sees the host's /usr and /etc read-only, the kernel's
# modules at /lib/modules, and the repository's parent directory read-write at the same
# absolute path, so build trees and their binaries work unchanged. Exits with the guest
# command's status, or non-zero with a message if the VM dies or times out.
#   usage: vm-run.sh [--timeout SECONDS] -- COMMAND [ARG...]
# Env: HD_VM_CACHE (see vm-prepare.sh), HD_VM_SHARE (read-write share, default: the
# repository's parent), HD_VM_KEEP=1 keeps the run directory for inspection. Needs root.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${HD_VM_CACHE:-/var/cache/hadirector-vm}
share=${HD_VM_SHARE:-$(dirname "$repo")}
timeout_s=240

die() { echo "vm-run: error: $*" >&2; exit 2; }
usage() { die "usage: vm-run.sh [--timeout SECONDS] -- COMMAND [ARG...]"; }

while (($#)); do
  case $1 in
    --timeout) [[ ${2:-} =~ ^[0-9]+$ ]] || usage; timeout_s=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
(($#)) || usage
if ((EUID != 0)); then
  # ctest maps 77 to SKIP; CI runs as root and so always runs the VM.
  echo "vm-run: skipped: needs root (apt-get download, depmod, 9p shares owned by root)"
  exit 77
fi
command -v qemu-system-x86_64 >/dev/null || die "qemu-system-x86_64 missing (scripts/setup-deps.sh)"

cwd=$(pwd)
case $cwd/ in
  "$share"/*) ;;
  *) die "current directory $cwd is outside the shared tree $share (set HD_VM_SHARE)" ;;
esac

"$here/vm-prepare.sh" >&2
kdir=$(readlink -f "$cache/current")
kver=$(basename "$kdir")

# The run directory is the guest's control share: command in, status and output out.
run=$(mktemp -d "${TMPDIR:-/tmp}/hd-vm.XXXXXX")
cleanup() { [[ ${HD_VM_KEEP:-0} == 1 ]] && echo "vm-run: kept $run" >&2 || rm -rf "$run"; }
trap cleanup EXIT
{
  echo "usr /usr ro"
  echo "modules /lib/modules ro"
  # Sharing the host's /etc is simpler than generating passwd, group, hosts and nsswitch.conf,
  # and keeps the host's tools configured as they expect.
  echo "etc /etc ro"
  echo "share $share rw"
} >"$run/mounts"
{
  printf 'cd %q || exit 125\n' "$cwd"
  printf 'exec'
  printf ' %q' "$@"
  printf '\n'
} >"$run/cmd.sh"

fs() {  # fs TAG PATH [readonly]
  local ro=""
  [[ ${3:-} == readonly ]] && ro=",readonly=on"
  echo "-fsdev local,id=$1,path=$2,security_model=none$ro -device virtio-9p-pci,fsdev=$1,mount_tag=$1"
}

accel=(-accel tcg -cpu max)
# /dev/kvm exists on nested hypervisors that cannot run guests; only the CPU flag tells.
if grep -q -w -E 'vmx|svm' /proc/cpuinfo && [[ -w /dev/kvm ]]; then
  accel=(-accel kvm -cpu host)
fi

# shellcheck disable=SC2046  # fs prints several words on purpose
set +e
timeout -k 5 "$timeout_s" qemu-system-x86_64 "${accel[@]}" -m 1024 -smp 2 \
  -nodefaults -no-reboot -nic none -display none \
  -serial "file:$run/console.log" \
  -kernel "$kdir/vmlinux" -initrd "$kdir/initramfs.cpio.gz" \
  -append "console=ttyS0 panic=-1 quiet loglevel=4 mitigations=off" \
  $(fs hdvm "$run") $(fs usr /usr readonly) $(fs modules "$kdir/root/lib/modules" readonly) \
  $(fs etc /etc readonly) $(fs share "$share") \
  >"$run/qemu.log" 2>&1
qemu_rc=$?
set -e

[[ -f $run/guest.log ]] && cat "$run/guest.log"
if [[ -f $run/status ]]; then
  status=$(<"$run/status")
  exit "$status"
fi
if ((qemu_rc == 124 || qemu_rc == 137)); then
  echo "vm-run: error: VM (kernel $kver) timed out after ${timeout_s} s" >&2
else
  echo "vm-run: error: VM (kernel $kver) died before the command finished (qemu exit $qemu_rc)" >&2
fi
cat "$run/qemu.log" >&2
echo "--- last lines of the guest console:" >&2
tail -n 30 "$run/console.log" >&2 2>/dev/null || true
exit 3
