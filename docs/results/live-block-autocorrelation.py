#!/usr/bin/env python3
# Issue 16, fifteenth pass: does live block speed drift over time? Per accelerator track of a run's trace.json
# (dream run --out DIR): each block's log time minus the mean of its (model, layers, accelerator); the
# residuals' autocorrelation at lags of 1, 10 and 100 blocks, and the spread of their 50 ms means against what
# independent blocks would give. Usage: python3 docs/results/live-block-autocorrelation.py DIR/trace.json ...
import json, math, sys, collections
for f in sys.argv[1:]:
    t = json.load(open(f)); ev = t['traceEvents'] if isinstance(t, dict) else t
    x = [e for e in ev if e.get('ph') == 'X' and 'layers' in e.get('args', {})]
    g = collections.defaultdict(list)
    for e in x: g[(e['name'], e['args']['layers'], e['tid'])].append(math.log(max(e['dur'], 1e-3)))
    mean = {k: sum(v) / len(v) for k, v in g.items() if len(v) >= 5}
    for tid in sorted(set(e['tid'] for e in x)):
        seq = sorted([e for e in x if e['tid'] == tid and (e['name'], e['args']['layers'], e['tid']) in mean], key=lambda e: e['ts'])
        r = [math.log(max(e['dur'], 1e-3)) - mean[(e['name'], e['args']['layers'], e['tid'])] for e in seq]
        ts = [e['ts'] for e in seq]
        n = len(r); mu = sum(r) / n; var = sum((a - mu) ** 2 for a in r) / n
        # residual averaged over 50 ms windows: its spread against what iid blocks would give
        win = collections.defaultdict(list)
        for a, s in zip(r, ts): win[int(s // 50000)].append(a)
        wm = [sum(v) / len(v) for v in win.values() if len(v) >= 5]
        wsd = (sum((a - mu) ** 2 for a in wm) / len(wm)) ** .5
        iid = (var / (sum(len(v) for v in win.values() if len(v) >= 5) / len(wm))) ** .5
        ac = []
        for lag in (1, 10, 100):
            c = sum((r[i] - mu) * (r[i + lag] - mu) for i in range(n - lag)) / (n - lag) / var
            ac.append(f"lag{lag} {c:.2f}")
        print(f"{f.split('/')[-2]:22s} tid {tid}: {n} blocks, sd {var**.5:.2f}, autocorr {' '.join(ac)}; 50 ms window means sd {wsd:.3f} (iid would give {iid:.3f})")
