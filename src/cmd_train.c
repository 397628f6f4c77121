/* cmd_train.c: `kronos-tui train`: train a Kronos tokenizer and predictor on a
 * long-format price store (only bars dated before --train-end), write both
 * checkpoints in the Hugging Face layout and a training.json record. */
#include "config.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "exitcodes.h"
#include "i18n.h"
#include "train.h"

int kt_cmd_train(int argc, char **argv);

/* ---- price store --------------------------------------------------------- */

enum { COL_DATE, COL_TICKER, COL_OPEN, COL_HIGH, COL_LOW, COL_CLOSE, COL_VOLUME, COL_AMOUNT, N_COLS };
static const char *const col_names[N_COLS] = { "date", "ticker", "open", "high", "low", "close", "volume", "amount" };

typedef struct bar {
    char date[20];
    int ticker;      /* index into the ticker table */
    double v[6];
    kronos_stamp st;
} bar;

typedef struct loader {
    const char *path;
    const char *train_end;   /* exclusive, "YYYY-MM-DD" or NULL */
    int col[N_COLS];         /* field index of each column, -1 if absent */
    long line;
    int field;
    char fields[N_COLS][64];
    int header_done;
    bar *bars;
    size_t n_bars, cap_bars;
    char **tickers;
    int n_tickers, cap_tickers;
    size_t n_skipped_after;  /* rows at or after train_end */
    char first_date[20], last_date[20];
    char err[512];
} loader;

