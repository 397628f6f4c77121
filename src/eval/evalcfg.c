/* evalcfg.c: see evalcfg.h. */
#include "config.h"

#include "eval/evalcfg.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "base/numparse.h"
#include "eval/prices.h"
#include "model/hub.h"

void kt_evalcfg_defaults(kt_evalcfg *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "kronos-eval");
    c->n_horizons = 3;
    c->horizons[0] = 20;
    c->horizons[1] = 60;
    c->horizons[2] = 90;
    c->lookback = 252;
    snprintf(c->mode, sizeof c->mode, "smoke");
    c->max_folds = -1;
    c->temperature = 0.0;
    c->top_k = 0;
    c->top_p = 1.0;
    c->sample_count = 1;
    snprintf(c->score, sizeof c->score, "mean");
    c->seed = 0;
    c->threads = 0;
    c->memory_budget_mb = 2048;
    c->batch_size = 0;
    snprintf(c->precision, sizeof c->precision, "fp32");
    c->max_context = 512;
    c->heartbeat = 5.0;
    c->cost_bps = 10.0;
    c->aum = 1e7;
    c->refresh = 1.0;
    snprintf(c->revision, sizeof c->revision, "main");
}

typedef enum { T_STR, T_INT, T_DBL, T_U64, T_HOR, T_CHOICE, T_DATE, T_BOOL, T_CUTOFF } vtype;

typedef struct opt {
    const char *name;
    vtype type;
    size_t off;
    size_t size;      /* strings */
    double lo, hi;    /* numbers */
} opt;

/* T_CHOICE: the two values an option allows */
static const char *const choices[][3] = {{"mode", "smoke", "full"}, {"precision", "fp32", "int8"}};

#define S(f) offsetof(kt_evalcfg, f), sizeof(((kt_evalcfg *)0)->f)
#define N(f) offsetof(kt_evalcfg, f), 0
static const opt opts[] = {
    {"ascii", T_BOOL, N(ascii), 0, 0},
    {"aum", T_DBL, N(aum), 1, 1e15},
    {"batch", T_BOOL, N(batch), 0, 0},
    {"batch-size", T_INT, N(batch_size), 0, 1e6},
    {"benchmark", T_STR, S(benchmark), 0, 0},
    {"config", T_STR, S(config), 0, 0},
    {"cost-bps", T_DBL, N(cost_bps), 0, 10000},
    {"end", T_DATE, S(end), 0, 0},
    {"heartbeat", T_DBL, N(heartbeat), 0.1, 3600},
    {"help", T_BOOL, N(help), 0, 0},
    {"horizons", T_HOR, N(horizons), 1, 10000},
    {"json", T_BOOL, N(json), 0, 0},
    {"lookback", T_INT, N(lookback), 1, 100000},
    {"max-context", T_INT, N(max_context), 2, 1e6},
    {"max-folds", T_INT, N(max_folds), -1, 1e6}, /* -1: from the mode */
    {"memory-budget", T_INT, N(memory_budget_mb), 1, 1e7},
    {"mode", T_CHOICE, S(mode), 0, 0},
    {"model", T_STR, S(model), 0, 0},
    {"model-cutoff", T_CUTOFF, S(model_cutoff), 0, 0},
    {"name", T_STR, S(name), 0, 0},
    {"no-color", T_BOOL, N(no_color), 0, 0},
    {"output-dir", T_STR, S(output_dir), 0, 0},
    {"precision", T_CHOICE, S(precision), 0, 0},
    {"prices", T_STR, S(prices), 0, 0},
    {"refresh", T_DBL, N(refresh), 0.1, 60},
    {"resume", T_STR, S(resume), 0, 0},
    {"revision", T_STR, S(revision), 0, 0},
    {"sample-count", T_INT, N(sample_count), 1, 1000},
    {"score", T_STR, S(score), 0, 0},
    {"seed", T_U64, N(seed), 0, 0},
    {"start", T_DATE, S(start), 0, 0},
    {"temperature", T_DBL, N(temperature), 0, 100},
    {"threads", T_INT, N(threads), 0, 1024},
    {"tokenizer", T_STR, S(tokenizer), 0, 0},
    {"top-k", T_INT, N(top_k), 0, 1e6},
    {"top-p", T_DBL, N(top_p), 0, 1},
    {"version", T_BOOL, N(version), 0, 0},
};

