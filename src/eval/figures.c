/* figures.c: the report's figures on the plotting layer. See figures.h.
 * Every figure is 960 px wide; a figure with one panel per horizon grows
 * with the number of horizons. */
#include "config.h"

#include "eval/figures.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/civil.h"
#include "base/i18n.h"
#include "eval/metrics.h"
#include "eval/plot.h"

#define FIG_W 960
#define PANEL_H 232
#define ROLL_WINDOW 10 /* rolling median: the last 10 dates of the fold ... */
#define ROLL_MIN 5     /* ... drawn from the 5th date with a RankIC */
#define PLOT_W 830.0   /* about the plot area's width, for density choices */
#define DENSE_DATES 130 /* more dates: churn as the median per fold */

static const char *const names[KT_N_FIGURES] = {
    "ic_decay",         "cumulative_rankic",     "monthly_rankic_heatmap", "rankic_histogram",
    "quintile_returns", "cumulative_net_spread", "churn_timeseries",       "churn_distribution",
    "reliability",      "pit_histogram",
};

static const char *const captions[KT_N_FIGURES] = {
    N_("RankIC per date with a rolling median and fold boundaries"),
    N_("Cumulative RankIC per horizon, baselines dashed"),
    N_("Monthly mean RankIC"),
    N_("RankIC histogram"),
    N_("Mean label by score quintile"),
    N_("Cumulative net long-short return by cost scenario"),
    N_("Churn of the top K over time"),
    N_("Distribution of the top-K churn"),
    N_("Reliability of p_up: observed share of up moves by forecast bin"),
    N_("PIT histogram of the sampled paths and HistVol20"),
};

const char *kt_figure_name(int fig)
{
    return fig >= 0 && fig < KT_N_FIGURES ? names[fig] : "";
}

const char *kt_figure_caption(int fig)
{
    return fig >= 0 && fig < KT_N_FIGURES ? _(captions[fig]) : "";
}

const char *kt_figure_reason(kt_figure_state s)
{
    switch (s) {
    case KT_FIGURE_DRAWN: return "";
    case KT_FIGURE_NO_ROWS: return _("no evaluation rows");
    case KT_FIGURE_NO_RANKIC:
        return _("no date with a RankIC (fewer than 10 names with a label on every date)");
    case KT_FIGURE_NO_LEGS:
        return _("no date with quintile legs (fewer than 10 names with a label on every date)");
    case KT_FIGURE_NO_CHURN: return _("no pair of consecutive dates in a fold with a top 10");
    case KT_FIGURE_NO_PATHS:
        return _("one sampled path per forecast (--sample-count below 2): no distribution to score");
    case KT_FIGURE_NO_OUTCOMES: return _("no row with a realised return to score the paths against");
    }
    return "";
}

/* ---- the data drawn, prepared once --------------------------------------- */

typedef struct figdata {
    const kt_fig_input *in;
    int nd, nh;
    double *day;       /* [nd] days since 1970-01-01 */
    double xlo, xhi;   /* the date axis */
    double *roll;      /* [nh][nd] rolling median of RankIC within the fold */
    int nl;            /* RankIC by date with a NaN between folds: */
    double *lx, *ly;   /* lx[nl] days, ly[nh][nl] RankIC, nl <= 2 nd */
    double *cum;       /* [nh][3][nd] cumulative RankIC: Kronos, baselines */
    int defined[KT_MAX_HORIZONS][3]; /* that signal has a RankIC somewhere */
    int nmon;
    char (*mon)[16];   /* [nmon] "YYYY-MM" */
    double *heat;      /* [nh][nmon] monthly mean RankIC */
    double quint[KT_MAX_HORIZONS][5];
    int quint_dates[KT_MAX_HORIZONS];
    double *net;       /* [nh][scenario][nd] cumulative net return (NaN: no legs yet) */
    int churn_k;       /* 1: top 20, 0: top 10 (the distribution's K) */
    double *cx, *cy;   /* churn series with breaks between folds: [nh][2][2 * nd] */
    int cn[KT_MAX_HORIZONS][2];
    double *fmx, *fmy; /* churn median per fold: [nh][2][nspans] */
    int fmn[KT_MAX_HORIZONS][2];
    int nspans;        /* runs of dates of one fold, in date order */
    int fold_lines;    /* fold boundaries are drawn (not too many) */
} figdata;

static double ric_at(const figdata *fd, int d, int h)
{
    return fd->in->rankic[d * fd->nh + h];
}

static double bl_at(const figdata *fd, int d, int h, int sig)
{
    return fd->in->bl[d * fd->nh + h].m[sig].rankic;
}

static void prep_rolling(figdata *fd, double *win)
{
    const kt_fig_input *in = fd->in;
    for (int h = 0; h < fd->nh; h++)
        for (int d = 0; d < fd->nd; d++) {
            int m = 0;
            for (int e = d; e >= 0 && m < ROLL_WINDOW && in->dates[e].fold == in->dates[d].fold;
                 e--)
                if (isfinite(ric_at(fd, e, h)))
                    win[m++] = ric_at(fd, e, h);
            fd->roll[h * fd->nd + d] = m >= ROLL_MIN ? kt_metrics_median(win, m) : NAN;
        }
}

static void prep_ric_lines(figdata *fd)
{
    const kt_fig_input *in = fd->in;
    int n = 0;
    for (int d = 0; d < fd->nd; d++) {
        if (d > 0 && in->dates[d].fold != in->dates[d - 1].fold) {
            fd->lx[n] = NAN;
            for (int h = 0; h < fd->nh; h++)
                fd->ly[(size_t)h * 2 * fd->nd + n] = NAN;
            n++;
        }
        fd->lx[n] = fd->day[d];
        for (int h = 0; h < fd->nh; h++)
            fd->ly[(size_t)h * 2 * fd->nd + n] = ric_at(fd, d, h);
        n++;
    }
    fd->nl = n;
}

static void prep_cumulative(figdata *fd)
{
    for (int h = 0; h < fd->nh; h++)
        for (int s = 0; s < 3; s++) {
            double acc = 0;
            double *out = fd->cum + ((size_t)h * 3 + s) * fd->nd;
            for (int d = 0; d < fd->nd; d++) {
                double v = s == 0 ? ric_at(fd, d, h) : bl_at(fd, d, h, s - 1);
                if (isfinite(v)) {
                    acc += v;
                    fd->defined[h][s] = 1;
                }
                out[d] = acc;
            }
        }
}

static int month_key(const char *date)
{
    kt_time t;
    int y, m;
    if (kt_time_parse(date, &t) != 0)
        return -1;
    kt_time_parts(t, &y, &m, NULL, NULL, NULL, NULL);
    return y * 12 + (m - 1);
}

