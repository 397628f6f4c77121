/* main.c: kronos-tui entry point: locale, subcommand dispatch, and the
 * evaluation command line (console or --batch front end). */
#include "config.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <limits.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "cli/commands.h"
#include "console.h"
#include "eval/calendar.h"
#include "eval/evalcfg.h"
#include "eval/prices.h"
#include "eval/scorer.h"
#include "model/blas.h"
#include "run/batchlog.h"
#include "run/channel.h"
#include "run/rundir.h"
#include "run/shard.h"
#include "run/worker.h"

static void usage(FILE *out)
{
    fprintf(out, _("Usage: %s [COMMAND] [OPTIONS]\n"), PACKAGE);
    fprintf(out, _("       %s --prices FILE --tokenizer DIR|ID --model DIR|ID [OPTIONS]\n"), PACKAGE);
    fprintf(out, _("       %s --resume DIR [--batch] [--json]\n"), PACKAGE);
    fprintf(out, _("       %s --attach DIR [--no-color] [--ascii] [--refresh SECS]\n"), PACKAGE);
    fprintf(out, _("       %s --status DIR\n"), PACKAGE);
    fputs(_("Commands:\n"
            "  forecast   forecast one series from a CSV file\n"
            "  device     print the device status (asserting CPU) and exit\n"
            "  train      train or fine-tune a tokenizer and predictor on a price CSV\n"
            "  models     list the Kronos models in the Hugging Face cache, or pull one\n"
            "             (models list | models pull ORG/NAME [--revision REV])\n"
            "Without a command, runs a walk-forward evaluation in the console\n"
            "(or with --batch, or when stdout is not a terminal, as plain log lines).\n"
            "  --attach DIR   read-only console on the run another process writes in DIR\n"
            "                 (several viewers may attach; quitting never affects the run)\n"
            "  --status DIR   one-shot plain-text summary of the run in DIR\n\n"),
          out);
    fputs(_("Sharded runs (Slurm job arrays; README \"Beyond one machine\"):\n"
            "  --shard I/N    score shard I (0..N-1) of N into DIR/shard-I of --output-dir DIR\n"
            "  --shard auto   I from SLURM_ARRAY_TASK_ID; N from DIR's shard plan, or on the\n"
            "                 first submission from SLURM_ARRAY_TASK_COUNT (array 0..N-1)\n"
            "  merge DIR [--allow-partial]\n"
            "                 check every shard of DIR and write the run's outputs into DIR\n\n"),
          out);
    fputs(kt_evalcfg_help(), out);
    fputs(_("\nExit status:\n"
            "  0    success, including an empty result (see REPORT_EMPTY.md)\n"
            "  1    unexpected internal failure\n"
            "  2    bad command line or configuration\n"
            "  3    price data could not be used\n"
            "  4    checkpoint / model error\n"
            "  5    a tensor was found off the CPU\n"
            "  6    output could not be written, or the run directory is locked by another\n"
            "       process\n"
            "  7    --resume refused: the data, the model or a setting differs from the run\n"
            "       directory's record\n"
            "  8    a model by name (ORG/NAME) could not be had from the Hugging Face Hub:\n"
            "       not found, not authorised, no network, HF_HUB_OFFLINE=1 and not cached,\n"
            "       or a checksum mismatch\n"
            "  130  interrupted (SIGINT/SIGTERM): completed dates are kept; resume with\n"
            "       --resume DIR (or rerun the same command)\n"
            "--status DIR exits with 0 when the run is live or finished, 10 failed,\n"
            "  11 interrupted, 12 stale (no heartbeat: the writing process is gone),\n"
            "  13 no readable status file.\n"),
          out);
    fputs(_("merge DIR exits with 9 when shards are missing or unfinished (nothing is\n"
            "  written; the shards to resubmit are listed).\n"),
          out);
}

/* The write end of the signal self-pipe. The one file-scope variable of
 * the program: a signal handler has no other way to reach its pipe. It is
 * set once, before the handlers are installed, and only read after. */
static int sig_pipe_wr = -1;

