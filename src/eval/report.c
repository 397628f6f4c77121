/* report.c: output files of a run directory. See report.h. */
#include "config.h"

#include "eval/report.h"

#include <csv.h>
#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/rng.h"
#include "eval/baselines.h"
#include "eval/costs.h"
#include "eval/figures.h"
#include "eval/html.h"
#include "eval/probreport.h"
#include "eval/scorecard.h"
#include "model/blas.h"

FILE *kt_atomic_open(const char *path, char *tmp, size_t tmplen)
{
    snprintf(tmp, tmplen, "%s.tmp.%ld", path, (long)getpid());
    return fopen(tmp, "w");
}

int kt_atomic_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f);
    if (fflush(f) != 0)
        bad = 1;
    if (!bad && fsync(fileno(f)) != 0)
        bad = 1;
    if (fclose(f) != 0)
        bad = 1;
    if (!bad && rename(tmp, path) != 0)
        bad = 1;
    if (bad) {
        int e = errno;
        remove(tmp);
        errno = e;
        return -1;
    }
    return 0;
}

static const char *const spark[8] = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83",
                                     "\xe2\x96\x84", "\xe2\x96\x85", "\xe2\x96\x86",
                                     "\xe2\x96\x87", "\xe2\x96\x88"};

void kt_report_sparkline(const double *v, int n, double lo, double hi, char *buf, size_t len)
{
    size_t w = 0;
    buf[0] = '\0';
    for (int i = 0; i < n && w + 4 < len; i++) {
        if (!isfinite(v[i])) {
            buf[w++] = ' ';
        } else {
            int k = hi > lo ? (int)floor((v[i] - lo) / (hi - lo) * 8.0) : 4;
            k = k < 0 ? 0 : k > 7 ? 7 : k;
            memcpy(buf + w, spark[k], 3);
            w += 3;
        }
        buf[w] = '\0';
    }
}

/* ---- formatting --------------------------------------------------------- */

static void put_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputc(',', f);
}

/* n doubles, each as put_num. */
static void put_nums(FILE *f, int n, ...)
{
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++)
        put_num(f, va_arg(ap, double));
    va_end(ap);
}

static void put_field(FILE *f, const char *s)
{
    if (strpbrk(s, ",\"\r\n"))
        csv_fwrite(f, s, strlen(s));
    else
        fputs(s, f);
}

const char *kt_report_md_num(double v, char *buf, size_t n, int prec, char flag)
{
    if (!isfinite(v))
        snprintf(buf, n, "%s", _("n/a"));
    else if (flag == '+')
        snprintf(buf, n, "%+.*f", prec, v);
    else if (flag == '%')
        snprintf(buf, n, "%.*f%%", prec, v);
    else
        snprintf(buf, n, "%.*f", prec, v);
    return buf;
}

/* ---- computation -------------------------------------------------------- */

/* The churn of one (horizon, K) over the run's date pairs (consecutive
 * dates of one fold), in date order. */
typedef struct churn_sum {
    int pairs;
    double retention_sum;
    double *churn;  /* [pairs] */
    double *ret;    /* [pairs] retention */
    int *date;      /* [pairs] index of the pair's later date */
} churn_sum;

/* Everything computed per date of the run, once; the summaries of the
 * whole run and of a part of it (a period, the dates so far) read it. */
typedef struct calc {
    const kt_report_input *in;
    int nh, nd, nf;
    kt_date_metrics *dm;   /* [nd][nh] */
    double *ric;           /* [nd][nh] */
    kt_baseline_date *bd;  /* [nd][nh] baselines and momentum correlation */
    kt_cost_date *cd;      /* [nd][nh] cost overlays */
    churn_sum cs[KT_MAX_HORIZONS * 2]; /* [nh][K = 10, 20] */
    double *pool;          /* the churn_sum arrays */
    int *dpool;
} calc;

/* The model's training cutoff and the scorecards on each side of it. */
typedef struct cutoff_split {
    const char *date;      /* YYYY-MM-DD; NULL: no cutoff */
    const char *source;    /* "option", "default" or "none" */
    int k;                 /* dates on or before it: dates[0..k) */
    kt_report_card before, after;
} cutoff_split;

static int rows_for(const kt_date_result *d, int h, const kt_prices *p, kt_xrow *out)
{
    int m = 0;
    for (int i = 0; i < d->n_rows; i++) {
        const kt_score_row *r = &d->rows[i];
        if (r->h != h)
            continue;
        out[m].ticker = p->series[r->series].ticker;
        out[m].score = r->score;
        out[m].label = r->label;
        m++;
    }
    return m;
}

static int max_rows(const kt_report_input *in)
{
    int m = 1;
    for (int i = 0; i < in->n_dates; i++)
        if (in->dates[i].n_rows > m)
            m = in->dates[i].n_rows;
    return m;
}

int kt_report_date_metrics(kt_date_result *d, const kt_prices *p, int nh)
{
    if (d->dm && d->bd)
        return 0;
    size_t cap = (size_t)(d->n_rows ? d->n_rows : 1);
    kt_xrow *xr = malloc(cap * sizeof *xr);
    double *x = malloc(cap * 2 * sizeof *x);
    kt_date_metrics *dm = calloc((size_t)nh, sizeof *dm);
    kt_baseline_date *bd = calloc((size_t)nh, sizeof *bd);
    if (!xr || !x || !dm || !bd) {
        free(xr), free(x), free(dm), free(bd);
        return -1;
    }
    for (int h = 0; h < nh; h++) {
        kt_metrics_date(xr, rows_for(d, h, p, xr), &dm[h]);
        kt_baselines_date(d, h, p, xr, x, x + cap, &bd[h]);
    }
    free(xr);
    free(x);
    free(d->dm);
    free(d->bd);
    d->dm = dm;
    d->bd = bd;
    return 0;
}

static int churn_calc(calc *c);

/* The per-date computations of in->dates (every date's metrics must be
 * there). 0 ok, -1 out of memory (calc_free in both cases). */
static int calc_init(calc *c, const kt_report_input *in)
{
    memset(c, 0, sizeof *c);
    c->in = in;
    c->nh = in->cfg->n_horizons;
    c->nd = in->n_dates;
    c->nf = in->plan->n;
    size_t cells = (size_t)(c->nd ? c->nd : 1) * (size_t)c->nh;
    c->dm = calloc(cells, sizeof *c->dm);
    c->ric = calloc(cells, sizeof *c->ric);
    c->bd = calloc(cells, sizeof *c->bd);
    c->cd = calloc(cells, sizeof *c->cd);
    if (!c->dm || !c->ric || !c->bd || !c->cd)
        return -1;
    for (int d = 0; d < c->nd; d++)
        for (int h = 0; h < c->nh; h++) {
            const kt_date_metrics *x = in->dates[d].dm;
            if (!x)
                return -1; /* kt_report_date_metrics() was not called */
            c->dm[d * c->nh + h] = x[h];
            c->ric[d * c->nh + h] = x[h].rankic;
        }
    for (int d = 0; d < c->nd; d++)
        for (int h = 0; h < c->nh; h++) {
            const kt_baseline_date *b = in->dates[d].bd;
            if (!b)
                return -1; /* kt_report_date_metrics() was not called */
            c->bd[d * c->nh + h] = b[h];
        }
    if (churn_calc(c) != 0 ||
        kt_costs_run(in->dates, c->nd, c->nh, in->cfg->horizons, in->prices, in->cfg->cost_bps,
                     in->cfg->aum, c->cd) != 0)
        return -1;
    return 0;
}

static void calc_free(calc *c)
{
    free(c->dm);
    free(c->ric);
    free(c->bd);
    free(c->cd);
    free(c->pool);
    free(c->dpool);
}

/* Per-date values of one (fold, horizon) in date order; returns count. */
static int fold_series(const calc *c, int fold, int h, size_t field_off, double *out)
{
    int m = 0;
    for (int d = 0; d < c->nd; d++) {
        if (c->in->dates[d].fold != fold)
            continue;
        const kt_date_metrics *x = &c->dm[d * c->nh + h];
        double v = *(const double *)((const char *)x + field_off);
        if (isfinite(x->rankic) && isfinite(v))
            out[m++] = v;
    }
    return m;
}

typedef struct fold_sum {
    int n_dates;
    double rankic_median, rankic_iqr, qs_median, hr10_median, er10_median;
    kt_ic_decay decay;
    int decay_ok;
} fold_sum;

static void fold_summary(const calc *c, int fold, int h, double *buf, fold_sum *fs)
{
    int n = fold_series(c, fold, h, offsetof(kt_date_metrics, rankic), buf);
    fs->n_dates = n;
    fs->rankic_median = kt_metrics_median(buf, n);
    fs->rankic_iqr = n ? kt_metrics_quantile(buf, n, 0.75) - kt_metrics_quantile(buf, n, 0.25) : NAN;
    fs->decay_ok = kt_metrics_ic_decay(buf, n, &fs->decay);
    n = fold_series(c, fold, h, offsetof(kt_date_metrics, quintile_spread), buf);
    fs->qs_median = kt_metrics_median(buf, n);
    n = fold_series(c, fold, h, offsetof(kt_date_metrics, hit_rate_10), buf);
    fs->hr10_median = kt_metrics_median(buf, n);
    n = fold_series(c, fold, h, offsetof(kt_date_metrics, avg_er_10), buf);
    fs->er10_median = kt_metrics_median(buf, n);
}

/* Shuffle control: permutations per (date, horizon); the date's value is
 * their mean RankIC, which keeps the control's own noise well below its
 * 0.01 threshold (one permutation of ~100 names has a spread of ~0.1). */
#define KT_SHUFFLE_PERMS 64

typedef struct control {
    int run;           /* 0: not run (zero rows) */
    int n_dates;
    long n_rows;
    double median;
    int passed;
} control;

/* The shuffle control of horizon h. A permutation of the scores permutes
 * their average ranks the same way, so each permutation's RankIC is the
 * Pearson correlation of the permuted score ranks with the label ranks:
 * the ranks are computed once per date, not once per permutation, and the
 * numbers are those of kt_metrics_date on the permuted rows, bit for bit. */
