/* train.h: train a Kronos tokenizer and predictor on the CPU (libtorch).
 *
 * Contract
 *  - Callable from C; no C++ exception crosses it. Functions return 0, or -1
 *    with a one-line message in err.
 *  - Objectives as upstream Kronos (finetune/train_tokenizer.py,
 *    train_predictor.py):
 *      tokenizer: (mse(s1-only recon) + mse(full recon) + BSQ loss) / 2,
 *        BSQ loss = commitment + zeta * (gamma0 * per-sample entropy
 *        - gamma * codebook entropy) with the soft (grouped) entropy;
 *      predictor: (CE(s1) + CE(s2 | true s1)) / 2, teacher forced.
 *    One deliberate difference: the dependency layer's cross-attention is
 *    trained causally but without RoPE, because inference (upstream and
 *    kronos.h) gives its single query and every key position 0; trained with
 *    rotation, the inference path would see attention it was never trained on.
 *  - Windows of lookback + horizon bars, normalised with the mean and
 *    population std of their first `lookback` bars, clipped to +-5 (as the
 *    upstream dataset). Batches, initialisation and order come from `seed`:
 *    same data, config, seed and thread count -> same bytes.
 *  - Checkpoints: DIR/config.json + DIR/model.safetensors in the Hugging
 *    Face layout (same keys and tensor names as upstream).
 */
#ifndef KT_TRAIN_H
#define KT_TRAIN_H

#include <stddef.h>
#include <stdint.h>

#include "model/kronos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* One ticker's bars, oldest first. */
typedef struct kt_train_series {
    const char *ticker;
    int n;
    const double *ohlcva;        /* [n][6] open high low close volume amount */
    const kronos_stamp *stamps;  /* [n] */
} kt_train_series;

typedef struct kt_train_config {
    kronos_tokenizer_config tok;   /* used when not initialised from a checkpoint */
    kronos_predictor_config pred;
    double beta, gamma0, gamma, zeta;   /* BSQ loss weights (upstream 0.05, 1.0, 1.1, 0.05) */
    int lookback, horizon;         /* window = lookback + horizon bars */
    int batch_size;
    int tok_steps, pred_steps;     /* 0 skips that stage (the initial weights are saved) */
    double tok_lr, pred_lr, weight_decay;
    uint64_t seed;
    int threads;                   /* 0 = library default */
    int log_every;                 /* progress callback every N steps (>= 1) */
    const char *init_tokenizer;    /* checkpoint dirs to start from, or NULL */
    const char *init_predictor;
} kt_train_config;

/* Fills the demo defaults (tokenizer d_model 64, predictor d_model 128 ...). */
void kt_train_config_defaults(kt_train_config *c);

/* stage is "tokenizer" or "predictor"; l1/l2: reconstruction and BSQ loss,
 * or CE(s1) and CE(s2). Return non-zero to cancel. */
typedef int (*kt_train_progress_fn)(void *user, const char *stage, int step, int total,
                                    double loss, double l1, double l2, double lr);

typedef struct kt_train_result {
    double tok_loss_first, tok_loss_last;    /* mean of the first / last 10 steps */
    double pred_loss_first, pred_loss_last;
    long windows;                            /* windows available for training */
    int64_t tokenizer_params, predictor_params;
} kt_train_result;

int kt_train_run(const kt_train_config *cfg, const kt_train_series *series, int n_series,
                 const char *tok_out, const char *pred_out,
                 kt_train_progress_fn progress, void *user, kt_train_result *res,
                 char *err, size_t errlen);

/* Tokenizer round trip (a diagnostic): each window of x [n_series][len][6]
 * is normalised over its own len bars as in training, encoded to (s1, s2)
 * and decoded; rec [n_series][len][6] is the reconstruction in price space. */
int kt_train_reconstruct(const char *tok_dir, int n_series, int len, const double *x,
                         double *rec, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* KT_TRAIN_H */
