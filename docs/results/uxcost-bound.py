#!/usr/bin/env python3
"""A lower bound on the UXCost-met any policy can reach in a simulated cell (issue 16).

usage: uxcost-bound.py COMPARE_JSON [--dream BIN] [--loads 1.2] [--out DIR] [--accelerators 2]
                      [--idle-watts 1.0] [--skip ar-dynamic,drone]
(needs scipy >= 1.9 for its HiGHS MILP solver)

For each cell (scenario, load) of a `dream compare --mode sim` JSON and each of its seeds, runs
`dream sim` with FCFS (every frame whole, in one block: the least context copying a frame can
have) and reads every frame's release, deadline and model, each model's alone latency on the
fastest accelerator and the least energy a completed frame of each model took. Then:
  - frames lost k >= k_min, the fewest a schedule can lose: a mixed-integer program keeps the most
    frames such that a preemptive schedule with migration on the identical accelerators, each frame
    on one accelerator at a time, completes every kept frame between its release and its deadline
    (Horn's flow over the intervals between those instants, frames kept 0/1; HiGHS, 60 s per seed,
    its dual bound where it stops early). Layer granularity and context copies are relaxed, and a
    cascade frame counts as released with its upstream, so any real schedule loses at least k_min;
  - energy per met frame >= (idle power x run length + energy of all frames - the k most costly)
    / (N - k), idle power summed over the accelerators (--idle-watts: dual-ws-os, 2 x 0.5 W);
  - UXCost-met >= min over k_min <= k < N of max(k, 0.5) / N * that (V floored at half a frame).
UXCost itself has no such bound: energy per generated frame falls to 0 as every frame is dropped
(which is why drop-all is judged by UXCost-met).
Valid only where every accelerator runs every layer at the same time and energy (dual-ws-os with
the analytic model) and a frame's work is its model's alone latency (not with supernet variants,
skipped blocks or early exits: --skip).
Prints per cell the load's strongest baseline (lowest geometric-mean UXCost-met), its UXCost-met,
DREAM's, the bound, k_min / N, and the largest reduction against that baseline that the bound
leaves open: 1 - bound / baseline.
"""
import csv, json, math, os, subprocess, sys, collections

def args():
    a = sys.argv[1:]
    opts = {"--skip": "ar-dynamic,drone", "--dream": ".build/release/dream", "--loads": None, "--out": "/tmp/uxcost-bound", "--accelerators": "2", "--idle-watts": "1.0"}
    path = None
    i = 0
    while i < len(a):
        if a[i] in opts: opts[a[i]] = a[i + 1]; i += 2
        else: path = a[i]; i += 1
    return path, opts

