/* modelcfg.h: strict reading of a checkpoint's config.json (jansson).
 * Errors name the file and the key: "DIR/config.json: key s1_bits: ...". */
#ifndef KT_MODELCFG_H
#define KT_MODELCFG_H

#include <stddef.h>

#include "kronos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Return KRONOS_OK or KRONOS_EIO / KRONOS_EFORMAT / KRONOS_ECONFIG with
 * err filled. */
int kt_modelcfg_tokenizer(const char *path, kronos_tokenizer_config *c, char *err, size_t errlen);
int kt_modelcfg_predictor(const char *path, kronos_predictor_config *c, char *err, size_t errlen);
/* Cross-checks between the two parts (bit widths). */
int kt_modelcfg_pair(const kronos_tokenizer_config *t, const kronos_predictor_config *p,
                     const char *pred_path, char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* KT_MODELCFG_H */
