/* probreport.h: the report's part for S >= 2 sampled paths:
 * prob_metrics.csv (date, fold_id, horizon, n_names, brier, coverage_80,
 * crps, pit_mean) and the REPORT.md section (Kronos against HistVol20,
 * the reliability table of p_up, the PIT histogram, the RankIC of the
 * three ranking scores). Reads the per-date scores kt_prob_date() left in
 * every date (d->pm, d->pm_hv and the rows' p_up, median, pit, hv_pit). */
#ifndef KT_PROBREPORT_H
#define KT_PROBREPORT_H

#include <stddef.h>
#include <stdio.h>

#include "eval/figures.h"
#include "eval/report.h"

/* Writes run_dir/prob_metrics.csv atomically (the header only when no
 * date has scores). 0, or -1 with err. */
int kt_probreport_csv(const kt_report_input *in, char *err, size_t errlen);
/* The REPORT.md section (English), with the reliability and PIT figures
 * (fig: kt_figures_write()'s states; drawn: linked, else why not). */
void kt_probreport_md(FILE *f, const kt_report_input *in, const kt_figure_state *fig);

#endif /* KT_PROBREPORT_H */
