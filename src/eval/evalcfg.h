/* evalcfg.h: the settings of an evaluation run.
 *
 * Precedence: built-in defaults <- config file (--config FILE, JSON object
 * whose keys are the long flag names without "--", e.g.
 * {"horizons": [20, 60], "lookback": 252, "mode": "full"}) <- flags.
 * Flags take "--flag VALUE" or "--flag=VALUE". */
#ifndef KT_EVALCFG_H
#define KT_EVALCFG_H

#include <stddef.h>
#include <stdint.h>

#include "eval/results.h"
#include "model/hub.h"

typedef struct kt_evalcfg {
    char name[64];                 /* experiment name */
    char prices[1024], tokenizer[1024], model[1024];
    char output_dir[1024], config[1024];
    char benchmark[32];            /* "" = raw returns */
    int n_horizons;
    int horizons[KT_MAX_HORIZONS]; /* ascending, distinct */
    int lookback;
    char mode[16];                 /* "smoke" | "full" */
    char start[24], end[24];       /* "" = derived from the data */
    int max_folds;                 /* -1 = from the mode (smoke 3, full all) */
    double temperature;            /* 0 = greedy */
    int top_k;
    double top_p;
    int sample_count;
    char score[16];                /* ranking score: "mean" (default), "median", "p_up"
                                      (the last two from S >= 2 sampled paths) */
    uint64_t seed;
    int threads;
    int memory_budget_mb;
    int batch_size;                /* 0 = from the memory budget */
    char precision[8];             /* the predictor's products: "fp32" (default) | "int8" */
    int max_context;
    char resume[1024];             /* --resume DIR: settings from DIR/config.json */
    char revision[256];            /* Hub revision of repo ids (default main; hub.h) */
    char tokenizer_id[200], model_id[200]; /* repo ids resolved into tokenizer/model (hub.c) */
    double cost_bps;               /* cost overlays: base cost per trade, bps */
    double aum;                    /* cost overlays: capital, USD */
    char model_cutoff[24];         /* the model's last training date: "" = not
                                    * given (a default for a released id, see
                                    * kt_evalcfg_model_cutoff), "none" = none */
    double heartbeat;              /* status.json heartbeat interval, seconds */
    int no_color, ascii;           /* console appearance */
    double refresh;                /* console refresh interval, seconds */
    int batch, json, help, version;
} kt_evalcfg;

void kt_evalcfg_defaults(kt_evalcfg *c);
/* Applies a JSON config file. 0 ok, -1 (err: "FILE:LINE:COL: ..." or
 * "FILE: key: ..."). */
int kt_evalcfg_load_file(kt_evalcfg *c, const char *path, char *err, size_t errlen);
/* defaults <- --config file <- flags. argv[0] is skipped. 0 ok, -1 usage
 * error (err says which flag and why). */
int kt_evalcfg_parse(kt_evalcfg *c, int argc, char **argv, char *err, size_t errlen);
/* Folds to run: max_folds, or 3 for smoke, -1 (all) for full. */
int kt_evalcfg_folds(const kt_evalcfg *c);
/* The resolved settings as a JSON object text (caller frees). */
char *kt_evalcfg_json(const kt_evalcfg *c);
/* Settings that decide the results, as a short hex fingerprint
 * (excludes threads, batch/memory sizing, output paths, front-end flags). */
void kt_evalcfg_fingerprint(const kt_evalcfg *c, uint64_t data_hash, char *buf, size_t n);
/* Compares the result-deciding settings (those of the fingerprint).
 * Returns 0 when equal; 1 with the first differing key and both values
 * (JSON text) when not. */
int kt_evalcfg_diff(const kt_evalcfg *recorded, const kt_evalcfg *now, char *key, size_t keylen,
                    char *was, char *is, size_t vallen);
/* The model's last training date in effect (YYYY-MM-DD), or NULL when
 * there is none: --model-cutoff when given ("none" turns it off), else
 * KT_RELEASED_CUTOFF for the released NeoQuasar/Kronos-* predictors (by
 * repo id, or a Hugging Face cache path of one). *source (optional) gets
 * "option", "default" or "none". A report-only setting: outside the
 * fingerprint, so a rerun with another cutoff resumes. */
#define KT_RELEASED_CUTOFF "2024-02-29"
const char *kt_evalcfg_model_cutoff(const kt_evalcfg *c, const char **source);
/* 1 when date (YYYY-MM-DD[ HH:MM...]) is on or before the cutoff day. */
int kt_evalcfg_on_or_before(const char *date, const char *cutoff);
/* Help text for the evaluation flags (translated). */
const char *kt_evalcfg_help(void);

/* Repo ids (model/hub.h): resolves c->tokenizer and c->model at
 * c->revision in mode (KT_HUB_CACHED, or KT_HUB_LOCAL: never the network),
 * with download progress through prog (NULL: stderr lines); a resolved id
 * moves to c->tokenizer_id / model_id and the field becomes the snapshot
 * directory. Returns a kt_exit code, or KT_HUB_WOULD_DOWNLOAD (LOCAL). */
int kt_evalcfg_resolve_models(kt_evalcfg *c, int mode, const kt_hub_progress *prog, char *err,
                              size_t errlen);
/* Sets obj["hub"] (a jansson object) when a checkpoint came by id. */
void kt_evalcfg_record_hub(void *obj, const kt_evalcfg *c);

#endif /* KT_EVALCFG_H */
