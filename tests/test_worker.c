/* test_worker.c: the evaluation worker with the deterministic test
 * scorer: outputs, label alignment on ragged tickers, empty case, cancel
 * within one micro-batch, resume after kill -9 with identical bytes, torn
 * journal records, refusal of another run's journal. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <poll.h>

#include "base/exitcodes.h"
#include "check_run.h"
#include "eval/calendar.h"
#include "eval/evalcfg.h"
#include "eval/prices.h"
#include "run/batchlog.h"
#include "run/channel.h"
#include "run/journal.h"
#include "run/worker.h"
#include "test_scorer.h"

static char tmpdir[256];

/* 15 tickers of weekday bars 2019-01-01..2019-06-28; T05 starts on
 * 2019-02-15, T07 has no bar on Wednesdays (ragged). */
static void write_prices(const char *path)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f, "date,ticker,open,high,low,close,volume\n");
    kt_time t0, t1, t;
    kt_time_parse("2019-01-01", &t0);
    kt_time_parse("2019-06-28", &t1);
    unsigned long long s = 12345;
    double px[15];
    for (int k = 0; k < 15; k++)
        px[k] = 20.0 + k;
    kt_time start5;
    kt_time_parse("2019-02-15", &start5);
    for (t = t0; t <= t1; t += 86400) {
        int wd;
        kt_time_parts(t, NULL, NULL, NULL, NULL, NULL, &wd);
        if (wd >= 5)
            continue;
        char d[16];
        kt_time_format(t, 0, d, sizeof d);
        for (int k = 0; k < 15; k++) {
            s = s * 6364136223846793005ull + 1442695040888963407ull;
            double u = (double)(s >> 11) / 9007199254740992.0;
            px[k] *= 1.0 + (u - 0.5) * 0.04;
            if (k == 5 && t < start5)
                continue;
            if (k == 7 && wd == 2)
                continue;
            fprintf(f, "%s,T%02d,%.4f,%.4f,%.4f,%.4f,%d\n", d, k, px[k], px[k] * 1.01, px[k] * 0.99,
                    px[k], 1000 + k);
        }
    }
    fclose(f);
}

typedef struct fixture {
    kt_evalcfg cfg;
    kt_prices *p;
    kt_calendar cal;
} fixture;

static void fx_init(fixture *fx)
{
    char path[300];
    snprintf(path, sizeof path, "%s/prices.csv", tmpdir);
    write_prices(path);
    kt_evalcfg_defaults(&fx->cfg);
    snprintf(fx->cfg.prices, sizeof fx->cfg.prices, "%s", path);
    snprintf(fx->cfg.mode, sizeof fx->cfg.mode, "full");
    fx->cfg.lookback = 20;
    fx->cfg.n_horizons = 2;
    fx->cfg.horizons[0] = 1;
    fx->cfg.horizons[1] = 5;
    char err[512];
    ck_assert_int_eq(kt_prices_load(path, &fx->p, err, sizeof err), 0);
    ck_assert_int_eq(kt_calendar_build(fx->p, &fx->cal), 0);
}

static void fx_free(fixture *fx)
{
    kt_calendar_free(&fx->cal);
    kt_prices_free(fx->p);
}

static int run_in(fixture *fx, const char *sub, kt_scorer *sc, kt_channel *ch, char *err)
{
    char dir[300];
    snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
    kt_worker_args a = {.cfg = &fx->cfg, .prices = fx->p, .cal = &fx->cal, .scorer = sc, .ch = ch,
                        .run_dir = dir, .err = err, .errlen = 512};
    return kt_worker_run(&a);
}

/* Every event the run published (none dropped); free() the array. */
static kt_event *drain_all(kt_channel *ch, size_t *n)
{
    kt_event *evs = malloc(100000 * sizeof *evs);
    ck_assert_ptr_nonnull(evs);
    *n = kt_channel_drain(ch, evs, 100000);
    ck_assert_int_eq(kt_channel_dropped(ch), 0);
    return evs;
}

static char *slurp(const char *sub, const char *name, size_t *len)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s/%s", tmpdir, sub, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, f);
    b[*len] = '\0';
    fclose(f);
    return b;
}

