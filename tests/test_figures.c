/* test_figures.c: the plotting layer (nice and calendar ticks checked by
 * hand, pixels at known coordinates, byte-reproducible PNG and SVG), the
 * report's figures over a small synthetic run and over zero rows, and the
 * HTML page rendered from Markdown. */
#include "config.h"

#include <cairo.h>
#include <check.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/civil.h"
#include "check_run.h"
#include "eval/figures.h"
#include "eval/html.h"
#include "eval/metrics.h"
#include "eval/plot.h"

#define ck_near(a, b)                                                                              \
    ck_assert_msg(fabs((a) - (b)) < 1e-12, "%.17g != %.17g", (double)(a), (double)(b))

static char *tmpdir(void)
{
    static char buf[8][64];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 64, "%s/kt-fig.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(p));
    return p;
}

static void rmtree(const char *dir)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    ck_assert_int_eq(fread(b, 1, (size_t)len, f), len);
    b[len] = '\0';
    fclose(f);
    *n = (size_t)len;
    return b;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- ticks ---------------------------------------------------------------- */

static void labels_are(const kt_ticks *t, const char *const *want, int n)
{
    ck_assert_int_eq(t->n, n);
    for (int i = 0; i < n; i++)
        ck_assert_str_eq(t->label[i], want[i]);
}

