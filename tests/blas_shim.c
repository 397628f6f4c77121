/* blas_shim.c: LD_PRELOAD shim for tests/blas_kernel.sh. It plays an
 * OpenBLAS that does not know this CPU: while OPENBLAS_CORETYPE is unset,
 * openblas_get_corename() answers "Prescott", the generic kernel OpenBLAS
 * 0.3.21 falls back to on a CPU newer than itself. Once OPENBLAS_CORETYPE
 * is set it answers what the real library loaded, so the test sees the
 * kernel OpenBLAS really runs after kronos-tui re-executed itself. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>

char *openblas_get_corename(void)
{
    const char *e = getenv("OPENBLAS_CORETYPE");
    if (!e || !*e)
        return (char *)"Prescott";
    char *(*real)(void) = (char *(*)(void))dlsym(RTLD_NEXT, "openblas_get_corename");
    return real ? real() : (char *)"unknown";
}