static long days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    long era = (y >= 0 ? y : y - 399) / 400;
    long yoe = y - era * 400;
    long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int parse_date(const char *s, kronos_stamp *st, char out[20])
{
    int y, m, d, hh = 0, mm = 0, ss = 0, n = 0;
    if (sscanf(s, "%4d-%2d-%2d%n", &y, &m, &d, &n) != 3 || n != 10)
        return -1;
    if (s[10] && (sscanf(s + 10, " %2d:%2d%n", &hh, &mm, &n) != 2 || (s[10 + n] && sscanf(s + 10 + n, ":%2d", &ss) != 1)))
        return -1;
    if (m < 1 || m > 12 || d < 1 || d > 31 || hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return -1;
    long z = days_from_civil(y, m, d);
    st->minute = mm;
    st->hour = hh;
    st->weekday = (int)(((z % 7) + 7 + 3) % 7);
    st->day = d;
    st->month = m;
    snprintf(out, 20, "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, hh, mm, ss);
    return 0;
}

static int ticker_index(loader *L, const char *name)
{
    for (int i = L->n_tickers - 1; i >= 0; i--)   /* rows usually come grouped */
        if (!strcmp(L->tickers[i], name))
            return i;
    if (L->n_tickers == L->cap_tickers) {
        int cap = L->cap_tickers ? 2 * L->cap_tickers : 64;
        char **t = realloc(L->tickers, (size_t)cap * sizeof *t);
        if (!t)
            return -1;
        L->tickers = t;
        L->cap_tickers = cap;
    }
    L->tickers[L->n_tickers] = strdup(name);
    if (!L->tickers[L->n_tickers])
        return -1;
    return L->n_tickers++;
}

static int header_col(const char *name)
{
    static const struct { const char *alias; int col; } aliases[] = {
        { "date", COL_DATE }, { "timestamp", COL_DATE }, { "timestamps", COL_DATE },
        { "ticker", COL_TICKER }, { "symbol", COL_TICKER }, { "name", COL_TICKER },
        { "open", COL_OPEN }, { "high", COL_HIGH }, { "low", COL_LOW }, { "close", COL_CLOSE },
        { "volume", COL_VOLUME }, { "amount", COL_AMOUNT },
    };
    for (size_t i = 0; i < sizeof aliases / sizeof aliases[0]; i++)
        if (!strcasecmp(name, aliases[i].alias))
            return aliases[i].col;
    return -1;
}

static void on_field(void *s, size_t len, void *data)
{
    loader *L = data;
    if (L->err[0])
        return;
    int f = L->field++;
    if (!L->header_done) {
        char name[64];
        snprintf(name, sizeof name, "%.*s", (int)(len < 63 ? len : 63), (const char *)s);
        int c = header_col(name);
        if (c >= 0)
            L->col[c] = f;
        return;
    }
    for (int c = 0; c < N_COLS; c++)
        if (L->col[c] == f) {
            if (len >= sizeof L->fields[c]) {
                snprintf(L->err, sizeof L->err, _("%s:%ld: field %s is too long"), L->path, L->line, col_names[c]);
                return;
            }
            memcpy(L->fields[c], s, len);
            L->fields[c][len] = '\0';
        }
}

static void on_row(int c, void *data)
{
    (void)c;
    loader *L = data;
    L->line++;
    int nf = L->field;
    L->field = 0;
    if (L->err[0])
        return;
    if (!L->header_done) {
        L->header_done = 1;
        for (int k = 0; k < COL_VOLUME; k++)
            if (L->col[k] < 0) {
                snprintf(L->err, sizeof L->err, _("%s:1: missing column %s"), L->path, col_names[k]);
                return;
            }
        return;
    }
    for (int k = 0; k < N_COLS; k++)
        if (L->col[k] >= nf) {
            snprintf(L->err, sizeof L->err, _("%s:%ld: field %s is missing"), L->path, L->line, col_names[k]);
            return;
        }
    bar b;
    memset(&b, 0, sizeof b);
    if (parse_date(L->fields[COL_DATE], &b.st, b.date)) {
        snprintf(L->err, sizeof L->err, _("%s:%ld: field date: not a date: %s"), L->path, L->line, L->fields[COL_DATE]);
        return;
    }
    if (L->train_end && strncmp(b.date, L->train_end, strlen(L->train_end)) >= 0) {
        L->n_skipped_after++;
        return;
    }
    for (int k = COL_OPEN; k <= COL_AMOUNT; k++) {
        if (L->col[k] < 0) {
            b.v[k - COL_OPEN] = 0.0;
            continue;
        }
        char *end;
        errno = 0;
        double v = strtod(L->fields[k], &end);
        if (errno || end == L->fields[k] || *end || v != v || v < 0) {
            snprintf(L->err, sizeof L->err, _("%s:%ld: field %s: not a non-negative number: %s"), L->path, L->line,
                     col_names[k], L->fields[k]);
            return;
        }
        b.v[k - COL_OPEN] = v;
    }
    if (L->col[COL_AMOUNT] < 0)
        b.v[5] = b.v[4] * (b.v[0] + b.v[1] + b.v[2] + b.v[3]) / 4.0;
    if (!L->fields[COL_TICKER][0]) {
        snprintf(L->err, sizeof L->err, _("%s:%ld: field ticker is empty"), L->path, L->line);
        return;
    }
    b.ticker = ticker_index(L, L->fields[COL_TICKER]);
    if (b.ticker < 0) {
        snprintf(L->err, sizeof L->err, _("%s: out of memory"), L->path);
        return;
    }
    if (L->n_bars == L->cap_bars) {
        size_t cap = L->cap_bars ? 2 * L->cap_bars : 4096;
        bar *nb = realloc(L->bars, cap * sizeof *nb);
        if (!nb) {
            snprintf(L->err, sizeof L->err, _("%s: out of memory"), L->path);
            return;
        }
        L->bars = nb;
        L->cap_bars = cap;
    }
    L->bars[L->n_bars++] = b;
    if (!L->first_date[0] || strcmp(b.date, L->first_date) < 0)
        memcpy(L->first_date, b.date, 20);
    if (strcmp(b.date, L->last_date) > 0)
        memcpy(L->last_date, b.date, 20);
}

static int cmp_bar(const void *a, const void *b)
{
    const bar *x = a, *y = b;
    if (x->ticker != y->ticker)
        return x->ticker < y->ticker ? -1 : 1;
    return strcmp(x->date, y->date);
}

static int load_prices(loader *L)
{
    for (int c = 0; c < N_COLS; c++)
        L->col[c] = -1;
    FILE *f = fopen(L->path, "rb");
    if (!f) {
        snprintf(L->err, sizeof L->err, _("%s: cannot open: %s"), L->path, strerror(errno));
        return -1;
    }
    struct csv_parser p;
    csv_init(&p, CSV_APPEND_NULL);
    char buf[65536];
    size_t n;
    while (!L->err[0] && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, n, on_field, on_row, L) != n && !L->err[0])
            snprintf(L->err, sizeof L->err, _("%s:%ld: malformed CSV: %s"), L->path, L->line + 1,
                     csv_strerror(csv_error(&p)));
    if (!L->err[0])
        csv_fini(&p, on_field, on_row, L);
    csv_free(&p);
    fclose(f);
    if (L->err[0])
        return -1;
    if (!L->header_done) {
        snprintf(L->err, sizeof L->err, _("%s: empty file"), L->path);
        return -1;
    }
    qsort(L->bars, L->n_bars, sizeof *L->bars, cmp_bar);
    for (size_t i = 1; i < L->n_bars; i++)
        if (L->bars[i].ticker == L->bars[i - 1].ticker && !strcmp(L->bars[i].date, L->bars[i - 1].date)) {
            snprintf(L->err, sizeof L->err, _("%s: duplicate bar for %s on %s"), L->path,
                     L->tickers[L->bars[i].ticker], L->bars[i].date);
            return -1;
        }
    return 0;
}

static void loader_free(loader *L)
{
    for (int i = 0; i < L->n_tickers; i++)
        free(L->tickers[i]);
    free(L->tickers);
    free(L->bars);
}

/* ---- command ------------------------------------------------------------- */

static void usage(FILE *out)
{
    fputs(_("Usage: kronos-tui train --prices FILE --out-tokenizer DIR --out-predictor DIR [OPTIONS]\n"
            "Train a Kronos tokenizer and predictor on the CPU (bars dated before --train-end only).\n"
            "  --train-end DATE        first date NOT used for training (YYYY-MM-DD)\n"
            "  --init-from DIR         start from DIR/tokenizer and DIR/model (fine-tuning)\n"
            "  --init-tokenizer DIR    start the tokenizer from DIR\n"
            "  --init-predictor DIR    start the predictor from DIR\n"
            "  --tokenizer-steps N     tokenizer steps (0 keeps it as initialised; default 300)\n"
            "  --predictor-steps N     predictor steps (default 600)\n"
            "  --lookback N --horizon N  window = lookback + horizon bars (252 + 20)\n"
            "  --batch-size N          windows per step (32)\n"
            "  --tokenizer-lr X --predictor-lr X  peak learning rates (2e-3, 1e-3)\n"
            "  --d-model N --layers N --heads N --ff-dim N  predictor size (128, 3, 4, 256)\n"
            "  --tokenizer-d-model N --tokenizer-layers N --bits N  tokenizer size (64, 3, 8)\n"
            "  --seed N --threads N --log-every N\n"), out);
}

typedef struct progress_ctx {
    FILE *out;
} progress_ctx;

static int on_progress(void *user, const char *stage, int step, int total, double loss, double l1, double l2, double lr)
{
    progress_ctx *p = user;
    if (!strcmp(stage, "tokenizer"))
        fprintf(p->out, _("train: tokenizer step %d/%d loss %.5f recon %.5f bsq %.5f lr %.2e\n"), step, total, loss, l1,
                l2, lr);
    else
        fprintf(p->out, _("train: predictor step %d/%d loss %.5f ce_s1 %.5f ce_s2 %.5f lr %.2e\n"), step, total, loss,
                l1, l2, lr);
    fflush(p->out);
    return 0;
}

static int parse_int(const char *opt, const char *v, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        fprintf(stderr, _("kronos-tui train: %s: expected an integer in %ld..%ld, got %s\n"), opt, lo, hi, v);
        return -1;
    }
    *out = x;
    return 0;
}

