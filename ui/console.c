/* console.c: kt_console_run(): the one poll() loop of the console, on
 * stdin, the channel's wake fd, the signal self-pipe and a refresh timer. */
#include "config.h"

#include <errno.h>
#include <langinfo.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "console.h"
#include "run/snapshot_json.h"
#include "screen.h"

#define DATA_REDRAW_MIN 0.1 /* at most 10 redraws a second for progress */

static double mono_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int locale_is_utf8(void)
{
    const char *cs = nl_langinfo(CODESET);
    return cs && (strcmp(cs, "UTF-8") == 0 || strcmp(cs, "utf8") == 0);
}

static void notice(kt_ui *ui, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ui->notice, sizeof ui->notice, fmt, ap);
    va_end(ap);
    ui->notice_until = ui->now + 4.0;
}

static void push(kt_ui *ui, const kt_screen *s)
{
    if (ui->depth >= KT_SCREEN_STACK)
        return;
    ui->stack[ui->depth++] = s;
    s->init(ui);
}

static void draw_all(kt_ui *ui, int clear_all)
{
    kt_crt_begin(clear_all);
    for (int i = 0; i < ui->depth; i++) {
        /* overlays only when the dashboard has room for them */
        if (i > 0 && (kt_crt_cols() < KT_MIN_COLS || kt_crt_rows() < KT_MIN_ROWS))
            break;
        ui->stack[i]->draw(ui);
    }
    kt_crt_end();
}

/* Live: copy the channel snapshot. Returns 1 when it changed. */
static int load_live(kt_ui *ui)
{
    uint64_t seq = ui->snap.seq;
    int had = ui->have_snap;
    kt_channel_snapshot(ui->opt->ch, &ui->snap);
    ui->snap.rss_bytes = kt_process_rss_bytes();
    ui->have_snap = ui->snap.seq > 0;
    if (!had || ui->snap.seq != seq) {
        ui->snap_clock = ui->now;
        return 1;
    }
    return 0;
}

/* Attach: re-read status.json. Returns 1 when something visible changed. */
static int load_attached(kt_ui *ui)
{
    kt_snapshot tmp;
    double updated = 0;
    char err[512];
    int changed = 0;
    if (kt_snapshot_read_file(ui->opt->status_path, &tmp, &updated, err, sizeof err) == 0) {
        if (!ui->have_snap || tmp.seq != ui->snap.seq || updated != ui->status_updated)
            changed = 1;
        ui->status_updated = updated;
        ui->snap = tmp;
        ui->have_snap = 1;
        ui->snap_clock = ui->now;
        double age = wall_now() - updated;
        if (age < 0)
            age = 0;
        int stale = kt_run_active(&ui->snap) && age > 3 * ui->snap.heartbeat_interval;
        if (stale != ui->stale || stale)
            changed = 1;
        ui->stale = stale;
        ui->heartbeat_age = age;
    } else {
        if (strcmp(err, ui->notice) != 0)
            changed = 1;
        notice(ui, "%s", err);
        if (ui->have_snap) {
            ui->stale = 1;
            changed = 1;
        }
    }
    return changed;
}

static int load(kt_ui *ui)
{
    return ui->attached ? load_attached(ui) : load_live(ui);
}

static int exit_code(const kt_ui *ui, int interrupted)
{
    if (interrupted)
        return KT_EXIT_INTERRUPTED;
    if (ui->attached)
        return KT_EXIT_OK;
    switch (ui->snap.state) {
    case KT_RUN_FINISHED:
    case KT_RUN_EMPTY:
        return KT_EXIT_OK;
    case KT_RUN_FAILED:
        return KT_EXIT_FAILURE;
    case KT_RUN_CANCELLED:
        return KT_EXIT_INTERRUPTED;
    default:
        return KT_EXIT_INTERRUPTED;
    }
}

/* the loop's state from one iteration to the next */
typedef struct {
    kt_event *evbuf;
    int hangup, quit, interrupted, dirty, clear_all, pending;
    double last_draw, next_tick, stop_since;
} console_loop;

enum { EVBUF = 32 };

