/* tests/check_run.h: run one Check suite and count its failures (every
 * Check program's main() ends with this). fork: CK_FORK_GETENV (Check's
 * default, honours CK_FORK) or CK_NOFORK for suites that share state
 * with threads or libtorch. */
#ifndef KT_CHECK_RUN_H
#define KT_CHECK_RUN_H
#include <check.h>

static inline int kt_check_failures(Suite *s, enum fork_status fork)
{
    SRunner *sr = srunner_create(s);
    if (fork != CK_FORK_GETENV)
        srunner_set_fork_status(sr, fork);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed;
}
#endif /* KT_CHECK_RUN_H */
