/* batchlog.h: the --batch front end: one human-readable line per event
 * (no carriage returns, no terminal control), or with --json one JSON
 * object per line.
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
 * device {device, verified, violation}. Numbers that are unknown are null.
 * Fields may be added in a later /1 revision; they are never renamed. */
#ifndef KT_BATCHLOG_H
#define KT_BATCHLOG_H

#include <stddef.h>
#include <stdio.h>

#include "progress.h"

typedef struct kt_batchlog {
    FILE *out;          /* human lines (stderr) */
    FILE *json_out;     /* JSON lines (stdout) or NULL */
    kt_snapshot snap;   /* the events applied so far */
} kt_batchlog;

void kt_batchlog_init(kt_batchlog *b, FILE *out, FILE *json_out);
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
