/* channel.c: the worker -> front-end progress channel and its snapshot
 * (contract in channel.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "run/channel.h"

#include <stdio.h>

#include "base/i18n.h"

#define MIN_MEDIAN 1
#define MIN_P90 5
#define MIN_ETA_AVG 2
#define RECENT_WINDOW 5
#define DEFAULT_HEARTBEAT 5.0

struct kt_channel {
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_cond_t space; /* signalled when a drain makes room */
    double wait_secs;     /* kt_channel_set_wait */
    kt_snapshot snap;
    kt_event *q;         /* ring buffer */
    size_t cap, head, n;
    uint64_t dropped;
    int wake[2];         /* pipe: [0] polled by the front end */
    int armed;           /* a wake byte is in the pipe */
    int paused, cancelled;
};

/* ------------------------------------------------------------------ */
/* Snapshot                                                            */
/* ------------------------------------------------------------------ */

/* Copies src into dst (size n), cutting at a UTF-8 character boundary. */
static void copy_utf8(char *dst, size_t n, const char *src, size_t srclen)
{
    if (n == 0)
        return;
    size_t len = srclen < n - 1 ? srclen : n - 1;
    if (len < srclen) {
        /* Step back over continuation bytes of a cut character. */
        while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, src, len);
    dst[len] = '\0';
}

/* Copies a string from a char array of size sn (maybe unterminated). */
static void copy_arr(char *dst, size_t dn, const char *src, size_t sn)
{
    copy_utf8(dst, dn, src, strnlen(src, sn));
}

#define COPY(dst, src) copy_arr((dst), sizeof(dst), (src), sizeof(src))

static void horizon_reset(kt_horizon_stats *h)
{
    memset(h, 0, sizeof *h);
    h->median = h->mean = h->icir = h->pct_positive = h->latest = NAN;
}

void kt_snapshot_init(kt_snapshot *s)
{
    memset(s, 0, sizeof *s);
    s->state = KT_RUN_STARTING;
    s->heartbeat_interval = DEFAULT_HEARTBEAT;
    for (int i = 0; i < KT_MAX_HORIZONS; i++) {
        horizon_reset(&s->h[i]);
        s->verdict.net_spread[i] = s->verdict.cost_survival[i] = NAN;
    }
}

static void verdict_put(kt_snapshot *s, const kt_verdict *v)
{
    s->verdict = *v;
    s->verdict.fold_id[sizeof v->fold_id - 1] = '\0';
    if (s->verdict.n_horizons < 0)
        s->verdict.n_horizons = 0;
    if (s->verdict.n_horizons > KT_MAX_HORIZONS)
        s->verdict.n_horizons = KT_MAX_HORIZONS;
    for (int g = 0; g < KT_N_GATES; g++)
        if (s->verdict.gate[g] != KT_GATE_PASS && s->verdict.gate[g] != KT_GATE_FAIL)
            s->verdict.gate[g] = KT_GATE_NOT_RUN;
}

static void log_push_line(kt_snapshot *s, char kind, const char *text, size_t len)
{
    if (s->log_n == KT_LOG_LINES) {
        memmove(s->log[0], s->log[1], sizeof s->log[0] * (KT_LOG_LINES - 1));
        s->log_n--;
    }
    char *line = s->log[s->log_n++];
    line[0] = kind;
    copy_utf8(line + 1, KT_LOG_WIDTH - 1, text, len);
}

/* One log line per line of text (a char array of size n, maybe
 * unterminated); empty lines are skipped. */
static void log_push(kt_snapshot *s, char kind, const char *text, size_t n)
{
    const char *p = text, *end = text + strnlen(text, n);
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (len > 0 && p[len - 1] == '\r')
            len--;
        if (len > 0)
            log_push_line(s, kind, p, len);
        if (!nl)
            break;
        p = nl + 1;
    }
}

#define LOG(s, kind, arr) log_push((s), (kind), (arr), sizeof(arr))

