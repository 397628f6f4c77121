"""rankstats.py: average-tie ranks, Spearman correlation and the event oracle
for the demo's developer scripts (signal_baselines.py, score_vs_oracle.py;
standard library only, not part of the build)."""
import math


def rank(x):
    """0-based ranks of x, ties sharing their average rank."""
    idx = sorted(range(len(x)), key=lambda i: x[i])
    r = [0.0] * len(x)
    i = 0
    while i < len(idx):
        j = i
        while j + 1 < len(idx) and x[idx[j + 1]] == x[idx[i]]:
            j += 1
        for k in range(i, j + 1):
            r[idx[k]] = (i + j) / 2
        i = j + 1
    return r


def spearman(a, b):
    """Spearman correlation of a and b (0 when either is constant)."""
    ra, rb = rank(a), rank(b)
    n = len(a)
    ma = sum(ra) / n
    mb = sum(rb) / n
    sab = sum((x - ma) * (y - mb) for x, y in zip(ra, rb))
    saa = sum((x - ma) ** 2 for x in ra)
    sbb = sum((y - mb) ** 2 for y in rb)
    return sab / math.sqrt(saa * sbb) if saa > 0 and sbb > 0 else 0


def read_market(path):
    """{ticker: [(date, open, high, low, close, volume), ...]} from a long CSV."""
    rows = {}
    with open(path) as f:
        next(f)
        for line in f:
            d, t, o, h, l, c, v, _ = line.rstrip().split(',')
            rows.setdefault(t, []).append((d, float(o), float(h), float(l), float(c), float(v)))
    return rows


def event_directions(bars):
    """The planted events as read from a ticker's bars (data/README.md): a
    close-to-close move of 3 % to 7.5 % on more than 2.5x the mean volume of
    the 20 bars before is a pressure event (drift in its direction, +1 / -1);
    a move of more than 7.5 % is an overreaction (drift against it). 0
    elsewhere. Same rule as tests/test_gen_market.sh."""
    ev = [0] * len(bars)
    for k in range(20, len(bars)):
        mean_vol = sum(b[5] for b in bars[k - 20:k]) / 20
        r = math.log(bars[k][4] / bars[k - 1][4])
        up = 1 if r > 0 else -1
        if 0.03 < abs(r) <= 0.075 and bars[k][5] > 2.5 * mean_vol:
            ev[k] = up
        elif abs(r) > 0.075:
            ev[k] = -up
    return ev


def oracle(ev, k, days=20):
    """Sum of direction x remaining drift days of the events of the last `days` bars."""
    return sum(ev[k - j] * (days - j) for j in range(days) if k - j >= 0 and ev[k - j])