static void on_signal(int signo)
{
    int saved = errno;
    char b = (char)signo;
    if (write(sig_pipe_wr, &b, 1) < 0) {
        /* the pipe is full: a signal is already pending */
    }
    errno = saved;
}

/* SIGINT/SIGTERM -> one byte on a pipe, read by the batch loop (a handler,
 * not a blocked signal + signalfd: libraries such as OpenBLAS start threads
 * before main() that would otherwise take the signal's default action).
 * Returns the read end, or -1. */
static int install_signal_pipe(void)
{
    int p[2];
    if (pipe2(p, O_CLOEXEC | O_NONBLOCK) != 0)
        return -1;
    sig_pipe_wr = p[1];
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    return p[0];
}

static int is_final(kt_event_kind k)
{
    return k == KT_EV_FINISHED || k == KT_EV_EMPTY || k == KT_EV_FAILED || k == KT_EV_CANCELLED;
}

/* Where the front end's drained events go: the run directory's log. A
 * console run that downloads its model opens the directory only once the
 * console is up (run_downloading); until then there is nothing to record
 * into, and the events (the download, or its failure) are only shown. */
typedef struct front {
    pthread_mutex_t mu;
    kt_rundir *rd;  /* under mu: set once by the thread that opens it */
    int final_seen; /* front-end thread only: a final event was drained */
} front;

/* Seconds the worker waits for the front end to drain a full channel
 * before an event is dropped: every front end here drains, but writing
 * status.json at each event is slower than a resumed date. */
#define KT_FRONT_WAIT 5.0

static kt_batchlog *front_log(front *f)
{
    pthread_mutex_lock(&f->mu);
    kt_rundir *rd = f->rd;
    pthread_mutex_unlock(&f->mu);
    return rd ? kt_rundir_log(rd) : NULL;
}

/* Hands drained events to the run directory's log, when it is open
 * (*logp: the log with out/json_out set, or NULL). */
static void front_events(front *f, kt_batchlog **logp, FILE *out, FILE *json_out,
                         const kt_event *ev, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (!*logp && (*logp = front_log(f)) != NULL) {
            (*logp)->out = out;
            (*logp)->json_out = json_out;
        }
        if (*logp)
            kt_batchlog_event(*logp, &ev[i]);
        if (is_final(ev[i].kind))
            f->final_seen = 1;
    }
}

/* Drains events into the front end's log (human lines on `out` when not
 * NULL, JSON lines on json_out; the run directory's events and status)
 * until the run ends; SIGINT/SIGTERM (sigfd) cancel the run. */
static void batch_loop(kt_channel *ch, int sigfd, front *f, FILE *out, FILE *json_out)
{
    kt_event *evs = malloc(64 * sizeof *evs);
    kt_batchlog *log = NULL;
    int signalled = 0;
    if (!evs)
        return;
    front_events(f, &log, out, json_out, NULL, 0);
    int done = f->final_seen || (log && kt_recorder_done(log->rec));
    while (!done) {
        struct pollfd pfd[2] = {{kt_channel_wake_fd(ch), POLLIN, 0}, {sigfd, POLLIN, 0}};
        int np = sigfd >= 0 ? 2 : 1;
        double due = log ? kt_recorder_next_due(log->rec) : 1.0;
        int timeout = due >= 1.0 ? 1000 : (int)(due * 1000) + 1;
        if (poll(pfd, (nfds_t)np, timeout) < 0 && errno != EINTR)
            break;
        if (np == 2 && (pfd[1].revents & POLLIN)) {
            char sig;
            if (read(sigfd, &sig, 1) == 1) {
                if (!signalled && out)
                    fprintf(out, "%s\n",
                            _("Signal received: stopping at the next layer or step; "
                              "completed dates are kept in the journal."));
                signalled = 1;
                kt_channel_cancel(ch);
            }
        }
        size_t n;
        while ((n = kt_channel_drain(ch, evs, 64)) > 0)
            front_events(f, &log, out, json_out, evs, n);
        done = f->final_seen;
        if (log)
            kt_recorder_tick(log->rec);
    }
    if (log)
        log->out = log->json_out = NULL;
    free(evs);
}

static void on_console_events(void *user, const kt_event *ev, size_t n)
{
    kt_batchlog *log = NULL;
    front_events(user, &log, NULL, NULL, ev, n);
}

