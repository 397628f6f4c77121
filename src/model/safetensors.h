/* safetensors.h: a bounds-checked reader for the safetensors format.
 *
 * Layout: 8-byte little-endian header length N, N bytes of JSON
 * ({"name": {"dtype": "F32", "shape": [..], "data_offsets": [b, e]}, ...,
 * "__metadata__": {...}}), then the data section. Every offset and size is
 * checked against the buffer; nothing is trusted. Pure C, no libtorch.
 *
 * Errors are one line without the file name (the caller prefixes it).
 */
#ifndef KT_SAFETENSORS_H
#define KT_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define KT_ST_MAX_DIMS 8

typedef enum kt_st_dtype {
    KT_ST_F32, KT_ST_F16, KT_ST_BF16, KT_ST_F64,
    KT_ST_I64, KT_ST_I32, KT_ST_I16, KT_ST_I8, KT_ST_U8, KT_ST_BOOL
} kt_st_dtype;

typedef struct kt_st_tensor {
    char *name;
    kt_st_dtype dtype;
    int ndim;
    int64_t shape[KT_ST_MAX_DIMS];
    int64_t numel;
    size_t offset;   /* from the start of the data section */
    size_t nbytes;
} kt_st_tensor;

typedef struct kt_safetensors {
    unsigned char *owned;       /* file contents when loaded by kt_st_load */
    const unsigned char *data;  /* start of the data section */
    size_t data_len;
    size_t n;
    kt_st_tensor *t;            /* sorted by name */
} kt_safetensors;

/* Parse `len` bytes at `buf` (not copied: buf must outlive st).
 * Returns 0, or -1 with a message in err. */
int kt_st_parse(const unsigned char *buf, size_t len, kt_safetensors *st,
                char *err, size_t errlen);
/* Read a whole file and parse it (st owns the bytes). -1: err set;
 * *io_error (when not NULL) is 1 when the file could not be read. */
int kt_st_load(const char *path, kt_safetensors *st, int *io_error,
               char *err, size_t errlen);
void kt_st_free(kt_safetensors *st);

const kt_st_tensor *kt_st_find(const kt_safetensors *st, const char *name);
const char *kt_st_dtype_name(kt_st_dtype d);
/* Convert a floating tensor (F32, F16, BF16, F64) to float32 in dst
 * (numel floats). -1 for other dtypes. */
int kt_st_to_f32(const kt_safetensors *st, const kt_st_tensor *t, float *dst);
/* Half-precision helpers (exposed for tests). */
float kt_st_f16_to_f32(uint16_t h);
float kt_st_bf16_to_f32(uint16_t h);
/* "[1024,512]" into buf. */
void kt_st_shape_str(const int64_t *shape, int ndim, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* KT_SAFETENSORS_H */
