/* dashboard.c: the main console screen: header, progress, per-date timing,
 * device status, metrics (or the "No evaluation rows" view) and the log. */
#include "config.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "base/i18n.h"
#include "screen.h"

typedef struct layout {
    int rows, cols;
    int prog_y, prog_h;
    int mid_y, mid_h, left_w;
    int met_y, met_h;
    int log_y, log_h;
    int footer_y;
} layout;

static void compute_layout(const kt_ui *ui, layout *L)
{
    L->rows = kt_crt_rows();
    L->cols = kt_crt_cols();
    L->prog_y = 3;
    L->prog_h = 6;
    L->mid_y = L->prog_y + L->prog_h;
    L->mid_h = 6;
    L->left_w = L->cols / 2;
    L->met_y = L->mid_y + L->mid_h;
    L->footer_y = L->rows - 1;
    int rest = L->footer_y - L->met_y;
    const kt_snapshot *s = &ui->snap;
    int want;
    if (s->state == KT_RUN_EMPTY || s->state == KT_RUN_FAILED) {
        want = 10; /* the view first; the log only when there is room */
        if (rest - want < 3)
            want = rest;
    } else {
        want = 3 + (s->n_horizons > 0 ? s->n_horizons : 1) + (s->n_flags > 0 ? 2 : 0);
        if (want > rest - 3)
            want = rest - 3;
        if (want < 5)
            want = rest >= 8 ? 5 : rest;
    }
    L->met_h = want;
    L->log_y = L->met_y + L->met_h;
    L->log_h = L->footer_y - L->log_y;
}

static kt_role panel_role(const kt_ui *ui, int panel)
{
    return ui->focus == panel ? KT_ROLE_FOCUS : KT_ROLE_BORDER;
}

static void panel_box(const kt_ui *ui, int panel, int y, int x, int h, int w, const char *title)
{
    char t[128];
    if (ui->focus == panel)
        snprintf(t, sizeof t, "%s %s", kt_crt_glyphs(ui->crt)->focus, title);
    else
        snprintf(t, sizeof t, "%s", title);
    kt_crt_box(ui->crt, y, x, h, w, panel_role(ui, panel), t);
}

/* Seconds since the run started, advancing between events while running. */
static double live_elapsed(const kt_ui *ui)
{
    double e = ui->snap.elapsed;
    if (!ui->attached && ui->snap.state == KT_RUN_RUNNING && ui->now > ui->snap_clock)
        e += ui->now - ui->snap_clock;
    return e;
}

static void draw_title(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    kt_crt_fill(ui->crt, 0, 0, L->cols, KT_ROLE_TITLE, " ");
    char buf[256];
    snprintf(buf, sizeof buf, " kronos-tui  %s%s%s", s->experiment[0] ? s->experiment : "",
             s->mode[0] ? "  " : "", s->mode);
    kt_crt_text(ui->crt, 0, 0, L->cols / 2, KT_ROLE_TITLE, buf);

    char right[256];
    const char *state = kt_state_name(ui);
    if (ui->attached && ui->stale) {
        char age[32];
        kt_fmt_duration(ui, age, sizeof age, ui->heartbeat_age);
        snprintf(right, sizeof right, _("%s  STALE: no update for %s (attached) "), state, age);
    } else if (ui->attached) {
        snprintf(right, sizeof right, _("%s  (attached, read-only) "), state);
    } else {
        snprintf(right, sizeof right, "%s ", state);
    }
    int w = kt_crt_width(right);
    kt_role role = KT_ROLE_TITLE;
    if (s->state == KT_RUN_FAILED || (ui->attached && ui->stale) ||
        (ui->have_snap && !s->device.verified && s->device.violation[0]))
        role = KT_ROLE_DANGER;
    else if (s->state == KT_RUN_PAUSED || s->state == KT_RUN_EMPTY)
        role = KT_ROLE_WARN;
    kt_crt_text(ui->crt, 0, L->cols - w > L->cols / 2 ? L->cols - w : L->cols / 2, w, role, right);
}

