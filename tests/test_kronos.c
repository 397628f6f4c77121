/* test_kronos.c: parity of the engine with the upstream reference on the
 * golden fixtures (tests/data/tiny, tests/data/tiny_fixed_te), its speed
 * paths (KV cache, horizon prefix, micro-batches) and strict loading. */
#include "config.h"

#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/rng.h"
#include "check_run.h"
#include "eval/calendar.h"
#include "eval/ohlcv_csv.h"
#include "eval/scorer.h"
#include "model/kronos.h"
#include "model/kronos_internal.h"

/* int8 against fp32 logits of the tiny fixture, absolute: measured 0.053
 * (AVX2, oneDNN 2.6); another CPU may take another int8 kernel */
#define INT8_LOGIT_TOL 0.25

static char *fx_path(const char *fx, const char *file)
{
    static char buf[4][4096];
    static int k;
    const char *srcdir = getenv("srcdir");
    char *p = buf[k++ % 4];
    snprintf(p, 4096, "%s/tests/data/%s/%s", srcdir ? srcdir : ".", fx, file);
    return p;
}

/* One thread; batch_size 0: micro-batches from the memory budget. */
static kronos_model *open_dirs_batch(const char *tok, const char *mod, int batch_size)
{
    kronos_model *m = NULL;
    kronos_error e;
    kronos_options o = {0};
    o.threads = 1;
    o.batch_size = batch_size;
    int rc = kronos_open(tok, mod, &o, &m, &e);
    ck_assert_msg(rc == KRONOS_OK, "open %s, %s: %s", tok, mod, e.msg);
    return m;
}

static kronos_model *open_dirs(const char *tok, const char *mod) { return open_dirs_batch(tok, mod, 0); }

static kronos_model *open_fx_batch(const char *fx, int batch_size)
{
    return open_dirs_batch(fx_path(fx, "tokenizer"), fx_path(fx, "model"), batch_size);
}

static kronos_model *open_fx(const char *fx) { return open_fx_batch(fx, 0); }

/* Numbers from a whitespace-separated text file. */
static double *read_numbers(const char *path, size_t *n)
{
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    size_t cap = 1024;
    double *v = malloc(cap * sizeof *v);
    *n = 0;
    double x;
    while (fscanf(f, "%lf", &x) == 1) {
        if (*n == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[(*n)++] = x;
    }
    fclose(f);
    return v;
}

typedef struct gcase {
    int id, start, lookback, pred_len, max_context;
    double rows[64][6];
} gcase;

/* greedy_forecasts.csv: case,start,lookback,pred_len,max_context,timestamp,o,h,l,c,v,a */
static int read_cases(const char *fx, gcase *cs)
{
    FILE *f = fopen(fx_path(fx, "greedy_forecasts.csv"), "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    int n = -1, row = 0;
    ck_assert_ptr_nonnull(fgets(line, sizeof line, f));
    while (fgets(line, sizeof line, f)) {
        int c, s, l, p, m;
        char ts[64];
        double v[6];
        ck_assert_int_eq(sscanf(line, "%d,%d,%d,%d,%d,%63[^,],%lf,%lf,%lf,%lf,%lf,%lf", &c, &s, &l, &p, &m, ts, &v[0],
                                &v[1], &v[2], &v[3], &v[4], &v[5]),
                         12);
        if (n < 0 || cs[n].id != c) {
            n++;
            cs[n].id = c, cs[n].start = s, cs[n].lookback = l, cs[n].pred_len = p, cs[n].max_context = m;
            row = 0;
        }
        memcpy(cs[n].rows[row++], v, sizeof v);
    }
    fclose(f);
    return n + 1;
}

/* A batch over the fixture's input.csv: context rows start.., future stamps from the next rows. */
typedef struct series {
    kt_ohlcv data;
    double *x;
    kronos_stamp *xs, *ys;
    int has_volume, has_amount;
} series;

static void load_series(const char *fx, series *s)
{
    char err[512];
    memset(s, 0, sizeof *s);
    ck_assert_msg(kt_ohlcv_csv_load(fx_path(fx, "input.csv"), &s->data, err, sizeof err) == 0, "%s", err);
}

/* Fill n series starting at starts[] into contiguous arrays. */
static void make_batch(series *s, const int *starts, int n, int L, int P, kronos_batch *b)
{
    free(s->x);
    free(s->xs);
    free(s->ys);
    s->x = malloc(sizeof(double) * n * L * 6);
    s->xs = malloc(sizeof(kronos_stamp) * n * L);
    s->ys = malloc(sizeof(kronos_stamp) * n * P);
    for (int i = 0; i < n; i++) {
        ck_assert((size_t)(starts[i] + L + P) <= s->data.n);
        memcpy(s->x + (size_t)i * L * 6, s->data.v + (size_t)starts[i] * 6, sizeof(double) * L * 6);
        for (int t = 0; t < L; t++)
            kt_calendar_stamp(s->data.ts[starts[i] + t], &s->xs[i * L + t]);
        for (int t = 0; t < P; t++)
            kt_calendar_stamp(s->data.ts[starts[i] + L + t], &s->ys[i * P + t]);
    }
    memset(b, 0, sizeof *b);
    b->n_series = n;
    b->lookback = L;
    b->ohlcva = s->x;
    b->has_volume = s->data.has_volume;
    b->has_amount = s->data.has_amount;
    b->x_stamp = s->xs;
    b->y_stamp = s->ys;
}

static void free_series(series *s)
{
    free(s->x);
    free(s->xs);
    free(s->ys);
    kt_ohlcv_free(&s->data);
}

static void greedy(kronos_sampling *sp, int P, int mc)
{
    kronos_sampling_defaults(sp);
    sp->pred_len = P;
    sp->max_context = mc;
    sp->top_k = 1;
    sp->top_p = 1.0;
}

/* The normalised context, as the predictor computes it (float32). */
static void normalise(const double *x, int L, float *out)
{
    for (int c = 0; c < 6; c++) {
        double sum = 0, sq = 0;
        for (int t = 0; t < L; t++)
            sum += (float)x[t * 6 + c];
        double mu = sum / L;
        for (int t = 0; t < L; t++)
            sq += ((float)x[t * 6 + c] - mu) * ((float)x[t * 6 + c] - mu);
        double sd = sqrt(sq / L);
        for (int t = 0; t < L; t++) {
            double z = ((float)x[t * 6 + c] - (float)mu) / ((float)sd + 1e-5);
            out[t * 6 + c] = (float)fmin(fmax(z, -5), 5);
        }
    }
}

/* Parity of the checkpoint in tok/mod with the golden files of fixture fx. */
static void check_parity_dirs(const char *fx, const char *tok, const char *mod)
{
    kronos_model *m = open_dirs(tok, mod);
    gcase *cs = calloc(8, sizeof *cs);
    int nc = read_cases(fx, cs);
    ck_assert_int_ge(nc, 2);
    series s;
    load_series(fx, &s);
    kronos_error e;
    for (int k = 0; k < nc; k++) {
        gcase *g = &cs[k];
        const int L = g->lookback, P = g->pred_len;
        char name[64];
        size_t n1, n2;
        /* tokenizer ids: exactly equal */
        snprintf(name, sizeof name, "case%d_s1_ids.txt", g->id);
        double *w1 = read_numbers(fx_path(fx, name), &n1);
        snprintf(name, sizeof name, "case%d_s2_ids.txt", g->id);
        double *w2 = read_numbers(fx_path(fx, name), &n2);
        ck_assert_int_eq((int)n1, L);
        ck_assert_int_eq((int)n2, L);
        float *xn = malloc(sizeof(float) * L * 6);
        normalise(s.data.v + (size_t)g->start * 6, L, xn);
        int64_t *s1 = malloc(sizeof(int64_t) * L), *s2 = malloc(sizeof(int64_t) * L);
        ck_assert_int_eq(kronos_debug_encode(m, xn, L, s1, s2, &e), KRONOS_OK);
        for (int t = 0; t < L; t++) {
            ck_assert_msg(s1[t] == (int64_t)w1[t] && s2[t] == (int64_t)w2[t], "%s case %d pos %d: ids %lld/%lld, want %g/%g",
                          fx, g->id, t, (long long)s1[t], (long long)s2[t], w1[t], w2[t]);
        }
        /* last-position logits within 1e-4 absolute (from the golden ids) */
        for (int t = 0; t < L; t++)
            s1[t] = (int64_t)w1[t], s2[t] = (int64_t)w2[t];
        kronos_stamp *st = malloc(sizeof *st * L);
        for (int t = 0; t < L; t++)
            kt_calendar_stamp(s.data.ts[g->start + t], &st[t]);
        float l1[1 << 10], l2[1 << 10];
        ck_assert_int_eq(kronos_debug_last_logits(m, s1, s2, st, L, s1[L - 1], l1, l2, &e), KRONOS_OK);
        size_t nl;
        snprintf(name, sizeof name, "case%d_s1_logits_last.txt", g->id);
        double *want = read_numbers(fx_path(fx, name), &nl);
        ck_assert_int_eq((int)nl, 16);
        for (size_t j = 0; j < nl; j++)
            ck_assert_msg(fabs(l1[j] - want[j]) < 1e-4, "%s case %d s1 logit %zu: %g want %g", fx, g->id, j, l1[j], want[j]);
        free(want);
        snprintf(name, sizeof name, "case%d_s2_logits_last.txt", g->id);
        want = read_numbers(fx_path(fx, name), &nl);
        for (size_t j = 0; j < nl; j++)
            ck_assert_msg(fabs(l2[j] - want[j]) < 1e-4, "%s case %d s2 logit %zu: %g want %g", fx, g->id, j, l2[j], want[j]);
        free(want);
        /* decoded context within 1e-4 */
        float *dec = malloc(sizeof(float) * L * 6);
        ck_assert_int_eq(kronos_debug_decode(m, s1, s2, L, dec, &e), KRONOS_OK);
        snprintf(name, sizeof name, "case%d_decoded_norm.txt", g->id);
        want = read_numbers(fx_path(fx, name), &nl);
        ck_assert_int_eq((int)nl, L * 6);
        for (size_t j = 0; j < nl; j++)
            ck_assert_msg(fabs(dec[j] - want[j]) < 1e-4, "%s case %d decoded %zu: %g want %g", fx, g->id, j, dec[j], want[j]);
        free(want);
        /* greedy forecast within 1e-4 relative */
        kronos_batch b;
        make_batch(&s, &g->start, 1, L, P, &b);
        kronos_sampling sp;
        greedy(&sp, P, g->max_context);
        double *out = malloc(sizeof(double) * P * 6);
        ck_assert_msg(kronos_forecast(m, &b, &sp, NULL, NULL, out, &e) == KRONOS_OK, "%s", e.msg);
        for (int t = 0; t < P; t++)
            for (int c = 0; c < 6; c++) {
                double w = g->rows[t][c], d = fabs(out[t * 6 + c] - w);
                ck_assert_msg(d <= 1e-4 * fabs(w) + 1e-6, "%s case %d step %d col %d: %.9g want %.9g", fx, g->id, t, c,
                              out[t * 6 + c], w);
            }
        /* T = 0 is greedy too */
        sp.top_k = 0;
        sp.temperature = 0;
        double *out0 = malloc(sizeof(double) * P * 6);
        ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, out0, &e), KRONOS_OK);
        for (int j = 0; j < P * 6; j++)
            ck_assert(out0[j] == out[j]);
        free(out0);
        free(out);
        free(dec);
        free(st);
        free(xn);
        free(s1);
        free(s2);
        free(w1);
        free(w2);
    }
    kronos_device_status ds;
    ck_assert_int_eq(kronos_device_status_get(m, &ds, &e), KRONOS_OK);
    ck_assert_str_eq(ds.device, "cpu");
    ck_assert_int_eq(ds.verified, 1);
    ck_assert_int_gt(ds.tensors_checked, 80);
    ck_assert_int_eq(ds.intra_threads, 1);
    free_series(&s);
    free(cs);
    kronos_close(m);
}

