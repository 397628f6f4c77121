/* modelcfg.c: config.json for the tokenizer and the predictor. */
#include "config.h"

#include "modelcfg.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "i18n.h"

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

/* An integer key in [lo, hi]. */
static int get_int(json_t *root, const char *path, const char *key, int lo, int hi, int *out,
                   char *err, size_t errlen)
{
    json_t *v = json_object_get(root, key);
    if (!v) {
        snprintf(err, errlen, _("%s: missing key %s"), path, key);
        return -1;
    }
    if (!json_is_integer(v)) {
        snprintf(err, errlen, _("%s: key %s must be an integer"), path, key);
        return -1;
    }
    json_int_t x = json_integer_value(v);
    if (x < lo || x > hi) {
        snprintf(err, errlen, _("%s: key %s = %lld is outside [%d, %d]"), path, key, (long long)x, lo, hi);
        return -1;
    }
    *out = (int)x;
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

int kt_modelcfg_tokenizer(const char *path, kronos_tokenizer_config *c, char *err, size_t errlen)
{
    int st = KRONOS_ECONFIG;
    json_t *root = load(path, &st, err, errlen);
    if (!root)
        return st;
    memset(c, 0, sizeof *c);
    int bad = get_int(root, path, "d_in", 1, 64, &c->d_in, err, errlen) ||
              get_int(root, path, "d_model", 2, 65536, &c->d_model, err, errlen) ||
              get_int(root, path, "n_heads", 1, 1024, &c->n_heads, err, errlen) ||
              get_int(root, path, "ff_dim", 1, 1 << 20, &c->ff_dim, err, errlen) ||
              get_int(root, path, "n_enc_layers", 1, 1024, &c->n_enc_layers, err, errlen) ||
              get_int(root, path, "n_dec_layers", 1, 1024, &c->n_dec_layers, err, errlen) ||
              get_int(root, path, "s1_bits", 1, 20, &c->s1_bits, err, errlen) ||
              get_int(root, path, "s2_bits", 1, 20, &c->s2_bits, err, errlen) ||
              get_int(root, path, "group_size", 1, 64, &c->group_size, err, errlen) ||
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
    json_decref(root);
    return bad ? KRONOS_ECONFIG : KRONOS_OK;
}

int kt_modelcfg_predictor(const char *path, kronos_predictor_config *c, char *err, size_t errlen)
{
    int st = KRONOS_ECONFIG;
    json_t *root = load(path, &st, err, errlen);
    if (!root)
        return st;
    memset(c, 0, sizeof *c);
    int bad = get_int(root, path, "s1_bits", 1, 20, &c->s1_bits, err, errlen) ||
              get_int(root, path, "s2_bits", 1, 20, &c->s2_bits, err, errlen) ||
              get_int(root, path, "n_layers", 1, 1024, &c->n_layers, err, errlen) ||
              get_int(root, path, "d_model", 2, 65536, &c->d_model, err, errlen) ||
              get_int(root, path, "n_heads", 1, 1024, &c->n_heads, err, errlen) ||
              get_int(root, path, "ff_dim", 1, 1 << 20, &c->ff_dim, err, errlen) ||
              check_heads(path, c->d_model, c->n_heads, err, errlen) ||
              check_bits(path, c->s1_bits, c->s2_bits, err, errlen);
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
    /* The dependency-aware layer always uses 4 heads of even size. */
    if (!bad && c->d_model % 8 != 0) {
        snprintf(err, errlen, _("%s: key d_model = %d must be a multiple of 8 (4 cross-attention heads)"), path,
                 c->d_model);
        bad = 1;
    }
    json_decref(root);
    return bad ? KRONOS_ECONFIG : KRONOS_OK;
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
