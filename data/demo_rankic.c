/* demo_rankic.c: kronos-demo-rankic, a developer tool that checks the demo
 * checkpoint before the evaluation engine is available: greedy forecasts with
 * the engine (kronos_forecast, temperature 0) for every ticker on
 * a few as-of dates, then the Spearman RankIC of pred_close[h]/close - 1
 * against the realised h-day return, per date and as a median, plus the same
 * with the scores shuffled within each date (fixed seed).
 *
 * Usage: kronos-demo-rankic PRICES TOKENIZER_DIR PREDICTOR_DIR FIRST_DATE N_DATES STEP [LOOKBACK]
 *        kronos-demo-rankic --tokcheck PRICES TOKENIZER_DIR FIRST_DATE N_DATES STEP [LOOKBACK]
 * The second form checks the tokenizer alone: how well a round trip keeps the
 * pressure-event bars (direction, shadow, volume, close) next to other bars. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eval/calendar.h"
#include "base/i18n.h"
#include "model/kronos.h"
#include "eval/prices.h"
#include "model/train.h"

#define MAX_T 1024
#define HMAX 20

typedef struct store {
    kt_calendar cal;     /* every date of the file */
    int n_dates;
    int n_tickers;
    double *px;          /* [n_tickers][n_dates][6], NaN when absent */
} store;

/* The prices, read with the evaluation's rules (kt_prices_load), as a dense
 * [ticker][date] matrix over the file's own calendar. */
static int load(store *s, const char *path)
{
    char err[1024];
    kt_prices *p = NULL;
    if (kt_prices_load(path, &p, err, sizeof err)) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    if (p->n_series > MAX_T || kt_calendar_build(p, &s->cal)) {
        fprintf(stderr, "%s: %s\n", path, p->n_series > MAX_T ? "too many tickers" : "out of memory");
        kt_prices_free(p);
        return -1;
    }
    s->n_dates = s->cal.n;
    s->n_tickers = p->n_series;
    size_t cells = (size_t)s->n_tickers * (size_t)s->n_dates * 6;
    s->px = malloc((cells ? cells : 1) * sizeof *s->px);
    if (!s->px) {
        fprintf(stderr, "%s: out of memory\n", path);
        kt_prices_free(p);
        return -1;
    }
    for (size_t i = 0; i < cells; i++)
        s->px[i] = NAN;
    for (int k = 0; k < p->n_series; k++) {
        const kt_series *se = &p->series[k];
        for (int j = 0; j < se->n; j++) {
            int d = kt_calendar_index(&s->cal, se->t[j]);
            memcpy(s->px + ((size_t)k * s->n_dates + d) * 6, se->ohlcva + (size_t)j * 6, 6 * sizeof *s->px);
        }
    }
    kt_prices_free(p);
    return 0;
}

/* First calendar index on or after the date text d, or -1 when d is not a date. */
static int first_index(const store *s, const char *d)
{
    kt_time t;
    if (kt_time_parse(d, &t)) {
        fprintf(stderr, "not a date (expected YYYY-MM-DD): %s\n", d);
        return -1;
    }
    return kt_calendar_lower_bound(&s->cal, t);
}

static void ranks(const double *v, int n, double *r)
{
    for (int i = 0; i < n; i++) {
        int less = 0, eq = 0;
        for (int j = 0; j < n; j++) {
            less += v[j] < v[i];
            eq += v[j] == v[i];
        }
        r[i] = less + (eq - 1) / 2.0;
    }
}

