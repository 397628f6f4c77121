/* test_probmetrics.c: the probabilistic scores of sampled paths and the
 * HistVol20 baseline against hand-computed values (probmetrics.h). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "eval/probmetrics.h"

#define EPS 1e-12
#define ck_near(a, b) ck_assert_msg(fabs((a) - (b)) < EPS, "%.17g != %.17g", (double)(a), (double)(b))

/* Five paths: sorted -1 0 2 3 5, realised 1.
 * p_up 3/5; Brier (0.6 - 1)^2 = 0.16; q10 at position 0.4: -1 + 0.4 = -0.6;
 * q90 at 3.6: 3 + 0.6 * 2 = 4.2; median 2; PIT #{x <= 1} = 2 -> 0.4;
 * CRPS: mean |x - 1| = (2 + 2 + 1 + 1 + 4) / 5 = 2; the differences of
 * the pairs i<j of the sorted values sum to 14 + 10 + 4 + 2 = 30, so
 * 1/(2*25) * 2 * 30 = 1.2 and CRPS 2 - 1.2 = 0.8. */
START_TEST(test_paths_row)
{
    double x[] = {3, -1, 2, 0, 5}, tmp[5];
    kt_prob_row r;
    kt_prob_row_paths(x, 5, 1.0, tmp, &r);
    ck_near(r.p_up, 0.6);
    ck_near(r.brier, 0.16);
    ck_near(r.lo80, -0.6);
    ck_near(r.hi80, 4.2);
    ck_near(r.median, 2.0);
    ck_near(r.pit, 0.4);
    ck_near(r.crps, 0.8);
    ck_assert_int_eq(r.covered, 1);
    ck_near(x[0], 3.0); /* the input is not reordered */
    /* a realised -2: down (Brier 0.36), outside, PIT 0; CRPS
     * (5 + 1 + 4 + 2 + 7) / 5 - 1.2 = 2.6 */
    kt_prob_row_paths(x, 5, -2.0, tmp, &r);
    ck_near(r.brier, 0.36);
    ck_assert_int_eq(r.covered, 0);
    ck_near(r.pit, 0.0);
    ck_near(r.crps, 2.6);
    /* a realised 0: not up (strict), PIT counts x <= y: 2 of 5 */
    kt_prob_row_paths(x, 5, 0.0, tmp, &r);
    ck_near(r.brier, 0.36);
    ck_near(r.pit, 0.4);
    /* NaN label: no score, but p_up and the interval */
    kt_prob_row_paths(x, 5, NAN, tmp, &r);
    ck_assert_int_eq(r.covered, -1);
    ck_assert(isnan(r.brier) && isnan(r.crps) && isnan(r.pit));
    ck_near(r.p_up, 0.6);
}
END_TEST

/* Coverage bounds are inclusive, on interpolated percentiles: paths 0 and
 * 10 give q10 = 1 and q90 = 9. */
START_TEST(test_coverage_interpolated)
{
    double x[] = {10, 0}, tmp[2];
    kt_prob_row r;
    double ys[] = {1.0, 9.0, 5.0, 0.999, 9.001, 0.0, 10.0};
    int want[] = {1, 1, 1, 0, 0, 0, 0};
    for (int i = 0; i < 7; i++) {
        kt_prob_row_paths(x, 2, ys[i], tmp, &r);
        ck_near(r.lo80, 1.0);
        ck_near(r.hi80, 9.0);
        ck_assert_msg(r.covered == want[i], "y %g covered %d", ys[i], r.covered);
    }
    /* ten paths 1..10: q10 at position 0.9 -> 1.9, q90 at 8.1 -> 9.1 */
    double t[] = {5, 3, 1, 2, 4, 10, 9, 8, 7, 6}, tmp10[10];
    kt_prob_row_paths(t, 10, 1.9, tmp10, &r);
    ck_near(r.lo80, 1.9);
    ck_near(r.hi80, 9.1);
    ck_assert_int_eq(r.covered, 1);
    ck_near(r.median, 5.5);
    kt_prob_row_paths(t, 10, 9.2, tmp10, &r);
    ck_assert_int_eq(r.covered, 0);
}
END_TEST

