/* plot.h: the small plotting layer under the report's figures, on cairo.
 * Ticks ("nice" linear steps and calendar dates), a panel with grid,
 * ticks, tick labels and axis labels, lines, bars, rectangles, a legend
 * strip and a colour bar; a figure drawn once per surface and written as
 * PNG (cairo's image surface) and SVG (cairo's SVG surface).
 *
 * Units: one device unit is one PNG pixel and one SVG user unit (px).
 * Figure text is English: the figures' font (DejaVu Sans through cairo's
 * toy text API) has no CJK glyphs and the toy API has no fallback; the
 * report around the figures is translated. */
#ifndef KT_PLOT_H
#define KT_PLOT_H

#include <cairo.h>
#include <stddef.h>

#define KT_PLOT_MAX_TICKS 32

typedef struct kt_rgb {
    double r, g, b;
} kt_rgb;

/* Tick positions and their labels along one axis; lo..hi is the axis
 * range they were made for (nice ticks widen the data range to it). */
typedef struct kt_ticks {
    int n;
    double v[KT_PLOT_MAX_TICKS];
    char label[KT_PLOT_MAX_TICKS][24];
    double lo, hi;
    double step; /* linear ticks: the step; date ticks: days (~30.4 per month) */
} kt_ticks;

/* The smallest step of the form {1, 2, 2.5, 5} x 10^k for which the
 * multiples of the step covering [lo, hi] (floor(lo/step)..ceil(hi/step))
 * are at most max_ticks (3 at least) values; t->lo/hi become the outer
 * multiples. Labels print just enough decimals for the step (scaled by
 * label_scale first: 100 prints fractions as percent), never "-0".
 * A zero-width or non-finite range is widened to something drawable
 * ([x-0.5, x+0.5], or [0, 1]). Returns t->n. */
int kt_ticks_nice(kt_ticks *t, double lo, double hi, int max_ticks, double label_scale);

/* Calendar ticks over days since 1970-01-01 (fractional days allowed):
 * the first step of 1, 2 days, 1, 2 weeks (Mondays), 1, 2, 3, 6 months
 * (first of the month), 1, 2, 5, 10, 20, 50 years (1 January) with at most
 * max_ticks ticks in [lo, hi]. Labels: "YYYY-MM-DD" for day and week
 * steps, "YYYY-MM" for months, "YYYY" for years. t->lo/hi = lo/hi. */
int kt_ticks_dates(kt_ticks *t, double lo, double hi, int max_ticks);

/* Category ticks at 0..n-1 with the given labels; lo/hi = -0.5, n - 0.5.
 * At most max_ticks are labelled (every k-th, k = ceil(n / max_ticks)). */
int kt_ticks_categories(kt_ticks *t, const char *const *labels, int n, int max_ticks);

/* Line style: colour, width, dash (KT_DASH_*), opacity. */
enum { KT_DASH_SOLID = 0, KT_DASH_DASHED, KT_DASH_DASHDOT, KT_DASH_DOTTED };
typedef struct kt_style {
    kt_rgb c;
    double width;
    int dash;
    double alpha; /* 0 means 1 */
} kt_style;

/* The colour-blind-safe palette (Okabe-Ito without yellow), i modulo 7. */
kt_rgb kt_plot_palette(int i);
/* Diverging colour of v in [-1, 1]: red (-1), near white (0), blue (+1);
 * clamped; NaN gives light grey. */
kt_rgb kt_plot_diverging(double v);

/* Text: size in px, bold or not; anchor: horizontal 0 left, 0.5 centre,
 * 1 right, and vertical the same over the font's ascent (0 baseline at y
 * + ascent, i.e. top; 0.5 middle; 1 bottom). Returns the text's width. */
double kt_plot_text(cairo_t *cr, double x, double y, const char *s, double size, int bold,
                    double ha, double va, kt_rgb c);
