#!/usr/bin/env python3
"""signal_baselines.py: developer check of the demo market's planted signal
(standard library only; not part of the build).

Usage: python3 data/signal_baselines.py MARKET.csv [FIRST_DATE [LAST_DATE [STEP]]]

For every STEP-th bar (default 3) of each ticker dated FIRST_DATE (default
2019-01-01) to LAST_DATE, with 252 bars before and 20 after, computes three
scores and prints the median and mean over dates of the per-date Spearman
correlation (RankIC) with the realised 5- and 20-bar log returns:
  naive128: -(log C - mean log C over the last 128 bars), what a model that
      forecasts a constant bar in normalised space (an untrained Kronos)
      amounts to;
  mom5: the last 5 bars' log return;
  oracle: the events read from the CSV (rankstats.event_directions), score =
      sum of direction x remaining drift days.
"""
import collections
import math
import sys
from rankstats import spearman, read_market, event_directions, oracle
path = sys.argv[1]
d0 = sys.argv[2] if len(sys.argv) > 2 else '2019-01-01'
d1 = sys.argv[3] if len(sys.argv) > 3 else '9999'
step = int(sys.argv[4]) if len(sys.argv) > 4 else 3
per_date = collections.defaultdict(list)
for t, bars in read_market(path).items():
    lc = [math.log(b[4]) for b in bars]
    ev = event_directions(bars)
    for k in range(252, len(bars) - 20, step):
        d = bars[k][0]
        if d < d0 or d > d1:
            continue
        n128 = -(lc[k] - sum(lc[k-127:k+1])/128)
        per_date[d].append((n128, lc[k] - lc[k-5], oracle(ev, k), lc[k+5]-lc[k], lc[k+20]-lc[k]))
res = collections.defaultdict(list)
for d, L in per_date.items():
    if len(L) < 50:
        continue
    for name, fi in (('naive128', 0), ('mom5', 1), ('oracle', 2)):
        for h, li in ((5, 3), (20, 4)):
            res[(name, h)].append(spearman([x[fi] for x in L], [x[li] for x in L]))
for k in sorted(res):
    v = sorted(res[k]); m = v[len(v)//2]; mean = sum(v)/len(v)
    print('%-8s %2dd  median %+.4f  mean %+.4f  (%d dates)' % (k[0], k[1], m, mean, len(v)))
