/* cmd_merge.c: a sharded evaluation (issue 18, run/shard.h) on the
 * command line: --shard on the evaluation (which shard, its directory)
 * and `kronos-tui merge DIR`, which checks every shard and writes the
 * outputs of the whole run with the worker's report writer. */
#include "config.h"

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
#include "cli/commands.h"
#include "eval/calendar.h"
#include "eval/evalcfg.h"
#include "eval/folds.h"
#include "eval/prices.h"
#include "eval/report.h"
#include "eval/scorer.h"
#include "run/journal.h"
#include "run/rundir.h"
#include "run/shard.h"
#include "run/worker.h"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

/* ---- --shard on the evaluation ---------------------------------------- */

int kt_shard_argv_take(kt_shard_argv *sa, int argc, char **argv)
{
    char err[600];
    memset(sa, 0, sizeof *sa);
    sa->argv = calloc((size_t)argc + 1, sizeof *sa->argv);
    if (!sa->argv)
        return KT_EXIT_FAILURE;
    int resume_at = -1;
    const char *text = NULL;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--shard") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, _("%s: --shard: missing value (auto or I/N)\n"), PACKAGE);
                return KT_EXIT_USAGE;
            }
            if (text && strcmp(text, argv[i + 1]) != 0) {
                fprintf(stderr, _("%s: --shard given twice (%s and %s)\n"), PACKAGE, text,
                        argv[i + 1]);
                return KT_EXIT_USAGE;
            }
            text = argv[++i];
            continue;
        }
        if (i > 0 && strncmp(argv[i], "--shard=", 8) == 0) {
            if (text && strcmp(text, argv[i] + 8) != 0) {
                fprintf(stderr, _("%s: --shard given twice (%s and %s)\n"), PACKAGE, text,
                        argv[i] + 8);
                return KT_EXIT_USAGE;
            }
            text = argv[i] + 8;
            continue;
        }
        if (i > 0 && strcmp(argv[i], "--resume") == 0 && i + 1 < argc)
            resume_at = sa->argc + 1;
        sa->argv[sa->argc++] = argv[i];
    }
    if (!text)
        return -1;
    if (kt_shard_parse(text, &sa->spec, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        return KT_EXIT_USAGE;
    }
    sa->given = 1;
    if (resume_at >= 0) {
        /* --resume DIR --shard S: the shard's own directory DIR/shard-I */
        int index = sa->spec.index;
        if (sa->spec.is_auto) {
            kt_slurm_env env;
            kt_slurm_env_get(&env);
            int n;
            if (kt_shard_resolve(&sa->spec, &env, KT_SHARD_MAX, sa->argv[resume_at], &index,
                                 &n, err, sizeof err) != 0) {
                fprintf(stderr, "%s: %s\n", PACKAGE, err);
                return KT_EXIT_USAGE;
            }
        }
        snprintf(sa->root, sizeof sa->root, "%s", sa->argv[resume_at]);
        kt_shard_dir(sa->root, index, sa->resume_dir, sizeof sa->resume_dir);
        sa->argv[resume_at] = sa->resume_dir;
    }
    return -1;
}

void kt_shard_argv_free(kt_shard_argv *sa)
{
    free(sa->argv);
    sa->argv = NULL;
}

