#!/usr/bin/env bash
# Prepares what tests/kernel/vm-run.sh boots: Debian's stock kernel (which has IPVS as modules,
# unlike this machine's kernel), its module tree with modules.dep, the ELF vmlinux for a PVH
# boot, and a busybox initramfs that can mount 9p. Idempotent: a second run only checks a stamp.
# Cache: $HD_VM_CACHE (default /var/cache/hadirector-vm). Needs root (apt-get download, depmod).
# See /work/shared/notes/real-ipvs-vm.md for the measurements behind these choices.
set -euo pipefail

cache=${HD_VM_CACHE:-/var/cache/hadirector-vm}
log() { echo "vm-prepare: $*"; }
die() { echo "vm-prepare: error: $*" >&2; exit 1; }

# The modules the initramfs loads itself, before /lib/modules is reachable over 9p. Their
# dependencies (virtio, netfs, fscache... whatever this kernel version needs) come from
# modules.dep, so no version-specific list lives here.
readonly early_modules=(virtio_pci 9pnet_virtio 9p)

# linux-image-amd64 is a metapackage; the real package carries the ABI in its name.
resolve_kernel_package() {
  apt-cache depends linux-image-amd64 2>/dev/null |
    sed -n 's/^ *Depends: \(linux-image-[0-9][^ ]*-amd64\)$/\1/p' | head -n1
}

# apt-get download writes into the current directory; skip it when the .deb is there already.
download() {
  local pkg=$1 dir=$2
  mkdir -p "$dir"
  if ! compgen -G "$dir/${pkg}_*.deb" >/dev/null; then
    log "downloading $pkg" >&2
    # As root, apt's _apt sandbox user cannot write into our cache; download as root instead.
    local opts=()
    ((EUID == 0)) && opts=(-o APT::Sandbox::User=root)
    (cd "$dir" && apt-get download -q "${opts[@]}" "$pkg" >/dev/null) ||
      die "apt-get download $pkg failed"
  fi
  compgen -G "$dir/${pkg}_*.deb" | head -n1
}

# u32 little-endian at byte offset $2 of file $1.
read_u32() { od -An -t u4 -j "$2" -N 4 "$1" | tr -d ' '; }
read_u8() { od -An -t u1 -j "$2" -N 1 "$1" | tr -d ' '; }

# Extracts the ELF vmlinux from a bzImage. The x86 boot protocol header (boot_params.hdr)
# holds setup_sects at 0x1f1, the "HdrS" magic at 0x202, and payload_offset/payload_length at
# 0x248/0x24c; the payload offset counts from the protected-mode code, which starts after the
# (setup_sects + 1) 512-byte sectors of real-mode setup (setup_sects 0 means 4).
extract_vmlinux() {
  local bzimage=$1 out=$2
  [[ $(dd if="$bzimage" bs=1 skip=$((0x202)) count=4 status=none) == HdrS ]] ||
    die "$bzimage: no x86 boot header"
  local setup_sects pm_start payload_offset payload_length magic
  setup_sects=$(read_u8 "$bzimage" $((0x1f1)))
  ((setup_sects == 0)) && setup_sects=4
  pm_start=$(((setup_sects + 1) * 512))
  payload_offset=$(read_u32 "$bzimage" $((0x248)))
  payload_length=$(read_u32 "$bzimage" $((0x24c)))
  local start=$((pm_start + payload_offset))
  magic=$(od -An -t x1 -j "$start" -N 6 "$bzimage" | tr -d ' \n')
  local decompress
  case $magic in
    fd377a585a00) decompress=(xz -dc --single-stream) ;;  # the build appends a 4-byte size
    1f8b*) decompress=(gzip -dc) ;;
    28b52ffd*) decompress=(zstd -dcq) ;;
    *) die "$bzimage: unknown payload compression (magic $magic at offset $start)" ;;
  esac
  # Only the decompressor's status counts: it may stop reading early, failing the feeder.
  "${decompress[@]}" < <(tail -c +$((start + 1)) "$bzimage" | head -c "$payload_length") \
    >"$out.tmp" || die "$bzimage: decompressing the payload failed"
  [[ $(od -An -t x1 -N 4 "$out.tmp" | tr -d ' \n') == 7f454c46 ]] || die "$bzimage: payload is no ELF"
  # PVH boot needs the XEN_ELFNOTE_PHYS32_ENTRY note (type 0x12, owner "Xen").
  if command -v readelf >/dev/null && ! readelf -n "$out.tmp" | grep -q -E '^ *Xen .*\(0x00000012\)'; then
    die "$bzimage: vmlinux has no PVH entry note"
  fi
  mv "$out.tmp" "$out"
}