static void control_shuffle(const calc *c, int h, control *out)
{
    const kt_report_input *in = c->in;
    memset(out, 0, sizeof *out);
    int cap = max_rows(in);
    kt_xrow *xr = malloc((size_t)cap * sizeof *xr);
    double *xy = malloc((size_t)cap * 4 * sizeof *xy);
    double *ric = malloc((size_t)(c->nd ? c->nd : 1) * sizeof *ric);
    if (!xr || !xy || !ric)
        goto done;
    double *x = xy, *y = xy + cap, *rx = xy + 2 * (size_t)cap, *ry = xy + 3 * (size_t)cap;
    for (int d = 0; d < c->nd; d++) {
        int m = rows_for(&in->dates[d], h, in->prices, xr), k = 0;
        for (int i = 0; i < m; i++)
            if (isfinite(xr[i].score) && isfinite(xr[i].label)) {
                x[k] = xr[i].score;
                y[k++] = xr[i].label;
            }
        if (k < KT_MIN_NAMES)
            continue;
        kt_metrics_ranks(x, k, rx);
        kt_metrics_ranks(y, k, ry);
        uint64_t st = in->cfg->seed ^ (0x5851F42D4C957F2Dull * (uint64_t)(d + 1)) ^
                      ((uint64_t)in->cfg->horizons[h] << 32);
        double acc = 0;
        int ok = 0;
        for (int perm = 0; perm < KT_SHUFFLE_PERMS; perm++) {
            for (int i = k - 1; i > 0; i--) {
                int j = (int)(kt_splitmix64(&st) % (uint64_t)(i + 1));
                double t = rx[i];
                rx[i] = rx[j];
                rx[j] = t;
            }
            double r = kt_metrics_pearson(rx, ry, k);
            if (isfinite(r)) {
                acc += r;
                ok++;
            }
        }
        if (ok) {
            ric[out->n_dates++] = acc / ok;
            out->n_rows += k;
        }
    }
    out->run = out->n_dates > 0;
    out->median = out->run ? kt_metrics_median(ric, out->n_dates) : NAN;
    out->passed = out->run && fabs(out->median) < 0.01;
done:
    free(xr);
    free(xy);
    free(ric);
}

static void control_lag(const calc *c, int h, double actual_median, control *out)
{
    const kt_report_input *in = c->in;
    memset(out, 0, sizeof *out);
    int cap = max_rows(in), ns = in->prices->n_series;
    kt_xrow *xr = malloc((size_t)cap * sizeof *xr);
    double *prev = malloc((size_t)(ns ? ns : 1) * sizeof *prev);
    double *cur = malloc((size_t)(ns ? ns : 1) * sizeof *cur);
    double *ric = malloc((size_t)(c->nd ? c->nd : 1) * sizeof *ric);
    if (!xr || !prev || !cur || !ric)
        goto done;
    for (int s = 0; s < ns; s++)
        prev[s] = NAN;
    for (int d = 0; d < c->nd; d++) {
        const kt_date_result *dr = &in->dates[d];
        for (int s = 0; s < ns; s++)
            cur[s] = NAN;
        int k = 0;
        for (int i = 0; i < dr->n_rows; i++) {
            const kt_score_row *r = &dr->rows[i];
            if (r->h != h)
                continue;
            cur[r->series] = r->score;
            if (d > 0 && isfinite(prev[r->series]) && isfinite(r->label)) {
                xr[k].ticker = in->prices->series[r->series].ticker;
                xr[k].score = prev[r->series];
                xr[k].label = r->label;
                k++;
            }
        }
        double *t = prev;
        prev = cur;
        cur = t;
        if (k < KT_MIN_NAMES)
            continue;
        kt_date_metrics dmx;
        kt_metrics_date(xr, k, &dmx);
        if (isfinite(dmx.rankic)) {
            ric[out->n_dates++] = dmx.rankic;
            out->n_rows += k;
        }
    }
    out->run = out->n_dates > 0;
    out->median = out->run ? kt_metrics_median(ric, out->n_dates) : NAN;
    out->passed = 0; /* informational: see write_tripwires */
    (void)actual_median;
done:
    free(xr);
    free(prev);
    free(cur);
    free(ric);
}


/* Median over folds of the fold median of v[d] for the dates d0 <= d <
 * d1 (NaN skipped), as the Kronos headline; tmp holds nd + nf values. */
static double fold_headline(const calc *c, const double *v, int d0, int d1, double *tmp)
{
    double *fm = tmp + c->nd;
    int nfm = 0;
    for (int k = 0; k < c->nf; k++) {
        int m = 0;
        for (int d = d0; d < d1; d++)
            if (c->in->dates[d].fold == k && isfinite(v[d]))
                tmp[m++] = v[d];
        if (m)
            fm[nfm++] = kt_metrics_median(tmp, m);
    }
    return kt_metrics_median(fm, nfm);
}

/* Momentum control of horizon h over the dates d0 <= d < d1: |median| of
 * the per-date Spearman correlation of the score with 12-1 momentum < 0.5
 * passes. */
static void control_momentum(const calc *c, const kt_baseline_date *bd, int h, int d0, int d1,
                             double *tmp, control *out)
{
    memset(out, 0, sizeof *out);
    for (int d = d0; d < d1; d++) {
        const kt_baseline_date *b = &bd[d * c->nh + h];
        if (isfinite(b->momentum_corr)) {
            tmp[out->n_dates++] = b->momentum_corr;
            out->n_rows += b->momentum_names;
        }
    }
    out->run = out->n_dates > 0;
    out->median = out->run ? kt_metrics_median(tmp, out->n_dates) : NAN;
    out->passed = out->run && fabs(out->median) < 0.5;
}

/* ---- writers ------------------------------------------------------------ */

typedef struct wctx {
    const kt_report_input *in;
    char path[1200], tmp[1300];
    char *err;
    size_t errlen;
} wctx;

static FILE *wopen(wctx *w, const char *name)
{
    snprintf(w->path, sizeof w->path, "%s/%s", w->in->run_dir, name);
    FILE *f = kt_atomic_open(w->path, w->tmp, sizeof w->tmp);
    if (!f)
        snprintf(w->err, w->errlen, _("%s: cannot write: %s"), w->tmp, strerror(errno));
    return f;
}