int kt_shard_setup(const kt_shard_argv *sa, kt_evalcfg *cfg, int *index, int *count, char *root,
                   size_t rootlen)
{
    char err[1600], path[1200];
    kt_shard_plan plan;
    *count = 0;
    if (!sa->given) {
        /* an unsharded run must not write into a sharded run's directory */
        snprintf(path, sizeof path, "%s/%s", cfg->output_dir, KT_SHARD_PLAN_FILE);
        if (exists(path)) {
            fprintf(stderr,
                    _("%s: %s is a sharded run (%s): run its shards with --shard, or merge "
                      "them with kronos-tui merge %s\n"),
                    PACKAGE, cfg->output_dir, path, cfg->output_dir);
            return KT_EXIT_MISMATCH;
        }
        return -1;
    }
    snprintf(root, rootlen, "%s", sa->root[0] ? sa->root : cfg->output_dir);
    snprintf(path, sizeof path, "%s/%s", root, KT_JOURNAL_FILE);
    if (exists(path)) {
        fprintf(stderr,
                _("%s: %s holds an unsharded run (%s); a sharded run needs a directory of its "
                  "own: use another --output-dir\n"),
                PACKAGE, root, path);
        return KT_EXIT_MISMATCH;
    }
    int rc = kt_shard_plan_read(root, &plan, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        return KT_EXIT_MISMATCH;
    }
    kt_slurm_env env;
    kt_slurm_env_get(&env);
    if (kt_shard_resolve(&sa->spec, &env, rc == 0 ? plan.count : 0, root, index, count, err,
                         sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        return rc == 0 ? KT_EXIT_MISMATCH : KT_EXIT_USAGE;
    }
    kt_shard_dir(root, *index, cfg->output_dir, sizeof cfg->output_dir);
    fprintf(stderr, _("%s: shard %d of %d (0-based) of %s, in %s\n"), PACKAGE, *index, *count,
            root, cfg->output_dir);
    return -1;
}

/* ---- merge --------------------------------------------------------------- */

typedef struct merge {
    const char *dir;
    kt_shard_plan plan;
    kt_evalcfg *cfg;       /* shard 0's (the first shard with a record) */
    json_t *checksums;     /* its inputs.json checksums */
    int cfg_from;          /* which shard cfg came from; -1 none */
    kt_runlock **locks;
    int *have;             /* dates journaled, per shard */
    kt_date_result *by_g;  /* plan order; date[0] == '\0' when absent */
    char **dates;          /* plan order, the calendar dates */
    int total;
    kt_prices *prices;
    kt_calendar cal;
    kt_fold_plan fplan;
    char rs[24], re[24];
    char err[1600];
} merge;

static int merge_fail(merge *m, int code)
{
    fprintf(stderr, "%s: %s\n", PACKAGE, m->err);
    return code;
}

/* Loads the prices of m->cfg and plans the folds like the worker; checks
 * the data against the shard plan. */
static int merge_plan(merge *m)
{
    const kt_evalcfg *cfg = m->cfg;
    if (kt_prices_load(cfg->prices, &m->prices, m->err, sizeof m->err) != 0)
        return merge_fail(m, KT_EXIT_DATA);
    char fp[80];
    kt_evalcfg_fingerprint(cfg, kt_prices_hash(m->prices), fp, sizeof fp);
    if (strcmp(fp, m->plan.fingerprint) != 0) {
        snprintf(m->err, sizeof m->err,
                 _("%s: the price data %s is not the data the shards ran on (fingerprint %s, "
                   "the shard plan recorded %s)"),
                 m->dir, cfg->prices, fp, m->plan.fingerprint);
        return merge_fail(m, KT_EXIT_MISMATCH);
    }
    if (kt_calendar_build(m->prices, &m->cal) != 0) {
        snprintf(m->err, sizeof m->err, "%s", _("out of memory"));
        return merge_fail(m, KT_EXIT_FAILURE);
    }
    kt_time start, end;
    kt_eval_default_range(&m->cal, cfg->lookback, &start, &end);
    if (cfg->start[0])
        kt_time_parse(cfg->start, &start);
    if (cfg->end[0])
        kt_time_parse(cfg->end, &end);
    kt_time_format(start, 0, m->rs, sizeof m->rs);
    kt_time_format(end, 0, m->re, sizeof m->re);
    if (kt_folds_plan(&m->cal, start, end, kt_evalcfg_folds(cfg), &m->fplan, m->err,
                      sizeof m->err) != 0)
        return merge_fail(m, KT_EXIT_USAGE);
    m->total = kt_folds_dates(&m->fplan);
    if (m->total != m->plan.dates) {
        snprintf(m->err, sizeof m->err,
                 _("%s: the settings give %d dates, the shard plan recorded %d"), m->dir,
                 m->total, m->plan.dates);
        return merge_fail(m, KT_EXIT_MISMATCH);
    }
    m->by_g = calloc((size_t)(m->total ? m->total : 1), sizeof *m->by_g);
    if (!m->by_g) {
        snprintf(m->err, sizeof m->err, "%s", _("out of memory"));
        return merge_fail(m, KT_EXIT_FAILURE);
    }
    int g = 0;
    for (int k = 0; k < m->fplan.n; k++)
        for (int ci = m->fplan.f[k].first; ci <= m->fplan.f[k].last; ci++, g++) {
            kt_calendar_format(&m->cal, ci, m->by_g[g].date, sizeof m->by_g[g].date);
            m->by_g[g].fold = k;
        }
    return KT_EXIT_OK;
}

/* Reads shard i's record (config.json, inputs.json) and checks it against
 * the first shard's. 0 ok or not started (no config.json); else a code. */
static int merge_check_record(merge *m, int i, const char *sd)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/config.json", sd);
    if (!exists(path))
        return KT_EXIT_OK;
    kt_evalcfg *c = malloc(sizeof *c);
    if (!c) {
        snprintf(m->err, sizeof m->err, "%s", _("out of memory"));
        return merge_fail(m, KT_EXIT_FAILURE);
    }
    kt_evalcfg_defaults(c);
    if (kt_evalcfg_load_file(c, path, m->err, sizeof m->err) != 0) {
        free(c);
        return merge_fail(m, KT_EXIT_MISMATCH);
    }
    snprintf(path, sizeof path, "%s/%s", sd, KT_INPUTS_FILE);
    json_error_t je;
    json_t *in = json_load_file(path, 0, &je);
    json_t *cs = in ? json_object_get(in, "checksums") : NULL;
    if (!json_is_object(cs)) {
        snprintf(m->err, sizeof m->err, _("%s: no checksums (%s)"), path,
                 in ? _("expected an object \"checksums\"") : je.text);
        json_decref(in);
        free(c);
        return merge_fail(m, KT_EXIT_MISMATCH);
    }
    if (m->cfg_from < 0) {
        m->cfg = c;
        m->checksums = json_incref(cs);
        m->cfg_from = i;
        json_decref(in);
        return KT_EXIT_OK;
    }
    char key[64], was[512], is[512];
    char first[1100];
    kt_shard_dir(m->dir, m->cfg_from, first, sizeof first);
    if (kt_evalcfg_diff(m->cfg, c, key, sizeof key, was, is, sizeof was)) {
        snprintf(m->err, sizeof m->err,
                 _("%s: shard %d ran with other settings than shard %d: \"%s\" is %s in %s and "
                   "%s in %s; every shard must run with the same settings"),
                 m->dir, i, m->cfg_from, key, is, sd, was, first);
        json_decref(in);
        free(c);
        return merge_fail(m, KT_EXIT_MISMATCH);
    }
    const char *k;
    json_t *v;
    json_object_foreach(m->checksums, k, v)
    {
        json_t *w = json_object_get(cs, k);
        if (!json_equal(v, w)) {
            snprintf(m->err, sizeof m->err,
                     _("%s: shard %d ran on other inputs than shard %d: checksum %s is %s in "
                       "%s/%s and %s in %s/%s"),
                     m->dir, i, m->cfg_from, k, json_is_string(w) ? json_string_value(w) : "-",
                     sd, KT_INPUTS_FILE, json_string_value(v), first, KT_INPUTS_FILE);
            json_decref(in);
            free(c);
            return merge_fail(m, KT_EXIT_MISMATCH);
        }
    }
    json_decref(in);
    free(c);
    return KT_EXIT_OK;
}

