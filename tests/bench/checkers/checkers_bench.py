#!/usr/bin/env python3
"""Checker benchmark, run as root where IPVS exists (the qemu VM: see run.sh next to this file).

The same workload for hadirectord and then keepalived, one after the other in the same run:
N_TCP real servers checked with `tcp` and N_HTTP with `http`, every INTERVAL, all against one
epoll listener (bench_check_listener). With `--servers netns` (the default) the listener lives in
its own network namespace behind a veth pair, on the VM's second CPU, with the packets to it
steered there (RPS), and the daemons run on the first CPU: the servers' kernel work is done
where it would be in production, on other machines' CPUs. `--servers local` is the earlier
setup: the listener on the director's own `lo`, nothing pinned. The listener measures lateness
(time between consecutive probes of a real server minus the interval); this script measures
the checker process's CPU (schedstat of every thread, over the same window), each CPU's busy
time (/proc/stat) and the checker's RSS and PSS.
Prints a JSON summary on stderr and `BENCH name|unit|hadirector|keepalived|target` lines on
stdout (tests/bench/README.md).
"""
import argparse
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import time

ADDRESS = "10.250.0.2"  # on lo: local to the checkers, never on a wire
VIP = "10.250.1."       # virtual servers 10.250.1.1, .2, ... port 80
TCP_PORT0, HTTP_PORT0 = 20000, 30000  # below the ephemeral range (32768-)
PER_VS = 1000
# --servers netns: the real servers' namespace and the veth pair to it (10.250.2.0/30), the
# director's CPU (the daemons) and the servers' CPU (the listener, this script, their softirqs).
SERVERS_NS = "hd-ckbench-srv"
DIR_VETH, SRV_VETH = "ckb-dir", "ckb-srv"
DIR_LINK, SRV_LINK = "10.250.2.1", "10.250.2.2"
DIRECTOR_CPU, SERVERS_CPU = 0, 1
RUN = "/run/hd-checkbench"  # runtime and state: Unix sockets cannot live on the VM's 9p share
# hadirector: the default configuration (bare tcp checks half-open); hadirector-connect: the
# same with `half_open: false` (connect, then reset), the mode without CAP_NET_RAW.
DAEMONS = ["hadirector", "keepalived", "hadirector-connect"]
PERF_LINGER = 90  # s the listener serves after the window with --perf (perf attaches slowly)


def log(*args):
    print("checkers_bench:", *args, file=sys.stderr, flush=True)


def groups(count, port0):
    """Real-server ports split in virtual servers of PER_VS each."""
    return [list(range(port0 + i, port0 + min(i + PER_VS, count)))
            for i in range(0, count, PER_VS)]


def hadirector_config(work, n_tcp, n_http, interval_s, connect=False):
    lines = ["version: 1", "global:", "  router_id: bench",
             f"  state_dir: {RUN}/hd-state", "virtual_servers:"]
    vs = 0
    for kind, port0, count in (("tcp", TCP_PORT0, n_tcp), ("http", HTTP_PORT0, n_http)):
        for ports in groups(count, port0):
            vs += 1
            lines += [f"  - name: {kind}{vs}", f"    address: {VIP}{vs}:80",
                      "    scheduler: rr", "    forwarding: nat", "    real_servers:"]
            # The default config probes bare tcp checks half-open (a SYN) where the checker
            # holds CAP_NET_RAW and keeps http connections alive; `connect` measures a new
            # connection per probe instead (tcp connect-and-reset, http without keep-alive).
            mode = ""
            if connect:
                mode = ", half_open: false" if kind == "tcp" else ", keep_alive: false"
            check = (f"{{type: {kind}, interval: {interval_s}s, timeout: {interval_s}s, "
                     f"rise: 1, fall: 1{mode}}}")
            lines += [f"      - {{address: '{ADDRESS}:{p}', checks: [{check}]}}" for p in ports]
    return "\n".join(lines) + "\n"


def keepalived_config(n_tcp, n_http, interval_s):
    out = ["global_defs {", "  router_id bench", "}"]
    vs = 0
    for kind, port0, count in (("tcp", TCP_PORT0, n_tcp), ("http", HTTP_PORT0, n_http)):
        for ports in groups(count, port0):
            vs += 1
            out += [f"virtual_server {VIP}{vs} 80 {{", f"  delay_loop {interval_s}",
                    "  lb_algo rr", "  lb_kind NAT", "  protocol TCP"]
            # One keyword per line: keepalived's parser does not take nested blocks on one.
            if kind == "tcp":
                check = ["    TCP_CHECK {", f"      connect_timeout {interval_s}",
                         "      retry 0", "    }"]
            else:
                check = ["    HTTP_GET {", "      url {", "        path /",
                         "        status_code 200", "      }",
                         f"      connect_timeout {interval_s}", "      retry 0", "    }"]
            for p in ports:
                out += [f"  real_server {ADDRESS} {p} {{", "    weight 1", *check, "  }"]
            out.append("}")
    return "\n".join(out) + "\n"


