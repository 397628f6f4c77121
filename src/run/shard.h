/* shard.h: an evaluation split into N shards (issue 18): the shard plan
 * of a run directory, which dates a shard scores, --shard I/N | auto and
 * the Slurm array variables, and the state of every shard.
 *
 * Layout of a sharded run directory DIR:
 *  - DIR/shard_plan.json  the plan: schema kronos-tui.shard-plan/1, the
 *                         shard count, the run's fingerprint (settings +
 *                         data, as the journal's), the number of planned
 *                         dates and the first and last. Created once,
 *                         race-free: every task writes its own temporary
 *                         file and link()s it to the name (link fails
 *                         with EEXIST when another task was first, on
 *                         local filesystems and on NFS alike); a task
 *                         that lost verifies that the plan equals its own.
 *  - DIR/shard-I/         shard I's own run directory (journal, config,
 *                         inputs, status, events, lock), as an unsharded
 *                         run's.
 *  - DIR's CSVs, REPORT.md ...  written by `kronos-tui merge DIR`.
 *
 * The shares: the plan's dates in order (folds, then calendar) are dealt
 * round robin: date g belongs to shard g mod N. Every date is in exactly
 * one shard, shard sizes differ by at most one, and each shard samples
 * the whole range (later dates, with more tickers, are spread evenly). */
#ifndef KT_SHARD_H
#define KT_SHARD_H

#include <stddef.h>
#include <stdio.h>

#define KT_SHARD_PLAN_FILE "shard_plan.json"
#define KT_SHARD_MAX 100000

/* --shard: auto (index from SLURM_ARRAY_TASK_ID) or I/N. */
typedef struct kt_shard_spec {
    int is_auto;
    int index, count; /* I/N; count 0 when auto */
} kt_shard_spec;

/* Parses "auto" or "I/N" (0 <= I < N <= KT_SHARD_MAX). 0 ok, -1 (err). */
int kt_shard_parse(const char *text, kt_shard_spec *out, char *err, size_t errlen);

/* The Slurm array variables (NULL when unset). */
typedef struct kt_slurm_env {
    const char *task_id, *task_count, *task_min, *task_max;
} kt_slurm_env;
void kt_slurm_env_get(kt_slurm_env *e);

/* Resolves spec to (index, count). plan_count > 0: DIR's plan exists and
 * decides N (an explicit N must equal it; auto takes it, whatever the
 * array's size: a resubmitted --array=2 has COUNT 1, MIN = MAX = 2).
 * plan_count 0 (first submission): an explicit spec is taken as it is;
 * auto takes N from SLURM_ARRAY_TASK_COUNT and requires the array to span
 * 0..N-1 (MIN 0, MAX N-1). dir names the run directory in messages.
 * 0 ok; -1 (err names the variable or the difference). */
int kt_shard_resolve(const kt_shard_spec *spec, const kt_slurm_env *env, int plan_count,
                     const char *dir, int *index, int *count, char *err, size_t errlen);

/* Date g (0-based, plan order) belongs to shard kt_shard_of(g, n). */
int kt_shard_of(int g, int n);
/* Number of the total dates that shard i of n scores. */
int kt_shard_size(int total, int i, int n);

/* The recorded plan. */
typedef struct kt_shard_plan {
    int count;
    char fingerprint[80];
    int dates;
    char first[24], last[24];
} kt_shard_plan;

/* Reads DIR/shard_plan.json. 0 ok; 1 absent; -1 malformed (err). */
int kt_shard_plan_read(const char *dir, kt_shard_plan *out, char *err, size_t errlen);
/* Records want as DIR's plan unless one exists; then the existing plan
 * must equal want. 0 ok; 1 conflict (err names DIR and the difference:
 * shard count, or settings/data); -1 I/O (err). */
int kt_shard_plan_commit(const char *dir, const kt_shard_plan *want, char *err, size_t errlen);

/* DIR/shard-I. */
void kt_shard_dir(const char *dir, int i, char *out, size_t n);

/* The state of one shard, from its directory (read-only). */
typedef enum kt_shard_state {
    KT_SHARD_NOT_STARTED,
    KT_SHARD_RUNNING,
    KT_SHARD_STALE,
    KT_SHARD_FAILED,
    KT_SHARD_STOPPED,
    KT_SHARD_DONE
} kt_shard_state;
const char *kt_shard_state_name(kt_shard_state s);

typedef struct kt_shard_info {
    kt_shard_state state;
    int done, total;      /* dates */
    double elapsed, eta;  /* seconds; eta < 0 unknown */
    char failure[300];
} kt_shard_info;
void kt_shard_info_get(const char *dir, int i, kt_shard_info *out);

/* --status on a sharded DIR: overall progress and ETA, one line per
 * shard. Returns 0 when every shard is done or live, else the code of
 * the worst shard (KT_EXIT_ST_FAILED, _STALE, _STOPPED, _MISSING for a
 * shard not started). */
int kt_shard_status(const char *dir, const kt_shard_plan *plan, FILE *out);

/* 1 when every shard of the plan is done, else 0 (read-only). */
int kt_shard_all_done(const char *dir, const kt_shard_plan *plan);

/* The "sbatch --array=..." list of the shards flagged in redo[] (count
 * entries), compressed into ranges ("1,3-5"). */
void kt_shard_array_list(const int *redo, int count, char *out, size_t n);

#endif /* KT_SHARD_H */