static int wclose(wctx *w, FILE *f)
{
    if (kt_atomic_commit(f, w->tmp, w->path) != 0) {
        snprintf(w->err, w->errlen, _("%s: cannot write: %s"), w->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* The report's Markdown (md, len) as NAME.html, then NAME.md: written
 * last, its presence means every other output is complete. */
static int write_md_html(wctx *w, const char *name, const char *md, size_t len)
{
    char file[64];
    snprintf(file, sizeof file, "%s.html", name);
    FILE *f = wopen(w, file);
    if (!f)
        return -1;
    kt_html_write(f, md, len, w->in->run_dir);
    if (wclose(w, f) != 0)
        return -1;
    snprintf(file, sizeof file, "%s.md", name);
    if (!(f = wopen(w, file)))
        return -1;
    fwrite(md, 1, len, f);
    return wclose(w, f);
}

#define H_SCORES "date,ticker,fold_id,horizon,score,pred_close,spot_close,label\n"
#define H_PDM                                                                                  \
    "date,fold_id,horizon,n_names,rankic,ic,quintile_spread,hit_rate_10,avg_er_10,hit_rate_20," \
    "avg_er_20\n"
#define H_FOLDS                                                                              \
    "fold_id,horizon,n_dates,rankic_median,rankic_iqr,quintile_spread_median,hit_rate_10_median," \
    "avg_er_10_median\n"
#define H_DECAY "fold_id,horizon,early_median,late_median,decay,pct_positive,flags\n"
#define H_CHURN "date,fold_id,horizon,k,retention,churn\n"
#define H_SCORECARD                                                                          \
    "horizon,rankic_headline,rankic_mean,nw_t,pct_positive,churn_median_20,cost_survival,"   \
    "momentum_corr_median,best_baseline,best_baseline_rankic,gate_1,gate_2,gate_3\n"
#define H_CHURN_DIAG "horizon,k,churn_median,churn_mean,churn_p90,pct_high_churn,flags\n"
#define H_BASELINES "date,fold_id,horizon,signal,n_names,rankic,quintile_spread\n"
#define H_COSTS                                                                                    \
    "date,fold_id,horizon,scenario,gross_spread,turnover,cost,net_spread,impact_missing\n"

static int write_scores(wctx *w)
{
    const kt_report_input *in = w->in;
    FILE *f = wopen(w, "scores.csv");
    if (!f)
        return -1;
    fputs(H_SCORES, f);
    for (int d = 0; d < in->n_dates; d++) {
        const kt_date_result *dr = &in->dates[d];
        for (int i = 0; i < dr->n_rows; i++) {
            const kt_score_row *r = &dr->rows[i];
            fprintf(f, "%s,", dr->date);
            put_field(f, in->prices->series[r->series].ticker);
            fprintf(f, ",%s,%d", in->plan->f[dr->fold].id, in->cfg->horizons[r->h]);
            put_num(f, r->score);
            put_num(f, r->pred_close);
            put_num(f, r->spot_close);
            put_num(f, r->label);
            fputc('\n', f);
        }
    }
    return wclose(w, f);
}

static int write_pdm(wctx *w, const calc *c, long *metric_rows)
{
    const kt_report_input *in = w->in;
    FILE *f = wopen(w, "per_date_metrics.csv");
    if (!f)
        return -1;
    fputs(H_PDM, f);
    for (int d = 0; d < c->nd; d++)
        for (int h = 0; h < c->nh; h++) {
            const kt_date_metrics *x = &c->dm[d * c->nh + h];
            fprintf(f, "%s,%s,%d,%d", in->dates[d].date, in->plan->f[in->dates[d].fold].id,
                    in->cfg->horizons[h], x->n_names);
            put_num(f, x->rankic);
            put_num(f, x->ic);
            put_num(f, x->quintile_spread);
            put_num(f, x->hit_rate_10);
            put_num(f, x->avg_er_10);
            put_num(f, x->hit_rate_20);
            put_num(f, x->avg_er_20);
            fputc('\n', f);
            *metric_rows += isfinite(x->rankic);
        }
    return wclose(w, f);
}

static int write_folds_decay(wctx *w, const calc *c, fold_sum *fs)
{
    const kt_report_input *in = w->in;
    FILE *f = wopen(w, "fold_summaries.csv");
    if (!f)
        return -1;
    fputs(H_FOLDS, f);
    for (int k = 0; k < c->nf; k++)
        for (int h = 0; h < c->nh; h++) {
            const fold_sum *s = &fs[k * c->nh + h];
            fprintf(f, "%s,%d,%d", in->plan->f[k].id, in->cfg->horizons[h], s->n_dates);
            put_num(f, s->rankic_median);
            put_num(f, s->rankic_iqr);
            put_num(f, s->qs_median);
            put_num(f, s->hr10_median);
            put_num(f, s->er10_median);
            fputc('\n', f);
        }
    if (wclose(w, f) != 0)
        return -1;
    f = wopen(w, "ic_decay_stats.csv");
    if (!f)
        return -1;
    fputs(H_DECAY, f);
    for (int k = 0; k < c->nf; k++)
        for (int h = 0; h < c->nh; h++) {
            const fold_sum *s = &fs[k * c->nh + h];
            if (!s->decay_ok)
                continue;
            char flags[32];
            kt_metrics_flags(&s->decay, flags, sizeof flags);
            fprintf(f, "%s,%d", in->plan->f[k].id, in->cfg->horizons[h]);
            put_num(f, s->decay.early_median);
            put_num(f, s->decay.late_median);
            put_num(f, s->decay.decay);
            put_num(f, s->decay.pct_positive);
            fputc(',', f);
            put_field(f, flags);
            fputc('\n', f);
        }
    return wclose(w, f);
}

/* The top k tickers of a date and horizon by score (all scored rows):
 * out gets min(k, names) of them; returns the number of names. */
static int topk(const kt_report_input *in, const kt_date_result *d, int h, int k, kt_xrow *xr,
                int *idx, const char **out)
{
    int m = 0;
    for (int i = 0; i < d->n_rows; i++) {
        const kt_score_row *r = &d->rows[i];
        if (r->h == h && isfinite(r->score)) {
            xr[m].ticker = in->prices->series[r->series].ticker;
            xr[m].score = r->score;
            xr[m].label = r->label;
            m++;
        }
    }
    kt_metrics_order(xr, m, idx);
    for (int i = 0; i < k && i < m; i++)
        out[i] = xr[idx[i]].ticker;
    return m;
}

static const int churn_ks[2] = {10, 20};

/* The top-K churn of every date pair, horizon and K into c->cs. The top K
 * of each date is ranked once: two sorts per (date, horizon), not four. */
static int churn_calc(calc *c)
{
    const kt_report_input *in = c->in;
    size_t per = (size_t)(c->nd + 1);
    c->pool = malloc(per * (size_t)c->nh * 2 * 2 * sizeof *c->pool);
    c->dpool = malloc(per * (size_t)c->nh * 2 * sizeof *c->dpool);
    int cap = max_rows(in);
    kt_xrow *xr = malloc((size_t)cap * sizeof *xr);
    int *idx = malloc((size_t)cap * sizeof *idx);
    const char **top = malloc((size_t)(c->nd ? c->nd : 1) * 20 * sizeof *top);
    char *ok = calloc((size_t)(c->nd ? c->nd : 1), 2);
    int rc = -1;
    if (!c->pool || !c->dpool || !xr || !idx || !top || !ok)
        goto done;
    for (int i = 0; i < c->nh * 2; i++) {
        churn_sum *x = &c->cs[i];
        memset(x, 0, sizeof *x);
        x->churn = c->pool + (size_t)i * 2 * per;
        x->ret = x->churn + per;
        x->date = c->dpool + (size_t)i * per;
    }
    for (int h = 0; h < c->nh; h++) {
        /* the top 20 of every date (its first 10 are the top 10) */
        for (int d = 0; d < c->nd; d++) {
            int m = topk(in, &in->dates[d], h, 20, xr, idx, top + (size_t)d * 20);
            for (int j = 0; j < 2; j++)
                ok[d * 2 + j] = m >= churn_ks[j];
        }
        for (int d = 1; d < c->nd; d++) {
            if (in->dates[d - 1].fold != in->dates[d].fold)
                continue;
            for (int j = 0; j < 2; j++) {
                if (!ok[(d - 1) * 2 + j] || !ok[d * 2 + j])
                    continue;
                double ret = kt_metrics_retention(top + (size_t)(d - 1) * 20, top + (size_t)d * 20,
                                                  churn_ks[j]);
                churn_sum *x = &c->cs[h * 2 + j];
                x->churn[x->pairs] = 1.0 - ret;
                x->ret[x->pairs] = ret;
                x->date[x->pairs] = d;
                x->pairs++;
                x->retention_sum += ret;
            }
        }
    }
    rc = 0;
done:
    free(xr);
    free(idx);
    free(top);
    free(ok);
    return rc;
}

static int write_churn(wctx *w, const calc *c)
{
    const kt_report_input *in = w->in;
    FILE *f = wopen(w, "churn.csv");
    if (!f)
        return -1;
    fputs(H_CHURN, f);
    int next[KT_MAX_HORIZONS * 2] = {0};
    for (int d = 1; d < c->nd; d++) {
        const kt_date_result *q = &in->dates[d];
        for (int h = 0; h < c->nh; h++)
            for (int j = 0; j < 2; j++) {
                const churn_sum *x = &c->cs[h * 2 + j];
                int *k = &next[h * 2 + j];
                if (*k >= x->pairs || x->date[*k] != d)
                    continue;
                fprintf(f, "%s,%s,%d,%d", q->date, in->plan->f[q->fold].id, in->cfg->horizons[h],
                        churn_ks[j]);
                put_num(f, x->ret[*k]);
                put_num(f, x->churn[*k]);
                fputc('\n', f);
                (*k)++;
            }
    }
    return wclose(w, f);
}

/* The summaries of the dates d0 <= d < d1 per horizon behind the
 * scorecard: the momentum control, the baselines' headlines and the cost
 * overlays' means (NaN where nothing was computed: their gates are then
 * not_run). */
typedef struct extra {
    control mom[KT_MAX_HORIZONS];
    double bl_head[KT_MAX_HORIZONS][KT_N_BASELINES]; /* baseline headlines */
    int cost_dates[KT_MAX_HORIZONS];                 /* dates with legs */
    double gross_mean[KT_MAX_HORIZONS], turnover_mean[KT_MAX_HORIZONS];
    double net_mean[KT_MAX_HORIZONS][KT_N_COST_SCENARIOS];
    double survival[KT_MAX_HORIZONS][KT_N_COST_SCENARIOS];
    long impact_missing[KT_MAX_HORIZONS];
    kt_figure_state fig[KT_N_FIGURES];               /* drawn, or why not */
} extra;

/* Means over the dates with legs (d0 <= d < d1) and cost_survival = mean
 * net / mean gross (NaN when the mean gross spread <= 0). */
static void cost_summary(const calc *c, int d0, int d1, extra *ex)
{
    for (int h = 0; h < c->nh; h++) {
        double g = 0, to = 0, net[KT_N_COST_SCENARIOS] = {0};
        int n = 0;
        ex->impact_missing[h] = 0;
        for (int d = d0; d < d1; d++) {
            const kt_cost_date *x = &c->cd[d * c->nh + h];
            if (!x->has_legs)
                continue;
            n++;
            g += x->gross;
            to += x->r.turnover;
            ex->impact_missing[h] += x->r.impact_missing;
            for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++)
                net[sc] += x->gross - x->r.cost[sc];
        }
        ex->cost_dates[h] = n;
        ex->gross_mean[h] = n ? g / n : NAN;
        ex->turnover_mean[h] = n ? to / n : NAN;
        for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++) {
            ex->net_mean[h][sc] = n ? net[sc] / n : NAN;
            ex->survival[h][sc] =
                n && ex->gross_mean[h] > 0 ? ex->net_mean[h][sc] / ex->gross_mean[h] : NAN;
        }
    }
}

/* The baselines' headlines, the momentum control and the cost means of
 * the dates d0 <= d < d1. 0 ok, -1 out of memory. */
static int extras(const calc *c, int d0, int d1, extra *ex)
{
    double *v = malloc((size_t)(2 * c->nd + c->nf + 1) * sizeof *v);
    if (!v)
        return -1;
    for (int h = 0; h < c->nh; h++) {
        for (int sig = 0; sig < KT_N_BASELINES; sig++) {
            for (int d = 0; d < c->nd; d++)
                v[d] = c->bd[d * c->nh + h].m[sig].rankic;
            ex->bl_head[h][sig] = fold_headline(c, v, d0, d1, v + c->nd);
        }
        control_momentum(c, c->bd, h, d0, d1, v, &ex->mom[h]);
    }
    cost_summary(c, d0, d1, ex);
    free(v);
    return 0;
}

/* The scorecard of the dates d0 <= d < d1 (evaluation.md, "Scorecard and
 * gates"): each number over those dates only; a churn pair belongs to its
 * later date and a cost overlay keeps the tranches of the whole run. 0 ok,
 * -1 out of memory. */
static int card_range(const calc *c, int d0, int d1, kt_report_card *out)
{
    extra ex;
    double *buf = malloc((size_t)(2 * c->nd + c->nf + 1) * sizeof *buf);
    if (!buf || extras(c, d0, d1, &ex) != 0) {
        free(buf);
        return -1;
    }
    memset(out, 0, sizeof *out);
    out->n_horizons = c->nh;
    out->n_dates = d1 - d0;
    for (int h = 0; h < c->nh; h++) {
        kt_scorecard_row *r = &out->rows[h];
        r->horizon = c->in->cfg->horizons[h];
        for (int d = 0; d < c->nd; d++)
            buf[d] = c->ric[d * c->nh + h];
        r->rankic_headline = fold_headline(c, buf, d0, d1, buf + c->nd);
        for (int d = d0; d < d1; d++) /* buf[d0..d1) still holds the RankIC */
            buf[d - d0] = c->ric[d * c->nh + h];
        kt_run_stats st;
        kt_metrics_run_stats(buf, d1 - d0, &st);
        out->dates[h] = st.n;
        r->rankic_mean = st.mean;
        r->nw_t = kt_metrics_nw_t(buf, d1 - d0, r->horizon);
        r->pct_positive = kt_share_positive(buf, d1 - d0);
        const churn_sum *cs = &c->cs[h * 2 + 1];
        int m = 0;
        for (int i = 0; i < cs->pairs; i++)
            if (cs->date[i] >= d0 && cs->date[i] < d1)
                buf[m++] = cs->churn[i];
        kt_churn_diag cd;
        kt_churn_diagnostics(buf, m, &cd);
        r->churn_median_20 = cd.median;
        r->cost_survival = ex.survival[h][KT_COST_BASE_SLIPPAGE];
        out->net_spread[h] = ex.net_mean[h][KT_COST_BASE_SLIPPAGE];
        r->momentum_corr_median = ex.mom[h].run ? ex.mom[h].median : NAN;
        r->best_baseline = "";
        r->best_baseline_rankic = NAN;
        for (int sig = 0; sig < KT_N_BASELINES; sig++)
            if (isfinite(ex.bl_head[h][sig]) && (!isfinite(r->best_baseline_rankic) ||
                                                 ex.bl_head[h][sig] > r->best_baseline_rankic)) {
                r->best_baseline = kt_baseline_name(sig);
                r->best_baseline_rankic = ex.bl_head[h][sig];
            }
    }
    kt_scorecard_gates(out->rows, c->nh, out->gates);
    free(buf);
    return 0;
}

int kt_report_scorecard(const kt_report_input *in, kt_report_card *out)
{
    calc c;
    int rc = calc_init(&c, in) == 0 ? card_range(&c, 0, c.nd, out) : -1;
    calc_free(&c);
    return rc;
}

int kt_report_cutoff_split(const kt_date_result *dates, int n, const char *cutoff)
{
    int k = 0;
    while (cutoff && k < n && kt_evalcfg_on_or_before(dates[k].date, cutoff))
        k++;
    return k;
}

/* The rows of a scorecard, each led by "period," when period is set. */
static void scorecard_csv_rows(FILE *f, const char *period, const kt_report_card *card)
{
    const kt_scorecard_row *rows = card->rows;
    const kt_gate *gates = card->gates;
    for (int h = 0; h < card->n_horizons; h++) {
        const kt_scorecard_row *r = &rows[h];
        if (period)
            fprintf(f, "%s,", period);
        fprintf(f, "%d", r->horizon);
        put_nums(f, 7, r->rankic_headline, r->rankic_mean, r->nw_t, r->pct_positive,
                 r->churn_median_20, r->cost_survival, r->momentum_corr_median);
        fputc(',', f);
        put_field(f, r->best_baseline ? r->best_baseline : "");
        put_num(f, r->best_baseline_rankic);
        for (int g = 0; g < KT_N_GATES; g++)
            fprintf(f, ",%s", kt_gate_name(gates[g].state));
        fputc('\n', f);
    }
}

static int write_scorecard(wctx *w, const kt_report_card *card)
{
    FILE *f = wopen(w, "stability_scorecard.csv");
    if (!f)
        return -1;
    fputs(H_SCORECARD, f);
    scorecard_csv_rows(f, NULL, card);
    return wclose(w, f);
}

/* With a model cutoff: the scorecard of the dates on or before it and of
 * the dates after it (an empty period: no numbers, every gate not_run). */
static int write_scorecard_periods(wctx *w, const kt_report_card *before,
                                   const kt_report_card *after)
{
    FILE *f = wopen(w, "stability_scorecard_by_period.csv");
    if (!f)
        return -1;
    fputs("period," H_SCORECARD, f);
    scorecard_csv_rows(f, "before_cutoff", before);
    scorecard_csv_rows(f, "after_cutoff", after);
    return wclose(w, f);
}

static int write_baselines(wctx *w, const calc *c)
{
    const kt_baseline_date *bd = c->bd;
    const kt_report_input *in = w->in;
    FILE *f = wopen(w, "baselines.csv");
    if (!f)
        return -1;
    fputs(H_BASELINES, f);
    for (int d = 0; d < c->nd; d++)
        for (int h = 0; h < c->nh; h++)
            for (int sig = 0; sig < KT_N_BASELINES; sig++) {
                const kt_date_metrics *x = &bd[d * c->nh + h].m[sig];
                fprintf(f, "%s,%s,%d,%s,%d", in->dates[d].date, in->plan->f[in->dates[d].fold].id,
                        in->cfg->horizons[h], kt_baseline_name(sig), x->n_names);
                put_nums(f, 2, x->rankic, x->quintile_spread);
                fputc('\n', f);
            }
    return wclose(w, f);
}

static int write_costs(wctx *w, const calc *c)
{
    const kt_cost_date *cd = c->cd;
    const kt_report_input *in = w->in;
    FILE *f = wopen(w, "cost_overlays.csv");
    if (!f)
        return -1;
    fputs(H_COSTS, f);
    for (int d = 0; d < c->nd; d++)
        for (int h = 0; h < c->nh; h++) {
            const kt_cost_date *x = &cd[d * c->nh + h];
            for (int sc = 0; x->has_legs && sc < KT_N_COST_SCENARIOS; sc++) {
                fprintf(f, "%s,%s,%d,%s", in->dates[d].date, in->plan->f[in->dates[d].fold].id,
                        in->cfg->horizons[h], kt_cost_scenario_name(sc));
                put_nums(f, 4, x->gross, x->r.turnover, x->r.cost[sc], x->gross - x->r.cost[sc]);
                fprintf(f, ",%d\n", x->r.impact_missing);
            }
        }
    return wclose(w, f);
}

static int write_churn_diag(wctx *w, const calc *c)
{
    const churn_sum *cs = c->cs;
    FILE *f = wopen(w, "churn_diagnostics.csv");
    if (!f)
        return -1;
    fputs(H_CHURN_DIAG, f);
    for (int h = 0; h < c->nh; h++)
        for (int j = 0; j < 2; j++) {
            kt_churn_diag cd;
            kt_churn_diagnostics(cs[h * 2 + j].churn, cs[h * 2 + j].pairs, &cd);
            if (cd.n == 0)
                continue;
            fprintf(f, "%d,%d", w->in->cfg->horizons[h], j ? 20 : 10);
            put_nums(f, 4, cd.median, cd.mean, cd.p90, cd.pct_high);
            fprintf(f, ",%s\n", cd.high_churn ? "HIGH_CHURN" : "");
        }
    return wclose(w, f);
}

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

/* The momentum control's entry of leak_tripwires.json. */
static json_t *momentum_json(int horizon, const control *x)
{
    json_t *o = json_object();
    json_object_set_new(o, "control", json_string("momentum"));
    json_object_set_new(o, "horizon", json_integer(horizon));
    json_object_set_new(o, "status",
                        json_string(!x->run     ? "not run"
                                    : x->passed ? "passed"
                                                : "failed"));
    json_object_set_new(o, "passed", json_boolean(x->run && x->passed));
    json_object_set_new(o, "n_dates", json_integer(x->n_dates));
    json_object_set_new(o, "n_rows", json_integer(x->n_rows));
    json_object_set_new(o, "median_spearman", jnum(x->median));
    json_object_set_new(o, "rule",
                        json_string("|median| < 0.5 (Spearman of the score with "
                                    "12-1 momentum, tickers with 253 bars)"));
    return o;
}

static int write_tripwires(wctx *w, const calc *c, const control *shuf, const control *lag,
                           const control *mom, const kt_report_summary *sum)
{
    const kt_report_input *in = w->in;
    json_t *root = json_object();
    json_object_set_new(root, "schema", json_string("kronos-tui.leak_tripwires/1"));
    json_t *arr = json_array();
    for (int h = 0; h < c->nh; h++)
        for (int k = 0; k < 2; k++) {
            const control *x = k == 0 ? &shuf[h] : &lag[h];
            json_t *o = json_object();
            json_object_set_new(o, "control", json_string(k == 0 ? "shuffle" : "lag"));
            json_object_set_new(o, "horizon", json_integer(in->cfg->horizons[h]));
            /* lag is informational: a genuine multi-day signal survives a
             * one-date lag; a leak of date-t information collapses */
            const char *status = !x->run ? "not run" : k == 1 ? "reported" : x->passed ? "passed"
                                                                                        : "failed";
            json_object_set_new(o, "status", json_string(status));
            json_object_set_new(o, "passed", k == 1 && x->run ? json_null()
                                                               : json_boolean(x->run && x->passed));
            json_object_set_new(o, "n_dates", json_integer(x->n_dates));
            json_object_set_new(o, "n_rows", json_integer(x->n_rows));
            json_object_set_new(o, "median_rankic", jnum(x->median));
            if (k == 0) {
                json_object_set_new(o, "rule", json_string("|median| < 0.01"));
                json_object_set_new(o, "permutations_per_date", json_integer(KT_SHUFFLE_PERMS));
            } else {
                json_object_set_new(o, "rule", json_string("informational: compare with the actual "
                                                           "median; a collapse hints at a leak"));
                json_object_set_new(o, "actual_median_rankic", jnum(sum->h[h].stats.median));
            }
            json_array_append_new(arr, o);
            if (k == 1)
                json_array_append_new(arr, momentum_json(in->cfg->horizons[h], &mom[h]));
        }
    json_object_set_new(root, "controls", arr);
    FILE *f = wopen(w, "leak_tripwires.json");
    if (!f) {
        json_decref(root);
        return -1;
    }
    json_dumpf(root, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', f);
    json_decref(root);
    return wclose(w, f);
}

static void file_hash(const char *dir, const char *name, char *out, size_t n)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(out, n, "unreadable");
        return;
    }
    uint64_t h = 1469598103934665603ull;
    unsigned char buf[65536];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < k; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    fclose(f);
    snprintf(out, n, "fnv1a64:%016" PRIx64, h);
}

