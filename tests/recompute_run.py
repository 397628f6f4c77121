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
  experiment_metadata.json  the headline numbers again, the model cutoff's
                        date counts
  churn_diagnostics.csv median, mean, p90 (linear), share above 0.5 and the
                        HIGH_CHURN flag of the top-K churn per (horizon, K)
  with --prices (the price store's closes and volumes):
  baselines.csv         momentum_12_1 and reversal_5d on the rows Kronos
                        scored: n_names, RankIC, quintile spread
  leak_tripwires.json   the momentum control (median Spearman of the score
                        with 12-1 momentum, dates, rows, passed)
  cost_overlays.csv     the quintile book, its tranche h dates earlier, the
                        per-leg trades, turnover, the five scenarios' costs
                        with square-root impact (20-bar sigma and ADV) and
                        impact_missing, with config.json's cost-bps and aum
  stability_scorecard.csv  every column, the three gates recomputed from
                        their definitions (tolerance 1e-9)
  stability_scorecard_by_period.csv  (when the run had a model cutoff) the
                        same scorecard over the dates on or before the
                        cutoff and over those after it

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
GATE_TOL = 1e-9         # threshold comparisons of the gates
SCENARIOS = (("gross", 0), ("base_only", 0.0), ("low_slippage", 0.5), ("base_slippage", 1.0),
             ("high_slippage", 2.0))   # (name, impact coefficient Y); gross also has no base cost
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

    # --- the scorecard and what it is made of (evaluation.md, "Transaction
    # costs", "Controls and baselines", "Scorecard and gates")
    rr = Run(run_dates, fold_of, fold_ids, horizons, groups, mine, want_churn)
    check_churn_diagnostics(P("churn_diagnostics.csv"), rr)
    extra = 0
    if prices:
        with open(P("config.json")) as f:
            cfg = json.load(f)
        store = read_store(prices)
        rr.baselines = recompute_baselines(rr, store)
        rr.costs = recompute_costs(rr, store, float(cfg.get("cost-bps", 10)), float(cfg.get("aum", 1e7)))
        extra += check_baselines(P("baselines.csv"), rr)
        extra += check_costs(P("cost_overlays.csv"), rr)
        check_momentum(P("leak_tripwires.json"), rr)
        cut = cutoff_of(P("experiment_metadata.json"))
        check_scorecard(P("stability_scorecard.csv"), None, [scorecard(rr, 0, len(run_dates))])
        path = P("stability_scorecard_by_period.csv")
        if cut is None:
            if os.path.exists(path):
                err("stability_scorecard_by_period.csv written without a model cutoff")
        else:
            k = sum(1 for d in run_dates if d[:10] <= cut)
            if run_dates[:k] != [d for d in run_dates if d[:10] <= cut]:
                err("the dates on or before the cutoff are not a prefix of the run's dates")
            check_scorecard(path, ("before_cutoff", "after_cutoff"),
                            [scorecard(rr, 0, k), scorecard(rr, k, len(run_dates))])
            check_cutoff_counts(P("experiment_metadata.json"), k, len(run_dates) - k)
    else:
        print("recompute_run.py: no --prices: baselines, costs, momentum and the scorecard not recomputed")
    return report(len(scores), len(pdm), len(folds_f), len(decay_f), len(churn_f), extra)


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


# ---- the scorecard and what it is made of ------------------------------------

class Run:
    """The run as recomputed so far: dates in order, folds, horizons, the
    scored rows per (date, horizon), the per-date metrics, the churn pairs."""

    def __init__(self, dates, fold_of, fold_ids, horizons, groups, mine, churn):
        self.dates, self.fold_of, self.fold_ids = dates, fold_of, fold_ids
        self.horizons, self.groups, self.mine = horizons, groups, mine
        self.churn = churn          # (later date, h, K) -> retention
        self.baselines = None       # (date, h) -> {signal: metrics, "momentum_corr", "momentum_names"}
        self.costs = None           # (date, h) -> {"gross", "turnover", "cost": {scenario: c}, "missing"}

    def ric(self, d, h):
        m = self.mine.get((d, h))
        return NAN if m is None else m["rankic"]


def read_store(path):
    """ticker -> [(date, close, volume)] in date order (the synthetic stores
    of the tests: no dropped rows)."""
    bars = {}
    with open(path, newline="") as f:
        for r in csv.DictReader(f):
            v = r.get("volume", "")
            bars.setdefault(r["ticker"], []).append((r["date"], float(r["close"]), float(v) if v else 0.0))
    store = {}
    for t, b in bars.items():
        b.sort()
        store[t] = (b, {d: i for i, (d, _, _) in enumerate(b)})
    return store


def signal(store, ticker, date, name):
    """evaluation.md: momentum_12_1 = close[t-21]/close[t-252] - 1 (253 bars),
    reversal_5d = -(close[t]/close[t-5] - 1), the ticker's own bars."""
    b, pos = store[ticker]
    i = pos.get(date)
    if i is None:
        return NAN
    c = lambda k: b[k][1]
    if name == "momentum_12_1":
        return c(i - 21) / c(i - 252) - 1 if i >= 252 else NAN
    return -(c(i) / c(i - 5) - 1) if i >= 5 else NAN


def recompute_baselines(run, store):
    out = {}
    for d in run.dates:
        for h in run.horizons:
            rows = [r for r in run.groups.get((d, h), []) if not isnan(r[1])]
            e = {}
            for sig in ("momentum_12_1", "reversal_5d"):
                e[sig] = date_metrics([(t, signal(store, t, d, sig), lb) for t, _, lb in rows
                                       if not isnan(lb)])
            pairs = [(sc, signal(store, t, d, "momentum_12_1")) for t, sc, _ in rows]
            pairs = [p for p in pairs if not isnan(p[1])]
            e["momentum_names"] = len(pairs)
            e["momentum_corr"] = spearman([p[0] for p in pairs], [p[1] for p in pairs]) \
                if len(pairs) >= MIN_NAMES else NAN
            out[(d, h)] = e
    return out


def liquidity(store, ticker, date):
    """sigma (ddof 1) of the last 20 close-to-close returns up to the date and
    ADV = mean close*volume of the last 20 bars; None when fewer than 21
    bars or ADV <= 0 (no impact charged: impact_missing)."""
    b, pos = store[ticker]
    i = pos.get(date)
    if i is None or i < 20:
        return None
    r = [b[k][1] / b[k - 1][1] - 1 for k in range(i - 19, i + 1)]
    m = math.fsum(r) / 20
    sigma = math.sqrt(math.fsum((x - m) ** 2 for x in r) / 19)
    adv = math.fsum(b[k][1] * b[k][2] for k in range(i - 19, i + 1)) / 20
    return (sigma, adv) if adv > 0 else None


def book(rows):
    """The quintile legs (long, short) of a date's rows with score and label:
    ordered by score, ties by ticker; empty below MIN_NAMES names."""
    v = [r for r in rows if not isnan(r[1]) and not isnan(r[2])]
    if len(v) < MIN_NAMES:
        return None
    o = by_score(v)
    q = len(o) // 5
    return ([r[0] for r in o[:q]], [r[0] for r in o[len(o) - q:]])


def recompute_costs(run, store, base_bps, aum):
    """evaluation.md "Transaction costs": overlapping tranches h dates apart,
    per-leg trades |w_t - w_prev| (an exit trades its whole weight), turnover
    = sum |dw| / 4, one-way rate bps 1e-4 + Y sigma sqrt(|dw| AUM / h / ADV)."""
    out = {}
    for h in run.horizons:
        books = [book(run.groups.get((d, h), [])) for d in run.dates]
        for i, d in enumerate(run.dates):
            gross = run.mine.get((d, h), date_metrics([]))["quintile_spread"]
            cur = books[i]
            if cur is None or isnan(gross):
                continue
            prev = books[i - h] if i >= h else None
            trades = []          # (ticker, |dw|)
            for L in (0, 1):
                c = cur[L]
                p = prev[L] if prev else []
                wc = {t: 1.0 / len(c) for t in c}
                wp = {t: 1.0 / len(p) for t in p}
                trades += [(t, abs(wc[t] - wp.get(t, 0.0))) for t in c]
                trades += [(t, wp[t]) for t in p if t not in wc]
            trades = [x for x in trades if x[1] > 0]
            cost = {}
            missing = 0
            for t, dw in trades:
                missing += liquidity(store, t, d) is None
            for name, y in SCENARIOS:
                bps = 0.0 if name == "gross" else base_bps
                total = 0.0
                for t, dw in trades:
                    lq = liquidity(store, t, d)
                    impact = y * lq[0] * math.sqrt(dw * aum / h / lq[1]) if lq else 0.0
                    total += dw * (bps * 1e-4 + impact)
                cost[name] = total
            out[(d, h)] = {"gross": gross, "turnover": sum(dw for _, dw in trades) / 4, "cost": cost,
                           "missing": missing}
    return out


def check_baselines(path, run):
    rows = read_csv(path, ["date", "fold_id", "horizon", "signal", "n_names", "rankic", "quintile_spread"])
    seen = set()
    for r in rows:
        key = (r["date"], int(r["horizon"]), r["signal"])
        seen.add(key)
        e = run.baselines.get(key[:2])
        if e is None or key[2] not in e:
            err("baselines.csv has %s %dd %s" % key)
            continue
        m = e[key[2]]
        if r["fold_id"] != run.fold_of[key[0]]:
            err("baselines.csv %s: fold %s" % (key[0], r["fold_id"]))
        if int(r["n_names"]) != m["n_names"]:
            err("baselines.csv %s %dd %s: n_names %s, recomputed %d" % (key + (r["n_names"], m["n_names"])))
        check_num("baselines.csv %s %dd %s rankic" % key, m["rankic"], num(r["rankic"]))
        check_num("baselines.csv %s %dd %s quintile_spread" % key, m["quintile_spread"], num(r["quintile_spread"]))
    for d in run.dates:
        for h in run.horizons:
            for sig in ("momentum_12_1", "reversal_5d"):
                if (d, h, sig) not in seen:
                    err("baselines.csv lacks %s %dd %s" % (d, h, sig))
    return len(rows)


def check_costs(path, run):
    rows = read_csv(path, ["date", "fold_id", "horizon", "scenario", "gross_spread", "turnover", "cost",
                           "net_spread", "impact_missing"])
    seen = []
    for r in rows:
        key = (r["date"], int(r["horizon"]), r["scenario"])
        seen.append(key)
        e = run.costs.get(key[:2])
        if e is None or key[2] not in e["cost"]:
            err("cost_overlays.csv has %s %dd %s (no portfolio that date)" % key)
            continue
        check_num("cost_overlays.csv %s %dd %s gross_spread" % key, e["gross"], num(r["gross_spread"]))
        check_num("cost_overlays.csv %s %dd %s turnover" % key, e["turnover"], num(r["turnover"]))
        check_num("cost_overlays.csv %s %dd %s cost" % key, e["cost"][key[2]], num(r["cost"]))
        check_num("cost_overlays.csv %s %dd %s net_spread" % key, e["gross"] - e["cost"][key[2]],
                  num(r["net_spread"]))
        if int(r["impact_missing"]) != e["missing"]:
            err("cost_overlays.csv %s %dd %s: impact_missing %s, recomputed %d" % (key + (r["impact_missing"],
                                                                                        e["missing"])))
    want = [(d, h, sc) for d in run.dates for h in run.horizons if (d, h) in run.costs for sc, _ in SCENARIOS]
    if seen != want:
        err("cost_overlays.csv: %d rows, recomputed %d (or not in date, horizon, scenario order)"
            % (len(seen), len(want)))
    return len(rows)


def check_momentum(path, run):
    with open(path) as f:
        controls = json.load(f).get("controls", [])
    for h in run.horizons:
        x = [run.baselines[(d, h)] for d in run.dates]
        v = [e["momentum_corr"] for e in x if not isnan(e["momentum_corr"])]
        nrows = sum(e["momentum_names"] for e in x if not isnan(e["momentum_corr"]))
        c = [e for e in controls if e.get("control") == "momentum" and e.get("horizon") == h]
        if len(c) != 1:
            err("leak_tripwires.json: %d momentum entries for %dd" % (len(c), h))
            continue
        c = c[0]
        med = median(v)
        status = "not run" if not v else "passed" if abs(med) < 0.5 else "failed"
        if c.get("status") != status or c.get("n_dates") != len(v) or c.get("n_rows") != nrows:
            err("leak_tripwires.json momentum %dd: status %s, %s dates, %s rows; recomputed %s, %d, %d"
                % (h, c.get("status"), c.get("n_dates"), c.get("n_rows"), status, len(v), nrows))
        got = c.get("median_spearman")
        check_num("leak_tripwires.json momentum %dd median" % h, med, NAN if got is None else float(got))


def churn_values(run, h, k, d0=None, d1=None):
    """The churn of (h, K) over the date pairs whose later date is in
    dates[d0:d1] (all by default), in date order."""
    keep = set(run.dates[d0:d1])
    return [1 - run.churn[key] for key in sorted(run.churn, key=lambda x: run.dates.index(x[0]))
            if key[1] == h and key[2] == k and key[0] in keep]


def check_churn_diagnostics(path, run):
    rows = read_csv(path, ["horizon", "k", "churn_median", "churn_mean", "churn_p90", "pct_high_churn", "flags"])
    got = {(int(r["horizon"]), int(r["k"])): r for r in rows}
    for h in run.horizons:
        for k in (10, 20):
            c = churn_values(run, h, k)
            r = got.pop((h, k), None)
            if not c:
                if r is not None:
                    err("churn_diagnostics.csv has %dd K=%d without date pairs" % (h, k))
                continue
            if r is None:
                err("churn_diagnostics.csv lacks %dd K=%d" % (h, k))
                continue
            med = median(c)
            for name, v in (("churn_median", med), ("churn_mean", math.fsum(c) / len(c)),
                            ("churn_p90", quantile(c, 0.9)),
                            ("pct_high_churn", sum(1 for x in c if x > 0.5 + GATE_TOL) / len(c))):
                check_num("churn_diagnostics.csv %dd K=%d %s" % (h, k, name), v, num(r[name]))
            flags = "HIGH_CHURN" if med > 0.5 + GATE_TOL else ""
            if r["flags"] != flags:
                err("churn_diagnostics.csv %dd K=%d flags %r, recomputed %r" % (h, k, r["flags"], flags))
    for key in got:
        err("churn_diagnostics.csv has %dd K=%d" % key)


def fold_headline(run, values, d0, d1):
    """Median over folds of the fold medians of values[date] (NaN skipped),
    over the dates d0 <= i < d1."""
    fm = []
    for f in run.fold_ids:
        v = [values[d] for d in run.dates[d0:d1] if run.fold_of[d] == f and not isnan(values[d])]
        if v:
            fm.append(median(v))
    return median(fm)


def gates(rows):
    """evaluation.md "Scorecard and gates", with the tolerance 1e-9."""
    ge = lambda v, t: v >= t - GATE_TOL
    known = lambda key: rows and all(not isnan(r["rankic_headline"]) and not isnan(r[key]) for r in rows)
    g1 = "not_run"
    if known("momentum_corr_median"):
        strong = sum(1 for r in rows if ge(r["rankic_headline"], 0.02))
        g1 = "pass" if strong >= 2 and all(abs(r["momentum_corr_median"]) < 0.5 - GATE_TOL for r in rows) \
            else "fail"
    g2 = "not_run"
    if known("best_baseline_rankic"):
        g2 = "pass" if any(ge(r["rankic_headline"], 0.05) or
                           ge(r["rankic_headline"], r["best_baseline_rankic"] - 0.03) for r in rows) else "fail"
    g3 = "not_run"
    fin = [r for r in rows if not isnan(r["rankic_headline"])]
    if fin:
        best = max(fin, key=lambda r: r["rankic_headline"])   # the first of equal ones
        if not isnan(best["churn_median_20"]) and not isnan(best["cost_survival"]):
            g3 = "pass" if best["churn_median_20"] <= 0.30 + GATE_TOL and ge(best["cost_survival"], 0.30) \
                else "fail"
    return [g1, g2, g3]


def scorecard(run, d0, d1):
    """The scorecard of the dates d0 <= i < d1: one row per horizon and the
    gates (a churn pair belongs to its later date; a cost overlay keeps the
    tranches of the whole run)."""
    rows = []
    for h in run.horizons:
        dates = run.dates[d0:d1]
        ric = {d: run.ric(d, h) for d in run.dates}
        x = [ric[d] for d in dates if not isnan(ric[d])]
        c20 = churn_values(run, h, 20, d0, d1)
        cd = [run.costs[(d, h)] for d in dates if (d, h) in run.costs]
        g = math.fsum(e["gross"] for e in cd) / len(cd) if cd else NAN
        net = math.fsum(e["gross"] - e["cost"]["base_slippage"] for e in cd) / len(cd) if cd else NAN
        mom = [run.baselines[(d, h)]["momentum_corr"] for d in dates]
        mom = [v for v in mom if not isnan(v)]
        best, best_v = "", NAN
        for sig in ("momentum_12_1", "reversal_5d"):
            v = fold_headline(run, {d: run.baselines[(d, h)][sig]["rankic"] for d in run.dates}, d0, d1)
            if not isnan(v) and (isnan(best_v) or v > best_v):
                best, best_v = sig, v
        rows.append({
            "horizon": h,
            "rankic_headline": fold_headline(run, ric, d0, d1),
            "rankic_mean": math.fsum(x) / len(x) if x else NAN,
            "nw_t": newey_west_t(x, h),
            "pct_positive": sum(1 for v in x if v > 0) / len(x) if x else NAN,
            "churn_median_20": median(c20),
            "cost_survival": net / g if cd and g > 0 else NAN,
            "momentum_corr_median": median(mom),
            "best_baseline": best,
            "best_baseline_rankic": best_v,
        })
    return rows, gates(rows)


def check_scorecard(path, periods, cards):
    header = ["horizon", "rankic_headline", "rankic_mean", "nw_t", "pct_positive", "churn_median_20",
              "cost_survival", "momentum_corr_median", "best_baseline", "best_baseline_rankic",
              "gate_1", "gate_2", "gate_3"]
    name = os.path.basename(path)
    got = read_csv(path, (["period"] if periods else []) + header)
    want = []
    for i, (rows, g) in enumerate(cards):
        for r in rows:
            want.append((periods[i] if periods else None, r, g))
    if len(got) != len(want):
        err("%s: %d rows, recomputed %d" % (name, len(got), len(want)))
        return
    for r, (period, w, g) in zip(got, want):
        what = "%s %s%dd" % (name, period + " " if period else "", w["horizon"])
        if (periods and r["period"] != period) or int(r["horizon"]) != w["horizon"]:
            err("%s: row %s %s, recomputed %s %d" % (name, r.get("period", ""), r["horizon"], period, w["horizon"]))
            continue
        for k in header[1:8] + ["best_baseline_rankic"]:
            check_num("%s %s" % (what, k), w[k], num(r[k]))
        if r["best_baseline"] != w["best_baseline"]:
            err("%s best_baseline %r, recomputed %r" % (what, r["best_baseline"], w["best_baseline"]))
        if [r["gate_1"], r["gate_2"], r["gate_3"]] != g:
            err("%s gates %s, recomputed %s" % (what, [r["gate_1"], r["gate_2"], r["gate_3"]], g))


def cutoff_of(path):
    with open(path) as f:
        c = json.load(f).get("model_cutoff")
    if not isinstance(c, dict):
        err("experiment_metadata.json: no model_cutoff object")
        return None
    return c.get("date")


def check_cutoff_counts(path, before, after):
    with open(path) as f:
        c = json.load(f)["model_cutoff"]
    if c.get("dates_on_or_before") != before or c.get("dates_after") != after or c.get("overlap") != (before > 0):
        err("experiment_metadata.json model_cutoff %s: recomputed %d on or before, %d after" % (c, before, after))


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
    print("recompute_run.py: ok (%d score rows, %d per-date rows, %d fold rows, %d decay rows, %d churn rows, "
          "%d baseline and cost rows recomputed; tolerance %g + %g relative)" % (counts + (ABS_TOL, REL_TOL)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
