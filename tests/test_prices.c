/* test_prices.c: the CSV price store: accepted forms, every bad-input
 * message (with FILE:LINE:COLUMN), counted drops. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "eval/calendar.h"
#include "eval/prices.h"

static kt_prices *load_ok(const char *text)
{
    kt_prices *p = NULL;
    char err[512] = "";
    int rc = kt_prices_load_mem("t.csv", text, strlen(text), &p, err, sizeof err);
    ck_assert_msg(rc == 0, "unexpected error: %s", err);
    return p;
}

static void load_err(const char *text, const char *expect)
{
    kt_prices *p = NULL;
    char err[512] = "";
    int rc = kt_prices_load_mem("t.csv", text, strlen(text), &p, err, sizeof err);
    ck_assert_int_eq(rc, -1);
    ck_assert_ptr_null(p);
    ck_assert_msg(strncmp(err, expect, strlen(expect)) == 0, "got \"%s\"\nwant \"%s...\"", err,
                  expect);
}

START_TEST(test_aliases_bom_crlf_quotes_order)
{
    const char *text = "\xEF\xBB\xBFTimestamps,Symbol,OPEN,High,low,Close,Volume,Extra\r\n"
                       "2020-01-03,\"BBB\",10,11,9,10.5,100,x\r\n"
                       "2020-01-02,AAA,\"1.5\",2,1,1.75,,\"a,b\"\r\n"
                       "2020-01-02,BBB,9,10,8,9.5,200,y\r\n"
                       "2020-01-01,AAA,1,2,1,1.25,50,\"multi\nline\"\r\n";
    kt_prices *p = load_ok(text);
    ck_assert_int_eq(p->n_series, 2);
    ck_assert_str_eq(p->series[0].ticker, "AAA");
    ck_assert_str_eq(p->series[1].ticker, "BBB");
    ck_assert_int_eq(p->series[0].n, 2);
    char d[32];
    kt_time_format(p->series[0].t[0], 0, d, sizeof d);
    ck_assert_str_eq(d, "2020-01-01");
    ck_assert(p->series[0].ohlcva[3] == 1.25);
    ck_assert(p->series[0].ohlcva[6 + 0] == 1.5);
    ck_assert(p->series[0].ohlcva[6 + 4] == 0.0); /* missing volume -> 0 */
    ck_assert_int_eq(p->stats.volume_filled, 1);
    ck_assert_int_eq(p->has_volume, 1);
    ck_assert_int_eq(p->has_amount, 0);
    ck_assert_int_eq(p->stats.rows_read, 4);
    ck_assert_int_eq(p->stats.rows_loaded, 4);
    ck_assert_int_eq(kt_prices_find(p, "BBB"), 1);
    ck_assert_int_eq(kt_prices_find(p, "ZZZ"), -1);
    kt_calendar cal;
    ck_assert_int_eq(kt_calendar_build(p, &cal), 0);
    ck_assert_int_eq(cal.n, 3);
    kt_calendar_free(&cal);
    kt_prices_free(p);
}
END_TEST

START_TEST(test_intraday)
{
    kt_prices *p = load_ok("date,ticker,open,high,low,close\n"
                           "2020-01-02 09:30,AAA,1,2,1,1.5\n"
                           "2020-01-02 09:31:30,AAA,1,2,1,1.5\n");
    ck_assert_int_eq(p->intraday, 1);
    char d[32];
    kt_time_format(p->series[0].t[0], 1, d, sizeof d);
    ck_assert_str_eq(d, "2020-01-02 09:30");
    kt_time_format(p->series[0].t[1], 1, d, sizeof d);
    ck_assert_str_eq(d, "2020-01-02 09:31:30");
    kt_prices_free(p);
}
END_TEST

