/* ui_feeder.c: test-only program. Creates a progress channel, replays a
 * scripted run on a worker thread and opens the console on it, so the
 * console can be driven in tmux without a model (tests/console.sh).
 *
 *   ui_feeder [normal|finish|empty|fresh|steps|work|int8|refblas|slowkernel] [--no-color]
 *             [--ascii] [--cjk] [--refresh S] [--delay MS]
 *   ui_feeder SCENARIO --write-status FILE   (replay into status.json, exit)
 *   ui_feeder --attach FILE                  (console on a status file)
 */
#include "config.h"

#include <locale.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/i18n.h"
#include "console.h"
#include "run/channel.h"
#include "run/snapshot_json.h"

/* UTF-8 Chinese test strings (wide characters, no spaces to break at). */
#define CJK_WARNING "\xe8\x82\xa1\xe7\xa5\xa8 BRK.B \xe5\x9c\xa8 2024-03-14 \xe8\xa2\xab\xe8\xb7\xb3\xe8\xbf\x87\xef\xbc\x9a\xe5\x9b\x9e\xe7\x9c\x8b\xe7\xaa\x97\xe5\x8f\xa3\xe7\xbc\xba\xe5\xb0\x91 3 \xe6\xa0\xb9K\xe7\xba\xbf"
#define CJK_REASON "98 \xe5\x8f\xaa\xe8\x82\xa1\xe7\xa5\xa8\xe4\xb8\xad 98 \xe5\x8f\xaa\xe8\xa2\xab\xe8\xb7\xb3\xe8\xbf\x87\xef\xbc\x9a" "2016-02-01 \xe4\xb9\x8b\xe5\x89\x8d\xe4\xb8\x8d\xe8\xb6\xb3 252 \xe6\xa0\xb9K\xe7\xba\xbf"
#define CJK_HINT "\xe5\xb0\x86\xe8\xaf\x84\xe4\xbc\xb0\xe5\x8c\xba\xe9\x97\xb4\xe7\x9a\x84\xe8\xb5\xb7\xe7\x82\xb9\xe6\x8e\xa8\xe8\xbf\x9f\xe5\x88\xb0" "2017-01-03\xe6\x88\x96\xe6\x9b\xb4\xe6\x99\x9a\xef\xbc\x8c\xe6\x88\x96\xe5\xb0\x86\xe5\x9b\x9e\xe7\x9c\x8b\xe7\xaa\x97\xe5\x8f\xa3\xe9\x99\x8d\xe4\xbd\x8e\xe5\x88\xb0" "120\xe3\x80\x82\xe5\x86\x8d\xe6\x8a\x8a\xe8\xbf\x99\xe4\xb8\x80\xe8\xa1\x8c\xe5\x86\x99\xe5\xbe\x97\xe5\xbe\x88\xe9\x95\xbf\xe5\xbe\x88\xe9\x95\xbf\xef\xbc\x8c\xe7\x9b\xb4\xe5\x88\xb0\xe5\xae\x83\xe5\xbf\x85\xe9\xa1\xbb\xe6\x8a\x98\xe8\xa1\x8c\xe3\x80\x82"
#define CJK_EXPERIMENT "\xe6\xbc\x94\xe7\xa4\xba-\xe6\xa0\x87\xe6\x99\xae" "100"
#define CJK_MODEL "Kronos-small\xef\xbc\x88\xe5\xb0\x8f\xe5\x9e\x8b\xef\xbc\x89+ " "\xe5\x88\x86\xe8\xaf\x8d\xe5\x99\xa8 Kronos-Tokenizer-base"

typedef struct feeder {
    kt_channel *ch;
    int cjk;                  /* wide-character strings in the data */
    const char *scenario;
    int delay_ms;
    double t;
} feeder;

static void emit(feeder *f, kt_event *e)
{
    e->t = f->t;
    kt_channel_publish(f->ch, e);
    if (f->delay_ms > 0)
        usleep((useconds_t)f->delay_ms * 1000);
}

static kt_event blank(kt_event_kind kind)
{
    kt_event e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    return e;
}

