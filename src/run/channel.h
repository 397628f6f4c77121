/* channel.h: the one channel between the evaluation worker and every
 * front end (console, --batch lines, run-directory status file, --attach).
 *
 * Contract
 *  - The worker calls kt_channel_publish() for every event. The channel
 *    applies the event to its snapshot under a mutex, queues it (bounded;
 *    when full the oldest BATCH_PROGRESS or DOWNLOAD events are dropped first and the
 *    drop is counted; with kt_channel_set_wait() other events first wait
 *    for room), and makes kt_channel_wake_fd() readable.
 *  - Front ends never touch worker state: they copy the snapshot with
 *    kt_channel_snapshot() and/or drain queued events with
 *    kt_channel_drain(). Only one thread drains.
 *  - Control flows the other way through pause/cancel requests, which the
 *    worker honours at every step (kt_channel_checkpoint()).
 *  - kt_snapshot is plain data (no pointers) so it can be copied, written
 *    to status.json and read back by a viewer in another process.
 */
#ifndef KT_CHANNEL_H
#define KT_CHANNEL_H

#include <stddef.h>
#include <stdint.h>

#include "eval/results.h"
#include "eval/scorecard.h"
#include "model/kronos.h"

#define KT_HIST 240        /* recent per-date values kept for sparklines */
#define KT_LOG_LINES 64
#define KT_LOG_WIDTH 200
#define KT_MAX_FOLD_FLAGS 32

typedef enum kt_run_state {
    KT_RUN_STARTING = 0,
    KT_RUN_RUNNING,
    KT_RUN_PAUSED,
    KT_RUN_FINISHED,   /* outputs written */
    KT_RUN_EMPTY,      /* finished with zero evaluation rows (REPORT_EMPTY.md) */
    KT_RUN_FAILED,     /* failure text says why */
    KT_RUN_CANCELLED   /* interrupted; journal flushed; resumable */
} kt_run_state;

typedef enum kt_event_kind {
    KT_EV_RUN_STARTED = 0, /* header fields, device, totals */
    KT_EV_FOLD_STARTED,
    KT_EV_DATE_STARTED,
    KT_EV_BATCH_PROGRESS,  /* generation step or micro-batch done within a date */
    KT_EV_DATE_DONE,       /* seconds, scored, skipped */
    KT_EV_DATE_RESUMED,    /* date taken from the journal, not recomputed */
    KT_EV_FOLD_DONE,       /* text: "Fold fold_01, horizon 20d: 2058 total scores" lines */
    KT_EV_METRICS,         /* horizon stats updated (metrics field) */
    KT_EV_WARNING,         /* text */
    KT_EV_LOG,             /* text */
    KT_EV_PAUSED,
    KT_EV_RESUMED,
    KT_EV_FINISHED,        /* text: report path */
    KT_EV_EMPTY,           /* text: reason; text2: next steps */
    KT_EV_FAILED,          /* text: reason */
    KT_EV_CANCELLED,
    KT_EV_SCORECARD,       /* verdict: the scorecard of the dates so far,
                            * after each fold */
    KT_EV_DOWNLOAD         /* a model file arrives from the Hub, before the run
                            * starts: text id, text2 file, dl_done of dl_total
                            * bytes. Shown by the console; not an events/1 line */
} kt_event_kind;

typedef struct kt_fold_flag {
    char fold_id[16];
    int horizon;
    char flags[32];       /* "", "RAPID_DECAY", "NOISY", "RAPID_DECAY,NOISY" */
} kt_fold_flag;

typedef struct kt_horizon_stats {
    int horizon;
    int dates_scored;
    double median, mean, icir, pct_positive, latest;  /* NaN when unknown */
    int hist_n;                  /* valid entries in hist (oldest first) */
    float hist[KT_HIST];         /* per-date RankIC, most recent KT_HIST */
} kt_horizon_stats;

/* SCORECARD: the stability scorecard of the dates scored so far, as the
 * worker computed it after a fold (eval/report.h kt_report_scorecard;
 * after the last fold it is the run's stability_scorecard.csv). Front ends
 * only show it. */