START_TEST(test_fatal_messages)
{
    load_err("", "t.csv:1:1: empty file (no header row)");
    load_err("\xEF\xBB\xBF", "t.csv:1:1: empty file (no header row)");
    load_err("date,ticker,open,high,low,close\n", "t.csv:2:1: no data rows after the header");
    load_err("date,ticker,open,high,low\n2020-01-02,A,1,2,1\n",
             "t.csv:1:1: required column \"close\" missing from the header");
    load_err("date,symbol,open,high,low,close,close\n",
             "t.csv:1:7: column \"close\" appears twice (also column 6)");
    load_err("date,ticker,open,high,low,close\n2020-01-02,A,1,2,1,1.5\n2020-01-03,A,1,2,1\n",
             "t.csv:3:6: ragged row: 5 fields, the header has 6");
    load_err("date,ticker,open,high,low,close\n2020-01-02,A,1,2,1,1.5,9\n",
             "t.csv:2:7: ragged row: 7 fields, the header has 6");
    load_err("date,ticker,open,high,low,close\n2020-01-02,A,abc,2,1,1.5\n",
             "t.csv:2:3: open: not a number: \"abc\"");
    load_err("date,ticker,open,high,low,close,volume\n2020-01-02,A,1,2,1,1.5,12x\n",
             "t.csv:2:7: volume: not a number: \"12x\"");
    load_err("date,ticker,open,high,low,close\n2020-02-30,A,1,2,1,1.5\n",
             "t.csv:2:1: date: not a date (expected YYYY-MM-DD[ HH:MM[:SS]]): \"2020-02-30\"");
    load_err("date,ticker,open,high,low,close\n2020-01-02,,1,2,1,1.5\n", "t.csv:2:2: ticker: empty");
    /* line numbers count the lines of a quoted multi-line field */
    load_err("date,ticker,open,high,low,close,note\n2020-01-02,A,1,2,1,1.5,\"x\ny\"\n"
             "2020-01-03,A,1,2,1,oops,z\n",
             "t.csv:4:6: close: not a number: \"oops\"");
    load_err("date,ticker,open,high,low,close\n2020-01-02,A,1,2,1,\"1.5\n",
             "t.csv:2:6: CSV syntax error");
    {
        char wide[1024] = "date,ticker,open,high,low,close";
        for (int i = 0; i < 60; i++)
            strcat(wide, ",x");
        strcat(wide, "\n");
        load_err(wide, "t.csv:1:65: the header has more than 64 columns");
    }
    load_err("date,ticker,open,high,low,close\n2020-01-02,A,,2,1,1.5\n",
             "t.csv: all 1 data rows were dropped (first: t.csv:2:3: open: missing; row dropped)");
}
END_TEST

START_TEST(test_counted_drops)
{
    const char *text = "date,ticker,open,high,low,close,volume\n"
                       "2020-01-02,A,1,2,1,1.5,10\n"
                       "2020-01-03,A,,2,1,1.5,10\n"       /* missing price */
                       "2020-01-06,A,1,nan,1,1.5,10\n"    /* NaN */
                       "2020-01-07,A,1,2,1,inf,10\n"      /* inf */
                       "2020-01-08,A,0,2,1,1.5,10\n"      /* zero */
                       "2020-01-09,A,1,2,-1,1.5,10\n"     /* negative */
                       "2020-01-10,A,1,1,2,1.5,10\n"      /* high < low */
                       "2020-01-13,A,1,2,1,1.5,-5\n"      /* negative volume */
                       "2020-01-02,A,1,2,1,1.6,10\n"      /* duplicate */
                       "2020-01-14,A,1,2,1,1.5,\n";       /* volume filled */
    kt_prices *p = load_ok(text);
    const kt_prices_stats *s = &p->stats;
    ck_assert_int_eq(s->rows_read, 10);
    ck_assert_int_eq(s->rows_loaded, 2);
    ck_assert_int_eq(s->dropped[KT_DROP_MISSING_PRICE], 1);
    ck_assert_int_eq(s->dropped[KT_DROP_NONFINITE], 2);
    ck_assert_int_eq(s->dropped[KT_DROP_NONPOSITIVE], 2);
    ck_assert_int_eq(s->dropped[KT_DROP_HIGH_LOW], 1);
    ck_assert_int_eq(s->dropped[KT_DROP_NEGATIVE_VOLUME], 1);
    ck_assert_int_eq(s->dropped[KT_DROP_DUPLICATE], 1);
    ck_assert_int_eq(s->dropped_total, 8);
    ck_assert_int_eq(s->volume_filled, 1);
    ck_assert_int_eq(s->n_notes, 8);
    ck_assert_str_eq(s->notes[0], "t.csv:3:3: open: missing; row dropped");
    ck_assert_str_eq(s->notes[1], "t.csv:4:4: high: \"nan\" is not finite; row dropped");
    ck_assert_str_eq(s->notes[2], "t.csv:5:6: close: \"inf\" is not finite; row dropped");
    ck_assert_str_eq(s->notes[3], "t.csv:6:3: open: 0 is not positive; row dropped");
    ck_assert_str_eq(s->notes[4], "t.csv:7:5: low: -1 is not positive; row dropped");
    ck_assert_str_eq(s->notes[5], "t.csv:8:4: high 1 < low 2; row dropped");
    ck_assert_str_eq(s->notes[6], "t.csv:9:7: volume: -5 is negative; row dropped");
    ck_assert_str_eq(s->notes[7],
                     "t.csv:10:1: duplicate row for (2020-01-02, A), first at line 2; row dropped");
    /* the first row of the duplicate pair is the one kept */
    ck_assert(p->series[0].ohlcva[3] == 1.5);
    /* the warning the evaluation and `kronos-tui train` print */
    char sum[KT_NOTE_LEN + 128] = "untouched";
    ck_assert_int_eq(kt_prices_drop_summary(s, sum, sizeof sum), 1);
    ck_assert_str_eq(sum, "prices: 8 of 10 rows dropped (first: t.csv:3:3: open: missing; row dropped)");
    kt_prices_free(p);
    p = load_ok("date,ticker,open,high,low,close\n2020-01-02,A,1,2,1,1.5\n");
    snprintf(sum, sizeof sum, "untouched");
    ck_assert_int_eq(kt_prices_drop_summary(&p->stats, sum, sizeof sum), 0);
    ck_assert_str_eq(sum, "untouched");
    kt_prices_free(p);
}
END_TEST