static const opt *find_opt(const char *name, size_t len)
{
    for (size_t i = 0; i < sizeof opts / sizeof opts[0]; i++)
        if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
            return &opts[i];
    return NULL;
}

static int cmp_int(const void *a, const void *b)
{
    return *(const int *)a - *(const int *)b;
}

/* Sets one option from text. where: "--flag" or "FILE: key". */
static int set_value(kt_evalcfg *c, const opt *o, const char *v, const char *where, char *err,
                     size_t errlen)
{
    char *base = (char *)c + o->off;
    char *end;
    switch (o->type) {
    case T_STR:
        if (strlen(v) >= o->size) {
            snprintf(err, errlen, _("%s: value too long (at most %zu bytes)"), where, o->size - 1);
            return -1;
        }
        snprintf(base, o->size, "%s", v);
        return 0;
    case T_CHOICE: {
        size_t k = 0;
        while (strcmp(choices[k][0], o->name) != 0) /* every T_CHOICE option has its row */
            k++;
        const char *const *ch = choices[k];
        if (strcmp(v, ch[1]) != 0 && strcmp(v, ch[2]) != 0) {
            snprintf(err, errlen, _("%s: expected %s or %s, got \"%s\""), where, ch[1], ch[2], v);
            return -1;
        }
        snprintf(base, o->size, "%s", v);
        return 0;
    }
    case T_DATE: {
        kt_time t;
        if (!v[0]) { /* "" = derived from the data (as recorded in config.json) */
            base[0] = '\0';
            return 0;
        }
        if (kt_time_parse(v, &t) != 0 || strlen(v) >= o->size) {
            snprintf(err, errlen, _("%s: expected a date YYYY-MM-DD, got \"%s\""), where, v);
            return -1;
        }
        snprintf(base, o->size, "%s", v);
        return 0;
    }
    case T_CUTOFF: {
        /* a day only: the cutoff is a training date, not a bar */
        kt_time t;
        if (v[0] && strcmp(v, "none") != 0 &&
            (strlen(v) != 10 || kt_time_parse(v, &t) != 0)) {
            snprintf(err, errlen, _("%s: expected a date YYYY-MM-DD or none, got \"%s\""), where,
                     v);
            return -1;
        }
        snprintf(base, o->size, "%s", v);
        return 0;
    }
    case T_INT: {
        long x;
        if (kt_parse_long(v, (long)o->lo, (long)o->hi, &x) != 0) {
            snprintf(err, errlen, _("%s: expected an integer from %.0f to %.0f, got \"%s\""),
                     where, o->lo, o->hi, v);
            return -1;
        }
        *(int *)base = (int)x;
        return 0;
    }
    case T_U64:
        if (kt_parse_u64(v, (uint64_t *)base) != 0) {
            snprintf(err, errlen, _("%s: expected a non-negative integer, got \"%s\""), where, v);
            return -1;
        }
        return 0;
    case T_DBL: {
        errno = 0;
        double x = strtod(v, &end);
        if (end == v || *end || errno || !isfinite(x) || x < o->lo || x > o->hi) {
            snprintf(err, errlen, _("%s: expected a number from %g to %g, got \"%s\""), where,
                     o->lo, o->hi, v);
            return -1;
        }
        *(double *)base = x;
        return 0;
    }
    case T_HOR: {
        int h[KT_MAX_HORIZONS];
        int n = kt_parse_int_list(v, 1, 10000, h, KT_MAX_HORIZONS);
        if (n < 0) {
            snprintf(err, errlen,
                     _("%s: expected up to %d comma-separated horizons from 1 to 10000, "
                       "got \"%s\""),
                     where, KT_MAX_HORIZONS, v);
            return -1;
        }
        qsort(h, (size_t)n, sizeof h[0], cmp_int);
        for (int i = 1; i < n; i++)
            if (h[i] == h[i - 1]) {
                snprintf(err, errlen, _("%s: horizon %d given twice"), where, h[i]);
                return -1;
            }
        memcpy(c->horizons, h, sizeof h);
        c->n_horizons = n;
        return 0;
    }
    case T_BOOL:
        if (strcmp(v, "1") == 0 || strcmp(v, "true") == 0)
            *(int *)base = 1;
        else if (strcmp(v, "0") == 0 || strcmp(v, "false") == 0)
            *(int *)base = 0;
        else {
            snprintf(err, errlen, _("%s: expected true or false, got \"%s\""), where, v);
            return -1;
        }
        return 0;
    }
    return -1;
}

