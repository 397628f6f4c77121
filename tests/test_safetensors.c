/* test_safetensors.c: the safetensors reader on hand-made buffers, broken
 * headers, every truncation of a real fixture, and random corruption. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_run.h"
#include "model/safetensors.h"

/* A safetensors image: 8-byte length, header, data. */
static unsigned char *make(const char *header, const void *data, size_t dlen, size_t *len)
{
    size_t h = strlen(header);
    unsigned char *b = malloc(8 + h + dlen);
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    if (dlen)
        memcpy(b + 8 + h, data, dlen);
    *len = 8 + h + dlen;
    return b;
}

static int parse(const char *header, const void *data, size_t dlen, char *err)
{
    size_t len;
    unsigned char *b = make(header, data, dlen, &len);
    kt_safetensors st;
    int rc = kt_st_parse(b, len, &st, err, 256);
    if (rc == 0)
        kt_st_free(&st);
    free(b);
    return rc;
}

START_TEST(test_valid_and_convert)
{
    float f[2] = {1.5f, -2.25f};
    uint16_t h[4] = {0x3c00, 0xc000, 0x0001, 0x7c00}; /* 1, -2, 2^-24, inf */
    uint16_t bf[2] = {0x3f80, 0xc0a0};                /* 1, -5 */
    unsigned char data[8 + 8 + 4];
    memcpy(data, f, 8);
    memcpy(data + 8, h, 8);
    memcpy(data + 16, bf, 4);
    size_t len;
    unsigned char *b = make("{\"__metadata__\":{\"format\":\"pt\"},"
                            "\"b.f16\":{\"dtype\":\"F16\",\"shape\":[2,2],\"data_offsets\":[8,16]},"
                            "\"a.f32\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                            "\"c.bf16\":{\"dtype\":\"BF16\",\"shape\":[2],\"data_offsets\":[16,20]}}",
                            data, sizeof data, &len);
    kt_safetensors st;
    char err[256];
    ck_assert_int_eq(kt_st_parse(b, len, &st, err, sizeof err), 0);
    ck_assert_uint_eq(st.n, 3);
    ck_assert_str_eq(st.t[0].name, "a.f32"); /* sorted by name */
    const kt_st_tensor *t = kt_st_find(&st, "b.f16");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(t->ndim, 2);
    ck_assert_int_eq(t->shape[1], 2);
    float out[4];
    ck_assert_int_eq(kt_st_to_f32(&st, t, out), 0);
    ck_assert(out[0] == 1.0f && out[1] == -2.0f && out[2] == 5.9604645e-08f && out[3] > 1e38f);
    ck_assert_int_eq(kt_st_to_f32(&st, kt_st_find(&st, "a.f32"), out), 0);
    ck_assert(out[0] == 1.5f && out[1] == -2.25f);
    ck_assert_int_eq(kt_st_to_f32(&st, kt_st_find(&st, "c.bf16"), out), 0);
    ck_assert(out[0] == 1.0f && out[1] == -5.0f);
    ck_assert_ptr_null(kt_st_find(&st, "nope"));
    kt_st_free(&st);
    free(b);
    ck_assert(kt_st_f16_to_f32(0x3555) > 0.3332f && kt_st_f16_to_f32(0x3555) < 0.3334f);
}
END_TEST

START_TEST(test_broken_headers)
{
    char err[256];
    unsigned char four[16] = {0};
    kt_safetensors st;
    ck_assert_int_eq(kt_st_parse(four, 4, &st, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "too short"));
    /* header length larger than the file */
    size_t len;
    unsigned char *b = make("{}", NULL, 0, &len);
    b[0] = 200;
    ck_assert_int_eq(kt_st_parse(b, len, &st, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "invalid header length 200"));
    b[0] = 0xff; b[7] = 0xff; /* huge */
    ck_assert_int_eq(kt_st_parse(b, len, &st, err, sizeof err), -1);
    free(b);
    float z[4] = {0};
    ck_assert_int_eq(parse("{\"a\":", z, 0, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "invalid JSON"));
    ck_assert_int_eq(parse("[1,2]", z, 0, err), -1);
    /* data beyond the end (truncated data section) */
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}", z, 8, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "beyond the end"));
    /* size does not match dtype x shape */
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,16]}}", z, 16, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "need 12"));
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", z, 16, err), -1);
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", z, 16, err), -1);
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", z, 16, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "unsupported dtype Q4"));
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", z, 16, err), -1);
    /* overlapping tensors */
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                           "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", z, 16, err), -1);
    ck_assert_ptr_nonnull(strstr(err, "overlap"));
    /* shape product overflow */
    ck_assert_int_eq(parse("{\"a\":{\"dtype\":\"F32\",\"shape\":[1099511627776,1099511627776,1099511627776],"
                           "\"data_offsets\":[0,8]}}", z, 16, err), -1);
    /* I64 is parsed (buffers) but does not convert to float */
    size_t l2;
    unsigned char *b2 = make("{\"i\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[0,16]}}", z, 16, &l2);
    ck_assert_int_eq(kt_st_parse(b2, l2, &st, err, sizeof err), 0);
    float out[2];
    ck_assert_int_eq(kt_st_to_f32(&st, &st.t[0], out), -1);
    kt_st_free(&st);
    free(b2);
}
END_TEST

