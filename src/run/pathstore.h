/* pathstore.h: the sampled paths of a run (S >= 2), kept for paths.csv and
 * for --resume without holding more than one date's paths in memory.
 *
 * File "paths.ktp" next to the journal: a header line "KTP1 <fingerprint>
 * <S>\n", then one line per completed date, "P\t<date>\t<rows>\t<S>\t<v,...>
 * \t<crc32>\n", the values the predicted returns of every scored row (the
 * journal record's row order) and path, %.17g (exact). A date's line is
 * written and fsynced before its journal record, so every journal record
 * has its line; a line after the last record (kill -9 between the two) is
 * cut off on open. paths.csv is written from this file at the end of the
 * run, one line (one date) at a time. */
#ifndef KT_PATHSTORE_H
#define KT_PATHSTORE_H

#include <stddef.h>

#include "eval/prices.h"
#include "eval/results.h"

#define KT_PATHSTORE_FILE "paths.ktp"

typedef struct kt_pathstore kt_pathstore;

/* Called for each journal record q with its paths [rows][S]; non-zero
 * stops the open (out of memory). */
typedef int (*kt_pathstore_fn)(void *user, int q, const double *paths);

/* Opens (creating) dir/paths.ktp for a run with fingerprint fp and S
 * paths whose journal holds recs[0..n_recs) (in order). Returns 0; 1 when
 * the file cannot belong to that journal (err says why: written by
 * another run, missing while the journal has dates (a run directory of
 * an older kronos-tui), short of a date, another date): the caller
 * refuses the directory (exit 7); -1 on I/O errors or when fn failed. */
int kt_pathstore_open(const char *dir, const char *fp, int S, const kt_date_result *recs,
                      int n_recs, kt_pathstore_fn fn, void *user, kt_pathstore **out, char *err,
                      size_t errlen);
/* Appends a date's paths ([n_rows][S] predicted returns) and fsyncs. 0 or -1. */
int kt_pathstore_append(kt_pathstore *ps, const char *date, int n_rows, const double *paths,
                        char *err, size_t errlen);
/* Writes dir/paths.csv (date, ticker, horizon, path, pred_return)
 * atomically from the store, whose lines must be dates[0..nd). 0 or -1. */
int kt_pathstore_write_csv(kt_pathstore *ps, const char *dir, const kt_date_result *dates, int nd,
                           const kt_prices *p, const int *horizons, char *err, size_t errlen);
void kt_pathstore_close(kt_pathstore *ps);

#endif /* KT_PATHSTORE_H */
