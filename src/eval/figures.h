/* figures.h: the report's figures, each written as RUN_DIR/figures/NAME.png
 * and NAME.svg (plot.h on cairo). They draw numbers the report already
 * computed (per-date RankIC, the baselines, the cost overlays, the churn
 * pairs); only the mean label per score quintile is new, from the rows.
 * A figure without data is not drawn (any earlier file of that name is
 * removed) and its status says why, for the report to say so. The files
 * depend only on the inputs, the settings and the seed. */
#ifndef KT_FIGURES_H
#define KT_FIGURES_H

#include <stddef.h>

#include "eval/baselines.h"
#include "eval/costs.h"
#include "eval/folds.h"
#include "eval/prices.h"
#include "eval/probmetrics.h"
#include "eval/results.h"

enum {
    KT_FIG_IC_DECAY = 0,
    KT_FIG_CUMULATIVE_RANKIC,
    KT_FIG_MONTHLY_RANKIC_HEATMAP,
    KT_FIG_RANKIC_HISTOGRAM,
    KT_FIG_QUINTILE_RETURNS,
    KT_FIG_CUMULATIVE_NET_SPREAD,
    KT_FIG_CHURN_TIMESERIES,
    KT_FIG_CHURN_DISTRIBUTION,
    KT_FIG_RELIABILITY,   /* S >= 2 sampled paths only (probmetrics.h) */
    KT_FIG_PIT_HISTOGRAM,
    KT_N_FIGURES
};

/* Why a figure was not drawn (KT_FIGURE_DRAWN: it was). */
typedef enum kt_figure_state {
    KT_FIGURE_DRAWN = 0,
    KT_FIGURE_NO_ROWS,   /* the run has no evaluation row */
    KT_FIGURE_NO_RANKIC, /* no date has a RankIC */
    KT_FIGURE_NO_LEGS,   /* no date has quintile legs */
    KT_FIGURE_NO_CHURN,  /* no pair of consecutive dates with a top 10 */
    KT_FIGURE_NO_PATHS,  /* one sampled path per forecast (S < 2) */
    KT_FIGURE_NO_OUTCOMES, /* S >= 2, but no row with a realised return */
} kt_figure_state;

/* The file name without extension ("ic_decay", "cumulative_rankic",
 * "monthly_rankic_heatmap", "rankic_histogram", "quintile_returns",
 * "cumulative_net_spread", "churn_timeseries", "churn_distribution",
 * "reliability", "pit_histogram"). */
const char *kt_figure_name(int fig);
/* The figure's caption (translated). */
const char *kt_figure_caption(int fig);
/* Why it was not drawn (translated), e.g. "no evaluation rows". */
const char *kt_figure_reason(kt_figure_state s);

/* What the figures draw. Arrays indexed [d * nh + h] hold nd x nh
 * entries, dates in plan order (fold set). */
typedef struct kt_fig_input {
    int nd, nh;
    const int *horizons;
    const kt_date_result *dates;
    const kt_fold_plan *plan;
    const kt_prices *prices;
    const double *rankic;          /* per-date RankIC (NaN: < 10 names) */
    const kt_baseline_date *bl;    /* the baselines' per-date metrics */
    const kt_cost_date *cost;      /* the cost overlays */
    double cost_bps, aum;
    int excess;                    /* labels are excess returns */
    /* churn per date pair of horizon h and K (0: top 10, 1: top 20):
     * churn[h][k][i] for the pair ending at date churn_date[h][k][i] */
    const double *churn[KT_MAX_HORIZONS][2];
    const int *churn_date[KT_MAX_HORIZONS][2];
    int churn_n[KT_MAX_HORIZONS][2];
    int sample_count;              /* S: paths per forecast; the reliability
                                    * and PIT figures need S >= 2 and the
                                    * rows' p_up, pit, hv_pit (kt_prob_date) */
} kt_fig_input;

/* What the reliability and PIT figures draw for horizon h, pooled over
 * the dates that have probabilistic scores (d->pm) and the rows with a
 * realised return (kt_prob_outcome). Reliability bins as
 * kt_prob_rel_bin(); the PIT densities are share of rows per bin x 10
 * (a calibrated forecast: 1.0 in every bin). NaN where a bin or a
 * forecast has no row. HistVol20's p_up is always 0.5: its reliability
 * is the single point (0.5, hv_up). */
typedef struct kt_fig_prob {
    long n;                        /* rows scored (Kronos) */
    long rel_n[KT_REL_BINS];
    double rel_p[KT_REL_BINS];     /* mean p_up of the bin */
    double rel_up[KT_REL_BINS];    /* observed share of up moves */
    long hv_n;                     /* rows with a HistVol20 sigma */
    double hv_up;                  /* their share of up moves */
    double pit[KT_PIT_BINS], pit_hv[KT_PIT_BINS];
} kt_fig_prob;
/* Fills out for horizon h; returns out->n. */
long kt_fig_prob_data(const kt_fig_input *in, int h, kt_fig_prob *out);

/* Writes every figure into run_dir/figures/ (created when missing);
 * state[f] says which were drawn. nd == 0 draws nothing and creates
 * nothing. 0 ok, -1 with err (I/O, out of memory). */
int kt_figures_write(const char *run_dir, const kt_fig_input *in,
                     kt_figure_state state[KT_N_FIGURES], char *err, size_t errlen);

#endif /* KT_FIGURES_H */
