/* test_evalcfg.c: defaults <- config file <- flags; flag errors. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "eval/evalcfg.h"

static char cfgpath[64];

static int parse(kt_evalcfg *c, char *err, int argc, const char **argv)
{
    return kt_evalcfg_parse(c, argc, (char **)argv, err, 512);
}

START_TEST(test_defaults)
{
    kt_evalcfg c;
    char err[512];
    const char *argv[] = {"kronos-tui"};
    ck_assert_int_eq(parse(&c, err, 1, argv), 0);
    ck_assert_int_eq(c.n_horizons, 3);
    ck_assert_int_eq(c.horizons[2], 90);
    ck_assert_int_eq(c.lookback, 252);
    ck_assert_str_eq(c.mode, "smoke");
    ck_assert_int_eq(kt_evalcfg_folds(&c), 3);
    ck_assert(c.temperature == 0.0);
    ck_assert_int_eq(c.sample_count, 1);
}
END_TEST

START_TEST(test_precedence)
{
    FILE *f = fopen(cfgpath, "w");
    fputs("{\"horizons\": [60, 5], \"lookback\": 100, \"mode\": \"full\", \"seed\": 7,\n"
          " \"temperature\": 0.5, \"batch-size\": 12}\n", f);
    fclose(f);
    kt_evalcfg c;
    char err[512];
    const char *argv[] = {"kronos-tui", "--lookback=50", "--config", cfgpath, "--seed", "9",
                          "--batch", "--progress=json", "--max-folds", "2"};
    ck_assert_int_eq(parse(&c, err, 10, argv), 0);
    ck_assert_int_eq(c.n_horizons, 2);
    ck_assert_int_eq(c.horizons[0], 5); /* sorted */
    ck_assert_int_eq(c.horizons[1], 60);
    ck_assert_int_eq(c.lookback, 50);   /* flag beats file */
    ck_assert_str_eq(c.mode, "full");   /* file beats default */
    ck_assert_int_eq(c.seed, 9);
    ck_assert(c.temperature == 0.5);
    ck_assert_int_eq(c.batch_size, 12);
    ck_assert_int_eq(c.batch, 1);
    ck_assert_int_eq(c.json, 1);
    ck_assert_int_eq(kt_evalcfg_folds(&c), 2);
    char fp1[80], fp2[80];
    kt_evalcfg_fingerprint(&c, 1, fp1, sizeof fp1);
    c.threads = 3; /* does not change results */
    kt_evalcfg_fingerprint(&c, 1, fp2, sizeof fp2);
    ck_assert_str_eq(fp1, fp2);
    c.lookback = 51;
    kt_evalcfg_fingerprint(&c, 1, fp2, sizeof fp2);
    ck_assert_str_ne(fp1, fp2);
}
END_TEST

static void bad(int argc, const char **argv, const char *want)
{
    kt_evalcfg c;
    char err[512] = "";
    ck_assert_int_eq(parse(&c, err, argc, argv), -1);
    ck_assert_msg(strcmp(err, want) == 0, "got \"%s\" want \"%s\"", err, want);
}

START_TEST(test_errors)
{
    const char *a1[] = {"k", "--horizons", "20,x"};
    bad(3, a1, "--horizons: expected up to 8 comma-separated horizons from 1 to 10000, got \"20,x\"");
    const char *a2[] = {"k", "--mode", "fast"};
    bad(3, a2, "--mode: expected smoke or full, got \"fast\"");
    const char *a3[] = {"k", "--lookback", "0"};
    bad(3, a3, "--lookback: expected an integer from 1 to 100000, got \"0\"");
    const char *a4[] = {"k", "--start", "2020-13-01"};
    bad(3, a4, "--start: expected a date YYYY-MM-DD, got \"2020-13-01\"");
    const char *a5[] = {"k", "--frobnicate"};
    bad(2, a5, "unknown option \"--frobnicate\" (see --help)");
    const char *a6[] = {"k", "--seed"};
    bad(2, a6, "--seed: missing value");
    const char *a7[] = {"k", "--horizons", "20,20"};
    bad(3, a7, "--horizons: horizon 20 given twice");
    const char *a8[] = {"k", "--start", "2020-02-01", "--end", "2020-01-01"};
    bad(5, a8, "--start 2020-02-01 is after --end 2020-01-01");
    const char *a9[] = {"k", "--top-p", "1.5"};
    bad(3, a9, "--top-p: expected a number from 0 to 1, got \"1.5\"");
    FILE *f = fopen(cfgpath, "w");
    fputs("{\"lookback\": 10,\n \"bogus\": 1}\n", f);
    fclose(f);
    const char *b1[] = {"k", "--config", cfgpath};
    char want[200];
    snprintf(want, sizeof want, "%s: bogus: unknown setting", cfgpath);
    bad(3, b1, want);
    f = fopen(cfgpath, "w");
    fputs("{\"lookback\": 10,\n \"mode\": }\n", f);
    fclose(f);
    kt_evalcfg c;
    char err[512];
    ck_assert_int_eq(parse(&c, err, 3, b1), -1);
    snprintf(want, sizeof want, "%s:2:", cfgpath);
    ck_assert_msg(strncmp(err, want, strlen(want)) == 0, "got %s", err);
}
END_TEST

int main(void)
{
    snprintf(cfgpath, sizeof cfgpath, "/tmp/kt-test-evalcfg-%ld.json", (long)getpid());
    Suite *s = suite_create("evalcfg");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_precedence);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    int nf = kt_check_failures(s, CK_FORK_GETENV);
    remove(cfgpath);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
