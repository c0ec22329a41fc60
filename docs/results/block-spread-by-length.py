#!/usr/bin/env python3
# Issue 16, tenth pass: how much a live block varies against its length. Each layer's time is the
# median of its one-layer blocks (same model, layer, accelerator); a block's expected time is the
# sum of its layers' medians; prints the log-normal sigma of measured / expected per class.
# Usage: dream run ... --out DIR; python3 docs/results/block-spread-by-length.py DIR
import json,collections,math,sys
# per-block spread vs block size, estimates from single-layer blocks' medians per (model, layer, acc)
t=json.load(open(sys.argv[1]+'/trace.json'))
ev=[e for e in (t['traceEvents'] if isinstance(t,dict) else t) if e.get('ph')=='X' and 'layers' in e.get('args',{})]
def rng(s): a,b=s.split('..<'); return int(a),int(b)
single=collections.defaultdict(list)
for e in ev:
    a,b=rng(e['args']['layers'])
    if b-a==1: single[(e['name'],a,e['pid'])].append(e['dur'])
med={k:sorted(v)[len(v)//2] for k,v in single.items() if len(v)>=3}
bins=collections.defaultdict(list)
for e in ev:
    a,b=rng(e['args']['layers'])
    ks=[(e['name'],l,e['pid']) for l in range(a,b)]
    if not all(k in med for k in ks): continue
    exp=sum(med[k] for k in ks)
    if exp<=0 or e['dur']<=0: continue
    n=b-a; nb='1' if n==1 else '2-5' if n<=5 else '6-20' if n<=20 else '>20'
    db='<50us' if exp<50 else '<200us' if exp<200 else '<1ms' if exp<1000 else '>=1ms'
    bins[(nb,db)].append(math.log(e['dur']/exp))
for k in sorted(bins):
    v=bins[k]
    if len(v)<5: continue
    m=sum(v)/len(v); sd=math.sqrt(sum((x-m)**2 for x in v)/(len(v)-1))
    print(f"layers {k[0]:5s} expected {k[1]:7s} n={len(v):5d} mean log {m:+.3f} sigma {sd:.3f}")