static unsigned char *read_fixture(size_t *len)
{
    const char *srcdir = getenv("srcdir");
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/tiny/model/model.safetensors", srcdir ? srcdir : ".");
    FILE *f = fopen(path, "rb");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    unsigned char *b = malloc(1 << 20);
    *len = fread(b, 1, 1 << 20, f);
    fclose(f);
    return b;
}

START_TEST(test_fixture_and_truncations)
{
    size_t len;
    unsigned char *b = read_fixture(&len);
    kt_safetensors st;
    char err[256];
    ck_assert_int_eq(kt_st_parse(b, len, &st, err, sizeof err), 0);
    ck_assert_uint_eq(st.n, 52);
    const kt_st_tensor *t = kt_st_find(&st, "transformer.1.ffn.w1.weight");
    ck_assert_ptr_nonnull(t);
    char shp[64];
    kt_st_shape_str(t->shape, t->ndim, shp, sizeof shp);
    ck_assert_str_eq(shp, "[64,32]");
    kt_st_free(&st);
    /* Every truncation fails cleanly (the last tensor ends at the end). */
    for (size_t l = 0; l < len; l += (l < 5000 ? 1 : 97)) {
        unsigned char *c = malloc(l ? l : 1);
        memcpy(c, b, l);
        ck_assert_msg(kt_st_parse(c, l, &st, err, sizeof err) == -1, "truncation at %zu parsed", l);
        free(c);
    }
    free(b);
}
END_TEST

/* Bytes of the fixture's JSON header that are free text: inside the quotes
 * of a top-level key (a tensor name) or of any string inside
 * "__metadata__". A byte 0x20..0x7f other than '"' and '\' there keeps
 * the header valid JSON (RFC 8259 allows it unescaped; bytes >= 0x80 alone
 * are not UTF-8) and changes only a name (or the ignored metadata). */
static void free_text_regions(const unsigned char *b, size_t h, unsigned char *is_free)
{
    memset(is_free, 0, h);
    int depth = 0, in_str = 0, in_meta = 0;
    size_t str0 = 0;
    for (size_t i = 0; i < h; i++) {
        unsigned char ch = b[8 + i];
        if (in_str) {
            ck_assert_msg(ch != '\\', "the fixture's header has an escape; this classifier assumes none");
            if (ch == '"') {
                in_str = 0;
                int is_key = depth == 1 && b[8 + i + 1] == ':';
                if (is_key && i - str0 == 12 && memcmp(b + 8 + str0, "__metadata__", 12) == 0)
                    in_meta = 1;
                else if ((is_key && depth == 1) || (in_meta && depth == 2))
                    memset(is_free + str0, 1, i - str0);
            }
            continue;
        }
        if (ch == '"') {
            in_str = 1;
            str0 = i + 1;
        } else if (ch == '{' || ch == '[') {
            depth++;
        } else if (ch == '}' || ch == ']') {
            if (--depth == 1)
                in_meta = 0;
        }
    }
}

/* Random corruption of the fixture (3000 rounds, 1-4 random bytes each, a
 * fixed LCG: deterministic). The outcome of every round is predicted from
 * where the changed bytes are, independently of the reader:
 *  - only in the data section: parses, with the original's 52 entries
 *    (names, dtypes, shapes, offsets) and every tensor converted to
 *    exactly the float32 values now stored in its bytes;
 *  - only in the free text of the header (a name or metadata), each new
 *    byte in 0x20..0x7f and not '"' or '\', names still distinct: parses, the
 *    same entries with the names read from the changed header;
 *  - anywhere else (the 8-byte length, the JSON structure, a dtype, a
 *    shape, an offset, a byte that JSON forbids in a string): fails;
 *  - a '\' written into free text may or may not make a valid escape:
 *    either outcome, and a parse is checked as above minus the names.
 * The counts of each kind are asserted too, so the rounds keep covering
 * every kind. */
