/* probmetrics.h: scores of the forecast distribution when Kronos samples
 * S >= 2 paths (evaluation.md, "Probabilistic forecasts"), and the
 * HistVol20 calibration baseline. Pure functions; NaN means "unknown".
 *
 * For one (date, ticker, horizon) the paths give S predicted returns
 * x_s = path close at step h / spot close - 1, and y is the ticker's
 * realised return close[bar + h] / close[bar] - 1. y is never net of
 * --benchmark: the paths forecast the ticker's own close, so an excess
 * label (scores.csv, RankIC) would compare unlike things:
 *  - p_up = #{x_s > 0} / S; Brier = (p_up - 1{y > 0})^2;
 *  - the central 80 % interval [q10, q90] of the x_s (linear
 *    interpolation between order statistics, numpy's default: position
 *    q (S - 1) in the sorted values), covered when q10 <= y <= q90;
 *  - CRPS, sample estimator: mean_s |x_s - y| - 1/(2 S^2) sum_s sum_s' |x_s - x_s'|;
 *  - PIT = #{x_s <= y} / S.
 *
 * HistVol20: a zero-drift Gaussian random walk with the ticker's trailing
 * 20-day volatility. sigma = sample standard deviation (n - 1) of the
 * last 20 daily simple returns close[t]/close[t-1] - 1 up to and
 * including the date's bar (21 closes, the spot close the last); the
 * return over h bars is N(0, sigma^2 h). So p_up = 0.5 (Brier 0.25 for
 * every row), the 80 % interval is +-1.2815515655446004 sigma sqrt(h),
 * PIT = Phi(y / (sigma sqrt h)) and the CRPS is the closed form of the
 * Gaussian: s (z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)), z = y/s. */
#ifndef KT_PROBMETRICS_H
#define KT_PROBMETRICS_H

#include "eval/prices.h"
#include "eval/results.h"

#define KT_HISTVOL_DAYS 20
#define KT_REL_BINS 10   /* reliability: equal-width bins of p_up */
#define KT_PIT_BINS 10   /* PIT histogram */

/* The realised return the paths are scored against (row->prob_y, set by
 * kt_prob_date(): the raw return, not the label; NaN when missing). */
static inline double kt_prob_outcome(const kt_score_row *r)
{
    return r->prob_y;
}

/* One row's scores. */
typedef struct kt_prob_row {
    double p_up, median, lo80, hi80;
    double brier, crps, pit; /* NaN when y is NaN */
    int covered;             /* 1/0; -1 when y is NaN */
} kt_prob_row;

/* Linear-interpolated quantile of n sorted values. */
double kt_prob_quantile_sorted(const double *sorted, int n, double q);
/* The sample CRPS of n >= 1 values against y; sorted: the same values
 * in ascending order. */
double kt_prob_crps_sample(const double *sorted, int n, double y);
/* Scores of S paths x against y; tmp holds S doubles (the sorted copy). */
void kt_prob_row_paths(const double *x, int S, double y, double *tmp, kt_prob_row *out);
/* HistVol20 sigma of daily returns at bar `bar` of close[] (stride
 * doubles apart); NaN when fewer than 20 returns end there. */
double kt_histvol20_sigma(const double *close, int stride, int bar);
/* Scores of N(0, sd^2) against y (sd = sigma sqrt h > 0). */
void kt_prob_row_gauss(double sd, double y, kt_prob_row *out);
double kt_prob_norm_cdf(double z);

/* Accumulated over rows: means of Brier, coverage, CRPS and PIT. */
typedef struct kt_prob_acc {
    long n;
    double brier, covered, crps, pit;
} kt_prob_acc;
void kt_prob_acc_add(kt_prob_acc *a, const kt_prob_row *r);
/* Means into out (all NaN when a->n == 0). */
void kt_prob_acc_mean(const kt_prob_acc *a, kt_prob_metrics *out);

/* Reliability: bin k holds p in [k/10, (k+1)/10), the last bin also 1. */
typedef struct kt_reliability {
    long n[KT_REL_BINS];
    double sum_p[KT_REL_BINS]; /* mean forecast = sum_p / n */
    long ups[KT_REL_BINS];     /* observed frequency = ups / n */
} kt_reliability;
int kt_prob_rel_bin(double p);
void kt_prob_rel_add(kt_reliability *r, double p, double y);
/* PIT histogram bin of a PIT value in [0, 1] (same rule). */
int kt_prob_pit_bin(double pit);

/* The reliability bins and PIT histograms of horizon h over dates[0..nd):
 * every row with probabilistic scores (its date has pm) and a realised
 * return (kt_prob_outcome). The report's tables and its figures both
 * come from these counts. Returns out->n. */
typedef struct kt_prob_counts {
    long n;                    /* rows (Kronos) */
    kt_reliability rel;        /* bins of p_up */
    long pit[KT_PIT_BINS];
    long hv_n, hv_ups;         /* rows with a HistVol20 sigma; their up moves */
    long pit_hv[KT_PIT_BINS];
} kt_prob_counts;
long kt_prob_counts_of(const kt_date_result *dates, int nd, int h, kt_prob_counts *out);

/* The date's probabilistic scores (d->pm, d->pm_hv, one per horizon, and
 * each row's p_up, median, pit, hv_pit and prob_y) from paths
 * [n_rows][S] (pred returns in row order); the realised return and the
 * HistVol20 sigma from the prices at the date's bar (the rows' labels are
 * not used).
 * 0 ok, -1 out of memory. */
int kt_prob_date(kt_date_result *d, const kt_prices *p, const int *horizons, int nh,
                 const double *paths, int S);

#endif /* KT_PROBMETRICS_H */
