/* shard.c: the shard plan, --shard and the Slurm array variables, and the
 * state of every shard. See shard.h. */
#include "config.h"

#include "run/shard.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "base/numparse.h"
#include "run/batchlog.h"
#include "run/channel.h"
#include "run/rundir.h"
#include "run/snapshot_json.h"

/* A whole decimal integer in [lo, hi]; 0 ok, -1. */
static int parse_int(const char *s, int lo, int hi, int *out)
{
    if (!s || !*s)
        return -1;
    long v;
    if (s[0] == '+' || s[0] == ' ' || kt_parse_long(s, lo, hi, &v) != 0)
        return -1;
    *out = (int)v;
    return 0;
}

int kt_shard_parse(const char *text, kt_shard_spec *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof *out);
    if (strcmp(text, "auto") == 0) {
        out->is_auto = 1;
        return 0;
    }
    const char *slash = strchr(text, '/');
    char a[32];
    if (slash && (size_t)(slash - text) < sizeof a) {
        memcpy(a, text, (size_t)(slash - text));
        a[slash - text] = '\0';
        if (parse_int(a, 0, KT_SHARD_MAX - 1, &out->index) == 0 &&
            parse_int(slash + 1, 1, KT_SHARD_MAX, &out->count) == 0 &&
            out->index < out->count)
            return 0;
    }
    snprintf(err, errlen,
             _("--shard: expected \"auto\" or I/N with 0 <= I < N <= %d (e.g. 0/4), got \"%s\""),
             KT_SHARD_MAX, text);
    return -1;
}

void kt_slurm_env_get(kt_slurm_env *e)
{
    e->task_id = getenv("SLURM_ARRAY_TASK_ID");
    e->task_count = getenv("SLURM_ARRAY_TASK_COUNT");
    e->task_min = getenv("SLURM_ARRAY_TASK_MIN");
    e->task_max = getenv("SLURM_ARRAY_TASK_MAX");
}

int kt_shard_resolve(const kt_shard_spec *spec, const kt_slurm_env *env, int plan_count,
                     const char *dir, int *index, int *count, char *err, size_t errlen)
{
    if (!spec->is_auto) {
        if (plan_count > 0 && spec->count != plan_count) {
            snprintf(err, errlen,
                     _("%s: --shard %d/%d conflicts with the run's shard plan of %d shards (%s/%s); "
                       "use --shard I/%d or another --output-dir"),
                     dir, spec->index, spec->count, plan_count, dir, KT_SHARD_PLAN_FILE,
                     plan_count);
            return -1;
        }
        *index = spec->index;
        *count = spec->count;
        return 0;
    }
    int id, n, lo, hi;
    if (!env->task_id) {
        snprintf(err, errlen,
                 _("--shard auto: SLURM_ARRAY_TASK_ID is not set (not a Slurm array task); "
                   "use --shard I/N"));
        return -1;
    }
    if (parse_int(env->task_id, 0, KT_SHARD_MAX - 1, &id) != 0) {
        snprintf(err, errlen, _("--shard auto: SLURM_ARRAY_TASK_ID=\"%s\" is not a task index"),
                 env->task_id);
        return -1;
    }
    if (plan_count > 0) {
        /* the plan decides N: a resubmitted --array=K has COUNT 1 and
         * MIN = MAX = K and must still run shard K of the plan */
        if (id >= plan_count) {
            snprintf(err, errlen,
                     _("%s: SLURM_ARRAY_TASK_ID=%d is outside the run's shard plan of %d shards "
                       "(%s/%s): resubmit with --array within 0-%d"),
                     dir, id, plan_count, dir, KT_SHARD_PLAN_FILE, plan_count - 1);
            return -1;
        }
        *index = id;
        *count = plan_count;
        return 0;
    }
    if (!env->task_count || parse_int(env->task_count, 1, KT_SHARD_MAX, &n) != 0) {
        snprintf(err, errlen,
                 _("--shard auto: SLURM_ARRAY_TASK_COUNT=\"%s\" is not a task count, and %s has "
                   "no shard plan yet"),
                 env->task_count ? env->task_count : "", dir);
        return -1;
    }
    if (!env->task_min || !env->task_max || parse_int(env->task_min, 0, KT_SHARD_MAX, &lo) != 0 ||
        parse_int(env->task_max, 0, KT_SHARD_MAX, &hi) != 0 || lo != 0 || hi != n - 1) {
        snprintf(err, errlen,
                 _("%s: the first submission of a sharded run must be an array spanning 0..N-1 "
                   "(sbatch --array=0-%d), but SLURM_ARRAY_TASK_MIN=%s, SLURM_ARRAY_TASK_MAX=%s, "
                   "SLURM_ARRAY_TASK_COUNT=%d; or give --shard I/N"),
                 dir, n - 1, env->task_min ? env->task_min : "", env->task_max ? env->task_max : "",
                 n);
        return -1;
    }
    *index = id;
    *count = n;
    return 0;
}

