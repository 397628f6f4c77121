/* numparse.c: see numparse.h. */
#include "config.h"

#include "base/numparse.h"

#include <errno.h>
#include <stdlib.h>

int kt_parse_long(const char *s, long lo, long hi, long *out)
{
    if (!s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}