static void on_console_tick(void *user)
{
    kt_batchlog *log = front_log(user);
    if (log)
        kt_recorder_tick(log->rec);
}

/* Absolute form of a path that exists (so that --resume works from any
 * directory); unchanged when it cannot be resolved. */
static void absolutize(char *path, size_t n)
{
    char *rp = path[0] ? realpath(path, NULL) : NULL;
    if (rp && strlen(rp) < n)
        snprintf(path, n, "%s", rp);
    free(rp);
}

/* $TERM, for the message that the console cannot run on it. */
static const char *term_name(void)
{
    const char *term = getenv("TERM");
    return term ? term : "";
}

/* The terminal hung up: keep running without it. */
static void detach_from_terminal(void)
{
    int fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        if (fd > STDERR_FILENO)
            close(fd);
    }
}

/* Parses the evaluation command line into cfg and completes it. Returns
 * -1 to go on, or the exit code (--help, --version, usage errors). */
static int eval_options(kt_evalcfg *cfg, int argc, char **argv)
{
    char err[1600];
    if (kt_evalcfg_parse(cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        return KT_EXIT_USAGE;
    }
    if (cfg->help) {
        usage(stdout);
        return KT_EXIT_OK;
    }
    if (cfg->version) {
        printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
        return KT_EXIT_OK;
    }
    if (!cfg->prices[0] || !cfg->tokenizer[0] || !cfg->model[0]) {
        fprintf(stderr, _("%s: --prices, --tokenizer and --model are required (see --help)\n"),
                PACKAGE);
        return KT_EXIT_USAGE;
    }
    if (!cfg->output_dir[0])
        snprintf(cfg->output_dir, sizeof cfg->output_dir, "runs/%s", cfg->name);
    absolutize(cfg->prices, sizeof cfg->prices);
    absolutize(cfg->tokenizer, sizeof cfg->tokenizer);
    absolutize(cfg->model, sizeof cfg->model);
    return -1;
}

/* What an evaluation needs before its run directory is touched. */
typedef struct eval_inputs {
    kt_prices *prices;
    kt_calendar cal;
    kt_scorer *scorer;
    int shard_index, shard_count; /* --shard (count 0: unsharded) */
    char shard_root[1024];
} eval_inputs;

/* Loads the prices; KT_EXIT_OK or the exit code (the error on stderr). */
static int load_prices(const kt_evalcfg *cfg, eval_inputs *in)
{
    char err[1600];
    if (kt_prices_load(cfg->prices, &in->prices, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        return KT_EXIT_DATA;
    }
    if (kt_calendar_build(in->prices, &in->cal) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
        return KT_EXIT_FAILURE;
    }
    if (cfg->lookback + cfg->horizons[cfg->n_horizons - 1] > cfg->max_context)
        fprintf(stderr,
                _("%s: note: lookback %d + horizon %d exceeds the context of %d; each horizon "
                  "is generated on its own (slower)\n"),
                PACKAGE, cfg->lookback, cfg->horizons[cfg->n_horizons - 1], cfg->max_context);
    return KT_EXIT_OK;
}

/* Loads the model and checks its device; KT_EXIT_OK or the exit code
 * with err. */
int kt_cli_open_scorer(const kt_evalcfg *cfg, kt_scorer **sc, char *err, size_t errlen)
{
    kronos_options kopt = {
        .threads = cfg->threads,
        .memory_budget_bytes = (size_t)cfg->memory_budget_mb << 20,
        .batch_size = cfg->batch_size,
        .precision = kronos_precision_parse(cfg->precision), /* evalcfg allows fp32 and int8 only */
    };
    kronos_sampling ks;
    kronos_sampling_defaults(&ks);
    ks.temperature = cfg->temperature;
    ks.top_k = cfg->top_k;
    ks.top_p = cfg->top_p;
    ks.sample_count = cfg->sample_count;
    ks.seed = cfg->seed;
    ks.max_context = cfg->max_context;
    return kt_scorer_kronos_open(cfg->tokenizer, cfg->model, &kopt, &ks, sc, err, errlen) == 0
               ? KT_EXIT_OK
               : KT_EXIT_MODEL;
}

static int load_model(const kt_evalcfg *cfg, eval_inputs *in, char *err, size_t errlen)
{
    int rc = kt_cli_open_scorer(cfg, &in->scorer, err, errlen);
    if (rc != KT_EXIT_OK)
        return rc;
    if (!in->scorer->device.verified) {
        snprintf(err, errlen, _("device check failed: %s"), in->scorer->device.violation);
        return KT_EXIT_DEVICE;
    }
    return KT_EXIT_OK;
}

/* Loads the prices and the model; KT_EXIT_OK or the exit code. */
static int load_inputs(const kt_evalcfg *cfg, eval_inputs *in)
{
    char err[1600];
    int code = load_prices(cfg, in);
    if (code == KT_EXIT_OK && (code = load_model(cfg, in, err, sizeof err)) != KT_EXIT_OK)
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
    return code;
}

static void free_inputs(eval_inputs *in)
{
    if (in->scorer)
        in->scorer->destroy(in->scorer);
    kt_calendar_free(&in->cal);
    kt_prices_free(in->prices);
}

/* The console front end while the worker runs; falls back to batch lines
 * when the terminal cannot show it, and keeps recording after a hangup.
 * *sigfd gets the signal pipe it installs. */
static void console_front_end(const kt_evalcfg *cfg, kt_channel *ch, front *f, int *sigfd)
{
    kt_console_options co = {
        .no_color = cfg->no_color || getenv("NO_COLOR") != NULL,
        .ascii = cfg->ascii,
        .refresh_secs = cfg->refresh,
        .ch = ch,
        .status_path = NULL,
        .on_events = on_console_events,
        .on_tick = on_console_tick,
        .user = f,
        .detach_on_hangup = 1,
    };
    int rc = kt_console_run(&co);
    if (rc == KT_CONSOLE_UNUSABLE) {
        fprintf(stderr, _("The terminal (TERM=%s) cannot show the console: using --batch "
                          "output.\n"),
                term_name());
        *sigfd = install_signal_pipe();
        batch_loop(ch, *sigfd, f, stderr, NULL);
    } else if (rc == KT_CONSOLE_HANGUP) {
        /* detached: the run goes on, writing its run directory;
         * SIGINT/SIGTERM still stop it resumably */
        detach_from_terminal();
        *sigfd = install_signal_pipe();
        batch_loop(ch, *sigfd, f, NULL, NULL);
    } else {
        /* the console returned: stop the run if it is still going,
         * and record its last events */
        kt_channel_cancel(ch);
        batch_loop(ch, -1, f, NULL, NULL);
    }
}

static kt_worker_args worker_args(const kt_evalcfg *cfg, eval_inputs *in, kt_channel *ch,
                                  char *werr, size_t n)
{
    return (kt_worker_args){
        .cfg = cfg,
        .prices = in->prices,
        .cal = &in->cal,
        .scorer = in->scorer,
        .ch = ch,
        .run_dir = cfg->output_dir,
        .err = werr,
        .errlen = n,
        .shard_index = in->shard_index,
        .shard_count = in->shard_count,
        .shard_root = in->shard_root,
    };
}

/* Runs the worker with the chosen front end; returns the run's exit code.
 * A run that finished before a signal took effect exits 0. */
static int run_worker(const kt_evalcfg *cfg, eval_inputs *in, kt_rundir *rd, int use_console,
                      int *sigfd)
{
    front f = {.mu = PTHREAD_MUTEX_INITIALIZER, .rd = rd};
    kt_channel *ch = kt_channel_new();
    if (!ch)
        return KT_EXIT_FAILURE;
    kt_channel_set_wait(ch, KT_FRONT_WAIT);
    char werr[1024] = "";
    kt_worker_args wa = worker_args(cfg, in, ch, werr, sizeof werr);
    kt_worker *w = NULL;
    /* a hangup must not kill the run: the console turns it into a detach,
     * and once the console is gone the run ignores it */
    if (use_console)
        signal(SIGHUP, SIG_IGN);
    if (kt_worker_start(&wa, &w) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, _("cannot start the worker thread"));
        kt_channel_free(ch);
        return KT_EXIT_FAILURE;
    }
    if (use_console)
        console_front_end(cfg, ch, &f, sigfd);
    else
        batch_loop(ch, *sigfd, &f, stderr, cfg->json ? stdout : NULL);
    int code = kt_worker_join(w);
    kt_channel_free(ch);
    return code;
}

/* A console run whose model must first come from the Hub: the console
 * opens at once, and this thread downloads (KT_EV_DOWNLOAD events for the
 * console's bar), loads the model, opens the run directory and runs the
 * worker, in the order of the other runs. */
typedef struct download_run {
    kt_evalcfg *cfg;
    eval_inputs *in;
    kt_channel *ch;
    front *f;
    int worker_ran; /* else err says why the run never started */
    int code;
    char err[1600];
} download_run;

/* Publishes an event of the download thread (text, text2, dl_done, dl_total). */
static void publish_event(kt_channel *ch, kt_event_kind kind, const char *text,
                          const char *text2, long long done, long long total)
{
    kt_event *ev = calloc(1, sizeof *ev);
    if (!ev)
        return;
    ev->kind = kind;
    snprintf(ev->text, sizeof ev->text, "%.*s", (int)sizeof ev->text - 1, text);
    snprintf(ev->text2, sizeof ev->text2, "%.*s", (int)sizeof ev->text2 - 1, text2);
    ev->dl_done = done;
    ev->dl_total = total;
    kt_channel_publish(ch, ev);
    free(ev);
}

static int on_download(void *user, const char *id, const char *file, long long done,
                       long long total)
{
    download_run *d = user;
    publish_event(d->ch, KT_EV_DOWNLOAD, id, file, done, total);
    return kt_channel_cancelled(d->ch); /* q or Ctrl-C in the console */
}

static void *download_main(void *arg)
{
    download_run *d = arg;
    kt_hub_progress prog = {on_download, d};
    int code = kt_evalcfg_resolve_models(d->cfg, KT_HUB_CACHED, &prog, d->err, sizeof d->err);
    if (code == KT_EXIT_OK)
        code = load_model(d->cfg, d->in, d->err, sizeof d->err);
    kt_rundir *rd = NULL;
    if (code == KT_EXIT_OK)
        code = kt_rundir_open(d->cfg, &rd, d->err, sizeof d->err);
    if (code == KT_EXIT_OK) {
        pthread_mutex_lock(&d->f->mu);
        d->f->rd = rd;
        pthread_mutex_unlock(&d->f->mu);
        char werr[1024] = "";
        kt_worker_args wa = worker_args(d->cfg, d->in, d->ch, werr, sizeof werr);
        d->worker_ran = 1;
        code = kt_worker_run(&wa);
    } else {
        /* the console shows why; the caller prints it once it closed */
        publish_event(d->ch, code == KT_EXIT_INTERRUPTED ? KT_EV_CANCELLED : KT_EV_FAILED,
                      d->err, "", 0, 0);
    }
    d->code = code;
    return NULL;
}

/* Returns the run's exit code; *rd gets the run directory (to close). */
static int run_downloading(kt_evalcfg *cfg, eval_inputs *in, kt_rundir **rd, int *sigfd)
{
    front f = {.mu = PTHREAD_MUTEX_INITIALIZER};
    download_run d = {.cfg = cfg, .in = in, .ch = kt_channel_new(), .f = &f};
    pthread_t th;
    if (!d.ch)
        return KT_EXIT_FAILURE;
    kt_channel_set_wait(d.ch, KT_FRONT_WAIT);
    signal(SIGHUP, SIG_IGN); /* as run_worker */
    if (pthread_create(&th, NULL, download_main, &d) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, _("cannot start the worker thread"));
        kt_channel_free(d.ch);
        return KT_EXIT_FAILURE;
    }
    console_front_end(cfg, d.ch, &f, sigfd);
    pthread_join(th, NULL);
    kt_channel_free(d.ch);
    *rd = f.rd;
    if (!d.worker_ran)
        fprintf(stderr, "%s: %s\n", PACKAGE, d.err);
    return d.code;
}

