/* gen_market.c: kronos-gen-market, the deterministic demo market generator.
 *
 * Writes a long-format price store (date,ticker,open,high,low,close,volume,amount)
 * for 100 tickers (--tickers N: N, 10 sectors of N/10) over six years of
 * trading days (US-style holidays).
 * Log prices are the sum of a market factor, a sector factor, an idiosyncratic
 * random walk and an optional per-ticker Ornstein-Uhlenbeck deviation (off by
 * default). The planted signal has two kinds of events, all visible in the
 * ticker's own price history: a "pressure event", a 3-4.5 % move on 3-5x
 * volume with a long shadow on the other side, followed by a drift in the
 * same direction for 20 days, and an "overreaction", a 10-15 % move on
 * ordinary volume followed by a drift against it. The two are sized so that
 * betting on reversion to the window mean (what an untrained model does)
 * has no edge.
 * data/README.md documents the model and its parameters.
 *
 * Same seed -> same bytes: the project's xoshiro256** generator (rng.h),
 * integer calendar arithmetic, fixed formatting. */
#include "config.h"

#include "base/civil.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "base/rng.h"

#define N_SECTORS 10
#define MAX_TICKERS 100000
#define MAX_DAYS 4000

/* ---- calendar ---------------------------------------------------------- */

/* n-th (1-based) given weekday of a month; n = -1: the last one */
static long nth_weekday(int y, int m, int wd, int n)
{
    if (n > 0) {
        long z = kt_days_from_civil(y, m, 1);
        while (kt_weekday(z) != wd)
            z++;
        return z + 7L * (n - 1);
    }
    int ny = m == 12 ? y + 1 : y, nm = m == 12 ? 1 : m + 1;
    long z = kt_days_from_civil(ny, nm, 1) - 1;
    while (kt_weekday(z) != wd)
        z--;
    return z;
}

/* fixed-date holiday observed on the nearest weekday */
static long observed(int y, int m, int d)
{
    long z = kt_days_from_civil(y, m, d);
    int w = kt_weekday(z);
    if (w == 5)
        return z - 1;
    if (w == 6)
        return z + 1;
    return z;
}

/* Easter Sunday (anonymous Gregorian algorithm) */
static long easter(int y)
{
    int a = y % 19, b = y / 100, c = y % 100, d = b / 4, e = b % 4;
    int f = (b + 8) / 25, g = (b - f + 1) / 3, h = (19 * a + b - d - g + 15) % 30;
    int i = c / 4, k = c % 4, l = (32 + 2 * e + 2 * i - h - k) % 7;
    int mm = (a + 11 * h + 22 * l) / 451;
    int month = (h + l - 7 * mm + 114) / 31, day = ((h + l - 7 * mm + 114) % 31) + 1;
    return kt_days_from_civil(y, month, day);
}

static int is_holiday(long z)
{
    int y, m, d;
    kt_civil_from_days(z, &y, &m, &d);
    const long h[9] = {
        observed(y, 1, 1), nth_weekday(y, 1, 0, 3), nth_weekday(y, 2, 0, 3),
        easter(y) - 2, nth_weekday(y, 5, 0, -1), observed(y, 7, 4),
        nth_weekday(y, 9, 0, 1), nth_weekday(y, 11, 3, 4), observed(y, 12, 25)
    };
    for (int i = 0; i < 9; i++)
        if (h[i] == z)
            return 1;
    return 0;
}

/* ---- the market -------------------------------------------------------- */

typedef struct params {
    uint64_t seed;
    int y0, y1;            /* first and last calendar year */
    double ou_halflife;    /* days */
    double ou_sd;          /* stationary std of an optional OU deviation (log); 0 = off */
    double ev_prob;        /* probability of a pressure event per ticker and day */
    double ev_drift;       /* log drift per day after an event, in its direction */
    int ev_days;           /* days the drift lasts */
    double ev_jump;        /* log return of the event day itself, in its direction (times 1..1.5) */
    double ov_share;       /* share of events that are overreactions instead */
    double ov_jump;        /* an overreaction's own log return (times 1..1.5); its drift is reversed */
    double sec_vol;        /* daily vol of the sector factors */
    double beta_spread;    /* betas in 1 +- beta_spread */
    int n_tickers;         /* a multiple of N_SECTORS (default 100) */
} params;

static const char *const sector_code[N_SECTORS] = {
    "TEC", "FIN", "HLT", "ENE", "IND", "CON", "UTL", "MAT", "COM", "REA"
};

