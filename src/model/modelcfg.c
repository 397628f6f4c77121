/* modelcfg.c: config.json for the tokenizer and the predictor. */
#include "config.h"

#include "model/modelcfg.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "base/i18n.h"

static json_t *load(const char *path, int *status, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        *status = KRONOS_EIO;
        return NULL;
    }
    json_error_t jerr;
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
    fclose(f);
    if (!root) {
        snprintf(err, errlen, _("%s: line %d: invalid JSON: %s"), path, jerr.line, jerr.text);
        *status = KRONOS_EFORMAT;
        return NULL;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, _("%s: not a JSON object"), path);
        json_decref(root);
        *status = KRONOS_EFORMAT;
        return NULL;
    }
    return root;
}

/* The rules: every integer key's range, then the cross-checks below. */
typedef struct rule {
    const char *key;
    size_t off;
    int lo, hi;
} rule;

#define TOK(k, lo, hi) { #k, offsetof(kronos_tokenizer_config, k), lo, hi }
static const rule TOK_RULES[] = {
    TOK(d_in, 1, 64), TOK(d_model, 2, 65536), TOK(n_heads, 1, 1024), TOK(ff_dim, 1, 1 << 20),
    TOK(n_enc_layers, 1, 1024), TOK(n_dec_layers, 1, 1024), TOK(s1_bits, 1, 20), TOK(s2_bits, 1, 20),
    TOK(group_size, 1, 64),
};
#define PRED(k, lo, hi) { #k, offsetof(kronos_predictor_config, k), lo, hi }
static const rule PRED_RULES[] = {
    PRED(s1_bits, 1, 20), PRED(s2_bits, 1, 20), PRED(n_layers, 1, 1024), PRED(d_model, 2, 65536),
    PRED(n_heads, 1, 1024), PRED(ff_dim, 1, 1 << 20),
};
#define N_RULES(r) (sizeof(r) / sizeof((r)[0]))

/* The integer keys of `rules` into the struct at base (type checks only). */
static int get_ints(json_t *root, const char *path, const rule *rules, size_t n, void *base, char *err,
                    size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_object_get(root, rules[i].key);
        if (!v) {
            snprintf(err, errlen, _("%s: missing key %s"), path, rules[i].key);
            return -1;
        }
        if (!json_is_integer(v)) {
            snprintf(err, errlen, _("%s: key %s must be an integer"), path, rules[i].key);
            return -1;
        }
        json_int_t x = json_integer_value(v);
        *(int *)((char *)base + rules[i].off) = x < INT_MIN ? INT_MIN : x > INT_MAX ? INT_MAX : (int)x;
    }
    return 0;
}

static int check_ranges(const char *path, const rule *rules, size_t n, const void *base, char *err, size_t errlen)
{
    for (size_t i = 0; i < n; i++) {
        int x = *(const int *)((const char *)base + rules[i].off);
        if (x < rules[i].lo || x > rules[i].hi) {
            snprintf(err, errlen, _("%s: key %s = %lld is outside [%d, %d]"), path, rules[i].key, (long long)x,
                     rules[i].lo, rules[i].hi);
            return -1;
        }
    }
    return 0;
}

static int check_heads(const char *path, int d_model, int n_heads, char *err, size_t errlen)
{
    if (d_model % n_heads != 0 || (d_model / n_heads) % 2 != 0) {
        snprintf(err, errlen, _("%s: key n_heads: d_model %d must split into %d heads of even size"), path,
                 d_model, n_heads);
        return -1;
    }
    return 0;
}

static int check_bits(const char *path, int s1, int s2, char *err, size_t errlen)
{
    if (s1 != s2) {
        snprintf(err, errlen, _("%s: key s2_bits: s1_bits (%d) != s2_bits (%d) is not supported (the reference decoder assumes equal halves)"),
                 path, s1, s2);
        return -1;
    }
    return 0;
}

int kt_modelcfg_check_tokenizer(const kronos_tokenizer_config *c, const char *path, char *err, size_t errlen)
{
    int bad = check_ranges(path, TOK_RULES, N_RULES(TOK_RULES), c, err, errlen) ||
              check_heads(path, c->d_model, c->n_heads, err, errlen) ||
              check_bits(path, c->s1_bits, c->s2_bits, err, errlen);
    if (!bad && c->d_in != 6) {
        snprintf(err, errlen, _("%s: key d_in = %d, but Kronos inputs have 6 columns"), path, c->d_in);
        bad = 1;
    }
    if (!bad && (c->s1_bits + c->s2_bits) % c->group_size != 0) {
        snprintf(err, errlen, _("%s: key group_size: %d does not divide s1_bits + s2_bits"), path, c->group_size);
        bad = 1;
    }
    return bad ? KRONOS_ECONFIG : KRONOS_OK;
}