static int run_eval(int argc, char **argv)
{
    kt_evalcfg *cfg = malloc(sizeof *cfg);
    eval_inputs in = {0};
    kt_rundir *rd = NULL;
    int sigfd = -1;
    char err[1600];
    kt_shard_argv sa;
    if (!cfg)
        return KT_EXIT_FAILURE;
    int code = kt_shard_argv_take(&sa, argc, argv);
    if (code >= 0)
        goto out;
    code = eval_options(cfg, sa.argc, sa.argv);
    if (code >= 0)
        goto out;
    code = kt_shard_setup(&sa, cfg, &in.shard_index, &in.shard_count, in.shard_root,
                          sizeof in.shard_root);
    if (code >= 0)
        goto out;
    int use_console = !cfg->batch && !cfg->json;
    if (use_console && !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "%s\n", _("stdout is not a terminal: using --batch output."));
        use_console = 0;
    }
    /* repo ids: from the cache, or downloaded here with lines on stderr;
     * the console instead shows a download while it is up */
    code = kt_evalcfg_resolve_models(cfg, use_console ? KT_HUB_LOCAL : KT_HUB_CACHED, NULL, err,
                                     sizeof err);
    if (code != KT_EXIT_OK && code != KT_HUB_WOULD_DOWNLOAD) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        goto out;
    }
    if (code == KT_HUB_WOULD_DOWNLOAD) {
        code = load_prices(cfg, &in);
        if (code == KT_EXIT_OK)
            code = run_downloading(cfg, &in, &rd, &sigfd);
        goto out;
    }
    if (!use_console)
        sigfd = install_signal_pipe();
    code = load_inputs(cfg, &in);
    /* the run directory only once the data and the model load */
    if (code == KT_EXIT_OK) {
        code = kt_rundir_open(cfg, &rd, err, sizeof err);
        if (code != KT_EXIT_OK)
            fprintf(stderr, "%s: %s\n", PACKAGE, err);
    }
    if (code == KT_EXIT_OK)
        code = run_worker(cfg, &in, rd, use_console, &sigfd);
