/* test_rundir.c: run directory lock, status recorder (rate limit, state
 * changes, heartbeat), settings diff, --status exit codes. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "check_run.h"
#include "eval/evalcfg.h"
#include "run/batchlog.h"
#include "run/rundir.h"
#include "run/snapshot_json.h"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "%s/kt-test-rundir.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

/* the wall clock, to the nanosecond (time(NULL) cuts to whole seconds) */
static double wall_time(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t status_seq(kt_snapshot *s)
{
    char path[400], err[600];
    double upd;
    snprintf(path, sizeof path, "%s/status.json", dir);
    ck_assert_msg(kt_snapshot_read_file(path, s, &upd, err, sizeof err) == 0, "%s", err);
    return s->seq;
}

START_TEST(lock_second_writer_refused)
{
    kt_runlock *a = NULL, *b = NULL;
    long other = -1;
    char err[1200];
    ck_assert_int_eq(kt_rundir_lock(dir, &a, &other, err, sizeof err), 0);
    /* a second open file description conflicts, even in this process */
    ck_assert_int_eq(kt_rundir_lock(dir, &b, &other, err, sizeof err), 1);
    ck_assert_ptr_null(b);
    ck_assert_int_eq(other, (long)getpid());
    char want[64];
    snprintf(want, sizeof want, "(pid %ld, lock ", (long)getpid());
    ck_assert_ptr_nonnull(strstr(err, want));
    kt_rundir_unlock(a);
    ck_assert_int_eq(kt_rundir_lock(dir, &b, &other, err, sizeof err), 0);
    kt_rundir_unlock(b);
}
END_TEST

START_TEST(recorder_rate_limit_and_heartbeat)
{
    char err[600];
    kt_recorder *r = kt_recorder_open(dir, 1.0, err, sizeof err);
    ck_assert_msg(r != NULL, "%s", err);
    kt_batchlog *log = malloc(sizeof *log); /* the front end's log: it folds, r records */
    kt_batchlog_init(log, NULL, NULL);
    kt_batchlog_record(log, r);
    kt_snapshot *s = malloc(sizeof *s);
    kt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = KT_EV_RUN_STARTED;
    snprintf(ev.header.experiment, sizeof ev.header.experiment, "t");
    ev.header.dates_total = 5;
    kt_batchlog_event(log, &ev);
    /* the first event (a state change) is written at once */
    ck_assert_uint_eq(status_seq(s), 1);
    ck_assert_int_eq(s->state, KT_RUN_RUNNING);
    ck_assert(fabs(s->heartbeat_interval - 1.0) < 1e-9);
    /* a burst of progress: at most one write per 0.25 s */
    memset(&ev, 0, sizeof ev);
    ev.kind = KT_EV_BATCH_PROGRESS;
    for (int i = 0; i < 50; i++)
        kt_batchlog_event(log, &ev);
    ck_assert_uint_eq(status_seq(s), 1);
    ck_assert(kt_recorder_next_due(r) <= KT_STATUS_MIN_INTERVAL);
    /* a state change is written at once despite the rate limit */
    memset(&ev, 0, sizeof ev);
    ev.kind = KT_EV_PAUSED;
    kt_batchlog_event(log, &ev);
    ck_assert_uint_eq(status_seq(s), 52);
    ck_assert_int_eq(s->state, KT_RUN_PAUSED);
    /* idle: the heartbeat rewrites the file (temp + rename: a new inode) */
    char path[400];
    struct stat st1, st2;
    snprintf(path, sizeof path, "%s/status.json", dir);
    ck_assert_int_eq(stat(path, &st1), 0);
    if (kt_recorder_next_due(r) > 0.1) { /* not due yet (unless this machine is very slow) */
        kt_recorder_tick(r);
        ck_assert_int_eq(stat(path, &st2), 0);
        ck_assert(st2.st_ino == st1.st_ino);
    }
    sleep_s(kt_recorder_next_due(r) + 0.01);
    kt_recorder_tick(r);
    ck_assert_int_eq(stat(path, &st2), 0);
    ck_assert(st2.st_ino != st1.st_ino);
    FILE *dn0 = fopen("/dev/null", "w");
    ck_assert_int_eq(kt_rundir_status(dir, dn0), KT_EXIT_OK);
    fclose(dn0);
    /* finished: no more heartbeat needed; --status says 0 */
    memset(&ev, 0, sizeof ev);
    ev.kind = KT_EV_FAILED;
    snprintf(ev.text, sizeof ev.text, "boom");
    kt_batchlog_event(log, &ev);
    ck_assert(kt_recorder_done(r));
    ck_assert(kt_recorder_next_due(r) >= 3600);
    kt_recorder_close(r);
    free(log);
    FILE *dn = fopen("/dev/null", "w");
    ck_assert_int_eq(kt_rundir_status(dir, dn), KT_EXIT_ST_FAILED);
    fclose(dn);
    /* events.jsonl: one line per event */
    snprintf(path, sizeof path, "%s/events.jsonl", dir);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    int lines = 0, c;
    while ((c = fgetc(f)) != EOF)
        lines += c == '\n';
    fclose(f);
    ck_assert_int_eq(lines, 53);
    free(s);
}
END_TEST

START_TEST(recorder_heartbeat_time_kept)
{
    /* --heartbeat 0.1: readers call the run stale 0.3 s after the last
     * write, so status.json must carry the write time to well under 0.1 s.
     * The time read back must lie between clock readings taken just
     * before and just after the write (no assumption on speed). Start at
     * mid-second, so that a time cut to whole seconds is outside. */
    struct timespec ts;
    do {
        struct timespec nap = {0, 20000000L};
        clock_gettime(CLOCK_REALTIME, &ts);
        if (ts.tv_nsec >= 200000000L && ts.tv_nsec < 700000000L)
            break;
        nanosleep(&nap, NULL);
    } while (1);
    char err[600];
    double before = wall_time();
    kt_recorder *r = kt_recorder_open(dir, 0.1, err, sizeof err);
    ck_assert_msg(r != NULL, "%s", err);
    kt_batchlog *log = malloc(sizeof *log);
    kt_batchlog_init(log, NULL, NULL);
    kt_batchlog_record(log, r);
    kt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = KT_EV_RUN_STARTED;
    ev.header.heartbeat_interval = 0.1;
    kt_batchlog_event(log, &ev); /* a state change: written at once */
    double after = wall_time();
    kt_snapshot *s = malloc(sizeof *s);
    char path[400];
    double upd = 0;
    snprintf(path, sizeof path, "%s/status.json", dir);
    ck_assert_msg(kt_snapshot_read_file(path, s, &upd, err, sizeof err) == 0, "%s", err);
    ck_assert_msg(upd >= before - 1e-6 && upd <= after + 1e-6,
                  "updated_unix %.6f is not between %.6f and %.6f", upd, before, after);
    ck_assert(s->heartbeat_interval == 0.1);
    ck_assert_int_eq(s->state, KT_RUN_RUNNING);
    kt_recorder_close(r);
    free(log);
    free(s);
}
END_TEST

START_TEST(status_stale_and_missing)
{
    FILE *dn = fopen("/dev/null", "w");
    ck_assert_int_eq(kt_rundir_status(dir, dn), KT_EXIT_ST_MISSING);
    kt_snapshot *s = malloc(sizeof *s);
    kt_snapshot_init(s);
    s->state = KT_RUN_RUNNING;
    s->heartbeat_interval = 2;
    char path[400], err[600];
    snprintf(path, sizeof path, "%s/status.json", dir);
    /* stale after 3 heartbeats: 3000 s here, so that "live" has 100 s of
     * margin for this process to reach the check however loaded the
     * machine is, and "stale" can only grow staler */
    s->heartbeat_interval = 1000;
    double now = wall_time();
    ck_assert_int_eq(kt_snapshot_write_file(s, path, now - 2900, err, sizeof err), 0);
    ck_assert_int_eq(kt_rundir_status(dir, dn), KT_EXIT_OK);       /* 2900 s < 3 x 1000 s */
    ck_assert_int_eq(kt_snapshot_write_file(s, path, now - 3100, err, sizeof err), 0);
    ck_assert_int_eq(kt_rundir_status(dir, dn), KT_EXIT_ST_STALE); /* 3100 s > 3000 s */
    s->state = KT_RUN_CANCELLED;
    ck_assert_int_eq(kt_snapshot_write_file(s, path, now - 100, err, sizeof err), 0);
    ck_assert_int_eq(kt_rundir_status(dir, dn), KT_EXIT_ST_STOPPED);
    s->state = KT_RUN_FINISHED;
    ck_assert_int_eq(kt_snapshot_write_file(s, path, now - 100, err, sizeof err), 0);
    ck_assert_int_eq(kt_rundir_status(path, dn), KT_EXIT_OK); /* a file path works too */
    fclose(dn);
    free(s);
}
END_TEST

START_TEST(settings_diff)
{
    kt_evalcfg a, b;
    kt_evalcfg_defaults(&a);
    kt_evalcfg_defaults(&b);
    char key[64], was[64], is[64];
    b.threads = 7;           /* not a result-deciding setting */
    b.batch_size = 3;
    snprintf(b.output_dir, sizeof b.output_dir, "elsewhere");
    ck_assert_int_eq(kt_evalcfg_diff(&a, &b, key, sizeof key, was, is, sizeof was), 0);
    b.seed = 9;
    b.lookback = 60;
    ck_assert_int_eq(kt_evalcfg_diff(&a, &b, key, sizeof key, was, is, sizeof was), 1);
    ck_assert_str_eq(key, "lookback"); /* the first in key order */
    ck_assert_str_eq(was, "252");
    ck_assert_str_eq(is, "60");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rundir");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, lock_second_writer_refused);
    tcase_add_test(tc, recorder_rate_limit_and_heartbeat);
    tcase_add_test(tc, recorder_heartbeat_time_kept);
    tcase_add_test(tc, status_stale_and_missing);
    tcase_add_test(tc, settings_diff);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
