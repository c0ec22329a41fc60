#!/usr/bin/env python3
# usage: an.py base.json dream.json [dream-name]
import json,sys,math,collections
def G(c,k):
    x=c.get(k)
    return float('inf') if x is None else x
T={2:12.706,3:4.303,4:3.182,5:2.776,6:2.571}
def ci(xs):
    n=len(xs); m=sum(xs)/n
    if n<2: return m,m,m
    sd=math.sqrt(sum((x-m)**2 for x in xs)/(n-1)); h=T.get(n,1.96)*sd/math.sqrt(n)
    return m,m-h,m+h
cells=collections.defaultdict(dict)
for f in sys.argv[1:3]:
    for c in json.load(open(f))['cells']: cells[(c['scenario'],c['load'])][c['scheduler']]=c
D=sys.argv[3] if len(sys.argv)>3 else 'dream'
def ps(c,k): return dict(zip(c['seeds'],c.get(k+'_per_seed') or [float('inf')]*len(c['seeds'])))
loads=sorted({k[1] for k in cells})
verbose='-v' in sys.argv
tot=collections.defaultdict(list)
for L in loads:
    ks=[k for k in cells if k[1]==L and D in cells[k]]
    base=[n for n in cells[ks[0]] if n!=D and n!='drop-all' and not n.startswith('dream')]
    for key in ('uxcost','uxcost_met'):
        res=[]
        for b in base:
            byseed=collections.defaultdict(list)
            for k in ks:
                a=ps(cells[k][D],key); bb=ps(cells[k][b],key)
                for s in a:
                    if a[s]>0 and bb[s]>0 and math.isfinite(a[s]) and math.isfinite(bb[s]): byseed[s].append(math.log(a[s]/bb[s]))
                    elif not math.isfinite(bb[s]) and math.isfinite(a[s]): byseed[s].append(math.log(1e-6))
            g=[sum(v)/len(v) for v in byseed.values()]
            m,lo,hi=ci(g); res.append((1-math.exp(m),1-math.exp(hi),1-math.exp(lo),b))
        nd=min(r for r in res if not r[3].endswith('+drop')); wd=min(r for r in res if r[3].endswith('+drop'))
        print(f"load {L} {key:10s} n={len(ks)} nodrop {nd[3]:18s} {100*nd[0]:6.1f}% [{100*nd[1]:6.1f},{100*nd[2]:6.1f}]  drop {wd[3]:20s} {100*wd[0]:6.1f}% [{100*wd[1]:6.1f},{100*wd[2]:6.1f}]")
xl=0
for k in sorted(cells):
    v=cells[k]
    if D not in v: continue
    base=[n for n in v if n!=D and n!='drop-all' and not n.startswith('dream')]
    best=min(base,key=lambda n:G(v[n],'uxcost_met')); bx=max(base,key=lambda n:v[n]['xrbench_score'])
    xa=ps(v[D],'xrbench_score'); xb=ps(v[bx],'xrbench_score'); m,lo,hi=ci([xa[s]-xb[s] for s in xa])
    if hi<0: xl+=1
    r=G(v[D],'uxcost_met')/G(v[best],'uxcost_met')
    print(f"{k[0]:13s} {k[1]} best {best:20s} UXmet ratio {r:6.3f} V {v[D]['violation_rate']:.3f}/{v[best]['violation_rate']:.3f} E {v[D]['energy_per_frame_j']:.4f}/{v[best]['energy_per_frame_j']:.4f} | XR {v[D]['xrbench_score']:.1f} vs {bx} {v[bx]['xrbench_score']:.1f} {m:+.2f} [{lo:+.2f},{hi:+.2f}]{' LOWER' if hi<0 else ''}")
print("XR lower cells:",xl)
