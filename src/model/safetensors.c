/* safetensors.c: bounds-checked safetensors reader (see safetensors.h). */
#include "config.h"

#include "model/safetensors.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"

/* Headers above this size are refused (the format's own limit is 100 MB). */
#define ST_MAX_HEADER ((uint64_t)100 * 1024 * 1024)

static const struct {
    const char *name;
    kt_st_dtype dtype;
    size_t size;
} dtypes[] = {
    {"F32", KT_ST_F32, 4}, {"F16", KT_ST_F16, 2}, {"BF16", KT_ST_BF16, 2},
    {"F64", KT_ST_F64, 8}, {"I64", KT_ST_I64, 8}, {"I32", KT_ST_I32, 4},
    {"I16", KT_ST_I16, 2}, {"I8", KT_ST_I8, 1},   {"U8", KT_ST_U8, 1},
    {"BOOL", KT_ST_BOOL, 1},
};

const char *kt_st_dtype_name(kt_st_dtype d)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == d)
            return dtypes[i].name;
    return "?";
}

static size_t dtype_size(kt_st_dtype d)
{
    for (size_t i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (dtypes[i].dtype == d)
            return dtypes[i].size;
    return 0;
}

void kt_st_shape_str(const int64_t *shape, int ndim, char *buf, size_t len)
{
    size_t used = 0;
    if (len == 0)
        return;
    buf[0] = '\0';
    used += (size_t)snprintf(buf, len, "[");
    for (int i = 0; i < ndim && used < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%lld", i ? "," : "", (long long)shape[i]);
    if (used < len)
        snprintf(buf + used, len - used, "]");
}

static int cmp_tensor(const void *a, const void *b)
{
    return strcmp(((const kt_st_tensor *)a)->name, ((const kt_st_tensor *)b)->name);
}

static int cmp_offset(const void *a, const void *b)
{
    const kt_st_tensor *x = a, *y = b;
    if (x->offset != y->offset)
        return x->offset < y->offset ? -1 : 1;
    return x->nbytes < y->nbytes ? -1 : (x->nbytes > y->nbytes);
}

void kt_st_free(kt_safetensors *st)
{
    if (!st)
        return;
    for (size_t i = 0; i < st->n; i++)
        free(st->t[i].name);
    free(st->t);
    free(st->owned);
    memset(st, 0, sizeof *st);
}

static int parse_entry(const char *name, json_t *v, size_t data_len, kt_st_tensor *t,
                       char *err, size_t errlen)
{
    json_t *dt = json_object_get(v, "dtype");
    json_t *shape = json_object_get(v, "shape");
    json_t *offs = json_object_get(v, "data_offsets");
    if (!json_is_object(v) || !json_is_string(dt) || !json_is_array(shape) || !json_is_array(offs)) {
        snprintf(err, errlen, _("tensor %s: entry needs dtype, shape and data_offsets"), name);
        return -1;
    }
    size_t i, esize = 0;
    for (i = 0; i < sizeof dtypes / sizeof dtypes[0]; i++)
        if (strcmp(json_string_value(dt), dtypes[i].name) == 0) {
            t->dtype = dtypes[i].dtype;
            esize = dtypes[i].size;
        }
    if (esize == 0) {
        snprintf(err, errlen, _("tensor %s: unsupported dtype %s"), name, json_string_value(dt));
        return -1;
    }
    if (json_array_size(shape) > KT_ST_MAX_DIMS) {
        snprintf(err, errlen, _("tensor %s: too many dimensions (%zu)"), name, json_array_size(shape));
        return -1;
    }
    t->ndim = (int)json_array_size(shape);
    uint64_t numel = 1;
    for (i = 0; i < json_array_size(shape); i++) {
        json_t *d = json_array_get(shape, i);
        if (!json_is_integer(d) || json_integer_value(d) < 0 || json_integer_value(d) > ((json_int_t)1 << 40)) {
            snprintf(err, errlen, _("tensor %s: invalid shape"), name);
            return -1;
        }
        t->shape[i] = (int64_t)json_integer_value(d);
        if (t->shape[i] != 0 && numel > UINT64_MAX / 16 / (uint64_t)t->shape[i]) {
            snprintf(err, errlen, _("tensor %s: shape too large"), name);
            return -1;
        }
        numel *= (uint64_t)t->shape[i];
    }
    t->numel = (int64_t)numel;
    json_t *b = json_array_get(offs, 0), *e = json_array_get(offs, 1);
    if (json_array_size(offs) != 2 || !json_is_integer(b) || !json_is_integer(e) ||
        json_integer_value(b) < 0 || json_integer_value(e) < json_integer_value(b)) {
        snprintf(err, errlen, _("tensor %s: invalid data_offsets"), name);
        return -1;
    }
    uint64_t begin = (uint64_t)json_integer_value(b), end = (uint64_t)json_integer_value(e);
    if (end > data_len) {
        snprintf(err, errlen, _("tensor %s: data_offsets [%llu,%llu] beyond the end of the data (%zu bytes; file truncated?)"),
                 name, (unsigned long long)begin, (unsigned long long)end, data_len);
        return -1;
    }
    if (end - begin != numel * esize) {
        snprintf(err, errlen, _("tensor %s: %llu data bytes, but dtype and shape need %llu"), name,
                 (unsigned long long)(end - begin), (unsigned long long)(numel * esize));
        return -1;
    }
    t->offset = (size_t)begin;
    t->nbytes = (size_t)(end - begin);
    return 0;
}

int kt_st_parse(const unsigned char *buf, size_t len, kt_safetensors *st, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (len < 8) {
        snprintf(err, errlen, _("file too short for a safetensors header (%zu bytes)"), len);
        return -1;
    }
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--)
        hlen = (hlen << 8) | buf[i];
    if (hlen < 2 || hlen > ST_MAX_HEADER || hlen > len - 8) {
        snprintf(err, errlen, _("invalid header length %llu (file has %zu bytes)"), (unsigned long long)hlen, len);
        return -1;
    }
    json_error_t jerr;
    json_t *root = json_loadb((const char *)buf + 8, (size_t)hlen, JSON_REJECT_DUPLICATES, &jerr);
    if (!root) {
        snprintf(err, errlen, _("invalid JSON header: %s (position %d)"), jerr.text, jerr.position);
        return -1;
    }
    if (!json_is_object(root)) {
        json_decref(root);
        snprintf(err, errlen, _("JSON header is not an object"));
        return -1;
    }
    st->data = buf + 8 + hlen;
    st->data_len = len - 8 - (size_t)hlen;
    st->t = calloc(json_object_size(root) + 1, sizeof *st->t);
    if (!st->t) {
        json_decref(root);
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    const char *key;
    json_t *v;
    json_object_foreach(root, key, v) {
        if (strcmp(key, "__metadata__") == 0)
            continue;
        kt_st_tensor *t = &st->t[st->n];
        if (parse_entry(key, v, st->data_len, t, err, errlen) != 0) {
            json_decref(root);
            kt_st_free(st);
            return -1;
        }
        t->name = strdup(key);
        if (!t->name) {
            json_decref(root);
            kt_st_free(st);
            snprintf(err, errlen, _("out of memory"));
            return -1;
        }
        st->n++;
    }
    json_decref(root);
    /* Data regions must not overlap (the format packs them): sort by
     * offset and compare neighbours. */
    qsort(st->t, st->n, sizeof *st->t, cmp_offset);
    const kt_st_tensor *a = NULL;
    for (size_t i = 0; i < st->n; i++) {
        const kt_st_tensor *b = &st->t[i];
        if (b->nbytes == 0)
            continue;
        if (a && b->offset < a->offset + a->nbytes) {
            snprintf(err, errlen, _("tensors %s and %s overlap"), a->name, b->name);
            kt_st_free(st);
            return -1;
        }
        a = b;
    }
    qsort(st->t, st->n, sizeof *st->t, cmp_tensor);
    return 0;
}

int kt_st_load(const char *path, kt_safetensors *st, int *io_error, char *err, size_t errlen)
{
    memset(st, 0, sizeof *st);
    if (io_error)
        *io_error = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("cannot open: %s"), strerror(errno));
        if (io_error)
            *io_error = 1;
        return -1;
    }
    unsigned char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            size_t ncap = cap ? cap * 2 : 1 << 20;
            unsigned char *nb = realloc(buf, ncap);
            if (!nb) {
                free(buf);
                fclose(f);
                snprintf(err, errlen, _("out of memory"));
                return -1;
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0)
            break;
    }
    int rerr = ferror(f);
    fclose(f);
    if (rerr) {
        free(buf);
        snprintf(err, errlen, _("read error"));
        if (io_error)
            *io_error = 1;
        return -1;
    }
    if (kt_st_parse(buf, len, st, err, errlen) != 0) {
        free(buf);
        return -1;
    }
    st->owned = buf;
    return 0;
}