static void prep_months(figdata *fd, int *mon_of)
{
    const kt_fig_input *in = fd->in;
    int last = -2;
    fd->nmon = 0;
    for (int d = 0; d < fd->nd; d++) {
        int k = month_key(in->dates[d].date);
        if (k != last) {
            snprintf(fd->mon[fd->nmon], sizeof fd->mon[0], "%04u-%02u", (unsigned)(k / 12) % 10000u,
                     (unsigned)(k % 12) + 1);
            fd->nmon++;
            last = k;
        }
        mon_of[d] = fd->nmon - 1;
    }
    for (int h = 0; h < fd->nh; h++)
        for (int m = 0; m < fd->nmon; m++) {
            double s = 0;
            int n = 0;
            for (int d = 0; d < fd->nd; d++)
                if (mon_of[d] == m && isfinite(ric_at(fd, d, h))) {
                    s += ric_at(fd, d, h);
                    n++;
                }
            fd->heat[h * fd->nmon + m] = n ? s / n : NAN;
        }
}

/* Mean over dates of each quintile's mean label (dates with >= 10 names). */
static int prep_quintiles(figdata *fd)
{
    const kt_fig_input *in = fd->in;
    int cap = 1;
    for (int d = 0; d < fd->nd; d++)
        cap = in->dates[d].n_rows > cap ? in->dates[d].n_rows : cap;
    kt_xrow *xr = malloc((size_t)cap * sizeof *xr);
    int *idx = malloc((size_t)cap * sizeof *idx);
    if (!xr || !idx) {
        free(xr);
        free(idx);
        return -1;
    }
    for (int h = 0; h < fd->nh; h++) {
        double sum[5] = {0};
        int n = 0;
        for (int d = 0; d < fd->nd; d++) {
            const kt_date_result *dr = &in->dates[d];
            int m = 0;
            for (int i = 0; i < dr->n_rows; i++) {
                const kt_score_row *r = &dr->rows[i];
                if (r->h != h || !isfinite(r->score) || !isfinite(r->label))
                    continue;
                xr[m].ticker = in->prices->series[r->series].ticker;
                xr[m].score = r->score;
                xr[m].label = r->label;
                m++;
            }
            if (m < KT_MIN_NAMES)
                continue;
            double q[5];
            kt_metrics_quintile_means(xr, m, idx, q);
            for (int k = 0; k < 5; k++)
                sum[k] += q[k];
            n++;
        }
        fd->quint_dates[h] = n;
        for (int k = 0; k < 5; k++)
            fd->quint[h][k] = n ? sum[k] / n : NAN;
    }
    free(xr);
    free(idx);
    return 0;
}

/* Cumulative net return of the book of h tranches: sum of net / h. */
static int prep_net(figdata *fd)
{
    const kt_fig_input *in = fd->in;
    int any = 0;
    for (int h = 0; h < fd->nh; h++)
        for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++) {
            double acc = 0;
            int started = 0;
            double *out = fd->net + ((size_t)h * KT_N_COST_SCENARIOS + sc) * fd->nd;
            for (int d = 0; d < fd->nd; d++) {
                const kt_cost_date *c = &in->cost[d * fd->nh + h];
                if (c->has_legs) {
                    acc += (c->gross - c->r.cost[sc]) / in->horizons[h];
                    started = any = 1;
                }
                out[d] = started ? acc : NAN;
            }
        }
    return any;
}

/* Churn series per (horizon, K) with a NaN between folds. */
static int prep_churn(figdata *fd)
{
    const kt_fig_input *in = fd->in;
    int any[2] = {0, 0};
    fd->nspans = fd->nd > 0;
    for (int d = 1; d < fd->nd; d++)
        fd->nspans += in->dates[d].fold != in->dates[d - 1].fold;
    fd->fold_lines = PLOT_W / fd->nspans >= 16;
    for (int h = 0; h < fd->nh; h++)
        for (int k = 0; k < 2; k++) {
            double *x = fd->cx + ((size_t)h * 2 + k) * 2 * fd->nd;
            double *y = fd->cy + ((size_t)h * 2 + k) * 2 * fd->nd;
            int n = 0, fold = -1;
            for (int i = 0; i < in->churn_n[h][k] && n < 2 * fd->nd - 1; i++) {
                int d = in->churn_date[h][k][i];
                if (d < 0 || d >= fd->nd)
                    continue;
                if (fold >= 0 && in->dates[d].fold != fold) {
                    x[n] = y[n] = NAN;
                    n++;
                }
                fold = in->dates[d].fold;
                x[n] = fd->day[d];
                y[n] = in->churn[h][k][i];
                n++;
            }
            fd->cn[h][k] = n;
            any[k] |= in->churn_n[h][k] > 0;
            /* the median of each fold's pairs, at the middle of its dates */
            double *mx = fd->fmx + ((size_t)h * 2 + k) * fd->nd;
            double *my = fd->fmy + ((size_t)h * 2 + k) * fd->nd;
            int m = 0;
            for (int i = 0; i < n;) {
                int j = i;
                while (j < n && isfinite(y[j]))
                    j++;
                if (j > i && m < fd->nd) {
                    mx[m] = (x[i] + x[j - 1]) / 2;
                    my[m] = kt_metrics_median(y + i, j - i);
                    m++;
                }
                i = j + 1;
            }
            fd->fmn[h][k] = m;
        }
    fd->churn_k = any[1] ? 1 : 0;
    return any[0] || any[1];
}

/* ---- shared drawing ------------------------------------------------------ */

static const kt_rgb INK = {0.13, 0.13, 0.13};
static const kt_rgb MUTED = {0.38, 0.38, 0.38};
static const kt_rgb GREY = {0.55, 0.55, 0.55};

static kt_style style(kt_rgb c, double width, int dash, double alpha)
{
    kt_style s = {c, width, dash, alpha};
    return s;
}

/* v with a sign, prec decimals and suffix; minus as U+2212, as the tick
 * labels. */
static void num(char *buf, size_t n, double v, int prec, const char *suffix)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%+.*f", prec, v);
    if (tmp[0] == '-')
        snprintf(buf, n, "\xe2\x88\x92%.20s%s", tmp + 1, suffix);
    else
        snprintf(buf, n, "%.20s%s", tmp, suffix);
}

/* 10000000 -> "10,000,000". */
static void thousands(char *buf, size_t n, double v)
{
    char tmp[48];
    snprintf(tmp, sizeof tmp, "%.0f", v);
    size_t len = strlen(tmp), w = 0;
    for (size_t i = 0; i < len && w + 2 < n; i++) {
        buf[w++] = tmp[i];
        size_t left = len - 1 - i;
        if (left > 0 && left % 3 == 0 && tmp[i] != '-')
            buf[w++] = ',';
    }
    buf[w] = '\0';
}

static void hz_label(char *buf, size_t n, int horizon)
{
    snprintf(buf, n, "%dd", horizon);
}

static void date_axis(const figdata *fd, kt_ticks *t)
{
    kt_ticks_dates(t, fd->xlo, fd->xhi, 9);
}

/* Nice ticks over lo..hi widened to include 0. */
static void value_axis(kt_ticks *t, double lo, double hi, int max_ticks, double scale)
{
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 0;
    }
    kt_ticks_nice(t, fmin(lo, 0), fmax(hi, 0), max_ticks, scale);
}

