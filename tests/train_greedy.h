/* train_greedy.h: the test-only greedy forecast of tests/train_greedy.cpp. */
#ifndef TT_TRAIN_GREEDY_H
#define TT_TRAIN_GREEDY_H

#include <stddef.h>

#include "model/kronos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Greedy forecast with the training forward pass (src/model/) from
 * saved checkpoints: x is [n_series][lookback][6] (volume and amount
 * present), out is [n_series][pred_len][6] in price space. Same semantics as
 * kronos_forecast with temperature 0, sample_count 1, clip 5, no sliding
 * (lookback + pred_len <= max_context). 0 on success; -1 with err set. */
int tt_train_forecast_greedy(const char *tok_dir, const char *pred_dir, int n_series, int lookback,
                             const double *x, const kronos_stamp *x_stamp,
                             const kronos_stamp *y_stamp, int pred_len, double *out, char *err,
                             size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* TT_TRAIN_GREEDY_H */
