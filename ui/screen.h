/* screen.h: the one interface every console screen implements, and the
 * console state the screens read.
 *
 * Contract
 *  - The loop in console.c owns a stack of screens: the dashboard at the
 *    bottom, overlays (help, reports and the file viewer, quit
 *    confirmation) above it.
 *    Keys go to the top screen; every screen of the stack is drawn,
 *    bottom first.
 *  - Key handlers never draw and never act on the run: they return
 *    kt_key_result flags and the loop decides what to do and redraw.
 *  - Screens read ui->snap (a copy); they never touch the channel.
 */
#ifndef KT_SCREEN_H
#define KT_SCREEN_H

#include "console.h"
#include "crt.h"
#include "run/channel.h"

/* Flags returned by key handlers. */
enum kt_key_result {
    KT_KEY_IGNORED = 0,
    KT_KEY_HANDLED = 1 << 0,    /* consumed */
    KT_KEY_REDRAW = 1 << 1,     /* something visible changed */
    KT_KEY_CLOSE = 1 << 2,      /* pop this overlay */
    KT_KEY_QUIT = 1 << 3,       /* leave now (confirmed, or nothing running) */
    KT_KEY_ASK_QUIT = 1 << 4,   /* quit requested: loop confirms if running */
    KT_KEY_PAUSE = 1 << 5,      /* toggle pause */
    KT_KEY_HELP = 1 << 6,       /* open the help overlay */
    KT_KEY_REPORTS = 1 << 7,    /* open the report-paths overlay */
    KT_KEY_FASTER = 1 << 8,     /* refresh interval down */
    KT_KEY_SLOWER = 1 << 9,     /* refresh interval up */
    KT_KEY_VIEW = 1 << 10       /* open the selected report in the viewer */
};

/* Panels of the dashboard, in Tab order. */
enum kt_panel {
    KT_PANEL_PROGRESS = 0,
    KT_PANEL_TIMING,
    KT_PANEL_DEVICE,
    KT_PANEL_METRICS,
    KT_PANEL_LOG,
    KT_PANEL_COUNT
};

#define KT_MIN_COLS 80
#define KT_MIN_ROWS 24
#define KT_SCREEN_STACK 4

typedef struct kt_ui kt_ui;
typedef struct kt_reports kt_reports; /* ui/reports.c */

typedef struct kt_screen {
    const char *name;
    void (*init)(kt_ui *ui);
    void (*draw)(kt_ui *ui);
    int (*key)(kt_ui *ui, int key);   /* kt_key_result flags */
    void (*resize)(kt_ui *ui);
} kt_screen;

struct kt_ui {
    kt_crt *crt;
    const kt_console_options *opt;
    int attached;             /* reading status.json, read-only */
    kt_snapshot snap;
    int have_snap;
    double snap_clock;        /* monotonic time the snapshot last changed */
    double now;               /* monotonic time of this frame */
    double refresh;           /* seconds */
    int pause_requested;
    int stopping;             /* cancel sent, waiting for the worker */
    int stale;                /* attach: heartbeat older than 3 intervals */
    double heartbeat_age;     /* attach: seconds since status.json was written */
    double status_updated;    /* attach: its updated_unix */
    char notice[256];         /* one-line message in the footer */
    double notice_until;
    int focus;                /* enum kt_panel */
    int sel_horizon;
    int log_scroll;           /* lines scrolled back from the newest */
    const kt_screen *stack[KT_SCREEN_STACK];
    int depth;
    kt_reports *reports;      /* the reports overlay and viewer; NULL until r */
};

extern const kt_screen kt_screen_dashboard;
extern const kt_screen kt_screen_help;
extern const kt_screen kt_screen_reports;
extern const kt_screen kt_screen_viewer;
/* Frees ui->reports (ui/reports.c). */
void kt_reports_free(kt_ui *ui);
extern const kt_screen kt_screen_confirm;

/* Shared formatting helpers (ui/format.c). */
/* "01:02:03", or the dash glyph for NaN/negative. */
void kt_fmt_duration(const kt_ui *ui, char *buf, size_t n, double secs);
/* "%.*f" or the dash glyph for NaN. */
void kt_fmt_num(const kt_ui *ui, char *buf, size_t n, double v, int prec);
/* "123.4 MiB" style, or the dash for <= 0. */
void kt_fmt_bytes(const kt_ui *ui, char *buf, size_t n, double bytes);
/* Number of parameters: "24.7M". */
void kt_fmt_count(char *buf, size_t n, double v);
/* Running, paused, finished, ... (translated). */
const char *kt_state_name(const kt_ui *ui);
int kt_run_active(const kt_snapshot *s);

/* Widgets (ui/widget.c). */
/* A bar of w columns, frac in [0,1]. */
void kt_widget_bar(const kt_ui *ui, int y, int x, int w, double frac);
/* Sparkline of the last values that fit in w columns (NaN skipped). */
void kt_widget_spark(const kt_ui *ui, int y, int x, int w, const float *v, int n);
/* Label then value; returns the columns used. */
int kt_widget_pair(const kt_ui *ui, int y, int x, int maxw, const char *label,
                   kt_role role, const char *value);
/* Word-wraps text into lines of at most w columns starting at row y,
 * at most max_lines; returns the lines used. */
int kt_widget_wrap(const kt_ui *ui, int y, int x, int w, int max_lines, kt_role role,
                   const char *text);
/* Centered overlay box; returns its inner origin and size. */
void kt_widget_overlay(const kt_ui *ui, int h, int w, const char *title, int *iy, int *ix,
                       int *ih, int *iw);

#endif /* KT_SCREEN_H */
