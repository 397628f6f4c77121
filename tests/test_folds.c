/* test_folds.c: calendar and monthly fold boundaries. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "eval/calendar.h"
#include "eval/folds.h"

/* Trading days Jan..Apr 2020 (weekdays) without the holidays 2020-01-20,
 * 2020-02-17 and a pretend closure on 2020-03-31 (a month end). Feb 29 and
 * Mar 1 are a weekend, Feb 1-2 too. */
static kt_calendar make_cal(void)
{
    kt_calendar c = {0};
    c.t = malloc(200 * sizeof *c.t);
    kt_time t, end;
    kt_time_parse("2020-01-02", &t);
    kt_time_parse("2020-04-30", &end);
    for (; t <= end; t += 86400) {
        int wd;
        kt_time_parts(t, NULL, NULL, NULL, NULL, NULL, &wd);
        char d[16];
        kt_time_format(t, 0, d, sizeof d);
        if (wd >= 5 || !strcmp(d, "2020-01-20") || !strcmp(d, "2020-02-17") ||
            !strcmp(d, "2020-03-31"))
            continue;
        c.t[c.n++] = t;
    }
    return c;
}

static kt_time T(const char *s)
{
    kt_time t;
    ck_assert_int_eq(kt_time_parse(s, &t), 0);
    return t;
}

static void ck_date(const kt_calendar *c, int i, const char *want)
{
    char d[32];
    kt_calendar_format(c, i, d, sizeof d);
    ck_assert_str_eq(d, want);
}

START_TEST(test_month_boundaries)
{
    kt_calendar c = make_cal();
    kt_fold_plan p;
    char err[200];
    ck_assert_int_eq(kt_folds_plan(&c, T("2020-01-01"), T("2020-04-30"), -1, &p, err, sizeof err), 0);
    ck_date(&c, p.warmup_first, "2020-01-02");
    ck_date(&c, p.warmup_last, "2020-01-31");
    ck_assert_int_eq(p.n, 3);
    ck_assert_str_eq(p.f[0].id, "fold_01");
    ck_date(&c, p.f[0].first, "2020-02-03"); /* Feb 1-2 weekend */
    ck_date(&c, p.f[0].last, "2020-02-28");  /* Feb 29 Saturday */
    ck_assert_int_eq(p.f[0].last - p.f[0].first + 1, 19); /* 20 weekdays - Feb 17 */
    ck_assert_str_eq(p.f[1].id, "fold_02");
    ck_date(&c, p.f[1].first, "2020-03-02"); /* Mar 1 Sunday */
    ck_date(&c, p.f[1].last, "2020-03-30");  /* Mar 31 closed */
    ck_date(&c, p.f[2].first, "2020-04-01");
    ck_date(&c, p.f[2].last, "2020-04-30");
    ck_assert_int_eq(kt_folds_dates(&p), 19 + 21 + 22);

    /* no date in two folds; folds are contiguous and cover the range */
    int *seen = calloc((size_t)c.n, sizeof *seen);
    for (int k = 0; k < p.n; k++) {
        if (k > 0)
            ck_assert_int_eq(p.f[k].first, p.f[k - 1].last + 1);
        for (int i = p.f[k].first; i <= p.f[k].last; i++)
            seen[i]++;
    }
    for (int i = 0; i < c.n; i++)
        ck_assert_int_eq(seen[i], i <= p.warmup_last ? 0 : 1);
    free(seen);
    kt_folds_free(&p);
    kt_calendar_free(&c);
}
END_TEST

START_TEST(test_range_and_max_folds)
{
    kt_calendar c = make_cal();
    kt_fold_plan p;
    char err[200];
    /* start mid-January (weekend-free), end on a Sunday inside March */
    ck_assert_int_eq(kt_folds_plan(&c, T("2020-01-15"), T("2020-03-15"), -1, &p, err, sizeof err), 0);
    ck_date(&c, p.warmup_first, "2020-01-15");
    ck_assert_int_eq(p.n, 2);
    ck_date(&c, p.f[1].first, "2020-03-02");
    ck_date(&c, p.f[1].last, "2020-03-13"); /* Mar 15 is a Sunday */
    kt_folds_free(&p);
    /* start on a weekend month end: Feb 29 -> the warm-up month is March */
    ck_assert_int_eq(kt_folds_plan(&c, T("2020-02-29"), T("2020-04-30"), -1, &p, err, sizeof err), 0);
    ck_date(&c, p.warmup_first, "2020-03-02");
    ck_assert_int_eq(p.n, 1);
    ck_date(&c, p.f[0].first, "2020-04-01");
    kt_folds_free(&p);
    /* max folds (smoke = 3, here 1) */
    ck_assert_int_eq(kt_folds_plan(&c, T("2020-01-01"), T("2020-04-30"), 1, &p, err, sizeof err), 0);
    ck_assert_int_eq(p.n, 1);
    kt_folds_free(&p);
    /* one month only: warm-up, no fold */
    ck_assert_int_eq(kt_folds_plan(&c, T("2020-02-01"), T("2020-02-28"), -1, &p, err, sizeof err), 0);
    ck_assert_int_eq(p.n, 0);
    kt_folds_free(&p);
    ck_assert_int_eq(kt_folds_plan(&c, T("2020-03-01"), T("2020-02-01"), -1, &p, err, sizeof err), -1);
    kt_calendar_free(&c);
}
END_TEST

START_TEST(test_future_stamps)
{
    kt_calendar c = make_cal();
    kt_time fut[4];
    int i = kt_calendar_index(&c, T("2020-03-30"));
    ck_assert_int_ge(i, 0);
    ck_assert_int_eq(kt_calendar_future(&c, i, 2, fut), 2);
    ck_assert(fut[0] == T("2020-04-01")); /* the calendar, not a business-day guess */
    int last = c.n - 1; /* 2020-04-30, Thursday */
    ck_assert_int_eq(kt_calendar_future(&c, last, 3, fut), 0);
    ck_assert(fut[0] == T("2020-05-01"));
    ck_assert(fut[1] == T("2020-05-04")); /* weekend skipped past the data */
    ck_assert(fut[2] == T("2020-05-05"));
    kronos_stamp st;
    kt_calendar_stamp(T("2020-05-04"), &st);
    ck_assert_int_eq(st.weekday, 0);
    ck_assert_int_eq(st.day, 4);
    ck_assert_int_eq(st.month, 5);
    kt_calendar_free(&c);
}
END_TEST

START_TEST(test_calendar_check)
{
    kt_calendar c = make_cal();
    char notes[4][256];
    ck_assert_int_eq(kt_calendar_check(&c, 10, notes, 4), 0);
    /* a 3-year jump and two weekend dates, as in a file with year typos */
    c.t[c.n++] = T("2023-01-07"); /* Saturday */
    c.t[c.n++] = T("2023-01-08"); /* Sunday */
    ck_assert_int_eq(kt_calendar_check(&c, 10, notes, 4), 2);
    ck_assert_str_eq(notes[0], "the calendar jumps from 2020-04-30 to 2023-01-07 (982 days without any bar)");
    ck_assert_str_eq(notes[1], "2 of 85 dates fall on a Saturday or Sunday");
    kt_calendar_free(&c);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("folds");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_month_boundaries);
    tcase_add_test(tc, test_range_and_max_folds);
    tcase_add_test(tc, test_future_stamps);
    tcase_add_test(tc, test_calendar_check);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