static void secs_push(kt_snapshot *s, double secs)
{
    if (s->secs_n == KT_HIST) {
        memmove(s->secs, s->secs + 1, sizeof s->secs[0] * (KT_HIST - 1));
        s->secs_n--;
    }
    s->secs[s->secs_n++] = (float)secs;
}

static void flag_put(kt_snapshot *s, const kt_fold_flag *f)
{
    for (int i = 0; i < s->n_flags; i++) {
        if (s->flags[i].horizon == f->horizon &&
            strncmp(s->flags[i].fold_id, f->fold_id, sizeof f->fold_id) == 0) {
            s->flags[i] = *f;
            return;
        }
    }
    if (s->n_flags == KT_MAX_FOLD_FLAGS) {
        memmove(s->flags, s->flags + 1, sizeof s->flags[0] * (KT_MAX_FOLD_FLAGS - 1));
        s->n_flags--;
    }
    s->flags[s->n_flags] = *f;
    s->flags[s->n_flags].fold_id[sizeof f->fold_id - 1] = '\0';
    s->flags[s->n_flags].flags[sizeof f->flags - 1] = '\0';
    s->n_flags++;
}

/* Horizons are kept sorted ascending; a new horizon beyond
 * KT_MAX_HORIZONS is ignored. */
static void metrics_put(kt_snapshot *s, const kt_horizon_stats *m)
{
    int i;
    for (i = 0; i < s->n_horizons; i++) {
        if (s->h[i].horizon == m->horizon) {
            s->h[i] = *m;
            goto clamp;
        }
        if (s->h[i].horizon > m->horizon)
            break;
    }
    if (s->n_horizons == KT_MAX_HORIZONS)
        return;
    memmove(&s->h[i + 1], &s->h[i], sizeof s->h[0] * (size_t)(s->n_horizons - i));
    s->h[i] = *m;
    s->n_horizons++;
clamp:
    if (s->h[i].hist_n < 0)
        s->h[i].hist_n = 0;
    if (s->h[i].hist_n > KT_HIST)
        s->h[i].hist_n = KT_HIST;
}

static void header_put(kt_snapshot *s, const kt_run_header *h)
{
    COPY(s->experiment, h->experiment);
    COPY(s->mode, h->mode);
    s->n_tickers = h->n_tickers;
    COPY(s->data_first, h->data_first);
    COPY(s->data_last, h->data_last);
    COPY(s->range_start, h->range_start);
    COPY(s->range_end, h->range_end);
    COPY(s->model_desc, h->model_desc);
    s->params = h->params;
    s->max_context = h->max_context;
    s->lookback = h->lookback;
    s->dates_total = h->dates_total;
    COPY(s->run_dir, h->run_dir);
    COPY(s->model_cutoff, h->model_cutoff);
    s->dates_seen = h->dates_seen;
    if (h->heartbeat_interval > 0)
        s->heartbeat_interval = h->heartbeat_interval;
}

static int is_final(kt_run_state st)
{
    return st == KT_RUN_FINISHED || st == KT_RUN_EMPTY || st == KT_RUN_FAILED ||
           st == KT_RUN_CANCELLED;
}

