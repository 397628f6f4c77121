/* crt.h: the one terminal module. Everything curses goes through here or
 * through the widgets of ui/widget.c (declared in screen.h); no other
 * file includes <curses.h>.
 *
 * Contract
 *  - kt_crt_open() starts curses with newterm() on stdin/stdout; it
 *    returns NULL (terminal untouched, reason in err) when the terminal
 *    type is unknown or cannot address the cursor.
 *  - kt_crt_close() restores the terminal; it is safe to call twice and is
 *    the single cleanup path of the console.
 *  - SIGINT, SIGTERM and SIGHUP are turned into bytes on a self-pipe
 *    (kt_crt_signal_fd()); the handlers never call curses. The previous
 *    handlers are restored by kt_crt_close().
 *  - Colours are semantic roles; without colour (NO_COLOR, --no-color or a
 *    monochrome terminal) each role maps to a plain attribute, and no
 *    role relies on colour alone to carry meaning.
 */
#ifndef KT_CRT_H
#define KT_CRT_H

typedef enum kt_role {
    KT_ROLE_NORMAL = 0,
    KT_ROLE_TITLE,      /* top bar */
    KT_ROLE_BORDER,
    KT_ROLE_FOCUS,      /* border/title of the focused panel */
    KT_ROLE_LABEL,
    KT_ROLE_VALUE,
    KT_ROLE_OK,
    KT_ROLE_WARN,
    KT_ROLE_DANGER,
    KT_ROLE_BAR_DONE,
    KT_ROLE_BAR_TODO,
    KT_ROLE_DIM,
    KT_ROLE_SELECTED,   /* selected row */
    KT_ROLE_KEY,        /* key names in the footer */
    KT_ROLE_COUNT
} kt_role;

/* Glyphs that differ between UTF-8 and ASCII drawing. */
typedef struct kt_glyphs {
    const char *hline, *vline, *tl, *tr, *bl, *br;
    const char *bar_done, *bar_todo;
    const char *spark[8];   /* lowest .. highest */
    const char *check, *cross, *warn, *dash, *ellipsis, *focus, *bullet;
} kt_glyphs;

typedef struct kt_crt kt_crt;

kt_crt *kt_crt_open(int no_color, int ascii, char *err, size_t errlen);
void kt_crt_close(kt_crt *c);

int kt_crt_signal_fd(const kt_crt *c);
/* Reads one pending signal number from the self-pipe, 0 when none. */
int kt_crt_take_signal(kt_crt *c);

const kt_glyphs *kt_crt_glyphs(const kt_crt *c);
int kt_crt_has_color(const kt_crt *c);
int kt_crt_ascii(const kt_crt *c);
/* curses attribute for a role (attr_t, as an unsigned long). */
unsigned long kt_crt_attr(const kt_crt *c, kt_role role);

/* Screen size. */
int kt_crt_rows(void);
int kt_crt_cols(void);

/* Keys, independent of curses: characters are returned as themselves,
 * special keys as these codes. */
enum {
    KT_K_NONE = -1,
    KT_K_F1 = 0x110000,
    KT_K_RESIZE,
    KT_K_UP,
    KT_K_DOWN,
    KT_K_LEFT,
    KT_K_RIGHT,
    KT_K_BTAB,
    KT_K_PGUP,
    KT_K_PGDN,
    KT_K_HOME,
    KT_K_END,
    KT_K_ENTER,     /* the keypad's Enter; the main Enter key is '\r' */
    KT_K_OTHER
};
/* Reads one key without blocking; KT_K_NONE when none is pending. */
int kt_crt_getkey(void);

/* Begin a frame (erase), end it (one doupdate()). clear_all forces a full
 * repaint after a resize. */
void kt_crt_begin(int clear_all);
void kt_crt_end(void);

/* Drawing primitives (0-based row/column, clipped to the screen).
 * Text is UTF-8; widths are measured with wcwidth(), text is never cut
 * mid-character and unprintable characters are shown as '?'.
 * kt_crt_text returns the columns used. */
int kt_crt_text(const kt_crt *c, int y, int x, int maxw, kt_role role, const char *utf8);
/* Display width of UTF-8 text (as kt_crt_text would draw it). */
int kt_crt_width(const char *utf8);
/* Fills w columns with a glyph. */
void kt_crt_fill(const kt_crt *c, int y, int x, int w, kt_role role, const char *glyph);
/* A box with an optional title on its top border. */
void kt_crt_box(const kt_crt *c, int y, int x, int h, int w, kt_role role, const char *title);

#endif /* KT_CRT_H */
