/* test_metrics.c: metrics against hand-computed values. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "check_run.h"
#include "eval/metrics.h"

#define EPS 1e-12
#define ck_near(a, b) ck_assert_msg(fabs((a) - (b)) < EPS, "%.17g != %.17g", (double)(a), (double)(b))

static const char *const T[] = {"T01", "T02", "T03", "T04", "T05", "T06", "T07", "T08",
                                "T09", "T10", "T11", "T12", "T13", "T14", "T15", "T16",
                                "T17", "T18", "T19", "T20", "T21", "T22"};

START_TEST(test_ranks_ties)
{
    double x[] = {3, 1, 2, 2, 3, 3};
    double r[6];
    kt_metrics_ranks(x, 6, r);
    /* sorted: 1 (rank 1), 2,2 (ranks 2,3 -> 2.5), 3,3,3 (4,5,6 -> 5) */
    ck_near(r[0], 5.0);
    ck_near(r[1], 1.0);
    ck_near(r[2], 2.5);
    ck_near(r[3], 2.5);
    ck_near(r[4], 5.0);
    ck_near(r[5], 5.0);
}
END_TEST

START_TEST(test_spearman_pearson)
{
    /* ranks x = 1,2.5,2.5,4; ranks y = 1..4: r = 4.5 / sqrt(4.5 * 5) = 3/sqrt(10) */
    double x[] = {1, 2, 2, 3}, y[] = {1, 2, 3, 4};
    ck_near(kt_metrics_spearman(x, y, 4), 3.0 / sqrt(10.0));
    /* x = 1,2,3; y = 1,2,4: sxy = 3, sxx = 2, syy = 42/9 -> 9/sqrt(84) */
    double a[] = {1, 2, 3}, b[] = {1, 2, 4};
    ck_near(kt_metrics_pearson(a, b, 3), 9.0 / sqrt(84.0));
    ck_near(kt_metrics_spearman(a, b, 3), 1.0);
    /* constant input: undefined */
    double c[] = {1, 1, 1};
    ck_assert(isnan(kt_metrics_spearman(c, b, 3)));
    ck_assert(isnan(kt_metrics_pearson(a, b, 1)));
}
END_TEST

START_TEST(test_quantiles)
{
    double v[] = {0.3, 0.05, 0.2, 0.05, 0.1, 0.05, 0.1, 0.2, 0.3, 0.4};
    ck_near(kt_metrics_median(v, 10), 0.15);
    /* p25: pos 2.25 -> 0.05 + 0.25 * 0.05; p75: pos 6.75 -> 0.2 + 0.75 * 0.1 */
    ck_near(kt_metrics_quantile(v, 10, 0.25), 0.0625);
    ck_near(kt_metrics_quantile(v, 10, 0.75), 0.275);
    ck_assert(isnan(kt_metrics_median(v, 0)));
    ck_assert(v[0] == 0.3); /* input untouched */
}
END_TEST

START_TEST(test_date_ten_names)
{
    /* scores 1..10; labels chosen by hand. Spearman: sum d^2 = 120 ->
     * 1 - 6*120/(10*99) = 3/11. */
    double l[] = {0.05, -0.01, 0.02, 0.03, -0.02, 0.04, 0.01, 0.06, 0.00, 0.07};
    kt_xrow r[10];
    for (int i = 0; i < 10; i++)
        r[i] = (kt_xrow){T[i], i + 1.0, l[i]};
    kt_date_metrics m;
    kt_metrics_date(r, 10, &m);
    ck_assert_int_eq(m.n_names, 10);
    ck_near(m.rankic, 3.0 / 11.0);
    ck_assert(fabs(m.ic - 0.27272727272727276) < 1e-12);
    /* quintile: top 2 by score (0.07, 0.00) minus bottom 2 (0.05, -0.01) */
    ck_near(m.quintile_spread, (0.07 + 0.00) / 2 - (0.05 - 0.01) / 2);
    ck_near(m.hit_rate_10, 0.7);
    ck_near(m.avg_er_10, 0.025);
    ck_assert(isnan(m.hit_rate_20)); /* fewer than 20 names */
    ck_assert(isnan(m.avg_er_20));
}
END_TEST

START_TEST(test_date_nan_labels_and_few_names)
{
    kt_xrow r[12];
    for (int i = 0; i < 12; i++)
        r[i] = (kt_xrow){T[i], (double)i, i % 4 == 0 ? NAN : 0.01 * i};
    kt_date_metrics m;
    kt_metrics_date(r, 12, &m); /* 3 NaN labels -> 9 names < 10 */
    ck_assert_int_eq(m.n_names, 9);
    ck_assert(isnan(m.rankic) && isnan(m.ic) && isnan(m.quintile_spread));
    ck_assert(isnan(m.hit_rate_10) && isnan(m.avg_er_10));
    /* NaN labels are excluded, not counted as zero: 11 names with 1 NaN */
    kt_xrow q[11];
    for (int i = 0; i < 11; i++)
        q[i] = (kt_xrow){T[i], (double)i, i == 5 ? NAN : (double)i};
    kt_metrics_date(q, 11, &m);
    ck_assert_int_eq(m.n_names, 10);
    ck_near(m.rankic, 1.0);
    ck_near(m.hit_rate_10, 0.9); /* labels 0..10 without 5: nine > 0 */
}
END_TEST