static void draw_header(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    const kt_glyphs *g = kt_crt_glyphs(ui->crt);
    char buf[512], v[256];
    int x = 1, w = L->cols - 2;

    snprintf(v, sizeof v, ngettext("%d ticker", "%d tickers", (unsigned long)s->n_tickers),
             s->n_tickers);
    snprintf(buf, sizeof buf, "%s %s..%s", v, s->data_first[0] ? s->data_first : g->dash,
             s->data_last[0] ? s->data_last : g->dash);
    int used = kt_widget_pair(ui, 1, x, w, _("Data:"), KT_ROLE_VALUE, buf);
    snprintf(buf, sizeof buf, "%s..%s", s->range_start[0] ? s->range_start : g->dash,
             s->range_end[0] ? s->range_end : g->dash);
    used += 2 + kt_widget_pair(ui, 1, x + used + 2, w - used - 2, _("Evaluated:"), KT_ROLE_VALUE, buf);
    if (s->model_cutoff[0] && s->dates_seen > 0) {
        /* TRANSLATORS: a warning glyph, dates on or before the model's
         * last training date, that date */
        snprintf(buf, sizeof buf, ngettext("%s model saw %d date (to %s)",
                                           "%s model saw %d dates (to %s)",
                                           (unsigned long)s->dates_seen),
                 g->warn, s->dates_seen, s->model_cutoff);
        if (kt_crt_width(buf) <= w - used - 2) /* whole or not at all: the log has it too */
            kt_crt_text(ui->crt, 1, x + used + 2, w - used - 2, KT_ROLE_WARN, buf);
    }

    /* Model line: the description gives way (cut with an ellipsis) so that
     * the sizes always show. */
    char params[32];
    kt_fmt_count(params, sizeof params, (double)s->params);
    snprintf(buf, sizeof buf, _("%s params, context %d, lookback %d"), params, s->max_context,
             s->lookback);
    int rest_w = kt_crt_width(buf);
    const char *label = _("Model:");
    int label_w = kt_crt_width(label) + 1;
    const char *desc = s->model_desc[0] ? s->model_desc : g->dash;
    int desc_room = w - label_w - 2 - rest_w;
    int desc_w = kt_crt_width(desc);
    used = kt_crt_text(ui->crt, 2, x, w, KT_ROLE_LABEL, label) + 1;
    if (desc_w <= desc_room) {
        used += kt_crt_text(ui->crt, 2, x + used, desc_w, KT_ROLE_VALUE, desc);
    } else if (desc_room > 4) {
        int ew = kt_crt_width(g->ellipsis);
        used += kt_crt_text(ui->crt, 2, x + used, desc_room - ew, KT_ROLE_VALUE, desc);
        used += kt_crt_text(ui->crt, 2, x + used, ew, KT_ROLE_VALUE, g->ellipsis);
    }
    kt_crt_text(ui->crt, 2, x + used + 2, w - used - 2, KT_ROLE_NORMAL, buf);
}

static void progress_line(const kt_ui *ui, int y, int x, int w, int label_w, const char *label,
                          double frac, const char *text)
{
    int bar_w = w - label_w - 2 - 56;
    if (bar_w < 10)
        bar_w = 10;
    if (bar_w > 50)
        bar_w = 50;
    kt_crt_text(ui->crt, y, x, label_w, KT_ROLE_LABEL, label);
    kt_widget_bar(ui, y, x + label_w + 1, bar_w, frac);
    int tx = x + label_w + 1 + bar_w + 1;
    kt_crt_text(ui->crt, y, tx, x + w - tx, KT_ROLE_VALUE, text);
}

