/* pty_driver.c: test/benchmark helper that runs a console program (the real
 * kronos-tui) on a pseudo-terminal it owns, so that it can resize the
 * terminal and time the program's answers without starting a process per
 * step (a tmux client costs 50-150 ms to start on a loaded 2-core machine,
 * too slow for 50 resizes a second or for millisecond timings).
 *
 *   pty_driver storm [--seconds S] [--rate R] [--wait-file F --wait-text T]
 *                    -- PROGRAM ARGS...
 *     Waits until the console shows a run being scored, resizes the terminal
 *     R times a second for S seconds (sizes from 200x60 down to 20x5, many
 *     below the console's 80x24 minimum), checking after every step that the
 *     program is alive; then sets 120x40 and waits for a complete redraw.
 *     With --wait-file, waits until file F contains text T (the run
 *     finished), then presses q. Prints what happened; exits 0 when the
 *     program survived, redrew, exited on its own and left the terminal
 *     restored (canonical mode, echo, normal screen), 1 otherwise. The
 *     program's exit status is printed as "exit status N".
 *
 *   pty_driver latency [--trials N] [--nice K] -- PROGRAM ARGS...
 *     Benchmark (not a test): once the run is scoring, renices every thread
 *     but the main (UI) one to K (default 19, 0 = leave alone), then N times
 *     presses ? and times the help overlay's arrival on the terminal, and N
 *     times resizes the terminal and times the console's full redraw. Prints
 *     min / median / max in ms.
 *
 * The program sees TERM and the locale from the environment. */
#define _GNU_SOURCE
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <dirent.h>
#include <unistd.h>

typedef struct drv {
    int master;
    pid_t pid;
    int exited, status;
    char *buf; /* everything the program wrote */
    size_t len, cap;
} drv;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void set_size(drv *d, int cols, int rows)
{
    struct winsize ws = {.ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols};
    /* on the master: the kernel sends SIGWINCH to the foreground group */
    ioctl(d->master, TIOCSWINSZ, &ws);
}

static int spawn(drv *d, char **argv)
{
    d->master = posix_openpt(O_RDWR | O_NOCTTY);
    if (d->master < 0 || grantpt(d->master) != 0 || unlockpt(d->master) != 0)
        return -1;
    const char *name = ptsname(d->master);
    if (!name)
        return -1;
    char slave_name[256];
    snprintf(slave_name, sizeof slave_name, "%s", name);
    set_size(d, 120, 40);
    d->pid = fork();
    if (d->pid < 0)
        return -1;
    if (d->pid == 0) {
        setsid();
        int s = open(slave_name, O_RDWR);
        if (s < 0)
            _exit(127);
        ioctl(s, TIOCSCTTY, 0);
        dup2(s, 0);
        dup2(s, 1);
        dup2(s, 2);
        if (s > 2)
            close(s);
        close(d->master);
        execvp(argv[0], argv);
        _exit(127);
    }
    fcntl(d->master, F_SETFL, fcntl(d->master, F_GETFL) | O_NONBLOCK);
    return 0;
}

/* Reads whatever the program wrote, waiting at most `secs`. */
static void pump(drv *d, double secs)
{
    struct pollfd p = {d->master, POLLIN, 0};
    int ms = secs <= 0 ? 0 : (int)(secs * 1000 + 0.5);
    if (poll(&p, 1, ms) > 0 && (p.revents & (POLLIN | POLLHUP))) {
        for (;;) {
            if (d->cap - d->len < 65536) {
                size_t nc = d->cap ? d->cap * 2 : 1 << 20;
                char *nb = realloc(d->buf, nc + 1);
                if (!nb) {
                    fprintf(stderr, "pty_driver: out of memory\n");
                    exit(2);
                }
                d->buf = nb;
                d->cap = nc;
            }
            ssize_t r = read(d->master, d->buf + d->len, d->cap - d->len);
            if (r <= 0)
                break;
            d->len += (size_t)r;
        }
        d->buf[d->len] = '\0';
    }
    if (!d->exited && waitpid(d->pid, &d->status, WNOHANG) == d->pid)
        d->exited = 1;
}

/* Pumps for `secs` seconds. */
static void pump_for(drv *d, double secs)
{
    double end = now() + secs;
    while (now() < end)
        pump(d, end - now());
}

static const char *find(const drv *d, size_t from, const char *text)
{
    if (!d->buf || from >= d->len)
        return NULL;
    return memmem(d->buf + from, d->len - from, text, strlen(text));
}

/* Waits until `text` arrives after offset `from`; returns the time it was
 * seen, or -1 after `timeout` seconds (or when the program exited). */
static double wait_text(drv *d, size_t from, const char *text, double timeout)
{
    double end = now() + timeout;
    for (;;) {
        if (find(d, from, text))
            return now();
        if (d->exited || now() > end)
            return -1;
        pump(d, 0.05);
    }
}

/* The full-screen clear curses sends after a resize (xterm: \E[H\E[2J,
 * screen/tmux: \E[H\E[J). */
