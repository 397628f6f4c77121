/* baselines.h: the simple signals Kronos is compared with and the
 * momentum control (evaluation.md, "Controls and baselines (added)").
 * Scored on exactly the rows Kronos scored; pure functions over the
 * price store and a date's rows. */
#ifndef KT_BASELINES_H
#define KT_BASELINES_H

#include "eval/metrics.h"
#include "eval/prices.h"
#include "eval/results.h"

enum { KT_SIG_MOMENTUM_12_1 = 0, KT_SIG_REVERSAL_5D, KT_N_BASELINES };

/* "momentum_12_1", "reversal_5d" (CSV values, not translated). */
const char *kt_baseline_name(int sig);
/* The signal of series s at its bar i: momentum_12_1 =
 * close[i-21]/close[i-252] - 1 (needs 253 bars), reversal_5d =
 * -(close[i]/close[i-5] - 1) (needs 6 bars); NaN when not defined. */
double kt_baseline_signal(const kt_series *s, int i, int sig);

/* One date and horizon: each baseline's per-date metrics over the rows
 * Kronos scored with a label (the signal replacing the score; rows
 * without the signal left out, >= KT_MIN_NAMES names), and the Spearman
 * correlation of the Kronos score with 12-1 momentum (NaN below
 * KT_MIN_NAMES names). scratch holds d->n_rows rows, x and y d->n_rows
 * values each. */
typedef struct kt_baseline_date {
    kt_date_metrics m[KT_N_BASELINES];
    double momentum_corr;
    int momentum_names;
} kt_baseline_date;

void kt_baselines_date(const kt_date_result *d, int h, const kt_prices *p, kt_xrow *scratch,
                       double *x, double *y, kt_baseline_date *out);

#endif /* KT_BASELINES_H */