def tree(root):
    """root and its descendants."""
    pids, frontier = [root], [root]
    while frontier:
        p = frontier.pop()
        try:
            with open(f"/proc/{p}/task/{p}/children") as f:
                kids = [int(x) for x in f.read().split()]
        except OSError:
            kids = []
        pids += kids
        frontier += kids
    return pids


def cpu_ns(pid):
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
    except OSError:
        pass
    return total


def wakeups(pid):
    """Voluntary context switches of every thread: each is one sleep in the event loop."""
    total = 0
    try:
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/status") as f:
                for line in f:
                    if line.startswith("voluntary_ctxt_switches:"):
                        total += int(line.split()[1])
    except OSError:
        pass
    return total


def cpu_idle_s():
    """Per CPU: seconds idle. The kernel measures idle time exactly (tickless idle), while its
    busy columns count timer ticks, which a starved TCG guest loses: busy = elapsed - idle."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            name, *v = line.split()
            if name.startswith("cpu") and name != "cpu":
                out[int(name[3:])] = (int(v[3]) + int(v[4])) / tick  # idle + iowait
    return out


def backlog_drops():
    """Packets each CPU's input backlog dropped (full: net.core.netdev_max_backlog)."""
    with open("/proc/net/softnet_stat") as f:
        return sum(int(line.split()[1], 16) for line in f)


def load_average():
    """The guest's: the host's is printed by run.sh (the guest sees only its own)."""
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def sh(*cmd):
    subprocess.run(cmd, check=True)


def setup_servers(args):
    """Where the real servers listen: this host's lo, or a namespace behind a veth pair."""
    if args.servers == "local":
        sh("ip", "addr", "replace", f"{ADDRESS}/32", "dev", "lo")
        return
    if os.cpu_count() < 2:
        raise SystemExit("checkers_bench: --servers netns needs 2 CPUs (or use --servers local)")
    subprocess.run(["ip", "netns", "del", SERVERS_NS], check=False, stderr=subprocess.DEVNULL)
    sh("ip", "netns", "add", SERVERS_NS)
    sh("ip", "link", "add", DIR_VETH, "type", "veth", "peer", "name", SRV_VETH,
       "netns", SERVERS_NS)
    sh("ip", "addr", "add", f"{DIR_LINK}/30", "dev", DIR_VETH)
    sh("ip", "link", "set", DIR_VETH, "up")
    inside = ["ip", "netns", "exec", SERVERS_NS]
    sh(*inside, "ip", "link", "set", "lo", "up")
    sh(*inside, "ip", "addr", "add", f"{SRV_LINK}/30", "dev", SRV_VETH)
    sh(*inside, "ip", "addr", "add", f"{ADDRESS}/32", "dev", "lo")
    sh(*inside, "ip", "link", "set", SRV_VETH, "up")
    sh("ip", "route", "replace", f"{ADDRESS}/32", "via", SRV_LINK, "dev", DIR_VETH)
    # veth delivers in the sender's softirq unless RPS steers it: packets to the servers are
    # processed on the servers' CPU (SYN, the listener's SYN-ACK, accept, http), their answers
    # on the director's CPU, as a NIC's interrupt would have them there.
    sh(*inside, "sh", "-c",
       f"echo {1 << SERVERS_CPU:x} > /sys/class/net/{SRV_VETH}/queues/rx-0/rps_cpus")
    with open(f"/sys/class/net/{DIR_VETH}/queues/rx-0/rps_cpus", "w") as f:
        f.write(f"{1 << DIRECTOR_CPU:x}\n")
    # A NIC's ring holds thousands of packets; the backlog RPS queues to another CPU holds
    # netdev_max_backlog (1,000), which bursts of SYNs from a starved guest overflow: each
    # drop would be a false timeout. Drops still happening are reported (backlog_drops).
    with open("/proc/sys/net/core/netdev_max_backlog", "w") as f:
        f.write("30000\n")
    os.sched_setaffinity(0, {SERVERS_CPU})  # this script and the listener it starts


def memory_kib(pid):
    out = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            key, _, rest = line.partition(":")
            if key in ("Rss", "Pss"):
                out[key.lower()] = int(rest.split()[0])
    return out


