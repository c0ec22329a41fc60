#!/usr/bin/env python3
# Issue 16, fifteenth pass: how much worse is each policy live than in its replay (the same run
# simulated at its own measured speed per model and accelerator and its block spread)? Per policy,
# the geometric mean over runs of live UXCost / replay UXCost with a t interval (2.0 x s.e.).
# Usage: python3 docs/results/live-vs-replay.py F.json ... (files of `dream compare --mode both`)
import json, math, sys
for f in sys.argv[1:]:
    d = json.load(open(f))
    by = {(c['scenario'], c['scheduler'], c['mode']): c for c in d['cells']}
    print('#', f.split('/')[-1], 'seeds', d['seeds'])
    for p in d['schedulers']:
        if p == 'drop-all': continue
        r = []
        for (s, q, m), c in by.items():
            sim = by.get((s, q, 'sim'))
            if q != p or m != 'live' or not sim: continue
            r += [math.log(a / b) for a, b in zip(c['uxcost_per_seed'], sim['uxcost_per_seed']) if a > 0 and b > 0]
        n = len(r); mu = sum(r) / n; h = 2.0 * (sum((x - mu) ** 2 for x in r) / (n - 1)) ** .5 / n ** .5
        print(f"  {p:20s} live / replay UXCost, geomean over {n} runs: {math.exp(mu):.3f} [{math.exp(mu - h):.3f}, {math.exp(mu + h):.3f}]")
