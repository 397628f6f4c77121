/* journal.c: append-only per-date journal. See journal.h. */
#include "config.h"

#include "run/journal.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/i18n.h"

struct kt_journal {
    int fd;
    char path[1100];
};

uint32_t kt_crc32(const void *buf, size_t len)
{
    const unsigned char *p = buf;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int k = 0; k < 8; k++)
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}

void kt_date_result_free(kt_date_result *r)
{
    free(r->rows);
    free(r->dm);
    free(r->pm);
    free(r->bd);
    r->bd = NULL;
    r->rows = NULL;
    r->dm = NULL;
    r->pm = r->pm_hv = NULL; /* one allocation */
    r->n_rows = 0;
}

void kt_journal_free_records(kt_date_result *recs, int n)
{
    for (int i = 0; i < n; i++)
        kt_date_result_free(&recs[i]);
    free(recs);
}

typedef struct sbuf {
    char *p;
    size_t n, cap;
} sbuf;

static int sb_printf(sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#include <stdarg.h>
static int sb_printf(sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (k < 0)
            return -1;
        if (b->p && b->n + (size_t)k < b->cap) {
            b->n += (size_t)k;
            return 0;
        }
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->n + (size_t)k + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np)
            return -1;
        b->p = np;
        b->cap = ncap;
    }
}

