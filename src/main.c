/* main.c: kronos-tui entry point: locale, subcommand dispatch, and the
 * evaluation command line (console or --batch front end). */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "batchlog.h"
#include "calendar.h"
#include "commands.h"
#include "console.h"
#include "evalcfg.h"
#include "exitcodes.h"
#include "i18n.h"
#include "prices.h"
#include "progress.h"
#include "scorer.h"
#include "worker.h"

static void usage(FILE *out)
{
    fprintf(out, _("Usage: %s [COMMAND] [OPTIONS]\n"), PACKAGE);
    fprintf(out, _("       %s --prices FILE --tokenizer DIR --model DIR [OPTIONS]\n"), PACKAGE);
    fputs(_("Commands:\n"
            "  forecast   forecast one series from a CSV file\n"
            "  device     print the device status (asserting CPU) and exit\n"
            "Without a command, runs a walk-forward evaluation in the console\n"
            "(or with --batch, or when stdout is not a terminal, as plain log lines).\n\n"),
          out);
    fputs(kt_evalcfg_help(), out);
    fputs(_("\nExit status:\n"
            "  0    success, including an empty result (see REPORT_EMPTY.md)\n"
            "  1    unexpected internal failure\n"
            "  2    bad command line or configuration\n"
            "  3    price data could not be used\n"
            "  4    checkpoint / model error\n"
            "  5    a tensor was found off the CPU\n"
            "  6    output could not be written\n"
            "  130  interrupted (SIGINT/SIGTERM): completed dates are kept; rerun the same\n"
            "       command to resume\n"),
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

/* Drains events to the batch log until the run ends; SIGINT/SIGTERM
 * (sigfd) cancel the run. Returns 1 when a signal arrived. */
static int batch_loop(kt_channel *ch, int sigfd, FILE *json_out)
{
    kt_batchlog *bl = malloc(sizeof *bl);
    kt_event *evs = malloc(64 * sizeof *evs);
    int signalled = 0, done = 0;
    if (!bl || !evs) {
        free(bl);
        free(evs);
        return 0;
    }
    kt_batchlog_init(bl, stderr, json_out);
    while (!done) {
        struct pollfd pfd[2] = {{kt_channel_wake_fd(ch), POLLIN, 0}, {sigfd, POLLIN, 0}};
        int np = sigfd >= 0 ? 2 : 1;
        if (poll(pfd, (nfds_t)np, 1000) < 0 && errno != EINTR)
            break;
        if (np == 2 && (pfd[1].revents & POLLIN)) {
            char sig;
            if (read(sigfd, &sig, 1) == 1) {
                if (!signalled)
                    fprintf(stderr, "%s\n",
                            _("Signal received: stopping after the current micro-batch; "
                              "completed dates are kept in the journal."));
                signalled = 1;
                kt_channel_cancel(ch);
            }
        }
        size_t n;
        while ((n = kt_channel_drain(ch, evs, 64)) > 0)
            for (size_t i = 0; i < n; i++) {
                kt_batchlog_event(bl, &evs[i]);
                if (is_final(evs[i].kind))
                    done = 1;
            }
    }
    free(bl);
    free(evs);
    return signalled;
}

static int run_eval(int argc, char **argv)
{
    kt_evalcfg *cfg = malloc(sizeof *cfg);
    char err[1600];
    int code = KT_EXIT_OK;
    kt_prices *prices = NULL;
    kt_calendar cal = {0};
    kt_scorer *scorer = NULL;
    kt_channel *ch = NULL;
    int sigfd = -1;
    if (!cfg)
        return KT_EXIT_FAILURE;
    if (kt_evalcfg_parse(cfg, argc, argv, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        code = KT_EXIT_USAGE;
        goto out;
    }
    if (cfg->help) {
        usage(stdout);
        goto out;
    }
    if (cfg->version) {
        printf("%s %s\n", PACKAGE, PACKAGE_VERSION);
        goto out;
    }
    if (!cfg->prices[0] || !cfg->tokenizer[0] || !cfg->model[0]) {
        fprintf(stderr, _("%s: --prices, --tokenizer and --model are required (see --help)\n"),
                PACKAGE);
        code = KT_EXIT_USAGE;
        goto out;
    }
    if (!cfg->output_dir[0])
        snprintf(cfg->output_dir, sizeof cfg->output_dir, "runs/%s", cfg->name);

    int use_console = !cfg->batch && !cfg->json;
    if (use_console && !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "%s\n", _("stdout is not a terminal: using --batch output."));
        use_console = 0;
    }
    if (!use_console)
        sigfd = install_signal_pipe();

    if (kt_prices_load(cfg->prices, &prices, err, sizeof err) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        code = KT_EXIT_DATA;
        goto out;
    }
    if (kt_calendar_build(prices, &cal) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
        code = KT_EXIT_FAILURE;
        goto out;
    }
    if (cfg->lookback + cfg->horizons[cfg->n_horizons - 1] > cfg->max_context)
        fprintf(stderr,
                _("%s: note: lookback %d + horizon %d exceeds the context of %d; each horizon "
                  "is generated on its own (slower)\n"),
                PACKAGE, cfg->lookback, cfg->horizons[cfg->n_horizons - 1], cfg->max_context);

    kronos_options kopt = {
        .threads = cfg->threads,
        .memory_budget_bytes = (size_t)cfg->memory_budget_mb << 20,
        .batch_size = cfg->batch_size,
    };
    kronos_sampling ks;
    kronos_sampling_defaults(&ks);
    ks.temperature = cfg->temperature;
    ks.top_k = cfg->top_k;
    ks.top_p = cfg->top_p;
    ks.sample_count = cfg->sample_count;
    ks.seed = cfg->seed;
    ks.max_context = cfg->max_context;
    if (kt_scorer_kronos_open(cfg->tokenizer, cfg->model, &kopt, &ks, &scorer, err, sizeof err) !=
        0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, err);
        code = KT_EXIT_MODEL;
        goto out;
    }
    if (!scorer->device.verified) {
        fprintf(stderr, _("%s: device check failed: %s\n"), PACKAGE, scorer->device.violation);
        code = KT_EXIT_DEVICE;
        goto out;
    }
    ch = kt_channel_new();
    if (!ch) {
        code = KT_EXIT_FAILURE;
        goto out;
    }


    char werr[1024] = "";
    kt_worker_args wa = {
        .cfg = cfg,
        .prices = prices,
        .cal = &cal,
        .scorer = scorer,
        .ch = ch,
        .run_dir = cfg->output_dir,
        .err = werr,
        .errlen = sizeof werr,
    };
    kt_worker *w = NULL;
    if (kt_worker_start(&wa, &w) != 0) {
        fprintf(stderr, "%s: %s\n", PACKAGE, _("cannot start the worker thread"));
        code = KT_EXIT_FAILURE;
        goto out;
    }
    int signalled = 0;
    if (use_console) {
        kt_console_options co = {
            .no_color = getenv("NO_COLOR") != NULL,
            .ascii = 0,
            .refresh_secs = 1.0,
            .ch = ch,
            .status_path = NULL,
        };
        int rc = kt_console_run(&co);
        if (rc == KT_CONSOLE_UNUSABLE) {
            const char *term = getenv("TERM");
            fprintf(stderr, _("The terminal (TERM=%s) cannot show the console: using --batch "
                              "output.\n"),
                    term ? term : "");
            sigfd = install_signal_pipe();
            signalled = batch_loop(ch, sigfd, NULL);
        } else {
            /* the console returned: stop the run if it is still going */
            kt_channel_cancel(ch);
            kt_channel_drain(ch, NULL, 0);
        }
    } else {
        signalled = batch_loop(ch, sigfd, cfg->json ? stdout : NULL);
    }
    code = kt_worker_join(w);
    (void)signalled; /* a run that finished before the signal took effect exits 0 */
out:
    if (sigfd >= 0)
        close(sigfd);
    if (scorer)
        scorer->destroy(scorer);
    kt_channel_free(ch);
    kt_calendar_free(&cal);
    kt_prices_free(prices);
    free(cfg);
    return code;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    /* Numbers in CSV/JSON outputs and parsed inputs always use '.'. */
    setlocale(LC_NUMERIC, "C");
    /* KRONOS_TUI_LOCALEDIR: catalogs of an uninstalled build (tests). */
    const char *localedir = getenv("KRONOS_TUI_LOCALEDIR");
    bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
    textdomain(PACKAGE);

    if (argc >= 2 && strcmp(argv[1], "forecast") == 0)
        return kt_cmd_forecast(argc - 1, argv + 1);
    if (argc >= 2 && strcmp(argv[1], "device") == 0)
        return kt_cmd_device(argc - 1, argv + 1);
    if (argc < 2) {
        usage(stderr);
        return KT_EXIT_USAGE;
    }
    return run_eval(argc, argv);
}
