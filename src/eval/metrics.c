/* metrics.c: see metrics.h. */
#include "config.h"

#include "eval/metrics.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ival {
    double v;
    int i;
} ival;

static int cmp_ival(const void *a, const void *b)
{
    const ival *x = a, *y = b;
    if (x->v != y->v)
        return x->v < y->v ? -1 : 1;
    return x->i - y->i;
}

void kt_metrics_ranks(const double *x, int n, double *ranks)
{
    ival *s = malloc((size_t)(n > 0 ? n : 1) * sizeof *s);
    if (!s) {
        for (int i = 0; i < n; i++)
            ranks[i] = NAN;
        return;
    }
    for (int i = 0; i < n; i++)
        s[i] = (ival){x[i], i};
    qsort(s, (size_t)n, sizeof *s, cmp_ival);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && s[j + 1].v == s[i].v)
            j++;
        double r = (i + j) / 2.0 + 1.0;
        for (int k = i; k <= j; k++)
            ranks[s[k].i] = r;
        i = j + 1;
    }
    free(s);
}

double kt_metrics_pearson(const double *x, const double *y, int n)
{
    if (n < 2)
        return NAN;
    double mx = 0, my = 0;
    for (int i = 0; i < n; i++) {
        mx += x[i];
        my += y[i];
    }
    mx /= n;
    my /= n;
    double sxy = 0, sxx = 0, syy = 0;
    for (int i = 0; i < n; i++) {
        double dx = x[i] - mx, dy = y[i] - my;
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    if (sxx <= 0 || syy <= 0)
        return NAN;
    return sxy / sqrt(sxx * syy);
}

double kt_metrics_spearman(const double *x, const double *y, int n)
{
    if (n < 2)
        return NAN;
    double *rx = malloc((size_t)n * 2 * sizeof *rx);
    if (!rx)
        return NAN;
    double *ry = rx + n;
    kt_metrics_ranks(x, n, rx);
    kt_metrics_ranks(y, n, ry);
    double r = kt_metrics_pearson(rx, ry, n);
    free(rx);
    return r;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

double kt_metrics_quantile(const double *x, int n, double q)
{
    if (n <= 0)
        return NAN;
    double *s = malloc((size_t)n * sizeof *s);
    if (!s)
        return NAN;
    memcpy(s, x, (size_t)n * sizeof *s);
    qsort(s, (size_t)n, sizeof *s, cmp_double);
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < n ? lo + 1 : lo;
    double r = s[lo] + (s[hi] - s[lo]) * (pos - lo);
    free(s);
    return r;
}

double kt_metrics_median(const double *x, int n)
{
    return kt_metrics_quantile(x, n, 0.5);
}


static int cmp_order(const void *a, const void *b, void *ctx)
{
    const kt_xrow *r = ctx;
    const kt_xrow *x = &r[*(const int *)a], *y = &r[*(const int *)b];
    if (x->score != y->score)
        return x->score > y->score ? -1 : 1;
    return strcmp(x->ticker, y->ticker);
}

/* Insertion-merge sort with a context (qsort_r is not C11). */
static void sort_idx(int *idx, int n, const kt_xrow *rows)
{
    if (n < 2)
        return;
    int *tmp = malloc((size_t)n * sizeof *tmp);
    if (!tmp) { /* fallback: insertion sort */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && cmp_order(&idx[j - 1], &idx[j], (void *)rows) > 0; j--) {
                int t = idx[j];
                idx[j] = idx[j - 1];
                idx[j - 1] = t;
            }
        return;
    }
    for (int w = 1; w < n; w *= 2) {
        for (int lo = 0; lo < n; lo += 2 * w) {
            int mid = lo + w < n ? lo + w : n, hi = lo + 2 * w < n ? lo + 2 * w : n;
            int a = lo, b = mid, k = lo;
            while (a < mid && b < hi)
                tmp[k++] = cmp_order(&idx[a], &idx[b], (void *)rows) <= 0 ? idx[a++] : idx[b++];
            while (a < mid)
                tmp[k++] = idx[a++];
            while (b < hi)
                tmp[k++] = idx[b++];
        }
        memcpy(idx, tmp, (size_t)n * sizeof *idx);
    }
    free(tmp);
}

void kt_metrics_order(const kt_xrow *rows, int n, int *idx)
{
    for (int i = 0; i < n; i++)
        idx[i] = i;
    sort_idx(idx, n, rows);
}

int kt_metrics_quintile_legs(const kt_xrow *rows, int n, int *idx)
{
    kt_metrics_order(rows, n, idx);
    return n / 5;
}

double kt_metrics_quintile_spread(const kt_xrow *rows, int n)
{
    if (n < 5)
        return NAN;
    int *idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        return NAN;
    int q = kt_metrics_quintile_legs(rows, n, idx);
    double top = 0, bot = 0;
    for (int i = 0; i < q; i++) {
        top += rows[idx[i]].label;
        bot += rows[idx[n - 1 - i]].label;
    }
    free(idx);
    return top / q - bot / q;
}

void kt_metrics_quintile_means(const kt_xrow *rows, int n, int *idx, double out[5])
{
    for (int k = 0; k < 5; k++)
        out[k] = NAN;
    if (n < 5)
        return;
    int q = kt_metrics_quintile_legs(rows, n, idx);
    double top = 0, bot = 0;
    for (int i = 0; i < q; i++) { /* the order of kt_metrics_quintile_spread */
        top += rows[idx[i]].label;
        bot += rows[idx[n - 1 - i]].label;
    }
    out[4] = top / q;
    out[0] = bot / q;
    /* the middle: positions q .. n-q-1 in score order (descending) */
    int mid = n - 2 * q;
    for (int j = 0; j < 3; j++) {
        int a = q + mid * j / 3, b = q + mid * (j + 1) / 3;
        double s = 0;
        for (int i = a; i < b; i++)
            s += rows[idx[i]].label;
        out[3 - j] = b > a ? s / (b - a) : NAN;
    }
}

/* Top-K share of positive labels and mean label, rows already ordered
 * (idx from kt_metrics_order); NaN when n < k. */
static void ordered_topk(const kt_xrow *rows, const int *idx, int n, int k, double *hit_rate,
                         double *avg_er)
{
    *hit_rate = *avg_er = NAN;
    if (n < k || k < 1)
        return;
    int pos = 0;
    double sum = 0;
    for (int i = 0; i < k; i++) {
        double l = rows[idx[i]].label;
        pos += l > 0;
        sum += l;
    }
    *hit_rate = (double)pos / k;
    *avg_er = sum / k;
}

void kt_metrics_topk(const kt_xrow *rows, int n, int k, double *hit_rate, double *avg_er)
{
    *hit_rate = *avg_er = NAN;
    if (n < k || k < 1)
        return;
    int *idx = malloc((size_t)n * sizeof *idx);
    if (!idx)
        return;
    kt_metrics_order(rows, n, idx);
    ordered_topk(rows, idx, n, k, hit_rate, avg_er);
    free(idx);
}


void kt_metrics_date(const kt_xrow *rows, int n, kt_date_metrics *out)
{
    out->n_names = 0;
    out->rankic = out->ic = out->quintile_spread = NAN;
    out->hit_rate_10 = out->avg_er_10 = out->hit_rate_20 = out->avg_er_20 = NAN;
    kt_xrow *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    double *x = malloc((size_t)(n > 0 ? n : 1) * 2 * sizeof *x);
    if (!v || !x) {
        free(v), free(x);
        return;
    }
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(rows[i].score) && isfinite(rows[i].label))
            v[m++] = rows[i];
    out->n_names = m;
    if (m >= KT_MIN_NAMES) {
        double *y = x + m;
        for (int i = 0; i < m; i++) {
            x[i] = v[i].score;
            y[i] = v[i].label;
        }
        out->rankic = kt_metrics_spearman(x, y, m);
        out->ic = kt_metrics_pearson(x, y, m);
        /* one ordering serves the quintiles and both top-K sets: the sums
         * run over the same rows in the same order as
         * kt_metrics_quintile_spread and kt_metrics_topk, bit for bit */
        int *idx = malloc((size_t)m * sizeof *idx);
        if (idx) {
            kt_metrics_order(v, m, idx);
            int q = m / 5;
            double top = 0, bot = 0;
            for (int i = 0; i < q; i++) {
                top += v[idx[i]].label;
                bot += v[idx[m - 1 - i]].label;
            }
            out->quintile_spread = top / q - bot / q;
            ordered_topk(v, idx, m, 10, &out->hit_rate_10, &out->avg_er_10);
            ordered_topk(v, idx, m, 20, &out->hit_rate_20, &out->avg_er_20);
            free(idx);
        }
    }
    free(v);
    free(x);
}

