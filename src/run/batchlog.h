/* batchlog.h: the front end's event log, the one consumer of drained
 * events on the front-end thread (batch loop or console). It folds each
 * event once into its snapshot (the state right after that event, which
 * the lines of event k report even while the channel's snapshot is
 * already further on), and writes from it: one human-readable line per
 * event for --batch (no carriage returns, no terminal control), and the
 * event's JSON line, serialised once, to --json's stdout and to the run
 * directory's recorder (events.jsonl, status.json), byte for byte the same.
 *
 * JSON lines schema "kronos-tui.events/1": every line is an object with
 *   "schema": "kronos-tui.events/1", "event": <name>, "t": seconds since
 *   the run started,
 * plus, by event: run_started {experiment, mode, tickers, data_first,
 * data_last, range_start, range_end, model, params, lookback, dates_total,
 * folds, run_dir, device{device, verified, threads, blas}};
 * fold_started {fold_id, fold_index, fold_total, dates};
 * date_started / date_done / date_resumed {fold_id, date, date_index,
 * date_total, scored, skipped, seconds, tokens, dates_done, dates_total,
 * elapsed, eta (null when unknown)}; batch_progress {date, done, total};
 * fold_done {fold_id, text, flag{horizon, flags} | null};
 * metrics {date, horizon, rankic (latest), median, mean, icir,
 * pct_positive, dates}; warning / log / failed / cancelled {text};
 * finished {report}; empty {reason, next_steps, report}; paused, resumed;
 * device {device, verified, violation}. KT_EV_DOWNLOAD (the console's
 * download bar) is applied to the snapshot and has no line. Numbers that are unknown are null.
 * Fields may be added in a later /1 revision; they are never renamed. */
#ifndef KT_BATCHLOG_H
#define KT_BATCHLOG_H

#include <stddef.h>
#include <stdio.h>

#include "run/channel.h"

typedef struct kt_recorder kt_recorder; /* rundir.h */

typedef struct kt_batchlog {
    FILE *out;          /* human lines (stderr) or NULL */
    FILE *json_out;     /* JSON lines (stdout) or NULL */
    kt_recorder *rec;   /* events.jsonl and status.json, or NULL */
    kt_snapshot snap;   /* the events applied so far */
} kt_batchlog;

/* No recorder; out and json_out may be NULL. */
void kt_batchlog_init(kt_batchlog *b, FILE *out, FILE *json_out);
/* Hands every later event, its JSON line and the snapshot to rec (which
 * then reads b->snap until it is closed: b must outlive it). */
void kt_batchlog_record(kt_batchlog *b, kt_recorder *rec);
/* Applies ev to the log's snapshot and writes its line(s). */
void kt_batchlog_event(kt_batchlog *b, const kt_event *ev);
/* The human line of ev given the snapshot after it; 0 when the event has
 * no line (BATCH_PROGRESS, METRICS, DATE_STARTED). */
int kt_batchlog_format(const kt_event *ev, const kt_snapshot *s, char *buf, size_t n);
/* The JSON line of ev (no newline; caller frees). */
char *kt_batchlog_json(const kt_event *ev, const kt_snapshot *s);
/* "1:12", "1:02:03" or "?" when not finite. */
void kt_batchlog_duration(double secs, char *buf, size_t n);

#endif /* KT_BATCHLOG_H */