/* Ticks for counts: integer steps only. */
static void count_axis(kt_ticks *t, double hi)
{
    for (int mt = 7; mt >= 3; mt--) { /* 0..2 with 3 ticks has step 1 */
        kt_ticks_nice(t, 0, hi > 2 ? hi : 2, mt, 1);
        if (t->step >= 1 && fmod(t->step, 1) == 0)
            return;
    }
}

static void range_of(const double *v, int n, double *lo, double *hi)
{
    for (int i = 0; i < n; i++)
        if (isfinite(v[i])) {
            *lo = v[i] < *lo ? v[i] : *lo;
            *hi = v[i] > *hi ? v[i] : *hi;
        }
}

/* Dashed lines between folds (not when there are too many to see the
 * data: fd->fold_lines); with labels, each fold's id over its dates when
 * the folds are wide enough. */
static void fold_marks(const kt_axes *a, const figdata *fd, int labels)
{
    const kt_fig_input *in = fd->in;
    if (!fd->fold_lines)
        return;
    labels = labels && a->pw / fd->nspans >= 56;
    kt_style s = style(GREY, 1, KT_DASH_DASHED, 0.9);
    double last = -1e9;
    int first = 0;
    for (int d = 1; d <= fd->nd; d++) {
        if (d < fd->nd && in->dates[d].fold == in->dates[d - 1].fold)
            continue;
        if (d < fd->nd)
            kt_axes_vline(a, (fd->day[d - 1] + fd->day[d]) / 2, &s);
        if (labels) {
            const char *id = in->plan->f[in->dates[first].fold].id;
            double cx = kt_axes_x(a, (fd->day[first] + fd->day[d - 1]) / 2);
            double tw = kt_plot_text_width(a->cr, id, 10.5, 0);
            if (cx - tw / 2 > last + 6 && cx - tw / 2 >= a->px && cx + tw / 2 <= a->px + a->pw) {
                kt_plot_text(a->cr, cx, a->py + 5, id, 10.5, 0, 0.5, 0, MUTED);
                last = cx + tw / 2;
            }
        }
        first = d;
    }
}

static void no_data(const kt_axes *a, const char *what)
{
    kt_plot_text(a->cr, a->px + a->pw / 2, a->py + a->ph / 2, what, 13, 0, 0.5, 0.5, MUTED);
}

/* The frame of panel i of n stacked panels below top. */
static double panel_y(double top, int i)
{
    return top + i * PANEL_H;
}

/* Panel h of a per-horizon figure over the dates: the values lo..hi
 * (times scale) on the y axis, a zero line and the fold boundaries; the
 * date axis is labelled on the last panel only. */
static void horizon_panel(kt_axes *a, cairo_t *cr, const figdata *fd, double top, double w, int h,
                          const kt_ticks *xt, double lo, double hi, double scale, const char *ylabel,
                          int fold_labels)
{
    kt_ticks yt;
    value_axis(&yt, lo, hi, 6, scale);
    char head[64];
    snprintf(head, sizeof head, "horizon %dd", fd->in->horizons[h]);
    kt_axes_panel(a, cr, 0, panel_y(top, h), w, PANEL_H, head, xt,
                  h == fd->nh - 1 ? "evaluation date" : NULL, &yt, ylabel);
    kt_style zero = style(GREY, 1, 0, 1);
    kt_axes_hline(a, 0, &zero);
    fold_marks(a, fd, fold_labels);
}

static int stacked_height(int nh)
{
    return 118 + nh * PANEL_H;
}

/* ---- 1. RankIC per date with a rolling median and fold boundaries -------- */

static void draw_ic_decay(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    (void)hgt;
    double top = kt_plot_title(cr, w, "RankIC per date",
                               "Spearman correlation of score and label on each evaluation date; "
                               "one panel per horizon");
    kt_legend_item it[3] = {
        {"RankIC of a date", style(INK, 1, 0, 0.8), KT_MARK_DOT},
        {"rolling median (last 10 dates of the fold, from its 5th)", style(INK, 2.6, 0, 1),
         KT_MARK_LINE},
        {"fold boundary", style(GREY, 1, KT_DASH_DASHED, 1), KT_MARK_LINE},
    };
    top += kt_plot_legend(cr, 20, top, w - 40, it, fd->fold_lines ? 3 : 2) + 6;
    kt_ticks xt;
    date_axis(fd, &xt);
    for (int h = 0; h < fd->nh; h++) {
        const double *roll = fd->roll + (size_t)h * fd->nd;
        const double *ric = fd->ly + (size_t)h * 2 * fd->nd;
        double lo = INFINITY, hi = -INFINITY;
        range_of(ric, fd->nl, &lo, &hi);
        kt_axes a;
        horizon_panel(&a, cr, fd, top, w, h, &xt, lo, hi, 1, "RankIC (-1..1)", 1);
        if (!isfinite(lo)) {
            no_data(&a, "no date with a RankIC at this horizon");
        } else {
            kt_rgb c = kt_plot_palette(h);
            kt_style thin = style(c, 1, 0, 0.35), thick = style(c, 2.6, 0, 1);
            /* the thin line stops at each fold's end */
            kt_axes_line(&a, fd->lx, ric, fd->nl, &thin);
            kt_axes_dots(&a, fd->lx, ric, fd->nl, fd->nd > DENSE_DATES ? 1.6 : 2.4, c, 0.8);
            kt_axes_line(&a, fd->day, roll, fd->nd, &thick);
        }
    }
}

/* ---- 2. cumulative RankIC, baselines dashed ------------------------------ */

static const char *const signal_names[3] = {"Kronos", "momentum_12_1", "reversal_5d"};

static void draw_cumulative_rankic(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    double top = kt_plot_title(cr, w, "Cumulative RankIC",
                               "sum of the per-date RankIC in date order (a date without a RankIC "
                               "adds 0); baselines scored on the same rows, dashed");
    kt_legend_item it[KT_MAX_HORIZONS * 3];
    char labels[KT_MAX_HORIZONS * 3][64];
    int n = 0;
    double lo = 0, hi = 0;
    for (int h = 0; h < fd->nh; h++)
        for (int s = 0; s < 3; s++) {
            snprintf(labels[n], sizeof labels[n], "%s %dd%s", signal_names[s], fd->in->horizons[h],
                     fd->defined[h][s] ? "" : " (never defined)");
            it[n].label = labels[n];
            it[n].style = style(kt_plot_palette(h), s ? 1.7 : 2.6,
                                s == 0 ? KT_DASH_SOLID : s == 1 ? KT_DASH_DASHED : KT_DASH_DASHDOT,
                                1);
            it[n].mark = KT_MARK_LINE;
            n++;
            if (fd->defined[h][s])
                range_of(fd->cum + ((size_t)h * 3 + s) * fd->nd, fd->nd, &lo, &hi);
        }
    top += kt_plot_legend(cr, 20, top, w - 40, it, n) + 6;
    kt_ticks xt, yt;
    date_axis(fd, &xt);
    value_axis(&yt, lo, hi, 7, 1);
    kt_axes a;
    kt_axes_panel(&a, cr, 0, top, w, hgt - top - 4, NULL, &xt, "evaluation date", &yt,
                  "cumulative RankIC (sum over dates)");
    kt_style zero = style(GREY, 1, 0, 1);
    kt_axes_hline(&a, 0, &zero);
    fold_marks(&a, fd, 0);
    /* baselines first, Kronos on top */
    for (int s = 2; s >= 0; s--)
        for (int h = 0; h < fd->nh; h++)
            if (fd->defined[h][s])
                kt_axes_line(&a, fd->day, fd->cum + ((size_t)h * 3 + s) * fd->nd, fd->nd,
                             &it[h * 3 + s].style);
}