void kt_snapshot_apply(kt_snapshot *s, const kt_event *ev)
{
    s->seq++;
    if (ev->t > s->elapsed)
        s->elapsed = ev->t;

    switch (ev->kind) {
    case KT_EV_RUN_STARTED:
        header_put(s, &ev->header);
        s->device = ev->device;
        s->fold_total = ev->fold_total;
        s->state = KT_RUN_RUNNING;
        if (ev->text[0])
            LOG(s, 'I', ev->text);
        break;
    case KT_EV_FOLD_STARTED:
        s->fold_index = ev->fold_index;
        s->fold_total = ev->fold_total;
        COPY(s->fold_id, ev->fold_id);
        s->fold_dates = ev->fold_dates;
        s->date_index = 0;
        s->date_total = ev->fold_dates;
        s->date[0] = '\0';
        s->date_scored = s->date_skipped = 0;
        s->batch_done = s->batch_total = 0;
        s->micro_batch = s->micro_batches = s->step_done = s->step_total = 0;
        s->work_done = s->work_total = 0;
        break;
    case KT_EV_DATE_STARTED:
        s->date_index = ev->date_index;
        s->date_total = ev->date_total;
        COPY(s->date, ev->date);
        s->date_scored = s->date_skipped = 0;
        s->batch_done = 0;
        s->batch_total = ev->batch_total;
        s->micro_batch = s->micro_batches = s->step_done = s->step_total = 0;
        s->work_done = s->work_total = 0;
        break;
    case KT_EV_BATCH_PROGRESS:
        s->batch_done = ev->batch_done;
        s->batch_total = ev->batch_total;
        s->micro_batch = ev->micro_batch;
        s->micro_batches = ev->micro_batches;
        s->step_done = ev->step_done;
        s->step_total = ev->step_total;
        s->work_done = ev->work_done;
        s->work_total = ev->work_total;
        s->date_scored = ev->scored;
        s->date_skipped = ev->skipped;
        break;
    case KT_EV_DATE_DONE:
        s->date_index = ev->date_index;
        s->date_total = ev->date_total;
        COPY(s->date, ev->date);
        s->date_scored = ev->scored;
        s->date_skipped = ev->skipped;
        s->batch_done = s->batch_total;
        s->step_done = s->step_total;
        s->work_done = s->work_total;
        s->dates_done++;
        secs_push(s, ev->seconds);
        s->secs_total += ev->seconds;
        s->tokens_total += ev->tokens;
        s->tickers_total += ev->scored;
        if (ev->prob) {
            char line[160];
            snprintf(line, sizeof line, _("%s: Brier %.4f, 80%% coverage %.1f%%"), ev->date,
                     ev->brier, 100.0 * ev->coverage_80);
            LOG(s, 'I', line);
        }
        break;
    case KT_EV_DATE_RESUMED:
        s->date_index = ev->date_index;
        s->date_total = ev->date_total;
        COPY(s->date, ev->date);
        s->date_scored = ev->scored;
        s->date_skipped = ev->skipped;
        s->dates_done++;
        s->dates_resumed++;
        break;
    case KT_EV_FOLD_DONE:
        if (ev->flag.fold_id[0])
            flag_put(s, &ev->flag);
        if (ev->text[0])
            LOG(s, 'I', ev->text);
        break;
    case KT_EV_METRICS:
        metrics_put(s, &ev->metrics);
        break;
    case KT_EV_WARNING:
        LOG(s, 'W', ev->text);
        break;
    case KT_EV_LOG:
        LOG(s, 'I', ev->text);
        break;
    case KT_EV_PAUSED:
        if (!is_final(s->state))
            s->state = KT_RUN_PAUSED;
        break;
    case KT_EV_RESUMED:
        if (!is_final(s->state))
            s->state = KT_RUN_RUNNING;
        break;
    case KT_EV_FINISHED:
        s->state = KT_RUN_FINISHED;
        COPY(s->report_path, ev->text);
        break;
    case KT_EV_EMPTY:
        s->state = KT_RUN_EMPTY;
        COPY(s->empty_reason, ev->text);
        COPY(s->empty_hint, ev->text2);
        if (ev->path[0])
            COPY(s->report_path, ev->path);
        break;
    case KT_EV_FAILED:
        s->state = KT_RUN_FAILED;
        COPY(s->failure, ev->text);
        LOG(s, 'E', ev->text);
        break;
    case KT_EV_CANCELLED:
        s->state = KT_RUN_CANCELLED;
        if (ev->text[0])
            LOG(s, 'I', ev->text);
        break;
    case KT_EV_SCORECARD:
        verdict_put(s, &ev->verdict);
        if (ev->text[0])
            LOG(s, 'I', ev->text);
        break;
    case KT_EV_DOWNLOAD:
        COPY(s->dl_id, ev->text);
        COPY(s->dl_file, ev->text2);
        s->dl_done = ev->dl_done;
        s->dl_total = ev->dl_total;
        break;
    }
}

