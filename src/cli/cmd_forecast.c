/* cmd_forecast.c: `kronos-tui forecast`, the C equivalent of
 * KronosPredictor.predict for one series read from a CSV file. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "base/numparse.h"
#include "cli/commands.h"
#include "eval/calendar.h"
#include "eval/ohlcv_csv.h"
#include "model/hub.h"
#include "model/kronos.h"

static void forecast_usage(FILE *out)
{
    fputs(_("Usage: kronos-tui forecast --tokenizer DIR|ID --model DIR|ID --input FILE.csv\n"
            "         [--start ROW] --lookback N --pred-len N [--max-context N]\n"
            "         [--revision REV] (ID: a Hugging Face repo id ORG/NAME, at REV)\n"
            "         [--temperature T] [--top-k K] [--top-p P] [--sample-count S]\n"
            "         [--seed N] [--threads N] [--precision fp32|int8]\n"
            "Forecast one series. Data rows START..START+LOOKBACK-1 (0-based, after the\n"
            "header) are the context; the next PRED-LEN rows give the future timestamps\n"
            "(continued at the median spacing past the end of the file).\n"
            "Writes CSV to stdout: timestamp,open,high,low,close,volume,amount.\n"
            "Defaults: --start 0 --max-context 512 --temperature 1 --top-k 0 --top-p 0.9\n"
            "--sample-count 1 --seed 0 --precision fp32. --top-k 1 or --temperature 0 is\n"
            "greedy. --precision int8: int8 products in the predictor's layers (faster;\n"
            "the forecast differs from fp32's).\n"
            "Exit status: 0 ok, 2 usage, 3 data, 4 model, 5 device, 6 output, 8 Hugging Face Hub.\n"),
          out);
}

static int parse_long(const char *opt, const char *s, long lo, long hi, long *out)
{
    if (kt_parse_long(s, lo, hi, out) != 0) {
        fprintf(stderr, _("kronos-tui forecast: --%s: expected an integer in [%ld, %ld], got \"%s\"\n"), opt, lo, hi,
                s);
        return -1;
    }
    return 0;
}

static int parse_double(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end || errno || !(v >= lo && v <= hi)) {
        fprintf(stderr, _("kronos-tui forecast: --%s: expected a number in [%g, %g], got \"%s\"\n"), opt, lo, hi, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int exit_for(int status)
{
    switch (status) {
    case KRONOS_EDEVICE: return KT_EXIT_DEVICE;
    case KRONOS_EINVAL: return KT_EXIT_DATA;
    case KRONOS_EIO: case KRONOS_EFORMAT: case KRONOS_ECONFIG: case KRONOS_ESHAPE: return KT_EXIT_MODEL;
    default: return KT_EXIT_FAILURE;
    }
}

/* the command line */
typedef struct {
    const char *tok, *model, *input, *revision;
    long start, lookback, pred_len, threads;
    int precision; /* a kronos_precision */
    kronos_sampling s;
} forecast_args;

/* the model's inputs and outputs for the one series */
typedef struct {
    double *x, *pred;
    kronos_stamp *xs, *ys;
    int64_t *yt;
} forecast_bufs;

/* Step 1, options: the value of --seed. Returns 1 when it is bad. */
static int forecast_parse_seed(const char *arg, uint64_t *seed)
{
    if (kt_parse_u64(arg, seed) == 0)
        return 0;
    fprintf(stderr, _("kronos-tui forecast: --%s: expected a non-negative integer, got \"%s\"\n"),
            "seed", arg);
    return 1;
}

