/* reports.c: the reports overlay (r) and the file viewer. The overlay
 * lists the files of the run directory (and of its figures/) as they are
 * now, the report first; Enter opens a text file (Markdown, CSV, JSON) in
 * a scrolling viewer inside the console, so the run and its status file
 * go on while you read. Other files (PNG, SVG, HTML) are named with their
 * path, to be opened elsewhere. Nothing here computes a result: the files
 * are the run's outputs as written. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "base/i18n.h"
#include "screen.h"

#define MAX_FILES 96
#define VIEW_MAX ((size_t)16 << 20) /* bytes of a file the viewer reads */
#define RESCAN_SECS 1.0

typedef struct rep_file {
    char name[160];  /* relative to the run directory ("figures/x.png") */
    long long size;
    int text;        /* shown by the viewer */
} rep_file;

struct kt_reports {
    char dir[600];
    int n, sel, top;
    rep_file f[MAX_FILES];
    double scanned;  /* ui->now of the last scan */
    /* the viewer */
    char path[800];
    char *buf;       /* the file, lines NUL-terminated */
    int *line;       /* offsets of the lines in buf */
    int nlines, vtop, vleft, vrows, truncated;
    char msg[1000];  /* instead of the text: why it is not shown */
};

/* The order of the list: the report, the scorecard and the other new
 * tables first, then the rest of the run directory, then figures/. */
static const char *const first[] = {
    "REPORT.md",          "REPORT.html",       "REPORT_EMPTY.md",
    "stability_scorecard.csv", "stability_scorecard_by_period.csv",
    "cost_overlays.csv",  "baselines.csv",     "churn_diagnostics.csv",
    "leak_tripwires.json", "per_date_metrics.csv", "fold_summaries.csv",
    "ic_decay_stats.csv", "churn.csv",         "scores.csv",
    "experiment_metadata.json",
};

static int rank_of(const char *name)
{
    for (size_t i = 0; i < sizeof first / sizeof first[0]; i++)
        if (strcmp(name, first[i]) == 0)
            return (int)i;
    return strncmp(name, "figures/", 8) == 0 ? 2000 : 1000;
}

static int cmp_file(const void *a, const void *b)
{
    const rep_file *x = a, *y = b;
    int rx = rank_of(x->name), ry = rank_of(y->name);
    return rx != ry ? rx - ry : strcmp(x->name, y->name);
}

static int is_text(const char *name)
{
    static const char *const ext[] = {".md", ".csv", ".json", ".jsonl", ".txt", ".log"};
    const char *dot = strrchr(name, '.');
    for (size_t i = 0; dot && i < sizeof ext / sizeof ext[0]; i++)
        if (strcmp(dot, ext[i]) == 0)
            return 1;
    return 0;
}

/* Adds the regular files of dir/sub (sub "" or "figures/"): not hidden,
 * not a temporary of an atomic write, not the binary journal. */
static void scan_dir(kt_reports *r, const char *sub)
{
    char path[800];
    snprintf(path, sizeof path, "%s/%s", r->dir, sub);
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)) && r->n < MAX_FILES) {
        const char *nm = e->d_name;
        if (nm[0] == '.' || strstr(nm, ".tmp") || strcmp(nm, "journal.ktj") == 0)
            continue;
        char full[1000];
        struct stat st;
        snprintf(full, sizeof full, "%s/%s%s", r->dir, sub, nm);
        if (stat(full, &st) != 0 || !S_ISREG(st.st_mode))
            continue;
        rep_file *f = &r->f[r->n];
        if ((size_t)snprintf(f->name, sizeof f->name, "%s%s", sub, nm) >= sizeof f->name)
            continue;
        f->size = (long long)st.st_size;
        f->text = is_text(nm);
        r->n++;
    }
    closedir(d);
}

/* The run directory: the live run's, or the attached status file's. */
static void reports_dir(const kt_ui *ui, char *out, size_t n)
{
    if (ui->attached && ui->opt->status_path) {
        snprintf(out, n, "%s", ui->opt->status_path);
        char *slash = strrchr(out, '/');
        if (slash)
            *slash = '\0';
        else
            snprintf(out, n, ".");
    } else {
        snprintf(out, n, "%s", ui->snap.run_dir);
    }
}