int kt_shard_of(int g, int n)
{
    return g % n;
}

int kt_shard_size(int total, int i, int n)
{
    return total / n + (i < total % n ? 1 : 0);
}

void kt_shard_dir(const char *dir, int i, char *out, size_t n)
{
    snprintf(out, n, "%s/shard-%d", dir, i);
}

/* ---- the plan file ------------------------------------------------------ */

static json_t *plan_json(const kt_shard_plan *p)
{
    return json_pack("{s:s,s:i,s:s,s:i,s:s,s:s}", "schema", "kronos-tui.shard-plan/1", "shards",
                     p->count, "fingerprint", p->fingerprint, "dates", p->dates, "first_date",
                     p->first, "last_date", p->last);
}

int kt_shard_plan_read(const char *dir, kt_shard_plan *out, char *err, size_t errlen)
{
    char path[1100];
    snprintf(path, sizeof path, "%s/%s", dir, KT_SHARD_PLAN_FILE);
    memset(out, 0, sizeof *out);
    if (access(path, F_OK) != 0 && errno == ENOENT)
        return 1;
    json_error_t je;
    json_t *o = json_load_file(path, 0, &je);
    const char *schema = NULL, *fp = NULL, *first = NULL, *last = NULL;
    if (!o || json_unpack(o, "{s:s,s:i,s:s,s:i,s:s,s:s}", "schema", &schema, "shards",
                          &out->count, "fingerprint", &fp, "dates", &out->dates, "first_date",
                          &first, "last_date", &last) != 0 ||
        strcmp(schema, "kronos-tui.shard-plan/1") != 0 || out->count < 1 ||
        out->count > KT_SHARD_MAX || out->dates < 0) {
        snprintf(err, errlen, _("%s: not a shard plan (%s)"), path,
                 o ? _("expected schema kronos-tui.shard-plan/1 with shards, fingerprint, dates, "
                       "first_date, last_date")
                   : je.text);
        json_decref(o);
        return -1;
    }
    snprintf(out->fingerprint, sizeof out->fingerprint, "%s", fp);
    snprintf(out->first, sizeof out->first, "%s", first);
    snprintf(out->last, sizeof out->last, "%s", last);
    json_decref(o);
    return 0;
}

/* 0 when a equals b; else 1 with err naming the difference. */
static int plan_compare(const char *dir, const kt_shard_plan *rec, const kt_shard_plan *want,
                        char *err, size_t errlen)
{
    if (rec->count != want->count) {
        snprintf(err, errlen,
                 _("%s: this task wants %d shards but the run's shard plan (%s/%s) has %d; "
                   "overlapping or conflicting shard specs: use --shard I/%d or another "
                   "--output-dir"),
                 dir, want->count, dir, KT_SHARD_PLAN_FILE, rec->count, rec->count);
        return 1;
    }
    if (strcmp(rec->fingerprint, want->fingerprint) != 0 || rec->dates != want->dates ||
        strcmp(rec->first, want->first) != 0 || strcmp(rec->last, want->last) != 0) {
        snprintf(err, errlen,
                 _("%s: this shard's settings or data differ from the run's shard plan (%s/%s: "
                   "fingerprint %s, %d dates %s..%s; this shard: fingerprint %s, %d dates "
                   "%s..%s); every shard must run with the same data, model and settings"),
                 dir, dir, KT_SHARD_PLAN_FILE, rec->fingerprint, rec->dates, rec->first,
                 rec->last, want->fingerprint, want->dates, want->first, want->last);
        return 1;
    }
    return 0;
}