/* A whole decimal token in [lo, hi]. */
static int parse_ll(const char *tok, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(tok, &end, 10);
    if (end == tok || *end != '\0' || errno != 0 || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

/* Parses one record body (without the CRC and newline). Every field is
 * checked: a record that passed its CRC can still come from a damaged
 * or hand-edited file, and its row count sizes an allocation. */
static int parse_record(char *s, kt_date_result *r)
{
    memset(r, 0, sizeof *r);
    char *save = NULL;
    char *tok[8];
    for (int i = 0; i < 8; i++) {
        tok[i] = strtok_r(i == 0 ? s : NULL, "\t", &save);
        if (!tok[i] && i < 7)
            return -1;
    }
    if (strcmp(tok[0], "D") != 0 || strlen(tok[1]) >= sizeof r->date)
        return -1;
    snprintf(r->date, sizeof r->date, "%s", tok[1]);
    char *end;
    long long v;
    if (parse_ll(tok[2], 0, INT32_MAX, &v) != 0)
        return -1;
    r->universe = (int)v;
    if (parse_ll(tok[3], 0, INT32_MAX, &v) != 0)
        return -1;
    r->skipped = (int)v;
    r->seconds = strtod(tok[4], &end);
    if (end == tok[4] || *end != '\0')
        return -1;
    if (parse_ll(tok[5], INT64_MIN, INT64_MAX, &v) != 0)
        return -1;
    r->tokens = v;
    /* a row is at least "0,0,0,0,0,0" plus a separator: 12 bytes */
    size_t rows_len = tok[7] ? strlen(tok[7]) : 0;
    if (parse_ll(tok[6], 0, (long long)(rows_len + 1) / 12, &v) != 0)
        return -1;
    r->n_rows = (int)v;
    if (r->n_rows > 0 && !tok[7])
        return -1;
    if (r->n_rows == 0)
        return tok[7] ? -1 : 0;
    r->rows = calloc((size_t)v, sizeof *r->rows);
    if (!r->rows)
        return -1;
    char *p = tok[7];
    for (int i = 0; i < r->n_rows; i++) {
        kt_score_row *w = &r->rows[i];
        long sv = strtol(p, &end, 10);
        if (end == p || *end != ',' || sv < 0 || sv > INT32_MAX) goto bad;
        w->series = (int)sv;
        const char *q = end + 1;
        long hv = strtol(q, &end, 10);
        if (end == q || *end != ',' || hv < 0 || hv > INT32_MAX) goto bad;
        w->h = (int)hv;
        w->score = strtod(end + 1, &end);
        if (*end != ',') goto bad;
        w->pred_close = strtod(end + 1, &end);
        if (*end != ',') goto bad;
        w->spot_close = strtod(end + 1, &end);
        if (*end != ',') goto bad;
        w->label = strtod(end + 1, &end);
        if (i + 1 < r->n_rows ? *end != ';' : *end != '\0') goto bad;
        p = end + 1;
    }
    return 0;
bad:
    kt_date_result_free(r);
    return -1;
}

/* The whole file into a NUL-terminated buffer; NULL with err. */
static char *read_all(kt_journal *j, size_t *len, char *err, size_t errlen)
{
    struct stat st;
    if (fstat(j->fd, &st) != 0) {
        snprintf(err, errlen, _("%s: cannot stat: %s"), j->path, strerror(errno));
        return NULL;
    }
    *len = (size_t)st.st_size;
    char *buf = malloc(*len + 1);
    if (!buf) {
        snprintf(err, errlen, _("out of memory"));
        return NULL;
    }
    size_t got = 0;
    while (got < *len) {
        ssize_t k = pread(j->fd, buf + got, *len - got, (off_t)got);
        if (k <= 0) {
            free(buf);
            snprintf(err, errlen, _("%s: cannot read: %s"), j->path, strerror(errno));
            return NULL;
        }
        got += (size_t)k;
    }
    buf[*len] = '\0';
    return buf;
}

/* The valid records after the header (which ends at `good`); stops at the
 * first torn or bad one. Returns the offset where the valid part ends. */
static size_t parse_records(char *buf, size_t len, size_t good, kt_date_result **recs, int *n)
{
    int cap = 0, nr = 0;
    kt_date_result *rv = NULL;
    while (good < len) {
        char *line = buf + good;
        char *nl = memchr(line, '\n', len - good);
        if (!nl)
            break; /* torn */
        *nl = '\0';
        char *tab = strrchr(line, '\t');
        if (!tab)
            break;
        *tab = '\0';
        char *end;
        unsigned long crc = strtoul(tab + 1, &end, 16);
        if (*end != '\0' || crc != kt_crc32(line, (size_t)(tab - line)))
            break;
        if (nr == cap) {
            cap = cap ? cap * 2 : 64;
            kt_date_result *nv = realloc(rv, (size_t)cap * sizeof *nv);
            if (!nv)
                break;
            rv = nv;
        }
        if (parse_record(line, &rv[nr]) != 0)
            break;
        rv[nr].resumed = 1;
        nr++;
        good = (size_t)(nl - buf) + 1;
    }
    *recs = rv;
    *n = nr;
    return good;
}

/* A new journal (or a torn header): writes the header; 0 or -1 (err). */
static int write_header(kt_journal *j, const char *header, int hl, char *err, size_t errlen)
{
    if (ftruncate(j->fd, 0) != 0 || pwrite(j->fd, header, (size_t)hl, 0) != hl ||
        fsync(j->fd) != 0) {
        snprintf(err, errlen, _("%s: cannot write: %s"), j->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* Checks the header of buf (len bytes) and reads the records after it.
 * Returns 0, 1 (another run's journal) or -1 (I/O), as kt_journal_open. */
static int load(kt_journal *j, const char *fp, char *buf, size_t len, kt_date_result **recs,
                int *n_recs, long *torn, char *err, size_t errlen)
{
    char header[200];
    int hl = snprintf(header, sizeof header, "KTJ1 %s\n", fp);
    if (len == 0 || (len < (size_t)hl && memcmp(buf, header, len) == 0)) {
        *torn = (long)len;
        return write_header(j, header, hl, err, errlen);
    }
    if (len < (size_t)hl || memcmp(buf, header, (size_t)hl) != 0) {
        char *nl = strchr(buf, '\n');
        if (nl)
            *nl = '\0';
        snprintf(err, errlen,
                 _("%s: the journal belongs to a different run (header \"%.80s\", expected "
                   "\"KTJ1 %s\"): the data or the settings differ; use another --output-dir"),
                 j->path, buf, fp);
        return 1;
    }
    size_t good = parse_records(buf, len, (size_t)hl, recs, n_recs);
    if (good < len) {
        *torn = (long)(len - good);
        if (ftruncate(j->fd, (off_t)good) != 0 || fsync(j->fd) != 0) {
            kt_journal_free_records(*recs, *n_recs);
            *recs = NULL;
            *n_recs = 0;
            snprintf(err, errlen, _("%s: cannot truncate: %s"), j->path, strerror(errno));
            return -1;
        }
    }
    return 0;
}

int kt_journal_open(const char *dir, const char *fp, kt_journal **out, kt_date_result **recs,
                    int *n_recs, long *torn, char *err, size_t errlen)
{
    *out = NULL;
    *recs = NULL;
    *n_recs = 0;
    *torn = 0;
    kt_journal *j = calloc(1, sizeof *j);
    if (!j) {
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    snprintf(j->path, sizeof j->path, "%s/%s", dir, KT_JOURNAL_FILE);
    j->fd = open(j->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (j->fd < 0) {
        snprintf(err, errlen, _("%s: cannot open: %s"), j->path, strerror(errno));
        free(j);
        return -1;
    }
    size_t len = 0;
    char *buf = read_all(j, &len, err, errlen);
    int rc = buf ? load(j, fp, buf, len, recs, n_recs, torn, err, errlen) : -1;
    free(buf);
    if (rc != 0) {
        close(j->fd);
        free(j);
        return rc;
    }
    lseek(j->fd, 0, SEEK_END);
    *out = j;
    return 0;
}

int kt_journal_append(kt_journal *j, const kt_date_result *r, char *err, size_t errlen)
{
    sbuf b = {0};
    int rc = sb_printf(&b, "D\t%s\t%d\t%d\t%.17g\t%" PRId64 "\t%d\t", r->date, r->universe,
                       r->skipped, r->seconds, r->tokens, r->n_rows);
    for (int i = 0; rc == 0 && i < r->n_rows; i++) {
        const kt_score_row *w = &r->rows[i];
        rc = sb_printf(&b, "%s%d,%d,%.17g,%.17g,%.17g,%.17g", i ? ";" : "", w->series, w->h,
                       w->score, w->pred_close, w->spot_close, w->label);
    }
    if (rc == 0)
        rc = sb_printf(&b, "\t%08" PRIx32 "\n", kt_crc32(b.p, b.n));
    if (rc != 0) {
        free(b.p);
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    size_t off = 0;
    while (off < b.n) {
        ssize_t k = write(j->fd, b.p + off, b.n - off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, _("%s: cannot write: %s"), j->path, strerror(errno));
            free(b.p);
            return -1;
        }
        off += (size_t)k;
    }
    free(b.p);
    if (fsync(j->fd) != 0) {
        snprintf(err, errlen, _("%s: cannot sync: %s"), j->path, strerror(errno));
        return -1;
    }
    return 0;
}

void kt_journal_close(kt_journal *j)
{
    if (!j)
        return;
    close(j->fd);
    free(j);
}
