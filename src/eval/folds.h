/* folds.h: monthly walk-forward folds over the trading calendar.
 *
 * The range [start, end] (inclusive; end covers its whole day) is split
 * into calendar months. The first month that has trading days in the range
 * is warm-up only. Fold i (i >= 1) is the i-th following month with
 * trading days in the range; its dates are those trading days (a date
 * belongs to exactly one month, hence to at most one fold). */
#ifndef KT_FOLDS_H
#define KT_FOLDS_H

#include <stddef.h>

#include "eval/calendar.h"

typedef struct kt_fold {
    char id[16];      /* "fold_01" */
    int first, last;  /* calendar indices, inclusive */
    int year, month;
} kt_fold;

typedef struct kt_fold_plan {
    int n;
    kt_fold *f;
    int warmup_first, warmup_last;  /* calendar indices; -1 when no dates */
} kt_fold_plan;

/* max_folds < 0: every fold. Returns 0 (plan->n may be 0), -1 on error. */
int kt_folds_plan(const kt_calendar *c, kt_time start, kt_time end, int max_folds,
                  kt_fold_plan *plan, char *err, size_t errlen);
void kt_folds_free(kt_fold_plan *plan);
/* Total evaluation dates of the plan. */
int kt_folds_dates(const kt_fold_plan *plan);

#endif /* KT_FOLDS_H */
