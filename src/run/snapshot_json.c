/* snapshot_json.c: kt_snapshot <-> status.json (contract in
 * snapshot_json.h). */
#include "config.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/i18n.h"
#include "run/snapshot_json.h"

/* ---- writing -------------------------------------------------------- */

static json_t *real_or_null(double v)
{
    return isnan(v) || isinf(v) ? json_null() : json_real(v);
}

static json_t *str_n(const char *s, size_t n)
{
    return json_stringn(s, strnlen(s, n));
}

#define PUT(obj, key, val) json_object_set_new((obj), (key), (val))
#define PUT_STR(obj, st, f) PUT(obj, #f, str_n((st)->f, sizeof((st)->f)))
#define PUT_INT(obj, st, f) PUT(obj, #f, json_integer((json_int_t)(st)->f))
#define PUT_REAL(obj, st, f) PUT(obj, #f, real_or_null((st)->f))

static json_t *floats_to_json(const float *v, int n)
{
    json_t *a = json_array();
    for (int i = 0; i < n; i++)
        json_array_append_new(a, real_or_null(v[i]));
    return a;
}

static json_t *horizon_to_json(const kt_horizon_stats *h)
{
    json_t *o = json_object();
    PUT_INT(o, h, horizon);
    PUT_INT(o, h, dates_scored);
    PUT_REAL(o, h, median);
    PUT_REAL(o, h, mean);
    PUT_REAL(o, h, icir);
    PUT_REAL(o, h, pct_positive);
    PUT_REAL(o, h, latest);
    int n = h->hist_n < 0 ? 0 : h->hist_n > KT_HIST ? KT_HIST : h->hist_n;
    PUT(o, "hist", floats_to_json(h->hist, n));
    return o;
}

static json_t *device_to_json(const kronos_device_status *d)
{
    json_t *o = json_object();
    PUT_STR(o, d, device);
    PUT_INT(o, d, verified);
    PUT_INT(o, d, tensors_checked);
    PUT_INT(o, d, intra_threads);
    PUT_STR(o, d, blas);
    PUT_INT(o, d, blas_is_reference);
    PUT_STR(o, d, blas_kernel);
    PUT_STR(o, d, blas_kernel_source);
    PUT_STR(o, d, blas_kernel_replaced);
    PUT_STR(o, d, blas_kernel_best);
    PUT_INT(o, d, blas_kernel_slow);
    PUT_STR(o, d, simd);
    PUT_STR(o, d, precision);
    PUT_INT(o, d, params);
    PUT_INT(o, d, bytes);
    PUT_STR(o, d, violation);
    return o;
}

/* A gate's state as the CSVs name it (eval/scorecard.h kt_gate_name; not
 * linked here, so that the status reader stands alone for its fuzzer). */
static const char *gate_name(kt_gate_state g)
{
    return g == KT_GATE_PASS ? "pass" : g == KT_GATE_FAIL ? "fail" : "not_run";
}

/* "verdict": the latest scorecard (gates by name, net spread per horizon). */
static json_t *verdict_to_json(const kt_verdict *v)
{
    json_t *o = json_object();
    PUT_STR(o, v, fold_id);
    PUT_INT(o, v, n_dates);
    json_t *g = json_array();
    for (int i = 0; i < KT_N_GATES; i++)
        json_array_append_new(g, json_string(gate_name(v->gate[i])));
    PUT(o, "gates", g);
    json_t *hs = json_array();
    for (int i = 0; i < v->n_horizons && i < KT_MAX_HORIZONS; i++) {
        json_t *h = json_object();
        PUT(h, "horizon", json_integer(v->horizon[i]));
        PUT(h, "net_spread", real_or_null(v->net_spread[i]));
        PUT(h, "cost_survival", real_or_null(v->cost_survival[i]));
        json_array_append_new(hs, h);
    }
    PUT(o, "horizons", hs);
    return o;
}

static const char *const state_names[] = {"starting", "running", "paused", "finished",
                                          "empty", "failed", "cancelled"};
#define N_STATES ((int)(sizeof state_names / sizeof state_names[0]))