int kt_modelcfg_check_predictor(const kronos_predictor_config *c, const char *path, char *err, size_t errlen)
{
    int bad = check_ranges(path, PRED_RULES, N_RULES(PRED_RULES), c, err, errlen) ||
              check_heads(path, c->d_model, c->n_heads, err, errlen) ||
              check_bits(path, c->s1_bits, c->s2_bits, err, errlen);
    /* The dependency-aware layer always uses 4 heads of even size. */
    if (!bad && c->d_model % 8 != 0) {
        snprintf(err, errlen, _("%s: key d_model = %d must be a multiple of 8 (4 cross-attention heads)"), path,
                 c->d_model);
        bad = 1;
    }
    return bad ? KRONOS_ECONFIG : KRONOS_OK;
}

int kt_modelcfg_tokenizer(const char *path, kronos_tokenizer_config *c, char *err, size_t errlen)
{
    int st = KRONOS_ECONFIG;
    json_t *root = load(path, &st, err, errlen);
    if (!root)
        return st;
    memset(c, 0, sizeof *c);
    int bad = get_ints(root, path, TOK_RULES, N_RULES(TOK_RULES), c, err, errlen);
    json_decref(root);
    return bad ? KRONOS_ECONFIG : kt_modelcfg_check_tokenizer(c, path, err, errlen);
}

int kt_modelcfg_predictor(const char *path, kronos_predictor_config *c, char *err, size_t errlen)
{
    int st = KRONOS_ECONFIG;
    json_t *root = load(path, &st, err, errlen);
    if (!root)
        return st;
    memset(c, 0, sizeof *c);
    int bad = get_ints(root, path, PRED_RULES, N_RULES(PRED_RULES), c, err, errlen);
    if (!bad) {
        json_t *v = json_object_get(root, "learn_te");
        if (!v) {
            snprintf(err, errlen, _("%s: missing key %s"), path, "learn_te");
            bad = 1;
        } else if (!json_is_boolean(v)) {
            snprintf(err, errlen, _("%s: key %s must be true or false"), path, "learn_te");
            bad = 1;
        } else {
            c->learn_te = json_is_true(v);
        }
    }
    json_decref(root);
    return bad ? KRONOS_ECONFIG : kt_modelcfg_check_predictor(c, path, err, errlen);
}

/* config.json as upstream writes it (dropout keys 0), through PATH.tmp. */
static int write_json(json_t *j, const char *path, char *err, size_t errlen)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int rc = !j || json_dump_file(j, tmp, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15)) ||
             rename(tmp, path);
    json_decref(j);
    if (rc) {
        snprintf(err, errlen, _("%s: cannot write"), path);
        return KRONOS_EIO;
    }
    return KRONOS_OK;
}

int kt_modelcfg_write_tokenizer(const char *path, const kronos_tokenizer_config *c, const double bsq[4], char *err,
                                size_t errlen)
{
    json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:i, s:i, s:f, s:f, s:f, s:f, s:i}",
                          "d_in", c->d_in, "d_model", c->d_model, "n_heads", c->n_heads, "ff_dim", c->ff_dim,
                          "n_enc_layers", c->n_enc_layers, "n_dec_layers", c->n_dec_layers, "ffn_dropout_p", 0.0,
                          "attn_dropout_p", 0.0, "resid_dropout_p", 0.0, "s1_bits", c->s1_bits, "s2_bits",
                          c->s2_bits, "beta", bsq[0], "gamma0", bsq[1], "gamma", bsq[2], "zeta", bsq[3],
                          "group_size", c->group_size);
    return write_json(j, path, err, errlen);
}

int kt_modelcfg_write_predictor(const char *path, const kronos_predictor_config *c, char *err, size_t errlen)
{
    json_t *j = json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, s:b}", "s1_bits", c->s1_bits,
                          "s2_bits", c->s2_bits, "n_layers", c->n_layers, "d_model", c->d_model, "n_heads",
                          c->n_heads, "ff_dim", c->ff_dim, "ffn_dropout_p", 0.0, "attn_dropout_p", 0.0,
                          "resid_dropout_p", 0.0, "token_dropout_p", 0.0, "learn_te", c->learn_te ? 1 : 0);
    return write_json(j, path, err, errlen);
}

int kt_modelcfg_pair(const kronos_tokenizer_config *t, const kronos_predictor_config *p, const char *pred_path,
                     char *err, size_t errlen)
{
    if (t->s1_bits != p->s1_bits || t->s2_bits != p->s2_bits) {
        snprintf(err, errlen, _("%s: key s1_bits: the predictor uses %d+%d bits but the tokenizer %d+%d"), pred_path,
                 p->s1_bits, p->s2_bits, t->s1_bits, t->s2_bits);
        return KRONOS_ECONFIG;
    }
    return KRONOS_OK;
}