static void draw_progress(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    const char *dash = kt_crt_glyphs(ui->crt)->dash;
    int y = L->prog_y, x = 2, w = L->cols - 4;
    panel_box(ui, KT_PANEL_PROGRESS, y, 0, L->prog_h, L->cols, _("Progress"));

    /* before the run starts, a model coming from the Hub: its download
     * takes the date's line */
    int dl = s->state == KT_RUN_STARTING && s->dl_total > 0;
    const char *labels[3] = {_("Overall"), _("Fold"), dl ? _("Download") : _("Date")};
    int lw = 0;
    for (int i = 0; i < 3; i++) {
        int lwi = kt_crt_width(labels[i]);
        if (lwi > lw)
            lw = lwi;
    }
    char buf[256], tmp[128];

    double frac = kt_snapshot_run_fraction(s);
    snprintf(tmp, sizeof tmp,
             ngettext("%d/%d dates", "%d/%d dates", (unsigned long)s->dates_total), s->dates_done,
             s->dates_total);
    if (s->dates_resumed > 0) {
        snprintf(buf, sizeof buf, _("%5.1f%%  %s (%d resumed)"), 100 * frac, tmp, s->dates_resumed);
    } else {
        snprintf(buf, sizeof buf, "%5.1f%%  %s", 100 * frac, tmp);
    }
    progress_line(ui, y + 1, x, w, lw, labels[0], frac, buf);

    double bfrac = kt_snapshot_date_fraction(s);
    double ffrac = 0;
    if (s->date_total > 0 && s->date_index > 0)
        ffrac = (s->date_index - 1 + bfrac) / s->date_total;
    if (s->fold_id[0]) {
        snprintf(buf, sizeof buf,
                 ngettext("%s (%d/%d)  %d date", "%s (%d/%d)  %d dates", (unsigned long)s->fold_dates),
                 s->fold_id, s->fold_index, s->fold_total, s->fold_dates);
    } else {
        snprintf(buf, sizeof buf, "%s", dash);
    }
    progress_line(ui, y + 2, x, w, lw, labels[1], ffrac, buf);

    if (dl) {
        bfrac = (double)s->dl_done / (double)s->dl_total;
        /* TRANSLATORS: percentage, megabytes done and in all, file, repo id */
        snprintf(buf, sizeof buf, _("%3d%%  %.1f/%.1f MB  %s (%s)"), (int)(100 * bfrac),
                 (double)s->dl_done / 1e6, (double)s->dl_total / 1e6, s->dl_file, s->dl_id);
    } else if (s->date[0] && s->step_total > 0) {
        /* TRANSLATORS: date, its index in the fold, the share of the date
         * done (its bar's), generation steps done and in all for the date,
         * micro-batch under way and their count */
        snprintf(buf, sizeof buf, _("%s (%d/%d)  %d%%  step %d/%d, micro-batch %d/%d"), s->date,
                 s->date_index, s->date_total, (int)(100 * bfrac), s->step_done, s->step_total,
                 s->micro_batch, s->micro_batches);
    } else if (s->date[0] && s->batch_total > 0) {
        snprintf(buf, sizeof buf, _("%s (%d/%d)  scored %d  skipped %d  batch %d/%d"), s->date,
                 s->date_index, s->date_total, s->date_scored, s->date_skipped, s->batch_done,
                 s->batch_total);
    } else if (s->date[0]) { /* resumed from the journal: no micro-batches */
        snprintf(buf, sizeof buf, _("%s (%d/%d)  scored %d  skipped %d"), s->date,
                 s->date_index, s->date_total, s->date_scored, s->date_skipped);
    } else {
        snprintf(buf, sizeof buf, "%s", dash);
    }
    progress_line(ui, y + 3, x, w, lw, labels[2], bfrac, buf);

    char el[32], ea[32], er[32];
    kt_fmt_duration(ui, el, sizeof el, live_elapsed(ui));
    kt_fmt_duration(ui, ea, sizeof ea, kt_snapshot_eta_avg(s));
    kt_fmt_duration(ui, er, sizeof er, kt_snapshot_eta_recent(s));
    int used = kt_widget_pair(ui, y + 4, x, w, _("Elapsed"), KT_ROLE_VALUE, el);
    used += 3;
    used += kt_widget_pair(ui, y + 4, x + used, w - used, _("ETA (average)"), KT_ROLE_VALUE, ea);
    used += 3;
    kt_widget_pair(ui, y + 4, x + used, w - used, _("ETA (last 5 dates)"), KT_ROLE_VALUE, er);
}

static void draw_timing(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    int y = L->mid_y, w = L->left_w;
    panel_box(ui, KT_PANEL_TIMING, y, 0, L->mid_h, w, _("Per-date timing"));
    int x = 2, iw = w - 4;
    char a[32], b[32], c[64];
    double last = s->secs_n > 0 ? s->secs[s->secs_n - 1] : NAN;
    kt_fmt_num(ui, a, sizeof a, last, 2);
    snprintf(c, sizeof c, _("%s s"), a);
    int used = kt_widget_pair(ui, y + 1, x, iw, _("Last"), KT_ROLE_VALUE, c);
    kt_fmt_num(ui, b, sizeof b, kt_snapshot_secs_median(s), 2);
    snprintf(c, sizeof c, _("%s s"), b);
    used += 2;
    used += kt_widget_pair(ui, y + 1, x + used, iw - used, _("Median"), KT_ROLE_VALUE, c);
    kt_fmt_num(ui, b, sizeof b, kt_snapshot_secs_p90(s), 2);
    snprintf(c, sizeof c, _("%s s"), b);
    used = kt_widget_pair(ui, y + 2, x, iw, _("p90"), KT_ROLE_VALUE, c);
    snprintf(c, sizeof c, "%d", s->secs_n);
    used += 2;
    kt_widget_pair(ui, y + 2, x + used, iw - used, _("Dates timed"), KT_ROLE_VALUE, c);

    double tps = s->secs_total > 0 ? s->tickers_total / s->secs_total : NAN;
    double kps = s->secs_total > 0 ? s->tokens_total / s->secs_total : NAN;
    kt_fmt_num(ui, a, sizeof a, tps, 1);
    kt_fmt_num(ui, b, sizeof b, kps, 0);
    used = kt_widget_pair(ui, y + 3, x, iw, _("Tickers/s"), KT_ROLE_VALUE, a);
    used += 2;
    kt_widget_pair(ui, y + 3, x + used, iw - used, _("Tokens/s"), KT_ROLE_VALUE, b);
    kt_widget_spark(ui, y + 4, x, iw, s->secs, s->secs_n);
}

