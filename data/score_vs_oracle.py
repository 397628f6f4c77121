#!/usr/bin/env python3
"""score_vs_oracle.py: developer diagnosis of a demo evaluation run (standard
library only; not part of the build).

Usage: python3 data/score_vs_oracle.py MARKET.csv RUN_DIR/scores.csv

For the 20-day scores of an evaluation run (dates of January-March 2023),
prints the median / mean over dates of the per-date Spearman correlation
between the model's score, the event oracle of signal_baselines.py, the
naive mean-reversion score -(log C - mean log C over 128 bars), the last 5
bars' return (mom5) and the realised 20-day return. A model that learned the planted events correlates
positively with the oracle; an untrained one behaves like the naive score.
"""
import sys, math, collections
from rankstats import spearman, read_market, event_directions, oracle
mk, sc = sys.argv[1], sys.argv[2]
orc = {}; naive = {}; mom5 = {}
for t, bars in read_market(mk).items():
    ev = event_directions(bars)
    lc = [math.log(b[4]) for b in bars]
    for k in range(128, len(bars)):
        d = bars[k][0]
        if d < '2023-01-01' or d > '2023-04-01': continue
        orc[(d, t)] = oracle(ev, k)
        naive[(d, t)] = -(lc[k] - sum(lc[k-127:k+1])/128)
        mom5[(d, t)] = lc[k] - lc[k-5]
by = collections.defaultdict(list)
with open(sc) as f:
    next(f)
    for line in f:
        d, t, fold, h, s, pc, spot, lab = line.rstrip().split(',')
        if h != '20': continue
        by[d].append((float(s), orc[(d, t)], naive[(d, t)], mom5[(d, t)], float(lab)))
names = ('model', 'oracle', 'naive128', 'mom5', 'label20')
pairs = [(0, 1), (0, 2), (0, 3), (0, 4), (1, 4), (2, 4), (3, 4)]
res = collections.defaultdict(list)
for d, L in by.items():
    cols = list(zip(*L))
    for i, j in pairs:
        res[(i, j)].append(spearman(cols[i], cols[j]))
for i, j in pairs:
    v = sorted(res[(i, j)])
    print('%-18s median %+.3f mean %+.3f (%d dates)' % (names[i] + '~' + names[j], v[len(v)//2], sum(v)/len(v), len(v)))