/* experiment_metadata.json's "model_cutoff": the date, where it came
 * from and how many evaluation dates fall on each side. */
static json_t *cutoff_json(const cutoff_split *cut, int nd)
{
    json_t *o = json_object();
    json_object_set_new(o, "date", cut->date ? json_string(cut->date) : json_null());
    json_object_set_new(o, "source", json_string(cut->source ? cut->source : "none"));
    json_object_set_new(o, "dates_on_or_before", json_integer(cut->date ? cut->k : 0));
    json_object_set_new(o, "dates_after", json_integer(cut->date ? nd - cut->k : nd));
    json_object_set_new(o, "overlap", json_boolean(cut->date && cut->k > 0));
    return o;
}

static int write_metadata(wctx *w, const kt_report_summary *sum, long score_rows,
                          const cutoff_split *cut)
{
    const kt_report_input *in = w->in;
    const kt_evalcfg *cfg = in->cfg;
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("kronos-tui.experiment/1"));
    json_object_set_new(o, "name", json_string(cfg->name));
    json_object_set_new(o, "mode", json_string(cfg->mode));
    json_object_set_new(o, "range", json_pack("{s:s,s:s}", "start", in->range_start, "end",
                                              in->range_end));
    json_t *folds = json_array();
    for (int k = 0; k < in->plan->n; k++) {
        int nd = 0;
        const char *first = "", *last = "";
        for (int d = 0; d < in->n_dates; d++)
            if (in->dates[d].fold == k) {
                if (!nd)
                    first = in->dates[d].date;
                last = in->dates[d].date;
                nd++;
            }
        json_array_append_new(folds, json_pack("{s:s,s:s,s:s,s:i}", "fold_id", in->plan->f[k].id,
                                               "first", first, "last", last, "dates", nd));
    }
    json_object_set_new(o, "folds", folds);
    json_t *hz = json_array();
    for (int h = 0; h < cfg->n_horizons; h++)
        json_array_append_new(hz, json_integer(cfg->horizons[h]));
    json_object_set_new(o, "horizons", hz);
    json_object_set_new(o, "lookback", json_integer(cfg->lookback));
    json_object_set_new(o, "benchmark", json_string(cfg->benchmark));
    json_object_set_new(o, "sampling",
                        json_pack("{s:f,s:i,s:f,s:i,s:i}", "temperature", cfg->temperature, "top_k",
                                  cfg->top_k, "top_p", cfg->top_p, "sample_count",
                                  cfg->sample_count, "max_context", cfg->max_context));
    json_object_set_new(o, "seed", json_integer((json_int_t)cfg->seed));
    char h1[40], h2[40], h3[40], h4[40];
    file_hash(cfg->tokenizer, "config.json", h1, sizeof h1);
    file_hash(cfg->tokenizer, "model.safetensors", h2, sizeof h2);
    file_hash(cfg->model, "config.json", h3, sizeof h3);
    file_hash(cfg->model, "model.safetensors", h4, sizeof h4);
    json_object_set_new(
        o, "model",
        json_pack("{s:s,s:s,s:s,s:I,s:{s:s,s:s},s:{s:s,s:s}}", "description",
                  in->model_desc ? in->model_desc : "", "tokenizer_dir", cfg->tokenizer,
                  "model_dir", cfg->model, "parameters", (json_int_t)in->params,
                  "tokenizer_checksums", "config.json", h1, "model.safetensors", h2,
                  "model_checksums", "config.json", h3, "model.safetensors", h4));
    kt_evalcfg_record_hub(o, cfg); /* repo ids: commit and sha256 of each file */
    if (strcmp(cfg->precision, "fp32") != 0) /* absent = fp32, as before the option */
        json_object_set_new(json_object_get(o, "model"), "precision", json_string(cfg->precision));
    if (in->device) {
        const kronos_device_status *d = in->device;
        char warn[512];
        kt_blas_warning(d, warn, sizeof warn);
        json_object_set_new(
            o, "device",
            json_pack("{s:s,s:b,s:I,s:i,s:s,s:s,s:s,s:s,s:b,s:s,s:s}", "device", d->device, "verified",
                      d->verified, "tensors_checked", (json_int_t)d->tensors_checked, "threads",
                      d->intra_threads, "blas", d->blas, "blas_kernel", d->blas_kernel,
                      "blas_kernel_source", d->blas_kernel_source, "blas_kernel_replaced",
                      d->blas_kernel_replaced, "blas_kernel_slow", d->blas_kernel_slow, "blas_warning", warn,
                      "simd", d->simd));
    }
    char csvv[32];
    snprintf(csvv, sizeof csvv, "%d.%d.%d", CSV_MAJOR, CSV_MINOR, CSV_RELEASE);
    json_object_set_new(o, "software",
                        json_pack("{s:s,s:s,s:s}", PACKAGE, PACKAGE_VERSION, "jansson",
                                  JANSSON_VERSION, "libcsv", csvv));
    json_object_set_new(o, "started_at", json_string(in->started_at ? in->started_at : ""));
    json_object_set_new(o, "finished_at", json_string(in->finished_at ? in->finished_at : ""));
    int resumed = 0;
    for (int d = 0; d < in->n_dates; d++)
        resumed += in->dates[d].resumed;
    const kt_prices_stats *ps = &in->prices->stats;
    json_t *dropped = json_object();
    for (int r = 0; r < KT_DROP_N; r++) {
        static const char *const keys[KT_DROP_N] = {"missing_price", "nonfinite", "nonpositive",
                                                     "high_below_low", "negative_volume",
                                                     "duplicate"};
        json_object_set_new(dropped, keys[r], json_integer(ps->dropped[r]));
    }
    json_object_set_new(o, "counts",
                        json_pack("{s:i,s:i,s:i,s:I,s:I,s:i,s:I,s:I,s:o}", "tickers",
                                  in->prices->n_series, "evaluation_dates", in->n_dates,
                                  "dates_resumed", resumed, "score_rows", (json_int_t)score_rows,
                                  "metric_rows", (json_int_t)sum->metric_rows, "folds",
                                  in->plan->n, "price_rows_loaded", (json_int_t)ps->rows_loaded,
                                  "price_rows_dropped", (json_int_t)ps->dropped_total,
                                  "price_rows_dropped_by_reason", dropped));
    json_t *head = json_array();
    for (int h = 0; h < sum->n_horizons; h++)
        json_array_append_new(head, json_pack("{s:i,s:o,s:o,s:o,s:o,s:i}", "horizon",
                                              sum->h[h].horizon, "headline_rankic",
                                              jnum(sum->h[h].headline), "mean",
                                              jnum(sum->h[h].stats.mean), "icir",
                                              jnum(sum->h[h].stats.icir), "tstat",
                                              jnum(sum->h[h].stats.tstat), "dates",
                                              sum->h[h].stats.n));
    for (int h = 0; h < sum->n_horizons; h++)
        json_object_set_new(json_array_get(head, (size_t)h), "nw_t", jnum(sum->h[h].nw_t));
    json_object_set_new(o, "headline", head);
    json_object_set_new(o, "model_cutoff", cutoff_json(cut, in->n_dates));
    json_object_set_new(o, "empty", json_boolean(in->empty_reason != NULL));
    FILE *f = wopen(w, "experiment_metadata.json");
    if (!f) {
        json_decref(o);
        return -1;
    }
    json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(10));
    fputc('\n', f);
    json_decref(o);
    return wclose(w, f);
}