/* Takes shard i's journal: every record must be a date of shard i, once. */
static int merge_journal(merge *m, int i, const char *sd)
{
    char path[1200];
    snprintf(path, sizeof path, "%s/%s", sd, KT_JOURNAL_FILE);
    if (!exists(path))
        return KT_EXIT_OK;
    kt_journal *j = NULL;
    kt_date_result *recs = NULL;
    int n = 0;
    long torn = 0;
    int rc = kt_journal_open(sd, m->plan.fingerprint, &j, &recs, &n, &torn, m->err,
                             sizeof m->err);
    if (rc != 0) {
        if (rc > 0) {
            char why[1000];
            snprintf(why, sizeof why, "%.999s", m->err);
            snprintf(m->err, sizeof m->err,
                     _("%s: shard %d's journal is not this run's (settings or data differ from "
                       "the shard plan %s/%s): %s"),
                     m->dir, i, m->dir, KT_SHARD_PLAN_FILE, why);
        }
        return merge_fail(m, rc > 0 ? KT_EXIT_MISMATCH : KT_EXIT_IO);
    }
    kt_journal_close(j);
    int code = KT_EXIT_OK;
    for (int q = 0; q < n && code == KT_EXIT_OK; q++) {
        int g = 0;
        while (g < m->total && strcmp(m->by_g[g].date, recs[q].date) != 0)
            g++;
        int ok = 1;
        for (int w = 0; ok && w < recs[q].n_rows; w++)
            ok = recs[q].rows[w].series >= 0 && recs[q].rows[w].series < m->prices->n_series &&
                 recs[q].rows[w].h >= 0 && recs[q].rows[w].h < m->cfg->n_horizons;
        if (g == m->total || !ok) {
            snprintf(m->err, sizeof m->err,
                     _("%s/%s: date %s is not a date of the shard plan (or names a ticker or "
                       "horizon outside it)"),
                     sd, KT_JOURNAL_FILE, recs[q].date);
            code = KT_EXIT_MISMATCH;
        } else if (kt_shard_of(g, m->plan.count) != i) {
            snprintf(m->err, sizeof m->err,
                     _("%s/%s: date %s belongs to shard %d, not to shard %d (overlapping shard "
                       "specs)"),
                     sd, KT_JOURNAL_FILE, recs[q].date, kt_shard_of(g, m->plan.count), i);
            code = KT_EXIT_MISMATCH;
        } else if (m->by_g[g].n_rows || m->by_g[g].universe || m->by_g[g].resumed) {
            snprintf(m->err, sizeof m->err, _("%s/%s: date %s is journaled twice"), sd,
                     KT_JOURNAL_FILE, recs[q].date);
            code = KT_EXIT_MISMATCH;
        } else {
            int fold = m->by_g[g].fold;
            m->by_g[g] = recs[q];
            m->by_g[g].fold = fold;
            m->by_g[g].resumed = 1; /* present: taken from a journal */
            memset(&recs[q], 0, sizeof recs[q]);
            m->have[i]++;
        }
    }
    kt_journal_free_records(recs, n);
    return code == KT_EXIT_OK ? code : merge_fail(m, code);
}


