/* worker.h: runs an evaluation (folds -> dates -> scorer -> journal ->
 * metrics -> reports) and publishes every step on a kt_channel.
 *
 * Contract
 *  - kt_worker_run() does the whole run on the calling thread;
 *    kt_worker_start()/kt_worker_join() do it on a pthread. The arguments
 *    must outlive the run; the worker only reads them (plus the scorer).
 *  - Pause/cancel: kt_channel_checkpoint() is called before every date and
 *    after every micro-batch (the scorer's progress callback). On cancel
 *    the date in flight is abandoned, the journal already holds every
 *    completed date, KT_EV_CANCELLED is published and
 *    KT_EXIT_INTERRUPTED returned.
 *  - A run directory that already holds a journal of the same run
 *    (settings + data fingerprint) is resumed: its dates are not
 *    recomputed (KT_EV_DATE_RESUMED). Another run's journal is refused
 *    (kt_rundir_claim: KT_EXIT_MISMATCH).
 *  - A scorer's progress becomes a KT_EV_BATCH_PROGRESS event only when
 *    the done or total count changed.
 *  - Returns a kt_exit code; the reason of a failure is the text of the
 *    KT_EV_FAILED event (and in a->err when given). */
#ifndef KT_WORKER_H
#define KT_WORKER_H

#include <stddef.h>

#include "eval/calendar.h"
#include "eval/evalcfg.h"
#include "eval/prices.h"
#include "eval/scorer.h"
#include "run/channel.h"

typedef struct kt_worker_args {
    const kt_evalcfg *cfg;
    const kt_prices *prices;
    const kt_calendar *cal;
    kt_scorer *scorer;
    kt_channel *ch;
    const char *run_dir;
    char *err;        /* optional: failure text */
    size_t errlen;
    /* a shard (issue 18, run/shard.h): shard_count > 0 scores only the
     * dates of shard shard_index into run_dir (shard_root/shard-I),
     * records or checks shard_root's shard plan, and writes no report
     * (kronos-tui merge does) */
    int shard_index, shard_count;
    const char *shard_root;
} kt_worker_args;

int kt_worker_run(const kt_worker_args *a);

typedef struct kt_worker kt_worker;
/* 0 ok, -1 (thread could not start). */
int kt_worker_start(const kt_worker_args *a, kt_worker **out);
/* Waits, frees, returns the run's kt_exit code. */
int kt_worker_join(kt_worker *w);

/* Label of series s at bar index `bar` for horizon h: close[bar+h]/close[bar]-1
 * using the series' own h-th next bar; minus the benchmark's return over the
 * same two timestamps when bench >= 0. NaN when a bar is missing. */
double kt_eval_label(const kt_prices *p, int s, int bar, int h, int bench);

/* The default range: start = the calendar date `lookback` trading days in
 * (the first date a full-history ticker can be scored; the first date when
 * lookback >= the calendar length), end = the last. */
void kt_eval_default_range(const kt_calendar *cal, int lookback, kt_time *start, kt_time *end);

#endif /* KT_WORKER_H */