/* ---- 3. monthly mean RankIC heatmap -------------------------------------- */

static int heatmap_height(int nh)
{
    int h = 200 + nh * 58;
    return h < 330 ? 330 : h;
}

static void draw_heatmap(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    double top = kt_plot_title(cr, w, "Monthly mean RankIC",
                               "mean of the per-date RankIC in each calendar month; blue positive, "
                               "red negative, grey: no date with a RankIC");
    top += 14;
    const char *xl[512];
    int nm = fd->nmon < 512 ? fd->nmon : 512;
    for (int m = 0; m < nm; m++)
        xl[m] = fd->mon[m];
    char hl[KT_MAX_HORIZONS][16];
    const char *yl[KT_MAX_HORIZONS];
    for (int h = 0; h < fd->nh; h++) { /* the first horizon on top */
        hz_label(hl[h], sizeof hl[h], fd->in->horizons[fd->nh - 1 - h]);
        yl[h] = hl[h];
    }
    double lim = 0;
    for (int i = 0; i < fd->nh * fd->nmon; i++)
        if (isfinite(fd->heat[i]))
            lim = fmax(lim, fabs(fd->heat[i]));
    kt_ticks ct, xt, yt;
    kt_ticks_nice(&ct, -lim, lim, 7, 1);
    double clim = fmax(fabs(ct.lo), fabs(ct.hi));
    if (nm > 24) { /* a long run: January of each year, labelled with the year */
        memset(&xt, 0, sizeof xt);
        xt.lo = -0.5;
        xt.hi = nm - 0.5;
        xt.step = 12;
        int years = 0;
        for (int m = 0; m < nm; m++)
            years += strcmp(fd->mon[m] + 5, "01") == 0;
        int every = years > 12 ? (years + 11) / 12 : 1, seen = 0;
        for (int m = 0; m < nm && xt.n < KT_PLOT_MAX_TICKS; m++)
            if (strcmp(fd->mon[m] + 5, "01") == 0 && seen++ % every == 0) {
                xt.v[xt.n] = m;
                snprintf(xt.label[xt.n], sizeof xt.label[0], "%.4s", fd->mon[m]);
                xt.n++;
            }
    } else {
        kt_ticks_categories(&xt, xl, nm, (int)((w - 200) / 70));
    }
    kt_ticks_categories(&yt, yl, fd->nh, KT_MAX_HORIZONS);
    kt_axes a;
    kt_axes_panel(&a, cr, 0, top, w - 96, hgt - top - 4, NULL, &xt,
                  nm > 24 ? "month (labelled: January of each year)" : "month", &yt, "horizon");
    double cw = a.pw / (nm ? nm : 1), ch = a.ph / (fd->nh ? fd->nh : 1);
    /* white separators, thinner (none) when the cells are narrow */
    kt_style sep = style((kt_rgb){1, 1, 1}, fmin(1.5, cw * 0.12), 0, 1);
    for (int h = 0; h < fd->nh; h++)
        for (int m = 0; m < nm; m++) {
            double v = fd->heat[h * fd->nmon + m], yy = fd->nh - 1 - h;
            kt_axes_rect(&a, m - 0.5, yy - 0.5, m + 0.5, yy + 0.5, kt_plot_diverging(v / clim), 1,
                         cw >= 4 ? &sep : NULL);
            if (cw >= 52 && ch >= 20) {
                char b[32];
                num(b, sizeof b, v, 3, "");
                if (!isfinite(v))
                    snprintf(b, sizeof b, "n/a");
                int light = isfinite(v) && fabs(v / clim) > 0.55;
                kt_plot_text(cr, kt_axes_x(&a, m), kt_axes_y(&a, yy), b, cw >= 64 ? 12 : 10.5, 0,
                             0.5, 0.5, light ? (kt_rgb){1, 1, 1} : INK);
            }
        }
    kt_plot_colorbar(cr, w - 80, a.py, 16, a.ph, &ct, "RankIC");
}

/* ---- 4. RankIC histogram -------------------------------------------------- */

static void draw_histogram(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    double top = kt_plot_title(cr, w, "Distribution of the per-date RankIC",
                               "evaluation dates per RankIC bin, one outline per horizon; dashed: "
                               "the horizon's mean, grey: 0");
    double lo = INFINITY, hi = -INFINITY;
    range_of(fd->in->rankic, fd->nd * fd->nh, &lo, &hi);
    kt_ticks xt;
    kt_ticks_nice(&xt, fmin(lo, 0), fmax(hi, 0), 9, 1);
    double bw = xt.step / 2;
    int nb = (int)lround((xt.hi - xt.lo) / bw);
    if (nb < 1)
        nb = 1;
    if (nb > 64)
        nb = 64;
    int counts[KT_MAX_HORIZONS][64];
    double mean[KT_MAX_HORIZONS];
    int nval[KT_MAX_HORIZONS], cmax = 0;
    memset(counts, 0, sizeof counts);
    for (int h = 0; h < fd->nh; h++) {
        double s = 0;
        nval[h] = 0;
        for (int d = 0; d < fd->nd; d++) {
            double v = ric_at(fd, d, h);
            if (!isfinite(v))
                continue;
            int b = (int)floor((v - xt.lo) / bw);
            b = b < 0 ? 0 : b >= nb ? nb - 1 : b;
            counts[h][b]++;
            cmax = counts[h][b] > cmax ? counts[h][b] : cmax;
            s += v;
            nval[h]++;
        }
        mean[h] = nval[h] ? s / nval[h] : NAN;
    }
    kt_legend_item it[KT_MAX_HORIZONS];
    char labels[KT_MAX_HORIZONS][80];
    for (int h = 0; h < fd->nh; h++) {
        char m[32];
        num(m, sizeof m, mean[h], 4, "");
        snprintf(labels[h], sizeof labels[h], "%dd: mean %s, %d dates", fd->in->horizons[h], m,
                 nval[h]);
        it[h] = (kt_legend_item){labels[h], style(kt_plot_palette(h), 1, 0, 0.45), KT_MARK_BOX};
    }
    top += kt_plot_legend(cr, 20, top, w - 40, it, fd->nh) + 6;
    kt_ticks yt;
    count_axis(&yt, cmax * 1.08);
    kt_axes a;
    kt_axes_panel(&a, cr, 0, top, w, hgt - top - 4, NULL, &xt,
                  "RankIC of a date (Spearman correlation, -1..1)", &yt,
                  "evaluation dates (count)");
    for (int pass = 0; pass < 2; pass++) /* fills, then every outline on top */
        for (int h = 0; h < fd->nh; h++) {
            kt_rgb c = kt_plot_palette(h);
            kt_style edge = style(c, 1.8, 0, 1);
            for (int b = 0; b < nb; b++)
                if (counts[h][b])
                    kt_axes_rect(&a, xt.lo + b * bw, 0, xt.lo + (b + 1) * bw, counts[h][b], c,
                                 pass ? -1 : 0.2, pass ? &edge : NULL);
        }
    kt_style zero = style(GREY, 1.5, 0, 1);
    kt_axes_vline(&a, 0, &zero);
    for (int h = 0; h < fd->nh; h++) {
        kt_style m = style(kt_plot_palette(h), 2, KT_DASH_DASHED, 1);
        kt_axes_vline(&a, mean[h], &m);
    }
}

