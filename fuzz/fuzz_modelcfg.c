/* fuzz_modelcfg.c: the checkpoint config.json reader (src/model/modelcfg.c).
 * The reader takes a path, so the input is written to a scratch file and
 * read both as a tokenizer and as a predictor configuration. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "model/modelcfg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = kt_fuzz_write("config.json", data, size);
    kronos_tokenizer_config tc;
    kronos_predictor_config pc;
    char err[512];
    memset(&tc, 0, sizeof tc);
    memset(&pc, 0, sizeof pc);
    err[0] = '\0';
    int rt = kt_modelcfg_tokenizer(path, &tc, err, sizeof err);
    if (rt != KRONOS_OK && strlen(err) == 0)
        abort();
    err[0] = '\0';
    int rp = kt_modelcfg_predictor(path, &pc, err, sizeof err);
    if (rp != KRONOS_OK && strlen(err) == 0)
        abort();
    if (rt == KRONOS_OK && rp == KRONOS_OK) {
        err[0] = '\0';
        if (kt_modelcfg_pair(&tc, &pc, path, err, sizeof err) != KRONOS_OK && strlen(err) == 0)
            abort();
    }
    return 0;
}
