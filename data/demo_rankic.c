/* demo_rankic.c: kronos-demo-rankic, a developer tool that checks the demo
 * checkpoint before the evaluation engine is available: greedy forecasts with
 * the engine (kronos_forecast, temperature 0) for every ticker on
 * a few as-of dates, then the Spearman RankIC of pred_close[h]/close - 1
 * against the realised h-day return, per date and as a median, plus the same
 * with the scores shuffled within each date (fixed seed).
 *
 * Usage: kronos-demo-rankic PRICES TOKENIZER_DIR PREDICTOR_DIR FIRST_DATE N_DATES STEP [LOOKBACK] */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "i18n.h"
#include "kronos.h"

#define MAX_T 1024
#define MAX_D 8192
#define HMAX 20

typedef struct store {
    char dates[MAX_D][11];
    int n_dates;
    char tickers[MAX_T][32];
    int n_tickers;
    double *px;          /* [MAX_T][n_dates][6], NaN when absent */
    char f[8][64];
    int field, line, header;
    char err[256];
} store;

static int date_index(store *s, const char *d)
{
    int lo = 0, hi = s->n_dates - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2, c = strcmp(s->dates[mid], d);
        if (!c)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static void cb_field(void *p, size_t len, void *data)
{
    store *s = data;
    if (s->field < 8)
        snprintf(s->f[s->field], 64, "%.*s", (int)(len < 63 ? len : 63), (const char *)p);
    s->field++;
}

/* pass 1 collects dates and tickers, pass 2 (px != NULL) fills prices */
static void cb_row(int c, void *data)
{
    (void)c;
    store *s = data;
    int nf = s->field;
    s->field = 0;
    s->line++;
    if (!s->header) {
        s->header = 1;
        return;
    }
    if (s->err[0])
        return;
    if (nf < 8) {
        snprintf(s->err, sizeof s->err, "line %d: expected 8 fields", s->line);
        return;
    }
    if (!s->px) {
        if (date_index(s, s->f[0]) < 0) {
            if (s->n_dates == MAX_D) {
                snprintf(s->err, sizeof s->err, "too many dates");
                return;
            }
            /* insertion keeps the list sorted (the demo file is date-ordered) */
            int i = s->n_dates++;
            while (i > 0 && strcmp(s->dates[i - 1], s->f[0]) > 0) {
                memcpy(s->dates[i], s->dates[i - 1], 11);
                i--;
            }
            snprintf(s->dates[i], 11, "%.10s", s->f[0]);
        }
        int k;
        for (k = 0; k < s->n_tickers; k++)
            if (!strcmp(s->tickers[k], s->f[1]))
                break;
        if (k == s->n_tickers) {
            if (k == MAX_T) {
                snprintf(s->err, sizeof s->err, "too many tickers");
                return;
            }
            snprintf(s->tickers[s->n_tickers++], 32, "%.31s", s->f[1]);
        }
        return;
    }
    int d = date_index(s, s->f[0]), k;
    for (k = 0; k < s->n_tickers; k++)
        if (!strcmp(s->tickers[k], s->f[1]))
            break;
    for (int j = 0; j < 6; j++)
        s->px[((size_t)k * s->n_dates + d) * 6 + j] = strtod(s->f[2 + j], NULL);
}

static int parse(store *s, const char *path)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        fprintf(stderr, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char buf[65536];
    size_t n;
    s->header = 0;
    s->line = 0;
    while ((n = fread(buf, 1, sizeof buf, fp)) > 0)
        csv_parse(&p, buf, n, cb_field, cb_row, s);
    csv_fini(&p, cb_field, cb_row, s);
    csv_free(&p);
    fclose(fp);
    if (s->err[0]) {
        fprintf(stderr, "%s: %s\n", path, s->err);
        return -1;
    }
    return 0;
}

static void stamp_of(const char *d, kronos_stamp *st)
{
    int y, m, dd;
    sscanf(d, "%d-%d-%d", &y, &m, &dd);
    int yy = y - (m <= 2);
    long era = (yy >= 0 ? yy : yy - 399) / 400, yoe = yy - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + dd - 1;
    long z = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
    st->minute = 0;
    st->hour = 0;
    st->weekday = (int)(((z % 7) + 7 + 3) % 7);
    st->day = dd;
    st->month = m;
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
    if (argc < 7) {
        fprintf(stderr, _("Usage: %s PRICES TOKENIZER_DIR PREDICTOR_DIR FIRST_DATE N_DATES STEP [LOOKBACK]\n"), argv[0]);
        return 2;
    }
    int n_eval = atoi(argv[5]), step = atoi(argv[6]), lookback = argc > 7 ? atoi(argv[7]) : 252;
    static store s;
    if (parse(&s, argv[1]))
        return 3;
    s.px = malloc(sizeof(double) * 6 * (size_t)s.n_tickers * s.n_dates);
    for (size_t i = 0; i < 6 * (size_t)s.n_tickers * s.n_dates; i++)
        s.px[i] = NAN;
    if (parse(&s, argv[1]))
        return 3;
    int d0 = 0;
    while (d0 < s.n_dates && strcmp(s.dates[d0], argv[4]) < 0)
        d0++;
    kronos_model *model = NULL;
    kronos_error ke;
    kronos_options opt = { 1, 0, 0 }; /* one thread: the machine is shared */
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
                stamp_of(s.dates[rows[i][t]], &xs[(size_t)i * lookback + t]);
            }
            for (int t = 0; t < HMAX; t++)
                stamp_of(s.dates[d + 1 + t], &ys[(size_t)i * HMAX + t]);
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
        printf("%s n=%d rankic5=%.4f rankic20=%.4f\n", s.dates[d], n, ic[0][nic], ic[1][nic]);
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
    kronos_close(model);
    return 0;
}