out:
    kt_rundir_close(rd);
    if (sigfd >= 0) {
        /* the run is over and recorded: a late SIGINT/SIGTERM must not
         * write to a pipe without a reader (SIGPIPE, exit 141) */
        signal(SIGINT, SIG_IGN);
        signal(SIGTERM, SIG_IGN);
        close(sigfd);
    }
    free_inputs(&in);
    kt_shard_argv_free(&sa);
    free(cfg);
    return code;
}

static volatile sig_atomic_t follow_stop;
static void follow_signal(int sig)
{
    (void)sig;
    follow_stop = 1;
}

/* --attach on a sharded run, on a terminal: the --status view of every
 * shard, redrawn every `refresh` seconds until every shard is done, q or
 * Esc, or Ctrl-C. Read-only, as --attach; returns the last view's code. */
static int follow_shards(const char *dir, double refresh)
{
    struct termios old, raw;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0, in_open = 1;
    if (tty) {
        raw = old;
        raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
        raw.c_cc[VMIN] = 0;
        raw.c_cc[VTIME] = 0;
        tcsetattr(STDIN_FILENO, TCSANOW, &raw);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = follow_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    int rc = KT_EXIT_OK;
    while (!follow_stop) {
        fputs("\033[H\033[2J", stdout); /* home, clear */
        rc = kt_rundir_status(dir, stdout);
        kt_shard_plan plan;
        char err[512];
        if (kt_shard_plan_read(dir, &plan, err, sizeof err) == 0 && kt_shard_all_done(dir, &plan))
            break;
        printf(_("Refreshed every %.1f s; q quits (the run goes on).\n"), refresh);
        fflush(stdout);
        struct pollfd pfd = {.fd = in_open ? STDIN_FILENO : -1, .events = POLLIN};
        char ch;
        if (poll(&pfd, 1, (int)(refresh * 1000)) > 0 && (pfd.revents & (POLLIN | POLLHUP))) {
            ssize_t got = read(STDIN_FILENO, &ch, 1);
            if (got == 0)
                in_open = 0; /* end of input: keep following until done or a signal */
            else if (got == 1 && (ch == 'q' || ch == 'Q' || ch == 27))
                break;
        }
    }
    if (tty)
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fflush(stdout);
    return rc;
}

/* --attach DIR [--no-color] [--ascii] [--refresh SECS] */
static int run_attach(int argc, char **argv)
{
    const char *dir = NULL;
    kt_console_options co = {.refresh_secs = 1.0};
    co.no_color = getenv("NO_COLOR") != NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--attach") == 0 && i + 1 < argc)
            dir = argv[++i];
        else if (strncmp(argv[i], "--attach=", 9) == 0)
            dir = argv[i] + 9;
        else if (strcmp(argv[i], "--no-color") == 0)
            co.no_color = 1;
        else if (strcmp(argv[i], "--ascii") == 0)
            co.ascii = 1;
        else if (strcmp(argv[i], "--refresh") == 0 && i + 1 < argc) {
            char *end;
            co.refresh_secs = strtod(argv[++i], &end);
            if (*end || !(co.refresh_secs >= 0.1 && co.refresh_secs <= 60)) {
                fprintf(stderr, _("%s: --refresh: expected seconds from 0.1 to 60, got \"%s\"\n"),
                        PACKAGE, argv[i]);
                return KT_EXIT_USAGE;
            }
        } else {
            fprintf(stderr, _("%s: --attach: unexpected argument \"%s\" (see --help)\n"), PACKAGE,
                    argv[i]);
            return KT_EXIT_USAGE;
        }
    }
    if (!dir) {
        fprintf(stderr, _("%s: --attach: missing run directory\n"), PACKAGE);
        return KT_EXIT_USAGE;
    }
    char path[1100];
    struct stat st;
    snprintf(path, sizeof path, "%s/%s", dir, KT_SHARD_PLAN_FILE);
    if (stat(path, &st) == 0) {
        /* a sharded run: every shard's state and the whole run, followed
         * live on a terminal */
        if (isatty(STDOUT_FILENO))
            return follow_shards(dir, co.refresh_secs);
        fprintf(stderr,
                _("%s is a sharded run: showing every shard (follow it with watch kronos-tui "
                  "--status %s, or --attach %s/shard-I for one shard).\n"),
                dir, dir, dir);
        return kt_rundir_status(dir, stdout);
    }
    if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
        snprintf(path, sizeof path, "%s/%s", dir, KT_STATUS_FILE);
    else if (stat(dir, &st) == 0)
        snprintf(path, sizeof path, "%s", dir);
    else {
        fprintf(stderr, _("%s: --attach %s: %s\n"), PACKAGE, dir, strerror(errno));
        return KT_EXIT_USAGE;
    }
    co.status_path = path;
    if (!isatty(STDOUT_FILENO)) {
        fprintf(stderr, "%s\n", _("stdout is not a terminal: showing --status instead."));
        return kt_rundir_status(dir, stdout);
    }
    int rc = kt_console_run(&co);
    if (rc == KT_CONSOLE_UNUSABLE) {
        fprintf(stderr, _("The terminal (TERM=%s) cannot show the console: showing --status "
                          "instead.\n"),
                term_name());
        return kt_rundir_status(dir, stdout);
    }
    return rc;
}

