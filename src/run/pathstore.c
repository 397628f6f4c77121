/* pathstore.c: the run's sampled paths on disk. See pathstore.h. */
#include "config.h"

#include "run/pathstore.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/i18n.h"
#include "base/numparse.h"
#include "eval/report.h"
#include "run/journal.h"

struct kt_pathstore {
    int fd, S;
    char path[1100];
    off_t header_len;
};

/* One line without its newline (NUL-terminated, modified in place):
 * checks the CRC and the fields, fills date, rows and the values (vals
 * grown as needed). 0 ok, -1 bad. */
static int parse_line(char *line, int S, char *date, size_t dlen, int *rows, double **vals,
                      size_t *cap)
{
    char *tab = strrchr(line, '\t');
    if (!tab)
        return -1;
    *tab = '\0';
    char *end;
    unsigned long crc = strtoul(tab + 1, &end, 16);
    if (*end != '\0' || tab[1] == '\0' || crc != kt_crc32(line, (size_t)(tab - line)))
        return -1;
    char *save = NULL;
    char *tok[5];
    for (int i = 0; i < 5; i++)
        if (!(tok[i] = strtok_r(i == 0 ? line : NULL, "\t", &save)))
            return -1;
    if (strcmp(tok[0], "P") != 0 || strlen(tok[1]) >= dlen)
        return -1;
    snprintf(date, dlen, "%s", tok[1]);
    long n, s; /* both fields whole numbers (a torn or edited line is not one) */
    if (kt_parse_long(tok[2], 0, (long)(strlen(tok[4]) / 2 + 1) / S, &n) != 0 ||
        kt_parse_long(tok[3], S, S, &s) != 0)
        return -1;
    if (n == 0) { /* a date without scored rows: "-" */
        *rows = 0;
        return strcmp(tok[4], "-") == 0 ? 0 : -1;
    }
    size_t need = (size_t)n * (size_t)S;
    if (need > *cap) {
        double *nv = realloc(*vals, need * sizeof *nv);
        if (!nv)
            return -1;
        *vals = nv;
        *cap = need;
    }
    char *p = tok[4];
    for (size_t i = 0; i < need; i++) {
        (*vals)[i] = strtod(p, &end);
        if (end == p || (i + 1 < need ? *end != ',' : *end != '\0'))
            return -1;
        p = end + 1;
    }
    *rows = (int)n;
    return 0;
}

static int write_all(kt_pathstore *ps, const char *b, size_t n, char *err, size_t errlen)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = write(ps->fd, b + off, n - off);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, _("%s: cannot write: %s"), ps->path, strerror(errno));
            return -1;
        }
        off += (size_t)k;
    }
    if (fsync(ps->fd) != 0) {
        snprintf(err, errlen, _("%s: cannot sync: %s"), ps->path, strerror(errno));
        return -1;
    }
    return 0;
}

/* A stream over the store's records, from just after the header. */
static FILE *records(kt_pathstore *ps)
{
    int fd = dup(ps->fd);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        return NULL;
    }
    if (fseeko(f, ps->header_len, SEEK_SET) != 0) {
        fclose(f);
        return NULL;
    }
    return f;
}

