/* kronos.h: the Kronos model (tokenizer + predictor) behind a small C API.
 *
 * Contract
 *  - Every function is callable from C; no C++ exception ever crosses it.
 *  - Functions return KRONOS_OK (0) or a kronos_status; on failure `err`
 *    (when not NULL) holds a one-line message naming the file and the
 *    tensor or key at fault.
 *  - Everything runs on the CPU. kronos_device_status() proves it by
 *    checking every parameter, buffer and the last output tensor.
 *  - A kronos_model may be used by one thread at a time.
 */
#ifndef KRONOS_H
#define KRONOS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kronos_status {
    KRONOS_OK = 0,
    KRONOS_EIO,        /* a file could not be read */
    KRONOS_EFORMAT,    /* malformed safetensors or config.json */
    KRONOS_ECONFIG,    /* config key missing / invalid / unsupported */
    KRONOS_ESHAPE,     /* tensor missing, unexpected or of the wrong shape */
    KRONOS_EDEVICE,    /* a tensor was found off the CPU */
    KRONOS_EINVAL,     /* bad argument (NaN input, pred_len < 1, ...) */
    KRONOS_ENOMEM,     /* allocation failed or budget too small */
    KRONOS_ECANCELLED, /* the progress callback asked to stop */
    KRONOS_EINTERNAL   /* unexpected libtorch error (message says which) */
} kronos_status;

typedef struct kronos_error {
    kronos_status code;
    char msg[512];
} kronos_error;

typedef struct kronos_model kronos_model;

/* Arithmetic of the predictor's transformer layers. */
typedef enum kronos_precision {
    KRONOS_FP32 = 0, /* the default: fp32 throughout, bit-for-bit as the reference port */
    KRONOS_INT8 = 1  /* opt-in: the attention and feed-forward matrix products of the
                        predictor's blocks with int8 weights (one scale per matrix) and
                        int8 activations quantised per call (oneDNN); everything else fp32.
                        Faster; the outputs differ (see README "Reduced precision") */
} kronos_precision;

typedef struct kronos_options {
    int threads;                 /* compute lanes (rows split across threads; libtorch and
                                    OpenBLAS single-threaded inside); 0 = libtorch's default */
    size_t memory_budget_bytes;  /* activation budget per micro-batch; 0 = 1 GiB */
    int batch_size;              /* series*samples per micro-batch; 0 = from budget */
    int precision;               /* a kronos_precision: KRONOS_FP32 (0) unless asked */
} kronos_options;

typedef struct kronos_tokenizer_config {
    int d_in, d_model, n_heads, ff_dim, n_enc_layers, n_dec_layers;
    int s1_bits, s2_bits, group_size;
} kronos_tokenizer_config;

typedef struct kronos_predictor_config {
    int s1_bits, s2_bits, n_layers, d_model, n_heads, ff_dim;
    int learn_te;
} kronos_predictor_config;

typedef struct kronos_info {
    kronos_tokenizer_config tokenizer;
    kronos_predictor_config predictor;
    int64_t tokenizer_params, predictor_params;  /* learned parameters */
    int64_t bytes;                               /* parameters + buffers, fp32 */
    char tokenizer_dir[1024], predictor_dir[1024];
} kronos_info;

typedef struct kronos_device_status {
    char device[16];          /* always "cpu" */
    int verified;             /* 1: every tensor checked is on the CPU */
    int64_t tensors_checked;
    int intra_threads;
    char blas[64];            /* e.g. "OpenBLAS 0.3.21" or "reference BLAS" */
    int blas_is_reference;    /* 1: the slow reference BLAS is in use */
    char blas_kernel[32];     /* OpenBLAS's sgemm kernel ("Haswell"); "" for another BLAS */
    char blas_kernel_source[16];   /* "openblas", "env" (OPENBLAS_CORETYPE) or "kronos-tui" */
    char blas_kernel_replaced[32]; /* source "kronos-tui": the kernel OpenBLAS had picked */
    char blas_kernel_best[32];     /* the kernel matching the CPU when the one in use is below it */
    int blas_kernel_slow;     /* 1: the kernel is below an AVX2/AVX-512 CPU (see blas.h) */
    char simd[32];            /* e.g. "AVX2" */
    char precision[8];        /* "fp32" or "int8" (kronos_precision_name) */
    int64_t params;           /* tokenizer + predictor parameters */
    int64_t bytes;
    char violation[256];      /* empty unless verified == 0 */
} kronos_device_status;

/* One calendar stamp, as the reference's calc_time_stamps(). */
typedef struct kronos_stamp {
    int minute, hour, weekday /* Mon=0 */, day /* 1-31 */, month /* 1-12 */;
} kronos_stamp;