def checker_pid(root, daemon):
    """The process that runs the checks: hadirectord's checker worker, keepalived's child."""
    for pid in tree(root)[1:]:
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                argv = f.read().split(b"\0")
        except OSError:
            continue
        if daemon.startswith("hadirector") and b"checker" in argv:
            return pid
        if daemon == "keepalived":
            return pid  # with --check only, the parent has one child: the checker
    return None


def wait_for_checker(proc, daemon, limit_s=120):
    """The checker process once it exists and has had a moment to load its configuration."""
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{daemon} exited with status {proc.returncode}")
        pid = checker_pid(proc.pid, daemon)
        if pid is not None:
            return pid
        time.sleep(0.2)
    raise RuntimeError(f"{daemon}: no checker process after {limit_s} s")


def syscall_rates(path, checks_per_s):
    """Per event: mean count per 1 s interval of `perf stat -I` over the checks a second."""
    sums, intervals = {}, {}
    try:
        with open(path) as f:
            for line in f:
                fields = line.strip().split(",")
                if len(fields) < 4 or line.startswith("#") or not fields[1].isdigit():
                    continue
                event = fields[3].split(":")[-1]
                sums[event] = sums.get(event, 0) + int(fields[1])
                intervals[event] = intervals.get(event, 0) + 1
    except OSError:
        return None
    return {e: sums[e] / intervals[e] / checks_per_s for e in sums}


def perf_summary(data, out):
    """Symbols by inclusive share (system calls with what they lead to), read in the guest
    whose kernel recorded them."""
    with open(out, "w") as f:
        subprocess.run(["perf", "report", "-i", data, "--stdio", "--children", "-g", "none",
                        "--percent-limit", "1", "--sort", "dso,sym"],
                       stdout=f, stderr=subprocess.DEVNULL, check=False)


def run_one(daemon, args, work):
    proc, logf = start_daemon(daemon, args, work)
    try:
        pid = wait_for_checker(proc, daemon)
        time.sleep(args.settle)  # configuration loaded, IPVS programmed
        return measure(daemon, args, pid)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        logf.close()
        shutil.copy(logf.name, work)
        if os.path.exists(f"{RUN}/perf-{daemon}.data"):
            shutil.copy(f"{RUN}/perf-{daemon}.data", work)
            perf_summary(f"{RUN}/perf-{daemon}.data", f"{work}/perf-{daemon}.txt")
        subprocess.run(["ipvsadm", "-C"], check=False)