int kt_metrics_ic_decay(const double *rankic, int n, kt_ic_decay *out)
{
    memset(out, 0, sizeof *out);
    out->early_median = out->late_median = out->decay = out->pct_positive = NAN;
    out->median = out->iqr = NAN;
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return 0;
    int m = 0, pos = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(rankic[i])) {
            v[m++] = rankic[i];
            pos += rankic[i] > 0;
        }
    out->n = m;
    if (m < KT_DECAY_MIN_DATES) {
        free(v);
        return 0;
    }
    int third = m / 3;
    out->early_median = kt_metrics_median(v, third);
    out->late_median = kt_metrics_median(v + 2 * third, m - 2 * third);
    out->decay = out->late_median - out->early_median;
    out->pct_positive = (double)pos / m;
    out->median = kt_metrics_median(v, m);
    out->iqr = kt_metrics_quantile(v, m, 0.75) - kt_metrics_quantile(v, m, 0.25);
    out->rapid_decay = out->decay < -0.05;
    out->noisy = out->median == 0.0 || out->iqr / fabs(out->median) > 2.0;
    free(v);
    return 1;
}

void kt_metrics_flags(const kt_ic_decay *d, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s%s", d->rapid_decay ? "RAPID_DECAY" : "",
             d->rapid_decay && d->noisy ? "," : "", d->noisy ? "NOISY" : "");
}