static void draw_device(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    const kronos_device_status *d = &s->device;
    const kt_glyphs *g = kt_crt_glyphs(ui->crt);
    int y = L->mid_y, x0 = L->left_w, w = L->cols - L->left_w;
    int violation = !d->verified && d->violation[0];
    panel_box(ui, KT_PANEL_DEVICE, y, x0, L->mid_h, w, _("Device (CPU only)"));
    if (violation)
        kt_crt_box(ui->crt, y, x0, L->mid_h, w, KT_ROLE_DANGER,
                   _("Device (CPU only): VIOLATION"));
    int x = x0 + 2, iw = w - 4;
    char buf[512];

    if (violation) {
        snprintf(buf, sizeof buf, _("%s NOT VERIFIED: %s"), g->cross, d->violation);
        int n = kt_widget_wrap(ui, y + 1, x, iw, 2, KT_ROLE_DANGER, buf);
        kt_widget_wrap(ui, y + 1 + n, x, iw, 1, KT_ROLE_DANGER, _("The run was stopped."));
        return;
    }
    if (d->verified) {
        snprintf(buf, sizeof buf,
                 ngettext("%s CPU verified (%lld tensor)", "%s CPU verified (%lld tensors)",
                          (unsigned long)d->tensors_checked),
                 g->check, (long long)d->tensors_checked);
        kt_crt_text(ui->crt, y + 1, x, iw, KT_ROLE_OK, buf);
    } else {
        snprintf(buf, sizeof buf, _("%s checking the device%s"), g->bullet, g->ellipsis);
        kt_crt_text(ui->crt, y + 1, x, iw, KT_ROLE_DIM, buf);
    }
    char a[32];
    snprintf(a, sizeof a, "%d", d->intra_threads);
    int used = kt_widget_pair(ui, y + 2, x, iw, _("Threads"), KT_ROLE_VALUE, a);
    used += 3;
    used += kt_widget_pair(ui, y + 2, x + used, iw - used, _("SIMD"), KT_ROLE_VALUE,
                           d->simd[0] ? d->simd : g->dash);
    /* int8 products change the outputs: said where the device is */
    if (strcmp(d->precision, "int8") == 0 && iw - used > 3)
        kt_crt_text(ui->crt, y + 2, x + used + 3, iw - used - 3, KT_ROLE_WARN, "int8");
    /* The kernel comes first so that a narrow panel cuts the version, never
     * the kernel name. */
    if (d->blas_is_reference) {
        if (iw >= 60)
            snprintf(buf, sizeof buf, _("%s %s: about 30x slower, install OpenBLAS"), g->warn,
                     d->blas[0] ? d->blas : _("reference BLAS"));
        else
            snprintf(buf, sizeof buf, _("%s %s (slow!)"), g->warn,
                     d->blas[0] ? d->blas : _("reference BLAS"));
        kt_widget_pair(ui, y + 3, x, iw, _("BLAS"), KT_ROLE_WARN, buf);
    } else if (d->blas_kernel_slow) {
        if (iw >= 52)
            snprintf(buf, sizeof buf, _("%s %s (slow): set OPENBLAS_CORETYPE=%s"), g->warn, d->blas_kernel,
                     d->blas_kernel_best);
        else
            snprintf(buf, sizeof buf, _("%s %s (slow kernel!)"), g->warn, d->blas_kernel);
        kt_widget_pair(ui, y + 3, x, iw, _("BLAS"), KT_ROLE_WARN, buf);
    } else if (d->blas_kernel[0]) {
        snprintf(buf, sizeof buf, "%s, %s", d->blas_kernel, d->blas);
        kt_widget_pair(ui, y + 3, x, iw, _("BLAS"), KT_ROLE_VALUE, buf);
    } else {
        kt_widget_pair(ui, y + 3, x, iw, _("BLAS"), KT_ROLE_VALUE, d->blas[0] ? d->blas : g->dash);
    }
    char rss[32], model[32];
    kt_fmt_bytes(ui, rss, sizeof rss, (double)s->rss_bytes);
    kt_fmt_bytes(ui, model, sizeof model, (double)(d->bytes ? d->bytes : 0));
    used = kt_widget_pair(ui, y + 4, x, iw, _("RSS"), KT_ROLE_VALUE, rss);
    used += 3;
    kt_widget_pair(ui, y + 4, x + used, iw - used, _("Model"), KT_ROLE_VALUE, model);
}

