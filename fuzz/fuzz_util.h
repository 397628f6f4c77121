/* fuzz_util.h: helpers shared by the fuzz targets (test-only code).
 *
 * Targets whose parser reads a path (config.json, the journal) write the
 * input into a private temporary directory created once per process. */
#ifndef KT_FUZZ_UTIL_H
#define KT_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The per-process scratch directory (removed at exit). Aborts on failure. */
const char *kt_fuzz_dir(void);
/* Writes len bytes to DIR/name, returns the full path (static buffer).
 * Aborts on I/O errors: they are harness failures, not findings. */
const char *kt_fuzz_write(const char *name, const void *data, size_t len);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#endif
