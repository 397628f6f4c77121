/* blas.c: the BLAS kernel in use and the choice of a better one (contract
 * in blas.h). */
#include "config.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "base/i18n.h"
#include "model/blas.h"

/* Set by kt_blas_select for the re-executed process: "PICKED:CHOSEN", the
 * kernel OpenBLAS had picked and the one kronos-tui set. The device status
 * uses it to say who chose the kernel; it is believed only while
 * OPENBLAS_CORETYPE still equals CHOSEN. */
#define MARK_ENV "KRONOS_TUI_BLAS_REPLACED"

kt_isa kt_blas_cpu_isa(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
        __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vl"))
        return KT_ISA_AVX512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return KT_ISA_AVX2;
    if (__builtin_cpu_supports("avx"))
        return KT_ISA_AVX;
    return KT_ISA_SSE;
#else
    return KT_ISA_UNKNOWN; /* OpenBLAS's choice on other architectures is kept */
#endif
}

const char *kt_blas_simd_name(void)
{
#if defined(__x86_64__) || defined(__i386__)
    switch (kt_blas_cpu_isa()) {
    case KT_ISA_AVX512: return "AVX512";
    case KT_ISA_AVX2: return "AVX2";
    case KT_ISA_AVX: return "AVX";
    case KT_ISA_SSE:
    case KT_ISA_UNKNOWN: break;
    }
    return __builtin_cpu_supports("sse4.2") ? "SSE4.2" : "SSE2";
#elif defined(__aarch64__)
    return "NEON";
#else
    return "none";
#endif
}

/* OpenBLAS's x86-64 DYNAMIC_ARCH core names (driver/others/dynamic.c) and
 * the instruction set of their sgemm kernels. Steamroller and Excavator
 * use AVX/FMA kernels of the Bulldozer family, not Haswell's. */
static const struct {
    const char *name;
    kt_isa isa;
} cores[] = {
    {"Katmai", KT_ISA_SSE},       {"Coppermine", KT_ISA_SSE},   {"Northwood", KT_ISA_SSE},
    {"Prescott", KT_ISA_SSE},     {"Banias", KT_ISA_SSE},       {"Atom", KT_ISA_SSE},
    {"Core2", KT_ISA_SSE},        {"Penryn", KT_ISA_SSE},       {"Dunnington", KT_ISA_SSE},
    {"Nehalem", KT_ISA_SSE},      {"Athlon", KT_ISA_SSE},       {"Opteron", KT_ISA_SSE},
    {"Opteron_SSE3", KT_ISA_SSE}, {"Barcelona", KT_ISA_SSE},    {"Nano", KT_ISA_SSE},
    {"Bobcat", KT_ISA_SSE},       {"Sandybridge", KT_ISA_AVX},  {"Bulldozer", KT_ISA_AVX},
    {"Piledriver", KT_ISA_AVX},   {"Steamroller", KT_ISA_AVX},  {"Excavator", KT_ISA_AVX},
    {"Haswell", KT_ISA_AVX2},     {"Zen", KT_ISA_AVX2},         {"SkylakeX", KT_ISA_AVX512},
    {"Cooperlake", KT_ISA_AVX512}, {"SapphireRapids", KT_ISA_AVX512},
};

kt_isa kt_blas_core_isa(const char *core)
{
    if (!core)
        return KT_ISA_UNKNOWN;
    for (size_t i = 0; i < sizeof cores / sizeof cores[0]; i++)
        if (strcasecmp(core, cores[i].name) == 0)
            return cores[i].isa;
    return KT_ISA_UNKNOWN;
}

const char *kt_blas_core_for(kt_isa cpu)
{
    switch (cpu) {
    case KT_ISA_AVX512: return "SkylakeX";
    case KT_ISA_AVX2: return "Haswell";
    case KT_ISA_AVX: return "Sandybridge";
    case KT_ISA_SSE:
    case KT_ISA_UNKNOWN: break;
    }
    return NULL;
}

const char *kt_blas_upgrade(const char *core, kt_isa cpu)
{
    kt_isa have = kt_blas_core_isa(core);
    if (have == KT_ISA_UNKNOWN || have >= cpu)
        return NULL;
    return kt_blas_core_for(cpu);
}

typedef const char *(*corename_fn)(void);

static const char *openblas_core(void)
{
    corename_fn f = (corename_fn)(void (*)(void))dlsym(RTLD_DEFAULT, "openblas_get_corename");
    return f ? f() : NULL;
}

void kt_blas_select(char **argv)
{
    const char *env = getenv("OPENBLAS_CORETYPE");
    if ((env && *env) || getenv(MARK_ENV))
        return; /* the user's choice, or this process is the re-executed one */
    const char *picked = openblas_core();
    const char *better = kt_blas_upgrade(picked, kt_blas_cpu_isa());
    if (!better)
        return;
    char exe[PATH_MAX], mark[80];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return;
    exe[n] = '\0';
    snprintf(mark, sizeof mark, "%s:%s", picked, better);
    setenv("OPENBLAS_CORETYPE", better, 1);
    setenv(MARK_ENV, mark, 1);
    fflush(NULL);
    execv(exe, argv);
    /* exec failed: go on with OpenBLAS's kernel; the device status warns */
    unsetenv("OPENBLAS_CORETYPE");
    unsetenv(MARK_ENV);
}

