/* crt.c: terminal set-up, colour roles, glyphs, drawing primitives and
 * the signal self-pipe (contract in crt.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wchar.h>
#include <wctype.h>

#include <curses.h>
#include <term.h>

#include "base/i18n.h"
#include "crt.h"

/* The one piece of process-wide state: the write end of the self-pipe,
 * which an async signal handler can only reach through a global. It is
 * set while a console is open and only ever written by the handler. */
static volatile sig_atomic_t sig_write_fd = -1;

#define N_SIGS 3
static const int handled_sigs[N_SIGS] = {SIGINT, SIGTERM, SIGHUP};

struct kt_crt {
    SCREEN *screen;
    int color;
    int ascii;
    int pipe[2];
    struct sigaction old[N_SIGS];
    int sigs_installed;
    unsigned long attr[KT_ROLE_COUNT];
    const kt_glyphs *g;
};

static const kt_glyphs glyphs_utf8 = {
    .hline = "\xe2\x94\x80", .vline = "\xe2\x94\x82",
    .tl = "\xe2\x94\x8c", .tr = "\xe2\x94\x90", .bl = "\xe2\x94\x94", .br = "\xe2\x94\x98",
    .bar_done = "\xe2\x96\x88", .bar_todo = "\xe2\x96\x91",
    .spark = {"\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
              "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"},
    .check = "\xe2\x9c\x93", .cross = "\xe2\x9c\x97", .warn = "\xe2\x9a\xa0",
    .dash = "\xe2\x80\x94", .ellipsis = "\xe2\x80\xa6", .focus = "\xe2\x96\xb6",
    .bullet = "\xe2\x80\xa2",
};

static const kt_glyphs glyphs_ascii = {
    .hline = "-", .vline = "|", .tl = "+", .tr = "+", .bl = "+", .br = "+",
    .bar_done = "#", .bar_todo = ".",
    .spark = {"_", ".", ",", "-", "~", "=", "*", "#"},
    .check = "[ok]", .cross = "[X]", .warn = "!", .dash = "-", .ellipsis = "...",
    .focus = ">", .bullet = "*",
};

static void on_signal(int sig)
{
    int saved = errno;
    int fd = sig_write_fd;
    if (fd >= 0) {
        unsigned char b = (unsigned char)sig;
        ssize_t r = write(fd, &b, 1);
        (void)r;
    }
    errno = saved;
}

static int set_flags(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
        return -1;
    fl = fcntl(fd, F_GETFD);
    return (fl < 0 || fcntl(fd, F_SETFD, fl | FD_CLOEXEC) < 0) ? -1 : 0;
}

static void setup_roles(kt_crt *c)
{
    /* monochrome attributes, also the base when colour is on */
    static const unsigned long mono[KT_ROLE_COUNT] = {
        [KT_ROLE_NORMAL] = A_NORMAL,
        [KT_ROLE_TITLE] = A_REVERSE | A_BOLD,
        [KT_ROLE_BORDER] = A_NORMAL,
        [KT_ROLE_FOCUS] = A_BOLD,
        [KT_ROLE_LABEL] = A_NORMAL,
        [KT_ROLE_VALUE] = A_BOLD,
        [KT_ROLE_OK] = A_BOLD,
        [KT_ROLE_WARN] = A_BOLD | A_UNDERLINE,
        [KT_ROLE_DANGER] = A_REVERSE | A_BOLD,
        [KT_ROLE_BAR_DONE] = A_NORMAL,
        [KT_ROLE_BAR_TODO] = A_NORMAL,
        [KT_ROLE_DIM] = A_DIM,
        [KT_ROLE_SELECTED] = A_REVERSE,
        [KT_ROLE_KEY] = A_BOLD,
    };
    for (int r = 0; r < KT_ROLE_COUNT; r++)
        c->attr[r] = mono[r];
    if (!c->color)
        return;
    static const struct { int role; short fg, bg; unsigned long extra; } pal[] = {
        {KT_ROLE_TITLE, COLOR_BLACK, COLOR_CYAN, A_BOLD},
        {KT_ROLE_BORDER, COLOR_BLUE, -1, A_NORMAL},
        {KT_ROLE_FOCUS, COLOR_CYAN, -1, A_BOLD},
        {KT_ROLE_LABEL, COLOR_CYAN, -1, A_NORMAL},
        {KT_ROLE_OK, COLOR_GREEN, -1, A_BOLD},
        {KT_ROLE_WARN, COLOR_YELLOW, -1, A_BOLD},
        {KT_ROLE_DANGER, COLOR_WHITE, COLOR_RED, A_BOLD},
        {KT_ROLE_BAR_DONE, COLOR_GREEN, -1, A_NORMAL},
        {KT_ROLE_BAR_TODO, COLOR_BLUE, -1, A_NORMAL},
        {KT_ROLE_KEY, COLOR_YELLOW, -1, A_BOLD},
    };
    for (size_t i = 0; i < sizeof pal / sizeof pal[0]; i++) {
        short pair = (short)(i + 1);
        if (init_pair(pair, pal[i].fg, pal[i].bg) == ERR)
            continue;
        c->attr[pal[i].role] = COLOR_PAIR(pair) | pal[i].extra;
    }
}

