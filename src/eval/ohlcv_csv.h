/* ohlcv_csv.h: one OHLCV series from a CSV file (libcsv), and the
 * timestamp arithmetic the forecast command needs.
 *
 * The file has a header row naming a timestamp column (timestamps,
 * timestamp or date) and open, high, low, close; volume and amount are
 * optional. Timestamps are read with kt_time_parse (civil.h), taken as
 * naive wall-clock time; kt_calendar_stamp (calendar.h) gives their
 * Kronos time features and kt_time_format_full (civil.h) prints them. */
#ifndef KT_OHLCV_CSV_H
#define KT_OHLCV_CSV_H

#include <stddef.h>
#include <stdint.h>

typedef struct kt_ohlcv {
    size_t n;
    int64_t *ts;     /* seconds since 1970-01-01 00:00 (naive) */
    double *v;       /* [n][6]: open high low close volume amount (0 if absent) */
    int has_volume, has_amount;
} kt_ohlcv;

/* 0, or -1 with "FILE: line N: column X: ..." in err. */
int kt_ohlcv_csv_load(const char *path, kt_ohlcv *out, char *err, size_t errlen);
void kt_ohlcv_free(kt_ohlcv *s);

/* m timestamps continuing ctx[0..n-1] at its median spacing; daily bars
 * (median spacing one day) skip Saturdays and Sundays. n >= 2. */
void kt_ts_continue(const int64_t *ctx, size_t n, int64_t *out, size_t m);

#endif /* KT_OHLCV_CSV_H */
