/* test_baselines.c: momentum_12_1, reversal_5d and the momentum control
 * against hand-computed values. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "eval/baselines.h"

#define ck_near(a, b)                                                                              \
    ck_assert_msg(fabs((a) - (b)) < 1e-12, "%.17g != %.17g", (double)(a), (double)(b))
#define DAY 86400

/* Ticker k: n bars ending on day `last`, close = 100 + slope * i. */
static void make_series(kt_series *s, const char *ticker, int n, int last, double slope)
{
    snprintf(s->ticker, sizeof s->ticker, "%s", ticker);
    s->n = n;
    s->t = calloc((size_t)n, sizeof *s->t);
    s->ohlcva = calloc((size_t)n * 6, sizeof *s->ohlcva);
    for (int i = 0; i < n; i++) {
        s->t[i] = (kt_time)(last - n + 1 + i) * DAY;
        for (int j = 0; j < 4; j++)
            s->ohlcva[i * 6 + j] = 100 + slope * i;
    }
}

START_TEST(test_signals)
{
    /* close[i] = 100 + i: momentum at bar 252 = close[231]/close[0] - 1 =
     * 331/100 - 1 = 2.31; reversal at bar 5 = -(105/100 - 1) = -0.05 */
    kt_series s;
    make_series(&s, "A", 253, 252, 1.0);
    ck_near(kt_baseline_signal(&s, 252, KT_SIG_MOMENTUM_12_1), 2.31);
    ck_assert(isnan(kt_baseline_signal(&s, 251, KT_SIG_MOMENTUM_12_1))); /* 252 bars */
    ck_near(kt_baseline_signal(&s, 5, KT_SIG_REVERSAL_5D), -0.05);
    ck_near(kt_baseline_signal(&s, 252, KT_SIG_REVERSAL_5D), -(352.0 / 347.0 - 1.0));
    ck_assert(isnan(kt_baseline_signal(&s, 4, KT_SIG_REVERSAL_5D)));
    ck_assert(isnan(kt_baseline_signal(&s, -1, KT_SIG_REVERSAL_5D)));
    ck_assert_str_eq(kt_baseline_name(KT_SIG_MOMENTUM_12_1), "momentum_12_1");
    ck_assert_str_eq(kt_baseline_name(KT_SIG_REVERSAL_5D), "reversal_5d");
    free(s.t);
    free(s.ohlcva);
}
END_TEST

/* 13 tickers on day 252 (k = 0..12), close = 100 + 0.1 (k+1) i; ticker 12
 * has only 100 bars (no 12-1 momentum). Kronos score k, label -k.
 * momentum_k = 0.231 (k+1) rises with k -> RankIC -1 over the 12 names
 * with 253 bars, quintile spread (top 2: labels -11,-10; bottom 2: 0,-1)
 * = -10.5 - (-0.5) = -10; Spearman(score, momentum) = +1.
 * reversal_k = -0.5 (k+1) / (100 + 24.7 (k+1)) falls with k (ticker 12:
 * -6.5/222.2, below ticker 11's -6/396.4) -> RankIC +1 over 13 names,
 * spread -0.5 - (-11.5) = +11. A second horizon's rows are ignored. */
START_TEST(test_date)
{
    kt_prices p;
    memset(&p, 0, sizeof p);
    p.n_series = 13;
    p.series = calloc(13, sizeof *p.series);
    kt_date_result d;
    memset(&d, 0, sizeof d);
    d.rows = calloc(26, sizeof *d.rows);
    for (int k = 0; k < 13; k++) {
        char t[8];
        snprintf(t, sizeof t, "T%02d", k);
        make_series(&p.series[k], t, k == 12 ? 100 : 253, 252, 0.1 * (k + 1));
        for (int h = 0; h < 2; h++) {
            kt_score_row *r = &d.rows[d.n_rows++];
            r->series = k;
            r->h = h;
            r->score = h ? -k : k;
            r->label = h ? k : -k;
        }
    }
    kt_time_format((kt_time)252 * DAY, 0, d.date, sizeof d.date);
    kt_xrow xr[26];
    double x[26], y[26];
    kt_baseline_date b;
    kt_baselines_date(&d, 0, &p, xr, x, y, &b);
    ck_assert_int_eq(b.m[KT_SIG_MOMENTUM_12_1].n_names, 12);
    ck_near(b.m[KT_SIG_MOMENTUM_12_1].rankic, -1.0);
    ck_near(b.m[KT_SIG_MOMENTUM_12_1].quintile_spread, -10.0);
    ck_assert_int_eq(b.m[KT_SIG_REVERSAL_5D].n_names, 13);
    ck_near(b.m[KT_SIG_REVERSAL_5D].rankic, 1.0);
    ck_near(b.m[KT_SIG_REVERSAL_5D].quintile_spread, 11.0);
    ck_assert_int_eq(b.momentum_names, 12);
    ck_near(b.momentum_corr, 1.0);
    /* fewer than 10 names with momentum: no correlation, no baseline metrics */
    for (int k = 3; k < 13; k++)
        p.series[k].n = 100;
    kt_baselines_date(&d, 0, &p, xr, x, y, &b);
    ck_assert(isnan(b.momentum_corr));
    ck_assert_int_eq(b.momentum_names, 3);
    ck_assert(isnan(b.m[KT_SIG_MOMENTUM_12_1].rankic));
    for (int k = 0; k < 13; k++) {
        free(p.series[k].t);
        free(p.series[k].ohlcva);
    }
    free(p.series);
    free(d.rows);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("baselines");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_signals);
    tcase_add_test(tc, test_date);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
