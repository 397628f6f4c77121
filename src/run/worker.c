/* worker.c: the evaluation run. See worker.h. */
#include "config.h"

#include "run/worker.h"

#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "eval/folds.h"
#include "eval/metrics.h"
#include "eval/probmetrics.h"
#include "eval/report.h"
#include "model/blas.h"
#include "run/journal.h"
#include "run/pathstore.h"
#include "run/rundir.h"
#include "run/shard.h"

double kt_eval_label(const kt_prices *p, int s, int bar, int h, int bench)
{
    const kt_series *se = &p->series[s];
    double r = kt_series_return(se, bar, h);
    if (isnan(r))
        return NAN;
    if (bench >= 0) {
        const kt_series *b = &p->series[bench];
        int i0 = kt_series_find(b, se->t[bar]), i1 = kt_series_find(b, se->t[bar + h]);
        if (i0 < 0 || i1 < 0)
            return NAN;
        r -= kt_series_return(b, i0, i1 - i0);
    }
    return r;
}

void kt_eval_default_range(const kt_calendar *cal, int lookback, kt_time *start, kt_time *end)
{
    /* a lookback longer than the calendar: start at the beginning, so the
     * run reports which tickers were skipped instead of having no dates */
    int i = lookback < cal->n ? lookback : 0;
    *start = cal->t[i];
    *end = cal->t[cal->n - 1];
}

static double now_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void iso_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

typedef struct run {
    const kt_worker_args *a;
    const kt_evalcfg *cfg;
    const kt_prices *p;
    const kt_calendar *cal;
    kt_fold_plan plan;
    double t0;
    double held_s; /* seconds spent in checkpoints (a paused run waits there) */
    int bench;
    int nh, maxh;
    int total;          /* dates over the whole run (this shard's when sharded) */
    int g;              /* plan-order index of the next date (shards) */
    char rs[24], re[24]; /* the range */
    char started[32];
    kt_rundir_journal jr; /* the journal and the dates it already holds */
    kt_date_result *dates;
    int nd;
    /* per-horizon RankIC history */
    double *ric[KT_MAX_HORIZONS];
    int ric_n[KT_MAX_HORIZONS];
    /* current date, for progress events: the last published progress */
    kt_event prog;
    int last_skipped;   /* skipped count of the previous computed date */
    /* S >= 2 sampled paths: the store, and the current date's paths
     * ([rows][S] predicted returns; one date at a time) */
    int S;
    kt_pathstore *ps;
    double *paths;
    char err[1400];
} run;

static void ev_init(run *r, kt_event *ev, kt_event_kind kind)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = kind;
    ev->t = now_mono() - r->t0;
}

static void publish(run *r, kt_event *ev)
{
    ev->t = now_mono() - r->t0;
    if (r->a->ch)
        kt_channel_publish(r->a->ch, ev);
}

static void publish_text(run *r, kt_event_kind kind, const char *text)
{
    kt_event ev;
    ev_init(r, &ev, kind);
    snprintf(ev.text, sizeof ev.text, "%s", text);
    publish(r, &ev);
}

static int checkpoint(run *r)
{
    if (!r->a->ch)
        return 0;
    double t = now_mono();
    int c = kt_channel_checkpoint(r->a->ch);
    r->held_s += now_mono() - t;
    return c;
}

/* The scorer's progress: an event only when a displayed number changed
 * (series done, micro-batch, generation step: at most one per step);
 * the checkpoint (pause, cancel) at every call. */
/* The scorer's progress, published when one of its numbers changes; its
 * work (the date bar, which moves within a step too) when it moved by
 * 1/500 of the date at least, or reached the end. */
static int on_progress(void *user, const kronos_progress *p)
{
    run *r = user;
    kt_event *e = &r->prog;
    int64_t work = p->work_done, wtot = p->work_total;
    if (wtot < 0 || wtot > INT_MAX || work < 0 || work > wtot)
        work = wtot = 0; /* not a share this event can carry: the bar counts steps */
    int moved = wtot != e->work_total || (work != e->work_done && (work == wtot || (work - e->work_done) * 500 >= wtot));
    if (p->done_series != e->batch_done || p->total_series != e->batch_total ||
        p->micro_batch != e->micro_batch || p->micro_batches != e->micro_batches ||
        p->step != e->step_done || p->steps != e->step_total || moved) {
        e->kind = KT_EV_BATCH_PROGRESS;
        e->batch_done = p->done_series;
        e->batch_total = p->total_series;
        e->micro_batch = p->micro_batch;
        e->micro_batches = p->micro_batches;
        e->step_done = p->step;
        e->step_total = p->steps;
        e->work_done = (int)work;
        e->work_total = (int)wtot;
        publish(r, e);
    }
    return checkpoint(r);
}