def measure(daemon, args, pid):
    """Starts the listener; the daemon's first probes find it during the warm-up."""
    # With --perf the listener serves on, unmeasured, for PERF_LINGER s after the window.
    netns = args.servers == "netns"
    listener = subprocess.Popen(
        (["ip", "netns", "exec", SERVERS_NS] if netns else []) +
        [args.listener, ADDRESS, str(TCP_PORT0), str(args.tcp), str(HTTP_PORT0), str(args.http),
         str(args.interval * 1000), str(args.warmup), str(args.duration),
         str(PERF_LINGER if args.perf or args.syscalls else 0), SRV_VETH if netns else "lo"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if listener.stderr.readline().strip() != "ready":
        raise RuntimeError("listener did not start: " + listener.stderr.read())
    started = time.monotonic()
    perf = stat = None
    try:
        if args.perf:  # a call-graph profile of the checker, for a look later (perf report)
            # Started with the warm-up: perf takes tens of seconds to attach under TCG, and
            # records `duration` s from then on, before the listener stops lingering.
            perf = subprocess.Popen(["perf", "record", "-g", "-p", str(pid), "-o",
                                     f"{RUN}/perf-{daemon}.data", "--", "sleep",
                                     str(args.duration)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if args.syscalls:  # system calls a second, counted in 1 s intervals once perf attached
            stat = subprocess.Popen(["perf", "stat", "-x", ",", "-I", "1000", "-e",
                                     "raw_syscalls:sys_enter,syscalls:sys_enter_clock_gettime",
                                     "-p", str(pid), "-o", f"{RUN}/syscalls-{daemon}.csv",
                                     "--", "sleep", str(args.duration)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(max(0.0, args.warmup - (time.monotonic() - started)))
        cpu0, wake0, idle0, t0 = cpu_ns(pid), wakeups(pid), cpu_idle_s(), time.monotonic()
        drops0 = backlog_drops()
        time.sleep(max(0.0, args.warmup + args.duration - (time.monotonic() - started)))
        cpu1, wake1, idle1, t1 = cpu_ns(pid), wakeups(pid), cpu_idle_s(), time.monotonic()
        drops1 = backlog_drops()
        mem = memory_kib(pid)
        out, err = listener.communicate(
            timeout=60 + (PERF_LINGER if args.perf or args.syscalls else 0))
        if listener.returncode != 0:
            raise RuntimeError(f"listener exited with {listener.returncode}: {err[-2000:]}")
        if perf is not None:
            perf.wait(timeout=120)
        if stat is not None:
            stat.wait(timeout=120)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    result = json.loads(out)
    probes = result["tcp"]["probes"] + result["http"]["probes"]
    if args.syscalls and probes:
        result["syscalls_per_check"] = syscall_rates(f"{RUN}/syscalls-{daemon}.csv",
                                                     probes / args.duration)
    cpu_s = (cpu1 - cpu0) / 1e9
    # Busy time of each CPU over the window: with --servers netns, CPU 0 is the director's
    # (the daemon, its softirqs, the answers' receive path) and CPU 1 the servers'.
    busy = {c: max(0.0, (t1 - t0) - (idle1[c] - idle0[c])) for c in idle1}
    director_s = busy.get(DIRECTOR_CPU, 0.0)
    result.update(daemon=daemon, servers=args.servers, checker_cpu_pct=100.0 * cpu_s / (t1 - t0),
                  cpu_us_per_check=1e6 * cpu_s / probes if probes else None,
                  cpu_busy_pct={c: 100.0 * b / (t1 - t0) for c, b in busy.items()},
                  backlog_drops=drops1 - drops0,
                  **(dict(director_cpu_pct=100.0 * director_s / (t1 - t0),
                          director_us_per_check=1e6 * director_s / probes if probes else None,
                          servers_cpu_pct=100.0 * busy.get(SERVERS_CPU, 0.0) / (t1 - t0))
                     if args.servers == "netns" else {}),
                  wakeups_per_s=(wake1 - wake0) / (t1 - t0),
                  rss_mib=mem.get("rss", 0) / 1024.0, pss_mib=mem.get("pss", 0) / 1024.0)
    log(json.dumps(result))
    return result


def start_daemon(daemon, args, work):
    # The log goes to the guest's tmpfs: a write to the 9p share costs a VM exit per line,
    # which at thousands of state changes would be the benchmark's bottleneck.
    logf = open(f"{RUN}/{daemon}.log", "w")
    pin = None
    if args.servers == "netns":  # the daemon and its workers on the director's CPU
        def pin():
            os.sched_setaffinity(0, {DIRECTOR_CPU})
    if daemon.startswith("hadirector"):
        conf = f"{work}/{daemon}.yaml"
        with open(conf, "w") as f:
            f.write(hadirector_config(work, args.tcp, args.http, args.interval,
                                      connect=daemon == "hadirector-connect"))
        cmd = [args.hadirectord, "-f", conf, "--runtime-dir", f"{RUN}/hd-run",
               "--log-level", "notice"]
    else:
        conf = f"{work}/keepalived.conf"
        with open(conf, "w") as f:
            f.write(keepalived_config(args.tcp, args.http, args.interval))
        cmd = [args.keepalived, "-n", "-l", "-C", "-f", conf, "-p", f"{RUN}/ka.pid",
               "-c", f"{RUN}/ka-checkers.pid"]
    return subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT, preexec_fn=pin), logf


def bench_lines(hd, ka, args, prefix="", label=""):
    def get(r, *path):
        if r is None:
            return "nan"
        for p in path:
            r = r.get(p) if isinstance(r, dict) else None
        return "nan" if r is None else f"{r:.3f}"

    where = ("servers in a namespace on the other CPU" if args.servers == "netns"
             else "servers on the director's lo")
    note = (f"{label}{args.tcp} tcp + {args.http} http real servers every {args.interval} s, "
            f"{args.duration} s window, qemu VM, {where}, host load average at the start "
            f"{args.host_load}")
    rows = [
        ("tcp_checks_per_s", "checks/s", ("tcp", "probes_per_s"), f">= {0.98 * args.tcp:g}"),
        ("http_checks_per_s", "checks/s", ("http", "probes_per_s"), f">= {0.98 * args.http:g}"),
        ("tcp_lateness_p50", "ms", ("tcp", "late_p50_ms"), "-"),
        ("tcp_lateness_p99", "ms", ("tcp", "late_p99_ms"), "< 50"),
        ("http_lateness_p50", "ms", ("http", "late_p50_ms"), "-"),
        ("http_lateness_p99", "ms", ("http", "late_p99_ms"), "< 50"),
        ("checker_cpu", "% of one core", ("checker_cpu_pct",), "-"),
        ("cpu_per_check", "us", ("cpu_us_per_check",), "<= 0.5*ka"),
        # --servers netns only: all of the director's CPU (the daemon, its softirqs, the
        # answers' receive path), and the servers' CPU (their kernel side, the listener).
        ("director_cpu", "% of one core", ("director_cpu_pct",), "-"),
        ("director_cpu_per_check", "us", ("director_us_per_check",), "<= 0.5*ka"),
        ("servers_cpu", "% of one core", ("servers_cpu_pct",), "-"),
        # Packets the input backlogs dropped in the window (each a false timeout): 0 expected.
        ("backlog_drops", "packets", ("backlog_drops",), "== 0"),
        ("checker_wakeups", "/s", ("wakeups_per_s",), "-"),
        ("checker_rss", "MiB", ("rss_mib",), "-"),
        ("checker_pss", "MiB", ("pss_mib",), "-"),
    ]
    for name, unit, path, target in rows:
        print(f"BENCH checkers.{prefix}{name}|{unit}|{get(hd, *path)}|{get(ka, *path)}|{target}|{note}",
              flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True, help="build directory")
    # Defaults: 10000, 2000, settle 10, warm-up 8, duration 20; --quick changes those not given.
    ap.add_argument("--tcp", type=int)
    ap.add_argument("--http", type=int)
    ap.add_argument("--interval", type=int, default=1, help="seconds")
    ap.add_argument("--settle", type=int,
                    help="seconds between the checker process appearing and the listener")
    ap.add_argument("--warmup", type=int, help="seconds before the window")
    ap.add_argument("--duration", type=int, help="seconds of measurement")
    ap.add_argument("--only", choices=DAEMONS)
    ap.add_argument("--host-load", default="?", help="the host's load average (run.sh)")
    ap.add_argument("--hadirectord", help="another hadirectord binary (default: the build's)")
    ap.add_argument("--perf", action="store_true",
                    help="perf record the checker during the window (last-run/perf-*.data)")
    ap.add_argument("--syscalls", action="store_true",
                    help="count the checker's system calls (all, clock_gettime) per check")
    ap.add_argument("--quick", action="store_true",
                    help="1,000 tcp + 200 http, settle 15, warm-up 5, duration 8")
    ap.add_argument("--servers", choices=["netns", "local"], default="netns",
                    help="netns: the real servers in a namespace on the other CPU (default); "
                         "local: on the director's lo, nothing pinned (the earlier setup)")
    args = ap.parse_args()
    # keepalived needs a while after its start to settle into its schedule: at 5 s it was
    # often still catching up in the window, which inflated its CPU per check.
    defaults = ((1000, 200, 15, 5, 8) if args.quick else (10000, 2000, 10, 8, 20))
    for name, value in zip(("tcp", "http", "settle", "warmup", "duration"), defaults):
        if getattr(args, name) is None:
            setattr(args, name, value)
    args.listener = os.path.join(args.build, "tests/bench/checkers/bench_check_listener")
    args.hadirectord = args.hadirectord or os.path.join(args.build, "daemon/hadirectord")
    args.keepalived = "/usr/sbin/keepalived"
    # 12,000 listening sockets and the connections in flight; containers may cap the hard limit.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, max(hard, 65536)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    subprocess.run(["modprobe", "ip_vs"], check=False)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    setup_servers(args)
    log(f"servers: {args.servers}; load average at the start: {load_average()}")
    results = {}
    # Logs and configurations stay in the build tree for a look after the run.
    work = os.path.join(args.build, "tests/bench/checkers/last-run")
    subprocess.run(["rm", "-rf", work], check=True)
    os.makedirs(work)
    subprocess.run(["rm", "-rf", RUN], check=True)
    os.makedirs(RUN)
    for daemon in DAEMONS:
        if args.only and args.only != daemon:
            continue
        try:
            results[daemon] = run_one(daemon, args, work)
        except Exception as e:  # a failed side still lets the other's figures print
            log(f"{daemon} failed: {e}")
            with open(f"{RUN}/{daemon}.log") as f:
                log(f.read()[-3000:])
    log(f"configurations and logs in {work}")
    bench_lines(results.get("hadirector"), results.get("keepalived"), args,
                label="default config (tcp half-open, http keep-alive): ")
    if "hadirector-connect" in results:
        bench_lines(results.get("hadirector-connect"), results.get("keepalived"), args,
                    prefix="connect_mode.",
                    label="a connection per probe (tcp half_open: false, http keep_alive: false): ")
    return 0 if results else 1


if __name__ == "__main__":
    sys.exit(main())
