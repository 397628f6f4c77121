/* results.h: what the evaluation computes for a date (the scored rows and
 * their metrics), shared by the worker that fills it, the journal that
 * stores it and the report that reads it. */
#ifndef KT_RESULTS_H
#define KT_RESULTS_H

#include <stdint.h>

#include "eval/metrics.h"

#define KT_MAX_HORIZONS 8

/* One scored (ticker, horizon) of a date. */
typedef struct kt_score_row {
    int series;        /* index into the price store (sorted tickers) */
    int h;             /* horizon index */
    double score, pred_close, spot_close;
    double label;      /* NaN: missing (end of data) */
    /* not stored in the journal: from the sampled paths (S >= 2, see
     * probmetrics.h; 0 otherwise). prob_y: the ticker's own realised
     * return the paths are scored against, never net of --benchmark (the
     * paths forecast the ticker's close; label may be an excess return) */
    double p_up, median, pit, hv_pit, prob_y;
} kt_score_row;

/* Probabilistic scores of a date and horizon (S >= 2; probmetrics.h). */
typedef struct kt_prob_metrics {
    int n_names;       /* rows with a finite label (and, for HistVol20, a sigma) */
    double brier, coverage_80, crps, pit_mean;
} kt_prob_metrics;

/* Everything computed for one evaluation date. */
typedef struct kt_date_result {
    char date[24];
    int universe;      /* tickers with a bar on the date */
    int skipped;       /* of which skipped (short history) */
    double seconds;
    int64_t tokens;
    int n_rows;
    kt_score_row *rows;  /* scored tickers x horizons, by series then h */
    int resumed;       /* not stored: taken from the journal */
    int fold;          /* not stored: fold index in the plan */
    kt_date_metrics *dm; /* not stored: per-horizon metrics of the date, NULL
                          * until kt_report_date_metrics() computed them */
    kt_prob_metrics *pm, *pm_hv; /* not stored: [nh] Kronos' paths and HistVol20,
                          * NULL unless S >= 2 (kt_prob_date()) */
    struct kt_baseline_date *bd; /* not stored: per-horizon baselines and
                                  * momentum correlation (eval/baselines.h),
                                  * computed with dm */
} kt_date_result;

#endif /* KT_RESULTS_H */
