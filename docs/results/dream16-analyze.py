#!/usr/bin/env python3
# Issue 16: per-cell DREAM vs the best baseline (paired over seeds), XRBench check, ablation
# contrasts with 95% t-intervals over seeds, from a `dream compare --json` file with per-seed values.
# Usage: python3 docs/results/dream16-analyze.py docs/results/dream16-sim-dual.json [live|sim]
# (a `--mode both` file holds live cells and their sim replays: name the mode to read)
import sys,math,collections
from dream16_stats import ci, load, per_seed, paired
d,cells=load(sys.argv[1], sys.argv[2] if len(sys.argv)>2 else None)
BASE=[n for n in d['schedulers'] if not n.startswith('dream') and n!='drop-all']
if BASE:  # a file of DREAM variants alone (ablations) has no per-cell baseline contrast
    print("== per cell: DREAM vs best baseline (by mean UXCost), paired over seeds ==")
    xr_lose=0; xr_cells=0
    for k,v in sorted(cells.items()):
        best=min(BASE,key=lambda n:v[n]['uxcost'])
        bxr=max(BASE,key=lambda n:v[n]['xrbench_score'])
        a=per_seed(v['dream'],'uxcost'); b=per_seed(v[best],'uxcost')
        r=[math.log(a[s]/b[s]) for s in a if s in b and a[s]>0 and b[s]>0]
        m,(lo,hi)=ci(r)
        xa=per_seed(v['dream'],'xrbench_score'); xb=per_seed(v[bxr],'xrbench_score')
        dx=[xa[s]-xb[s] for s in xa if s in xb]
        mx,(lx,hx)=ci(dx)
        xr_cells+=1
        if hx<0: xr_lose+=1
        print(f"{k[0]:13s} {k[1]:.1f} best={best:20s} UX red {100*(1-math.exp(m)):6.1f}% [{100*(1-math.exp(hi)):6.1f},{100*(1-math.exp(lo)):6.1f}]  V dream {v['dream']['violation_rate']:.3f} best {v[best]['violation_rate']:.3f} | XR dream {v['dream']['xrbench_score']:.1f} best-XR {bxr} {v[bxr]['xrbench_score']:.1f} diff {mx:+.1f} [{lx:+.1f},{hx:+.1f}]{' LOWER' if hx<0 else ''}")
    print(f"XRBench: DREAM lower than the best baseline beyond CI in {xr_lose} of {xr_cells} cells")
# ablation contrasts
def contrast(x,y,key='uxcost',label=None):
    # reduction of x against y: per-seed geomean over cells of x/y
    rows,overall=paired(cells,x,y,key)
    if overall is None: return None
    cellsig=[sum(hi<0 for _,_,(lo,hi) in rows), sum(lo>0 for _,_,(lo,hi) in rows), 0]
    cellsig[2]=len(rows)-cellsig[0]-cellsig[1]
    m,(lo,hi)=overall
    return f"{label or x+' vs '+y:42s} {key:10s} reduction {100*(1-math.exp(m)):6.1f}% [{100*(1-math.exp(hi)):6.1f}, {100*(1-math.exp(lo)):6.1f}]; cells where the CI excludes 0: better {cellsig[0]}, worse {cellsig[1]}, neither {cellsig[2]}"
print("== ablations (reduction of the first against the second; geomean over cells, CI over seeds) ==")
pairs=[('dream','dream-no-drop','drop (leave-one-out)'),('dream','dream-no-tuning','tuning (leave-one-out)'),('dream','dream-no-supernet','supernet (leave-one-out)'),
       ('dream+drop','dream-score-only','drop (added to score)'),('dream+tuning','dream-score-only','tuning (added to score)'),('dream+supernet','dream-score-only','supernet (added to score)'),
       ('dream','dream-score-only','all three mechanisms'),
       ('dream','dream-no-preference','preference term (leave-one-out)'),('dream','dream-no-fairness','fairness term (leave-one-out)'),
       ('dream','dream-no-deadline-term','deadline term (leave-one-out)'),('dream','dream-no-blocks','layer blocks (leave-one-out)'),
       ('dream','dream-no-shedding','overload shedding (leave-one-out)'),('dream','dream-no-run-late','run late (leave-one-out)'),
       ('dream','dream-short-blocks','long blocks below load 0.9 (leave-one-out)'),
       ('dream','dream-no-wait','wait for the faster accelerator (leave-one-out)'),
       ('dream','dream-no-margin','estimate margin (leave-one-out)'),
       ('dream','dream-no-shed-on-losses','shedding on evidence (leave-one-out)'),
       ('dream','dream-estimated-load','load at measured speed (leave-one-out)')]
def xr_contrast(x,y,label):
    # XRBench points of x minus y: per-seed mean over cells, CI over seeds; cells higher / lower
    byseed=collections.defaultdict(list); hi_lo=[0,0]
    for k,v in cells.items():
        if x not in v or y not in v: continue
        a=per_seed(v[x],'xrbench_score'); b=per_seed(v[y],'xrbench_score')
        d=[a[s]-b[s] for s in a if s in b]
        for s in a:
            if s in b: byseed[s].append(a[s]-b[s])
        if len(d)>=2:
            m,(lo,hi)=ci(d)
            if lo>0: hi_lo[0]+=1
            elif hi<0: hi_lo[1]+=1
    g=[sum(l)/len(l) for l in byseed.values()]
    if not g: return None
    m,(lo,hi)=ci(g)
    return f"{label:42s} xrbench    difference {m:+6.2f} points [{lo:+.2f}, {hi:+.2f}]; cells where the CI excludes 0: higher {hi_lo[0]}, lower {hi_lo[1]}"
for x,y,l in pairs:
    for key in ('uxcost','uxcost_met'):
        s=contrast(x,y,key,l)
        if s: print(s)
    s=xr_contrast(x,y,l)
    if s: print(s)
print("== headline (compare's own) ==")
for h in d['headline']:
    if h['against'] in ('any','with drop','without drop'):
        print(f"load {h['load']} {h['metric']:10s} vs {h['against']:12s} ({h['baseline']}): {100*h['geomean']:.1f}% [{100*h['ci95'][0]:.1f}, {100*h['ci95'][1]:.1f}]" if h.get('ci95') else h)