static int count_flags(const kt_snapshot *s, int horizon)
{
    int n = 0;
    for (int i = 0; i < s->n_flags; i++)
        if (s->flags[i].horizon == horizon && s->flags[i].flags[0])
            n++;
    return n;
}

/* The net-of-cost spread of a horizon from the latest verdict (NaN before
 * the first fold has finished). */
static double verdict_net(const kt_snapshot *s, int horizon)
{
    for (int i = 0; i < s->verdict.n_horizons && i < KT_MAX_HORIZONS; i++)
        if (s->verdict.horizon[i] == horizon)
            return s->verdict.net_spread[i];
    return NAN;
}

/* The verdict of the scorecard so far (the worker's SCORECARD event) on
 * the metrics panel's bottom border, so that it shows at every size. */
static void draw_verdict(const kt_ui *ui, int y, int x, int w)
{
    const kt_verdict *v = &ui->snap.verdict;
    if (!v->fold_id[0] || w < 10)
        return;
    char buf[160];
    int end = x + w, cx = x;
    /* TRANSLATORS: the verdict of the three gates after a fold ("fold_02"),
     * then " 1 pass, 2 fail, 3 not run"; at most 74 columns in all */
    snprintf(buf, sizeof buf, _(" Gates after %s: "), v->fold_id);
    cx += kt_crt_text(ui->crt, y, cx, end - cx, KT_ROLE_LABEL, buf);
    for (int g = 0; g < KT_N_GATES && cx < end; g++) {
        /* TRANSLATORS: the separator before the 2nd and 3rd gate's number */
        snprintf(buf, sizeof buf, g ? _(", %d ") : "%d ", g + 1);
        cx += kt_crt_text(ui->crt, y, cx, end - cx, KT_ROLE_NORMAL, buf);
        kt_role role = v->gate[g] == KT_GATE_PASS   ? KT_ROLE_OK
                       : v->gate[g] == KT_GATE_FAIL ? KT_ROLE_DANGER
                                                    : KT_ROLE_DIM;
        const char *st = v->gate[g] == KT_GATE_PASS   ? _("pass")
                         : v->gate[g] == KT_GATE_FAIL ? _("fail")
                                                      : _("not run");
        cx += kt_crt_text(ui->crt, y, cx, end - cx, role, st);
    }
    if (cx < end)
        kt_crt_text(ui->crt, y, cx, end - cx, KT_ROLE_NORMAL, " ");
}