/* blas: 0 a matching kernel, 1 the reference BLAS, 2 a generic OpenBLAS kernel */
static void run_started(feeder *f, int dates_total, int folds, int blas)
{
    kt_event e = blank(KT_EV_RUN_STARTED);
    kt_run_header *h = &e.header;
    snprintf(h->experiment, sizeof h->experiment, "%s",
             f->cjk ? CJK_EXPERIMENT : "demo-sp100");
    snprintf(h->mode, sizeof h->mode, "walk-forward");
    h->n_tickers = 98;
    snprintf(h->data_first, sizeof h->data_first, "2013-01-02");
    snprintf(h->data_last, sizeof h->data_last, "2018-12-31");
    snprintf(h->range_start, sizeof h->range_start, "2016-02-01");
    snprintf(h->range_end, sizeof h->range_end, "2018-12-31");
    snprintf(h->model_desc, sizeof h->model_desc, "%s",
             f->cjk ? CJK_MODEL
                    : "Kronos-small + Kronos-Tokenizer-base");
    h->params = 24700000;
    h->max_context = 512;
    h->lookback = 252;
    h->dates_total = dates_total;
    h->heartbeat_interval = 1.0;
    snprintf(h->model_cutoff, sizeof h->model_cutoff, "2016-02-29");
    h->dates_seen = 20;
    snprintf(h->run_dir, sizeof h->run_dir, "/tmp/kt-feeder-run");
    e.fold_total = folds;
    kronos_device_status *d = &e.device;
    snprintf(d->device, sizeof d->device, "cpu");
    d->verified = 1;
    d->tensors_checked = 412;
    d->intra_threads = 2;
    snprintf(d->blas, sizeof d->blas, "%s", blas == 1 ? "reference BLAS" : "OpenBLAS 0.3.21");
    d->blas_is_reference = blas == 1;
    snprintf(d->simd, sizeof d->simd, "%s", blas == 2 ? "AVX512" : "AVX2");
    if (blas == 0) {
        snprintf(d->blas_kernel, sizeof d->blas_kernel, "Haswell");
        snprintf(d->blas_kernel_source, sizeof d->blas_kernel_source, "kronos-tui");
        snprintf(d->blas_kernel_replaced, sizeof d->blas_kernel_replaced, "Prescott");
    } else if (blas == 2) {
        snprintf(d->blas_kernel, sizeof d->blas_kernel, "Prescott");
        snprintf(d->blas_kernel_source, sizeof d->blas_kernel_source, "openblas");
        snprintf(d->blas_kernel_best, sizeof d->blas_kernel_best, "SkylakeX");
        d->blas_kernel_slow = 1;
    }
    snprintf(d->precision, sizeof d->precision, "%s", strcmp(f->scenario, "int8") == 0 ? "int8" : "fp32");
    d->params = 24700000;
    d->bytes = 98800000;
    snprintf(e.text, sizeof e.text, "Run started: 98 tickers, %d dates", dates_total);
    emit(f, &e);
}

static void fold_started(feeder *f, int idx, int total, int dates)
{
    kt_event e = blank(KT_EV_FOLD_STARTED);
    e.fold_index = idx;
    e.fold_total = total;
    e.fold_dates = dates;
    snprintf(e.fold_id, sizeof e.fold_id, "fold_%02d", idx);
    emit(f, &e);
}

static void metrics(feeder *f, int horizon, int n, double median, double mean, double icir,
                    double pos, double phase)
{
    kt_event e = blank(KT_EV_METRICS);
    kt_horizon_stats *h = &e.metrics;
    h->horizon = horizon;
    h->dates_scored = n;
    h->median = median;
    h->mean = mean;
    h->icir = icir;
    h->pct_positive = pos;
    h->hist_n = n;
    for (int i = 0; i < n; i++)
        h->hist[i] = (float)(0.05 * sin(0.4 * i + phase) + mean);
    h->latest = h->hist[n - 1];
    emit(f, &e);
}