int kt_evalcfg_load_file(kt_evalcfg *c, const char *path, char *err, size_t errlen)
{
    json_error_t je;
    json_t *root = json_load_file(path, 0, &je);
    if (!root) {
        snprintf(err, errlen, _("%s:%d:%d: invalid JSON: %s"), path, je.line, je.column, je.text);
        return -1;
    }
    if (!json_is_object(root)) {
        snprintf(err, errlen, _("%s: expected a JSON object"), path);
        json_decref(root);
        return -1;
    }
    const char *key;
    json_t *val;
    json_object_foreach(root, key, val)
    {
        char where[1200];
        snprintf(where, sizeof where, "%s: %s", path, key);
        const opt *o = find_opt(key, strlen(key));
        if (!o || strcmp(key, "config") == 0 || strcmp(key, "resume") == 0) {
            snprintf(err, errlen, _("%s: unknown setting"), where);
            json_decref(root);
            return -1;
        }
        char text[1100];
        if (json_is_string(val)) {
            snprintf(text, sizeof text, "%s", json_string_value(val));
        } else if (json_is_integer(val)) {
            snprintf(text, sizeof text, "%" JSON_INTEGER_FORMAT, json_integer_value(val));
        } else if (json_is_real(val)) {
            snprintf(text, sizeof text, "%.17g", json_real_value(val));
        } else if (json_is_boolean(val)) {
            snprintf(text, sizeof text, "%s", json_is_true(val) ? "true" : "false");
        } else if (json_is_array(val) && o->type == T_HOR) {
            size_t i, len = 0;
            json_t *e;
            text[0] = '\0';
            json_array_foreach(val, i, e)
            {
                if (!json_is_integer(e)) {
                    snprintf(err, errlen, _("%s: expected an array of integers"), where);
                    json_decref(root);
                    return -1;
                }
                len += (size_t)snprintf(text + len, sizeof text - len, "%s%" JSON_INTEGER_FORMAT,
                                        i ? "," : "", json_integer_value(e));
                if (len >= sizeof text)
                    break;
            }
        } else {
            snprintf(err, errlen, _("%s: unsupported value type"), where);
            json_decref(root);
            return -1;
        }
        if (set_value(c, o, text, where, err, errlen) != 0) {
            json_decref(root);
            return -1;
        }
    }
    json_decref(root);
    return 0;
}

int kt_evalcfg_parse(kt_evalcfg *c, int argc, char **argv, char *err, size_t errlen)
{
    kt_evalcfg_defaults(c);
    /* first pass: --config */
    for (int i = 1; i < argc; i++) {
        const char *cf = NULL;
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
            cf = argv[i + 1];
        else if (strncmp(argv[i], "--config=", 9) == 0)
            cf = argv[i] + 9;
        if (cf) {
            if (kt_evalcfg_load_file(c, cf, err, errlen) != 0)
                return -1;
            snprintf(c->config, sizeof c->config, "%s", cf);
        }
    }
    /* --resume DIR: DIR/config.json, then the flags; the run directory is DIR */
    for (int i = 1; i < argc; i++) {
        const char *rd = NULL;
        if (strcmp(argv[i], "--resume") == 0 && i + 1 < argc)
            rd = argv[i + 1];
        else if (strncmp(argv[i], "--resume=", 9) == 0)
            rd = argv[i] + 9;
        if (rd) {
            char path[1100];
            if (strlen(rd) >= sizeof c->resume) {
                snprintf(err, errlen, _("--resume: value too long"));
                return -1;
            }
            snprintf(path, sizeof path, "%s/config.json", rd);
            FILE *f = fopen(path, "r");
            if (!f) {
                snprintf(err, errlen,
                         _("--resume %s: not a run directory (cannot open %s: %s)"), rd, path,
                         strerror(errno));
                return -1;
            }
            fclose(f);
            if (kt_evalcfg_load_file(c, path, err, errlen) != 0)
                return -1;
            snprintf(c->resume, sizeof c->resume, "%s", rd);
        }
    }
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0) {
            c->help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0) {
            snprintf(err, errlen, _("unexpected argument \"%s\" (see --help)"), a);
            return -1;
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        if (nlen == 8 && strncmp(name, "progress", 8) == 0 && eq) { /* --progress=json */
            if (strcmp(eq + 1, "json") == 0)
                c->json = 1;
            else if (strcmp(eq + 1, "text") != 0) {
                snprintf(err, errlen, _("--progress: expected json or text, got \"%s\""), eq + 1);
                return -1;
            }
            continue;
        }
        const opt *o = find_opt(name, nlen);
        if (!o) {
            snprintf(err, errlen, _("unknown option \"%.*s\" (see --help)"), (int)nlen + 2, a);
            return -1;
        }
        char where[80];
        snprintf(where, sizeof where, "--%s", o->name);
        const char *v;
        if (o->type == T_BOOL) {
            v = eq ? eq + 1 : "true";
        } else if (eq) {
            v = eq + 1;
        } else if (i + 1 < argc) {
            v = argv[++i];
        } else {
            snprintf(err, errlen, _("%s: missing value"), where);
            return -1;
        }
        if (o->type == T_STR && (o->off == offsetof(kt_evalcfg, config) ||
                                 o->off == offsetof(kt_evalcfg, resume)))
            continue; /* applied above */
        if (set_value(c, o, v, where, err, errlen) != 0)
            return -1;
    }
    if (c->resume[0])
        snprintf(c->output_dir, sizeof c->output_dir, "%s", c->resume);
    if (c->start[0] && c->end[0] && strcmp(c->start, c->end) > 0) {
        snprintf(err, errlen, _("--start %s is after --end %s"), c->start, c->end);
        return -1;
    }
    if (strcmp(c->score, "mean") != 0 && strcmp(c->score, "median") != 0 &&
        strcmp(c->score, "p_up") != 0) {
        snprintf(err, errlen, _("--score: expected mean, median or p_up, got \"%s\""), c->score);
        return -1;
    }
    if (strcmp(c->score, "mean") != 0 && c->sample_count < 2) {
        snprintf(err, errlen, _("--score %s needs sampled paths: --sample-count 2 or more"),
                 c->score);
        return -1;
    }
    return 0;
}