/* Says which tickers the date skips and why (called when the count
 * changed since the previous computed date). */
static void warn_skipped(run *r, const kt_date_result *res, const int *skip)
{
    char names[400] = "";
    size_t w = 0;
    for (int i = 0; i < res->skipped && w + 40 < sizeof names; i++)
        w += (size_t)snprintf(names + w, sizeof names - w, "%s%s", i ? ", " : "",
                              r->p->series[skip[i]].ticker);
    if (w + 40 >= sizeof names)
        snprintf(names + w, sizeof names - w, ", ...");
    char msg[512];
    snprintf(msg, sizeof msg,
             ngettext("%s: %d ticker skipped (fewer than %d bars): %s",
                      "%s: %d tickers skipped (fewer than %d bars): %s",
                      (unsigned long)res->skipped),
             res->date, res->skipped, r->cfg->lookback, names);
    if (res->skipped)
        publish_text(r, KT_EV_WARNING, msg);
    r->last_skipped = res->skipped;
}

/* The date's probabilistic scores from its paths, and the ranking score
 * --score asks for (mean: the averaged forecast's return, as without
 * paths; median: the paths' median return; p_up: the share of paths
 * above the spot close). 0, or -1 out of memory. */
static int prob_scores(run *r, kt_date_result *res, const double *paths)
{
    if (kt_prob_date(res, r->p, r->cfg->horizons, r->nh, paths, r->S) != 0)
        return -1;
    if (strcmp(r->cfg->score, "median") == 0)
        for (int i = 0; i < res->n_rows; i++)
            res->rows[i].score = res->rows[i].median;
    else if (strcmp(r->cfg->score, "p_up") == 0)
        for (int i = 0; i < res->n_rows; i++)
            res->rows[i].score = res->rows[i].p_up;
    return 0;
}

/* The journal's date q with its paths, as the store is opened: its
 * probabilistic scores (the rows' scores are the journal's). */
static int resumed_paths(void *user, int q, const double *paths)
{
    run *r = user;
    return kt_prob_date(&r->jr.recs[q], r->p, r->cfg->horizons, r->nh, paths, r->S);
}

/* Scores one calendar date. Returns KT_SCORE_* ; fills res. */
static int score_date(run *r, int ci, kt_date_result *res)
{
    const kt_prices *p = r->p;
    int L = r->cfg->lookback, nh = r->nh;
    int *sidx = malloc((size_t)p->n_series * 3 * sizeof *sidx);
    if (!sidx) {
        snprintf(r->err, sizeof r->err, _("out of memory"));
        return KT_SCORE_ERROR;
    }
    int *bars = sidx + p->n_series, *skip = sidx + 2 * p->n_series;
    int n = 0;
    for (int s = 0; s < p->n_series; s++) {
        if (s == r->bench)
            continue;
        int b = kt_series_find(&p->series[s], r->cal->t[ci]);
        if (b < 0)
            continue;
        res->universe++;
        if (b + 1 < L) {
            res->skipped++;
            skip[res->skipped - 1] = s;
            continue;
        }
        sidx[n] = s;
        bars[n] = b;
        n++;
    }
    if (res->skipped != r->last_skipped)
        warn_skipped(r, res, skip);
    if (n == 0) {
        free(sidx);
        return KT_SCORE_OK;
    }
    double *x = malloc((size_t)n * L * 6 * sizeof *x);
    kronos_stamp *xs = malloc((size_t)n * L * sizeof *xs);
    kronos_stamp *ys = malloc((size_t)r->maxh * sizeof *ys);
    kt_time *fut = malloc((size_t)r->maxh * sizeof *fut);
    double *pred = malloc((size_t)n * nh * sizeof *pred);
    res->rows = calloc((size_t)n * nh, sizeof *res->rows);
    free(r->paths);
    r->paths = r->S ? malloc((size_t)n * nh * (size_t)r->S * sizeof *r->paths) : NULL;
    if (!x || !xs || !ys || !fut || !pred || !res->rows || (r->S && !r->paths)) {
        free(sidx), free(x), free(xs), free(ys), free(fut), free(pred);
        snprintf(r->err, sizeof r->err, _("out of memory"));
        return KT_SCORE_ERROR;
    }
    for (int i = 0; i < n; i++) {
        const kt_series *se = &p->series[sidx[i]];
        int b0 = bars[i] - L + 1;
        memcpy(x + (size_t)i * L * 6, se->ohlcva + (size_t)b0 * 6, (size_t)L * 6 * sizeof *x);
        for (int k = 0; k < L; k++)
            kt_calendar_stamp(se->t[b0 + k], &xs[(size_t)i * L + k]);
    }
    kt_calendar_future(r->cal, ci, r->maxh, fut);
    for (int k = 0; k < r->maxh; k++)
        kt_calendar_stamp(fut[k], &ys[k]);
    kt_score_request req = {
        .n_series = n,
        .lookback = L,
        .ohlcva = x,
        .has_volume = p->has_volume,
        .has_amount = p->has_amount,
        .x_stamp = xs,
        .pred_len = r->maxh,
        .y_stamp = ys,
        .n_horizons = nh,
        .horizons = r->cfg->horizons,
        .n_paths = r->S,
        .path_close = r->paths,
    };
    char serr[600] = "";
    int rc = r->a->scorer->score(r->a->scorer, &req, on_progress, r, pred, &res->tokens, serr,
                                 sizeof serr);
    if (rc == KT_SCORE_ERROR)
        snprintf(r->err, sizeof r->err, "%s: %s", res->date, serr);
    if (rc == KT_SCORE_OK) {
        int w = 0;
        for (int i = 0; i < n; i++) {
            const kt_series *se = &p->series[sidx[i]];
            double spot = se->ohlcva[(size_t)bars[i] * 6 + 3];
            for (int j = 0; j < nh; j++) {
                kt_score_row *row = &res->rows[w++];
                row->series = sidx[i];
                row->h = j;
                row->pred_close = pred[i * nh + j];
                row->spot_close = spot;
                row->score = row->pred_close / spot - 1.0;
                row->label = kt_eval_label(p, sidx[i], bars[i], r->cfg->horizons[j], r->bench);
                /* each path's close at h -> its predicted return (row w - 1's paths) */
                for (int q = 0; q < r->S; q++)
                    r->paths[(size_t)(w - 1) * r->S + q] = r->paths[(size_t)(w - 1) * r->S + q] / spot - 1.0;
            }
        }
        res->n_rows = w;
        if (r->S && prob_scores(r, res, r->paths) != 0) {
            snprintf(r->err, sizeof r->err, _("out of memory"));
            rc = KT_SCORE_ERROR;
        }
    }
    free(sidx), free(x), free(xs), free(ys), free(fut), free(pred);
    return rc;
}

