/* probmetrics.c: scores of sampled paths and the HistVol20 baseline. See
 * probmetrics.h. */
#include "config.h"

#include "eval/probmetrics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double kt_prob_quantile_sorted(const double *s, int n, double q)
{
    if (n <= 0)
        return NAN;
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < n ? lo + 1 : lo;
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

double kt_prob_crps_sample(const double *s, int n, double y)
{
    if (n <= 0 || !isfinite(y))
        return NAN;
    /* sum_s sum_s' |x_s - x_s'| = 2 sum_i (2i - n + 1) x_(i) (0-based, sorted) */
    double abs_y = 0, spread = 0;
    for (int i = 0; i < n; i++) {
        abs_y += fabs(s[i] - y);
        spread += (2.0 * i - n + 1) * s[i];
    }
    return abs_y / n - spread / ((double)n * n);
}

void kt_prob_row_paths(const double *x, int S, double y, double *tmp, kt_prob_row *out)
{
    memcpy(tmp, x, (size_t)S * sizeof *tmp);
    qsort(tmp, (size_t)S, sizeof *tmp, cmp_double);
    int up = 0, below = 0;
    for (int s = 0; s < S; s++) {
        up += x[s] > 0;
        below += x[s] <= y;
    }
    out->p_up = (double)up / S;
    out->median = kt_prob_quantile_sorted(tmp, S, 0.5);
    out->lo80 = kt_prob_quantile_sorted(tmp, S, 0.1);
    out->hi80 = kt_prob_quantile_sorted(tmp, S, 0.9);
    if (!isfinite(y)) {
        out->brier = out->crps = out->pit = NAN;
        out->covered = -1;
        return;
    }
    double o = y > 0 ? 1.0 : 0.0;
    out->brier = (out->p_up - o) * (out->p_up - o);
    out->covered = out->lo80 <= y && y <= out->hi80;
    out->crps = kt_prob_crps_sample(tmp, S, y);
    out->pit = (double)below / S;
}

double kt_histvol20_sigma(const double *close, int stride, int bar)
{
    if (bar < KT_HISTVOL_DAYS)
        return NAN;
    double r[KT_HISTVOL_DAYS], mean = 0, ss = 0;
    for (int k = 0; k < KT_HISTVOL_DAYS; k++) {
        int t = bar - KT_HISTVOL_DAYS + 1 + k;
        r[k] = close[(size_t)t * stride] / close[(size_t)(t - 1) * stride] - 1.0;
        mean += r[k];
    }
    mean /= KT_HISTVOL_DAYS;
    for (int k = 0; k < KT_HISTVOL_DAYS; k++)
        ss += (r[k] - mean) * (r[k] - mean);
    return sqrt(ss / (KT_HISTVOL_DAYS - 1));
}

double kt_prob_norm_cdf(double z)
{
    return 0.5 * erfc(-z / sqrt(2.0));
}

void kt_prob_row_gauss(double sd, double y, kt_prob_row *out)
{
    const double z80 = 1.2815515655446004; /* Phi^-1(0.9) */
    out->p_up = 0.5;
    out->median = 0;
    out->lo80 = -z80 * sd;
    out->hi80 = z80 * sd;
    if (!isfinite(y) || !(sd > 0)) {
        out->brier = out->crps = out->pit = NAN;
        out->covered = -1;
        return;
    }
    double o = y > 0 ? 1.0 : 0.0, z = y / sd;
    out->brier = (0.5 - o) * (0.5 - o);
    out->covered = out->lo80 <= y && y <= out->hi80;
    out->pit = kt_prob_norm_cdf(z);
    double phi = exp(-0.5 * z * z) / sqrt(2.0 * M_PI);
    out->crps = sd * (z * (2.0 * out->pit - 1.0) + 2.0 * phi - 1.0 / sqrt(M_PI));
}

void kt_prob_acc_add(kt_prob_acc *a, const kt_prob_row *r)
{
    if (r->covered < 0)
        return;
    a->n++;
    a->brier += r->brier;
    a->covered += r->covered;
    a->crps += r->crps;
    a->pit += r->pit;
}

void kt_prob_acc_mean(const kt_prob_acc *a, kt_prob_metrics *out)
{
    out->n_names = (int)a->n;
    if (a->n == 0) {
        out->brier = out->coverage_80 = out->crps = out->pit_mean = NAN;
        return;
    }
    out->brier = a->brier / a->n;
    out->coverage_80 = a->covered / a->n;
    out->crps = a->crps / a->n;
    out->pit_mean = a->pit / a->n;
}

int kt_prob_rel_bin(double p)
{
    int k = (int)floor(p * KT_REL_BINS);
    return k < 0 ? 0 : k >= KT_REL_BINS ? KT_REL_BINS - 1 : k;
}

int kt_prob_pit_bin(double pit)
{
    return kt_prob_rel_bin(pit);
}

void kt_prob_rel_add(kt_reliability *r, double p, double y)
{
    if (!isfinite(p) || !isfinite(y))
        return;
    int k = kt_prob_rel_bin(p);
    r->n[k]++;
    r->sum_p[k] += p;
    r->ups[k] += y > 0;
}

long kt_prob_counts_of(const kt_date_result *dates, int nd, int h, kt_prob_counts *out)
{
    memset(out, 0, sizeof *out);
    for (int d = 0; d < nd; d++) {
        if (!dates[d].pm)
            continue;
        for (int i = 0; i < dates[d].n_rows; i++) {
            const kt_score_row *r = &dates[d].rows[i];
            double y = kt_prob_outcome(r);
            if (r->h != h || !isfinite(y) || !isfinite(r->p_up) || !isfinite(r->pit))
                continue;
            kt_prob_rel_add(&out->rel, r->p_up, y);
            out->pit[kt_prob_pit_bin(r->pit)]++;
            out->n++;
            if (isfinite(r->hv_pit)) {
                out->pit_hv[kt_prob_pit_bin(r->hv_pit)]++;
                out->hv_ups += y > 0;
                out->hv_n++;
            }
        }
    }
    return out->n;
}

int kt_prob_date(kt_date_result *d, const kt_prices *p, const int *horizons, int nh,
                 const double *paths, int S)
{
    if (!d->pm) {
        d->pm = calloc((size_t)nh * 2, sizeof *d->pm);
        if (!d->pm)
            return -1;
    }
    d->pm_hv = d->pm + nh;
    double *tmp = malloc((size_t)(S > 0 ? S : 1) * sizeof *tmp);
    if (!tmp)
        return -1;
    kt_prob_acc acc[KT_MAX_HORIZONS * 2];
    memset(acc, 0, sizeof acc);
    kt_time t = 0;
    kt_time_parse(d->date, &t);
    for (int i = 0; i < d->n_rows; i++) {
        kt_score_row *w = &d->rows[i];
        kt_prob_row pr, hv;
        const kt_series *se = &p->series[w->series];
        int bar = kt_series_find(se, t), h = horizons[w->h];
        double y = kt_series_return(se, bar, h); /* the ticker's own return, no benchmark */
        w->prob_y = y;
        kt_prob_row_paths(paths + (size_t)i * S, S, y, tmp, &pr);
        w->p_up = pr.p_up;
        w->median = pr.median;
        w->pit = pr.pit;
        kt_prob_acc_add(&acc[w->h], &pr);
        double sigma = bar >= 0 ? kt_histvol20_sigma(se->ohlcva + 3, 6, bar) : NAN;
        kt_prob_row_gauss(sigma * sqrt((double)h), y, &hv);
        w->hv_pit = hv.pit;
        kt_prob_acc_add(&acc[KT_MAX_HORIZONS + w->h], &hv);
    }
    for (int h = 0; h < nh; h++) {
        kt_prob_acc_mean(&acc[h], &d->pm[h]);
        kt_prob_acc_mean(&acc[KT_MAX_HORIZONS + h], &d->pm_hv[h]);
    }
    free(tmp);
    return 0;
}
