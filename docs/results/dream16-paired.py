#!/usr/bin/env python3
# Issue 16: a paired contrast of two policies of one `dream compare --json` file: per cell the
# UXCost reduction of A against B (geometric mean over seeds, 95% t interval over the seeds'
# log ratios), and over all cells (per seed the mean log ratio over cells, then the interval);
# the statistics are dream16_stats.py's, as dream16-analyze.py's ablation contrasts.
# Usage: python3 docs/results/dream16-paired.py F.json A B [live|sim] (the mode: a `--mode both` file has both)
import math, sys
from dream16_stats import load, paired

f, A, B = sys.argv[1:4]
_, cells = load(f, sys.argv[4] if len(sys.argv) > 4 else None)
rows, (mu, (lo, hi)) = paired(cells, A, B)
def pct(x): return 100 * (1 - math.exp(x))
better = worse = 0
for key, m, (l, h) in rows:
    flag = 'better' if h < 0 else 'worse' if l > 0 else ''
    better += flag == 'better'; worse += flag == 'worse'
    print(f"{key[0]:13s} {key[1]:<4} {A} vs {B}: {pct(m):6.1f}% [{pct(h):6.1f}, {pct(l):6.1f}] {flag}")
print(f"all cells: {pct(mu):.1f}% [{pct(hi):.1f}, {pct(lo):.1f}]; cells where the interval excludes 0: "
      f"better {better}, worse {worse}, of {len(rows)}")