/* ---- 5. mean label by score quintile ------------------------------------- */

static void draw_quintiles(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    double top = kt_plot_title(cr, w, "Mean label by score quintile",
                               "mean over dates of each quintile's mean label; Q5 holds the highest "
                               "scores, Q5 \xe2\x88\x92 Q1 is the quintile spread");
    kt_legend_item it[KT_MAX_HORIZONS];
    char labels[KT_MAX_HORIZONS][64];
    double lo = 0, hi = 0;
    for (int h = 0; h < fd->nh; h++) {
        snprintf(labels[h], sizeof labels[h], "%dd (%d dates)", fd->in->horizons[h],
                 fd->quint_dates[h]);
        it[h] = (kt_legend_item){labels[h], style(kt_plot_palette(h), 1, 0, 1), KT_MARK_BOX};
        range_of(fd->quint[h], 5, &lo, &hi);
    }
    top += kt_plot_legend(cr, 20, top, w - 40, it, fd->nh) + 6;
    static const char *const ql[5] = {"Q1 (lowest scores)", "Q2", "Q3", "Q4",
                                      "Q5 (highest scores)"};
    kt_ticks xt, yt;
    kt_ticks_categories(&xt, ql, 5, 5);
    double pad = (hi - lo) * 0.06; /* room for the value labels */
    value_axis(&yt, lo - (lo < 0 ? pad : 0), hi + (hi > 0 ? pad : 0), 8, 100);
    kt_axes a;
    kt_axes_panel(&a, cr, 0, top, w, hgt - top - 4, NULL, &xt, "score quintile (by date)", &yt,
                  fd->in->excess ? "mean excess return over the horizon (%)"
                                 : "mean return over the horizon (%)");
    double gw = 0.78, bw = gw / (fd->nh ? fd->nh : 1);
    for (int h = 0; h < fd->nh; h++) {
        kt_rgb c = kt_plot_palette(h);
        for (int k = 0; k < 5; k++) {
            double v = fd->quint[h][k];
            if (!isfinite(v))
                continue;
            double x0 = k - gw / 2 + h * bw;
            kt_axes_rect(&a, x0 + bw * 0.06, 0, x0 + bw * 0.94, v, c, 1, NULL);
            double px = kt_axes_x(&a, x0 + bw / 2), pxw = kt_axes_x(&a, bw) - kt_axes_x(&a, 0);
            if (pxw >= 40) {
                char b[32];
                num(b, sizeof b, v * 100, 2, "%");
                double py = kt_axes_y(&a, v);
                kt_plot_text(cr, px, v >= 0 ? py - 4 : py + 4, b, 11, 0, 0.5, v >= 0 ? 1 : 0, INK);
            }
        }
    }
    kt_style zero = style(INK, 1, 0, 1);
    kt_axes_hline(&a, 0, &zero);
}

/* ---- 6. cumulative net long-short return by cost scenario ------------------ */

static kt_rgb scenario_colour(int sc)
{
    static const int pal[KT_N_COST_SCENARIOS] = {6, 0, 2, 4, 1};
    return kt_plot_palette(pal[sc]);
}

static void draw_net(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    (void)hgt;
    char sub[256], aum[48];
    thousands(aum, sizeof aum, fd->in->aum);
    snprintf(sub, sizeof sub,
             "quintile long-short book of h overlapping tranches: sum over dates of the net spread "
             "/ h; base cost %g bps, AUM %s USD",
             fd->in->cost_bps, aum);
    double top = kt_plot_title(cr, w, "Cumulative net long-short return by cost scenario", sub);
    kt_legend_item it[KT_N_COST_SCENARIOS];
    for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++)
        it[sc] = (kt_legend_item){kt_cost_scenario_name(sc),
                                  style(scenario_colour(sc), sc ? 1.9 : 2.4,
                                        sc ? KT_DASH_SOLID : KT_DASH_DASHED, 1),
                                  KT_MARK_LINE};
    top += kt_plot_legend(cr, 20, top, w - 40, it, KT_N_COST_SCENARIOS) + 6;
    kt_ticks xt;
    date_axis(fd, &xt);
    for (int h = 0; h < fd->nh; h++) {
        const double *base = fd->net + (size_t)h * KT_N_COST_SCENARIOS * fd->nd;
        double lo = INFINITY, hi = -INFINITY;
        range_of(base, KT_N_COST_SCENARIOS * fd->nd, &lo, &hi);
        kt_axes a;
        horizon_panel(&a, cr, fd, top, w, h, &xt, lo, hi, 100, "cumulative return (%)", 0);
        if (!isfinite(lo)) {
            no_data(&a, "no date with quintile legs at this horizon");
            continue;
        }
        /* gross last (dashed, on top): the costs are the gaps below it */
        for (int sc = KT_N_COST_SCENARIOS - 1; sc >= 0; sc--)
            kt_axes_line(&a, fd->day, base + (size_t)sc * fd->nd, fd->nd, &it[sc].style);
    }
}

/* ---- 7. churn over time ------------------------------------------------------ */

