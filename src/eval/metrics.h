/* metrics.h: cross-sectional and time-series statistics of the
 * evaluation (see evaluation.md). Pure functions; NaN means "unknown". */
#ifndef KT_METRICS_H
#define KT_METRICS_H

#include <stddef.h>

#define KT_MIN_NAMES 10      /* per-date metrics need this many names */
#define KT_DECAY_MIN_DATES 9 /* IC decay needs this many dates */

typedef struct kt_xrow {
    const char *ticker;  /* tie-break for top-K and quintiles */
    double score;
    double label;        /* NaN: missing */
} kt_xrow;

typedef struct kt_date_metrics {
    int n_names;         /* rows with finite score and label */
    double rankic, ic, quintile_spread;
    double hit_rate_10, avg_er_10, hit_rate_20, avg_er_20;
} kt_date_metrics;

typedef struct kt_ic_decay {
    int n;
    double early_median, late_median, decay, pct_positive;
    double median, iqr;
    int rapid_decay, noisy;
} kt_ic_decay;

typedef struct kt_run_stats {
    int n;
    double mean, std, icir, tstat, median;
} kt_run_stats;

/* Average ranks (1-based; ties get the mean of their positions). */
void kt_metrics_ranks(const double *x, int n, double *ranks);
double kt_metrics_pearson(const double *x, const double *y, int n);
double kt_metrics_spearman(const double *x, const double *y, int n);
/* Linear-interpolated quantile (numpy's default) of n finite values;
 * the input is not modified. NaN when n == 0. */
double kt_metrics_quantile(const double *x, int n, double q);
double kt_metrics_median(const double *x, int n);
/* Order: score descending, ties by ticker ascending. idx gets n indices. */
void kt_metrics_order(const kt_xrow *rows, int n, int *idx);
/* The quintile legs: idx gets the order of kt_metrics_order; returns q =
 * n/5: the top leg is idx[0..q), the bottom leg idx[n-q..n). */
int kt_metrics_quintile_legs(const kt_xrow *rows, int n, int *idx);
/* Mean label of the top n/5 minus the bottom n/5 by score; NaN if n < 5. */
double kt_metrics_quintile_spread(const kt_xrow *rows, int n);
/* Mean label of each score quintile, out[0] the lowest scores .. out[4]
 * the highest. The outer quintiles are the legs of quintile_spread (q =
 * n/5 names each, so out[4] - out[0] is that spread); the n - 2q names
 * between them are split in order at q + (n-2q)*j/3, j = 1, 2. Rows must
 * have finite labels; all NaN if n < 5. idx holds n ints. */
void kt_metrics_quintile_means(const kt_xrow *rows, int n, int *idx, double out[5]);
/* Top-K share of positive labels and mean label; NaN if n < k. */
void kt_metrics_topk(const kt_xrow *rows, int n, int k, double *hit_rate, double *avg_er);
/* Per-date metrics over rows with finite score and label (others are
 * ignored); all NaN when fewer than KT_MIN_NAMES names. */
void kt_metrics_date(const kt_xrow *rows, int n, kt_date_metrics *out);
/* IC decay over per-date RankIC in date order (NaN entries skipped).
 * Returns 0 (out->n set, values NaN) when fewer than KT_DECAY_MIN_DATES. */
int kt_metrics_ic_decay(const double *rankic, int n, kt_ic_decay *out);
/* Flags text: "", "RAPID_DECAY", "NOISY", "RAPID_DECAY,NOISY". */
void kt_metrics_flags(const kt_ic_decay *d, char *buf, size_t n);
/* mean, sample std, ICIR = mean/std, t = mean/(std/sqrt(n)), median. */
void kt_metrics_run_stats(const double *x, int n, kt_run_stats *out);
/* Newey-West t of the mean of x (NaN entries dropped, order kept) for
 * labels of horizon h: Bartlett weights, lag L = min(h-1, n-1),
 * autocovariances over n; NaN when n < 2 or the variance is <= 0. */
double kt_metrics_nw_t(const double *x, int n, int h);
/* |A ∩ B| / k for two top-k ticker lists. */
double kt_metrics_retention(const char *const *a, const char *const *b, int k);

#endif /* KT_METRICS_H */
