#!/usr/bin/env python3
"""The lab's walk-through (started by scripts/lab.sh, in the qemu VM or directly on a kernel
with IPVS): sets up the NAT director pair of etc/nat-pair-lb{1,2}.yaml with a client and three
real servers in namespaces, runs steps.py's six steps under a client request loop, prints a
summary table (and JSON), and removes every namespace and process it made, also on Ctrl-C.
Exit status: 0 every expectation held, 1 one failed, 130 interrupted.
"""
import argparse
import os
import platform
import shutil
import signal
import sys
import tempfile
import time

sys.dont_write_bytecode = True

import records as R  # noqa: E402
import steps  # noqa: E402
from director_pair import DirectorPair, rs_key  # noqa: E402
from netlab import LabError, wait_until  # noqa: E402
from report import Narrator, Step, summary_table, write_json  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


class Durations:
    """How long each step watches; the quick mode (CI) is about a third of the full one."""

    def __init__(self, quick, master_down, emulated):
        self.spread = 2.0 if quick else 6.0
        self.tail = 0.5 if quick else 1.0
        self.failover_observe = 3.0 if quick else 6.0
        self.preempt_observe = 1.5 if quick else 4.0
        self.window = 2.0 if quick else 5.0
        self.preempt_slack = 6.0
        self.master_down = master_down
        # Margin over the protocol's floor: gratuitous ARP, the client's TCP SYN retransmission,
        # and under qemu a software-emulated CPU shared with other jobs, which stalls the guest
        # for a second or more when the host is loaded.
        self.margin = 3.0 if emulated else 1.5
        self.failover_bound = master_down + self.margin
        # Requests still failing this long after the new master's transition count as errors.
        self.grace = 1.0


def master_down_interval(pair):
    adv = steps.parse_duration(pair.instance_setting("lb2", "outside", "advert_interval"))
    prio = int(pair.instance_setting("lb2", "outside", "priority"))
    return 3 * adv + (256 - prio) / 256 * adv  # RFC 5798 §6.1


def set_up(narr, pair):
    s = Step(narr, 0, "set-up")
    t0 = time.time()
    pair.build()
    s.say("namespaces: client, lb1, lb2, rs1-rs3 on bridges outside (203.0.113.0/24) and "
          "inside (198.51.100.0/24), real servers via gateway 198.51.100.1")
    for lb in ("lb1", "lb2"):
        pair.write_config(lb)
        pair.start_director(lb)
    s.say("hadirectord on lb1 and lb2 with etc/nat-pair-lb1.yaml and etc/nat-pair-lb2.yaml")
    want = {rs_key(n) for n in ("rs1", "rs2", "rs3")}
    ready = wait_until(lambda: pair.all_in("lb1", "MASTER") and pair.all_in("lb2", "BACKUP")
                       and all(set(pair.ipvs_weights(lb)) >= want for lb in ("lb1", "lb2")),
                       30, 0.2)
    s.figure("ready_after_ms", R.ms(time.time() - t0))
    s.expect("lb1 MASTER, lb2 BACKUP, 3 real servers up in both IPVS tables", ready,
             f"after {R.ms(time.time() - t0)} ms" if ready else
             f"lb1 {pair.vrrp_states('lb1')}, lb2 {pair.vrrp_states('lb2')}, "
             f"IPVS {pair.ipvs_weights('lb1')}")
    s.headline = f"ready after {R.ms(time.time() - t0)} ms"
    return s


def clean_up(narr, pair):
    s = Step(narr, 7, "clean-up")
    t0 = time.time()
    started = pair.net.started_pids()
    pair.net.cleanup()
    spaces, alive = pair.net.leftovers(started)
    s.expect("no namespace left", not spaces, ", ".join(spaces) or "none")
    s.expect(f"none of the {len(started)} started processes left", not alive,
             ", ".join(map(str, alive)) or "none")
    s.headline = f"{len(started)} processes stopped, namespaces removed in " \
        f"{R.ms(time.time() - t0)} ms"
    return s


def walk(narr, pair, args, done):
    done.append(set_up(narr, pair))
    if not done[-1].ok:
        return
    d = Durations(args.quick, master_down_interval(pair), emulated=args.mode == "vm")
    pair.start_clients(interval_ms=10, timeout_ms=1000)
    if not wait_until(lambda: os.path.exists(pair.loop_file())
                      and len(R.read_loop(pair.loop_file())) >= 5, 10):
        raise LabError("the client loop did not start")
    for step in (steps.spread, steps.server_stop, steps.master_killed, steps.director_back,
                 steps.reload_change, steps.drain):
        done.append(step(narr, pair, d))


def on_signal(signum, _frame):
    raise KeyboardInterrupt(signal.Signals(signum).name)


def parse_args():
    ap = argparse.ArgumentParser(description="hadirector lab (see scripts/lab.sh)")
    ap.add_argument("--build", required=True, help="build directory with daemon/hadirectord")
    ap.add_argument("--quick", action="store_true", help="shorter windows (CI)")
    ap.add_argument("--json", metavar="FILE", help="write the results as JSON (- for stdout)")
    ap.add_argument("--progress", metavar="FILE", help="narrate into FILE instead of stdout")
    ap.add_argument("--keep-logs", metavar="DIR", help="copy the logs there on failure")
    ap.add_argument("--tag", default=str(os.getpid()), help="namespace name suffix")
    ap.add_argument("--mode", default="direct", help="how it runs, for the report")
    ap.add_argument("--pids", metavar="FILE", help="record started pids there too")
    return ap.parse_args()


def main():
    args = parse_args()
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    narr = Narrator(args.progress, to_stderr=args.json == "-")
    work = tempfile.mkdtemp(prefix=f"hdlab{args.tag}.")
    pair = DirectorPair(REPO, os.path.abspath(args.build), work, f"hdlab{args.tag}",
                        lameduck=4.0, pid_file=args.pids)
    narr.say(f"lab: kernel {platform.release()} ({args.mode}), work directory {work}")
    done, rc, t0 = [], 0, time.time()
    try:
        walk(narr, pair, args, done)
    except KeyboardInterrupt as e:
        narr.say(f"lab: interrupted ({e or 'SIGINT'}), cleaning up")
        rc = 130
    except Exception as e:  # noqa: BLE001 - any failure still cleans up and reports
        failed = Step(narr, len(done), "aborted")
        failed.expect("the walk-through ran to its end", False, f"{type(e).__name__}: {e}")
        done.append(failed)
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        ok = all(s.ok for s in done)
        if not ok and rc == 0:
            for lb in ("lb1", "lb2"):
                narr.say(f"--- last lines of {lb}'s log\n{pair.log_tail(lb)}")
            late = pair.worst_timer_lateness_ms()
            if late > 500:
                narr.say(f"lab: note: a VRRP timer fired {late} ms late: the daemons were not "
                         "scheduled for that long (an overloaded host?), longer than the peer "
                         "waits before taking over")
            if args.keep_logs:
                pair.keep_logs(args.keep_logs)
        done.append(clean_up(narr, pair))
        shutil.rmtree(work, ignore_errors=True)
    summary_table(narr, done)
    narr.say(f"lab: {R.ms(time.time() - t0) / 1000:.1f} s")
    if args.json:
        write_json(args.json, {"mode": args.mode, "kernel": platform.release(),
                               "quick": args.quick, "seconds": round(time.time() - t0, 1)},
                   done)
    if rc:
        return rc
    return 0 if all(s.ok for s in done) else 1


if __name__ == "__main__":
    sys.exit(main())
