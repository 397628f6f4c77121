/* test_channel.c: the progress channel and its snapshot (src/run/channel.c). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "run/channel.h"

static kt_event ev_of(kt_event_kind kind, double t)
{
    kt_event e;
    memset(&e, 0, sizeof e);
    e.kind = kind;
    e.t = t;
    return e;
}

static kt_event date_done(int idx, const char *date, double secs, int scored, int skipped)
{
    kt_event e = ev_of(KT_EV_DATE_DONE, idx * 10.0);
    e.date_index = idx;
    e.date_total = 10;
    snprintf(e.date, sizeof e.date, "%s", date);
    e.seconds = secs;
    e.scored = scored;
    e.skipped = skipped;
    e.tokens = 1000;
    return e;
}

static int readable(int fd)
{
    struct pollfd p = {.fd = fd, .events = POLLIN};
    return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

START_TEST(test_init_state)
{
    kt_snapshot s;
    kt_snapshot_init(&s);
    ck_assert_int_eq(s.state, KT_RUN_STARTING);
    ck_assert_uint_eq(s.seq, 0);
    ck_assert(isnan(s.h[0].median));
    ck_assert(isnan(kt_snapshot_secs_median(&s)));
    ck_assert(isnan(kt_snapshot_secs_p90(&s)));
    ck_assert(isnan(kt_snapshot_eta_avg(&s)));
    ck_assert(isnan(kt_snapshot_eta_recent(&s)));
    ck_assert(s.heartbeat_interval == 5.0);
}
END_TEST

START_TEST(test_progress_and_timing)
{
    kt_snapshot s;
    kt_snapshot_init(&s);

    kt_event e = ev_of(KT_EV_RUN_STARTED, 0.5);
    snprintf(e.header.experiment, sizeof e.header.experiment, "demo");
    snprintf(e.header.mode, sizeof e.header.mode, "walk");
    e.header.n_tickers = 98;
    e.header.dates_total = 10;
    e.header.heartbeat_interval = 2.0;
    snprintf(e.header.run_dir, sizeof e.header.run_dir, "/tmp/run");
    e.fold_total = 2;
    snprintf(e.device.device, sizeof e.device.device, "cpu");
    e.device.verified = 1;
    e.device.intra_threads = 2;
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_RUNNING);
    ck_assert_str_eq(s.experiment, "demo");
    ck_assert_str_eq(s.mode, "walk");
    ck_assert_str_eq(s.run_dir, "/tmp/run");
    ck_assert_int_eq(s.n_tickers, 98);
    ck_assert_int_eq(s.dates_total, 10);
    ck_assert_int_eq(s.fold_total, 2);
    ck_assert_str_eq(s.device.device, "cpu");
    ck_assert_int_eq(s.device.verified, 1);
    ck_assert(s.heartbeat_interval == 2.0);
    ck_assert(s.elapsed == 0.5);

    e = ev_of(KT_EV_FOLD_STARTED, 1);
    e.fold_index = 1;
    e.fold_total = 2;
    e.fold_dates = 5;
    snprintf(e.fold_id, sizeof e.fold_id, "fold_01");
    kt_snapshot_apply(&s, &e);
    ck_assert_str_eq(s.fold_id, "fold_01");
    ck_assert_int_eq(s.fold_index, 1);
    ck_assert_int_eq(s.date_total, 5);
    ck_assert_int_eq(s.date_index, 0);

    for (int i = 1; i <= 2; i++) {
        e = ev_of(KT_EV_DATE_RESUMED, 1);
        e.date_index = i;
        e.date_total = 5;
        snprintf(e.date, sizeof e.date, "2016-02-0%d", i);
        kt_snapshot_apply(&s, &e);
    }
    ck_assert_int_eq(s.dates_done, 2);
    ck_assert_int_eq(s.dates_resumed, 2);
    ck_assert_int_eq(s.secs_n, 0);
    ck_assert(isnan(kt_snapshot_eta_avg(&s)));

    e = ev_of(KT_EV_DATE_STARTED, 2);
    e.date_index = 3;
    e.date_total = 5;
    e.batch_total = 4;
    snprintf(e.date, sizeof e.date, "2016-02-03");
    kt_snapshot_apply(&s, &e);
    ck_assert_str_eq(s.date, "2016-02-03");
    ck_assert_int_eq(s.batch_done, 0);
    ck_assert_int_eq(s.batch_total, 4);

    e = ev_of(KT_EV_BATCH_PROGRESS, 3);
    e.batch_done = 2;
    e.batch_total = 4;
    e.scored = 30;
    e.skipped = 2;
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.batch_done, 2);
    ck_assert_int_eq(s.date_scored, 30);
    ck_assert_int_eq(s.date_skipped, 2);

    e = date_done(3, "2016-02-03", 2.0, 60, 3);
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.batch_done, 4);
    ck_assert_int_eq(s.date_scored, 60);
    ck_assert_int_eq(s.date_skipped, 3);
    ck_assert_int_eq(s.dates_done, 3);
    ck_assert_int_eq(s.secs_n, 1);
    ck_assert(kt_snapshot_secs_median(&s) == 2.0);
    ck_assert(isnan(kt_snapshot_eta_avg(&s)));   /* one computed date */
    ck_assert(isnan(kt_snapshot_secs_p90(&s)));

    const double secs[] = {4, 6, 8, 10, 12};
    for (int i = 0; i < 5; i++) {
        e = date_done(4 + i, "2016-02-04", secs[i], 60, 0);
        kt_snapshot_apply(&s, &e);
        if (i == 2) { /* 4 computed dates: 2 4 6 8 */
            ck_assert(kt_snapshot_secs_median(&s) == 5.0);
            ck_assert(isnan(kt_snapshot_secs_p90(&s)));
            ck_assert(isnan(kt_snapshot_eta_recent(&s)));
            /* left 10-6 = 4, average 20/4 = 5 */
            ck_assert(kt_snapshot_eta_avg(&s) == 20.0);
        }
    }
    /* computed: 2 4 6 8 10 12; resumed 2; done 8 of 10 */
    ck_assert_int_eq(s.secs_n, 6);
    ck_assert_int_eq(s.dates_done, 8);
    ck_assert(s.secs_total == 42.0);
    ck_assert_int_eq((int)s.tokens_total, 6000);
    ck_assert_int_eq((int)s.tickers_total, 360);
    ck_assert(kt_snapshot_secs_median(&s) == 7.0);
    ck_assert(fabs(kt_snapshot_secs_p90(&s) - 11.0) < 1e-9);
    ck_assert(fabs(kt_snapshot_eta_avg(&s) - 14.0) < 1e-9);   /* 2 * 42/6 */
    ck_assert(fabs(kt_snapshot_eta_recent(&s) - 16.0) < 1e-9); /* 2 * mean(4..12) */
    ck_assert(s.elapsed == 80.0);
    ck_assert_uint_eq(s.seq, 12);

    /* the 9th date under way (on a copy): its step fraction comes off the
     * dates left; without steps, the series fraction */
    {
        kt_snapshot t = s;
        kt_event d = ev_of(KT_EV_DATE_STARTED, 81);
        d.batch_total = 30;
        kt_snapshot_apply(&t, &d);
        ck_assert(kt_snapshot_date_fraction(&t) == 0.0);
        d = ev_of(KT_EV_BATCH_PROGRESS, 82);
        d.batch_done = 10;
        d.batch_total = 30;
        kt_snapshot_apply(&t, &d);
        ck_assert(fabs(kt_snapshot_date_fraction(&t) - 1.0 / 3.0) < 1e-12);
        d.micro_batch = 1;
        d.micro_batches = 2;
        d.step_done = 45;
        d.step_total = 180;
        kt_snapshot_apply(&t, &d);
        ck_assert_int_eq(t.step_done, 45);
        ck_assert_int_eq(t.micro_batches, 2);
        ck_assert(kt_snapshot_date_fraction(&t) == 0.25);
        ck_assert(fabs(kt_snapshot_eta_avg(&t) - 12.25) < 1e-9);    /* 1.75 * 7 */
        ck_assert(fabs(kt_snapshot_eta_recent(&t) - 14.0) < 1e-9);  /* 1.75 * 8 */
        ck_assert(fabs(kt_snapshot_run_fraction(&t) - 0.825) < 1e-12); /* (8 + 0.25) / 10 */
        /* the scorer's work, when it counts it, is the date's share */
        d.work_done = 600;
        d.work_total = 1000;
        kt_snapshot_apply(&t, &d);
        ck_assert(kt_snapshot_date_fraction(&t) == 0.6);
        ck_assert(fabs(kt_snapshot_eta_avg(&t) - 9.8) < 1e-9);      /* 1.4 * 7 */
        ck_assert(fabs(kt_snapshot_run_fraction(&t) - 0.86) < 1e-12); /* (8 + 0.6) / 10 */
        e = date_done(9, "2016-02-09", 8.0, 60, 0);
        kt_snapshot_apply(&t, &e);
        ck_assert_int_eq(t.step_done, 180);
        ck_assert_int_eq(t.work_done, 1000);
        ck_assert(kt_snapshot_date_fraction(&t) == 1.0);
        ck_assert(fabs(kt_snapshot_run_fraction(&t) - 0.9) < 1e-12); /* 9 of 10 */
        d = ev_of(KT_EV_DATE_STARTED, 90); /* the next date starts at 0 */
        kt_snapshot_apply(&t, &d);
        ck_assert_int_eq(t.work_total, 0);
        ck_assert(kt_snapshot_date_fraction(&t) == 0.0);
    }

    /* overrun: no negative ETA */
    for (int i = 0; i < 3; i++) {
        e = date_done(9, "2016-02-09", 1.0, 1, 0);
        kt_snapshot_apply(&s, &e);
    }
    ck_assert(kt_snapshot_eta_avg(&s) == 0.0);
}
END_TEST