static void iso_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Puts a banner on top of REPORT.md: a partial merge. */
static int mark_partial(const char *dir, const char *missing, int have, int total)
{
    char path[1100], tmp[1200];
    snprintf(path, sizeof path, "%s/REPORT.md", dir);
    FILE *in = fopen(path, "r");
    if (!in)
        return -1;
    FILE *out = kt_atomic_open(path, tmp, sizeof tmp);
    if (!out) {
        fclose(in);
        return -1;
    }
    fprintf(out,
            "> **PARTIAL REPORT** (kronos-tui merge --allow-partial): shards %s are missing or "
            "unfinished; %d of %d planned dates are in it. Every number below covers only "
            "those dates.\n\n",
            missing, have, total);
    char buf[8192];
    size_t k;
    while ((k = fread(buf, 1, sizeof buf, in)) > 0)
        fwrite(buf, 1, k, out);
    fclose(in);
    return kt_atomic_commit(out, tmp, path);
}

/* config.json and inputs.json of the merged run. */
static void merge_write_record(merge *m)
{
    char path[1100], tmp[1200], src[1200];
    snprintf(m->cfg->output_dir, sizeof m->cfg->output_dir, "%s", m->dir);
    m->cfg->resume[0] = '\0';
    char *cj = kt_evalcfg_json(m->cfg);
    snprintf(path, sizeof path, "%s/config.json", m->dir);
    FILE *f = cj ? kt_atomic_open(path, tmp, sizeof tmp) : NULL;
    if (f) {
        fprintf(f, "%s\n", cj);
        kt_atomic_commit(f, tmp, path);
    }
    free(cj);
    kt_shard_dir(m->dir, m->cfg_from, src, sizeof src);
    snprintf(src + strlen(src), sizeof src - strlen(src), "/%s", KT_INPUTS_FILE);
    snprintf(path, sizeof path, "%s/%s", m->dir, KT_INPUTS_FILE);
    FILE *in = fopen(src, "r");
    f = in ? kt_atomic_open(path, tmp, sizeof tmp) : NULL;
    if (f) {
        char buf[8192];
        size_t k;
        while ((k = fread(buf, 1, sizeof buf, in)) > 0)
            fwrite(buf, 1, k, f);
        kt_atomic_commit(f, tmp, path);
    }
    if (in)
        fclose(in);
}

