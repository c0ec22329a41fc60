#!/usr/bin/env python3
"""Browser test of `dream report` (called by tests/browser/run.sh, which `make test` runs).

Makes a simulated run (many frames, several timeline pages, a topology with a two-core
accelerator), a comparison and a calibration with the real `dream` binary, renders one report,
then loads it in headless Chromium and checks the rendered DOM against the input files:
no script errors, one timeline row per accelerator core, one frame mark per frame released in
the page shown, paging by URL, charts present, metadata shown. Saves a PNG screenshot.
Standard library only. Prints 'browser: N passed, M failed' last; exits 1 on any failure.
"""
import argparse
import csv
import html.parser
import json
import os
import re
import shutil
import struct
import subprocess
import sys
import tempfile

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

passed, failed = 0, 0


def check(ok, what, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print(f"  ok    {what}")
    else:
        failed += 1
        print(f"  FAIL  {what}" + (f": {detail}" if detail else ""))


def run(cmd, env=None, timeout=600):
    print("$ " + " ".join(cmd), flush=True)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    if p.returncode != 0:
        sys.stdout.write(p.stdout[-3000:])
        sys.stdout.write(p.stderr[-3000:])
    return p


class DOM(html.parser.HTMLParser):
    """Collects what the checks need: pages with their marks and rows, and counted attributes."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack = []          # (tag, page index or None)
        self.pages = {}          # index -> dict(attrs, marks, rows)
        self.counts = {}         # attribute name -> count (anywhere)
        self.root_attrs = {}
        self.body_attrs = {}
        self.by_id = {}
        self.bars = {}           # chart metric -> bar count
        self.chart = None
        self.text = []

    def current_page(self):
        for tag, page in reversed(self.stack):
            if page is not None:
                return page
        return None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "html":
            self.root_attrs = a
        if tag == "body":
            self.body_attrs = a
        if "id" in a:
            self.by_id[a["id"]] = a
        for k in a:
            if k.startswith("data-"):
                self.counts[k] = self.counts.get(k, 0) + 1
        page = None
        if "data-page" in a and "class" in a and "tl-page" in a["class"]:
            page = int(a["data-page"])
            self.pages[page] = {"attrs": a, "marks": 0, "rows": 0}
        cur = page if page is not None else self.current_page()
        if cur is not None:
            if "data-frame-mark" in a:
                self.pages[cur]["marks"] += 1
            if "data-core-row" in a:
                self.pages[cur]["rows"] += 1
        if "data-bar-chart" in a:
            self.chart = a["data-bar-chart"]
            self.bars[self.chart] = 0
        if "data-bar" in a and self.chart is not None:
            self.bars[self.chart] += 1
        if tag not in VOID:
            self.stack.append((tag, page))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in VOID and self.stack and self.stack[-1][0] == tag:
            self.stack.pop()

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                break
        if tag == "svg":
            self.chart = None

    def handle_data(self, data):
        self.text.append(data)


def chromium_base(chromium, profile):
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--hide-scrollbars",
            "--no-first-run", "--no-default-browser-check", "--disable-extensions", "--user-data-dir=" + profile,
            "--enable-logging=stderr", "--v=0"]


def load(chromium, profile, url, art, name):
    """The DOM after load (scripts run) and the console lines Chromium logged."""
    p = run(chromium_base(chromium, profile) + ["--virtual-time-budget=3000", "--dump-dom", url], timeout=180)
    with open(os.path.join(art, name + ".html"), "w") as f:
        f.write(p.stdout)
    with open(os.path.join(art, name + ".chromium.log"), "w") as f:
        f.write(p.stderr)
    console = [l for l in p.stderr.splitlines() if ":CONSOLE" in l]
    dom = DOM()
    dom.feed(p.stdout)
    return p, dom, console


def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n":
        return None
    return struct.unpack(">II", head[16:24])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dream", required=True)
    ap.add_argument("--chromium", required=True)
    ap.add_argument("--artifacts", required=True)
    args = ap.parse_args()
    art = os.path.abspath(args.artifacts)
    os.makedirs(art, exist_ok=True)
    work = tempfile.mkdtemp(prefix="dream-report-test-")
    profile = os.path.join(work, "chromium-profile")
    dream = os.path.abspath(args.dream)
    print(f"browser test: {dream}, {args.chromium}, artifacts in {art}")

    # Inputs: a simulated run on a described machine (needs no particular hardware): the
    # big-little topology has a two-core accelerator, so cores and accelerators differ.
    env = dict(os.environ, HWLOC_SYNTHETIC="package:1 core:4 pu:1")
    rundir = os.path.join(work, "run")
    p = run([dream, "sim", "--scenario", "ar-dynamic", "--topology", "big-little", "--duration", "10",
             "--out", rundir], env=env)
    check(p.returncode == 0, "dream sim wrote a run folder", p.stderr[-500:])
    if p.returncode != 0:
        return finish()
    cmp = os.path.join(work, "cmp.json")
    p = run([dream, "compare", "--scenarios", "vr-gaming,ar-dynamic", "--topology", "big-little", "--mode", "sim",
             "--duration", "5", "--json", cmp], env=env)
    check(p.returncode == 0, "dream compare wrote a comparison", p.stderr[-500:])
    # The calibration measures real kernels on this machine's cores: a few seconds.
    cal = os.path.join(work, "cal.json")
    p = run([dream, "calibrate", "--scenario", "vr-gaming", "--work-scale", "0.1", "--max-runs", "3", "--out", cal])
    have_cal = p.returncode == 0
    if not have_cal:
        print("  note  dream calibrate failed on this machine: the report is checked without a calibration")

    report = os.path.join(art, "report.html")
    cmd = [dream, "report", rundir, "--out", report]
    if os.path.exists(cmp):
        cmd += ["--compare", cmp]
    if have_cal:
        cmd += ["--calibration", cal]
    p = run(cmd)
    check(p.returncode == 0 and os.path.exists(report), "dream report wrote the page", p.stderr[-500:])
    if p.returncode != 0:
        return finish()
    for name in ["results.json", "frames.csv", "trace.json"]:
        shutil.copy(os.path.join(rundir, name), os.path.join(art, name))

    # Expected values, straight from the input files.
    results = json.load(open(os.path.join(rundir, "results.json")))
    frames = list(csv.DictReader(open(os.path.join(rundir, "frames.csv"))))
    trace = json.load(open(os.path.join(rundir, "trace.json")))
    frame_pid = [e["pid"] for e in trace["traceEvents"] if e.get("ph") == "M" and e.get("name") == "process_name"
                 and e["args"]["name"] == "frames"]
    cores = sum(1 for e in trace["traceEvents"] if e.get("ph") == "M" and e.get("name") == "thread_name"
                and e["pid"] not in frame_pid)
    releases = [float(f["release_ms"]) for f in frames if f["release_ms"] != ""]

    def released_in(a, b):
        return sum(1 for r in releases if a <= r < b)

    text = open(report, encoding="utf-8").read()
    size = len(text.encode())
    check(size < 5_000_000, f"the page is under 5 MB ({size / 1e6:.2f} MB)")
    external = re.findall(r'<script[^>]+src=|<link\b|url\(|@import|(?:src|href)="(?:https?:)?//', text)
    check(not external, "the page is self-contained (no external scripts, styles, fonts or images)", str(external[:3]))

    url = "file://" + report
    p, dom, console = load(args.chromium, profile, url, art, "dom")
    check(p.returncode == 0 and len(dom.pages) > 0, "Chromium loaded the page", p.stderr[-800:])
    check("data-script-errors" not in dom.root_attrs, "no script errors", dom.root_attrs.get("data-script-errors", ""))
    check(dom.body_attrs.get("data-script-ok") == "1", "the page's script ran to the end")
    bad = [l for l in console if re.search(r"Uncaught|Error|error", l)]
    check(not bad, "no errors on the console", "\n".join(bad[:5]))

    tl = dom.by_id.get("tl", {})
    check(int(tl.get("data-core-rows", -1)) == cores, f"the timeline has one row per accelerator core ({cores})",
          f"data-core-rows={tl.get('data-core-rows')}")
    check(all(pg["rows"] == cores for pg in dom.pages.values()), "every timeline page holds one row per core",
          str({i: pg["rows"] for i, pg in dom.pages.items()}))
    visible = [i for i, pg in dom.pages.items() if "hidden" not in pg["attrs"]]
    check(visible == [0], "the first page is shown, the others hidden", str(visible))
    if visible:
        pg = dom.pages[visible[0]]
        a, b = float(pg["attrs"]["data-start-ms"]), float(pg["attrs"]["data-end-ms"])
        want = released_in(a, b)
        check(pg["marks"] == want, f"page 1 ({a:g}-{b:g} ms) has one frame mark per frame released in it ({want})",
              f"found {pg['marks']}")
    w0, w1 = float(tl.get("data-window-start-ms", 0)), float(tl.get("data-window-end-ms", 0))
    total = sum(pg["marks"] for pg in dom.pages.values())
    check(total == released_in(w0, w1) == int(tl.get("data-frame-marks", -1)),
          f"all pages together mark every frame released in {w0:g}-{w1:g} ms ({released_in(w0, w1)})", f"found {total}")
    check(len(dom.pages) >= 2, f"a long run is paged ({len(dom.pages)} pages)")
    check(dom.counts.get("data-cdf", 0) == len(results["models"]), f"one latency CDF per model ({len(results['models'])})",
          str(dom.counts.get("data-cdf", 0)))
    page_text = " ".join(dom.text)
    meta = [results["scenario"], results["topology"], results["scheduler"], str(results["seed"]), results["total"]["energy_source"]]
    check(all(m in page_text for m in meta), "the page states scenario, topology, scheduler, seed and energy source",
          str([m for m in meta if m not in page_text]))
    check(f"{results['total']['uxcost']:.4g}" in page_text, "the page shows results.json's UXCost as the terminal does")

    if os.path.exists(cmp):
        c = json.load(open(cmp))
        n = sum(len(s.get("sim", {})) for s in c["scenarios"].values())
        want = {"uxcost": n, "energy_j": n, "violation_rate": n, "xrbench_score": n}
        got = {k: dom.bars.get(k) for k in want}
        check(got == want, "comparison: one bar per scheduler and scenario in each of the four charts", f"{got} != {want}")
    if have_cal:
        k = json.load(open(cal))
        check(dom.counts.get("data-cal-point", 0) == len(k["samples"]),
              f"calibration: one scatter point per sample ({len(k['samples'])})", str(dom.counts.get("data-cal-point", 0)))

    # Paging: the page named in the URL is shown, with its own marks.
    if len(dom.pages) >= 2:
        p2, dom2, console2 = load(args.chromium, profile, url + "#page=1", art, "dom-page2")
        vis = [i for i, pg in dom2.pages.items() if "hidden" not in pg["attrs"]]
        check(vis == [1] and dom2.by_id.get("tl", {}).get("data-current-page") == "1", "#page=1 shows the second page", str(vis))
        if vis == [1]:
            pg = dom2.pages[1]
            a, b = float(pg["attrs"]["data-start-ms"]), float(pg["attrs"]["data-end-ms"])
            check(pg["marks"] == released_in(a, b), f"page 2 ({a:g}-{b:g} ms) marks its {released_in(a, b)} released frames",
                  f"found {pg['marks']}")
        check("data-script-errors" not in dom2.root_attrs, "no script errors on page 2", dom2.root_attrs.get("data-script-errors", ""))

    png = os.path.join(art, "report.png")
    if os.path.exists(png):
        os.remove(png)
    p = run(chromium_base(args.chromium, profile) + ["--window-size=1400,2200", "--screenshot=" + png, url], timeout=180)
    dims = png_size(png) if os.path.exists(png) else None
    check(dims is not None and dims[0] == 1400 and os.path.getsize(png) > 20_000,
          f"saved a screenshot: {png} {dims}", p.stderr[-500:])
    shutil.rmtree(work, ignore_errors=True)
    return finish()


def finish():
    print(f"browser: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