typedef struct kt_verdict {
    char fold_id[16];            /* the fold it follows; "" = none yet */
    int n_dates;                 /* evaluation dates it covers */
    kt_gate_state gate[KT_N_GATES];
    int n_horizons;
    int horizon[KT_MAX_HORIZONS];
    double net_spread[KT_MAX_HORIZONS];    /* mean net quintile spread after
                                            * costs (base_slippage); NaN unknown */
    double cost_survival[KT_MAX_HORIZONS]; /* base_slippage; NaN unknown */
} kt_verdict;

/* RUN_STARTED: what the header panel shows, copied into the snapshot. */
typedef struct kt_run_header {
    char experiment[64];
    char mode[16];
    int n_tickers;
    char data_first[24], data_last[24];
    char range_start[24], range_end[24];
    char model_desc[256];
    int64_t params;
    int max_context, lookback;
    int dates_total;             /* dates over the whole run */
    char run_dir[512];
    double heartbeat_interval;   /* 0: keep the default (5 s) */
    char model_cutoff[24];       /* the model's last training date, "" none */
    int dates_seen;              /* evaluation dates on or before it */
} kt_run_header;

typedef struct kt_event {
    kt_event_kind kind;
    double t;                    /* seconds since the run started */
    int fold_index, fold_total;  /* 1-based */
    char fold_id[16];
    int fold_dates;
    int date_index, date_total;  /* within the fold, 1-based */
    char date[24];
    int scored, skipped;
    int batch_done, batch_total;
    int micro_batch, micro_batches; /* BATCH_PROGRESS: 0 when the scorer does not say */
    int step_done, step_total;   /* BATCH_PROGRESS: generation steps of the date, 0 when
                                    the scorer does not count them */
    int work_done, work_total;   /* BATCH_PROGRESS: the date's work (the scorer's units,
                                    0 of 0 when it does not say): what the date bar shows */
    double seconds;              /* DATE_DONE: wall seconds for the date */
    int64_t tokens;              /* DATE_DONE: tokens generated + prefilled */
    int prob;                    /* DATE_DONE/RESUMED: 1 when brier and coverage_80 are set
                                    (S >= 2 sampled paths) */
    double brier, coverage_80;   /* the date's Brier score of p_up and 80 % interval
                                    coverage, over its horizons */
    kt_horizon_stats metrics;    /* METRICS */
    kt_fold_flag flag;           /* FOLD_DONE with flag.fold_id set */
    char text[512];
    char text2[512];
    kt_run_header header;        /* RUN_STARTED */
    kronos_device_status device; /* RUN_STARTED, DEVICE */
    char path[600];              /* EMPTY: REPORT_EMPTY.md path (optional) */
    int64_t dl_done, dl_total;   /* DOWNLOAD: bytes */
    kt_verdict verdict;          /* SCORECARD */
} kt_event;

typedef struct kt_snapshot {
    uint64_t seq;                /* bumped by every applied event */
    kt_run_state state;
    double heartbeat_interval;   /* seconds between status.json rewrites when idle */

    /* header */
    char experiment[64];
    char mode[16];
    int n_tickers;
    char data_first[24], data_last[24];
    char range_start[24], range_end[24];
    char model_desc[256];
    int64_t params;
    int max_context, lookback;
    char model_cutoff[24];        /* "" none (header) */
    int dates_seen;               /* dates on or before the cutoff */

    /* progress */
    int fold_index, fold_total;
    char fold_id[16];
    int fold_dates;
    int date_index, date_total;
    char date[24];
    int date_scored, date_skipped;
    int batch_done, batch_total;
    int micro_batch, micro_batches;  /* the scorer's current micro-batch, 1-based */
    int step_done, step_total;       /* generation steps of the date (0: not counted) */
    int work_done, work_total;       /* the date's work (0 of 0: not counted) */
    int dates_done, dates_total;  /* over the whole run */
    int dates_resumed;            /* taken from the journal this session */
    double elapsed;               /* seconds, this session */

    /* the latest DOWNLOAD (dl_total 0: none); live console only, not
     * written to status.json */
    char dl_id[200], dl_file[64];
    int64_t dl_done, dl_total;

    /* timing (dates computed this session only) */
    int secs_n;
    float secs[KT_HIST];
    double secs_total;
    int64_t tokens_total;
    int64_t tickers_total;

    kronos_device_status device;
    int64_t rss_bytes;            /* resident memory of the run process, 0 unknown
                                   * (set by the front end / status writer) */

    int n_horizons;
    kt_horizon_stats h[KT_MAX_HORIZONS];
    int n_flags;
    kt_fold_flag flags[KT_MAX_FOLD_FLAGS];
    kt_verdict verdict;           /* the latest SCORECARD */

    /* Log lines, oldest first. The first byte of a line is its kind:
     * 'I' event, 'W' warning, 'E' error; the text follows. Lines are
     * cut at a UTF-8 character boundary, never mid-character. */
    int log_n;
    char log[KT_LOG_LINES][KT_LOG_WIDTH];

    char empty_reason[512];
    char empty_hint[512];
    char failure[512];
    char run_dir[512];
    char report_path[600];
} kt_snapshot;