static double wait_clear(drv *d, size_t from, double timeout)
{
    double end = now() + timeout;
    for (;;) {
        if (find(d, from, "\033[H\033[2J") || find(d, from, "\033[H\033[J"))
            return now();
        if (d->exited || now() > end)
            return -1;
        pump(d, 0.05);
    }
}

static const char *exit_desc(int status, char *b, size_t n)
{
    if (WIFEXITED(status))
        snprintf(b, n, "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        snprintf(b, n, "killed by signal %d", WTERMSIG(status));
    else
        snprintf(b, n, "status 0x%x", status);
    return b;
}

static void kill_child(drv *d)
{
    if (!d->exited) {
        kill(d->pid, SIGKILL);
        waitpid(d->pid, &d->status, 0);
        d->exited = 1;
    }
}

static int file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char *b = malloc(1 << 22);
    size_t n = b ? fread(b, 1, (1 << 22) - 1, f) : 0;
    fclose(f);
    int hit = 0;
    if (b) {
        b[n] = '\0';
        hit = memmem(b, n, text, strlen(text)) != NULL;
        free(b);
    }
    return hit;
}

/* The program is up and a run is being scored. */
static int wait_scoring(drv *d)
{
    if (wait_text(d, 0, "CPU verified", 180) < 0 || wait_text(d, 0, " dates", 180) < 0) {
        fprintf(stderr, "pty_driver: the console never showed a run being scored\n");
        return -1;
    }
    return 0;
}

static int storm(drv *d, double seconds, double rate, const char *wait_file,
                 const char *wait_txt)
{
    static const int sizes[][2] = {{80, 24},  {60, 15},  {120, 40}, {40, 10}, {100, 30},
                                   {79, 23},  {20, 5},   {200, 60}, {81, 25}, {80, 23},
                                   {132, 50}, {30, 100}, {90, 24},  {1, 1},   {150, 45}};
    enum { NS = sizeof sizes / sizeof sizes[0] };
    char b[64];
    if (wait_scoring(d) != 0)
        return 1;
    int steps = (int)(seconds * rate + 0.5);
    double t0 = now();
    for (int i = 0; i < steps; i++) {
        set_size(d, sizes[i % NS][0], sizes[i % NS][1]);
        double due = t0 + (i + 1) / rate;
        do
            pump(d, due - now());
        while (now() < due);
        if (d->exited) {
            fprintf(stderr,
                    "pty_driver: the program ended during the storm after %d resizes (%s)\n", i + 1,
                    exit_desc(d->status, b, sizeof b));
            return 1;
        }
    }
    double took = now() - t0;
    printf("storm: %d resizes in %.1f s (%.1f/s); the program was alive after every one\n", steps,
           took, steps / took);
    if (wait_file)
        printf("%s\n", file_has(wait_file, wait_txt)
                           ? "the run had finished when the storm ended"
                           : "the run was still going when the storm ended");
    size_t off = d->len;
    set_size(d, 120, 40);
    if (wait_clear(d, off, 180) < 0 || wait_text(d, off, "CPU verified", 180) < 0) {
        fprintf(stderr, "pty_driver: no complete redraw at 120x40 after the storm\n");
        kill_child(d);
        return 1;
    }
    printf("redrawn at 120x40 after the storm\n");
    if (wait_file) {
        double end = now() + 600;
        while (!file_has(wait_file, wait_txt)) {
            if (d->exited || now() > end) {
                fprintf(stderr, "pty_driver: %s never contained %s\n", wait_file, wait_txt);
                kill_child(d);
                return 1;
            }
            pump(d, 0.1);
        }
        pump_for(d, 0.5);
        if (write(d->master, "q", 1) != 1)
            fprintf(stderr, "pty_driver: cannot press q\n");
    }
    double end = now() + 180;
    while (!d->exited && now() < end)
        pump(d, 0.1);
    if (!d->exited) {
        fprintf(stderr, "pty_driver: the program did not exit\n");
        kill_child(d);
        return 1;
    }
    pump(d, 0);
    printf("%s\n", exit_desc(d->status, b, sizeof b));
    int ok = 1;
    struct termios tio;
    if (tcgetattr(d->master, &tio) == 0) {
        if (!(tio.c_lflag & ICANON)) {
            fprintf(stderr, "pty_driver: terminal left without canonical mode\n");
            ok = 0;
        }
        if (!(tio.c_lflag & ECHO)) {
            fprintf(stderr, "pty_driver: terminal left without echo\n");
            ok = 0;
        }
    }
    /* the alternate screen was left after it was last entered */
    const char *on = NULL, *off_s = NULL;
    for (const char *p = d->buf; p && (p = memmem(p, d->len - (size_t)(p - d->buf),
                                                  "\033[?1049h", 8)) != NULL;
         p++)
        on = p;
    for (const char *p = d->buf; p && (p = memmem(p, d->len - (size_t)(p - d->buf),
                                                  "\033[?1049l", 8)) != NULL;
         p++)
        off_s = p;
    if (on && (!off_s || off_s < on)) {
        fprintf(stderr, "pty_driver: the alternate screen was not left\n");
        ok = 0;
    }
    if (ok)
        printf("terminal restored (canonical mode, echo, normal screen)\n");
    return ok ? 0 : 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *name, double *v, int n)
{
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double med = n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
    int over = 0;
    for (int i = 0; i < n; i++)
        over += v[i] > 100;
    printf("%-24s n=%d  min %.1f ms  median %.1f ms  max %.1f ms  (over 100 ms: %d)\n", name, n,
           v[0], med, v[n - 1], over);
}

