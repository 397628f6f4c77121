/* prices.c: long-format CSV price store (libcsv). See prices.h. */
#include "config.h"

#include "base/civil.h"

#include "eval/prices.h"

#include <csv.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "base/i18n.h"

enum col { C_DATE = 0, C_TICKER, C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOLUME, C_AMOUNT, C_N };

static const char *const col_names[C_N] = {"date", "ticker", "open", "high",
                                           "low", "close", "volume", "amount"};

typedef struct row {
    int tick;
    long line;
    kt_time t;
    double v[6];
} row;

#define MAX_FIELDS 64
#define FIELD_MAX 256

typedef struct ctx {
    const char *name;
    long cur_line;      /* physical line being fed */
    long rec_line;      /* line where the current record starts */
    int nf;             /* fields in the current record */
    int field_len[MAX_FIELDS];
    char field[MAX_FIELDS][FIELD_MAX];
    int overflow;       /* more than MAX_FIELDS fields */
    int header_done;
    int n_cols;
    int col_of[C_N];    /* field index of each column, -1 if absent */
    int intraday;
    /* tickers */
    char (*tick_names)[KT_TICKER_MAX];
    int n_ticks, cap_ticks;
    int *hash;          /* open addressing: tick index + 1, 0 = empty */
    size_t hash_cap;
    /* rows */
    row *rows;
    size_t n_rows, cap_rows;
    kt_prices_stats *st;
    int fatal;
    char *err;
    size_t errlen;
} ctx;

/* ---- messages -------------------------------------------------------- */

