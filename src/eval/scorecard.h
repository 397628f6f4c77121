/* scorecard.h: the stability scorecard, its three gates and the churn
 * diagnostics (evaluation.md, "Scorecard and gates"). Pure functions over
 * small structs, so every threshold is testable without a run. */
#ifndef KT_SCORECARD_H
#define KT_SCORECARD_H

#include <stddef.h>

/* Threshold comparisons allow this much floating-point slack: churn is a
 * multiple of 1/K, and 1 - 0.7 is 0.30000000000000004. */
#define KT_GATE_TOL 1e-9
#define KT_N_GATES 3

typedef enum kt_gate_state { KT_GATE_NOT_RUN, KT_GATE_PASS, KT_GATE_FAIL } kt_gate_state;

/* One horizon's numbers; NaN: unknown (that control or overlay did not
 * run). best_baseline NULL or "" when no baseline has a headline. */
typedef struct kt_scorecard_row {
    int horizon;
    double rankic_headline, rankic_mean, nw_t, pct_positive, churn_median_20;
    double cost_survival; /* base_slippage scenario */
    double momentum_corr_median;
    const char *best_baseline;
    double best_baseline_rankic;
} kt_scorecard_row;

typedef struct kt_gate {
    kt_gate_state state;
    char detail[320]; /* the numbers behind the verdict, or why not run */
} kt_gate;

/* "pass", "fail", "not_run" (CSV values, not translated). */
const char *kt_gate_name(kt_gate_state s);
/* Gate 1: headline >= 0.02 on >= 2 horizons and |momentum| < 0.5 on all. */
void kt_gate_1(const kt_scorecard_row *rows, int n, kt_gate *out);
/* Gate 2: on some horizon, headline >= 0.05 or >= best baseline - 0.03. */
void kt_gate_2(const kt_scorecard_row *rows, int n, kt_gate *out);
/* Gate 3: on the horizon of the highest headline, churn@20 <= 0.30 and
 * cost survival >= 0.30. */
void kt_gate_3(const kt_scorecard_row *rows, int n, kt_gate *out);
void kt_scorecard_gates(const kt_scorecard_row *rows, int n, kt_gate out[KT_N_GATES]);

/* Churn diagnostics of one (horizon, K) over its date pairs. */
typedef struct kt_churn_diag {
    int n;                              /* date pairs */
    double median, mean, p90, pct_high; /* pct_high: share with churn > 0.5 */
    int high_churn;                     /* median > 0.5 */
} kt_churn_diag;

/* n == 0: n set, numbers NaN, no flag. */
void kt_churn_diagnostics(const double *churn, int n, kt_churn_diag *out);
/* Share (0..1) of finite values > 0; NaN when none is finite. */
double kt_share_positive(const double *x, int n);

#endif /* KT_SCORECARD_H */