static void check_parity(const char *fx)
{
    check_parity_dirs(fx, fx_path(fx, "tokenizer"), fx_path(fx, "model"));
}

START_TEST(test_parity_tiny) { check_parity("tiny"); }
END_TEST

START_TEST(test_parity_tiny_fixed_te) { check_parity("tiny_fixed_te"); }
END_TEST

/* The training forward (gradients on, whole window, plain libtorch ops)
 * equals the inference forward (no grad: SIMD kernels, KV cache, one-query
 * dependency layer) on the fixture's golden cases: encode ids exactly,
 * decoded context and last-position s1/s2 logits within 1e-5 relative
 * (floor 1), and the training outputs carry gradients to every parameter. */
static void check_train_forward(const char *fx)
{
    kronos_model *m = open_fx(fx);
    gcase *cs = calloc(8, sizeof *cs);
    int nc = read_cases(fx, cs);
    ck_assert_int_ge(nc, 2);
    series s;
    load_series(fx, &s);
    kronos_error e;
    for (int k = 0; k < nc; k++) {
        const int L = cs[k].lookback;
        float *xn = malloc(sizeof(float) * L * 6), *d0 = malloc(sizeof(float) * L * 6),
              *d1 = malloc(sizeof(float) * L * 6);
        int64_t *a1 = malloc(sizeof(int64_t) * L), *a2 = malloc(sizeof(int64_t) * L);
        int64_t *b1 = malloc(sizeof(int64_t) * L), *b2 = malloc(sizeof(int64_t) * L);
        kronos_stamp *st = malloc(sizeof *st * L);
        normalise(s.data.v + (size_t)cs[k].start * 6, L, xn);
        for (int t = 0; t < L; t++)
            kt_calendar_stamp(s.data.ts[cs[k].start + t], &st[t]);
        ck_assert_int_eq(kronos_debug_encode(m, xn, L, a1, a2, &e), KRONOS_OK);
        ck_assert_int_eq(kronos_debug_decode(m, a1, a2, L, d0, &e), KRONOS_OK);
        const int64_t cond = (a1[L - 1] + 5) % 16; /* not the last id: the query is the given one */
        float l1[16], l2[16], g1[16], g2[16];
        ck_assert_int_eq(kronos_debug_last_logits(m, a1, a2, st, L, cond, l1, l2, &e), KRONOS_OK);
        int grad_ok = 0;
        ck_assert_msg(kronos_debug_train_forward(m, xn, a1, a2, st, L, cond, b1, b2, d1, g1, g2, &grad_ok, &e) ==
                          KRONOS_OK, "%s", e.msg);
        ck_assert_msg(grad_ok == 1, "%s case %d: the training forward does not carry gradients", fx, cs[k].id);
        for (int t = 0; t < L; t++)
            ck_assert_msg(a1[t] == b1[t] && a2[t] == b2[t], "%s case %d pos %d: ids %lld/%lld vs %lld/%lld", fx,
                          cs[k].id, t, (long long)a1[t], (long long)a2[t], (long long)b1[t], (long long)b2[t]);
        for (int j = 0; j < L * 6; j++)
            ck_assert_msg(fabs(d0[j] - d1[j]) <= 1e-5 * fmax(1.0, fabs(d0[j])), "%s case %d decoded %d: %g vs %g",
                          fx, cs[k].id, j, d0[j], d1[j]);
        for (int j = 0; j < 16; j++) {
            ck_assert_msg(fabs(l1[j] - g1[j]) <= 1e-5 * fmax(1.0, fabs(l1[j])), "%s case %d s1 logit %d: %g vs %g",
                          fx, cs[k].id, j, l1[j], g1[j]);
            ck_assert_msg(fabs(l2[j] - g2[j]) <= 1e-5 * fmax(1.0, fabs(l2[j])), "%s case %d s2 logit %d: %g vs %g",
                          fx, cs[k].id, j, l2[j], g2[j]);
        }
        free(xn), free(d0), free(d1), free(a1), free(a2), free(b1), free(b2), free(st);
    }
    free_series(&s);
    free(cs);
    kronos_close(m);
}

START_TEST(test_training_forward_equals_inference)
{
    check_train_forward("tiny");
    check_train_forward("tiny_fixed_te");
}
END_TEST

static int max_rel_diff_ok(const double *a, const double *b, int n, double tol)
{
    for (int i = 0; i < n; i++)
        if (fabs(a[i] - b[i]) > tol * fabs(b[i]) + 1e-9)
            return 0;
    return 1;
}

/* KV cache == recompute; long generation prefix == short one. Sampled
 * (T 1, top_p 0.9, 2 samples) so the RNG streams are exercised too. */
