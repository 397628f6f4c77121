/* snapshot_json.h: kt_snapshot <-> status.json (jansson).
 *
 * Contract
 *  - The status file is one JSON object, "format": "kronos-tui-status",
 *    "version": 1, with "updated_unix" (wall-clock seconds when written)
 *    and every kt_snapshot field under its own name (keys never
 *    translated). Unknown keys are ignored; a missing key leaves the
 *    field at its kt_snapshot_init() value; NaN is written as null.
 *  - kt_snapshot_write_file() writes DIR/status.json.tmp then renames it
 *    over the target, so a reader never sees a half-written file.
 *  - Errors return -1 with a one-line message naming the file (and the
 *    key at fault) in err.
 */
#ifndef KT_SNAPSHOT_JSON_H
#define KT_SNAPSHOT_JSON_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "run/channel.h"

#define KT_STATUS_FORMAT "kronos-tui-status"
#define KT_STATUS_VERSION 1

/* New reference; NULL only when out of memory. */
json_t *kt_snapshot_to_json(const kt_snapshot *s, double updated_unix);
/* 0 on success; what names the source in messages. */
int kt_snapshot_from_json(const json_t *j, kt_snapshot *s, double *updated_unix,
                          const char *what, char *err, size_t errlen);

int kt_snapshot_write_file(const kt_snapshot *s, const char *path, double updated_unix,
                           char *err, size_t errlen);
int kt_snapshot_read_file(const char *path, kt_snapshot *s, double *updated_unix, char *err,
                          size_t errlen);

/* Resident set size of this process in bytes (Linux /proc), 0 unknown.
 * The status writer stores it in s->rss_bytes before writing. */
int64_t kt_process_rss_bytes(void);

#endif /* KT_SNAPSHOT_JSON_H */
