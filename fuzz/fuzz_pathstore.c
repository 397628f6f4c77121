/* fuzz_pathstore.c: the sampled paths' store reader (kt_pathstore_open,
 * kt_pathstore_write_csv; run/pathstore.h).
 *
 * The first input byte picks the mode and S: bit 0 even: the rest is the
 * raw paths.ktp (header checks, torn headers); odd: the harness writes
 * the expected header "KTP1 fuzzfp S", then every input line followed by
 * a tab and its correct CRC, so the fuzzer reaches the record parser
 * instead of stopping at the checksum (a last line without a newline is
 * written as is: a torn record). S = 2 + ((byte >> 1) & 3).
 *
 * The store is checked against a journal of n_recs dates, which the
 * harness takes from the file's own lines ("P\t<date>\t<rows>..."), at
 * most (byte >> 3) + 1 of them, so that valid stores are accepted.
 * Invariants: a refused store fills the error and returns no handle; an
 * accepted one called back once per journal date with its rows x S
 * values (all read, for ASan), a second open accepts it unchanged (the
 * first cut off whatever followed the last date), a date appended and
 * re-read returns the exact values written, and paths.csv is written. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "eval/report.h"
#include "fuzz_util.h"
#include "run/journal.h"
#include "run/pathstore.h"

#define FP "fuzzfp"
#define MAX_RECS 32
#define MAX_ROWS 64

/* pathstore.c writes paths.csv through report.c's atomic writer; the
 * harness has its own (report.c would bring in the whole evaluation). */
FILE *kt_atomic_open(const char *path, char *tmp, size_t tmplen)
{
    snprintf(tmp, tmplen, "%s.tmp", path);
    return fopen(tmp, "w");
}

int kt_atomic_commit(FILE *f, const char *tmp, const char *path)
{
    int bad = ferror(f) != 0;
    bad |= fclose(f) != 0;
    if (!bad && rename(tmp, path) != 0)
        bad = 1;
    if (bad)
        unlink(tmp);
    return bad ? -1 : 0;
}

typedef struct seen {
    int calls, S;
    const kt_date_result *recs;
    double sum;          /* every value read */
    const double *want;  /* the appended date's values, or NULL */
    int want_q, matched;
} seen;

static int on_date(void *user, int q, const double *paths)
{
    seen *s = user;
    if (q != s->calls)
        abort(); /* in journal order, each once */
    s->calls++;
    size_t n = (size_t)s->recs[q].n_rows * (size_t)s->S;
    for (size_t i = 0; i < n; i++)
        s->sum += paths[i] == paths[i] ? 0 : 1; /* reads them all */
    if (s->want && q == s->want_q) {
        if (memcmp(paths, s->want, n * sizeof *paths) != 0)
            abort(); /* %.17g must round-trip */
        s->matched = 1;
    }
    return 0;
}

/* The journal the store is checked against: one date per line that
 * looks like a record, up to max. */