static int parse_real(const char *opt, const char *v, double *out)
{
    char *end;
    errno = 0;
    double x = strtod(v, &end);
    if (errno || end == v || *end || !(x > 0 && x < 1)) {
        fprintf(stderr, _("kronos-tui train: %s: expected a number in (0, 1), got %s\n"), opt, v);
        return -1;
    }
    *out = x;
    return 0;
}

/* mkdir -p */
static int ensure_dir(const char *d)
{
    char buf[4096];
    snprintf(buf, sizeof buf, "%s", d);
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || !*p) {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0777) != 0 && errno != EEXIST) {
                fprintf(stderr, _("kronos-tui train: cannot create %s: %s\n"), buf, strerror(errno));
                return -1;
            }
            *p = c;
            if (!c)
                break;
        }
    }
    return 0;
}

static void set_num(json_t *j, const char *k, double v) { json_object_set_new(j, k, json_real(v)); }
static void set_int(json_t *j, const char *k, long long v) { json_object_set_new(j, k, json_integer(v)); }

/* training.json: what the checkpoint was trained on (no timings: reruns give the same bytes) */
static int write_record(const char *dir, const char *prices, const char *train_end, const loader *L,
                        const kt_train_config *c, const kt_train_result *r, int n_series)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/training.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    const char *base = strrchr(prices, '/');
    json_t *j = json_object();
    json_object_set_new(j, "prices", json_string(base ? base + 1 : prices));
    json_object_set_new(j, "train_end_exclusive", train_end ? json_string(train_end) : json_null());
    json_object_set_new(j, "first_date", json_string(L->first_date));
    json_object_set_new(j, "last_date", json_string(L->last_date));
    set_int(j, "tickers", n_series);
    set_int(j, "bars", (long long)L->n_bars);
    set_int(j, "windows", r->windows);
    json_object_set_new(j, "init_tokenizer", c->init_tokenizer ? json_string(c->init_tokenizer) : json_null());
    json_object_set_new(j, "init_predictor", c->init_predictor ? json_string(c->init_predictor) : json_null());
    set_int(j, "seed", (long long)c->seed);
    set_int(j, "threads", c->threads);
    set_int(j, "lookback", c->lookback);
    set_int(j, "horizon", c->horizon);
    set_int(j, "batch_size", c->batch_size);
    set_int(j, "tokenizer_steps", c->tok_steps);
    set_int(j, "predictor_steps", c->pred_steps);
    set_num(j, "tokenizer_lr", c->tok_lr);
    set_num(j, "predictor_lr", c->pred_lr);
    set_num(j, "weight_decay", c->weight_decay);
    set_int(j, "tokenizer_params", r->tokenizer_params);
    set_int(j, "predictor_params", r->predictor_params);
    set_num(j, "tokenizer_loss_first10", r->tok_loss_first);
    set_num(j, "tokenizer_loss_last10", r->tok_loss_last);
    set_num(j, "predictor_loss_first10", r->pred_loss_first);
    set_num(j, "predictor_loss_last10", r->pred_loss_last);
    json_object_set_new(j, "objective_note",
                        json_string("upstream Kronos objectives; dependency-layer cross-attention trained causally "
                                    "without RoPE to match the inference path (query and keys at position 0)"));
    int rc = json_dump_file(j, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(8));
    json_decref(j);
    if (rc || rename(tmp, path)) {
        fprintf(stderr, _("kronos-tui train: cannot write %s\n"), path);
        return -1;
    }
    return 0;
}