static int write_empty(wctx *w)
{
    const kt_report_input *in = w->in;
    static const struct { const char *name, *header;
    } csvs[] = {
        {"scores.csv", H_SCORES},        {"per_date_metrics.csv", H_PDM},
        {"fold_summaries.csv", H_FOLDS}, {"ic_decay_stats.csv", H_DECAY},
        {"churn.csv", H_CHURN},          {"baselines.csv", H_BASELINES},
        {"cost_overlays.csv", H_COSTS},
    };
    for (size_t i = 0; i < sizeof csvs / sizeof csvs[0]; i++) {
        FILE *f = wopen(w, csvs[i].name);
        if (!f)
            return -1;
        fputs(csvs[i].header, f);
        if (wclose(w, f) != 0)
            return -1;
    }
    char *md = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&md, &len);
    if (!f) {
        snprintf(w->err, w->errlen, _("out of memory"));
        return -1;
    }
    fprintf(f, "# %s: %s\n\n", _("No evaluation rows"), in->cfg->name);
    fprintf(f, "%s\n\n", _("The run finished without scoring a single (date, ticker)."));
    fprintf(f, "## %s\n\n%s\n\n", _("Why"), in->empty_reason);
    fprintf(f, "## %s\n\n%s\n\n", _("Next steps"), in->empty_hint ? in->empty_hint : "");
    fprintf(f, "## %s\n\n", _("Run"));
    fprintf(f, "- %s: %s .. %s, %s %s, ", _("range"), in->range_start, in->range_end, _("mode"),
            in->cfg->mode);
    fprintf(f, ngettext("%d fold", "%d folds", (unsigned long)in->plan->n), in->plan->n);
    fputc('\n', f);
    fprintf(f, "- %s: %d, %s: %s\n", _("lookback"), in->cfg->lookback, _("prices"),
            in->cfg->prices);
    fprintf(f, "- %s\n", _("Every CSV of the run exists with its header only; "
                           "leak_tripwires.json reports each control as \"not run\"."));
    fprintf(f, "- %s\n", _("stability_scorecard.csv has one row per horizon with empty "
                           "numbers and every gate not_run."));
    fprintf(f, "- %s: %s: %s\n", _("Figures"), _("figure not drawn"),
            kt_figure_reason(KT_FIGURE_NO_ROWS));
    int bad = fclose(f) != 0;
    int rc = bad ? -1 : write_md_html(w, "REPORT_EMPTY", md, len);
    if (bad)
        snprintf(w->err, w->errlen, _("out of memory"));
    free(md);
    return rc;
}

/* REPORT.md, above everything: the evaluation range overlaps the
 * model's training data. */
static void md_overlap_warning(FILE *f, const calc *c, const cutoff_split *cut)
{
    if (!cut->date || cut->k == 0)
        return;
    fputs("> **", f);
    fputs(_("Warning: pretraining overlap."), f);
    fputs("** ", f);
    fprintf(f,
            ngettext("%d of %d evaluation date is on or before the model's last training date "
                     "%s: the model has seen it, so its numbers overstate out-of-sample skill.",
                     "%d of %d evaluation dates are on or before the model's last training date "
                     "%s: the model has seen them, so their numbers overstate out-of-sample skill.",
                     (unsigned long)c->nd),
            cut->k, c->nd, cut->date);
    fputs("\n\n", f);
}