/* An event of fold k (0-based) with the fold's fields set. */
static void fold_event(run *r, kt_event *ev, kt_event_kind kind, int k)
{
    const kt_fold *f = &r->plan.f[k];
    ev_init(r, ev, kind);
    ev->fold_index = k + 1;
    ev->fold_total = r->plan.n;
    snprintf(ev->fold_id, sizeof ev->fold_id, "%s", f->id);
    ev->fold_dates = f->last - f->first + 1;
}

static void publish_metrics(run *r, const kt_date_result *res)
{
    for (int h = 0; h < r->nh; h++) {
        double ric = res->dm[h].rankic;
        if (isfinite(ric))
            r->ric[h][r->ric_n[h]++] = ric;
        kt_event ev;
        ev_init(r, &ev, KT_EV_METRICS);
        kt_horizon_stats *st = &ev.metrics;
        st->horizon = r->cfg->horizons[h];
        st->dates_scored = r->ric_n[h];
        kt_run_stats rs;
        kt_metrics_run_stats(r->ric[h], r->ric_n[h], &rs);
        st->median = rs.median;
        st->mean = rs.mean;
        st->icir = rs.icir;
        int pos = 0;
        for (int i = 0; i < r->ric_n[h]; i++)
            pos += r->ric[h][i] > 0;
        st->pct_positive = r->ric_n[h] ? (double)pos / r->ric_n[h] : NAN;
        st->latest = ric;
        int from = r->ric_n[h] > KT_HIST ? r->ric_n[h] - KT_HIST : 0;
        st->hist_n = r->ric_n[h] - from;
        for (int i = from; i < r->ric_n[h]; i++)
            st->hist[i - from] = (float)r->ric[h][i];
        snprintf(ev.date, sizeof ev.date, "%s", res->date);
        publish(r, &ev);
    }
}

/* One FOLD_DONE event per horizon: the fold's score count and its IC decay
 * flags, from the per-date metrics stored with each date. */
static void publish_fold_done(run *r, int k)
{
    const kt_fold *f = &r->plan.f[k];
    double *v = malloc((size_t)(r->nd ? r->nd : 1) * sizeof *v);
    for (int h = 0; v && h < r->nh; h++) {
        long total = 0;
        int m = 0;
        for (int d = 0; d < r->nd; d++) {
            const kt_date_result *dr = &r->dates[d];
            if (dr->fold != k)
                continue;
            for (int i = 0; i < dr->n_rows; i++)
                total += dr->rows[i].h == h;
            if (isfinite(dr->dm[h].rankic))
                v[m++] = dr->dm[h].rankic;
        }
        kt_event ev;
        fold_event(r, &ev, KT_EV_FOLD_DONE, k);
        snprintf(ev.text, sizeof ev.text, ngettext("Fold %s, horizon %dd: %ld total score",
                          "Fold %s, horizon %dd: %ld total scores", (unsigned long)total),
                 f->id, r->cfg->horizons[h], total);
        kt_ic_decay dec;
        if (kt_metrics_ic_decay(v, m, &dec)) {
            snprintf(ev.flag.fold_id, sizeof ev.flag.fold_id, "%s", f->id);
            ev.flag.horizon = r->cfg->horizons[h];
            kt_metrics_flags(&dec, ev.flag.flags, sizeof ev.flag.flags);
        }
        publish(r, &ev);
    }
    free(v);
}