int kt_evalcfg_folds(const kt_evalcfg *c)
{
    if (c->max_folds >= 0)
        return c->max_folds;
    return strcmp(c->mode, "smoke") == 0 ? 3 : -1;
}

static json_t *settings_json(const kt_evalcfg *c, int all)
{
    json_t *o = json_object();
    json_t *h = json_array();
    for (int i = 0; i < c->n_horizons; i++)
        json_array_append_new(h, json_integer(c->horizons[i]));
    json_object_set_new(o, "horizons", h);
    json_object_set_new(o, "lookback", json_integer(c->lookback));
    json_object_set_new(o, "mode", json_string(c->mode));
    json_object_set_new(o, "start", json_string(c->start));
    json_object_set_new(o, "end", json_string(c->end));
    json_object_set_new(o, "max-folds", json_integer(c->max_folds));
    json_object_set_new(o, "benchmark", json_string(c->benchmark));
    json_object_set_new(o, "temperature", json_real(c->temperature));
    json_object_set_new(o, "top-k", json_integer(c->top_k));
    json_object_set_new(o, "top-p", json_real(c->top_p));
    json_object_set_new(o, "sample-count", json_integer(c->sample_count));
    /* the ranking score decides scores.csv; absent = mean: older records
     * (and their fingerprints) stay as they were */
    if (strcmp(c->score, "mean") != 0)
        json_object_set_new(o, "score", json_string(c->score));
    json_object_set_new(o, "seed", json_integer((json_int_t)c->seed));
    json_object_set_new(o, "max-context", json_integer(c->max_context));
    /* int8 changes the forecasts; absent = fp32: older records stay as they were */
    if (strcmp(c->precision, "fp32") != 0)
        json_object_set_new(o, "precision", json_string(c->precision));
    /* a repo id as given (hub.c resolved it into the snapshot directory) */
    json_object_set_new(o, "tokenizer",
                        json_string(c->tokenizer_id[0] ? c->tokenizer_id : c->tokenizer));
    json_object_set_new(o, "model", json_string(c->model_id[0] ? c->model_id : c->model));
    if (strcmp(c->revision, "main") != 0) /* absent = main: older records stay comparable */
        json_object_set_new(o, "revision", json_string(c->revision));
    if (all) {
        json_object_set_new(o, "name", json_string(c->name));
        json_object_set_new(o, "prices", json_string(c->prices));
        json_object_set_new(o, "output-dir", json_string(c->output_dir));
        json_object_set_new(o, "threads", json_integer(c->threads));
        json_object_set_new(o, "memory-budget", json_integer(c->memory_budget_mb));
        json_object_set_new(o, "batch-size", json_integer(c->batch_size));
        /* report-only: outside the fingerprint, so a rerun with other
         * costs resumes the journal and rewrites the reports */
        json_object_set_new(o, "cost-bps", json_real(c->cost_bps));
        json_object_set_new(o, "aum", json_real(c->aum));
        /* as given ("" = the default of a released id, applied again on
         * --resume) */
        json_object_set_new(o, "model-cutoff", json_string(c->model_cutoff));
    }
    return o;
}