/* REPORT.md, after the headline: the headline and the gates on each side
 * of the model's training cutoff. */
static void md_periods(FILE *f, const calc *c, const cutoff_split *cut)
{
    char b[4][32];
    if (!cut->date)
        return;
    fprintf(f, "## %s\n\n", _("Before and after the model's training cutoff"));
    fprintf(f, _("The model was trained on data up to %s: on dates up to then it has seen the "
                 "prices it is scored on, so only the dates after it measure out-of-sample "
                 "skill. stability_scorecard_by_period.csv has the scorecard of each side."),
            cut->date);
    fprintf(f, "\n\n| %s | RankIC \xe2\x89\xa4 %s | t (NW) | %s | RankIC > %s | t (NW) | %s |\n"
               "|---|---|---|---|---|---|---|\n",
            _("horizon"), cut->date, _("dates"), cut->date, _("dates"));
    const kt_report_card *side[2] = {&cut->before, &cut->after};
    for (int h = 0; h < c->nh; h++) {
        fprintf(f, "| %dd |", c->in->cfg->horizons[h]);
        for (int i = 0; i < 2; i++) {
            const kt_report_card *x = side[i];
            if (x->n_dates == 0)
                fprintf(f, " %s | | 0 |", _("no dates"));
            else
                fprintf(f, " %s | %s | %d |", kt_report_md_num(x->rows[h].rankic_headline, b[2 * i], 32, 4, '+'),
                        kt_report_md_num(x->rows[h].nw_t, b[2 * i + 1], 32, 2, 0), x->dates[h]);
        }
        fputc('\n', f);
    }
    fputc('\n', f);
    for (int i = 0; i < 2; i++) {
        const kt_report_card *x = side[i];
        fprintf(f, "- %s: ", i ? _("Gates after the cutoff") : _("Gates on or before the cutoff"));
        if (x->n_dates == 0) {
            fprintf(f, "%s\n", _("no dates"));
            continue;
        }
        for (int g = 0; g < KT_N_GATES; g++)
            fprintf(f, "%s%s %d %s", g ? ", " : "", _("gate"), g + 1,
                    x->gates[g].state == KT_GATE_PASS   ? _("pass")
                    : x->gates[g].state == KT_GATE_FAIL ? _("fail")
                                                        : _("not run"));
        fputc('\n', f);
    }
}

/* REPORT.md section 1: the title and the run's settings. */
static void md_settings(FILE *f, const kt_report_input *in, const calc *c, const cutoff_split *cut)
{
    const kt_evalcfg *cfg = in->cfg;
    fprintf(f, "- %s: %s, %s %s .. %s, ", _("mode"), cfg->mode, _("range"), in->range_start,
            in->range_end);
    fprintf(f, ngettext("%d fold", "%d folds", (unsigned long)in->plan->n), in->plan->n);
    fputs(", ", f);
    fprintf(f, ngettext("%d evaluation date", "%d evaluation dates", (unsigned long)in->n_dates),
            in->n_dates);
    fputc('\n', f);
    fprintf(f, "- %s:", _("horizons"));
    for (int h = 0; h < c->nh; h++)
        fprintf(f, " %dd", cfg->horizons[h]);
    fprintf(f, "; %s %d; %s %s\n", _("lookback"), cfg->lookback, _("labels"),
            cfg->benchmark[0] ? _("excess return over the benchmark") : _("raw returns"));
    if (cfg->benchmark[0])
        fprintf(f, "- %s: %s\n", _("benchmark"), cfg->benchmark);
    fprintf(f, "- %s: %s (%" PRId64 " %s)\n", _("model"), in->model_desc ? in->model_desc : "?",
            in->params, _("parameters"));
    if (strcmp(cfg->precision, "int8") == 0)
        fprintf(f, "- %s: %s\n", _("precision"),
                _("int8 (the predictor's matrix products; the forecasts differ from fp32's)"));
    if (in->device) {
        char kernel[128], warn[512];
        kt_blas_kernel_label(in->device, kernel, sizeof kernel);
        fprintf(f, "- %s: %s (%s), %s %d, BLAS %s, %s %s, SIMD %s\n", _("device"), in->device->device,
                in->device->verified ? _("verified") : _("NOT verified"), _("threads"),
                in->device->intra_threads, in->device->blas, _("kernel"), kernel, in->device->simd);
        if (kt_blas_warning(in->device, warn, sizeof warn))
            fprintf(f, "- **%s**: %s\n", _("warning"), warn);
    }
    fprintf(f, "- %s: T=%g top_k=%d top_p=%g samples=%d seed=%" PRIu64 "\n", _("sampling"),
            cfg->temperature, cfg->top_k, cfg->top_p, cfg->sample_count, cfg->seed);
    if (!cut->date)
        fprintf(f, "- %s: %s\n\n", _("model training cutoff"),
                _("none given (--model-cutoff DATE reports the dates the model has seen apart)"));
    else
        fprintf(f, "- %s: %s (%s)\n\n", _("model training cutoff"), cut->date,
                strcmp(cut->source, "default") == 0 ? _("the released NeoQuasar/Kronos models")
                                                    : "--model-cutoff");
}

/* REPORT.md, first: the verdict of the three gates and the scorecard. */
static void md_verdict(FILE *f, int nh, const kt_scorecard_row *rows, const kt_gate *gates)
{
    char b[7][32];
    fprintf(f, "## %s\n\n", _("Verdict"));
    for (int g = 0; g < KT_N_GATES; g++)
        fprintf(f, "- %s %d: **%s**: %s\n", _("Gate"), g + 1,
                gates[g].state == KT_GATE_PASS   ? _("pass")
                : gates[g].state == KT_GATE_FAIL ? _("fail")
                                                 : _("not run"),
                gates[g].detail);
    fprintf(f, "\n%s\n\n", _("Gate 1: headline RankIC >= 0.02 on at least 2 horizons and "
                             "|median momentum correlation| < 0.5 on every horizon. Gate 2: on "
                             "some horizon, headline RankIC >= 0.05 or >= the best baseline - "
                             "0.03. Gate 3: on the horizon with the highest headline, median "
                             "top-20 churn <= 0.30 and cost survival (base_slippage) >= 0.30."));
    fprintf(f, "| %s | RankIC | %s | t (NW) | %s | %s | %s | %s | %s |\n"
               "|---|---|---|---|---|---|---|---|---|\n",
            _("horizon"), _("mean"), /* xgettext:no-c-format */ _("% positive"), _("top-20 churn"), _("cost survival"),
            _("momentum corr."), _("best baseline"));
    for (int h = 0; h < nh; h++) {
        const kt_scorecard_row *r = &rows[h];
        char best[96];
        if (r->best_baseline && r->best_baseline[0])
            snprintf(best, sizeof best, "%s %s", r->best_baseline,
                     kt_report_md_num(r->best_baseline_rankic, b[0], 32, 4, 0));
        else
            snprintf(best, sizeof best, "%s", _("not run"));
        fprintf(f, "| %dd | %s | %s | %s | %s | %s | %s | %s | %s |\n", r->horizon,
                kt_report_md_num(r->rankic_headline, b[0], 32, 4, 0), kt_report_md_num(r->rankic_mean, b[1], 32, 4, 0),
                kt_report_md_num(r->nw_t, b[2], 32, 2, 0), kt_report_md_num(100 * r->pct_positive, b[3], 32, 0, '%'),
                kt_report_md_num(r->churn_median_20, b[4], 32, 3, 0), kt_report_md_num(r->cost_survival, b[5], 32, 3, 0),
                kt_report_md_num(r->momentum_corr_median, b[6], 32, 3, 0), best);
    }
    fputc('\n', f);
}

/* REPORT.md section 2: the headline RankIC per horizon. */
static void md_headline(FILE *f, const calc *c, const kt_report_summary *sum)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32], b6[32];
    fprintf(f, "## %s\n\n", _("Headline"));
    fprintf(f, "| %s | %s | %s | %s | ICIR | %s | %s | %s |\n|---|---|---|---|---|---|---|---|\n",
            _("horizon"), _("RankIC (median of fold medians)"), _("mean"), _("std"),
            _("t (Newey-West)"), _("t (naive)"), _("dates"));
    for (int h = 0; h < c->nh; h++) {
        const kt_report_headline *x = &sum->h[h];
        fprintf(f, "| %dd | %s | %s | %s | %s | %s | %s | %d |\n", x->horizon,
                kt_report_md_num(x->headline, b1, 32, 4, 0), kt_report_md_num(x->stats.mean, b2, 32, 4, 0),
                kt_report_md_num(x->stats.std, b3, 32, 4, 0), kt_report_md_num(x->stats.icir, b4, 32, 3, 0),
                kt_report_md_num(x->nw_t, b6, 32, 2, 0), kt_report_md_num(x->stats.tstat, b5, 32, 2, 0), x->stats.n);
    }
    fprintf(f, "\n%s\n\n", _("t (Newey-West): the t of the mean per-date RankIC with Bartlett "
                             "weights up to lag h-1, because labels of consecutive dates overlap; "
                             "the naive t (mean/std\xc2\xb7\xe2\x88\x9an) overstates significance."));
}

/* REPORT.md section 3: a sparkline of the RankIC by date per fold and horizon. */
static void md_rankic_by_date(FILE *f, const kt_report_input *in, const calc *c, const fold_sum *fs)
{
    const kt_evalcfg *cfg = in->cfg;
    char b1[32];
    fprintf(f, "\n## %s\n\n", _("RankIC by date"));
    fprintf(f, "%s\n\n```\n", _("One character per evaluation date, lowest to highest "
                                "RankIC as \xe2\x96\x81 to \xe2\x96\x88 (blank: not enough names)."));
    double *v = malloc((size_t)(c->nd ? c->nd : 1) * sizeof *v);
    char *line = malloc((size_t)c->nd * 3 + 8);
    for (int k = 0; v && line && k < c->nf; k++)
        for (int h = 0; h < c->nh; h++) {
            int m = 0;
            double lo = INFINITY, hi = -INFINITY;
            for (int d = 0; d < c->nd; d++)
                if (in->dates[d].fold == k) {
                    v[m] = c->ric[d * c->nh + h];
                    if (isfinite(v[m])) {
                        lo = v[m] < lo ? v[m] : lo;
                        hi = v[m] > hi ? v[m] : hi;
                    }
                    m++;
                }
            kt_report_sparkline(v, m, -0.3 < lo ? -0.3 : lo, 0.3 > hi ? 0.3 : hi, line,
                                (size_t)c->nd * 3 + 8);
            const fold_sum *s = &fs[k * c->nh + h];
            fprintf(f, "%s %3dd  %s  %s %s\n", in->plan->f[k].id, cfg->horizons[h], line,
                    _("median"), kt_report_md_num(s->rankic_median, b1, 32, 3, '+'));
        }
    fprintf(f, "```\n\n");
    free(v);
    free(line);
}

