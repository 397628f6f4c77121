/* civil.h: proleptic Gregorian calendar arithmetic (days since 1970-01-01).
 * Pure functions, valid for any year that fits an int. */
#ifndef KT_CIVIL_H
#define KT_CIVIL_H

#include <stdint.h>

/* Days since 1970-01-01 of year y, month m (1-12), day d (1-31). */
int64_t kt_days_from_civil(int64_t y, int m, int d);
/* The inverse: the date of day z. */
void kt_civil_from_days(int64_t z, int *y, int *m, int *d);
/* Weekday of day z, Monday = 0. */
int kt_weekday(int64_t z);

#endif /* KT_CIVIL_H */