/* The scorecard of the dates so far, after fold k: the verdict the
 * front ends show (computed here, as the report computes it; after the
 * last fold it is the run's stability_scorecard.csv). Skipped when out of
 * memory: the report will say so. */
static void publish_scorecard(run *r, int k)
{
    kt_report_input in = {
        .cfg = r->cfg, .prices = r->p, .plan = &r->plan, .dates = r->dates, .n_dates = r->nd};
    kt_report_card card;
    if (kt_report_scorecard(&in, &card) != 0)
        return;
    kt_event ev;
    fold_event(r, &ev, KT_EV_SCORECARD, k);
    kt_verdict *v = &ev.verdict;
    snprintf(v->fold_id, sizeof v->fold_id, "%s", r->plan.f[k].id);
    v->n_dates = card.n_dates;
    v->n_horizons = card.n_horizons;
    char gates[3][64], nets[KT_MAX_HORIZONS * 24] = "";
    size_t len = 0;
    for (int g = 0; g < KT_N_GATES; g++) {
        v->gate[g] = card.gates[g].state;
        snprintf(gates[g], sizeof gates[g], _("gate %d %s"), g + 1,
                 v->gate[g] == KT_GATE_PASS   ? _("pass")
                 : v->gate[g] == KT_GATE_FAIL ? _("fail")
                                              : _("not run"));
    }
    for (int h = 0; h < card.n_horizons; h++) {
        v->horizon[h] = card.rows[h].horizon;
        v->net_spread[h] = card.net_spread[h];
        v->cost_survival[h] = card.rows[h].cost_survival;
        char num[24];
        if (isfinite(v->net_spread[h]))
            snprintf(num, sizeof num, "%+.2f%%", 100 * v->net_spread[h]);
        else
            snprintf(num, sizeof num, "%s", _("n/a"));
        len += (size_t)snprintf(nets + len, sizeof nets - len, "%s%dd %s", h ? ", " : "",
                                v->horizon[h], num);
        if (len >= sizeof nets)
            len = sizeof nets - 1;
    }
    /* TRANSLATORS: after fold_02 (42 dates): gate 1 pass, gate 2 fail, gate
     * 3 not run; net spread ...: 5d +0.12%, 20d -0.30% */
    snprintf(ev.text, sizeof ev.text,
             ngettext("Scorecard after %s (%d date): %s, %s, %s; net spread after costs "
                      "(base_slippage): %s",
                      "Scorecard after %s (%d dates): %s, %s, %s; net spread after costs "
                      "(base_slippage): %s",
                      (unsigned long)card.n_dates),
             v->fold_id, card.n_dates, gates[0], gates[1], gates[2], nets);
    publish(r, &ev);
}

/* Reason of an empty run, recomputed from the data. */
static void empty_reason(run *r, char *reason, size_t n, char *hint, size_t hn)
{
    const kt_prices *p = r->p;
    int nd = kt_folds_dates(&r->plan);
    if (nd == 0) {
        snprintf(reason, n,
                 _("no evaluation dates: the range has no trading month after the warm-up month "
                   "(the first month of the range is warm-up only)"));
        snprintf(hint, hn, _("Move --start earlier or --end later so that the range spans at "
                             "least two calendar months of data."));
        return;
    }
    int seen = 0, never = 0, longest = 0;
    char last[32] = "";
    int lastci = r->plan.f[r->plan.n - 1].last;
    kt_calendar_format(r->cal, lastci, last, sizeof last);
    for (int s = 0; s < p->n_series; s++) {
        if (s == r->bench)
            continue;
        int in_universe = 0, eligible = 0;
        for (int k = 0; k < r->plan.n && !eligible; k++)
            for (int ci = r->plan.f[k].first; ci <= r->plan.f[k].last; ci++) {
                int b = kt_series_find(&p->series[s], r->cal->t[ci]);
                if (b < 0)
                    continue;
                in_universe = 1;
                longest = b + 1 > longest ? b + 1 : longest;
                if (b + 1 >= r->cfg->lookback) {
                    eligible = 1;
                    break;
                }
            }
        seen += in_universe;
        never += in_universe && !eligible;
    }
    snprintf(reason, n, ngettext("%d of %d ticker skipped: fewer than %d bars before %s",
                      "%d of %d tickers skipped: fewer than %d bars before %s", (unsigned long)seen),
             never, seen,
             r->cfg->lookback, last);
    snprintf(hint, hn,
             _("Use --lookback %d or less (the longest history of any ticker up to %s is %d "
               "bars), a later --start/--end, or a price file with more history."),
             longest, last, longest);
}

