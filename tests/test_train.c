/* test_train.c: safetensors writer, Kronos training (loss goes down,
 * determinism, checkpoint round trips) and `kronos-tui train` errors. */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "check_run.h"
#include "eval/prices.h"
#include "model/kronos.h"
#include "model/st_write.h"
#include "model/train.h"
#include "train_greedy.h"

int kt_cmd_train(int argc, char **argv);

#ifndef SRCDIR
#define SRCDIR "."
#endif

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        fclose(f);
        return NULL;
    }
    b[n] = 0;
    fclose(f);
    *len = (size_t)n;
    return b;
}

static const char *srcdir(void)
{
    const char *s = getenv("srcdir");
    return s ? s : SRCDIR;
}

/* ---- st_write ---------------------------------------------------------- */

START_TEST(st_write_exact_bytes)
{
    const float a[2] = { 1.0f, -2.0f };
    const int64_t b[1] = { 258 };
    kt_st_tensor t[2] = {
        { "z.w", KT_ST_F32, 2, { 1, 2 }, a },
        { "a.b", KT_ST_I64, 1, { 1 }, b },
    };
    char err[256];
    ck_assert_int_eq(kt_st_write("st_exact.safetensors", t, 2, err, sizeof err), 0);
    size_t n;
    char *got = slurp("st_exact.safetensors", &n);
    ck_assert_ptr_nonnull(got);
    const char *hdr = "{\"a.b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[0,8]},"
                      "\"z.w\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[8,16]},"
                      "\"__metadata__\":{\"format\":\"pt\"}}";
    size_t hl = strlen(hdr), padded = (hl + 7) / 8 * 8;
    ck_assert_uint_eq(n, 8 + padded + 16);
    ck_assert_uint_eq((unsigned char)got[0], padded & 0xff);
    ck_assert_uint_eq((unsigned char)got[1], padded >> 8);
    ck_assert_int_eq(memcmp(got + 8, hdr, hl), 0);
    for (size_t i = hl; i < padded; i++)
        ck_assert_int_eq(got[8 + i], ' ');
    const unsigned char data[16] = { 2, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0x80, 0x3f, 0, 0, 0, 0xc0 };
    ck_assert_int_eq(memcmp(got + 8 + padded, data, 16), 0);
    free(got);
    /* duplicate names are refused with the name in the message */
    kt_st_tensor d[2] = { t[0], t[0] };
    ck_assert_int_eq(kt_st_write("st_dup.safetensors", d, 2, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "z.w"));
}
END_TEST

/* Rewriting every tensor of the golden upstream checkpoints must give the
 * upstream files byte for byte. */
static void rewrite_golden(const char *rel)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", srcdir(), rel);
    size_t n;
    char *buf = slurp(path, &n);
    ck_assert_msg(buf != NULL, "cannot read %s", path);
    uint64_t hl = 0;
    for (int i = 0; i < 8; i++)
        hl |= (uint64_t)(unsigned char)buf[i] << (8 * i);
    json_error_t je;
    json_t *h = json_loadb(buf + 8, hl, 0, &je);
    ck_assert_ptr_nonnull(h);
    size_t nt = json_object_size(h) - 1, k = 0;
    kt_st_tensor *ts = calloc(nt, sizeof *ts);
    const char *key;
    json_t *v;
    json_object_foreach(h, key, v)
    {
        if (!strcmp(key, "__metadata__"))
            continue;
        kt_st_tensor *t = &ts[k++];
        t->name = key;
        t->dtype = strcmp(json_string_value(json_object_get(v, "dtype")), "I64") ? KT_ST_F32 : KT_ST_I64;
        json_t *shape = json_object_get(v, "shape");
        t->ndim = (int)json_array_size(shape);
        for (int d = 0; d < t->ndim; d++)
            t->shape[d] = json_integer_value(json_array_get(shape, (size_t)d));
        t->data = buf + 8 + hl + json_integer_value(json_array_get(json_object_get(v, "data_offsets"), 0));
    }
    ck_assert_uint_eq(k, nt);
    char err[256];
    ck_assert_int_eq(kt_st_write("golden_copy.safetensors", ts, nt, err, sizeof err), 0);
    size_t m;
    char *got = slurp("golden_copy.safetensors", &m);
    ck_assert_uint_eq(m, n);
    ck_assert_int_eq(memcmp(got, buf, n), 0);
    free(got);
    free(ts);
    json_decref(h);
    free(buf);
}

