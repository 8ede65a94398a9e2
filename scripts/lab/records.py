"""Reading what the lab's clients and the daemons' event streams wrote, and measuring it.

Pure functions over the files of lab_net (loop and hold modes) and `hadirectorctl events`:
requests per server in a time window, errors, the longest stretch without a reply. All times
are wall-clock seconds (the daemons' events carry wall-clock ISO times too).
"""
import collections
import datetime
import json


def read_loop(path):
    """[(start, end, result)] of `lab_net loop`; a partly written last line is skipped."""
    out = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and line.endswith("\n"):
                out.append((float(parts[0]), float(parts[1]), parts[2]))
    return sorted(out)  # written in the order they finished; several are in flight


def read_hold(path):
    """(server, local port, [reply times], error or None) of `lab_net hold`."""
    server, port, times, error = None, None, [], None
    with open(path) as f:
        for line in f:
            if not line.endswith("\n"):
                break
            if line.startswith("SERVER "):
                _, server, port = line.split()
            elif line.startswith("ERR"):
                error = line[4:].strip()
            else:
                times.append(float(line.split()[0]))
    return server, port, times, error


def read_events(path):
    """[event dict with 't' in epoch seconds] of `hadirectorctl events` JSON lines."""
    out = []
    with open(path) as f:
        for line in f:
            try:
                e = json.loads(line)
            except ValueError:
                continue
            if isinstance(e, dict) and "time" in e:
                e["t"] = parse_time(e["time"])
                out.append(e)
    return out


def parse_time(iso):
    return datetime.datetime.strptime(iso, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def first_event(events, after, **match):
    """The first event at or after `after` whose fields equal match (None if none)."""
    for e in events:
        if e["t"] >= after - 0.001 and all(e.get(k) == v for k, v in match.items()):
            return e
    return None


def in_window(recs, a, b):
    return [r for r in recs if a <= r[0] < b]


def is_error(r):
    return r[2].startswith("ERR")


def per_server(recs):
    return dict(sorted(collections.Counter(r[2] for r in recs if not is_error(r)).items()))


def errors(recs):
    return [r for r in recs if is_error(r)]


def longest_gap(recs, a, b):
    """Longest time without a successful reply between a and b, measured between the ends of
    consecutive successful requests (the last success before a counts as the start)."""
    ends = sorted(r[1] for r in recs if not is_error(r) and r[1] < b)
    before = [t for t in ends if t < a]
    points = ([before[-1]] if before else [a]) + [t for t in ends if t >= a] + [b]
    return max(y - x for x, y in zip(points, points[1:]))


def first_success_after(recs, t):
    """The request started at or after t that succeeded first (by its end)."""
    ok = [r for r in recs if r[0] >= t and not is_error(r)]
    return min(ok, key=lambda r: r[1]) if ok else None


def hold_gap(times, a, b):
    """Longest silence of the long-lived connection between a and b."""
    pts = [t for t in times if a <= t <= b]
    before = [t for t in times if t < a]
    pts = ([before[-1]] if before else [a]) + pts
    return max((y - x for x, y in zip(pts, pts[1:])), default=b - a)


def ms(seconds):
    return int(round(seconds * 1000))
