/* test_snapshot_json.c: status.json round trip and error reporting
 * (src/run/snapshot_json.c). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_run.h"
#include "run/snapshot_json.h"

static void fill(kt_snapshot *s)
{
    kt_snapshot_init(s);
    kt_event e;
    memset(&e, 0, sizeof e);
    e.kind = KT_EV_RUN_STARTED;
    snprintf(e.header.experiment, sizeof e.header.experiment, "demo \xe4\xb8\xad");
    snprintf(e.header.mode, sizeof e.header.mode, "walk-forward");
    e.header.n_tickers = 98;
    e.header.dates_total = 40;
    e.header.params = 24700000;
    e.header.heartbeat_interval = 2.5;
    snprintf(e.header.run_dir, sizeof e.header.run_dir, "/tmp/r");
    snprintf(e.header.model_cutoff, sizeof e.header.model_cutoff, "2024-02-29");
    e.header.dates_seen = 17;
    e.device.verified = 1;
    e.device.tensors_checked = 412;
    snprintf(e.device.blas, sizeof e.device.blas, "OpenBLAS");
    e.device.bytes = 98800000;
    snprintf(e.device.precision, sizeof e.device.precision, "int8");
    kt_snapshot_apply(s, &e);
    for (int i = 0; i < 3; i++) {
        memset(&e, 0, sizeof e);
        e.kind = KT_EV_DATE_DONE;
        e.t = 10 * (i + 1);
        e.seconds = 1.5 + i;
        e.scored = 90;
        e.tokens = 1000;
        snprintf(e.date, sizeof e.date, "2016-02-0%d", i + 1);
        kt_snapshot_apply(s, &e);
    }
    memset(&e, 0, sizeof e);
    e.kind = KT_EV_METRICS;
    e.metrics.horizon = 5;
    e.metrics.dates_scored = 3;
    e.metrics.median = 0.125;
    e.metrics.mean = NAN;
    e.metrics.icir = 0.5;
    e.metrics.pct_positive = 66.5;
    e.metrics.latest = -0.25;
    e.metrics.hist_n = 3;
    e.metrics.hist[0] = 0.5f;
    e.metrics.hist[1] = NAN;
    e.metrics.hist[2] = -0.25f;
    kt_snapshot_apply(s, &e);
    memset(&e, 0, sizeof e);
    e.kind = KT_EV_FOLD_DONE;
    snprintf(e.flag.fold_id, sizeof e.flag.fold_id, "fold_01");
    e.flag.horizon = 5;
    snprintf(e.flag.flags, sizeof e.flag.flags, "NOISY");
    snprintf(e.text, sizeof e.text, "Fold fold_01 done");
    kt_snapshot_apply(s, &e);
    memset(&e, 0, sizeof e);
    e.kind = KT_EV_SCORECARD;
    snprintf(e.verdict.fold_id, sizeof e.verdict.fold_id, "fold_01");
    e.verdict.n_dates = 3;
    e.verdict.gate[0] = KT_GATE_PASS;
    e.verdict.gate[1] = KT_GATE_FAIL;
    e.verdict.gate[2] = KT_GATE_NOT_RUN;
    e.verdict.n_horizons = 2;
    e.verdict.horizon[0] = 5;
    e.verdict.horizon[1] = 20;
    e.verdict.net_spread[0] = 0.0125;
    e.verdict.net_spread[1] = NAN;
    e.verdict.cost_survival[0] = 0.5;
    e.verdict.cost_survival[1] = NAN;
    kt_snapshot_apply(s, &e);
    memset(&e, 0, sizeof e);
    e.kind = KT_EV_WARNING;
    snprintf(e.text, sizeof e.text, "careful");
    kt_snapshot_apply(s, &e);
    memset(&e, 0, sizeof e); /* a date under way: 34 of 90 steps, 61 % of its work */
    e.kind = KT_EV_BATCH_PROGRESS;
    snprintf(e.date, sizeof e.date, "2016-02-04");
    e.step_done = 34;
    e.step_total = 90;
    e.work_done = 55000;
    e.work_total = 90000;
    kt_snapshot_apply(s, &e);
    s->rss_bytes = 123456789;
}

