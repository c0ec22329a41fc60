#!/usr/bin/env python3
# Issue 16: do DREAM's live blocks run slower against their fitted times than edf+drop's? Over every
# dual-ws-os live log in docs/results (the runs' "blocks took xA xB" lines), per (file, scenario,
# load, seed): DREAM's mean factor over edf+drop's; geometric mean per scenario and overall.
# Usage: python3 docs/results/live-block-speed-by-policy.py
import collections, glob, math, re
from dream16_stats import ci

rows = collections.defaultdict(dict)
for f in glob.glob('docs/results/compare-live-*.txt') + glob.glob('docs/results/dream16-*live*.txt'):
    if 'big-little' in f: continue
    for line in open(f, errors='ignore'):
        m = re.search(r"  (\S+) load ([\d.]+) seed (\d+) (\S+) live: .*?(clean|disturbed); blocks took x([\d.]+) x([\d.]+)", line)
        if m: rows[(f, m.group(1), m.group(2), m.group(3))][m.group(4)] = (float(m.group(6)) + float(m.group(7))) / 2
ratios = collections.defaultdict(list)
for (f, scenario, load, seed), by in rows.items():
    if 'dream' in by and 'edf+drop' in by: ratios[scenario].append(by['dream'] / by['edf+drop'])
def geo(r): return math.exp(sum(math.log(x) for x in r) / len(r))
everything = []
for scenario, r in sorted(ratios.items()):
    everything += r
    print(f"{scenario:13s} runs {len(r):3d}: dream / edf+drop block-time factor {geo(r):.3f} (min {min(r):.2f}, max {max(r):.2f})")
mu, (lo, hi) = ci([math.log(x) for x in everything])
print(f"all {len(everything)} runs: {math.exp(mu):.3f} [{math.exp(lo):.3f}, {math.exp(hi):.3f}]")
