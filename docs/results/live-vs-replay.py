#!/usr/bin/env python3
# Issue 16, fifteenth pass: how much worse is each policy live than in its replay (the same run
# simulated at its own measured speed per model and accelerator and its block spread)? Per policy,
# the geometric mean over runs of live UXCost / replay UXCost with its 95% interval
# (dream16_stats.ci).
# Usage: python3 docs/results/live-vs-replay.py F.json ... (files of `dream compare --mode both`)
import math, sys
from dream16_stats import ci, load, per_seed
for f in sys.argv[1:]:
    d, live = load(f, 'live')
    _, sim = load(f, 'sim')
    print('#', f.split('/')[-1], 'seeds', d['seeds'])
    for p in d['schedulers']:
        if p == 'drop-all': continue
        r = []
        for k, by in live.items():
            if p not in by or p not in sim.get(k, {}): continue
            a, b = per_seed(by[p], 'uxcost'), per_seed(sim[k][p], 'uxcost')
            r += [math.log(a[s] / b[s]) for s in a if s in b and a[s] > 0 and b[s] > 0]
        mu, (lo, hi) = ci(r)
        print(f"  {p:20s} live / replay UXCost, geomean over {len(r)} runs: {math.exp(mu):.3f} [{math.exp(lo):.3f}, {math.exp(hi):.3f}]")
