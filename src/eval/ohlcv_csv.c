/* ohlcv_csv.c: reading one OHLCV series with libcsv (see ohlcv_csv.h). */
#include "config.h"

#include "base/civil.h"

#include "eval/ohlcv_csv.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

void kt_ts_continue(const int64_t *ctx, size_t n, int64_t *out, size_t m)
{
    int64_t step = 86400;
    if (n >= 2) {
        int64_t *diff = malloc((n - 1) * sizeof *diff);
        if (diff) {
            for (size_t i = 1; i < n; i++)
                diff[i - 1] = ctx[i] - ctx[i - 1];
            qsort(diff, n - 1, sizeof *diff, cmp_i64);
            step = (n - 1) % 2 ? diff[(n - 1) / 2] : (diff[(n - 1) / 2 - 1] + diff[(n - 1) / 2]) / 2;
            free(diff);
        }
    }
    if (step <= 0)
        step = 86400;
    int64_t t = n ? ctx[n - 1] : 0;
    for (size_t i = 0; i < m; i++) {
        t += step;
        if (step == 86400) {
            int wd;
            for (kt_time_parts(t, NULL, NULL, NULL, NULL, NULL, &wd); wd >= 5;
                 kt_time_parts(t, NULL, NULL, NULL, NULL, NULL, &wd))
                t += 86400;
        }
        out[i] = t;
    }
}

/* ---- CSV reading ------------------------------------------------------ */

enum { COL_TS, COL_O, COL_H, COL_L, COL_C, COL_V, COL_A, NCOLS };
static const char *col_names[NCOLS] = {"timestamp", "open", "high", "low", "close", "volume", "amount"};

struct reader {
    const char *path;
    kt_ohlcv *s;
    size_t cap;
    long line;      /* 1-based line of the current record */
    int field;      /* index within the record */
    int map[64];    /* field index -> column, or -1 */
    int nfields_header;
    int have[NCOLS];
    double row[6];
    int64_t ts;
    int seen[NCOLS];
    int failed;
    char *err;
    size_t errlen;
};

static void field_cb(void *data, size_t len, void *ctx)
{
    struct reader *r = ctx;
    const char *f = data ? data : "";
    if (r->failed)
        return;
    int idx = r->field++;
    if (r->line == 1) {
        if (idx >= 64)
            return;
        r->map[idx] = -1;
        for (int c = 0; c < NCOLS; c++) {
            const char *want = col_names[c];
            int match = strcmp(f, want) == 0 ||
                        (c == COL_TS && (strcmp(f, "timestamps") == 0 || strcmp(f, "date") == 0));
            if (match) {
                if (r->have[c]) {
                    snprintf(r->err, r->errlen, _("%s: line 1: column %s appears twice"), r->path, f);
                    r->failed = 1;
                    return;
                }
                r->map[idx] = c;
                r->have[c] = 1;
            }
        }
        return;
    }
    if (idx >= 64 || idx >= r->nfields_header || r->map[idx] < 0)
        return;
    int c = r->map[idx];
    r->seen[c] = 1;
    (void)len;
    if (c == COL_TS) {
        if (kt_time_parse(f, &r->ts) != 0) {
            snprintf(r->err, r->errlen, _("%s: line %ld: column %s: cannot parse timestamp \"%s\""), r->path, r->line,
                     col_names[c], f);
            r->failed = 1;
        }
        return;
    }
    char *end;
    errno = 0;
    double v = strtod(f, &end);
    if (end == f || *end != '\0' || errno == ERANGE || !isfinite(v)) {
        snprintf(r->err, r->errlen, _("%s: line %ld: column %s: not a finite number: \"%s\""), r->path, r->line,
                 col_names[c], f);
        r->failed = 1;
        return;
    }
    r->row[c - 1] = v;
}

static void record_cb(int ch, void *ctx)
{
    struct reader *r = ctx;
    (void)ch;
    if (r->failed)
        return;
    if (r->line == 1) {
        r->nfields_header = r->field;
        for (int c = COL_TS; c <= COL_C; c++)
            if (!r->have[c]) {
                snprintf(r->err, r->errlen, _("%s: line 1: missing column %s"), r->path,
                         c == COL_TS ? "timestamps/timestamp/date" : col_names[c]);
                r->failed = 1;
                return;
            }
        r->s->has_volume = r->have[COL_V];
        r->s->has_amount = r->have[COL_A];
    } else {
        for (int c = 0; c < NCOLS; c++)
            if (r->have[c] && !r->seen[c]) {
                snprintf(r->err, r->errlen, _("%s: line %ld: column %s: missing field"), r->path, r->line,
                         col_names[c]);
                r->failed = 1;
                return;
            }
        if (r->s->n == r->cap) {
            size_t ncap = r->cap ? r->cap * 2 : 1024;
            int64_t *ts = realloc(r->s->ts, ncap * sizeof *ts);
            if (ts)
                r->s->ts = ts;
            double *v = realloc(r->s->v, ncap * 6 * sizeof *v);
            if (v)
                r->s->v = v;
            if (!ts || !v) {
                snprintf(r->err, r->errlen, _("%s: out of memory"), r->path);
                r->failed = 1;
                return;
            }
            r->cap = ncap;
        }
        if (r->s->n > 0 && r->ts <= r->s->ts[r->s->n - 1]) {
            snprintf(r->err, r->errlen, _("%s: line %ld: column %s: timestamps must increase"), r->path, r->line,
                     col_names[COL_TS]);
            r->failed = 1;
            return;
        }
        r->s->ts[r->s->n] = r->ts;
        memcpy(r->s->v + r->s->n * 6, r->row, sizeof r->row);
        r->s->n++;
    }
    r->line++;
    r->field = 0;
    memset(r->row, 0, sizeof r->row);
    memset(r->seen, 0, sizeof r->seen);
}

void kt_ohlcv_free(kt_ohlcv *s)
{
    if (!s)
        return;
    free(s->ts);
    free(s->v);
    memset(s, 0, sizeof *s);
}

int kt_ohlcv_csv_load(const char *path, kt_ohlcv *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    if (csv_init(&p, CSV_APPEND_NULL | CSV_EMPTY_IS_NULL) != 0) {
        fclose(f);
        snprintf(err, errlen, _("%s: cannot initialise the CSV parser"), path);
        return -1;
    }
    struct reader r;
    memset(&r, 0, sizeof r);
    r.path = path;
    r.s = out;
    r.line = 1;
    r.err = err;
    r.errlen = errlen;
    char buf[65536];
    size_t got;
    while (!r.failed && (got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, got, field_cb, record_cb, &r) != got) {
            snprintf(err, errlen, _("%s: line %ld: malformed CSV: %s"), path, r.line, csv_strerror(csv_error(&p)));
            r.failed = 1;
        }
    if (!r.failed && ferror(f)) {
        snprintf(err, errlen, _("%s: read error"), path);
        r.failed = 1;
    }
    if (!r.failed)
        csv_fini(&p, field_cb, record_cb, &r);
    csv_free(&p);
    fclose(f);
    if (!r.failed && r.line == 1) {
        snprintf(err, errlen, _("%s: line 1: empty file (no header)"), path);
        r.failed = 1;
    }
    if (r.failed) {
        kt_ohlcv_free(out);
        return -1;
    }
    return 0;
}
