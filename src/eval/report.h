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

/* The per-date metrics of d, one per horizon (nh), computed from its rows
 * and stored in d->dm: once per date, by the worker; the fold summaries
 * and the reports read them. 0 ok (also when already there), -1 out of
 * memory. */
int kt_report_date_metrics(kt_date_result *d, const kt_prices *p, int nh);

/* Writes every output (every date's metrics must be computed). 0 ok, -1 with err (I/O). */
int kt_report_write(const kt_report_input *in, kt_report_summary *sum, char *err, size_t errlen);

/* Atomic file: fopen a temporary next to path; commit fsyncs, closes and
 * renames (returns 0), or on failure removes the temporary (-1). */
FILE *kt_atomic_open(const char *path, char *tmp, size_t tmplen);
int kt_atomic_commit(FILE *f, const char *tmp, const char *path);

/* One sparkline character per value (UTF-8 blocks, ' ' for NaN), scaled
 * between lo and hi. */
void kt_report_sparkline(const double *v, int n, double lo, double hi, char *buf, size_t len);

#endif /* KT_REPORT_H */