int kt_cmd_train(int argc, char **argv)
{
    kt_train_config c;
    kt_train_config_defaults(&c);
    const char *prices = NULL, *tok_out = NULL, *pred_out = NULL, *train_end = NULL, *init_from = NULL;
    char init_tok[4096], init_pred[4096];
    long v;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage(stdout);
            return KT_EXIT_OK;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, _("kronos-tui train: option %s needs a value\n"), a);
            return KT_EXIT_USAGE;
        }
        const char *val = argv[++i];
        int bad = 0;
        if (!strcmp(a, "--prices")) prices = val;
        else if (!strcmp(a, "--out-tokenizer")) tok_out = val;
        else if (!strcmp(a, "--out-predictor")) pred_out = val;
        else if (!strcmp(a, "--train-end")) {
            kronos_stamp st;
            char norm[20];
            if (strlen(val) != 10 || parse_date(val, &st, norm)) {
                fprintf(stderr, _("kronos-tui train: --train-end: expected YYYY-MM-DD, got %s\n"), val);
                return KT_EXIT_USAGE;
            }
            train_end = val;
        }
        else if (!strcmp(a, "--init-from")) init_from = val;
        else if (!strcmp(a, "--init-tokenizer")) c.init_tokenizer = val;
        else if (!strcmp(a, "--init-predictor")) c.init_predictor = val;
        else if (!strcmp(a, "--tokenizer-steps")) { bad = parse_int(a, val, 0, 10000000, &v); c.tok_steps = (int)v; }
        else if (!strcmp(a, "--predictor-steps")) { bad = parse_int(a, val, 0, 10000000, &v); c.pred_steps = (int)v; }
        else if (!strcmp(a, "--lookback")) { bad = parse_int(a, val, 2, 4096, &v); c.lookback = (int)v; }
        else if (!strcmp(a, "--horizon")) { bad = parse_int(a, val, 1, 4096, &v); c.horizon = (int)v; }
        else if (!strcmp(a, "--batch-size")) { bad = parse_int(a, val, 1, 100000, &v); c.batch_size = (int)v; }
        else if (!strcmp(a, "--seed")) { bad = parse_int(a, val, 0, 2147483647L, &v); c.seed = (uint64_t)v; }
        else if (!strcmp(a, "--threads")) { bad = parse_int(a, val, 0, 1024, &v); c.threads = (int)v; }
        else if (!strcmp(a, "--log-every")) { bad = parse_int(a, val, 1, 1000000, &v); c.log_every = (int)v; }
        else if (!strcmp(a, "--d-model")) { bad = parse_int(a, val, 8, 8192, &v); c.pred.d_model = (int)v; }
        else if (!strcmp(a, "--layers")) { bad = parse_int(a, val, 1, 128, &v); c.pred.n_layers = (int)v; }
        else if (!strcmp(a, "--heads")) { bad = parse_int(a, val, 1, 128, &v); c.pred.n_heads = (int)v; }
        else if (!strcmp(a, "--ff-dim")) { bad = parse_int(a, val, 1, 65536, &v); c.pred.ff_dim = (int)v; }
        else if (!strcmp(a, "--tokenizer-d-model")) { bad = parse_int(a, val, 4, 8192, &v); c.tok.d_model = (int)v; c.tok.ff_dim = 2 * (int)v; }
        else if (!strcmp(a, "--tokenizer-layers")) { bad = parse_int(a, val, 1, 128, &v); c.tok.n_enc_layers = c.tok.n_dec_layers = (int)v; }
        else if (!strcmp(a, "--bits")) { bad = parse_int(a, val, 2, 12, &v); c.tok.s1_bits = c.tok.s2_bits = c.pred.s1_bits = c.pred.s2_bits = (int)v; }
        else if (!strcmp(a, "--tokenizer-lr")) bad = parse_real(a, val, &c.tok_lr);
        else if (!strcmp(a, "--predictor-lr")) bad = parse_real(a, val, &c.pred_lr);
        else {
            fprintf(stderr, _("kronos-tui train: unknown option %s\n"), a);
            usage(stderr);
            return KT_EXIT_USAGE;
        }
        if (bad)
            return KT_EXIT_USAGE;
    }
    if (!prices || !tok_out || !pred_out) {
        fputs(_("kronos-tui train: --prices, --out-tokenizer and --out-predictor are required\n"), stderr);
        usage(stderr);
        return KT_EXIT_USAGE;
    }
    if (init_from) {
        snprintf(init_tok, sizeof init_tok, "%s/tokenizer", init_from);
        snprintf(init_pred, sizeof init_pred, "%s/model", init_from);
        if (!c.init_tokenizer)
            c.init_tokenizer = init_tok;
        if (!c.init_predictor)
            c.init_predictor = init_pred;
    }

