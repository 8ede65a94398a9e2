"""The lab's world: a client, two hadirectord directors and three real servers in namespaces.

Builds the NAT pair of etc/nat-pair-lb{1,2}.yaml as that file describes it (outside bridge with
the client and both directors' eth0, inside bridge with both directors' eth1 and the real
servers, whose gateway is the inside VIP), starts and kills its processes, and reads the
daemons' state. The walk-through itself is in steps.py.
"""
import json
import os
import re
import shutil
import signal
import time

import records
from netlab import LabError, NetLab, wait_until

VIP = "203.0.113.10"
SERVICE = "app"
REAL_SERVERS = {"rs1": "198.51.100.11", "rs2": "198.51.100.12", "rs3": "198.51.100.13"}
DIRECTORS = {"lb1": ("203.0.113.2/24", "198.51.100.2/24"),
             "lb2": ("203.0.113.3/24", "198.51.100.3/24")}
CLIENT = "203.0.113.50/24"
INSIDE_GATEWAY = "198.51.100.1"


def rs_key(name):
    return f"{REAL_SERVERS[name]}:8080"


class DirectorPair:
    def __init__(self, repo, build, work, prefix, lameduck, pid_file=None):
        self.repo = repo
        self.daemon = os.path.join(build, "daemon", "hadirectord")
        self.ctl_bin = os.path.join(build, "daemon", "hadirectorctl")
        self.lab_net = os.path.join(build, "tests", "lab_net")
        for b in (self.daemon, self.ctl_bin, self.lab_net):
            if not os.access(b, os.X_OK):
                raise LabError(f"{b} is missing: build hadirectord, hadirectorctl and lab_net")
        self.work = work
        self.net = NetLab(prefix, work, pid_file)
        self.lameduck = lameduck
        self.boots = {"lb1": 0, "lb2": 0}

    # --- topology ---------------------------------------------------------------------------
    def build(self):
        self.net.add_switch("sw", ["outside", "inside"])
        nodes = [("client", [("eth0", "outside", CLIENT)], None, False)]
        nodes += [self.director_node(lb) for lb in DIRECTORS]
        nodes += [(name, [("eth0", "inside", addr + "/24")], INSIDE_GATEWAY, False)
                  for name, addr in REAL_SERVERS.items()]
        self.net.add_nodes("sw", nodes)
        for name in REAL_SERVERS:
            self.start_server(name)

    @staticmethod
    def director_node(lb):
        outside, inside = DIRECTORS[lb]
        return (lb, [("eth0", "outside", outside), ("eth1", "inside", inside)], None, True)

    def plug_director(self, lb):
        self.net.add_nodes("sw", [self.director_node(lb)])

    def power_off(self, lb):
        """A director losing power: its switch ports go dark first (the kernel's IPVS would
        otherwise keep forwarding without the daemon), then every process is SIGKILLed and the
        namespace (addresses, IPVS table, sync threads) deleted. Returns (before, after) the
        `ip` command that took the ports down: it went dark in between (starting a program can
        take long under an emulated CPU)."""
        before = time.time()
        self.net.batch("sw", [f"link set {lb}-{ifname} down" for ifname in ("eth0", "eth1")])
        t = (before, time.time())
        self.net.stop(lb, sig=signal.SIGKILL, group=True)
        self.net.stop(f"events-{lb}")
        # The kernel destroys a deleted namespace's devices later, in the background: remove
        # the veth pairs now so the director can be plugged in again under the same names.
        self.net.batch("sw", [f"link del {lb}-{ifname}" for ifname in ("eth0", "eth1")])
        self.net.del_ns(lb)
        return t

    # --- processes --------------------------------------------------------------------------
    def start_server(self, name):
        self.net.spawn(name, name, [self.lab_net, "serve", name, REAL_SERVERS[name], "8080",
                                    str(int(self.lameduck * 1000))],
                       os.path.join(self.work, f"{name}.log"))

    def server_process(self, name):
        return self.net.procs.get(name)

    def config_path(self, lb):
        return os.path.join(self.work, f"{lb}.yaml")

    def write_config(self, lb):
        """The shipped example, with state_dir moved into the lab's work directory."""
        with open(os.path.join(self.repo, "etc", f"nat-pair-{lb}.yaml")) as f:
            text = f.read()
        text = text.replace(f"  router_id: {lb}\n",
                            f"  router_id: {lb}\n  state_dir: {self.work}/state-{lb}\n", 1)
        with open(self.config_path(lb), "w") as f:
            f.write(text)
        self.net.run(self.daemon, "--check-config", "-f", self.config_path(lb))

    def start_director(self, lb):
        self.boots[lb] += 1
        sock_dir = os.path.join(self.work, f"run-{lb}")
        self.net.spawn(lb, lb, [self.daemon, "-f", self.config_path(lb), "--runtime-dir",
                                sock_dir], os.path.join(self.work, f"{lb}.log"))
        if not wait_until(lambda: self.ctl(lb, "status", check=False).returncode == 0, 20):
            raise LabError(f"{lb}: hadirectord did not answer on its control socket")
        # --since 0 replays what happened before the follower connected.
        self.net.spawn(f"events-{lb}", None,
                       [self.ctl_bin, "-s", self.socket(lb), "events", "--since", "0"],
                       os.path.join(self.work, f"events-{lb}.jsonl"))

    def socket(self, lb):
        return os.path.join(self.work, f"run-{lb}", "control.sock")

    def ctl(self, lb, *args, check=True):
        return self.net.run(self.ctl_bin, "-s", self.socket(lb), *args, check=check)

    def start_clients(self, interval_ms, timeout_ms):
        self.net.spawn("loop", "client", [self.lab_net, "loop", VIP, "80", str(interval_ms),
                                           str(timeout_ms), self.loop_file()],
                       os.path.join(self.work, "client.log"))

    def start_hold(self):
        # TCP retransmits across a failover: only a reset or 20 s of silence breaks it.
        self.net.spawn("hold", "client", [self.lab_net, "hold", VIP, "80", "50", "20000",
                                          self.hold_file()],
                       os.path.join(self.work, "client.log"))

    def loop_file(self):
        return os.path.join(self.work, "loop.txt")

    def hold_file(self):
        return os.path.join(self.work, "hold.txt")

    # --- state ------------------------------------------------------------------------------
    def status(self, lb):
        p = self.ctl(lb, "status", "--json", check=False)
        return json.loads(p.stdout) if p.returncode == 0 else None

    def vrrp_states(self, lb):
        s = self.status(lb)
        if not s:
            return {}
        return {i["name"]: i["state"] for i in s.get("vrrp", {}).get("instances", [])}

    def all_in(self, lb, state):
        states = self.vrrp_states(lb)
        return bool(states) and all(v == state for v in states.values())

    def ipvs_weights(self, lb):
        """{real server: weight} of the app service in lb's IPVS table."""
        p = self.net.in_ns(lb, "ipvsadm", "-Ln", "-t", f"{VIP}:80", check=False)
        out = {}
        for line in p.stdout.splitlines():
            m = re.match(r"\s+->\s+(\S+)\s+\S+\s+(\d+)", line)
            if m:
                out[m.group(1)] = int(m.group(2))
        return out

    def connection_synced(self, lb, client_port):
        p = self.net.in_ns(lb, "ipvsadm", "-Lnc", check=False)
        pat = re.compile(rf"ESTABLISHED\s+{re.escape(CLIENT.split('/')[0])}:{client_port}\s")
        return any(pat.search(line) for line in p.stdout.splitlines())

    def events(self, lb):
        path = os.path.join(self.work, f"events-{lb}.jsonl")
        return records.read_events(path) if os.path.exists(path) else []

    def instance_setting(self, lb, instance, key):
        """A value of the normalized configuration (--dump-config), e.g. preempt_delay."""
        dump = self.net.run(self.daemon, "--dump-config", "-f", self.config_path(lb)).stdout
        block = dump.split(f"- name: {instance}\n", 1)[1]
        return re.search(rf"^\s+{key}: (\S+)$", block, re.M).group(1)

    def log_tail(self, lb, lines=15):
        path = os.path.join(self.work, f"{lb}.log")
        if not os.path.exists(path):
            return ""
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])

    def worst_timer_lateness_ms(self):
        """The latest any VRRP timer fired, from the daemons' own warnings: a stalled guest
        (an overloaded host under qemu) shows up here."""
        worst = 0
        for lb in DIRECTORS:
            path = os.path.join(self.work, f"{lb}.log")
            if os.path.exists(path):
                with open(path, errors="replace") as f:
                    for m in re.finditer(r"timer fired (\d+) ms late", f.read()):
                        worst = max(worst, int(m.group(1)))
        return worst

    def keep_logs(self, dest):
        os.makedirs(dest, exist_ok=True)
        for name in os.listdir(self.work):
            src = os.path.join(self.work, name)
            if os.path.isfile(src) and name.endswith((".log", ".txt", ".jsonl", ".yaml")):
                shutil.copy(src, dest)
