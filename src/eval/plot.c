/* plot.c: the plotting layer on cairo. See plot.h. */
#include "config.h"

#include "eval/plot.h"

#include <cairo-svg.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/civil.h"
#include "base/i18n.h"
#include "eval/report.h"

#define FONT "DejaVu Sans"
#define TICK_FONT 12.0
#define LABEL_FONT 13.0
#define CAP_HEIGHT 0.73 /* of the font size, DejaVu Sans */

static const kt_rgb INK = {0.13, 0.13, 0.13};
static const kt_rgb MUTED = {0.38, 0.38, 0.38};
static const kt_rgb GRID = {0.89, 0.89, 0.89};
static const kt_rgb FRAME = {0.55, 0.55, 0.55};

/* ---- ticks -------------------------------------------------------------- */

/* A label of v with dec decimals, U+2212 for minus, never "-0". */
static void num_label(char *buf, size_t n, double v, int dec)
{
    char tmp[32];
    snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    int zero = 1;
    for (const char *p = tmp; *p; p++)
        if (*p >= '1' && *p <= '9')
            zero = 0;
    if (tmp[0] == '-' && !zero)
        snprintf(buf, n, "\xe2\x88\x92%.19s", tmp + 1);
    else
        snprintf(buf, n, "%.20s", tmp[0] == '-' ? tmp + 1 : tmp);
}

int kt_ticks_nice(kt_ticks *t, double lo, double hi, int max_ticks, double label_scale)
{
    static const double mant[4] = {1, 2, 2.5, 5};
    memset(t, 0, sizeof *t);
    if (max_ticks < 3) /* a range across 0 needs three */
        max_ticks = 3;
    if (max_ticks > KT_PLOT_MAX_TICKS)
        max_ticks = KT_PLOT_MAX_TICKS;
    if (!(label_scale > 0))
        label_scale = 1;
    if (!isfinite(lo) || !isfinite(hi)) {
        lo = 0;
        hi = 1;
    }
    if (lo > hi) {
        double x = lo;
        lo = hi;
        hi = x;
    }
    if (hi - lo <= 1e-12 * fmax(fabs(lo), fabs(hi))) {
        lo -= 0.5;
        hi += 0.5;
    }
    double raw = (hi - lo) / (max_ticks - 1);
    double mag = pow(10, floor(log10(raw)));
    for (int e = 0; e < 4; e++, mag *= 10)
        for (int m = 0; m < 4; m++) {
            double step = mant[m] * mag;
            /* tolerance for lo/step landing a rounding error off an integer */
            double a = floor(lo / step + 1e-9), b = ceil(hi / step - 1e-9);
            if (b - a + 1 > max_ticks && !(e == 3 && m == 3))
                continue;
            /* the last candidate, 5000 x raw, always fits */
            int count = b - a + 1 > max_ticks ? max_ticks : (int)(b - a) + 1;
            t->n = count;
            t->step = step;
            t->lo = a * step;
            t->hi = b * step;
            /* decimals of the scaled step: 0.25 -> 2, 0.5 -> 1, 2.5 -> 1, 20 -> 0 */
            double ss = step * label_scale;
            int k = (int)floor(log10(ss) + 1e-9);
            double mm = ss / pow(10, k);
            int dec = -k + (fabs(mm - 2.5) < 1e-6 ? 1 : 0);
            if (dec < 0)
                dec = 0;
            for (int i = 0; i < count; i++) {
                t->v[i] = (a + i) * step;
                num_label(t->label[i], sizeof t->label[i], t->v[i] * label_scale, dec);
            }
            return t->n;
        }
    return t->n;
}

enum { STEP_DAY, STEP_WEEK, STEP_MONTH, STEP_YEAR };

/* Ticks of one calendar step in [lo, hi]; stores at most cap, returns
 * how many there are. */
