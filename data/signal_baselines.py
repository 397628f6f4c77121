#!/usr/bin/env python3
"""signal_baselines.py: developer check of the demo market's planted signal
(standard library only; not part of the build).

Usage: python3 data/signal_baselines.py MARKET.csv [EVENT_DAYS]

For every third bar of each ticker dated 2019 or later (with 252 bars before
and 20 after), computes three scores and prints the median and mean over
dates of the per-date Spearman correlation (RankIC) with the realised 5- and
20-bar log returns:
  naive128 / naive64: -(log C - mean log C over the last 128 / 64 bars), what a
      model that forecasts a constant bar in normalised space (an untrained
      Kronos) amounts to;
  oracle: events read from the CSV (volume > 2.5x the median of the 20 bars
      before and a shadow difference > 4 % of the close, direction = the longer
      shadow's side), score = sum of direction x remaining drift days.
"""
import collections
import math
import sys
from rankstats import spearman
path = sys.argv[1]; ev_days = int(sys.argv[2]) if len(sys.argv) > 2 else 20
rows = collections.defaultdict(list)
dates = set()
with open(path) as f:
    next(f)
    for line in f:
        d, t, o, h, l, c, v, a = line.rstrip().split(',')
        rows[t].append((d, float(o), float(h), float(l), float(c), float(v)))
        dates.add(d)
dates = sorted(dates); di = {d: i for i, d in enumerate(dates)}
# per ticker arrays indexed by its own bars
feat = {}  # (date index) -> list of (naive128, naive64, oracle, r5, r20)
per_date = collections.defaultdict(list)
for t, bars in rows.items():
    lc = [math.log(b[4]) for b in bars]
    ev = [0]*len(bars)
    for k in range(20, len(bars)):
        vols = sorted(b[5] for b in bars[k-20:k]); med = 0.5*(vols[9]+vols[10])
        d, o, h, l, c, v = bars[k]
        lo_sh = min(o, c) - l; up_sh = h - max(o, c)
        if v > 2.5*med and abs(lo_sh - up_sh)/c > 0.04:
            ev[k] = 1 if lo_sh > up_sh else -1
    for k in range(252, len(bars) - 20, 3):
        d = bars[k][0]
        if d < '2019-01-01': continue
        n128 = -(lc[k] - sum(lc[k-127:k+1])/128); n64 = -(lc[k] - sum(lc[k-63:k+1])/64)
        orc = sum(ev[k-j] * (ev_days - j) for j in range(0, ev_days) if ev[k-j])
        per_date[d].append((n128, n64, orc, lc[k+5]-lc[k], lc[k+20]-lc[k]))
res = collections.defaultdict(list)
for d, L in per_date.items():
    if len(L) < 50: continue
    for name, fi in (('naive128', 0), ('naive64', 1), ('oracle', 2)):
        for h, li in ((5, 3), (20, 4)):
            res[(name, h)].append(spearman([x[fi] for x in L], [x[li] for x in L]))
for k in sorted(res):
    v = sorted(res[k]); m = v[len(v)//2]; mean = sum(v)/len(v)
    print(k, 'median %.4f mean %.4f n %d' % (m, mean, len(v)))