int kt_shard_plan_commit(const char *dir, const kt_shard_plan *want, char *err, size_t errlen)
{
    kt_shard_plan rec;
    int rc = kt_shard_plan_read(dir, &rec, err, errlen);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return plan_compare(dir, &rec, want, err, errlen);
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/%s", dir, KT_SHARD_PLAN_FILE);
    snprintf(tmp, sizeof tmp, "%s/.%s.%ld.tmp", dir, KT_SHARD_PLAN_FILE, (long)getpid());
    json_t *o = plan_json(want);
    FILE *f = o ? fopen(tmp, "we") : NULL;
    int ok = f && json_dumpf(o, f, JSON_INDENT(2) | JSON_PRESERVE_ORDER) == 0 &&
             fputc('\n', f) != EOF && fflush(f) == 0 && fsync(fileno(f)) == 0;
    if (f && fclose(f) != 0)
        ok = 0;
    json_decref(o);
    if (!ok) {
        snprintf(err, errlen, _("%s: cannot write: %s"), tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    /* link() is atomic and fails when the name exists: exactly one task
     * creates the plan, the others verify it */
    int lrc = link(tmp, path), e = errno;
    unlink(tmp);
    if (lrc == 0)
        return 0;
    if (e != EEXIST) {
        snprintf(err, errlen, _("%s: cannot create: %s"), path, strerror(e));
        return -1;
    }
    rc = kt_shard_plan_read(dir, &rec, err, errlen);
    if (rc != 0) {
        if (rc > 0)
            snprintf(err, errlen, _("%s: vanished while being created"), path);
        return -1;
    }
    return plan_compare(dir, &rec, want, err, errlen);
}

/* ---- state ----------------------------------------------------------------- */

const char *kt_shard_state_name(kt_shard_state s)
{
    switch (s) {
    case KT_SHARD_NOT_STARTED:
        return _("not started");
    case KT_SHARD_RUNNING:
        return _("running");
    case KT_SHARD_STALE:
        return _("stale");
    case KT_SHARD_FAILED:
        return _("failed");
    case KT_SHARD_STOPPED:
        return _("interrupted");
    case KT_SHARD_DONE:
        return _("done");
    }
    return "?";
}

void kt_shard_info_get(const char *dir, int i, kt_shard_info *out)
{
    char sd[1100], path[1200], err[1400];
    memset(out, 0, sizeof *out);
    out->eta = -1;
    kt_shard_dir(dir, i, sd, sizeof sd);
    snprintf(path, sizeof path, "%s/%s", sd, KT_STATUS_FILE);
    kt_snapshot *s = malloc(sizeof *s);
    double updated = 0;
    if (!s || kt_snapshot_read_file(path, s, &updated, err, sizeof err) != 0) {
        out->state = KT_SHARD_NOT_STARTED;
        free(s);
        return;
    }
    out->done = s->dates_done;
    out->total = s->dates_total;
    out->elapsed = s->elapsed;
    double age = (double)time(NULL) - updated;
    double hb = s->heartbeat_interval > 0 ? s->heartbeat_interval : 5.0;
    switch (s->state) {
    case KT_RUN_STARTING:
    case KT_RUN_RUNNING:
    case KT_RUN_PAUSED:
        out->state = age > 3 * hb ? KT_SHARD_STALE : KT_SHARD_RUNNING;
        if (out->state == KT_SHARD_RUNNING)
            out->eta = kt_snapshot_eta_avg(s);
        break;
    case KT_RUN_FINISHED:
    case KT_RUN_EMPTY:
        out->state = KT_SHARD_DONE;
        out->done = out->total;
        break;
    case KT_RUN_FAILED:
        out->state = KT_SHARD_FAILED;
        snprintf(out->failure, sizeof out->failure, "%.299s", s->failure);
        break;
    case KT_RUN_CANCELLED:
        out->state = KT_SHARD_STOPPED;
        break;
    }
    free(s);
}

void kt_shard_array_list(const int *redo, int count, char *out, size_t n)
{
    size_t w = 0;
    out[0] = '\0';
    for (int i = 0; i < count; i++) {
        if (!redo[i])
            continue;
        int j = i;
        while (j + 1 < count && redo[j + 1])
            j++;
        int k = j > i ? snprintf(out + w, n - w, "%s%d-%d", w ? "," : "", i, j)
                      : snprintf(out + w, n - w, "%s%d", w ? "," : "", i);
        if (k < 0 || (size_t)k >= n - w)
            return;
        w += (size_t)k;
        i = j;
    }
}

int kt_shard_status(const char *dir, const kt_shard_plan *plan, FILE *out)
{
    int n = plan->count, code, worst = 0, done = 0, total = 0, n_done = 0, live = 0;
    double eta = 0, elapsed = 0;
    kt_shard_info *info = calloc((size_t)n, sizeof *info);
    if (!info)
        return KT_EXIT_FAILURE;
    for (int i = 0; i < n; i++) {
        kt_shard_info_get(dir, i, &info[i]);
        int size = kt_shard_size(plan->dates, i, n);
        done += info[i].done < size ? info[i].done : size;
        total += size;
        n_done += info[i].state == KT_SHARD_DONE;
        if (info[i].state == KT_SHARD_RUNNING) {
            live++;
            if (info[i].eta > eta)
                eta = info[i].eta;
        }
        if (info[i].elapsed > elapsed)
            elapsed = info[i].elapsed;
    }
    char a[32], b[32];
    fprintf(out, _("Run:      %s (sharded, %d shards)\n"), dir, n);
    fprintf(out, _("Shards:   %d done, %d running, %d other\n"), n_done, live, n - n_done - live);
    fprintf(out, _("Dates:    %d of %d done (%.0f%%)\n"), done, total,
            total ? 100.0 * done / total : 100.0);
    kt_batchlog_duration(elapsed, a, sizeof a);
    if (live && n_done + live == n)
        kt_batchlog_duration(eta, b, sizeof b);
    else
        snprintf(b, sizeof b, "-");
    fprintf(out, _("Elapsed:  %s (longest shard)  ETA: %s\n"), a, b);
    for (int i = 0; i < n; i++) {
        int size = kt_shard_size(plan->dates, i, n);
        fprintf(out, _("Shard %d:  %s, %d of %d dates"), i, kt_shard_state_name(info[i].state),
                info[i].state == KT_SHARD_NOT_STARTED ? 0 : info[i].done, size);
        if (info[i].state == KT_SHARD_FAILED)
            fprintf(out, ": %s", info[i].failure);
        fputc('\n', out);
        /* the worst shard decides: failed, stale, interrupted, not started */
        static const int rank[] = {[KT_SHARD_NOT_STARTED] = 1, [KT_SHARD_RUNNING] = 0,
                                   [KT_SHARD_STALE] = 3, [KT_SHARD_FAILED] = 4,
                                   [KT_SHARD_STOPPED] = 2, [KT_SHARD_DONE] = 0};
        if (rank[info[i].state] > worst)
            worst = rank[info[i].state];
    }
    static const int codes[] = {KT_EXIT_OK, KT_EXIT_ST_MISSING, KT_EXIT_ST_STOPPED,
                                KT_EXIT_ST_STALE, KT_EXIT_ST_FAILED};
    code = codes[worst];
    if (n_done == n)
        fprintf(out, _("Merge:    kronos-tui merge %s\n"), dir);
    free(info);
    return code;
}

int kt_shard_all_done(const char *dir, const kt_shard_plan *plan)
{
    for (int i = 0; i < plan->count; i++) {
        kt_shard_info info;
        kt_shard_info_get(dir, i, &info);
        if (info.state != KT_SHARD_DONE)
            return 0;
    }
    return 1;
}