kt_crt *kt_crt_open(int no_color, int ascii, char *err, size_t errlen)
{
    const char *term = getenv("TERM");
    kt_crt *c = calloc(1, sizeof *c);
    if (!c) {
        snprintf(err, errlen, "%s", _("out of memory"));
        return NULL;
    }
    c->pipe[0] = c->pipe[1] = -1;
    if (!term || !*term) {
        snprintf(err, errlen, "%s", _("TERM is not set"));
        free(c);
        return NULL;
    }
    c->screen = newterm(NULL, stdout, stdin);
    if (!c->screen) {
        snprintf(err, errlen, _("unknown terminal type \"%s\""), term);
        free(c);
        return NULL;
    }
    set_term(c->screen);
    const char *cup = tigetstr("cup");
    if (cup == NULL || cup == (char *)-1 || LINES < 1 || COLS < 1) {
        endwin();
        delscreen(c->screen);
        snprintf(err, errlen, _("terminal \"%s\" cannot position the cursor"), term);
        free(c);
        return NULL;
    }
    cbreak();
    noecho();
    nonl();
    intrflush(stdscr, FALSE);
    keypad(stdscr, TRUE);
    nodelay(stdscr, TRUE);
    leaveok(stdscr, TRUE);
    set_escdelay(25);
    mousemask(0, NULL);
    curs_set(0);

    c->ascii = ascii;
    c->g = ascii ? &glyphs_ascii : &glyphs_utf8;
    c->color = !no_color && has_colors();
    if (c->color) {
        start_color();
        use_default_colors();
    }
    setup_roles(c);

    if (pipe(c->pipe) == 0 && set_flags(c->pipe[0]) == 0 && set_flags(c->pipe[1]) == 0) {
        sig_write_fd = c->pipe[1];
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_signal;
        sigemptyset(&sa.sa_mask);
        for (int i = 0; i < N_SIGS; i++)
            sigaction(handled_sigs[i], &sa, &c->old[i]);
        c->sigs_installed = 1;
    }
    return c;
}

void kt_crt_close(kt_crt *c)
{
    if (!c)
        return;
    if (c->screen) {
        curs_set(1);
        endwin();
        fflush(stdout);
        delscreen(c->screen);
        c->screen = NULL;
    }
    if (c->sigs_installed) {
        for (int i = 0; i < N_SIGS; i++)
            sigaction(handled_sigs[i], &c->old[i], NULL);
        c->sigs_installed = 0;
    }
    sig_write_fd = -1;
    if (c->pipe[0] >= 0)
        close(c->pipe[0]);
    if (c->pipe[1] >= 0)
        close(c->pipe[1]);
    free(c);
}

