#!/usr/bin/env python3
# DREAM's reductions pooled over several `dream compare --json` files of the same cells run with
# different seeds (per seed: geometric mean over scenarios of dream / baseline; t-interval over seeds).
# Usage: python3 docs/results/compare-pool.py A.json B.json ...
import json,sys,math,collections
T={2:12.706,3:4.303,4:3.182,5:2.776,6:2.571}
def ci(xs):
    n=len(xs); m=sum(xs)/n; sd=math.sqrt(sum((x-m)**2 for x in xs)/(n-1)); h=T[n]*sd/math.sqrt(n); return m,m-h,m+h
cells=collections.defaultdict(dict)
for f in sys.argv[1:]:
    for c in json.load(open(f))['cells']:
        k=(c['mode'],c['scenario'],c['scheduler'])
        for s,u,um,x in zip(c['seeds'],c['uxcost_per_seed'],c.get('uxcost_met_per_seed') or [None]*len(c['seeds']),c['xrbench_score_per_seed']):
            cells[k][s]=(u,um,x)
for mode in ['live','sim']:
    scen=sorted({k[1] for k in cells if k[0]==mode})
    for key,idx in [('uxcost',0),('uxcost_met',1)]:
        out=[]
        for b in ['edf','prema','edf+drop','prema+drop']:
            by=collections.defaultdict(list)
            for sc in scen:
                d=cells[(mode,sc,'dream')]; y=cells[(mode,sc,b)]
                for s in d:
                    if s in y and d[s][idx] and y[s][idx] and math.isfinite(d[s][idx]) and math.isfinite(y[s][idx]): by[s].append(math.log(d[s][idx]/y[s][idx]))
            m,lo,hi=ci([sum(v)/len(v) for v in by.values()])
            out.append((1-math.exp(m),1-math.exp(hi),1-math.exp(lo),b,len(by)))
        for r in out: print(f"{mode} {key:10s} vs {r[3]:11s} {100*r[0]:5.1f}% [{100*r[1]:5.1f}, {100*r[2]:5.1f}] seeds {r[4]}")
