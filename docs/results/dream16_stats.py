# Shared by the issue-16 analysis scripts (dream16-analyze.py, dream16-paired.py): a `dream compare
# --json` file's cells, per-seed values, the 95% t interval over seeds, and the paired contrast of
# two policies (per cell over its seeds; over all cells per seed, then over the seeds).
import collections, json, math

T = {2: 12.706, 3: 4.303, 4: 3.182, 5: 2.776, 6: 2.571, 7: 2.447, 8: 2.365, 9: 2.306, 10: 2.262}

def ci(xs):
    """Mean and 95% t interval of xs."""
    n = len(xs); m = sum(xs) / n
    if n < 2: return m, (m, m)
    sd = math.sqrt(sum((x - m) ** 2 for x in xs) / (n - 1)); h = T.get(n, 1.96) * sd / math.sqrt(n)
    return m, (m - h, m + h)

def load(path, mode=None):
    """The file's JSON and its cells by (scenario, load), then scheduler; `mode` (live or sim)
    keeps one mode of a `--mode both` file."""
    d = json.load(open(path))
    cells = collections.defaultdict(dict)
    for c in d['cells']:
        if mode is None or c.get('mode', mode) == mode: cells[(c['scenario'], c['load'])][c['scheduler']] = c
    return d, cells

def per_seed(c, key):
    return dict(zip(c['seeds'], c.get(key + '_per_seed') or []))

def paired(cells, x, y, key='uxcost'):
    """log(x / y) of `key` paired over seeds: per cell (cell key, mean, interval) for cells with
    both policies and two seeds or more, and over all cells (per seed the mean over cells, then the
    mean and interval over seeds; None without any)."""
    byseed = collections.defaultdict(list); rows = []
    def usable(v): return v and v > 0 and math.isfinite(v)
    for k, v in sorted(cells.items()):
        if x not in v or y not in v: continue
        a = per_seed(v[x], key); b = per_seed(v[y], key)
        r = []
        for s in a:
            if s in b and usable(a[s]) and usable(b[s]):
                r.append(math.log(a[s] / b[s])); byseed[s].append(r[-1])
        if len(r) >= 2: rows.append((k,) + ci(r))
    g = [sum(l) / len(l) for l in byseed.values()]
    return rows, (ci(g) if g else None)
