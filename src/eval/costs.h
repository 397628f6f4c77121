/* costs.h: transaction-cost overlays of the quintile long-short portfolio
 * (evaluation.md, "Transaction costs (cost overlays)"). Pure functions:
 * the legs of a date, the trades from the previous tranche's legs, and
 * each scenario's cost with the square-root impact model. */
#ifndef KT_COSTS_H
#define KT_COSTS_H

#include "eval/metrics.h"
#include "eval/prices.h"
#include "eval/results.h"

enum {
    KT_COST_GROSS = 0,
    KT_COST_BASE_ONLY,
    KT_COST_LOW_SLIPPAGE,
    KT_COST_BASE_SLIPPAGE,
    KT_COST_HIGH_SLIPPAGE,
    KT_N_COST_SCENARIOS
};

/* "gross", "base_only", "low_slippage", "base_slippage", "high_slippage". */
const char *kt_cost_scenario_name(int sc);
/* The scenario's base cost (bps) and impact coefficient Y. */
void kt_cost_scenario(int sc, double base_bps, double *bps, double *y);

/* One leg: its names (series indices), equal weights 1/n. */
typedef struct kt_leg {
    int n;
    int *series;
} kt_leg;

/* A tranche: long (top quintile) and short (bottom quintile) legs. */
typedef struct kt_book {
    kt_leg leg[2];
} kt_book;

/* The legs of a date: the membership of kt_metrics_quintile_spread over
 * rows (with finite score and label), series[i] naming rows[i]; empty
 * below KT_MIN_NAMES names. The book's arrays hold n entries each. */
void kt_costs_book(const kt_xrow *rows, const int *series, int n, int *idx, kt_book *out);

/* sigma (ddof 1) of the last 20 simple close-to-close returns up to bar
 * i and ADV = mean close*volume of the last 20 bars; 0 when the name has
 * fewer than 21 bars or ADV <= 0 (impact missing). */
int kt_costs_liquidity(const kt_series *s, int i, double *sigma, double *adv);

/* Liquidity of a series on the date (kt_costs_liquidity's result). */
typedef struct kt_liq {
    int ok;
    double sigma, adv;
} kt_liq;

typedef struct kt_cost_result {
    double turnover;                  /* sum |dw| / 4 over both legs */
    double cost[KT_N_COST_SCENARIOS]; /* fraction of the tranche's capital */
    int impact_missing;               /* trades without sigma or ADV */
} kt_cost_result;

/* Rebalancing prev (NULL: cash) into cur for horizon h: per leg, each
 * name's |w_cur - w_prev| is one trade, charged base_bps 1e-4 + Y sigma
 * sqrt(q / ADV), q = |dw| aum / h. liq is indexed by series. */
void kt_costs_rebalance(const kt_book *prev, const kt_book *cur, const kt_liq *liq, int h,
                        double base_bps, double aum, kt_cost_result *out);

/* The overlay of one (date, horizon) of a run. */
typedef struct kt_cost_date {
    int has_legs; /* 0: fewer than KT_MIN_NAMES names, no portfolio */
    double gross; /* the date's quintile_spread */
    kt_cost_result r;
} kt_cost_date;

/* Every (date, horizon) of a run in date order, out[d * nh + h]; a
 * tranche's previous legs are those of the date h positions earlier
 * (cash before). Needs each date's metrics (dm). 0 ok, -1 out of memory. */
int kt_costs_run(const kt_date_result *dates, int nd, int nh, const int *horizons,
                 const kt_prices *p, double base_bps, double aum, kt_cost_date *out);

#endif /* KT_COSTS_H */
