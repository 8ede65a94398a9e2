"""What the lab says: narration as it goes, each step's expectations, the summary table, JSON.

A Step collects figures (measured values) and expectations (a statement, whether it held, what
was measured); the lab fails if any expectation of any step failed.
"""
import json
import os
import sys


class Narrator:
    def __init__(self, path=None, to_stderr=False):
        self.file = open(path, "a", buffering=1) if path else None
        self.stream = sys.stderr if to_stderr else sys.stdout

    def say(self, text=""):
        out = self.file or self.stream
        out.write(text + "\n")
        out.flush()
        if self.file:
            # The file may be on the VM's 9p share, whose writes the guest caches until a sync;
            # scripts/lab.sh follows it from the host as the lab runs.
            os.fsync(out.fileno())

    def heading(self, text):
        self.say()
        self.say(f"== {text}")


class Step:
    def __init__(self, narrator, number, title):
        self.narrator = narrator
        self.number = number
        self.title = title
        self.figures = {}
        self.expectations = []
        self.headline = ""
        narrator.heading(f"{number}. {title}")

    def say(self, text):
        self.narrator.say("   " + text)

    def figure(self, key, value):
        self.figures[key] = value
        return value

    def expect(self, what, ok, measured):
        ok = bool(ok)
        self.expectations.append({"what": what, "ok": ok, "measured": str(measured)})
        self.say(f"[{'ok' if ok else 'FAIL'}] {what}: {measured}")
        return ok

    @property
    def ok(self):
        return all(e["ok"] for e in self.expectations)

    def as_json(self):
        return {"step": self.number, "title": self.title, "ok": self.ok, "summary": self.headline,
                "figures": self.figures, "expectations": self.expectations}


def summary_table(narrator, steps):
    narrator.heading("summary")
    rows = [("step", "result", "measured")]
    for s in steps:
        rows.append((f"{s.number}. {s.title}", "ok" if s.ok else "FAIL", s.headline))
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for i, r in enumerate(rows):
        narrator.say(f"{r[0]:<{w0}}  {r[1]:<{w1}}  {r[2]}")
        if i == 0:
            narrator.say(f"{'-' * w0}  {'-' * w1}  {'-' * 40}")
    failed = [e["what"] for s in steps for e in s.expectations if not e["ok"]]
    narrator.say()
    if failed:
        narrator.say(f"lab: FAILED ({len(failed)} expectation(s)): " + "; ".join(failed))
    else:
        total = sum(len(s.expectations) for s in steps)
        narrator.say(f"lab: all {total} expectations held")


def write_json(path, meta, steps):
    doc = dict(meta)
    doc["ok"] = all(s.ok for s in steps)
    doc["steps"] = [s.as_json() for s in steps]
    text = json.dumps(doc, indent=2)
    if path == "-":
        print(text, flush=True)
    else:
        with open(path, "w") as f:
            f.write(text + "\n")
