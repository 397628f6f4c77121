/* test_costs.c: cost overlays against hand-computed values: an entry from
 * cash, an exit, a name that changes legs, a resize, a zero-volume name,
 * the five scenarios and the liquidity inputs (sigma, ADV). */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "eval/costs.h"

#define ck_near(a, b)                                                                              \
    ck_assert_msg(fabs((a) - (b)) < 1e-12, "%.17g != %.17g", (double)(a), (double)(b))

enum { A, B, C, D, E, X, NS };

static kt_book book(int *l, int nl, int *s, int ns)
{
    kt_book b = {{{nl, l}, {ns, s}}};
    return b;
}

/* Every name: sigma 0.02, ADV 1e8; E traded zero volume (ADV 0). */
static void liquidity(kt_liq *liq)
{
    for (int i = 0; i < NS; i++)
        liq[i] = (kt_liq){1, 0.02, 1e8};
    liq[E] = (kt_liq){0, 0.02, 0};
}

START_TEST(test_rebalance)
{
    kt_liq liq[NS];
    liquidity(liq);
    kt_cost_result r;
    /* h = 2, 10 bps, AUM 2e6: each tranche trades 1e6. prev long {A, B},
     * short {C, D}; cur long {A, C}, short {D, E}: A and D stay (no
     * trade); B exits the long leg, C exits the short leg and enters the
     * long leg (two trades), E enters the short leg: 4 trades of |dw| 0.5,
     * turnover 2.0 / 4 = 0.5. q = 0.5 * 2e6 / 2 = 5e5; impact per unit Y =
     * 0.02 sqrt(5e5 / 1e8) = 0.02 sqrt(0.005) on B, C, C; E has no ADV:
     * impact 0, impact_missing 1. cost = 4 * 0.5 * 10e-4 + 3 * 0.5 * Y *
     * 0.02 sqrt(0.005) = 0.002 + 0.03 Y sqrt(0.005). */
    int pl[] = {A, B}, ps[] = {C, D}, cl[] = {A, C}, cs[] = {D, E};
    kt_book prev = book(pl, 2, ps, 2), cur = book(cl, 2, cs, 2);
    kt_costs_rebalance(&prev, &cur, liq, 2, 10, 2e6, &r);
    ck_near(r.turnover, 0.5);
    ck_assert_int_eq(r.impact_missing, 1);
    ck_near(r.cost[KT_COST_GROSS], 0.0);
    ck_near(r.cost[KT_COST_BASE_ONLY], 0.002);
    ck_near(r.cost[KT_COST_LOW_SLIPPAGE], 0.002 + 0.03 * 0.5 * sqrt(0.005));
    ck_near(r.cost[KT_COST_BASE_SLIPPAGE], 0.002 + 0.03 * sqrt(0.005));
    ck_near(r.cost[KT_COST_HIGH_SLIPPAGE], 0.002 + 0.03 * 2 * sqrt(0.005));

    /* entry from cash: 4 entries of 0.5, turnover 0.5; E again missing */
    kt_costs_rebalance(NULL, &cur, liq, 2, 10, 2e6, &r);
    ck_near(r.turnover, 0.5);
    ck_assert_int_eq(r.impact_missing, 1);
    ck_near(r.cost[KT_COST_BASE_ONLY], 0.002);
    ck_near(r.cost[KT_COST_BASE_SLIPPAGE], 0.002 + 0.03 * sqrt(0.005));

    /* resize: long {A, B, X} (1/3 each) -> {A, B} (1/2 each), short
     * unchanged: A and B +1/6 each, X exits 1/3; sum 2/3, turnover 1/6;
     * base_only cost = 2/3 * 10e-4; h = 1, AUM 1e8: q = |dw| 1e8, impact
     * = 0.02 sqrt(|dw|): 1/6 * 0.02 sqrt(1/6) * 2 + 1/3 * 0.02 sqrt(1/3) */
    int l3[] = {A, B, X}, l2[] = {A, B}, sd[] = {C, D};
    kt_book p3 = book(l3, 3, sd, 2), c2 = book(l2, 2, sd, 2);
    kt_costs_rebalance(&p3, &c2, liq, 1, 10, 1e8, &r);
    ck_near(r.turnover, 1.0 / 6.0);
    ck_assert_int_eq(r.impact_missing, 0);
    ck_near(r.cost[KT_COST_BASE_ONLY], 2.0 / 3.0 * 1e-3);
    ck_near(r.cost[KT_COST_BASE_SLIPPAGE], 2.0 / 3.0 * 1e-3 +
                                               2 * (1.0 / 6.0) * 0.02 * sqrt(1.0 / 6.0) +
                                               (1.0 / 3.0) * 0.02 * sqrt(1.0 / 3.0));
    /* no change: no trade, no cost */
    kt_costs_rebalance(&c2, &c2, liq, 1, 10, 1e8, &r);
    ck_near(r.turnover, 0.0);
    ck_near(r.cost[KT_COST_HIGH_SLIPPAGE], 0.0);
}
END_TEST