static int journal_of(const char *file, size_t flen, kt_date_result *recs, kt_score_row *rows,
                      int max)
{
    int n = 0;
    size_t pos = 0;
    while (pos < flen && n < max) {
        const char *nl = memchr(file + pos, '\n', flen - pos);
        size_t len = nl ? (size_t)(nl - (file + pos)) : flen - pos;
        const char *l = file + pos;
        pos += len + 1;
        if (len < 4 || l[0] != 'P' || l[1] != '\t')
            continue;
        const char *t = memchr(l + 2, '\t', len - 2);
        if (!t || (size_t)(t - (l + 2)) >= sizeof recs[0].date)
            continue;
        kt_date_result *d = &recs[n];
        memset(d, 0, sizeof *d);
        memcpy(d->date, l + 2, (size_t)(t - (l + 2)));
        d->date[t - (l + 2)] = '\0';
        if (strlen(d->date) != (size_t)(t - (l + 2)))
            continue; /* a NUL inside the date */
        long r = strtol(t + 1, NULL, 10);
        d->n_rows = r < 0 ? 0 : r > MAX_ROWS ? MAX_ROWS : (int)r;
        d->rows = rows; /* series 0, horizon index 0 */
        n++;
    }
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int mode = data[0] & 1, S = 2 + ((data[0] >> 1) & 3), max = (data[0] >> 3) + 1;
    data++, size--;
    size_t cap = 64 + size + 16 * (size + 1);
    char *file = malloc(cap);
    if (!file)
        return 0;
    size_t flen = 0;
    if (mode == 0) {
        memcpy(file, data, size);
        flen = size;
    } else {
        flen = (size_t)snprintf(file, cap, "KTP1 %s %d\n", FP, S);
        size_t pos = 0;
        while (pos < size) {
            const uint8_t *nl = memchr(data + pos, '\n', size - pos);
            size_t n = nl ? (size_t)(nl - (data + pos)) : size - pos;
            memcpy(file + flen, data + pos, n);
            flen += n;
            if (nl)
                flen += (size_t)snprintf(file + flen, cap - flen, "\t%08" PRIx32 "\n",
                                         kt_crc32(data + pos, n));
            pos += n + (nl != NULL);
        }
    }
    static kt_date_result recs[MAX_RECS + 1];
    static kt_score_row rows[MAX_ROWS];
    int n_recs = journal_of(file, flen, recs, rows, max < MAX_RECS ? max : MAX_RECS);
    const char *dir = kt_fuzz_dir();
    kt_fuzz_write(KT_PATHSTORE_FILE, file, flen);
    free(file);

    kt_pathstore *ps = NULL;
    char err[1024];
    err[0] = '\0';
    seen s = {.S = S, .recs = recs};
    int rc = kt_pathstore_open(dir, FP, S, recs, n_recs, on_date, &s, &ps, err, sizeof err);
    if (rc != 0) {
        if (ps || strlen(err) == 0)
            abort();
        return 0;
    }
    if (!ps || s.calls != n_recs)
        abort();
    kt_pathstore_close(ps);
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, KT_PATHSTORE_FILE);
    struct stat st1, st2;
    if (stat(path, &st1) != 0)
        abort();

    /* again: accepted as it is, nothing cut off */
    s = (seen){.S = S, .recs = recs};
    if (kt_pathstore_open(dir, FP, S, recs, n_recs, on_date, &s, &ps, err, sizeof err) != 0 ||
        s.calls != n_recs || stat(path, &st2) != 0 || st2.st_size != st1.st_size)
        abort();

    /* a date appended, then read back exactly */
    double vals[MAX_ROWS * 5];
    int nr = 1 + (int)(size % 3);
    for (int i = 0; i < nr * S; i++)
        vals[i] = (i % 2 ? -1.0 : 1.0) / (3.0 + i) * (double)(size + 1);
    kt_date_result *d = &recs[n_recs];
    memset(d, 0, sizeof *d);
    snprintf(d->date, sizeof d->date, "9999-12-31");
    d->n_rows = nr;
    d->rows = rows;
    if (kt_pathstore_append(ps, d->date, nr, vals, err, sizeof err) != 0)
        abort();
    kt_pathstore_close(ps);
    s = (seen){.S = S, .recs = recs, .want = vals, .want_q = n_recs};
    if (kt_pathstore_open(dir, FP, S, recs, n_recs + 1, on_date, &s, &ps, err, sizeof err) != 0 ||
        s.calls != n_recs + 1 || !s.matched)
        abort();

    /* paths.csv from the store (a ticker that needs quoting) */
    static kt_series series[1];
    static kt_prices prices;
    snprintf(series[0].ticker, sizeof series[0].ticker, "T,\"1");
    prices.n_series = 1;
    prices.series = series;
    int horizons[1] = {5};
    if (kt_pathstore_write_csv(ps, dir, recs, n_recs + 1, &prices, horizons, err, sizeof err) != 0)
        abort();
    kt_pathstore_close(ps);
    snprintf(path, sizeof path, "%s/paths.csv", dir);
    unlink(path);
    return 0;
}