static double spearman(const double *a, const double *b, int n)
{
    double ra[MAX_T], rb[MAX_T], ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    ranks(a, n, ra);
    ranks(b, n, rb);
    for (int i = 0; i < n; i++) {
        ma += ra[i] / n;
        mb += rb[i] / n;
    }
    for (int i = 0; i < n; i++) {
        sab += (ra[i] - ma) * (rb[i] - mb);
        saa += (ra[i] - ma) * (ra[i] - ma);
        sbb += (rb[i] - mb) * (rb[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : 0.0;
}


static int cmp_d(const void *a, const void *b);

/* --tokcheck: does the tokenizer keep the pressure events? Windows of LOOKBACK
 * bars ending on N_DATES dates (every STEP), encoded and decoded; event bars
 * (volume > 2.5x the median of the 20 bars before, a shadow > 4 %) are
 * compared with ordinary bars. */

static double shadow_dir(const double *b)
{
    double lo_sh = fmin(b[0], b[3]) - b[2], up_sh = b[1] - fmax(b[0], b[3]);
    return (lo_sh - up_sh) / b[3];
}

static int tokcheck(store *s, const char *tokdir, int d0, int n_eval, int step, int lookback)
{
    long n_ev = 0, n_ok = 0, n_norm = 0;
    double ev_sh_in = 0, ev_sh_rec = 0, ev_v_in = 0, ev_v_rec = 0, norm_sh_rec = 0, norm_v_rec = 0;
    double ev_cerr = 0, norm_cerr = 0, norm_sh_abs = 0, ev_j_in = 0, ev_j_rec = 0;
    long n_jok = 0;
    for (int e = 0; e < n_eval; e++) {
        int d = d0 + e * step;
        if (d >= s->n_dates)
            break;
        int idx[MAX_T], n = 0;
        for (int k = 0; k < s->n_tickers; k++) {
            const double *p = s->px + (size_t)k * s->n_dates * 6;
            int ok = d + 1 >= lookback;
            for (int t = d - lookback + 1; ok && t <= d; t++)
                ok = !isnan(p[t * 6 + 3]);
            if (ok)
                idx[n++] = k;
        }
        if (!n)
            continue;
        double *x = malloc(sizeof(double) * (size_t)n * lookback * 6);
        double *rec = malloc(sizeof(double) * (size_t)n * lookback * 6);
        for (int i = 0; i < n; i++)
            memcpy(x + (size_t)i * lookback * 6, s->px + ((size_t)idx[i] * s->n_dates + d - lookback + 1) * 6,
                   sizeof(double) * lookback * 6);
        char err[256];
        if (kt_train_reconstruct(tokdir, n, lookback, x, rec, err, sizeof err)) {
            fprintf(stderr, "%s\n", err);
            return 4;
        }
        for (int i = 0; i < n; i++)
            for (int t = 20; t < lookback; t++) {
                const double *b = x + ((size_t)i * lookback + t) * 6, *r = rec + ((size_t)i * lookback + t) * 6;
                double v[20];
                for (int j = 0; j < 20; j++)
                    v[j] = x[((size_t)i * lookback + t - 20 + j) * 6 + 4];
                qsort(v, 20, sizeof *v, cmp_d);
                double med = 0.5 * (v[9] + v[10]);
                double sd_in = shadow_dir(b), sd_rec = shadow_dir(r);
                double cerr = fabs(r[3] / b[3] - 1);
                if (b[4] > 2.5 * med && fabs(sd_in) > 0.04) {
                    n_ev++;
                    n_ok += (sd_in > 0) == (sd_rec > 0);
                    ev_sh_in += fabs(sd_in);
                    ev_sh_rec += sd_in > 0 ? sd_rec : -sd_rec;
                    ev_v_in += b[4] / med;
                    ev_v_rec += r[4] / med;
                    ev_cerr += cerr;
                    double sgn = sd_in > 0 ? 1 : -1, j_in = b[3] / b[3 - 6] - 1, j_rec = r[3] / r[3 - 6] - 1;
                    ev_j_in += sgn * j_in;
                    ev_j_rec += sgn * j_rec;
                    n_jok += (j_rec > 0) == (sgn > 0);
                } else {
                    n_norm++;
                    norm_sh_rec += sd_rec;
                    norm_sh_abs += fabs(sd_rec - sd_in);
                    norm_v_rec += r[4] / med;
                    norm_cerr += cerr;
                }
            }
        free(x);
        free(rec);
    }
    if (!n_ev || !n_norm)
        return 1;
    printf("event bars %ld: direction kept %.1f %%, |shadow diff| in %.4f rec (signed to truth) %.4f, "
           "volume/median in %.2f rec %.2f, |close err| %.4f\n",
           n_ev, 100.0 * n_ok / n_ev, ev_sh_in / n_ev, ev_sh_rec / n_ev, ev_v_in / n_ev, ev_v_rec / n_ev,
           ev_cerr / n_ev);
    printf("event bars: close-to-close move in the event direction: in %.4f rec %.4f, sign kept %.1f %%\n",
           ev_j_in / n_ev, ev_j_rec / n_ev, 100.0 * n_jok / n_ev);
    printf("other bars %ld: mean rec shadow diff %.4f, mean |rec - in| shadow diff %.4f, volume/median rec %.2f, "
           "|close err| %.4f\n",
           n_norm, norm_sh_rec / n_norm, norm_sh_abs / n_norm, norm_v_rec / n_norm, norm_cerr / n_norm);
    return 0;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_d);
    return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int main(int argc, char **argv)
{
    int tokonly = argc > 1 && !strcmp(argv[1], "--tokcheck");
    if (tokonly) {
        argv++;
        argc--;
    }
    if (tokonly && argc < 7) {
        fprintf(stderr, _("Usage: %s --tokcheck PRICES TOKENIZER_DIR FIRST_DATE N_DATES STEP [LOOKBACK]\n"), argv[0]);
        return 2;
    }
    if (!tokonly && argc < 7) {
        fprintf(stderr, _("Usage: %s PRICES TOKENIZER_DIR PREDICTOR_DIR FIRST_DATE N_DATES STEP [LOOKBACK]\n"), argv[0]);
        return 2;
    }
    int n_eval = tokonly ? 0 : atoi(argv[5]), step = tokonly ? 1 : atoi(argv[6]);
    int lookback = !tokonly && argc > 7 ? atoi(argv[7]) : 252;
    static store s;
    if (load(&s, argv[1]))
        return 3;
    if (tokonly) {
        int t0 = first_index(&s, argv[3]);
        if (t0 < 0)
            return 2;
        return tokcheck(&s, argv[2], t0, atoi(argv[4]), atoi(argv[5]), argc > 6 ? atoi(argv[6]) : 128);
    }
    int d0 = first_index(&s, argv[4]);
    if (d0 < 0)
        return 2;
    kronos_model *model = NULL;
    kronos_error ke;
    kronos_options opt = {.threads = 1}; /* one thread: the machine is shared */
    if (kronos_open(argv[2], argv[3], &opt, &model, &ke) != KRONOS_OK) {
        fprintf(stderr, "%s\n", ke.msg);
        return 4;
    }
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = HMAX;
    sp.temperature = 0.0;
    sp.top_k = 0;
    sp.top_p = 1.0;
    sp.sample_count = 1;
    /* optional sampling instead of greedy: KT_DEMO_SAMPLES=N (T = 1, top_p 0.9) */
    const char *ns = getenv("KT_DEMO_SAMPLES");
    if (ns && atoi(ns) > 0) {
        sp.temperature = 1.0;
        sp.top_p = 0.9;
        sp.sample_count = atoi(ns);
    }
    const int hs[2] = { 5, 20 };
    double ic[2][256], icsh[2][256];
    int nic = 0;
    uint64_t shuf = 12345;
    for (int e = 0; e < n_eval && e < 256; e++) {
        int d = d0 + e * step;
        if (d + HMAX >= s.n_dates)
            break;
        /* universe: bar on d, lookback bars up to d, bars for the labels */
        int idx[MAX_T], n = 0;
        static int rows[MAX_T][600];
        for (int k = 0; k < s.n_tickers; k++) {
            const double *p = s.px + (size_t)k * s.n_dates * 6;
            if (isnan(p[d * 6 + 3]))
                continue;
            int c = 0;
            for (int t = d; t >= 0 && c < lookback; t--)
                if (!isnan(p[t * 6 + 3]))
                    rows[n][lookback - 1 - c++] = t;
            int fut = 0;
            for (int t = d + 1; t < s.n_dates && fut < HMAX; t++)
                if (!isnan(p[t * 6 + 3]))
                    rows[n][lookback + fut++] = t;
            if (c == lookback && fut == HMAX)
                idx[n++] = k;
        }
        double *x = malloc(sizeof(double) * (size_t)n * lookback * 6);
        double *out = malloc(sizeof(double) * (size_t)n * HMAX * 6);
        kronos_stamp *xs = malloc(sizeof *xs * (size_t)n * lookback), *ys = malloc(sizeof *ys * (size_t)n * HMAX);
        for (int i = 0; i < n; i++) {
            const double *p = s.px + (size_t)idx[i] * s.n_dates * 6;
            for (int t = 0; t < lookback; t++) {
                memcpy(x + ((size_t)i * lookback + t) * 6, p + rows[i][t] * 6, 6 * sizeof(double));
                kt_calendar_stamp(s.cal.t[rows[i][t]], &xs[(size_t)i * lookback + t]);
            }
            for (int t = 0; t < HMAX; t++)
                kt_calendar_stamp(s.cal.t[d + 1 + t], &ys[(size_t)i * HMAX + t]);
        }
        kronos_batch in = { n, lookback, x, 1, 1, xs, ys, NULL };
        if (kronos_forecast(model, &in, &sp, NULL, NULL, out, &ke) != KRONOS_OK) {
            fprintf(stderr, "%s\n", ke.msg);
            return 4;
        }
        for (int hi = 0; hi < 2; hi++) {
            int h = hs[hi];
            double sc[MAX_T], lab[MAX_T];
            for (int i = 0; i < n; i++) {
                const double *p = s.px + (size_t)idx[i] * s.n_dates * 6;
                double spot = p[d * 6 + 3];
                sc[i] = out[((size_t)i * HMAX + h - 1) * 6 + 3] / spot - 1;
                lab[i] = p[rows[i][lookback + h - 1] * 6 + 3] / spot - 1;
            }
            ic[hi][nic] = spearman(sc, lab, n);
            for (int i = n - 1; i > 0; i--) {
                shuf = shuf * 6364136223846793005ULL + 1442695040888963407ULL;
                int j = (int)((shuf >> 33) % (uint64_t)(i + 1));
                double t = sc[i];
                sc[i] = sc[j];
                sc[j] = t;
            }
            icsh[hi][nic] = spearman(sc, lab, n);
        }
        char day[32];
        kt_calendar_format(&s.cal, d, day, sizeof day);
        printf("%s n=%d rankic5=%.4f rankic20=%.4f\n", day, n, ic[0][nic], ic[1][nic]);
        fflush(stdout);
        nic++;
        free(x);
        free(out);
        free(xs);
        free(ys);
    }
    if (!nic)
        return 1;
    for (int hi = 0; hi < 2; hi++)
        printf("h=%d dates=%d median_rankic=%.4f shuffle_median=%.4f\n", hs[hi], nic, median(ic[hi], nic),
               median(icsh[hi], nic));
    free(s.px);
    kt_calendar_free(&s.cal);
    kronos_close(model);
    return 0;
}