START_TEST(test_nice_ticks)
{
    kt_ticks t;
    /* 0..1, 6 ticks: raw step 0.2 is nice */
    kt_ticks_nice(&t, 0, 1, 6, 1);
    ck_near(t.step, 0.2);
    ck_near(t.lo, 0);
    ck_near(t.hi, 1);
    labels_are(&t, (const char *const[]){"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}, 6);
    /* -0.13..0.27: raw 0.08 -> 0.1, widened to -0.2..0.3; U+2212 minus, no "-0" */
    kt_ticks_nice(&t, -0.13, 0.27, 6, 1);
    ck_near(t.step, 0.1);
    ck_near(t.lo, -0.2);
    ck_near(t.hi, 0.3);
    labels_are(&t,
               (const char *const[]){"\xe2\x88\x92" "0.2", "\xe2\x88\x92" "0.1", "0.0", "0.1",
                                     "0.2", "0.3"},
               6);
    /* 0..97, 5 ticks: raw 24.25 -> 25 */
    kt_ticks_nice(&t, 0, 97, 5, 1);
    ck_near(t.step, 25);
    labels_are(&t, (const char *const[]){"0", "25", "50", "75", "100"}, 5);
    /* a single value 3: [2.5, 3.5]; 0.2 would need 7 ticks, 0.25 needs 5 */
    kt_ticks_nice(&t, 3, 3, 6, 1);
    ck_near(t.step, 0.25);
    labels_are(&t, (const char *const[]){"2.50", "2.75", "3.00", "3.25", "3.50"}, 5);
    /* fractions as percent: 0..0.0123 -> step 0.0025 printed 0.25 % */
    kt_ticks_nice(&t, 0, 0.0123, 6, 100);
    ck_near(t.step, 0.0025);
    labels_are(&t, (const char *const[]){"0.00", "0.25", "0.50", "0.75", "1.00", "1.25"}, 6);
    /* not finite: 0..1 */
    kt_ticks_nice(&t, NAN, 1, 6, 1);
    ck_near(t.lo, 0);
    ck_near(t.hi, 1);
    /* never more than asked for */
    for (int mt = 3; mt < 12; mt++)
        for (double hi = 0.011; hi < 900; hi *= 1.7) {
            kt_ticks_nice(&t, -0.3 * hi, hi, mt, 1);
            ck_assert_int_le(t.n, mt);
            ck_assert(t.lo <= -0.3 * hi + 1e-9 * t.step && t.hi >= hi - 1e-9 * t.step);
        }
}
END_TEST

static double day(int y, int m, int d)
{
    return (double)kt_days_from_civil(y, m, d);
}

START_TEST(test_date_ticks)
{
    kt_ticks t;
    /* 2023-01-03 .. 2023-03-31: 88 days, 44 odd days, 12 Mondays are too
     * many for 9; every second Monday from 2023-01-09 (day 19366, (19366 -
     * 4) / 7 = 2766, even) */
    ck_near(day(2023, 1, 9), 19366);
    kt_ticks_dates(&t, day(2023, 1, 3), day(2023, 3, 31), 9);
    labels_are(&t,
               (const char *const[]){"2023-01-09", "2023-01-23", "2023-02-06", "2023-02-20",
                                     "2023-03-06", "2023-03-20"},
               6);
    ck_near(t.v[0], 19366);
    /* a year: 12 months are too many for 9, every second month fits */
    kt_ticks_dates(&t, day(2023, 1, 1), day(2023, 12, 31), 9);
    labels_are(&t,
               (const char *const[]){"2023-01", "2023-03", "2023-05", "2023-07", "2023-09",
                                     "2023-11"},
               6);
    /* six years: yearly */
    kt_ticks_dates(&t, day(2018, 1, 1), day(2023, 12, 31), 9);
    labels_are(&t, (const char *const[]){"2018", "2019", "2020", "2021", "2022", "2023"}, 6);
    /* a week: daily */
    kt_ticks_dates(&t, day(2023, 1, 2), day(2023, 1, 6), 9);
    labels_are(&t,
               (const char *const[]){"2023-01-02", "2023-01-03", "2023-01-04", "2023-01-05",
                                     "2023-01-06"},
               5);
    /* inside one day: one tick at the start */
    kt_ticks_dates(&t, day(2023, 1, 2) + 0.2, day(2023, 1, 2) + 0.6, 9);
    ck_assert_int_eq(t.n, 1);
    ck_assert_str_eq(t.label[0], "2023-01-02");
}
END_TEST

START_TEST(test_category_ticks)
{
    const char *l[108];
    char buf[108][8];
    for (int i = 0; i < 108; i++) {
        snprintf(buf[i], sizeof buf[i], "m%d", i);
        l[i] = buf[i];
    }
    kt_ticks t;
    kt_ticks_categories(&t, l, 108, 12); /* every 9th */
    ck_assert_int_eq(t.n, 12);
    ck_near(t.v[1], 9);
    ck_near(t.v[11], 99);
    ck_assert_str_eq(t.label[11], "m99");
    ck_near(t.lo, -0.5);
    ck_near(t.hi, 107.5);
    kt_ticks_categories(&t, l, 5, 12);
    ck_assert_int_eq(t.n, 5);
}
END_TEST

START_TEST(test_colours_and_mapping)
{
    kt_rgb z = kt_plot_diverging(0), p = kt_plot_diverging(1), n = kt_plot_diverging(-1);
    kt_rgb c = kt_plot_diverging(7), g = kt_plot_diverging(NAN);
    ck_near(z.r, 0.969);
    ck_near(p.b, 0.675);
    ck_near(n.r, 0.698);
    ck_near(c.b, p.b); /* clamped */
    ck_near(g.r, 0.85);
    ck_near(kt_plot_palette(7).r, kt_plot_palette(0).r);
    kt_axes a = {.px = 100, .py = 50, .pw = 200, .ph = 100, .x0 = 0, .x1 = 10, .y0 = -1, .y1 = 1};
    ck_near(kt_axes_x(&a, 5), 200);
    ck_near(kt_axes_x(&a, 10), 300);
    ck_near(kt_axes_y(&a, 0), 100);
    ck_near(kt_axes_y(&a, 1), 50);
    ck_near(kt_axes_y(&a, -1), 150);
}
END_TEST

/* ---- pixels and files ------------------------------------------------------ */

/* Plot area (20, 10, 160 x 100) over 0..10 x 0..10: a red rectangle
 * 0..5 x 0..5 covers device x 20..100, y 60..110; a 3 px blue line at
 * y = 7.5 runs at device y 35. */
static void draw_known(cairo_t *cr, double w, double h, const void *ctx)
{
    (void)w, (void)h, (void)ctx;
    kt_axes a = {cr, 20, 10, 160, 100, 0, 10, 0, 10};
    kt_axes_rect(&a, 0, 0, 5, 5, (kt_rgb){1, 0, 0}, 1, NULL);
    kt_style s = {{0, 0, 1}, 3, KT_DASH_SOLID, 1};
    kt_axes_hline(&a, 7.5, &s);
    /* outside the plot area: clipped */
    kt_axes_rect(&a, 11, 0, 20, 10, (kt_rgb){0, 1, 0}, 1, NULL);
}

static uint32_t pixel(cairo_surface_t *s, int x, int y)
{
    const unsigned char *d = cairo_image_surface_get_data(s);
    uint32_t v;
    memcpy(&v, d + (size_t)y * cairo_image_surface_get_stride(s) + (size_t)x * 4, 4);
    return v & 0xFFFFFF;
}

START_TEST(test_pixels_and_files)
{
    char *dir = tmpdir(), err[256] = "";
    ck_assert_int_eq(kt_plot_write(dir, "known", 200, 120, draw_known, NULL, err, sizeof err), 0);
    char path[256];
    snprintf(path, sizeof path, "%s/known.png", dir);
    size_t n;
    char *png = slurp(path, &n);
    ck_assert_ptr_nonnull(png);
    ck_assert(n > 8 && memcmp(png, "\x89PNG\r\n\x1a\n", 8) == 0);
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    ck_assert_int_eq(cairo_image_surface_get_width(s), 200);
    ck_assert_int_eq(cairo_image_surface_get_height(s), 120);
    ck_assert_uint_eq(pixel(s, 60, 85), 0xFF0000);  /* inside the rectangle */
    ck_assert_uint_eq(pixel(s, 21, 61), 0xFF0000);
    ck_assert_uint_eq(pixel(s, 101, 85), 0xFFFFFF); /* right of it */
    ck_assert_uint_eq(pixel(s, 60, 58), 0xFFFFFF);  /* above it */
    ck_assert_uint_eq(pixel(s, 150, 35), 0x0000FF); /* the line */
    ck_assert_uint_eq(pixel(s, 150, 31), 0xFFFFFF);
    ck_assert_uint_eq(pixel(s, 190, 60), 0xFFFFFF); /* clipped: no green */
    ck_assert_uint_eq(pixel(s, 5, 5), 0xFFFFFF);    /* the white canvas */
    cairo_surface_destroy(s);
    snprintf(path, sizeof path, "%s/known.svg", dir);
    char *svg = slurp(path, &n);
    ck_assert_ptr_nonnull(svg);
    ck_assert_ptr_nonnull(strstr(svg, "<svg"));
    ck_assert_ptr_nonnull(strstr(svg, "viewBox=\"0 0 200 120\""));
    ck_assert(n > 7 && strcmp(svg + n - 7, "</svg>\n") == 0);
    /* byte-reproducible: a second drawing gives the same files */
    char *dir2 = tmpdir(), cmd[256];
    ck_assert_int_eq(kt_plot_write(dir2, "known", 200, 120, draw_known, NULL, err, sizeof err), 0);
    snprintf(cmd, sizeof cmd, "cmp -s %s/known.png %s/known.png && cmp -s %s/known.svg %s/known.svg",
             dir, dir2, dir, dir2);
    ck_assert_int_eq(system(cmd), 0);
    free(png);
    free(svg);
    /* an unwritable directory: an error, no file */
    ck_assert_int_eq(kt_plot_write("/nonexistent/dir", "x", 10, 10, draw_known, NULL, err,
                                   sizeof err),
                     -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.png"));
    rmtree(dir);
    rmtree(dir2);
}
END_TEST

/* ---- the figures over a synthetic run -------------------------------------- */

#define NT 20
#define ND 30
#define NH 2

typedef struct synth {
    kt_series series[NT];
    kt_prices prices;
    kt_fold f[2];
    kt_fold_plan plan;
    kt_date_result dates[ND];
    kt_score_row rows[ND][NT * NH];
    double ric[ND * NH];
    kt_baseline_date bl[ND * NH];
    kt_cost_date cost[ND * NH];
    double churn[NH][2][ND];
    int churn_date[NH][2][ND];
    int horizons[NH];
    kt_prob_metrics pm[ND][2 * NH]; /* only its presence matters to the figures */
    kt_fig_input in;
} synth;

/* 30 weekdays from 2023-01-02 (fold_01: January, fold_02: February), 20
 * tickers, horizons 5 and 20; the label follows the score with noise
 * (RankIC about +0.3); labels_nan: every label missing. */
static synth *make_synth(int labels_nan)
{
    synth *s = calloc(1, sizeof *s);
    s->horizons[0] = 5;
    s->horizons[1] = 20;
    for (int i = 0; i < NT; i++)
        snprintf(s->series[i].ticker, sizeof s->series[i].ticker, "T%02d", i);
    s->prices.n_series = NT;
    s->prices.series = s->series;
    snprintf(s->f[0].id, sizeof s->f[0].id, "fold_01");
    snprintf(s->f[1].id, sizeof s->f[1].id, "fold_02");
    s->plan.n = 2;
    s->plan.f = s->f;
    uint64_t st = 42;
    int64_t z = kt_days_from_civil(2023, 1, 2);
    kt_xrow xr[NT];
    for (int d = 0; d < ND; d++, z++) {
        while (kt_weekday(z) > 4)
            z++;
        int y, m, dd;
        kt_civil_from_days(z, &y, &m, &dd);
        kt_date_result *dr = &s->dates[d];
        snprintf(dr->date, sizeof dr->date, "%04d-%02d-%02d", y, m, dd);
        dr->fold = m == 1 ? 0 : 1;
        dr->universe = NT;
        dr->rows = s->rows[d];
        for (int i = 0; i < NT; i++)
            for (int h = 0; h < NH; h++) {
                st = st * 6364136223846793005ull + 1442695040888963407ull;
                double noise = (double)(st >> 11) / 9007199254740992.0 - 0.5;
                kt_score_row *r = &s->rows[d][dr->n_rows++];
                r->series = i;
                r->h = h;
                r->score = sin(i * 1.7 + d * 0.3) + 0.1 * h;
                r->label = labels_nan ? NAN : 0.01 * r->score + 0.03 * noise;
                r->prob_y = r->label + (h ? 0.002 : 0); /* the raw return (kt_prob_date) */
                /* sampled paths (S = 8): p_up in steps of 1/8, PIT near
                 * the label's place, HistVol20 missing for ticker 0 */
                r->p_up = ((i + d + h) % 9) / 8.0;
                r->pit = labels_nan ? NAN : fmin(1, fmax(0, 0.5 + 15 * r->label + 0.2 * noise));
                r->hv_pit = labels_nan || i == 0 ? NAN : kt_prob_norm_cdf(r->label / 0.02);
            }
        dr->pm = s->pm[d];
        dr->pm_hv = s->pm[d] + NH;
        for (int h = 0; h < NH; h++) {
            int k = 0;
            for (int i = 0; i < dr->n_rows; i++)
                if (dr->rows[i].h == h)
                    xr[k++] = (kt_xrow){s->series[dr->rows[i].series].ticker, dr->rows[i].score,
                                        dr->rows[i].label};
            kt_date_metrics dm;
            kt_metrics_date(xr, k, &dm);
            s->ric[d * NH + h] = dm.rankic;
            kt_baseline_date *b = &s->bl[d * NH + h];
            b->m[KT_SIG_MOMENTUM_12_1].rankic = NAN; /* never defined */
            b->m[KT_SIG_REVERSAL_5D].rankic = labels_nan ? NAN : 0.05 * cos(d * 0.4);
            kt_cost_date *c = &s->cost[d * NH + h];
            c->has_legs = !labels_nan;
            c->gross = dm.quintile_spread;
            for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++)
                c->r.cost[sc] = sc * 0.0004;
        }
    }
    s->in = (kt_fig_input){.nd = ND, .nh = NH, .horizons = s->horizons, .dates = s->dates,
                           .plan = &s->plan, .prices = &s->prices, .rankic = s->ric, .bl = s->bl,
                           .cost = s->cost, .cost_bps = 10, .aum = 1e7, .excess = 1,
                           .sample_count = 8};
    for (int h = 0; h < NH; h++)
        for (int k = 0; k < 2 && !labels_nan; k++) {
            int n = 0;
            for (int d = 1; d < ND; d++)
                if (s->dates[d].fold == s->dates[d - 1].fold) {
                    s->churn[h][k][n] = (k ? 0.05 : 0.1) * ((d + h) % 7);
                    s->churn_date[h][k][n] = d;
                    n++;
                }
            s->in.churn[h][k] = s->churn[h][k];
            s->in.churn_date[h][k] = s->churn_date[h][k];
            s->in.churn_n[h][k] = n;
        }
    return s;
}

/* Distinct colours of a PNG (up to 4096 counted). */
static int colours(const char *path)
{
    cairo_surface_t *s = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_surface_status(s), CAIRO_STATUS_SUCCESS);
    static uint32_t seen[4096];
    int n = 0;
    for (int y = 0; y < cairo_image_surface_get_height(s); y += 2)
        for (int x = 0; x < cairo_image_surface_get_width(s); x += 2) {
            uint32_t p = pixel(s, x, y);
            int k = 0;
            while (k < n && seen[k] != p)
                k++;
            if (k == n && n < 4096)
                seen[n++] = p;
        }
    cairo_surface_destroy(s);
    return n;
}

START_TEST(test_figures_synthetic)
{
    synth *s = make_synth(0);
    char *dir = tmpdir(), err[256] = "";
    kt_figure_state st[KT_N_FIGURES];
    ck_assert_int_eq(kt_figures_write(dir, &s->in, st, err, sizeof err), 0);
    for (int f = 0; f < KT_N_FIGURES; f++) {
        ck_assert_int_eq(st[f], KT_FIGURE_DRAWN);
        char path[256];
        size_t n;
        snprintf(path, sizeof path, "%s/figures/%s.png", dir, kt_figure_name(f));
        char *b = slurp(path, &n);
        ck_assert_msg(b && n > 8 && memcmp(b, "\x89PNG\r\n\x1a\n", 8) == 0, "%s", path);
        free(b);
        ck_assert_msg(colours(path) > 40, "%s: too few colours", path);
        snprintf(path, sizeof path, "%s/figures/%s.svg", dir, kt_figure_name(f));
        b = slurp(path, &n);
        ck_assert_msg(b && strstr(b, "<svg") && strstr(b, "</svg>"), "%s", path);
        free(b);
    }
    /* one panel per horizon: 118 + 2 x 232 px */
    char path[256];
    snprintf(path, sizeof path, "%s/figures/ic_decay.png", dir);
    cairo_surface_t *img = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_image_surface_get_width(img), 960);
    ck_assert_int_eq(cairo_image_surface_get_height(img), 118 + 2 * 232);
    cairo_surface_destroy(img);
    /* the same input again: the same bytes */
    char *dir2 = tmpdir();
    ck_assert_int_eq(kt_figures_write(dir2, &s->in, st, err, sizeof err), 0);
    char cmd[512];
    for (int f = 0; f < KT_N_FIGURES; f++)
        for (int svg = 0; svg < 2; svg++) {
            snprintf(cmd, sizeof cmd, "cmp -s %s/figures/%s.%s %s/figures/%s.%s", dir,
                     kt_figure_name(f), svg ? "svg" : "png", dir2, kt_figure_name(f),
                     svg ? "svg" : "png");
            ck_assert_msg(system(cmd) == 0, "%s.%s differs", kt_figure_name(f), svg ? "svg" : "png");
        }
    /* the reliability figure: a row of two panels per horizon */
    snprintf(path, sizeof path, "%s/figures/reliability.png", dir);
    img = cairo_image_surface_create_from_png(path);
    ck_assert_int_eq(cairo_image_surface_get_height(img), 124 + 2 * 300);
    cairo_surface_destroy(img);
    /* one path per forecast (S = 1): no reliability or PIT figure, the
     * old files removed, the others still drawn */
    s->in.sample_count = 1;
    ck_assert_int_eq(kt_figures_write(dir2, &s->in, st, err, sizeof err), 0);
    ck_assert_int_eq(st[KT_FIG_RELIABILITY], KT_FIGURE_NO_PATHS);
    ck_assert_int_eq(st[KT_FIG_PIT_HISTOGRAM], KT_FIGURE_NO_PATHS);
    ck_assert_int_eq(st[KT_FIG_IC_DECAY], KT_FIGURE_DRAWN);
    for (int svg = 0; svg < 2; svg++) {
        snprintf(path, sizeof path, "%s/figures/reliability.%s", dir2, svg ? "svg" : "png");
        ck_assert_msg(!exists(path), "%s was not removed", path);
        snprintf(path, sizeof path, "%s/figures/pit_histogram.%s", dir2, svg ? "svg" : "png");
        ck_assert_msg(!exists(path), "%s was not removed", path);
    }
    ck_assert_str_eq(kt_figure_reason(KT_FIGURE_NO_PATHS),
                     "one sampled path per forecast (--sample-count below 2): no distribution to "
                     "score");
    /* the same directory without labels: nothing to draw, old files removed */
    synth *e = make_synth(1);
    ck_assert_int_eq(kt_figures_write(dir, &e->in, st, err, sizeof err), 0);
    ck_assert_int_eq(st[KT_FIG_IC_DECAY], KT_FIGURE_NO_RANKIC);
    ck_assert_int_eq(st[KT_FIG_MONTHLY_RANKIC_HEATMAP], KT_FIGURE_NO_RANKIC);
    ck_assert_int_eq(st[KT_FIG_QUINTILE_RETURNS], KT_FIGURE_NO_LEGS);
    ck_assert_int_eq(st[KT_FIG_CUMULATIVE_NET_SPREAD], KT_FIGURE_NO_LEGS);
    ck_assert_int_eq(st[KT_FIG_CHURN_TIMESERIES], KT_FIGURE_NO_CHURN);
    ck_assert_int_eq(st[KT_FIG_RELIABILITY], KT_FIGURE_NO_OUTCOMES);
    ck_assert_int_eq(st[KT_FIG_PIT_HISTOGRAM], KT_FIGURE_NO_OUTCOMES);
    for (int f = 0; f < KT_N_FIGURES; f++) {
        snprintf(path, sizeof path, "%s/figures/%s.png", dir, kt_figure_name(f));
        ck_assert_msg(!exists(path), "%s was not removed", path);
        ck_assert_str_ne(kt_figure_reason(st[f]), "");
    }
    free(s);
    free(e);
    rmtree(dir);
    rmtree(dir2);
}
END_TEST