/* Step 1: parse the options; -1 to go on, else the exit code. */
static int forecast_parse(int argc, char **argv, forecast_args *a)
{
    static const struct option opts[] = {
        {"tokenizer", required_argument, NULL, 't'},   {"model", required_argument, NULL, 'm'},
        {"input", required_argument, NULL, 'i'},       {"start", required_argument, NULL, 's'},
        {"lookback", required_argument, NULL, 'l'},    {"pred-len", required_argument, NULL, 'p'},
        {"max-context", required_argument, NULL, 'c'}, {"temperature", required_argument, NULL, 'T'},
        {"top-k", required_argument, NULL, 'k'},       {"top-p", required_argument, NULL, 'P'},
        {"sample-count", required_argument, NULL, 'n'}, {"seed", required_argument, NULL, 'S'},
        {"threads", required_argument, NULL, 'j'},     {"help", no_argument, NULL, 'h'},
        {"revision", required_argument, NULL, 'R'},    {"precision", required_argument, NULL, 'Q'},
        {NULL, 0, NULL, 0}};
    kronos_sampling *s = &a->s;
    long v;
    int c;
    optind = 1;
    opterr = 1;
    while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 't': a->tok = optarg; break;
        case 'm': a->model = optarg; break;
        case 'i': a->input = optarg; break;
        case 'R': a->revision = optarg; break;
        case 's': bad = parse_long("start", optarg, 0, LONG_MAX / 2, &a->start); break;
        case 'l': bad = parse_long("lookback", optarg, 1, 1000000, &a->lookback); break;
        case 'p': bad = parse_long("pred-len", optarg, 1, 1000000, &a->pred_len); break;
        case 'c': bad = parse_long("max-context", optarg, 1, 1000000, &v); s->max_context = (int)v; break;
        case 'T': bad = parse_double("temperature", optarg, 0, 1e6, &s->temperature); break;
        case 'k': bad = parse_long("top-k", optarg, 0, INT_MAX, &v); s->top_k = (int)v; break;
        case 'P': bad = parse_double("top-p", optarg, 1e-12, 1.0, &s->top_p); break;
        case 'n': bad = parse_long("sample-count", optarg, 1, 100000, &v); s->sample_count = (int)v; break;
        case 'S': bad = forecast_parse_seed(optarg, &s->seed); break;
        case 'j': bad = parse_long("threads", optarg, 1, 4096, &a->threads); break;
        case 'Q':
            if ((v = kronos_precision_parse(optarg)) < 0) {
                fprintf(stderr, _("kronos-tui forecast: --%s: expected fp32 or int8, got \"%s\"\n"), "precision",
                        optarg);
                bad = 1;
            }
            a->precision = (int)v;
            break;
        case 'h': forecast_usage(stdout); return KT_EXIT_OK;
        default: bad = 1; break;
        }
        if (bad) {
            forecast_usage(stderr);
            return KT_EXIT_USAGE;
        }
    }
    if (optind < argc) {
        fprintf(stderr, _("kronos-tui forecast: unexpected argument \"%s\"\n"), argv[optind]);
        return KT_EXIT_USAGE;
    }
    if (!a->tok || !a->model || !a->input || a->lookback < 0 || a->pred_len < 0) {
        fprintf(stderr, "%s", _("kronos-tui forecast: --tokenizer, --model, --input, --lookback and --pred-len are required\n"));
        forecast_usage(stderr);
        return KT_EXIT_USAGE;
    }
    s->pred_len = (int)a->pred_len;
    return -1;
}

/* Step 2: the context rows and stamps, and the future timestamps. */
static void forecast_fill(const forecast_args *a, const kt_ohlcv *data, forecast_bufs *fb)
{
    size_t L = (size_t)a->lookback, P = (size_t)a->pred_len, start = (size_t)a->start;
    memcpy(fb->x, data->v + start * 6, L * 6 * sizeof *fb->x);
    for (size_t i = 0; i < L; i++)
        kt_calendar_stamp(data->ts[start + i], &fb->xs[i]);
    size_t avail = data->n - start - L, have = avail < P ? avail : P;
    for (size_t i = 0; i < have; i++)
        fb->yt[i] = data->ts[start + L + i];
    if (have < P) {
        /* Continue the context (plus the future rows present) at its median spacing. */
        size_t nctx = L + have;
        kt_ts_continue(data->ts + start, nctx, fb->yt + have, P - have);
    }
    for (size_t i = 0; i < P; i++)
        kt_calendar_stamp(fb->yt[i], &fb->ys[i]);
}

