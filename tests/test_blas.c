/* test_blas.c: the BLAS kernel choice (src/model/blas.h) on fake core names, as
 * an OpenBLAS that does not know the CPU would report them, and the exact
 * wording the device status shows. */
#include "config.h"

#include <check.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "model/blas.h"

START_TEST(test_core_levels)
{
    ck_assert_int_eq(kt_blas_core_isa("Prescott"), KT_ISA_SSE);
    ck_assert_int_eq(kt_blas_core_isa("prescott"), KT_ISA_SSE); /* OpenBLAS compares without case */
    ck_assert_int_eq(kt_blas_core_isa("Nehalem"), KT_ISA_SSE);
    ck_assert_int_eq(kt_blas_core_isa("Sandybridge"), KT_ISA_AVX);
    ck_assert_int_eq(kt_blas_core_isa("Excavator"), KT_ISA_AVX);
    ck_assert_int_eq(kt_blas_core_isa("Haswell"), KT_ISA_AVX2);
    ck_assert_int_eq(kt_blas_core_isa("ZEN"), KT_ISA_AVX2);
    ck_assert_int_eq(kt_blas_core_isa("SkylakeX"), KT_ISA_AVX512);
    ck_assert_int_eq(kt_blas_core_isa("Cooperlake"), KT_ISA_AVX512);
    ck_assert_int_eq(kt_blas_core_isa("SapphireRapids"), KT_ISA_AVX512);
    ck_assert_int_eq(kt_blas_core_isa("Neoverse N1"), KT_ISA_UNKNOWN);
    ck_assert_int_eq(kt_blas_core_isa(""), KT_ISA_UNKNOWN);
    ck_assert_int_eq(kt_blas_core_isa(NULL), KT_ISA_UNKNOWN);
}
END_TEST

START_TEST(test_upgrade)
{
    /* the machine of issue 14: AVX-512 Xeon, OpenBLAS 0.3.21 falls back */
    ck_assert_str_eq(kt_blas_upgrade("Prescott", KT_ISA_AVX512), "SkylakeX");
    ck_assert_str_eq(kt_blas_upgrade("Prescott", KT_ISA_AVX2), "Haswell");
    ck_assert_str_eq(kt_blas_upgrade("Nehalem", KT_ISA_AVX), "Sandybridge");
    ck_assert_str_eq(kt_blas_upgrade("Zen", KT_ISA_AVX512), "SkylakeX"); /* Zen 4 on 0.3.21 */
    ck_assert_str_eq(kt_blas_upgrade("sandybridge", KT_ISA_AVX2), "Haswell");
    /* already at the CPU's level, above it, or unknown: keep OpenBLAS's pick */
    ck_assert_ptr_null(kt_blas_upgrade("Haswell", KT_ISA_AVX2));
    ck_assert_ptr_null(kt_blas_upgrade("Zen", KT_ISA_AVX2));
    ck_assert_ptr_null(kt_blas_upgrade("SkylakeX", KT_ISA_AVX512));
    ck_assert_ptr_null(kt_blas_upgrade("SkylakeX", KT_ISA_AVX2));
    ck_assert_ptr_null(kt_blas_upgrade("Prescott", KT_ISA_SSE));
    ck_assert_ptr_null(kt_blas_upgrade("MysteryCore", KT_ISA_AVX512));
    ck_assert_ptr_null(kt_blas_upgrade(NULL, KT_ISA_AVX512));
    ck_assert_ptr_null(kt_blas_upgrade("Prescott", KT_ISA_UNKNOWN));
}
END_TEST

static kronos_device_status status(const char *kernel, const char *source, const char *replaced, const char *best,
                                   int slow, const char *simd)
{
    kronos_device_status st;
    memset(&st, 0, sizeof st);
    snprintf(st.blas, sizeof st.blas, "OpenBLAS 0.3.21");
    snprintf(st.blas_kernel, sizeof st.blas_kernel, "%s", kernel);
    snprintf(st.blas_kernel_source, sizeof st.blas_kernel_source, "%s", source);
    snprintf(st.blas_kernel_replaced, sizeof st.blas_kernel_replaced, "%s", replaced);
    snprintf(st.blas_kernel_best, sizeof st.blas_kernel_best, "%s", best);
    st.blas_kernel_slow = slow;
    snprintf(st.simd, sizeof st.simd, "%s", simd);
    return st;
}

START_TEST(test_labels)
{
    char buf[256];
    kronos_device_status st = status("SkylakeX", "kronos-tui", "Prescott", "", 0, "AVX512");
    kt_blas_kernel_label(&st, buf, sizeof buf);
    ck_assert_str_eq(buf, "SkylakeX (chosen by kronos-tui; OpenBLAS picked Prescott)");
    st = status("Prescott", "env", "", "SkylakeX", 1, "AVX512");
    kt_blas_kernel_label(&st, buf, sizeof buf);
    ck_assert_str_eq(buf, "Prescott (OPENBLAS_CORETYPE)");
    st = status("Zen", "openblas", "", "", 0, "AVX2");
    kt_blas_kernel_label(&st, buf, sizeof buf);
    ck_assert_str_eq(buf, "Zen");
    st = status("", "", "", "", 0, "AVX2"); /* MKL or the reference BLAS */
    kt_blas_kernel_label(&st, buf, sizeof buf);
    ck_assert_str_eq(buf, "-");
}
END_TEST

START_TEST(test_warnings)
{
    char buf[512];
    kronos_device_status st = status("Zen", "openblas", "", "", 0, "AVX2");
    ck_assert_int_eq(kt_blas_warning(&st, buf, sizeof buf), 0);
    ck_assert_str_eq(buf, "");
    st = status("Prescott", "openblas", "", "SkylakeX", 1, "AVX512");
    ck_assert_int_eq(kt_blas_warning(&st, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, "OpenBLAS runs its Prescott kernel, below this AVX512 CPU (it does not know this CPU "
                          "model): matrix products run about 4x slower and an evaluation 2-3x slower. Set "
                          "OPENBLAS_CORETYPE=SkylakeX.");
    st = status("Prescott", "env", "", "Haswell", 1, "AVX2");
    ck_assert_int_eq(kt_blas_warning(&st, buf, sizeof buf), 1);
    ck_assert_str_eq(buf, "OPENBLAS_CORETYPE selects the Prescott kernel, below this AVX2 CPU: matrix products "
                          "run about 4x slower and an evaluation 2-3x slower. Unset OPENBLAS_CORETYPE "
                          "(kronos-tui then picks Haswell) or set OPENBLAS_CORETYPE=Haswell.");
    st = status("Sandybridge", "env", "", "Haswell", 1, "AVX2");
    ck_assert_int_eq(kt_blas_warning(&st, buf, sizeof buf), 1);
    ck_assert_ptr_nonnull(strstr(buf, "matrix products run up to 2x slower."));
    /* a truncating buffer stays a terminated string */
    char small[16];
    ck_assert_int_eq(kt_blas_warning(&st, small, sizeof small), 1);
    ck_assert_uint_eq(strlen(small), sizeof small - 1);
}
END_TEST

int main(void)
{
    setenv("LC_ALL", "C", 1);
    setlocale(LC_ALL, "C"); /* the untranslated messages */
    Suite *s = suite_create("blas");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_core_levels);
    tcase_add_test(tc, test_upgrade);
    tcase_add_test(tc, test_labels);
    tcase_add_test(tc, test_warnings);
    suite_add_tcase(s, tc);
    return kt_check_failures(s, CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
