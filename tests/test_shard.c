/* test_shard.c: the shard plan (balanced, deterministic, complete,
 * disjoint), --shard parsing, the Slurm array variables (first submission,
 * resubmission of one index, bad spans), the plan file (created once,
 * conflicts named) and the --array list of shards to resubmit. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "run/shard.h"

static char dir[64];

START_TEST(test_plan_shares)
{
    /* every (total, n): each date in exactly one shard, sizes differ by
     * at most one and match kt_shard_size, the same answer twice */
    for (int total = 0; total <= 60; total++)
        for (int n = 1; n <= 12; n++) {
            int count[12] = {0};
            for (int g = 0; g < total; g++) {
                int s = kt_shard_of(g, n);
                ck_assert_int_ge(s, 0);
                ck_assert_int_lt(s, n);
                ck_assert_int_eq(s, kt_shard_of(g, n));
                count[s]++;
            }
            int lo = total, hi = 0, sum = 0;
            for (int i = 0; i < n; i++) {
                ck_assert_int_eq(count[i], kt_shard_size(total, i, n));
                lo = count[i] < lo ? count[i] : lo;
                hi = count[i] > hi ? count[i] : hi;
                sum += count[i];
            }
            ck_assert_int_eq(sum, total);
            ck_assert_int_le(hi - lo, 1);
        }
    /* 43 dates over 4 shards, by hand: 0,4,..,40 -> 11; shard 3: 3..39 -> 10 */
    ck_assert_int_eq(kt_shard_size(43, 0, 4), 11);
    ck_assert_int_eq(kt_shard_size(43, 2, 4), 11);
    ck_assert_int_eq(kt_shard_size(43, 3, 4), 10);
    ck_assert_int_eq(kt_shard_of(42, 4), 2);
    /* 2,300 dates over 50 nodes: 46 each */
    ck_assert_int_eq(kt_shard_size(2300, 49, 50), 46);
}
END_TEST

START_TEST(test_parse)
{
    kt_shard_spec s;
    char err[300];
    ck_assert_int_eq(kt_shard_parse("auto", &s, err, sizeof err), 0);
    ck_assert_int_eq(s.is_auto, 1);
    ck_assert_int_eq(kt_shard_parse("3/4", &s, err, sizeof err), 0);
    ck_assert_int_eq(s.is_auto, 0);
    ck_assert_int_eq(s.index, 3);
    ck_assert_int_eq(s.count, 4);
    ck_assert_int_eq(kt_shard_parse("0/1", &s, err, sizeof err), 0);
    const char *bad[] = {"4/4", "-1/4", "1/0", "1", "1/", "/4", "a/4", "1/4x", " 1/4", "+1/4",
                         "1/100001", "", "AUTO"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ck_assert_msg(kt_shard_parse(bad[i], &s, err, sizeof err) == -1, "accepted %s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "--shard: expected \"auto\" or I/N"));
    }
}
END_TEST