START_TEST(st_write_matches_upstream_files)
{
    rewrite_golden("tests/data/tiny/tokenizer/model.safetensors");
    rewrite_golden("tests/data/tiny/model/model.safetensors");
}
END_TEST

/* ---- training ---------------------------------------------------------- */

#define NS 6
#define NB 160

typedef struct toy {
    double v[NS][NB * 6];
    kronos_stamp st[NS][NB];
    kt_train_series s[NS];
} toy;

/* mean-reverting toy series with a deterministic LCG */
static void make_toy(toy *t)
{
    uint64_t r = 99;
    for (int i = 0; i < NS; i++) {
        double lp = log(20.0 + 10 * i), u = 0;
        for (int k = 0; k < NB; k++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            double e = ((double)(r >> 11) / 9007199254740992.0 - 0.5) * 0.04;
            u = 0.8 * u + e;
            lp += 0.3 * e;
            double c = exp(lp + u), o = c * (1 - 0.3 * e);
            double *b = &t->v[i][k * 6];
            b[0] = o;
            b[1] = fmax(o, c) * 1.01;
            b[2] = fmin(o, c) * 0.99;
            b[3] = c;
            b[4] = 1e5 * (1 + fabs(e) * 20);
            b[5] = b[4] * c;
            kronos_stamp s = { 0, 0, k % 5, 1 + k % 28, 1 + (k / 21) % 12 };
            t->st[i][k] = s;
        }
        t->s[i].ticker = "T";
        t->s[i].n = NB;
        t->s[i].ohlcva = t->v[i];
        t->s[i].stamps = t->st[i];
    }
}

static void tiny_cfg(kt_train_config *c)
{
    kt_train_config_defaults(c);
    /* the shapes of the golden tiny checkpoints (tests/data/tiny) */
    c->tok = (kronos_tokenizer_config){ 6, 32, 2, 64, 3, 3, 4, 4, 4 };
    c->pred = (kronos_predictor_config){ 4, 4, 2, 32, 2, 64, 1 };
    c->lookback = 24;
    c->horizon = 8;
    c->batch_size = 8;
    c->tok_steps = 60;
    c->pred_steps = 60;
    c->tok_lr = 1e-2;
    c->pred_lr = 1e-2;
    c->threads = 1;
    c->seed = 5;
}

static toy T;