static int fail(run *r, int code, const char *msg)
{
    publish_text(r, KT_EV_FAILED, msg);
    if (r->a->err)
        snprintf(r->a->err, r->a->errlen, "%s", msg);
    return code;
}

/* A shard: records the shard plan of the run, or checks this shard
 * against it; r->total becomes the shard's share. */
static int shard_plan_check(run *r)
{
    kt_shard_plan want = {.count = r->a->shard_count, .dates = r->total};
    char msg[1400];
    kt_evalcfg_fingerprint(r->cfg, kt_prices_hash(r->p), want.fingerprint,
                           sizeof want.fingerprint);
    if (r->plan.n > 0) {
        kt_calendar_format(r->cal, r->plan.f[0].first, want.first, sizeof want.first);
        kt_calendar_format(r->cal, r->plan.f[r->plan.n - 1].last, want.last, sizeof want.last);
    }
    int rc = kt_shard_plan_commit(r->a->shard_root, &want, msg, sizeof msg);
    if (rc != 0)
        return fail(r, rc > 0 ? KT_EXIT_MISMATCH : KT_EXIT_IO, msg);
    r->total = kt_shard_size(r->total, r->a->shard_index, r->a->shard_count);
    return KT_EXIT_OK;
}

/* Step 1: benchmark, range, fold plan, the run directory's journal. */
static int run_open(run *r)
{
    const kt_evalcfg *cfg = r->cfg;
    char msg[1400];
    if (cfg->benchmark[0]) {
        r->bench = kt_prices_find(r->p, cfg->benchmark);
        if (r->bench < 0) {
            snprintf(msg, sizeof msg, _("--benchmark %s: no such ticker in %s"), cfg->benchmark,
                     r->p->path);
            return fail(r, KT_EXIT_DATA, msg);
        }
    }
    kt_time start, end;
    kt_eval_default_range(r->cal, cfg->lookback, &start, &end);
    if (cfg->start[0])
        kt_time_parse(cfg->start, &start);
    if (cfg->end[0])
        kt_time_parse(cfg->end, &end);
    kt_time_format(start, 0, r->rs, sizeof r->rs);
    kt_time_format(end, 0, r->re, sizeof r->re);
    if (kt_folds_plan(r->cal, start, end, kt_evalcfg_folds(cfg), &r->plan, r->err,
                      sizeof r->err) != 0)
        return fail(r, KT_EXIT_USAGE, r->err);
    r->total = kt_folds_dates(&r->plan);
    if (r->a->shard_count > 0) {
        int code = shard_plan_check(r);
        if (code != KT_EXIT_OK)
            return code;
    }
    size_t cells = (size_t)(r->total ? r->total : 1);
    for (int h = 0; h < r->nh; h++) {
        r->ric[h] = calloc(cells, sizeof(double));
        if (!r->ric[h])
            return fail(r, KT_EXIT_FAILURE, _("out of memory"));
    }
    r->dates = calloc(cells, sizeof *r->dates);
    if (!r->dates)
        return fail(r, KT_EXIT_FAILURE, _("out of memory"));
    int code = kt_rundir_claim(r->a->run_dir, cfg, r->p, &r->jr, msg, sizeof msg);
    if (code != KT_EXIT_OK)
        return fail(r, code, msg);
    if (r->S) {
        char fp[80];
        kt_evalcfg_fingerprint(cfg, kt_prices_hash(r->p), fp, sizeof fp);
        int rc = kt_pathstore_open(r->a->run_dir, fp, r->S, r->jr.recs, r->jr.n_recs, resumed_paths,
                                   r, &r->ps, msg, sizeof msg);
        if (rc != 0)
            return fail(r, rc == 1 ? KT_EXIT_MISMATCH : KT_EXIT_IO, msg);
    }
    return KT_EXIT_OK;
}

/* The evaluation dates of the plan on or before the model's last
 * training date (0 without one). */
static int dates_seen(run *r, const char *cut)
{
    int k = 0;
    for (int f = 0; cut && f < r->plan.n; f++)
        for (int ci = r->plan.f[f].first; ci <= r->plan.f[f].last; ci++) {
            char d[32];
            kt_calendar_format(r->cal, ci, d, sizeof d);
            k += kt_evalcfg_on_or_before(d, cut);
        }
    return k;
}

/* The pretraining-overlap warning: some evaluation dates are on or
 * before the model's last training date. 1 with the line in msg. */
