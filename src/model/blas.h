/* blas.h: which sgemm kernel the BLAS runs, and a better one when OpenBLAS
 * fell back to a generic kernel.
 *
 * OpenBLAS (a DYNAMIC_ARCH build, as Debian's) picks its kernel once, when
 * the library loads, from the CPU model. A CPU newer than the OpenBLAS
 * release is unknown to it and gets the generic SSE3 "Prescott" kernel:
 * matrix products then run 3-4x slower on an AVX2 or AVX-512 CPU, with
 * nothing said. kt_blas_select() runs first thing in main(): when the
 * kernel is below the CPU's instruction set and the user set no
 * OPENBLAS_CORETYPE, it re-executes the program with OPENBLAS_CORETYPE set
 * to the kernel matching the CPU (SkylakeX for AVX-512, Haswell for AVX2).
 * A user's own OPENBLAS_CORETYPE always wins and is never overwritten.
 *
 * kt_blas_describe() fills the device status with what is in use, and
 * kt_blas_warning() words the warning when the kernel is slow.
 *
 * No libtorch here: the library is found with dlsym(), so the module works
 * (and says "not OpenBLAS") with any BLAS. */
#ifndef KT_BLAS_H
#define KT_BLAS_H

#include <stddef.h>

#include "model/kronos.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Instruction-set levels that matter to sgemm kernels, in order. */
typedef enum kt_isa {
    KT_ISA_UNKNOWN = 0, /* an OpenBLAS core name this table does not know */
    KT_ISA_SSE,         /* SSE2/SSE3 (Prescott, Core2, Nehalem, ...) */
    KT_ISA_AVX,         /* AVX (Sandybridge, Bulldozer, ...) */
    KT_ISA_AVX2,        /* AVX2 + FMA (Haswell, Zen) */
    KT_ISA_AVX512       /* AVX-512 F/CD/BW/DQ/VL (SkylakeX, Cooperlake, ...) */
} kt_isa;

/* The CPU's level, as this process may use it (the OS must save the
 * registers: GCC's __builtin_cpu_supports checks XCR0). */
kt_isa kt_blas_cpu_isa(void);

/* The device status's SIMD level, from the same detection: "AVX512",
 * "AVX2", "AVX", "SSE4.2", "SSE2"; "NEON" or "none" elsewhere. */
const char *kt_blas_simd_name(void);

/* The level an OpenBLAS core's kernels use (case-insensitive name);
 * KT_ISA_UNKNOWN for a name not in the table. */
kt_isa kt_blas_core_isa(const char *core);

/* The OpenBLAS core that matches a CPU level: "SkylakeX", "Haswell",
 * "Sandybridge"; NULL for SSE or unknown (nothing better to pick). */
const char *kt_blas_core_for(kt_isa cpu);

/* The core to switch to when `core` is below `cpu`; NULL when `core` is
 * unknown, already at the CPU's level, or nothing better exists. */
const char *kt_blas_upgrade(const char *core, kt_isa cpu);

/* Call first thing in main(), before any thread or output: re-executes
 * the program (same argv, /proc/self/exe) with OPENBLAS_CORETYPE set when
 * OpenBLAS picked a kernel below the CPU and the user did not choose one.
 * Returns only when nothing is to be done or exec failed (the device
 * status then warns). */
void kt_blas_select(char **argv);

/* Fills the BLAS fields of a device status (blas, blas_is_reference,
 * blas_kernel*, simd; see kronos.h) of a zeroed status: what is in use
 * and who chose it. */
void kt_blas_describe(kronos_device_status *st);

/* The kernel as the device status shows it: "Haswell", "Haswell (chosen
 * by kronos-tui; OpenBLAS picked Prescott)", "Prescott (OPENBLAS_CORETYPE)";
 * "-" for another BLAS. */
void kt_blas_kernel_label(const kronos_device_status *st, char *buf, size_t n);

/* One translated sentence when the kernel is slow (what it costs and how
 * to fix it); returns 0 and writes "" otherwise. */
int kt_blas_warning(const kronos_device_status *st, char *buf, size_t n);

#ifdef __cplusplus
}
#endif

#endif /* KT_BLAS_H */