static void script_normal(feeder *f, int blas)
{
    run_started(f, 2289, 109, blas);
    kt_event e = blank(KT_EV_LOG);
    snprintf(e.text, sizeof e.text, "Resuming from the journal: 42 dates already scored");
    emit(f, &e);
    for (int fold = 1; fold <= 2; fold++) {
        fold_started(f, fold, 109, 21);
        for (int d = 1; d <= 21; d++) {
            e = blank(KT_EV_DATE_RESUMED);
            e.date_index = d;
            e.date_total = 21;
            snprintf(e.date, sizeof e.date, "2016-0%d-%02d", fold + 1, d);
            e.scored = 98;
            emit(f, &e);
        }
        e = blank(KT_EV_FOLD_DONE);
        snprintf(e.text, sizeof e.text, "Fold fold_%02d, horizon 5d: 2058 total scores\n"
                 "Fold fold_%02d, horizon 20d: 2058 total scores", fold, fold);
        if (fold == 2) {
            snprintf(e.flag.fold_id, sizeof e.flag.fold_id, "fold_02");
            e.flag.horizon = 20;
            snprintf(e.flag.flags, sizeof e.flag.flags, "RAPID_DECAY");
        }
        emit(f, &e);
    }
    /* the worker's scorecard after fold_02: gate 1 pass, gate 2 fail, gate
     * 3 not run; net spread +1.23 % (5d) and -0.45 % (20d) */
    e = blank(KT_EV_SCORECARD);
    kt_verdict *v = &e.verdict;
    snprintf(v->fold_id, sizeof v->fold_id, "fold_02");
    v->n_dates = 42;
    v->gate[0] = KT_GATE_PASS;
    v->gate[1] = KT_GATE_FAIL;
    v->gate[2] = KT_GATE_NOT_RUN;
    v->n_horizons = 2;
    v->horizon[0] = 5;
    v->horizon[1] = 20;
    v->net_spread[0] = 0.0123;
    v->net_spread[1] = -0.0045;
    v->cost_survival[0] = 0.61;
    v->cost_survival[1] = NAN;
    emit(f, &e);
    fold_started(f, 3, 109, 21);
    static const double secs[9] = {2.0, 2.5, 3.0, 2.0, 2.5, 3.0, 2.0, 2.5, 3.0};
    for (int d = 1; d <= 9; d++) {
        e = blank(KT_EV_DATE_STARTED);
        e.date_index = d;
        e.date_total = 21;
        e.batch_total = 10;
        snprintf(e.date, sizeof e.date, "2024-03-%02d", d);
        emit(f, &e);
        f->t += secs[d - 1];
        e = blank(KT_EV_DATE_DONE);
        e.date_index = d;
        e.date_total = 21;
        snprintf(e.date, sizeof e.date, "2024-03-%02d", d);
        e.seconds = secs[d - 1];
        e.scored = 90;
        e.skipped = 8;
        e.tokens = 10000;
        emit(f, &e);
    }
    e = blank(KT_EV_WARNING);
    snprintf(e.text, sizeof e.text, "%s",
             f->cjk ? CJK_WARNING : "BRK.B skipped on 2024-03-14: 3 missing bars in the lookback");
    emit(f, &e);
    e = blank(KT_EV_DATE_STARTED);
    e.date_index = 10;
    e.date_total = 21;
    e.batch_total = 10;
    snprintf(e.date, sizeof e.date, "2024-03-14");
    emit(f, &e);
    metrics(f, 5, 51, 0.0412, 0.0387, 0.52, 0.612, 0.0);
    metrics(f, 20, 51, 0.0250, 0.0198, 0.31, 0.550, 1.0);
    e = blank(KT_EV_BATCH_PROGRESS);
    e.batch_done = 9;
    e.batch_total = 10;
    e.scored = 78;
    e.skipped = 11;
    emit(f, &e);
}

static void script_empty(feeder *f)
{
    run_started(f, 21, 1, 0);
    fold_started(f, 1, 1, 21);
    kt_event e;
    for (int d = 1; d <= 21; d++) {
        e = blank(KT_EV_DATE_DONE);
        e.date_index = d;
        e.date_total = 21;
        snprintf(e.date, sizeof e.date, "2016-02-%02d", d);
        e.seconds = 0.01;
        e.skipped = 98;
        emit(f, &e);
    }
    e = blank(KT_EV_WARNING);
    snprintf(e.text, sizeof e.text, "98 tickers skipped on every date: fewer than 252 bars");
    emit(f, &e);
    e = blank(KT_EV_EMPTY);
    snprintf(e.text, sizeof e.text, "%s",
             f->cjk ? CJK_REASON : "98 of 98 tickers skipped: fewer than 252 bars before 2016-02-01");
    snprintf(e.text2, sizeof e.text2, "%s",
             f->cjk ? CJK_HINT
                    : "Start the evaluation range at 2017-01-03 or later, or lower --lookback to 120.");
    snprintf(e.path, sizeof e.path, "/tmp/kt-feeder-run/REPORT_EMPTY.md");
    emit(f, &e);
}

static void script_fresh(feeder *f)
{
    run_started(f, 2289, 109, 0);
    fold_started(f, 1, 109, 21);
    kt_event e = blank(KT_EV_DATE_STARTED);
    e.date_index = 1;
    e.date_total = 21;
    e.batch_total = 10;
    snprintf(e.date, sizeof e.date, "2016-02-01");
    emit(f, &e);
}

/* fresh, then the scorer 34 of 90 generation steps into the date's only
 * micro-batch, no series done yet; work_done of work_total when it counts
 * its work (0 of 0: it does not) */
