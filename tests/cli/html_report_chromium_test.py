#!/usr/bin/env python3
"""The HTML report as a browser shows it: runs a tiny job with --report, opens
the page in headless Chromium, takes a screenshot and dumps the DOM, and checks
that the figures on the page are the run's JSON figures.

usage: html_report_chromium_test.py TROUPE_BINARY

Chromium is part of scripts/install-deps.sh; when it is missing the test
fails, unless TROUPE_ALLOW_NO_CHROMIUM=1, when it is skipped (exit code 77).
Needs only the Python standard library.
"""
import html.parser
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

SKIP = 77
JOB = ["run", "--model", "mlp", "--rounds", "2", "--nodes", "3", "--train-limit", "3000",
       "--test-limit", "1000", "--threads", "1", "--quiet"]


def fail(message):
    print("FAIL: " + message, file=sys.stderr)
    sys.exit(1)


def find_chromium():
    for name in (os.environ.get("TROUPE_CHROMIUM", ""), "chromium", "chromium-browser",
                 "google-chrome"):
        if name and shutil.which(name):
            return shutil.which(name)
    return None


class Dom(html.parser.HTMLParser):
    """Collects the elements the checks read: chart points, cells with an id, task rows."""

    def __init__(self):
        super().__init__()
        self.points = []      # attribute dicts of <circle class="point">
        self.by_id = {}       # id -> attribute dict
        self.text_of = {}     # id -> text content (for cells)
        self.task_rows = 0
        self.nodes = {}       # data-node -> data-utilisation (utilisation chart)
        self._open_id = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "circle" and "point" in classes:
            self.points.append(a)
        if tag == "tr" and "task" in classes:
            self.task_rows += 1
        if tag == "g" and "node" in classes and "data-utilisation" in a:
            self.nodes[a.get("data-node")] = a["data-utilisation"]
        if "id" in a:
            self.by_id[a["id"]] = a
            if tag == "td":
                self._open_id = a["id"]
                self.text_of[a["id"]] = ""

    def handle_endtag(self, tag):
        if tag == "td":
            self._open_id = None

    def handle_data(self, data):
        if self._open_id:
            self.text_of[self._open_id] += data


def run_chromium(chromium, profile, args, timeout=60):
    cmd = ["timeout", str(timeout), chromium, "--headless", "--no-sandbox", "--disable-gpu",
           "--no-first-run", "--disable-extensions", "--user-data-dir=" + profile] + args
    return subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if len(head) < 24 or head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        fail(path + " is not a PNG image")
    return struct.unpack(">II", head[16:24])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    troupe = sys.argv[1]
    chromium = find_chromium()
    if not chromium:
        if os.environ.get("TROUPE_ALLOW_NO_CHROMIUM") == "1":
            print("SKIP: chromium is not installed (TROUPE_ALLOW_NO_CHROMIUM=1)")
            return SKIP
        fail("chromium is not installed; scripts/install-deps.sh installs it (Debian package "
             "'chromium'), or set TROUPE_ALLOW_NO_CHROMIUM=1 to skip this test")

    with tempfile.TemporaryDirectory(prefix="troupe-html-test-") as tmp:
        report_json = os.path.join(tmp, "run.json")
        report_dir = os.path.join(tmp, "report")
        job = [troupe] + JOB + ["--out", report_json, "--report", report_dir]
        if os.environ.get("TROUPE_DATA_DIR"):
            job += ["--data-dir", os.environ["TROUPE_DATA_DIR"]]
        done = subprocess.run(job, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=300)
        if done.returncode != 0:
            fail("troupe run exited with %d:\n%s" % (done.returncode, done.stdout))
        page = os.path.join(report_dir, "index.html")
        for path in (page, os.path.join(report_dir, "report.json")):
            if not os.path.isfile(path):
                fail(path + " was not written")
        with open(report_json) as f:
            run = json.load(f)
        with open(os.path.join(report_dir, "report.json")) as f:
            if json.load(f) != run:
                fail("report.json in the report directory differs from --out")

        profile = os.path.join(tmp, "profile")
        url = "file://" + page
        shot = os.path.join(tmp, "report.png")
        r = run_chromium(chromium, profile, ["--screenshot=" + shot, "--window-size=1280,2000", url])
        if r.returncode != 0 or not os.path.isfile(shot):
            fail("chromium could not take a screenshot (exit %d):\n%s" % (r.returncode, r.stderr))
        width, height = png_size(shot)
        size = os.path.getsize(shot)
        # A blank 1280x2000 page compresses to a few KB; the report's charts and tables do not.
        if (width, height) != (1280, 2000) or size < 20000:
            fail("screenshot is %dx%d and %d bytes: the page looks empty" % (width, height, size))
        keep = os.environ.get("TROUPE_KEEP_SCREENSHOT")
        if keep:
            shutil.copyfile(shot, keep)

        r = run_chromium(chromium, profile, ["--dump-dom", url])
        if r.returncode != 0 or "</html>" not in r.stdout:
            fail("chromium could not dump the DOM (exit %d):\n%s" % (r.returncode, r.stderr))
        dom = Dom()
        dom.feed(r.stdout)
        check(dom, run)
        print("OK: screenshot %dx%d (%d bytes); %d rounds, %d tasks, final accuracy %s match the "
              "JSON" % (width, height, size, len(run["rounds"]), len(run["tasks"]),
                        run["final"]["accuracy"]))
    return 0