static void draw_churn_ts(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    /* a long run: every pair would be a solid band; the median per fold
     * over the pairs (top 20, thin) shows the level and the trend */
    int dense = fd->nd > DENSE_DATES;
    double top = kt_plot_title(cr, w, "Churn of the top K between consecutive dates",
                               dense ? "share of the top K replaced between consecutive "
                                       "dates of a fold; lines: median per fold, thin: each "
                                       "pair (top 20)"
                                     : "share of the K best-scored names replaced from one "
                                       "evaluation date to the next within a fold");
    kt_legend_item it[KT_MAX_HORIZONS * 2 + 1];
    char labels[KT_MAX_HORIZONS * 2][64];
    int n = 0;
    for (int h = 0; h < fd->nh; h++)
        for (int k = 1; k >= 0; k--) {
            snprintf(labels[n], sizeof labels[n], "%dd top %d%s%s", fd->in->horizons[h],
                     k ? 20 : 10, dense ? " (fold median)" : "",
                     fd->cn[h][k] ? "" : " (no pairs)");
            it[n] = (kt_legend_item){labels[n],
                                     style(kt_plot_palette(h), k ? 2.2 : 1.4,
                                           k ? KT_DASH_SOLID : KT_DASH_DASHED, k ? 1 : 0.85),
                                     KT_MARK_LINE};
            n++;
        }
    it[n++] = (kt_legend_item){"gate 3 limit (top 20): 0.30", style(INK, 1.6, KT_DASH_DOTTED, 1),
                               KT_MARK_LINE};
    top += kt_plot_legend(cr, 20, top, w - 40, it, n) + 6;
    kt_ticks xt, yt;
    date_axis(fd, &xt);
    kt_ticks_nice(&yt, 0, 1, 6, 1);
    kt_axes a;
    kt_axes_panel(&a, cr, 0, top, w, hgt - top - 4, NULL, &xt,
                  "evaluation date (the later date of each pair)", &yt,
                  "churn (share of the top K replaced)");
    fold_marks(&a, fd, 1);
    kt_axes_hline(&a, 0.30, &it[n - 1].style);
    for (int h = 0; h < fd->nh; h++)
        for (int k = 0; k < 2; k++) {
            size_t off = (size_t)h * 2 + k;
            const double *x = fd->cx + off * 2 * fd->nd, *y = fd->cy + off * 2 * fd->nd;
            const kt_style *st = &it[h * 2 + (1 - k)].style;
            if (!dense) {
                kt_axes_line(&a, x, y, fd->cn[h][k], st);
                if (k)
                    kt_axes_dots(&a, x, y, fd->cn[h][k], 2.4, kt_plot_palette(h), 1);
                continue;
            }
            if (k) {
                kt_style thin = style(kt_plot_palette(h), 0.7, 0, 0.18);
                kt_axes_line(&a, x, y, fd->cn[h][k], &thin);
            }
            kt_axes_line(&a, fd->fmx + off * fd->nd, fd->fmy + off * fd->nd, fd->fmn[h][k], st);
        }
}

/* ---- 8. churn distribution ----------------------------------------------------- */

static void draw_churn_dist(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    int kk = fd->churn_k, K = kk ? 20 : 10;
    char title[64], sub[200];
    snprintf(title, sizeof title, "Distribution of the top-%d churn", K);
    snprintf(sub, sizeof sub,
             "share of date pairs at each churn value (steps of 1/%d); dotted: gate 3 limit 0.30, "
             "dashed: 0.50 (HIGH_CHURN when the median is above)",
             K);
    double top = kt_plot_title(cr, w, title, sub);
    double share[KT_MAX_HORIZONS][21];
    double smax = 0;
    kt_legend_item it[KT_MAX_HORIZONS];
    char labels[KT_MAX_HORIZONS][64];
    memset(share, 0, sizeof share);
    for (int h = 0; h < fd->nh; h++) {
        int n = fd->in->churn_n[h][kk];
        const double *v = fd->in->churn[h][kk];
        for (int i = 0; i < n; i++) {
            int b = (int)lround(v[i] * K);
            b = b < 0 ? 0 : b > K ? K : b;
            share[h][b] += 1.0 / n;
        }
        for (int b = 0; b <= K; b++)
            smax = fmax(smax, share[h][b]);
        snprintf(labels[h], sizeof labels[h], "%dd: median %.2f, %d pairs", fd->in->horizons[h],
                 n ? kt_metrics_median(v, n) : NAN, n);
        it[h] = (kt_legend_item){labels[h], style(kt_plot_palette(h), 1, 0, 1), KT_MARK_BOX};
    }
    top += kt_plot_legend(cr, 20, top, w - 40, it, fd->nh) + 6;
    kt_ticks xt, yt;
    kt_ticks_nice(&xt, 0, 1, 11, 1);
    double half = 0.5 / K;
    xt.lo = -half * 1.2;
    xt.hi = 1 + half * 1.2;
    value_axis(&yt, 0, smax * 1.08, 7, 100);
    kt_axes a;
    char xlabel[96];
    snprintf(xlabel, sizeof xlabel, "churn between consecutive dates (share of the top %d replaced)",
             K);
    kt_axes_panel(&a, cr, 0, top, w, hgt - top - 4, NULL, &xt, xlabel, &yt, "date pairs (%)");
    double gw = 2 * half * 0.84, bw = gw / (fd->nh ? fd->nh : 1);
    for (int h = 0; h < fd->nh; h++)
        for (int b = 0; b <= K; b++)
            if (share[h][b] > 0) {
                double x0 = (double)b / K - gw / 2 + h * bw;
                kt_axes_rect(&a, x0, 0, x0 + bw, share[h][b], kt_plot_palette(h), 1, NULL);
            }
    kt_style gate = style(INK, 1.6, KT_DASH_DOTTED, 1), high = style(INK, 1.2, KT_DASH_DASHED, 1);
    kt_axes_vline(&a, 0.30, &gate);
    kt_axes_vline(&a, 0.50, &high);
    kt_plot_text(cr, kt_axes_x(&a, 0.30) + 5, a.py + 6, "gate 3: 0.30", 11, 0, 0, 0, INK);
    kt_plot_text(cr, kt_axes_x(&a, 0.50) + 5, a.py + 6, "HIGH_CHURN: 0.50", 11, 0, 0, 0, INK);
}

/* ---- 9. reliability of p_up (S >= 2) --------------------------------------------- */

#define REL_ROW_H 300

long kt_fig_prob_data(const kt_fig_input *in, int h, kt_fig_prob *out)
{
    memset(out, 0, sizeof *out);
    kt_prob_counts c;
    out->n = kt_prob_counts_of(in->dates, in->nd, h, &c);
    out->hv_n = c.hv_n;
    for (int k = 0; k < KT_REL_BINS; k++) {
        out->rel_n[k] = c.rel.n[k];
        out->rel_p[k] = c.rel.n[k] ? c.rel.sum_p[k] / c.rel.n[k] : NAN;
        out->rel_up[k] = c.rel.n[k] ? (double)c.rel.ups[k] / c.rel.n[k] : NAN;
    }
    out->hv_up = c.hv_n ? (double)c.hv_ups / c.hv_n : NAN;
    for (int k = 0; k < KT_PIT_BINS; k++) {
        out->pit[k] = c.n ? (double)KT_PIT_BINS * c.pit[k] / c.n : NAN;
        out->pit_hv[k] = c.hv_n ? (double)KT_PIT_BINS * c.pit_hv[k] / c.hv_n : NAN;
    }
    return out->n;
}

static int reliability_height(int nh)
{
    return 124 + nh * REL_ROW_H;
}

static const kt_rgb KRONOS_C = {0.0, 0.447, 0.698};  /* Okabe-Ito blue */
static const kt_rgb HISTVOL_C = {0.835, 0.369, 0.0}; /* vermillion */