static int merge_write(merge *m, int partial, const char *missing, double t0)
{
    kt_scorer *sc = NULL;
    int code = kt_cli_open_scorer(m->cfg, &sc, m->err, sizeof m->err);
    if (code != KT_EXIT_OK)
        return merge_fail(m, code);
    /* the dates present, in plan order */
    kt_date_result *d = calloc((size_t)(m->total ? m->total : 1), sizeof *d);
    int nd = 0;
    long rows = 0;
    for (int g = 0; d && g < m->total; g++)
        if (m->by_g[g].resumed) {
            d[nd] = m->by_g[g];
            if (kt_report_date_metrics(&d[nd], m->prices, m->cfg->n_horizons) != 0) {
                free(d);
                d = NULL;
                break;
            }
            m->by_g[g] = d[nd]; /* the metrics are freed with by_g */
            rows += d[nd].n_rows;
            nd++;
        }
    if (!d) {
        sc->destroy(sc);
        snprintf(m->err, sizeof m->err, "%s", _("out of memory"));
        return merge_fail(m, KT_EXIT_FAILURE);
    }
    char now[32];
    iso_now(now, sizeof now);
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    merge_write_record(m);
    kt_report_input in = {
        .cfg = m->cfg,
        .prices = m->prices,
        .plan = &m->fplan,
        .dates = d,
        .n_dates = nd,
        .run_dir = m->dir,
        .range_start = m->rs,
        .range_end = m->re,
        .model_desc = sc->desc,
        .params = sc->params,
        .device = &sc->device,
        .started_at = now,
        .finished_at = now,
        .wall_seconds = (double)ts.tv_sec + ts.tv_nsec / 1e9 - t0,
        .empty_reason = rows == 0 ? "no evaluation rows in any shard" : NULL,
        .empty_hint = rows == 0 ? "See the shards' logs and REPORT_EMPTY.md of an unsharded run "
                                  "for the reason."
                                : NULL,
    };
    kt_report_summary sum;
    int rc = kt_report_write(&in, &sum, m->err, sizeof m->err);
    free(d);
    sc->destroy(sc);
    if (rc != 0)
        return merge_fail(m, KT_EXIT_IO);
    if (partial && mark_partial(m->dir, missing, nd, m->total) != 0) {
        snprintf(m->err, sizeof m->err, _("%s/REPORT.md: cannot mark it partial: %s"), m->dir,
                 strerror(errno));
        return merge_fail(m, KT_EXIT_IO);
    }
    printf(_("Merged %d shards (%d of %d dates) into %s. Report: %s\n"), m->plan.count, nd,
           m->total, m->dir, sum.report_path);
    if (partial)
        printf(_("PARTIAL: shards %s are missing or unfinished; the report says so.\n"), missing);
    return KT_EXIT_OK;
}

static void merge_free(merge *m)
{
    if (m->locks)
        for (int i = 0; i < m->plan.count; i++)
            kt_rundir_unlock(m->locks[i]);
    free(m->locks);
    free(m->have);
    if (m->by_g)
        kt_journal_free_records(m->by_g, m->total);
    json_decref(m->checksums);
    free(m->cfg);
    kt_folds_free(&m->fplan);
    kt_calendar_free(&m->cal);
    kt_prices_free(m->prices);
}

static int merge_usage(void)
{
    fprintf(stderr, _("Usage: %s merge RUN_DIR [--allow-partial]\n"), PACKAGE);
    return KT_EXIT_USAGE;
}