/* The sorted-order CRPS equals the double sum of its definition. */
START_TEST(test_crps_definition)
{
    double x[7] = {0.3, -0.2, 0.05, 0.3, 1.1, -0.7, 0.0}, s[7];
    memcpy(s, x, sizeof s);
    for (int i = 1; i < 7; i++) /* insertion sort */
        for (int j = i; j > 0 && s[j - 1] > s[j]; j--) {
            double v = s[j];
            s[j] = s[j - 1];
            s[j - 1] = v;
        }
    double y = 0.12, a = 0, b = 0;
    for (int i = 0; i < 7; i++) {
        a += fabs(x[i] - y);
        for (int j = 0; j < 7; j++)
            b += fabs(x[i] - x[j]);
    }
    ck_near(kt_prob_crps_sample(s, 7, y), a / 7 - b / (2.0 * 49));
    double one = 0.25;
    ck_near(kt_prob_crps_sample(&one, 1, -0.5), 0.75); /* one path: |x - y| */
    ck_assert(isnan(kt_prob_crps_sample(s, 7, NAN)));
}
END_TEST

/* Bins: floor(10 p), p = 1 in the last bin. */
START_TEST(test_reliability_bins)
{
    ck_assert_int_eq(kt_prob_rel_bin(0.0), 0);
    ck_assert_int_eq(kt_prob_rel_bin(0.0999), 0);
    ck_assert_int_eq(kt_prob_rel_bin(0.1), 1);
    ck_assert_int_eq(kt_prob_rel_bin(0.55), 5);
    ck_assert_int_eq(kt_prob_rel_bin(0.9375), 9);
    ck_assert_int_eq(kt_prob_rel_bin(1.0), 9);
    ck_assert_int_eq(kt_prob_pit_bin(0.5), 5);
    kt_reliability r;
    memset(&r, 0, sizeof r);
    double p[] = {0.0, 0.0625, 0.1, 0.9375, 1.0, 0.5625, 0.5};
    double y[] = {0.01, -0.02, -0.01, 0.03, 0.02, 0.0, NAN}; /* NaN label: ignored */
    for (int i = 0; i < 7; i++)
        kt_prob_rel_add(&r, p[i], y[i]);
    long n[10] = {2, 1, 0, 0, 0, 1, 0, 0, 0, 2}, ups[10] = {1, 0, 0, 0, 0, 0, 0, 0, 0, 2};
    for (int k = 0; k < 10; k++) {
        ck_assert_int_eq(r.n[k], n[k]);
        ck_assert_int_eq(r.ups[k], ups[k]);
    }
    ck_near(r.sum_p[0] / r.n[0], 0.03125);
    ck_near(r.sum_p[9] / r.n[9], 0.96875);
}
END_TEST

/* N(0, 0.02^2) against 0.02: z = 1, PIT Phi(1), inside +-1.2816 sd;
 * CRPS = 0.02 (1 (2 Phi(1) - 1) + 2 phi(1) - 1/sqrt(pi)). */
START_TEST(test_gauss_row)
{
    kt_prob_row r;
    kt_prob_row_gauss(0.02, 0.02, &r);
    ck_near(r.p_up, 0.5);
    ck_near(r.brier, 0.25);
    ck_near(r.pit, 0.8413447460685429);
    ck_assert_int_eq(r.covered, 1);
    ck_near(r.crps, 0.02 * (0.6826894921370859 + 2 * 0.24197072451914337 - 0.5641895835477563));
    ck_near(r.hi80, 0.02 * 1.2815515655446004);
    kt_prob_row_gauss(0.02, -0.03, &r); /* z = -1.5: outside, down */
    ck_assert_int_eq(r.covered, 0);
    ck_near(r.brier, 0.25);
    ck_near(r.pit, 0.066807201268858057);
    kt_prob_row_gauss(1.0, 0.0, &r); /* the standard normal at 0: 2 phi(0) - 1/sqrt(pi) */
    ck_near(r.crps, 0.79788456080286536 - 0.56418958354775628);
    ck_near(r.pit, 0.5);
    kt_prob_row_gauss(NAN, 0.01, &r); /* no sigma: no score */
    ck_assert_int_eq(r.covered, -1);
}
END_TEST