/* Quintile means: 12 names, scores 12..1 for A..L, labels 1..12 (A has
 * label 1). q = 12/5 = 2: Q5 = {A, B} (mean 1.5), Q1 = {K, L} (11.5); the
 * middle 8 split at 2 + 8/3 = 4 and 2 + 16/3 = 7: Q4 = {C, D} (3.5), Q3 =
 * {E, F, G} (6), Q2 = {H, I, J} (9). */
START_TEST(test_quintile_means)
{
    kt_xrow r[12];
    static const char *const tk[12] = {"A", "B", "C", "D", "E", "F",
                                       "G", "H", "I", "J", "K", "L"};
    for (int i = 0; i < 12; i++)
        r[i] = (kt_xrow){tk[i], 12 - i, i + 1};
    int idx[12];
    double q[5];
    kt_metrics_quintile_means(r, 12, idx, q);
    ck_near(q[0], 11.5);
    ck_near(q[1], 9.0);
    ck_near(q[2], 6.0);
    ck_near(q[3], 3.5);
    ck_near(q[4], 1.5);
    /* Q5 - Q1 is exactly the quintile spread */
    ck_assert(q[4] - q[0] == kt_metrics_quintile_spread(r, 12));
    /* 5 names: one each */
    kt_metrics_quintile_means(r, 5, idx, q);
    ck_near(q[4], 1.0);
    ck_near(q[3], 2.0);
    ck_near(q[2], 3.0);
    ck_near(q[1], 4.0);
    ck_near(q[0], 5.0);
    kt_metrics_quintile_means(r, 4, idx, q);
    ck_assert(isnan(q[0]) && isnan(q[2]) && isnan(q[4]));
}
END_TEST

START_TEST(test_quintile_five_names_and_ties)
{
    kt_xrow r[5] = {{"A", 5, 0.1}, {"B", 4, 0.2}, {"C", 3, 0.3}, {"D", 2, 0.4}, {"E", 1, -0.5}};
    ck_near(kt_metrics_quintile_spread(r, 5), 0.1 - (-0.5));
    ck_assert(isnan(kt_metrics_quintile_spread(r, 4)));
    /* ties in score are broken by ticker: B and A tie at the top -> A first */
    kt_xrow t[5] = {{"B", 9, 1.0}, {"A", 9, 2.0}, {"C", 3, 0.0}, {"E", 1, 5.0}, {"D", 1, 7.0}};
    int idx[5];
    kt_metrics_order(t, 5, idx);
    ck_assert_int_eq(idx[0], 1);
    ck_assert_int_eq(idx[1], 0);
    ck_assert_int_eq(idx[2], 2);
    ck_assert_int_eq(idx[3], 4); /* D before E */
    ck_assert_int_eq(idx[4], 3);
    ck_near(kt_metrics_quintile_spread(t, 5), 2.0 - 5.0);
    double hr, er;
    kt_metrics_topk(t, 5, 2, &hr, &er);
    ck_near(hr, 1.0);
    ck_near(er, 1.5);
}
END_TEST

START_TEST(test_ic_decay_8_9_10)
{
    kt_ic_decay d;
    double v8[] = {0.1, 0.2, 0.3, 0, 0, 0, -0.1, -0.2};
    ck_assert_int_eq(kt_metrics_ic_decay(v8, 8, &d), 0);
    ck_assert_int_eq(d.n, 8);
    ck_assert(isnan(d.decay));

    double v9[] = {0.1, 0.2, 0.3, 0, 0, 0, -0.1, -0.2, -0.3};
    ck_assert_int_eq(kt_metrics_ic_decay(v9, 9, &d), 1);
    ck_near(d.early_median, 0.2);   /* first third: 0.1 0.2 0.3 */
    ck_near(d.late_median, -0.2);   /* index 6..8 */
    ck_near(d.decay, -0.4);
    ck_near(d.pct_positive, 3.0 / 9.0);
    ck_assert_int_eq(d.rapid_decay, 1);
    ck_assert_int_eq(d.noisy, 1); /* median 0 */
    char f[32];
    kt_metrics_flags(&d, f, sizeof f);
    ck_assert_str_eq(f, "RAPID_DECAY,NOISY");

    double v10[] = {0.1, 0.2, 0.3, 0.05, 0.05, 0.05, 0.1, 0.2, 0.3, 0.4};
    ck_assert_int_eq(kt_metrics_ic_decay(v10, 10, &d), 1);
    ck_near(d.early_median, 0.2);   /* third = 3 */
    ck_near(d.late_median, 0.25);   /* index 6..9: 0.1 0.2 0.3 0.4 */
    ck_near(d.decay, 0.05);
    ck_near(d.pct_positive, 1.0);
    ck_near(d.iqr, 0.2125);
    ck_near(d.median, 0.15);
    ck_assert_int_eq(d.rapid_decay, 0);
    ck_assert_int_eq(d.noisy, 0); /* 0.2125 / 0.15 = 1.42 <= 2 */
    kt_metrics_flags(&d, f, sizeof f);
    ck_assert_str_eq(f, "");

    /* NaN dates do not count: 10 values with 2 NaN -> 8 -> not computed */
    double vn[] = {0.1, NAN, 0.3, 0.05, NAN, 0.05, 0.1, 0.2, 0.3, 0.4};
    ck_assert_int_eq(kt_metrics_ic_decay(vn, 10, &d), 0);
}
END_TEST