# Prints the modules.dep paths of $@ and their dependencies, dependencies first. Built-in
# modules are not in modules.dep and are skipped.
module_closure() {
  local moddir=$1
  shift
  awk -v want="$*" '
    function base(p) { sub(/.*\//, "", p); sub(/\.ko(\.[a-z]+)?$/, "", p); gsub(/-/, "_", p); return p }
    function visit(name,   n, parts, i) {
      if (name in done || !(name in path)) return
      done[name] = 1
      n = split(deps[name], parts, " ")
      for (i = 1; i <= n; i++) visit(base(parts[i]))
      print path[name]
    }
    {
      p = $1; sub(/:$/, "", p); name = base(p)
      path[name] = p; deps[name] = ""
      for (i = 2; i <= NF; i++) deps[name] = deps[name] " " $i
    }
    END {
      n = split(want, w, " ")
      for (i = 1; i <= n; i++) {
        m = w[i]; gsub(/-/, "_", m)
        if (!(m in path)) { print "vm-prepare: note: " m " is built in or missing" > "/dev/stderr"; continue }
        visit(m)
      }
    }' "$moddir/modules.dep"
}

build_initramfs() {
  local kdir=$1 kver=$2 busybox=$3 out=$4
  local moddir="$kdir/root/lib/modules/$kver" tree="$kdir/initramfs.tree"
  rm -rf "$tree"
  mkdir -p "$tree/hd/modules"
  cp "$busybox" "$tree/hd/busybox"
  cp "$(dirname "${BASH_SOURCE[0]}")/vm-init.sh" "$tree/init"
  chmod 755 "$tree/init" "$tree/hd/busybox"
  local rel name
  : >"$tree/hd/modules/order"
  while read -r rel; do
    name=$(basename "$rel")
    case $name in
      *.ko.xz) xz -dc "$moddir/$rel" >"$tree/hd/modules/${name%.xz}" ;;
      *.ko.zst) zstd -dcq "$moddir/$rel" >"$tree/hd/modules/${name%.zst}" ;;
      *.ko.gz) gzip -dc "$moddir/$rel" >"$tree/hd/modules/${name%.gz}" ;;
      *) cp "$moddir/$rel" "$tree/hd/modules/$name" ;;
    esac
    echo "${name%.ko*}.ko" >>"$tree/hd/modules/order"
  done < <(module_closure "$moddir" "${early_modules[@]}")
  log "initramfs modules: $(tr '\n' ' ' <"$tree/hd/modules/order")"
  (cd "$tree" && find . -print0 | cpio --null -o -H newc --quiet | gzip -1) >"$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$tree"
}

prepare() {
  local pkg kver kdir
  pkg=$(resolve_kernel_package)
  [[ -n $pkg ]] || die "cannot resolve linux-image-amd64's kernel package (apt-get update?)"
  kver=${pkg#linux-image-}
  kdir="$cache/$kver"
  # The stamp also records the init script's checksum, so editing vm-init.sh rebuilds.
  local init_sum stamp
  init_sum=$(cksum <"$(dirname "${BASH_SOURCE[0]}")/vm-init.sh" | cut -d' ' -f1)
  stamp="$kdir/ready.$init_sum"
  if [[ -f $stamp && -f $kdir/vmlinux && -f $kdir/initramfs.cpio.gz ]]; then
    ln -sfn "$kver" "$cache/current"
    log "cached: kernel $kver in $kdir"
    return
  fi
  local t0=$SECONDS deb bbdeb
  deb=$(download "$pkg" "$cache/debs")
  bbdeb=$(download busybox-static "$cache/debs")
  if [[ ! -f $kdir/root/lib/modules/$kver/modules.dep ]]; then
    log "unpacking $(basename "$deb")"
    rm -rf "$kdir/root"
    mkdir -p "$kdir/root"
    dpkg -x "$deb" "$kdir/root"
    # Newer packages put modules under usr/lib; depmod -b and the 9p share expect lib/modules.
    if [[ ! -d $kdir/root/lib/modules && -d $kdir/root/usr/lib/modules ]]; then
      ln -s usr/lib "$kdir/root/lib"
    fi
    depmod -b "$kdir/root" "$kver"
    log "depmod done for $kver"
  fi
  if [[ ! -f $kdir/vmlinux ]]; then
    extract_vmlinux "$kdir/root/boot/vmlinuz-$kver" "$kdir/vmlinux"
    log "extracted vmlinux ($(du -h "$kdir/vmlinux" | cut -f1)) from vmlinuz-$kver"
  fi
  rm -rf "$cache/busybox"
  mkdir -p "$cache/busybox"
  dpkg -x "$bbdeb" "$cache/busybox"
  [[ -x $cache/busybox/bin/busybox ]] || die "busybox-static has no bin/busybox"
  build_initramfs "$kdir" "$kver" "$cache/busybox/bin/busybox" "$kdir/initramfs.cpio.gz"
  rm -f "$kdir"/ready.*
  touch "$stamp"
  ln -sfn "$kver" "$cache/current"
  log "ready: kernel $kver in $kdir ($((SECONDS - t0)) s)"
}

mkdir -p "$cache"
# Several ctest jobs may start at once; one prepares, the others wait and find the stamp.
exec 9>"$cache/.lock"
flock 9
prepare