def check(dom, run):
    rounds = run["rounds"]
    if not rounds:
        fail("the run has no rounds")
    for metric in ("accuracy", "f1"):
        shown = {int(float(p["data-x"])): float(p["data-" + metric])
                 for p in dom.points if p.get("data-run") == "0" and "data-" + metric in p}
        expected = {r["round"]: r[metric] for r in rounds}
        if shown != expected:
            fail("%s per round on the page %s, in the JSON %s" % (metric, shown, expected))
    final = run["final"]
    for metric in ("accuracy", "precision", "recall", "f1"):
        cell_id = "run0-final-" + metric
        if cell_id not in dom.by_id:
            fail("no summary cell " + cell_id)
        if float(dom.by_id[cell_id]["data-value"]) != final[metric]:
            fail("%s: page %s, JSON %s" % (cell_id, dom.by_id[cell_id]["data-value"],
                                           final[metric]))
        if dom.text_of[cell_id].strip() != "%.4f" % final[metric]:
            fail("%s shows '%s', JSON %.4f" % (cell_id, dom.text_of[cell_id], final[metric]))
    tasks = len(run["tasks"])
    table = dom.by_id.get("run0-tasks", {})
    if int(table.get("data-task-count", -1)) != tasks or dom.task_rows != tasks:
        fail("task count: table says %s with %d rows, JSON has %d tasks"
             % (table.get("data-task-count"), dom.task_rows, tasks))
    if int(dom.by_id["run0-task-count"]["data-value"]) != tasks:
        fail("summary task count differs from the JSON")
    if dom.text_of.get("run0-status", "").strip() != run["status"]:
        fail("status: page '%s', JSON '%s'" % (dom.text_of.get("run0-status"), run["status"]))
    if dom.text_of.get("run0-fingerprint", "").strip() != final["model_fingerprint"]:
        fail("model fingerprint differs from the JSON")
    expected_nodes = {n["id"]: n["utilisation"] for n in run["nodes"]}
    shown_nodes = {k: float(v) for k, v in dom.nodes.items()}
    if shown_nodes != expected_nodes:
        fail("node utilisation: page %s, JSON %s" % (shown_nodes, expected_nodes))
    if "run0-gantt" not in dom.by_id:
        fail("no Gantt chart")


if __name__ == "__main__":
    sys.exit(main())
