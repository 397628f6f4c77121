/* console.h: the ncurses console (ui/). Only the UI thread calls curses.
 *
 * Contract
 *  - kt_console_run() owns the terminal from newterm() to endwin(); it
 *    restores the terminal on every exit path, including SIGINT/SIGTERM/
 *    SIGHUP and fatal errors.
 *  - It only reads snapshots: from a live channel (ch != NULL) or, for
 *    --attach, from a run directory's status.json (status_path != NULL,
 *    read-only: quitting never affects the run).
 *  - Returns a kt_exit code, or KT_CONSOLE_UNUSABLE when the terminal
 *    type is unknown or unusable (the caller then falls back to --batch
 *    output after printing a one-line explanation).
 */
#ifndef KT_CONSOLE_H
#define KT_CONSOLE_H

#include "run/channel.h"

#define KT_CONSOLE_UNUSABLE (-1)
/* Returned instead of cancelling when detach_on_hangup is set and the
 * terminal hung up (SIGHUP or stdin closed): the run goes on, the caller
 * keeps consuming its events without a terminal. */
#define KT_CONSOLE_HANGUP (-2)

typedef struct kt_console_options {
    int no_color;          /* --no-color or NO_COLOR set */
    int ascii;             /* --ascii, or the locale is not UTF-8 */
    double refresh_secs;   /* --refresh, default 1.0 */
    kt_channel *ch;        /* live run in this process */
    const char *status_path; /* --attach DIR: DIR/status.json */
    /* Live runs, optional: every drained event is handed to on_events
     * (on the UI thread), and on_tick is called at least every
     * 0.25 s; the run directory recorder uses both. */
    void (*on_events)(void *user, const kt_event *ev, size_t n);
    void (*on_tick)(void *user);
    void *user;
    int detach_on_hangup;  /* SIGHUP: return KT_CONSOLE_HANGUP, run goes on */
} kt_console_options;

int kt_console_run(const kt_console_options *opt);

#endif /* KT_CONSOLE_H */
