#!/usr/bin/env python3
"""recompute_run.py: an independent recomputation of a run directory's
evaluation outputs from its scores.csv (and, with --prices, of the labels
and spot closes from the price store), following docs/evaluation.md rather
than the C code:

  per_date_metrics.csv  n_names, rankic (Spearman, average ranks for ties),
                        ic (Pearson), quintile_spread, hit_rate_10/20,
                        avg_er_10/20 (top K by score, ties by ticker)
  fold_summaries.csv    n_dates, rankic_median, rankic_iqr (p75 - p25,
                        linear interpolation), quintile_spread_median,
                        hit_rate_10_median, avg_er_10_median
  ic_decay_stats.csv    early/late medians of the first and last thirds,
                        decay, pct_positive, RAPID_DECAY/NOISY flags
  churn.csv             top-K retention/churn of consecutive dates in a fold
  REPORT.md             headline table (median of fold medians, mean, std,
                        ICIR, Newey-West t, naive t, dates) and the churn table
  experiment_metadata.json  the headline numbers again

Usage: recompute_run.py RUN_DIR [--prices PRICES.csv] [--expect-ties]
(--expect-ties: also fail when no (date, horizon) has tied scores or
labels, i.e. when the tie rules would go unchecked).

Standard library only. Exit status 0 when everything agrees, 1 otherwise
(each disagreement is printed).

Tolerances. The CSVs and the JSON print numbers with 10 significant digits
(%.10g, JSON_REAL_PRECISION(10)), a relative rounding of at most 5e-10; the
recomputation starts from scores rounded the same way, which moves a
correlation of ~10 names by ~1e-9 at most. So two numbers agree when
|mine - file| <= 1e-8 + 1e-8 * |file|. REPORT.md prints d decimals; there
the bound is half a unit of the last digit plus 1e-9. Integers (n_names,
n_dates, dates, K), keys (date, fold, horizon, ticker) and flags must match
exactly; an empty field means NaN and must be empty on both sides.
"""
import csv
import json
import math
import os
import re
import sys

ABS_TOL = 1e-8
REL_TOL = 1e-8
MIN_NAMES = 10          # per-date metrics need this many names
DECAY_MIN_DATES = 9     # IC decay needs this many dates
NAN = float("nan")

errors = []


def err(msg):
    errors.append(msg)
    if len(errors) <= 40:
        print("MISMATCH: " + msg)


def num(s):
    s = s.strip()
    return NAN if s == "" else float(s)


def isnan(x):
    return x != x


def close(mine, theirs, abs_tol=ABS_TOL, rel_tol=REL_TOL):
    if isnan(mine) or isnan(theirs):
        return isnan(mine) and isnan(theirs)
    return abs(mine - theirs) <= abs_tol + rel_tol * abs(theirs)


def check_num(what, mine, theirs, **kw):
    if not close(mine, theirs, **kw):
        err("%s: recomputed %r, file has %r" % (what, mine, theirs))


# ---- statistics written from the definitions ------------------------------

def avg_ranks(x):
    """1-based ranks; a value's rank is (number below) + (number equal + 1)/2,
    which is the average of the positions its ties occupy."""
    return [sum(1 for y in x if y < v) + (sum(1 for y in x if y == v) + 1) / 2.0 for v in x]


def pearson(x, y):
    n = len(x)
    if n < 2:
        return NAN
    mx = math.fsum(x) / n
    my = math.fsum(y) / n
    sxy = math.fsum((a - mx) * (b - my) for a, b in zip(x, y))
    sxx = math.fsum((a - mx) ** 2 for a in x)
    syy = math.fsum((b - my) ** 2 for b in y)
    if sxx <= 0 or syy <= 0:
        return NAN
    return sxy / math.sqrt(sxx * syy)


def spearman(x, y):
    return pearson(avg_ranks(x), avg_ranks(y))


def median(v):
    """The middle value, or the mean of the two middle values."""
    n = len(v)
    if n == 0:
        return NAN
    s = sorted(v)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2.0


def quantile(v, q):
    """numpy's default (linear) quantile."""
    n = len(v)
    if n == 0:
        return NAN
    s = sorted(v)
    pos = q * (n - 1)
    lo = int(math.floor(pos))
    hi = min(lo + 1, n - 1)
    return s[lo] + (s[hi] - s[lo]) * (pos - lo)


def by_score(rows):
    """rows (ticker, score, label) from the highest score down, ties by ticker."""
    return sorted(rows, key=lambda r: (-r[1], r[0]))