/* REPORT.md section 4: the per-fold table. */
static void md_folds(FILE *f, const kt_report_input *in, const calc *c, const fold_sum *fs)
{
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    fprintf(f, "## %s\n\n", _("Folds"));
    fprintf(f, "| %s | %s | %s | RankIC %s | IQR | %s | hit@10 | %s@10 |\n"
               "|---|---|---|---|---|---|---|---|\n",
            _("fold"), _("horizon"), _("dates"), _("median"), _("quintile spread"), _("avg excess"));
    for (int k = 0; k < c->nf; k++)
        for (int h = 0; h < c->nh; h++) {
            const fold_sum *s = &fs[k * c->nh + h];
            fprintf(f, "| %s | %dd | %d | %s | %s | %s | %s | %s |\n", in->plan->f[k].id,
                    in->cfg->horizons[h], s->n_dates, kt_report_md_num(s->rankic_median, b1, 32, 4, 0),
                    kt_report_md_num(s->rankic_iqr, b2, 32, 4, 0), kt_report_md_num(s->qs_median, b3, 32, 4, 0),
                    kt_report_md_num(s->hr10_median, b4, 32, 2, 0), kt_report_md_num(s->er10_median, b5, 32, 4, 0));
        }
}

/* REPORT.md section 5: the IC decay within each fold. */
static void md_decay(FILE *f, const kt_report_input *in, const calc *c, const fold_sum *fs)
{
    char b1[32], b2[32], b3[32], b4[32];
    fprintf(f, "\n## %s\n\n", _("IC decay"));
    fprintf(f, "| %s | %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|---|\n",
            _("fold"), _("horizon"), _("early median"), _("late median"), _("decay"),
            /* xgettext:no-c-format */ _("% positive"), _("flags"));
    for (int k = 0; k < c->nf; k++)
        for (int h = 0; h < c->nh; h++) {
            const fold_sum *s = &fs[k * c->nh + h];
            char flags[32];
            if (!s->decay_ok) {
                fprintf(f, "| %s | %dd | %s |  |  |  |  |\n", in->plan->f[k].id, in->cfg->horizons[h],
                        _("not computed: fewer than 9 dates"));
                continue;
            }
            kt_metrics_flags(&s->decay, flags, sizeof flags);
            fprintf(f, "| %s | %dd | %s | %s | %s | %s | %s |\n", in->plan->f[k].id,
                    in->cfg->horizons[h], kt_report_md_num(s->decay.early_median, b1, 32, 4, 0),
                    kt_report_md_num(s->decay.late_median, b2, 32, 4, 0), kt_report_md_num(s->decay.decay, b3, 32, 4, '+'),
                    kt_report_md_num(s->decay.pct_positive * 100, b4, 32, 0, '%'), flags[0] ? flags : "-");
        }
}

/* REPORT.md section 6: the churn of the top 10 and top 20. */
static void md_churn(FILE *f, const kt_report_input *in, const calc *c)
{
    const churn_sum *cs = c->cs;
    char b1[32], b2[32];
    fprintf(f, "\n## %s\n\n", _("Churn of the top K"));
    fprintf(f, "| %s | K | %s | %s | %s |\n|---|---|---|---|---|\n", _("horizon"),
            _("mean retention"), _("mean churn"), _("date pairs"));
    for (int h = 0; h < c->nh; h++)
        for (int j = 0; j < 2; j++) {
            const churn_sum *x = &cs[h * 2 + j];
            double r = x->pairs ? x->retention_sum / x->pairs : NAN;
            fprintf(f, "| %dd | %d | %s | %s | %d |\n", in->cfg->horizons[h], j ? 20 : 10,
                    kt_report_md_num(r, b1, 32, 3, 0), kt_report_md_num(1 - r, b2, 32, 3, 0), x->pairs);
        }
}

/* REPORT.md section 7: the negative controls (leak tripwires). */
static void md_controls(FILE *f, const kt_report_input *in, const calc *c, const control *shuf,
                        const control *lag, const control *mom)
{
    char b1[32];
    fprintf(f, "\n## %s\n\n", _("Negative controls (leak tripwires)"));
    fprintf(f, "| %s | %s | %s | %s | %s |\n|---|---|---|---|---|\n", _("control"), _("horizon"),
            _("status"), _("median RankIC"), _("dates"));
    for (int h = 0; h < c->nh; h++)
        for (int k = 0; k < 2; k++) {
            const control *x = k ? &lag[h] : &shuf[h];
            fprintf(f, "| %s | %dd | %s | %s | %d |\n", k ? _("lag") : _("shuffle"),
                    in->cfg->horizons[h],
                    !x->run ? _("not run (zero rows)")
                    : k   ? _("reported (compare with the headline)")
                    : x->passed ? _("passed")
                                : _("FAILED"),
                    kt_report_md_num(x->median, b1, 32, 4, '+'), x->n_dates);
        }
    for (int h = 0; h < c->nh; h++)
        fprintf(f, "| %s | %dd | %s | %s | %d |\n", _("momentum (12-1), Spearman with the score"),
                in->cfg->horizons[h],
                !mom[h].run     ? _("not run (no ticker with 253 bars)")
                : mom[h].passed ? _("passed")
                                : _("FAILED"),
                kt_report_md_num(mom[h].median, b1, 32, 4, '+'), mom[h].n_dates);
}

/* REPORT.md: the quintile long-short spread net of costs per scenario. */
static void md_costs(FILE *f, const kt_report_input *in, const calc *c, const extra *ex)
{
    char b[4][32];
    fprintf(f, "\n## %s\n\n", _("Costs"));
    fprintf(f, _("Quintile long-short portfolio, one of h overlapping tranches; base cost %g bps, "
                 "AUM %.0f USD, square-root impact from 20-day volatility and ADV."),
            in->cfg->cost_bps, in->cfg->aum);
    fprintf(f, "\n\n| %s | %s | %s | %s | %s | %s |\n|---|---|---|---|---|---|\n", _("horizon"),
            _("scenario"), _("mean gross spread"), _("mean turnover"), _("mean net spread"),
            _("cost survival"));
    for (int h = 0; h < c->nh; h++)
        for (int sc = 0; sc < KT_N_COST_SCENARIOS; sc++)
            fprintf(f, "| %dd | %s | %s | %s | %s | %s |\n", in->cfg->horizons[h],
                    kt_cost_scenario_name(sc), kt_report_md_num(ex->gross_mean[h], b[0], 32, 5, '+'),
                    kt_report_md_num(ex->turnover_mean[h], b[1], 32, 3, 0),
                    kt_report_md_num(ex->net_mean[h][sc], b[2], 32, 5, '+'),
                    kt_report_md_num(ex->survival[h][sc], b[3], 32, 3, 0));
    for (int h = 0; h < c->nh; h++)
        if (ex->impact_missing[h])
            fprintf(f, "\n- %dd: %s: %ld\n", in->cfg->horizons[h],
                    _("trades without volatility or volume (no impact charged)"),
                    ex->impact_missing[h]);
}

/* REPORT.md: Kronos beside the baselines, scored on the same rows. */
static void md_baselines(FILE *f, const calc *c, const kt_report_summary *sum, const extra *ex)
{
    char b[3][32];
    fprintf(f, "\n## %s\n\n", _("Baselines"));
    fprintf(f, "%s\n\n",
            _("RankIC headline (median of fold medians) of simple signals scored "
              "on exactly the rows Kronos scored."));
    fprintf(f, "| %s | Kronos | momentum_12_1 | reversal_5d |\n|---|---|---|---|\n", _("horizon"));
    for (int h = 0; h < c->nh; h++)
        fprintf(f, "| %dd | %s | %s | %s |\n", sum->h[h].horizon,
                kt_report_md_num(sum->h[h].headline, b[0], 32, 4, '+'),
                kt_report_md_num(ex->bl_head[h][KT_SIG_MOMENTUM_12_1], b[1], 32, 4, '+'),
                kt_report_md_num(ex->bl_head[h][KT_SIG_REVERSAL_5D], b[2], 32, 4, '+'));
}

/* REPORT.md section 8: the run facts: dates, tickers, seconds, times. */
static void md_run_facts(FILE *f, const kt_report_input *in, const calc *c)
{
    char b1[32], b2[32], b3[32];
    fprintf(f, "\n## %s\n\n", _("Run facts"));
    int computed = 0, resumed = 0;
    double *secs = malloc((size_t)(c->nd ? c->nd : 1) * sizeof *secs);
    long scored = 0, skipped = 0;
    for (int d = 0; d < c->nd; d++) {
        if (in->dates[d].resumed)
            resumed++;
        if (secs)
            secs[computed] = in->dates[d].seconds;
        computed++;
        scored += in->dates[d].universe - in->dates[d].skipped;
        skipped += in->dates[d].skipped;
    }
    fprintf(f, "- %s: %d (", _("evaluation dates"), c->nd);
    fprintf(f, ngettext("%d taken from the journal of an earlier session",
                        "%d taken from the journal of an earlier session", (unsigned long)resumed),
            resumed);
    fputs(")\n", f);
    fprintf(f, "- %s: %ld, %s: %ld (%s)\n", _("tickers scored over all dates"), scored,
            _("skipped"), skipped, _("fewer bars than the lookback"));
    if (secs && computed)
        fprintf(f, "- %s: %s %s, p90 %s, %s %s\n", _("seconds per date"), _("median"),
                kt_report_md_num(kt_metrics_median(secs, computed), b1, 32, 2, 0),
                kt_report_md_num(kt_metrics_quantile(secs, computed, 0.9), b2, 32, 2, 0), _("total"),
                kt_report_md_num(in->wall_seconds, b3, 32, 1, 0));
    free(secs);
    fprintf(f, "- %s: %s .. %s\n", _("started .. finished"), in->started_at ? in->started_at : "",
            in->finished_at ? in->finished_at : "");
}

