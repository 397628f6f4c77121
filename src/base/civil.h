/* civil.h: proleptic Gregorian calendar arithmetic (days since 1970-01-01)
 * and the one date parser and formatter of the project (the price store,
 * the forecast input and `kronos-tui train` all read dates with
 * kt_time_parse). Pure functions, valid for any year that fits an int. */
#ifndef KT_CIVIL_H
#define KT_CIVIL_H

#include <stddef.h>
#include <stdint.h>

/* Time key: seconds since 1970-01-01 00:00 (proleptic Gregorian, no zone). */
typedef int64_t kt_time;

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31). */
int64_t kt_days_from_civil(int64_t y, int m, int d);
/* The inverse: the date of day z. */
void kt_civil_from_days(int64_t z, int *y, int *m, int *d);
/* Weekday of day z, Monday = 0. */
int kt_weekday(int64_t z);

/* "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS[.fff]]" ('T' may replace the
 * space; fractional seconds are ignored) -> key; 0 ok, -1 malformed. */
int kt_time_parse(const char *s, kt_time *out);
/* Civil date parts (any pointer may be NULL); weekday Mon=0. */
void kt_time_parts(kt_time t, int *year, int *month, int *day, int *hour, int *minute,
                   int *weekday);
/* Formats as "YYYY-MM-DD", or with " HH:MM" (":SS" if non-zero) when
 * intraday != 0 and the time of day is not midnight. */
void kt_time_format(kt_time t, int intraday, char *buf, size_t n);
/* Always "YYYY-MM-DD HH:MM:SS". */
void kt_time_format_full(kt_time t, char *buf, size_t n);

#endif /* KT_CIVIL_H */