static void draw_metrics(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    const kt_glyphs *g = kt_crt_glyphs(ui->crt);
    int y = L->met_y, h = L->met_h, w = L->cols;
    panel_box(ui, KT_PANEL_METRICS, y, 0, h, w, _("RankIC by horizon"));
    int x = 2, iw = w - 4, inner = h - 2;
    if (h >= 2)
        draw_verdict(ui, y + h - 1, x, iw);
    if (inner < 1)
        return;
    if (s->n_horizons == 0) {
        kt_widget_wrap(ui, y + 1, x, iw, inner, KT_ROLE_DIM,
                       _("No metrics yet: they appear after the first scored date."));
        return;
    }
    /* Net: the mean long-short quintile spread after costs (base_slippage)
     * of the dates so far, in percent, known once a fold has finished */
    enum { NCOL = 9 };
    static const int colw[NCOL] = {9, 7, 8, 8, 7, 7, 8, 8, 7};
    const char *heads[NCOL] = {_("Horizon"), _("Dates"), _("Median"), _("Mean"), _("ICIR"),
                               /* xgettext:no-c-format */ _("% pos"), _("Latest"),
                               /* xgettext:no-c-format */ _("Net %"), _("Flags")};
    int cx = x;
    for (int i = 0; i < NCOL; i++) {
        kt_crt_text(ui->crt, y + 1, cx, colw[i] - 1, KT_ROLE_LABEL, heads[i]);
        cx += colw[i];
    }
    int spark_x = cx, spark_w = x + iw - cx;
    kt_crt_text(ui->crt, y + 1, spark_x, spark_w, KT_ROLE_LABEL, _("RankIC per date"));

    int flag_lines = s->n_flags > 0 && inner - 1 - s->n_horizons >= 1 ? 1 : 0;
    int rows_avail = inner - 1 - flag_lines;
    if (rows_avail < 1)
        rows_avail = 1;
    int first = 0;
    if (ui->sel_horizon >= rows_avail)
        first = ui->sel_horizon - rows_avail + 1;
    for (int r = 0; r < rows_avail && first + r < s->n_horizons; r++) {
        int i = first + r;
        const kt_horizon_stats *hs = &s->h[i];
        int yy = y + 2 + r;
        int sel = ui->focus == KT_PANEL_METRICS && i == ui->sel_horizon;
        char cell[NCOL][48];
        snprintf(cell[0], sizeof cell[0], "%s%dd", sel ? g->focus : " ", hs->horizon);
        snprintf(cell[1], sizeof cell[1], "%d", hs->dates_scored);
        kt_fmt_num(ui, cell[2], sizeof cell[2], hs->median, 4);
        kt_fmt_num(ui, cell[3], sizeof cell[3], hs->mean, 4);
        kt_fmt_num(ui, cell[4], sizeof cell[4], hs->icir, 2);
        /* pct_positive is a share (0..1, evaluation.md); the column is in % */
        kt_fmt_num(ui, cell[5], sizeof cell[5], 100 * hs->pct_positive, 1);
        kt_fmt_num(ui, cell[6], sizeof cell[6], hs->latest, 4);
        double net = verdict_net(s, hs->horizon);
        if (isfinite(net))
            snprintf(cell[7], sizeof cell[7], "%+.2f", 100 * net);
        else
            snprintf(cell[7], sizeof cell[7], "%s", g->dash);
        int nf = count_flags(s, hs->horizon);
        if (nf > 0)
            snprintf(cell[8], sizeof cell[8], "%s%d", g->warn, nf);
        else
            snprintf(cell[8], sizeof cell[8], "%s", g->dash);
        cx = x;
        if (sel)
            kt_crt_fill(ui->crt, yy, x, iw, KT_ROLE_SELECTED, " ");
        for (int c = 0; c < NCOL; c++) {
            kt_role role = sel ? KT_ROLE_SELECTED : (c == 0 ? KT_ROLE_LABEL : KT_ROLE_VALUE);
            if (c == 8 && nf > 0 && !sel)
                role = KT_ROLE_WARN;
            if (c == 7 && isfinite(net) && !sel)
                role = net > 0 ? KT_ROLE_OK : KT_ROLE_DANGER;
            kt_crt_text(ui->crt, yy, cx, colw[c] - 1, role, cell[c]);
            cx += colw[c];
        }
        kt_widget_spark(ui, yy, spark_x, spark_w, hs->hist, hs->hist_n);
    }
    if (flag_lines) {
        char line[1024];
        size_t len = (size_t)snprintf(line, sizeof line, "%s", _("IC decay flags:"));
        for (int i = s->n_flags - 1; i >= 0 && len < sizeof line - 80; i--) {
            const kt_fold_flag *f = &s->flags[i];
            if (!f->flags[0])
                continue;
            len += (size_t)snprintf(line + len, sizeof line - len, "  %s %dd %s", f->fold_id,
                                    f->horizon, f->flags);
        }
        int fy = y + 2 + (s->n_horizons < rows_avail ? s->n_horizons : rows_avail);
        kt_widget_wrap(ui, fy, x, iw, y + h - 1 - fy, KT_ROLE_WARN, line);
    }
}

/* The dedicated view for a run that produced zero evaluation rows (or
 * failed): never blank, always says why and what to do. */
