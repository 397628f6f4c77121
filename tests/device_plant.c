/* device_plant.c: test helper linked into tests/kronos-tui-planted, a build
 * of the real command line (src/cli/main.c and the same libraries as kronos-tui)
 * whose every kronos_open goes through this wrapper (-Wl,--wrap=kronos_open):
 * after the real open succeeds, the tensor named by KT_PLANT_TENSOR (as the
 * device check names it, e.g. "tokenizer embed.weight") is moved to the
 * device KT_PLANT_DEVICE (default "meta", the one non-CPU device a CPU-only
 * libtorch has). The product's own device check must then find it.
 * Without KT_PLANT_TENSOR the wrapper changes nothing. A name that matches
 * no tensor is a test error: the open fails with that message (exit 4), so
 * a renamed tensor cannot make the device test pass vacuously. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>

#include "model/kronos.h"
#include "model/kronos_internal.h"

int __real_kronos_open(const char *tokenizer_dir, const char *model_dir, const kronos_options *opt,
                       kronos_model **out, kronos_error *err);
int __wrap_kronos_open(const char *tokenizer_dir, const char *model_dir, const kronos_options *opt,
                       kronos_model **out, kronos_error *err);

int __wrap_kronos_open(const char *tokenizer_dir, const char *model_dir, const kronos_options *opt,
                       kronos_model **out, kronos_error *err)
{
    int rc = __real_kronos_open(tokenizer_dir, model_dir, opt, out, err);
    const char *name = getenv("KT_PLANT_TENSOR");
    const char *device = getenv("KT_PLANT_DEVICE");
    if (rc != KRONOS_OK || !name || !*name)
        return rc;
    kronos_error e;
    rc = kronos_debug_move_tensor(*out, name, device && *device ? device : "meta", &e);
    if (rc != KRONOS_OK) {
        if (err) {
            err->code = e.code;
            snprintf(err->msg, sizeof err->msg, "device_plant: %.480s", e.msg);
        }
        kronos_close(*out);
        *out = NULL;
    }
    return rc;
}
