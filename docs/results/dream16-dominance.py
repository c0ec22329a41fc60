#!/usr/bin/env python3
"""Where DREAM's XRBench score is below the best baseline's (paired over seeds, 95% interval
below 0, as in dream16-shed-analyze.py): is there a baseline that beats DREAM on XRBench *and* on
UXCost (it dominates DREAM there), or does every baseline with a higher XRBench score pay for it
with a higher UXCost (a trade between the two metrics that no policy wins both ways)?

usage: dream16-dominance.py COMPARE.json [DREAM_NAME]
"""
import json, math, sys, collections

T = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571}

def interval(xs):
    n = len(xs); m = sum(xs) / n
    if n < 2: return m, m, m
    h = T.get(n, 1.96) * math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)) / math.sqrt(n)
    return m, m - h, m + h

def per_seed(c, key):
    return dict(zip(c['seeds'], c.get(key + '_per_seed') or []))

def paired(a, b, key, log=False):
    pa, pb = per_seed(a, key), per_seed(b, key)
    d = [(math.log(pa[s] / pb[s]) if log else pa[s] - pb[s]) for s in pa if s in pb and (not log or (pa[s] > 0 and pb[s] > 0))]
    return interval(d) if d else (float('nan'),) * 3

path = sys.argv[1]; dream = sys.argv[2] if len(sys.argv) > 2 else 'dream'
cells = collections.defaultdict(dict)
for c in json.load(open(path))['cells']:
    cells[(c['scenario'], c['load'])][c['scheduler']] = c
lower = dominated = 0
for key in sorted(cells, key=lambda k: (k[1], k[0])):
    v = cells[key]
    if dream not in v: continue
    d = v[dream]
    base = [n for n in v if n != 'drop-all' and not n.startswith('dream')]
    bx = max(base, key=lambda n: v[n]['xrbench_score'])
    m, lo, hi = paired(d, v[bx], 'xrbench_score')
    if not hi < 0: continue
    lower += 1
    # Baselines above DREAM on XRBench beyond the interval, and where their UXCost stands.
    rows = []
    for n in base:
        xm, xlo, xhi = paired(v[n], d, 'xrbench_score')
        if not xlo > 0: continue
        um, ulo, uhi = paired(v[n], d, 'uxcost', log=True)
        rows.append((n, xm, math.exp(um), math.exp(ulo), math.exp(uhi)))
    dom = [r for r in rows if r[4] <= 1 or (r[2] <= 1 and r[3] <= 1)]
    tag = 'DOMINATED by ' + ', '.join(r[0] for r in dom) if dom else 'trade: every baseline above on XRBench has a higher UXCost'
    if dom: dominated += 1
    print(f"{key[0]:13s} {key[1]:<4} XRBench {d['xrbench_score']:.2f} vs {bx} {v[bx]['xrbench_score']:.2f} ({m:+.2f} [{lo:+.2f}, {hi:+.2f}])  {tag}")
    for n, xm, ur, ulo, uhi in sorted(rows, key=lambda r: -r[1]):
        print(f"    {n:20s} XRBench {xm:+6.2f}  UXCost x{ur:.3f} [{ulo:.3f}, {uhi:.3f}] of DREAM's")
print(f"XRBench below the best baseline in {lower} cells; dominated (a baseline better on both) in {dominated}")