/* Step 1, init: terminal check, curses, the ui (NULL and *code on failure). */
static kt_ui *console_open(const kt_console_options *opt, int *code)
{
    *code = KT_EXIT_FAILURE;
    if (!opt || (!opt->ch && !opt->status_path))
        return NULL;
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, "kronos-tui: %s\n", _("the console needs a terminal; using --batch output"));
        *code = KT_CONSOLE_UNUSABLE;
        return NULL;
    }
    const char *nc = getenv("NO_COLOR");
    int no_color = opt->no_color || (nc && *nc);
    int ascii = opt->ascii || !locale_is_utf8();
    char err[256];
    kt_crt *crt = kt_crt_open(no_color, ascii, err, sizeof err);
    if (!crt) {
        fprintf(stderr, _("kronos-tui: the console cannot start (%s); using --batch output\n"), err);
        *code = KT_CONSOLE_UNUSABLE;
        return NULL;
    }

    kt_ui *ui = calloc(1, sizeof *ui);
    if (!ui) {
        kt_crt_close(crt);
        fprintf(stderr, "kronos-tui: %s\n", _("out of memory"));
        return NULL;
    }
    ui->crt = crt;
    ui->opt = opt;
    ui->attached = opt->ch == NULL;
    ui->refresh = opt->refresh_secs > 0.05 ? opt->refresh_secs : 1.0;
    ui->now = mono_now();
    kt_snapshot_init(&ui->snap);
    if (!ui->attached)
        ui->pause_requested = kt_channel_paused(opt->ch);
    push(ui, &kt_screen_dashboard);
    load(ui);
    return ui;
}

/* Step 2a: draw if needed and work out how long poll() may sleep (ms). */
static int console_draw_and_timeout(kt_ui *ui, console_loop *lp)
{
    if (lp->dirty) {
        draw_all(ui, lp->clear_all);
        lp->dirty = lp->clear_all = 0;
        lp->last_draw = ui->now;
    }
    double wait = lp->next_tick - ui->now;
    if (lp->pending) {
        double w2 = lp->last_draw + DATA_REDRAW_MIN - ui->now;
        if (w2 < wait)
            wait = w2;
    }
    if (ui->notice[0] && ui->notice_until > ui->now && ui->notice_until - ui->now < wait)
        wait = ui->notice_until - ui->now;
    if (ui->opt->on_tick && wait > 0.25)
        wait = 0.25;
    return wait <= 0 ? 0 : (int)ceil(wait * 1000);
}

/* Step 2b: signals, channel events, terminal hangup (1: leave the loop). */
static int console_handle_fds(kt_ui *ui, console_loop *lp, int r, const struct pollfd *fds)
{
    const kt_console_options *opt = ui->opt;
    if (r > 0 && (fds[1].revents & POLLIN)) {
        int sig = kt_crt_take_signal(ui->crt);
        if (sig == SIGHUP && !ui->attached && opt->detach_on_hangup) {
            lp->hangup = 1;
            return 1;
        }
        if (sig) {
            if (!ui->attached)
                kt_channel_cancel(opt->ch);
            lp->interrupted = 1;
            return 1;
        }
    }
    if (r > 0 && !ui->attached && (fds[2].revents & POLLIN)) {
        if (opt->on_events) {
            size_t n;
            while ((n = kt_channel_drain(opt->ch, lp->evbuf, EVBUF)) > 0)
                opt->on_events(opt->user, lp->evbuf, n);
        } else {
            kt_channel_drain(opt->ch, NULL, 0);
        }
        lp->pending = 1;
    }
    if (opt->on_tick && !ui->attached)
        opt->on_tick(opt->user);
    if (r > 0 && (fds[0].revents & (POLLHUP | POLLERR | POLLNVAL)) &&
        !(fds[0].revents & POLLIN)) {
        /* the terminal went away: like SIGHUP */
        if (!ui->attached && opt->detach_on_hangup) {
            lp->hangup = 1;
            return 1;
        }
        if (!ui->attached)
            kt_channel_cancel(opt->ch);
        lp->interrupted = 1;
        return 1;
    }
    return 0;
}

/* Step 2c, key dispatch: the pause key, on a live run only. */
static void console_toggle_pause(kt_ui *ui)
{
    if (ui->attached) {
        notice(ui, "%s", _("Read-only: pause the run from its own console"));
    } else if (!kt_run_active(&ui->snap)) {
        notice(ui, "%s", _("The run is not active"));
    } else {
        ui->pause_requested = !ui->pause_requested;
        kt_channel_set_paused(ui->opt->ch, ui->pause_requested);
        notice(ui, "%s",
               ui->pause_requested
                   ? _("Pausing at the next step")
                   : _("Resumed"));
    }
}