def fcfs_cell(binary, scenario, topology, load, seed, duration, out):
    """The FCFS run of a cell (cached in `out`): its directory and results."""
    d = os.path.join(out, f"{scenario}-{topology}-{load}-{seed}-{duration}s")
    if not os.path.exists(os.path.join(d, "results.json")):
        subprocess.run([binary, "sim", "--scenario", scenario, "--topology", topology, "--scheduler", "fcfs",
                        "--target-load", str(load), "--seed", str(seed), "--duration", str(duration), "--out", d],
                       check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return d, json.load(open(os.path.join(d, "results.json")))

def fewest_lost(frames, accelerators, integral=True, time_limit=60):
    """A lower bound on the frames lost: the most frames a preemptive schedule with migration on
    identical accelerators can complete by their deadlines (Horn's flow over the intervals between
    release and deadline instants, each frame on one accelerator at a time), frames kept 0/1
    (`integral`) or fractionally (the LP relaxation). frames: (release ms, deadline ms, work ms)."""
    import numpy as np
    from scipy.optimize import linprog
    from scipy.sparse import coo_matrix
    points = sorted({t for r, d, _ in frames for t in (r, d)})
    index = {t: i for i, t in enumerate(points)}
    lengths = np.diff(points)
    n, K = len(frames), len(lengths)
    # Variables: y_j (kept share of frame j), then f_(j,k) (its time in interval k).
    rows, cols, vals, rhs = [], [], [], []
    var = n
    cap_rows = {}
    row = 0
    for j, (r, d, w) in enumerate(frames):
        first = var
        for k in range(index[r], index[d]):
            # f_jk - L_k y_j <= 0: at most the interval's length (one accelerator at a time).
            rows += [row, row]; cols += [var, j]; vals += [1.0, -lengths[k]]; rhs.append(0.0); row += 1
            cap_rows.setdefault(k, []).append(var)
            var += 1
        # w y_j - sum_k f_jk <= 0: a kept frame gets all its work.
        rows.append(row); cols.append(j); vals.append(w)
        for v in range(first, var): rows.append(row); cols.append(v); vals.append(-1.0)
        rhs.append(0.0); row += 1
    for k, vs in cap_rows.items():
        # sum_j f_jk <= m L_k: the accelerators' time in the interval.
        for v in vs: rows.append(row); cols.append(v); vals.append(1.0)
        rhs.append(accelerators * lengths[k]); row += 1
    A = coo_matrix((vals, (rows, cols)), shape=(row, var)).tocsr()
    c = np.zeros(var); c[:n] = -1.0
    bounds = [(0, 1)] * n + [(0, None)] * (var - n)
    if integral:
        from scipy.optimize import milp, LinearConstraint, Bounds
        integrality = np.zeros(var); integrality[:n] = 1
        lo = np.zeros(var); hi = np.full(var, np.inf); hi[:n] = 1
        res = milp(c, constraints=LinearConstraint(A, -np.inf, np.array(rhs)), integrality=integrality,
                   bounds=Bounds(lo, hi), options={"time_limit": time_limit, "mip_rel_gap": 0})
        # The solver's dual bound is a valid upper bound on the frames kept even when the time
        # limit stops it before optimality.
        kept = -getattr(res, "mip_dual_bound", res.fun) if res.status in (0, 1) else None
        if kept is None or not math.isfinite(kept): raise SystemExit(f"MILP failed: {res.message}")
    else:
        res = linprog(c, A_ub=A, b_ub=np.array(rhs), bounds=bounds, method="highs")
        if res.status != 0: raise SystemExit(f"LP failed: {res.message}")
        kept = -res.fun
    return max(0, math.ceil(n - kept - 1e-6))

def bound(d, r, accelerators, idle_watts):
    alone = {m["name"]: m["alone_ms"] for m in r["fit"]["models"]}
    # One pass: every frame's window and model, and the least energy a completed frame of each
    # model took (FCFS runs a frame as one block; every accelerator runs a layer at the same energy).
    windows, models, energy = [], [], {}
    with open(os.path.join(d, "frames.csv")) as f:
        for row in csv.DictReader(f):
            # A cascade frame is due with its upstream: its release is at most the upstream's.
            windows.append((float(row["scheduled_release_ms"]), float(row["deadline_ms"]), alone[row["model"]]))
            models.append(row["model"])
            if row["outcome"] in ("met", "missed"):
                energy[row["model"]] = min(energy.get(row["model"], math.inf), float(row["energy_j"]))
    for m in r["models"]:
        if m["name"] not in energy: raise SystemExit(f"{r['scenario']}: FCFS completed no frame of {m['name']}; no energy per frame")
    frames, energies = windows, [energy[m] for m in models]
    n = len(frames)
    k_min = fewest_lost(frames, accelerators)
    by_energy = sorted(energies, reverse=True)
    total = sum(by_energy)
    # Every accelerator draws its idle power while frames are still being released.
    static = idle_watts * r["duration_s"]
    best, top = math.inf, sum(by_energy[:k_min])
    for k in range(k_min, n):
        best = min(best, max(k, 0.5) / n * (static + total - top) / (n - k))
        top += by_energy[k]
    return best, k_min / n

def main():
    path, o = args()
    data = json.load(open(path))
    loads = None if o["--loads"] is None else {float(x) for x in o["--loads"].split(",")}
    topology = data["topology"] if "topology" in data else data["cells"][0].get("topology")
    accelerators = int(o["--accelerators"])
    duration = data.get("duration_s") or data.get("duration") or 20
    fit_duration = {(f["scenario"], f["load"]): f["duration_s"] for f in data.get("fits", []) if "duration_s" in f}
    cells = collections.defaultdict(dict)
    for c in data["cells"]:
        if loads is None or float(c["load"]) in loads: cells[(c["scenario"], c["load"])][c["scheduler"]] = c
    # The strongest baseline per load, as the headline picks it: the lowest geometric mean of
    # UXCost over the load's cells and seeds.
    strongest_at = {}
    for load in {k[1] for k in cells}:
        logs_by = collections.defaultdict(list)
        for (scen, l), by in cells.items():
            if l != load or "dream" not in by: continue
            for s, c in by.items():
                if s.startswith("dream") or s == "drop-all": continue
                logs_by[s] += [math.log(x) for x in (c.get("uxcost_met_per_seed") or []) if x]
        strongest_at[load] = min(logs_by, key=lambda s: sum(logs_by[s]) / len(logs_by[s]))
    print(f"{'cell':22s} {'strongest':>18s} {'UX best':>10s} {'UX dream':>10s} {'bound':>10s} {'Vmin':>6s} {'open':>7s}")
    logs = collections.defaultdict(list)
    for (scen, load), by in sorted(cells.items()):
        if "dream" not in by: continue
        if scen in o["--skip"].split(","):
            print(f"{scen+'@'+str(load):22s} n/a: supernet variants, skippable blocks or early exits make a frame's work")
            print(f"{'':22s}      less than its model's alone latency, so this bound does not hold there")
            continue
        seeds = by["dream"]["seeds"]
        def per(c, key): return dict(zip(c["seeds"], c.get(key + "_per_seed") or []))
        strongest = strongest_at[load]
        ux_best, ux_dream, lbs, vmins = [], [], [], []
        for seed in seeds:
            # compare lengthens a cell's run so that every stream has enough frames.
            cell_duration = fit_duration.get((scen, load), duration)
            d, r = fcfs_cell(o["--dream"], scen, topology, load, seed, cell_duration, o["--out"])
            lb, vmin = bound(d, r, accelerators, float(o["--idle-watts"]))
            ux_best.append(per(by[strongest], "uxcost_met")[seed]); ux_dream.append(per(by["dream"], "uxcost_met")[seed])
            lbs.append(lb); vmins.append(vmin)
            logs[load].append(math.log(max(lb, 1e-30) / ux_best[-1]))
        g = lambda xs: math.exp(sum(map(math.log, xs)) / len(xs))
        print(f"{scen+'@'+str(load):22s} {strongest:>18s} {g(ux_best):10.3e} {g(ux_dream):10.3e} {g(lbs):10.3e} "
              f"{sum(vmins)/len(vmins):6.3f} {100*(1-g(lbs)/g(ux_best)):6.1f}%", flush=True)
    for load, xs in sorted(logs.items()):
        print(f"load {load}: the bound leaves at most {100*(1-math.exp(sum(xs)/len(xs))):.1f}% geometric-mean reduction "
              f"against the load's strongest baseline ({len(xs)} cell-seeds)")

if __name__ == "__main__":
    main()
