/* overlays.c: the help overlay and the quit confirmation, drawn over the
 * dashboard (the reports overlay is ui/reports.c). */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "base/i18n.h"
#include "screen.h"

static void no_init(kt_ui *ui) { (void)ui; }
static void no_resize(kt_ui *ui) { (void)ui; }

/* ---- help ---------------------------------------------------------- */

static void help_draw(kt_ui *ui)
{
    static const struct { const char *key, *what; } rows[] = {
        {"? / F1 / h", N_("this help (any key closes it)")},
        {"p / Space", N_("pause or resume the run (at the next step)")},
        {"r", N_("the run directory's reports: list and view them")},
        {"Tab / Right", N_("next panel")},
        {"Shift-Tab / Left", N_("previous panel")},
        {"Up / Down / j / k", N_("select a horizon, or scroll the log")},
        {"+ / -", N_("refresh faster / slower")},
        {"q", N_("quit (asks first while the run is active)")},
    };
    int n = (int)(sizeof rows / sizeof rows[0]);
    int iy, ix, ih, iw;
    kt_widget_overlay(ui, n + 8, 72, _("Help"), &iy, &ix, &ih, &iw);
    int kw = 0;
    for (int i = 0; i < n; i++) {
        int w = kt_crt_width(rows[i].key);
        if (w > kw)
            kw = w;
    }
    for (int i = 0; i < n && i < ih; i++) {
        kt_crt_text(ui->crt, iy + i, ix, kw, KT_ROLE_KEY, rows[i].key);
        kt_crt_text(ui->crt, iy + i, ix + kw + 2, iw - kw - 2, KT_ROLE_NORMAL, _(rows[i].what));
    }
    char buf[256];
    snprintf(buf, sizeof buf, _("Refresh every %.1f s. Every function key has a letter."),
             ui->refresh);
    int y = iy + n + 1;
    y += kt_widget_wrap(ui, y, ix, iw, iy + ih - y, KT_ROLE_DIM, buf);
    if (ui->attached)
        kt_widget_wrap(ui, y, ix, iw, iy + ih - y, KT_ROLE_DIM,
                       _("Attached to a run directory: read-only, quitting does not stop the run."));
    else
        kt_widget_wrap(ui, y, ix, iw, iy + ih - y, KT_ROLE_DIM,
                       _("Quitting stops the run; completed dates stay in the journal (--resume)."));
}

static int help_key(kt_ui *ui, int key)
{
    (void)ui;
    (void)key;
    return KT_KEY_HANDLED | KT_KEY_CLOSE | KT_KEY_REDRAW;
}

const kt_screen kt_screen_help = {
    .name = "help", .init = no_init, .draw = help_draw, .key = help_key, .resize = no_resize,
};

/* ---- quit confirmation -------------------------------------------- */

static void confirm_draw(kt_ui *ui)
{
    int iy, ix, ih, iw;
    kt_widget_overlay(ui, 8, 66, _("Stop the run?"), &iy, &ix, &ih, &iw);
    int y = iy;
    y += kt_widget_wrap(ui, y, ix, iw, ih, KT_ROLE_NORMAL,
                        _("The run is still active. Quitting stops it at the next step; completed dates stay in the journal and --resume continues from there."));
    kt_widget_wrap(ui, y + 1, ix, iw, iy + ih - y - 1, KT_ROLE_KEY,
                   _("y: stop and quit    n / Esc: keep running"));
}

static int confirm_key(kt_ui *ui, int key)
{
    (void)ui;
    if (key == 'y' || key == 'Y')
        return KT_KEY_HANDLED | KT_KEY_CLOSE | KT_KEY_QUIT;
    if (key == 'n' || key == 'N' || key == 27 || key == 'q')
        return KT_KEY_HANDLED | KT_KEY_CLOSE | KT_KEY_REDRAW;
    return KT_KEY_HANDLED;
}

const kt_screen kt_screen_confirm = {
    .name = "confirm", .init = no_init, .draw = confirm_draw, .key = confirm_key,
    .resize = no_resize,
};
