#!/usr/bin/env bash
# Runs inside the VM (vm-run.sh): proves the guest kernel has IPVS and that the host's ipvsadm
# drives it. Works in a fresh network namespace so it never depends on the VM's initial state.
set -euo pipefail
[[ $(uname -r) == *-amd64 ]] || { echo "not Debian's kernel: $(uname -r)"; exit 1; }
modprobe ip_vs
exec unshare --net bash -c '
  set -euo pipefail
  # IPVS accepts only real servers the routing table knows as unicast or local.
  ip link set lo up
  ip link add hd0 type dummy
  ip addr add 10.0.0.254/24 dev hd0
  ip link set hd0 up
  ipvsadm -A -t 10.0.0.1:80 -s rr
  ipvsadm -a -t 10.0.0.1:80 -r 10.0.0.2:80 -g -w 3
  out=$(ipvsadm -Ln)
  echo "$out"
  grep -q "^TCP  10.0.0.1:80 rr" <<<"$out" || { echo "service missing"; exit 1; }
  grep -q -E "^  -> 10.0.0.2:80 +Route +3 " <<<"$out" || { echo "destination missing"; exit 1; }
  echo "ipvs smoke: ok"
'