/* HistVol20 on closes 100, 101, 100, 101, ...: at bar 20 the last 20
 * returns are ten +1/100 and ten -1/101; mean m = (1/100 - 1/101)/2,
 * every deviation d = (1/100 + 1/101)/2, sigma = d sqrt(20/19). */
START_TEST(test_histvol20_sigma)
{
    double c[22];
    for (int t = 0; t < 22; t++)
        c[t] = t % 2 ? 101.0 : 100.0;
    double d = (0.01 + 1.0 / 101) / 2;
    ck_near(kt_histvol20_sigma(c, 1, 20), d * sqrt(20.0 / 19.0));
    ck_near(kt_histvol20_sigma(c, 1, 21), d * sqrt(20.0 / 19.0));
    ck_assert(isnan(kt_histvol20_sigma(c, 1, 19))); /* 19 returns only */
    ck_assert(!isnan(kt_histvol20_sigma(c, 1, 20)));
}
END_TEST

/* One ticker AAA, 22 daily bars 2020-01-01.., closes 100, 101, 100, ... */
static kt_prices *zigzag_prices(void)
{
    char csv[4096];
    size_t w = (size_t)snprintf(csv, sizeof csv, "date,ticker,open,high,low,close,volume\n");
    for (int t = 0; t < 22; t++) {
        double c = t % 2 ? 101.0 : 100.0;
        w += (size_t)snprintf(csv + w, sizeof csv - w, "2020-01-%02d,AAA,%g,%g,%g,%g,1000\n", t + 1,
                              c, c, c, c);
    }
    kt_prices *p = NULL;
    char err[256];
    ck_assert_int_eq(kt_prices_load_mem("mem", csv, w, &p, err, sizeof err), 0);
    return p;
}

/* A whole date: one ticker, horizons 1 and 4, the same five paths on
 * both rows; the realised returns 1 and NaN (end of data). */
START_TEST(test_prob_date)
{
    kt_prices *p = zigzag_prices();
    kt_date_result d;
    memset(&d, 0, sizeof d);
    snprintf(d.date, sizeof d.date, "2020-01-21"); /* bar 20 */
    kt_score_row rows[2] = {{.series = 0, .h = 0, .label = 0.01}, {.series = 0, .h = 1, .label = NAN}};
    d.rows = rows;
    d.n_rows = 2;
    double paths[10] = {0.03, -0.01, 0.02, 0.0, 0.05, 0.03, -0.01, 0.02, 0.0, 0.05};
    int hz[2] = {1, 4};
    ck_assert_int_eq(kt_prob_date(&d, p, hz, 2, paths, 5), 0);
    ck_assert_int_eq(d.pm[0].n_names, 1);
    ck_near(d.pm[0].brier, 0.16);
    ck_near(d.pm[0].coverage_80, 1.0);
    ck_near(d.pm[0].crps, 0.008); /* the first test's 0.8 scaled by 1/100 */
    ck_near(d.pm[0].pit_mean, 0.4);
    ck_assert_int_eq(d.pm[1].n_names, 0);
    ck_assert(isnan(d.pm[1].brier));
    ck_near(rows[0].p_up, 0.6);
    ck_near(rows[0].median, 0.02);
    ck_near(rows[1].p_up, 0.6);
    double sigma = (0.01 + 1.0 / 101) / 2 * sqrt(20.0 / 19.0), z = 0.01 / sigma;
    ck_assert_int_eq(d.pm_hv[0].n_names, 1);
    ck_near(d.pm_hv[0].brier, 0.25);
    ck_near(d.pm_hv[0].coverage_80, 1.0); /* z = 0.98 < 1.28 */
    ck_near(d.pm_hv[0].pit_mean, 0.5 * erfc(-z / sqrt(2.0)));
    ck_near(rows[0].hv_pit, 0.5 * erfc(-z / sqrt(2.0)));
    ck_assert_int_eq(d.pm_hv[1].n_names, 0);
    /* a date before 20 returns: no HistVol20 sigma, Kronos still scored */
    free(d.pm);
    d.pm = NULL;
    snprintf(d.date, sizeof d.date, "2020-01-20");
    ck_assert_int_eq(kt_prob_date(&d, p, hz, 2, paths, 5), 0);
    ck_assert_int_eq(d.pm[0].n_names, 1);
    ck_assert_int_eq(d.pm_hv[0].n_names, 0);
    free(d.pm);
    kt_prices_free(p);
}
END_TEST