static int usage(FILE *out, const char *prog)
{
    fprintf(out, _("Usage: %s [--seed N] [--years Y0-Y1] [--event-prob P] [--event-drift D]\n"
                   "       [--event-days N] [--event-jump J] [--overreaction-share P]\n"
                   "       [--overreaction-jump J] [--sector-vol V] [--beta-spread B]\n"
                   "       [--halflife DAYS] [--signal SD] [--tickers N] [-o FILE]\n"
                   "Write the demo market (long CSV) to FILE or standard output.\n"
                   "--tickers N: N tickers, a multiple of 10 (default 100; the first 100 are\n"
                   "not those of the default market).\n"),
            prog);
    return out == stdout ? 0 : 2;
}

static int parse_double(const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= lo && v <= hi))
        return -1;
    *out = v;
    return 0;
}

/* the options that take a bounded real number */
typedef struct double_option {
    const char *name;
    double lo, hi;
    double *dst;
} double_option;

static const double_option *find_double_option(const double_option *opts, const char *name)
{
    for (; opts->name; opts++)
        if (!strcmp(opts->name, name))
            return opts;
    return NULL;
}

static int generate(const params *p, FILE *out)
{
    static long cal[MAX_DAYS];
    int n_days = 0;
    long z0 = kt_days_from_civil(p->y0, 1, 1), z1 = kt_days_from_civil(p->y1, 12, 31);
    for (long z = z0; z <= z1; z++) {
        if (kt_weekday(z) >= 5 || is_holiday(z))
            continue;
        if (n_days == MAX_DAYS)
            return -1;
        cal[n_days++] = z;
    }

    kt_rng r;
    kt_rng_seed(&r, p->seed);

    /* per-ticker static properties */
    const int nt = p->n_tickers, per_sector = nt / N_SECTORS;
    double *dbl = calloc((size_t)nt * 10, sizeof *dbl);
    int *ints = calloc((size_t)nt * 6, sizeof *ints);
    if (!dbl || !ints) {
        free(dbl);
        free(ints);
        return -2;
    }
    double *beta = dbl, *gsec = dbl + nt, *vol_idio = dbl + 2 * nt, *lp = dbl + 3 * nt;
    double *base_vol = dbl + 4 * nt, *u = dbl + 5 * nt, *e = dbl + 6 * nt, *vnoise = dbl + 7 * nt;
    double *prev_close = dbl + 8 * nt, *range_k = dbl + 9 * nt;
    int *drift_left = ints, *drift_dir = ints + nt;
    int *first = ints + 2 * nt, *last = ints + 3 * nt, *gap0 = ints + 4 * nt, *gap1 = ints + 5 * nt;
    for (int i = 0; i < nt; i++) {
        beta[i] = 1.0 + p->beta_spread * (2.0 * kt_rng_uniform_open(&r) - 1.0);
        gsec[i] = 0.5 + 0.7 * kt_rng_uniform_open(&r);
        vol_idio[i] = 0.005 + 0.004 * kt_rng_uniform_open(&r);
        lp[i] = log(15.0) + log(20.0) * kt_rng_uniform_open(&r); /* 15 .. 300 */
        base_vol[i] = exp(log(2e5) + log(100.0) * kt_rng_uniform_open(&r));
        range_k[i] = 0.6 + 0.5 * kt_rng_uniform_open(&r);
        first[i] = 0;
        last[i] = n_days - 1;
        gap0[i] = gap1[i] = -1;
        e[i] = 0.0;
        vnoise[i] = 0.0;
        drift_left[i] = 0;
        drift_dir[i] = 0;
    }
    /* late listings, early delistings, trading halts (gaps); the draws are
     * made whatever the ticker count, for the same sequence */
    const int late[4] = { 7, 33, 58, 91 }, early[3] = { 19, 46, 84 }, halted[4] = { 3, 27, 62, 75 };
    for (int k = 0; k < 4; k++) {
        int v = 250 + (int)(kt_rng_uniform_open(&r) * (n_days / 2.0));
        if (late[k] < nt)
            first[late[k]] = v;
    }
    for (int k = 0; k < 3; k++) {
        int v = n_days / 2 + (int)(kt_rng_uniform_open(&r) * (n_days / 3.0));
        if (early[k] < nt)
            last[early[k]] = v;
    }
    for (int k = 0; k < 4; k++) {
        int g0 = 300 + (int)(kt_rng_uniform_open(&r) * (n_days - 600));
        int g1 = g0 + 3 + (int)(kt_rng_uniform_open(&r) * 8);
        if (halted[k] < nt) {
            gap0[halted[k]] = g0;
            gap1[halted[k]] = g1;
        }
    }

    double phi = exp(-log(2.0) / p->ou_halflife);
    double ou_innov = p->ou_sd * sqrt(1.0 - phi * phi);
    for (int i = 0; i < nt; i++)
        u[i] = p->ou_sd * kt_rng_normal(&r);

    double mkt = 0.0, sec[N_SECTORS] = { 0 };
    double mkt_vol = 0.010;
    fprintf(out, "date,ticker,open,high,low,close,volume,amount\n");
    for (int t = 0; t < n_days; t++) {
        /* slowly varying market volatility regime */
        mkt_vol = 0.010 * exp(0.97 * log(mkt_vol / 0.010) + 0.08 * kt_rng_normal(&r));
        double dm = 0.0002 + mkt_vol * kt_rng_normal(&r);
        mkt += dm;
        double ds[N_SECTORS];
        for (int s = 0; s < N_SECTORS; s++) {
            ds[s] = p->sec_vol * kt_rng_normal(&r);
            sec[s] += ds[s];
        }
        int y, m, d;
        kt_civil_from_days(cal[t], &y, &m, &d);
        for (int i = 0; i < nt; i++) {
            /* every ticker draws the same numbers each day, listed or not,
             * so the market does not depend on the listing schedule */
            double eps_e = kt_rng_normal(&r), eps_u = kt_rng_normal(&r), eps_g = kt_rng_normal(&r);
            double eps_h = kt_rng_normal(&r), eps_l = kt_rng_normal(&r), eps_v = kt_rng_normal(&r);
            double eps_a = kt_rng_normal(&r);
            double ev_u = kt_rng_uniform_open(&r), ev_d = kt_rng_uniform_open(&r), ev_r = kt_rng_uniform_open(&r), ev_v = kt_rng_uniform_open(&r);
            double ev_k = kt_rng_uniform_open(&r);
            int listed = !(t < first[i] || t > last[i] || (t >= gap0[i] && t <= gap1[i]));
            /* the planted signal: drift after a pressure event */
            double drift = 0.0;
            if (drift_left[i] > 0) {
                drift = drift_dir[i] * p->ev_drift;
                drift_left[i]--;
            }
            int event = listed && t > 0 && ev_u < p->ev_prob;
            int dir = ev_d < 0.5 ? 1 : -1;
            /* an overreaction: a bigger move on ordinary volume, given back */
            int over = event && ev_k < p->ov_share;
            /* the event day's own move in its direction */
            double jump = !event ? 0.0 : dir * (over ? p->ov_jump : p->ev_jump) * (1.0 + 0.5 * ev_r);
            double vr = mkt_vol / 0.010;
            double de = vol_idio[i] * sqrt(vr) * eps_e + drift + jump;
            double u_new = phi * u[i] + ou_innov * eps_u;
            double du = u_new - u[i];
            u[i] = u_new;
            e[i] += de;
            double ret = beta[i] * dm + gsec[i] * ds[i / per_sector] + de + du;
            double lclose = lp[i] + beta[i] * mkt + gsec[i] * sec[i / per_sector] + e[i] + u[i];
            double close = exp(lclose);
            double sig = sqrt(beta[i] * beta[i] * mkt_vol * mkt_vol + vol_idio[i] * vol_idio[i] + 0.0001);
            double open = t == 0 ? close * exp(-ret) : prev_close[i] * exp(0.25 * sig * eps_g);
            prev_close[i] = close;
            double hi = fmax(open, close) * exp(range_k[i] * sig * fabs(eps_h) * 0.6);
            double lo = fmin(open, close) * exp(-range_k[i] * sig * fabs(eps_l) * 0.6);
            vnoise[i] = 0.8 * vnoise[i] + 0.25 * eps_v;
            double volume = base_vol[i] * exp(vnoise[i] + 8.0 * fabs(ret) + 0.3 * (vr - 1.0));
            if (over) {
                /* no extra volume, no long shadow; the drift runs against the move */
                drift_dir[i] = -dir;
                drift_left[i] = p->ev_days;
            } else if (event) {
                /* buying pressure (dir +1: long lower shadow, close near the
                 * high) or selling pressure (dir -1: long upper shadow, close
                 * near the low) on 3-5x volume; the close-to-close return
                 * carries `jump` (above) */
                double shadow = 0.05 + 0.04 * ev_r, top = fmax(open, close), bot = fmin(open, close);
                if (dir > 0) {
                    lo = bot * exp(-shadow);
                    hi = top * exp(0.1 * shadow * ev_v);
                } else {
                    hi = top * exp(shadow);
                    lo = bot * exp(-0.1 * shadow * ev_v);
                }
                volume *= 3.0 + 2.0 * ev_v;
                drift_dir[i] = dir;
                drift_left[i] = p->ev_days;
            }
            if (!listed)
                continue;
            double o = round(open * 100.0) / 100.0, c = round(close * 100.0) / 100.0;
            double h = round(hi * 100.0) / 100.0, l = round(lo * 100.0) / 100.0;
            h = fmax(h, fmax(o, c));
            l = fmin(l, fmin(o, c));
            if (l < 0.01)
                l = 0.01;
            long long vol = llround(volume / 100.0) * 100;
            if (vol < 100)
                vol = 100;
            double amount = (double)vol * (o + h + l + c) / 4.0 * exp(0.002 * eps_a);
            fprintf(out, "%04d-%02d-%02d,%s%02d,%.2f,%.2f,%.2f,%.2f,%lld,%.2f\n", y, m, d,
                    sector_code[i / per_sector], i % per_sector + 1, o, h, l, c, vol, amount);
        }
    }
    free(dbl);
    free(ints);
    return 0;
}