START_TEST(test_cache_and_horizon_prefix)
{
    kronos_model *m = open_fx("tiny");
    series s;
    load_series("tiny", &s);
    kronos_error e;
    kronos_batch b;
    int start = 200, L = 60;
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.max_context = 128;
    sp.sample_count = 2;
    sp.seed = 99;
    /* 60 + 30 <= 128: the window only grows. */
    double a[30 * 6], c[30 * 6], p5[5 * 6];
    sp.pred_len = 30;
    make_batch(&s, &start, 1, L, 30, &b);
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, a, &e), KRONOS_OK);
    kronos_debug_set_kv_cache(m, 0);
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, c, &e), KRONOS_OK);
    kronos_debug_set_kv_cache(m, 1);
    ck_assert_msg(max_rel_diff_ok(c, a, 30 * 6, 1e-5), "KV cache changed the forecast");
    sp.pred_len = 5;
    make_batch(&s, &start, 1, L, 5, &b);
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, p5, &e), KRONOS_OK);
    ck_assert_msg(max_rel_diff_ok(p5, a, 5 * 6, 1e-5), "horizon 5 differs from the prefix of horizon 30");
    /* Sliding: 120 + 20 > 128, cached and uncached agree. */
    double s1[20 * 6], s2[20 * 6];
    L = 120;
    sp.pred_len = 20;
    make_batch(&s, &start, 1, L, 20, &b);
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, s1, &e), KRONOS_OK);
    kronos_debug_set_kv_cache(m, 0);
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, s2, &e), KRONOS_OK);
    ck_assert(max_rel_diff_ok(s1, s2, 20 * 6, 1e-5));
    /* Another seed gives another sampled forecast. */
    kronos_debug_set_kv_cache(m, 1);
    sp.seed = 100;
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, s2, &e), KRONOS_OK);
    ck_assert(!max_rel_diff_ok(s1, s2, 20 * 6, 1e-9));
    free_series(&s);
    kronos_close(m);
}
END_TEST

static int cancel_after(void *user, int done, int total)
{
    (void)done;
    (void)total;
    return --*(int *)user <= 0;
}

/* One batched call (micro-batches of 3 rows) == one call per series. */
/* kronos_forecast_paths: the same averaged forecast, bit for bit, as
 * kronos_forecast, and paths whose mean is that forecast (the average
 * is taken in normalised space, the paths de-normalised one by one:
 * equal up to rounding); each path is series i's own sample stream, so
 * sample 0 with sample_count 1 is path 0. */
START_TEST(test_forecast_paths)
{
    kronos_model *m = open_fx("tiny");
    kronos_error e;
    series s;
    load_series("tiny", &s);
    const int starts[2] = {10, 333}, L = 40, P = 6, S = 3;
    kronos_batch b;
    make_batch(&s, starts, 2, L, P, &b);
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = P;
    sp.max_context = 128;
    sp.sample_count = S;
    double ref[2 * P * 6], avg[2 * P * 6], paths[2 * S * P * 6];
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, ref, &e), KRONOS_OK);
    ck_assert_int_eq(kronos_forecast_paths(m, &b, &sp, NULL, NULL, avg, paths, &e), KRONOS_OK);
    ck_assert(memcmp(ref, avg, sizeof ref) == 0);
    int differ = 0;
    for (int i = 0; i < 2; i++)
        for (int k = 0; k < P * 6; k++) {
            double mean = 0;
            for (int q = 0; q < S; q++)
                mean += paths[((size_t)i * S + q) * P * 6 + k] / S;
            ck_assert_msg(fabs(mean - ref[i * P * 6 + k]) <= 1e-4 * (fabs(ref[i * P * 6 + k]) + 1.0),
                          "series %d value %d: mean of paths %.9g, forecast %.9g", i, k, mean,
                          ref[i * P * 6 + k]);
            differ += paths[((size_t)i * S) * P * 6 + k] != paths[((size_t)i * S + 1) * P * 6 + k];
        }
    ck_assert_msg(differ > 0, "the sampled paths are all equal");
    ck_assert_int_eq(kronos_forecast_paths(m, &b, &sp, NULL, NULL, NULL, paths, &e), KRONOS_OK);
    double one[2 * P * 6];
    sp.sample_count = 1;
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, one, &e), KRONOS_OK);
    for (int i = 0; i < 2; i++)
        ck_assert(max_rel_diff_ok(one + i * P * 6, paths + (size_t)i * S * P * 6, P * 6, 1e-5));
    free_series(&s);
    kronos_close(m);
}
END_TEST

/* kronos_forecast_ex's steps: 4 series x 2 samples in micro-batches of 3
 * rows (3 micro-batches of 3, 3 and 2 rows, one lane) of P = 12 steps.
 * Each micro-batch calls back after its encode (one chunk) and after
 * each of the prefill's 2 layers (the step before it), then after steps
 * 1..12 in order, after its decode (one chunk) and once more at its end
 * with the series done grown: 17 calls. The work, in weighted row-tokens
 * (encoded and decoded x1, prefilled x9, generated x25), by hand: a row
 * is 50 + 62 coded tokens, 50 prefilled, 11 generated: 112 + 450 + 275 =
 * 837, the call 8 x 837 = 6696; within a micro-batch of n rows it grows
 * by 50n (encode), 225n per layer, 25n per step after the first and 62n
 * (decode). The forecast is bit-identical to kronos_forecast's, whose
 * series-only callback sees as many calls. */
typedef struct step_log {
    int n;
    kronos_progress p[64];
} step_log;

static int log_step(void *user, const kronos_progress *p)
{
    step_log *l = user;
    if (l->n < 64)
        l->p[l->n] = *p;
    l->n++;
    return 0;
}

static int count_calls(void *user, int done, int total)
{
    (void)done;
    (void)total;
    ++*(int *)user;
    return 0;
}

/* Cancels at the second call, which is after the first prefill layer. */
static int cancel_in_prefill(void *user, const kronos_progress *p)
{
    int *calls = user;
    ++*calls;
    return *calls == 2 && p->step == 0 && p->work_done > 0;
}

/* Blocks 1 s in the first prefill layer's call (the second: the encode's
 * is first), as a paused run does. */
static int hold_in_prefill(void *user, const kronos_progress *p)
{
    int *calls = user;
    if (++*calls == 2 && p->step == 0) {
        struct timespec s = {1, 0};
        nanosleep(&s, NULL);
    }
    return 0;
}

START_TEST(test_step_progress)
{
    kronos_error e;
    kronos_model *m = open_fx_batch("tiny", 3);
    series s;
    load_series("tiny", &s);
    const int starts[4] = {10, 333, 700, 1111}, L = 50, P = 12;
    kronos_batch b;
    make_batch(&s, starts, 4, L, P, &b);
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = P;
    sp.max_context = 128;
    sp.sample_count = 2;
    sp.top_k = 4;
    double ref[4 * P * 6], got[4 * P * 6];
    int old_calls = 0;
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, count_calls, &old_calls, ref, &e), KRONOS_OK);
    step_log lg = {0};
    ck_assert_int_eq(kronos_forecast_ex(m, &b, &sp, log_step, &lg, got, NULL, &e), KRONOS_OK);
    ck_assert_int_eq(memcmp(ref, got, sizeof ref), 0);
    ck_assert_int_eq(lg.n, 3 * (P + 5));
    ck_assert_int_eq(old_calls, lg.n);
    const int done_before[3] = {0, 1, 3}, done_after[3] = {1, 3, 4}, rows[3] = {3, 3, 2};
    int k = 0;
    int64_t base = 0;
    for (int mb = 1; mb <= 3; mb++) {
        const int n = rows[mb - 1];
        int step[P + 5];
        int64_t work[P + 5];
        step[0] = step[1] = step[2] = 0; /* encode, prefill layers 1 and 2 */
        work[0] = 50 * n;
        work[1] = work[0] + 225 * n;
        work[2] = work[1] + 225 * n;
        for (int i = 1; i <= P; i++) { /* step i; the first one's work was its layers' */
            step[2 + i] = i;
            work[2 + i] = work[2] + 25 * n * (i - 1);
        }
        step[P + 3] = step[P + 4] = P; /* decode, end of the micro-batch */
        work[P + 3] = work[P + 4] = 837 * n;
        for (int i = 0; i < P + 5; i++, k++) {
            const kronos_progress *p = &lg.p[k];
            ck_assert_int_eq(p->total_series, 4);
            ck_assert_int_eq(p->micro_batch, mb);
            ck_assert_int_eq(p->micro_batches, 3);
            ck_assert_int_eq(p->steps, 3 * P);
            ck_assert_int_eq(p->step, (mb - 1) * P + step[i]);
            ck_assert_int_eq(p->done_series, i < P + 4 ? done_before[mb - 1] : done_after[mb - 1]);
            ck_assert_int_eq(p->work_total, 6696);
            ck_assert_int_eq(p->work_done, base + work[i]);
        }
        base += 837 * n;
    }
    ck_assert_int_eq(lg.p[lg.n - 1].step, lg.p[lg.n - 1].steps);
    ck_assert_int_eq(lg.p[lg.n - 1].work_done, lg.p[lg.n - 1].work_total);
    /* a cancel from within the first prefill stops it there: no step done */
    long long before = kronos_debug_steps(m);
    int calls = 0;
    ck_assert_int_eq(kronos_forecast_ex(m, &b, &sp, cancel_in_prefill, &calls, got, NULL, &e), KRONOS_ECANCELLED);
    ck_assert_int_eq(calls, 2);
    ck_assert_int_eq(kronos_debug_steps(m), before);
    /* a pause (the callback blocking) is not the prefill's time: the
     * tiny model's prefill takes milliseconds, the pause 1 s */
    calls = 0;
    ck_assert_int_eq(kronos_forecast_ex(m, &b, &sp, hold_in_prefill, &calls, got, NULL, &e), KRONOS_OK);
    ck_assert_int_eq(calls, lg.n);
    ck_assert_int_eq(memcmp(ref, got, sizeof ref), 0);
    kronos_timing tm;
    kronos_debug_timing(m, &tm);
    ck_assert_msg(tm.prefill_s < 0.5 && tm.encode_s < 0.5, "prefill %.3f s, encode %.3f s with a 1 s pause",
                  tm.prefill_s, tm.encode_s);
    ck_assert_double_ge(tm.total_s, 1.0);
    free_series(&s);
    kronos_close(m);
}
END_TEST