char *kt_evalcfg_json(const kt_evalcfg *c)
{
    json_t *o = settings_json(c, 1);
    char *s = json_dumps(o, JSON_INDENT(2) | JSON_SORT_KEYS);
    json_decref(o);
    return s;
}

void kt_evalcfg_fingerprint(const kt_evalcfg *c, uint64_t data_hash, char *buf, size_t n)
{
    json_t *o = settings_json(c, 0);
    char *s = json_dumps(o, JSON_COMPACT | JSON_SORT_KEYS);
    json_decref(o);
    uint64_t h = 1469598103934665603ull ^ data_hash;
    for (const char *p = s ? s : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211ull;
    free(s);
    snprintf(buf, n, "%016" PRIx64 "-%016" PRIx64, h, data_hash);
}

int kt_evalcfg_diff(const kt_evalcfg *recorded, const kt_evalcfg *now, char *key, size_t keylen,
                    char *was, char *is, size_t vallen)
{
    json_t *a = settings_json(recorded, 0), *b = settings_json(now, 0);
    const char *k;
    json_t *va;
    int differ = 0;
    /* keys in sorted order, so the first difference is stable */
    const char *best = NULL;
    json_object_foreach(a, k, va)
    {
        json_t *vb = json_object_get(b, k);
        if (!vb || !json_equal(va, vb))
            if (!best || strcmp(k, best) < 0)
                best = k;
    }
    json_object_foreach(b, k, va) /* keys only the new settings have ("revision") */
        if (!json_object_get(a, k) && (!best || strcmp(k, best) < 0))
            best = k;
    if (best) {
        differ = 1;
        char *sa = json_dumps(json_object_get(a, best), JSON_ENCODE_ANY | JSON_COMPACT);
        char *sb = json_dumps(json_object_get(b, best), JSON_ENCODE_ANY | JSON_COMPACT);
        snprintf(key, keylen, "%s", best);
        /* the keys settings_json leaves out at their defaults */
        static const char *const omitted[][2] = {
            {"score", "\"mean\""}, {"revision", "\"main\""}, {"precision", "\"fp32\""}};
        const char *dflt = "";
        for (size_t i = 0; i < sizeof omitted / sizeof omitted[0]; i++)
            if (strcmp(best, omitted[i][0]) == 0)
                dflt = omitted[i][1];
        snprintf(was, vallen, "%s", sa ? sa : dflt);
        snprintf(is, vallen, "%s", sb ? sb : dflt);
        free(sa);
        free(sb);
    }
    json_decref(a);
    json_decref(b);
    return differ;
}

static const char *help_main(void)
{
    return _("Evaluation options (also accepted as keys of a JSON --config file):\n"
             "  --prices FILE          long-format CSV: date,ticker,open,high,low,close[,volume][,amount]\n"
             "  --tokenizer DIR|ID     Kronos tokenizer directory (config.json + model.safetensors)\n"
             "                         or Hugging Face repo id ORG/NAME (cache, else download)\n"
             "  --model DIR|ID         Kronos predictor directory or repo id\n"
             "  --revision REV         branch, tag or commit of the repo ids (default main)\n"
             "  --horizons LIST        forecast horizons in bars (default 20,60,90)\n"
             "  --lookback N           history bars per forecast (default 252)\n"
             "  --mode smoke|full      smoke: first 3 folds; full: every fold (default smoke)\n"
             "  --start YYYY-MM-DD     range start (default: the date lookback bars into the data)\n"
             "  --end YYYY-MM-DD       range end (default: the last date)\n"
             "  --max-folds N          run at most N folds (overrides the mode)\n"
             "  --benchmark TICKER     labels are excess returns over TICKER\n"
             "  --temperature T        0 = greedy argmax (default 0)\n"
             "  --top-k K, --top-p P   sampling filters (default off)\n"
             "  --sample-count S       samples averaged per forecast (default 1)\n"
             "  --seed N               sampling and control seed (default 0)\n"
             "  --threads N            intra-op threads (0 = library default)\n"
             "  --memory-budget MB     activation budget per micro-batch (default 2048)\n"
             "  --batch-size N         series per micro-batch (overrides --memory-budget)\n"
             "  --precision fp32|int8  the predictor's matrix products; int8 is faster and\n"
             "                         changes the forecasts (default fp32)\n"
             "  --output-dir DIR       run directory (default runs/NAME)\n"
             "  --name NAME            experiment name (default kronos-eval)\n"
             "  --resume DIR           continue the interrupted run in DIR with its recorded\n"
             "                         settings; refused when the data, the model or a\n"
             "                         setting differs (exit status 7)\n"
             "  --heartbeat SECS       rewrite DIR/status.json at least this often (default 5)\n"
             "  --config FILE          JSON settings; flags override them\n"
             "  --batch                no console: one line per event on stderr\n"
             "  --no-color, --ascii    console without colours / with ASCII drawing\n"
             "  --refresh SECS         console refresh interval (default 1)\n"
             "  --json, --progress=json  events as JSON lines on stdout (schema kronos-tui.events/1)\n"
             "  --help, --version\n");
}

const char *kt_evalcfg_help(void)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s%s%s%s", help_main(),
             _("Cost overlays (the report only; a rerun with other values resumes):\n"
               "  --cost-bps BPS         base cost per trade in basis points (default 10)\n"
               "  --aum USD              capital behind the long-short portfolio, for the\n"
               "                         square-root market impact (default 10000000)\n"),
             _("Sampled paths (--sample-count S >= 2: paths.csv, prob_metrics.csv):\n"
               "  --score mean|median|p_up  ranking score: the averaged forecast's return, the\n"
               "                         paths' median return or the share of paths above\n"
               "                         the spot close (default mean)\n"),
             _("Pretraining overlap (the report only; a rerun with another value resumes):\n"
               "  --model-cutoff DATE    the model's last training date: dates on or before it\n"
               "                         are reported apart (the model has seen them); default\n"
               "                         2024-02-29 for NeoQuasar/Kronos-* models, none for\n"
               "                         others; none turns it off\n"));
    return buf;
}

