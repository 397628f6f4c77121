/* kronos-bench: time one evaluation date of the walk-forward evaluation:
 * N tickers (default 100), lookback 252, horizons 20/60/90 served by one
 * generation of 90 steps. Random weights of the Kronos-small shape (with a
 * Kronos-Tokenizer-base shaped tokenizer) unless --tokenizer/--model are
 * given. Prints seconds per date, tokens/s and achieved GFLOP/s of the
 * prefill and overall, next to the sgemm rate measured in this process, and
 * a roofline of the date: per phase the larger of FLOPs / sgemm peak and
 * bytes moved / memory bandwidth (a triad measured in this process), summed
 * over the phases. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "base/numparse.h"
#include "eval/metrics.h"
#include "eval/results.h"
#include "model/blas.h"
#include "model/hub.h"
#include "model/kronos.h"
#include "model/kronos_internal.h"

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* FLOPs of one transformer block over L new tokens attending to T keys in all. */
static double block_flops(double d, double ff, double L, double T)
{
    return L * (8 * d * d + 6 * d * ff) + 4 * L * T * d;
}

static double cpu_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void usage(FILE *out)
{
    fputs(_("Usage: kronos-bench [--tickers N] [--lookback N] [--horizons 20,60,90] [--threads N]\n"
            "         [--budget-mb MB] [--batch-size N] [--samples S] [--seed N] [--dates N]\n"
            "         [--precision fp32|int8]\n"
            "         [--tokenizer DIR|ID --model DIR|ID [--revision REV]]\n"
            "Times one evaluation date (one generation of the longest horizon serves all).\n"
            "--dates N (default 2) runs N dates in one process, as an evaluation does, and\n"
            "reports the last; the first also pays one-time costs.\n"
            "--precision int8 times int8 matrix products in the predictor's layers and reports\n"
            "their fidelity: the same date in fp32, token agreement and forecast difference.\n"),
          out);
}

/* the command line */
typedef struct {
    int tickers, lookback, threads, batch_size, samples, pred_len, dates, precision;
    long budget_mb;
    uint64_t seed;
    const char *horizons, *tok, *model, *revision;
} bench_args;

/* the synthetic inputs and the forecast buffer */
typedef struct {
    double *x, *out;
    kronos_stamp *xs, *ys;
} bench_data;

/* the analytic FLOP and byte counts of one date, per phase */
typedef struct {
    double enc, pre, steps, dec, total;       /* FLOPs (matrix products) */
    double b_enc, b_pre, b_steps, b_dec;      /* bytes moved to and from memory */
} bench_flops;

/* The memory bandwidth: a triad a = b + s*c over arrays far larger than
 * the caches, split over `threads` threads that first-touch their own part.
 * Best of `reps`; bytes counted as STREAM does (three arrays, no
 * write-allocate), so the figure is comparable with STREAM's. */
typedef struct {
    double *a, *b, *c;
    size_t lo, hi;
    int init;
} triad_part;

static void *triad_run(void *arg)
{
    triad_part *t = arg;
    if (t->init) {
        for (size_t i = t->lo; i < t->hi; i++) {
            t->a[i] = 0;
            t->b[i] = 1;
            t->c[i] = 2;
        }
    } else {
        for (size_t i = t->lo; i < t->hi; i++)
            t->a[i] = t->b[i] + 3.0 * t->c[i];
    }
    return NULL;
}

static double triad_pass(triad_part *parts, int threads, int init)
{
    pthread_t th[64];
    double t0 = now_s();
    for (int k = 0; k < threads; k++) {
        parts[k].init = init;
        if (k > 0 && pthread_create(&th[k], NULL, triad_run, &parts[k]) != 0)
            return -1;
    }
    triad_run(&parts[0]);
    for (int k = 1; k < threads; k++)
        pthread_join(th[k], NULL);
    return now_s() - t0;
}