const kt_st_tensor *kt_st_find(const kt_safetensors *st, const char *name)
{
    kt_st_tensor key;
    key.name = (char *)name;
    return bsearch(&key, st->t, st->n, sizeof *st->t, cmp_tensor);
}

float kt_st_f16_to_f32(uint16_t h)
{
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) {
            bits = sign;
        } else { /* subnormal: renormalise */
            int e = -1;
            do {
                e++;
                man <<= 1;
            } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) {
        bits = sign | 0x7f800000u | (man << 13);
    } else {
        bits = sign | ((exp + 127 - 15) << 23) | (man << 13);
    }
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

float kt_st_bf16_to_f32(uint16_t h)
{
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, 4);
    return f;
}

int kt_st_to_f32(const kt_safetensors *st, const kt_st_tensor *t, float *dst)
{
    const unsigned char *p = st->data + t->offset;
    if (t->offset + t->nbytes > st->data_len || (size_t)t->numel * dtype_size(t->dtype) != t->nbytes)
        return -1;
    for (int64_t i = 0; i < t->numel; i++) {
        switch (t->dtype) {
        case KT_ST_F32: {
            uint32_t u = (uint32_t)p[4 * i] | (uint32_t)p[4 * i + 1] << 8 | (uint32_t)p[4 * i + 2] << 16 |
                         (uint32_t)p[4 * i + 3] << 24;
            memcpy(&dst[i], &u, 4);
            break;
        }
        case KT_ST_F16:
            dst[i] = kt_st_f16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
            break;
        case KT_ST_BF16:
            dst[i] = kt_st_bf16_to_f32((uint16_t)(p[2 * i] | p[2 * i + 1] << 8));
            break;
        case KT_ST_F64: {
            uint64_t u = 0;
            for (int b = 7; b >= 0; b--)
                u = (u << 8) | p[8 * i + b];
            double d;
            memcpy(&d, &u, 8);
            dst[i] = (float)d;
            break;
        }
        default:
            return -1;
        }
    }
    return 0;
}