int kt_crt_signal_fd(const kt_crt *c)
{
    return c->pipe[0];
}

int kt_crt_take_signal(kt_crt *c)
{
    unsigned char b;
    if (c->pipe[0] >= 0 && read(c->pipe[0], &b, 1) == 1)
        return b;
    return 0;
}

const kt_glyphs *kt_crt_glyphs(const kt_crt *c) { return c->g; }
int kt_crt_has_color(const kt_crt *c) { return c->color; }
int kt_crt_ascii(const kt_crt *c) { return c->ascii; }
unsigned long kt_crt_attr(const kt_crt *c, kt_role role) { return c->attr[role]; }
int kt_crt_rows(void) { return LINES; }
int kt_crt_cols(void) { return COLS; }

int kt_crt_getkey(void)
{
    wint_t wch;
    int r = get_wch(&wch);
    if (r == ERR)
        return KT_K_NONE;
    if (r == OK)
        return (int)wch;
    switch (wch) {
    case KEY_F(1): return KT_K_F1;
    case KEY_RESIZE: return KT_K_RESIZE;
    case KEY_UP: return KT_K_UP;
    case KEY_DOWN: return KT_K_DOWN;
    case KEY_LEFT: return KT_K_LEFT;
    case KEY_RIGHT: return KT_K_RIGHT;
    case KEY_BTAB: return KT_K_BTAB;
    case KEY_PPAGE: return KT_K_PGUP;
    case KEY_NPAGE: return KT_K_PGDN;
    case KEY_HOME: return KT_K_HOME;
    case KEY_END: return KT_K_END;
    case KEY_ENTER: return KT_K_ENTER;
    default: return KT_K_OTHER;
    }
}

void kt_crt_begin(int clear_all)
{
    if (clear_all)
        clearok(curscr, TRUE);
    erase();
}

void kt_crt_end(void)
{
    wnoutrefresh(stdscr);
    doupdate();
}

/* Decodes the next character of s (length n) into *wc with its display
 * width; bytes that do not decode, and unprintable characters, become
 * '?'. Returns the bytes consumed (>= 1). */
static size_t next_char(const char *s, size_t n, mbstate_t *st, wchar_t *wc, int *w)
{
    size_t k = mbrtowc(wc, s, n, st);
    if (k == (size_t)-1 || k == (size_t)-2 || k == 0) {
        memset(st, 0, sizeof *st);
        *wc = L'?';
        *w = 1;
        return 1;
    }
    int cw = wcwidth(*wc);
    if (*wc == L'\t')
        *wc = L' ', cw = 1;
    if (cw < 0 || !iswprint(*wc)) {
        *wc = L'?';
        cw = 1;
    }
    *w = cw;
    return k;
}

int kt_crt_width(const char *utf8)
{
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = strlen(utf8);
    int total = 0;
    while (n > 0) {
        wchar_t wc;
        int w;
        size_t k = next_char(utf8, n, &st, &wc, &w);
        utf8 += k;
        n -= k;
        total += w;
    }
    return total;
}

/* Wide characters and overdrawing. ncurses (6.4) keeps both cells of a
 * wide character; writing a narrow one over either half leaves the other
 * half behind as an orphan, and doupdate then sends the orphan to the
 * terminal, which keeps its own picture of the line: the two disagree
 * from there on and later updates land one column off (seen in tmux as
 * an overlay border shifted left and stray border pieces to its right).
 * Every write therefore first blanks the rest of any wide character it
 * cuts at either end, so the screen never holds half a character. */

/* Display width of the cell at (y, x) in stdscr: 2 for a wide
 * character's first cell (ncurses stores the character in both). */
static int cell_width(int y, int x)
{
    cchar_t cc;
    wchar_t wc[CCHARW_MAX + 1];
    attr_t a;
    short pair;
    if (mvin_wch(y, x, &cc) == ERR || getcchar(&cc, wc, &a, &pair, NULL) == ERR)
        return 1;
    return wcwidth(wc[0]) == 2 && x + 1 < COLS ? 2 : 1;
}

