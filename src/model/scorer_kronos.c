/* scorer_kronos.c: the product scorer: Kronos through kronos.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "eval/scorer.h"

typedef struct kscorer {
    kt_scorer base;
    kronos_model *m;
    kronos_sampling s;
} kscorer;

/* The date's progress over its generations: steps of the finished ones
 * (base) and the generation steps still to come after the current one
 * (later, per micro-batch: assumed as many micro-batches as the current).
 * Its work is counted in thousandths of a step: each generation's steps
 * spread by the share of its work done, so that the date moves within a
 * step too (the prefill is the first step). */
typedef struct date_progress {
    kronos_progress_ex_fn fn;
    void *user;
    int base, later, last;
    int seen_steps;
} date_progress;

static int on_generation(void *user, const kronos_progress *p)
{
    date_progress *d = user;
    kronos_progress q = *p;
    d->seen_steps = p->steps;
    q.step = d->base + p->step;
    q.steps = d->base + p->steps + d->later * p->micro_batches;
    double f = p->work_total > 0 ? (double)p->work_done / (double)p->work_total
                                 : p->steps > 0 ? (double)p->step / p->steps : 0.0;
    q.work_done = (int64_t)(1000.0 * (d->base + f * p->steps));
    q.work_total = (int64_t)q.steps * 1000;
    if (!d->last)
        q.done_series = 0; /* the series still have horizons to come */
    return d->fn ? d->fn(d->user, &q) : 0;
}

static int run(kscorer *k, const kt_score_request *req, int pred_len, date_progress *dp,
               double *out, double *paths, char *err, size_t errlen)
{
    int n = req->n_series;
    kronos_stamp *ys = malloc((size_t)n * (size_t)pred_len * sizeof *ys);
    if (!ys) {
        snprintf(err, errlen, _("out of memory"));
        return KT_SCORE_ERROR;
    }
    for (int i = 0; i < n; i++)
        memcpy(ys + (size_t)i * pred_len, req->y_stamp, (size_t)pred_len * sizeof *ys);
    kronos_batch b = {
        .n_series = n,
        .lookback = req->lookback,
        .ohlcva = req->ohlcva,
        .has_volume = req->has_volume,
        .has_amount = req->has_amount,
        .x_stamp = req->x_stamp,
        .y_stamp = ys,
        .series_seeds = NULL,
    };
    kronos_sampling s = k->s;
    s.pred_len = pred_len;
    kronos_error e;
    memset(&e, 0, sizeof e);
    int rc = kronos_forecast_ex(k->m, &b, &s, on_generation, dp, out, paths, &e);
    dp->base += dp->seen_steps;
    free(ys);
    if (rc == KRONOS_ECANCELLED)
        return KT_SCORE_CANCELLED;
    if (rc != KRONOS_OK) {
        snprintf(err, errlen, _("Kronos forecast failed (%s): %s"),
                 kronos_status_name((kronos_status)rc), e.msg);
        return KT_SCORE_ERROR;
    }
    return KT_SCORE_OK;
}