START_TEST(test_env)
{
    kt_shard_spec autos = {.is_auto = 1}, two4 = {.index = 2, .count = 4};
    int i = -1, n = -1;
    char err[600];
    /* first submission: --array=0-3 */
    kt_slurm_env first = {"2", "4", "0", "3"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &first, 0, "D", &i, &n, err, sizeof err), 0);
    ck_assert_int_eq(i, 2);
    ck_assert_int_eq(n, 4);
    /* resubmitted --array=2: COUNT 1, MIN = MAX = 2; the plan says 4 */
    kt_slurm_env again = {"2", "1", "2", "2"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &again, 4, "D", &i, &n, err, sizeof err), 0);
    ck_assert_int_eq(i, 2);
    ck_assert_int_eq(n, 4);
    /* ... but without a plan that is not a whole array */
    ck_assert_int_eq(kt_shard_resolve(&autos, &again, 0, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "D: the first submission of a sharded run must be an array "
                                      "spanning 0..N-1 (sbatch --array=0-0)"));
    /* --array=1-4: does not start at 0 */
    kt_slurm_env shifted = {"1", "4", "1", "4"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &shifted, 0, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=4"));
    /* --array=0,2,4 (count 3, max 4): not 0..N-1 */
    kt_slurm_env gaps = {"4", "3", "0", "4"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &gaps, 0, "D", &i, &n, err, sizeof err), -1);
    /* a task index outside the plan */
    kt_slurm_env big = {"5", "1", "5", "5"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &big, 4, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SLURM_ARRAY_TASK_ID=5 is outside the run's shard plan of 4"));
    /* not in an array; garbage */
    kt_slurm_env none = {NULL, NULL, NULL, NULL};
    ck_assert_int_eq(kt_shard_resolve(&autos, &none, 4, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SLURM_ARRAY_TASK_ID is not set"));
    kt_slurm_env junk = {"x2", "4", "0", "3"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &junk, 0, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SLURM_ARRAY_TASK_ID=\"x2\""));
    kt_slurm_env nocount = {"0", NULL, "0", "0"};
    ck_assert_int_eq(kt_shard_resolve(&autos, &nocount, 0, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "SLURM_ARRAY_TASK_COUNT"));
    /* explicit I/N: the environment does not matter; the plan must agree */
    ck_assert_int_eq(kt_shard_resolve(&two4, &none, 0, "D", &i, &n, err, sizeof err), 0);
    ck_assert_int_eq(i, 2);
    ck_assert_int_eq(n, 4);
    ck_assert_int_eq(kt_shard_resolve(&two4, &first, 4, "D", &i, &n, err, sizeof err), 0);
    ck_assert_int_eq(kt_shard_resolve(&two4, &none, 3, "D", &i, &n, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "D: --shard 2/4 conflicts with the run's shard plan of 3 shards"));
}
END_TEST

START_TEST(test_plan_file)
{
    char err[1400];
    kt_shard_plan a = {.count = 4, .fingerprint = "abc123", .dates = 43, .first = "2019-03-01",
                       .last = "2019-04-30"},
                  got;
    ck_assert_int_eq(kt_shard_plan_read(dir, &got, err, sizeof err), 1);
    ck_assert_int_eq(kt_shard_plan_commit(dir, &a, err, sizeof err), 0);
    ck_assert_int_eq(kt_shard_plan_read(dir, &got, err, sizeof err), 0);
    ck_assert_int_eq(got.count, 4);
    ck_assert_int_eq(got.dates, 43);
    ck_assert_str_eq(got.fingerprint, "abc123");
    ck_assert_str_eq(got.first, "2019-03-01");
    ck_assert_str_eq(got.last, "2019-04-30");
    /* the same plan again: verified, 0 */
    ck_assert_int_eq(kt_shard_plan_commit(dir, &a, err, sizeof err), 0);
    kt_shard_plan b = a;
    b.count = 3;
    ck_assert_int_eq(kt_shard_plan_commit(dir, &b, err, sizeof err), 1);
    ck_assert_ptr_nonnull(strstr(err, "this task wants 3 shards but the run's shard plan"));
    b = a;
    snprintf(b.fingerprint, sizeof b.fingerprint, "ffff");
    ck_assert_int_eq(kt_shard_plan_commit(dir, &b, err, sizeof err), 1);
    ck_assert_ptr_nonnull(strstr(err, "fingerprint abc123, 43 dates 2019-03-01..2019-04-30; this "
                                      "shard: fingerprint ffff"));
    /* the file was never replaced, and no temporary is left */
    ck_assert_int_eq(kt_shard_plan_read(dir, &got, err, sizeof err), 0);
    ck_assert_str_eq(got.fingerprint, "abc123");
    char p[128];
    snprintf(p, sizeof p, "%s/.%s.%ld.tmp", dir, KT_SHARD_PLAN_FILE, (long)getpid());
    ck_assert_int_ne(access(p, F_OK), 0);
    /* a malformed plan is an error naming the file */
    snprintf(p, sizeof p, "%s/%s", dir, KT_SHARD_PLAN_FILE);
    FILE *f = fopen(p, "w");
    fputs("{\"schema\": \"kronos-tui.shard-plan/1\", \"shards\": 0}\n", f);
    fclose(f);
    ck_assert_int_eq(kt_shard_plan_read(dir, &got, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "shard_plan.json: not a shard plan"));
    remove(p);
}
END_TEST

START_TEST(test_array_list)
{
    char buf[64];
    int a[] = {0, 1, 1, 1, 0, 1, 0, 1, 1};
    kt_shard_array_list(a, 9, buf, sizeof buf);
    ck_assert_str_eq(buf, "1-3,5,7-8");
    int b[] = {1, 0, 0};
    kt_shard_array_list(b, 3, buf, sizeof buf);
    ck_assert_str_eq(buf, "0");
    int c[] = {0, 0};
    kt_shard_array_list(c, 2, buf, sizeof buf);
    ck_assert_str_eq(buf, "");
    char d[32];
    kt_shard_dir("runs/x", 12, d, sizeof d);
    ck_assert_str_eq(d, "runs/x/shard-12");
}
END_TEST

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kt-test-shard-XXXXXX");
    if (!mkdtemp(dir))
        return EXIT_FAILURE;
    Suite *s = suite_create("shard");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_plan_shares);
    tcase_add_test(tc, test_parse);
    tcase_add_test(tc, test_env);
    tcase_add_test(tc, test_plan_file);
    tcase_add_test(tc, test_array_list);
    suite_add_tcase(s, tc);
    int nf = kt_check_failures(s, CK_NOFORK);
    rmdir(dir);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