static void fatal_at(ctx *c, long line, int col, const char *fmt, ...)
{
    if (c->fatal)
        return;
    c->fatal = 1;
    char msg[KT_NOTE_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(c->err, c->errlen, "%s:%ld:%d: %s", c->name, line, col, msg);
}

static void drop_note(ctx *c, int reason, long line, int col, const char *fmt, ...)
{
    kt_prices_stats *st = c->st;
    st->dropped[reason]++;
    st->dropped_total++;
    if (st->n_notes >= KT_PRICES_MAX_NOTES)
        return;
    char msg[200];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(st->notes[st->n_notes++], KT_NOTE_LEN, "%.100s:%ld:%d: %s", c->name, line, col, msg);
}

const char *kt_prices_drop_name(int reason)
{
    switch (reason) {
    case KT_DROP_MISSING_PRICE: return _("missing price");
    case KT_DROP_NONFINITE: return _("NaN or infinite value");
    case KT_DROP_NONPOSITIVE: return _("price <= 0");
    case KT_DROP_HIGH_LOW: return _("high < low");
    case KT_DROP_NEGATIVE_VOLUME: return _("negative volume or amount");
    case KT_DROP_DUPLICATE: return _("duplicate (date, ticker)");
    default: return "?";
    }
}

int kt_prices_drop_summary(const kt_prices_stats *st, char *buf, size_t n)
{
    if (!st->dropped_total)
        return 0;
    snprintf(buf, n, ngettext("prices: %ld of %ld row dropped (first: %s)",
                              "prices: %ld of %ld rows dropped (first: %s)", (unsigned long)st->rows_read),
             st->dropped_total, st->rows_read, st->n_notes ? st->notes[0] : "");
    return 1;
}

/* ---- tickers ----------------------------------------------------------- */

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int intern(ctx *c, const char *name)
{
    if ((size_t)(c->n_ticks + 1) * 2 > c->hash_cap) {
        size_t ncap = c->hash_cap ? c->hash_cap * 2 : 256;
        int *nh = calloc(ncap, sizeof *nh);
        if (!nh)
            return -1;
        for (int i = 0; i < c->n_ticks; i++) {
            size_t j = hash_str(c->tick_names[i]) & (ncap - 1);
            while (nh[j])
                j = (j + 1) & (ncap - 1);
            nh[j] = i + 1;
        }
        free(c->hash);
        c->hash = nh;
        c->hash_cap = ncap;
    }
    size_t j = hash_str(name) & (c->hash_cap - 1);
    while (c->hash[j]) {
        if (strcmp(c->tick_names[c->hash[j] - 1], name) == 0)
            return c->hash[j] - 1;
        j = (j + 1) & (c->hash_cap - 1);
    }
    if (c->n_ticks == c->cap_ticks) {
        int ncap = c->cap_ticks ? c->cap_ticks * 2 : 128;
        void *nn = realloc(c->tick_names, (size_t)ncap * KT_TICKER_MAX);
        if (!nn)
            return -1;
        c->tick_names = nn;
        c->cap_ticks = ncap;
    }
    snprintf(c->tick_names[c->n_ticks], KT_TICKER_MAX, "%s", name);
    c->hash[j] = c->n_ticks + 1;
    return c->n_ticks++;
}

/* ---- records ----------------------------------------------------------- */

static int header_alias(const char *f)
{
    static const struct { const char *name; int col; } al[] = {
        {"date", C_DATE},     {"timestamp", C_DATE}, {"timestamps", C_DATE},
        {"datetime", C_DATE}, {"ticker", C_TICKER},  {"symbol", C_TICKER},
        {"name", C_TICKER},   {"open", C_OPEN},      {"high", C_HIGH},
        {"low", C_LOW},       {"close", C_CLOSE},    {"volume", C_VOLUME},
        {"vol", C_VOLUME},    {"amount", C_AMOUNT},
    };
    for (size_t i = 0; i < sizeof al / sizeof al[0]; i++)
        if (strcasecmp(f, al[i].name) == 0)
            return al[i].col;
    return -1;
}

static void do_header(ctx *c)
{
    if (c->overflow) {
        fatal_at(c, c->rec_line, MAX_FIELDS + 1, _("the header has more than %d columns"),
                 MAX_FIELDS);
        return;
    }
    c->n_cols = c->nf;
    for (int k = 0; k < C_N; k++)
        c->col_of[k] = -1;
    for (int i = 0; i < c->nf; i++) {
        int k = header_alias(c->field[i]);
        if (k < 0)
            continue; /* extra columns are ignored */
        if (c->col_of[k] >= 0) {
            fatal_at(c, c->rec_line, i + 1, _("column \"%s\" appears twice (also column %d)"),
                     col_names[k], c->col_of[k] + 1);
            return;
        }
        c->col_of[k] = i;
    }
    for (int k = C_DATE; k <= C_CLOSE; k++) {
        if (c->col_of[k] < 0) {
            fatal_at(c, c->rec_line, 1,
                     _("required column \"%s\" missing from the header "
                       "(aliases: date|timestamp|timestamps, ticker|symbol|name)"),
                     col_names[k]);
            return;
        }
    }
    c->header_done = 1;
}

/* 0 ok, 1 empty, 2 nonfinite; fatal on garbage. */
static int num(ctx *c, int k, double *out)
{
    int i = c->col_of[k];
    const char *s = c->field[i];
    if (s[0] == '\0')
        return 1;
    errno = 0;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ' || *end == '\t')
        end++;
    if (end == s || *end != '\0' || c->field_len[i] >= FIELD_MAX - 1) {
        fatal_at(c, c->rec_line, i + 1, _("%s: not a number: \"%s\""), col_names[k], s);
        return -1;
    }
    *out = v;
    return isfinite(v) ? 0 : 2;
}

static void do_row(ctx *c)
{
    kt_prices_stats *st = c->st;
    if (c->nf != c->n_cols || c->overflow) {
        fatal_at(c, c->rec_line, (c->nf < c->n_cols ? c->nf : c->n_cols) + 1,
                 _("ragged row: %d fields, the header has %d"), c->nf, c->n_cols);
        return;
    }
    st->rows_read++;
    row r;
    memset(&r, 0, sizeof r);
    r.line = c->rec_line;
    int di = c->col_of[C_DATE], ti = c->col_of[C_TICKER];
    if (kt_time_parse(c->field[di], &r.t) != 0) {
        fatal_at(c, c->rec_line, di + 1,
                 _("date: not a date (expected YYYY-MM-DD[ HH:MM[:SS]]): \"%s\""), c->field[di]);
        return;
    }
    if (r.t % 86400 != 0)
        c->intraday = 1;
    if (c->field[ti][0] == '\0') {
        fatal_at(c, c->rec_line, ti + 1, _("ticker: empty"));
        return;
    }
    if (c->field_len[ti] >= KT_TICKER_MAX) {
        fatal_at(c, c->rec_line, ti + 1, _("ticker: longer than %d bytes: \"%s\""),
                 KT_TICKER_MAX - 1, c->field[ti]);
        return;
    }
    static const int vcols[6] = {C_OPEN, C_HIGH, C_LOW, C_CLOSE, C_VOLUME, C_AMOUNT};
    int vol_filled = 0, amt_filled = 0;
    for (int j = 0; j < 6; j++) {
        int k = vcols[j];
        if (c->col_of[k] < 0) {
            r.v[j] = 0.0;
            continue;
        }
        int col = c->col_of[k] + 1;
        int rc = num(c, k, &r.v[j]);
        if (rc < 0)
            return;
        if (rc == 1) {
            if (j < 4) {
                drop_note(c, KT_DROP_MISSING_PRICE, c->rec_line, col,
                          _("%s: missing; row dropped"), col_names[k]);
                return;
            }
            r.v[j] = 0.0;
            if (j == 4)
                vol_filled = 1;
            else
                amt_filled = 1;
            continue;
        }
        if (rc == 2) {
            drop_note(c, KT_DROP_NONFINITE, c->rec_line, col,
                      _("%s: \"%s\" is not finite; row dropped"), col_names[k], c->field[col - 1]);
            return;
        }
        if (j < 4 && r.v[j] <= 0.0) {
            drop_note(c, KT_DROP_NONPOSITIVE, c->rec_line, col,
                      _("%s: %s is not positive; row dropped"), col_names[k], c->field[col - 1]);
            return;
        }
        if (j >= 4 && r.v[j] < 0.0) {
            drop_note(c, KT_DROP_NEGATIVE_VOLUME, c->rec_line, col,
                      _("%s: %s is negative; row dropped"), col_names[k], c->field[col - 1]);
            return;
        }
    }
    if (r.v[1] < r.v[2]) {
        drop_note(c, KT_DROP_HIGH_LOW, c->rec_line, c->col_of[C_HIGH] + 1,
                  _("high %s < low %s; row dropped"), c->field[c->col_of[C_HIGH]],
                  c->field[c->col_of[C_LOW]]);
        return;
    }
    st->volume_filled += vol_filled;
    st->amount_filled += amt_filled;
    r.tick = intern(c, c->field[ti]);
    if (r.tick < 0) {
        fatal_at(c, c->rec_line, ti + 1, _("out of memory"));
        return;
    }
    if (c->n_rows == c->cap_rows) {
        size_t ncap = c->cap_rows ? c->cap_rows * 2 : 4096;
        row *nr = realloc(c->rows, ncap * sizeof *nr);
        if (!nr) {
            fatal_at(c, c->rec_line, 1, _("out of memory"));
            return;
        }
        c->rows = nr;
        c->cap_rows = ncap;
    }
    c->rows[c->n_rows++] = r;
}

static void cb_field(void *s, size_t len, void *data)
{
    ctx *c = data;
    if (c->fatal)
        return;
    if (c->nf == 0)
        c->rec_line = c->cur_line;
    if (c->nf >= MAX_FIELDS) {
        c->overflow = 1;
        c->nf++;
        return;
    }
    size_t n = len < FIELD_MAX - 1 ? len : FIELD_MAX - 1;
    if (s)
        memcpy(c->field[c->nf], s, n);
    else
        n = 0;
    c->field[c->nf][n] = '\0';
    c->field_len[c->nf] = (int)(len < FIELD_MAX ? len : FIELD_MAX);
    c->nf++;
}

static void cb_row(int term, void *data)
{
    ctx *c = data;
    (void)term;
    if (c->fatal)
        return;
    if (c->nf == 0) /* a record ended before any field: cannot happen with libcsv */
        c->rec_line = c->cur_line;
    if (!c->header_done)
        do_header(c);
    else
        do_row(c);
    c->nf = 0;
    c->overflow = 0;
}

/* ---- assembly ---------------------------------------------------------- */

typedef struct sort_ctx_row {
    row r;
    int rank;
} srow;

static int cmp_srow(const void *a, const void *b)
{
    const srow *x = a, *y = b;
    if (x->rank != y->rank)
        return x->rank < y->rank ? -1 : 1;
    if (x->r.t != y->r.t)
        return x->r.t < y->r.t ? -1 : 1;
    return x->r.line < y->r.line ? -1 : x->r.line > y->r.line;
}

typedef struct name_idx {
    const char *name;
    int idx;
} name_idx;

static int cmp_name(const void *a, const void *b)
{
    return strcmp(((const name_idx *)a)->name, ((const name_idx *)b)->name);
}

static int assemble(ctx *c, kt_prices *p)
{
    int nt = c->n_ticks;
    name_idx *ni = malloc((size_t)(nt ? nt : 1) * sizeof *ni);
    int *rank = malloc((size_t)(nt ? nt : 1) * sizeof *rank);
    srow *sr = malloc((c->n_rows ? c->n_rows : 1) * sizeof *sr);
    if (!ni || !rank || !sr) {
        free(ni), free(rank), free(sr);
        snprintf(c->err, c->errlen, _("%s: out of memory"), c->name);
        return -1;
    }
    for (int i = 0; i < nt; i++)
        ni[i] = (name_idx){c->tick_names[i], i};
    qsort(ni, (size_t)nt, sizeof *ni, cmp_name);
    for (int i = 0; i < nt; i++)
        rank[ni[i].idx] = i;
    for (size_t i = 0; i < c->n_rows; i++) {
        sr[i].r = c->rows[i];
        sr[i].rank = rank[c->rows[i].tick];
    }
    qsort(sr, c->n_rows, sizeof *sr, cmp_srow);

    /* duplicates: keep the first row in file order */
    size_t w = 0;
    for (size_t i = 0; i < c->n_rows; i++) {
        if (w > 0 && sr[w - 1].rank == sr[i].rank && sr[w - 1].r.t == sr[i].r.t) {
            char d[32];
            kt_time_format(sr[i].r.t, c->intraday, d, sizeof d);
            drop_note(c, KT_DROP_DUPLICATE, sr[i].r.line, c->col_of[C_DATE] + 1,
                      _("duplicate row for (%s, %s), first at line %ld; row dropped"), d,
                      c->tick_names[sr[i].r.tick], sr[w - 1].r.line);
            continue;
        }
        sr[w++] = sr[i];
    }
    c->st->rows_loaded = (long)w;

    p->n_series = nt;
    p->series = calloc((size_t)(nt ? nt : 1), sizeof *p->series);
    if (!p->series) {
        free(ni), free(rank), free(sr);
        snprintf(c->err, c->errlen, _("%s: out of memory"), c->name);
        return -1;
    }
    size_t i = 0;
    for (int s = 0; s < nt; s++) {
        kt_series *se = &p->series[s];
        snprintf(se->ticker, sizeof se->ticker, "%s", ni[s].name);
        size_t j = i;
        while (j < w && sr[j].rank == s)
            j++;
        se->n = (int)(j - i);
        se->t = malloc((size_t)(se->n ? se->n : 1) * sizeof *se->t);
        se->ohlcva = malloc((size_t)(se->n ? se->n : 1) * 6 * sizeof *se->ohlcva);
        if (!se->t || !se->ohlcva) {
            free(ni), free(rank), free(sr);
            snprintf(c->err, c->errlen, _("%s: out of memory"), c->name);
            return -1;
        }
        for (size_t k = i; k < j; k++) {
            se->t[k - i] = sr[k].r.t;
            memcpy(se->ohlcva + (k - i) * 6, sr[k].r.v, sizeof sr[k].r.v);
        }
        i = j;
    }
    free(ni);
    free(rank);
    free(sr);
    return 0;
}

int kt_prices_load_mem(const char *name, const char *buf, size_t len, kt_prices **out,
                       char *err, size_t errlen)
{
    *out = NULL;
    kt_prices *p = calloc(1, sizeof *p);
    ctx *c = calloc(1, sizeof *c);
    if (!p || !c) {
        free(p), free(c);
        snprintf(err, errlen, _("%s: out of memory"), name);
        return -1;
    }
    snprintf(p->path, sizeof p->path, "%s", name);
    c->name = name;
    c->st = &p->stats;
    c->err = err;
    c->errlen = errlen;
    c->cur_line = 1;
    c->rec_line = 1;

    if (len >= 3 && (unsigned char)buf[0] == 0xEF && (unsigned char)buf[1] == 0xBB &&
        (unsigned char)buf[2] == 0xBF) {
        buf += 3;
        len -= 3;
    }
    struct csv_parser parser;
    csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    size_t pos = 0;
    int rc = 0;
    while (pos < len && !c->fatal) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) + 1 : len - pos;
        if (csv_parse(&parser, buf + pos, n, cb_field, cb_row, c) != n) {
            fatal_at(c, c->rec_line, c->nf + 1, _("CSV syntax error: %s"),
                     csv_strerror(csv_error(&parser)));
            break;
        }
        pos += n;
        if (nl)
            c->cur_line++;
    }
    if (!c->fatal && csv_fini(&parser, cb_field, cb_row, c) != 0)
        fatal_at(c, c->rec_line, c->nf + 1, _("CSV syntax error: %s"),
                 csv_strerror(csv_error(&parser)));
    csv_free(&parser);

    if (!c->fatal && !c->header_done)
        snprintf(err, errlen, _("%s:1:1: empty file (no header row)"), name), rc = -1;
    else if (!c->fatal && p->stats.rows_read == 0)
        snprintf(err, errlen, _("%s:%ld:1: no data rows after the header"), name, c->cur_line),
            rc = -1;
    else if (c->fatal)
        rc = -1;
    if (rc == 0 && c->n_rows == 0)
        snprintf(err, errlen, _("%s: all %ld data rows were dropped (first: %s)"), name,
                 p->stats.rows_read, p->stats.n_notes ? p->stats.notes[0] : "?"),
            rc = -1;
    if (rc == 0) {
        p->has_volume = c->col_of[C_VOLUME] >= 0;
        p->has_amount = c->col_of[C_AMOUNT] >= 0;
        p->intraday = c->intraday;
        rc = assemble(c, p);
    }
    free(c->rows);
    free(c->tick_names);
    free(c->hash);
    free(c);
    if (rc != 0) {
        kt_prices_free(p);
        return -1;
    }
    *out = p;
    return 0;
}

