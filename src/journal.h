/* journal.h: the append-only per-date journal of a run directory.
 *
 * File "journal.ktj": a header line "KTJ1 <fingerprint>\n", then one line
 * per completed evaluation date ("D\t...\t<crc32>\n"). A record is
 * written with one write() and fsync()ed before the date counts as done.
 * On open, records are checked (complete line, CRC, syntax); the first
 * bad record and everything after it (a torn write from a kill -9) are
 * cut off with ftruncate and counted. Doubles are stored with %.17g, so
 * a resumed run reproduces the exact values of the interrupted one. */
#ifndef KT_JOURNAL_H
#define KT_JOURNAL_H

#include <stddef.h>
#include <stdint.h>

#include "metrics.h"

#define KT_JOURNAL_FILE "journal.ktj"

/* One scored (ticker, horizon) of a date. */
typedef struct kt_score_row {
    int series;        /* index into the price store (sorted tickers) */
    int h;             /* horizon index */
    double score, pred_close, spot_close;
    double label;      /* NaN: missing (end of data) */
} kt_score_row;

/* Everything computed for one evaluation date. */
typedef struct kt_date_result {
    char date[24];
    int universe;      /* tickers with a bar on the date */
    int skipped;       /* of which skipped (short history) */
    double seconds;
    int64_t tokens;
    int n_rows;
    kt_score_row *rows;  /* scored tickers x horizons, by series then h */
    int resumed;       /* not stored: taken from the journal */
    int fold;          /* not stored: fold index in the plan */
    kt_date_metrics *dm; /* not stored: per-horizon metrics of the date, NULL
                          * until kt_report_date_metrics() computed them */
} kt_date_result;

typedef struct kt_journal kt_journal;

/* Opens (creating when absent) dir/journal.ktj for fingerprint fp.
 * Returns 0 ok; 1 when the journal belongs to a different fingerprint
 * (err says so); -1 on I/O errors. Valid records are returned in
 * recs and n_recs (caller frees with kt_journal_free_records); *torn gets
 * the number of discarded bytes. */
int kt_journal_open(const char *dir, const char *fp, kt_journal **out, kt_date_result **recs,
                    int *n_recs, long *torn, char *err, size_t errlen);
/* Appends one record and fsyncs. 0 ok, -1 error. */
int kt_journal_append(kt_journal *j, const kt_date_result *r, char *err, size_t errlen);
void kt_journal_close(kt_journal *j);
void kt_journal_free_records(kt_date_result *recs, int n);
void kt_date_result_free(kt_date_result *r);
uint32_t kt_crc32(const void *buf, size_t len);

#endif /* KT_JOURNAL_H */