START_TEST(test_round_trip)
{
    kt_snapshot a, b;
    fill(&a);
    json_t *j = kt_snapshot_to_json(&a, 1700000000.5);
    ck_assert_ptr_nonnull(j);
    ck_assert_str_eq(json_string_value(json_object_get(j, "state")), "running");
    ck_assert(json_is_null(json_object_get(json_array_get(json_object_get(j, "horizons"), 0), "mean")));
    double upd = 0;
    char err[256] = "";
    ck_assert_int_eq(kt_snapshot_from_json(j, &b, &upd, "x", err, sizeof err), 0);
    json_decref(j);
    ck_assert(upd == 1700000000.5);
    ck_assert_uint_eq(b.seq, a.seq);
    ck_assert_int_eq(b.state, KT_RUN_RUNNING);
    ck_assert_str_eq(b.experiment, "demo \xe4\xb8\xad");
    ck_assert_int_eq(b.n_tickers, 98);
    ck_assert_int_eq(b.dates_total, 40);
    ck_assert_int_eq(b.dates_done, 3);
    ck_assert_int_eq(b.step_done, 34);
    ck_assert_int_eq(b.step_total, 90);
    ck_assert_int_eq(b.work_done, 55000);
    ck_assert_int_eq(b.work_total, 90000);
    ck_assert(b.heartbeat_interval == 2.5);
    ck_assert_int_eq(b.secs_n, 3);
    ck_assert(b.secs[2] == 3.5f);
    ck_assert(b.secs_total == 7.5);
    ck_assert(b.elapsed == 30.0);
    ck_assert_int_eq((int)b.tokens_total, 3000);
    ck_assert_int_eq(b.device.verified, 1);
    ck_assert_int_eq((int)b.device.tensors_checked, 412);
    ck_assert_str_eq(b.device.blas, "OpenBLAS");
    ck_assert_str_eq(b.device.precision, "int8");
    ck_assert_int_eq((int)b.rss_bytes, 123456789);
    ck_assert_int_eq(b.n_horizons, 1);
    ck_assert(b.h[0].median == 0.125);
    ck_assert(isnan(b.h[0].mean));
    ck_assert(b.h[0].latest == -0.25);
    ck_assert_int_eq(b.h[0].hist_n, 3);
    ck_assert(isnan(b.h[0].hist[1]));
    ck_assert(b.h[0].hist[2] == -0.25f);
    ck_assert_int_eq(b.n_flags, 1);
    ck_assert_str_eq(b.flags[0].flags, "NOISY");
    ck_assert_int_eq(b.log_n, 2);
    ck_assert_str_eq(b.log[0], "IFold fold_01 done");
    ck_assert_str_eq(b.log[1], "Wcareful");
    ck_assert_str_eq(b.run_dir, "/tmp/r");
    ck_assert_str_eq(b.model_cutoff, "2024-02-29");
    ck_assert_int_eq(b.dates_seen, 17);
    /* the verdict of the scorecard so far */
    ck_assert_str_eq(b.verdict.fold_id, "fold_01");
    ck_assert_int_eq(b.verdict.n_dates, 3);
    ck_assert_int_eq(b.verdict.gate[0], KT_GATE_PASS);
    ck_assert_int_eq(b.verdict.gate[1], KT_GATE_FAIL);
    ck_assert_int_eq(b.verdict.gate[2], KT_GATE_NOT_RUN);
    ck_assert_int_eq(b.verdict.n_horizons, 2);
    ck_assert_int_eq(b.verdict.horizon[1], 20);
    ck_assert(b.verdict.net_spread[0] == 0.0125);
    ck_assert(isnan(b.verdict.net_spread[1]));
    ck_assert(b.verdict.cost_survival[0] == 0.5);
    /* the derived figures agree */
    ck_assert(kt_snapshot_eta_avg(&a) == kt_snapshot_eta_avg(&b));
    ck_assert(kt_snapshot_secs_median(&b) == 2.5);
}
END_TEST

