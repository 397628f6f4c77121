/* scorer.h: what the evaluation worker calls to forecast one date.
 *
 * The worker passes every eligible ticker of an evaluation date in one
 * call; the scorer splits the work into micro-batches itself and calls
 * `progress` after each generation step and each micro-batch (that is
 * where pause/cancel act), with a kronos_progress for the whole date:
 * done_series of total_series whose every horizon is forecast,
 * micro_batch of micro_batches of the generation under way, and step of
 * steps over all the generations of the date (a scorer that generates
 * each horizon on its own adds them up; steps may be re-estimated when a
 * generation starts, step never goes back). The product
 * scorer (scorer_kronos.c) uses Kronos; a deterministic test scorer lives
 * under tests/ only. */
#ifndef KT_SCORER_H
#define KT_SCORER_H

#include <stddef.h>
#include <stdint.h>

#include "model/kronos.h"

enum { KT_SCORE_OK = 0, KT_SCORE_CANCELLED = 1, KT_SCORE_ERROR = 2 };

typedef struct kt_score_request {
    int n_series;
    int lookback;
    const double *ohlcva;          /* [n_series][lookback][6] */
    int has_volume, has_amount;
    const kronos_stamp *x_stamp;   /* [n_series][lookback] */
    int pred_len;                  /* max(horizons) */
    const kronos_stamp *y_stamp;   /* [pred_len], common to all series */
    int n_horizons;
    const int *horizons;           /* ascending */
    int n_paths;                   /* >= 2: also return each sampled path (the
                                      scorer's sample count); 0: not wanted */
    double *path_close;            /* out when n_paths >= 2:
                                      [n_series][n_horizons][n_paths], the close of
                                      the h-th predicted bar of every path */
} kt_score_request;

typedef struct kt_scorer kt_scorer;
struct kt_scorer {
    /* pred_close: [n_series][n_horizons], the close of the h-th predicted
     * bar. tokens: tokens prefilled + generated (may stay 0). Returns
     * KT_SCORE_OK, KT_SCORE_CANCELLED (progress asked to stop) or
     * KT_SCORE_ERROR (err says why). */
    int (*score)(kt_scorer *self, const kt_score_request *req, kronos_progress_ex_fn progress,
                 void *user, double *pred_close, int64_t *tokens, char *err, size_t errlen);
    void (*destroy)(kt_scorer *self);
    char desc[256];                /* model description for reports */
    int64_t params;
    int max_context;
    kronos_device_status device;
};

/* The Kronos scorer (src/model/scorer_kronos.c). Returns 0, or -1 with err set
 * (model/checkpoint problem). A tensor found off the CPU is not an error
 * here: check (*out)->device.verified (0: device.violation says which). */
int kt_scorer_kronos_open(const char *tokenizer_dir, const char *model_dir,
                          const kronos_options *opt, const kronos_sampling *sampling,
                          kt_scorer **out, char *err, size_t errlen);

#endif /* KT_SCORER_H */
