/* rundir.h: the run directory of an evaluation, seen from the front end.
 *
 * DIR holds the outputs and the journal (worker), config.json (the
 * resolved settings, worker), and, written here:
 *  - .lock          advisory flock() held by the one writing process;
 *                   its text is that process's pid.
 *  - inputs.json    checksums of the price file and the model files,
 *                   recorded by the first run and checked on every later
 *                   run in DIR (--resume refuses a mismatch).
 *  - events.jsonl   append-only, one JSON line per event, exactly the
 *                   lines of --json (schema kronos-tui.events/1).
 *  - status.json    the kt_snapshot (snapshot_json.h) plus heartbeat:
 *                   rewritten atomically (temp + rename) on every state
 *                   change, at most every KT_STATUS_MIN_INTERVAL seconds
 *                   otherwise, and at least every heartbeat interval.
 *
 * The recorder is a consumer of drained events on the front-end thread
 * (batch loop or console), never on the worker's hot path. */
#ifndef KT_RUNDIR_H
#define KT_RUNDIR_H

#include <stddef.h>
#include <stdio.h>

#include "evalcfg.h"
#include "progress.h"

#define KT_STATUS_FILE "status.json"
#define KT_EVENTS_FILE "events.jsonl"
#define KT_INPUTS_FILE "inputs.json"
#define KT_LOCK_FILE ".lock"
#define KT_STATUS_MIN_INTERVAL 0.25

/* mkdir -p. 0 ok, -1 (err). */
int kt_rundir_create(const char *dir, char *err, size_t errlen);

typedef struct kt_runlock kt_runlock;
/* Takes DIR/.lock (non-blocking). 0 ok; 1 held by another process
 * (*other_pid gets its pid or 0, err names it); -1 I/O error. */
int kt_rundir_lock(const char *dir, kt_runlock **out, long *other_pid, char *err,
                   size_t errlen);
void kt_rundir_unlock(kt_runlock *l);

/* Checksums of the inputs that decide the results. */
typedef struct kt_inputs {
    char prices[40];
    char tokenizer_config[40], tokenizer_weights[40];
    char model_config[40], model_weights[40];
} kt_inputs;

/* Checksums the price file and the model files of cfg. 0 ok; -1 when a
 * file cannot be read (err; the loaders then report it properly). */
int kt_inputs_compute(const kt_evalcfg *cfg, kt_inputs *in, char *err, size_t errlen);

/* Checks DIR against the run about to start: when DIR/config.json exists,
 * the result-deciding settings must equal it; when DIR/inputs.json exists,
 * the checksums (in) must equal it. 0 ok; 1 mismatch (err says what
 * differs and what to do); -1 I/O or format error. */
int kt_rundir_check(const char *dir, const kt_evalcfg *cfg, const kt_inputs *in, char *err,
                    size_t errlen);
/* Writes DIR/inputs.json atomically. 0 ok, -1 (err). */
int kt_rundir_record_inputs(const char *dir, const kt_evalcfg *cfg, const kt_inputs *in,
                            char *err, size_t errlen);

/* "fnv1a64:%016x" of a file's bytes, or -1 (err). */
int kt_file_checksum(const char *path, char *out, size_t n, char *err, size_t errlen);

typedef struct kt_recorder kt_recorder;
/* Opens DIR/events.jsonl for appending. heartbeat: seconds between
 * status.json rewrites when nothing happens (<= 0: 5). NULL + err. */
kt_recorder *kt_recorder_open(const char *dir, double heartbeat, char *err, size_t errlen);
/* Applies ev, appends its JSON line, rewrites status.json when due. */
void kt_recorder_event(kt_recorder *r, const kt_event *ev);
/* Rewrites status.json when a change is pending or the heartbeat is due. */
void kt_recorder_tick(kt_recorder *r);
/* Seconds until kt_recorder_tick() has something to do (>= 0). */
double kt_recorder_next_due(const kt_recorder *r);
/* 1 once a final event (finished/empty/failed/cancelled) was recorded. */
int kt_recorder_done(const kt_recorder *r);
/* Records a failure that happened before the worker started. */
void kt_recorder_fail(kt_recorder *r, const char *text);
/* Final status write; closes; NULL ok. */
void kt_recorder_close(kt_recorder *r);

/* --status: prints the summary of DIR (or a status.json path) to out.
 * Returns the exit code: KT_EXIT_OK live or finished, KT_EXIT_ST_* else. */
int kt_rundir_status(const char *dir, FILE *out);

#endif /* KT_RUNDIR_H */