json_t *kt_snapshot_to_json(const kt_snapshot *s, double updated_unix)
{
    json_t *o = json_object();
    if (!o)
        return NULL;
    PUT(o, "format", json_string(KT_STATUS_FORMAT));
    PUT(o, "version", json_integer(KT_STATUS_VERSION));
    PUT(o, "updated_unix", json_real(updated_unix));
    PUT_INT(o, s, seq);
    int st = (int)s->state;
    PUT(o, "state", json_string(st >= 0 && st < N_STATES ? state_names[st] : "starting"));
    PUT_REAL(o, s, heartbeat_interval);

    PUT_STR(o, s, experiment);
    PUT_STR(o, s, mode);
    PUT_INT(o, s, n_tickers);
    PUT_STR(o, s, data_first);
    PUT_STR(o, s, data_last);
    PUT_STR(o, s, range_start);
    PUT_STR(o, s, range_end);
    PUT_STR(o, s, model_desc);
    PUT_INT(o, s, params);
    PUT_INT(o, s, max_context);
    PUT_INT(o, s, lookback);
    PUT_STR(o, s, model_cutoff);
    PUT_INT(o, s, dates_seen);

    PUT_INT(o, s, fold_index);
    PUT_INT(o, s, fold_total);
    PUT_STR(o, s, fold_id);
    PUT_INT(o, s, fold_dates);
    PUT_INT(o, s, date_index);
    PUT_INT(o, s, date_total);
    PUT_STR(o, s, date);
    PUT_INT(o, s, date_scored);
    PUT_INT(o, s, date_skipped);
    PUT_INT(o, s, batch_done);
    PUT_INT(o, s, batch_total);
    PUT_INT(o, s, micro_batch);
    PUT_INT(o, s, micro_batches);
    PUT_INT(o, s, step_done);
    PUT_INT(o, s, step_total);
    PUT_INT(o, s, work_done);
    PUT_INT(o, s, work_total);
    PUT_INT(o, s, dates_done);
    PUT_INT(o, s, dates_total);
    PUT_INT(o, s, dates_resumed);
    PUT_REAL(o, s, elapsed);

    int sn = s->secs_n < 0 ? 0 : s->secs_n > KT_HIST ? KT_HIST : s->secs_n;
    PUT(o, "secs", floats_to_json(s->secs, sn));
    PUT_REAL(o, s, secs_total);
    PUT_INT(o, s, tokens_total);
    PUT_INT(o, s, tickers_total);

    PUT(o, "device", device_to_json(&s->device));
    PUT_INT(o, s, rss_bytes);

    json_t *hs = json_array();
    for (int i = 0; i < s->n_horizons && i < KT_MAX_HORIZONS; i++)
        json_array_append_new(hs, horizon_to_json(&s->h[i]));
    PUT(o, "horizons", hs);

    json_t *fl = json_array();
    for (int i = 0; i < s->n_flags && i < KT_MAX_FOLD_FLAGS; i++) {
        json_t *f = json_object();
        PUT_STR(f, &s->flags[i], fold_id);
        PUT_INT(f, &s->flags[i], horizon);
        PUT_STR(f, &s->flags[i], flags);
        json_array_append_new(fl, f);
    }
    PUT(o, "fold_flags", fl);
    PUT(o, "verdict", verdict_to_json(&s->verdict));

    json_t *lg = json_array();
    for (int i = 0; i < s->log_n && i < KT_LOG_LINES; i++)
        json_array_append_new(lg, str_n(s->log[i], KT_LOG_WIDTH));
    PUT(o, "log", lg);

    PUT_STR(o, s, empty_reason);
    PUT_STR(o, s, empty_hint);
    PUT_STR(o, s, failure);
    PUT_STR(o, s, run_dir);
    PUT_STR(o, s, report_path);
    return o;
}

/* ---- reading -------------------------------------------------------- */

typedef struct rd {
    const char *what;
    char *err;
    size_t errlen;
    int failed;
} rd;

static void bad(rd *r, const char *key, const char *expected)
{
    if (r->failed)
        return;
    r->failed = 1;
    snprintf(r->err, r->errlen, _("%s: key \"%s\": expected %s"), r->what, key, expected);
}

/* Copies a JSON string, cut at a UTF-8 character boundary to fit n. */
static void copy_json_str(const json_t *v, char *dst, size_t n)
{
    const char *s = json_string_value(v);
    size_t len = json_string_length(v);
    if (len >= n) {
        len = n - 1;
        while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
            len--;
    }
    memcpy(dst, s, len);
    dst[len] = '\0';
}

static void get_str(rd *r, const json_t *o, const char *key, char *dst, size_t n)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return;
    if (!json_is_string(v)) {
        bad(r, key, _("a string"));
        return;
    }
    copy_json_str(v, dst, n);
}