START_TEST(test_random_corruption)
{
    size_t len;
    unsigned char *b = read_fixture(&len);
    char err[256];
    uint64_t h = 0;
    for (int i = 7; i >= 0; i--)
        h = h << 8 | b[i];
    ck_assert(8 + h < len);
    kt_safetensors orig;
    ck_assert_int_eq(kt_st_parse(b, len, &orig, err, sizeof err), 0);
    ck_assert_uint_eq(orig.n, 52);
    /* the original's entries in header order, each with the position of its name */
    size_t name_at[52];
    for (size_t i = 0; i < orig.n; i++) {
        char pat[300];
        snprintf(pat, sizeof pat, "\"%s\":{", orig.t[i].name);
        const unsigned char *q = memmem(b + 8, h, pat, strlen(pat));
        ck_assert_ptr_nonnull(q);
        name_at[i] = (size_t)(q - b) + 1;
    }
    unsigned char *is_free = malloc(h);
    free_text_regions(b, h, is_free);
    uint64_t x = 12345;
    int n_data = 0, n_name = 0, n_fail = 0, n_escape = 0, parsed = 0;
    float *want = malloc(1 << 16), *got = malloc(1 << 16);
    for (int round = 0; round < 3000; round++) {
        unsigned char *c = malloc(len);
        memcpy(c, b, len);
        for (int k = 0; k < 1 + round % 4; k++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            size_t pos = (size_t)(x >> 33) % (round % 2 ? 64 + 4872 : len);
            c[pos] = (unsigned char)(x >> 17);
        }
        /* predict: 0 data only, 1 free text (printable), 2 escape, 3 fails */
        int kind = 0;
        for (size_t i = 0; i < 8 + h; i++) {
            if (c[i] == b[i])
                continue;
            int k;
            if (i < 8 || !is_free[i - 8] || c[i] < 0x20 || c[i] > 0x7f || c[i] == '"')
                k = 3;
            else
                k = c[i] == '\\' ? 2 : 1;
            kind = k > kind ? k : kind;
        }
        if (kind == 1) /* renamed entries must stay distinct */
            for (size_t i = 0; i < orig.n && kind == 1; i++)
                for (size_t j = i + 1; j < orig.n; j++) {
                    size_t li = strlen(orig.t[i].name), lj = strlen(orig.t[j].name);
                    if (li == lj && memcmp(c + name_at[i], c + name_at[j], li) == 0) {
                        kind = 3;
                        break;
                    }
                }
        kt_safetensors st;
        int ok = kt_st_parse(c, len, &st, err, sizeof err) == 0;
        if (kind == 3)
            ck_assert_msg(!ok, "round %d: a structural corruption parsed", round);
        else if (kind < 2)
            ck_assert_msg(ok, "round %d: a corruption of %s failed: %s", round, kind ? "a name" : "data only", err);
        n_data += kind == 0, n_name += kind == 1, n_escape += kind == 2, n_fail += kind == 3;
        parsed += ok;
        if (ok) {
            ck_assert_uint_eq(st.n, orig.n);
            for (size_t i = 0; i < orig.n; i++) {
                const kt_st_tensor *o = &orig.t[i];
                const kt_st_tensor *t = NULL;
                char nm[300];
                if (kind == 2) { /* names may have changed length: match by offset */
                    for (size_t j = 0; j < st.n && !t; j++)
                        if (st.t[j].offset == o->offset)
                            t = &st.t[j];
                } else {
                    size_t l = strlen(o->name);
                    memcpy(nm, c + name_at[i], l);
                    nm[l] = '\0';
                    t = kt_st_find(&st, nm);
                }
                ck_assert_msg(t != NULL, "round %d: entry %s lost", round, o->name);
                ck_assert(t->dtype == o->dtype && t->ndim == o->ndim && t->offset == o->offset &&
                          t->nbytes == o->nbytes);
                ck_assert(memcmp(t->shape, o->shape, sizeof o->shape[0] * (size_t)o->ndim) == 0);
                ck_assert_uint_le(t->nbytes, 1 << 16);
                /* F32 little-endian bytes -> the exact float values */
                ck_assert_int_eq(t->dtype, KT_ST_F32);
                for (int64_t e = 0; e < t->numel; e++) {
                    const unsigned char *p = c + 8 + h + t->offset + 4 * e;
                    uint32_t u = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
                    memcpy(&want[e], &u, 4);
                }
                ck_assert_int_eq(kt_st_to_f32(&st, t, got), 0);
                ck_assert_msg(memcmp(want, got, (size_t)t->nbytes) == 0, "round %d: %s: values differ from its bytes",
                              round, t->name);
            }
            kt_st_free(&st);
        }
        free(c);
    }
    /* The counts of this fixed sequence: every kind is covered. */
    printf("corruption rounds: %d data only, %d names, %d escapes, %d structural; %d parsed\n", n_data, n_name,
           n_escape, n_fail, parsed);
    ck_assert_int_eq(n_data, 1405);
    ck_assert_int_eq(n_name, 23);
    ck_assert_int_eq(n_escape, 2);
    ck_assert_int_eq(n_fail, 1570);
    ck_assert_int_eq(parsed, 1429); /* 1405 + 23 + one of the two escapes */
    free(want);
    free(got);
    free(is_free);
    kt_st_free(&orig);
    free(b);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("safetensors");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_valid_and_convert);
    tcase_add_test(tc, test_broken_headers);
    tcase_add_test(tc, test_fixture_and_truncations);
    tcase_add_test(tc, test_random_corruption);
    tcase_set_timeout(tc, 60);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return kt_check_failures(suite(), CK_FORK_GETENV) ? EXIT_FAILURE : EXIT_SUCCESS;
}