/* The product scorer when the window would slide (lookback 50 + 5 > 52):
 * one generation per horizon (2, then 5), each in 2 micro-batches of 3
 * rows; the date's steps add up: 2*2 + 2*5 = 14 from the first call on,
 * step 0..14 never going back, series done only in the last generation.
 * The date's work is in thousandths of a step (14000 in all), never goes
 * back, and moves before the first step is done (the encode and the
 * prefill); the first generation's 14 calls (per micro-batch: encode, 2
 * layers, 2 steps, decode, end) end at 4000. */
START_TEST(test_scorer_steps_over_generations)
{
    kronos_options o = {0};
    o.threads = 1;
    o.batch_size = 3;
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.max_context = 52;
    sp.top_k = 4;
    kt_scorer *sc = NULL;
    char err[512] = "";
    ck_assert_msg(kt_scorer_kronos_open(fx_path("tiny", "tokenizer"), fx_path("tiny", "model"), &o, &sp, &sc,
                                        err, sizeof err) == 0,
                  "%s", err);
    series s;
    load_series("tiny", &s);
    const int starts[4] = {10, 333, 700, 1111}, L = 50, P = 5, hs[2] = {2, 5};
    kronos_batch b;
    make_batch(&s, starts, 4, L, P, &b);
    kt_score_request req = {.n_series = 4, .lookback = L, .ohlcva = b.ohlcva, .has_volume = b.has_volume,
                            .has_amount = b.has_amount, .x_stamp = b.x_stamp, .pred_len = P,
                            .y_stamp = b.y_stamp, .n_horizons = 2, .horizons = hs};
    double pred[4 * 2];
    int64_t tokens = 0;
    step_log lg = {0};
    ck_assert_int_eq(sc->score(sc, &req, log_step, &lg, pred, &tokens, err, sizeof err), KT_SCORE_OK);
    /* per micro-batch, generation 2: encode, 2 layers, steps 1-3, then
     * steps 4 and 5 recompute the slid window (2 layers and the step
     * each), decode, end: 14 */
    ck_assert_int_eq(lg.n, 2 * 7 + 2 * 14);
    for (int k = 0; k < lg.n; k++) {
        ck_assert_int_eq(lg.p[k].steps, 14);
        ck_assert_int_eq(lg.p[k].micro_batches, 2);
        ck_assert_int_eq(lg.p[k].total_series, 4);
        ck_assert_int_eq(lg.p[k].work_total, 14000);
        ck_assert_int_ge(lg.p[k].step, k ? lg.p[k - 1].step : 0);
        ck_assert_int_ge(lg.p[k].work_done, k ? lg.p[k - 1].work_done : 1);
        if (k < 14) /* the first generation: steps 1..4, no series finished */
            ck_assert_int_eq(lg.p[k].done_series, 0);
    }
    ck_assert_int_eq(lg.p[0].step, 0); /* the encode */
    ck_assert_int_eq(lg.p[2].step, 0); /* the prefill's last layer */
    ck_assert_int_gt(lg.p[2].work_done, lg.p[0].work_done);
    ck_assert_int_eq(lg.p[3].step, 1);
    ck_assert_int_eq(lg.p[13].step, 4);
    ck_assert_int_eq(lg.p[13].work_done, 4000);
    ck_assert_int_eq(lg.p[14].step, 4); /* the next generation's encode */
    ck_assert_int_gt(lg.p[14].work_done, 4000);
    ck_assert_int_eq(lg.p[lg.n - 1].step, 14);
    ck_assert_int_eq(lg.p[lg.n - 1].work_done, 14000);
    ck_assert_int_eq(lg.p[lg.n - 1].done_series, 4);
    ck_assert_int_eq(lg.p[lg.n - 1].micro_batch, 2);
    free_series(&s);
    sc->destroy(sc);
}
END_TEST

START_TEST(test_batched_equals_per_series)
{
    kronos_error e;
    kronos_model *m = open_fx_batch("tiny", 3);
    kronos_model *m1 = open_fx("tiny");
    series s;
    load_series("tiny", &s);
    const int starts[4] = {10, 333, 700, 1111}, L = 50, P = 12;
    uint64_t seeds[4] = {5, 17, 5, 1234567};
    kronos_batch b;
    make_batch(&s, starts, 4, L, P, &b);
    b.series_seeds = seeds;
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = P;
    sp.max_context = 128;
    sp.sample_count = 2;
    sp.top_k = 4;
    double all[4 * P * 6], one[P * 6];
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, all, &e), KRONOS_OK);
    kronos_timing tm;
    kronos_debug_timing(m, &tm);
    ck_assert_int_eq(tm.micro_batches, 3); /* 8 rows in batches of 3 */
    for (int i = 0; i < 4; i++) {
        kronos_batch bi;
        series si;
        load_series("tiny", &si);
        make_batch(&si, &starts[i], 1, L, P, &bi);
        bi.series_seeds = &seeds[i];
        ck_assert_int_eq(kronos_forecast(m1, &bi, &sp, NULL, NULL, one, &e), KRONOS_OK);
        ck_assert_msg(max_rel_diff_ok(one, all + i * P * 6, P * 6, 1e-5), "series %d differs when batched", i);
        free_series(&si);
    }
    /* Cancellation from the progress callback. */
    int budget = 2;
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, cancel_after, &budget, all, &e), KRONOS_ECANCELLED);
    /* Bad input is an error, never a crash. */
    s.x[7] = NAN;
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, all, &e), KRONOS_EINVAL);
    ck_assert_ptr_nonnull(strstr(e.msg, "NaN"));
    s.x[7] = 1;
    sp.pred_len = 0;
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, all, &e), KRONOS_EINVAL);
    free_series(&s);
    kronos_close(m);
    kronos_close(m1);
}
END_TEST

/* ---- strict loading on broken copies of the fixtures ------------------ */

static char tmpdir[256];

static void sh(const char *cmd)
{
    ck_assert_msg(system(cmd) == 0, "command failed: %s", cmd);
}

static void fresh_copy(void)
{
    char cmd[8192];
    snprintf(tmpdir, sizeof tmpdir, "%s/kt-test-kronos.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(tmpdir));
    snprintf(cmd, sizeof cmd, "cp -R '%s' '%s' '%s/' && chmod -R u+w '%s'", fx_path("tiny", "tokenizer"),
             fx_path("tiny", "model"), tmpdir, tmpdir);
    sh(cmd);
}

static void remove_copy(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    sh(cmd);
}

static int open_copy(kronos_error *e)
{
    char t[512], p[512];
    snprintf(t, sizeof t, "%s/tokenizer", tmpdir);
    snprintf(p, sizeof p, "%s/model", tmpdir);
    kronos_model *m = NULL;
    int rc = kronos_open(t, p, NULL, &m, e);
    kronos_close(m);
    return rc;
}

/* Edit a config.json of the copy: set key to an integer, or delete it (value < 0). */
static void edit_config(const char *part, const char *key, long value)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/config.json", tmpdir, part);
    json_t *j = json_load_file(path, 0, NULL);
    ck_assert_ptr_nonnull(j);
    if (value < 0)
        json_object_del(j, key);
    else
        json_object_set_new(j, key, json_integer(value));
    ck_assert_int_eq(json_dump_file(j, path, 0), 0);
    json_decref(j);
}