START_TEST(test_run_stats_retention)
{
    double x[] = {1, 2, 3, 4, NAN};
    kt_run_stats s;
    kt_metrics_run_stats(x, 5, &s);
    ck_assert_int_eq(s.n, 4);
    ck_near(s.mean, 2.5);
    ck_near(s.std, sqrt(5.0 / 3.0));
    ck_near(s.icir, 2.5 / sqrt(5.0 / 3.0));
    ck_near(s.tstat, 2.5 / sqrt(5.0 / 3.0) * 2.0);
    ck_near(s.median, 2.5);
    const char *a[] = {"A", "B", "C"}, *b[] = {"B", "C", "D"};
    ck_near(kt_metrics_retention(a, b, 3), 2.0 / 3.0);
}
END_TEST

/* Newey-West t by hand (python3 fractions agree):
 * x = 1,1,1,2,2,2,3,3,3 (a NaN date dropped), m = 2, deviations
 * -1,-1,-1,0,0,0,1,1,1: gamma_0 = 6/9, gamma_1 = 4/9, gamma_2 = 2/9.
 * h = 3 -> L = 2, weights 2/3 and 1/3:
 * var = 6/9 + 2 (2/3 4/9 + 1/3 2/9) = 38/27, t = 2 / sqrt(38/27 / 9)
 * = 2 sqrt(243/38) = 5.058 (naive t 2/(sqrt(6/8)/3) = 6.93 overstates).
 * h = 1 -> L = 0: var = gamma_0, t = 2 / sqrt(6/81) = 18/sqrt(6).
 * x = 1,2,4,3 with h = 20 -> L = min(19, 3) = 3: m = 5/2, var = 13/16,
 * t = 2.5 / sqrt(13/64) = 20/sqrt(13).
 * x = 1,2,1,2,1,2, h = 2 -> L = 1: gamma_0 = 1/4, gamma_1 = -5/24,
 * var = 1/4 - 5/24 = 1/24, t = 1.5 / sqrt(1/144) = 18. */
START_TEST(test_newey_west)
{
    double a[] = {1, 1, 1, NAN, 2, 2, 2, 3, 3, 3};
    ck_assert(fabs(kt_metrics_nw_t(a, 10, 3) - 2.0 * sqrt(243.0 / 38.0)) < 1e-12);
    ck_assert(fabs(kt_metrics_nw_t(a, 10, 1) - 18.0 / sqrt(6.0)) < 1e-12);
    kt_run_stats s;
    kt_metrics_run_stats(a, 10, &s);
    ck_assert(s.tstat > kt_metrics_nw_t(a, 10, 3)); /* overlap: naive overstates */
    double b[] = {1, 2, 4, 3};
    ck_assert(fabs(kt_metrics_nw_t(b, 4, 20) - 20.0 / sqrt(13.0)) < 1e-12);
    double c[] = {1, 2, 1, 2, 1, 2};
    ck_assert(fabs(kt_metrics_nw_t(c, 6, 2) - 18.0) < 1e-12);
    /* NaN rules: n < 2, var_nw <= 0 (a constant series) */
    double one[] = {0.3, NAN}, flat[] = {0.25, 0.25, 0.25};
    ck_assert(isnan(kt_metrics_nw_t(one, 2, 5)));
    ck_assert(isnan(kt_metrics_nw_t(one, 0, 5)));
    ck_assert(isnan(kt_metrics_nw_t(flat, 3, 2)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("metrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_ranks_ties);
    tcase_add_test(tc, test_spearman_pearson);
    tcase_add_test(tc, test_quantiles);
    tcase_add_test(tc, test_date_ten_names);
    tcase_add_test(tc, test_date_nan_labels_and_few_names);
    tcase_add_test(tc, test_quintile_five_names_and_ties);
    tcase_add_test(tc, test_quintile_means);
    tcase_add_test(tc, test_ic_decay_8_9_10);
    tcase_add_test(tc, test_run_stats_retention);
    tcase_add_test(tc, test_newey_west);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
