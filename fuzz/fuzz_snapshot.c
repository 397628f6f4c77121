/* fuzz_snapshot.c: the status.json reader used by --attach
 * (json_loadb + kt_snapshot_from_json, which is what
 * kt_snapshot_read_file does after reading the file). An accepted
 * snapshot must survive a write/read round trip. */
#include "config.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"
#include "run/snapshot_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    json_error_t je;
    json_t *j = json_loadb((const char *)data, size, 0, &je);
    if (!j)
        return 0;
    kt_snapshot s;
    kt_snapshot_init(&s);
    double when = 0;
    char err[512];
    err[0] = '\0';
    if (kt_snapshot_from_json(j, &s, &when, "fuzz-status.json", err, sizeof err) == 0) {
        json_t *back = kt_snapshot_to_json(&s, when);
        if (!back)
            abort();
        kt_snapshot s2;
        kt_snapshot_init(&s2);
        double when2 = 0;
        if (kt_snapshot_from_json(back, &s2, &when2, "round-trip", err, sizeof err) != 0)
            abort(); /* what we write we must be able to read */
        json_decref(back);
    } else if (strlen(err) == 0) {
        abort();
    }
    json_decref(j);
    return 0;
}
