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
    ck_assert_int_eq(c.memory_budget_mb, 2048); /* 100 tickers of Kronos-small: one micro-batch */
    ck_assert_str_eq(c.precision, "fp32");
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
    /* int8 changes the forecasts, so the fingerprint */
    const char *a8[] = {"kronos-tui", "--precision", "int8"};
    ck_assert_int_eq(parse(&c, err, 3, a8), 0);
    ck_assert_str_eq(c.precision, "int8");
    kt_evalcfg_fingerprint(&c, 1, fp1, sizeof fp1);
    snprintf(c.precision, sizeof c.precision, "fp32");
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
    const char *a10[] = {"k", "--precision", "fp16"};
    bad(3, a10, "--precision: expected fp32 or int8, got \"fp16\"");
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

/* --model-cutoff: a day or none; a default for the released predictors
 * only; outside the fingerprint (a rerun with another cutoff resumes);
 * recorded as given in config.json. */
START_TEST(test_model_cutoff)
{
    kt_evalcfg c;
    char err[512];
    const char *src = "?";
    const char *a0[] = {"k", "--model", "/ckpt/my-model"};
    ck_assert_int_eq(parse(&c, err, 3, a0), 0);
    ck_assert_ptr_null(kt_evalcfg_model_cutoff(&c, &src));
    ck_assert_str_eq(src, "none");
    /* a released predictor by id, or from a Hugging Face cache path */
    const char *a1[] = {"k", "--model", "NeoQuasar/Kronos-small"};
    ck_assert_int_eq(parse(&c, err, 3, a1), 0);
    ck_assert_str_eq(kt_evalcfg_model_cutoff(&c, &src), "2024-02-29");
    ck_assert_str_eq(src, "default");
    snprintf(c.model, sizeof c.model, "/root/.cache/huggingface/hub/models--NeoQuasar--Kronos-base/"
                                      "snapshots/0123abc");
    ck_assert_str_eq(kt_evalcfg_model_cutoff(&c, NULL), KT_RELEASED_CUTOFF);
    snprintf(c.model, sizeof c.model, "/x/models--NeoQuasar--Kronos-Tokenizer-base/snapshots/1");
    ck_assert_ptr_null(kt_evalcfg_model_cutoff(&c, NULL)); /* a tokenizer is no predictor */
    /* resolved ids move to model_id (hub.c): the default follows them */
    snprintf(c.model, sizeof c.model, "/cache/snapshots/abc");
    snprintf(c.model_id, sizeof c.model_id, "NeoQuasar/Kronos-mini");
    ck_assert_str_eq(kt_evalcfg_model_cutoff(&c, NULL), "2024-02-29");
    /* the option wins; none turns the default off */
    const char *a2[] = {"k", "--model", "NeoQuasar/Kronos-small", "--model-cutoff", "2024-05-31"};
    ck_assert_int_eq(parse(&c, err, 5, a2), 0);
    ck_assert_str_eq(kt_evalcfg_model_cutoff(&c, &src), "2024-05-31");
    ck_assert_str_eq(src, "option");
    char fp1[80], fp2[80];
    kt_evalcfg_fingerprint(&c, 1, fp1, sizeof fp1);
    char *json = kt_evalcfg_json(&c);
    ck_assert_ptr_nonnull(strstr(json, "\"model-cutoff\": \"2024-05-31\""));
    free(json);
    const char *a3[] = {"k", "--model", "NeoQuasar/Kronos-small", "--model-cutoff=none"};
    ck_assert_int_eq(parse(&c, err, 4, a3), 0);
    ck_assert_ptr_null(kt_evalcfg_model_cutoff(&c, &src));
    ck_assert_str_eq(src, "none");
    kt_evalcfg_fingerprint(&c, 1, fp2, sizeof fp2);
    ck_assert_str_eq(fp1, fp2);
    /* bad dates name the option (exit status 2 in main) */
    const char *b1[] = {"k", "--model-cutoff", "2024-02-30"};
    bad(3, b1, "--model-cutoff: expected a date YYYY-MM-DD or none, got \"2024-02-30\"");
    const char *b2[] = {"k", "--model-cutoff", "2024-02-29 10:00"};
    bad(3, b2, "--model-cutoff: expected a date YYYY-MM-DD or none, got \"2024-02-29 10:00\"");
    const char *b3[] = {"k", "--model-cutoff", "Feb 2024"};
    bad(3, b3, "--model-cutoff: expected a date YYYY-MM-DD or none, got \"Feb 2024\"");
    /* on or before: the day of an intraday bar counts */
    ck_assert_int_eq(kt_evalcfg_on_or_before("2024-02-29", "2024-02-29"), 1);
    ck_assert_int_eq(kt_evalcfg_on_or_before("2024-02-29 15:30", "2024-02-29"), 1);
    ck_assert_int_eq(kt_evalcfg_on_or_before("2024-03-01", "2024-02-29"), 0);
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
    tcase_add_test(tc, test_model_cutoff);
    suite_add_tcase(s, tc);
    int nf = kt_check_failures(s, CK_FORK_GETENV);
    remove(cfgpath);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
