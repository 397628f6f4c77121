/* fuzz_journal.c: the run journal reader (kt_journal_open).
 *
 * The first input byte picks the mode:
 *  - even: the rest is the raw file (header checks, torn headers);
 *  - odd:  the harness writes the expected header, then every input line
 *    followed by its correct CRC, so the fuzzer reaches the record
 *    parser instead of stopping at the checksum. A last line without a
 *    newline is written as is (a torn record).
 * Invariant: after an open, the journal holds only valid records, so a
 * second open must return the same records and discard nothing. */
#include "config.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "run/journal.h"

#define FP "fuzzfp"

static int same(const kt_date_result *a, const kt_date_result *b)
{
    if (strcmp(a->date, b->date) != 0 || a->n_rows != b->n_rows)
        return 0;
    for (int i = 0; i < a->n_rows; i++)
        if (a->rows[i].series != b->rows[i].series || a->rows[i].h != b->rows[i].h)
            return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] & 1;
    data++, size--;
    char *file = NULL;
    size_t flen = 0;
    if (mode == 0) {
        file = malloc(size ? size : 1);
        if (!file)
            return 0;
        memcpy(file, data, size);
        flen = size;
    } else {
        size_t cap = 32 + size + 16 * (size + 1);
        file = malloc(cap);
        if (!file)
            return 0;
        flen = (size_t)snprintf(file, cap, "KTJ1 %s\n", FP);
        size_t pos = 0;
        while (pos < size) {
            const uint8_t *nl = memchr(data + pos, '\n', size - pos);
            size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;
            memcpy(file + flen, data + pos, n);
            if (nl) {
                flen += n;
                flen += (size_t)snprintf(file + flen, cap - flen, "\t%08" PRIx32 "\n",
                                         kt_crc32(data + pos, n));
                pos += n + 1;
            } else {
                flen += n;
                pos += n;
            }
        }
    }
    const char *dir = kt_fuzz_dir();
    kt_fuzz_write(KT_JOURNAL_FILE, file, flen);
    free(file);

    kt_journal *j = NULL;
    kt_date_result *recs = NULL;
    int n = 0;
    long torn = 0;
    char err[512];
    err[0] = '\0';
    int rc = kt_journal_open(dir, FP, &j, &recs, &n, &torn, err, sizeof err);
    if (rc != 0) {
        if (j || recs || strlen(err) == 0)
            abort();
        return 0;
    }
    kt_journal_close(j);

    kt_journal *j2 = NULL;
    kt_date_result *recs2 = NULL;
    int n2 = 0;
    long torn2 = 0;
    if (kt_journal_open(dir, FP, &j2, &recs2, &n2, &torn2, err, sizeof err) != 0)
        abort();
    if (n2 != n || torn2 != 0)
        abort();
    for (int i = 0; i < n; i++)
        if (!same(&recs[i], &recs2[i]))
            abort();
    /* appending a re-read record must keep the journal readable */
    if (n > 0 && kt_journal_append(j2, &recs2[n - 1], err, sizeof err) != 0)
        abort();
    kt_journal_close(j2);
    kt_journal_free_records(recs, n);
    kt_journal_free_records(recs2, n2);
    return 0;
}