static int overlap_warning(run *r, char *msg, size_t n)
{
    const char *src;
    const char *cut = kt_evalcfg_model_cutoff(r->cfg, &src);
    int k = dates_seen(r, cut);
    if (k == 0)
        return 0;
    /* TRANSLATORS: 62 of 62 evaluation dates ... date 2024-02-29 (--model-cutoff) */
    snprintf(msg, n,
             ngettext("pretraining overlap: %d of %d evaluation date is on or before the model's "
                      "last training date %s (%s): the model has seen it, so its numbers "
                      "overstate out-of-sample skill",
                      "pretraining overlap: %d of %d evaluation dates are on or before the model's "
                      "last training date %s (%s): the model has seen them, so their numbers "
                      "overstate out-of-sample skill",
                      (unsigned long)r->total),
             k, r->total, cut,
             strcmp(src, "default") == 0 ? _("default for the released NeoQuasar/Kronos models")
                                         : "--model-cutoff");
    return 1;
}

/* Step 2: RUN_STARTED, then the warnings about the device and the data. */
static void publish_header(run *r)
{
    const kt_worker_args *a = r->a;
    kt_event ev;
    char msg[1400];
    ev_init(r, &ev, KT_EV_RUN_STARTED);
    kt_run_header *h = &ev.header;
    snprintf(h->experiment, sizeof h->experiment, "%s", r->cfg->name);
    snprintf(h->mode, sizeof h->mode, "%s", r->cfg->mode);
    h->n_tickers = r->p->n_series;
    kt_calendar_format(r->cal, 0, h->data_first, sizeof h->data_first);
    kt_calendar_format(r->cal, r->cal->n - 1, h->data_last, sizeof h->data_last);
    snprintf(h->range_start, sizeof h->range_start, "%s", r->rs);
    snprintf(h->range_end, sizeof h->range_end, "%s", r->re);
    snprintf(h->model_desc, sizeof h->model_desc, "%s", a->scorer->desc);
    h->params = a->scorer->params;
    h->max_context = a->scorer->max_context;
    h->lookback = r->cfg->lookback;
    h->dates_total = r->total;
    snprintf(h->run_dir, sizeof h->run_dir, "%s", a->run_dir);
    const char *cut = kt_evalcfg_model_cutoff(r->cfg, NULL);
    snprintf(h->model_cutoff, sizeof h->model_cutoff, "%s", cut ? cut : "");
    h->dates_seen = dates_seen(r, cut);
    ev.device = a->scorer->device;
    ev.fold_total = r->plan.n;
    publish(r, &ev);
    if (kt_blas_warning(&a->scorer->device, msg, sizeof msg))
        publish_text(r, KT_EV_WARNING, msg);
    if (r->jr.torn > 0) {
        snprintf(msg, sizeof msg,
                 ngettext("journal: discarded %ld byte of an incomplete last record (interrupted write)",
                          "journal: discarded %ld bytes of an incomplete last record (interrupted write)",
                          (unsigned long)r->jr.torn),
                 r->jr.torn);
        publish_text(r, KT_EV_WARNING, msg);
    }
    char notes[8][256];
    int nn = kt_calendar_check(r->cal, 10, notes, 8);
    for (int i = 0; i < nn; i++) {
        snprintf(msg, sizeof msg, _("data: %s"), notes[i]);
        publish_text(r, KT_EV_WARNING, msg);
    }
    if (kt_prices_drop_summary(&r->p->stats, msg, sizeof msg))
        publish_text(r, KT_EV_WARNING, msg);
    if (overlap_warning(r, msg, sizeof msg))
        publish_text(r, KT_EV_WARNING, msg);
}

/* Takes the date of res from the journal; 1 when it was there. */
static int take_resumed(run *r, kt_date_result *res)
{
    kt_rundir_journal *jr = &r->jr;
    for (int q = 0; q < jr->n_recs; q++)
        if (strcmp(jr->recs[q].date, res->date) == 0) {
            int fold = res->fold;
            *res = jr->recs[q];
            res->fold = fold;
            res->resumed = 1;
            memset(&jr->recs[q], 0, sizeof jr->recs[q]);
            return 1;
        }
    return 0;
}