void kt_metrics_run_stats(const double *x, int n, kt_run_stats *out)
{
    out->n = 0;
    out->mean = out->std = out->icir = out->tstat = out->median = NAN;
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i]))
            v[m++] = x[i];
    out->n = m;
    if (m >= 1) {
        double s = 0;
        for (int i = 0; i < m; i++)
            s += v[i];
        out->mean = s / m;
        out->median = kt_metrics_median(v, m);
    }
    if (m >= 2) {
        double ss = 0;
        for (int i = 0; i < m; i++)
            ss += (v[i] - out->mean) * (v[i] - out->mean);
        out->std = sqrt(ss / (m - 1));
        if (out->std > 0) {
            out->icir = out->mean / out->std;
            out->tstat = out->mean / (out->std / sqrt((double)m));
        }
    }
    free(v);
}

double kt_metrics_nw_t(const double *x, int n, int h)
{
    double *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    if (!v)
        return NAN;
    int m = 0;
    double s = 0;
    for (int i = 0; i < n; i++)
        if (isfinite(x[i])) {
            v[m++] = x[i];
            s += x[i];
        }
    double t = NAN;
    if (m >= 2) {
        double mean = s / m, var = 0;
        int lags = h - 1 < m - 1 ? h - 1 : m - 1;
        for (int j = 0; j <= (lags > 0 ? lags : 0); j++) {
            double g = 0;
            for (int i = j; i < m; i++)
                g += (v[i] - mean) * (v[i - j] - mean);
            g /= m;
            var += j == 0 ? g : 2.0 * (1.0 - (double)j / (lags + 1)) * g;
        }
        if (var > 0)
            t = mean / sqrt(var / m);
    }
    free(v);
    return t;
}

double kt_metrics_retention(const char *const *a, const char *const *b, int k)
{
    if (k <= 0)
        return NAN;
    int common = 0;
    for (int i = 0; i < k; i++)
        for (int j = 0; j < k; j++)
            if (strcmp(a[i], b[j]) == 0) {
                common++;
                break;
            }
    return (double)common / k;
}