/* The embedded demo: the generated market and the checkpoint the project
 * trained on it, found next to the program (build tree) or in the
 * installed data directory. KRONOS_TUI_DATADIR overrides both. */
static int demo_dir(char *out, size_t n)
{
    const char *env = getenv("KRONOS_TUI_DATADIR");
    char probe[PATH_MAX + 64];
    if (env && *env) {
        snprintf(out, n, "%s", env);
        return 0;
    }
    char exe[PATH_MAX - 16];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) {
        exe[len] = '\0';
        char *slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(probe, sizeof probe, "%s/data/models/demo-predictor/config.json", exe);
            if (access(probe, R_OK) == 0) {
                snprintf(out, n, "%s/data", exe);
                return 0;
            }
        }
    }
    snprintf(probe, sizeof probe, "%s/models/demo-predictor/config.json", PKGDATADIR);
    if (access(probe, R_OK) == 0) {
        snprintf(out, n, "%s", PKGDATADIR);
        return 0;
    }
    return -1;
}

static int has_flag(int argc, char **argv, const char *flag)
{
    size_t n = strlen(flag);
    for (int i = 1; i < argc; i++)
        if (strncmp(argv[i], flag, n) == 0 && (argv[i][n] == '\0' || argv[i][n] == '='))
            return 1;
    return 0;
}