int kt_prices_load(const char *path, kt_prices **out, char *err, size_t errlen)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        return -1;
    }
    size_t cap = 1 << 20, len = 0;
    char *buf = malloc(cap);
    size_t n;
    while (buf && (n = fread(buf + len, 1, cap - len, f)) > 0) {
        len += n;
        if (len == cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = nb;
            cap *= 2;
        }
    }
    int rerr = ferror(f);
    fclose(f);
    if (!buf || rerr) {
        free(buf);
        snprintf(err, errlen, _("%s: cannot read: %s"), path, buf ? strerror(EIO) : "out of memory");
        return -1;
    }
    int rc = kt_prices_load_mem(path, buf, len, out, err, errlen);
    free(buf);
    return rc;
}

void kt_prices_free(kt_prices *p)
{
    if (!p)
        return;
    for (int i = 0; i < p->n_series; i++) {
        free(p->series[i].t);
        free(p->series[i].ohlcva);
    }
    free(p->series);
    free(p);
}

int kt_prices_find(const kt_prices *p, const char *ticker)
{
    int lo = 0, hi = p->n_series - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(p->series[mid].ticker, ticker);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

double kt_series_return(const kt_series *s, int bar, int h)
{
    if (bar < 0 || bar + h >= s->n)
        return NAN;
    return s->ohlcva[(size_t)(bar + h) * 6 + 3] / s->ohlcva[(size_t)bar * 6 + 3] - 1.0;
}

int kt_series_find(const kt_series *s, kt_time t)
{
    int lo = 0, hi = s->n - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (s->t[mid] == t)
            return mid;
        if (s->t[mid] < t)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return -1;
}

static uint64_t fnv(uint64_t h, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    for (size_t i = 0; i < n; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

uint64_t kt_prices_hash(const kt_prices *p)
{
    uint64_t h = 1469598103934665603ull;
    for (int i = 0; i < p->n_series; i++) {
        const kt_series *s = &p->series[i];
        h = fnv(h, s->ticker, strlen(s->ticker) + 1);
        h = fnv(h, s->t, (size_t)s->n * sizeof *s->t);
        h = fnv(h, s->ohlcva, (size_t)s->n * 6 * sizeof *s->ohlcva);
    }
    return h;
}