int main(int argc, char **argv)
{
    params p = { 1ULL, 2018, 2023, 15.0, 0.0, 0.02, 0.007, 20, 0.03, 0.5, 0.10, 0.005, 0.2, 100 };
    const char *path = NULL;
    const double_option dopts[] = {
        { "--halflife", 0.5, 1000.0, &p.ou_halflife },   { "--signal", 0.0, 1.0, &p.ou_sd },
        { "--event-prob", 0.0, 0.5, &p.ev_prob },        { "--event-drift", 0.0, 0.05, &p.ev_drift },
        { "--event-jump", 0.0, 0.2, &p.ev_jump },        { "--overreaction-share", 0.0, 1.0, &p.ov_share },
        { "--overreaction-jump", 0.0, 0.3, &p.ov_jump }, { "--sector-vol", 0.0, 0.05, &p.sec_vol },
        { "--beta-spread", 0.0, 0.9, &p.beta_spread },   { NULL, 0.0, 0.0, NULL },
    };
    const double_option *dopt;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h"))
            return usage(stdout, argv[0]);
        if (!v) {
            fprintf(stderr, _("%s: option %s needs a value\n"), argv[0], a);
            return 2;
        }
        i++;
        if (!strcmp(a, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long s = strtoull(v, &end, 10);
            if (errno || end == v || *end) {
                fprintf(stderr, _("%s: --seed: not a number: %s\n"), argv[0], v);
                return 2;
            }
            p.seed = s;
        } else if (!strcmp(a, "--years")) {
            if (sscanf(v, "%d-%d", &p.y0, &p.y1) != 2 || p.y0 < 1900 || p.y1 < p.y0 || p.y1 - p.y0 > 12) {
                fprintf(stderr, _("%s: --years: expected Y0-Y1 (at most 13 years): %s\n"), argv[0], v);
                return 2;
            }
        } else if ((dopt = find_double_option(dopts, a)) != NULL) {
            if (parse_double(v, dopt->lo, dopt->hi, dopt->dst)) {
                fprintf(stderr, _("%s: %s: expected %g .. %g: %s\n"), argv[0], a, dopt->lo, dopt->hi, v);
                return 2;
            }
        } else if (!strcmp(a, "--event-days")) {
            double dd;
            if (parse_double(v, 1.0, 250.0, &dd) || dd != (int)dd) {
                fprintf(stderr, _("%s: --event-days: expected a whole number 1 .. 250: %s\n"), argv[0], v);
                return 2;
            }
            p.ev_days = (int)dd;
        } else if (!strcmp(a, "--tickers")) {
            double nt;
            if (parse_double(v, N_SECTORS, MAX_TICKERS, &nt) || nt != (int)nt ||
                (int)nt % N_SECTORS != 0) {
                fprintf(stderr, _("%s: --tickers: expected a multiple of 10 from 10 to %d: %s\n"),
                        argv[0], MAX_TICKERS, v);
                return 2;
            }
            p.n_tickers = (int)nt;
        } else if (!strcmp(a, "-o") || !strcmp(a, "--output")) {
            path = v;
        } else {
            fprintf(stderr, _("%s: unknown option: %s\n"), argv[0], a);
            return usage(stderr, argv[0]);
        }
    }
    FILE *out = stdout;
    if (path) {
        out = fopen(path, "w");
        if (!out) {
            fprintf(stderr, _("%s: cannot write %s: %s\n"), argv[0], path, strerror(errno));
            return 6;
        }
    }
    int rc = generate(&p, out);
    if (rc == -2)
        fprintf(stderr, "%s: %s\n", argv[0], _("out of memory"));
    else if (rc)
        fprintf(stderr, _("%s: calendar too long\n"), argv[0]);
    if (fflush(out) || ferror(out) || (path && fclose(out))) {
        fprintf(stderr, _("%s: write error on %s\n"), argv[0], path ? path : "stdout");
        return 6;
    }
    return rc ? 1 : 0;
}