START_TEST(test_states_and_paths)
{
    kt_snapshot s;
    kt_snapshot_init(&s);
    kt_event e = ev_of(KT_EV_RUN_STARTED, 0);
    kt_snapshot_apply(&s, &e);
    e = ev_of(KT_EV_PAUSED, 1);
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_PAUSED);
    e = ev_of(KT_EV_RESUMED, 2);
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_RUNNING);

    e = ev_of(KT_EV_FINISHED, 3);
    snprintf(e.text, sizeof e.text, "/tmp/run/REPORT.md");
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_FINISHED);
    ck_assert_str_eq(s.report_path, "/tmp/run/REPORT.md");
    e = ev_of(KT_EV_PAUSED, 4); /* a final state stays final */
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_FINISHED);

    kt_snapshot_init(&s);
    e = ev_of(KT_EV_EMPTY, 5);
    snprintf(e.text, sizeof e.text, "98 of 98 tickers skipped: fewer than 252 bars before 2016-02-01");
    snprintf(e.text2, sizeof e.text2, "Start the range later or lower --lookback.");
    snprintf(e.path, sizeof e.path, "/tmp/run/REPORT_EMPTY.md");
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_EMPTY);
    ck_assert_str_eq(s.empty_reason, "98 of 98 tickers skipped: fewer than 252 bars before 2016-02-01");
    ck_assert_str_eq(s.empty_hint, "Start the range later or lower --lookback.");
    ck_assert_str_eq(s.report_path, "/tmp/run/REPORT_EMPTY.md");

    kt_snapshot_init(&s);
    e = ev_of(KT_EV_FAILED, 6);
    snprintf(e.text, sizeof e.text, "prices.csv:12: field close: not a number");
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_FAILED);
    ck_assert_str_eq(s.failure, "prices.csv:12: field close: not a number");
    ck_assert_int_eq(s.log_n, 1);
    ck_assert_str_eq(s.log[0], "Eprices.csv:12: field close: not a number");

    kt_snapshot_init(&s);
    e = ev_of(KT_EV_CANCELLED, 7);
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.state, KT_RUN_CANCELLED);
}
END_TEST