static void rescan(kt_ui *ui)
{
    kt_reports *r = ui->reports;
    char keep[160];
    snprintf(keep, sizeof keep, "%s", r->n ? r->f[r->sel].name : "");
    reports_dir(ui, r->dir, sizeof r->dir);
    r->n = 0;
    if (r->dir[0]) {
        scan_dir(r, "");
        scan_dir(r, "figures/");
    }
    qsort(r->f, (size_t)r->n, sizeof r->f[0], cmp_file);
    r->sel = 0;
    for (int i = 0; i < r->n; i++) /* the same file stays selected */
        if (strcmp(r->f[i].name, keep) == 0)
            r->sel = i;
    r->scanned = ui->now;
}

static void viewer_close(kt_reports *r)
{
    free(r->buf);
    free(r->line);
    r->buf = NULL;
    r->line = NULL;
    r->nlines = 0;
    r->msg[0] = '\0';
}

void kt_reports_free(kt_ui *ui)
{
    if (!ui->reports)
        return;
    viewer_close(ui->reports);
    free(ui->reports);
    ui->reports = NULL;
}

/* ---- the list ------------------------------------------------------ */

static void reports_init(kt_ui *ui)
{
    if (!ui->reports)
        ui->reports = calloc(1, sizeof *ui->reports);
    if (ui->reports)
        rescan(ui);
}

static void reports_draw(kt_ui *ui)
{
    const kt_snapshot *s = &ui->snap;
    const char *dash = kt_crt_glyphs(ui->crt)->dash;
    kt_reports *r = ui->reports;
    if (r && ui->now - r->scanned >= RESCAN_SECS)
        rescan(ui); /* files appear as the run writes them */
    int n = r ? r->n : 0;
    int iy, ix, ih, iw;
    kt_widget_overlay(ui, n + 9 < 12 ? 12 : n + 9, 100, _("Reports"), &iy, &ix, &ih, &iw);
    char buf[1200];
    int y = iy, end = iy + ih;
    snprintf(buf, sizeof buf, _("Run directory: %s"), s->run_dir[0] ? s->run_dir : dash);
    if (ui->attached && r)
        snprintf(buf, sizeof buf, _("Run directory: %s"), r->dir);
    y += kt_widget_wrap(ui, y, ix, iw, end - y, KT_ROLE_NORMAL, buf);
    if (s->report_path[0])
        snprintf(buf, sizeof buf, _("Report: %s"), s->report_path);
    else if (kt_run_active(s))
        snprintf(buf, sizeof buf, "%s", _("Report: written when the run finishes"));
    else
        snprintf(buf, sizeof buf, _("Report: %s"), dash);
    y += kt_widget_wrap(ui, y, ix, iw, end - y, KT_ROLE_VALUE, buf);
    if (ui->opt->status_path) {
        snprintf(buf, sizeof buf, _("Status file: %s"), ui->opt->status_path);
        y += kt_widget_wrap(ui, y, ix, iw, end - y, KT_ROLE_NORMAL, buf);
    } else if (s->run_dir[0]) {
        snprintf(buf, sizeof buf, _("Status file: %s/status.json"), s->run_dir);
        y += kt_widget_wrap(ui, y, ix, iw, end - y, KT_ROLE_NORMAL, buf);
    }
    y++;
    int rows = end - y - 2; /* the list; then a blank line and the keys */
    if (n == 0 && rows > 0) {
        kt_crt_text(ui->crt, y, ix, iw, KT_ROLE_DIM, _("(no files in the run directory yet)"));
    } else if (rows > 0) {
        if (r->sel < r->top)
            r->top = r->sel;
        if (r->sel >= r->top + rows)
            r->top = r->sel - rows + 1;
        for (int i = r->top; i < n && i < r->top + rows; i++) {
            const rep_file *f = &r->f[i];
            int sel = i == r->sel;
            char size[32];
            kt_fmt_bytes(ui, size, sizeof size, (double)f->size);
            if (f->size == 0)
                snprintf(size, sizeof size, "0 B");
            snprintf(buf, sizeof buf, "%s %-40s %10s  %s", sel ? kt_crt_glyphs(ui->crt)->focus : " ",
                     f->name, size, f->text ? "" : _("(open it outside the console)"));
            if (sel)
                kt_crt_fill(ui->crt, y, ix, iw, KT_ROLE_SELECTED, " ");
            kt_crt_text(ui->crt, y, ix, iw,
                        sel ? KT_ROLE_SELECTED : f->text ? KT_ROLE_VALUE : KT_ROLE_DIM, buf);
            y++;
        }
    }
    kt_widget_wrap(ui, end - 1, ix, iw, 1, KT_ROLE_DIM,
                   kt_crt_ascii(ui->crt) ? _("Up/Down: select   Enter: view   any other key: close")
                                         : _("\xe2\x86\x91/\xe2\x86\x93: select   Enter: view   "
                                             "any other key: close"));
}

