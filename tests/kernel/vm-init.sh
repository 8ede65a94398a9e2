#!/hd/busybox sh
# /init of the test VM's initramfs (copied in by vm-prepare.sh). Loads the modules 9p needs,
# mounts the host's shares listed by vm-run.sh in /hd-vm/mounts, builds a merged-/usr root
# around them, runs /hd-vm/cmd.sh with its output in /hd-vm/guest.log, records its exit status
# in /hd-vm/status and powers off. Anything that fails before that leaves no status file, which
# vm-run.sh reports as a dead VM together with the console log.
bb=/hd/busybox
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:/hd
export HOME=/root TERM=dumb LANG=C.UTF-8

fatal() {
  echo "vm-init: $*"
  $bb sync
  $bb reboot -f
}

p9() {  # p9 TAG PATH OPTIONS
  $bb mkdir -p "$2" && $bb mount -t 9p -o "trans=virtio,version=9p2000.L,msize=512000,$3" "$1" "$2" ||
    fatal "mount 9p $1 on $2 failed"
}

$bb mkdir -p /proc /sys /dev /tmp /run /var /root /usr /lib
$bb mount -t proc proc /proc
$bb mount -t sysfs sysfs /sys
$bb mount -t devtmpfs devtmpfs /dev
$bb mkdir -p /dev/pts /dev/shm
$bb mount -t devpts devpts /dev/pts
$bb mount -t tmpfs tmpfs /dev/shm
$bb mount -t tmpfs -o mode=1777 tmpfs /tmp
$bb mount -t tmpfs -o mode=755 tmpfs /run
$bb mount -t tmpfs -o mode=755 tmpfs /var
$bb mount -t cgroup2 cgroup2 /sys/fs/cgroup 2>/dev/null
$bb mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

for m in $($bb cat /hd/modules/order); do
  $bb insmod "/hd/modules/$m" || fatal "insmod $m failed"
done

# The control share first: it says what else to mount ("TAG PATH ro|rw" per line).
p9 hdvm /hd-vm cache=mmap
while read -r tag path mode; do
  case $mode in
    ro) p9 "$tag" "$path" ro,cache=loose ;;
    *) p9 "$tag" "$path" cache=mmap ;;
  esac
done </hd-vm/mounts

# Debian 12 merged /usr, so the top-level directories are links into the host's /usr. /lib
# stays a real directory because /lib/modules must be the guest kernel's tree (a separate share)
# while the host's /usr/lib has no modules for this kernel.
[ -x /usr/bin/bash ] || fatal "host /usr is not mounted"
$bb ln -s usr/bin /bin
$bb ln -s usr/sbin /sbin
$bb ln -s usr/lib64 /lib64
for e in /usr/lib/*; do
  [ "${e##*/}" = modules ] || $bb ln -s "$e" "/lib/${e##*/}"
done
$bb mkdir -p /run/lock /var/tmp /var/lib /var/log /var/cache
$bb ln -s /run /var/run
$bb ln -s /run/lock /var/lock
$bb hostname hd-vm
$bb ip link set lo up

/usr/bin/bash /hd-vm/cmd.sh >/hd-vm/guest.log 2>&1 </dev/null
echo $? >/hd-vm/status.tmp
$bb mv /hd-vm/status.tmp /hd-vm/status
$bb sync
$bb reboot -f