/* A batch of series with a common lookback and horizon. */
typedef struct kronos_batch {
    int n_series;
    int lookback;
    const double *ohlcva;          /* [n_series][lookback][6]: open high low close volume amount */
    int has_volume;                /* 0: volume and amount are 0 (reference default) */
    int has_amount;                /* 0: amount = volume * mean(o,h,l,c) */
    const kronos_stamp *x_stamp;   /* [n_series][lookback] */
    const kronos_stamp *y_stamp;   /* [n_series][pred_len] */
    const uint64_t *series_seeds;  /* [n_series] or NULL (then seed + index) */
} kronos_batch;

typedef struct kronos_sampling {
    int pred_len;
    double temperature;  /* 0 = greedy argmax */
    int top_k;           /* 0 = off; 1 = greedy */
    double top_p;        /* 1.0 = off; ignored when top_k > 0 */
    int sample_count;    /* >= 1; samples are averaged in normalised space */
    int max_context;     /* sliding-window length (512 for small/base) */
    double clip;         /* 5 in the reference */
    uint64_t seed;
} kronos_sampling;

/* The reference's predict() defaults: T 1, top_k 0, top_p 0.9, 1 sample,
 * max_context 512, clip 5, seed 0. */
void kronos_sampling_defaults(kronos_sampling *s);

/* Called after every generation step and after every micro-batch, and
 * within the long parts of a step (each layer of a prefill, each chunk of
 * the encode and the decode); return non-zero to cancel. May block (that
 * is how pause works). */
typedef int (*kronos_progress_fn)(void *user, int done_series, int total_series);

/* Where a forecast stands, for kronos_forecast_ex()'s callback. One
 * forecast runs micro_batches micro-batches of pred_len generation steps
 * each (the prefill of the lookback is the first step); steps counts them
 * over the whole call: steps = micro_batches * pred_len. After the k-th
 * step (1-based, k = 1..steps, in order) the callback sees step = k and
 * micro_batch = the 1-based micro-batch that step belongs to; when a
 * micro-batch is done it is called once more with the same step and
 * done_series grown.
 *
 * In between, it is also called with the step unchanged while work_done
 * grows: within the first step (the encode and the prefill, which take
 * as long as all the others on a model of Kronos-small's size), after
 * each layer of a prefill, and after the last step, during the decode.
 * work_done / work_total is the share of the call done, in row-tokens
 * weighted by their cost (an encoded or decoded token 1, a prefilled one
 * 9, a generated one 25: their times on Kronos-small); it never goes
 * back and ends at work_total. It paces progress bars, nothing else. */
typedef struct kronos_progress {
    int done_series, total_series;   /* series whose every sample is done */
    int micro_batch, micro_batches;  /* 1-based */
    int step, steps;                 /* generation steps done, in all */
    int64_t work_done, work_total;   /* weighted row-tokens done, in all */
} kronos_progress;
typedef int (*kronos_progress_ex_fn)(void *user, const kronos_progress *p);

int kronos_open(const char *tokenizer_dir, const char *model_dir,
                const kronos_options *opt, kronos_model **out, kronos_error *err);
void kronos_close(kronos_model *m);

int kronos_describe(const kronos_model *m, kronos_info *info);
int kronos_device_status_get(kronos_model *m, kronos_device_status *st, kronos_error *err);
/* Without a model: device, threads, BLAS and SIMD only (params = 0). */
void kronos_runtime_status(kronos_device_status *st);
int kronos_set_threads(kronos_model *m, int threads);

/* Forecast: out is [n_series][pred_len][6] in price space. */
int kronos_forecast(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                    kronos_progress_fn progress, void *user, double *out, kronos_error *err);

/* The same forecast, also returning every sampled path: paths (NULL: not
 * wanted) is [n_series][sample_count][pred_len][6] in price space, each
 * path de-normalised on its own. out (NULL allowed here) is the average
 * of the paths in normalised space, bit-identical to kronos_forecast()'s:
 * averaging is one consumer of the paths. */
int kronos_forecast_paths(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                          kronos_progress_fn progress, void *user, double *out, double *paths,
                          kronos_error *err);

/* kronos_forecast_paths() with the step-level callback (progress may be
 * NULL); the old two calls report the same calls' series counts. */
int kronos_forecast_ex(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                       kronos_progress_ex_fn progress, void *user, double *out, double *paths,
                       kronos_error *err);

const char *kronos_status_name(kronos_status s);
/* "fp32", "int8"; NULL for any other value. */
const char *kronos_precision_name(int p);
/* KRONOS_FP32 or KRONOS_INT8 for "fp32" or "int8"; -1 otherwise. */
int kronos_precision_parse(const char *name);

#ifdef __cplusplus
}
#endif
#endif /* KRONOS_H */
