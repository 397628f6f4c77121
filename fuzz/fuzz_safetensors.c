/* fuzz_safetensors.c: the safetensors parser (kt_st_parse, memory). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "model/safetensors.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kt_safetensors st;
    char err[512];
    err[0] = '\0';
    memset(&st, 0, sizeof st);
    if (kt_st_parse(data, size, &st, err, sizeof err) != 0) {
        if (strlen(err) == 0)
            abort();
        kt_st_free(&st);
        return 0;
    }
    for (size_t i = 0; i < st.n; i++) {
        const kt_st_tensor *t = &st.t[i];
        if (kt_st_find(&st, t->name) != t)
            abort();
        if (t->offset > st.data_len || t->nbytes > st.data_len - t->offset)
            abort(); /* the parser promised bounds */
        char shape[256];
        kt_st_shape_str(t->shape, t->ndim, shape, sizeof shape);
        (void)kt_st_dtype_name(t->dtype);
        if (t->numel > 0 && t->numel <= (1 << 20)) {
            float *dst = malloc((size_t)t->numel * sizeof *dst);
            if (dst) {
                (void)kt_st_to_f32(&st, t, dst);
                free(dst);
            }
        }
    }
    kt_st_free(&st);
    return 0;
}