int kt_cmd_merge(int argc, char **argv)
{
    merge m;
    memset(&m, 0, sizeof m);
    m.cfg_from = -1;
    int allow_partial = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--allow-partial") == 0)
            allow_partial = 1;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            printf(_("Usage: %s merge RUN_DIR [--allow-partial]\n"
                     "Checks the shards of RUN_DIR (every shard run with the same data, model and\n"
                     "settings; every planned date present once) and writes the run's outputs\n"
                     "into RUN_DIR as an unsharded run would. Missing or unfinished shards: nothing\n"
                     "is written, they are listed with the sbatch --array list to resubmit (exit 9);\n"
                     "--allow-partial writes a report marked partial instead.\n"),
                   PACKAGE);
            return KT_EXIT_OK;
        } else if (argv[i][0] == '-' || m.dir)
            return merge_usage();
        else
            m.dir = argv[i];
    }
    if (!m.dir)
        return merge_usage();
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    double t0 = (double)ts.tv_sec + ts.tv_nsec / 1e9;
    int rc = kt_shard_plan_read(m.dir, &m.plan, m.err, sizeof m.err);
    if (rc != 0) {
        if (rc > 0)
            snprintf(m.err, sizeof m.err,
                     _("%s: not a sharded run (no %s; it is written by the first task started "
                       "with --shard)"),
                     m.dir, KT_SHARD_PLAN_FILE);
        fprintf(stderr, "%s: %s\n", PACKAGE, m.err);
        return exists(m.dir) ? KT_EXIT_MISMATCH : KT_EXIT_USAGE;
    }
    int n = m.plan.count, code = KT_EXIT_OK;
    m.locks = calloc((size_t)n, sizeof *m.locks);
    m.have = calloc((size_t)n, sizeof *m.have);
    int *redo = calloc((size_t)n, sizeof *redo);
    int *running = calloc((size_t)n, sizeof *running);
    if (!m.locks || !m.have || !redo || !running) {
        free(redo), free(running), merge_free(&m);
        return KT_EXIT_FAILURE;
    }
    /* the shards' records first: settings and inputs (read-only) */
    char sd[1100];
    for (int i = 0; i < n && code == KT_EXIT_OK; i++) {
        kt_shard_dir(m.dir, i, sd, sizeof sd);
        code = merge_check_record(&m, i, sd);
    }
    if (code == KT_EXIT_OK && m.cfg_from < 0) {
        snprintf(m.err, sizeof m.err, _("%s: no shard has started yet (no %s/shard-*/config.json)"),
                 m.dir, m.dir);
        fprintf(stderr, "%s: %s\n", PACKAGE, m.err);
        code = KT_EXIT_SHARDS_MISSING;
        for (int i = 0; i < n; i++)
            redo[i] = 1;
    }
    if (code == KT_EXIT_OK)
        code = merge_plan(&m);
    /* each shard: locked while it runs; its journal's dates */
    for (int i = 0; i < n && code == KT_EXIT_OK; i++) {
        kt_shard_dir(m.dir, i, sd, sizeof sd);
        long other = 0;
        char lerr[1400];
        if (exists(sd) && kt_rundir_lock(sd, &m.locks[i], &other, lerr, sizeof lerr) == 1)
            running[i] = 1;
        code = merge_journal(&m, i, sd);
        if (running[i] || m.have[i] < kt_shard_size(m.total, i, n))
            redo[i] = 1;
    }
    char list[4096] = "";
    kt_shard_array_list(redo, n, list, sizeof list);
    if (code == KT_EXIT_OK && list[0]) {
        fprintf(stderr, _("%s: %s: shards missing or unfinished:\n"), PACKAGE, m.dir);
        for (int i = 0; i < n; i++) {
            if (!redo[i])
                continue;
            kt_shard_info info;
            kt_shard_info_get(m.dir, i, &info);
            fprintf(stderr, _("  shard %d: %s, %d of %d dates journaled\n"), i,
                    running[i] ? kt_shard_state_name(KT_SHARD_RUNNING)
                               : kt_shard_state_name(info.state == KT_SHARD_DONE ||
                                                             info.state == KT_SHARD_RUNNING
                                                         ? KT_SHARD_STALE
                                                         : info.state),
                    m.have[i], kt_shard_size(m.total, i, n));
        }
        if (!allow_partial) {
            fprintf(stderr,
                    _("Nothing was written. Resubmit the missing shards with the same array "
                      "script:\n  sbatch --array=%s SCRIPT\n(or run kronos-tui --resume %s "
                      "--shard I/%d for each), then merge again; --allow-partial writes a "
                      "report marked partial.\n"),
                    list, m.dir, n);
            code = KT_EXIT_SHARDS_MISSING;
        }
    }
    if (code == KT_EXIT_OK)
        code = merge_write(&m, list[0] != '\0', list, t0);
    free(redo);
    free(running);
    merge_free(&m);
    return code;
}