/* "OpenBLAS 0.3.21 NO_LAPACKE DYNAMIC_ARCH ..." -> "OpenBLAS 0.3.21". */
static void library_name(kronos_device_status *st)
{
    const char *(*cfg)(void) = (const char *(*)(void))(void (*)(void))dlsym(RTLD_DEFAULT, "openblas_get_config");
    if (cfg) {
        const char *s = cfg(), *sp = strchr(s, ' ');
        size_t len = strlen(s);
        if (sp && (sp = strchr(sp + 1, ' ')) != NULL)
            len = (size_t)(sp - s);
        snprintf(st->blas, sizeof st->blas, "%.*s", (int)len, s);
        return;
    }
    /* Another BLAS: which libblas did the dynamic linker pick? */
    const char *found = NULL;
    FILE *f = fopen("/proc/self/maps", "r");
    if (f) {
        char line[1024];
        while (fgets(line, sizeof line, f)) {
            if (strstr(line, "libmkl")) {
                found = "MKL";
                break;
            }
            if (strstr(line, "libblas.so") || strstr(line, "libopenblas"))
                found = strstr(line, "openblas") ? "OpenBLAS" : "reference BLAS";
        }
        fclose(f);
    }
    if (!found)
        found = "reference BLAS";
    snprintf(st->blas, sizeof st->blas, "%s", found);
    st->blas_is_reference = strcmp(found, "reference BLAS") == 0;
}

void kt_blas_describe(kronos_device_status *st)
{
    library_name(st);
    snprintf(st->simd, sizeof st->simd, "%s", kt_blas_simd_name());
    const char *core = openblas_core();
    if (!core)
        return;
    snprintf(st->blas_kernel, sizeof st->blas_kernel, "%s", core);
    const char *env = getenv("OPENBLAS_CORETYPE");
    const char *mark = getenv(MARK_ENV);
    const char *colon = mark ? strchr(mark, ':') : NULL;
    if (env && *env && colon && strcasecmp(colon + 1, env) == 0) {
        snprintf(st->blas_kernel_source, sizeof st->blas_kernel_source, "kronos-tui");
        snprintf(st->blas_kernel_replaced, sizeof st->blas_kernel_replaced, "%.*s", (int)(colon - mark), mark);
    } else {
        snprintf(st->blas_kernel_source, sizeof st->blas_kernel_source, "%s",
                 env && *env ? "env" : "openblas");
    }
    kt_isa cpu = kt_blas_cpu_isa();
    const char *best = kt_blas_upgrade(core, cpu);
    if (best)
        snprintf(st->blas_kernel_best, sizeof st->blas_kernel_best, "%s", best);
    st->blas_kernel_slow = best && cpu >= KT_ISA_AVX2;
}

void kt_blas_kernel_label(const kronos_device_status *st, char *buf, size_t n)
{
    if (!st->blas_kernel[0])
        snprintf(buf, n, "-");
    else if (strcmp(st->blas_kernel_source, "kronos-tui") == 0)
        snprintf(buf, n, _("%s (chosen by kronos-tui; OpenBLAS picked %s)"), st->blas_kernel,
                 st->blas_kernel_replaced);
    else if (strcmp(st->blas_kernel_source, "env") == 0)
        snprintf(buf, n, _("%s (OPENBLAS_CORETYPE)"), st->blas_kernel);
    else
        snprintf(buf, n, "%s", st->blas_kernel);
}

int kt_blas_warning(const kronos_device_status *st, char *buf, size_t n)
{
    buf[0] = '\0';
    if (!st->blas_kernel_slow)
        return 0;
    /* Measured on 2-core machines of this project's kind (README,
     * "Performance"): an SSE kernel's sgemm peak is a quarter of an AVX2 or
     * AVX-512 kernel's, and a whole evaluation date takes about twice as
     * long; an AVX kernel loses less. */
    const char *cost = kt_blas_core_isa(st->blas_kernel) <= KT_ISA_SSE
                           ? _("matrix products run about 4x slower and an evaluation 2-3x slower")
                           : _("matrix products run up to 2x slower");
    if (strcmp(st->blas_kernel_source, "env") == 0)
        snprintf(buf, n,
                 _("OPENBLAS_CORETYPE selects the %s kernel, below this %s CPU: %s. Unset OPENBLAS_CORETYPE "
                   "(kronos-tui then picks %s) or set OPENBLAS_CORETYPE=%s."),
                 st->blas_kernel, st->simd, cost, st->blas_kernel_best, st->blas_kernel_best);
    else
        snprintf(buf, n,
                 _("OpenBLAS runs its %s kernel, below this %s CPU (it does not know this CPU model): %s. "
                   "Set OPENBLAS_CORETYPE=%s."),
                 st->blas_kernel, st->simd, cost, st->blas_kernel_best);
    return 1;
}