static void script_steps_at(feeder *f, int work_done, int work_total)
{
    script_fresh(f);
    kt_event e = blank(KT_EV_BATCH_PROGRESS);
    e.date_index = 1;
    e.date_total = 21;
    snprintf(e.date, sizeof e.date, "2016-02-01");
    e.batch_done = 0;
    e.batch_total = 10;
    e.micro_batch = 1;
    e.micro_batches = 1;
    e.step_done = 34;
    e.step_total = 90;
    e.work_done = work_done;
    e.work_total = work_total;
    emit(f, &e);
}

/* Publishes the scenario; returns 1 when the run stays active. */
static int run_script(feeder *f)
{
    const char *sc = f->scenario;
    if (strcmp(sc, "empty") == 0) {
        script_empty(f);
        return 0;
    }
    if (strcmp(sc, "fresh") == 0)
        script_fresh(f);
    else if (strcmp(sc, "steps") == 0)
        script_steps_at(f, 0, 0);
    else if (strcmp(sc, "work") == 0) /* 61 %: the prefill weighs more than a step */
        script_steps_at(f, 55000, 90000);
    else
        script_normal(f, strcmp(sc, "refblas") == 0 ? 1 : strcmp(sc, "slowkernel") == 0 ? 2 : 0);
    if (strcmp(sc, "finish") == 0) {
        kt_event e = blank(KT_EV_FINISHED);
        snprintf(e.text, sizeof e.text, "/tmp/kt-feeder-run/REPORT.md");
        emit(f, &e);
        return 0;
    }
    return 1;
}

static void *worker(void *arg)
{
    feeder *f = arg;
    if (!run_script(f))
        return NULL;
    /* the date in progress never ends: wait for pause/cancel */
    while (!kt_channel_checkpoint(f->ch))
        usleep(50 * 1000);
    kt_event e = blank(KT_EV_LOG);
    snprintf(e.text, sizeof e.text, "Journal flushed; resume with --resume");
    emit(f, &e);
    e = blank(KT_EV_CANCELLED);
    emit(f, &e);
    return NULL;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Numbers in CSV/JSON outputs and parsed inputs always use '.'. */
    setlocale(LC_NUMERIC, "C");
    /* KRONOS_TUI_LOCALEDIR: catalogs of an uninstalled build (tests). */
    const char *localedir = getenv("KRONOS_TUI_LOCALEDIR");
    bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    textdomain(PACKAGE);

    kt_console_options opt;
    memset(&opt, 0, sizeof opt);
    opt.refresh_secs = 1.0;
    feeder f = {.scenario = "normal"};
    const char *write_status = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--no-color") == 0)
            opt.no_color = 1;
        else if (strcmp(argv[i], "--ascii") == 0)
            opt.ascii = 1;
        else if (strcmp(argv[i], "--cjk") == 0)
            f.cjk = 1;
        else if (strcmp(argv[i], "--refresh") == 0 && i + 1 < argc)
            opt.refresh_secs = atof(argv[++i]);
        else if (strcmp(argv[i], "--delay") == 0 && i + 1 < argc)
            f.delay_ms = atoi(argv[++i]);
        else if (strcmp(argv[i], "--attach") == 0 && i + 1 < argc)
            opt.status_path = argv[++i];
        else if (strcmp(argv[i], "--write-status") == 0 && i + 1 < argc)
            write_status = argv[++i];
        else if (argv[i][0] != '-')
            f.scenario = argv[i];
        else {
            fprintf(stderr, "ui_feeder: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    if (opt.status_path) {
        int code = kt_console_run(&opt);
        printf("ui_feeder: console exited with code %d\n", code);
        return 0;
    }
    f.ch = kt_channel_new();
    if (!f.ch)
        return 1;
    if (write_status) { /* replay into a status file for --attach tests */
        run_script(&f);
        kt_snapshot s;
        kt_channel_snapshot(f.ch, &s);
        char err[512];
        int rc = kt_snapshot_write_file(&s, write_status, (double)time(NULL), err, sizeof err);
        if (rc != 0)
            fprintf(stderr, "ui_feeder: %s\n", err);
        kt_channel_free(f.ch);
        return rc == 0 ? 0 : 1;
    }
    opt.ch = f.ch;
    pthread_t th;
    pthread_create(&th, NULL, worker, &f);
    int code = kt_console_run(&opt);
    kt_channel_cancel(f.ch);
    pthread_join(th, NULL);
    kt_channel_free(f.ch);
    printf("ui_feeder: console exited with code %d\n", code);
    return 0;
}