START_TEST(test_log_ring)
{
    kt_snapshot s;
    kt_snapshot_init(&s);
    kt_event e;
    for (int i = 0; i < 70; i++) {
        e = ev_of(i % 2 ? KT_EV_WARNING : KT_EV_LOG, i);
        snprintf(e.text, sizeof e.text, "line %d", i);
        kt_snapshot_apply(&s, &e);
    }
    ck_assert_int_eq(s.log_n, KT_LOG_LINES);
    ck_assert_str_eq(s.log[0], "Iline 6");
    ck_assert_str_eq(s.log[1], "Wline 7");
    ck_assert_str_eq(s.log[KT_LOG_LINES - 1], "Wline 69");

    /* multi-line text, blank lines skipped */
    kt_snapshot_init(&s);
    e = ev_of(KT_EV_FOLD_DONE, 1);
    snprintf(e.text, sizeof e.text, "Fold fold_01, horizon 5d: 10 total scores\n\nFold fold_01, horizon 20d: 8 total scores\n");
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.log_n, 2);
    ck_assert_str_eq(s.log[1], "IFold fold_01, horizon 20d: 8 total scores");

    /* a long UTF-8 line is cut at a character boundary: "a" + 100 x U+4E2D */
    kt_snapshot_init(&s);
    e = ev_of(KT_EV_WARNING, 1);
    char *p = e.text;
    *p++ = 'a';
    for (int i = 0; i < 100; i++) {
        memcpy(p, "\xe4\xb8\xad", 3);
        p += 3;
    }
    *p = '\0';
    kt_snapshot_apply(&s, &e);
    /* room: KT_LOG_WIDTH - 2 = 198 bytes of text -> 1 + 65*3 = 196 */
    ck_assert_uint_eq(strlen(s.log[0]), 1 + 196);
    ck_assert(strncmp(s.log[0] + 194, "\xe4\xb8\xad", 3) == 0);
}
END_TEST