def date_metrics(rows):
    """rows: (ticker, score, label) of one (date, horizon)."""
    v = [r for r in rows if not isnan(r[1]) and not isnan(r[2])]
    m = {"n_names": len(v)}
    for k in ("rankic", "ic", "quintile_spread", "hit_rate_10", "avg_er_10", "hit_rate_20", "avg_er_20"):
        m[k] = NAN
    if len(v) < MIN_NAMES:
        return m
    s = [r[1] for r in v]
    y = [r[2] for r in v]
    m["rankic"] = spearman(s, y)
    m["ic"] = pearson(s, y)
    o = by_score(v)
    q = len(o) // 5
    m["quintile_spread"] = sum(r[2] for r in o[:q]) / q - sum(r[2] for r in o[len(o) - q:]) / q
    for k in (10, 20):
        if len(o) >= k:
            top = [r[2] for r in o[:k]]
            m["hit_rate_%d" % k] = sum(1 for l in top if l > 0) / k
            m["avg_er_%d" % k] = sum(top) / k
    return m


# ---- reading ----------------------------------------------------------------

def read_csv(path, header):
    with open(path, newline="") as f:
        r = csv.reader(f)
        h = next(r)
        if h != header:
            err("%s: header %s, want %s" % (os.path.basename(path), ",".join(h), ",".join(header)))
        return [dict(zip(h, row)) for row in r]