/* Rewrite the safetensors header of the copy with fn applied to it. */
static void edit_header(const char *part, void (*fn)(json_t *))
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s/model.safetensors", tmpdir, part);
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    unsigned char *b = malloc(1 << 20);
    size_t len = fread(b, 1, 1 << 20, f);
    fclose(f);
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--)
        h = h << 8 | b[i];
    json_t *j = json_loadb((const char *)b + 8, h, 0, NULL);
    ck_assert_ptr_nonnull(j);
    fn(j);
    char *s = json_dumps(j, JSON_COMPACT);
    uint64_t nh = strlen(s);
    f = fopen(path, "wb");
    for (int i = 0; i < 8; i++)
        fputc((int)(nh >> (8 * i)) & 0xff, f);
    fwrite(s, 1, nh, f);
    fwrite(b + 8 + h, 1, len - 8 - h, f);
    fclose(f);
    free(s);
    json_decref(j);
    free(b);
}

static int buffers_dropped;

static void drop_buffers(json_t *j)
{
    const char *k;
    json_t *v;
    void *tmp;
    json_object_foreach_safe(j, tmp, k, v) {
        if (strstr(k, "inv_freq") || strstr(k, "bsq")) {
            json_object_del(j, k);
            buffers_dropped++;
        }
    }
}

static void rename_norm(json_t *j)
{
    json_object_set(j, "nurm.weight", json_object_get(j, "norm.weight"));
    json_object_del(j, "norm.weight");
}

static void add_extra(json_t *j)
{
    json_object_set_new(j, "extra.weight", json_pack("{s:s, s:[i], s:[i,i]}", "dtype", "F32", "shape", 0,
                                                     "data_offsets", 0, 0));
}

/* Compute lanes (threads) split each micro-batch's rows. A lane count run
 * twice gives the same bytes (no races); different lane counts agree with
 * one thread to float rounding (a matrix product's rounding depends on
 * how many rows it has, as with micro-batch sizes); cancelling from lane
 * 0's progress stops them all; more lanes than rows is fine. */
START_TEST(test_lanes_equal_one_thread)
{
    series s;
    load_series("tiny", &s);
    const int starts[5] = {10, 333, 700, 1111, 42}, L = 60, P = 15;
    kronos_batch b;
    make_batch(&s, starts, 5, L, P, &b);
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = P;
    sp.max_context = 64; /* the window slides too */
    sp.sample_count = 3;
    sp.top_k = 5;
    sp.seed = 99;
    double ref[5 * P * 6], got[5 * P * 6], again[5 * P * 6];
    const int lanes[3] = {1, 2, 16};
    for (int k = 0; k < 3; k++) {
        kronos_model *m = NULL;
        kronos_error e;
        kronos_options o = {0};
        o.threads = lanes[k];
        o.batch_size = 7; /* 15 rows: micro-batches of 7, 7, 1 */
        ck_assert_int_eq(kronos_open(fx_path("tiny", "tokenizer"), fx_path("tiny", "model"), &o, &m, &e),
                         KRONOS_OK);
        kronos_device_status ds;
        ck_assert_int_eq(kronos_device_status_get(m, &ds, &e), KRONOS_OK);
        ck_assert_int_eq(ds.intra_threads, lanes[k]);
        ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, k ? got : ref, &e), KRONOS_OK);
        if (k) {
            ck_assert_msg(max_rel_diff_ok(ref, got, 5 * P * 6, 1e-5), "%d lanes differ from one", lanes[k]);
            ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, again, &e), KRONOS_OK);
            ck_assert_msg(memcmp(got, again, sizeof got) == 0, "%d lanes: two runs differ", lanes[k]);
        }
        int budget = 3;
        ck_assert_int_eq(kronos_forecast(m, &b, &sp, cancel_after, &budget, got, &e), KRONOS_ECANCELLED);
        kronos_close(m);
    }
    free_series(&s);
}
END_TEST

/* Each lane keeps its KV cache from one call to the next (reuse_pred_cache):
 * a later call with more rows than the kept cache holds grows it, one with
 * fewer rows uses its first rows, and one with a longer window reallocates
 * it. Every call must give the bytes a freshly opened model gives. */
static kronos_model *open_lanes(int threads)
{
    kronos_model *m = NULL;
    kronos_error e;
    kronos_options o = {0};
    o.threads = threads;
    ck_assert_int_eq(kronos_open(fx_path("tiny", "tokenizer"), fx_path("tiny", "model"), &o, &m, &e), KRONOS_OK);
    return m;
}

START_TEST(test_kept_cache_grows_and_shrinks)
{
    enum { L = 40, PMAX = 14 };
    const int starts[4] = {10, 333, 700, 1111};
    /* series, samples, horizon: 2 rows (one lane), 8 (two lanes of 4:
     * lane 0's cache grows, lane 1's is new), 2 again (the first rows of
     * the grown cache), then 6 with a longer horizon (a wider cache). */
    const int calls[4][3] = {{1, 2, 9}, {4, 2, 9}, {1, 2, 9}, {3, 2, PMAX}};
    kronos_model *kept = open_lanes(2);
    static double got[4 * PMAX * 6], ref[4 * PMAX * 6];
    for (int c = 0; c < 4; c++) {
        const int n = calls[c][0], P = calls[c][2];
        series s;
        load_series("tiny", &s);
        kronos_batch b;
        make_batch(&s, starts, n, L, P, &b);
        kronos_sampling sp;
        kronos_sampling_defaults(&sp);
        sp.pred_len = P;
        sp.sample_count = calls[c][1];
        sp.seed = 7 + c;
        kronos_error e;
        memset(got, 0, sizeof got);
        memset(ref, 0xff, sizeof ref);
        ck_assert_int_eq(kronos_forecast(kept, &b, &sp, NULL, NULL, got, &e), KRONOS_OK);
        kronos_model *fresh = open_lanes(2);
        ck_assert_int_eq(kronos_forecast(fresh, &b, &sp, NULL, NULL, ref, &e), KRONOS_OK);
        kronos_close(fresh);
        ck_assert_msg(memcmp(got, ref, sizeof(double) * n * P * 6) == 0,
                      "call %d (%d series x %d samples, horizon %d): the kept cache changed the forecast", c + 1,
                      n, calls[c][1], P);
        free_series(&s);
    }
    kronos_close(kept);
}
END_TEST

/* A paused run pauses every lane: while lane 0's progress callback blocks
 * (the console's pause), the other lane may finish the step it is in but
 * not start another. Polled for up to 0.5 s: without the gate the other
 * lane runs its remaining steps in that time (a few ms each), unless the
 * machine starves it, in which case this passes without proving much. */
typedef struct pause_probe {
    kronos_model *m;
    int paused_at;      /* the step at which the callback blocked, 0 before */
    long long before;   /* steps of every lane when it blocked */
    long long most;     /* the most seen while blocked */
} pause_probe;

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int pause_at_step_3(void *user, const kronos_progress *p)
{
    pause_probe *pp = user;
    if (pp->paused_at || p->step != 3)
        return 0;
    pp->paused_at = p->step;
    pp->before = pp->most = kronos_debug_steps(pp->m);
    for (double t0 = mono_s(); mono_s() - t0 < 0.5;) {
        long long n = kronos_debug_steps(pp->m);
        if (n > pp->most)
            pp->most = n;
        if (pp->most > pp->before + 1)
            break; /* the other lane went on: fail without waiting longer */
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
    }
    return 0;
}

START_TEST(test_pause_holds_every_lane)
{
    series s;
    load_series("tiny", &s);
    enum { L = 40, P = 60 };
    const int starts[2] = {10, 333};
    kronos_batch b;
    make_batch(&s, starts, 2, L, P, &b);
    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.pred_len = P;
    sp.sample_count = 2; /* 4 rows: two lanes of 2 */
    kronos_model *m = open_lanes(2);
    pause_probe pp = {m, 0, 0, 0};
    static double out[2 * P * 6], ref[2 * P * 6];
    kronos_error e;
    ck_assert_int_eq(kronos_forecast_ex(m, &b, &sp, pause_at_step_3, &pp, out, NULL, &e), KRONOS_OK);
    ck_assert_int_eq(pp.paused_at, 3);
    ck_assert_msg(pp.most <= pp.before + 1, "paused at step 3 with %lld steps done; the other lane went on to %lld",
                  pp.before, pp.most);
    ck_assert_int_eq(kronos_debug_steps(m), 2 * P); /* both lanes, every step */
    ck_assert_int_eq(kronos_forecast(m, &b, &sp, NULL, NULL, ref, &e), KRONOS_OK);
    ck_assert_int_eq(memcmp(out, ref, sizeof out), 0); /* a pause changes nothing */
    kronos_close(m);
    free_series(&s);
}
END_TEST

