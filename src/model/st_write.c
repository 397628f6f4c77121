/* st_write.c: safetensors writer (see st_write.h). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/i18n.h"
#include "model/st_write.h"

static int by_name(const void *a, const void *b)
{
    const kt_st_tensor *const *x = a, *const *y = b;
    return strcmp((*x)->name, (*y)->name);
}

static size_t elem_size(kt_st_dtype t) { return t == KT_ST_I64 ? 8 : 4; }

static int64_t numel(const kt_st_tensor *t)
{
    int64_t n = 1;
    for (int i = 0; i < t->ndim; i++)
        n *= t->shape[i];
    return n;
}

/* little-endian bytes of one element */
static void put_le(unsigned char *dst, const void *src, size_t size)
{
    uint64_t v = 0;
    if (size == 8) {
        memcpy(&v, src, 8);
    } else {
        uint32_t w;
        memcpy(&w, src, 4);
        v = w;
    }
    for (size_t i = 0; i < size; i++)
        dst[i] = (unsigned char)(v >> (8 * i));
}

static int write_data(FILE *f, const kt_st_tensor *t)
{
    size_t es = elem_size(t->dtype);
    int64_t n = numel(t);
    unsigned char buf[4096];
    size_t fill = 0;
    const unsigned char *src = t->data;
    for (int64_t i = 0; i < n; i++) {
        put_le(buf + fill, src + (size_t)i * es, es);
        fill += es;
        if (fill == sizeof buf) {
            if (fwrite(buf, 1, fill, f) != fill)
                return -1;
            fill = 0;
        }
    }
    if (fill && fwrite(buf, 1, fill, f) != fill)
        return -1;
    return 0;
}

int kt_st_write(const char *path, const kt_st_tensor *tensors, size_t n, char *err, size_t errlen)
{
    int rc = -1;
    const kt_st_tensor **order = NULL;
    json_t *hdr = NULL;
    char *text = NULL, *tmp = NULL;
    FILE *f = NULL;

    order = calloc(n ? n : 1, sizeof *order);
    tmp = malloc(strlen(path) + 5);
    hdr = json_object();
    if (!order || !tmp || !hdr) {
        snprintf(err, errlen, _("%s: out of memory"), path);
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        const kt_st_tensor *t = &tensors[i];
        if (!t->name || !*t->name || !strcmp(t->name, "__metadata__")) {
            snprintf(err, errlen, _("%s: tensor %zu has an invalid name"), path, i);
            goto out;
        }
        if (t->ndim < 0 || t->ndim > KT_ST_MAX_DIMS || (numel(t) > 0 && !t->data)) {
            snprintf(err, errlen, _("%s: tensor %s: invalid rank or no data"), path, t->name);
            goto out;
        }
        for (int d = 0; d < t->ndim; d++)
            if (t->shape[d] < 0) {
                snprintf(err, errlen, _("%s: tensor %s: negative dimension"), path, t->name);
                goto out;
            }
        order[i] = t;
    }
    qsort(order, n, sizeof *order, by_name);
    uint64_t off = 0;
    for (size_t i = 0; i < n; i++) {
        const kt_st_tensor *t = order[i];
        if (i > 0 && !strcmp(order[i - 1]->name, t->name)) {
            snprintf(err, errlen, _("%s: duplicate tensor name %s"), path, t->name);
            goto out;
        }
        json_t *shape = json_array();
        for (int d = 0; d < t->ndim; d++)
            json_array_append_new(shape, json_integer(t->shape[d]));
        uint64_t bytes = (uint64_t)numel(t) * elem_size(t->dtype);
        json_t *entry = json_pack("{s:s, s:o, s:[I,I]}", "dtype", t->dtype == KT_ST_I64 ? "I64" : "F32",
                                  "shape", shape, "data_offsets", (json_int_t)off, (json_int_t)(off + bytes));
        if (!entry || json_object_set_new(hdr, t->name, entry)) {
            snprintf(err, errlen, _("%s: tensor %s: cannot build the header"), path, t->name);
            goto out;
        }
        off += bytes;
    }
    json_object_set_new(hdr, "__metadata__", json_pack("{s:s}", "format", "pt"));
    text = json_dumps(hdr, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) {
        snprintf(err, errlen, _("%s: cannot build the header"), path);
        goto out;
    }
    size_t hlen = strlen(text), padded = (hlen + 7) / 8 * 8;
    unsigned char len8[8];
    for (int i = 0; i < 8; i++)
        len8[i] = (unsigned char)((uint64_t)padded >> (8 * i));

    sprintf(tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot write: %s"), tmp, strerror(errno));
        goto out;
    }
    int bad = fwrite(len8, 1, 8, f) != 8 || fwrite(text, 1, hlen, f) != hlen;
    for (size_t i = hlen; i < padded && !bad; i++)
        bad = fputc(' ', f) == EOF;
    for (size_t i = 0; i < n && !bad; i++)
        bad = write_data(f, order[i]) != 0;
    if (fclose(f) != 0)
        bad = 1;
    f = NULL;
    if (bad) {
        snprintf(err, errlen, _("%s: write error: %s"), tmp, strerror(errno));
        remove(tmp);
        goto out;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, _("%s: cannot rename %s: %s"), path, tmp, strerror(errno));
        remove(tmp);
        goto out;
    }
    rc = 0;
out:
    if (f)
        fclose(f);
    free(text);
    json_decref(hdr);
    free(tmp);
    free(order);
    return rc;
}