static double bench_bandwidth_gbs(int threads, size_t n, int reps)
{
    if (threads < 1)
        threads = 1;
    if (threads > 64)
        threads = 64;
    double *a = malloc(n * sizeof *a), *b = malloc(n * sizeof *b), *c = malloc(n * sizeof *c);
    triad_part parts[64];
    double best = 0;
    if (a && b && c) {
        for (int k = 0; k < threads; k++)
            parts[k] = (triad_part){a, b, c, n * (size_t)k / (size_t)threads, n * (size_t)(k + 1) / (size_t)threads, 1};
        if (triad_pass(parts, threads, 1) >= 0) {
            for (int r = 0; r < reps; r++) {
                double dt = triad_pass(parts, threads, 0);
                if (dt > 0 && 3.0 * 8.0 * (double)n / dt / 1e9 > best)
                    best = 3.0 * 8.0 * (double)n / dt / 1e9;
            }
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}

/* A whole number from lo to hi for --flag, or 0 after saying why. */
static int bench_number(const char *flag, const char *arg, long lo, long hi, long *out)
{
    if (kt_parse_long(arg, lo, hi, out) != 0) {
        fprintf(stderr, _("kronos-bench: --%s: expected an integer in [%ld, %ld], got \"%s\"\n"), flag, lo, hi, arg);
        return 0;
    }
    return 1;
}

/* Step 1: parse the options; -1 to go on, else the exit code. */
static int bench_parse(int argc, char **argv, bench_args *a)
{
    static const struct option opts[] = {
        {"tickers", required_argument, NULL, 'n'}, {"lookback", required_argument, NULL, 'l'},
        {"horizons", required_argument, NULL, 'H'}, {"threads", required_argument, NULL, 'j'},
        {"budget-mb", required_argument, NULL, 'b'}, {"batch-size", required_argument, NULL, 'B'},
        {"samples", required_argument, NULL, 's'}, {"seed", required_argument, NULL, 'S'},
        {"tokenizer", required_argument, NULL, 't'}, {"model", required_argument, NULL, 'm'},
        {"revision", required_argument, NULL, 'R'}, {"dates", required_argument, NULL, 'D'},
        {"precision", required_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    int c, ok = 1;
    long v = 0;
    *a = (bench_args){.tickers = 100, .lookback = 252, .samples = 1, .budget_mb = 2048, .seed = 1,
                      .horizons = "20,60,90", .dates = 2};
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            ok = bench_number("tickers", optarg, 1, 100000, &v);
            a->tickers = (int)v;
            break;
        case 'l':
            ok = bench_number("lookback", optarg, 2, 100000, &v);
            a->lookback = (int)v;
            break;
        case 'H': a->horizons = optarg; break;
        case 'j':
            ok = bench_number("threads", optarg, 0, 1024, &v);
            a->threads = (int)v;
            break;
        case 'b':
            ok = bench_number("budget-mb", optarg, 1, 10000000, &v);
            a->budget_mb = v;
            break;
        case 'B':
            ok = bench_number("batch-size", optarg, 0, 100000, &v);
            a->batch_size = (int)v;
            break;
        case 's':
            ok = bench_number("samples", optarg, 1, 100000, &v);
            a->samples = (int)v;
            break;
        case 'S':
            if (kt_parse_u64(optarg, &a->seed) != 0) {
                fprintf(stderr, _("kronos-bench: --%s: expected a non-negative integer, got \"%s\"\n"),
                        "seed", optarg);
                ok = 0;
            }
            break;
        case 't': a->tok = optarg; break;
        case 'm': a->model = optarg; break;
        case 'R': a->revision = optarg; break;
        case 'D':
            ok = bench_number("dates", optarg, 1, 100000, &v);
            a->dates = (int)v;
            break;
        case 'P':
            if ((a->precision = kronos_precision_parse(optarg)) < 0) {
                fprintf(stderr, _("kronos-bench: --%s: expected fp32 or int8, got \"%s\"\n"), "precision",
                        optarg);
                ok = 0;
            }
            break;
        case 'h': usage(stdout); return KT_EXIT_OK;
        default: usage(stderr); return KT_EXIT_USAGE;
        }
        if (!ok)
            return KT_EXIT_USAGE;
    }
    int h[KT_MAX_HORIZONS];
    int nh = kt_parse_int_list(a->horizons, 1, 10000, h, KT_MAX_HORIZONS);
    if (nh < 0) {
        fprintf(stderr,
                _("kronos-bench: --%s: expected up to %d comma-separated horizons from 1 to 10000, "
                  "got \"%s\"\n"),
                "horizons", KT_MAX_HORIZONS, a->horizons);
        return KT_EXIT_USAGE;
    }
    a->pred_len = 0;
    for (int i = 0; i < nh; i++)
        if (h[i] > a->pred_len)
            a->pred_len = h[i];
    if (a->tickers < 1 || a->lookback < 2 || a->pred_len < 1 || a->samples < 1 || a->dates < 1 ||
        (!a->tok) != (!a->model)) {
        usage(stderr);
        return KT_EXIT_USAGE;
    }
    return -1;
}

/* Step 2: open the model given, or random weights of the Kronos-small shape. */
static int bench_open_model(const bench_args *a, int p, kronos_model **m, kronos_error *e)
{
    kronos_options o = {0};
    o.precision = p;
    o.threads = a->threads;
    o.batch_size = a->batch_size;
    o.memory_budget_bytes = (size_t)a->budget_mb << 20;
    if (a->tok)
        return kronos_open(a->tok, a->model, &o, m, e);
    kronos_tokenizer_config tc = {6, 256, 4, 512, 4, 4, 10, 10, 4};  /* Kronos-Tokenizer-base */
    kronos_predictor_config pc = {10, 10, 8, 512, 8, 1024, 1};       /* Kronos-small */
    return kronos_open_random(&tc, &pc, a->seed, &o, m, e);
}

/* Step 3, the workload: synthetic daily bars, a random walk per ticker, weekdays only. */
static int bench_build_workload(const bench_args *a, bench_data *bd)
{
    size_t N = (size_t)a->tickers, L = (size_t)a->lookback, P = (size_t)a->pred_len;
    bd->x = malloc(N * L * 6 * sizeof *bd->x);
    bd->out = malloc(N * P * 6 * sizeof *bd->out);
    bd->xs = malloc(N * L * sizeof *bd->xs);
    bd->ys = malloc(N * P * sizeof *bd->ys);
    if (!bd->x || !bd->out || !bd->xs || !bd->ys)
        return -1;
    uint64_t r = a->seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < N; i++) {
        double price = 20 + (double)(i % 50);
        for (size_t t = 0; t < L + P; t++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(r >> 11) / 9007199254740992.0 - 0.5;
            double o2 = price, cl = price * (1 + 0.04 * u);
            kronos_stamp st = {0, 0, (int)(t % 5), (int)(1 + t % 28), (int)(1 + (t / 21) % 12)};
            if (t < L) {
                double *row = bd->x + (i * L + t) * 6;
                row[0] = o2;
                row[1] = fmax(o2, cl) * 1.01;
                row[2] = fmin(o2, cl) * 0.99;
                row[3] = cl;
                row[4] = 1e5 * (1.5 + u);
                row[5] = row[4] * cl;
                bd->xs[i * L + t] = st;
            } else {
                bd->ys[i * P + t - L] = st;
            }
            price = cl;
        }
    }
    return 0;
}

/* Step 5: the analytic FLOPs of the date (matrix products only) and the
 * bytes each phase must move at least: the weights once per micro-batch
 * (and per step in generation), the predictor's KV cache written by the
 * prefill and read in full by every generation step (fp32), and the
 * inputs and outputs. Activations that stay in cache are not counted. */
static bench_flops bench_count_flops(const kronos_info *info, const kronos_timing *tm, double mc,
                                     size_t L, size_t P)
{
    const kronos_predictor_config *pc = &info->predictor;
    const kronos_tokenizer_config *tc = &info->tokenizer;
    double d = pc->d_model, ff = pc->ff_dim, rows = (double)tm->rows, V1 = pow(2, pc->s1_bits),
           V2 = pow(2, pc->s2_bits), nl = pc->n_layers, mb = tm->micro_batches > 0 ? tm->micro_batches : 1;
    double Lw = fmin(L, mc), wp = 4.0 * (double)info->predictor_params, wt = 4.0 * (double)info->tokenizer_params;
    bench_flops f;
    f.pre = rows * (nl * block_flops(d, ff, Lw, Lw) + Lw * (4 * d * d + 4 * d * d) + 2 * d * V1 + 6 * d * d +
                    2 * d * V2);
    f.b_pre = mb * wp + rows * nl * 2 * Lw * d * 4;
    f.steps = f.b_steps = 0;
    for (size_t i = 1; i < P; i++) {
        double T = fmin(L + i, mc);
        f.steps += rows * (nl * block_flops(d, ff, 1, T) + 8 * d * d + 4 * d * d + 2 * d * (V1 + V2) + 4 * d * d +
                           4 * T * d);
        f.b_steps += mb * wp + rows * nl * 2 * (T + 1) * d * 4;
    }
    double dt = tc->d_model, dff = tc->ff_dim, W = fmin(L + P, mc);
    f.enc = rows * ((tc->n_enc_layers - 1) * block_flops(dt, dff, L, L) + L * 2 * dt * (6 + 20));
    f.dec = rows * ((tc->n_dec_layers - 1) * block_flops(dt, dff, W, W) + W * 2 * dt * (6 + 20));
    f.b_enc = mb * wt + rows * L * 6 * 4;
    f.b_dec = mb * wt + rows * W * 6 * 4;
    f.total = f.enc + f.pre + f.steps + f.dec;
    return f;
}

/* one phase's roofline term: the larger of its compute and memory times */
static double roof(double flops, double bytes, double peak_gflops, double bw_gbs)
{
    return fmax(flops / (peak_gflops * 1e9), bytes / (bw_gbs * 1e9));
}

/* Step 6: print the report. */
static void bench_print_report(const bench_args *a, const kronos_info *info, const kronos_device_status *ds,
                               const kronos_timing *tm, double wall, double cpu, double first, double peak,
                               double bw, const bench_flops *f)
{
    const kronos_predictor_config *pc = &info->predictor;
    const kronos_tokenizer_config *tc = &info->tokenizer;
    printf("kronos-bench: one evaluation date\n");
    printf("  model:            %s (d_model %d, %d heads, %d layers, ff %d, bits %d/%d; %lld params)\n",
           a->tok ? info->predictor_dir : "random weights, Kronos-small shape", pc->d_model, pc->n_heads, pc->n_layers,
           pc->ff_dim, pc->s1_bits, pc->s2_bits, (long long)(info->predictor_params + info->tokenizer_params));
    printf("  tokenizer:        d_model %d, %d heads, %d+%d layers, ff %d\n", tc->d_model, tc->n_heads,
           tc->n_enc_layers, tc->n_dec_layers, tc->ff_dim);
    char kernel[128], warn[512];
    kt_blas_kernel_label(ds, kernel, sizeof kernel);
    printf("  device:           %s (verified %d, %lld tensors), %d threads, %s, SIMD %s\n", ds->device, ds->verified,
           (long long)ds->tensors_checked, ds->intra_threads, ds->blas, ds->simd);
    printf("  BLAS kernel:      %s\n", kernel);
    if (kt_blas_warning(ds, warn, sizeof warn))
        printf("  warning:          %s\n", warn);
    printf("  workload:         %d tickers x %d samples, lookback %d, horizons %s (one generation of %d)\n", a->tickers,
           a->samples, a->lookback, a->horizons, a->pred_len);
    printf("  micro-batches:    %d of up to %d rows (memory budget %ld MB)\n", tm->micro_batches, tm->batch_rows,
           a->budget_mb);
    printf("  seconds per date: %.2f (process CPU time %.2f s; the machine is shared, so wall time\n"
           "                    includes waiting for the cores)\n", wall, cpu);
    if (a->dates > 1)
        printf("                    date %d of %d; the first took %.2f s (one-time costs: the KV cache's\n"
               "                    first touch, the allocator's first requests)\n", a->dates, a->dates, first);
    printf("    encode %.2f s, prefill %.2f s, %d generation steps %.2f s, decode %.2f s\n", tm->encode_s,
           tm->prefill_s, a->pred_len - 1, tm->generate_s, tm->decode_s);
    printf("  tokens/s:         %.0f (predictor tokens: %lld prefill + %lld generated)\n",
           (double)(tm->prefill_tokens + tm->step_tokens) / wall, (long long)tm->prefill_tokens,
           (long long)tm->step_tokens);
    printf("  sgemm peak:       %.1f GFLOP/s (at::mm 1024x512x1024, best of 20 before and 20 after)\n", peak);
    printf("  prefill:          %.1f GFLOP/s (%.0f%% of peak)\n", f->pre / tm->prefill_s / 1e9,
           100 * f->pre / tm->prefill_s / 1e9 / peak);
    printf("  generation steps: %.1f GFLOP/s\n", f->steps / tm->generate_s / 1e9);
    printf("  overall:          %.1f GFLOP/s (%.0f%% of peak, %.1f GFLOP in all)\n", f->total / wall / 1e9,
           100 * f->total / wall / 1e9 / peak, f->total / 1e9);
    printf("  memory bandwidth: %.1f GB/s (triad, %d threads, best of 5 before and 5 after)\n", bw, ds->intra_threads);
    if (bw <= 0 || peak <= 0)
        return;
    double r_enc = roof(f->enc, f->b_enc, peak, bw), r_pre = roof(f->pre, f->b_pre, peak, bw),
           r_st = roof(f->steps, f->b_steps, peak, bw), r_dec = roof(f->dec, f->b_dec, peak, bw);
    double r = r_enc + r_pre + r_st + r_dec;
    printf("  roofline:         %.2f s per date (per phase max(FLOPs/peak, bytes/bandwidth), summed)\n", r);
    printf("    encode %.2f s, prefill %.2f s, generation %.2f s (%.1f GB moved: %s-bound), decode %.2f s\n", r_enc,
           r_pre, r_st, f->b_steps / 1e9, f->b_steps / (bw * 1e9) > f->steps / (peak * 1e9) ? "memory" : "compute",
           r_dec);
    printf("  against roofline: date %.2fx, prefill %.2fx, generation %.2fx\n", wall / r, tm->prefill_s / r_pre,
           tm->generate_s / r_st);
}

/* --precision int8 against fp32: the same inputs and seed */
typedef struct {
    long rows, steps;
    long first_s1, first_both; /* rows whose first generated ids agree */
    long all_s1, all_s2;       /* (row, step) ids that agree */
    double close_max, close_median; /* |int8 - fp32| / fp32 of the forecast close */
} bench_fidelity;

/* Step 5b: m (int8) has just forecast `out`; forecast the same in fp32
 * and compare the ids and the closes. */
static int bench_fidelity_run(const bench_args *a, kronos_model *m, const kronos_batch *b,
                              const kronos_sampling *s, const double *out, bench_fidelity *fd)
{
    kronos_model *ref = NULL;
    kronos_error e;
    size_t R = (size_t)a->tickers * (size_t)a->samples, P = (size_t)a->pred_len, N = (size_t)a->tickers;
    int64_t *t8 = malloc(R * P * 2 * sizeof *t8), *t32 = malloc(R * P * 2 * sizeof *t32);
    double *out32 = malloc(N * P * 6 * sizeof *out32), *rel = malloc(N * P * sizeof *rel);
    int rc = -1;
    if (!t8 || !t32 || !out32 || !rel) {
        fprintf(stderr, "%s", _("kronos-bench: out of memory\n"));
        goto done;
    }
    if (kronos_debug_last_tokens(m, t8, R * P * 2) != R * P * 2) {
        fprintf(stderr, "kronos-bench: %s\n", "no generated ids kept");
        goto done;
    }
    if (bench_open_model(a, KRONOS_FP32, &ref, &e) != KRONOS_OK ||
        (kronos_debug_keep_tokens(ref, 1), kronos_forecast(ref, b, s, NULL, NULL, out32, &e)) != KRONOS_OK) {
        fprintf(stderr, "kronos-bench: %s\n", e.msg);
        goto done;
    }
    kronos_debug_last_tokens(ref, t32, R * P * 2);
    fd->rows = (long)R;
    fd->steps = (long)P;
    for (size_t r = 0; r < R; r++)
        for (size_t k = 0; k < P; k++) {
            const int64_t *x = t8 + (r * P + k) * 2, *y = t32 + (r * P + k) * 2;
            fd->all_s1 += x[0] == y[0];
            fd->all_s2 += x[1] == y[1];
            if (k == 0) {
                fd->first_s1 += x[0] == y[0];
                fd->first_both += x[0] == y[0] && x[1] == y[1];
            }
        }
    for (size_t i = 0; i < N * P; i++) /* column 3: close */
        rel[i] = fabs(out[i * 6 + 3] - out32[i * 6 + 3]) / fabs(out32[i * 6 + 3]);
    fd->close_median = kt_metrics_median(rel, (int)(N * P));
    fd->close_max = kt_metrics_quantile(rel, (int)(N * P), 1.0);
    rc = 0;
done:
    kronos_close(ref);
    free(t8);
    free(t32);
    free(out32);
    free(rel);
    return rc;
}

static void bench_print_fidelity(const bench_args *a, const bench_fidelity *f)
{
    double cells = (double)f->rows * (double)f->steps;
    printf("  precision:        %s; fidelity against fp32 on the same inputs and seed:\n",
           kronos_precision_name(a->precision));
    printf("    first generated token: s1 agrees in %ld of %ld rows (%.1f%%), s1 and s2 in %ld (%.1f%%)\n",
           f->first_s1, f->rows, 100.0 * (double)f->first_s1 / (double)f->rows, f->first_both,
           100.0 * (double)f->first_both / (double)f->rows);
    printf("    all %ld steps: s1 ids agree %.1f%%, s2 ids %.1f%% (after a first difference the\n"
           "    contexts differ, so later steps disagree more)\n",
           f->steps, 100.0 * (double)f->all_s1 / cells, 100.0 * (double)f->all_s2 / cells);
    printf("    forecast close: |int8 - fp32| / fp32 median %.3g%%, max %.3g%%\n", 100 * f->close_median,
           100 * f->close_max);
}

int main(int argc, char **argv)
{
    kt_blas_select(argv); /* a kernel that matches the CPU (blas.h); may re-execute */
    kt_i18n_init();
    bench_args a;
    int rc = bench_parse(argc, argv, &a);
    if (rc >= 0)
        return rc;
    kt_hub_ref hub[2]; /* repo ids: the cache, else the Hub (hub.h) */
    if ((rc = kt_hub_resolve_args("kronos-bench", &a.tok, &a.model, a.revision, hub)) != 0)
        return rc;

    kronos_model *m = NULL;
    kronos_error e;
    if (bench_open_model(&a, a.precision, &m, &e) != KRONOS_OK) {
        fprintf(stderr, "kronos-bench: %s\n", e.msg);
        return KT_EXIT_MODEL;
    }
    kronos_info info;
    kronos_describe(m, &info);
    kronos_device_status ds;
    kronos_device_status_get(m, &ds, &e);

    bench_data bd;
    if (bench_build_workload(&a, &bd) != 0) {
        fprintf(stderr, "%s", _("kronos-bench: out of memory\n"));
        return KT_EXIT_FAILURE;
    }
    kronos_batch b = {0};
    b.n_series = a.tickers;
    b.lookback = a.lookback;
    b.ohlcva = bd.x;
    b.has_volume = b.has_amount = 1;
    b.x_stamp = bd.xs;
    b.y_stamp = bd.ys;
    kronos_sampling s;
    kronos_sampling_defaults(&s);
    s.pred_len = a.pred_len;
    s.sample_count = a.samples;
    s.seed = a.seed;

    /* Step 4: time it, between two measures of the sgemm peak */
    if (a.threads > 0)
        kronos_set_threads(NULL, a.threads); /* the sgemm peak with as many threads */
    double peak = kronos_bench_sgemm_gflops(1024, 512, 1024, 20);
    double bw = bench_bandwidth_gbs(ds.intra_threads, (size_t)16 << 20, 5);
    double wall = 0, cpu = 0, first = 0;
    if (a.precision != KRONOS_FP32)
        kronos_debug_keep_tokens(m, 1);
    for (int d = 0; d < a.dates; d++) { /* the same date again: the same work */
        double t0 = now_s(), c0 = cpu_s();
        rc = kronos_forecast(m, &b, &s, NULL, NULL, bd.out, &e);
        wall = now_s() - t0;
        cpu = cpu_s() - c0;
        if (rc != KRONOS_OK) {
            fprintf(stderr, "kronos-bench: %s\n", e.msg);
            return KT_EXIT_FAILURE;
        }
        if (d == 0)
            first = wall;
    }
    double peak2 = kronos_bench_sgemm_gflops(1024, 512, 1024, 20);
    bench_fidelity fid = {0};
    if (a.precision != KRONOS_FP32 && bench_fidelity_run(&a, m, &b, &s, bd.out, &fid) != 0)
        return KT_EXIT_FAILURE;
    if (peak2 > peak)
        peak = peak2;
    kronos_timing tm;
    kronos_debug_timing(m, &tm);
    kronos_device_status_get(m, &ds, &e);
    /* 3 x 128 MB, past any cache; like the peak, the better of before and after */
    double bw2 = bench_bandwidth_gbs(ds.intra_threads, (size_t)16 << 20, 5);
    if (bw2 > bw)
        bw = bw2;

    bench_flops f = bench_count_flops(&info, &tm, s.max_context, (size_t)a.lookback, (size_t)a.pred_len);
    bench_print_report(&a, &info, &ds, &tm, wall, cpu, first, peak, bw, &f);
    if (a.precision != KRONOS_FP32)
        bench_print_fidelity(&a, &fid);
    free(bd.x);
    free(bd.out);
    free(bd.xs);
    free(bd.ys);
    kronos_close(m);
    return KT_EXIT_OK;
}