START_TEST(tiny_training_loss_decreases)
{
    make_toy(&T);
    kt_train_config c;
    tiny_cfg(&c);
    mkdir("tt_tok", 0777);
    mkdir("tt_pred", 0777);
    kt_train_result r;
    char err[512] = "";
    ck_assert_msg(kt_train_run(&c, T.s, NS, "tt_tok", "tt_pred", NULL, NULL, &r, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(r.windows, NS * (NB - 32 + 1));
    /* params: tokenizer embed 32*6+32, head 6*32+6, 2+2 blocks of 4*(32*32+32)+3*32*64+2*32,
     * quant 8*32+8, post_pre 32*4+32, post 32*8+32 */
    ck_assert_int_eq(r.tokenizer_params, 224 + 198 + 4 * (4224 + 6144 + 64) + 264 + 160 + 288);
    ck_assert_msg(isfinite(r.tok_loss_first) && isfinite(r.tok_loss_last), "non-finite tokenizer loss");
    ck_assert_msg(r.tok_loss_last < 0.6 * r.tok_loss_first, "tokenizer loss %g -> %g", r.tok_loss_first,
                  r.tok_loss_last);
    /* cross-entropy over 16 classes starts near ln 16 = 2.77 */
    ck_assert_msg(r.pred_loss_first > 2.0 && r.pred_loss_first < 4.0, "first predictor loss %g", r.pred_loss_first);
    ck_assert_msg(r.pred_loss_last < r.pred_loss_first - 0.3, "predictor loss %g -> %g", r.pred_loss_first,
                  r.pred_loss_last);

    /* the same seed and thread count give the same bytes */
    mkdir("tt_tok2", 0777);
    mkdir("tt_pred2", 0777);
    kt_train_result r2;
    ck_assert_int_eq(kt_train_run(&c, T.s, NS, "tt_tok2", "tt_pred2", NULL, NULL, &r2, err, sizeof err), 0);
    size_t n1, n2;
    char *a = slurp("tt_pred/model.safetensors", &n1), *b = slurp("tt_pred2/model.safetensors", &n2);
    ck_assert_uint_eq(n1, n2);
    ck_assert_int_eq(memcmp(a, b, n1), 0);
    free(a);
    free(b);
    ck_assert_double_eq(r.pred_loss_last, r2.pred_loss_last);
}
END_TEST

/* The saved checkpoint has the upstream config keys and tensor names. */
START_TEST(checkpoint_layout_matches_golden)
{
    const char *pairs[2][2] = { { "tt_tok", "tests/data/tiny/tokenizer" }, { "tt_pred", "tests/data/tiny/model" } };
    for (int p = 0; p < 2; p++) {
        char a[1024], b[1024];
        snprintf(a, sizeof a, "%s/config.json", pairs[p][0]);
        snprintf(b, sizeof b, "%s/%s/config.json", srcdir(), pairs[p][1]);
        json_t *ja = json_load_file(a, 0, NULL), *jb = json_load_file(b, 0, NULL);
        ck_assert_ptr_nonnull(ja);
        ck_assert_ptr_nonnull(jb);
        ck_assert_uint_eq(json_object_size(ja), json_object_size(jb));
        const char *key;
        json_t *v;
        json_object_foreach(jb, key, v)
            ck_assert_msg(json_object_get(ja, key) != NULL, "%s lacks key %s", a, key);
        json_decref(ja);
        json_decref(jb);
        /* tensor names: the tiny golden configs have the same layer counts */
        snprintf(a, sizeof a, "%s/model.safetensors", pairs[p][0]);
        snprintf(b, sizeof b, "%s/%s/model.safetensors", srcdir(), pairs[p][1]);
        size_t na, nb;
        char *fa = slurp(a, &na), *fb = slurp(b, &nb);
        ck_assert_ptr_nonnull(fa);
        ck_assert_ptr_nonnull(fb);
        json_t *ha = json_loadb(fa + 8, (size_t)(unsigned char)fa[0] | (size_t)(unsigned char)fa[1] << 8, 0, NULL);
        json_t *hb = json_loadb(fb + 8, (size_t)(unsigned char)fb[0] | (size_t)(unsigned char)fb[1] << 8, 0, NULL);
        ck_assert_ptr_nonnull(ha);
        ck_assert_ptr_nonnull(hb);
        ck_assert_uint_eq(json_object_size(ha), json_object_size(hb));
        json_object_foreach(hb, key, v)
            ck_assert_msg(json_object_get(ha, key) != NULL, "%s lacks tensor %s", a, key);
        json_decref(ha);
        json_decref(hb);
        free(fa);
        free(fb);
    }
}
END_TEST

/* load -> save without training reproduces the checkpoint byte for byte,
 * and the golden upstream checkpoint loads and saves unchanged too */
START_TEST(checkpoint_reload_is_identical)
{
    make_toy(&T);
    kt_train_config c;
    tiny_cfg(&c);
    c.tok_steps = c.pred_steps = 0;
    char err[512] = "";
    char gt[1024], gm[1024];
    snprintf(gt, sizeof gt, "%s/tests/data/tiny/tokenizer", srcdir());
    snprintf(gm, sizeof gm, "%s/tests/data/tiny/model", srcdir());
    c.init_tokenizer = gt;
    c.init_predictor = gm;
    c.lookback = 24;
    mkdir("rt_tok", 0777);
    mkdir("rt_pred", 0777);
    ck_assert_msg(kt_train_run(&c, T.s, NS, "rt_tok", "rt_pred", NULL, NULL, NULL, err, sizeof err) == 0, "%s", err);
    const char *cmp[2][2] = { { "rt_tok/model.safetensors", "tests/data/tiny/tokenizer/model.safetensors" },
                              { "rt_pred/model.safetensors", "tests/data/tiny/model/model.safetensors" } };
    for (int i = 0; i < 2; i++) {
        char p[1024];
        snprintf(p, sizeof p, "%s/%s", srcdir(), cmp[i][1]);
        size_t n1, n2;
        char *a = slurp(cmp[i][0], &n1), *b = slurp(p, &n2);
        ck_assert_ptr_nonnull(a);
        ck_assert_ptr_nonnull(b);
        ck_assert_uint_eq(n1, n2);
        ck_assert_msg(memcmp(a, b, n1) == 0, "%s differs from %s", cmp[i][0], p);
        free(a);
        free(b);
    }
    /* a checkpoint with a missing tensor is refused by name */
    c.init_tokenizer = gm;
    ck_assert_int_eq(kt_train_run(&c, T.s, NS, "rt_tok", "rt_pred", NULL, NULL, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "config.json") != NULL, "%s", err);
}
END_TEST

/* Greedy forecasts of the training-side forward pass on the golden tiny
 * checkpoint reproduce the upstream reference's greedy forecasts
 * (tests/data/tiny/greedy_forecasts.csv, case 0: rows 0..63, 8 steps). */
START_TEST(training_forward_matches_reference)
{
    char p[1024];
    snprintf(p, sizeof p, "%s/tests/data/tiny/input.csv", srcdir());
    FILE *f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    char line[512];
    double x[72 * 6];
    kronos_stamp st[72];
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f)); /* header */
    int n = 0;
    while (n < 72 && fgets(line, sizeof line, f)) {
        int y, mo, d, hh = 0, mi = 0;
        char *c = strchr(line, ',');
        ck_assert_ptr_nonnull(c);
        ck_assert_int_ge(sscanf(line, "%d-%d-%d %d:%d", &y, &mo, &d, &hh, &mi), 3);
        ck_assert_int_eq(sscanf(c + 1, "%lf,%lf,%lf,%lf,%lf,%lf", &x[n * 6], &x[n * 6 + 1], &x[n * 6 + 2],
                                &x[n * 6 + 3], &x[n * 6 + 4], &x[n * 6 + 5]), 6);
        int yy = y - (mo <= 2);
        long era = yy / 400, yoe = yy - era * 400;
        long doy = (153 * (mo + (mo > 2 ? -3 : 9)) + 2) / 5 + d - 1;
        long z = era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
        st[n] = (kronos_stamp){ mi, hh, (int)((z % 7 + 10) % 7), d, mo };
        n++;
    }
    fclose(f);
    ck_assert_int_eq(n, 72);
    char tok[1024], mod[1024], err[512];
    snprintf(tok, sizeof tok, "%s/tests/data/tiny/tokenizer", srcdir());
    snprintf(mod, sizeof mod, "%s/tests/data/tiny/model", srcdir());
    double out[8 * 6];
    ck_assert_msg(tt_train_forecast_greedy(tok, mod, 1, 64, x, st, st + 64, 8, out, err, sizeof err) == 0, "%s", err);
    snprintf(p, sizeof p, "%s/tests/data/tiny/greedy_forecasts.csv", srcdir());
    f = fopen(p, "r");
    ck_assert_ptr_nonnull(f);
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    int rows = 0;
    while (fgets(line, sizeof line, f)) {
        /* columns: case,start,lookback,pred_len,max_context,step?/date..., then 6 values */
        int cs;
        if (sscanf(line, "%d,", &cs) != 1 || cs != 0)
            continue;
        double v[6];
        char *q = line;
        int commas = 0;
        for (char *c = line; *c; c++)
            commas += *c == ',';
        for (int k = 0; k < commas - 5; k++)
            q = strchr(q, ',') + 1;
        ck_assert_int_eq(sscanf(q, "%lf,%lf,%lf,%lf,%lf,%lf", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5]), 6);
        for (int k = 0; k < 6; k++)
            ck_assert_msg(fabs(out[rows * 6 + k] - v[k]) <= 1e-3 * fmax(1.0, fabs(v[k])),
                          "row %d col %d: %.6f vs reference %.6f", rows, k, out[rows * 6 + k], v[k]);
        rows++;
    }
    fclose(f);
    ck_assert_int_eq(rows, 8);
}
END_TEST


