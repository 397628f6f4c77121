/* ohlcv_csv.h: one OHLCV series from a CSV file (libcsv), and the
 * timestamp arithmetic the forecast command needs.
 *
 * The file has a header row naming a timestamp column (timestamps,
 * timestamp or date) and open, high, low, close; volume and amount are
 * optional. Timestamps are "YYYY-MM-DD" or "YYYY-MM-DD HH:MM[:SS]" (a 'T'
 * may separate date and time), taken as naive wall-clock time. */
#ifndef KT_OHLCV_CSV_H
#define KT_OHLCV_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "kronos.h"

typedef struct kt_ohlcv {
    size_t n;
    int64_t *ts;     /* seconds since 1970-01-01 00:00 (naive) */
    double *v;       /* [n][6]: open high low close volume amount (0 if absent) */
    int has_volume, has_amount;
} kt_ohlcv;

/* 0, or -1 with "FILE: line N: column X: ..." in err. */
int kt_ohlcv_csv_load(const char *path, kt_ohlcv *out, char *err, size_t errlen);
void kt_ohlcv_free(kt_ohlcv *s);

/* 0 on success, -1 when s is not a supported timestamp. */
int kt_ts_parse(const char *s, int64_t *out);
void kt_ts_stamp(int64_t t, kronos_stamp *st);
/* "YYYY-MM-DD HH:MM:SS" */
void kt_ts_format(int64_t t, char *buf, size_t len);
/* m timestamps continuing ctx[0..n-1] at its median spacing; daily bars
 * (median spacing one day) skip Saturdays and Sundays. n >= 2. */
void kt_ts_continue(const int64_t *ctx, size_t n, int64_t *out, size_t m);

#endif /* KT_OHLCV_CSV_H */