/* The column where the character covering (y, x) starts. */
static int glyph_start(int y, int x)
{
    int c = 0;
    for (;;) {
        int next = c + cell_width(y, c);
        if (x < next)
            return c;
        c = next;
    }
}

/* Replaces the cell at (y, x) by a space with the same attributes. */
static void blank_cell(int y, int x)
{
    cchar_t cc, sp;
    wchar_t wc[CCHARW_MAX + 1];
    attr_t a = A_NORMAL;
    short pair = 0;
    if (mvin_wch(y, x, &cc) != ERR)
        getcchar(&cc, wc, &a, &pair, NULL);
    setcchar(&sp, L" ", a, pair, NULL);
    mvadd_wch(y, x, &sp);
}

int kt_crt_text(const kt_crt *c, int y, int x, int maxw, kt_role role, const char *utf8)
{
    if (y < 0 || y >= LINES || x < 0 || x >= COLS || maxw <= 0 || !utf8)
        return 0;
    if (maxw > COLS - x)
        maxw = COLS - x;
    wchar_t buf[512];
    int nb = 0, used = 0;
    mbstate_t st;
    memset(&st, 0, sizeof st);
    size_t n = strlen(utf8);
    while (n > 0 && nb < (int)(sizeof buf / sizeof buf[0]) - 1) {
        wchar_t wc;
        int w;
        size_t k = next_char(utf8, n, &st, &wc, &w);
        if (w == 0 && nb == 0) { /* a lone combining mark */
            wc = L'?';
            w = 1;
        }
        if (used + w > maxw)
            break;
        buf[nb++] = wc;
        used += w;
        utf8 += k;
        n -= k;
    }
    if (nb == 0)
        return 0;
    int first = glyph_start(y, x), last = glyph_start(y, x + used - 1);
    int cut_right = x + used < COLS && last == x + used - 1 && cell_width(y, last) == 2;
    if (first < x)
        blank_cell(y, first);
    if (cut_right)
        blank_cell(y, x + used);
    attrset((attr_t)c->attr[role]);
    mvaddnwstr(y, x, buf, nb);
    attrset(A_NORMAL);
    return used;
}

void kt_crt_fill(const kt_crt *c, int y, int x, int w, kt_role role, const char *glyph)
{
    char buf[2048];
    size_t gl = strlen(glyph), len = 0;
    int gw = kt_crt_width(glyph);
    if (gw < 1)
        return;
    for (int i = 0; i + gw <= w && len + gl < sizeof buf; i += gw) {
        memcpy(buf + len, glyph, gl);
        len += gl;
    }
    buf[len] = '\0';
    kt_crt_text(c, y, x, w, role, buf);
}

void kt_crt_box(const kt_crt *c, int y, int x, int h, int w, kt_role role, const char *title)
{
    if (h < 2 || w < 2)
        return;
    const kt_glyphs *g = c->g;
    kt_crt_text(c, y, x, 1, role, g->tl);
    kt_crt_fill(c, y, x + 1, w - 2, role, g->hline);
    kt_crt_text(c, y, x + w - 1, 1, role, g->tr);
    for (int i = 1; i < h - 1; i++) {
        kt_crt_text(c, y + i, x, 1, role, g->vline);
        kt_crt_text(c, y + i, x + w - 1, 1, role, g->vline);
    }
    kt_crt_text(c, y + h - 1, x, 1, role, g->bl);
    kt_crt_fill(c, y + h - 1, x + 1, w - 2, role, g->hline);
    kt_crt_text(c, y + h - 1, x + w - 1, 1, role, g->br);
    if (title && *title && w > 6) {
        int used = kt_crt_text(c, y, x + 2, 1, role, " ");
        used += kt_crt_text(c, y, x + 2 + used, w - 6, role, title);
        kt_crt_text(c, y, x + 2 + used, 1, role, " ");
    }
}