static void draw_reliability(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    (void)hgt;
    char sub[200];
    snprintf(sub, sizeof sub,
             "share of up moves against the mean p_up of each of %d bins (%d paths per forecast); "
             "on the diagonal: calibrated",
             KT_REL_BINS, fd->in->sample_count);
    double top = kt_plot_title(cr, w, "Reliability of p_up", sub);
    kt_legend_item it[3] = {
        {"Kronos (share of paths above the spot close)", style(KRONOS_C, 2.2, 0, 1),
         KT_MARK_LINE},
        {"HistVol20: p_up is 0.5 for every row, one point (all its rows)",
         style(HISTVOL_C, 1, 0, 1), KT_MARK_DOT},
        {"perfect calibration", style(GREY, 1.4, KT_DASH_DASHED, 1), KT_MARK_LINE},
    };
    top += kt_plot_legend(cr, 20, top, w - 40, it, 3) + 6;
    kt_ticks xt, yt;
    kt_ticks_nice(&xt, 0, 1, 11, 1);
    kt_ticks_nice(&yt, 0, 1, 6, 1);
    double lw = floor(w * 0.6);
    for (int h = 0; h < fd->nh; h++) {
        kt_fig_prob pd;
        kt_fig_prob_data(fd->in, h, &pd);
        double y = top + h * REL_ROW_H;
        char head[96];
        snprintf(head, sizeof head, "horizon %dd: %ld rows", fd->in->horizons[h], pd.n);
        kt_axes a;
        kt_axes_panel(&a, cr, 0, y, lw, REL_ROW_H, head, &xt, "mean p_up of the bin", &yt,
                      "observed share of up moves");
        double dx[2] = {0, 1}, dy[2] = {0, 1};
        kt_axes_line(&a, dx, dy, 2, &it[2].style);
        /* the bins' counts beside it */
        long nmax = 0;
        for (int k = 0; k < KT_REL_BINS; k++)
            nmax = pd.rel_n[k] > nmax ? pd.rel_n[k] : nmax;
        kt_ticks ct;
        count_axis(&ct, nmax * 1.15);
        kt_axes b;
        kt_axes_panel(&b, cr, lw, y, w - lw, REL_ROW_H, "rows per p_up bin", &xt, "p_up bin", &ct,
                      "rows");
        if (pd.n == 0) {
            no_data(&a, "no row with a realised return at this horizon");
            continue;
        }
        /* a line through empty bins would break: connect the bins with rows */
        double px[KT_REL_BINS], py[KT_REL_BINS];
        int m = 0;
        for (int k = 0; k < KT_REL_BINS; k++)
            if (pd.rel_n[k]) {
                px[m] = pd.rel_p[k];
                py[m] = pd.rel_up[k];
                m++;
            }
        kt_axes_line(&a, px, py, m, &it[0].style);
        kt_axes_dots(&a, px, py, m, 4, KRONOS_C, 1);
        if (pd.hv_n) {
            double hx = 0.5, hy = pd.hv_up;
            kt_axes_dots(&a, &hx, &hy, 1, 6, HISTVOL_C, 1);
        }
        double bw = kt_axes_x(&b, 0.1) - kt_axes_x(&b, 0);
        for (int k = 0; k < KT_REL_BINS; k++) {
            if (!pd.rel_n[k])
                continue;
            kt_axes_rect(&b, k / 10.0 + 0.012, 0, (k + 1) / 10.0 - 0.012, (double)pd.rel_n[k],
                         KRONOS_C, 0.85, NULL);
            if (bw >= 22) {
                char c[24];
                snprintf(c, sizeof c, "%ld", pd.rel_n[k]);
                kt_plot_text(cr, kt_axes_x(&b, (k + 0.5) / 10.0), kt_axes_y(&b, pd.rel_n[k]) - 3,
                             c, 10.5, 0, 0.5, 1, INK);
            }
        }
    }
}

/* ---- 10. PIT histogram (S >= 2) ---------------------------------------------------- */

static void draw_pit(cairo_t *cr, double w, double hgt, const void *ctx)
{
    const figdata *fd = ctx;
    (void)hgt;
    char sub[200];
    snprintf(sub, sizeof sub,
             "PIT = share of the %d paths at or below the realised return (HistVol20: its Gaussian "
             "CDF); density per bin, calibrated: 1.0 in each",
             fd->in->sample_count);
    double top = kt_plot_title(cr, w, "PIT histogram", sub);
    kt_legend_item it[3] = {
        {"Kronos (sampled paths)", style(KRONOS_C, 1, 0, 1), KT_MARK_BOX},
        {"HistVol20 (zero-drift Gaussian, trailing 20-day volatility)", style(HISTVOL_C, 1, 0, 1),
         KT_MARK_BOX},
        {"uniform density 1.0", style(INK, 1.4, KT_DASH_DASHED, 1), KT_MARK_LINE},
    };
    top += kt_plot_legend(cr, 20, top, w - 40, it, 3) + 6;
    kt_ticks xt;
    kt_ticks_nice(&xt, 0, 1, 11, 1);
    for (int h = 0; h < fd->nh; h++) {
        kt_fig_prob pd;
        kt_fig_prob_data(fd->in, h, &pd);
        double hi = 1;
        for (int k = 0; k < KT_PIT_BINS; k++) {
            if (isfinite(pd.pit[k]))
                hi = fmax(hi, pd.pit[k]);
            if (isfinite(pd.pit_hv[k]))
                hi = fmax(hi, pd.pit_hv[k]);
        }
        kt_ticks yt;
        kt_ticks_nice(&yt, 0, hi * 1.08, 6, 1);
        char head[128];
        snprintf(head, sizeof head, "horizon %dd: Kronos %ld rows, HistVol20 %ld rows",
                 fd->in->horizons[h], pd.n, pd.hv_n);
        kt_axes a;
        kt_axes_panel(&a, cr, 0, panel_y(top, h), w, PANEL_H, head, &xt,
                      h == fd->nh - 1 ? "PIT (probability integral transform)" : NULL, &yt,
                      "density");
        if (pd.n == 0) {
            no_data(&a, "no row with a realised return at this horizon");
            continue;
        }
        for (int k = 0; k < KT_PIT_BINS; k++) {
            double x0 = (double)k / KT_PIT_BINS, bw = 1.0 / KT_PIT_BINS;
            if (isfinite(pd.pit[k]))
                kt_axes_rect(&a, x0 + bw * 0.08, 0, x0 + bw * 0.5, pd.pit[k], KRONOS_C, 0.9, NULL);
            if (isfinite(pd.pit_hv[k]))
                kt_axes_rect(&a, x0 + bw * 0.5, 0, x0 + bw * 0.92, pd.pit_hv[k], HISTVOL_C, 0.9,
                             NULL);
        }
        kt_axes_hline(&a, 1.0, &it[2].style);
    }
}

/* ---- writing ----------------------------------------------------------------- */