static void draw_outcome(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    int empty = s->state == KT_RUN_EMPTY;
    int y = L->met_y, h = L->met_h, w = L->cols;
    kt_crt_box(ui->crt, y, 0, h, w, empty ? KT_ROLE_WARN : KT_ROLE_DANGER,
               empty ? _("No evaluation rows") : _("Run failed"));
    int x = 2, iw = w - 4, yy = y + 1, end = y + h - 1;
    if (empty) {
        yy += kt_widget_wrap(ui, yy, x, iw, end - yy, KT_ROLE_VALUE,
                             _("The run finished, but no date produced an evaluation row."));
        char buf[1200];
        snprintf(buf, sizeof buf, _("Why: %s"),
                 s->empty_reason[0] ? s->empty_reason : _("no reason was recorded"));
        yy += kt_widget_wrap(ui, yy, x, iw, end - yy, KT_ROLE_NORMAL, buf);
        snprintf(buf, sizeof buf, _("What to change: %s"),
                 s->empty_hint[0] ? s->empty_hint
                                  : _("widen the date range or lower the lookback"));
        yy += kt_widget_wrap(ui, yy, x, iw, end - yy, KT_ROLE_NORMAL, buf);
        if (s->report_path[0])
            snprintf(buf, sizeof buf, _("Details: %s"), s->report_path);
        else if (s->run_dir[0])
            snprintf(buf, sizeof buf, _("Details: %s/REPORT_EMPTY.md"), s->run_dir);
        else
            snprintf(buf, sizeof buf, "%s", _("Details: REPORT_EMPTY.md in the run directory"));
        kt_widget_wrap(ui, yy, x, iw, end - yy, KT_ROLE_VALUE, buf);
    } else {
        char buf[1200];
        snprintf(buf, sizeof buf, _("Reason: %s"),
                 s->failure[0] ? s->failure : _("no reason was recorded"));
        yy += kt_widget_wrap(ui, yy, x, iw, end - yy, KT_ROLE_NORMAL, buf);
        kt_widget_wrap(ui, yy, x, iw, end - yy, KT_ROLE_NORMAL,
                       _("Completed dates are kept in the journal; fix the cause and rerun with --resume."));
    }
}

static void draw_log(const kt_ui *ui, const layout *L)
{
    const kt_snapshot *s = &ui->snap;
    const kt_glyphs *g = kt_crt_glyphs(ui->crt);
    if (L->log_h < 3)
        return;
    panel_box(ui, KT_PANEL_LOG, L->log_y, 0, L->log_h, L->cols, _("Log"));
    int inner = L->log_h - 2, x = 2, iw = L->cols - 4;
    int last = s->log_n - 1 - ui->log_scroll;
    if (last < 0)
        last = s->log_n - 1;
    int first = last - inner + 1;
    if (first < 0)
        first = 0;
    if (s->log_n == 0) {
        kt_crt_text(ui->crt, L->log_y + 1, x, iw, KT_ROLE_DIM, _("(no messages yet)"));
        return;
    }
    for (int i = first, r = 0; i <= last; i++, r++) {
        const char *line = s->log[i];
        const char *mark = " ";
        kt_role role = KT_ROLE_NORMAL;
        if (line[0] == 'W') {
            mark = g->warn;
            role = KT_ROLE_WARN;
        } else if (line[0] == 'E') {
            mark = g->cross;
            role = KT_ROLE_DANGER;
        }
        int used = kt_crt_text(ui->crt, L->log_y + 1 + r, x, iw, role, mark);
        used += kt_crt_text(ui->crt, L->log_y + 1 + r, x + used, 1, KT_ROLE_NORMAL, " ");
        kt_crt_text(ui->crt, L->log_y + 1 + r, x + used, iw - used,
                    role == KT_ROLE_NORMAL ? KT_ROLE_NORMAL : role, line[0] ? line + 1 : line);
    }
}

static void draw_footer(const kt_ui *ui, const layout *L)
{
    const int y = L->footer_y;
    struct { const char *key, *what; } keys[] = {
        {"?/F1", _("Help")},
        {"p", ui->pause_requested ? _("Resume") : _("Pause")},
        {"r", _("Reports")},
        {"Tab", _("Panels")},
        {kt_crt_ascii(ui->crt) ? "Up/Down" : "\xe2\x86\x91/\xe2\x86\x93", _("Select")},
        {"q", _("Quit")},
    };
    int end = L->cols;
    if (ui->notice[0] && ui->now < ui->notice_until) {
        int w = kt_crt_width(ui->notice);
        if (w > L->cols - 2)
            w = L->cols - 2;
        end = L->cols - w - 1;
        kt_crt_text(ui->crt, y, end, w, KT_ROLE_WARN, ui->notice);
        end -= 1;
    }
    int x = 0;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        if (i == 1 && (ui->attached || !kt_run_active(&ui->snap)))
            continue; /* nothing to pause */
        int need = kt_crt_width(keys[i].key) + 1 + kt_crt_width(keys[i].what);
        if (x + need > end)
            break; /* whole entries only */
        x += kt_crt_text(ui->crt, y, x, end - x, KT_ROLE_KEY, keys[i].key);
        x += kt_crt_text(ui->crt, y, x, end - x, KT_ROLE_NORMAL, " ");
        x += kt_crt_text(ui->crt, y, x, end - x, KT_ROLE_NORMAL, keys[i].what);
        x += kt_crt_text(ui->crt, y, x, end - x, KT_ROLE_NORMAL, "  ");
    }
}