/* A trained checkpoint round-trips: saved by training, loaded by the engine
 * (kronos.h), the engine's greedy forecasts equal the training-side ones. */
START_TEST(trained_checkpoint_engine_roundtrip)
{
    make_toy(&T);
    const int ns = 3, lb = 40, pl = 10;
    double x[3 * 40 * 6], a[3 * 10 * 6], b[3 * 10 * 6];
    kronos_stamp xs[3 * 40], ys[3 * 10];
    for (int i = 0; i < ns; i++) {
        int start = 30 + 17 * i;
        memcpy(x + (size_t)i * lb * 6, T.v[i] + (size_t)start * 6, sizeof(double) * lb * 6);
        memcpy(xs + (size_t)i * lb, T.st[i] + start, sizeof(kronos_stamp) * lb);
        memcpy(ys + (size_t)i * pl, T.st[i] + start + lb, sizeof(kronos_stamp) * pl);
    }
    char err[512] = "";
    ck_assert_msg(tt_train_forecast_greedy("tt_tok", "tt_pred", ns, lb, x, xs, ys, pl, a, err, sizeof err) == 0, "%s",
                  err);
    kronos_model *m = NULL;
    kronos_error ke;
    kronos_options opt = {.threads = 1};
    ck_assert_msg(kronos_open("tt_tok", "tt_pred", &opt, &m, &ke) == KRONOS_OK, "%s", ke.msg);
    kronos_batch in = { ns, lb, x, 1, 1, xs, ys, NULL };
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = pl;
    sp.temperature = 0.0;
    sp.top_k = 0;
    sp.top_p = 1.0;
    sp.sample_count = 1;
    ck_assert_msg(kronos_forecast(m, &in, &sp, NULL, NULL, b, &ke) == KRONOS_OK, "%s", ke.msg);
    kronos_close(m);
    double worst = 0;
    for (int i = 0; i < ns * pl * 6; i++)
        worst = fmax(worst, fabs(a[i] - b[i]) / fmax(1.0, fabs(b[i])));
    ck_assert_msg(worst < 1e-4, "engine and training forward differ by %g", worst);
    /* and the forecasts are not trivially constant */
    ck_assert_msg(fabs(a[3] - a[(pl - 1) * 6 + 3]) > 0 || fabs(a[3] - a[pl * 6 + 3]) > 0, "flat forecasts");
}
END_TEST

