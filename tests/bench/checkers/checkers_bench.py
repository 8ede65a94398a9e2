#!/usr/bin/env python3
"""Checker benchmark, run as root where IPVS exists (the qemu VM: see run.sh next to this file).

The same workload for hadirectord and then keepalived, one after the other in the same run:
N_TCP real servers checked with `tcp` and N_HTTP with `http`, every INTERVAL, all against one
epoll listener (bench_check_listener) on a local address. The listener measures lateness (time
between consecutive probes of a real server minus the interval); this script measures the
checker process's CPU (schedstat of every thread, over the same window) and its RSS and PSS.
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
        subprocess.run(["ipvsadm", "-C"], check=False)


def measure(daemon, args, pid):
    """Starts the listener; the daemon's first probes find it during the warm-up."""
    # With --perf the listener serves on, unmeasured, for PERF_LINGER s after the window.
    listener = subprocess.Popen(
        [args.listener, ADDRESS, str(TCP_PORT0), str(args.tcp), str(HTTP_PORT0), str(args.http),
         str(args.interval * 1000), str(args.warmup), str(args.duration),
         str(PERF_LINGER if args.perf else 0)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if listener.stderr.readline().strip() != "ready":
        raise RuntimeError("listener did not start: " + listener.stderr.read())
    started = time.monotonic()
    perf = None
    try:
        if args.perf:  # a call-graph profile of the checker, for a look later (perf report)
            # Started with the warm-up: perf takes tens of seconds to attach under TCG, and
            # records `duration` s from then on, before the listener stops lingering.
            perf = subprocess.Popen(["perf", "record", "-g", "-p", str(pid), "-o",
                                     f"{RUN}/perf-{daemon}.data", "--", "sleep",
                                     str(args.duration)],
                                    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(max(0.0, args.warmup - (time.monotonic() - started)))
        cpu0, wake0, t0 = cpu_ns(pid), wakeups(pid), time.monotonic()
        time.sleep(max(0.0, args.warmup + args.duration - (time.monotonic() - started)))
        cpu1, wake1, t1 = cpu_ns(pid), wakeups(pid), time.monotonic()
        mem = memory_kib(pid)
        out, err = listener.communicate(timeout=60 + (PERF_LINGER if args.perf else 0))
        if listener.returncode != 0:
            raise RuntimeError(f"listener exited with {listener.returncode}: {err[-2000:]}")
        if perf is not None:
            perf.wait(timeout=120)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait()
    result = json.loads(out)
    probes = result["tcp"]["probes"] + result["http"]["probes"]
    cpu_s = (cpu1 - cpu0) / 1e9
    result.update(daemon=daemon, checker_cpu_pct=100.0 * cpu_s / (t1 - t0),
                  cpu_us_per_check=1e6 * cpu_s / probes if probes else None,
                  wakeups_per_s=(wake1 - wake0) / (t1 - t0),
                  rss_mib=mem.get("rss", 0) / 1024.0, pss_mib=mem.get("pss", 0) / 1024.0)
    log(json.dumps(result))
    return result


def start_daemon(daemon, args, work):
    # The log goes to the guest's tmpfs: a write to the 9p share costs a VM exit per line,
    # which at thousands of state changes would be the benchmark's bottleneck.
    logf = open(f"{RUN}/{daemon}.log", "w")
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
    return subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT), logf


def bench_lines(hd, ka, args, prefix="", label=""):
    def get(r, *path):
        if r is None:
            return "nan"
        for p in path:
            r = r.get(p) if isinstance(r, dict) else None
        return "nan" if r is None else f"{r:.3f}"

    note = (f"{label}{args.tcp} tcp + {args.http} http real servers every {args.interval} s, "
            f"{args.duration} s window, qemu VM")
    rows = [
        ("tcp_checks_per_s", "checks/s", ("tcp", "probes_per_s"), f">= {0.98 * args.tcp:g}"),
        ("http_checks_per_s", "checks/s", ("http", "probes_per_s"), f">= {0.98 * args.http:g}"),
        ("tcp_lateness_p50", "ms", ("tcp", "late_p50_ms"), "-"),
        ("tcp_lateness_p99", "ms", ("tcp", "late_p99_ms"), "< 50"),
        ("http_lateness_p50", "ms", ("http", "late_p50_ms"), "-"),
        ("http_lateness_p99", "ms", ("http", "late_p99_ms"), "< 50"),
        ("checker_cpu", "% of one core", ("checker_cpu_pct",), "-"),
        ("cpu_per_check", "us", ("cpu_us_per_check",), "<= 0.5*ka"),
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
    ap.add_argument("--tcp", type=int, default=10000)
    ap.add_argument("--http", type=int, default=2000)
    ap.add_argument("--interval", type=int, default=1, help="seconds")
    ap.add_argument("--settle", type=int, default=10,
                    help="seconds between the checker process appearing and the listener")
    ap.add_argument("--warmup", type=int, default=8, help="seconds before the window")
    ap.add_argument("--duration", type=int, default=20, help="seconds of measurement")
    ap.add_argument("--only", choices=DAEMONS)
    ap.add_argument("--perf", action="store_true",
                    help="perf record the checker during the window (last-run/perf-*.data)")
    ap.add_argument("--quick", action="store_true", help="1,000 tcp + 200 http, short window")
    args = ap.parse_args()
    if args.quick:
        args.tcp, args.http, args.settle, args.warmup, args.duration = 1000, 200, 5, 5, 8
    args.listener = os.path.join(args.build, "tests/bench/checkers/bench_check_listener")
    args.hadirectord = os.path.join(args.build, "daemon/hadirectord")
    args.keepalived = "/usr/sbin/keepalived"
    # 12,000 listening sockets and the connections in flight; containers may cap the hard limit.
    hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (65536, max(hard, 65536)))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    subprocess.run(["modprobe", "ip_vs"], check=False)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    subprocess.run(["ip", "addr", "replace", f"{ADDRESS}/32", "dev", "lo"], check=True)
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