/* With --benchmark the label is an excess return; the paths forecast the
 * ticker's own close, so they are scored against its raw return. Here the
 * label says the benchmark rose 20 % (0.01 - 0.20): the scores must be
 * those of the raw return 0.01 (test_prob_date's), not of -0.19 (Brier
 * 0.36, coverage 0, PIT 0). */
START_TEST(test_prob_date_benchmark)
{
    kt_prices *p = zigzag_prices();
    kt_date_result d;
    memset(&d, 0, sizeof d);
    snprintf(d.date, sizeof d.date, "2020-01-21"); /* bar 20: close 100, then 101 */
    kt_score_row rows[2] = {{.series = 0, .h = 0, .label = 0.01 - 0.20},
                            {.series = 0, .h = 1, .label = -0.3}}; /* h = 4: past the data */
    d.rows = rows;
    d.n_rows = 2;
    double paths[10] = {0.03, -0.01, 0.02, 0.0, 0.05, 0.03, -0.01, 0.02, 0.0, 0.05};
    int hz[2] = {1, 4};
    ck_assert_int_eq(kt_prob_date(&d, p, hz, 2, paths, 5), 0);
    ck_near(rows[0].prob_y, 0.01);
    ck_assert(isnan(rows[1].prob_y));
    ck_assert_int_eq(d.pm[0].n_names, 1);
    ck_near(d.pm[0].brier, 0.16);      /* (0.6 - 1)^2: the ticker went up */
    ck_near(d.pm[0].coverage_80, 1.0); /* 0.01 in [-0.006, 0.042] */
    ck_near(d.pm[0].crps, 0.008);
    ck_near(d.pm[0].pit_mean, 0.4);    /* -0.01, 0.0 at or below 0.01 */
    ck_assert_int_eq(d.pm[1].n_names, 0); /* no raw return, whatever the label */
    double sigma = (0.01 + 1.0 / 101) / 2 * sqrt(20.0 / 19.0), z = 0.01 / sigma;
    ck_near(d.pm_hv[0].pit_mean, 0.5 * erfc(-z / sqrt(2.0)));
    ck_near(d.pm_hv[0].coverage_80, 1.0);
    ck_assert_int_eq(d.pm_hv[1].n_names, 0);
    /* the labels are left as they are (scores.csv, RankIC) */
    ck_near(rows[0].label, -0.19);
    ck_near(rows[1].label, -0.3);
    free(d.pm);
    kt_prices_free(p);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("probmetrics");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_paths_row);
    tcase_add_test(tc, test_coverage_interpolated);
    tcase_add_test(tc, test_crps_definition);
    tcase_add_test(tc, test_reliability_bins);
    tcase_add_test(tc, test_gauss_row);
    tcase_add_test(tc, test_histvol20_sigma);
    tcase_add_test(tc, test_prob_date);
    tcase_add_test(tc, test_prob_date_benchmark);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