typedef struct kt_channel kt_channel;

/* Events kept until drained (when full, BATCH_PROGRESS and DOWNLOAD go
 * first). */
#define KT_CHANNEL_QUEUE 256

kt_channel *kt_channel_new(void);
/* Same with a chosen queue capacity (>= 1); for tests. */
kt_channel *kt_channel_new_capacity(size_t capacity);
void kt_channel_free(kt_channel *ch);

/* Worker side. */
void kt_channel_publish(kt_channel *ch, const kt_event *ev);
/* A front end that drains (--batch, the console, the run directory's
 * recorder) sets a wait: then publishing an event other than
 * BATCH_PROGRESS and DOWNLOAD into a full queue waits, at most secs, for
 * a drain to make room (or for a cancel) instead of dropping the oldest
 * event, so a fast resume cannot lose its first lines (the run's
 * warnings among them). 0 (the default): never wait. */
void kt_channel_set_wait(kt_channel *ch, double secs);
/* Between micro-batches: blocks while paused; returns 1 when cancel was
 * requested (the worker then stops), 0 to go on. */
int kt_channel_checkpoint(kt_channel *ch);
/* (While it blocks, checkpoint applies KT_EV_PAUSED, then KT_EV_RESUMED.) */

/* Front-end side. */
int kt_channel_wake_fd(const kt_channel *ch);     /* poll() for POLLIN */
/* Copies up to max queued events (oldest first) and makes the wake fd
 * quiet again once the queue is empty. out == NULL discards every queued
 * event (a front end that only reads snapshots still calls this). */
size_t kt_channel_drain(kt_channel *ch, kt_event *out, size_t max);
/* Events dropped because the queue was full. */
uint64_t kt_channel_dropped(kt_channel *ch);
void kt_channel_snapshot(kt_channel *ch, kt_snapshot *out);
void kt_channel_set_paused(kt_channel *ch, int paused);
int kt_channel_paused(kt_channel *ch);
void kt_channel_cancel(kt_channel *ch);
int kt_channel_cancelled(kt_channel *ch);

/* Apply one event to a snapshot (what publish does under its lock);
 * exposed for tests and for replaying events. */
void kt_snapshot_apply(kt_snapshot *s, const kt_event *ev);
void kt_snapshot_init(kt_snapshot *s);

/* Derived timing figures (NaN when not enough samples: median needs 1
 * computed date, p90 and the recent ETA 5, the average ETA 2). Only dates
 * computed in this session count; resumed dates are excluded. */
double kt_snapshot_secs_median(const kt_snapshot *s);
double kt_snapshot_secs_p90(const kt_snapshot *s);
/* The share of the current date done (0..1): its work when the scorer
 * counts it, else generation steps when it counts them, else series. */
double kt_snapshot_date_fraction(const kt_snapshot *s);
/* The share of the run done (0..1): dates done and the date under way's
 * share. */
double kt_snapshot_run_fraction(const kt_snapshot *s);
/* ETA in seconds: whole-run average and recent-window (last 5 dates)
 * rate, times the dates left (less the date under way's fraction). */
double kt_snapshot_eta_avg(const kt_snapshot *s);
double kt_snapshot_eta_recent(const kt_snapshot *s);

#endif /* KT_CHANNEL_H */