static int starts_with(const char *s, const char *p)
{
    return strncmp(s, p, strlen(p)) == 0;
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

static const char *const outputs[] = {"scores.csv",         "per_date_metrics.csv",
                                      "fold_summaries.csv", "ic_decay_stats.csv",
                                      "churn.csv",          "leak_tripwires.json"};

static void same_outputs(const char *a, const char *b)
{
    for (size_t i = 0; i < sizeof outputs / sizeof outputs[0]; i++) {
        size_t la, lb;
        char *x = slurp(a, outputs[i], &la), *y = slurp(b, outputs[i], &lb);
        ck_assert_msg(x && y, "%s missing", outputs[i]);
        ck_assert_msg(la == lb && memcmp(x, y, la) == 0, "%s differs between %s and %s",
                      outputs[i], a, b);
        free(x);
        free(y);
    }
}

START_TEST(test_label_alignment_ragged)
{
    fixture fx;
    fx_init(&fx);
    int s7 = kt_prices_find(fx.p, "T07");
    const kt_series *se = &fx.p->series[s7];
    /* the bar on Tuesday 2019-03-05: its next bar is Thursday 03-07 (no
     * Wednesday bar), its 5th next bar is 2019-03-13 (Wed 03-13 missing ->
     * 03-14?) -- computed from the series itself */
    kt_time t;
    kt_time_parse("2019-03-05", &t);
    int b = kt_series_find(se, t);
    ck_assert_int_ge(b, 0);
    char d[16];
    kt_time_format(se->t[b + 1], 0, d, sizeof d);
    ck_assert_str_eq(d, "2019-03-07");
    kt_time_format(se->t[b + 5], 0, d, sizeof d);
    ck_assert_str_eq(d, "2019-03-14"); /* Thu 7, Fri 8, Mon 11, Tue 12, Thu 14 */
    double want = se->ohlcva[(b + 5) * 6 + 3] / se->ohlcva[b * 6 + 3] - 1.0;
    ck_assert(kt_eval_label(fx.p, s7, b, 5, -1) == want);
    /* excess over a benchmark uses the same two timestamps */
    int s0 = kt_prices_find(fx.p, "T00");
    const kt_series *bs = &fx.p->series[s0];
    int i0 = kt_series_find(bs, se->t[b]), i1 = kt_series_find(bs, se->t[b + 5]);
    double bret = bs->ohlcva[i1 * 6 + 3] / bs->ohlcva[i0 * 6 + 3] - 1.0;
    ck_assert(kt_eval_label(fx.p, s7, b, 5, s0) == want - bret);
    /* end of data: NaN */
    ck_assert(isnan(kt_eval_label(fx.p, s7, se->n - 3, 5, -1)));
    fx_free(&fx);
}
END_TEST

START_TEST(test_full_run_outputs)
{
    fixture fx;
    fx_init(&fx);
    kt_scorer *sc = kt_test_scorer_new(4, 0);
    kt_channel *ch = kt_channel_new();
    char err[512] = "";
    ck_assert_int_eq(run_in(&fx, "full", sc, ch, err), KT_EXIT_OK);
    kt_snapshot snap;
    kt_channel_snapshot(ch, &snap);
    ck_assert_int_eq(snap.state, KT_RUN_FINISHED);
    /* default start: calendar index 20 = 2019-01-29 -> warm-up January,
     * folds February..June */
    ck_assert_int_eq(snap.fold_total, 5);
    size_t n;
    char *s = slurp("full", "scores.csv", &n);
    ck_assert_ptr_nonnull(s);
    ck_assert(starts_with(s, "date,ticker,fold_id,horizon,score,pred_close,spot_close,label\n"));
    ck_assert_ptr_nonnull(strstr(s, "\n2019-02-01,T00,fold_01,1,"));
    /* T05 starts 2019-02-15: first scored 20 bars later, on 2019-03-14 */
    ck_assert_ptr_null(strstr(s, "2019-03-13,T05,"));
    ck_assert_ptr_nonnull(strstr(s, "2019-03-14,T05,fold_02,1,"));
    /* last date: label missing for both horizons but the score is written */
    ck_assert_ptr_nonnull(strstr(s, "2019-06-28,T00,fold_05,5,"));
    char *last = strstr(s, "2019-06-28,T00,fold_05,5,");
    ck_assert(strchr(last, '\n')[-1] == ',');
    free(s);
    s = slurp("full", "per_date_metrics.csv", &n);
    ck_assert(starts_with(s, "date,fold_id,horizon,n_names,rankic,ic,quintile_spread,hit_rate_10,"
                         "avg_er_10,hit_rate_20,avg_er_20\n"));
    int dates = (int)snap.dates_total;
    ck_assert_int_eq(count_lines(s), 1 + dates * 2);
    free(s);
    s = slurp("full", "ic_decay_stats.csv", &n);
    ck_assert(starts_with(s, "fold_id,horizon,early_median,late_median,decay,pct_positive,flags\n"));
    ck_assert_int_eq(count_lines(s), 1 + 5 * 2);
    free(s);
    s = slurp("full", "fold_summaries.csv", &n);
    ck_assert_int_eq(count_lines(s), 1 + 5 * 2);
    free(s);
    s = slurp("full", "REPORT.md", &n);
    ck_assert_ptr_nonnull(strstr(s, "## Headline"));
    ck_assert_ptr_nonnull(strstr(s, "fold_01   1d  "));
    free(s);
    s = slurp("full", "leak_tripwires.json", &n);
    ck_assert_ptr_nonnull(strstr(s, "\"control\": \"shuffle\""));
    /* shuffle and lag run; momentum needs 253 bars, which no fixture ticker has */
    ck_assert_ptr_null(strstr(s, "\"control\": \"shuffle\",\n      \"horizon\": 1,\n      "
                                 "\"status\": \"not run\""));
    ck_assert_ptr_null(strstr(s, "\"control\": \"lag\",\n      \"horizon\": 5,\n      "
                                 "\"status\": \"not run\""));
    ck_assert_ptr_nonnull(strstr(s, "\"control\": \"momentum\",\n      \"horizon\": 5,\n      "
                                    "\"status\": \"not run\""));
    free(s);
    /* a second run over the same directory resumes every date: same bytes */
    kt_channel *ch2 = kt_channel_new();
    long before = kt_test_scorer_calls(sc);
    ck_assert_int_eq(run_in(&fx, "full", sc, ch2, err), KT_EXIT_OK);
    ck_assert_int_eq(kt_test_scorer_calls(sc), before);
    kt_channel_snapshot(ch2, &snap);
    ck_assert_int_eq(snap.dates_resumed, dates);
    ck_assert_int_eq(run_in(&fx, "full2", sc, NULL, err), KT_EXIT_OK);
    same_outputs("full", "full2");
    kt_channel_free(ch);
    kt_channel_free(ch2);
    sc->destroy(sc);
    fx_free(&fx);
}
END_TEST

START_TEST(test_empty_case)
{
    fixture fx;
    fx_init(&fx);
    fx.cfg.lookback = 1000;
    snprintf(fx.cfg.start, sizeof fx.cfg.start, "2019-01-01");
    kt_scorer *sc = kt_test_scorer_new(4, 0);
    kt_channel *ch = kt_channel_new();
    char err[512] = "";
    ck_assert_int_eq(run_in(&fx, "empty", sc, ch, err), KT_EXIT_OK);
    kt_snapshot snap;
    kt_channel_snapshot(ch, &snap);
    ck_assert_int_eq(snap.state, KT_RUN_EMPTY);
    ck_assert_str_eq(snap.empty_reason,
                     "15 of 15 tickers skipped: fewer than 1000 bars before 2019-06-28");
    size_t n;
    char *s = slurp("empty", "REPORT_EMPTY.md", &n);
    ck_assert_ptr_nonnull(s);
    ck_assert_ptr_nonnull(strstr(s, "15 of 15 tickers skipped: fewer than 1000 bars before 2019-06-28"));
    ck_assert_ptr_nonnull(strstr(s, "## Next steps"));
    free(s);
    s = slurp("empty", "scores.csv", &n);
    ck_assert_str_eq(s, "date,ticker,fold_id,horizon,score,pred_close,spot_close,label\n");
    free(s);
    s = slurp("empty", "churn.csv", &n);
    ck_assert_str_eq(s, "date,fold_id,horizon,k,retention,churn\n");
    free(s);
    s = slurp("empty", "ic_decay_stats.csv", &n);
    ck_assert_str_eq(s, "fold_id,horizon,early_median,late_median,decay,pct_positive,flags\n");
    free(s);
    s = slurp("empty", "churn_diagnostics.csv", &n);
    ck_assert_str_eq(s, "horizon,k,churn_median,churn_mean,churn_p90,pct_high_churn,flags\n");
    free(s);
    s = slurp("empty", "baselines.csv", &n);
    ck_assert_str_eq(s, "date,fold_id,horizon,signal,n_names,rankic,quintile_spread\n");
    free(s);
    s = slurp("empty", "cost_overlays.csv", &n);
    ck_assert_str_eq(
        s, "date,fold_id,horizon,scenario,gross_spread,turnover,cost,net_spread,impact_missing\n");
    free(s);
    s = slurp("empty", "stability_scorecard.csv", &n);
    ck_assert_ptr_nonnull(strstr(s, "\n1,,,,,,,,,,not_run,not_run,not_run\n"));
    ck_assert_ptr_null(strstr(s, ",pass"));
    ck_assert_ptr_null(strstr(s, ",fail"));
    free(s);
    s = slurp("empty", "REPORT.md", &n);
    ck_assert_ptr_null(s);
    /* every control over zero rows: not run, never passed */
    s = slurp("empty", "leak_tripwires.json", &n);
    ck_assert_ptr_null(strstr(s, "\"passed\": true"));
    int nr = 0;
    for (const char *p = s; (p = strstr(p, "\"status\": \"not run\"")); p++)
        nr++;
    ck_assert_int_eq(nr, 6); /* shuffle, lag and momentum per horizon */
    free(s);
    kt_channel_free(ch);
    sc->destroy(sc);
    fx_free(&fx);
}
END_TEST

START_TEST(test_controls_not_run_with_few_names)
{
    /* rows exist but no date has 10 names with labels: controls not run */
    fixture fx;
    fx_init(&fx);
    fx.cfg.lookback = 60; /* T05 and T07 drop out early on; 13 names... */
    fx.cfg.horizons[0] = 1;
    fx.cfg.horizons[1] = 100; /* ... and 100-bar labels exist for no date */
    kt_scorer *sc = kt_test_scorer_new(4, 0);
    char err[512] = "";
    snprintf(fx.cfg.start, sizeof fx.cfg.start, "2019-05-01");
    ck_assert_int_eq(run_in(&fx, "few", sc, NULL, err), KT_EXIT_OK);
    size_t n;
    char *s = slurp("few", "leak_tripwires.json", &n);
    /* horizon 1 runs, horizon 100 does not */
    ck_assert_ptr_nonnull(strstr(s, "\"control\": \"shuffle\",\n      \"horizon\": 100,\n      "
                                    "\"status\": \"not run\""));
    ck_assert_ptr_nonnull(strstr(s, "\"control\": \"lag\",\n      \"horizon\": 100,\n      "
                                    "\"status\": \"not run\""));
    ck_assert_ptr_null(strstr(s, "\"control\": \"shuffle\",\n      \"horizon\": 1,\n      "
                                 "\"status\": \"not run\""));
    ck_assert_ptr_null(strstr(s, "\"control\": \"lag\",\n      \"horizon\": 1,\n      "
                                 "\"status\": \"not run\""));
    free(s);
    sc->destroy(sc);
    fx_free(&fx);
}
END_TEST

/* A scorer that wraps another and calls `hook` at every micro-batch (each
 * progress call) before passing the call on: the tests act at a known
 * point inside a date, whatever the machine's speed. */
typedef struct hooked {
    kt_scorer base;
    kt_scorer *inner;
    kronos_progress_ex_fn inner_progress;
    void *user;
    long calls;
    void (*hook)(struct hooked *h);
    kt_channel *ch; /* cancel_on_third */
    long stop_at;   /* hang_at_stop */
    int fd;
} hooked;

static int hooked_progress(void *u, const kronos_progress *p)
{
    hooked *h = u;
    h->calls++;
    h->hook(h);
    return h->inner_progress(h->user, p);
}

static int hooked_score(kt_scorer *self, const kt_score_request *req, kronos_progress_ex_fn progress, void *user,
                        double *pred, int64_t *tokens, char *err, size_t errlen)
{
    hooked *h = (hooked *)self;
    h->inner_progress = progress;
    h->user = user;
    return h->inner->score(h->inner, req, hooked_progress, h, pred, tokens, err, errlen);
}

static void hooked_init(hooked *h, kt_scorer *inner, void (*hook)(hooked *))
{
    memset(h, 0, sizeof *h);
    h->inner = inner;
    h->base = *inner;
    h->base.score = hooked_score;
    h->hook = hook;
}

/* cancels the channel during the 3rd micro-batch */
static void cancel_on_third(hooked *h)
{
    if (h->calls == 3)
        kt_channel_cancel(h->ch);
}

/* on the `stop_at`-th micro-batch, writes one byte to `fd` and blocks until
 * killed */
static void hang_at_stop(hooked *h)
{
    if (h->calls != h->stop_at)
        return;
    char b = 'k';
    if (write(h->fd, &b, 1) != 1)
        _exit(99);
    for (;;)
        pause();
}

START_TEST(test_cancel_within_micro_batch)
{
    fixture fx;
    fx_init(&fx);
    kt_channel *ch = kt_channel_new();
    hooked cs;
    hooked_init(&cs, kt_test_scorer_new(2, 0), cancel_on_third);
    cs.ch = ch;
    char err[512] = "";
    ck_assert_int_eq(run_in(&fx, "cancel", &cs.base, ch, err), KT_EXIT_INTERRUPTED);
    /* stopped right after the 3rd micro-batch of 2 series */
    ck_assert_int_eq(kt_test_scorer_calls(cs.inner), 6);
    kt_snapshot snap;
    kt_channel_snapshot(ch, &snap);
    ck_assert_int_eq(snap.state, KT_RUN_CANCELLED);
    ck_assert_int_eq(snap.dates_done, 0);
    size_t n;
    char *s = slurp("cancel", KT_JOURNAL_FILE, &n);
    ck_assert_int_eq(count_lines(s), 1); /* header only: no date completed */
    free(s);
    s = slurp("cancel", "scores.csv", &n);
    ck_assert_ptr_null(s);
    cs.inner->destroy(cs.inner);
    kt_channel_free(ch);
    fx_free(&fx);
}
END_TEST

START_TEST(test_resume_after_kill9)
{
    fixture fx;
    fx_init(&fx);
    char err[512] = "";
    kt_scorer *sc = kt_test_scorer_new(4, 0);
    ck_assert_int_eq(run_in(&fx, "ref", sc, NULL, err), KT_EXIT_OK);
    /* the reference's micro-batches and dates */
    long total_calls = 0;
    {
        kt_scorer *counter = kt_test_scorer_new(1, 0);
        ck_assert_int_eq(run_in(&fx, "count", counter, NULL, err), KT_EXIT_OK);
        total_calls = (kt_test_scorer_calls(counter) + 3) / 4; /* upper bound, series/4 */
        counter->destroy(counter);
    }
    size_t rn;
    char *rj = slurp("ref", KT_JOURNAL_FILE, &rn);
    ck_assert_ptr_nonnull(rj);
    int total_dates = count_lines(rj) - 1;
    free(rj);
    ck_assert_int_gt(total_dates, 10);

    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    srand(seed);
    for (int round = 0; round < 2; round++) {
        /* round 0: inside the first dates; round 1: anywhere up to the
         * last date, after at least one date is journaled */
        long span = round == 0 ? 8 : total_calls / 2;
        long stop_at = (round == 0 ? 1 : 16) + rand() % span;
        char sub[32];
        snprintf(sub, sizeof sub, "killed%d", round);
        int pfd[2];
        ck_assert_int_eq(pipe(pfd), 0);
        fflush(NULL);
        pid_t pid = fork();
        ck_assert_int_ge(pid, 0);
        if (pid == 0) {
            close(pfd[0]);
            hooked hs;
            memset(&hs, 0, sizeof hs);
            hooked_init(&hs, kt_test_scorer_new(4, 0), hang_at_stop);
            hs.stop_at = stop_at;
            hs.fd = pfd[1];
            kt_worker_args a;
            char dir[300], e[512];
            snprintf(dir, sizeof dir, "%s/%s", tmpdir, sub);
            a = (kt_worker_args){.cfg = &fx.cfg, .prices = fx.p, .cal = &fx.cal, .scorer = &hs.base, .ch = NULL,
                                 .run_dir = dir, .err = e, .errlen = sizeof e};
            _exit(kt_worker_run(&a));
        }
        close(pfd[1]);
        /* wait for the child to reach micro-batch stop_at (EOF: it ended
         * without reaching it) */
        char b = 0;
        struct pollfd p = {pfd[0], POLLIN, 0};
        ck_assert_msg(poll(&p, 1, 300 * 1000) == 1, "the child never reached micro-batch %ld",
                      stop_at);
        ck_assert_msg(read(pfd[0], &b, 1) == 1 && b == 'k',
                      "the run ended before micro-batch %ld", stop_at);
        close(pfd[0]);
        ck_assert_int_eq(kill(pid, SIGKILL), 0);
        int st;
        ck_assert_int_eq(waitpid(pid, &st, 0), pid);
        /* the kill landed: the child was still in the run */
        ck_assert(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL);
        size_t n;
        char *j = slurp(sub, KT_JOURNAL_FILE, &n);
        int done_before = j ? count_lines(j) - 1 : 0;
        free(j);
        fprintf(stderr, "resume test (seed %u): killed in micro-batch %ld with %d of %d dates journaled\n",
                seed, stop_at, done_before, total_dates);
        ck_assert_int_lt(done_before, total_dates);
        if (round == 1)
            ck_assert_int_ge(done_before, 1);
        size_t sn;
        char *sc_csv = slurp(sub, "scores.csv", &sn);
        ck_assert_msg(sc_csv == NULL, "scores.csv written before the kill");
        kt_channel *ch = kt_channel_new();
        ck_assert_int_eq(run_in(&fx, sub, sc, ch, err), KT_EXIT_OK);
        kt_snapshot snap;
        kt_channel_snapshot(ch, &snap);
        ck_assert_int_eq(snap.dates_resumed, done_before < 0 ? 0 : done_before);
        kt_channel_free(ch);
        same_outputs("ref", sub);
    }
    sc->destroy(sc);
    fx_free(&fx);
}
END_TEST

START_TEST(test_thread_with_batch_log)
{
    /* the product path: worker thread, main thread drains into the batch log */
    fixture fx;
    fx_init(&fx);
    fx.cfg.max_folds = 2;
    kt_scorer *sc = kt_test_scorer_new(3, 0);
    kt_channel *ch = kt_channel_new();
    char dir[300], err[512] = "";
    snprintf(dir, sizeof dir, "%s/thread", tmpdir);
    kt_worker_args a = {.cfg = &fx.cfg, .prices = fx.p, .cal = &fx.cal, .scorer = sc, .ch = ch,
                        .run_dir = dir, .err = err, .errlen = sizeof err};
    kt_worker *w;
    ck_assert_int_eq(kt_worker_start(&a, &w), 0);
    char logpath[300];
    snprintf(logpath, sizeof logpath, "%s/thread.log", tmpdir);
    FILE *log = fopen(logpath, "w");
    kt_batchlog *bl = malloc(sizeof *bl);
    kt_batchlog_init(bl, log, NULL);
    kt_event evs[16];
    int done = 0, date_lines = 0;
    while (!done) {
        struct pollfd pfd = {kt_channel_wake_fd(ch), POLLIN, 0};
        poll(&pfd, 1, 1000);
        size_t n;
        while ((n = kt_channel_drain(ch, evs, 16)) > 0)
            for (size_t i = 0; i < n; i++) {
                kt_batchlog_event(bl, &evs[i]);
                date_lines += evs[i].kind == KT_EV_DATE_DONE;
                done |= evs[i].kind == KT_EV_FINISHED || evs[i].kind == KT_EV_FAILED;
            }
    }
    ck_assert_int_eq(kt_worker_join(w), KT_EXIT_OK);
    fclose(log);
    ck_assert_int_eq(date_lines, 20 + 21); /* February and March 2019 */
    ck_assert_int_eq(bl->snap.state, KT_RUN_FINISHED);
    size_t len;
    char *s = slurp("", "thread.log", &len);
    ck_assert_ptr_nonnull(strstr(s, "\n[1/21] 2019-03-01: Scored 14 tickers, 1 skipped ("));
    ck_assert_ptr_nonnull(strstr(s, "\nFold fold_02, horizon 5d: "));
    /* short histories are never dropped silently */
    ck_assert_ptr_nonnull(strstr(s, "\nwarning: 2019-02-15: 1 ticker skipped (fewer than 20 bars): T05\n"));
    free(s);
    free(bl);
    kt_channel_free(ch);
    sc->destroy(sc);
    fx_free(&fx);
}
END_TEST

START_TEST(test_torn_record_and_foreign_journal)
{
    fixture fx;
    fx_init(&fx);
    fx.cfg.max_folds = 1;
    char err[512] = "";
    kt_scorer *sc = kt_test_scorer_new(4, 0);
    ck_assert_int_eq(run_in(&fx, "tref", sc, NULL, err), KT_EXIT_OK);
    ck_assert_int_eq(run_in(&fx, "torn", sc, NULL, err), KT_EXIT_OK);
    /* cut the journal inside its 5th record, as a kill -9 mid-write would */
    char path[400];
    snprintf(path, sizeof path, "%s/torn/%s", tmpdir, KT_JOURNAL_FILE);
    size_t n;
    char *j = slurp("torn", KT_JOURNAL_FILE, &n);
    char *p = j;
    for (int i = 0; i < 5; i++)
        p = strchr(p, '\n') + 1;
    ck_assert_int_eq(truncate(path, (off_t)(p - j) + 40), 0);
    free(j);
    kt_channel *ch = kt_channel_new();
    ck_assert_int_eq(run_in(&fx, "torn", sc, ch, err), KT_EXIT_OK);
    kt_snapshot snap;
    kt_channel_snapshot(ch, &snap);
    ck_assert_int_eq(snap.dates_resumed, 4);
    ck_assert_int_eq(snap.log_n >= 1, 1);
    int warned = 0;
    for (int i = 0; i < snap.log_n; i++)
        warned |= strstr(snap.log[i], "journal: discarded 40 bytes") != NULL;
    ck_assert(warned);
    kt_channel_free(ch);
    same_outputs("tref", "torn");

    /* a journal of another run (different lookback) is refused */
    fx.cfg.lookback = 21;
    ch = kt_channel_new();
    ck_assert_int_eq(run_in(&fx, "torn", sc, ch, err), KT_EXIT_MISMATCH);
    ck_assert_ptr_nonnull(strstr(err, "the journal belongs to a different run"));
    kt_channel_snapshot(ch, &snap);
    ck_assert_int_eq(snap.state, KT_RUN_FAILED);
    kt_channel_free(ch);
    sc->destroy(sc);
    fx_free(&fx);
}
END_TEST

/* A scorer that reports every micro-batch's count three times, as a
 * decoder reporting at every step does: one BATCH_PROGRESS event per
 * distinct count, not per call. */
static int counted_progress_calls;
static int counted_distinct;
static int repeat_progress(void *u, const kronos_progress *p)
{
    hooked *h = u;
    int rc = 0;
    counted_distinct++;
    for (int i = 0; i < 3 && rc == 0; i++) {
        counted_progress_calls++;
        rc = h->inner_progress(h->user, p);
    }
    return rc;
}

static int repeat_score(kt_scorer *self, const kt_score_request *req, kronos_progress_ex_fn progress,
                        void *user, double *pred, int64_t *tokens, char *err, size_t errlen)
{
    hooked *h = (hooked *)self;
    h->inner_progress = progress;
    h->user = user;
    return h->inner->score(h->inner, req, repeat_progress, h, pred, tokens, err, errlen);
}

START_TEST(test_progress_only_on_change)
{
    fixture fx;
    fx_init(&fx);
    fx.cfg.max_folds = 1;
    hooked rs;
    hooked_init(&rs, kt_test_scorer_new(4, 0), NULL);
    rs.base.score = repeat_score;
    kt_channel *ch = kt_channel_new_capacity(100000);
    char err[512] = "";
    counted_progress_calls = counted_distinct = 0;
    ck_assert_int_eq(run_in(&fx, "progress", &rs.base, ch, err), KT_EXIT_OK);
    kt_event *evs = malloc(100000 * sizeof *evs);
    size_t n = kt_channel_drain(ch, evs, 100000);
    int progress = 0;
    for (size_t i = 0; i < n; i++)
        progress += evs[i].kind == KT_EV_BATCH_PROGRESS;
    ck_assert_int_eq(kt_channel_dropped(ch), 0);
    ck_assert_int_gt(counted_distinct, 0);
    ck_assert_int_eq(counted_progress_calls, 3 * counted_distinct);
    ck_assert_int_eq(progress, counted_distinct);
    free(evs);
    kt_channel_free(ch);
    rs.inner->destroy(rs.inner);
    fx_free(&fx);
}
END_TEST

/* A scorer counting 3 generation steps per micro-batch of 4 series, each
 * call made three times: the worker publishes one BATCH_PROGRESS per
 * distinct (series, micro-batch, step), in kronos_forecast_ex's order,
 * and the snapshot's date fraction follows the steps. */
START_TEST(test_step_progress_events)
{
    fixture fx;
    fx_init(&fx);
    fx.cfg.max_folds = 1;
    hooked rs;
    hooked_init(&rs, kt_test_scorer_new(4, 0), NULL);
    kt_test_scorer_set_steps(rs.inner, 3);
    rs.base.score = repeat_score;
    kt_channel *ch = kt_channel_new_capacity(100000);
    char err[512] = "";
    counted_progress_calls = counted_distinct = 0;
    ck_assert_int_eq(run_in(&fx, "steps", &rs.base, ch, err), KT_EXIT_OK);
    size_t n;
    kt_event *evs = drain_all(ch, &n);
    int dates = 0, progress = 0;
    kt_snapshot snap;
    kt_snapshot_init(&snap);
    for (size_t i = 0; i < n; i++) {
        kt_snapshot_apply(&snap, &evs[i]);
        if (evs[i].kind != KT_EV_DATE_STARTED)
            continue;
        /* this date's events up to DATE_DONE: per micro-batch mb of M,
         * steps 3(mb-1)+1..3mb with done 4(mb-1), then step 3mb with done
         * min(4mb, series) */
        size_t j = i + 1;
#define SKIP_OTHERS()                                                                              \
    while (j < n && (evs[j].kind == KT_EV_WARNING || evs[j].kind == KT_EV_LOG))                   \
        j++
        SKIP_OTHERS();
        ck_assert_uint_lt(j, n);
        int series = evs[j].batch_total, M = (series + 3) / 4;
        ck_assert_int_ge(series, 5); /* 15 tickers, some with too short a lookback */
        ck_assert_int_le(series, 15);
        for (int mb = 1; mb <= M; mb++)
            for (int k = 1; k <= 4; k++, j++) {
                SKIP_OTHERS();
                ck_assert_uint_lt(j, n);
                const kt_event *e = &evs[j];
                ck_assert_int_eq(e->kind, KT_EV_BATCH_PROGRESS);
                ck_assert_int_eq(e->batch_total, series);
                ck_assert_int_eq(e->batch_done, k < 4 ? 4 * (mb - 1) : (4 * mb < series ? 4 * mb : series));
                ck_assert_int_eq(e->micro_batch, mb);
                ck_assert_int_eq(e->micro_batches, M);
                ck_assert_int_eq(e->step_done, 3 * (mb - 1) + (k < 4 ? k : 3));
                ck_assert_int_eq(e->step_total, 3 * M);
                progress++;
                if (mb == 2 && k == 2) { /* step 5 of 3M: 5/(3M) of the date */
                    kt_snapshot tmp = snap;
                    for (size_t q = i + 1; q <= j; q++)
                        kt_snapshot_apply(&tmp, &evs[q]);
                    ck_assert_double_eq_tol(kt_snapshot_date_fraction(&tmp), 5.0 / (3 * M), 1e-12);
                }
            }
        SKIP_OTHERS();
        ck_assert_int_eq(evs[j].kind, KT_EV_DATE_DONE);
        dates++;
#undef SKIP_OTHERS
    }
    ck_assert_int_gt(dates, 0);
    ck_assert_int_eq(progress, counted_distinct);
    ck_assert_int_eq(counted_progress_calls, 3 * counted_distinct);
    free(evs);
    kt_channel_free(ch);
    rs.inner->destroy(rs.inner);
    fx_free(&fx);
}
END_TEST

/* pauses the channel at the 2nd progress call (inside the first date)
 * and resumes it from another thread 1 s later: the worker's checkpoint
 * blocks meanwhile */
static pthread_t resumer;
static void *resume_after_1s(void *ch)
{
    struct timespec s = {1, 0};
    nanosleep(&s, NULL);
    kt_channel_set_paused(ch, 0);
    return NULL;
}
static void pause_on_second(hooked *h)
{
    if (h->calls != 2)
        return;
    kt_channel_set_paused(h->ch, 1);
    ck_assert_int_eq(pthread_create(&resumer, NULL, resume_after_1s, h->ch), 0);
}

/* A date paused for 1 s: its seconds (the timing panel, the ETA) are the
 * time it computed, not the pause (the test scorer takes milliseconds);
 * the run's wall time has the pause. */
START_TEST(test_pause_not_in_date_seconds)
{
    fixture fx;
    fx_init(&fx);
    fx.cfg.max_folds = 1;
    kt_channel *ch = kt_channel_new_capacity(100000);
    hooked hs;
    hooked_init(&hs, kt_test_scorer_new(2, 0), pause_on_second);
    hs.ch = ch;
    char err[512] = "";
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    ck_assert_int_eq(run_in(&fx, "paused", &hs.base, ch, err), KT_EXIT_OK);
    clock_gettime(CLOCK_MONOTONIC, &b);
    pthread_join(resumer, NULL);
    ck_assert_double_ge((double)(b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9, 1.0);
    size_t n;
    kt_event *evs = drain_all(ch, &n);
    int paused = 0, first = 1;
    for (size_t i = 0; i < n; i++) {
        paused += evs[i].kind == KT_EV_PAUSED;
        if (evs[i].kind == KT_EV_DATE_DONE && first) {
            ck_assert_int_eq(paused, 1); /* the pause was in this date */
            ck_assert_msg(evs[i].seconds < 0.5, "the paused date took %.3f s", evs[i].seconds);
            first = 0;
        }
    }
    ck_assert_int_eq(first, 0);
    free(evs);
    kt_channel_free(ch);
    hs.inner->destroy(hs.inner);
    fx_free(&fx);
}
END_TEST

/* A scorer counting its work within each step (4 units before each of 3
 * steps per micro-batch of 4 series: work_total 12 per micro-batch): the
 * worker publishes every unit (each is more than 1/500 of the date), the
 * date bar follows the work, not the steps. With 1000 units before each
 * step the worker publishes the work only when it moved by 1/500 of the
 * date: about 500 events per date besides the steps'. */
START_TEST(test_work_progress_events)
{
    for (int pass = 0; pass < 2; pass++) {
        fixture fx;
        fx_init(&fx);
        fx.cfg.max_folds = 1;
        kt_scorer *sc = kt_test_scorer_new(4, 0);
        kt_test_scorer_set_steps(sc, 3);
        kt_test_scorer_set_work(sc, pass ? 1000 : 4);
        kt_channel *ch = kt_channel_new_capacity(100000);
        char err[512] = "";
        ck_assert_int_eq(run_in(&fx, pass ? "work1000" : "work4", sc, ch, err), KT_EXIT_OK);
        size_t n;
        kt_event *evs = drain_all(ch, &n);
        int dates = 0;
        kt_snapshot snap;
        kt_snapshot_init(&snap);
        for (size_t i = 0; i < n; i++) {
            kt_snapshot_apply(&snap, &evs[i]);
            if (evs[i].kind != KT_EV_DATE_STARTED)
                continue;
            int series = 0, events = 0, last_work = 0;
            size_t j;
            for (j = i + 1; j < n && evs[j].kind != KT_EV_DATE_DONE; j++) {
                const kt_event *e = &evs[j];
                kt_snapshot_apply(&snap, e);
                if (e->kind != KT_EV_BATCH_PROGRESS)
                    continue;
                series = e->batch_total;
                const int M = (series + 3) / 4, units = pass ? 1000 : 4;
                ck_assert_int_eq(e->work_total, 3 * M * units);
                ck_assert_int_ge(e->work_done, last_work);
                ck_assert_double_eq_tol(kt_snapshot_date_fraction(&snap), (double)e->work_done / e->work_total, 1e-12);
                if (!pass) { /* event k of micro-batch mb: ticks 1-4, step; ticks, step; ...; end */
                    const int k = events % 16, mb = events / 16 + 1;
                    const int step = 3 * (mb - 1) + (k < 15 ? k / 5 + (k % 5 == 4) : 3), work = 12 * (mb - 1) + (k < 15 ? 4 * (k / 5) + (k % 5 < 4 ? k % 5 + 1 : 4) : 12);
                    ck_assert_int_eq(e->step_done, step);
                    ck_assert_int_eq(e->work_done, work);
                }
                last_work = e->work_done;
                events++;
            }
            ck_assert_uint_lt(j, n);
            const int M = (series + 3) / 4;
            ck_assert_int_gt(series, 0);
            if (!pass) {
                ck_assert_int_eq(events, 16 * M);
            } else { /* 3M steps and M ends, plus the work's: 500 to 501 */
                ck_assert_int_ge(events, 4 * M + 490);
                ck_assert_int_le(events, 4 * M + 501);
            }
            ck_assert_double_eq_tol(kt_snapshot_date_fraction(&snap), 1.0, 1e-12);
            dates++;
            i = j - 1;
        }
        ck_assert_int_gt(dates, 0);
        free(evs);
        kt_channel_free(ch);
        sc->destroy(sc);
        fx_free(&fx);
    }
}
END_TEST

/* The mean net spread of base_slippage per horizon in a run's
 * cost_overlays.csv (NaN without a row). */
static double csv_net_mean(const char *sub, int horizon)
{
    size_t n;
    char *s = slurp(sub, "cost_overlays.csv", &n);
    ck_assert_ptr_nonnull(s);
    double sum = 0;
    int k = 0;
    for (char *line = strchr(s, '\n'); line && line[1]; line = strchr(line + 1, '\n')) {
        char date[32], fold[32], sc[32];
        int h;
        double g, to, c, net;
        if (sscanf(line + 1, "%31[^,],%31[^,],%d,%31[^,],%lf,%lf,%lf,%lf", date, fold, &h, sc, &g, &to,
                   &c, &net) == 8 &&
            h == horizon && strcmp(sc, "base_slippage") == 0) {
            sum += net;
            k++;
        }
    }
    free(s);
    return k ? sum / k : NAN;
}

/* Runs the fixture with a model cutoff; returns the drained events. */
static kt_event *run_cutoff(fixture *fx, const char *sub, const char *cutoff, size_t *n_ev)
{
    snprintf(fx->cfg.model_cutoff, sizeof fx->cfg.model_cutoff, "%s", cutoff);
    kt_scorer *sc = kt_test_scorer_new(4, 0);
    kt_channel *ch = kt_channel_new_capacity(100000);
    char err[512] = "";
    ck_assert_int_eq(run_in(fx, sub, sc, ch, err), KT_EXIT_OK);
    kt_event *evs = drain_all(ch, n_ev);
    kt_channel_free(ch);
    sc->destroy(sc);
    return evs;
}

static int count_warnings(const kt_event *evs, size_t n, const char *text)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += evs[i].kind == KT_EV_WARNING && strstr(evs[i].text, text) != NULL;
    return k;
}

/* After every fold the worker publishes the scorecard of the dates so far
 * (the console's verdict and net spread); after the last fold it is the
 * run's stability_scorecard.csv and cost overlays. A model cutoff inside
 * the range: a warning, the scorecard by period, REPORT.md's split and
 * the metadata's counts. */
START_TEST(test_cutoff_and_verdict)
{
    fixture fx;
    fx_init(&fx);
    size_t n;
    /* folds February..June; 2019-03-15 is inside fold_02 */
    kt_event *evs = run_cutoff(&fx, "cut", "2019-03-15", &n);
    int folds = 0, last_dates = 0;
    const kt_verdict *last = NULL;
    for (size_t i = 0; i < n; i++) {
        if (evs[i].kind != KT_EV_SCORECARD)
            continue;
        folds++;
        const kt_verdict *v = &evs[i].verdict;
        char want[16];
        snprintf(want, sizeof want, "fold_%02d", folds);
        ck_assert_str_eq(v->fold_id, want);
        ck_assert_str_eq(evs[i].fold_id, want);
        ck_assert_int_gt(v->n_dates, last_dates); /* the dates so far */
        ck_assert_int_eq(v->n_horizons, 2);
        ck_assert_int_eq(v->horizon[1], 5);
        ck_assert_ptr_nonnull(strstr(evs[i].text, "Scorecard after fold_"));
        ck_assert(i > 0 && evs[i - 1].kind == KT_EV_FOLD_DONE);
        last_dates = v->n_dates;
        last = v;
    }
    ck_assert_int_eq(folds, 5);
    size_t len;
    char *s = slurp("cut", "per_date_metrics.csv", &len);
    ck_assert_int_eq(count_lines(s), 1 + last_dates * 2);
    free(s);
    /* the last verdict is the run's scorecard */
    s = slurp("cut", "stability_scorecard.csv", &len);
    char line[400];
    snprintf(line, sizeof line, ",%s,%s,%s\n", kt_gate_name(last->gate[0]),
             kt_gate_name(last->gate[1]), kt_gate_name(last->gate[2]));
    ck_assert_msg(strstr(s, line), "gates %s not in %s", line, s);
    free(s);
    for (int h = 0; h < 2; h++) {
        double want = csv_net_mean("cut", last->horizon[h]);
        ck_assert_msg(fabs(last->net_spread[h] - want) <= 1e-8 * (1 + fabs(want)),
                      "net spread %dd: %g, cost_overlays.csv %g", last->horizon[h],
                      last->net_spread[h], want);
    }
    /* 2019-02-01 .. 2019-03-15: 31 weekdays */
    ck_assert_int_eq(count_warnings(evs, n, "pretraining overlap: 31 of "), 1);
    ck_assert_int_eq(evs[0].kind, KT_EV_RUN_STARTED);
    ck_assert_str_eq(evs[0].header.model_cutoff, "2019-03-15");
    ck_assert_int_eq(evs[0].header.dates_seen, 31);
    free(evs);
    s = slurp("cut", "stability_scorecard_by_period.csv", &len);
    ck_assert_ptr_nonnull(s);
    ck_assert(starts_with(s, "period,horizon,rankic_headline,rankic_mean,nw_t,pct_positive,"
                             "churn_median_20,cost_survival,momentum_corr_median,best_baseline,"
                             "best_baseline_rankic,gate_1,gate_2,gate_3\n"));
    ck_assert_int_eq(count_lines(s), 5);
    ck_assert_ptr_nonnull(strstr(s, "\nbefore_cutoff,1,"));
    ck_assert_ptr_nonnull(strstr(s, "\nafter_cutoff,5,"));
    free(s);
    s = slurp("cut", "REPORT.md", &len);
    ck_assert_ptr_nonnull(strstr(s, "> **Warning: pretraining overlap.** 31 of "));
    ck_assert_ptr_nonnull(strstr(s, "## Before and after the model's training cutoff"));
    ck_assert_ptr_nonnull(strstr(s, "| RankIC \xe2\x89\xa4 2019-03-15 | t (NW) | dates |"));
    ck_assert_ptr_nonnull(strstr(s, "- model training cutoff: 2019-03-15 (--model-cutoff)"));
    ck_assert_ptr_null(strstr(s, "no dates"));
    free(s);
    s = slurp("cut", "experiment_metadata.json", &len);
    ck_assert_ptr_nonnull(strstr(s, "\"model_cutoff\": {\n    \"date\": \"2019-03-15\",\n    "
                                    "\"source\": \"option\",\n    \"dates_on_or_before\": 31,"));
    free(s);

    /* every date on or before the cutoff: the after side has no dates */
    evs = run_cutoff(&fx, "cut_all", "2030-01-01", &n);
    free(evs);
    s = slurp("cut_all", "stability_scorecard_by_period.csv", &len);
    ck_assert_ptr_nonnull(strstr(s, "\nafter_cutoff,1,,,,,,,,,,not_run,not_run,not_run\n"));
    ck_assert_ptr_nonnull(strstr(s, "\nafter_cutoff,5,,,,,,,,,,not_run,not_run,not_run\n"));
    free(s);
    s = slurp("cut_all", "REPORT.md", &len);
    ck_assert_ptr_nonnull(strstr(s, " | no dates | | 0 |\n| 5d | "));
    ck_assert_ptr_nonnull(strstr(s, "- Gates after the cutoff: no dates"));
    free(s);

    /* every date after it: no warning, the before side has no dates */
    evs = run_cutoff(&fx, "cut_none", "2000-01-01", &n);
    ck_assert_int_eq(count_warnings(evs, n, "pretraining overlap"), 0);
    ck_assert_int_eq(evs[0].header.dates_seen, 0);
    free(evs);
    s = slurp("cut_none", "REPORT.md", &len);
    ck_assert_ptr_null(strstr(s, "Warning: pretraining overlap"));
    ck_assert_ptr_nonnull(strstr(s, "- Gates on or before the cutoff: no dates"));
    free(s);
    s = slurp("cut_none", "stability_scorecard_by_period.csv", &len);
    ck_assert_ptr_nonnull(strstr(s, "\nbefore_cutoff,1,,,,,,,,,,not_run,not_run,not_run\n"));
    free(s);

    /* no cutoff: no file by period; the metadata says none */
    evs = run_cutoff(&fx, "cut_off", "none", &n);
    free(evs);
    s = slurp("cut_off", "stability_scorecard_by_period.csv", &len);
    ck_assert_ptr_null(s);
    s = slurp("cut_off", "experiment_metadata.json", &len);
    ck_assert_ptr_nonnull(strstr(s, "\"model_cutoff\": {\n    \"date\": null,\n    \"source\": \"none\""));
    free(s);

    /* an empty run with a cutoff: both sides without numbers, not_run */
    fx.cfg.lookback = 1000;
    snprintf(fx.cfg.start, sizeof fx.cfg.start, "2019-01-01");
    evs = run_cutoff(&fx, "cut_empty", "2019-03-15", &n);
    int verdicts = 0;
    for (size_t i = 0; i < n; i++)
        if (evs[i].kind == KT_EV_SCORECARD) {
            verdicts++;
            for (int g = 0; g < KT_N_GATES; g++)
                ck_assert_int_eq(evs[i].verdict.gate[g], KT_GATE_NOT_RUN);
            ck_assert(isnan(evs[i].verdict.net_spread[0]));
        }
    ck_assert_int_gt(verdicts, 0);
    free(evs);
    s = slurp("cut_empty", "stability_scorecard_by_period.csv", &len);
    ck_assert_str_eq(s, "period,horizon,rankic_headline,rankic_mean,nw_t,pct_positive,churn_median_20,"
                        "cost_survival,momentum_corr_median,best_baseline,best_baseline_rankic,"
                        "gate_1,gate_2,gate_3\n"
                        "before_cutoff,1,,,,,,,,,,not_run,not_run,not_run\n"
                        "before_cutoff,5,,,,,,,,,,not_run,not_run,not_run\n"
                        "after_cutoff,1,,,,,,,,,,not_run,not_run,not_run\n"
                        "after_cutoff,5,,,,,,,,,,not_run,not_run,not_run\n");
    free(s);
    fx_free(&fx);
}
END_TEST

int main(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/kt-test-worker-XXXXXX");
    if (!mkdtemp(tmpdir))
        return EXIT_FAILURE;
    Suite *s = suite_create("worker");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_label_alignment_ragged);
    tcase_add_test(tc, test_full_run_outputs);
    tcase_add_test(tc, test_empty_case);
    tcase_add_test(tc, test_controls_not_run_with_few_names);
    tcase_add_test(tc, test_cancel_within_micro_batch);
    tcase_add_test(tc, test_resume_after_kill9);
    tcase_add_test(tc, test_torn_record_and_foreign_journal);
    tcase_add_test(tc, test_thread_with_batch_log);
    tcase_add_test(tc, test_progress_only_on_change);
    tcase_add_test(tc, test_step_progress_events);
    tcase_add_test(tc, test_work_progress_events);
    tcase_add_test(tc, test_pause_not_in_date_seconds);
    tcase_add_test(tc, test_cutoff_and_verdict);
    suite_add_tcase(s, tc);
    int nf = kt_check_failures(s, CK_NOFORK);
    if (nf == 0) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0)
            return EXIT_FAILURE;
    }
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