/* A released predictor: NeoQuasar/Kronos-<size> by id, or a path inside a
 * Hugging Face cache copy of one (models--NeoQuasar--Kronos-<size>). The
 * tokenizers (Kronos-Tokenizer-*) are not predictors. */
static int released_id(const char *s)
{
    static const char *const pre[] = {"NeoQuasar/Kronos-", "models--NeoQuasar--Kronos-"};
    for (size_t k = 0; k < sizeof pre / sizeof pre[0]; k++) {
        const char *p = strstr(s, pre[k]);
        if (p && strncmp(p + strlen(pre[k]), "Tokenizer", 9) != 0)
            return 1;
    }
    return 0;
}

const char *kt_evalcfg_model_cutoff(const kt_evalcfg *c, const char **source)
{
    const char *src = "none", *date = NULL;
    if (strcmp(c->model_cutoff, "none") == 0) {
        src = "none";
    } else if (c->model_cutoff[0]) {
        src = "option";
        date = c->model_cutoff;
    } else if (released_id(c->model_id[0] ? c->model_id : c->model)) {
        src = "default";
        date = KT_RELEASED_CUTOFF;
    }
    if (source)
        *source = src;
    return date;
}

int kt_evalcfg_on_or_before(const char *date, const char *cutoff)
{
    return strncmp(date, cutoff, 10) <= 0;
}

int kt_evalcfg_resolve_models(kt_evalcfg *c, int mode, const kt_hub_progress *prog, char *err,
                              size_t errlen)
{
    int rc = kt_hub_resolve_field(c->tokenizer, sizeof c->tokenizer, c->tokenizer_id,
                                  sizeof c->tokenizer_id, c->revision, mode, prog, err, errlen);
    if (rc == KT_EXIT_OK)
        rc = kt_hub_resolve_field(c->model, sizeof c->model, c->model_id, sizeof c->model_id,
                                  c->revision, mode, prog, err, errlen);
    return rc;
}

void kt_evalcfg_record_hub(void *obj, const kt_evalcfg *c)
{
    kt_hub_record(obj, c->tokenizer_id, c->tokenizer, c->model_id, c->model, c->revision);
}
