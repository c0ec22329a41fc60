#!/usr/bin/env python3
# Issue 16 tuning runs: per cell, each listed policy's seed-mean UXCost over the best baseline's (by
# seed-mean UXCost, DREAM variants and drop-all excluded), and the geometric mean of those ratios per load.
# Usage: python3 docs/results/dream16-tuning-cells.py F.json dream dream-no-margin ...
import json,sys,math
# usage: cells.py F.json [policies...]: per cell UXCost and V for the listed policies and the best baseline
d=json.load(open(sys.argv[1])); pols=sys.argv[2:] or ['dream','dream-short-blocks']
by={}
for c in d['cells']: by.setdefault((c['scenario'],c['load']),{})[c['scheduler']]=c
abl={'dream','drop-all'}|{p for p in set(c['scheduler'] for c in d['cells']) if p.startswith('dream')}
logs={p:[] for p in pols}
for (s,l),m in sorted(by.items()):
    if 'dream' not in m: continue
    base=min((c for p,c in m.items() if p not in abl), key=lambda c:c['uxcost'])
    row=f"{s:13s} {l:.1f} best {base['scheduler']:14s} UX {base['uxcost']:.5f} V {base['violation_rate'] if 'violation_rate' in base else base.get('v',0):.3f} |"
    for p in pols:
        if p in m:
            c=m[p]; r=c['uxcost']/base['uxcost']; logs[p].append((l,math.log(r)))
            row+=f" {p} x{r:.2f} V {c.get('violation_rate',0):.3f} XR {c['xrbench_score']:.1f}"
    print(row)
for p in pols:
    for L in (0.8,1.0,1.2):
        v=[x for l,x in logs[p] if abs(l-L)<1e-9]
        if v: print(p,L,'geomean ratio vs best baseline',round(math.exp(sum(v)/len(v)),3),'reduction %.1f%%'%(100*(1-math.exp(sum(v)/len(v)))))
