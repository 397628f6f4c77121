#!/usr/bin/env python3
"""score_vs_oracle.py: developer diagnosis of a demo evaluation run (standard
library only; not part of the build).

Usage: python3 data/score_vs_oracle.py MARKET.csv RUN_DIR/scores.csv

For the 20-day scores of an evaluation run (dates of January-March 2023),
prints the median / mean over dates of the per-date Spearman correlation
between the model's score, the event oracle of signal_baselines.py, the
naive mean-reversion score -(log C - mean log C over 128 bars) and the
realised 20-day return. A model that learned the planted events correlates
positively with the oracle; an untrained one behaves like the naive score.
"""
import sys, math, collections
from rankstats import spearman
mk, sc = sys.argv[1], sys.argv[2]
rows = collections.defaultdict(list)
with open(mk) as f:
    next(f)
    for line in f:
        d, t, o, h, l, c, v, a = line.rstrip().split(',')
        rows[t].append((d, float(o), float(h), float(l), float(c), float(v)))
orc = {}; naive = {}
for t, bars in rows.items():
    ev = [0]*len(bars)
    for k in range(20, len(bars)):
        vols = sorted(b[5] for b in bars[k-20:k]); med = 0.5*(vols[9]+vols[10])
        d, o, h, l, c, v = bars[k]
        lo = min(o, c) - l; up = h - max(o, c)
        if v > 2.5*med and abs(lo - up)/c > 0.04: ev[k] = 1 if lo > up else -1
    lc = [math.log(b[4]) for b in bars]
    for k in range(128, len(bars)):
        d = bars[k][0]
        if d < '2023-01-01' or d > '2023-04-01': continue
        orc[(d, t)] = sum(ev[k-j]*(20-j) for j in range(20) if ev[k-j])
        naive[(d, t)] = -(lc[k] - sum(lc[k-127:k+1])/128)
by = collections.defaultdict(list)
with open(sc) as f:
    next(f)
    for line in f:
        d, t, fold, h, s, pc, spot, lab = line.rstrip().split(',')
        if h != '20': continue
        by[d].append((float(s), orc[(d, t)], naive[(d, t)], float(lab)))
res = collections.defaultdict(list)
for d, L in by.items():
    m = [x[0] for x in L]; o = [x[1] for x in L]; nv = [x[2] for x in L]; lab = [x[3] for x in L]
    res['model~oracle'].append(spearman(m, o)); res['model~naive128'].append(spearman(m, nv))
    res['oracle~label20'].append(spearman(o, lab)); res['naive128~label20'].append(spearman(nv, lab)); res['model~label20'].append(spearman(m, lab))
for k, v in res.items():
    v = sorted(v); print('%-18s median %+.3f mean %+.3f (%d dates)' % (k, v[len(v)//2], sum(v)/len(v), len(v)))