static void get_i64(rd *r, const json_t *o, const char *key, int64_t *dst)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return;
    if (!json_is_integer(v)) {
        bad(r, key, _("an integer"));
        return;
    }
    *dst = (int64_t)json_integer_value(v);
}

static void get_int(rd *r, const json_t *o, const char *key, int *dst)
{
    int64_t x = *dst;
    get_i64(r, o, key, &x);
    if (x < -2147483647 || x > 2147483647) {
        bad(r, key, _("a 32-bit integer"));
        return;
    }
    *dst = (int)x;
}

static void get_real(rd *r, const json_t *o, const char *key, double *dst)
{
    json_t *v = json_object_get(o, key);
    if (!v)
        return;
    if (json_is_null(v))
        *dst = NAN;
    else if (json_is_number(v))
        *dst = json_number_value(v);
    else
        bad(r, key, _("a number or null"));
}

static int get_floats(rd *r, const json_t *o, const char *key, float *dst, int max)
{
    json_t *a = json_object_get(o, key);
    if (!a)
        return 0;
    if (!json_is_array(a)) {
        bad(r, key, _("an array"));
        return 0;
    }
    size_t n = json_array_size(a), first = n > (size_t)max ? n - (size_t)max : 0;
    int k = 0;
    for (size_t i = first; i < n; i++) {
        json_t *v = json_array_get(a, i);
        if (json_is_null(v))
            dst[k++] = NAN;
        else if (json_is_number(v))
            dst[k++] = (float)json_number_value(v);
        else {
            bad(r, key, _("an array of numbers"));
            return 0;
        }
    }
    return k;
}

#define GET_STR(o, st, f) get_str(r, o, #f, (st)->f, sizeof((st)->f))
#define GET_INT(o, st, f) get_int(r, o, #f, &(st)->f)
#define GET_I64(o, st, f) get_i64(r, o, #f, &(st)->f)
#define GET_REAL(o, st, f) get_real(r, o, #f, &(st)->f)

/* Reading step 1: the object, format, version, updated_unix and seq (-1: refused). */
static int header_from_json(rd *r, const json_t *j, kt_snapshot *s, double *updated_unix)
{
    if (!json_is_object(j)) {
        snprintf(r->err, r->errlen, _("%s: expected a JSON object"), r->what);
        return -1;
    }
    json_t *fmt = json_object_get(j, "format");
    if (!json_is_string(fmt) || strcmp(json_string_value(fmt), KT_STATUS_FORMAT) != 0) {
        snprintf(r->err, r->errlen, _("%s: key \"format\": expected \"%s\""), r->what, KT_STATUS_FORMAT);
        return -1;
    }
    int version = 0;
    get_int(r, j, "version", &version);
    if (!r->failed && version != KT_STATUS_VERSION) {
        snprintf(r->err, r->errlen, _("%s: key \"version\": %d is not supported (expected %d)"),
                 r->what, version, KT_STATUS_VERSION);
        return -1;
    }
    double upd = 0;
    get_real(r, j, "updated_unix", &upd);
    if (updated_unix)
        *updated_unix = upd;
    int64_t seq = 0;
    get_i64(r, j, "seq", &seq);
    s->seq = (uint64_t)seq;
    return 0;
}

/* Reading step 2: the run state and the heartbeat interval. */
static void state_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    json_t *stv = json_object_get(j, "state");
    if (stv) {
        int found = 0;
        for (int i = 0; json_is_string(stv) && i < N_STATES; i++) {
            if (strcmp(json_string_value(stv), state_names[i]) == 0) {
                s->state = (kt_run_state)i;
                found = 1;
            }
        }
        if (!found)
            bad(r, "state", _("one of starting, running, paused, finished, empty, failed, cancelled"));
    }
    GET_REAL(j, s, heartbeat_interval);
    if (!(s->heartbeat_interval > 0))
        s->heartbeat_interval = 5.0;
}

