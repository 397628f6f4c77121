/* test_journal.c: journal round trip (exact doubles, NaN), torn tails,
 * corrupted records, foreign fingerprints. */
#include "config.h"

#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check_run.h"
#include "run/journal.h"

static char dir[64];

static void rec(kt_date_result *r, const char *date, int n)
{
    memset(r, 0, sizeof *r);
    snprintf(r->date, sizeof r->date, "%s", date);
    r->universe = n + 2;
    r->skipped = 2;
    r->seconds = 1.0 / 3.0;
    r->tokens = 123456789012LL;
    r->n_rows = n;
    r->rows = calloc((size_t)(n ? n : 1), sizeof *r->rows);
    for (int i = 0; i < n; i++)
        r->rows[i] = (kt_score_row){.series = i, .h = i % 2, .score = 0.1 * i - 1e-17, .pred_close = 100.0 / 7.0,
                                    .spot_close = 3.0, .label = i == 1 ? NAN : -0.25};
}

static long file_size(void)
{
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, KT_JOURNAL_FILE);
    FILE *f = fopen(p, "rb");
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fclose(f);
    return n;
}

START_TEST(test_roundtrip_torn_corrupt)
{
    kt_journal *j;
    kt_date_result *recs;
    int n;
    long torn;
    char err[512];
    ck_assert_int_eq(kt_journal_open(dir, "abc", &j, &recs, &n, &torn, err, sizeof err), 0);
    ck_assert_int_eq(n, 0);
    kt_date_result a, b, c;
    rec(&a, "2020-01-02", 3);
    rec(&b, "2020-01-03", 0);
    rec(&c, "2020-01-06", 2);
    ck_assert_int_eq(kt_journal_append(j, &a, err, sizeof err), 0);
    ck_assert_int_eq(kt_journal_append(j, &b, err, sizeof err), 0);
    long good = file_size();
    ck_assert_int_eq(kt_journal_append(j, &c, err, sizeof err), 0);
    long full = file_size();
    kt_journal_close(j);

    /* reopen: all three, exact values */
    ck_assert_int_eq(kt_journal_open(dir, "abc", &j, &recs, &n, &torn, err, sizeof err), 0);
    ck_assert_int_eq(n, 3);
    ck_assert_int_eq(torn, 0);
    ck_assert_str_eq(recs[0].date, "2020-01-02");
    ck_assert_int_eq(recs[0].n_rows, 3);
    ck_assert(recs[0].rows[2].score == 0.1 * 2 - 1e-17);
    ck_assert(recs[0].rows[2].pred_close == 100.0 / 7.0);
    ck_assert(isnan(recs[0].rows[1].label));
    ck_assert(recs[0].seconds == 1.0 / 3.0);
    ck_assert_int_eq(recs[0].tokens, 123456789012LL);
    ck_assert_int_eq(recs[1].n_rows, 0);
    ck_assert_int_eq(recs[2].rows[1].h, 1);
    kt_journal_free_records(recs, n);
    kt_journal_close(j);

    /* a torn last record (kill -9 mid-write) is discarded and cut off */
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, KT_JOURNAL_FILE);
    ck_assert_int_eq(truncate(p, full - 5), 0);
    ck_assert_int_eq(kt_journal_open(dir, "abc", &j, &recs, &n, &torn, err, sizeof err), 0);
    ck_assert_int_eq(n, 2);
    ck_assert_int_eq(torn, full - 5 - good);
    ck_assert_int_eq(file_size(), good);
    /* appending continues after the last good record */
    ck_assert_int_eq(kt_journal_append(j, &c, err, sizeof err), 0);
    ck_assert_int_eq(file_size(), full);
    kt_journal_free_records(recs, n);
    kt_journal_close(j);

    /* a flipped byte fails the CRC: that record and the rest are dropped */
    FILE *f = fopen(p, "r+b");
    fseek(f, good - 20, SEEK_SET);
    fputc('#', f);
    fclose(f);
    ck_assert_int_eq(kt_journal_open(dir, "abc", &j, &recs, &n, &torn, err, sizeof err), 0);
    ck_assert_int_eq(n, 1);
    kt_journal_free_records(recs, n);
    kt_journal_close(j);

    /* another run's fingerprint is refused, and the file is left alone */
    long before = file_size();
    ck_assert_int_eq(kt_journal_open(dir, "xyz", &j, &recs, &n, &torn, err, sizeof err), 1);
    ck_assert_ptr_nonnull(strstr(err, "the journal belongs to a different run"));
    ck_assert_int_eq(file_size(), before);
    kt_date_result_free(&a);
    kt_date_result_free(&b);
    kt_date_result_free(&c);
    remove(p);
}
END_TEST

START_TEST(test_crc)
{
    ck_assert_uint_eq(kt_crc32("123456789", 9), 0xCBF43926u); /* the standard check value */
}
END_TEST

START_TEST(test_crc_valid_but_impossible)
{
    /* Records whose CRC is right but whose fields are not (a hand-edited
     * or damaged file; the fuzz finding was a row count of 77777777777)
     * are treated like a corrupt record: kept before, cut from there. */
    char p[128];
    snprintf(p, sizeof p, "%s/%s", dir, KT_JOURNAL_FILE);
    const char *good = "D\t2020-01-02\t3\t0\t0.5\t10\t1\t0,0,0.5,1,1,0.25";
    const char *bad[] = {
        "D\t2020-01-03\t3\t0\t0.5\t10\t77777777777\t0,0,0.5,1,1,0.25",
        "D\t2020-01-03\t3\t0\t0.5\t10\t2\t0,0,0.5,1,1,0.25",
        "D\t2020-01-03\t3\t0\t0.5\t10\t1\t-4,0,0.5,1,1,0.25",
        "D\t2020-01-03\tx\t0\t0.5\t10\t1\t0,0,0.5,1,1,0.25",
        "D\t2020-01-03\t3\t0\t0.5\t10\t0\t0,0,0.5,1,1,0.25",
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        FILE *f = fopen(p, "wb");
        fprintf(f, "KTJ1 abc\n%s\t%08x\n", good, (unsigned)kt_crc32(good, strlen(good)));
        long keep = ftell(f);
        fprintf(f, "%s\t%08x\n", bad[k], (unsigned)kt_crc32(bad[k], strlen(bad[k])));
        long all = ftell(f);
        fclose(f);
        kt_journal *j;
        kt_date_result *recs;
        int n;
        long torn;
        char err[512];
        ck_assert_int_eq(kt_journal_open(dir, "abc", &j, &recs, &n, &torn, err, sizeof err), 0);
        ck_assert_int_eq(n, 1);
        ck_assert_str_eq(recs[0].date, "2020-01-02");
        ck_assert_int_eq(torn, all - keep);
        ck_assert_int_eq(file_size(), keep);
        kt_journal_free_records(recs, n);
        kt_journal_close(j);
    }
    remove(p);
}
END_TEST

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/kt-test-journal-XXXXXX");
    if (!mkdtemp(dir))
        return EXIT_FAILURE;
    Suite *s = suite_create("journal");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_roundtrip_torn_corrupt);
    tcase_add_test(tc, test_crc);
    tcase_add_test(tc, test_crc_valid_but_impossible);
    suite_add_tcase(s, tc);
    int nf = kt_check_failures(s, CK_FORK_GETENV);
    rmdir(dir);
    return nf ? EXIT_FAILURE : EXIT_SUCCESS;
}