static int latency(drv *d, int trials, int nice_level)
{
    if (wait_scoring(d) != 0)
        return 1;
    pump_for(d, 2);
    if (nice_level) {
        char path[64];
        snprintf(path, sizeof path, "/proc/%d/task", (int)d->pid);
        DIR *dir = opendir(path);
        struct dirent *e;
        while (dir && (e = readdir(dir)) != NULL) {
            int tid = atoi(e->d_name);
            if (tid > 0 && tid != d->pid)
                setpriority(PRIO_PROCESS, (id_t)tid, nice_level);
        }
        if (dir)
            closedir(dir);
    }
    double *key = calloc((size_t)trials, sizeof *key), *rsz = calloc((size_t)trials, sizeof *rsz);
    if (!key || !rsz)
        return 2;
    srand(1);
    for (int i = 0; i < trials; i++) {
        pump_for(d, (rand() % 700) / 1000.0); /* anywhere within a date */
        size_t off = d->len;
        double t0 = now();
        if (write(d->master, "?", 1) != 1)
            return 1;
        double t1 = wait_text(d, off, "pause or resume the run", 10);
        if (t1 < 0) {
            fprintf(stderr, "pty_driver: the help overlay did not show\n");
            return 1;
        }
        key[i] = (t1 - t0) * 1000;
        pump_for(d, 0.2);
        if (write(d->master, "\033", 1) != 1)
            return 1;
        pump_for(d, 0.3);
    }
    for (int i = 0; i < trials; i++) {
        pump_for(d, (rand() % 700) / 1000.0);
        size_t off = d->len;
        double t0 = now();
        set_size(d, i % 2 ? 120 : 100, i % 2 ? 40 : 30);
        double t1 = wait_clear(d, off, 10);
        if (t1 < 0) {
            fprintf(stderr, "pty_driver: no redraw after a resize\n");
            return 1;
        }
        rsz[i] = (t1 - t0) * 1000;
    }
    double la[3];
    getloadavg(la, 3);
    printf("console latency while a date is scored (load average %.2f, worker threads at nice "
           "%d):\n",
           la[0], nice_level);
    report("key ? -> help drawn", key, trials);
    report("resize -> redrawn", rsz, trials);
    if (d->exited)
        printf("note: the run ended during the measurement\n");
    free(key);
    free(rsz);
    kill(d->pid, SIGTERM);
    pump_for(d, 1);
    kill_child(d);
    return 0;
}

static void usage(void)
{
    fprintf(stderr, "usage: pty_driver storm [--seconds S] [--rate R] [--wait-file F --wait-text T]"
                    " -- PROGRAM ARGS...\n"
                    "       pty_driver latency [--trials N] [--nice K] -- PROGRAM ARGS...\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3)
        usage();
    const char *mode = argv[1];
    double seconds = 10, rate = 50;
    int trials = 20, nice_level = 19;
    const char *wait_file = NULL, *wait_txt = NULL;
    int i = 2;
    for (; i < argc && strcmp(argv[i], "--") != 0; i++) {
        if (i + 1 >= argc)
            usage();
        if (strcmp(argv[i], "--seconds") == 0)
            seconds = atof(argv[++i]);
        else if (strcmp(argv[i], "--rate") == 0)
            rate = atof(argv[++i]);
        else if (strcmp(argv[i], "--wait-file") == 0)
            wait_file = argv[++i];
        else if (strcmp(argv[i], "--wait-text") == 0)
            wait_txt = argv[++i];
        else if (strcmp(argv[i], "--trials") == 0)
            trials = atoi(argv[++i]);
        else if (strcmp(argv[i], "--nice") == 0)
            nice_level = atoi(argv[++i]);
        else
            usage();
    }
    if (i + 1 >= argc || seconds <= 0 || rate <= 0 || trials < 1 || (wait_file && !wait_txt))
        usage();
    signal(SIGPIPE, SIG_IGN);
    drv d = {0};
    if (spawn(&d, argv + i + 1) != 0) {
        perror("pty_driver: pseudo-terminal");
        return 2;
    }
    int rc;
    if (strcmp(mode, "storm") == 0)
        rc = storm(&d, seconds, rate, wait_file, wait_txt);
    else if (strcmp(mode, "latency") == 0)
        rc = latency(&d, trials, nice_level);
    else
        usage(), rc = 2;
    kill_child(&d);
    free(d.buf);
    return rc;
}
