/* baselines.c: momentum_12_1, reversal_5d and the momentum control. See
 * baselines.h. */
#include "config.h"

#include "eval/baselines.h"

#include <math.h>

const char *kt_baseline_name(int sig)
{
    return sig == KT_SIG_MOMENTUM_12_1 ? "momentum_12_1" : "reversal_5d";
}

static double close_at(const kt_series *s, int i)
{
    return s->ohlcva[(size_t)i * 6 + 3];
}

double kt_baseline_signal(const kt_series *s, int i, int sig)
{
    if (i < 0 || i >= s->n)
        return NAN;
    if (sig == KT_SIG_MOMENTUM_12_1)
        return i >= 252 ? close_at(s, i - 21) / close_at(s, i - 252) - 1.0 : NAN;
    return i >= 5 ? -(close_at(s, i) / close_at(s, i - 5) - 1.0) : NAN;
}

void kt_baselines_date(const kt_date_result *d, int h, const kt_prices *p, kt_xrow *scratch,
                       double *x, double *y, kt_baseline_date *out)
{
    kt_time t = 0;
    int parsed = kt_time_parse(d->date, &t) == 0;
    out->momentum_corr = NAN;
    out->momentum_names = 0;
    for (int sig = 0; sig < KT_N_BASELINES; sig++) {
        int m = 0, k = 0;
        for (int r = 0; r < d->n_rows; r++) {
            const kt_score_row *row = &d->rows[r];
            if (row->h != h || !isfinite(row->score))
                continue;
            const kt_series *s = &p->series[row->series];
            double v = parsed ? kt_baseline_signal(s, kt_series_find(s, t), sig) : NAN;
            if (sig == KT_SIG_MOMENTUM_12_1 && isfinite(v)) {
                x[k] = row->score;
                y[k++] = v;
            }
            if (!isfinite(row->label))
                continue;
            scratch[m].ticker = s->ticker;
            scratch[m].score = v;
            scratch[m++].label = row->label;
        }
        kt_metrics_date(scratch, m, &out->m[sig]);
        if (sig == KT_SIG_MOMENTUM_12_1) {
            out->momentum_names = k;
            if (k >= KT_MIN_NAMES)
                out->momentum_corr = kt_metrics_spearman(x, y, k);
        }
    }
}