static void draw_too_small(const kt_ui *ui)
{
    int rows = kt_crt_rows(), cols = kt_crt_cols();
    char buf[256];
    snprintf(buf, sizeof buf, _("The terminal is too small (%dx%d)."), cols, rows);
    int y = rows / 2 - 2;
    if (y < 0)
        y = 0;
    int n = kt_widget_wrap(ui, y, 1, cols - 2, 2, KT_ROLE_WARN, buf);
    snprintf(buf, sizeof buf, _("kronos-tui needs at least %dx%d. Please enlarge the window."),
             KT_MIN_COLS, KT_MIN_ROWS);
    n += kt_widget_wrap(ui, y + n, 1, cols - 2, 3, KT_ROLE_NORMAL, buf);
    snprintf(buf, sizeof buf, _("The run goes on meanwhile: %s. Press q to quit."),
             kt_state_name(ui));
    kt_widget_wrap(ui, y + n, 1, cols - 2, 3, KT_ROLE_DIM, buf);
}

static void dash_init(kt_ui *ui)
{
    ui->focus = KT_PANEL_PROGRESS;
    ui->sel_horizon = 0;
    ui->log_scroll = 0;
}

static void dash_draw(kt_ui *ui)
{
    if (kt_crt_cols() < KT_MIN_COLS || kt_crt_rows() < KT_MIN_ROWS) {
        draw_too_small(ui);
        return;
    }
    layout L;
    if (ui->sel_horizon >= ui->snap.n_horizons)
        ui->sel_horizon = ui->snap.n_horizons > 0 ? ui->snap.n_horizons - 1 : 0;
    compute_layout(ui, &L);
    draw_title(ui, &L);
    draw_header(ui, &L);
    draw_progress(ui, &L);
    draw_timing(ui, &L);
    draw_device(ui, &L);
    if (ui->snap.state == KT_RUN_EMPTY || ui->snap.state == KT_RUN_FAILED)
        draw_outcome(ui, &L);
    else
        draw_metrics(ui, &L);
    draw_log(ui, &L);
    draw_footer(ui, &L);
}

static int dash_key(kt_ui *ui, int key)
{
    switch (key) {
    case 'q':
    case 'Q':
        return KT_KEY_HANDLED | KT_KEY_ASK_QUIT;
    case 'p':
    case 'P':
    case ' ':
        return KT_KEY_HANDLED | KT_KEY_PAUSE;
    case '?':
    case 'h':
    case KT_K_F1:
        return KT_KEY_HANDLED | KT_KEY_HELP;
    case 'r':
    case 'R':
        return KT_KEY_HANDLED | KT_KEY_REPORTS;
    case '+':
        return KT_KEY_HANDLED | KT_KEY_FASTER;
    case '-':
        return KT_KEY_HANDLED | KT_KEY_SLOWER;
    case '\t':
    case KT_K_RIGHT:
        ui->focus = (ui->focus + 1) % KT_PANEL_COUNT;
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case KT_K_BTAB:
    case KT_K_LEFT:
        ui->focus = (ui->focus + KT_PANEL_COUNT - 1) % KT_PANEL_COUNT;
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case KT_K_UP:
    case 'k':
        if (ui->focus == KT_PANEL_LOG) {
            if (ui->log_scroll < ui->snap.log_n - 1)
                ui->log_scroll++;
        } else if (ui->focus != KT_PANEL_METRICS) {
            ui->focus = KT_PANEL_METRICS; /* first press: focus the metrics */
        } else if (ui->sel_horizon > 0) {
            ui->sel_horizon--;
        }
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case KT_K_DOWN:
    case 'j':
        if (ui->focus == KT_PANEL_LOG) {
            if (ui->log_scroll > 0)
                ui->log_scroll--;
        } else if (ui->focus != KT_PANEL_METRICS) {
            ui->focus = KT_PANEL_METRICS;
        } else if (ui->sel_horizon + 1 < ui->snap.n_horizons) {
            ui->sel_horizon++;
        }
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    default:
        return KT_KEY_IGNORED;
    }
}

static void dash_resize(kt_ui *ui)
{
    (void)ui; /* the layout is computed from the screen size at every draw */
}

const kt_screen kt_screen_dashboard = {
    .name = "dashboard",
    .init = dash_init,
    .draw = dash_draw,
    .key = dash_key,
    .resize = dash_resize,
};
