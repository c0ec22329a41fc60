#!/usr/bin/env python3
# Issue 16: a paired contrast of two policies of one `dream compare --json` file: per cell the
# UXCost reduction of A against B (geometric mean over seeds, 95% t interval over the seeds'
# log ratios), and over all cells (per seed the mean log ratio over cells, then the interval).
# Usage: python3 docs/results/dream16-paired.py F.json A B [live|sim] (the mode: a `--mode both` file has both)
import json, math, sys

T95 = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 8: 2.365, 10: 2.262}
f, A, B = sys.argv[1:4]
mode = sys.argv[4] if len(sys.argv) > 4 else None
cells = {}
for c in json.load(open(f))['cells']:
    if mode and c.get('mode') != mode: continue
    cells.setdefault((c['scenario'], c['load']), {})[c['scheduler']] = c

def interval(logs):
    n = len(logs); mu = sum(logs) / n
    h = T95.get(n, 2.0) * (sum((x - mu) ** 2 for x in logs) / (n - 1)) ** .5 / n ** .5
    return mu, h

def pct(x): return 100 * (1 - math.exp(x))

rows, better, worse = [], 0, 0
for key in sorted(cells):
    m = cells[key]
    if A not in m or B not in m: continue
    logs = [math.log(a / b) for a, b in zip(m[A]['uxcost_per_seed'], m[B]['uxcost_per_seed'])]
    mu, h = interval(logs)
    flag = 'better' if mu + h < 0 else 'worse' if mu - h > 0 else ''
    better += flag == 'better'; worse += flag == 'worse'
    rows.append(logs)
    print(f"{key[0]:13s} {key[1]:<4} {A} vs {B}: {pct(mu):6.1f}% [{pct(mu + h):6.1f}, {pct(mu - h):6.1f}] {flag}")
per_seed = [sum(r[i] for r in rows) / len(rows) for i in range(len(rows[0]))]
mu, h = interval(per_seed)
print(f"all cells: {pct(mu):.1f}% [{pct(mu + h):.1f}, {pct(mu - h):.1f}]; cells where the interval excludes 0: "
      f"better {better}, worse {worse}, of {len(rows)}")