double kt_plot_text_width(cairo_t *cr, const char *s, double size, int bold);
/* The same, rotated 90 degrees counterclockwise (y axis labels), centred
 * on (x, y). */
void kt_plot_text_vertical(cairo_t *cr, double x, double y, const char *s, double size, kt_rgb c);

/* The figure's title (bold) and an optional subtitle (grey) at the top;
 * returns the y where the content below them starts. */
double kt_plot_title(cairo_t *cr, double width, const char *title, const char *subtitle);

/* One legend entry: a line sample (with its dash), a filled box or a dot. */
enum { KT_MARK_LINE = 0, KT_MARK_BOX, KT_MARK_DOT };
typedef struct kt_legend_item {
    const char *label;
    kt_style style;
    int mark;
} kt_legend_item;

/* A legend strip: entries left to right from (x, y), wrapping at x +
 * maxw; returns its height. */
double kt_plot_legend(cairo_t *cr, double x, double y, double maxw, const kt_legend_item *it,
                      int n);

/* One panel: the plot area (px, py, pw, ph) in device units and the data
 * range x0..x1, y0..y1 it shows. */
typedef struct kt_axes {
    cairo_t *cr;
    double px, py, pw, ph;
    double x0, x1, y0, y1;
} kt_axes;

/* Lays a panel into the frame (x, y, w, h): an optional heading at the
 * top left, the y tick labels and y label on the left, the x tick labels
 * and x label below; draws the white plot area, the grid at the ticks,
 * the tick marks, the labels and a frame. The data range is xt->lo..hi
 * and yt->lo..hi. Tick labels that would overlap their neighbour are
 * skipped. */
void kt_axes_panel(kt_axes *a, cairo_t *cr, double x, double y, double w, double h,
                   const char *heading, const kt_ticks *xt, const char *xlabel, const kt_ticks *yt,
                   const char *ylabel);

/* Data to device coordinates. */
double kt_axes_x(const kt_axes *a, double x);
double kt_axes_y(const kt_axes *a, double y);

/* A polyline through (x[i], y[i]), clipped to the plot area; a non-finite
 * y breaks it (and a lone finite point between breaks is drawn as a dot). */
void kt_axes_line(const kt_axes *a, const double *x, const double *y, int n, const kt_style *s);
/* Dots of radius r at (x[i], y[i]) (non-finite skipped). */
void kt_axes_dots(const kt_axes *a, const double *x, const double *y, int n, double r, kt_rgb c,
                  double alpha);
/* A filled rectangle between data corners (clipped), optional outline;
 * alpha < 0: the outline only. */
void kt_axes_rect(const kt_axes *a, double x0, double y0, double x1, double y1, kt_rgb fill,
                  double alpha, const kt_style *outline);
/* A horizontal line at y / vertical line at x across the plot area. */
void kt_axes_hline(const kt_axes *a, double y, const kt_style *s);
void kt_axes_vline(const kt_axes *a, double x, const kt_style *s);

/* A vertical colour bar at (x, y, w, h) for values lo..hi with colour(v)
 * = kt_plot_diverging(v / max(|lo|, |hi|)), labelled at the ticks. */
void kt_plot_colorbar(cairo_t *cr, double x, double y, double w, double h, const kt_ticks *t,
                      const char *label);

/* Draws a figure; w and h are the canvas size. */
typedef void (*kt_plot_draw_fn)(cairo_t *cr, double w, double h, const void *ctx);

/* Draws fn on a white w x h canvas twice and writes dir/name.png (RGB)
 * and dir/name.svg (SVG 1.1, px units), each atomically. Both are
 * byte-reproducible for the same drawing (no time stamps, ids numbered
 * per document). 0 ok, -1 with err. */
int kt_plot_write(const char *dir, const char *name, int w, int h, kt_plot_draw_fn fn,
                  const void *ctx, char *err, size_t errlen);

#endif /* KT_PLOT_H */