START_TEST(test_liquidity)
{
    /* closes 100, 125, 100, ...: the last 20 returns of bar 20 are ten
     * +0.25 and ten -0.2, mean 0.025, sigma = sqrt(20 * 0.225^2 / 19);
     * volume 1000: ADV = (10 * 125000 + 10 * 100000) / 20 = 112500 */
    kt_series s;
    memset(&s, 0, sizeof s);
    s.n = 21;
    s.ohlcva = calloc(21 * 6, sizeof *s.ohlcva);
    for (int i = 0; i < 21; i++) {
        s.ohlcva[i * 6 + 3] = i % 2 ? 125 : 100;
        s.ohlcva[i * 6 + 4] = 1000;
    }
    double sigma, adv;
    ck_assert_int_eq(kt_costs_liquidity(&s, 20, &sigma, &adv), 1);
    ck_near(sigma, sqrt(20 * 0.225 * 0.225 / 19));
    ck_near(adv, 112500);
    /* 20 bars: fewer than 21, impact missing */
    ck_assert_int_eq(kt_costs_liquidity(&s, 19, &sigma, &adv), 0);
    ck_assert_int_eq(kt_costs_liquidity(&s, -1, &sigma, &adv), 0);
    /* zero volume: ADV 0, impact missing (never a division by zero) */
    for (int i = 0; i < 21; i++)
        s.ohlcva[i * 6 + 4] = 0;
    ck_assert_int_eq(kt_costs_liquidity(&s, 20, &sigma, &adv), 0);
    ck_near(adv, 0.0);
    free(s.ohlcva);
}
END_TEST

START_TEST(test_book_and_names)
{
    /* 10 names, scores 0..9 on series 100..109: q = 2, long = the two
     * highest scores (series 109, 108), short = the two lowest (100, 101),
     * as kt_metrics_quintile_spread; 9 names: no legs */
    static const char *const t[] = {"A", "B", "C", "D", "E", "F", "G", "H", "I", "J"};
    kt_xrow rows[10];
    int series[10], idx[10], l[10], sh[10];
    for (int i = 0; i < 10; i++) {
        rows[i] = (kt_xrow){t[i], i, 0.01 * i};
        series[i] = 100 + i;
    }
    kt_book b = book(l, 0, sh, 0);
    kt_costs_book(rows, series, 10, idx, &b);
    ck_assert_int_eq(b.leg[0].n, 2);
    ck_assert_int_eq(b.leg[1].n, 2);
    ck_assert_int_eq(l[0], 109);
    ck_assert_int_eq(l[1], 108);
    ck_assert_int_eq(sh[0], 100);
    ck_assert_int_eq(sh[1], 101);
    kt_costs_book(rows, series, 9, idx, &b);
    ck_assert_int_eq(b.leg[0].n, 0);
    ck_assert_str_eq(kt_cost_scenario_name(KT_COST_GROSS), "gross");
    ck_assert_str_eq(kt_cost_scenario_name(KT_COST_HIGH_SLIPPAGE), "high_slippage");
    double bps, y;
    kt_cost_scenario(KT_COST_LOW_SLIPPAGE, 10, &bps, &y);
    ck_near(bps, 10);
    ck_near(y, 0.5);
    kt_cost_scenario(KT_COST_GROSS, 10, &bps, &y);
    ck_near(bps, 0);
    ck_near(y, 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("costs");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_rebalance);
    tcase_add_test(tc, test_liquidity);
    tcase_add_test(tc, test_book_and_names);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