/* ------------------------------------------------------------------ */
/* Timing                                                              */
/* ------------------------------------------------------------------ */

static int cmp_float(const void *a, const void *b)
{
    float x = *(const float *)a, y = *(const float *)b;
    return (x > y) - (x < y);
}

/* Linear-interpolated quantile q of the kept per-date seconds. */
static double secs_quantile(const kt_snapshot *s, double q)
{
    float tmp[KT_HIST];
    int n = s->secs_n;
    memcpy(tmp, s->secs, sizeof tmp[0] * (size_t)n);
    qsort(tmp, (size_t)n, sizeof tmp[0], cmp_float);
    double pos = q * (n - 1);
    int lo = (int)floor(pos);
    int hi = lo + 1 < n ? lo + 1 : lo;
    double frac = pos - lo;
    return tmp[lo] + (tmp[hi] - tmp[lo]) * frac;
}

double kt_snapshot_secs_median(const kt_snapshot *s)
{
    return s->secs_n >= MIN_MEDIAN ? secs_quantile(s, 0.5) : NAN;
}

double kt_snapshot_secs_p90(const kt_snapshot *s)
{
    return s->secs_n >= MIN_P90 ? secs_quantile(s, 0.9) : NAN;
}

/* done of total (> 0), at most 1 */
static double share(int done, int total)
{
    return done >= total ? 1.0 : (double)done / total;
}

double kt_snapshot_date_fraction(const kt_snapshot *s)
{
    if (s->work_total > 0)
        return share(s->work_done, s->work_total);
    if (s->step_total > 0)
        return share(s->step_done, s->step_total);
    if (s->batch_total > 0)
        return share(s->batch_done, s->batch_total);
    return 0;
}

/* Dates still to compute, less the share of the date under way (a
 * finished date's full fraction is not subtracted twice). */
static double dates_left(const kt_snapshot *s)
{
    double f = kt_snapshot_date_fraction(s);
    double left = s->dates_total - s->dates_done - (f < 1.0 ? f : 0.0);
    return left > 0 ? left : 0;
}

double kt_snapshot_run_fraction(const kt_snapshot *s)
{
    return s->dates_total > 0 ? 1.0 - dates_left(s) / s->dates_total : 0.0;
}

double kt_snapshot_eta_avg(const kt_snapshot *s)
{
    int computed = s->dates_done - s->dates_resumed;
    if (computed < MIN_ETA_AVG || s->secs_n < MIN_ETA_AVG)
        return NAN;
    return dates_left(s) * (s->secs_total / computed);
}

double kt_snapshot_eta_recent(const kt_snapshot *s)
{
    if (s->secs_n < RECENT_WINDOW)
        return NAN;
    double sum = 0;
    for (int i = s->secs_n - RECENT_WINDOW; i < s->secs_n; i++)
        sum += s->secs[i];
    return dates_left(s) * (sum / RECENT_WINDOW);
}

/* ------------------------------------------------------------------ */
/* Channel                                                             */
/* ------------------------------------------------------------------ */

static int set_nonblock_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fl = fcntl(fd, F_GETFD);
    if (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0)
        return -1;
    return 0;
}