/* Step 3: open the model and forecast; -1 when done, else the exit code. */
static int forecast_predict(const forecast_args *a, const kt_ohlcv *data, forecast_bufs *fb,
                            kronos_model **m)
{
    kronos_options o = {0};
    o.threads = (int)a->threads;
    o.precision = a->precision;
    kronos_error e;
    int st = kronos_open(a->tok, a->model, &o, m, &e);
    if (st != KRONOS_OK) {
        fprintf(stderr, "kronos-tui forecast: %s\n", e.msg);
        return exit_for(st);
    }
    kronos_batch b = {0};
    b.n_series = 1;
    b.lookback = (int)a->lookback;
    b.ohlcva = fb->x;
    b.has_volume = data->has_volume;
    b.has_amount = data->has_amount;
    b.x_stamp = fb->xs;
    b.y_stamp = fb->ys;
    st = kronos_forecast(*m, &b, &a->s, NULL, NULL, fb->pred, &e);
    if (st != KRONOS_OK) {
        fprintf(stderr, "kronos-tui forecast: %s: %s\n", a->input, e.msg);
        return exit_for(st);
    }
    kronos_device_status ds;
    if (kronos_device_status_get(*m, &ds, &e) != KRONOS_OK) {
        fprintf(stderr, "kronos-tui forecast: %s\n", e.msg);
        return KT_EXIT_DEVICE;
    }
    return -1;
}

/* Step 4: write the forecast as CSV to stdout; the exit code. */
static int forecast_print(const forecast_bufs *fb, size_t P)
{
    printf("timestamp,open,high,low,close,volume,amount\n");
    for (size_t i = 0; i < P; i++) {
        char tb[32];
        kt_time_format_full(fb->yt[i], tb, sizeof tb);
        printf("%s", tb);
        for (int k = 0; k < 6; k++)
            printf(",%.17g", fb->pred[i * 6 + k]);
        printf("\n");
    }
    int rc = (fflush(stdout) != 0 || ferror(stdout)) ? KT_EXIT_IO : KT_EXIT_OK;
    if (rc == KT_EXIT_IO)
        fprintf(stderr, "%s", _("kronos-tui forecast: cannot write the output\n"));
    return rc;
}

int kt_cmd_forecast(int argc, char **argv)
{
    forecast_args a = {.lookback = -1, .pred_len = -1};
    kronos_sampling_defaults(&a.s);
    /* Numbers on the command line and in the output use the C locale; the
     * other categories (messages) keep the program's locale. */
    locale_t cloc = newlocale(LC_NUMERIC_MASK, "C", duplocale(LC_GLOBAL_LOCALE));
    locale_t old = cloc ? uselocale(cloc) : (locale_t)0;
    int rc = forecast_parse(argc, argv, &a);
    if (rc >= 0)
        goto out;
    kt_hub_ref hub[2]; /* repo ids: the cache, else the Hub (hub.h) */
    if ((rc = kt_hub_resolve_args("kronos-tui forecast", &a.tok, &a.model, a.revision, hub)) != 0)
        goto out;

    char err[1024];
    kt_ohlcv data;
    if (kt_ohlcv_csv_load(a.input, &data, err, sizeof err) != 0) {
        fprintf(stderr, "kronos-tui forecast: %s\n", err);
        rc = KT_EXIT_DATA;
        goto out;
    }
    if ((size_t)a.start + (size_t)a.lookback > data.n) {
        fprintf(stderr, _("kronos-tui forecast: %s: rows %ld..%ld requested but the file has %zu data rows\n"),
                a.input, a.start, a.start + a.lookback - 1, data.n);
        kt_ohlcv_free(&data);
        rc = KT_EXIT_DATA;
        goto out;
    }
    size_t L = (size_t)a.lookback, P = (size_t)a.pred_len;
    forecast_bufs fb;
    fb.x = malloc(L * 6 * sizeof *fb.x);
    fb.pred = malloc(P * 6 * sizeof *fb.pred);
    fb.xs = malloc(L * sizeof *fb.xs);
    fb.ys = malloc(P * sizeof *fb.ys);
    fb.yt = malloc(P * sizeof *fb.yt);
    kronos_model *m = NULL;
    if (!fb.x || !fb.pred || !fb.xs || !fb.ys || !fb.yt) {
        fprintf(stderr, "%s", _("kronos-tui forecast: out of memory\n"));
        rc = KT_EXIT_FAILURE;
        goto done;
    }
    forecast_fill(&a, &data, &fb);
    rc = forecast_predict(&a, &data, &fb, &m);
    if (rc < 0)
        rc = forecast_print(&fb, P);
done:
    kronos_close(m);
    free(fb.x);
    free(fb.pred);
    free(fb.xs);
    free(fb.ys);
    free(fb.yt);
    kt_ohlcv_free(&data);
out:
    if (cloc) {
        uselocale(old);
        freelocale(cloc);
    }
    return rc;
}