def main():
    args = sys.argv[1:]
    expect_ties = "--expect-ties" in args
    if expect_ties:
        args.remove("--expect-ties")
    prices = None
    if len(args) == 3 and args[1] == "--prices":
        prices = args[2]
    elif len(args) != 1:
        print("usage: recompute_run.py RUN_DIR [--prices PRICES.csv] [--expect-ties]", file=sys.stderr)
        return 2
    run = args[0]
    P = lambda name: os.path.join(run, name)

    scores = read_csv(P("scores.csv"), ["date", "ticker", "fold_id", "horizon", "score", "pred_close",
                                        "spot_close", "label"])
    pdm = read_csv(P("per_date_metrics.csv"), ["date", "fold_id", "horizon", "n_names", "rankic", "ic",
                                               "quintile_spread", "hit_rate_10", "avg_er_10",
                                               "hit_rate_20", "avg_er_20"])
    folds_f = read_csv(P("fold_summaries.csv"), ["fold_id", "horizon", "n_dates", "rankic_median",
                                                 "rankic_iqr", "quintile_spread_median",
                                                 "hit_rate_10_median", "avg_er_10_median"])
    decay_f = read_csv(P("ic_decay_stats.csv"), ["fold_id", "horizon", "early_median", "late_median",
                                                 "decay", "pct_positive", "flags"])
    churn_f = read_csv(P("churn.csv"), ["date", "fold_id", "horizon", "k", "retention", "churn"])
    if not scores:
        err("scores.csv has no rows: nothing to recompute")
        return report()

    # --- scores.csv: internal consistency, optional labels from prices
    groups = {}            # (date, horizon) -> [(ticker, score, label)]
    fold_of = {}           # date -> fold_id
    for r in scores:
        d, h = r["date"], int(r["horizon"])
        sc, pc, sp, lb = num(r["score"]), num(r["pred_close"]), num(r["spot_close"]), num(r["label"])
        if fold_of.setdefault(d, r["fold_id"]) != r["fold_id"]:
            err("scores.csv: date %s in folds %s and %s" % (d, fold_of[d], r["fold_id"]))
        if not isnan(sc):
            check_num("score of %s %s %dd = pred_close/spot_close - 1" % (d, r["ticker"], h), pc / sp - 1, sc)
        groups.setdefault((d, h), []).append((r["ticker"], sc, lb))
    horizons = sorted({h for (_, h) in groups})
    # tied scores and labels inside a (date, horizon): average ranks and the
    # ticker tie-break matter only there
    ties = sum(1 for rows in groups.values()
               for col in (1, 2) if len({r[col] for r in rows}) < len(rows))
    print("recompute_run.py: %d (date, horizon, score|label) columns with ties" % ties)
    if expect_ties and ties == 0:
        err("--expect-ties: no tied scores or labels, the tie rules are not exercised")
    if prices:
        check_labels(scores, prices)

    # --- folds are calendar months, in order, one fold per date
    dates = sorted(fold_of)
    month_fold = {}
    for d in dates:
        if month_fold.setdefault(d[:7], fold_of[d]) != fold_of[d]:
            err("month %s spans folds %s and %s" % (d[:7], month_fold[d[:7]], fold_of[d]))
    fids = [month_fold[m] for m in sorted(month_fold)]
    if fids != sorted(set(fids)) or len(set(fids)) != len(fids):
        err("fold ids are not one per month in order: %s" % fids)

    # --- per_date_metrics.csv
    mine = {}
    for key, rows in groups.items():
        mine[key] = date_metrics(rows)
    seen = set()
    run_dates = []          # the run's evaluation dates in file order
    for r in pdm:
        key = (r["date"], int(r["horizon"]))
        if key in seen:
            err("per_date_metrics.csv: %s %dd twice" % key)
        seen.add(key)
        if not run_dates or run_dates[-1] != r["date"]:
            run_dates.append(r["date"])
        m = mine.get(key)
        if m is None:  # a date without a score row for this horizon
            m = date_metrics([])
            fold_of.setdefault(r["date"], r["fold_id"])
        if r["fold_id"] != fold_of[r["date"]]:
            err("per_date_metrics.csv %s: fold %s, scores.csv says %s" % (r["date"], r["fold_id"], fold_of[r["date"]]))
        if int(r["n_names"]) != m["n_names"]:
            err("per_date_metrics.csv %s %dd: n_names %s, recomputed %d" % (key + (r["n_names"], m["n_names"])))
        for k in ("rankic", "ic", "quintile_spread", "hit_rate_10", "avg_er_10", "hit_rate_20", "avg_er_20"):
            check_num("per_date_metrics.csv %s %dd %s" % (key + (k,)), m[k], num(r[k]))
    for key in mine:
        if key not in seen:
            err("per_date_metrics.csv lacks %s %dd" % key)
    if run_dates != sorted(run_dates):
        err("per_date_metrics.csv dates are not in order")

    # --- fold_summaries.csv
    fold_ids = []
    for r in folds_f:
        if r["fold_id"] not in fold_ids:
            fold_ids.append(r["fold_id"])
    for f in set(fold_of.values()):
        if f not in fold_ids:
            err("fold_summaries.csv lacks fold %s" % f)
    per_fold = {}           # (fold, h) -> [per-date metrics in date order]
    for d in run_dates:
        for h in horizons:
            per_fold.setdefault((fold_of[d], h), []).append(mine.get((d, h), date_metrics([])))
    fold_median = {}
    got_keys = set()
    for r in folds_f:
        f, h = r["fold_id"], int(r["horizon"])
        got_keys.add((f, h))
        ms = [m for m in per_fold.get((f, h), []) if not isnan(m["rankic"])]
        ric = [m["rankic"] for m in ms]
        if int(r["n_dates"]) != len(ric):
            err("fold_summaries.csv %s %dd: n_dates %s, recomputed %d" % (f, h, r["n_dates"], len(ric)))
        fold_median[(f, h)] = median(ric)
        want = {
            "rankic_median": median(ric),
            "rankic_iqr": quantile(ric, 0.75) - quantile(ric, 0.25),
            "quintile_spread_median": median([m["quintile_spread"] for m in ms if not isnan(m["quintile_spread"])]),
            "hit_rate_10_median": median([m["hit_rate_10"] for m in ms if not isnan(m["hit_rate_10"])]),
            "avg_er_10_median": median([m["avg_er_10"] for m in ms if not isnan(m["avg_er_10"])]),
        }
        for k, v in want.items():
            check_num("fold_summaries.csv %s %dd %s" % (f, h, k), v, num(r[k]))
    for f in fold_ids:
        for h in horizons:
            if (f, h) not in got_keys:
                err("fold_summaries.csv lacks %s %dd" % (f, h))

    # --- ic_decay_stats.csv
    want_decay = {}
    for f in fold_ids:
        for h in horizons:
            ric = [m["rankic"] for m in per_fold.get((f, h), []) if not isnan(m["rankic"])]
            n = len(ric)
            if n < DECAY_MIN_DATES:
                continue
            third = n // 3
            early, late = median(ric[:third]), median(ric[2 * third:])
            med, iqr = median(ric), quantile(ric, 0.75) - quantile(ric, 0.25)
            flags = []
            if late - early < -0.05:
                flags.append("RAPID_DECAY")
            if med == 0 or iqr / abs(med) > 2.0:
                flags.append("NOISY")
            want_decay[(f, h)] = (early, late, late - early, sum(1 for x in ric if x > 0) / n, ",".join(flags))
    got = set()
    for r in decay_f:
        key = (r["fold_id"], int(r["horizon"]))
        got.add(key)
        if key not in want_decay:
            err("ic_decay_stats.csv has %s %dd (fewer than %d dates)" % (key + (DECAY_MIN_DATES,)))
            continue
        e, l, dc, pp, fl = want_decay[key]
        for k, v in (("early_median", e), ("late_median", l), ("decay", dc), ("pct_positive", pp)):
            check_num("ic_decay_stats.csv %s %dd %s" % (key + (k,)), v, num(r[k]))
        if r["flags"] != fl:
            err("ic_decay_stats.csv %s %dd flags %r, recomputed %r" % (key + (r["flags"], fl)))
    for key in want_decay:
        if key not in got:
            err("ic_decay_stats.csv lacks %s %dd" % key)

    # --- churn.csv: top K by score (ties by ticker), rows with a score
    def topk(d, h, k):
        v = [r for r in groups.get((d, h), []) if not isnan(r[1])]
        return None if len(v) < k else {r[0] for r in by_score(v)[:k]}

    want_churn = {}
    for i in range(1, len(run_dates)):
        p, q = run_dates[i - 1], run_dates[i]
        if fold_of[p] != fold_of[q]:
            continue
        for h in horizons:
            for k in (10, 20):
                a, b = topk(p, h, k), topk(q, h, k)
                if a is not None and b is not None:
                    want_churn[(q, h, k)] = len(a & b) / k
    got = set()
    for r in churn_f:
        key = (r["date"], int(r["horizon"]), int(r["k"]))
        got.add(key)
        if key not in want_churn:
            err("churn.csv has %s %dd K=%d (no such pair of dates in one fold)" % key)
            continue
        if r["fold_id"] != fold_of[r["date"]]:
            err("churn.csv %s: fold %s" % (r["date"], r["fold_id"]))
        check_num("churn.csv %s %dd K=%d retention" % key, want_churn[key], num(r["retention"]))
        check_num("churn.csv %s %dd K=%d churn" % key, 1 - want_churn[key], num(r["churn"]))
    for key in want_churn:
        if key not in got:
            err("churn.csv lacks %s %dd K=%d" % key)

    # --- headline: median over folds of the fold medians; run statistics
    head = {}
    for h in horizons:
        fm = [fold_median[(f, h)] for f in fold_ids if (f, h) in fold_median and not isnan(fold_median[(f, h)])]
        x = [mine[(d, h)]["rankic"] for d in run_dates if (d, h) in mine and not isnan(mine[(d, h)]["rankic"])]
        n = len(x)
        mean = math.fsum(x) / n if n else NAN
        std = math.sqrt(math.fsum((v - mean) ** 2 for v in x) / (n - 1)) if n >= 2 else NAN
        icir = mean / std if n >= 2 and std > 0 else NAN
        t = mean / std * math.sqrt(n) if n >= 2 and std > 0 else NAN
        head[h] = {"headline": median(fm), "mean": mean, "std": std, "icir": icir, "t": t, "n": n,
                   "nw_t": newey_west_t(x, h)}
    check_report(P("REPORT.md"), head, want_churn, horizons)
    check_metadata(P("experiment_metadata.json"), head)
    return report(len(scores), len(pdm), len(folds_f), len(decay_f), len(churn_f))