kt_channel *kt_channel_new_capacity(size_t capacity)
{
    if (capacity < 1)
        capacity = 1;
    kt_channel *ch = calloc(1, sizeof *ch);
    if (!ch)
        return NULL;
    ch->q = calloc(capacity, sizeof *ch->q);
    if (!ch->q)
        goto fail;
    ch->cap = capacity;
    if (pipe(ch->wake) != 0) {
        ch->wake[0] = ch->wake[1] = -1;
        goto fail;
    }
    if (set_nonblock_cloexec(ch->wake[0]) != 0 || set_nonblock_cloexec(ch->wake[1]) != 0)
        goto fail_pipe;
    if (pthread_mutex_init(&ch->mu, NULL) != 0)
        goto fail_pipe;
    if (pthread_cond_init(&ch->cv, NULL) != 0) {
        pthread_mutex_destroy(&ch->mu);
        goto fail_pipe;
    }
    if (pthread_cond_init(&ch->space, NULL) != 0) {
        pthread_cond_destroy(&ch->cv);
        pthread_mutex_destroy(&ch->mu);
        goto fail_pipe;
    }
    kt_snapshot_init(&ch->snap);
    return ch;
fail_pipe:
    close(ch->wake[0]);
    close(ch->wake[1]);
fail:
    free(ch->q);
    free(ch);
    return NULL;
}

kt_channel *kt_channel_new(void)
{
    return kt_channel_new_capacity(KT_CHANNEL_QUEUE);
}

void kt_channel_free(kt_channel *ch)
{
    if (!ch)
        return;
    pthread_cond_destroy(&ch->cv);
    pthread_cond_destroy(&ch->space);
    pthread_mutex_destroy(&ch->mu);
    close(ch->wake[0]);
    close(ch->wake[1]);
    free(ch->q);
    free(ch);
}

static kt_event *q_at(kt_channel *ch, size_t i)
{
    return &ch->q[(ch->head + i) % ch->cap];
}

/* Removes the queued event at logical index i (0 = oldest). */
static void q_remove(kt_channel *ch, size_t i)
{
    if (i == 0) {
        ch->head = (ch->head + 1) % ch->cap;
    } else {
        for (size_t k = i; k + 1 < ch->n; k++)
            *q_at(ch, k) = *q_at(ch, k + 1);
    }
    ch->n--;
}

static void q_push(kt_channel *ch, const kt_event *ev)
{
    if (ch->n == ch->cap) {
        size_t victim = 0;
        for (size_t i = 0; i < ch->n; i++) {
            kt_event_kind k = q_at(ch, i)->kind;
            if (k == KT_EV_BATCH_PROGRESS || k == KT_EV_DOWNLOAD) {
                victim = i;
                break;
            }
        }
        q_remove(ch, victim);
        ch->dropped++;
    }
    *q_at(ch, ch->n) = *ev;
    ch->n++;
}

static void wake_locked(kt_channel *ch)
{
    if (ch->armed)
        return;
    const char b = 1;
    ssize_t r;
    do
        r = write(ch->wake[1], &b, 1);
    while (r < 0 && errno == EINTR);
    /* EAGAIN: the pipe is full, hence already readable. */
    ch->armed = 1;
}

static void quiet_locked(kt_channel *ch)
{
    char buf[64];
    ssize_t r;
    do
        r = read(ch->wake[0], buf, sizeof buf);
    while (r > 0 || (r < 0 && errno == EINTR));
    ch->armed = 0;
}

static void publish_locked(kt_channel *ch, const kt_event *ev)
{
    kt_snapshot_apply(&ch->snap, ev);
    q_push(ch, ev);
    wake_locked(ch);
}

static int droppable(kt_event_kind k)
{
    return k == KT_EV_BATCH_PROGRESS || k == KT_EV_DOWNLOAD;
}

/* With a wait set: an event that must not be lost waits (at most
 * wait_secs) while the queue is full of such events, until a drain makes
 * room or the run is cancelled. */