START_TEST(test_missing_file)
{
    kt_prices *p = NULL;
    char err[512];
    ck_assert_int_eq(kt_prices_load("/nonexistent/x.csv", &p, err, sizeof err), -1);
    ck_assert_str_eq(err, "/nonexistent/x.csv: cannot open: No such file or directory");
}
END_TEST

START_TEST(test_large_shuffled)
{
    /* 150,000 rows (300 tickers x 500 days), written in reverse order */
    size_t cap = 150000 * 64, len = 0;
    char *buf = malloc(cap);
    ck_assert_ptr_nonnull(buf);
    len += (size_t)snprintf(buf, cap, "date,ticker,open,high,low,close,volume\n");
    for (int d = 499; d >= 0; d--)
        for (int t = 299; t >= 0; t--) {
            int y = 2000 + d / 300, doy = d % 300, m = doy / 25 + 1, dd = doy % 25 + 1;
            len += (size_t)snprintf(buf + len, cap - len, "%04d-%02d-%02d,T%03d,%d,%d,%d,%d.5,%d\n",
                                    y, m, dd, t, 10 + t, 12 + t, 9 + t, 10 + t, d);
        }
    kt_prices *p = NULL;
    char err[512];
    ck_assert_int_eq(kt_prices_load_mem("big.csv", buf, len, &p, err, sizeof err), 0);
    ck_assert_int_eq(p->n_series, 300);
    ck_assert_int_eq(p->stats.rows_loaded, 150000);
    for (int s = 0; s < p->n_series; s++) {
        ck_assert_int_eq(p->series[s].n, 500);
        for (int i = 1; i < 500; i++)
            ck_assert(p->series[s].t[i] > p->series[s].t[i - 1]);
    }
    ck_assert(p->series[7].ohlcva[4] == 0.0 && p->series[7].ohlcva[6 * 499 + 4] == 499.0);
    kt_prices_free(p);
    free(buf);
}
END_TEST

START_TEST(test_time)
{
    kt_time t;
    ck_assert_int_eq(kt_time_parse("1970-01-01", &t), 0);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(kt_time_parse("2024-02-29", &t), 0);
    int y, m, d, h, mi, wd;
    kt_time_parts(t, &y, &m, &d, &h, &mi, &wd);
    ck_assert_int_eq(y, 2024);
    ck_assert_int_eq(m, 2);
    ck_assert_int_eq(d, 29);
    ck_assert_int_eq(wd, 3); /* Thursday */
    ck_assert_int_eq(kt_time_parse("2023-02-29", &t), -1);
    ck_assert_int_eq(kt_time_parse("2023-13-01", &t), -1);
    ck_assert_int_eq(kt_time_parse("2023-1-01", &t), -1);
    ck_assert_int_eq(kt_time_parse("2023-01-01 25:00", &t), -1);
    /* the one parser of the forecast input and training too: 'T', seconds,
     * ignored fractional seconds; no leap second, no trailing text */
    char buf[32];
    ck_assert_int_eq(kt_time_parse("2024-03-01T09:30", &t), 0);
    kt_time_format_full(t, buf, sizeof buf);
    ck_assert_str_eq(buf, "2024-03-01 09:30:00");
    ck_assert_int_eq(kt_time_parse("2024-03-01 09:30:05.250", &t), 0);
    kt_time_format_full(t, buf, sizeof buf);
    ck_assert_str_eq(buf, "2024-03-01 09:30:05");
    kt_time_format(t, 1, buf, sizeof buf);
    ck_assert_str_eq(buf, "2024-03-01 09:30:05");
    kt_time_format(t, 0, buf, sizeof buf);
    ck_assert_str_eq(buf, "2024-03-01");
    ck_assert_int_eq(kt_time_parse("2024-03-01 09:30:60", &t), -1);
    ck_assert_int_eq(kt_time_parse("2024-03-01 09:30:5", &t), -1);
    ck_assert_int_eq(kt_time_parse("2024-03-01 09:30x", &t), -1);
    ck_assert_int_eq(kt_time_parse("2024-03-01 9:30", &t), -1);
    /* before 1970: the weekday and date still come out right */
    ck_assert_int_eq(kt_time_parse("1969-12-31 23:59", &t), 0);
    ck_assert_int_eq(t, -60);
    kt_time_parts(t, &y, &m, &d, &h, &mi, &wd);
    ck_assert_int_eq(y, 1969);
    ck_assert_int_eq(d, 31);
    ck_assert_int_eq(h, 23);
    ck_assert_int_eq(mi, 59);
    ck_assert_int_eq(wd, 2); /* Wednesday */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("prices");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_aliases_bom_crlf_quotes_order);
    tcase_add_test(tc, test_intraday);
    tcase_add_test(tc, test_fatal_messages);
    tcase_add_test(tc, test_counted_drops);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_large_shuffled);
    tcase_add_test(tc, test_time);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
