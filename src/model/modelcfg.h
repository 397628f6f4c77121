/* modelcfg.h: strict reading of a checkpoint's config.json (jansson).
 * Errors name the file and the key: "DIR/config.json: key s1_bits: ...". */
#ifndef KT_MODELCFG_H
#define KT_MODELCFG_H

#include <stddef.h>

#include "model/kronos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Return KRONOS_OK or KRONOS_EIO / KRONOS_EFORMAT / KRONOS_ECONFIG with
 * err filled. */
int kt_modelcfg_tokenizer(const char *path, kronos_tokenizer_config *c, char *err, size_t errlen);
int kt_modelcfg_predictor(const char *path, kronos_predictor_config *c, char *err, size_t errlen);
/* The same rules on a config built in memory (training's settings, random
 * models); `path` names it in the message. */
int kt_modelcfg_check_tokenizer(const kronos_tokenizer_config *c, const char *path, char *err, size_t errlen);
int kt_modelcfg_check_predictor(const kronos_predictor_config *c, const char *path, char *err, size_t errlen);
/* Cross-checks between the two parts (bit widths). */
int kt_modelcfg_pair(const kronos_tokenizer_config *t, const kronos_predictor_config *p,
                     const char *pred_path, char *err, size_t errlen);

/* Writes config.json in the upstream layout (what the readers accept);
 * bsq: the tokenizer's loss weights beta, gamma0, gamma, zeta. KRONOS_OK or
 * KRONOS_EIO with err filled. */
int kt_modelcfg_write_tokenizer(const char *path, const kronos_tokenizer_config *c, const double bsq[4], char *err,
                                size_t errlen);
int kt_modelcfg_write_predictor(const char *path, const kronos_predictor_config *c, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* KT_MODELCFG_H */