/* Reading step 3: the experiment, the data, the model and the progress counters. */
static void progress_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    GET_STR(j, s, experiment);
    GET_STR(j, s, mode);
    GET_INT(j, s, n_tickers);
    GET_STR(j, s, data_first);
    GET_STR(j, s, data_last);
    GET_STR(j, s, range_start);
    GET_STR(j, s, range_end);
    GET_STR(j, s, model_desc);
    GET_I64(j, s, params);
    GET_INT(j, s, max_context);
    GET_INT(j, s, lookback);
    GET_STR(j, s, model_cutoff);
    GET_INT(j, s, dates_seen);

    GET_INT(j, s, fold_index);
    GET_INT(j, s, fold_total);
    GET_STR(j, s, fold_id);
    GET_INT(j, s, fold_dates);
    GET_INT(j, s, date_index);
    GET_INT(j, s, date_total);
    GET_STR(j, s, date);
    GET_INT(j, s, date_scored);
    GET_INT(j, s, date_skipped);
    GET_INT(j, s, batch_done);
    GET_INT(j, s, batch_total);
    GET_INT(j, s, micro_batch);
    GET_INT(j, s, micro_batches);
    GET_INT(j, s, step_done);
    GET_INT(j, s, step_total);
    GET_INT(j, s, work_done);
    GET_INT(j, s, work_total);
    GET_INT(j, s, dates_done);
    GET_INT(j, s, dates_total);
    GET_INT(j, s, dates_resumed);
    GET_REAL(j, s, elapsed);

    s->secs_n = get_floats(r, j, "secs", s->secs, KT_HIST);
    GET_REAL(j, s, secs_total);
    GET_I64(j, s, tokens_total);
    GET_I64(j, s, tickers_total);
}

/* Reading step 4: the "device" object. */
static void device_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    json_t *d = json_object_get(j, "device");
    if (d && !json_is_object(d))
        bad(r, "device", _("an object"));
    else if (d) {
        kronos_device_status *ds = &s->device;
        GET_STR(d, ds, device);
        GET_INT(d, ds, verified);
        GET_I64(d, ds, tensors_checked);
        GET_INT(d, ds, intra_threads);
        GET_STR(d, ds, blas);
        GET_INT(d, ds, blas_is_reference);
        GET_STR(d, ds, blas_kernel);
        GET_STR(d, ds, blas_kernel_source);
        GET_STR(d, ds, blas_kernel_replaced);
        GET_STR(d, ds, blas_kernel_best);
        GET_INT(d, ds, blas_kernel_slow);
        GET_STR(d, ds, simd);
        GET_STR(d, ds, precision);
        GET_I64(d, ds, params);
        GET_I64(d, ds, bytes);
        GET_STR(d, ds, violation);
    }
}

/* Reading step 5: the "horizons" array. */
static void horizons_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    json_t *hs = json_object_get(j, "horizons");
    if (hs && !json_is_array(hs))
        bad(r, "horizons", _("an array"));
    for (size_t i = 0; hs && json_is_array(hs) && i < json_array_size(hs) &&
                       s->n_horizons < KT_MAX_HORIZONS; i++) {
        json_t *h = json_array_get(hs, i);
        if (!json_is_object(h)) {
            bad(r, "horizons", _("an array of objects"));
            break;
        }
        kt_horizon_stats *x = &s->h[s->n_horizons++];
        GET_INT(h, x, horizon);
        GET_INT(h, x, dates_scored);
        GET_REAL(h, x, median);
        GET_REAL(h, x, mean);
        GET_REAL(h, x, icir);
        GET_REAL(h, x, pct_positive);
        GET_REAL(h, x, latest);
        x->hist_n = get_floats(r, h, "hist", x->hist, KT_HIST);
    }
}

/* Reading step 6: the "fold_flags" array. */
static void flags_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    json_t *fl = json_object_get(j, "fold_flags");
    if (fl && !json_is_array(fl))
        bad(r, "fold_flags", _("an array"));
    for (size_t i = 0; fl && json_is_array(fl) && i < json_array_size(fl) &&
                       s->n_flags < KT_MAX_FOLD_FLAGS; i++) {
        json_t *f = json_array_get(fl, i);
        if (!json_is_object(f)) {
            bad(r, "fold_flags", _("an array of objects"));
            break;
        }
        kt_fold_flag *x = &s->flags[s->n_flags++];
        GET_STR(f, x, fold_id);
        GET_INT(f, x, horizon);
        GET_STR(f, x, flags);
    }
}

