/* kronos-bench: time one evaluation date of the walk-forward evaluation:
 * N tickers (default 100), lookback 252, horizons 20/60/90 served by one
 * generation of 90 steps. Random weights of the Kronos-small shape (with a
 * Kronos-Tokenizer-base shaped tokenizer) unless --tokenizer/--model are
 * given. Prints seconds per date, tokens/s and achieved GFLOP/s of the
 * prefill and overall, next to the sgemm rate measured in this process. */
#include "config.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "blas.h"
#include "exitcodes.h"
#include "i18n.h"
#include "kronos.h"
#include "kronos_internal.h"

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
            "         [--budget-mb MB] [--batch-size N] [--samples S] [--seed N]\n"
            "         [--tokenizer DIR --model DIR]\n"
            "Times one evaluation date (one generation of the longest horizon serves all).\n"),
          out);
}

int main(int argc, char **argv)
{
    static const struct option opts[] = {
        {"tickers", required_argument, NULL, 'n'}, {"lookback", required_argument, NULL, 'l'},
        {"horizons", required_argument, NULL, 'H'}, {"threads", required_argument, NULL, 'j'},
        {"budget-mb", required_argument, NULL, 'b'}, {"batch-size", required_argument, NULL, 'B'},
        {"samples", required_argument, NULL, 's'}, {"seed", required_argument, NULL, 'S'},
        {"tokenizer", required_argument, NULL, 't'}, {"model", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'}, {NULL, 0, NULL, 0}};
    kt_blas_select(argv); /* a kernel that matches the CPU (blas.h); may re-execute */
    int tickers = 100, lookback = 252, threads = 0, batch_size = 0, samples = 1, c;
    long budget_mb = 2048;
    unsigned long long seed = 1;
    const char *horizons = "20,60,90", *tok = NULL, *model = NULL;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (c) {
        case 'n': tickers = atoi(optarg); break;
        case 'l': lookback = atoi(optarg); break;
        case 'H': horizons = optarg; break;
        case 'j': threads = atoi(optarg); break;
        case 'b': budget_mb = atol(optarg); break;
        case 'B': batch_size = atoi(optarg); break;
        case 's': samples = atoi(optarg); break;
        case 'S': seed = strtoull(optarg, NULL, 10); break;
        case 't': tok = optarg; break;
        case 'm': model = optarg; break;
        case 'h': usage(stdout); return KT_EXIT_OK;
        default: usage(stderr); return KT_EXIT_USAGE;
        }
    }
    int pred_len = 0;
    for (const char *p = horizons; *p;) {
        int h = atoi(p);
        if (h > pred_len)
            pred_len = h;
        p = strchr(p, ',');
        if (!p)
            break;
        p++;
    }
    if (tickers < 1 || lookback < 2 || pred_len < 1 || samples < 1 || (!tok) != (!model)) {
        usage(stderr);
        return KT_EXIT_USAGE;
    }

    kronos_options o = {0};
    o.threads = threads;
    o.batch_size = batch_size;
    o.memory_budget_bytes = (size_t)budget_mb << 20;
    kronos_model *m = NULL;
    kronos_error e;
    int rc;
    if (tok) {
        rc = kronos_open(tok, model, &o, &m, &e);
    } else {
        kronos_tokenizer_config tc = {6, 256, 4, 512, 4, 4, 10, 10, 4};  /* Kronos-Tokenizer-base */
        kronos_predictor_config pc = {10, 10, 8, 512, 8, 1024, 1};       /* Kronos-small */
        rc = kronos_open_random(&tc, &pc, seed, &o, &m, &e);
    }
    if (rc != KRONOS_OK) {
        fprintf(stderr, "kronos-bench: %s\n", e.msg);
        return KT_EXIT_MODEL;
    }
    kronos_info info;
    kronos_describe(m, &info);
    kronos_device_status ds;
    kronos_device_status_get(m, &ds, &e);

    /* Synthetic daily bars: a random walk per ticker, weekdays only. */
    size_t N = (size_t)tickers, L = (size_t)lookback, P = (size_t)pred_len;
    double *x = malloc(N * L * 6 * sizeof *x), *out = malloc(N * P * 6 * sizeof *out);
    kronos_stamp *xs = malloc(N * L * sizeof *xs), *ys = malloc(N * P * sizeof *ys);
    if (!x || !out || !xs || !ys) {
        fprintf(stderr, "%s", _("kronos-bench: out of memory\n"));
        return KT_EXIT_FAILURE;
    }
    uint64_t r = seed * 0x9e3779b97f4a7c15ULL + 1;
    for (size_t i = 0; i < N; i++) {
        double price = 20 + (double)(i % 50);
        for (size_t t = 0; t < L + P; t++) {
            r = r * 6364136223846793005ULL + 1442695040888963407ULL;
            double u = (double)(r >> 11) / 9007199254740992.0 - 0.5;
            double o2 = price, cl = price * (1 + 0.04 * u);
            kronos_stamp st = {0, 0, (int)(t % 5), (int)(1 + t % 28), (int)(1 + (t / 21) % 12)};
            if (t < L) {
                double *row = x + (i * L + t) * 6;
                row[0] = o2;
                row[1] = fmax(o2, cl) * 1.01;
                row[2] = fmin(o2, cl) * 0.99;
                row[3] = cl;
                row[4] = 1e5 * (1.5 + u);
                row[5] = row[4] * cl;
                xs[i * L + t] = st;
            } else {
                ys[i * P + t - L] = st;
            }
            price = cl;
        }
    }
    kronos_batch b = {0};
    b.n_series = tickers;
    b.lookback = lookback;
    b.ohlcva = x;
    b.has_volume = b.has_amount = 1;
    b.x_stamp = xs;
    b.y_stamp = ys;
    kronos_sampling s;
    kronos_sampling_defaults(&s);
    s.pred_len = pred_len;
    s.sample_count = samples;
    s.seed = seed;

    if (threads > 0)
        kronos_set_threads(NULL, threads); /* the sgemm peak with as many threads */
    double peak = kronos_bench_sgemm_gflops(1024, 512, 1024, 20);
    double t0 = now_s(), c0 = cpu_s();
    rc = kronos_forecast(m, &b, &s, NULL, NULL, out, &e);
    double wall = now_s() - t0, cpu = cpu_s() - c0;
    if (rc != KRONOS_OK) {
        fprintf(stderr, "kronos-bench: %s\n", e.msg);
        return KT_EXIT_FAILURE;
    }
    double peak2 = kronos_bench_sgemm_gflops(1024, 512, 1024, 20);
    if (peak2 > peak)
        peak = peak2;
    kronos_timing tm;
    kronos_debug_timing(m, &tm);
    kronos_device_status_get(m, &ds, &e);

    /* Analytic FLOPs (matrix products only). */
    const kronos_predictor_config *pc = &info.predictor;
    const kronos_tokenizer_config *tc = &info.tokenizer;
    double d = pc->d_model, ff = pc->ff_dim, rows = (double)tm.rows, V1 = pow(2, pc->s1_bits),
           V2 = pow(2, pc->s2_bits);
    double mc = s.max_context, Lw = fmin(L, mc);
    double pre = rows * (pc->n_layers * block_flops(d, ff, Lw, Lw) + Lw * (4 * d * d + 4 * d * d) +
                         2 * d * V1 + 6 * d * d + 2 * d * V2);
    double steps = 0;
    for (size_t i = 1; i < P; i++) {
        double T = fmin(L + i, mc);
        steps += rows * (pc->n_layers * block_flops(d, ff, 1, T) + 8 * d * d + 4 * d * d + 2 * d * (V1 + V2) +
                         4 * d * d + 4 * T * d);
    }
    double dt = tc->d_model, dff = tc->ff_dim, W = fmin(L + P, mc);
    double enc = rows * ((tc->n_enc_layers - 1) * block_flops(dt, dff, L, L) + L * 2 * dt * (6 + 20));
    double dec = rows * ((tc->n_dec_layers - 1) * block_flops(dt, dff, W, W) + W * 2 * dt * (6 + 20));
    double total = pre + steps + enc + dec;

    printf("kronos-bench: one evaluation date\n");
    printf("  model:            %s (d_model %d, %d heads, %d layers, ff %d, bits %d/%d; %lld params)\n",
           tok ? info.predictor_dir : "random weights, Kronos-small shape", pc->d_model, pc->n_heads, pc->n_layers,
           pc->ff_dim, pc->s1_bits, pc->s2_bits, (long long)(info.predictor_params + info.tokenizer_params));
    printf("  tokenizer:        d_model %d, %d heads, %d+%d layers, ff %d\n", tc->d_model, tc->n_heads,
           tc->n_enc_layers, tc->n_dec_layers, tc->ff_dim);
    char kernel[128], warn[512];
    kt_blas_kernel_label(&ds, kernel, sizeof kernel);
    printf("  device:           %s (verified %d, %lld tensors), %d threads, %s, SIMD %s\n", ds.device, ds.verified,
           (long long)ds.tensors_checked, ds.intra_threads, ds.blas, ds.simd);
    printf("  BLAS kernel:      %s\n", kernel);
    if (kt_blas_warning(&ds, warn, sizeof warn))
        printf("  warning:          %s\n", warn);
    printf("  workload:         %d tickers x %d samples, lookback %d, horizons %s (one generation of %d)\n", tickers,
           samples, lookback, horizons, pred_len);
    printf("  micro-batches:    %d of up to %d rows (memory budget %ld MB)\n", tm.micro_batches, tm.batch_rows, budget_mb);
    printf("  seconds per date: %.2f (process CPU time %.2f s; the machine is shared, so wall time\n"
           "                    includes waiting for the cores)\n", wall, cpu);
    printf("    encode %.2f s, prefill %.2f s, %d generation steps %.2f s, decode %.2f s\n", tm.encode_s,
           tm.prefill_s, pred_len - 1, tm.generate_s, tm.decode_s);
    printf("  tokens/s:         %.0f (predictor tokens: %lld prefill + %lld generated)\n",
           (double)(tm.prefill_tokens + tm.step_tokens) / wall, (long long)tm.prefill_tokens,
           (long long)tm.step_tokens);
    printf("  sgemm peak:       %.1f GFLOP/s (at::mm 1024x512x1024, best of 20)\n", peak);
    printf("  prefill:          %.1f GFLOP/s (%.0f%% of peak)\n", pre / tm.prefill_s / 1e9,
           100 * pre / tm.prefill_s / 1e9 / peak);
    printf("  generation steps: %.1f GFLOP/s\n", steps / tm.generate_s / 1e9);
    printf("  overall:          %.1f GFLOP/s (%.0f%% of peak, %.1f GFLOP in all)\n", total / wall / 1e9,
           100 * total / wall / 1e9 / peak, total / 1e9);
    free(x);
    free(out);
    free(xs);
    free(ys);
    kronos_close(m);
    return KT_EXIT_OK;
}
