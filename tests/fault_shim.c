/* fault_shim.c: an LD_PRELOAD shim that simulates a disk filling up
 * while the report files are written (test-only, Linux/glibc).
 *
 * Streams opened with fopen() on a path containing $KT_FAULT_MATCH
 * (default ".tmp.", the atomic-write temporaries of report.c) are
 * wrapped: their bytes reach the real file until $KT_FAULT_BYTES bytes
 * have been written to all such files together; after that every write
 * fails with ENOSPC, as on a full disk. fileno() on a wrapped stream
 * returns the real descriptor, so fsync() works as usual. Everything
 * else (the journal, stderr) is untouched.
 *
 * Build: $(CC) -shared -fPIC -o tests/fault_shim.so tests/fault_shim.c -ldl */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct wrapped {
    FILE *real;
    FILE *outer;
    struct wrapped *next;
} wrapped;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static wrapped *streams;
static long long budget = -1; /* bytes left; -1: not read yet */

static long long left(void)
{
    if (budget == -1) {
        const char *b = getenv("KT_FAULT_BYTES");
        budget = b ? atoll(b) : 0;
    }
    return budget;
}

static ssize_t w_write(void *cookie, const char *buf, size_t n)
{
    wrapped *w = cookie;
    pthread_mutex_lock(&lock);
    long long room = left();
    size_t k = n;
    if ((long long)k > room)
        k = (size_t)room;
    budget -= (long long)k;
    pthread_mutex_unlock(&lock);
    if (k == 0) {
        errno = ENOSPC;
        return -1;
    }
    int saved = errno;
    size_t done = fwrite(buf, 1, k, w->real);
    if (fflush(w->real) != 0 || done == 0)
        return -1;
    /* A short count ends glibc's flush of a cookie stream at once (it does
     * not retry as it does for a kernel write), so report the full disk
     * with it, as the failing retry of write(2) would. */
    errno = done < n ? ENOSPC : saved;
    return (ssize_t)done;
}

static ssize_t w_read(void *cookie, char *buf, size_t n)
{
    wrapped *w = cookie;
    return (ssize_t)fread(buf, 1, n, w->real);
}

static int w_close(void *cookie)
{
    wrapped *w = cookie;
    int saved = errno; /* keep the error of the failed flush for the caller */
    static int (*real_fclose)(FILE *);
    if (!real_fclose)
        *(void **)&real_fclose = dlsym(RTLD_NEXT, "fclose");
    pthread_mutex_lock(&lock);
    for (wrapped **p = &streams; *p; p = &(*p)->next)
        if (*p == w) {
            *p = w->next;
            break;
        }
    pthread_mutex_unlock(&lock);
    int rc = real_fclose(w->real);
    free(w);
    if (rc == 0)
        errno = saved;
    return rc;
}

static FILE *wrap(FILE *real, const char *mode)
{
    wrapped *w = calloc(1, sizeof *w);
    if (!w)
        return real;
    w->real = real;
    cookie_io_functions_t io = {.read = w_read, .write = w_write, .close = w_close};
    w->outer = fopencookie(w, mode, io);
    if (!w->outer) {
        free(w);
        return real;
    }
    pthread_mutex_lock(&lock);
    w->next = streams;
    streams = w;
    pthread_mutex_unlock(&lock);
    return w->outer;
}

static int matches(const char *path)
{
    const char *m = getenv("KT_FAULT_MATCH");
    return path && strstr(path, m && *m ? m : ".tmp.") != NULL;
}

FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real_fopen)(const char *, const char *);
    if (!real_fopen)
        *(void **)&real_fopen = dlsym(RTLD_NEXT, "fopen");
    FILE *f = real_fopen(path, mode);
    if (f && matches(path) && strchr(mode, 'w'))
        return wrap(f, mode);
    return f;
}

FILE *fopen64(const char *path, const char *mode)
{
    return fopen(path, mode);
}

int fileno(FILE *f)
{
    static int (*real_fileno)(FILE *);
    if (!real_fileno)
        *(void **)&real_fileno = dlsym(RTLD_NEXT, "fileno");
    pthread_mutex_lock(&lock);
    for (wrapped *w = streams; w; w = w->next)
        if (w->outer == f) {
            FILE *r = w->real;
            pthread_mutex_unlock(&lock);
            return real_fileno(r);
        }
    pthread_mutex_unlock(&lock);
    return real_fileno(f);
}