/* Scores the date and journals it; KT_EXIT_OK or an exit code. */
static int compute_date(run *r, int ci, kt_date_result *res)
{
    char msg[1400];
    double t1 = now_mono(), held = r->held_s;
    int rc = score_date(r, ci, res);
    if (rc == KT_SCORE_CANCELLED)
        return KT_EXIT_INTERRUPTED;
    if (rc == KT_SCORE_ERROR)
        return fail(r, KT_EXIT_MODEL, r->err);
    res->seconds = now_mono() - t1 - (r->held_s - held); /* a pause is not the date's time */
    if (r->S && !res->pm && kt_prob_date(res, r->p, r->cfg->horizons, r->nh, r->paths, r->S) != 0)
        return fail(r, KT_EXIT_FAILURE, _("out of memory")); /* a date without rows */
    /* the paths first: a journaled date always has them */
    if (r->ps && kt_pathstore_append(r->ps, res->date, res->n_rows, r->paths, msg, sizeof msg) != 0)
        return fail(r, KT_EXIT_IO, msg);
    if (kt_journal_append(r->jr.j, res, msg, sizeof msg) != 0)
        return fail(r, KT_EXIT_IO, msg);
    return KT_EXIT_OK;
}

/* Step 3, one date of fold k: resumed or computed, its metrics computed
 * once and published. fe is the fold's FOLD_STARTED event. */
static int run_date(run *r, int k, int ci, const kt_event *fe)
{
    const kt_fold *f = &r->plan.f[k];
    if (checkpoint(r))
        return KT_EXIT_INTERRUPTED;
    kt_date_result *res = &r->dates[r->nd];
    kt_calendar_format(r->cal, ci, res->date, sizeof res->date);
    res->fold = k;
    kt_event de = *fe;
    de.kind = KT_EV_DATE_STARTED;
    de.date_index = ci - f->first + 1;
    de.date_total = f->last - f->first + 1;
    snprintf(de.date, sizeof de.date, "%s", res->date);
    r->prog = de;
    publish(r, &de);
    if (take_resumed(r, res)) {
        de.kind = KT_EV_DATE_RESUMED;
    } else {
        int code = compute_date(r, ci, res);
        if (code != KT_EXIT_OK) {
            kt_date_result_free(res);
            return code;
        }
        de.kind = KT_EV_DATE_DONE;
    }
    r->nd++;
    if (kt_report_date_metrics(res, r->p, r->nh) != 0)
        return fail(r, KT_EXIT_FAILURE, _("out of memory"));
    de.scored = res->universe - res->skipped;
    de.skipped = res->skipped;
    de.seconds = res->seconds;
    de.tokens = res->tokens;
    if (res->pm) { /* the date's Brier and coverage over its horizons */
        double b = 0, c = 0;
        int m = 0;
        for (int h = 0; h < r->nh; h++)
            if (res->pm[h].n_names > 0) {
                b += res->pm[h].brier * res->pm[h].n_names;
                c += res->pm[h].coverage_80 * res->pm[h].n_names;
                m += res->pm[h].n_names;
            }
        de.prob = 1;
        de.brier = m ? b / m : NAN;
        de.coverage_80 = m ? c / m : NAN;
    }
    publish(r, &de);
    publish_metrics(r, res);
    return KT_EXIT_OK;
}

static int run_fold(run *r, int k)
{
    const kt_fold *f = &r->plan.f[k];
    kt_event ev;
    fold_event(r, &ev, KT_EV_FOLD_STARTED, k);
    publish(r, &ev);
    for (int ci = f->first; ci <= f->last; ci++) {
        int g = r->g++;
        if (r->a->shard_count > 0 && kt_shard_of(g, r->a->shard_count) != r->a->shard_index)
            continue;
        int code = run_date(r, k, ci, &ev);
        if (code != KT_EXIT_OK)
            return code;
    }
    publish_fold_done(r, k);
    publish_scorecard(r, k);
    return KT_EXIT_OK;
}

static void publish_headlines(run *r, const kt_report_summary *sum)
{
    for (int h = 0; h < sum->n_horizons; h++) {
        const kt_report_headline *x = &sum->h[h];
        char line[300];
        if (isfinite(x->headline))
            snprintf(line, sizeof line,
                     _("Headline RankIC %dd: %+.4f (median of fold medians; mean %+.4f, "
                       "ICIR %.3f, t %.2f Newey-West, naive t %.2f, %d dates)"),
                     x->horizon, x->headline, x->stats.mean, x->stats.icir, x->nw_t,
                     x->stats.tstat, x->stats.n);
        else
            snprintf(line, sizeof line, _("Headline RankIC %dd: n/a (no date with %d names "
                                          "and labels)"),
                     x->horizon, KT_MIN_NAMES);
        publish_text(r, KT_EV_LOG, line);
    }
}

/* A shard's end: no report (kronos-tui merge writes it); FINISHED. */
static int shard_close(run *r)
{
    const kt_worker_args *a = r->a;
    char line[1400];
    snprintf(line, sizeof line,
             ngettext("Shard %d/%d done: %d date; once every shard is done: kronos-tui merge %s",
                      "Shard %d/%d done: %d dates; once every shard is done: kronos-tui merge %s",
                      (unsigned long)r->nd),
             a->shard_index, a->shard_count, r->nd, a->shard_root);
    publish_text(r, KT_EV_LOG, line);
    kt_event ev;
    ev_init(r, &ev, KT_EV_FINISHED);
    snprintf(ev.text, sizeof ev.text, "%.490s/REPORT.md", a->shard_root);
    publish(r, &ev);
    return KT_EXIT_OK;
}