static int kscore(kt_scorer *self, const kt_score_request *req, kronos_progress_ex_fn progress,
                  void *user, double *pred_close, int64_t *tokens, char *err, size_t errlen)
{
    date_progress dp = {.fn = progress, .user = user, .last = 1};
    kscorer *k = (kscorer *)self;
    int n = req->n_series, nh = req->n_horizons;
    int maxh = req->pred_len;
    *tokens = 0;
    /* the paths, when wanted: [n][S][pred_len][6] per generation, and the
     * closes at each horizon copied out to req->path_close */
    const int S = req->path_close && req->n_paths >= 2 ? k->s.sample_count : 0;
    if (S && req->n_paths != S) {
        snprintf(err, errlen, _("internal error: %d paths requested, the model samples %d"),
                 req->n_paths, S);
        return KT_SCORE_ERROR;
    }
    if (req->lookback + maxh <= k->s.max_context) {
        /* one generation gives every horizon exactly */
        double *out = malloc((size_t)n * (size_t)maxh * 6 * sizeof *out);
        double *paths = S ? malloc((size_t)n * (size_t)S * (size_t)maxh * 6 * sizeof *paths) : NULL;
        if (!out || (S && !paths)) {
            free(out), free(paths);
            snprintf(err, errlen, _("out of memory"));
            return KT_SCORE_ERROR;
        }
        int rc = run(k, req, maxh, &dp, out, paths, err, errlen);
        if (rc == KT_SCORE_OK) {
            for (int i = 0; i < n; i++)
                for (int j = 0; j < nh; j++) {
                    pred_close[i * nh + j] = out[((size_t)i * maxh + req->horizons[j] - 1) * 6 + 3];
                    for (int q = 0; q < S; q++)
                        req->path_close[((size_t)i * nh + j) * S + q] =
                            paths[(((size_t)i * S + q) * maxh + req->horizons[j] - 1) * 6 + 3];
                }
            *tokens = (int64_t)n * (req->lookback + maxh) * k->s.sample_count;
        }
        free(out);
        free(paths);
        return rc;
    }
    /* the window would slide: generate each horizon on its own */
    for (int j = 0; j < nh; j++) {
        int h = req->horizons[j];
        dp.later = 0;
        for (int q = j + 1; q < nh; q++)
            dp.later += req->horizons[q];
        dp.last = j == nh - 1;
        double *out = malloc((size_t)n * (size_t)h * 6 * sizeof *out);
        double *paths = S ? malloc((size_t)n * (size_t)S * (size_t)h * 6 * sizeof *paths) : NULL;
        if (!out || (S && !paths)) {
            free(out), free(paths);
            snprintf(err, errlen, _("out of memory"));
            return KT_SCORE_ERROR;
        }
        int rc = run(k, req, h, &dp, out, paths, err, errlen);
        if (rc != KT_SCORE_OK) {
            free(out), free(paths);
            return rc;
        }
        for (int i = 0; i < n; i++) {
            pred_close[i * nh + j] = out[((size_t)i * h + h - 1) * 6 + 3];
            for (int q = 0; q < S; q++)
                req->path_close[((size_t)i * nh + j) * S + q] =
                    paths[(((size_t)i * S + q) * h + h - 1) * 6 + 3];
        }
        *tokens += (int64_t)n * (req->lookback + h) * k->s.sample_count;
        free(out), free(paths);
    }
    return KT_SCORE_OK;
}

static void kdestroy(kt_scorer *self)
{
    kscorer *k = (kscorer *)self;
    if (!k)
        return;
    kronos_close(k->m);
    free(k);
}

int kt_scorer_kronos_open(const char *tokenizer_dir, const char *model_dir,
                          const kronos_options *opt, const kronos_sampling *sampling,
                          kt_scorer **out, char *err, size_t errlen)
{
    *out = NULL;
    kscorer *k = calloc(1, sizeof *k);
    if (!k) {
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    kronos_error e;
    memset(&e, 0, sizeof e);
    if (kronos_open(tokenizer_dir, model_dir, opt, &k->m, &e) != KRONOS_OK) {
        snprintf(err, errlen, "%s", e.msg);
        free(k);
        return -1;
    }
    k->s = *sampling;
    kronos_info info;
    memset(&info, 0, sizeof info);
    kronos_describe(k->m, &info);
    k->base.score = kscore;
    k->base.destroy = kdestroy;
    k->base.params = info.tokenizer_params + info.predictor_params;
    k->base.max_context = sampling->max_context;
    snprintf(k->base.desc, sizeof k->base.desc,
             "Kronos d_model=%d layers=%d heads=%d s1=%d s2=%d (%s)", info.predictor.d_model,
             info.predictor.n_layers, info.predictor.n_heads, info.predictor.s1_bits,
             info.predictor.s2_bits, model_dir);
    /* a tensor off the CPU is not a checkpoint error: the scorer is
     * returned with device.verified 0 and the violation, for the caller
     * to refuse (exit 5) */
    int st = kronos_device_status_get(k->m, &k->base.device, &e);
    if (st != KRONOS_OK && st != KRONOS_EDEVICE) {
        snprintf(err, errlen, "%s", e.msg);
        kdestroy(&k->base);
        return -1;
    }
    *out = &k->base;
    return 0;
}
