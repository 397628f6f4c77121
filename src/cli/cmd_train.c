/* cmd_train.c: `kronos-tui train`: train a Kronos tokenizer and predictor on a
 * long-format price store (only bars dated before --train-end), write both
 * checkpoints in the Hugging Face layout and a training.json record. The
 * prices are read by kt_prices_load (prices.h) with the evaluation's rules:
 * the rows an evaluation of the same file drops are dropped here too. */
#include "config.h"

#include <errno.h>
#include <jansson.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "base/numparse.h"
#include "eval/calendar.h"
#include "eval/prices.h"
#include "model/train.h"

int kt_cmd_train(int argc, char **argv);

/* ---- the training set ------------------------------------------------------ */

/* The bars of a loaded price store dated before the train end, one series
 * per ticker (a ticker without such a bar is left out), with their time
 * features. */
typedef struct train_set {
    kt_train_series *ser;
    int n_series;
    double *vals;          /* [n_bars][6] */
    kronos_stamp *stamps;  /* [n_bars] */
    size_t n_bars;
    size_t n_held_out;     /* loaded bars at or after the train end */
    char first_date[32], last_date[32];
} train_set;

static void train_set_free(train_set *T)
{
    free(T->ser);
    free(T->vals);
    free(T->stamps);
    memset(T, 0, sizeof *T);
}