START_TEST(test_file_round_trip_and_errors)
{
    char dir[] = "/tmp/kt-snapjson-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256], bad[256];
    snprintf(path, sizeof path, "%s/status.json", dir);
    snprintf(bad, sizeof bad, "%s/bad.json", dir);
    kt_snapshot a, b;
    fill(&a);
    char err[512] = "";
    ck_assert_int_eq(kt_snapshot_write_file(&a, path, 42.0, err, sizeof err), 0);
    double upd = 0;
    ck_assert_int_eq(kt_snapshot_read_file(path, &b, &upd, err, sizeof err), 0);
    ck_assert(upd == 42.0);
    ck_assert_int_eq(b.dates_done, 3);
    /* a second write gives the same bytes (reproducible) */
    FILE *f = fopen(path, "rb");
    char buf1[65536], buf2[65536];
    size_t n1 = fread(buf1, 1, sizeof buf1, f);
    fclose(f);
    ck_assert_int_eq(kt_snapshot_write_file(&b, path, 42.0, err, sizeof err), 0);
    f = fopen(path, "rb");
    size_t n2 = fread(buf2, 1, sizeof buf2, f);
    fclose(f);
    ck_assert_uint_eq(n1, n2);
    ck_assert(memcmp(buf1, buf2, n1) == 0);

    f = fopen(bad, "w");
    fputs("{\"format\": \"kronos-tui-status\", \"version\": 1,\n \"n_tickers\": \"many\"}\n", f);
    fclose(f);
    ck_assert_int_eq(kt_snapshot_read_file(bad, &b, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad.json"));
    ck_assert_ptr_nonnull(strstr(err, "\"n_tickers\""));

    f = fopen(bad, "w");
    fputs("{\"format\": \"kronos-tui-status\",\n \"version\": 1,\n \"seq\": }\n", f);
    fclose(f);
    ck_assert_int_eq(kt_snapshot_read_file(bad, &b, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "bad.json:3:"));

    f = fopen(bad, "w");
    fputs("{\"format\": \"other\", \"version\": 1}\n", f);
    fclose(f);
    ck_assert_int_eq(kt_snapshot_read_file(bad, &b, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "\"format\""));

    f = fopen(bad, "w");
    fputs("{\"format\": \"kronos-tui-status\", \"version\": 2}\n", f);
    fclose(f);
    ck_assert_int_eq(kt_snapshot_read_file(bad, &b, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "\"version\""));

    ck_assert_int_eq(kt_snapshot_read_file("/nonexistent/status.json", &b, NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/status.json"));

    unlink(path);
    unlink(bad);
    rmdir(dir);
}
END_TEST

/* The wall clock now, with its fractional second inside [0.2, 0.8): a
 * value rounded (or cut) to whole seconds is then at least 0.2 s off. */
static double mid_second_now(void)
{
    for (;;) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        if (ts.tv_nsec >= 200000000L && ts.tv_nsec < 800000000L)
            return (double)ts.tv_sec + ts.tv_nsec / 1e9;
        struct timespec nap = {0, 50000000L};
        nanosleep(&nap, NULL);
    }
}

START_TEST(test_file_round_trip_real_timestamp)
{
    /* updated_unix is a real wall-clock time (~1.7e9 s) whose fraction
     * matters: with --heartbeat 0.1 a reader calls the run stale 0.3 s
     * after the last write, so the file must keep it to well under that */
    char dir[] = "/tmp/kt-snapjson-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/status.json", dir);
    kt_snapshot a, b;
    fill(&a);
    a.heartbeat_interval = 0.1;
    double t = mid_second_now();
    ck_assert(t > 1.6e9);
    char err[512] = "";
    ck_assert_int_eq(kt_snapshot_write_file(&a, path, t, err, sizeof err), 0);
    double upd = 0;
    ck_assert_int_eq(kt_snapshot_read_file(path, &b, &upd, err, sizeof err), 0);
    ck_assert_msg(fabs(upd - t) < 1e-6, "updated_unix written as %.17g, read back as %.17g", t,
                  upd);
    ck_assert(upd == t); /* every bit of the double */
    ck_assert(b.heartbeat_interval == 0.1);
    unlink(path);
    rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("snapshot_json");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60); /* sanitizer builds start slowly */
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_file_round_trip_and_errors);
    tcase_add_test(tc, test_file_round_trip_real_timestamp);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
