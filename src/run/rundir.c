/* rundir.c: the run directory's one owner: creation, lock, the checks
 * whether it belongs to this run, config.json and inputs.json, the
 * status/event recorder and the --status summary. See rundir.h. */
#include "config.h"

#include "run/rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "eval/report.h"
#include "run/batchlog.h"
#include "run/journal.h"
#include "run/shard.h"
#include "run/snapshot_json.h"

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* mkdir -p. 0 ok, -1 (err). */
static int create_dir(const char *dir, char *err, size_t errlen)
{
    char tmp[1024];
    if (!dir[0] || strlen(dir) >= sizeof tmp) {
        snprintf(err, errlen, _("%s: bad run directory name"), dir);
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                goto bad;
            *p = '/';
        }
    if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
        goto bad;
    return 0;
bad:
    snprintf(err, errlen, _("%s: cannot create the run directory: %s"), tmp, strerror(errno));
    return -1;
}

/* ---- lock ------------------------------------------------------------ */

struct kt_runlock {
    int fd;
};

int kt_rundir_lock(const char *dir, kt_runlock **out, long *other_pid, char *err,
                   size_t errlen)
{
    char path[1100];
    *out = NULL;
    *other_pid = 0;
    snprintf(path, sizeof path, "%s/%s", dir, KT_LOCK_FILE);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        snprintf(err, errlen, _("%s: cannot open the lock file: %s"), path, strerror(errno));
        return -1;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        if (e == EWOULDBLOCK || e == EAGAIN) {
            char buf[32] = "";
            ssize_t k = pread(fd, buf, sizeof buf - 1, 0);
            if (k > 0)
                buf[k] = '\0';
            *other_pid = strtol(buf, NULL, 10);
            close(fd);
            snprintf(err, errlen,
                     _("%s: the run directory is being written by another process (pid %ld, "
                       "lock %s); watch it with --attach %s, or use another --output-dir"),
                     dir, *other_pid, path, dir);
            return 1;
        }
        close(fd);
        snprintf(err, errlen, _("%s: cannot lock: %s"), path, strerror(e));
        return -1;
    }
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(fd, 0) != 0 || pwrite(fd, pid, (size_t)n, 0) != n) {
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
        close(fd);
        return -1;
    }
    kt_runlock *l = malloc(sizeof *l);
    if (!l) {
        close(fd);
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    l->fd = fd;
    *out = l;
    return 0;
}

void kt_rundir_unlock(kt_runlock *l)
{
    if (!l)
        return;
    /* the file stays: removing it would let a third process lock a new
     * inode while a second one holds the old */
    close(l->fd);
    free(l);
}

/* ---- inputs ------------------------------------------------------------ */

/* Checksums of the inputs that decide the results. */
typedef struct inputs {
    char prices[40];
    char tokenizer_config[40], tokenizer_weights[40];
    char model_config[40], model_weights[40];
} inputs;

/* "fnv1a64:%016x" of a file's bytes, or -1 (err). */
static int file_checksum(const char *path, char *out, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        return -1;
    }
    uint64_t h = 1469598103934665603ull;
    unsigned char *buf = malloc(1 << 16);
    if (!buf) {
        fclose(f);
        snprintf(err, errlen, _("out of memory"));
        return -1;
    }
    size_t k;
    while ((k = fread(buf, 1, 1 << 16, f)) > 0)
        for (size_t i = 0; i < k; i++)
            h = (h ^ buf[i]) * 1099511628211ull;
    int bad = ferror(f);
    free(buf);
    fclose(f);
    if (bad) {
        snprintf(err, errlen, _("%s: cannot read"), path);
        return -1;
    }
    snprintf(out, n, "fnv1a64:%016" PRIx64, h);
    return 0;
}

/* Checksums the price file and the model files of cfg. 0 ok; -1 when a
 * file cannot be read (err; the loaders then report it properly). */