/* ---- the command ---------------------------------------------------------- */

/* Runs `kronos-tui train` with its standard error captured into buf. */
static int train_captured(int argc, char **argv, char *buf, size_t n)
{
    char path[] = "/tmp/kt-train-err.XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    fflush(stderr);
    int saved = dup(2);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_eq(dup2(fd, 2), 2);
    int rc = kt_cmd_train(argc, argv);
    fflush(stderr);
    ck_assert_int_eq(dup2(saved, 2), 2);
    close(saved);
    ck_assert_int_eq(lseek(fd, 0, SEEK_SET), 0);
    ssize_t got = read(fd, buf, n - 1);
    buf[got > 0 ? got : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

START_TEST(cmd_train_bad_input)
{
    /* scratch files in a private directory, never the current one (the
     * build tree, or a source checkout) */
    char dir[] = "/tmp/kt-train-bad.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char bad[64], bt[64], bp[64], out[2048], want[512];
    snprintf(bad, sizeof bad, "%s/bad_prices.csv", dir);
    snprintf(bt, sizeof bt, "%s/bt", dir);
    snprintf(bp, sizeof bp, "%s/bp", dir);
    write_file(bad, "date,ticker,open,high,low,close,volume\n2020-01-02,AAA,1,2,0.5,1.5,100\n"
                    "2020-01-03,AAA,1,x,0.5,1.5,100\n");
    char *argv1[] = { "train", "--prices", bad, "--out-tokenizer", bt, "--out-predictor", bp, NULL };
    ck_assert_int_eq(train_captured(7, argv1, out, sizeof out), KT_EXIT_DATA);
    /* the price store's message: file, line, column and field */
    snprintf(want, sizeof want, "kronos-tui train: %s:3:4: high: not a number: \"x\"\n", bad);
    ck_assert_str_eq(out, want);
    /* refused on the data: nothing written */
    ck_assert_int_ne(access(bt, F_OK), 0);
    ck_assert_int_ne(access(bp, F_OK), 0);
    /* a malformed date is fatal with its location, as in the evaluation */
    write_file(bad, "ticker,date,open,high,low,close\nAAA,2020-01-02,1,2,0.5,1.5\nAAA,2020-02-30,1,2,0.5,1.5\n");
    ck_assert_int_eq(train_captured(7, argv1, out, sizeof out), KT_EXIT_DATA);
    snprintf(want, sizeof want,
             "kronos-tui train: %s:3:2: date: not a date (expected YYYY-MM-DD[ HH:MM[:SS]]): \"2020-02-30\"\n", bad);
    ck_assert_str_eq(out, want);
    char *argv2[] = { "train", "--prices", bad, NULL };
    ck_assert_int_eq(kt_cmd_train(3, argv2), KT_EXIT_USAGE);
    ck_assert_int_eq(unlink(bad), 0);
    ck_assert_int_eq(rmdir(dir), 0);
    char *argv3[] = { "train", "--prices", "x.csv", "--out-tokenizer", "bt", "--out-predictor", "bp", "--train-end", "2020-13-01", NULL };
    ck_assert_int_eq(train_captured(9, argv3, out, sizeof out), KT_EXIT_USAGE);
    ck_assert_str_eq(out, "kronos-tui train: --train-end: expected YYYY-MM-DD, got 2020-13-01\n");
    char *argv4[] = { "train", "--prices", "missing.csv", "--out-tokenizer", "bt", "--out-predictor", "bp", NULL };
    ck_assert_int_eq(train_captured(7, argv4, out, sizeof out), KT_EXIT_DATA);
    ck_assert_str_eq(out, "kronos-tui train: missing.csv: cannot open: No such file or directory\n");
}
END_TEST

/* Training reads the prices with the evaluation's rules: a price of 0, a
 * NaN and a duplicate (date, ticker) are dropped and counted exactly as
 * kt_prices_load drops them (the first duplicate in file order is kept),
 * with the evaluation's warning; --train-end then holds out later bars. */
START_TEST(cmd_train_drops_rows_like_the_evaluation)
{
    char dir[] = "/tmp/kt-train-drop.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char csv[64], bt[64], bp[64], out[4096], want[1024], rec[128];
    snprintf(csv, sizeof csv, "%s/p.csv", dir);
    snprintf(bt, sizeof bt, "%s/bt", dir);
    snprintf(bp, sizeof bp, "%s/bp", dir);
    write_file(csv, "date,ticker,open,high,low,close,volume\n"
                    "2020-01-02,AAA,10,11,9,10.5,100\n"
                    "2020-01-03,AAA,10.5,11,10,10.8,120\n"
                    "2020-01-06,AAA,0,11,10,10.8,120\n"        /* line 4: price 0 */
                    "2020-01-06,AAA,10.8,11.2,10.4,11,90\n"
                    "2020-01-07,AAA,nan,11,10,10.9,80\n"       /* line 6: NaN */
                    "2020-01-07,AAA,11,11.5,10.6,11.2,80\n"
                    "2020-01-03,AAA,99,99,99,99,1\n"           /* line 8: duplicate of line 3 */
                    "2020-01-08,AAA,11.2,11.6,11,11.4,70\n"
                    "2020-01-09,AAA,11.4,11.8,11.1,11.5,60\n"); /* held out */

    /* what the evaluation makes of the file */
    kt_prices *p = NULL;
    char err[512], summary[KT_NOTE_LEN + 128];
    ck_assert_msg(kt_prices_load(csv, &p, err, sizeof err) == 0, "%s", err);
    ck_assert_int_eq(p->stats.rows_read, 9);
    ck_assert_int_eq(p->stats.rows_loaded, 6);
    ck_assert_int_eq(p->stats.dropped[KT_DROP_NONPOSITIVE], 1);
    ck_assert_int_eq(p->stats.dropped[KT_DROP_NONFINITE], 1);
    ck_assert_int_eq(p->stats.dropped[KT_DROP_DUPLICATE], 1);
    ck_assert_int_eq(kt_prices_drop_summary(&p->stats, summary, sizeof summary), 1);
    snprintf(want, sizeof want, "prices: 3 of 9 rows dropped (first: %s:4:3: open: 0 is not positive; row dropped)",
             csv);
    ck_assert_str_eq(summary, want);
    ck_assert(p->series[0].ohlcva[6 + 3] == 10.8); /* 2020-01-03 from line 3, not line 8 */
    kt_prices_free(p);

    char *argv[] = { "train", "--prices", csv, "--out-tokenizer", bt, "--out-predictor", bp, "--train-end",
                     "2020-01-09", "--tokenizer-steps", "0", "--predictor-steps", "0", "--lookback", "2",
                     "--horizon", "1", "--d-model", "8", "--layers", "1", "--heads", "1", "--ff-dim", "8",
                     "--tokenizer-d-model", "8", "--tokenizer-layers", "1", "--bits", "2", "--threads", "1", NULL };
    ck_assert_int_eq(train_captured(33, argv, out, sizeof out), KT_EXIT_OK);
    snprintf(want, sizeof want,
             "train: %s\n"
             "train: 5 bars of 1 tickers from 2020-01-02 00:00:00 to 2020-01-08 00:00:00 (1 later bars held out)\n"
             "train: wrote %s and %s (loss: tokenizer 0.0000 -> 0.0000, predictor 0.0000 -> 0.0000)\n",
             summary, bt, bp);
    ck_assert_str_eq(out, want);
    snprintf(rec, sizeof rec, "%s/training.json", bp);
    json_error_t je;
    json_t *j = json_load_file(rec, 0, &je);
    ck_assert_msg(j != NULL, "%s", je.text);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "bars")), 5);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "tickers")), 1);
    ck_assert_int_eq(json_integer_value(json_object_get(j, "windows")), 3); /* 5 bars, 3-bar windows */
    ck_assert_str_eq(json_string_value(json_object_get(j, "first_date")), "2020-01-02 00:00:00");
    ck_assert_str_eq(json_string_value(json_object_get(j, "last_date")), "2020-01-08 00:00:00");
    ck_assert_str_eq(json_string_value(json_object_get(j, "train_end_exclusive")), "2020-01-09");
    json_decref(j);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("train");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, st_write_exact_bytes);
    tcase_add_test(tc, st_write_matches_upstream_files);
    tcase_add_test(tc, tiny_training_loss_decreases);
    tcase_add_test(tc, checkpoint_layout_matches_golden);
    tcase_add_test(tc, trained_checkpoint_engine_roundtrip);
    tcase_add_test(tc, checkpoint_reload_is_identical);
    tcase_add_test(tc, training_forward_matches_reference);
    tcase_add_test(tc, cmd_train_bad_input);
    tcase_add_test(tc, cmd_train_drops_rows_like_the_evaluation);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kt_check_failures(suite(), CK_NOFORK) ? EXIT_FAILURE : EXIT_SUCCESS;
}