START_TEST(test_metrics_and_flags)
{
    kt_snapshot s;
    kt_snapshot_init(&s);
    kt_event e = ev_of(KT_EV_METRICS, 1);
    e.metrics.horizon = 20;
    e.metrics.dates_scored = 3;
    e.metrics.median = 0.05;
    e.metrics.hist_n = 3;
    e.metrics.hist[2] = 0.1f;
    kt_snapshot_apply(&s, &e);
    e.metrics.horizon = 5;
    e.metrics.median = 0.02;
    kt_snapshot_apply(&s, &e);
    e.metrics.horizon = 20;
    e.metrics.dates_scored = 4;
    e.metrics.median = 0.07;
    e.metrics.hist_n = 9999; /* clamped */
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.n_horizons, 2);
    ck_assert_int_eq(s.h[0].horizon, 5);
    ck_assert(s.h[0].median == 0.02);
    ck_assert_int_eq(s.h[1].horizon, 20);
    ck_assert_int_eq(s.h[1].dates_scored, 4);
    ck_assert(s.h[1].median == 0.07);
    ck_assert_int_eq(s.h[1].hist_n, KT_HIST);

    for (int i = 0; i < KT_MAX_HORIZONS + 2; i++) {
        e.metrics.horizon = 100 + i;
        kt_snapshot_apply(&s, &e);
    }
    ck_assert_int_eq(s.n_horizons, KT_MAX_HORIZONS);
    ck_assert_int_eq(s.h[KT_MAX_HORIZONS - 1].horizon, 105);

    e = ev_of(KT_EV_FOLD_DONE, 2);
    snprintf(e.flag.fold_id, sizeof e.flag.fold_id, "fold_01");
    e.flag.horizon = 20;
    snprintf(e.flag.flags, sizeof e.flag.flags, "RAPID_DECAY");
    kt_snapshot_apply(&s, &e);
    snprintf(e.flag.flags, sizeof e.flag.flags, "RAPID_DECAY,NOISY");
    kt_snapshot_apply(&s, &e);
    ck_assert_int_eq(s.n_flags, 1);
    ck_assert_str_eq(s.flags[0].flags, "RAPID_DECAY,NOISY");
    for (int i = 2; i <= KT_MAX_FOLD_FLAGS + 1; i++) {
        snprintf(e.flag.fold_id, sizeof e.flag.fold_id, "fold_%02d", i);
        kt_snapshot_apply(&s, &e);
    }
    ck_assert_int_eq(s.n_flags, KT_MAX_FOLD_FLAGS);
    ck_assert_str_eq(s.flags[0].fold_id, "fold_02");
    ck_assert_int_eq(s.log_n, 0); /* no text, no log line */
}
END_TEST