def md_close(what, mine, cell, decimals):
    cell = cell.strip()
    if cell == "n/a":
        if not isnan(mine):
            err("%s: REPORT.md says n/a, recomputed %r" % (what, mine))
        return
    v = float(cell.rstrip("%"))
    if isnan(mine) or abs(mine - v) > 0.5 * 10 ** -decimals + 1e-9:
        err("%s: REPORT.md has %s, recomputed %r" % (what, cell, mine))


def newey_west_t(x, h):
    """evaluation.md "Honest statistics": Bartlett weights, L = min(h-1, n-1)."""
    n = len(x)
    if n < 2:
        return NAN
    m = math.fsum(x) / n
    lags = min(h - 1, n - 1)
    gamma = [math.fsum((x[t] - m) * (x[t - j] - m) for t in range(j, n)) / n for j in range(lags + 1)]
    var = gamma[0] + 2 * math.fsum((1 - j / (lags + 1)) * gamma[j] for j in range(1, lags + 1))
    return m / math.sqrt(var / n) if var > 0 else NAN


def check_report(path, head, want_churn, horizons):
    with open(path) as f:
        text = f.read()
    sec = re.search(r"^## Headline\n(.*?)^## ", text, re.S | re.M)
    if not sec:
        err("REPORT.md: no Headline section")
        return
    rows = {}
    for line in sec.group(1).splitlines():
        m = re.match(r"^\| (\d+)d \|(.*)\|$", line)
        if m:
            rows[int(m.group(1))] = [c for c in m.group(2).split("|")]
    for h in horizons:
        if h not in rows or len(rows[h]) != 7:
            err("REPORT.md: no headline row for %dd" % h)
            continue
        c, x = rows[h], head[h]
        md_close("REPORT.md headline %dd RankIC" % h, x["headline"], c[0], 4)
        md_close("REPORT.md headline %dd mean" % h, x["mean"], c[1], 4)
        md_close("REPORT.md headline %dd std" % h, x["std"], c[2], 4)
        md_close("REPORT.md headline %dd ICIR" % h, x["icir"], c[3], 3)
        md_close("REPORT.md headline %dd t (Newey-West)" % h, x["nw_t"], c[4], 2)
        md_close("REPORT.md headline %dd t (naive)" % h, x["t"], c[5], 2)
        if int(c[6]) != x["n"]:
            err("REPORT.md headline %dd dates %s, recomputed %d" % (h, c[6].strip(), x["n"]))
    sec = re.search(r"^## Churn of the top K\n(.*?)^## ", text, re.S | re.M)
    if not sec:
        err("REPORT.md: no churn section")
        return
    for line in sec.group(1).splitlines():
        m = re.match(r"^\| (\d+)d \| (\d+) \|(.*)\|(.*)\| (\d+) \|$", line)
        if not m:
            continue
        h, k, pairs = int(m.group(1)), int(m.group(2)), int(m.group(5))
        ret = [v for (d, hh, kk), v in want_churn.items() if hh == h and kk == k]
        if pairs != len(ret):
            err("REPORT.md churn %dd K=%d: %d date pairs, recomputed %d" % (h, k, pairs, len(ret)))
        mr = sum(ret) / len(ret) if ret else NAN
        md_close("REPORT.md churn %dd K=%d mean retention" % (h, k), mr, m.group(3), 3)
        md_close("REPORT.md churn %dd K=%d mean churn" % (h, k), 1 - mr, m.group(4), 3)