static int inputs_compute(const kt_evalcfg *cfg, inputs *in, char *err, size_t errlen)
{
    char p[1100];
    memset(in, 0, sizeof *in);
    if (file_checksum(cfg->prices, in->prices, sizeof in->prices, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/config.json", cfg->tokenizer);
    if (file_checksum(p, in->tokenizer_config, sizeof in->tokenizer_config, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/model.safetensors", cfg->tokenizer);
    if (file_checksum(p, in->tokenizer_weights, sizeof in->tokenizer_weights, err, errlen) !=
        0)
        return -1;
    snprintf(p, sizeof p, "%s/config.json", cfg->model);
    if (file_checksum(p, in->model_config, sizeof in->model_config, err, errlen) != 0)
        return -1;
    snprintf(p, sizeof p, "%s/model.safetensors", cfg->model);
    if (file_checksum(p, in->model_weights, sizeof in->model_weights, err, errlen) != 0)
        return -1;
    return 0;
}

typedef struct input_key {
    const char *key;
    size_t off;
    int is_model; /* 0 data, 1 tokenizer, 2 model */
    const char *file;
} input_key;

static const input_key input_keys[] = {
    {"prices", offsetof(inputs, prices), 0, NULL},
    {"tokenizer_config", offsetof(inputs, tokenizer_config), 1, "config.json"},
    {"tokenizer_weights", offsetof(inputs, tokenizer_weights), 1, "model.safetensors"},
    {"model_config", offsetof(inputs, model_config), 2, "config.json"},
    {"model_weights", offsetof(inputs, model_weights), 2, "model.safetensors"},
};
#define N_INPUT_KEYS (sizeof input_keys / sizeof input_keys[0])

static int file_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* Checks DIR against the run about to start: when DIR/config.json exists,
 * the result-deciding settings must equal it; when DIR/inputs.json exists,
 * the checksums (in) must equal it. 0 ok; 1 mismatch (err says what
 * differs and what to do); -1 I/O or format error. */
static int check_dir(const char *dir, const kt_evalcfg *cfg, const inputs *in,
                           char *err, size_t errlen)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/config.json", dir);
    if (file_exists(path)) {
        kt_evalcfg *rec = malloc(sizeof *rec);
        if (!rec) {
            snprintf(err, errlen, _("out of memory"));
            return -1;
        }
        kt_evalcfg_defaults(rec);
        if (kt_evalcfg_load_file(rec, path, err, errlen) != 0) {
            free(rec);
            return -1;
        }
        char key[64], was[512], is[512];
        int d = kt_evalcfg_diff(rec, cfg, key, sizeof key, was, is, sizeof was);
        free(rec);
        if (d) {
            snprintf(err, errlen,
                     _("%s: the setting \"%s\" differs from the run recorded there (recorded "
                       "%s, now %s); resume with the recorded settings (--resume %s without "
                       "setting flags) or use another --output-dir"),
                     dir, key, was, is, dir);
            return 1;
        }
    }
    snprintf(path, sizeof path, "%s/%s", dir, KT_INPUTS_FILE);
    if (!file_exists(path))
        return 0;
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root || !json_is_object(root)) {
        snprintf(err, errlen, _("%s:%d: invalid JSON: %s"), path, je.line,
                 root ? _("expected an object") : je.text);
        json_decref(root);
        return -1;
    }
    json_t *cs = json_object_get(root, "checksums");
    for (size_t i = 0; i < N_INPUT_KEYS; i++) {
        const input_key *k = &input_keys[i];
        const char *now = (const char *)in + k->off;
        json_t *v = cs ? json_object_get(cs, k->key) : NULL;
        if (!json_is_string(v)) {
            snprintf(err, errlen, _("%s: checksums.%s: missing or not a string"), path, k->key);
            json_decref(root);
            return -1;
        }
        if (strcmp(json_string_value(v), now) == 0)
            continue;
        char file[1100];
        if (k->is_model == 0)
            snprintf(file, sizeof file, "%s", cfg->prices);
        else
            snprintf(file, sizeof file, "%s/%s", k->is_model == 1 ? cfg->tokenizer : cfg->model,
                     k->file);
        if (k->is_model == 0)
            snprintf(err, errlen,
                     _("%s: the price data changed since the run was recorded: %s has checksum "
                       "%s, the run recorded %s; a resumed run must use the same data (use "
                       "another --output-dir for new data)"),
                     dir, file, now, json_string_value(v));
        else
            snprintf(err, errlen,
                     _("%s: the model changed since the run was recorded: %s has checksum %s, "
                       "the run recorded %s; a resumed run must use the same model (use another "
                       "--output-dir for a new model)"),
                     dir, file, now, json_string_value(v));
        json_decref(root);
        return 1;
    }
    json_decref(root);
    return 0;
}

/* Writes DIR/inputs.json atomically. 0 ok, -1 (err). */
static int record_inputs(const char *dir, const kt_evalcfg *cfg, const inputs *in,
                                   char *err, size_t errlen)
{
    json_t *cs = json_object();
    for (size_t i = 0; i < N_INPUT_KEYS; i++)
        json_object_set_new(cs, input_keys[i].key,
                            json_string((const char *)in + input_keys[i].off));
    json_t *o = json_pack("{s:s,s:s,s:s,s:s,s:o}", "schema", "kronos-tui.inputs/1", "prices",
                          cfg->prices, "tokenizer", cfg->tokenizer, "model", cfg->model,
                          "checksums", cs);
    kt_evalcfg_record_hub(o, cfg); /* repo ids: commit and sha256 of each file */
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/%s", dir, KT_INPUTS_FILE);
    FILE *f = o ? kt_atomic_open(path, tmp, sizeof tmp) : NULL;
    int rc = -1;
    if (f) {
        json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        fputc('\n', f);
        rc = kt_atomic_commit(f, tmp, path);
    }
    if (rc != 0)
        snprintf(err, errlen, _("%s: cannot write: %s"), path, strerror(errno));
    json_decref(o);
    return rc;
}

/* ---- ownership ---------------------------------------------------------- */

/* The exit code of a check that returned rc (1: DIR holds another run;
 * -1: I/O): the one place that maps a refused run directory to a code. */
static int refusal_code(int rc)
{
    return rc == 1 ? KT_EXIT_MISMATCH : KT_EXIT_IO;
}

struct kt_rundir {
    kt_runlock *lock;
    kt_recorder *rec;
    kt_batchlog log;  /* the front end's one fold; recording into rec */
};

/* Settings and input checksums against DIR's record; 0 or an exit code. */
static int check_record(const kt_evalcfg *cfg, inputs *in, int *have_inputs, char *err,
                        size_t errlen)
{
    *have_inputs = inputs_compute(cfg, in, err, errlen) == 0;
    if (*have_inputs) {
        int cr = check_dir(cfg->output_dir, cfg, in, err, errlen);
        return cr == 0 ? KT_EXIT_OK : refusal_code(cr);
    }
    if (cfg->resume[0]) {
        /* --resume needs every recorded input */
        char why[1000];
        snprintf(why, sizeof why, "%s", err);
        snprintf(err, errlen, "--resume %s: %s", cfg->resume, why);
        return KT_EXIT_MISMATCH;
    }
    return KT_EXIT_OK;
}

int kt_rundir_open(const kt_evalcfg *cfg, kt_rundir **out, char *err, size_t errlen)
{
    const char *dir = cfg->output_dir;
    long other = 0;
    inputs in;
    int have_inputs, code;
    kt_rundir *rd = calloc(1, sizeof *rd);
    *out = NULL;
    if (!rd) {
        snprintf(err, errlen, _("out of memory"));
        return KT_EXIT_FAILURE;
    }
    if (create_dir(dir, err, errlen) != 0 ||
        kt_rundir_lock(dir, &rd->lock, &other, err, errlen) != 0) {
        code = KT_EXIT_IO;
        goto fail;
    }
    /* a refused directory stays as it was: no status, no events */
    code = check_record(cfg, &in, &have_inputs, err, errlen);
    if (code != KT_EXIT_OK)
        goto fail;
    rd->rec = kt_recorder_open(dir, cfg->heartbeat, err, errlen);
    if (!rd->rec) {
        code = KT_EXIT_IO;
        goto fail;
    }
    kt_batchlog_init(&rd->log, NULL, NULL);
    kt_batchlog_record(&rd->log, rd->rec);
    if (have_inputs && record_inputs(dir, cfg, &in, err, errlen) != 0) {
        kt_event ev;
        memset(&ev, 0, sizeof ev);
        ev.kind = KT_EV_FAILED;
        snprintf(ev.text, sizeof ev.text, "%s", err);
        kt_batchlog_event(&rd->log, &ev);
        code = KT_EXIT_IO;
        goto fail;
    }
    *out = rd;
    return KT_EXIT_OK;
fail:
    kt_rundir_close(rd);
    return code;
}

kt_batchlog *kt_rundir_log(kt_rundir *rd)
{
    return &rd->log;
}

void kt_rundir_close(kt_rundir *rd)
{
    if (!rd)
        return;
    kt_recorder_close(rd->rec);
    kt_rundir_unlock(rd->lock);
    free(rd);
}

/* 0 when every record names a ticker and a horizon of this run; else 1
 * (err). The journal's fingerprint matched, but a number read from a file
 * never indexes the price store unchecked. */
static int check_records(const char *dir, const kt_rundir_journal *jr, int n_series,
                         int n_horizons, char *err, size_t errlen)
{
    for (int q = 0; q < jr->n_recs; q++)
        for (int i = 0; i < jr->recs[q].n_rows; i++) {
            const kt_score_row *w = &jr->recs[q].rows[i];
            if (w->series >= 0 && w->series < n_series && w->h >= 0 && w->h < n_horizons)
                continue;
            snprintf(err, errlen,
                     _("%s/%s: record for %s names ticker %d / horizon %d, outside this "
                       "run's %d tickers and %d horizons; use another --output-dir"),
                     dir, KT_JOURNAL_FILE, jr->recs[q].date, w->series, w->h, n_series,
                     n_horizons);
            return 1;
        }
    return 0;
}

static void write_config(const char *dir, const kt_evalcfg *cfg)
{
    char *cj = kt_evalcfg_json(cfg), path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/config.json", dir);
    FILE *f = cj ? kt_atomic_open(path, tmp, sizeof tmp) : NULL;
    if (f) {
        fprintf(f, "%s\n", cj);
        kt_atomic_commit(f, tmp, path);
    }
    free(cj);
}

int kt_rundir_claim(const char *dir, const kt_evalcfg *cfg, const kt_prices *p,
                    kt_rundir_journal *out, char *err, size_t errlen)
{
    char fp[80];
    memset(out, 0, sizeof *out);
    if (create_dir(dir, err, errlen) != 0)
        return KT_EXIT_IO;
    kt_evalcfg_fingerprint(cfg, kt_prices_hash(p), fp, sizeof fp);
    int rc = kt_journal_open(dir, fp, &out->j, &out->recs, &out->n_recs, &out->torn, err, errlen);
    if (rc == 0)
        rc = check_records(dir, out, p->n_series, cfg->n_horizons, err, errlen);
    if (rc != 0) {
        kt_rundir_journal_free(out);
        return refusal_code(rc);
    }
    write_config(dir, cfg);
    return KT_EXIT_OK;
}

void kt_rundir_journal_free(kt_rundir_journal *jr)
{
    kt_journal_close(jr->j);
    kt_journal_free_records(jr->recs, jr->n_recs);
    memset(jr, 0, sizeof *jr);
}

/* ---- recorder ------------------------------------------------------------ */

struct kt_recorder {
    char status_path[1100];
    char events_path[1100];
    FILE *events;
    const kt_snapshot *snap; /* the front end's log's (kt_recorder_bind) */
    kt_snapshot out;      /* what is written (copy with heartbeat fields) */
    double heartbeat;
    double last_write;    /* monotonic; 0 = never */
    double t0;            /* monotonic time of the run's t = 0 */
    int t0_set, dirty, done, warned;
    kt_run_state last_state;
};

kt_recorder *kt_recorder_open(const char *dir, double heartbeat, char *err, size_t errlen)
{
    kt_recorder *r = calloc(1, sizeof *r);
    if (!r) {
        snprintf(err, errlen, _("out of memory"));
        return NULL;
    }
    snprintf(r->status_path, sizeof r->status_path, "%s/%s", dir, KT_STATUS_FILE);
    snprintf(r->events_path, sizeof r->events_path, "%s/%s", dir, KT_EVENTS_FILE);
    r->events = fopen(r->events_path, "ae");
    if (!r->events) {
        snprintf(err, errlen, _("%s: cannot open: %s"), r->events_path, strerror(errno));
        free(r);
        return NULL;
    }
    r->heartbeat = heartbeat > 0 ? heartbeat : 5.0;
    r->last_state = KT_RUN_STARTING;
    return r;
}

static int active(kt_run_state s)
{
    return s == KT_RUN_STARTING || s == KT_RUN_RUNNING || s == KT_RUN_PAUSED;
}

static void write_status(kt_recorder *r)
{
    double now = mono_now();
    r->last_write = now;
    r->dirty = 0;
    if (!r->snap)
        return;
    r->out = *r->snap;
    r->out.heartbeat_interval = r->heartbeat;
    r->out.rss_bytes = kt_process_rss_bytes();
    if (r->t0_set && active(r->out.state) && now - r->t0 > r->out.elapsed)
        r->out.elapsed = now - r->t0;
    char err[1400];
    if (kt_snapshot_write_file(&r->out, r->status_path, wall_now(), err, sizeof err) != 0 &&
        !r->warned) {
        r->warned = 1;
        fprintf(stderr, _("%s: warning: %s (the status file is not updated)\n"), PACKAGE, err);
    }
}

static void append_line(kt_recorder *r, const char *json)
{
    if ((fputs(json, r->events) < 0 || fputc('\n', r->events) < 0 || fflush(r->events) != 0) &&
        !r->warned) {
        r->warned = 1;
        fprintf(stderr, _("%s: warning: %s: cannot write: %s\n"), PACKAGE, r->events_path,
                strerror(errno));
    }
}

void kt_recorder_bind(kt_recorder *r, const kt_snapshot *snap)
{
    r->snap = snap;
}

void kt_recorder_write(kt_recorder *r, const kt_event *ev, const char *json)
{
    double now = mono_now();
    if (!r->t0_set) {
        r->t0 = now - ev->t;
        r->t0_set = 1;
    }
    if (json)
        append_line(r, json);
    if (ev->kind == KT_EV_FINISHED || ev->kind == KT_EV_EMPTY || ev->kind == KT_EV_FAILED ||
        ev->kind == KT_EV_CANCELLED)
        r->done = 1;
    kt_run_state state = r->snap ? r->snap->state : r->last_state;
    if (state != r->last_state || r->last_write == 0 ||
        now - r->last_write >= KT_STATUS_MIN_INTERVAL) {
        r->last_state = state;
        write_status(r);
    } else {
        r->dirty = 1;
    }
}

double kt_recorder_next_due(const kt_recorder *r)
{
    if (!r)
        return 3600;
    double now = mono_now(), due;
    if (r->dirty)
        due = r->last_write + KT_STATUS_MIN_INTERVAL - now;
    else if (r->done)
        return 3600;
    else
        due = r->last_write + r->heartbeat - now;
    return due > 0 ? due : 0;
}

void kt_recorder_tick(kt_recorder *r)
{
    if (r && kt_recorder_next_due(r) <= 0)
        write_status(r);
}

int kt_recorder_done(const kt_recorder *r)
{
    return r && r->done;
}

void kt_recorder_close(kt_recorder *r)
{
    if (!r)
        return;
    if (r->dirty)
        write_status(r);
    fclose(r->events);
    free(r);
}

/* ---- --status ------------------------------------------------------------ */

static void fmt_ric(double v, char *buf, size_t n)
{
    if (isfinite(v))
        snprintf(buf, n, "%+.4f", v);
    else
        snprintf(buf, n, "n/a");
}

int kt_rundir_status(const char *dir, FILE *out)
{
    char path[1100];
    struct stat st;
    kt_shard_plan plan;
    char perr[1400];
    /* a sharded run (run/shard.h): every shard and the whole run */
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) &&
        kt_shard_plan_read(dir, &plan, perr, sizeof perr) == 0)
        return kt_shard_status(dir, &plan, out);
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/%s", dir, KT_STATUS_FILE);
    else
        snprintf(path, sizeof path, "%s", dir);
    kt_snapshot *s = malloc(sizeof *s);
    if (!s)
        return KT_EXIT_FAILURE;
    double updated = 0;
    char err[1400];
    if (kt_snapshot_read_file(path, s, &updated, err, sizeof err) != 0) {
        fprintf(out, _("State:    no status (%s)\n"), err);
        free(s);
        return KT_EXIT_ST_MISSING;
    }
    double age = wall_now() - updated;
    if (age < 0)
        age = 0;
    double hb = s->heartbeat_interval > 0 ? s->heartbeat_interval : 5.0;
    int is_active = active(s->state);
    int stale = is_active && age > 3 * hb;
    int code = KT_EXIT_OK;
    char a[32], b[32];

    fprintf(out, _("Run:      %s (%s)\n"), s->experiment[0] ? s->experiment : "?",
            s->mode[0] ? s->mode : "?");
    switch (s->state) {
    case KT_RUN_STARTING:
    case KT_RUN_RUNNING:
    case KT_RUN_PAUSED: {
        const char *name = s->state == KT_RUN_STARTING  ? _("starting")
                           : s->state == KT_RUN_PAUSED ? _("paused")
                                                       : _("running");
        kt_batchlog_duration(age, a, sizeof a);
        if (stale) {
            fprintf(out,
                    _("State:    %s, STALE: no heartbeat for %s (expected every %g s); the "
                      "writing process is gone: resume with --resume %s\n"),
                    name, a, hb, s->run_dir[0] ? s->run_dir : dir);
            code = KT_EXIT_ST_STALE;
        } else {
            fprintf(out, _("State:    %s, live (heartbeat %s ago, every %g s)\n"), name, a, hb);
        }
        break;
    }
    case KT_RUN_FINISHED:
        fprintf(out, "%s\n", _("State:    finished"));
        break;
    case KT_RUN_EMPTY:
        fprintf(out, _("State:    finished with no evaluation rows: %s\n"), s->empty_reason);
        break;
    case KT_RUN_FAILED:
        fprintf(out, _("State:    failed: %s\n"), s->failure);
        code = KT_EXIT_ST_FAILED;
        break;
    case KT_RUN_CANCELLED:
        fprintf(out, _("State:    interrupted; resume with --resume %s\n"),
                s->run_dir[0] ? s->run_dir : dir);
        code = KT_EXIT_ST_STOPPED;
        break;
    }
    if (s->fold_total > 0)
        fprintf(out, _("Fold:     %s (%d/%d)\n"), s->fold_id[0] ? s->fold_id : "-", s->fold_index,
                s->fold_total);
    if (s->date[0])
        fprintf(out, _("Date:     %s (%d/%d)\n"), s->date, s->date_index, s->date_total);
    fprintf(out, _("Dates:    %d of %d done (%d resumed)\n"), s->dates_done, s->dates_total,
            s->dates_resumed);
    kt_batchlog_duration(s->elapsed, a, sizeof a);
    if (is_active)
        kt_batchlog_duration(kt_snapshot_eta_avg(s), b, sizeof b);
    else
        snprintf(b, sizeof b, "-");
    fprintf(out, _("Elapsed:  %s  ETA: %s\n"), a, b);
    for (int i = 0; i < s->n_horizons && i < KT_MAX_HORIZONS; i++) {
        char med[32], last[32];
        fmt_ric(s->h[i].median, med, sizeof med);
        fmt_ric(s->h[i].latest, last, sizeof last);
        fprintf(out,
                ngettext("RankIC %dd: median %s, latest %s (%d date)\n",
                         "RankIC %dd: median %s, latest %s (%d dates)\n",
                         (unsigned long)s->h[i].dates_scored),
                s->h[i].horizon, med, last, s->h[i].dates_scored);
    }
    if (s->report_path[0])
        fprintf(out, _("Report:   %s\n"), s->report_path);
    else
        fprintf(out, "%s\n", _("Report:   written when the run finishes"));
    free(s);
    return code;
}