START_TEST(test_figures_zero_rows)
{
    synth *s = make_synth(0);
    s->in.nd = 0;
    char *dir = tmpdir(), err[256] = "";
    kt_figure_state st[KT_N_FIGURES];
    ck_assert_int_eq(kt_figures_write(dir, &s->in, st, err, sizeof err), 0);
    for (int f = 0; f < KT_N_FIGURES; f++)
        ck_assert_int_eq(st[f], KT_FIGURE_NO_ROWS);
    char path[256];
    snprintf(path, sizeof path, "%s/figures", dir);
    ck_assert(!exists(path)); /* nothing drawn, nothing created */
    ck_assert_str_eq(kt_figure_reason(KT_FIGURE_NO_ROWS), "no evaluation rows");
    free(s);
    rmtree(dir);
}
END_TEST

/* The data of the reliability and PIT figures, by hand: one date, one
 * horizon, five rows (the last without a realised return). The figures
 * score the paths against the raw return prob_y, never the label (an
 * excess return with --benchmark): the labels here say the opposite. */
START_TEST(test_figures_prob_data)
{
    kt_score_row rows[6] = {
        {.h = 0, .prob_y = 0.01, .p_up = 0.05, .pit = 0.95, .hv_pit = 0.7},
        {.h = 0, .prob_y = -0.02, .p_up = 0.15, .pit = 0.05, .hv_pit = 0.2},
        {.h = 0, .prob_y = 0.03, .p_up = 0.95, .pit = 0.55, .hv_pit = NAN},
        {.h = 0, .prob_y = -0.01, .p_up = 1.0, .pit = 0.1, .hv_pit = 0.35},
        {.h = 0, .prob_y = NAN, .p_up = 0.5, .pit = NAN, .hv_pit = NAN},
        {.h = 1, .prob_y = 0.05, .p_up = 0.5, .pit = 0.5, .hv_pit = 0.5}, /* another horizon */
    };
    for (int i = 0; i < 6; i++)
        rows[i].label = -rows[i].prob_y; /* as if a benchmark moved a lot */
    kt_prob_metrics pm[4];
    kt_date_result d = {.date = "2023-01-03", .n_rows = 6, .rows = rows, .pm = pm, .pm_hv = pm + 2};
    int hz[2] = {5, 20};
    kt_fig_input in = {.nd = 1, .nh = 2, .horizons = hz, .dates = &d, .sample_count = 8};
    kt_fig_prob p;
    ck_assert_int_eq(kt_fig_prob_data(&in, 0, &p), 4);
    /* reliability: bin 0 {0.05: up}, bin 1 {0.15: down}, bin 9 {0.95 up, 1.0 down} */
    long want_n[KT_REL_BINS] = {1, 1, 0, 0, 0, 0, 0, 0, 0, 2};
    for (int k = 0; k < KT_REL_BINS; k++) {
        ck_assert_int_eq(p.rel_n[k], want_n[k]);
        if (!want_n[k])
            ck_assert(isnan(p.rel_p[k]) && isnan(p.rel_up[k]));
    }
    ck_near(p.rel_p[0], 0.05);
    ck_near(p.rel_up[0], 1.0);
    ck_near(p.rel_p[1], 0.15);
    ck_near(p.rel_up[1], 0.0);
    ck_near(p.rel_p[9], 0.975);
    ck_near(p.rel_up[9], 0.5);
    /* HistVol20: three rows with a sigma, one up move */
    ck_assert_int_eq(p.hv_n, 3);
    ck_near(p.hv_up, 1.0 / 3);
    /* PIT densities (share x 10): Kronos 0.95, 0.05, 0.55, 0.1 -> bins 9, 0, 5, 1;
     * HistVol20 0.7, 0.2, 0.35 -> bins 7, 2, 3 */
    for (int k = 0; k < KT_PIT_BINS; k++) {
        ck_near(p.pit[k], (k == 0 || k == 1 || k == 5 || k == 9) ? 2.5 : 0.0);
        ck_near(p.pit_hv[k], (k == 2 || k == 3 || k == 7) ? 10.0 / 3 : 0.0);
    }
    /* a date without probabilistic scores (d.pm NULL) is left out */
    d.pm = NULL;
    ck_assert_int_eq(kt_fig_prob_data(&in, 0, &p), 0);
    ck_assert(isnan(p.pit[0]) && isnan(p.hv_up));
}
END_TEST