/* Reading step 6b: the "verdict" object (absent in older files: none). */
static void verdict_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    json_t *v = json_object_get(j, "verdict");
    if (!v)
        return;
    if (!json_is_object(v)) {
        bad(r, "verdict", _("an object"));
        return;
    }
    kt_verdict *x = &s->verdict;
    GET_STR(v, x, fold_id);
    GET_INT(v, x, n_dates);
    json_t *g = json_object_get(v, "gates");
    for (size_t i = 0; json_is_array(g) && i < json_array_size(g) && i < KT_N_GATES; i++) {
        const char *name = json_string_value(json_array_get(g, i));
        x->gate[i] = name && strcmp(name, "pass") == 0   ? KT_GATE_PASS
                     : name && strcmp(name, "fail") == 0 ? KT_GATE_FAIL
                                                         : KT_GATE_NOT_RUN;
    }
    json_t *hs = json_object_get(v, "horizons");
    if (hs && !json_is_array(hs))
        bad(r, "verdict", _("an object with a horizons array"));
    for (size_t i = 0; json_is_array(hs) && i < json_array_size(hs) && i < KT_MAX_HORIZONS; i++) {
        json_t *h = json_array_get(hs, i);
        if (!json_is_object(h)) {
            bad(r, "verdict", _("an object with a horizons array"));
            break;
        }
        int k = x->n_horizons++;
        get_int(r, h, "horizon", &x->horizon[k]);
        get_real(r, h, "net_spread", &x->net_spread[k]);
        get_real(r, h, "cost_survival", &x->cost_survival[k]);
    }
}

/* Reading step 7: the "log" array, its last KT_LOG_LINES lines. */
static void log_from_json(rd *r, const json_t *j, kt_snapshot *s)
{
    json_t *lg = json_object_get(j, "log");
    if (lg && !json_is_array(lg))
        bad(r, "log", _("an array"));
    if (lg && json_is_array(lg)) {
        size_t n = json_array_size(lg);
        size_t first = n > KT_LOG_LINES ? n - KT_LOG_LINES : 0;
        for (size_t i = first; i < n; i++) {
            json_t *v = json_array_get(lg, i);
            if (!json_is_string(v)) {
                bad(r, "log", _("an array of strings"));
                break;
            }
            copy_json_str(v, s->log[s->log_n++], KT_LOG_WIDTH);
        }
    }
}

int kt_snapshot_from_json(const json_t *j, kt_snapshot *s, double *updated_unix,
                          const char *what, char *err, size_t errlen)
{
    rd rr = {what ? what : "status.json", err, errlen, 0};
    rd *r = &rr;
    kt_snapshot_init(s);
    if (header_from_json(r, j, s, updated_unix) != 0)
        return -1;
    state_from_json(r, j, s);
    progress_from_json(r, j, s);
    device_from_json(r, j, s);
    GET_I64(j, s, rss_bytes);
    horizons_from_json(r, j, s);
    flags_from_json(r, j, s);
    verdict_from_json(r, j, s);
    log_from_json(r, j, s);
    GET_STR(j, s, empty_reason);
    GET_STR(j, s, empty_hint);
    GET_STR(j, s, failure);
    GET_STR(j, s, run_dir);
    GET_STR(j, s, report_path);
    return r->failed ? -1 : 0;
}

/* ---- files ---------------------------------------------------------- */

int kt_snapshot_write_file(const kt_snapshot *s, const char *path, double updated_unix,
                           char *err, size_t errlen)
{
    json_t *j = kt_snapshot_to_json(s, updated_unix);
    if (!j) {
        snprintf(err, errlen, _("%s: out of memory"), path);
        return -1;
    }
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp) {
        json_decref(j);
        snprintf(err, errlen, _("%s: path too long"), path);
        return -1;
    }
    /* 17 significant digits: every double reads back exactly. With 10,
     * updated_unix (~1.7e9 s) lost its fraction, and a run with
     * --heartbeat 0.1 (stale after 0.3 s) could be called stale while live. */
    int rc = json_dump_file(j, tmp, JSON_INDENT(1) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
    json_decref(j);
    if (rc != 0) {
        snprintf(err, errlen, _("%s: cannot write: %s"), tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path) != 0) {
        snprintf(err, errlen, _("%s: cannot rename to %s: %s"), tmp, path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

int kt_snapshot_read_file(const char *path, kt_snapshot *s, double *updated_unix, char *err,
                          size_t errlen)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        if (je.line > 0)
            snprintf(err, errlen, _("%s:%d: %s"), path, je.line, je.text);
        else
            snprintf(err, errlen, "%s: %s", path, je.text);
        return -1;
    }
    int rc = kt_snapshot_from_json(j, s, updated_unix, path, err, errlen);
    json_decref(j);
    return rc;
}

int64_t kt_process_rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    if (!f)
        return 0;
    long pages_total = 0, pages_rss = 0;
    int n = fscanf(f, "%ld %ld", &pages_total, &pages_rss);
    fclose(f);
    if (n != 2)
        return 0;
    long page = sysconf(_SC_PAGESIZE);
    return (int64_t)pages_rss * (page > 0 ? page : 4096);
}
