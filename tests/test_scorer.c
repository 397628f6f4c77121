/* test_scorer.c: deterministic scorer for tests (see test_scorer.h). */
#include "config.h"

#include "test_scorer.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <unistd.h>

typedef struct tscorer {
    kt_scorer base;
    int micro, sleep_us;
    int steps; /* generation steps reported per micro-batch (0: none) */
    int ticks; /* work reports before each step (0: no work counted) */
    long series;
} tscorer;

static int tscore(kt_scorer *self, const kt_score_request *req, kronos_progress_ex_fn progress,
                  void *user, double *pred_close, int64_t *tokens, char *err, size_t errlen)
{
    tscorer *t = (tscorer *)self;
    int n = req->n_series, L = req->lookback;
    kronos_progress p = {.total_series = n, .micro_batches = (n + t->micro - 1) / t->micro};
    p.steps = p.micro_batches * t->steps;
    p.work_total = (int64_t)p.steps * t->ticks;
    for (int i0 = 0; i0 < n; i0 += t->micro) {
        int i1 = i0 + t->micro < n ? i0 + t->micro : n;
        p.micro_batch++;
        p.done_series = i0;
        for (int k = 0; k < t->steps; k++) {
            for (int w = 0; w < t->ticks; w++) {
                p.work_done++;
                if (progress && progress(user, &p))
                    return KT_SCORE_CANCELLED;
            }
            p.step++;
            if (progress && progress(user, &p))
                return KT_SCORE_CANCELLED;
        }
        if (t->sleep_us)
            usleep((useconds_t)t->sleep_us);
        for (int i = i0; i < i1; i++) {
            const double *x = req->ohlcva + (size_t)i * L * 6;
            double last = x[(size_t)(L - 1) * 6 + 3];
            double back = x[(size_t)(L > 5 ? L - 6 : 0) * 6 + 3];
            double m = (last / back - 1.0) + 0.01 * sin(last * 7.0);
            for (int j = 0; j < req->n_horizons; j++) {
                double pc = last * (1.0 + req->horizons[j] * m / 100.0);
                pred_close[i * req->n_horizons + j] = pc;
                /* paths spread evenly around the forecast: +-1 % per path step */
                for (int q = 0; req->path_close && q < req->n_paths; q++)
                    req->path_close[((size_t)i * req->n_horizons + j) * req->n_paths + q] =
                        pc * (1.0 + 0.01 * (q - (req->n_paths - 1) / 2.0));
            }
        }
        t->series += i1 - i0;
        p.done_series = i1;
        if (progress && progress(user, &p))
            return KT_SCORE_CANCELLED;
    }
    *tokens = (int64_t)n * (L + req->pred_len);
    return KT_SCORE_OK;
}

static void tdestroy(kt_scorer *self)
{
    free(self);
}

kt_scorer *kt_test_scorer_new(int micro, int sleep_us)
{
    tscorer *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->micro = micro > 0 ? micro : 1;
    t->sleep_us = sleep_us;
    t->base.score = tscore;
    t->base.destroy = tdestroy;
    snprintf(t->base.desc, sizeof t->base.desc, "deterministic test scorer");
    t->base.params = 0;
    t->base.max_context = 512;
    snprintf(t->base.device.device, sizeof t->base.device.device, "cpu");
    t->base.device.verified = 1;
    return &t->base;
}

void kt_test_scorer_set_steps(kt_scorer *s, int steps)
{
    ((tscorer *)s)->steps = steps;
}

void kt_test_scorer_set_work(kt_scorer *s, int ticks)
{
    ((tscorer *)s)->ticks = ticks;
}

long kt_test_scorer_calls(const kt_scorer *s)
{
    return ((const tscorer *)s)->series;
}