/* ---- the HTML page ------------------------------------------------------------ */

static char *render(const char *md, const char *base, int *figs)
{
    char *out = NULL;
    size_t n = 0;
    FILE *f = open_memstream(&out, &n);
    *figs = kt_html_write(f, md, strlen(md), base);
    fclose(f);
    return out;
}

START_TEST(test_html)
{
    char *dir = tmpdir(), path[256];
    snprintf(path, sizeof path, "%s/figures", dir);
    ck_assert_int_eq(mkdir(path, 0777), 0);
    snprintf(path, sizeof path, "%s/figures/a.svg", dir);
    FILE *f = fopen(path, "w");
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" "
          "viewBox=\"0 0 10 10\"><defs><g id=\"glyph0-1\"/><clipPath id=\"clip1\"/></defs>"
          "<use xlink:href=\"#glyph0-1\"/><path clip-path=\"url(#clip1)\"/></svg>\n",
          f);
    fclose(f);
    const char *md = "# Report: <b>&x</b>\n\n"
                     "## Verdict\n\n"
                     "- Gate 1: **pass**: a < b\n"
                     "  - nested `code <i>`\n"
                     "- [link](figures/a.png)\n\n"
                     "| h | RankIC |\n|---|---|\n| 5d | +0.05 |\n| 20d | n/a |\n\n"
                     "```\n<script>alert(1)</script>\n```\n\n"
                     "text one\ntext two\n\n"
                     "![Caption \"q\"](figures/a.png)\n\n"
                     "![Missing](figures/b.png)\n";
    int figs;
    char *h = render(md, dir, &figs);
    ck_assert_int_eq(figs, 1);
    ck_assert_ptr_nonnull(strstr(h, "<title>Report: &lt;b&gt;&amp;x&lt;/b&gt;</title>"));
    ck_assert_ptr_nonnull(strstr(h, "<h1>Report: &lt;b&gt;&amp;x&lt;/b&gt;</h1>"));
    ck_assert_ptr_nonnull(strstr(h, "<li>Gate 1: <strong>pass</strong>: a &lt; b<ul>\n"
                                    "<li>nested <code>code &lt;i&gt;</code></li></ul>\n</li>\n"
                                    "<li><a href=\"figures/a.png\">link</a></li></ul>"));
    ck_assert_ptr_nonnull(strstr(h, "<table>\n<thead>\n<tr><th>h</th><th>RankIC</th></tr>\n"
                                    "</thead>\n<tbody>\n<tr><td>5d</td><td>+0.05</td></tr>\n"
                                    "<tr><td>20d</td><td>n/a</td></tr>\n</tbody></table>"));
    ck_assert_ptr_nonnull(strstr(h, "<pre><code>&lt;script&gt;alert(1)&lt;/script&gt;\n"
                                    "</code></pre>"));
    ck_assert_ptr_null(strstr(h, "<script"));
    ck_assert_ptr_nonnull(strstr(h, "<p>text one\ntext two</p>"));
    /* the figure inline, ids prefixed, no XML prolog, no <img> */
    ck_assert_ptr_nonnull(strstr(h, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 10 "
                                    "10\"><title>Caption &quot;q&quot;</title>"));
    ck_assert_ptr_nonnull(strstr(h, "<g id=\"f1-glyph0-1\"/>"));
    ck_assert_ptr_nonnull(strstr(h, "xlink:href=\"#f1-glyph0-1\""));
    ck_assert_ptr_nonnull(strstr(h, "clip-path=\"url(#f1-clip1)\""));
    ck_assert_ptr_null(strstr(h, "<?xml"));
    ck_assert_ptr_null(strstr(h, "<img"));
    ck_assert_ptr_nonnull(strstr(h, "<figcaption>Caption &quot;q&quot;</figcaption>"));
    ck_assert_ptr_nonnull(strstr(h, "figures/b.svg: figure file missing"));
    ck_assert_ptr_nonnull(strstr(h, "prefers-color-scheme:dark"));
    ck_assert_ptr_nonnull(strstr(h, "Content-Security-Policy\" content=\"default-src 'none'"));
    ck_assert(strlen(h) > 7 && strcmp(h + strlen(h) - 8, "</html>\n") == 0);
    free(h);
    rmtree(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("figures");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_nice_ticks);
    tcase_add_test(tc, test_date_ticks);
    tcase_add_test(tc, test_category_ticks);
    tcase_add_test(tc, test_colours_and_mapping);
    tcase_add_test(tc, test_pixels_and_files);
    tcase_add_test(tc, test_figures_synthetic);
    tcase_add_test(tc, test_figures_zero_rows);
    tcase_add_test(tc, test_figures_prob_data);
    tcase_add_test(tc, test_html);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