/* Without --prices/--tokenizer/--model/--resume/--config, run the demo:
 * smoke mode on the held-out period (the checkpoint was trained on bars
 * before 2022-07-01; folds start in January 2023), with upstream's sampling
 * (T 1, top-p 0.9) averaged over 16 paths: the small demo model's greedy
 * paths hardly move (data/README.md). Flags given by the user come after the
 * demo's and so override them. */
static int run_demo_or_eval(int argc, char **argv)
{
    static const char *const own[] = {"--prices", "--tokenizer", "--model", "--resume", "--config",
                                      "--help", "-h", "--version"};
    for (size_t i = 0; i < sizeof own / sizeof *own; i++)
        if (has_flag(argc, argv, own[i]))
            return run_eval(argc, argv);
    char dir[PATH_MAX];
    if (demo_dir(dir, sizeof dir) != 0) {
        fprintf(stderr, _("%s: the embedded demo was not found (looked next to the program and in "
                          "%s); set KRONOS_TUI_DATADIR or pass --prices, --tokenizer and --model\n"),
                PACKAGE, PKGDATADIR);
        return KT_EXIT_USAGE;
    }
    char prices[PATH_MAX + 32], tok[PATH_MAX + 32], model[PATH_MAX + 32];
    snprintf(prices, sizeof prices, "%s/demo/market.csv", dir);
    snprintf(tok, sizeof tok, "%s/models/demo-tokenizer", dir);
    snprintf(model, sizeof model, "%s/models/demo-predictor", dir);
    char *demo_argv[] = {"--prices", prices, "--tokenizer", tok, "--model", model,
                         "--horizons", "5,20", "--lookback", "128", "--mode", "smoke",
                         "--start", "2022-12-01", "--temperature", "1", "--top-p", "0.9",
                         "--sample-count", "16", "--name", "demo"};
    enum { NDEMO = sizeof demo_argv / sizeof *demo_argv };
    char **av = calloc((size_t)argc + NDEMO + 1, sizeof *av);
    if (!av)
        return KT_EXIT_FAILURE;
    av[0] = argv[0];
    for (int i = 0; i < NDEMO; i++)
        av[1 + i] = demo_argv[i];
    for (int i = 1; i < argc; i++)
        av[NDEMO + i] = argv[i];
    fprintf(stderr, _("%s: no data or model given: running the embedded demo (%s)\n"), PACKAGE, dir);
    int rc = run_eval(argc + NDEMO, av);
    free(av);
    return rc;
}

int main(int argc, char **argv)
{
    kt_blas_select(argv); /* a BLAS kernel that matches the CPU (blas.h); may re-execute */
    kt_i18n_init();

    if (argc >= 2 && strcmp(argv[1], "forecast") == 0)
        return kt_cmd_forecast(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "device") == 0)
        return kt_cmd_device(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "train") == 0)
        return kt_cmd_train(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "models") == 0)
        return kt_cmd_models(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "merge") == 0)
        return kt_cmd_merge(argc - 1, argv + 1);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--attach") == 0 || strncmp(argv[i], "--attach=", 9) == 0)
            return run_attach(argc, argv);
        if (strcmp(argv[i], "--status") == 0 || strncmp(argv[i], "--status=", 9) == 0) {
            const char *dir = argv[i][8] == '=' ? argv[i] + 9 : i + 1 < argc ? argv[i + 1] : NULL;
            if (!dir || argc > (argv[i][8] == '=' ? 2 : 3)) {
                fprintf(stderr, _("%s: usage: %s --status DIR\n"), PACKAGE, PACKAGE);
                return KT_EXIT_USAGE;
            }
            return kt_rundir_status(dir, stdout);
        }
    }
    return run_demo_or_eval(argc, argv);
}