static int reports_key(kt_ui *ui, int key)
{
    kt_reports *r = ui->reports;
    int n = r ? r->n : 0;
    switch (key) {
    case KT_K_UP:
    case 'k':
        if (n && r->sel > 0)
            r->sel--;
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case KT_K_DOWN:
    case 'j':
        if (n && r->sel + 1 < n)
            r->sel++;
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case KT_K_HOME:
        if (n)
            r->sel = 0;
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case KT_K_END:
        if (n)
            r->sel = n - 1;
        return KT_KEY_HANDLED | KT_KEY_REDRAW;
    case '\r':
    case '\n':
    case KT_K_ENTER:
    case KT_K_RIGHT:
    case 'l':
        return n ? KT_KEY_HANDLED | KT_KEY_VIEW | KT_KEY_REDRAW : KT_KEY_HANDLED;
    default:
        return KT_KEY_HANDLED | KT_KEY_CLOSE | KT_KEY_REDRAW;
    }
}

static void no_resize(kt_ui *ui) { (void)ui; }

const kt_screen kt_screen_reports = {
    .name = "reports", .init = reports_init, .draw = reports_draw, .key = reports_key,
    .resize = no_resize,
};

/* ---- the viewer ---------------------------------------------------- */

/* Reads the selected file (at most VIEW_MAX bytes) and splits its lines. */
static void viewer_init(kt_ui *ui)
{
    kt_reports *r = ui->reports;
    if (!r || r->n == 0)
        return;
    viewer_close(r);
    const rep_file *f = &r->f[r->sel];
    snprintf(r->path, sizeof r->path, "%s/%s", r->dir, f->name);
    r->vtop = r->vleft = 0;
    if (!f->text) {
        snprintf(r->msg, sizeof r->msg,
                 _("%s is not a text file: open it in a browser or an image viewer."), r->path);
        return;
    }
    FILE *fp = fopen(r->path, "rb");
    if (!fp) {
        snprintf(r->msg, sizeof r->msg, _("%s: cannot read: %s"), r->path, strerror(errno));
        return;
    }
    struct stat st;
    size_t want = fstat(fileno(fp), &st) == 0 && st.st_size >= 0 ? (size_t)st.st_size : VIEW_MAX;
    if (want > VIEW_MAX)
        want = VIEW_MAX;
    r->buf = malloc(want + 1);
    size_t len = r->buf ? fread(r->buf, 1, want, fp) : 0;
    /* the file as it was when opened; longer than VIEW_MAX: its start */
    r->truncated = r->buf && want == VIEW_MAX && len == want && fgetc(fp) != EOF;
    fclose(fp);
    if (!r->buf) {
        snprintf(r->msg, sizeof r->msg, "%s", _("out of memory"));
        return;
    }
    r->buf[len] = '\0';
    int cap = 1024;
    r->line = malloc((size_t)cap * sizeof *r->line);
    for (size_t i = 0; r->line && i < len;) {
        if (r->nlines == cap) {
            int *nl = realloc(r->line, (size_t)cap * 2 * sizeof *nl);
            if (!nl)
                break;
            r->line = nl;
            cap *= 2;
        }
        r->line[r->nlines++] = (int)i;
        while (i < len && r->buf[i] != '\n')
            i++;
        if (i > 0 && r->buf[i - 1] == '\r')
            r->buf[i - 1] = '\0';
        if (i < len)
            r->buf[i++] = '\0';
    }
}