START_TEST(test_queue_overflow)
{
    kt_channel *ch = kt_channel_new_capacity(4);
    ck_assert_ptr_nonnull(ch);
    int fd = kt_channel_wake_fd(ch);
    ck_assert(!readable(fd));

    const kt_event_kind kinds[] = {KT_EV_LOG, KT_EV_BATCH_PROGRESS, KT_EV_LOG,
                                   KT_EV_BATCH_PROGRESS, KT_EV_LOG, KT_EV_LOG, KT_EV_LOG};
    for (int i = 0; i < 7; i++) {
        kt_event e = ev_of(kinds[i], i);
        kt_channel_publish(ch, &e);
    }
    ck_assert(readable(fd));
    ck_assert_uint_eq(kt_channel_dropped(ch), 3);
    /* both BATCH_PROGRESS events went first, then the oldest (t=0) */
    kt_event out[8];
    size_t n = kt_channel_drain(ch, out, 2);
    ck_assert_uint_eq(n, 2);
    ck_assert(out[0].t == 2.0 && out[1].t == 4.0);
    ck_assert(readable(fd)); /* events remain */
    n = kt_channel_drain(ch, out, 8);
    ck_assert_uint_eq(n, 2);
    ck_assert(out[0].t == 5.0 && out[1].t == 6.0);
    ck_assert(!readable(fd));

    /* the snapshot saw every event, dropped or not */
    kt_snapshot s;
    kt_channel_snapshot(ch, &s);
    ck_assert_uint_eq(s.seq, 7);

    kt_event e = ev_of(KT_EV_LOG, 9);
    kt_channel_publish(ch, &e);
    kt_channel_publish(ch, &e);
    ck_assert(readable(fd));
    ck_assert_uint_eq(kt_channel_drain(ch, NULL, 0), 2);
    ck_assert(!readable(fd));
    ck_assert_uint_eq(kt_channel_drain(ch, out, 8), 0);
    kt_channel_free(ch);
}
END_TEST

/* A publisher of 40 LOG events into a queue of 4. */
static void *publish_40(void *arg)
{
    kt_channel *ch = arg;
    for (int i = 0; i < 40; i++) {
        kt_event e = ev_of(KT_EV_LOG, i);
        kt_channel_publish(ch, &e);
    }
    return NULL;
}

/* With a wait set, a full queue makes the publisher wait for the drain:
 * nothing is lost, in order; a cancel lets a waiting publisher go on
 * (dropping, as without a wait). */
START_TEST(test_queue_wait)
{
    kt_channel *ch = kt_channel_new_capacity(4);
    kt_channel_set_wait(ch, 30.0);
    pthread_t th;
    ck_assert_int_eq(pthread_create(&th, NULL, publish_40, ch), 0);
    kt_event out[4];
    int got = 0;
    while (got < 40) {
        usleep(2000); /* a slow front end */
        size_t n = kt_channel_drain(ch, out, 4);
        for (size_t i = 0; i < n; i++, got++)
            ck_assert(out[i].t == got);
    }
    pthread_join(th, NULL);
    ck_assert_uint_eq(kt_channel_dropped(ch), 0);
    /* nobody drains: cancel releases the publisher */
    ck_assert_int_eq(pthread_create(&th, NULL, publish_40, ch), 0);
    usleep(50000);
    kt_channel_cancel(ch);
    pthread_join(th, NULL);
    ck_assert_uint_eq(kt_channel_dropped(ch), 36);
    kt_channel_free(ch);
}
END_TEST

struct pause_ctx {
    kt_channel *ch;
    int result;
};

static void *checkpoint_thread(void *arg)
{
    struct pause_ctx *c = arg;
    c->result = kt_channel_checkpoint(c->ch);
    return NULL;
}