/* Step 4: the reports, the headline lines, FINISHED or EMPTY. */
static int run_close(run *r)
{
    const kt_worker_args *a = r->a;
    if (a->shard_count > 0)
        return shard_close(r);
    long rows = 0;
    for (int d = 0; d < r->nd; d++)
        rows += r->dates[d].n_rows;
    char reason[512] = "", hint[512] = "", finished[32], msg[1400];
    if (rows == 0)
        empty_reason(r, reason, sizeof reason, hint, sizeof hint);
    iso_now(finished, sizeof finished);
    kt_report_input in = {
        .cfg = r->cfg,
        .prices = r->p,
        .plan = &r->plan,
        .dates = r->dates,
        .n_dates = r->nd,
        .run_dir = a->run_dir,
        .range_start = r->rs,
        .range_end = r->re,
        .model_desc = a->scorer->desc,
        .params = a->scorer->params,
        .device = &a->scorer->device,
        .started_at = r->started,
        .finished_at = finished,
        .wall_seconds = now_mono() - r->t0,
        .empty_reason = rows == 0 ? reason : NULL,
        .empty_hint = rows == 0 ? hint : NULL,
    };
    kt_report_summary sum;
    /* paths.csv before the report (REPORT.md last means complete) */
    if (r->ps && kt_pathstore_write_csv(r->ps, a->run_dir, r->dates, r->nd, r->p,
                                        r->cfg->horizons, msg, sizeof msg) != 0)
        return fail(r, KT_EXIT_IO, msg);
    if (kt_report_write(&in, &sum, msg, sizeof msg) != 0)
        return fail(r, KT_EXIT_IO, msg);
    kt_event ev;
    if (rows == 0) {
        ev_init(r, &ev, KT_EV_EMPTY);
        snprintf(ev.text, sizeof ev.text, "%s", reason);
        snprintf(ev.text2, sizeof ev.text2, "%s", hint);
        snprintf(ev.path, sizeof ev.path, "%.599s", sum.report_path);
    } else {
        publish_headlines(r, &sum);
        ev_init(r, &ev, KT_EV_FINISHED);
        snprintf(ev.text, sizeof ev.text, "%.511s", sum.report_path);
    }
    publish(r, &ev);
    return KT_EXIT_OK;
}

static void run_free(run *r)
{
    kt_pathstore_close(r->ps);
    free(r->paths);
    kt_rundir_journal_free(&r->jr);
    if (r->dates)
        kt_journal_free_records(r->dates, r->nd);
    for (int h = 0; h < r->nh; h++)
        free(r->ric[h]);
    kt_folds_free(&r->plan);
}

int kt_worker_run(const kt_worker_args *a)
{
    run *r = calloc(1, sizeof *r);
    if (!r)
        return KT_EXIT_FAILURE;
    r->a = a;
    r->cfg = a->cfg;
    r->p = a->prices;
    r->cal = a->cal;
    r->t0 = now_mono();
    r->nh = a->cfg->n_horizons;
    r->maxh = a->cfg->horizons[r->nh - 1];
    r->bench = -1;
    r->S = a->cfg->sample_count >= 2 ? a->cfg->sample_count : 0;
    iso_now(r->started, sizeof r->started);
    int code = run_open(r);
    if (code == KT_EXIT_OK) {
        publish_header(r);
        for (int k = 0; code == KT_EXIT_OK && k < r->plan.n; k++)
            code = run_fold(r, k);
        if (code == KT_EXIT_OK)
            code = run_close(r);
        else if (code == KT_EXIT_INTERRUPTED)
            publish_text(r, KT_EV_CANCELLED,
                         _("cancelled: every completed date is in the journal; rerun with the "
                           "same settings and --output-dir to resume"));
    }
    run_free(r);
    free(r);
    return code;
}

struct kt_worker {
    pthread_t th;
    kt_worker_args a;
    int code;
};

static void *thread_main(void *arg)
{
    kt_worker *w = arg;
    w->code = kt_worker_run(&w->a);
    return NULL;
}

int kt_worker_start(const kt_worker_args *a, kt_worker **out)
{
    kt_worker *w = calloc(1, sizeof *w);
    if (!w)
        return -1;
    w->a = *a;
    if (pthread_create(&w->th, NULL, thread_main, w) != 0) {
        free(w);
        return -1;
    }
    *out = w;
    return 0;
}

int kt_worker_join(kt_worker *w)
{
    pthread_join(w->th, NULL);
    int code = w->code;
    free(w);
    return code;
}
