/* folds.c: monthly folds. See folds.h. */
#include "config.h"

#include "eval/folds.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"

static int month_key(kt_time t)
{
    int y, m;
    kt_time_parts(t, &y, &m, NULL, NULL, NULL, NULL);
    return y * 12 + (m - 1);
}

int kt_folds_plan(const kt_calendar *c, kt_time start, kt_time end, int max_folds,
                  kt_fold_plan *plan, char *err, size_t errlen)
{
    memset(plan, 0, sizeof *plan);
    plan->warmup_first = plan->warmup_last = -1;
    if (end < start) {
        snprintf(err, errlen, _("the end of the range is before its start"));
        return -1;
    }
    kt_time end_incl = end - (end % 86400 + 86400) % 86400 + 86399;
    int lo = kt_calendar_lower_bound(c, start);
    int hi = kt_calendar_lower_bound(c, end_incl + 1); /* exclusive */
    if (lo >= hi)
        return 0;
    plan->f = calloc((size_t)(hi - lo), sizeof *plan->f);
    if (!plan->f) {
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    int i = lo;
    int wk = month_key(c->t[i]);
    plan->warmup_first = i;
    while (i < hi && month_key(c->t[i]) == wk)
        i++;
    plan->warmup_last = i - 1;
    while (i < hi && (max_folds < 0 || plan->n < max_folds)) {
        int mk = month_key(c->t[i]);
        kt_fold *f = &plan->f[plan->n];
        f->first = i;
        while (i < hi && month_key(c->t[i]) == mk)
            i++;
        f->last = i - 1;
        f->year = mk / 12;
        f->month = mk % 12 + 1;
        plan->n++;
        snprintf(f->id, sizeof f->id, "fold_%02u", (unsigned)plan->n % 100000u);
    }
    return 0;
}

void kt_folds_free(kt_fold_plan *plan)
{
    free(plan->f);
    memset(plan, 0, sizeof *plan);
}

int kt_folds_dates(const kt_fold_plan *plan)
{
    int n = 0;
    for (int i = 0; i < plan->n; i++)
        n += plan->f[i].last - plan->f[i].first + 1;
    return n;
}
