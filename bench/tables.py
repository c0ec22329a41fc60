#!/usr/bin/env python3
"""Markdown tables from `bench/run` output (KEY=VALUE lines on stdin), for bench/README.md."""
import sys
from collections import defaultdict

rows = []
for line in sys.stdin:
    kv = dict(p.split("=", 1) for p in line.split() if "=" in p)
    if "suite" in kv:
        rows.append(kv)

def table(head, body):
    out = ["| " + " | ".join(head) + " |", "|" + " --- |" * len(head)]
    out += ["| " + " | ".join(str(c) for c in r) + " |" for r in body]
    print("\n".join(out) + "\n")

over = [r for r in rows if r["suite"] == "overhead" and "summary" not in r]
jobs = sorted({int(r["jobs"]) for r in over})
accs = sorted({int(r["accelerators"]) for r in over})
cell = {(r["policy"], r["state"], int(r["jobs"]), int(r["accelerators"])): r for r in over}
for policy in ("dream",):
    for state in ("idle", "half-busy"):
        if not any(k[0] == policy and k[1] == state for k in cell):
            continue
        print(f"`{policy}`, {state}: median / p99 us per decision (rows: pending jobs, columns: accelerators)\n")
        table(["jobs"] + [f"{a} acc" for a in accs],
              [[j] + [f"{cell[(policy, state, j, a)]['median_us']} / {cell[(policy, state, j, a)]['p99_us']}"
                      if (policy, state, j, a) in cell else "" for a in accs] for j in jobs])
policies = list(dict.fromkeys(r["policy"] for r in over))
growth = {r["policy"]: r for r in rows if r.get("summary") == "growth"}
print("Every policy at 8 accelerators x 64 jobs (us; allocs = heap allocations per decision, median / max), "
      "and growth to 64 x 256 (32x the product):\n")
body = []
for p in policies:
    i, h = cell.get((p, "idle", 64, 8)), cell.get((p, "half-busy", 64, 8))
    g = growth.get(p, {})
    body.append([p, i and f"{i['median_us']} / {i['p99_us']}", i and f"{i['allocs']} / {i['allocs_max']}",
                 h and f"{h['median_us']} / {h['p99_us']}", h and f"{h['allocs']} / {h['allocs_max']}",
                 (lambda t: t and f"{t['median_us']}")(cell.get((p, "idle", 256, 64))),
                 g.get("median_ratio", ""), g.get("min_ratio", ""), g.get("loglog_slope", ""), g.get("linear_or_better", "")])
table(["policy", "idle median / p99", "allocs", "half-busy median / p99", "allocs", "64x256 median",
       "growth of medians (x, 32 = linear)", "growth of minimums", "log-log slope", "linear or better"], body)
allocs = [r for r in over if r["allocs_max"] != "0"]
print(f"Cases with any allocation in a decision: {len(allocs)} of {len(over)}"
      + (": " + ", ".join(f"{r['policy']} {r['state']} {r['jobs']}x{r['accelerators']} (max {r['allocs_max']})" for r in allocs[:12]) if allocs else "") + "\n")

disp = [r for r in rows if r["suite"] == "dispatch"]
if disp:
    table(["workers", "measure", "p50 us", "p99 us", "max us", "n"],
          [[r["workers"], r["measure"], r["p50_us"], r["p99_us"], r["max_us"], r.get("blocks", r.get("gaps"))] for r in disp])
rel = [r for r in rows if r["suite"] == "release"]
if rel:
    table(["workers", "lateness p50 us", "p99 us", "max us", "releases"],
          [[r["workers"], r["lateness_p50_us"], r["lateness_p99_us"], r["lateness_max_us"], r["releases"]] for r in rel])
sim = [r for r in rows if r["suite"] == "sim"]
if sim:
    table(["policy", "events", "wall s", "events/s", "simulated s", "speed-up", "decide p50 / p99 us"],
          [[r["policy"], r["events"], r["wall_s"], r["events_per_s"], r["simulated_s"], r["speedup"],
            f"{r['decide_p50_us']} / {r['decide_p99_us']}"] for r in sim])
ker = [r for r in rows if r["suite"] == "kernels" and "swift_gflops" in r]
if ker:
    table(["case", "path", "swift GFLOP/s", "ref GFLOP/s", "ratio"],
          [[r["case"], r.get("path", ""), r["swift_gflops"], r["ref_gflops"], r["ratio"]] for r in ker])
