/* kronos_internal.h: test and benchmark entry points of the engine.
 * Not for the application: the parity tests and kronos-bench use these to
 * reach the individual stages (tokenizer encode/decode, last-position
 * logits) and to build a model with random weights. Same error contract
 * as kronos.h. */
#ifndef KRONOS_INTERNAL_H
#define KRONOS_INTERNAL_H

#include "model/kronos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A model with random weights (N(0, 1/fan_in) linear weights, unit norms)
 * of the given shapes; the configs are validated like config.json. */
int kronos_open_random(const kronos_tokenizer_config *tc, const kronos_predictor_config *pc, uint64_t seed,
                       const kronos_options *opt, kronos_model **out, kronos_error *err);

/* 1 (default): KV cache while the window grows; 0: recompute every step. */
void kronos_debug_set_kv_cache(kronos_model *m, int enable);

/* Moves the tensor the device check calls `name` ("tokenizer embed.weight",
 * as in kronos_device_status's violation) to `device` ("meta"): lets a test
 * plant a tensor off the CPU (libtorch here has no other device).
 * KRONOS_EINVAL when no tensor has that name. */
int kronos_debug_move_tensor(kronos_model *m, const char *name, const char *device, kronos_error *err);

/* Tokenizer encode of one normalised series x[L][6] -> s1[L], s2[L]. */
int kronos_debug_encode(kronos_model *m, const float *x, int L, int64_t *s1, int64_t *s2, kronos_error *err);
/* Tokenizer decode of ids[L] -> out[L][6] (normalised space). */
int kronos_debug_decode(kronos_model *m, const int64_t *s1, const int64_t *s2, int L, float *out,
                        kronos_error *err);
/* Predictor over a window of L tokens (positions 0..L-1): s1 logits of the
 * last position (2^s1_bits floats) and s2 logits of the last position
 * conditioned on s1 id `s1_cond` (2^s2_bits floats). */
int kronos_debug_last_logits(kronos_model *m, const int64_t *s1, const int64_t *s2, const kronos_stamp *stamps,
                             int L, int64_t s1_cond, float *s1_logits, float *s2_logits, kronos_error *err);

/* The same stages through the training forward pass: a copy of the weights
 * that requires gradients, gradients on, the whole window at once without
 * a cache. Tokenizer encode of x[L][6] -> enc_s1, enc_s2; decode of (s1, s2)
 * -> dec[L][6]; predictor logits of the last position as
 * kronos_debug_last_logits (s2 from the teacher-forced, causal dependency
 * layer with s1_cond as the last position's query). *grad_ok is 1 when
 * every output requires grad and one backward pass from their sum reaches
 * every learned tensor of both parts (except post_quant_embed_pre, which
 * only the s1-only reconstruction of training uses). */
int kronos_debug_train_forward(kronos_model *m, const float *x, const int64_t *s1, const int64_t *s2,
                               const kronos_stamp *stamps, int L, int64_t s1_cond, int64_t *enc_s1, int64_t *enc_s2,
                               float *dec, float *s1_logits, float *s2_logits, int *grad_ok, kronos_error *err);

/* The sampler of every generation step, on one row of n logits: `count`
 * draws from the RNG stream (seed, stream) that kronos_forecast gives a row
 * (stream = sample index), with s's temperature, top_k and top_p (the other
 * fields are ignored). For the sampling property tests. */
/* The attention kernel of a generation step on random data: the fixed
 * head-size kernel against the generic one, for head size hd and T keys.
 * Returns how many of the hd outputs differ in any bit (-1: bad input). */
int kronos_debug_attend_diff(int hd, int T, uint64_t seed);
int kronos_debug_sample(const float *logits, int n, const kronos_sampling *s, uint64_t seed, uint64_t stream,
                        int count, int64_t *out, kronos_error *err);

/* Keep (enable 1) the ids every later forecast call generates, for
 * kronos_debug_last_tokens: the fidelity of --precision int8. */
void kronos_debug_keep_tokens(kronos_model *m, int enable);
/* The last call's generated ids: out[row][step][0] the s1 id, [1] the s2
 * id, rows = series x samples in kronos_forecast's order (series-major),
 * step 0..pred_len-1. Returns the number of ids (rows * pred_len * 2);
 * copies at most max of them; 0 when none were kept. */
size_t kronos_debug_last_tokens(const kronos_model *m, int64_t *out, size_t max);

/* Timing of the last kronos_forecast call. */
typedef struct kronos_timing {
    double encode_s, prefill_s, generate_s, decode_s, total_s;
    int64_t rows;             /* series x samples */
    int64_t prefill_tokens;   /* tokens through the predictor in prefills */
    int64_t step_tokens;      /* tokens through the predictor in later steps */
    int micro_batches, batch_rows;
} kronos_timing;
void kronos_debug_timing(const kronos_model *m, kronos_timing *t);
/* Generation steps finished so far by every lane (all calls), read while
 * a call runs (from its progress callback). */
long long kronos_debug_steps(const kronos_model *m);

/* Measured single-precision GEMM rate of this process's libtorch/BLAS:
 * at::mm of [m,k] x [k,n], best of `reps`, in GFLOP/s. */
double kronos_bench_sgemm_gflops(int m, int k, int n, int reps);

#ifdef __cplusplus
}
#endif
#endif /* KRONOS_INTERNAL_H */
