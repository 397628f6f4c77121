/* costs.c: cost overlays. See costs.h. */
#include "config.h"

#include "eval/costs.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const scenario_names[KT_N_COST_SCENARIOS] = {
    "gross", "base_only", "low_slippage", "base_slippage", "high_slippage"};

const char *kt_cost_scenario_name(int sc)
{
    return scenario_names[sc];
}

void kt_cost_scenario(int sc, double base_bps, double *bps, double *y)
{
    static const double ys[KT_N_COST_SCENARIOS] = {0, 0, 0.5, 1, 2};
    *bps = sc == KT_COST_GROSS ? 0 : base_bps;
    *y = ys[sc];
}

void kt_costs_book(const kt_xrow *rows, const int *series, int n, int *idx, kt_book *out)
{
    out->leg[0].n = out->leg[1].n = 0;
    if (n < KT_MIN_NAMES)
        return;
    int q = kt_metrics_quintile_legs(rows, n, idx);
    for (int i = 0; i < q; i++) {
        out->leg[0].series[i] = series[idx[i]];
        out->leg[1].series[i] = series[idx[n - 1 - i]];
    }
    out->leg[0].n = out->leg[1].n = q;
}

int kt_costs_liquidity(const kt_series *s, int i, double *sigma, double *adv)
{
    *sigma = *adv = NAN;
    if (i < 20 || i >= s->n)
        return 0;
    double r[20], m = 0, ss = 0, a = 0;
    for (int j = 0; j < 20; j++) {
        const double *b = s->ohlcva + (size_t)(i - 19 + j) * 6;
        r[j] = b[3] / b[3 - 6] - 1.0;
        m += r[j];
        a += b[3] * b[4];
    }
    m /= 20;
    for (int j = 0; j < 20; j++)
        ss += (r[j] - m) * (r[j] - m);
    *sigma = sqrt(ss / 19);
    *adv = a / 20;
    return *adv > 0;
}

static double weight_in(const kt_leg *l, int series)
{
    for (int i = 0; l && i < l->n; i++)
        if (l->series[i] == series)
            return 1.0 / l->n;
    return 0;
}

/* One trade of |dw| in a name: its cost in every scenario. */
static void charge(double dw, const kt_liq *lq, int h, double base_bps, double aum,
                   kt_cost_result *out)
{
    if (dw <= 0)
        return;
    out->turnover += dw / 4;
    out->impact_missing += !lq->ok;
    for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++) {
        double bps, y;
        kt_cost_scenario(sc, base_bps, &bps, &y);
        double impact = lq->ok ? y * lq->sigma * sqrt(dw * aum / h / lq->adv) : 0;
        out->cost[sc] += dw * (bps * 1e-4 + impact);
    }
}

void kt_costs_rebalance(const kt_book *prev, const kt_book *cur, const kt_liq *liq, int h,
                        double base_bps, double aum, kt_cost_result *out)
{
    memset(out, 0, sizeof *out);
    for (int L = 0; L < 2; L++) {
        const kt_leg *p = prev ? &prev->leg[L] : NULL, *c = &cur->leg[L];
        for (int i = 0; i < c->n; i++) /* entries and resizes */
            charge(fabs(1.0 / c->n - weight_in(p, c->series[i])), &liq[c->series[i]], h, base_bps,
                   aum, out);
        for (int i = 0; p && i < p->n; i++) /* exits */
            if (weight_in(c, p->series[i]) == 0)
                charge(1.0 / p->n, &liq[p->series[i]], h, base_bps, aum, out);
    }
}

/* The book of date d, horizon h: its rows with finite score and label. */
static void date_book(const kt_date_result *d, int h, const kt_prices *p, kt_xrow *xr, int *ser,
                      int *idx, kt_book *out)
{
    int m = 0;
    for (int i = 0; i < d->n_rows; i++) {
        const kt_score_row *r = &d->rows[i];
        if (r->h != h || !isfinite(r->score) || !isfinite(r->label))
            continue;
        xr[m].ticker = p->series[r->series].ticker;
        xr[m].score = r->score;
        xr[m].label = r->label;
        ser[m++] = r->series;
    }
    kt_costs_book(xr, ser, m, idx, out);
}

/* sigma and ADV on date t of every name in the book's legs. */
static void book_liquidity(const kt_book *b, const kt_prices *p, kt_time t, kt_liq *liq)
{
    for (int L = 0; L < 2; L++)
        for (int i = 0; i < b->leg[L].n; i++) {
            int s = b->leg[L].series[i];
            const kt_series *se = &p->series[s];
            liq[s].ok = kt_costs_liquidity(se, kt_series_find(se, t), &liq[s].sigma, &liq[s].adv);
        }
}

static int run_horizon(const kt_date_result *dates, int nd, int nh, int h, int hz,
                       const kt_prices *p, double base_bps, double aum, kt_book *books, int cap,
                       kt_liq *liq, kt_cost_date *out)
{
    kt_xrow *xr = malloc((size_t)cap * sizeof *xr);
    int *ser = malloc((size_t)cap * 2 * sizeof *ser);
    if (!xr || !ser) {
        free(xr);
        free(ser);
        return -1;
    }
    for (int d = 0; d < nd; d++) {
        kt_cost_date *o = &out[d * nh + h];
        kt_time t = 0;
        date_book(&dates[d], h, p, xr, ser, ser + cap, &books[d]);
        memset(o, 0, sizeof *o);
        o->gross = dates[d].dm ? dates[d].dm[h].quintile_spread : NAN;
        o->has_legs = books[d].leg[0].n > 0 && isfinite(o->gross);
        if (!o->has_legs || kt_time_parse(dates[d].date, &t) != 0) {
            o->has_legs = 0;
            continue;
        }
        const kt_book *prev = d >= hz && books[d - hz].leg[0].n > 0 ? &books[d - hz] : NULL;
        book_liquidity(&books[d], p, t, liq);
        if (prev)
            book_liquidity(prev, p, t, liq);
        kt_costs_rebalance(prev, &books[d], liq, hz, base_bps, aum, &o->r);
    }
    free(xr);
    free(ser);
    return 0;
}

int kt_costs_run(const kt_date_result *dates, int nd, int nh, const int *horizons,
                 const kt_prices *p, double base_bps, double aum, kt_cost_date *out)
{
    int cap = 1, rc = -1;
    for (int d = 0; d < nd; d++)
        cap = dates[d].n_rows > cap ? dates[d].n_rows : cap;
    /* a leg holds a fifth of a date's names (kt_metrics_quintile_legs) */
    size_t leg_cap = (size_t)cap / 5 + 1;
    kt_book *books = calloc((size_t)(nd ? nd : 1), sizeof *books);
    int *pool = malloc((size_t)(nd ? nd : 1) * 2 * leg_cap * sizeof *pool);
    kt_liq *liq = calloc((size_t)(p->n_series ? p->n_series : 1), sizeof *liq);
    if (books && pool && liq) {
        for (int d = 0; d < nd; d++)
            for (int L = 0; L < 2; L++)
                books[d].leg[L].series = pool + ((size_t)d * 2 + (size_t)L) * leg_cap;
        rc = 0;
        for (int h = 0; h < nh && rc == 0; h++)
            rc = run_horizon(dates, nd, nh, h, horizons[h], p, base_bps, aum, books, cap, liq, out);
    }
    free(books);
    free(pool);
    free(liq);
    return rc;
}
