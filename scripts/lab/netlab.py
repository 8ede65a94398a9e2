"""Network namespaces and processes of the lab, and their clean-up.

Every namespace is named PREFIX-short so concurrent labs cannot collide and leftovers can be
found; every process the lab starts is recorded (in WORK/pids, and in --pids for scripts/lab.sh's
last sweep if this interpreter dies) and killed by pid. Knows nothing about hadirector itself.
"""
import hashlib
import os
import signal
import subprocess
import time


class LabError(Exception):
    pass


class NetLab:
    def __init__(self, prefix, work, pid_file=None):
        self.prefix = prefix
        self.work = work
        self.pid_files = [os.path.join(work, "pids")] + ([pid_file] if pid_file else [])
        self.procs = {}
        self.namespaces = []

    def ns(self, short):
        return f"{self.prefix}-{short}"

    def run(self, *argv, check=True, timeout=30):
        p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
        if check and p.returncode != 0:
            raise LabError(f"{' '.join(argv)}: exit {p.returncode}: {p.stderr.strip()}")
        return p

    def in_ns(self, short, *argv, check=True, timeout=30):
        return self.run("ip", "netns", "exec", self.ns(short), *argv, check=check,
                        timeout=timeout)

    def batch(self, short, lines):
        """Runs ip commands in one process (in namespace `short`, or the root one if None):
        under an emulated CPU each process start costs a few hundred milliseconds."""
        argv = ["ip"] + (["-n", self.ns(short)] if short else []) + ["-batch", "-"]
        p = subprocess.run(argv, input="\n".join(lines) + "\n", capture_output=True, text=True,
                           timeout=60)
        if p.returncode != 0:
            raise LabError(f"ip -batch in {short or 'root'}: {p.stderr.strip()}")

    def add_switch(self, sw, bridges):
        self.batch(None, [f"netns add {self.ns(sw)}"])
        self.namespaces.append(sw)
        self.batch(sw, ["link set lo up"] + [f"link add {b} type bridge" for b in bridges]
                   + [f"link set {b} up" for b in bridges])

    def add_nodes(self, sw, nodes):
        """nodes: [(short, [(ifname, bridge, cidr)], gateway or None, forwarding)]. Each gets a
        namespace, and a veth per interface whose other end is a port of bridge in sw."""
        self.batch(None, [f"netns add {self.ns(n[0])}" for n in nodes])
        self.namespaces += [n[0] for n in nodes]
        ports = []
        for short, links, _, _ in nodes:
            for ifname, bridge, _ in links:
                port = f"{short}-{ifname}"[:15]
                ports += [f"link add {port} type veth peer name {ifname} address "
                          f"{stable_mac(short, ifname)} netns {self.ns(short)}",
                          f"link set {port} master {bridge} up"]
        self.batch(sw, ports)
        for short, links, gateway, _ in nodes:
            lines = ["link set lo up"]
            for ifname, _, cidr in links:
                lines += [f"addr add {cidr} dev {ifname}", f"link set {ifname} up"]
            if gateway:
                lines.append(f"route add default via {gateway}")
            self.batch(short, lines)
        forwarders = [n[0] for n in nodes if n[3]]
        if forwarders:
            self.batch(None, [f"netns exec {self.ns(f)} sysctl -qw net.ipv4.ip_forward=1"
                              for f in forwarders])

    def del_ns(self, short):
        self.run("ip", "netns", "del", self.ns(short), check=False)
        if short in self.namespaces:
            self.namespaces.remove(short)

    def spawn(self, name, short, argv, log):
        """Starts argv in namespace `short` in a session of its own (so a process group can be
        killed at once) with stdout and stderr in the file `log`."""
        cmd = ["ip", "netns", "exec", self.ns(short), *argv] if short else list(argv)
        with open(log, "ab") as out:
            p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT,
                                 stdin=subprocess.DEVNULL, start_new_session=True)
        self.procs[name] = p
        for path in self.pid_files:
            with open(path, "a") as f:
                f.write(f"{p.pid}\n")
        return p

    def stop(self, name, sig=signal.SIGTERM, group=False, grace=3.0):
        """Sends sig (to the whole process group if group) and waits; SIGKILL after grace."""
        p = self.procs.pop(name, None)
        if p is None:
            return None
        try:
            if group:
                os.killpg(p.pid, sig)
            else:
                p.send_signal(sig)
        except ProcessLookupError:
            pass
        try:
            return p.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            return p.wait(timeout=5)

    def cleanup(self):
        # Every process group asked first, then waited for: stops run in parallel.
        for p in self.procs.values():
            try:
                os.killpg(p.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for name in list(self.procs):
            self.stop(name, group=True, grace=3.0)
        if self.namespaces:
            # -force: carry on past a namespace that is already gone.
            subprocess.run(["ip", "-force", "-batch", "-"], capture_output=True, timeout=60,
                           input="".join(f"netns del {self.ns(n)}\n" for n in self.namespaces),
                           text=True)
            self.namespaces = []

    def leftovers(self, started_pids):
        """Namespaces with our prefix and processes we started that still exist."""
        listed = self.run("ip", "netns", "list", check=False).stdout.split()
        spaces = [n for n in listed if n.startswith(self.prefix + "-")]
        # Workers forked by a daemon share its process group, which we created: scan them all.
        groups = set(started_pids)
        alive = []
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[2]) in groups and fields[0] != "Z":
                alive.append(int(entry))
        return spaces, alive

    def started_pids(self):
        path = os.path.join(self.work, "pids")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [int(x) for x in f.read().split()]


def stable_mac(short, ifname):
    """A locally administered MAC that stays the same when a node is built again, as a
    rebooted machine keeps its NIC's: otherwise its peers' ARP caches would point nowhere."""
    digest = hashlib.sha256(f"{short}/{ifname}".encode()).digest()
    return "02:" + ":".join(f"{b:02x}" for b in digest[:5])


def wait_until(pred, timeout, step=0.05):
    """Polls pred() until it returns something truthy; returns it, or None at the deadline."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            return None
        time.sleep(step)