#ifdef M_MMAP_THRESHOLD
    /* training allocates and frees the same large activations every step:
     * keep them in the heap instead of mmap/munmap (halves the step time) */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 256 << 20);
#endif
    loader L;
    memset(&L, 0, sizeof L);
    L.path = prices;
    L.train_end = train_end;
    if (load_prices(&L)) {
        fprintf(stderr, "kronos-tui train: %s\n", L.err);
        loader_free(&L);
        return KT_EXIT_DATA;
    }
    /* one series per ticker */
    kt_train_series *ser = calloc((size_t)(L.n_tickers ? L.n_tickers : 1), sizeof *ser);
    double *vals = malloc((L.n_bars ? L.n_bars : 1) * 6 * sizeof *vals);
    kronos_stamp *stamps = malloc((L.n_bars ? L.n_bars : 1) * sizeof *stamps);
    if (!ser || !vals || !stamps) {
        fputs(_("kronos-tui train: out of memory\n"), stderr);
        free(ser); free(vals); free(stamps);
        loader_free(&L);
        return KT_EXIT_FAILURE;
    }
    int n_series = 0;
    for (size_t i = 0; i < L.n_bars; i++) {
        memcpy(vals + i * 6, L.bars[i].v, sizeof L.bars[i].v);
        stamps[i] = L.bars[i].st;
        if (i == 0 || L.bars[i].ticker != L.bars[i - 1].ticker) {
            ser[n_series].ticker = L.tickers[L.bars[i].ticker];
            ser[n_series].ohlcva = vals + i * 6;
            ser[n_series].stamps = stamps + i;
            n_series++;
        }
        ser[n_series - 1].n++;
    }
    fprintf(stderr, _("train: %zu bars of %d tickers from %s to %s (%zu later bars held out)\n"), L.n_bars, n_series,
            L.first_date[0] ? L.first_date : "-", L.last_date[0] ? L.last_date : "-", L.n_skipped_after);

    int rc = KT_EXIT_OK;
    if (ensure_dir(tok_out) || ensure_dir(pred_out)) {
        rc = KT_EXIT_IO;
    } else {
        progress_ctx pc = { stderr };
        kt_train_result res;
        char err[1024];
        if (kt_train_run(&c, ser, n_series, tok_out, pred_out, on_progress, &pc, &res, err, sizeof err)) {
            fprintf(stderr, "kronos-tui train: %s\n", err);
            rc = (strstr(err, "config") || strstr(err, "safetensors") || strstr(err, "tensor")) ? KT_EXIT_MODEL
                                                                                                 : KT_EXIT_FAILURE;
        } else if (write_record(pred_out, prices, train_end, &L, &c, &res, n_series) ||
                   write_record(tok_out, prices, train_end, &L, &c, &res, n_series)) {
            rc = KT_EXIT_IO;
        } else {
            fprintf(stderr, _("train: wrote %s and %s (loss: tokenizer %.4f -> %.4f, predictor %.4f -> %.4f)\n"),
                    tok_out, pred_out, res.tok_loss_first, res.tok_loss_last, res.pred_loss_first, res.pred_loss_last);
        }
    }
    free(ser);
    free(vals);
    free(stamps);
    loader_free(&L);
    return rc;
}