static int date_ticks(int kind, int k, double lo, double hi, double *out, int cap)
{
    int n = 0;
    int64_t z0 = (int64_t)ceil(lo), z1 = (int64_t)floor(hi);
    if (kind == STEP_DAY || kind == STEP_WEEK) {
        for (int64_t z = z0; z <= z1; z++) {
            int ok;
            if (kind == STEP_DAY)
                ok = ((z % k) + k) % k == 0;
            else /* Mondays; every second one counted from 1970-01-05 */
                ok = kt_weekday(z) == 0 && (((z - 4) / 7) % k) == 0;
            if (ok) {
                if (n < cap)
                    out[n] = (double)z;
                n++;
            }
        }
        return n;
    }
    int y, m, d;
    kt_civil_from_days(z0, &y, &m, &d);
    if (kind == STEP_YEAR)
        m = 1;
    for (;;) {
        int64_t z = kt_days_from_civil(y, m, 1);
        if (z > z1)
            break;
        int ok = kind == STEP_MONTH ? (m - 1) % k == 0 : (((y % k) + k) % k == 0);
        if (z >= z0 && ok) {
            if (n < cap)
                out[n] = (double)z;
            n++;
        }
        if (kind == STEP_YEAR) {
            y++;
        } else if (++m > 12) {
            m = 1;
            y++;
        }
    }
    return n;
}

int kt_ticks_dates(kt_ticks *t, double lo, double hi, int max_ticks)
{
    static const struct {
        int kind, k;
        double days;
    } steps[] = {
        {STEP_DAY, 1, 1},     {STEP_DAY, 2, 2},        {STEP_WEEK, 1, 7},
        {STEP_WEEK, 2, 14},   {STEP_MONTH, 1, 30.44},  {STEP_MONTH, 2, 60.88},
        {STEP_MONTH, 3, 91.31}, {STEP_MONTH, 6, 182.6}, {STEP_YEAR, 1, 365.25},
        {STEP_YEAR, 2, 730.5}, {STEP_YEAR, 5, 1826},   {STEP_YEAR, 10, 3652},
        {STEP_YEAR, 20, 7305}, {STEP_YEAR, 50, 18262},
    };
    const int ns = (int)(sizeof steps / sizeof steps[0]);
    memset(t, 0, sizeof *t);
    if (max_ticks < 1)
        max_ticks = 1;
    if (max_ticks > KT_PLOT_MAX_TICKS)
        max_ticks = KT_PLOT_MAX_TICKS;
    if (!isfinite(lo) || !isfinite(hi) || hi < lo)
        lo = hi = 0;
    t->lo = lo;
    t->hi = hi;
    int s = 0;
    while (s < ns - 1 && date_ticks(steps[s].kind, steps[s].k, lo, hi, NULL, 0) > max_ticks)
        s++;
    t->step = steps[s].days;
    t->n = date_ticks(steps[s].kind, steps[s].k, lo, hi, t->v, max_ticks);
    if (t->n > max_ticks)
        t->n = max_ticks;
    if (t->n == 0) { /* a range inside one day: one tick at its start */
        t->v[0] = lo;
        t->n = 1;
    }
    for (int i = 0; i < t->n; i++) {
        int y, m, d;
        kt_civil_from_days((int64_t)floor(t->v[i]), &y, &m, &d);
        if (steps[s].kind == STEP_YEAR)
            snprintf(t->label[i], sizeof t->label[i], "%04d", y);
        else if (steps[s].kind == STEP_MONTH)
            snprintf(t->label[i], sizeof t->label[i], "%04d-%02d", y, m);
        else
            snprintf(t->label[i], sizeof t->label[i], "%04d-%02d-%02d", y, m, d);
    }
    return t->n;
}

int kt_ticks_categories(kt_ticks *t, const char *const *labels, int n, int max_ticks)
{
    memset(t, 0, sizeof *t);
    if (max_ticks < 1)
        max_ticks = 1;
    if (max_ticks > KT_PLOT_MAX_TICKS)
        max_ticks = KT_PLOT_MAX_TICKS;
    t->lo = -0.5;
    t->hi = n > 0 ? n - 0.5 : 0.5;
    t->step = 1;
    int every = n > max_ticks ? (n + max_ticks - 1) / max_ticks : 1;
    for (int i = 0; i < n && t->n < max_ticks; i += every) {
        t->v[t->n] = i;
        snprintf(t->label[t->n], sizeof t->label[t->n], "%s", labels[i]);
        t->n++;
    }
    return t->n;
}

/* ---- colours and text --------------------------------------------------- */

kt_rgb kt_plot_palette(int i)
{
    /* Okabe-Ito: blue, vermillion, bluish green, reddish purple, orange,
     * sky blue, black */
    static const kt_rgb p[7] = {
        {0.000, 0.447, 0.698}, {0.835, 0.369, 0.000}, {0.000, 0.620, 0.451},
        {0.800, 0.475, 0.655}, {0.902, 0.624, 0.000}, {0.337, 0.706, 0.914},
        {0.000, 0.000, 0.000},
    };
    return p[((i % 7) + 7) % 7];
}

