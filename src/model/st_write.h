/* st_write.h: write a safetensors file (the Hugging Face checkpoint format).
 *
 * Contract
 *  - Tensors are written in the order of their names (strcmp), the header
 *    is compact JSON ending with "__metadata__":{"format":"pt"} (as
 *    PyTorch's save_file writes it) and padded with spaces to a multiple of
 *    8 bytes; data is little-endian. Same tensors -> same bytes.
 *  - The file is written to PATH.tmp and renamed over PATH.
 *  - Returns 0, or -1 with a one-line message in err naming the file or the
 *    tensor at fault (duplicate or empty name, bad rank, I/O error).
 */
#ifndef KT_ST_WRITE_H
#define KT_ST_WRITE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum kt_st_dtype { KT_ST_F32 = 0, KT_ST_I64 = 1 } kt_st_dtype;

#define KT_ST_MAX_DIMS 8

typedef struct kt_st_tensor {
    const char *name;
    kt_st_dtype dtype;
    int ndim;                        /* 0 .. KT_ST_MAX_DIMS */
    int64_t shape[KT_ST_MAX_DIMS];
    const void *data;                /* host-order contiguous float or int64_t */
} kt_st_tensor;

int kt_st_write(const char *path, const kt_st_tensor *tensors, size_t n,
                char *err, size_t errlen);

#ifdef __cplusplus
}
#endif
#endif /* KT_ST_WRITE_H */