START_TEST(test_strict_loading)
{
    kronos_error e;
    char cmd[1024];
    /* Buffers absent (the fixture has 6 in the tokenizer: 4 rotary
     * inv_freq, bsq.basis, bsq.group_basis; 3 inv_freq in the predictor):
     * recomputed, and the parity with the golden files still holds (ids
     * exact, logits, decode and greedy forecasts within 1e-4). */
    fresh_copy();
    buffers_dropped = 0;
    edit_header("tokenizer", drop_buffers);
    ck_assert_int_eq(buffers_dropped, 6);
    edit_header("model", drop_buffers);
    ck_assert_int_eq(buffers_dropped, 9);
    ck_assert_msg(open_copy(&e) == KRONOS_OK, "%s", e.msg);
    {
        char t[512], p[512];
        snprintf(t, sizeof t, "%s/tokenizer", tmpdir);
        snprintf(p, sizeof p, "%s/model", tmpdir);
        check_parity_dirs("tiny", t, p);
    }
    remove_copy();

    fresh_copy(); /* truncated file */
    snprintf(cmd, sizeof cmd, "truncate -s 100000 '%s/model/model.safetensors'", tmpdir);
    sh(cmd);
    ck_assert_int_eq(open_copy(&e), KRONOS_EFORMAT);
    ck_assert_msg(strstr(e.msg, "model.safetensors: ") && strstr(e.msg, "beyond the end"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* wrong header length */
    snprintf(cmd, sizeof cmd, "printf '\\377\\377' | dd of='%s/tokenizer/model.safetensors' bs=1 seek=3 conv=notrunc 2>/dev/null", tmpdir);
    sh(cmd);
    ck_assert_int_eq(open_copy(&e), KRONOS_EFORMAT);
    ck_assert_msg(strstr(e.msg, "tokenizer/model.safetensors: invalid header length"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* header length one byte too long: the JSON runs into the data */
    snprintf(cmd, sizeof cmd, "printf '\\051' | dd of='%s/tokenizer/model.safetensors' bs=1 seek=0 conv=notrunc 2>/dev/null", tmpdir);
    sh(cmd);
    ck_assert_int_eq(open_copy(&e), KRONOS_EFORMAT);
    ck_assert_msg(strstr(e.msg, "invalid JSON header"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* config disagrees with the tensors */
    edit_config("model", "ff_dim", 128);
    ck_assert_int_eq(open_copy(&e), KRONOS_ESHAPE);
    ck_assert_msg(strstr(e.msg, "model.safetensors: tensor transformer.0.ffn.w1.weight has shape [64,32], config "
                                "expects [128,32]"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* missing config key */
    edit_config("tokenizer", "d_model", -1);
    ck_assert_int_eq(open_copy(&e), KRONOS_ECONFIG);
    ck_assert_msg(strstr(e.msg, "tokenizer/config.json: missing key d_model"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* tokenizer / predictor bit widths differ */
    edit_config("model", "s1_bits", 5);
    edit_config("model", "s2_bits", 5);
    ck_assert_int_eq(open_copy(&e), KRONOS_ECONFIG);
    ck_assert_msg(strstr(e.msg, "s1_bits") && strstr(e.msg, "tokenizer"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* s1_bits != s2_bits */
    edit_config("tokenizer", "s2_bits", 5);
    ck_assert_int_eq(open_copy(&e), KRONOS_ECONFIG);
    ck_assert_msg(strstr(e.msg, "s2_bits"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* a tensor missing */
    edit_header("model", rename_norm);
    ck_assert_int_eq(open_copy(&e), KRONOS_ESHAPE);
    ck_assert_msg(strstr(e.msg, "tensor norm.weight is missing"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* a tensor too many */
    edit_header("model", add_extra);
    ck_assert_int_eq(open_copy(&e), KRONOS_ESHAPE);
    ck_assert_msg(strstr(e.msg, "model/model.safetensors: unexpected tensor extra.weight"), "%s", e.msg);
    remove_copy();

    fresh_copy(); /* no such directory */
    snprintf(cmd, sizeof cmd, "rm -rf '%s/model'", tmpdir);
    sh(cmd);
    ck_assert_int_eq(open_copy(&e), KRONOS_EIO);
    remove_copy();
}
END_TEST

START_TEST(test_status_names)
{
    ck_assert_str_eq(kronos_status_name(KRONOS_ESHAPE), "shape");
    kronos_sampling s;
    kronos_sampling_defaults(&s);
    ck_assert(s.temperature == 1.0 && s.top_k == 0 && s.top_p == 0.9 && s.sample_count == 1 &&
              s.max_context == 512 && s.clip == 5.0);
    kronos_device_status st;
    kronos_runtime_status(&st);
    ck_assert_str_eq(st.device, "cpu");
    ck_assert(st.blas[0] != '\0' && st.simd[0] != '\0');
    ck_assert(kronos_bench_sgemm_gflops(64, 64, 64, 2) > 0);
}
END_TEST

/* The fixed head-size attention kernels (four keys per pass, output in
 * registers) give the generic kernel's bits, for every head size they
 * take and key counts that are and are not multiples of four; a head size
 * without one goes to the generic kernel itself. */
START_TEST(test_attention_kernels_same_bits)
{
    const int hds[5] = {16, 32, 64, 128, 24}, Ts[6] = {1, 3, 4, 7, 252, 341};
    for (int a = 0; a < 5; a++)
        for (int b = 0; b < 6; b++)
            for (uint64_t seed = 1; seed <= 3; seed++) {
                int d = kronos_debug_attend_diff(hds[a], Ts[b], seed);
                ck_assert_msg(d == 0, "head size %d, %d keys, seed %llu: %d of %d outputs differ", hds[a], Ts[b],
                              (unsigned long long)seed, d, hds[a]);
            }
    ck_assert_int_eq(kronos_debug_attend_diff(0, 5, 1), -1);
}
END_TEST

/* ---- sampling properties (kronos_debug_sample: the generation sampler) -- */

/* Argmax written out here (first index on ties). */
static int argmax_f(const float *x, int n)
{
    int b = 0;
    for (int j = 1; j < n; j++)
        if (x[j] > x[b])
            b = j;
    return b;
}

static float lcg_normalish(uint64_t *st)
{
    /* sum of 4 uniforms, centred: a fixed, smooth spread of logits */
    double a = 0;
    for (int k = 0; k < 4; k++) {
        *st = *st * 6364136223846793005ULL + 1442695040888963407ULL;
        a += (double)(*st >> 11) / 9007199254740992.0;
    }
    return (float)((a - 2.0) * 1.7);
}

/* top-p -> 0 is greedy: with top_p below the top token's probability the
 * nucleus is that token alone, so every draw is the argmax, at any
 * temperature; T = 0 and top_k = 1 are the argmax too. */
START_TEST(test_top_p_to_zero_is_greedy)
{
    enum { N = 1024, DRAWS = 40 };
    float lg[N];
    int64_t out[DRAWS];
    kronos_error e;
    uint64_t st = 2024;
    const double temps[3] = {0.3, 1.0, 2.5};
    int non_argmax_at_top_p_1 = 0;
    for (int v = 0; v < 12; v++) {
        for (int j = 0; j < N; j++)
            lg[j] = lcg_normalish(&st);
        const int am = argmax_f(lg, N);
        for (int ti = 0; ti < 3; ti++) {
            const double T = temps[ti];
            /* p_max = 1 / sum_j exp((l_j - l_max) / T), in double */
            double z = 0;
            for (int j = 0; j < N; j++)
                z += exp(((double)lg[j] - lg[am]) / T);
            const double pmax = 1.0 / z;
            const double tps[4] = {1e-300, 1e-9, 0.5 * pmax, 0.999 * pmax};
            kronos_sampling sp;
            kronos_sampling_defaults(&sp);
            sp.temperature = T;
            for (int k = 0; k < 4; k++) {
                sp.top_k = 0;
                sp.top_p = tps[k];
                ck_assert_int_eq(kronos_debug_sample(lg, N, &sp, 7 + v, (uint64_t)k, DRAWS, out, &e), KRONOS_OK);
                for (int i = 0; i < DRAWS; i++)
                    ck_assert_msg(out[i] == am, "vector %d T %g top_p %g: draw %d is token %lld, argmax %d", v, T,
                                  tps[k], i, (long long)out[i], am);
            }
            sp.top_p = 1.0;
            sp.top_k = 1;
            ck_assert_int_eq(kronos_debug_sample(lg, N, &sp, 1, 0, DRAWS, out, &e), KRONOS_OK);
            for (int i = 0; i < DRAWS; i++)
                ck_assert_msg(out[i] == am, "top_k 1 drew %lld, argmax %d", (long long)out[i], am);
            /* not vacuous: without a filter the same logits are not greedy */
            sp.top_k = 0;
            ck_assert_int_eq(kronos_debug_sample(lg, N, &sp, 1, 0, DRAWS, out, &e), KRONOS_OK);
            for (int i = 0; i < DRAWS; i++)
                non_argmax_at_top_p_1 += out[i] != am;
        }
        kronos_sampling g;
        kronos_sampling_defaults(&g);
        g.temperature = 0;
        ck_assert_int_eq(kronos_debug_sample(lg, N, &g, 3, 0, 4, out, &e), KRONOS_OK);
        for (int i = 0; i < 4; i++)
            ck_assert_int_eq(out[i], am);
    }
    /* p_max is 0.002 to 0.36 on these vectors (about 1360 of the 1440
     * unfiltered draws are off the argmax); fewer than half would mean the
     * filter leaks into top_p = 1 */
    ck_assert_msg(non_argmax_at_top_p_1 > 720, "only %d of 1440 unfiltered draws were not the argmax",
                  non_argmax_at_top_p_1);
    /* top_p = 0 is outside the contract (0 < top_p <= 1) */
    kronos_sampling bad;
    kronos_sampling_defaults(&bad);
    bad.top_p = 0;
    ck_assert_int_eq(kronos_debug_sample(lg, N, &bad, 1, 0, 1, out, &e), KRONOS_EINVAL);
}
END_TEST

/* The reference's sample_from_logits written out the plain way: scale,
 * top-k by threshold, or a full stable sort for the nucleus, then the
 * softmax and one uniform draw over the kept tokens in index order. The
 * engine orders only the head of the distribution; its draws must be
 * these, bit for bit (same sums in the same order). */
static int cmp_desc_stable(const void *a, const void *b, void *ctx)
{
    const double *x = ctx;
    long ia = *(const long *)a, ib = *(const long *)b;
    if (x[ia] != x[ib])
        return x[ia] > x[ib] ? -1 : 1;
    return ia < ib ? -1 : ia > ib;
}

static long plain_sample(const float *lg, int n, const kronos_sampling *s, kt_rng *rng)
{
    double x[1024];
    long idx[1024];
    const float T = (float)s->temperature;
    for (int j = 0; j < n; j++)
        x[j] = (double)(lg[j] / T);
    if (s->top_k > 0) {
        int k = s->top_k < n ? s->top_k : n;
        for (int j = 0; j < n; j++)
            idx[j] = j;
        qsort_r(idx, (size_t)n, sizeof idx[0], cmp_desc_stable, x);
        double thr = x[idx[k - 1]];
        for (int j = 0; j < n; j++)
            if (x[j] < thr)
                x[j] = -INFINITY;
    } else if (s->top_p < 1.0) {
        for (int j = 0; j < n; j++)
            idx[j] = j;
        qsort_r(idx, (size_t)n, sizeof idx[0], cmp_desc_stable, x);
        double mx = x[idx[0]], tot = 0, cum = 0;
        for (int j = 0; j < n; j++)
            tot += exp(x[j] - mx);
        int remove = 0;
        for (int r = 0; r < n; r++) {
            double pj = exp(x[idx[r]] - mx) / tot;
            if (remove)
                x[idx[r]] = -INFINITY;
            cum += pj;
            if (cum > s->top_p)
                remove = 1;
        }
    }
    double mx = -INFINITY, tot = 0, acc = 0;
    for (int j = 0; j < n; j++)
        mx = x[j] > mx ? x[j] : mx;
    for (int j = 0; j < n; j++)
        tot += (x[j] = exp(x[j] - mx));
    double u = kt_rng_uniform(rng) * tot;
    long last = 0;
    for (int j = 0; j < n; j++) {
        if (x[j] <= 0)
            continue;
        acc += x[j];
        last = j;
        if (u < acc)
            return j;
    }
    return last;
}

START_TEST(test_sampler_equals_full_sort)
{
    enum { N = 1024, DRAWS = 25 };
    float lg[N];
    int64_t out[DRAWS];
    kronos_error e;
    uint64_t st = 77;
    const double temps[3] = {0.5, 1.0, 1.7}, tps[6] = {0.05, 0.5, 0.9, 0.97, 0.999999, 1.0};
    const int tks[3] = {1, 5, 300};
    long diff = 0, draws = 0, distinct = 0;
    for (int v = 0; v < 16; v++) {
        /* odd vectors: logits on a grid of 0.25, so hundreds of ties */
        for (int j = 0; j < N; j++) {
            float g = lcg_normalish(&st) * (v % 4 == 3 ? 4.0f : 1.0f);
            lg[j] = v % 2 ? floorf(g * 4.0f) / 4.0f : g;
            if (v == 5 && j % 3 == 0)  /* -0 and +0 compare equal: a tie, broken by index */
                lg[j] = j % 2 ? -0.0f : 0.0f;
        }
        for (int ti = 0; ti < 3; ti++)
            for (int k = 0; k < 9; k++) {
                kronos_sampling sp;
                kronos_sampling_defaults(&sp);
                sp.temperature = temps[ti];
                sp.top_k = k < 6 ? 0 : tks[k - 6];
                sp.top_p = k < 6 ? tps[k] : 1.0;
                ck_assert_int_eq(kronos_debug_sample(lg, N, &sp, 500 + v, (uint64_t)k, DRAWS, out, &e), KRONOS_OK);
                kt_rng rng;
                kt_rng_seed_stream(&rng, 500 + v, (uint64_t)k);
                long seen = -1;
                for (int i = 0; i < DRAWS; i++) {
                    long want = plain_sample(lg, N, &sp, &rng);
                    diff += out[i] != want;
                    draws++;
                    distinct += seen >= 0 && want != seen;
                    seen = want;
                }
            }
    }
    ck_assert_msg(diff == 0, "%ld of %ld draws differ from the full-sort sampler", diff, draws);
    ck_assert_msg(distinct > draws / 4, "only %ld token changes in %ld draws: the comparison is vacuous", distinct,
                  draws);
}
END_TEST

/* Chi-square critical values at a false-failure probability of 1e-6, for
 * 1..15 degrees of freedom: x with P(chi2_df > x) = 1e-6, from the
 * regularised upper incomplete gamma function Q(df/2, x/2) (check: for
 * df = 2, Q = exp(-x/2), x = 2 ln 1e6 = 27.63). */
static const double chi2_crit_1e6[16] = {0,     23.93, 27.63, 30.66, 33.38, 35.89, 38.26, 40.52,
                                         42.70, 44.81, 46.86, 48.87, 50.83, 52.75, 54.64, 56.49};

/* Token frequencies on fixed logits follow the sampling distribution the
 * reference defines (kronos-reference.md), computed here in double:
 * softmax(l / T), restricted to the top k (top_p then ignored) or to the
 * nucleus (descending order, tokens kept up to and including the first
 * whose cumulative probability exceeds top_p), renormalised. 200000 draws
 * from one fixed seed, so the test is deterministic; the bound is Pearson's
 * chi-square over the kept tokens at a false-failure probability of 1e-6
 * (were the sampler exact and the seed arbitrary, a new seed would fail
 * with that probability; every expected count is >= 200, far above the
 * usual >= 5 for the chi-square approximation). Tokens outside the kept
 * set must never be drawn. Power: a 2 % relative error in a bin of
 * probability 0.1 adds (0.002 * 200000)^2 / 20000 = 8 to the statistic;
 * a token wrongly kept or dropped adds thousands. */
static void check_frequencies(double T, int top_k, double top_p, int want_kept)
{
    enum { V = 16, DRAWS = 200000 };
    static const float lg[V] = {1.7f, -0.4f, 0.9f, 2.3f,  -1.6f, 0.2f, 1.1f, -0.9f,
                                0.5f, 1.9f,  -0.1f, -1.2f, 0.7f, 1.4f, -0.6f, 0.0f};
    double p[V], mx = -INFINITY, tot = 0;
    for (int j = 0; j < V; j++)
        mx = fmax(mx, (double)lg[j] / T);
    for (int j = 0; j < V; j++)
        tot += p[j] = exp((double)lg[j] / T - mx);
    for (int j = 0; j < V; j++)
        p[j] /= tot;
    int order[V];
    for (int j = 0; j < V; j++)
        order[j] = j;
    for (int a = 1; a < V; a++) /* descending by probability (no ties here) */
        for (int b = a; b > 0 && p[order[b]] > p[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    int kept = V;
    if (top_k > 0) {
        kept = top_k < V ? top_k : V;
    } else if (top_p < 1.0) {
        double cum = 0;
        for (kept = 0; kept < V;) {
            cum += p[order[kept++]];
            /* far from the boundary, so float vs double logits cannot matter */
            ck_assert_msg(fabs(cum - top_p) > 1e-3, "test logits too close to the nucleus boundary");
            if (cum > top_p)
                break;
        }
    }
    ck_assert_int_eq(kept, want_kept);
    double q[V] = {0}, qs = 0;
    for (int r = 0; r < kept; r++)
        qs += p[order[r]];
    for (int r = 0; r < kept; r++)
        q[order[r]] = p[order[r]] / qs;

    kronos_sampling sp;
    kronos_sampling_defaults(&sp);
    sp.temperature = T;
    sp.top_k = top_k;
    sp.top_p = top_p;
    int64_t *out = malloc(sizeof *out * DRAWS);
    kronos_error e;
    ck_assert_int_eq(kronos_debug_sample(lg, V, &sp, 20240601, 0, DRAWS, out, &e), KRONOS_OK);
    long cnt[V] = {0};
    for (int i = 0; i < DRAWS; i++) {
        ck_assert(out[i] >= 0 && out[i] < V);
        cnt[out[i]]++;
    }
    free(out);
    double chi2 = 0;
    for (int j = 0; j < V; j++) {
        if (q[j] == 0) {
            ck_assert_msg(cnt[j] == 0, "T %g top_k %d top_p %g: token %d is filtered out but drawn %ld times", T,
                          top_k, top_p, j, cnt[j]);
            continue;
        }
        double ex = q[j] * DRAWS;
        ck_assert(ex >= 200);
        chi2 += (cnt[j] - ex) * (cnt[j] - ex) / ex;
    }
    const int df = kept - 1;
    ck_assert(df >= 1 && df <= 15);
    printf("sampling T %g top_k %d top_p %g: %d tokens kept, chi2 %.2f (df %d, bound %.2f at 1e-6)\n", T, top_k,
           top_p, kept, chi2, df, chi2_crit_1e6[df]);
    ck_assert_msg(chi2 < chi2_crit_1e6[df], "T %g top_k %d top_p %g: chi-square %.2f > %.2f (df %d)", T, top_k,
                  top_p, chi2, chi2_crit_1e6[df], df);
}

START_TEST(test_frequencies_match_softmax)
{
    check_frequencies(1.0, 0, 1.0, 16); /* plain softmax */
    check_frequencies(0.7, 0, 0.8, 5);  /* temperature and nucleus */
    /* top_k 4 at T 1.3: the top 4 hold 0.56 > top_p 0.5, so applying
     * top_p too would drop the 4th token */
    check_frequencies(1.3, 4, 0.5, 4);
}
END_TEST


/* --precision int8: the predictor's block products in int8. The logits
 * move (the int8 path is taken) but stay close to fp32's; the device check
 * covers the int8 copies; the generated ids are kept on request; an
 * unknown precision is refused. fp32 (0) is the default of every other
 * test, which pins its bits. */
START_TEST(test_int8_precision)
{
    const char *fx = "tiny";
    kronos_model *m32 = open_fx(fx), *m8 = NULL;
    kronos_error e;
    kronos_options o = {0};
    o.threads = 1;
    o.precision = 7;
    ck_assert_int_eq(kronos_open(fx_path(fx, "tokenizer"), fx_path(fx, "model"), &o, &m8, &e), KRONOS_EINVAL);
    ck_assert_msg(strstr(e.msg, "fp32 or int8") != NULL, "message: %s", e.msg);
    ck_assert_ptr_null(m8);
    o.precision = KRONOS_INT8;
    ck_assert_int_eq(kronos_open(fx_path(fx, "tokenizer"), fx_path(fx, "model"), &o, &m8, &e), KRONOS_OK);

    kronos_device_status d32, d8;
    ck_assert_int_eq(kronos_device_status_get(m32, &d32, &e), KRONOS_OK);
    ck_assert_int_eq(kronos_device_status_get(m8, &d8, &e), KRONOS_OK);
    kronos_info info;
    kronos_describe(m8, &info);
    ck_assert_str_eq(d32.precision, "fp32");
    ck_assert_str_eq(d8.precision, "int8");
    ck_assert_int_eq(d8.verified, 1);
    /* four int8 matrices per block: q/k/v, out, w1/w3, w2 */
    ck_assert_int_eq(d8.tensors_checked, d32.tensors_checked + 4 * info.predictor.n_layers);

    gcase *cs = calloc(8, sizeof *cs);
    int nc = read_cases(fx, cs);
    series s;
    load_series(fx, &s);
    double worst = 0;
    int moved = 0;
    for (int k = 0; k < nc; k++) {
        const int L = cs[k].lookback;
        char name[64];
        size_t n1, n2;
        snprintf(name, sizeof name, "case%d_s1_ids.txt", cs[k].id);
        double *w1 = read_numbers(fx_path(fx, name), &n1);
        snprintf(name, sizeof name, "case%d_s2_ids.txt", cs[k].id);
        double *w2 = read_numbers(fx_path(fx, name), &n2);
        int64_t *s1 = malloc(sizeof(int64_t) * L), *s2 = malloc(sizeof(int64_t) * L);
        kronos_stamp *st = malloc(sizeof *st * L);
        for (int t = 0; t < L; t++) {
            s1[t] = (int64_t)w1[t], s2[t] = (int64_t)w2[t];
            kt_calendar_stamp(s.data.ts[cs[k].start + t], &st[t]);
        }
        float a1[1 << 10], a2[1 << 10], b1[1 << 10], b2[1 << 10];
        ck_assert_int_eq(kronos_debug_last_logits(m32, s1, s2, st, L, s1[L - 1], a1, a2, &e), KRONOS_OK);
        ck_assert_int_eq(kronos_debug_last_logits(m8, s1, s2, st, L, s1[L - 1], b1, b2, &e), KRONOS_OK);
        for (int j = 0; j < 16; j++) {
            worst = fmax(worst, fmax(fabs(a1[j] - b1[j]), fabs(a2[j] - b2[j])));
            moved += a1[j] != b1[j] || a2[j] != b2[j];
        }
        free(w1);
        free(w2);
        free(s1);
        free(s2);
        free(st);
    }
    ck_assert_msg(moved > 0, "int8 logits equal fp32's bit for bit: the int8 path was not taken");
    ck_assert_msg(worst < INT8_LOGIT_TOL, "int8 logits %g from fp32's (tolerance %g)", worst, INT8_LOGIT_TOL);

    /* the generated ids, kept on request: a greedy forecast of 2 series */
    const int P = 5, starts[2] = {0, 7};
    kronos_batch b;
    make_batch(&s, starts, 2, 32, P, &b);
    kronos_sampling sp;
    greedy(&sp, P, 512);
    double out[2 * 5 * 6];
    ck_assert_uint_eq(kronos_debug_last_tokens(m8, NULL, 0), 0);
    kronos_debug_keep_tokens(m8, 1);
    ck_assert_int_eq(kronos_forecast(m8, &b, &sp, NULL, NULL, out, &e), KRONOS_OK);
    int64_t ids[2 * 5 * 2 + 1];
    ids[2 * 5 * 2] = -7;
    ck_assert_uint_eq(kronos_debug_last_tokens(m8, ids, 2 * 5 * 2), 2 * 5 * 2);
    ck_assert_int_eq(ids[2 * 5 * 2], -7); /* nothing past max */
    for (int i = 0; i < 2 * 5 * 2; i++)
        ck_assert_msg(ids[i] >= 0 && ids[i] < (1 << (i % 2 ? info.predictor.s2_bits : info.predictor.s1_bits)),
                      "id %d: %lld", i, (long long)ids[i]);
    free(cs);
    free_series(&s);
    kronos_close(m8);
    kronos_close(m32);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("kronos");
    TCase *tc = tcase_create("parity");
    tcase_add_test(tc, test_parity_tiny);
    tcase_add_test(tc, test_forecast_paths);
    tcase_add_test(tc, test_parity_tiny_fixed_te);
    tcase_add_test(tc, test_training_forward_equals_inference);
    tcase_add_test(tc, test_cache_and_horizon_prefix);
    tcase_add_test(tc, test_batched_equals_per_series);
    tcase_add_test(tc, test_step_progress);
    tcase_add_test(tc, test_scorer_steps_over_generations);
    tcase_add_test(tc, test_lanes_equal_one_thread);
    tcase_add_test(tc, test_kept_cache_grows_and_shrinks);
    tcase_add_test(tc, test_pause_holds_every_lane);
    tcase_add_test(tc, test_attention_kernels_same_bits);
    tcase_add_test(tc, test_strict_loading);
    tcase_add_test(tc, test_status_names);
    tcase_add_test(tc, test_int8_precision);
    tcase_set_timeout(tc, 120);
    suite_add_tcase(s, tc);
    TCase *ts = tcase_create("sampling");
    tcase_add_test(ts, test_top_p_to_zero_is_greedy);
    tcase_add_test(ts, test_sampler_equals_full_sort);
    tcase_add_test(ts, test_frequencies_match_softmax);
    tcase_set_timeout(ts, 60);
    suite_add_tcase(s, ts);
    return s;
}

int main(void)
{
    return kt_check_failures(suite(), CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