/* Step 2c: dispatch one key to the top screen and act on its flags. */
static void console_dispatch_key(kt_ui *ui, console_loop *lp, int key)
{
    if (key == KT_K_RESIZE) {
        for (int i = 0; i < ui->depth; i++)
            ui->stack[i]->resize(ui);
        lp->dirty = lp->clear_all = 1;
        return;
    }
    const kt_screen *top = ui->stack[ui->depth - 1];
    int f = top->key(ui, key);
    if (f & KT_KEY_CLOSE && ui->depth > 1)
        ui->depth--;
    if (f & KT_KEY_REDRAW)
        lp->dirty = 1;
    if (f & KT_KEY_HELP)
        push(ui, &kt_screen_help), lp->dirty = 1;
    if (f & KT_KEY_REPORTS)
        push(ui, &kt_screen_reports), lp->dirty = 1;
    if (f & KT_KEY_VIEW)
        push(ui, &kt_screen_viewer), lp->dirty = 1;
    if (f & (KT_KEY_FASTER | KT_KEY_SLOWER)) {
        double nr = (f & KT_KEY_FASTER) ? ui->refresh / 2 : ui->refresh * 2;
        if (nr < 0.25)
            nr = 0.25;
        if (nr > 16)
            nr = 16;
        ui->refresh = nr;
        lp->next_tick = ui->now + nr;
        notice(ui, _("Refresh every %.2g s"), nr);
        lp->dirty = 1;
    }
    if (f & KT_KEY_PAUSE) {
        console_toggle_pause(ui);
        lp->dirty = 1;
    }
    if (f & KT_KEY_ASK_QUIT) {
        if (ui->attached || !kt_run_active(&ui->snap) || ui->stopping)
            lp->quit = 1;
        else
            push(ui, &kt_screen_confirm), lp->dirty = 1;
    }
    if (f & KT_KEY_QUIT) {
        if (!ui->attached && kt_run_active(&ui->snap)) {
            kt_channel_cancel(ui->opt->ch);
            ui->stopping = 1;
            lp->stop_since = ui->now;
            notice(ui, "%s", _("Stopping at the next step"));
            lp->dirty = 1;
        } else {
            lp->quit = 1;
        }
    }
}

/* Step 2d: the timers: refresh, data redraw, notice, device, stop deadline. */
static void console_timers(kt_ui *ui, console_loop *lp)
{
    if (ui->now >= lp->next_tick) {
        lp->next_tick = ui->now + ui->refresh;
        if (load(ui))
            lp->dirty = 1;
        lp->pending = 0;
        if (ui->snap.state == KT_RUN_RUNNING || ui->attached)
            lp->dirty = 1; /* the clocks move */
    }
    if (lp->pending && ui->now - lp->last_draw >= DATA_REDRAW_MIN) {
        lp->pending = 0;
        if (load(ui))
            lp->dirty = 1;
    }
    if (ui->notice[0] && ui->now >= ui->notice_until) {
        ui->notice[0] = '\0';
        lp->dirty = 1;
    }
    if (ui->stopping && !kt_run_active(&ui->snap)) {
        lp->quit = 1;
        lp->interrupted = 1;
    }
    if (ui->stopping && ui->now - lp->stop_since > 30) {
        lp->quit = 1; /* the worker did not answer; leave anyway */
        lp->interrupted = 1;
    }
}

/* Step 2: one loop iteration: draw, poll, events, keys, timers (1: leave). */
static int console_iterate(kt_ui *ui, console_loop *lp)
{
    int timeout = console_draw_and_timeout(ui, lp);

    struct pollfd fds[3];
    int nfds = 0;
    fds[nfds++] = (struct pollfd){.fd = STDIN_FILENO, .events = POLLIN};
    fds[nfds++] = (struct pollfd){.fd = kt_crt_signal_fd(ui->crt), .events = POLLIN};
    if (!ui->attached)
        fds[nfds++] = (struct pollfd){.fd = kt_channel_wake_fd(ui->opt->ch), .events = POLLIN};
    int r = poll(fds, (nfds_t)nfds, timeout);
    if (r < 0 && errno != EINTR)
        return 1;
    ui->now = mono_now();

    if (console_handle_fds(ui, lp, r, fds))
        return 1;
    /* always ask curses: a SIGWINCH interrupts poll() and shows up
     * as KEY_RESIZE only when curses is asked for a key */
    int key;
    while (!lp->quit && (key = kt_crt_getkey()) != KT_K_NONE)
        console_dispatch_key(ui, lp, key);
    console_timers(ui, lp);
    return 0;
}

int kt_console_run(const kt_console_options *opt)
{
    int code;
    kt_ui *ui = console_open(opt, &code);
    if (!ui)
        return code;

    console_loop lp = {0};
    lp.evbuf = opt->on_events ? malloc(EVBUF * sizeof *lp.evbuf) : NULL;
    if (opt->on_events && !lp.evbuf) {
        kt_crt_close(ui->crt);
        free(ui);
        fprintf(stderr, "kronos-tui: %s\n", _("out of memory"));
        return KT_EXIT_FAILURE;
    }
    lp.dirty = lp.clear_all = 1;
    lp.next_tick = ui->now + ui->refresh;

    while (!lp.quit)
        if (console_iterate(ui, &lp))
            break;

    /* Step 3: shut down */
    code = lp.hangup ? KT_CONSOLE_HANGUP : exit_code(ui, lp.interrupted);
    kt_crt_close(ui->crt);
    free(lp.evbuf);
    kt_reports_free(ui);
    free(ui);
    return code;
}
