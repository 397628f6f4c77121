/* prices.h: the price store. Loads a long-format CSV (one row per
 * (date, ticker)) with libcsv into per-ticker contiguous arrays.
 *
 * Contract
 *  - Header names are case-insensitive. Aliases: date|timestamp|timestamps,
 *    ticker|symbol|name, open, high, low, close, volume|vol, amount.
 *    Required: date, ticker, open, high, low, close. Optional: volume, amount.
 *  - Quoted fields, CRLF, a UTF-8 BOM and rows in any order are accepted.
 *  - Locations are "FILE:LINE:COLUMN" where LINE is the 1-based physical
 *    line where the record starts and COLUMN the 1-based CSV field number.
 *
 *  Fatal (kt_prices_load fails, nothing is loaded; err holds the message):
 *    missing file / empty file / no data rows, a required column missing,
 *    a ragged row (field count differs from the header), a malformed date,
 *    an empty ticker, text that is not a number in a numeric field,
 *    broken CSV quoting.
 *  Dropped and counted (the row is skipped; the first KT_PRICES_MAX_NOTES
 *  messages are kept with their location):
 *    a missing (empty) open/high/low/close, NaN or inf, a price <= 0,
 *    high < low, a negative volume or amount, a duplicate (date, ticker)
 *    row (the first row in file order is kept).
 *  Filled and counted: a missing volume becomes 0; a missing amount
 *  becomes 0 (only when the column exists).
 *
 *  - Tickers are sorted by byte order; each ticker's bars are sorted by
 *    time. All strings are copied; the store owns its memory.
 */
#ifndef KT_PRICES_H
#define KT_PRICES_H

#include <stddef.h>
#include <stdint.h>

#include "base/civil.h" /* kt_time, kt_time_parse, kt_time_format */

#define KT_TICKER_MAX 32
#define KT_PRICES_MAX_NOTES 32
#define KT_NOTE_LEN 320

enum kt_drop_reason {
    KT_DROP_MISSING_PRICE = 0,
    KT_DROP_NONFINITE,
    KT_DROP_NONPOSITIVE,
    KT_DROP_HIGH_LOW,
    KT_DROP_NEGATIVE_VOLUME,
    KT_DROP_DUPLICATE,
    KT_DROP_N
};

typedef struct kt_prices_stats {
    long rows_read;                 /* data records in the file */
    long rows_loaded;
    long dropped[KT_DROP_N];
    long dropped_total;
    long volume_filled;             /* empty volume -> 0 */
    long amount_filled;             /* empty amount -> 0 */
    int n_notes;                    /* kept messages (first KT_PRICES_MAX_NOTES) */
    char notes[KT_PRICES_MAX_NOTES][KT_NOTE_LEN];
} kt_prices_stats;

typedef struct kt_series {
    char ticker[KT_TICKER_MAX];
    int n;                          /* bars */
    kt_time *t;                     /* [n], strictly increasing */
    double *ohlcva;                 /* [n][6]: open high low close volume amount */
} kt_series;

typedef struct kt_prices {
    char path[1024];
    int n_series;
    kt_series *series;              /* sorted by ticker */
    int has_volume, has_amount;     /* columns present in the header */
    int intraday;                   /* some timestamp has a time of day */
    kt_prices_stats stats;
} kt_prices;

/* Loads path. Returns 0 and *out on success; -1 with a one-line message
 * ("FILE:LINE:COL: ...") in err on a fatal problem. */
int kt_prices_load(const char *path, kt_prices **out, char *err, size_t errlen);
/* Same from memory; name is used in messages. */
int kt_prices_load_mem(const char *name, const char *buf, size_t len, kt_prices **out,
                       char *err, size_t errlen);
void kt_prices_free(kt_prices *p);

/* Index of ticker, or -1. */
int kt_prices_find(const kt_prices *p, const char *ticker);
/* Index of the bar of series s at time t, or -1. */
int kt_series_find(const kt_series *s, kt_time t);
/* Simple close-to-close return of series s from bar to bar + h: close[bar
 * + h] / close[bar] - 1; NaN when either bar is outside the series. */
double kt_series_return(const kt_series *s, int bar, int h);
/* FNV-1a hash of every loaded ticker, time and value (run identity). */
uint64_t kt_prices_hash(const kt_prices *p);
/* Human name of a drop reason (translated). */
const char *kt_prices_drop_name(int reason);
/* The one-line warning about dropped rows ("prices: 2 of 9 rows dropped
 * (first: FILE:LINE:COL: ...)", translated) that the evaluation and
 * `kronos-tui train` print; 0 (buf untouched) when no row was dropped. */
int kt_prices_drop_summary(const kt_prices_stats *st, char *buf, size_t n);

#endif /* KT_PRICES_H */