def check_metadata(path, head):
    with open(path) as f:
        meta = json.load(f)
    hs = {e["horizon"]: e for e in meta.get("headline", [])}
    for h, x in head.items():
        e = hs.get(h)
        if e is None:
            err("experiment_metadata.json: no headline for %dd" % h)
            continue
        for k, mk in (("headline_rankic", "headline"), ("mean", "mean"), ("icir", "icir"), ("tstat", "t"),
                      ("nw_t", "nw_t")):
            v = e.get(k)
            check_num("experiment_metadata.json %dd %s" % (h, k), x[mk], NAN if v is None else float(v))
        if e.get("dates") != x["n"]:
            err("experiment_metadata.json %dd dates %s, recomputed %d" % (h, e.get("dates"), x["n"]))


def check_labels(scores, prices_path):
    """spot_close = the ticker's close on the date; label = close of its own
    h-th next bar / spot - 1 (no benchmark), empty past the end of data."""
    bars = {}
    with open(prices_path, newline="") as f:
        for r in csv.DictReader(f):
            bars.setdefault(r["ticker"], []).append((r["date"], float(r["close"])))
    pos = {}
    for t in bars:
        bars[t].sort()
        pos[t] = {d: i for i, (d, _) in enumerate(bars[t])}
    for r in scores:
        t, d, h = r["ticker"], r["date"], int(r["horizon"])
        i = pos[t][d]
        spot = bars[t][i][1]
        check_num("spot_close %s %s" % (d, t), spot, num(r["spot_close"]))
        want = bars[t][i + h][1] / spot - 1 if i + h < len(bars[t]) else NAN
        check_num("label %s %s %dd" % (d, t, h), want, num(r["label"]))


def report(*counts):
    if errors:
        print("recompute_run.py: %d mismatches" % len(errors))
        return 1
    print("recompute_run.py: ok (%d score rows, %d per-date rows, %d fold rows, %d decay rows, %d churn rows "
          "recomputed; tolerance %g + %g relative)" % (counts + (ABS_TOL, REL_TOL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
