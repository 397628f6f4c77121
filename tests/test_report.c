/* test_report.c: sparklines, atomic writes, --batch lines and JSON lines. */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "eval/report.h"
#include "run/batchlog.h"

START_TEST(test_sparkline)
{
    double v[] = {-1, 0, 1, NAN, 0.99};
    char buf[64];
    kt_report_sparkline(v, 5, -1, 1, buf, sizeof buf);
    ck_assert_str_eq(buf, "\xe2\x96\x81\xe2\x96\x85\xe2\x96\x88 \xe2\x96\x88");
}
END_TEST

START_TEST(test_atomic)
{
    char path[64], tmp[128];
    snprintf(path, sizeof path, "/tmp/kt-test-report-%ld.txt", (long)getpid());
    FILE *f = kt_atomic_open(path, tmp, sizeof tmp);
    ck_assert_ptr_nonnull(f);
    fputs("hello\n", f);
    ck_assert(access(path, F_OK) != 0); /* nothing visible before the commit */
    ck_assert_int_eq(kt_atomic_commit(f, tmp, path), 0);
    ck_assert(access(tmp, F_OK) != 0);
    f = fopen(path, "r");
    char line[16] = "";
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    fclose(f);
    ck_assert_str_eq(line, "hello\n");
    remove(path);
}
END_TEST

START_TEST(test_batch_lines)
{
    kt_snapshot *s = malloc(sizeof *s);
    kt_snapshot_init(s);
    kt_event ev;
    memset(&ev, 0, sizeof ev);
    ev.kind = KT_EV_DATE_DONE;
    ev.t = 72.0;
    ev.date_index = 10;
    ev.date_total = 21;
    snprintf(ev.date, sizeof ev.date, "2024-03-14");
    snprintf(ev.fold_id, sizeof ev.fold_id, "fold_01");
    ev.scored = 98;
    ev.skipped = 2;
    ev.seconds = 7.2;
    s->dates_total = 31;
    for (int i = 0; i < 9; i++) {
        kt_event d = ev;
        d.seconds = 7.2;
        kt_snapshot_apply(s, &d);
    }
    kt_snapshot_apply(s, &ev);
    char line[512];
    ck_assert_int_eq(kt_batchlog_format(&ev, s, line, sizeof line), 1);
    char eta[32];
    kt_batchlog_duration(kt_snapshot_eta_avg(s), eta, sizeof eta);
    char want[256];
    snprintf(want, sizeof want,
             "[10/21] 2024-03-14: Scored 98 tickers, 2 skipped (7.2 s, elapsed 1:12, ETA %s)", eta);
    ck_assert_str_eq(line, want);
    ck_assert(strchr(line, '\r') == NULL);

    kt_event fd;
    memset(&fd, 0, sizeof fd);
    fd.kind = KT_EV_FOLD_DONE;
    snprintf(fd.text, sizeof fd.text, "Fold fold_01, horizon 20d: 2058 total scores");
    ck_assert_int_eq(kt_batchlog_format(&fd, s, line, sizeof line), 1);
    ck_assert_str_eq(line, "Fold fold_01, horizon 20d: 2058 total scores");
    snprintf(fd.flag.fold_id, sizeof fd.flag.fold_id, "fold_01");
    snprintf(fd.flag.flags, sizeof fd.flag.flags, "NOISY");
    kt_batchlog_format(&fd, s, line, sizeof line);
    ck_assert_str_eq(line, "Fold fold_01, horizon 20d: 2058 total scores [NOISY]");

    /* JSON: parsed back with jansson */
    char *j = kt_batchlog_json(&ev, s);
    json_error_t je;
    json_t *o = json_loads(j, 0, &je);
    ck_assert_ptr_nonnull(o);
    ck_assert_str_eq(json_string_value(json_object_get(o, "schema")), "kronos-tui.events/1");
    ck_assert_str_eq(json_string_value(json_object_get(o, "event")), "date_done");
    ck_assert_int_eq(json_integer_value(json_object_get(o, "scored")), 98);
    ck_assert_str_eq(json_string_value(json_object_get(o, "date")), "2024-03-14");
    ck_assert(strchr(j, '\n') == NULL);
    json_decref(o);
    free(j);

    char d[16];
    kt_batchlog_duration(3723, d, sizeof d);
    ck_assert_str_eq(d, "1:02:03");
    kt_batchlog_duration(NAN, d, sizeof d);
    ck_assert_str_eq(d, "?");
    free(s);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("report");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sparkline);
    tcase_add_test(tc, test_atomic);
    tcase_add_test(tc, test_batch_lines);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
