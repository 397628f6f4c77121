/* test_scorecard.c: the three gates on both sides of each threshold, the
 * not_run rules and the churn diagnostics, against hand-computed values. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "eval/scorecard.h"

#define ck_near(a, b)                                                                              \
    ck_assert_msg(fabs((a) - (b)) < 1e-12, "%.17g != %.17g", (double)(a), (double)(b))

/* A horizon that passes everything: headline 0.06, momentum 0.1, best
 * baseline 0.01, churn 0.2, cost survival 0.8. */
static kt_scorecard_row row(int h, double headline)
{
    kt_scorecard_row r = {.horizon = h,
                          .rankic_headline = headline,
                          .rankic_mean = headline,
                          .nw_t = 2.0,
                          .pct_positive = 0.6,
                          .churn_median_20 = 0.2,
                          .cost_survival = 0.8,
                          .momentum_corr_median = 0.1,
                          .best_baseline = "momentum_12_1",
                          .best_baseline_rankic = 0.01};
    return r;
}

static kt_gate_state g1(const kt_scorecard_row *r, int n)
{
    kt_gate g;
    kt_gate_1(r, n, &g);
    return g.state;
}

static kt_gate_state g2(const kt_scorecard_row *r, int n)
{
    kt_gate g;
    kt_gate_2(r, n, &g);
    return g.state;
}

static kt_gate_state g3(const kt_scorecard_row *r, int n)
{
    kt_gate g;
    kt_gate_3(r, n, &g);
    return g.state;
}

START_TEST(test_gate_1)
{
    kt_scorecard_row r[3] = {row(1, 0.02), row(5, 0.01), row(20, 0.0199999999995)};
    ck_assert_int_eq(g1(r, 3), KT_GATE_PASS); /* 0.02 and 0.02 - 5e-13: two horizons */
    r[2].rankic_headline = 0.0199;
    ck_assert_int_eq(g1(r, 3), KT_GATE_FAIL); /* one horizon >= 0.02 */
    r[1].rankic_headline = 0.3;
    ck_assert_int_eq(g1(r, 3), KT_GATE_PASS);
    r[2].momentum_corr_median = -0.5; /* |median| < 0.5 is strict */
    ck_assert_int_eq(g1(r, 3), KT_GATE_FAIL);
    r[2].momentum_corr_median = -0.4999;
    ck_assert_int_eq(g1(r, 3), KT_GATE_PASS);
    r[0].momentum_corr_median = NAN; /* the control did not run */
    ck_assert_int_eq(g1(r, 3), KT_GATE_NOT_RUN);
    r[0].momentum_corr_median = 0;
    r[1].rankic_headline = NAN;
    ck_assert_int_eq(g1(r, 3), KT_GATE_NOT_RUN);
    ck_assert_int_eq(g1(r, 0), KT_GATE_NOT_RUN);
}
END_TEST

START_TEST(test_gate_2)
{
    kt_scorecard_row r[2] = {row(1, 0.01), row(5, 0.05)};
    r[0].best_baseline_rankic = r[1].best_baseline_rankic = 0.2;
    ck_assert_int_eq(g2(r, 2), KT_GATE_PASS); /* 0.05 >= 0.05 */
    r[1].rankic_headline = 0.0499;
    ck_assert_int_eq(g2(r, 2), KT_GATE_FAIL); /* 0.0499 < 0.05 and < 0.2 - 0.03 */
    r[1].best_baseline_rankic = 0.0799;       /* 0.0799 - 0.03 = 0.0499 (within 1e-9) */
    ck_assert_int_eq(g2(r, 2), KT_GATE_PASS);
    r[1].best_baseline_rankic = 0.0801;
    ck_assert_int_eq(g2(r, 2), KT_GATE_FAIL);
    r[0].best_baseline_rankic = NAN; /* baselines not run */
    ck_assert_int_eq(g2(r, 2), KT_GATE_NOT_RUN);
    kt_gate g;
    kt_gate_2(r, 2, &g);
    ck_assert_str_eq(g.detail, "baselines not run (1d)");
}
END_TEST

