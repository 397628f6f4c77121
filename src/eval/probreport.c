/* probreport.c: prob_metrics.csv and the REPORT.md section of sampled
 * paths. See probreport.h. */
#include "config.h"

#include "eval/probreport.h"
#include "eval/report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "eval/metrics.h"
#include "eval/probmetrics.h"

#define H_PROB "date,fold_id,horizon,n_names,brier,coverage_80,crps,pit_mean\n"

static void num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputc(',', f);
}

int kt_probreport_csv(const kt_report_input *in, char *err, size_t errlen)
{
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/prob_metrics.csv", in->run_dir);
    FILE *f = kt_atomic_open(path, tmp, sizeof tmp);
    if (!f) {
        snprintf(err, errlen, _("%s: cannot write: %s"), tmp, strerror(errno));
        return -1;
    }
    fputs(H_PROB, f);
    for (int d = 0; d < in->n_dates && !in->empty_reason; d++) {
        const kt_date_result *dr = &in->dates[d];
        for (int h = 0; dr->pm && h < in->cfg->n_horizons; h++) {
            const kt_prob_metrics *m = &dr->pm[h];
            fprintf(f, "%s,%s,%d,%d", dr->date, in->plan->f[dr->fold].id, in->cfg->horizons[h],
                    m->n_names);
            num(f, m->brier);
            num(f, m->coverage_80);
            num(f, m->crps);
            num(f, m->pit_mean);
            fputc('\n', f);
        }
    }
    if (kt_atomic_commit(f, tmp, path) != 0) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Pooled over the run's dates for horizon h: row-weighted means. */
static void pooled(const kt_report_input *in, int h, int hv, kt_prob_metrics *out)
{
    kt_prob_acc a;
    memset(&a, 0, sizeof a);
    for (int d = 0; d < in->n_dates; d++) {
        const kt_date_result *dr = &in->dates[d];
        if (!dr->pm)
            continue;
        const kt_prob_metrics *m = hv ? &dr->pm_hv[h] : &dr->pm[h];
        if (m->n_names == 0)
            continue;
        a.n += m->n_names;
        a.brier += m->brier * m->n_names;
        a.covered += m->coverage_80 * m->n_names;
        a.crps += m->crps * m->n_names;
        a.pit += m->pit_mean * m->n_names;
    }
    kt_prob_acc_mean(&a, out);
}

/* Mean and median per-date RankIC of one of the three scores. */
enum { SC_MEAN, SC_MEDIAN, SC_PUP };
static void rankic_of(const kt_report_input *in, int h, int which, double *mean, double *median,
                      int *n_dates)
{
    int cap = 1;
    for (int d = 0; d < in->n_dates; d++)
        cap = in->dates[d].n_rows > cap ? in->dates[d].n_rows : cap;
    kt_xrow *xr = malloc((size_t)cap * sizeof *xr);
    double *v = malloc((size_t)(in->n_dates + 1) * sizeof *v);
    int m = 0;
    for (int d = 0; xr && v && d < in->n_dates; d++) {
        const kt_date_result *dr = &in->dates[d];
        if (!dr->pm)
            continue;
        int k = 0;
        for (int i = 0; i < dr->n_rows; i++) {
            const kt_score_row *r = &dr->rows[i];
            if (r->h != h)
                continue;
            xr[k].ticker = in->prices->series[r->series].ticker;
            xr[k].score = which == SC_MEAN     ? r->pred_close / r->spot_close - 1.0
                          : which == SC_MEDIAN ? r->median
                                               : r->p_up;
            xr[k].label = r->label;
            k++;
        }
        kt_date_metrics dm;
        kt_metrics_date(xr, k, &dm);
        if (isfinite(dm.rankic))
            v[m++] = dm.rankic;
    }
    kt_run_stats rs;
    kt_metrics_run_stats(v ? v : (double[1]){0}, v ? m : 0, &rs);
    *mean = m ? rs.mean : NAN;
    *median = m ? rs.median : NAN;
    *n_dates = m;
    free(xr);
    free(v);
}

void kt_probreport_md(FILE *f, const kt_report_input *in, const kt_figure_state *fig)
{
    const int S = in->cfg->sample_count, nh = in->cfg->n_horizons;
    if (S < 2)
        return;
    char b[8][32];
    fprintf(f, "\n## Probabilistic forecasts (%d sampled paths)\n\n", S);
    fputs("Each (date, ticker, horizon) keeps the predicted return of every path "
          "(`paths.csv`; per date and horizon in `prob_metrics.csv`). p_up = share of paths "
          "above the spot close; Brier score of p_up against an up move; coverage of the "
          "central 80 % interval (10th-90th percentile of the paths, interpolated, bounds "
          "inclusive); CRPS (sample estimator; lower is better); PIT = share of paths at or "
          "below the realised return (calibrated: mean 0.5, flat histogram). HistVol20: a "
          "zero-drift Gaussian random walk with the ticker's trailing 20-day volatility "
          "(sample std of the last 20 daily simple returns, times sqrt(h)); its p_up is 0.5, "
          "so its Brier score is 0.25.\n\n",
          f);
    if (in->cfg->benchmark[0])
        fprintf(f,
                "The labels are excess returns over %s (`scores.csv`, RankIC), but the paths "
                "forecast each ticker's own close: Brier, coverage, CRPS, PIT, the reliability "
                "and PIT figures and HistVol20 score them against the ticker's raw return, not "
                "net of %s.\n\n",
                in->cfg->benchmark, in->cfg->benchmark);
    fputs("| horizon | forecast | rows | Brier | 80 % coverage | CRPS | mean PIT |\n"
          "|---|---|---|---|---|---|---|\n",
          f);
    kt_prob_metrics k[KT_MAX_HORIZONS], hv[KT_MAX_HORIZONS];
    for (int h = 0; h < nh; h++) {
        pooled(in, h, 0, &k[h]);
        pooled(in, h, 1, &hv[h]);
        for (int w = 0; w < 2; w++) {
            const kt_prob_metrics *m = w ? &hv[h] : &k[h];
            fprintf(f, "| %dd | %s | %d | %s | %s | %s | %s |\n", in->cfg->horizons[h],
                    w ? "HistVol20" : "Kronos", m->n_names, kt_report_md_num(m->brier, b[0], 32, 4, 0),
                    kt_report_md_num(100 * m->coverage_80, b[1], 32, 1, '%'), kt_report_md_num(m->crps, b[2], 32, 5, 0),
                    kt_report_md_num(m->pit_mean, b[3], 32, 3, 0));
        }
    }
    fputs("\n", f);
    for (int h = 0; h < nh; h++) {
        if (k[h].n_names == 0 || hv[h].n_names == 0) {
            fprintf(f, "- %dd: no rows to compare the spreads on.\n", in->cfg->horizons[h]);
            continue;
        }
        double ek = fabs(k[h].coverage_80 - 0.8), eh = fabs(hv[h].coverage_80 - 0.8);
        fprintf(f,
                "- %dd: Kronos' 80 %% interval covers %.1f %% of the outcomes (%s), HistVol20's "
                "%.1f %%: Kronos' spread is %s calibrated than the baseline's; CRPS %s "
                "(%.5f against %.5f).\n",
                in->cfg->horizons[h], 100 * k[h].coverage_80,
                k[h].coverage_80 < 0.8 ? "too narrow" : "too wide", 100 * hv[h].coverage_80,
                ek < eh ? "better" : ek > eh ? "worse" : "as well", 
                k[h].crps < hv[h].crps ? "better" : k[h].crps > hv[h].crps ? "worse" : "equal",
                k[h].crps, hv[h].crps);
    }

    /* the figures of the two tables below */
    static const int pf[2] = {KT_FIG_RELIABILITY, KT_FIG_PIT_HISTOGRAM};
    for (int i = 0; i < 2; i++) {
        if (fig[pf[i]] == KT_FIGURE_DRAWN)
            fprintf(f, "\n![%s](figures/%s.png)\n", kt_figure_caption(pf[i]),
                    kt_figure_name(pf[i]));
        else
            fprintf(f, "\n- %s: %s: %s\n", kt_figure_caption(pf[i]), _("figure not drawn"),
                    kt_figure_reason(fig[pf[i]]));
    }

    /* reliability of p_up and the PIT histogram, per horizon */
    for (int h = 0; h < nh; h++) {
        kt_prob_counts c;
        kt_prob_counts_of(in->dates, in->n_dates, h, &c);
        const kt_reliability rel = c.rel;
        const long *pit = c.pit, *pit_hv = c.pit_hv;
        const long np = c.n, nhv = c.hv_n;
        fprintf(f, "\n### Reliability of p_up, %dd\n\n", in->cfg->horizons[h]);
        fputs("| p_up bin | rows | mean p_up | observed up share |\n|---|---|---|---|\n", f);
        for (int q = 0; q < KT_REL_BINS; q++)
            fprintf(f, "| %.1f-%.1f | %ld | %s | %s |\n", q / 10.0, (q + 1) / 10.0, rel.n[q],
                    kt_report_md_num(rel.n[q] ? rel.sum_p[q] / rel.n[q] : NAN, b[0], 32, 3, 0),
                    kt_report_md_num(rel.n[q] ? (double)rel.ups[q] / rel.n[q] : NAN, b[1], 32, 3, 0));
        fprintf(f, "\n### PIT histogram, %dd (share of rows per bin; calibrated: 10 %% each)\n\n",
                in->cfg->horizons[h]);
        fputs("| PIT bin | Kronos | HistVol20 |\n|---|---|---|\n", f);
        for (int q = 0; q < KT_PIT_BINS; q++)
            fprintf(f, "| %.1f-%.1f | %s | %s |\n", q / 10.0, (q + 1) / 10.0,
                    kt_report_md_num(np ? 100.0 * pit[q] / np : NAN, b[0], 32, 1, '%'),
                    kt_report_md_num(nhv ? 100.0 * pit_hv[q] / nhv : NAN, b[1], 32, 1, '%'));
    }

    fprintf(f, "\n### Ranking score (`--score`; this run: %s)\n\n", in->cfg->score);
    fputs("Per-date RankIC of the three scores, all from the same paths.\n\n"
          "| horizon | score | dates | mean RankIC | median RankIC |\n|---|---|---|---|---|\n",
          f);
    static const char *names[] = {"mean", "median", "p_up"};
    for (int h = 0; h < nh; h++)
        for (int w = 0; w < 3; w++) {
            double mean, median;
            int n;
            rankic_of(in, h, w, &mean, &median, &n);
            fprintf(f, "| %dd | %s | %d | %s | %s |\n", in->cfg->horizons[h], names[w], n,
                    kt_report_md_num(mean, b[0], 32, 4, '+'), kt_report_md_num(median, b[1], 32, 4, '+'));
        }
}
