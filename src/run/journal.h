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

#include "eval/results.h"

#define KT_JOURNAL_FILE "journal.ktj"

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
