#!/bin/bash
# Regenerates the keepalived fixtures in tests/data/vrrp (root): keepalived runs in a private
# network namespace joined by a veth pair to a second namespace where sniff.py records every
# VRRP frame as hex lines in OUT/frames.txt. Nothing touches the host's network; both namespaces
# are removed on exit. Usage: capture_keepalived.sh [OUT]
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:-$(mktemp -d)}
KA=hdvrrp-ka-$$; CAP=hdvrrp-cap-$$
cleanup() {
  [ -n "${KPID:-}" ] && kill "$KPID" 2>/dev/null
  [ -n "${TD:-}" ] && kill "$TD" 2>/dev/null
  sleep 1
  ip netns del $KA 2>/dev/null; ip netns del $CAP 2>/dev/null
}
trap cleanup EXIT
ip netns add $KA; ip netns add $CAP
ip -n $KA link add veth-ka type veth peer name veth-cap netns $CAP
ip -n $KA link set veth-ka address 02:00:00:00:00:01
ip -n $CAP link set veth-cap address 02:00:00:00:00:02
ip -n $KA addr add 192.0.2.1/24 dev veth-ka
ip -n $CAP addr add 192.0.2.2/24 dev veth-cap
ip -n $KA link set lo up; ip -n $CAP link set lo up
ip -n $KA link set veth-ka up; ip -n $CAP link set veth-cap up
ip netns exec $KA sysctl -qw net.ipv6.conf.veth-ka.accept_dad=0
ip netns exec $CAP sysctl -qw net.ipv6.conf.veth-cap.accept_dad=0
rm -rf $OUT/run; mkdir -p $OUT/run
sleep 1
ip -n $KA addr show dev veth-ka
ip netns exec $CAP python3 $HERE/sniff.py 12 $OUT/frames.txt 2>$OUT/sniff.err &
TD=$!
sleep 1
ip netns exec $KA keepalived -n -l -P -f $HERE/keepalived.conf -p $OUT/run/ka-main.pid -r $OUT/run/ka-vrrp.pid > $OUT/ka.log 2>&1 &
KPID=$!
sleep 9
kill $KPID
sleep 2
echo "frames in $OUT/frames.txt"
