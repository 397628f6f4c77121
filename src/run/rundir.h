/* rundir.h: the run directory of an evaluation. This module is its one
 * owner: it creates the directory, locks it, decides whether it belongs
 * to the run about to start (one exit code for every refusal:
 * KT_EXIT_MISMATCH, kronos-tui(1)), and writes config.json, inputs.json,
 * events.jsonl and status.json. The journal and the reports are written
 * by the worker into the directory kt_rundir_claim() handed it.
 *
 * Files:
 *  - .lock          advisory flock() held by the one writing process;
 *                   its text is that process's pid.
 *  - config.json    the resolved settings, written once the journal
 *                   proved that DIR holds this run (or none).
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

#include "eval/evalcfg.h"
#include "eval/prices.h"
#include "run/batchlog.h"
#include "run/channel.h"
#include "run/journal.h"

#define KT_STATUS_FILE "status.json"
#define KT_EVENTS_FILE "events.jsonl"
#define KT_INPUTS_FILE "inputs.json"
#define KT_LOCK_FILE ".lock"
#define KT_STATUS_MIN_INTERVAL 0.25

typedef struct kt_recorder kt_recorder;
typedef struct kt_rundir kt_rundir;

/* The front end's part, before the worker starts: creates
 * cfg->output_dir, takes its lock, checks it against cfg (config.json,
 * inputs.json), records inputs.json and opens the recorder. Returns
 * KT_EXIT_OK (*out set), or the exit code with err: KT_EXIT_IO (cannot
 * create, locked by another process, I/O), KT_EXIT_MISMATCH (DIR holds
 * another run). A refused directory is left as it was. */
int kt_rundir_open(const kt_evalcfg *cfg, kt_rundir **out, char *err, size_t errlen);
/* The front end's event log (batchlog.h), recording into the directory:
 * set its out/json_out for --batch and feed it every drained event. */
kt_batchlog *kt_rundir_log(kt_rundir *rd);
/* Final status write, unlock, free; NULL ok. */
void kt_rundir_close(kt_rundir *rd);

/* What kt_rundir_claim() found in DIR's journal. */
typedef struct kt_rundir_journal {
    kt_journal *j;
    kt_date_result *recs;  /* completed dates of an earlier session */
    int n_recs;
    long torn;             /* bytes of a torn last record, cut off */
} kt_rundir_journal;

/* The worker's part: creates DIR when missing (callers without
 * kt_rundir_open), opens its journal for this run's fingerprint (settings
 * + data), refuses another run's journal or records that name tickers or
 * horizons this run does not have, and writes config.json. Returns
 * KT_EXIT_OK (free out with kt_rundir_journal_free), or the exit code with
 * err (KT_EXIT_MISMATCH, KT_EXIT_IO). */
int kt_rundir_claim(const char *dir, const kt_evalcfg *cfg, const kt_prices *p,
                    kt_rundir_journal *out, char *err, size_t errlen);
void kt_rundir_journal_free(kt_rundir_journal *jr);

typedef struct kt_runlock kt_runlock;
/* Takes DIR/.lock (non-blocking). 0 ok; 1 held by another process
 * (*other_pid gets its pid or 0, err names it); -1 I/O error. */
int kt_rundir_lock(const char *dir, kt_runlock **out, long *other_pid, char *err,
                   size_t errlen);
void kt_rundir_unlock(kt_runlock *l);

/* Opens DIR/events.jsonl for appending. heartbeat: seconds between
 * status.json rewrites when nothing happens (<= 0: 5). NULL + err. The
 * recorder folds nothing itself: the front end's log (kt_batchlog) hands
 * it every event with its JSON line and the snapshot after it. */
kt_recorder *kt_recorder_open(const char *dir, double heartbeat, char *err, size_t errlen);
/* status.json shows *snap from now on (the log's snapshot: it must
 * outlive the recorder). Until then status.json is not written. */
void kt_recorder_bind(kt_recorder *r, const kt_snapshot *snap);
/* Appends json (ev's line, no newline; NULL: out of memory, skipped) and
 * rewrites status.json when due (ev was applied to the bound snapshot). */
void kt_recorder_write(kt_recorder *r, const kt_event *ev, const char *json);
/* Rewrites status.json when a change is pending or the heartbeat is due. */
void kt_recorder_tick(kt_recorder *r);
/* Seconds until kt_recorder_tick() has something to do (>= 0). */
double kt_recorder_next_due(const kt_recorder *r);
/* 1 once a final event (finished/empty/failed/cancelled) was recorded. */
int kt_recorder_done(const kt_recorder *r);
/* Final status write; closes; NULL ok. */
void kt_recorder_close(kt_recorder *r);

/* --status: prints the summary of DIR (or a status.json path) to out.
 * Returns the exit code: KT_EXIT_OK live or finished, KT_EXIT_ST_* else. */
int kt_rundir_status(const char *dir, FILE *out);

#endif /* KT_RUNDIR_H */