static int wait_state(kt_channel *ch, kt_run_state st)
{
    kt_snapshot s;
    for (int i = 0; i < 2000; i++) {
        kt_channel_snapshot(ch, &s);
        if (s.state == st)
            return 1;
        usleep(1000);
    }
    return 0;
}

START_TEST(test_pause_cancel)
{
    kt_channel *ch = kt_channel_new();
    kt_event e = ev_of(KT_EV_RUN_STARTED, 0);
    kt_channel_publish(ch, &e);
    ck_assert_int_eq(kt_channel_checkpoint(ch), 0);

    kt_channel_set_paused(ch, 1);
    ck_assert_int_eq(kt_channel_paused(ch), 1);
    struct pause_ctx c = {ch, -1};
    pthread_t th;
    pthread_create(&th, NULL, checkpoint_thread, &c);
    ck_assert(wait_state(ch, KT_RUN_PAUSED));
    kt_channel_set_paused(ch, 0);
    pthread_join(th, NULL);
    ck_assert_int_eq(c.result, 0);
    ck_assert(wait_state(ch, KT_RUN_RUNNING));

    kt_channel_set_paused(ch, 1);
    c.result = -1;
    pthread_create(&th, NULL, checkpoint_thread, &c);
    ck_assert(wait_state(ch, KT_RUN_PAUSED));
    kt_channel_cancel(ch);
    pthread_join(th, NULL);
    ck_assert_int_eq(c.result, 1);
    ck_assert_int_eq(kt_channel_cancelled(ch), 1);
    ck_assert_int_eq(kt_channel_checkpoint(ch), 1);
    kt_channel_free(ch);
}
END_TEST

#define N_EVENTS 10000

static void *producer(void *arg)
{
    kt_channel *ch = arg;
    for (int i = 0; i < N_EVENTS; i++) {
        kt_event e = ev_of(i % 3 == 2 ? KT_EV_DATE_DONE : KT_EV_BATCH_PROGRESS, i);
        e.seconds = 0.5;
        e.scored = 2;
        e.batch_done = i;
        kt_channel_publish(ch, &e);
        if (i % 100 == 0)
            kt_channel_checkpoint(ch);
    }
    return NULL;
}

START_TEST(test_two_threads)
{
    kt_channel *ch = kt_channel_new_capacity(64);
    pthread_t th;
    pthread_create(&th, NULL, producer, ch);
    static kt_event out[32];
    kt_snapshot s;
    size_t got = 0, snaps = 0;
    double last_t = -1;
    int ordered = 1;
    int fd = kt_channel_wake_fd(ch);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        poll(&p, 1, 10);
        size_t n = kt_channel_drain(ch, out, 32);
        for (size_t i = 0; i < n; i++) {
            if (out[i].t <= last_t)
                ordered = 0;
            last_t = out[i].t;
        }
        got += n;
        kt_channel_snapshot(ch, &s);
        snaps++;
        if (s.seq == N_EVENTS && n == 0 && !readable(fd))
            break;
    }
    pthread_join(th, NULL);
    ck_assert(ordered);
    ck_assert_uint_eq(got + kt_channel_dropped(ch), N_EVENTS);
    kt_channel_snapshot(ch, &s);
    ck_assert_uint_eq(s.seq, N_EVENTS);
    ck_assert_int_eq(s.dates_done, N_EVENTS / 3);
    ck_assert_int_eq((int)s.tickers_total, 2 * (N_EVENTS / 3));
    ck_assert(s.secs_total == 0.5 * (N_EVENTS / 3));
    ck_assert(s.elapsed == N_EVENTS - 1);
    ck_assert(snaps > 0);
    kt_channel_free(ch);
}
END_TEST

static Suite *channel_suite(void)
{
    Suite *s = suite_create("channel");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_init_state);
    tcase_add_test(tc, test_progress_and_timing);
    tcase_add_test(tc, test_states_and_paths);
    tcase_add_test(tc, test_log_ring);
    tcase_add_test(tc, test_metrics_and_flags);
    tcase_add_test(tc, test_queue_overflow);
    tcase_add_test(tc, test_queue_wait);
    tcase_add_test(tc, test_pause_cancel);
    tcase_add_test(tc, test_two_threads);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kt_check_failures(channel_suite(), CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