int kt_pathstore_open(const char *dir, const char *fp, int S, const kt_date_result *recs,
                      int n_recs, kt_pathstore_fn fn, void *user, kt_pathstore **out, char *err,
                      size_t errlen)
{
    *out = NULL;
    kt_pathstore *ps = calloc(1, sizeof *ps);
    if (!ps) {
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    ps->S = S;
    snprintf(ps->path, sizeof ps->path, "%s/%s", dir, KT_PATHSTORE_FILE);
    char header[200];
    int hl = snprintf(header, sizeof header, "KTP1 %s %d\n", fp, S);
    ps->header_len = hl;
    struct stat st;
    int exists = stat(ps->path, &st) == 0;
    if (!exists && n_recs > 0) {
        snprintf(err, errlen,
                 _("%s: missing, but the journal holds %d completed dates: this run directory was "
                   "written without the sampled paths (by an older kronos-tui); paths.csv could not "
                   "be reproduced. Use another --output-dir"),
                 ps->path, n_recs);
        free(ps);
        return 1;
    }
    ps->fd = open(ps->path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (ps->fd < 0) {
        snprintf(err, errlen, _("%s: cannot open: %s"), ps->path, strerror(errno));
        free(ps);
        return -1;
    }
    int rc = 0;
    char got[200] = "";
    ssize_t k = pread(ps->fd, got, sizeof got - 1, 0);
    if (k < 0) {
        snprintf(err, errlen, _("%s: cannot read: %s"), ps->path, strerror(errno));
        rc = -1;
    } else if (k < hl && n_recs == 0 && memcmp(got, header, (size_t)k) == 0) {
        /* new, or its header torn before any date was journaled */
        if (ftruncate(ps->fd, 0) != 0 || pwrite(ps->fd, header, (size_t)hl, 0) != hl ||
            fsync(ps->fd) != 0) {
            snprintf(err, errlen, _("%s: cannot write: %s"), ps->path, strerror(errno));
            rc = -1;
        }
    } else if (k < hl || memcmp(got, header, (size_t)hl) != 0) {
        got[k > 0 ? k : 0] = '\0';
        char *nl = strchr(got, '\n');
        if (nl)
            *nl = '\0';
        snprintf(err, errlen,
                 _("%s: belongs to another run (header \"%.80s\", expected \"%.*s\"); use another "
                   "--output-dir"),
                 ps->path, got, hl - 1, header);
        rc = 1;
    } else {
        /* one line per journal record, in order */
        FILE *f = records(ps);
        char *line = NULL, date[32];
        size_t lcap = 0, vcap = 0;
        double *vals = NULL;
        off_t good = ps->header_len;
        if (!f) {
            snprintf(err, errlen, _("%s: cannot read: %s"), ps->path, strerror(errno));
            rc = -1;
        }
        for (int q = 0; rc == 0 && q < n_recs; q++) {
            ssize_t len = getline(&line, &lcap, f);
            int rows = 0;
            if (len <= 0 || line[len - 1] != '\n' ||
                (line[len - 1] = '\0', parse_line(line, S, date, sizeof date, &rows, &vals, &vcap)) != 0 ||
                strcmp(date, recs[q].date) != 0 || rows != recs[q].n_rows) {
                snprintf(err, errlen,
                         _("%s: date %d of the journal (%s) has no valid paths record: the run "
                           "directory is damaged; use another --output-dir"),
                         ps->path, q + 1, recs[q].date);
                rc = 1;
                break;
            }
            good += len;
            if (fn && fn(user, q, vals) != 0) {
                snprintf(err, errlen, _("out of memory"));
                rc = -1;
            }
        }
        if (f)
            fclose(f);
        free(line);
        free(vals);
        if (rc == 0 && (fstat(ps->fd, &st) != 0 ||
                        (st.st_size > good && (ftruncate(ps->fd, good) != 0 || fsync(ps->fd) != 0)))) {
            snprintf(err, errlen, _("%s: cannot truncate: %s"), ps->path, strerror(errno));
            rc = -1;
        }
    }
    if (rc != 0) {
        close(ps->fd);
        free(ps);
        return rc;
    }
    lseek(ps->fd, 0, SEEK_END);
    *out = ps;
    return 0;
}

int kt_pathstore_append(kt_pathstore *ps, const char *date, int n_rows, const double *paths,
                        char *err, size_t errlen)
{
    size_t n = (size_t)n_rows * (size_t)ps->S;
    size_t cap = 64 + strlen(date) + n * 26;
    char *b = malloc(cap);
    if (!b) {
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    size_t w = (size_t)snprintf(b, cap, "P\t%s\t%d\t%d\t", date, n_rows, ps->S);
    for (size_t i = 0; i < n; i++)
        w += (size_t)snprintf(b + w, cap - w, "%s%.17g", i ? "," : "", paths[i]);
    if (n == 0)
        w += (size_t)snprintf(b + w, cap - w, "-");
    w += (size_t)snprintf(b + w, cap - w, "\t%08" PRIx32 "\n", kt_crc32(b, w));
    int rc = write_all(ps, b, w, err, errlen);
    free(b);
    return rc;
}

int kt_pathstore_write_csv(kt_pathstore *ps, const char *dir, const kt_date_result *dates, int nd,
                           const kt_prices *p, const int *horizons, char *err, size_t errlen)
{
    char path[1200], tmp[1300];
    snprintf(path, sizeof path, "%s/paths.csv", dir);
    FILE *in = records(ps);
    FILE *f = in ? kt_atomic_open(path, tmp, sizeof tmp) : NULL;
    if (!f) {
        snprintf(err, errlen, _("%s: cannot write: %s"), in ? tmp : ps->path, strerror(errno));
        if (in)
            fclose(in);
        return -1;
    }
    fputs("date,ticker,horizon,path,pred_return\n", f);
    char *line = NULL, date[32];
    size_t lcap = 0, vcap = 0;
    double *vals = NULL;
    int rc = 0;
    for (int d = 0; d < nd; d++) {
        const kt_date_result *dr = &dates[d];
        ssize_t len = getline(&line, &lcap, in);
        int rows = 0;
        if (len <= 0 || line[len - 1] != '\n' ||
            (line[len - 1] = '\0', parse_line(line, ps->S, date, sizeof date, &rows, &vals, &vcap)) != 0 ||
            strcmp(date, dr->date) != 0 || rows != dr->n_rows) {
            snprintf(err, errlen, _("%s: no valid paths record for %s"), ps->path, dr->date);
            rc = -1;
            break;
        }
        for (int i = 0; i < rows; i++) {
            const kt_score_row *r = &dr->rows[i];
            const char *t = p->series[r->series].ticker;
            int quote = strpbrk(t, ",\"\r\n") != NULL;
            for (int s = 0; s < ps->S; s++)
                fprintf(f, quote ? "%s,\"%s\",%d,%d,%.10g\n" : "%s,%s,%d,%d,%.10g\n", dr->date, t,
                        horizons[r->h], s, vals[(size_t)i * ps->S + s]);
        }
    }
    fclose(in);
    free(line);
    free(vals);
    if (rc != 0) {
        fclose(f);
        unlink(tmp);
        return -1;
    }
    if (kt_atomic_commit(f, tmp, path) != 0) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        return -1;
    }
    return 0;
}

void kt_pathstore_close(kt_pathstore *ps)
{
    if (!ps)
        return;
    close(ps->fd);
    free(ps);
}
