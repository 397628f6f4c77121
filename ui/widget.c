/* widget.c: small drawing widgets and value formatting shared by the
 * console screens (declared in screen.h). */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <wchar.h>

#include "base/i18n.h"
#include "screen.h"

void kt_fmt_duration(const kt_ui *ui, char *buf, size_t n, double secs)
{
    if (!(secs >= 0) || isinf(secs)) {
        snprintf(buf, n, "%s", kt_crt_glyphs(ui->crt)->dash);
        return;
    }
    long s = (long)(secs + 0.5);
    snprintf(buf, n, "%02ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
}

void kt_fmt_num(const kt_ui *ui, char *buf, size_t n, double v, int prec)
{
    if (isnan(v) || isinf(v))
        snprintf(buf, n, "%s", kt_crt_glyphs(ui->crt)->dash);
    else
        snprintf(buf, n, "%.*f", prec, v);
}

void kt_fmt_bytes(const kt_ui *ui, char *buf, size_t n, double bytes)
{
    if (!(bytes > 0)) {
        snprintf(buf, n, "%s", kt_crt_glyphs(ui->crt)->dash);
        return;
    }
    static const char *unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    int u = 0;
    while (bytes >= 1024 && u < 4) {
        bytes /= 1024;
        u++;
    }
    snprintf(buf, n, u == 0 ? "%.0f %s" : "%.1f %s", bytes, unit[u]);
}

void kt_fmt_count(char *buf, size_t n, double v)
{
    if (v >= 1e9)
        snprintf(buf, n, "%.2fG", v / 1e9);
    else if (v >= 1e6)
        snprintf(buf, n, "%.1fM", v / 1e6);
    else if (v >= 1e3)
        snprintf(buf, n, "%.1fk", v / 1e3);
    else
        snprintf(buf, n, "%.0f", v);
}

int kt_run_active(const kt_snapshot *s)
{
    return s->state == KT_RUN_STARTING || s->state == KT_RUN_RUNNING ||
           s->state == KT_RUN_PAUSED;
}

const char *kt_state_name(const kt_ui *ui)
{
    if (!ui->have_snap)
        return ui->attached ? _("WAITING FOR STATUS") : _("STARTING");
    if (ui->stopping && kt_run_active(&ui->snap))
        return _("STOPPING");
    switch (ui->snap.state) {
    case KT_RUN_STARTING:
        return ui->snap.dl_total > 0 ? _("DOWNLOADING") : _("STARTING");
    case KT_RUN_RUNNING:
        return ui->pause_requested ? _("PAUSING") : _("RUNNING");
    case KT_RUN_PAUSED: return _("PAUSED");
    case KT_RUN_FINISHED: return _("FINISHED");
    case KT_RUN_EMPTY: return _("NO EVALUATION ROWS");
    case KT_RUN_FAILED: return _("FAILED");
    case KT_RUN_CANCELLED: return _("STOPPED");
    }
    return "?";
}

void kt_widget_bar(const kt_ui *ui, int y, int x, int w, double frac)
{
    if (w < 1)
        return;
    if (!(frac >= 0))
        frac = 0;
    if (frac > 1)
        frac = 1;
    int done = (int)(frac * w + 1e-9);
    const kt_glyphs *g = kt_crt_glyphs(ui->crt);
    kt_crt_fill(ui->crt, y, x, done, KT_ROLE_BAR_DONE, g->bar_done);
    kt_crt_fill(ui->crt, y, x + done, w - done, KT_ROLE_BAR_TODO, g->bar_todo);
}

void kt_widget_spark(const kt_ui *ui, int y, int x, int w, const float *v, int n)
{
    if (w < 1 || n < 1)
        return;
    int first = n > w ? n - w : 0;
    float lo = INFINITY, hi = -INFINITY;
    for (int i = first; i < n; i++) {
        if (isnan(v[i]))
            continue;
        if (v[i] < lo)
            lo = v[i];
        if (v[i] > hi)
            hi = v[i];
    }
    if (lo > hi)
        return;
    const kt_glyphs *g = kt_crt_glyphs(ui->crt);
    for (int i = first; i < n; i++) {
        int level = 0;
        if (isnan(v[i])) {
            kt_crt_text(ui->crt, y, x + (i - first), 1, KT_ROLE_DIM, " ");
            continue;
        }
        if (hi > lo)
            level = (int)((v[i] - lo) / (hi - lo) * 7.0 + 0.5);
        else
            level = 3;
        kt_crt_text(ui->crt, y, x + (i - first), 1, KT_ROLE_VALUE, g->spark[level]);
    }
}

int kt_widget_pair(const kt_ui *ui, int y, int x, int maxw, const char *label, kt_role role,
                   const char *value)
{
    int used = kt_crt_text(ui->crt, y, x, maxw, KT_ROLE_LABEL, label);
    if (used < maxw)
        used += kt_crt_text(ui->crt, y, x + used, maxw - used, KT_ROLE_NORMAL, " ");
    if (used < maxw)
        used += kt_crt_text(ui->crt, y, x + used, maxw - used, role, value);
    return used;
}

int kt_widget_wrap(const kt_ui *ui, int y, int x, int w, int max_lines, kt_role role,
                   const char *text)
{
    int lines = 0;
    const char *p = text;
    while (*p && lines < max_lines) {
        while (*p == ' ')
            p++;
        if (!*p)
            break;
        mbstate_t st;
        memset(&st, 0, sizeof st);
        const char *q = p, *cut = NULL, *brk_space = NULL;
        int width = 0, space_width = 0;
        while (*q && *q != '\n') {
            wchar_t wc;
            size_t k = mbrtowc(&wc, q, strlen(q), &st);
            int cw = 1;
            if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
                k = 1;
                memset(&st, 0, sizeof st);
            } else {
                cw = wcwidth(wc);
                if (cw < 0)
                    cw = 1;
            }
            if (width + cw > w) {
                /* break at the last space unless that wastes more than
                 * half the line (CJK text has no spaces: cut between
                 * characters instead) */
                cut = brk_space && space_width >= w / 2 ? brk_space : q;
                break;
            }
            if (*q == ' ') {
                brk_space = q;
                space_width = width;
            }
            width += cw;
            q += k;
        }
        if (!cut)
            cut = q;
        if (cut == p) /* a character wider than the line */
            break;
        char line[1024];
        size_t len = (size_t)(cut - p);
        if (len >= sizeof line)
            len = sizeof line - 1;
        memcpy(line, p, len);
        line[len] = '\0';
        kt_crt_text(ui->crt, y + lines, x, w, role, line);
        lines++;
        p = cut;
        if (*p == '\n')
            p++;
    }
    return lines;
}

void kt_widget_overlay(const kt_ui *ui, int h, int w, const char *title, int *iy, int *ix,
                       int *ih, int *iw)
{
    int rows = kt_crt_rows(), cols = kt_crt_cols();
    if (w > cols - 2)
        w = cols - 2;
    if (h > rows - 2)
        h = rows - 2;
    int y = (rows - h) / 2, x = (cols - w) / 2;
    for (int i = 0; i < h; i++)
        kt_crt_fill(ui->crt, y + i, x, w, KT_ROLE_NORMAL, " ");
    kt_crt_box(ui->crt, y, x, h, w, KT_ROLE_FOCUS, title);
    *iy = y + 1;
    *ix = x + 2;
    *ih = h - 2;
    *iw = w - 4;
}
