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
import signal
import subprocess
import sys
import tempfile
import time

ADDRESS = "10.250.0.2"  # on lo: local to the checkers, never on a wire
VIP = "10.250.1."       # virtual servers 10.250.1.1, .2, ... port 80
TCP_PORT0, HTTP_PORT0 = 20000, 30000  # below the ephemeral range (32768-)
PER_VS = 1000


def log(*args):
    print("checkers_bench:", *args, file=sys.stderr, flush=True)


def groups(count, port0):
    """Real-server ports split in virtual servers of PER_VS each."""
    return [list(range(port0 + i, port0 + min(i + PER_VS, count)))
            for i in range(0, count, PER_VS)]


def hadirector_config(work, n_tcp, n_http, interval_s):
    lines = ["version: 1", "global:", "  router_id: bench",
             f"  state_dir: {work}/hd-state", "virtual_servers:"]
    vs = 0
    for kind, port0, count in (("tcp", TCP_PORT0, n_tcp), ("http", HTTP_PORT0, n_http)):
        for ports in groups(count, port0):
            vs += 1
            lines += [f"  - name: {kind}{vs}", f"    address: {VIP}{vs}:80",
                      "    scheduler: rr", "    forwarding: nat", "    real_servers:"]
            check = (f"{{type: {kind}, interval: {interval_s}s, timeout: {interval_s}s, "
                     "rise: 1, fall: 1}")
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
            for p in ports:
                if kind == "tcp":
                    check = f"TCP_CHECK {{ connect_timeout {interval_s} retry 0 }}"
                else:
                    check = (f"HTTP_GET {{ url {{ path / status_code 200 }} "
                             f"connect_timeout {interval_s} retry 0 }}")
                out.append(f"  real_server {ADDRESS} {p} {{ weight 1 {check} }}")
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
        if daemon == "hadirector" and b"checker" in argv:
            return pid
        if daemon == "keepalived":
            return pid  # with --check only, the parent has one child: the checker
    return None


def run_one(daemon, args, work):
    listener = subprocess.Popen(
        [args.listener, ADDRESS, str(TCP_PORT0), str(args.tcp), str(HTTP_PORT0), str(args.http),
         str(args.interval * 1000), str(args.warmup), str(args.duration)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    if listener.stderr.readline().strip() != "ready":
        raise RuntimeError("listener did not start: " + listener.stderr.read())
    started = time.monotonic()
    logf = open(f"{work}/{daemon}.log", "w")
    if daemon == "hadirector":
        conf = f"{work}/hd.yaml"
        with open(conf, "w") as f:
            f.write(hadirector_config(work, args.tcp, args.http, args.interval))
        cmd = [args.hadirectord, "-f", conf, "--runtime-dir", f"{work}/hd-run",
               "--log-level", "notice"]
    else:
        conf = f"{work}/keepalived.conf"
        with open(conf, "w") as f:
            f.write(keepalived_config(args.tcp, args.http, args.interval))
        cmd = [args.keepalived, "-n", "-l", "-C", "-f", conf, "-p", f"{work}/ka.pid",
               "-c", f"{work}/ka-checkers.pid"]
    proc = subprocess.Popen(cmd, stdout=logf, stderr=subprocess.STDOUT)
    try:
        time.sleep(max(0.0, args.warmup - (time.monotonic() - started)))
        pid = checker_pid(proc.pid, daemon)
        if pid is None:
            raise RuntimeError(f"{daemon}: no checker process (see {work}/{daemon}.log)")
        cpu0, t0 = cpu_ns(pid), time.monotonic()
        time.sleep(max(0.0, args.warmup + args.duration - (time.monotonic() - started)))
        cpu1, t1 = cpu_ns(pid), time.monotonic()
        mem = memory_kib(pid)
        out, _ = listener.communicate(timeout=60)
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if listener.poll() is None:
            listener.kill()
            listener.wait()
        subprocess.run(["ipvsadm", "-C"], check=False)
    result = json.loads(out)
    probes = result["tcp"]["probes"] + result["http"]["probes"]
    cpu_s = (cpu1 - cpu0) / 1e9
    result.update(daemon=daemon, checker_cpu_pct=100.0 * cpu_s / (t1 - t0),
                  cpu_us_per_check=1e6 * cpu_s / probes if probes else None,
                  rss_mib=mem.get("rss", 0) / 1024.0, pss_mib=mem.get("pss", 0) / 1024.0)
    log(json.dumps(result))
    return result


def bench_lines(hd, ka, args):
    def get(r, *path):
        if r is None:
            return "nan"
        for p in path:
            r = r.get(p) if isinstance(r, dict) else None
        return "nan" if r is None else f"{r:.3f}"

    n = f"{args.tcp}tcp+{args.http}http"
    rows = [
        (f"checks_tcp_per_s_{n}", "checks/s", ("tcp", "probes_per_s"), f">= {0.98 * args.tcp}"),
        (f"checks_http_per_s_{n}", "checks/s", ("http", "probes_per_s"),
         f">= {0.98 * args.http}"),
        (f"lateness_tcp_p50_{n}", "ms", ("tcp", "late_p50_ms"), ""),
        (f"lateness_tcp_p99_{n}", "ms", ("tcp", "late_p99_ms"), "< 50"),
        (f"lateness_http_p50_{n}", "ms", ("http", "late_p50_ms"), ""),
        (f"lateness_http_p99_{n}", "ms", ("http", "late_p99_ms"), "< 50"),
        (f"checker_cpu_{n}", "% of one core", ("checker_cpu_pct",), ""),
        (f"cpu_per_check_{n}", "us", ("cpu_us_per_check",), "<= 0.5*ka"),
        (f"checker_rss_{n}", "MiB", ("rss_mib",), ""),
        (f"checker_pss_{n}", "MiB", ("pss_mib",), ""),
    ]
    for name, unit, path, target in rows:
        print(f"BENCH {name}|{unit}|{get(hd, *path)}|{get(ka, *path)}|{target}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--build", required=True, help="build directory")
    ap.add_argument("--tcp", type=int, default=10000)
    ap.add_argument("--http", type=int, default=2000)
    ap.add_argument("--interval", type=int, default=1, help="seconds")
    ap.add_argument("--warmup", type=int, default=8, help="seconds before the window")
    ap.add_argument("--duration", type=int, default=20, help="seconds of measurement")
    ap.add_argument("--only", choices=["hadirector", "keepalived"])
    ap.add_argument("--quick", action="store_true", help="1,000 tcp + 200 http, short window")
    args = ap.parse_args()
    if args.quick:
        args.tcp, args.http, args.warmup, args.duration = 1000, 200, 4, 6
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
    with tempfile.TemporaryDirectory(prefix="hd-checkbench-", dir="/run") as work:
        for daemon in ("hadirector", "keepalived"):
            if args.only and args.only != daemon:
                continue
            try:
                results[daemon] = run_one(daemon, args, work)
            except Exception as e:  # a failed side still lets the other's figures print
                log(f"{daemon} failed: {e}")
                with open(f"{work}/{daemon}.log") as f:
                    log(f.read()[-3000:])
    bench_lines(results.get("hadirector"), results.get("keepalived"), args)
    return 0 if "hadirector" in results else 1


if __name__ == "__main__":
    sys.exit(main())
