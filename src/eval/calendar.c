/* calendar.c: global trading calendar. See calendar.h. */
#include "config.h"

#include "eval/calendar.h"

#include "base/i18n.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_time(const void *a, const void *b)
{
    kt_time x = *(const kt_time *)a, y = *(const kt_time *)b;
    return x < y ? -1 : x > y;
}

int kt_calendar_build(const kt_prices *p, kt_calendar *out)
{
    memset(out, 0, sizeof *out);
    size_t total = 0;
    for (int i = 0; i < p->n_series; i++)
        total += (size_t)p->series[i].n;
    kt_time *all = malloc((total ? total : 1) * sizeof *all);
    if (!all)
        return -1;
    size_t k = 0;
    for (int i = 0; i < p->n_series; i++) {
        memcpy(all + k, p->series[i].t, (size_t)p->series[i].n * sizeof *all);
        k += (size_t)p->series[i].n;
    }
    qsort(all, total, sizeof *all, cmp_time);
    size_t w = 0;
    for (size_t i = 0; i < total; i++)
        if (w == 0 || all[w - 1] != all[i])
            all[w++] = all[i];
    out->n = (int)w;
    out->t = all;
    out->intraday = p->intraday;
    return 0;
}

void kt_calendar_free(kt_calendar *c)
{
    free(c->t);
    memset(c, 0, sizeof *c);
}

int kt_calendar_lower_bound(const kt_calendar *c, kt_time t)
{
    int lo = 0, hi = c->n;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (c->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int kt_calendar_index(const kt_calendar *c, kt_time t)
{
    int i = kt_calendar_lower_bound(c, t);
    return i < c->n && c->t[i] == t ? i : -1;
}

int kt_calendar_future(const kt_calendar *c, int i, int n, kt_time *out)
{
    int from_cal = 0;
    kt_time last = c->t[i];
    kt_time step = 86400;
    if (c->intraday && c->n >= 2)
        step = c->t[c->n - 1] - c->t[c->n - 2];
    for (int k = 0; k < n; k++) {
        if (i + 1 + k < c->n) {
            out[k] = c->t[i + 1 + k];
            from_cal++;
        } else {
            kt_time t = last + step;
            if (!c->intraday) {
                int wd;
                for (;;) {
                    kt_time_parts(t, NULL, NULL, NULL, NULL, NULL, &wd);
                    if (wd < 5)
                        break;
                    t += 86400;
                }
            }
            out[k] = t;
        }
        last = out[k];
    }
    return from_cal;
}

void kt_calendar_stamp(kt_time t, kronos_stamp *out)
{
    int y, m, d, h, mi, wd;
    kt_time_parts(t, &y, &m, &d, &h, &mi, &wd);
    out->minute = mi;
    out->hour = h;
    out->weekday = wd;
    out->day = d;
    out->month = m;
}

void kt_calendar_format(const kt_calendar *c, int i, char *buf, size_t n)
{
    kt_time_format(c->t[i], c->intraday, buf, n);
}

int kt_calendar_check(const kt_calendar *c, int max_gap_days, char (*notes)[256], int max)
{
    int n = 0, weekend = 0;
    char a[32], b[32];
    for (int i = 1; i < c->n && n < max; i++) {
        kt_time gap = c->t[i] - c->t[i - 1];
        if (gap > (kt_time)max_gap_days * 86400) {
            kt_calendar_format(c, i - 1, a, sizeof a);
            kt_calendar_format(c, i, b, sizeof b);
            snprintf(notes[n++], 256, ngettext("the calendar jumps from %s to %s (%ld day without any bar)",
                              "the calendar jumps from %s to %s (%ld days without any bar)",
                              (unsigned long)(gap / 86400)),
                     a, b, (long)(gap / 86400));
        }
    }
    if (!c->intraday) {
        for (int i = 0; i < c->n; i++) {
            int wd;
            kt_time_parts(c->t[i], NULL, NULL, NULL, NULL, NULL, &wd);
            weekend += wd >= 5;
        }
        if (weekend && n < max)
            snprintf(notes[n++], 256, ngettext("%d of %d date falls on a Saturday or Sunday",
                              "%d of %d dates fall on a Saturday or Sunday", (unsigned long)c->n),
                     weekend, c->n);
    }
    return n;
}