/* REPORT.md section 8, continued: the prices file and what was dropped from it. */
static void md_prices(FILE *f, const kt_report_input *in)
{
    const kt_prices_stats *ps = &in->prices->stats;
    fprintf(f, "- %s: %s, ", _("prices"), in->cfg->prices);
    fprintf(f, ngettext("%ld row loaded", "%ld rows loaded", (unsigned long)ps->rows_loaded),
            ps->rows_loaded);
    fputs(", ", f);
    fprintf(f, ngettext("%ld dropped", "%ld dropped", (unsigned long)ps->dropped_total),
            ps->dropped_total);
    fputs(", ", f);
    fprintf(f, ngettext("%d ticker", "%d tickers", (unsigned long)in->prices->n_series),
            in->prices->n_series);
    fputc('\n', f);
    for (int r = 0; r < KT_DROP_N; r++)
        if (ps->dropped[r])
            fprintf(f, "  - %s: %ld\n", kt_prices_drop_name(r), ps->dropped[r]);
    if (ps->volume_filled)
        fprintf(f, "  - %s: %ld\n", _("missing volume set to 0"), ps->volume_filled);
    if (ps->amount_filled)
        fprintf(f, "  - %s: %ld\n", _("missing amount set to 0"), ps->amount_filled);
}

/* The figures, from the numbers computed above (figures.h). */
static int write_figures(wctx *w, const calc *c, extra *ex)
{
    const kt_report_input *in = w->in;
    kt_fig_input fi = {.nd = c->nd, .nh = c->nh, .horizons = in->cfg->horizons,
                       .dates = in->dates, .plan = in->plan, .prices = in->prices,
                       .rankic = c->ric, .bl = c->bd, .cost = c->cd, .cost_bps = in->cfg->cost_bps,
                       .aum = in->cfg->aum, .excess = in->cfg->benchmark[0] != '\0',
                       .sample_count = in->cfg->sample_count};
    for (int h = 0; h < c->nh; h++)
        for (int j = 0; j < 2; j++) {
            fi.churn[h][j] = c->cs[h * 2 + j].churn;
            fi.churn_date[h][j] = c->cs[h * 2 + j].date;
            fi.churn_n[h][j] = c->cs[h * 2 + j].pairs;
        }
    return kt_figures_write(in->run_dir, &fi, ex->fig, w->err, w->errlen);
}

/* REPORT.md: the figures (PNG links; REPORT.html shows the SVGs inline).
 * The reliability and PIT figures belong to the probabilistic section
 * (probreport.c) when the run sampled S >= 2 paths; without paths this
 * section says why they were not drawn. */
static int md_figure_here(const kt_report_input *in, int k)
{
    return in->cfg->sample_count < 2 || (k != KT_FIG_RELIABILITY && k != KT_FIG_PIT_HISTOGRAM);
}

static void md_figures(FILE *f, const kt_report_input *in, const extra *ex)
{
    int drawn = 0, missing = 0;
    for (int k = 0; k < KT_N_FIGURES; k++)
        if (md_figure_here(in, k)) {
            drawn += ex->fig[k] == KT_FIGURE_DRAWN;
            missing += ex->fig[k] != KT_FIGURE_DRAWN;
        }
    fprintf(f, "## %s\n\n", _("Figures"));
    if (drawn)
        fprintf(f, "%s\n\n", _("PNG and SVG files in figures/; REPORT.html shows them inline."));
    for (int k = 0; k < KT_N_FIGURES; k++)
        if (md_figure_here(in, k) && ex->fig[k] == KT_FIGURE_DRAWN)
            fprintf(f, "![%s](figures/%s.png)\n\n", kt_figure_caption(k), kt_figure_name(k));
    for (int k = 0; k < KT_N_FIGURES; k++)
        if (md_figure_here(in, k) && ex->fig[k] != KT_FIGURE_DRAWN)
            fprintf(f, "- %s: %s: %s\n", kt_figure_caption(k), _("figure not drawn"),
                    kt_figure_reason(ex->fig[k]));
    if (missing)
        fputc('\n', f);
}

static void report_md(FILE *f, const kt_report_input *in, const calc *c, const fold_sum *fs,
                      const control *shuf, const control *lag, const kt_report_summary *sum,
                      const kt_report_card *card, const extra *ex, const cutoff_split *cut)
{
    fprintf(f, "# %s: %s\n\n", _("Kronos walk-forward stability report"), in->cfg->name);
    md_overlap_warning(f, c, cut);
    md_verdict(f, c->nh, card->rows, card->gates);
    md_settings(f, in, c, cut);
    md_headline(f, c, sum);
    md_periods(f, c, cut);
    md_rankic_by_date(f, in, c, fs);
    md_figures(f, in, ex);
    md_folds(f, in, c, fs);
    md_decay(f, in, c, fs);
    md_churn(f, in, c);
    md_costs(f, in, c, ex);
    md_baselines(f, c, sum, ex);
    md_controls(f, in, c, shuf, lag, ex->mom);
    kt_probreport_md(f, in, ex->fig); /* S >= 2 sampled paths (probreport.c) */
    md_run_facts(f, in, c);
    md_prices(f, in);
}

int kt_report_write(const kt_report_input *in, kt_report_summary *sum, char *err, size_t errlen)
{
    memset(sum, 0, sizeof *sum);
    wctx w = {.in = in, .err = err, .errlen = errlen};
    calc c;
    int rc = -1;
    fold_sum *fs = NULL;
    control shuf[KT_MAX_HORIZONS], lag[KT_MAX_HORIZONS];
    double *buf = NULL;
    extra ex;
    kt_report_card card;
    cutoff_split cut;
    memset(&cut, 0, sizeof cut);
    cut.date = kt_evalcfg_model_cutoff(in->cfg, &cut.source);
    if (calc_init(&c, in) != 0) {
        snprintf(err, errlen, _("out of memory"));
        goto out;
    }
    fs = calloc((size_t)(c.nf ? c.nf : 1) * (size_t)c.nh, sizeof *fs);
    buf = malloc((size_t)(c.nd > c.nf ? c.nd + 1 : c.nf + 1) * sizeof *buf);
    cut.k = kt_report_cutoff_split(in->dates, c.nd, cut.date);
    if (!fs || !buf || extras(&c, 0, c.nd, &ex) != 0 || card_range(&c, 0, c.nd, &card) != 0 ||
        (cut.date && (card_range(&c, 0, cut.k, &cut.before) != 0 ||
                      card_range(&c, cut.k, c.nd, &cut.after) != 0))) {
        snprintf(err, errlen, _("out of memory"));
        goto out;
    }
    for (int k = 0; k < KT_N_FIGURES; k++)
        ex.fig[k] = KT_FIGURE_NO_ROWS;
    sum->n_horizons = c.nh;
    for (int k = 0; k < c.nf; k++)
        for (int h = 0; h < c.nh; h++)
            fold_summary(&c, k, h, buf, &fs[k * c.nh + h]);
    for (int h = 0; h < c.nh; h++) {
        int m = 0;
        for (int k = 0; k < c.nf; k++)
            if (isfinite(fs[k * c.nh + h].rankic_median))
                buf[m++] = fs[k * c.nh + h].rankic_median;
        sum->h[h].horizon = in->cfg->horizons[h];
        sum->h[h].headline = kt_metrics_median(buf, m);
        m = 0;
        for (int d = 0; d < c.nd; d++)
            buf[m++] = c.ric[d * c.nh + h];
        kt_metrics_run_stats(buf, m, &sum->h[h].stats);
        sum->h[h].nw_t = kt_metrics_nw_t(buf, m, in->cfg->horizons[h]);
        control_shuffle(&c, h, &shuf[h]);
        control_lag(&c, h, sum->h[h].stats.median, &lag[h]);
    }
    for (int d = 0; d < c.nd; d++)
        sum->score_rows += in->dates[d].n_rows;

    if (in->empty_reason) {
        if (write_empty(&w) != 0)
            goto out;
        snprintf(sum->report_path, sizeof sum->report_path, "%s/REPORT_EMPTY.md", in->run_dir);
    } else {
        if (write_scores(&w) != 0 || write_pdm(&w, &c, &sum->metric_rows) != 0 ||
            write_folds_decay(&w, &c, fs) != 0 || write_churn(&w, &c) != 0 ||
            write_baselines(&w, &c) != 0 || write_costs(&w, &c) != 0 ||
            write_figures(&w, &c, &ex) != 0)
            goto out;
    }
    if (in->cfg->sample_count >= 2 && kt_probreport_csv(in, err, errlen) != 0)
        goto out;
    if (write_scorecard(&w, &card) != 0 ||
        (cut.date && write_scorecard_periods(&w, &cut.before, &cut.after) != 0) ||
        write_churn_diag(&w, &c) != 0 || write_tripwires(&w, &c, shuf, lag, ex.mom, sum) != 0 ||
        write_metadata(&w, sum, sum->score_rows, &cut) != 0)
        goto out;
    /* REPORT.html, then REPORT.md last: its presence means every other
     * output is complete. */
    if (!in->empty_reason) {
        char *md = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&md, &len);
        if (!f) {
            snprintf(err, errlen, _("out of memory"));
            goto out;
        }
        report_md(f, in, &c, fs, shuf, lag, sum, &card, &ex, &cut);
        int bad = fclose(f) != 0;
        if (bad)
            snprintf(err, errlen, _("out of memory"));
        if (bad || write_md_html(&w, "REPORT", md, len) != 0) {
            free(md);
            goto out;
        }
        free(md);
        snprintf(sum->report_path, sizeof sum->report_path, "%s/REPORT.md", in->run_dir);
    }
    rc = 0;
out:
    calc_free(&c);
    free(fs);
    free(buf);
    return rc;
}
