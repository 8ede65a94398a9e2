"""The lab's walk-through, one function per step; each measures from the client's records and
the daemons' event streams and states its expectations (report.Step.expect).

Times are wall-clock seconds; `pair` is a director_pair.DirectorPair with both directors and the
clients running, lb1 MASTER.
"""
import os
import signal
import time

import records as R
from director_pair import REAL_SERVERS, SERVICE, VIP, rs_key
from netlab import wait_until
from report import Step


def loop_since(pair, a, b=None):
    recs = R.read_loop(pair.loop_file())
    return recs, R.in_window(recs, a, b if b is not None else time.time())


def spread(narr, pair, d):
    s = Step(narr, 1, "requests through the VIP spread over the real servers")
    t0 = time.time()
    time.sleep(d.spread)
    _, win = loop_since(pair, t0)
    counts = s.figure("per_server", R.per_server(win))
    errs = len(R.errors(win))
    s.figure("requests", len(win))
    s.figure("requests_per_s", round(len(win) / d.spread, 1))
    lat = sorted(r[1] - r[0] for r in win if not R.is_error(r))
    if lat:
        s.figure("latency_median_ms", R.ms(lat[len(lat) // 2]))
    s.say(f"{len(win)} requests in {d.spread:.0f} s through {VIP}:80: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))
    s.expect("no request failed", errs == 0, f"{errs} errors")
    served = sum(counts.values()) or 1
    shares = {k: counts.get(k, 0) / served for k in REAL_SERVERS}
    s.expect("each real server answers a fair share (>= 25%, wrr with equal weights)",
             min(shares.values()) >= 0.25,
             ", ".join(f"{k} {v:.0%}" for k, v in shares.items()))
    s.headline = f"{len(win)} requests: " + " / ".join(str(v) for v in counts.values()) + \
        f", {errs} errors"
    return s


def server_stop(narr, pair, d):
    s = Step(narr, 2, "a real server stopped: its check takes it out")
    key = rs_key("rs2")
    s.say(f"SIGTERM to rs2 ({key}): its /healthz fails at once, it keeps serving "
          f"{pair.lameduck:.0f} s, then exits")
    t_stop = time.time()
    pair.server_process("rs2").send_signal(signal.SIGTERM)
    # Out of rotation: weight 0 (remove_drain_time) or deleted.
    removed = wait_until(lambda: not pair.ipvs_weights("lb1").get(key) and time.time(), 10, 0.1)
    ev = R.first_event(pair.events("lb1"), t_stop, kind="real_server", real_server=key,
                       to="down")
    t_removed = ev["t"] if ev else removed
    pair.server_process("rs2").wait(timeout=pair.lameduck + 5)
    pair.net.procs.pop("rs2")
    t_exit = time.time()
    time.sleep(d.tail)
    _, win = loop_since(pair, t_stop)
    if t_removed:
        s.figure("removed_after_ms", R.ms(t_removed - t_stop))
        s.say(f"lb1's checker marked it down {R.ms(t_removed - t_stop)} ms after the stop"
              f" (event: {ev['reason'] if ev else 'seen in ipvsadm'}); the process exited after "
              f"{R.ms(t_exit - t_stop)} ms")
    s.expect("out of lb1's rotation before the server exited",
             t_removed and t_removed < t_exit,
             f"{R.ms(t_removed - t_stop)} ms" if t_removed else "not removed within 10 s")
    errs = R.errors(win)
    s.expect("the client saw no error", not errs, f"{len(errs)} errors in {len(win)} requests")
    late = [r for r in win if r[2] == "rs2" and t_removed and r[0] > t_removed + 0.05]
    s.expect("no new request reached rs2 after its removal", not late, f"{len(late)} requests")
    s.figure("errors", len(errs))

    t_start = time.time()
    pair.start_server("rs2")
    back = wait_until(lambda: key in pair.ipvs_weights("lb1") and time.time(), 15, 0.1)
    s.figure("back_after_ms", R.ms(back - t_start) if back else None)
    s.expect("restarted, its check brings it back (rise 2)", back,
             f"{R.ms(back - t_start)} ms" if back else "not back within 15 s")
    s.headline = (f"out after {R.ms(t_removed - t_stop) if t_removed else '-'} ms, "
                  f"{len(errs)} errors; back after {R.ms(back - t_start) if back else '-'} ms")
    return s


def wait_hold_synced(s, pair):
    """Opens the long-lived connection and waits until lb2 has it in its connection table."""
    pair.start_hold()
    opened = wait_until(lambda: os.path.exists(pair.hold_file())
                        and R.read_hold(pair.hold_file())[1], 20)
    server, port, _, error = R.read_hold(pair.hold_file()) if opened else (None, None, [], None)
    if not port:
        s.expect("long-lived connection open", False, error or "no connection within 20 s")
        return None
    s.say(f"a long-lived connection (an echo every 50 ms) opened to {server}")
    t0 = time.time()
    ok = wait_until(lambda: pair.connection_synced("lb2", port), 15, 0.2)
    s.expect(f"long-lived connection (port {port}, to {server}) synced to lb2's table", ok,
             f"after {R.ms(time.time() - t0)} ms" if ok else "not within 15 s")
    return server


def master_killed(narr, pair, d):
    s = Step(narr, 3, "the master director killed (SIGKILL)")
    wait_hold_synced(s, pair)
    s.say("lb1 loses power: its links go down, hadirectord and its workers are SIGKILLed, its "
          "namespace is deleted")
    t_dark, t_kill = pair.power_off("lb1")
    s.figure("links_down_command_ms", R.ms(t_kill - t_dark))
    took = wait_until(lambda: pair.all_in("lb2", "MASTER") and time.time(), 10, 0.05)
    ev = R.first_event(pair.events("lb2"), t_kill, kind="vrrp", instance="outside", to="MASTER")
    t_master = ev["t"] if ev else took
    time.sleep(max(0.0, t_kill + d.failover_observe - time.time()))
    t_end = time.time()
    recs, win = loop_since(pair, t_kill, t_end)
    gap = R.longest_gap(recs, t_kill, t_end)
    first = R.first_success_after(recs, t_kill)
    errs = R.errors(win)
    bound = d.failover_bound
    if t_master:
        s.figure("master_after_ms", R.ms(t_master - t_kill))
        s.say(f"lb2 MASTER {R.ms(t_master - t_kill)} ms after lb1 went dark (at most "
              f"{R.ms(t_master - t_dark)} ms: taking the links down took {R.ms(t_kill - t_dark)} "
              f"ms); Master_Down_Interval {R.ms(d.master_down)} ms")
    s.figure("client_gap_ms", R.ms(gap))
    s.figure("client_errors", len(errs))
    s.say(f"client: longest time without a reply {R.ms(gap)} ms, {len(errs)} failed requests, "
          f"first reply {R.ms(first[1] - t_kill) if first else '-'} ms after the kill")
    s.expect("lb2 took over (both VIPs)", t_master, "yes" if t_master else "no")
    s.expect(f"client gap below the bound (Master_Down_Interval + {R.ms(d.margin)} ms)",
             gap <= bound, f"{R.ms(gap)} ms <= {R.ms(bound)} ms")
    window_end = (t_master or t_kill) + d.grace
    outside = [r for r in errs if r[0] > window_end]
    s.expect("no failed request after the failover window", not outside,
             f"{len(outside)} after +{R.ms(window_end - t_kill)} ms")
    s.headline = f"lb2 MASTER +{R.ms(t_master - t_kill) if t_master else '-'} ms, client gap " \
        f"{R.ms(gap)} ms, {len(errs)} errors"
    hold_survived(s, pair, t_kill, t_end)
    return s


def hold_survived(s, pair, a, b):
    server, _, times, error = R.read_hold(pair.hold_file())
    after = [t for t in times if t > b - 0.5]
    gap = R.hold_gap(times, a, b)
    s.figure("long_lived_gap_ms", R.ms(gap))
    s.expect(f"the long-lived connection to {server} survives and keeps echoing",
             error is None and after, f"longest silence {R.ms(gap)} ms" if error is None
             else f"broken: {error}")
    s.headline += f"; long-lived conn. {'survived' if error is None and after else 'BROKEN'}"


def director_back(narr, pair, d):
    s = Step(narr, 4, "the director back")
    preempt = pair.instance_setting("lb1", "outside", "preempt") == "true"
    delay = parse_duration(pair.instance_setting("lb1", "outside", "preempt_delay"))
    s.figure("preempt", preempt)
    s.figure("preempt_delay_ms", R.ms(delay))
    s.say(f"lb1 boots again (empty IPVS table); configured: preempt {str(preempt).lower()}, "
          f"preempt_delay {R.ms(delay)} ms")
    t_boot = time.time()
    pair.plug_director("lb1")
    pair.start_director("lb1")
    up = wait_until(lambda: R.first_event(pair.events("lb1"), t_boot, kind="vrrp",
                                          instance="outside", to="BACKUP"), 20, 0.1)
    t_up = up["t"] if up else time.time()
    s.figure("backup_after_boot_ms", R.ms(t_up - t_boot))
    s.say(f"lb1's instances start as BACKUP {R.ms(t_up - t_boot)} ms after the boot")
    limit = delay + d.preempt_slack
    wait_until(lambda: pair.all_in("lb1", "MASTER"),
               max(0.0, t_up + limit + (0 if preempt else 2) - time.time()), 0.1)
    ev = R.first_event(pair.events("lb1"), t_boot, kind="vrrp", instance="outside", to="MASTER")
    t_master = ev["t"] if ev else None
    if not preempt:
        s.expect("lb1 stays BACKUP (preempt: false)", not t_master, "MASTER" if t_master else
                 "BACKUP")
        s.headline = "preempted although preempt: false" if t_master else \
            "no preemption (as configured)"
        return s
    s.figure("preempted_after_ms", R.ms(t_master - t_up) if t_master else None)
    s.expect(f"lb1 preempts lb2 once preempt_delay has passed (within {R.ms(limit)} ms)",
             t_master and delay - 0.05 <= t_master - t_up <= limit,
             f"MASTER {R.ms(t_master - t_up)} ms after its start" if t_master else "did not")
    if not t_master:
        return s
    wait_until(lambda: pair.all_in("lb2", "BACKUP"), 5)
    time.sleep(d.preempt_observe)
    t_end = time.time()
    recs, win = loop_since(pair, t_master - 1.0, t_end)
    gap = R.longest_gap(recs, t_master - 1.0, t_end)
    errs = R.errors(win)
    s.figure("client_gap_ms", R.ms(gap))
    s.figure("client_errors", len(errs))
    s.say(f"client around the hand-back: longest time without a reply {R.ms(gap)} ms, "
          f"{len(errs)} failed requests")
    s.expect("client gap at the hand-back below the failover bound", gap <= d.failover_bound,
             f"{R.ms(gap)} ms")
    late = [r for r in errs if r[0] > t_master + d.grace]
    s.expect("no failed request after the hand-back window", not late,
             f"{len(late)} after +{R.ms(d.grace)} ms")
    s.headline = f"preempted +{R.ms(t_master - t_up)} ms (delay {R.ms(delay)} ms), " \
        f"client gap {R.ms(gap)} ms"
    hold_survived(s, pair, t_master - 1.0, t_end)
    return s


def parse_duration(text):
    units = {"ms": 0.001, "s": 1.0, "m": 60.0}
    for u in ("ms", "s", "m"):
        if text.endswith(u):
            return float(text[:-len(u)]) * units[u]
    return float(text)


def reload_change(narr, pair, d):
    s = Step(narr, 5, "a reload with a change (rs3 weight 1 -> 2)")
    key = rs_key("rs3")
    gen = {lb: pair.status(lb)["generation"] for lb in ("lb1", "lb2")}
    for lb in ("lb1", "lb2"):
        path = pair.config_path(lb)
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(f"      - address: {key}\n",
                                 f"      - address: {key}\n        weight: 2\n", 1))
    t0 = time.time()
    took = {}
    for lb in ("lb1", "lb2"):
        start = time.time()
        rc = pair.ctl(lb, "reload", check=False).returncode
        took[lb] = R.ms(time.time() - start)
        s.expect(f"hadirectorctl reload on {lb} succeeds", rc == 0, f"exit {rc}, {took[lb]} ms")
    s.figure("reload_ms", took)
    applied = wait_until(lambda: pair.ipvs_weights("lb1").get(key) == 2 and time.time(), 5, 0.1)
    s.expect("lb1's IPVS weight of rs3 is 2", applied,
             f"{R.ms(applied - t0)} ms after the reload" if applied else pair.ipvs_weights("lb1"))
    new = {lb: pair.status(lb)["generation"] for lb in ("lb1", "lb2")}
    s.expect("generation + 1 on both", all(new[lb] == gen[lb] + 1 for lb in gen), new)
    t_a = time.time()
    time.sleep(d.window)
    _, win = loop_since(pair, t0)
    trans = [e for lb in ("lb1", "lb2") for e in pair.events(lb)
             if e.get("kind") == "vrrp" and e["t"] >= t0]
    s.expect("no VRRP transition", not trans, f"{len(trans)} transitions")
    errs = R.errors(win)
    s.expect("the client saw no error", not errs, f"{len(errs)} errors in {len(win)} requests")
    counts = R.per_server(R.in_window(win, t_a, time.time()))
    share = counts.get("rs3", 0) / (sum(counts.values()) or 1)
    s.figure("per_server_after", counts)
    s.expect("rs3 now answers about half (weights 1:1:2)", 0.35 <= share <= 0.65,
             f"{share:.0%} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    s.headline = f"reload {took['lb1']} ms, {len(trans)} VRRP transitions, {len(errs)} errors, " \
        f"rs3 {share:.0%}"
    return s


def drain(narr, pair, d):
    s = Step(narr, 6, "a drain (hadirectorctl drain app rs1)")
    key = rs_key("rs1")
    t0 = time.time()
    for lb in ("lb1", "lb2"):
        rc = pair.ctl(lb, "drain", SERVICE, key, check=False).returncode
        s.expect(f"hadirectorctl drain on {lb} succeeds", rc == 0, f"exit {rc}")
    applied = wait_until(lambda: pair.ipvs_weights("lb1").get(key) == 0 and time.time(), 5, 0.05)
    s.expect("lb1's IPVS weight of rs1 is 0", applied,
             f"{R.ms(applied - t0)} ms after the command" if applied else "not within 5 s")
    t_a = (applied or t0) + 0.05
    time.sleep(d.window)
    _, win = loop_since(pair, t_a)
    counts = s.figure("per_server_after", R.per_server(win))
    errs = R.errors(win)
    s.expect("rs1 gets no new request", counts.get("rs1", 0) == 0,
             ", ".join(f"{k} {v}" for k, v in counts.items()))
    s.expect("the client saw no error", not errs, f"{len(errs)} errors in {len(win)} requests")
    for lb in ("lb1", "lb2"):
        pair.ctl(lb, "enable", SERVICE, key, check=False)
    back = wait_until(lambda: pair.ipvs_weights("lb1").get(key, 0) > 0, 5, 0.05)
    s.expect("hadirectorctl enable puts it back", back, "weight restored" if back else "not")
    s.headline = f"drained in {R.ms(applied - t0) if applied else '-'} ms, rs1 got " \
        f"{counts.get('rs1', 0)} of {len(win)} requests"
    return s