static void wait_for_room_locked(kt_channel *ch, const kt_event *ev)
{
    if (ch->wait_secs <= 0 || droppable(ev->kind))
        return;
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    double end = (double)dl.tv_sec + dl.tv_nsec / 1e9 + ch->wait_secs;
    dl.tv_sec = (time_t)end;
    dl.tv_nsec = (long)((end - (double)dl.tv_sec) * 1e9);
    while (ch->n == ch->cap && !ch->cancelled) {
        size_t i = 0;
        while (i < ch->n && !droppable(q_at(ch, i)->kind))
            i++;
        if (i < ch->n)
            return; /* a progress event makes room */
        if (pthread_cond_timedwait(&ch->space, &ch->mu, &dl) == ETIMEDOUT)
            return;
    }
}

void kt_channel_publish(kt_channel *ch, const kt_event *ev)
{
    pthread_mutex_lock(&ch->mu);
    wait_for_room_locked(ch, ev);
    publish_locked(ch, ev);
    pthread_mutex_unlock(&ch->mu);
}

void kt_channel_set_wait(kt_channel *ch, double secs)
{
    pthread_mutex_lock(&ch->mu);
    ch->wait_secs = secs;
    pthread_cond_broadcast(&ch->space);
    pthread_mutex_unlock(&ch->mu);
}

int kt_channel_checkpoint(kt_channel *ch)
{
    pthread_mutex_lock(&ch->mu);
    if (ch->paused && !ch->cancelled) {
        kt_event *ev = calloc(1, sizeof *ev);
        if (ev) {
            ev->kind = KT_EV_PAUSED;
            ev->t = ch->snap.elapsed;
            publish_locked(ch, ev);
        }
        while (ch->paused && !ch->cancelled)
            pthread_cond_wait(&ch->cv, &ch->mu);
        if (ev) {
            ev->kind = KT_EV_RESUMED;
            ev->t = ch->snap.elapsed;
            publish_locked(ch, ev);
            free(ev);
        }
    }
    int c = ch->cancelled;
    pthread_mutex_unlock(&ch->mu);
    return c;
}

int kt_channel_wake_fd(const kt_channel *ch)
{
    return ch->wake[0];
}

size_t kt_channel_drain(kt_channel *ch, kt_event *out, size_t max)
{
    size_t k = 0;
    pthread_mutex_lock(&ch->mu);
    if (!out) {
        k = ch->n;
        ch->head = 0;
        ch->n = 0;
    } else {
        while (k < max && ch->n > 0) {
            out[k++] = *q_at(ch, 0);
            q_remove(ch, 0);
        }
    }
    if (ch->n == 0)
        quiet_locked(ch);
    pthread_cond_broadcast(&ch->space);
    pthread_mutex_unlock(&ch->mu);
    return k;
}

uint64_t kt_channel_dropped(kt_channel *ch)
{
    pthread_mutex_lock(&ch->mu);
    uint64_t d = ch->dropped;
    pthread_mutex_unlock(&ch->mu);
    return d;
}

void kt_channel_snapshot(kt_channel *ch, kt_snapshot *out)
{
    pthread_mutex_lock(&ch->mu);
    *out = ch->snap;
    pthread_mutex_unlock(&ch->mu);
}

void kt_channel_set_paused(kt_channel *ch, int paused)
{
    pthread_mutex_lock(&ch->mu);
    ch->paused = paused != 0;
    pthread_cond_broadcast(&ch->cv);
    pthread_mutex_unlock(&ch->mu);
}

int kt_channel_paused(kt_channel *ch)
{
    pthread_mutex_lock(&ch->mu);
    int p = ch->paused;
    pthread_mutex_unlock(&ch->mu);
    return p;
}

void kt_channel_cancel(kt_channel *ch)
{
    pthread_mutex_lock(&ch->mu);
    ch->cancelled = 1;
    pthread_cond_broadcast(&ch->cv);
    pthread_cond_broadcast(&ch->space);
    pthread_mutex_unlock(&ch->mu);
}

int kt_channel_cancelled(kt_channel *ch)
{
    pthread_mutex_lock(&ch->mu);
    int c = ch->cancelled;
    pthread_mutex_unlock(&ch->mu);
    return c;
}
