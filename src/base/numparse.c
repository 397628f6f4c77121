/* numparse.c: see numparse.h. */
#include "config.h"

#include "base/numparse.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* One number from s, ending at *end; -1 unless it lies in [lo, hi]. */
static int parse_one(const char *s, long lo, long hi, long *out, char **end)
{
    errno = 0;
    long v = strtol(s, end, 10);
    if (errno || *end == s || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int kt_parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s)
        return -1;
    char *end;
    long v;
    if (parse_one(s, lo, hi, &v, &end) != 0 || *end)
        return -1;
    *out = v;
    return 0;
}

int kt_parse_u64(const char *s, uint64_t *out)
{
    if (!s || strchr(s, '-'))
        return -1;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || end == s || *end)
        return -1;
    *out = (uint64_t)v;
    return 0;
}

int kt_parse_int_list(const char *s, long lo, long hi, int *out, int max)
{
    if (!s)
        return -1;
    int n = 0;
    for (;;) {
        char *end;
        long v;
        if (n == max || parse_one(s, lo, hi, &v, &end) != 0 || (*end && *end != ','))
            return -1;
        out[n++] = (int)v;
        if (!*end)
            return n;
        s = end + 1;
    }
}
