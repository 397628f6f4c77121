/* fuzz_util.c: scratch directory for the path-based fuzz targets. */
#include "config.h"

#include "fuzz_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char scratch[512];
static char pathbuf[640];

static void cleanup(void)
{
    DIR *d = opendir(scratch);
    if (d) {
        struct dirent *e;
        while ((e = readdir(d)) != NULL) {
            if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
                continue;
            char p[800];
            snprintf(p, sizeof p, "%s/%s", scratch, e->d_name);
            unlink(p);
        }
        closedir(d);
    }
    rmdir(scratch);
}

const char *kt_fuzz_dir(void)
{
    if (scratch[0])
        return scratch;
    const char *base = getenv("TMPDIR");
    if (!base || !*base)
        base = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
    snprintf(scratch, sizeof scratch, "%s/kt-fuzz.XXXXXX", base);
    if (!mkdtemp(scratch)) {
        perror("kt-fuzz: mkdtemp");
        abort();
    }
    atexit(cleanup);
    return scratch;
}

const char *kt_fuzz_write(const char *name, const void *data, size_t len)
{
    snprintf(pathbuf, sizeof pathbuf, "%s/%s", kt_fuzz_dir(), name);
    int fd = open(pathbuf, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        perror(pathbuf);
        abort();
    }
    const char *p = data;
    while (len > 0) {
        ssize_t k = write(fd, p, len);
        if (k <= 0) {
            perror(pathbuf);
            abort();
        }
        p += k;
        len -= (size_t)k;
    }
    close(fd);
    return pathbuf;
}