kt_rgb kt_plot_diverging(double v)
{
    static const kt_rgb neg = {0.698, 0.094, 0.169}, mid = {0.969, 0.969, 0.969},
                        pos = {0.129, 0.400, 0.675};
    if (!isfinite(v))
        return (kt_rgb){0.85, 0.85, 0.85};
    v = v < -1 ? -1 : v > 1 ? 1 : v;
    const kt_rgb *e = v < 0 ? &neg : &pos;
    double a = fabs(v);
    return (kt_rgb){mid.r + (e->r - mid.r) * a, mid.g + (e->g - mid.g) * a,
                    mid.b + (e->b - mid.b) * a};
}

static void set_font(cairo_t *cr, double size, int bold)
{
    cairo_select_font_face(cr, FONT, CAIRO_FONT_SLANT_NORMAL,
                           bold ? CAIRO_FONT_WEIGHT_BOLD : CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size(cr, size);
}

static void set_rgb(cairo_t *cr, kt_rgb c, double alpha)
{
    cairo_set_source_rgba(cr, c.r, c.g, c.b, alpha > 0 ? alpha : 1);
}

double kt_plot_text_width(cairo_t *cr, const char *s, double size, int bold)
{
    cairo_text_extents_t te;
    set_font(cr, size, bold);
    cairo_text_extents(cr, s, &te);
    return te.x_advance;
}

double kt_plot_text(cairo_t *cr, double x, double y, const char *s, double size, int bold,
                    double ha, double va, kt_rgb c)
{
    double w = kt_plot_text_width(cr, s, size, bold);
    double cap = CAP_HEIGHT * size;
    set_rgb(cr, c, 1);
    cairo_move_to(cr, x - ha * w, y + cap * (1 - va));
    cairo_show_text(cr, s);
    cairo_new_path(cr);
    return w;
}

void kt_plot_text_vertical(cairo_t *cr, double x, double y, const char *s, double size, kt_rgb c)
{
    cairo_save(cr);
    cairo_translate(cr, x, y);
    cairo_rotate(cr, -M_PI / 2);
    kt_plot_text(cr, 0, 0, s, size, 0, 0.5, 0.5, c);
    cairo_restore(cr);
}

double kt_plot_title(cairo_t *cr, double width, const char *title, const char *subtitle)
{
    (void)width;
    double y = 16;
    kt_plot_text(cr, 20, y, title, 18, 1, 0, 0, INK);
    y += 18 * CAP_HEIGHT + 10;
    if (subtitle && subtitle[0]) {
        kt_plot_text(cr, 20, y, subtitle, 12.5, 0, 0, 0, MUTED);
        y += 12.5 * CAP_HEIGHT + 10;
    }
    return y + 4;
}

/* ---- lines -------------------------------------------------------------- */

static void set_style(cairo_t *cr, const kt_style *s)
{
    double w = s->width > 0 ? s->width : 1;
    cairo_set_line_width(cr, w);
    cairo_set_line_join(cr, CAIRO_LINE_JOIN_ROUND);
    cairo_set_line_cap(cr, s->dash == KT_DASH_DOTTED ? CAIRO_LINE_CAP_ROUND : CAIRO_LINE_CAP_BUTT);
    static const double dashed[2] = {7, 4}, dashdot[4] = {8, 3, 1.5, 3}, dotted[2] = {0.1, 3.5};
    double d[4];
    int n = 0;
    const double *src = NULL;
    switch (s->dash) {
    case KT_DASH_DASHED: src = dashed, n = 2; break;
    case KT_DASH_DASHDOT: src = dashdot, n = 4; break;
    case KT_DASH_DOTTED: src = dotted, n = 2; break;
    default: break;
    }
    /* dashes grow with thick lines so they stay readable */
    double k = w > 1.5 ? w / 1.5 : 1;
    for (int i = 0; i < n; i++)
        d[i] = src[i] * (s->dash == KT_DASH_DOTTED && i == 0 ? 1 : k);
    cairo_set_dash(cr, d, n, 0);
    set_rgb(cr, s->c, s->alpha);
}

double kt_plot_legend(cairo_t *cr, double x, double y, double maxw, const kt_legend_item *it,
                      int n)
{
    const double fs = 12, row = 20, sample = 28;
    double cx = x, cy = y;
    for (int i = 0; i < n; i++) {
        double w = sample + 6 + kt_plot_text_width(cr, it[i].label, fs, 0);
        if (cx > x && cx + w > x + maxw) {
            cx = x;
            cy += row;
        }
        double mid = cy + row / 2;
        cairo_save(cr);
        if (it[i].mark == KT_MARK_BOX) {
            set_rgb(cr, it[i].style.c, it[i].style.alpha);
            cairo_rectangle(cr, cx + 6, mid - 6, sample - 12, 12);
            cairo_fill(cr);
        } else if (it[i].mark == KT_MARK_DOT) {
            set_rgb(cr, it[i].style.c, it[i].style.alpha);
            cairo_arc(cr, cx + sample / 2, mid, 3.5, 0, 2 * M_PI);
            cairo_fill(cr);
        } else {
            set_style(cr, &it[i].style);
            cairo_move_to(cr, cx + 1, mid);
            cairo_line_to(cr, cx + sample - 1, mid);
            cairo_stroke(cr);
        }
        cairo_restore(cr);
        kt_plot_text(cr, cx + sample + 6, mid, it[i].label, fs, 0, 0, 0.5, INK);
        cx += w + 18;
    }
    return n ? cy - y + row : 0;
}

/* ---- axes --------------------------------------------------------------- */

double kt_axes_x(const kt_axes *a, double x)
{
    double span = a->x1 - a->x0;
    return a->px + (span > 0 ? (x - a->x0) / span : 0.5) * a->pw;
}

double kt_axes_y(const kt_axes *a, double y)
{
    double span = a->y1 - a->y0;
    return a->py + a->ph - (span > 0 ? (y - a->y0) / span : 0.5) * a->ph;
}

/* Crisp 1 px lines: pixel centres. */
static double crisp(double v)
{
    return floor(v) + 0.5;
}

void kt_axes_panel(kt_axes *a, cairo_t *cr, double x, double y, double w, double h,
                   const char *heading, const kt_ticks *xt, const char *xlabel, const kt_ticks *yt,
                   const char *ylabel)
{
    double maxw = 40; /* panels stacked with usual labels line up */
    for (int i = 0; i < yt->n; i++) {
        double tw = kt_plot_text_width(cr, yt->label[i], TICK_FONT, 0);
        maxw = tw > maxw ? tw : maxw;
    }
    a->cr = cr;
    a->px = x + (ylabel && ylabel[0] ? 24 : 2) + maxw + 10;
    a->py = y + (heading && heading[0] ? 24 : 8);
    a->pw = x + w - 24 - a->px;
    a->ph = y + h - (xlabel && xlabel[0] ? 44 : 24) - a->py;
    a->x0 = xt->lo;
    a->x1 = xt->hi;
    a->y0 = yt->lo;
    a->y1 = yt->hi;
    if (heading && heading[0])
        kt_plot_text(cr, a->px, y + 4, heading, LABEL_FONT, 1, 0, 0, INK);

    cairo_save(cr);
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_rectangle(cr, a->px, a->py, a->pw, a->ph);
    cairo_fill(cr);
    cairo_set_line_width(cr, 1);
    cairo_set_dash(cr, NULL, 0, 0);
    set_rgb(cr, GRID, 1);
    for (int i = 0; i < xt->n; i++) {
        double px = crisp(kt_axes_x(a, xt->v[i]));
        if (px < a->px || px > a->px + a->pw)
            continue;
        cairo_move_to(cr, px, a->py);
        cairo_line_to(cr, px, a->py + a->ph);
    }
    for (int i = 0; i < yt->n; i++) {
        double py = crisp(kt_axes_y(a, yt->v[i]));
        if (py < a->py || py > a->py + a->ph)
            continue;
        cairo_move_to(cr, a->px, py);
        cairo_line_to(cr, a->px + a->pw, py);
    }
    cairo_stroke(cr);
    /* frame and tick marks */
    set_rgb(cr, FRAME, 1);
    cairo_rectangle(cr, crisp(a->px), crisp(a->py), floor(a->pw), floor(a->ph));
    for (int i = 0; i < xt->n; i++) {
        double px = crisp(kt_axes_x(a, xt->v[i]));
        if (px < a->px || px > a->px + a->pw)
            continue;
        cairo_move_to(cr, px, a->py + a->ph);
        cairo_line_to(cr, px, a->py + a->ph + 5);
    }
    for (int i = 0; i < yt->n; i++) {
        double py = crisp(kt_axes_y(a, yt->v[i]));
        if (py < a->py || py > a->py + a->ph)
            continue;
        cairo_move_to(cr, a->px - 5, py);
        cairo_line_to(cr, a->px, py);
    }
    cairo_stroke(cr);
    cairo_restore(cr);

    /* tick labels: x labels stay inside the frame and skip overlaps */
    double last = -1e9;
    for (int i = 0; i < xt->n; i++) {
        double px = kt_axes_x(a, xt->v[i]);
        if (px < a->px - 0.5 || px > a->px + a->pw + 0.5)
            continue;
        double tw = kt_plot_text_width(cr, xt->label[i], TICK_FONT, 0);
        double cx = px;
        if (cx + tw / 2 > x + w - 2)
            cx = x + w - 2 - tw / 2;
        if (cx - tw / 2 < last + 8)
            continue;
        kt_plot_text(cr, cx, a->py + a->ph + 9, xt->label[i], TICK_FONT, 0, 0.5, 0, MUTED);
        last = cx + tw / 2;
    }
    last = 1e9;
    for (int i = 0; i < yt->n; i++) {
        double py = kt_axes_y(a, yt->v[i]);
        if (py < a->py - 0.5 || py > a->py + a->ph + 0.5)
            continue;
        if (py > last - TICK_FONT - 2)
            continue;
        kt_plot_text(cr, a->px - 8, py, yt->label[i], TICK_FONT, 0, 1, 0.5, MUTED);
        last = py;
    }
    if (xlabel && xlabel[0])
        kt_plot_text(cr, a->px + a->pw / 2, y + h - 6, xlabel, LABEL_FONT, 0, 0.5, 1, INK);
    if (ylabel && ylabel[0])
        kt_plot_text_vertical(cr, x + 10, a->py + a->ph / 2, ylabel, LABEL_FONT, INK);
}

static void clip_area(const kt_axes *a)
{
    cairo_save(a->cr);
    cairo_rectangle(a->cr, a->px, a->py, a->pw, a->ph);
    cairo_clip(a->cr);
}

void kt_axes_line(const kt_axes *a, const double *x, const double *y, int n, const kt_style *s)
{
    cairo_t *cr = a->cr;
    clip_area(a);
    set_style(cr, s);
    int run = 0;
    for (int i = 0; i <= n; i++) {
        int ok = i < n && isfinite(x[i]) && isfinite(y[i]);
        if (ok) {
            double px = kt_axes_x(a, x[i]), py = kt_axes_y(a, y[i]);
            if (run == 0)
                cairo_move_to(cr, px, py);
            else
                cairo_line_to(cr, px, py);
            run++;
            continue;
        }
        if (run == 1) { /* a lone point: a dot of the line's width */
            double px, py;
            cairo_get_current_point(cr, &px, &py);
            cairo_new_path(cr);
            cairo_arc(cr, px, py, (s->width > 0 ? s->width : 1) + 0.5, 0, 2 * M_PI);
            cairo_fill(cr);
        } else if (run > 1) {
            cairo_stroke(cr);
        }
        run = 0;
    }
    cairo_restore(cr);
}

void kt_axes_dots(const kt_axes *a, const double *x, const double *y, int n, double r, kt_rgb c,
                  double alpha)
{
    cairo_t *cr = a->cr;
    clip_area(a);
    set_rgb(cr, c, alpha);
    for (int i = 0; i < n; i++) {
        if (!isfinite(x[i]) || !isfinite(y[i]))
            continue;
        cairo_new_sub_path(cr);
        cairo_arc(cr, kt_axes_x(a, x[i]), kt_axes_y(a, y[i]), r, 0, 2 * M_PI);
    }
    cairo_fill(cr);
    cairo_restore(cr);
}

void kt_axes_rect(const kt_axes *a, double x0, double y0, double x1, double y1, kt_rgb fill,
                  double alpha, const kt_style *outline)
{
    cairo_t *cr = a->cr;
    double ax = kt_axes_x(a, x0), bx = kt_axes_x(a, x1);
    double ay = kt_axes_y(a, y0), by = kt_axes_y(a, y1);
    double l = fmin(ax, bx), r = fmax(ax, bx), t = fmin(ay, by), b = fmax(ay, by);
    clip_area(a);
    cairo_rectangle(cr, l, t, r - l, b - t);
    if (alpha >= 0) {
        set_rgb(cr, fill, alpha);
        if (outline)
            cairo_fill_preserve(cr);
        else
            cairo_fill(cr);
    }
    if (outline) {
        set_style(cr, outline);
        cairo_stroke(cr);
    }
    cairo_new_path(cr);
    cairo_restore(cr);
}

void kt_axes_hline(const kt_axes *a, double y, const kt_style *s)
{
    if (!isfinite(y) || y < fmin(a->y0, a->y1) || y > fmax(a->y0, a->y1))
        return;
    double py = kt_axes_y(a, y);
    if (s->width <= 1)
        py = crisp(py);
    clip_area(a);
    set_style(a->cr, s);
    cairo_move_to(a->cr, a->px, py);
    cairo_line_to(a->cr, a->px + a->pw, py);
    cairo_stroke(a->cr);
    cairo_restore(a->cr);
}

void kt_axes_vline(const kt_axes *a, double x, const kt_style *s)
{
    if (!isfinite(x) || x < fmin(a->x0, a->x1) || x > fmax(a->x0, a->x1))
        return;
    double px = kt_axes_x(a, x);
    if (s->width <= 1)
        px = crisp(px);
    clip_area(a);
    set_style(a->cr, s);
    cairo_move_to(a->cr, px, a->py);
    cairo_line_to(a->cr, px, a->py + a->ph);
    cairo_stroke(a->cr);
    cairo_restore(a->cr);
}

void kt_plot_colorbar(cairo_t *cr, double x, double y, double w, double h, const kt_ticks *t,
                      const char *label)
{
    double lim = fmax(fabs(t->lo), fabs(t->hi));
    if (!(t->hi > t->lo))
        return;
    if (!(lim > 0))
        lim = 1;
    cairo_save(cr);
    cairo_pattern_t *p = cairo_pattern_create_linear(0, y + h, 0, y);
    /* the map is linear on each side of 0: stops at the ends and at 0 */
    double vs[3] = {t->lo, 0, t->hi};
    for (int i = 0; i < 3; i++) {
        if (i == 1 && !(t->lo < 0 && t->hi > 0))
            continue;
        kt_rgb c = kt_plot_diverging(vs[i] / lim);
        double off = t->hi > t->lo ? (vs[i] - t->lo) / (t->hi - t->lo) : 0;
        cairo_pattern_add_color_stop_rgb(p, off, c.r, c.g, c.b);
    }
    cairo_rectangle(cr, x, y, w, h);
    cairo_set_source(cr, p);
    cairo_fill(cr);
    cairo_pattern_destroy(p);
    cairo_set_line_width(cr, 1);
    set_rgb(cr, FRAME, 1);
    cairo_rectangle(cr, crisp(x), crisp(y), floor(w), floor(h));
    for (int i = 0; i < t->n; i++) {
        double py = crisp(y + h - (t->v[i] - t->lo) / (t->hi - t->lo) * h);
        cairo_move_to(cr, x + w, py);
        cairo_line_to(cr, x + w + 4, py);
    }
    cairo_stroke(cr);
    cairo_restore(cr);
    for (int i = 0; i < t->n; i++)
        kt_plot_text(cr, x + w + 7, y + h - (t->v[i] - t->lo) / (t->hi - t->lo) * h, t->label[i],
                     TICK_FONT - 1, 0, 0, 0.5, MUTED);
    if (label && label[0])
        kt_plot_text(cr, x + w / 2, y - 8, label, TICK_FONT - 1, 0, 0.5, 1, INK);
}

/* ---- files -------------------------------------------------------------- */

static cairo_status_t to_file(void *closure, const unsigned char *data, unsigned int len)
{
    return fwrite(data, 1, len, (FILE *)closure) == len ? CAIRO_STATUS_SUCCESS
                                                        : CAIRO_STATUS_WRITE_ERROR;
}

/* Writes cairo's SVG document with its surface ids renumbered 1, 2, ...
 * in order of appearance: cairo names a surface's group "surfaceN" after
 * a process-wide counter, so the same drawing would otherwise differ with
 * the number of surfaces the process created before. Returns 0 or -1. */
static int write_svg_normalised(FILE *f, const char *s, size_t n)
{
    static const char key[] = "\"surface", href[] = "#surface";
    long map_from[64];
    int nmap = 0;
    size_t plain = 0;
    for (size_t i = 0; i + 8 < n; i++) {
        if (memcmp(s + i, key, 8) != 0 && memcmp(s + i, href, 8) != 0)
            continue;
        size_t j = i + 8;
        long v = 0;
        while (j < n && s[j] >= '0' && s[j] <= '9' && v < 100000000)
            v = v * 10 + (s[j++] - '0');
        if (j == i + 8)
            continue;
        int k = 0;
        while (k < nmap && map_from[k] != v)
            k++;
        if (k == nmap) {
            if (nmap == 64)
                continue; /* more surfaces than any figure draws: leave them */
            map_from[nmap++] = v;
        }
        fwrite(s + plain, 1, i + 8 - plain, f);
        fprintf(f, "%d", k + 1);
        plain = j;
        i = j - 1;
    }
    fwrite(s + plain, 1, n - plain, f);
    return ferror(f) ? -1 : 0;
}

static void canvas(cairo_t *cr, int w, int h, kt_plot_draw_fn fn, const void *ctx)
{
    cairo_set_source_rgb(cr, 1, 1, 1);
    cairo_paint(cr);
    fn(cr, w, h, ctx);
}

/* One file: draws on a surface writing into a temporary, commits it. */
static int write_one(const char *dir, const char *name, int svg, int w, int h,
                     kt_plot_draw_fn fn, const void *ctx, char *err, size_t errlen)
{
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/%s.%s", dir, name, svg ? "svg" : "png");
    FILE *f = kt_atomic_open(path, tmp, sizeof tmp);
    if (!f) {
        snprintf(err, errlen, _("%s: cannot write: %s"), tmp, strerror(errno));
        return -1;
    }
    cairo_surface_t *s;
    char *doc = NULL;
    size_t doclen = 0;
    FILE *mem = NULL;
    if (svg) {
        mem = open_memstream(&doc, &doclen);
        if (!mem) {
            fclose(f);
            remove(tmp);
            snprintf(err, errlen, _("out of memory"));
            return -1;
        }
        s = cairo_svg_surface_create_for_stream(to_file, mem, w, h);
        cairo_svg_surface_restrict_to_version(s, CAIRO_SVG_VERSION_1_1);
        cairo_svg_surface_set_document_unit(s, CAIRO_SVG_UNIT_PX);
    } else {
        s = cairo_image_surface_create(CAIRO_FORMAT_RGB24, w, h);
    }
    cairo_t *cr = cairo_create(s);
    canvas(cr, w, h, fn, ctx);
    cairo_status_t st = cairo_status(cr);
    cairo_destroy(cr);
    if (st == CAIRO_STATUS_SUCCESS && !svg)
        st = cairo_surface_write_to_png_stream(s, to_file, f);
    cairo_surface_finish(s); /* the SVG surface writes its document here */
    if (st == CAIRO_STATUS_SUCCESS)
        st = cairo_surface_status(s);
    cairo_surface_destroy(s);
    if (mem) {
        if (fclose(mem) != 0 && st == CAIRO_STATUS_SUCCESS)
            st = CAIRO_STATUS_NO_MEMORY;
        if (st == CAIRO_STATUS_SUCCESS && write_svg_normalised(f, doc, doclen) != 0)
            st = CAIRO_STATUS_WRITE_ERROR;
        free(doc);
    }
    if (st != CAIRO_STATUS_SUCCESS) {
        fclose(f);
        remove(tmp);
        snprintf(err, errlen, _("%s: cannot write: %s"), path, cairo_status_to_string(st));
        return -1;
    }
    if (kt_atomic_commit(f, tmp, path) != 0) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        return -1;
    }
    return 0;
}

int kt_plot_write(const char *dir, const char *name, int w, int h, kt_plot_draw_fn fn,
                  const void *ctx, char *err, size_t errlen)
{
    if (write_one(dir, name, 0, w, h, fn, ctx, err, errlen) != 0 ||
        write_one(dir, name, 1, w, h, fn, ctx, err, errlen) != 0)
        return -1;
    return 0;
}