START_TEST(test_gate_3)
{
    /* the horizon with the highest headline decides: 20d (0.04) */
    kt_scorecard_row r[3] = {row(1, 0.01), row(5, NAN), row(20, 0.04)};
    r[0].churn_median_20 = 0.9;
    r[2].churn_median_20 = 1 - 0.7; /* 0.30000000000000004 */
    r[2].cost_survival = 0.3;
    ck_assert_int_eq(g3(r, 3), KT_GATE_PASS);
    kt_gate g;
    kt_gate_3(r, 3, &g);
    ck_assert_str_eq(g.detail, "20d: top-20 churn median 0.300, cost survival 0.300");
    r[2].churn_median_20 = 0.35;
    ck_assert_int_eq(g3(r, 3), KT_GATE_FAIL);
    r[2].churn_median_20 = 0.3;
    r[2].cost_survival = 0.2999;
    ck_assert_int_eq(g3(r, 3), KT_GATE_FAIL);
    r[2].cost_survival = NAN; /* cost overlays not run */
    ck_assert_int_eq(g3(r, 3), KT_GATE_NOT_RUN);
    r[2].cost_survival = 0.5;
    r[2].churn_median_20 = NAN; /* no date pair */
    ck_assert_int_eq(g3(r, 3), KT_GATE_NOT_RUN);
    r[0].rankic_headline = r[2].rankic_headline = NAN;
    ck_assert_int_eq(g3(r, 3), KT_GATE_NOT_RUN);
    kt_gate all[KT_N_GATES];
    kt_scorecard_gates(r, 3, all);
    for (int i = 0; i < KT_N_GATES; i++)
        ck_assert_str_eq(kt_gate_name(all[i].state), "not_run");
    ck_assert_str_eq(kt_gate_name(KT_GATE_PASS), "pass");
    ck_assert_str_eq(kt_gate_name(KT_GATE_FAIL), "fail");
}
END_TEST

START_TEST(test_churn_diagnostics)
{
    /* 0.1 0.3 0.6 0.8: median 0.45, mean 0.45, p90 at position 2.7 =
     * 0.6 + 0.7 (0.8 - 0.6) = 0.74, 2 of 4 above 0.5 */
    double a[] = {0.8, 0.1, 0.6, 0.3};
    kt_churn_diag d;
    kt_churn_diagnostics(a, 4, &d);
    ck_assert_int_eq(d.n, 4);
    ck_near(d.median, 0.45);
    ck_near(d.mean, 0.45);
    ck_near(d.p90, 0.74);
    ck_near(d.pct_high, 0.5);
    ck_assert_int_eq(d.high_churn, 0);
    /* 0.5 is not above 0.5; the median 0.6 is: HIGH_CHURN */
    double b[] = {0.6, 0.5, 0.7};
    kt_churn_diagnostics(b, 3, &d);
    ck_near(d.median, 0.6);
    ck_near(d.pct_high, 2.0 / 3.0);
    ck_assert_int_eq(d.high_churn, 1);
    /* median exactly 0.5: no flag */
    double c[] = {0.4, 0.5, 0.6};
    kt_churn_diagnostics(c, 3, &d);
    ck_assert_int_eq(d.high_churn, 0);
    kt_churn_diagnostics(NULL, 0, &d);
    ck_assert_int_eq(d.n, 0);
    ck_assert(isnan(d.median) && isnan(d.mean) && isnan(d.p90) && isnan(d.pct_high));
    double x[] = {0.1, -0.2, 0, NAN, 0.3};
    ck_near(kt_share_positive(x, 5), 0.5);
    ck_assert(isnan(kt_share_positive(x + 3, 1)));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("scorecard");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_gate_1);
    tcase_add_test(tc, test_gate_2);
    tcase_add_test(tc, test_gate_3);
    tcase_add_test(tc, test_churn_diagnostics);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