/* has_end: keep only bars dated before end. 0, or -1 when out of memory. */
static int train_set_build(const kt_prices *p, int has_end, kt_time end, train_set *T)
{
    memset(T, 0, sizeof *T);
    size_t total = 0;
    for (int i = 0; i < p->n_series; i++)
        total += (size_t)p->series[i].n;
    T->ser = calloc(p->n_series > 0 ? (size_t)p->n_series : 1, sizeof *T->ser);
    T->vals = malloc((total ? total : 1) * 6 * sizeof *T->vals);
    T->stamps = malloc((total ? total : 1) * sizeof *T->stamps);
    if (!T->ser || !T->vals || !T->stamps) {
        train_set_free(T);
        return -1;
    }
    kt_time first = 0, last = 0;
    for (int i = 0; i < p->n_series; i++) {
        const kt_series *s = &p->series[i];
        int n = 0;
        while (n < s->n && (!has_end || s->t[n] < end))
            n++;
        T->n_held_out += (size_t)(s->n - n);
        if (n == 0)
            continue;
        double *v = T->vals + T->n_bars * 6;
        kronos_stamp *st = T->stamps + T->n_bars;
        memcpy(v, s->ohlcva, (size_t)n * 6 * sizeof *v);
        for (int k = 0; k < n; k++) {
            double *r = v + (size_t)k * 6;
            if (!p->has_amount) /* as the engine does for a file without amounts */
                r[5] = r[4] * (r[0] + r[1] + r[2] + r[3]) / 4.0;
            kt_calendar_stamp(s->t[k], &st[k]);
        }
        T->ser[T->n_series++] = (kt_train_series){ s->ticker, n, v, st };
        if (T->n_bars == 0 || s->t[0] < first)
            first = s->t[0];
        if (T->n_bars == 0 || s->t[n - 1] > last)
            last = s->t[n - 1];
        T->n_bars += (size_t)n;
    }
    if (T->n_bars) {
        kt_time_format_full(first, T->first_date, sizeof T->first_date);
        kt_time_format_full(last, T->last_date, sizeof T->last_date);
    } else {
        snprintf(T->first_date, sizeof T->first_date, "-");
        snprintf(T->last_date, sizeof T->last_date, "-");
    }
    return 0;
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
    if (kt_parse_long(v, lo, hi, out) != 0) {
        fprintf(stderr, _("kronos-tui train: %s: expected an integer in %ld..%ld, got %s\n"), opt, lo, hi, v);
        return -1;
    }
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
static int write_record(const char *dir, const char *prices, const char *train_end, const train_set *T,
                        const kt_train_config *c, const kt_train_result *r)
{
    char path[4096], tmp[4200];
    snprintf(path, sizeof path, "%s/training.json", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    const char *base = strrchr(prices, '/');
    json_t *j = json_object();
    json_object_set_new(j, "prices", json_string(base ? base + 1 : prices));
    json_object_set_new(j, "train_end_exclusive", train_end ? json_string(train_end) : json_null());
    json_object_set_new(j, "first_date", json_string(T->first_date));
    json_object_set_new(j, "last_date", json_string(T->last_date));
    set_int(j, "tickers", T->n_series);
    set_int(j, "bars", (long long)T->n_bars);
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

/* ---- the command ----------------------------------------------------------- */

typedef struct train_args {
    kt_train_config c;
    const char *prices, *tok_out, *pred_out, *train_end, *init_from;
    kt_time end; /* --train-end */
    char init_tok[4096], init_pred[4096];
} train_args;

/* One option with its value; 0, or -1 after printing why. Unknown: 1. */
static int set_option(train_args *A, const char *a, const char *val)
{
    kt_train_config *c = &A->c;
    long v;
    int bad = 0;
    if (!strcmp(a, "--prices")) A->prices = val;
    else if (!strcmp(a, "--out-tokenizer")) A->tok_out = val;
    else if (!strcmp(a, "--out-predictor")) A->pred_out = val;
    else if (!strcmp(a, "--train-end")) {
        if (strlen(val) != 10 || kt_time_parse(val, &A->end)) {
            fprintf(stderr, _("kronos-tui train: --train-end: expected YYYY-MM-DD, got %s\n"), val);
            return -1;
        }
        A->train_end = val;
    }
    else if (!strcmp(a, "--init-from")) A->init_from = val;
    else if (!strcmp(a, "--init-tokenizer")) c->init_tokenizer = val;
    else if (!strcmp(a, "--init-predictor")) c->init_predictor = val;
    else if (!strcmp(a, "--tokenizer-steps")) { bad = parse_int(a, val, 0, 10000000, &v); c->tok_steps = (int)v; }
    else if (!strcmp(a, "--predictor-steps")) { bad = parse_int(a, val, 0, 10000000, &v); c->pred_steps = (int)v; }
    else if (!strcmp(a, "--lookback")) { bad = parse_int(a, val, 2, 4096, &v); c->lookback = (int)v; }
    else if (!strcmp(a, "--horizon")) { bad = parse_int(a, val, 1, 4096, &v); c->horizon = (int)v; }
    else if (!strcmp(a, "--batch-size")) { bad = parse_int(a, val, 1, 100000, &v); c->batch_size = (int)v; }
    else if (!strcmp(a, "--seed")) { bad = parse_int(a, val, 0, 2147483647L, &v); c->seed = (uint64_t)v; }
    else if (!strcmp(a, "--threads")) { bad = parse_int(a, val, 0, 1024, &v); c->threads = (int)v; }
    else if (!strcmp(a, "--log-every")) { bad = parse_int(a, val, 1, 1000000, &v); c->log_every = (int)v; }
    else if (!strcmp(a, "--d-model")) { bad = parse_int(a, val, 8, 8192, &v); c->pred.d_model = (int)v; }
    else if (!strcmp(a, "--layers")) { bad = parse_int(a, val, 1, 128, &v); c->pred.n_layers = (int)v; }
    else if (!strcmp(a, "--heads")) { bad = parse_int(a, val, 1, 128, &v); c->pred.n_heads = (int)v; }
    else if (!strcmp(a, "--ff-dim")) { bad = parse_int(a, val, 1, 65536, &v); c->pred.ff_dim = (int)v; }
    else if (!strcmp(a, "--tokenizer-d-model")) { bad = parse_int(a, val, 4, 8192, &v); c->tok.d_model = (int)v; c->tok.ff_dim = 2 * (int)v; }
    else if (!strcmp(a, "--tokenizer-layers")) { bad = parse_int(a, val, 1, 128, &v); c->tok.n_enc_layers = c->tok.n_dec_layers = (int)v; }
    else if (!strcmp(a, "--bits")) { bad = parse_int(a, val, 2, 12, &v); c->tok.s1_bits = c->tok.s2_bits = c->pred.s1_bits = c->pred.s2_bits = (int)v; }
    else if (!strcmp(a, "--tokenizer-lr")) bad = parse_real(a, val, &c->tok_lr);
    else if (!strcmp(a, "--predictor-lr")) bad = parse_real(a, val, &c->pred_lr);
    else return 1;
    return bad ? -1 : 0;
}

/* The command line into A; -1 to go on, or the exit code. */
static int parse_args(train_args *A, int argc, char **argv)
{
    memset(A, 0, sizeof *A);
    kt_train_config_defaults(&A->c);
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
        int r = set_option(A, a, argv[++i]);
        if (r > 0) {
            fprintf(stderr, _("kronos-tui train: unknown option %s\n"), a);
            usage(stderr);
        }
        if (r != 0)
            return KT_EXIT_USAGE;
    }
    if (!A->prices || !A->tok_out || !A->pred_out) {
        fputs(_("kronos-tui train: --prices, --out-tokenizer and --out-predictor are required\n"), stderr);
        usage(stderr);
        return KT_EXIT_USAGE;
    }
    if (A->init_from) {
        snprintf(A->init_tok, sizeof A->init_tok, "%s/tokenizer", A->init_from);
        snprintf(A->init_pred, sizeof A->init_pred, "%s/model", A->init_from);
        if (!A->c.init_tokenizer)
            A->c.init_tokenizer = A->init_tok;
        if (!A->c.init_predictor)
            A->c.init_predictor = A->init_pred;
    }
    return -1;
}

/* Trains on T and writes both checkpoints with their records. */
static int train_and_write(const train_args *A, const train_set *T)
{
    char err[1024];
    if (ensure_dir(A->tok_out) || ensure_dir(A->pred_out))
        return KT_EXIT_IO;
    progress_ctx pc = { stderr };
    kt_train_result res;
    if (kt_train_run(&A->c, T->ser, T->n_series, A->tok_out, A->pred_out, on_progress, &pc, &res, err,
                     sizeof err)) {
        fprintf(stderr, "kronos-tui train: %s\n", err);
        return (strstr(err, "config") || strstr(err, "safetensors") || strstr(err, "tensor")) ? KT_EXIT_MODEL
                                                                                             : KT_EXIT_FAILURE;
    }
    if (write_record(A->pred_out, A->prices, A->train_end, T, &A->c, &res) ||
        write_record(A->tok_out, A->prices, A->train_end, T, &A->c, &res))
        return KT_EXIT_IO;
    fprintf(stderr, _("train: wrote %s and %s (loss: tokenizer %.4f -> %.4f, predictor %.4f -> %.4f)\n"),
            A->tok_out, A->pred_out, res.tok_loss_first, res.tok_loss_last, res.pred_loss_first,
            res.pred_loss_last);
    return KT_EXIT_OK;
}

int kt_cmd_train(int argc, char **argv)
{
    train_args A;
    int rc = parse_args(&A, argc, argv);
    if (rc >= 0)
        return rc;
#ifdef M_MMAP_THRESHOLD
    /* training allocates and frees the same large activations every step:
     * keep them in the heap instead of mmap/munmap (halves the step time) */
    mallopt(M_MMAP_THRESHOLD, 1 << 30);
    mallopt(M_TRIM_THRESHOLD, 1 << 30);
    mallopt(M_TOP_PAD, 256 << 20);
#endif
    char err[1024];
    kt_prices *P = NULL;
    if (kt_prices_load(A.prices, &P, err, sizeof err)) {
        fprintf(stderr, "kronos-tui train: %s\n", err);
        return KT_EXIT_DATA;
    }
    char msg[KT_NOTE_LEN + 128];
    if (kt_prices_drop_summary(&P->stats, msg, sizeof msg))
        fprintf(stderr, "train: %s\n", msg);
    train_set T;
    if (train_set_build(P, A.train_end != NULL, A.end, &T)) {
        fputs(_("kronos-tui train: out of memory\n"), stderr);
        kt_prices_free(P);
        return KT_EXIT_FAILURE;
    }
    fprintf(stderr, _("train: %zu bars of %d tickers from %s to %s (%zu later bars held out)\n"), T.n_bars,
            T.n_series, T.first_date, T.last_date, T.n_held_out);
    rc = train_and_write(&A, &T);
    train_set_free(&T);
    kt_prices_free(P);
    return rc;
}
