/* report.h: every output file of a run directory (names and columns as
 * in evaluation.md). Each file is written to a temporary name, fsynced
 * and renamed into place. The CSVs and leak_tripwires.json depend only on
 * the inputs, the settings and the seed (byte-identical reruns);
 * REPORT.md and experiment_metadata.json also carry timings and times. */
#ifndef KT_REPORT_H
#define KT_REPORT_H

#include <stddef.h>
#include <stdio.h>

#include "eval/calendar.h"
#include "eval/evalcfg.h"
#include "eval/folds.h"
#include "eval/metrics.h"
#include "eval/prices.h"
#include "eval/results.h"
#include "eval/scorecard.h"

typedef struct kt_report_input {
    const kt_evalcfg *cfg;
    const kt_prices *prices;
    const kt_fold_plan *plan;
    const kt_date_result *dates;  /* in plan order, fold set */
    int n_dates;
    const char *run_dir;
    const char *range_start, *range_end;
    const char *model_desc;
    int64_t params;
    const kronos_device_status *device;
    const char *started_at, *finished_at;  /* ISO 8601 UTC */
    double wall_seconds;
    const char *empty_reason, *empty_hint; /* set: write the empty report */
} kt_report_input;

typedef struct kt_report_headline {
    int horizon;
    double headline;       /* median over folds of the fold RankIC median */
    kt_run_stats stats;    /* per-date RankIC over the run */
    double nw_t;           /* Newey-West t of that series (evaluation.md) */
} kt_report_headline;

typedef struct kt_report_summary {
    int n_horizons;
    kt_report_headline h[KT_MAX_HORIZONS];
    long score_rows, metric_rows;
    char report_path[1100];
} kt_report_summary;

/* The stability scorecard of a run's dates, or of a part of them: the
 * contract's rows (evaluation.md, "Scorecard and gates"), the three
 * gates, and per horizon the mean net spread of the base_slippage cost
 * scenario (what the console shows after each fold). */
typedef struct kt_report_card {
    int n_horizons;
    int n_dates;                          /* evaluation dates it covers */
    int dates[KT_MAX_HORIZONS];           /* of which with a RankIC */
    kt_scorecard_row rows[KT_MAX_HORIZONS];
    kt_gate gates[KT_N_GATES];
    double net_spread[KT_MAX_HORIZONS];   /* NaN: no date with legs */
} kt_report_card;

/* The scorecard of in->dates (every date's metrics computed; only cfg,
 * prices, plan, dates and n_dates are read), computed as kt_report_write
 * computes stability_scorecard.csv, writing nothing. 0 ok, -1 out of
 * memory. */
int kt_report_scorecard(const kt_report_input *in, kt_report_card *out);

/* How many of dates[0..n) (in date order) are on or before cutoff (a day,
 * YYYY-MM-DD); 0 when cutoff is NULL. */
int kt_report_cutoff_split(const kt_date_result *dates, int n, const char *cutoff);

/* The per-date metrics of d, one per horizon (nh), computed from its rows
 * and stored in d->dm, and the baselines and momentum correlation of its
 * rows in d->bd: once per date, by the worker; the fold summaries, the
 * scorecards after each fold and the reports read them. 0 ok (also when
 * already there), -1 out of memory. */
int kt_report_date_metrics(kt_date_result *d, const kt_prices *p, int nh);

/* Writes every output (every date's metrics must be computed). 0 ok, -1 with err (I/O). */
int kt_report_write(const kt_report_input *in, kt_report_summary *sum, char *err, size_t errlen);

/* Atomic file: fopen a temporary next to path; commit fsyncs, closes and
 * renames (returns 0), or on failure removes the temporary (-1). */
FILE *kt_atomic_open(const char *path, char *tmp, size_t tmplen);
int kt_atomic_commit(FILE *f, const char *tmp, const char *path);

/* One sparkline character per value (UTF-8 blocks, ' ' for NaN), scaled
 * between lo and hi. */
/* A number for the Markdown report: prec decimals; flag '+' forces a
 * sign, '%' appends %; "n/a" when not finite. Returns buf. */
const char *kt_report_md_num(double v, char *buf, size_t n, int prec, char flag);
void kt_report_sparkline(const double *v, int n, double lo, double hi, char *buf, size_t len);

#endif /* KT_REPORT_H */
