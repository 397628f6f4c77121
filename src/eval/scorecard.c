/* scorecard.c: gates and churn diagnostics. See scorecard.h. */
#include "config.h"

#include "eval/scorecard.h"

#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "base/i18n.h"
#include "eval/metrics.h"

const char *kt_gate_name(kt_gate_state s)
{
    return s == KT_GATE_PASS ? "pass" : s == KT_GATE_FAIL ? "fail" : "not_run";
}

static int ge(double v, double thr)
{
    return v >= thr - KT_GATE_TOL;
}
static int le(double v, double thr)
{
    return v <= thr + KT_GATE_TOL;
}
/* strict: a value equal to the threshold within the tolerance fails */
static int lt(double v, double thr)
{
    return v < thr - KT_GATE_TOL;
}

static void not_run(kt_gate *g, const char *why, int horizon)
{
    g->state = KT_GATE_NOT_RUN;
    if (horizon > 0)
        snprintf(g->detail, sizeof g->detail, "%s (%dd)", why, horizon);
    else
        snprintf(g->detail, sizeof g->detail, "%s", why);
}

/* 1 when every horizon has a finite headline and a finite value at off;
 * otherwise the gate is not_run, saying what is missing (why). */
static int all_known(const kt_scorecard_row *rows, int n, size_t off, const char *why, kt_gate *out)
{
    out->detail[0] = '\0';
    if (n == 0) {
        not_run(out, _("no horizon"), 0);
        return 0;
    }
    for (int i = 0; i < n; i++) {
        double v = *(const double *)((const char *)&rows[i] + off);
        if (!isfinite(rows[i].rankic_headline) || !isfinite(v)) {
            not_run(out, isfinite(rows[i].rankic_headline) ? why : _("headline RankIC n/a"),
                    rows[i].horizon);
            return 0;
        }
    }
    return 1;
}

/* Appends one horizon's numbers to the gate's detail ("; " between). */
static void add_detail(kt_gate *g, int first, const char *fmt, ...)
{
    size_t w = strlen(g->detail);
    if (!first && w + 2 < sizeof g->detail) {
        memcpy(g->detail + w, "; ", 3);
        w += 2;
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(g->detail + w, sizeof g->detail - w, fmt, ap);
    va_end(ap);
}

void kt_gate_1(const kt_scorecard_row *rows, int n, kt_gate *out)
{
    if (!all_known(rows, n, offsetof(kt_scorecard_row, momentum_corr_median),
                   _("momentum control not run"), out))
        return;
    int strong = 0, mom_ok = 1;
    for (int i = 0; i < n; i++) {
        const kt_scorecard_row *r = &rows[i];
        strong += ge(r->rankic_headline, 0.02);
        mom_ok &= lt(fabs(r->momentum_corr_median), 0.5);
        add_detail(out, i == 0, _("%dd RankIC %+.4f |momentum corr.| %.3f"), r->horizon,
                   r->rankic_headline, fabs(r->momentum_corr_median));
    }
    out->state = strong >= 2 && mom_ok ? KT_GATE_PASS : KT_GATE_FAIL;
}

void kt_gate_2(const kt_scorecard_row *rows, int n, kt_gate *out)
{
    if (!all_known(rows, n, offsetof(kt_scorecard_row, best_baseline_rankic),
                   _("baselines not run"), out))
        return;
    int any = 0;
    for (int i = 0; i < n; i++) {
        const kt_scorecard_row *r = &rows[i];
        any |=
            ge(r->rankic_headline, 0.05) || ge(r->rankic_headline, r->best_baseline_rankic - 0.03);
        add_detail(out, i == 0, _("%dd RankIC %+.4f vs %s %+.4f"), r->horizon, r->rankic_headline,
                   r->best_baseline && r->best_baseline[0] ? r->best_baseline : "?",
                   r->best_baseline_rankic);
    }
    out->state = any ? KT_GATE_PASS : KT_GATE_FAIL;
}

void kt_gate_3(const kt_scorecard_row *rows, int n, kt_gate *out)
{
    int best = -1;
    out->detail[0] = '\0';
    for (int i = 0; i < n; i++)
        if (isfinite(rows[i].rankic_headline) &&
            (best < 0 || rows[i].rankic_headline > rows[best].rankic_headline))
            best = i;
    if (best < 0) {
        not_run(out, _("no headline RankIC"), 0);
        return;
    }
    const kt_scorecard_row *r = &rows[best];
    if (!isfinite(r->churn_median_20)) {
        not_run(out, _("top-20 churn n/a"), r->horizon);
        return;
    }
    if (!isfinite(r->cost_survival)) {
        not_run(out, _("cost overlays not run"), r->horizon);
        return;
    }
    out->state =
        le(r->churn_median_20, 0.30) && ge(r->cost_survival, 0.30) ? KT_GATE_PASS : KT_GATE_FAIL;
    snprintf(out->detail, sizeof out->detail,
             _("%dd: top-20 churn median %.3f, cost survival %.3f"), r->horizon, r->churn_median_20,
             r->cost_survival);
}

void kt_scorecard_gates(const kt_scorecard_row *rows, int n, kt_gate out[KT_N_GATES])
{
    kt_gate_1(rows, n, &out[0]);
    kt_gate_2(rows, n, &out[1]);
    kt_gate_3(rows, n, &out[2]);
}

void kt_churn_diagnostics(const double *churn, int n, kt_churn_diag *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->median = out->mean = out->p90 = out->pct_high = NAN;
    if (n <= 0)
        return;
    double s = 0;
    int high = 0;
    for (int i = 0; i < n; i++) {
        s += churn[i];
        high += churn[i] > 0.5 + KT_GATE_TOL;
    }
    out->mean = s / n;
    out->median = kt_metrics_median(churn, n);
    out->p90 = kt_metrics_quantile(churn, n, 0.9);
    out->pct_high = (double)high / n;
    out->high_churn = out->median > 0.5 + KT_GATE_TOL;
}

double kt_share_positive(const double *x, int n)
{
    int m = 0, pos = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) {
            m++;
            pos += x[i] > 0;
        }
    return m ? (double)pos / m : NAN;
}