/* Skips n characters (UTF-8 code points) of s. */
static const char *skip_chars(const char *s, int n)
{
    while (*s && n > 0) {
        s++;
        while (((unsigned char)*s & 0xC0) == 0x80)
            s++;
        n--;
    }
    return s;
}

static void viewer_draw(kt_ui *ui)
{
    kt_reports *r = ui->reports;
    if (!r)
        return;
    int iy, ix, ih, iw;
    const char *name = strrchr(r->path, '/') ? strrchr(r->path, '/') + 1 : r->path;
    /* the overlay takes the screen but a border: rows - 4 inner lines, the
     * last for the keys */
    r->vrows = kt_crt_rows() - 5 > 1 ? kt_crt_rows() - 5 : 1;
    int shown = r->vtop + r->vrows < r->nlines ? r->vtop + r->vrows : r->nlines;
    char title[1100];
    if (r->msg[0] || r->nlines == 0)
        snprintf(title, sizeof title, "%s", name);
    else
        /* TRANSLATORS: file name, first and last line shown, lines in all */
        snprintf(title, sizeof title, _("%s: lines %d-%d of %d%s"), name, r->vtop + 1, shown,
                 r->nlines, r->truncated ? _(" (cut at 16 MiB)") : "");
    kt_widget_overlay(ui, kt_crt_rows() - 2, kt_crt_cols() - 2, title, &iy, &ix, &ih, &iw);
    if (r->msg[0]) {
        kt_widget_wrap(ui, iy, ix, iw, ih - 1, KT_ROLE_WARN, r->msg);
    } else if (r->nlines == 0) {
        kt_crt_text(ui->crt, iy, ix, iw, KT_ROLE_DIM, _("(empty file)"));
    } else {
        for (int i = 0; i < r->vrows && r->vtop + i < r->nlines; i++)
            kt_crt_text(ui->crt, iy + i, ix, iw, KT_ROLE_NORMAL,
                        skip_chars(r->buf + r->line[r->vtop + i], r->vleft));
    }
    kt_crt_text(ui->crt, iy + ih - 1, ix, iw, KT_ROLE_DIM,
                kt_crt_ascii(ui->crt)
                    ? _("Up/Down PgUp/PgDn Home/End: scroll   Left/Right: sideways   q/Esc: back")
                    : _("\xe2\x86\x91/\xe2\x86\x93 PgUp/PgDn Home/End: scroll   "
                        "\xe2\x86\x90/\xe2\x86\x92: sideways   q/Esc: back"));
}

static int viewer_key(kt_ui *ui, int key)
{
    kt_reports *r = ui->reports;
    if (!r)
        return KT_KEY_HANDLED | KT_KEY_CLOSE | KT_KEY_REDRAW;
    int page = r->vrows > 1 ? r->vrows - 1 : 1;
    int last = r->nlines - r->vrows > 0 ? r->nlines - r->vrows : 0;
    switch (key) {
    case KT_K_UP:
    case 'k':
        r->vtop--;
        break;
    case KT_K_DOWN:
    case 'j':
    case '\r':
        r->vtop++;
        break;
    case KT_K_PGUP:
    case 'b':
        r->vtop -= page;
        break;
    case KT_K_PGDN:
    case ' ':
        r->vtop += page;
        break;
    case KT_K_HOME:
    case 'g':
        r->vtop = 0;
        break;
    case KT_K_END:
    case 'G':
        r->vtop = last;
        break;
    case KT_K_LEFT:
    case 'h':
        r->vleft = r->vleft > 8 ? r->vleft - 8 : 0;
        break;
    case KT_K_RIGHT:
    case 'l':
        r->vleft += 8;
        break;
    case 'q':
    case 'Q':
    case 27:
        viewer_close(r);
        return KT_KEY_HANDLED | KT_KEY_CLOSE | KT_KEY_REDRAW;
    default:
        return KT_KEY_HANDLED;
    }
    if (r->vtop > last)
        r->vtop = last;
    if (r->vtop < 0)
        r->vtop = 0;
    return KT_KEY_HANDLED | KT_KEY_REDRAW;
}

const kt_screen kt_screen_viewer = {
    .name = "viewer", .init = viewer_init, .draw = viewer_draw, .key = viewer_key,
    .resize = no_resize,
};
