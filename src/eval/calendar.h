/* calendar.h: the global trading calendar: the sorted set of every
 * timestamp present in the price store (never a synthetic calendar). */
#ifndef KT_CALENDAR_H
#define KT_CALENDAR_H

#include "eval/prices.h"
#include "model/kronos.h"

typedef struct kt_calendar {
    int n;
    kt_time *t;       /* strictly increasing */
    int intraday;
} kt_calendar;

/* 0 ok, -1 out of memory. */
int kt_calendar_build(const kt_prices *p, kt_calendar *out);
void kt_calendar_free(kt_calendar *c);
/* Index of t, or -1. */
int kt_calendar_index(const kt_calendar *c, kt_time t);
/* First index with t[i] >= t (n when none). */
int kt_calendar_lower_bound(const kt_calendar *c, kt_time t);
/* The n timestamps after index i: the calendar's next trading times; past
 * the end of the data they are extrapolated (weekdays for daily data, the
 * last spacing for intraday data) — used only for the model's time
 * features, never for labels. Returns how many came from the calendar. */
int kt_calendar_future(const kt_calendar *c, int i, int n, kt_time *out);
/* Kronos time features of t: the one stamp builder (evaluation, forecast
 * and training all use it). */
void kt_calendar_stamp(kt_time t, kronos_stamp *out);
/* Data-quality notes (translated, one line each, at most max): gaps of
 * more than max_gap_days calendar days between consecutive dates, and for
 * daily data the number of dates on a Saturday or Sunday. Returns the
 * number of notes. */
int kt_calendar_check(const kt_calendar *c, int max_gap_days, char (*notes)[256], int max);
void kt_calendar_format(const kt_calendar *c, int i, char *buf, size_t n);

#endif /* KT_CALENDAR_H */