static void figdata_free(figdata *fd)
{
    free(fd->day);
    free(fd->roll);
    free(fd->lx);
    free(fd->ly);
    free(fd->cum);
    free(fd->mon);
    free(fd->heat);
    free(fd->net);
    free(fd->cx);
    free(fd->cy);
    free(fd->fmx);
    free(fd->fmy);
}

/* 0 ok, -1 out of memory; *has: which kinds of data exist. */
static int figdata_init(figdata *fd, const kt_fig_input *in, int *has_ric, int *has_legs,
                        int *has_churn)
{
    memset(fd, 0, sizeof *fd);
    fd->in = in;
    fd->nd = in->nd;
    fd->nh = in->nh;
    size_t nd = (size_t)in->nd, nh = (size_t)in->nh;
    fd->day = calloc(nd, sizeof *fd->day);
    fd->roll = calloc(nd * nh, sizeof *fd->roll);
    fd->lx = calloc(nd * 2, sizeof *fd->lx);
    fd->ly = calloc(nd * nh * 2, sizeof *fd->ly);
    fd->cum = calloc(nd * nh * 3, sizeof *fd->cum);
    fd->mon = calloc(nd, sizeof *fd->mon);
    fd->heat = calloc(nd * nh, sizeof *fd->heat);
    fd->net = calloc(nd * nh * KT_N_COST_SCENARIOS, sizeof *fd->net);
    fd->cx = calloc(nd * nh * 4, sizeof *fd->cx);
    fd->cy = calloc(nd * nh * 4, sizeof *fd->cy);
    fd->fmx = calloc(nd * nh * 2, sizeof *fd->fmx);
    fd->fmy = calloc(nd * nh * 2, sizeof *fd->fmy);
    double *scratch = calloc(nd + ROLL_WINDOW, sizeof *scratch);
    int *mon_of = calloc(nd, sizeof *mon_of);
    int rc = -1;
    if (!fd->day || !fd->roll || !fd->lx || !fd->ly || !fd->cum || !fd->mon || !fd->heat || !fd->net || !fd->cx ||
        !fd->cy || !fd->fmx || !fd->fmy || !scratch || !mon_of)
        goto out;
    for (int d = 0; d < in->nd; d++) {
        kt_time t = 0;
        kt_time_parse(in->dates[d].date, &t);
        fd->day[d] = (double)t / 86400.0;
    }
    double span = fd->day[in->nd - 1] - fd->day[0];
    double pad = span * 0.02 > 1 ? span * 0.02 : 1;
    fd->xlo = fd->day[0] - pad;
    fd->xhi = fd->day[in->nd - 1] + pad;
    *has_ric = 0;
    for (size_t i = 0; i < nd * nh; i++)
        *has_ric |= isfinite(in->rankic[i]) != 0;
    prep_rolling(fd, scratch);
    prep_ric_lines(fd);
    prep_cumulative(fd);
    prep_months(fd, mon_of);
    if (prep_quintiles(fd) != 0)
        goto out;
    *has_legs = prep_net(fd);
    *has_churn = prep_churn(fd);
    rc = 0;
out:
    free(scratch);
    free(mon_of);
    return rc;
}

static void remove_figure(const char *dir, const char *name)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s.png", dir, name);
    unlink(path);
    snprintf(path, sizeof path, "%s/%s.svg", dir, name);
    unlink(path);
}

int kt_figures_write(const char *run_dir, const kt_fig_input *in,
                     kt_figure_state state[KT_N_FIGURES], char *err, size_t errlen)
{
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/figures", run_dir);
    if (in->nd <= 0 || in->nh <= 0) {
        for (int f = 0; f < KT_N_FIGURES; f++) {
            state[f] = KT_FIGURE_NO_ROWS;
            remove_figure(dir, names[f]);
        }
        return 0;
    }
    figdata fd;
    int has_ric = 0, has_legs = 0, has_churn = 0;
    if (figdata_init(&fd, in, &has_ric, &has_legs, &has_churn) != 0) {
        figdata_free(&fd);
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    int has_quint = 0;
    for (int h = 0; h < in->nh; h++)
        has_quint |= fd.quint_dates[h] > 0;
    kt_figure_state has_prob = in->sample_count < 2 ? KT_FIGURE_NO_PATHS : KT_FIGURE_NO_OUTCOMES;
    for (int h = 0; h < in->nh && has_prob != KT_FIGURE_NO_PATHS; h++) {
        kt_fig_prob pd;
        if (kt_fig_prob_data(in, h, &pd) > 0)
            has_prob = KT_FIGURE_DRAWN;
    }
    static const struct {
        kt_plot_draw_fn fn;
        int stacked; /* one panel per horizon */
    } figs[KT_N_FIGURES] = {
        {draw_ic_decay, 1},  {draw_cumulative_rankic, 0}, {draw_heatmap, 0},
        {draw_histogram, 0}, {draw_quintiles, 0},         {draw_net, 1},
        {draw_churn_ts, 0},  {draw_churn_dist, 0},         {draw_reliability, 0},
        {draw_pit, 1},
    };
    kt_figure_state why[KT_N_FIGURES] = {
        has_ric ? KT_FIGURE_DRAWN : KT_FIGURE_NO_RANKIC,
        has_ric ? KT_FIGURE_DRAWN : KT_FIGURE_NO_RANKIC,
        has_ric ? KT_FIGURE_DRAWN : KT_FIGURE_NO_RANKIC,
        has_ric ? KT_FIGURE_DRAWN : KT_FIGURE_NO_RANKIC,
        has_quint ? KT_FIGURE_DRAWN : KT_FIGURE_NO_LEGS,
        has_legs ? KT_FIGURE_DRAWN : KT_FIGURE_NO_LEGS,
        has_churn ? KT_FIGURE_DRAWN : KT_FIGURE_NO_CHURN,
        has_churn ? KT_FIGURE_DRAWN : KT_FIGURE_NO_CHURN,
        has_prob,
        has_prob,
    };
    int rc = 0, any = 0;
    for (int f = 0; f < KT_N_FIGURES; f++)
        any |= why[f] == KT_FIGURE_DRAWN;
    if (any && mkdir(dir, 0777) != 0 && errno != EEXIST) {
        snprintf(err, errlen, _("%s: cannot write: %s"), dir, strerror(errno));
        rc = -1;
    }
    for (int f = 0; f < KT_N_FIGURES && rc == 0; f++) {
        state[f] = why[f];
        if (why[f] != KT_FIGURE_DRAWN) {
            remove_figure(dir, names[f]);
            continue;
        }
        int h = figs[f].stacked                 ? stacked_height(in->nh)
                : f == KT_FIG_MONTHLY_RANKIC_HEATMAP ? heatmap_height(in->nh)
                : f == KT_FIG_RELIABILITY            ? reliability_height(in->nh)
                                                     : 560;
        if (kt_plot_write(dir, names[f], FIG_W, h, figs[f].fn, &fd, err, errlen) != 0)
            rc = -1;
    }
    figdata_free(&fd);
    return rc;
}
