/* hub.c: see hub.h. One resolution path for every entry point: the cache
 * first (no network when it holds the snapshot), then the Hub with libcurl:
 * a HEAD on /ID/resolve/REV/FILE for the commit (X-Repo-Commit), the blob
 * name (X-Linked-Etag for LFS files, else ETag) and the size
 * (X-Linked-Size, else Content-Length); then a GET into
 * blobs/ETAG.incomplete, continued with a Range request after a dropped
 * connection, verified, renamed into place, linked from the snapshot, and
 * the ref written last. */
#include "config.h"

#include "model/hub.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/exitcodes.h"
#include "base/i18n.h"

const char *const kt_hub_files[KT_HUB_NFILES] = {"config.json", "model.safetensors"};

#define HUB_ATTEMPTS 3 /* GETs of one file before giving up (each resumes) */

/* ---- names and places -------------------------------------------------- */

void kt_hub_cache_root(char *buf, size_t n)
{
    const char *c = getenv("HF_HUB_CACHE"), *h = getenv("HF_HOME"), *home = getenv("HOME");
    const char *xdg = getenv("XDG_CACHE_HOME");
    if (c && *c)
        snprintf(buf, n, "%s", c);
    else if (h && *h)
        snprintf(buf, n, "%s/hub", h);
    else if (xdg && *xdg)
        snprintf(buf, n, "%s/huggingface/hub", xdg);
    else
        snprintf(buf, n, "%s/.cache/huggingface/hub", home && *home ? home : ".");
}

int kt_hub_looks_like_id(const char *spec)
{
    const char *slash = strchr(spec, '/');
    return slash && !strchr(slash + 1, '/') && spec[0] != '.' && spec[0] != '/' && spec[0] != '~';
}

/* One part of an id: [A-Za-z0-9_.-]{1,96}, not starting or ending with
 * '-' or '.', without "--" or "..". */
static int valid_part(const char *p, size_t len)
{
    if (len < 1 || len > 96 || p[0] == '-' || p[0] == '.' || p[len - 1] == '-' ||
        p[len - 1] == '.')
        return 0;
    for (size_t i = 0; i < len; i++) {
        if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_' && p[i] != '.')
            return 0;
        if (i && (p[i] == '-' || p[i] == '.') && p[i - 1] == p[i])
            return 0;
    }
    return 1;
}

int kt_hub_valid_id(const char *id, char *why, size_t n)
{
    const char *slash = strchr(id, '/');
    if (!slash || strchr(slash + 1, '/') || !valid_part(id, (size_t)(slash - id)) ||
        !valid_part(slash + 1, strlen(slash + 1))) {
        snprintf(why, n, "%s",
                 _("a repo id is ORG/NAME, each part 1 to 96 letters, digits, '-', '_' or '.', "
                   "not starting or ending with '-' or '.', without \"--\" or \"..\""));
        return 0;
    }
    return 1;
}

static int valid_revision(const char *rev)
{
    if (!rev[0] || rev[0] == '/' || strstr(rev, "..") || strlen(rev) > 200)
        return 0;
    for (const char *p = rev; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '\\' || *p == '%' || *p == '?' || *p == '#')
            return 0;
    return 1;
}

static int is_commit_hash(const char *s)
{
    size_t n = strlen(s);
    if (n != 40)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
            return 0;
    return 1;
}

static int is_sha256_hex(const char *s)
{
    if (strlen(s) != 64)
        return 0;
    for (const char *p = s; *p; p++)
        if (!isxdigit((unsigned char)*p))
            return 0;
    return 1;
}

static int env_true(const char *name)
{
    const char *v = getenv(name);
    return v && (strcmp(v, "1") == 0 || !strcasecmp(v, "on") || !strcasecmp(v, "yes") ||
                 !strcasecmp(v, "true"));
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

/* mkdir -p of path (all of it). 0 ok, -1 (errno). */
static int mkdirs(const char *path)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = buf + 1;; p++) {
        if (*p == '/' || *p == '\0') {
            char c = *p;
            *p = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return -1;
            *p = c;
            if (!c)
                return 0;
        }
    }
}

/* mkdir -p of path's parent. */
static int mkparent(const char *path)
{
    char buf[PATH_MAX + 64];
    snprintf(buf, sizeof buf, "%s", path);
    char *s = strrchr(buf, '/');
    if (!s || s == buf)
        return 0;
    *s = '\0';
    return mkdirs(buf);
}

/* ---- sha256 ------------------------------------------------------------ */

int kt_hub_sha256_file(const char *path, char *out, size_t n, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, _("%s: cannot open: %s"), path, strerror(errno));
        return -1;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char *buf = malloc(1 << 16), md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    int ok = ctx && buf && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) == 1;
    size_t k;
    while (ok && (k = fread(buf, 1, 1 << 16, f)) > 0)
        ok = EVP_DigestUpdate(ctx, buf, k) == 1;
    ok = ok && !ferror(f) && EVP_DigestFinal_ex(ctx, md, &mdlen) == 1;
    free(buf);
    EVP_MD_CTX_free(ctx);
    fclose(f);
    if (!ok || n < 8 + 2 * (size_t)mdlen) {
        snprintf(err, errlen, _("%s: cannot read"), path);
        return -1;
    }
    int len = snprintf(out, n, "sha256:");
    for (unsigned i = 0; i < mdlen; i++)
        len += snprintf(out + len, n - (size_t)len, "%02x", md[i]);
    return 0;
}

/* ---- HTTP -------------------------------------------------------------- */

typedef struct hub_ctx {
    const char *id, *rev;
    char repo_dir[3072];      /* ROOT/models--ORG--NAME */
    char lock_dir[3072];      /* ROOT/.locks/models--ORG--NAME */
    char endpoint[1024];
    char auth[4200];          /* "Authorization: Bearer ..." or "" (never printed) */
    const kt_hub_progress *prog; /* NULL: progress lines on stderr */
} hub_ctx;

typedef struct head_meta {
    long status;
    char commit[64], etag[160], location[2048];
    int linked;               /* X-Linked-Etag seen: an LFS file, etag = sha256 */
    long long size;
} head_meta;

static void trim_value(char *v)
{
    size_t n = strlen(v);
    while (n && (v[n - 1] == '\r' || v[n - 1] == '\n' || v[n - 1] == ' '))
        v[--n] = '\0';
}

/* header_fn: Name: value lines into head_meta (later responses of a
 * redirect chain overwrite earlier ones, except the first commit/etag). */
static size_t on_header(char *line, size_t sz, size_t nit, void *user)
{
    head_meta *m = user;
    size_t len = sz * nit;
    char buf[2200];
    if (len >= sizeof buf)
        return len;
    memcpy(buf, line, len);
    buf[len] = '\0';
    trim_value(buf);
    char *colon = strchr(buf, ':');
    if (!colon)
        return len;
    *colon = '\0';
    char *v = colon + 1;
    while (*v == ' ')
        v++;
    if (!strcasecmp(buf, "X-Repo-Commit") && !m->commit[0])
        snprintf(m->commit, sizeof m->commit, "%s", v);
    else if (!strcasecmp(buf, "X-Linked-Etag") || (!strcasecmp(buf, "ETag") && !m->linked &&
                                                    !m->etag[0])) {
        if (!strncmp(v, "W/", 2))
            v += 2;
        if (*v == '"')
            v++;
        size_t k = strlen(v);
        if (k && v[k - 1] == '"')
            v[k - 1] = '\0';
        snprintf(m->etag, sizeof m->etag, "%s", v);
        if (!strcasecmp(buf, "X-Linked-Etag"))
            m->linked = 1;
    } else if (!strcasecmp(buf, "X-Linked-Size") || (!strcasecmp(buf, "Content-Length") &&
                                                     m->size < 0))
        m->size = atoll(v);
    else if (!strcasecmp(buf, "Location"))
        snprintf(m->location, sizeof m->location, "%s", v);
    return len;
}

static CURL *new_handle(const hub_ctx *h, struct curl_slist **hdrs)
{
    CURL *c = curl_easy_init();
    if (!c)
        return NULL;
    *hdrs = curl_slist_append(NULL, "Accept-Encoding: identity");
    if (h->auth[0])
        *hdrs = curl_slist_append(*hdrs, h->auth);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, *hdrs);
    curl_easy_setopt(c, CURLOPT_USERAGENT, PACKAGE "/" PACKAGE_VERSION);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    /* a stalled transfer (under 1 byte/s for a minute) is a dropped one */
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    return c;
}

static void file_url(const hub_ctx *h, const char *rev, const char *file, char *url, size_t n)
{
    char *erev = curl_easy_escape(NULL, rev, 0);
    snprintf(url, n, "%s/%s/resolve/%s/%s", h->endpoint, h->id, erev ? erev : rev, file);
    curl_free(erev);
}

/* An HTTP status or a transfer failure as one line (and an exit code). */
static int http_error(const hub_ctx *h, const char *url, long status, CURLcode rc,
                      const char *cerr, char *err, size_t errlen)
{
    if (rc != CURLE_OK) {
        snprintf(err, errlen,
                 _("%s: cannot reach %s: %s; check the network (or HF_ENDPOINT), or use a cached "
                   "copy with HF_HUB_OFFLINE=1"),
                 h->id, url, cerr[0] ? cerr : curl_easy_strerror(rc));
        return KT_EXIT_HUB;
    }
    if (status == 401 || status == 403)
        snprintf(err, errlen,
                 _("%s: access denied (HTTP %ld) at %s: the repo is private, gated or does not "
                   "exist; check the id, or set HF_TOKEN to a token that may read it"),
                 h->id, status, url);
    else if (status == 404)
        snprintf(err, errlen,
                 _("%s: not found (HTTP 404) at %s: check the repo id, --revision %s and that "
                   "the repo holds the file"),
                 h->id, url, h->rev);
    else
        snprintf(err, errlen, _("%s: the Hub answered HTTP %ld at %s; try again later"), h->id,
                 status, url);
    return KT_EXIT_HUB;
}

/* HEAD of one file at rev, following relative (same-host) redirects only:
 * an LFS file answers with a redirect to its CDN, whose headers are
 * already the ones needed. */
static int head_file(const hub_ctx *h, const char *rev, const char *file, head_meta *m,
                     char *url, size_t urln, char *err, size_t errlen)
{
    file_url(h, rev, file, url, urln);
    char cur[4096];
    snprintf(cur, sizeof cur, "%s", url);
    for (int hop = 0; hop < 5; hop++) {
        struct curl_slist *hdrs = NULL;
        CURL *c = new_handle(h, &hdrs);
        char cerr[CURL_ERROR_SIZE] = "";
        memset(m, 0, sizeof *m);
        m->size = -1;
        if (!c) {
            snprintf(err, errlen, _("out of memory"));
            return KT_EXIT_FAILURE;
        }
        curl_easy_setopt(c, CURLOPT_URL, cur);
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
        curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, m);
        curl_easy_setopt(c, CURLOPT_ERRORBUFFER, cerr);
        curl_easy_setopt(c, CURLOPT_TIMEOUT, 120L);
        CURLcode rc = curl_easy_perform(c);
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &m->status);
        curl_easy_cleanup(c);
        curl_slist_free_all(hdrs);
        if (rc != CURLE_OK || m->status >= 400 || m->status < 200)
            return http_error(h, cur, m->status, rc, cerr, err, errlen);
        if (m->status >= 300 && !m->commit[0] && m->location[0] == '/') {
            /* a renamed repo or a revision alias: same host, new path */
            const char *p = strstr(h->endpoint, "://");
            const char *host_end = p ? strchr(p + 3, '/') : NULL;
            int hostlen = host_end ? (int)(host_end - h->endpoint) : (int)strlen(h->endpoint);
            snprintf(cur, sizeof cur, "%.*s%s", hostlen, h->endpoint, m->location);
            continue;
        }
        if (!m->commit[0] || !m->etag[0] || m->size < 0) {
            snprintf(err, errlen,
                     _("%s: %s did not send the Hub's X-Repo-Commit, ETag and size headers: is "
                       "HF_ENDPOINT a Hugging Face Hub?"),
                     h->id, url);
            return KT_EXIT_HUB;
        }
        if (strchr(m->etag, '/') || strstr(m->etag, "..") || !is_commit_hash(m->commit)) {
            snprintf(err, errlen, _("%s: %s sent a malformed ETag or commit"), h->id, url);
            return KT_EXIT_HUB;
        }
        return KT_EXIT_OK;
    }
    snprintf(err, errlen, _("%s: too many redirects at %s"), h->id, url);
    return KT_EXIT_HUB;
}

/* ---- download ---------------------------------------------------------- */

typedef struct get_state {
    FILE *f;
    CURL *c;
    long long have;       /* bytes in the file */
    long long total;      /* expected size */
    int restarted;        /* a 200 answered a Range: the file was truncated */
    int http_bad;         /* status >= 400: nothing written */
    int write_errno;      /* fwrite failed (ENOSPC...) */
    const char *label;    /* "ID FILE" */
    double last;          /* time of the last progress output */
    int tty;
    const hub_ctx *h;
    const char *file;
    int stopped;          /* the progress callback asked to stop */
} get_state;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void progress_line(get_state *g, int final)
{
    if (g->h->prog) {
        if (g->h->prog->fn(g->h->prog->user, g->h->id, g->file, g->have, g->total))
            g->stopped = 1;
        return;
    }
    int kb = g->total < 1000000;
    double scale = kb ? 1e3 : 1e6, have = (double)g->have / scale, tot = (double)g->total / scale;
    int pct = g->total > 0 ? (int)(100.0 * (double)g->have / (double)g->total) : 100;
    char bar[48] = ""; /* on a terminal: one line redrawn, with a bar */
    if (g->tty) {
        int fill = pct / 5 > 20 ? 20 : pct / 5;
        snprintf(bar, sizeof bar, "\r[%.*s%.*s] ", fill, "####################", 20 - fill,
                 "....................");
    }
    fprintf(stderr, _("%s%s: downloading %s: %.1f of %.1f %s (%d%%)%s"), bar, PACKAGE, g->label,
            have, tot, kb ? "kB" : "MB", pct, g->tty ? "" : "\n");
    if (final && g->tty)
        fputc('\n', stderr);
    fflush(stderr);
}

static size_t on_body(char *data, size_t sz, size_t nit, void *user)
{
    get_state *g = user;
    size_t len = sz * nit;
    long status = 0;
    curl_easy_getinfo(g->c, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 400) {
        g->http_bad = 1;
        return 0;
    }
    if (status == 200 && g->have > 0 && !g->restarted) {
        /* the server ignored the Range: start over */
        if (fflush(g->f) != 0 || ftruncate(fileno(g->f), 0) != 0 || fseek(g->f, 0, SEEK_SET)) {
            g->write_errno = errno;
            return 0;
        }
        g->have = 0;
    }
    g->restarted = 1;
    if (fwrite(data, 1, len, g->f) != len) {
        g->write_errno = errno ? errno : EIO;
        return 0;
    }
    g->have += (long long)len;
    double t = now_s();
    if (t - g->last >= (g->h->prog ? 0.1 : g->tty ? 0.25 : 5.0)) {
        g->last = t;
        progress_line(g, 0);
    }
    return len;
}

/* With a progress callback: also asked while no byte arrives, so that a
 * stop request is seen on a stalled transfer. */
static int on_xfer(void *user, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                   curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    get_state *g = user;
    double t = now_s();
    if (!g->stopped && t - g->last >= 0.1) {
        g->last = t;
        progress_line(g, 0);
    }
    return g->stopped;
}

static long long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long long)st.st_size : -1;
}

/* GETs url into inc (continuing what it holds), up to HUB_ATTEMPTS
 * transfers. KT_EXIT_OK when inc holds m->size bytes. */
static int get_file(const hub_ctx *h, const char *url, const head_meta *m, const char *file,
                    const char *inc, char *err, size_t errlen)
{
    char label[512];
    snprintf(label, sizeof label, "%s %s", h->id, file);
    get_state g = {.total = m->size, .label = label, .tty = isatty(STDERR_FILENO), .h = h,
                   .file = file};
    CURLcode rc = CURLE_OK;
    long status = 0;
    char cerr[CURL_ERROR_SIZE] = "";
    for (int attempt = 0; attempt < HUB_ATTEMPTS; attempt++) {
        g.have = file_size(inc);
        if (g.have > m->size)
            g.have = -1; /* longer than the file: not a prefix of it */
        g.f = fopen(inc, g.have > 0 ? "ab" : "wb");
        if (!g.f) {
            snprintf(err, errlen, _("%s: cannot write %s: %s"), h->id, inc, strerror(errno));
            return KT_EXIT_IO;
        }
        if (g.have < 0)
            g.have = 0;
        if (g.have == m->size) {
            fclose(g.f);
            return KT_EXIT_OK;
        }
        if (g.have > 0 && !h->prog)
            fprintf(stderr, _("%s: resuming %s at byte %lld of %lld\n"), PACKAGE, label, g.have,
                    m->size);
        struct curl_slist *hdrs = NULL;
        g.c = new_handle(h, &hdrs);
        if (!g.c) {
            fclose(g.f);
            snprintf(err, errlen, _("out of memory"));
            return KT_EXIT_FAILURE;
        }
        char range[64];
        snprintf(range, sizeof range, "%lld-", g.have);
        curl_easy_setopt(g.c, CURLOPT_URL, url);
        if (g.have > 0)
            curl_easy_setopt(g.c, CURLOPT_RANGE, range);
        /* to the CDN: curl drops the Authorization header on another host */
        curl_easy_setopt(g.c, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt(g.c, CURLOPT_MAXREDIRS, 10L);
        curl_easy_setopt(g.c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(g.c, CURLOPT_WRITEDATA, &g);
        curl_easy_setopt(g.c, CURLOPT_ERRORBUFFER, cerr);
        if (h->prog) {
            curl_easy_setopt(g.c, CURLOPT_XFERINFOFUNCTION, on_xfer);
            curl_easy_setopt(g.c, CURLOPT_XFERINFODATA, &g);
            curl_easy_setopt(g.c, CURLOPT_NOPROGRESS, 0L);
        }
        g.restarted = g.http_bad = g.write_errno = 0;
        g.last = now_s();
        rc = curl_easy_perform(g.c);
        curl_easy_getinfo(g.c, CURLINFO_RESPONSE_CODE, &status);
        curl_easy_cleanup(g.c);
        curl_slist_free_all(hdrs);
        int werr = g.write_errno;
        if (fflush(g.f) != 0 || fsync(fileno(g.f)) != 0)
            werr = werr ? werr : errno;
        if (fclose(g.f) != 0)
            werr = werr ? werr : errno;
        if (g.stopped) {
            snprintf(err, errlen, _("%s: the download of %s was stopped; the next run continues "
                                    "it from %s"),
                     h->id, url, inc);
            return KT_EXIT_INTERRUPTED;
        }
        if (werr) {
            unlink(inc);
            snprintf(err, errlen,
                     _("%s: cannot write %s: %s; free some space (or set HF_HUB_CACHE to another "
                       "disk) and try again"),
                     h->id, inc, strerror(werr));
            return KT_EXIT_IO;
        }
        if (status == 416) {
            unlink(inc); /* the range is past the file: start again */
            continue;
        }
        if (g.http_bad || (rc == CURLE_OK && status >= 400)) {
            if (file_size(inc) == 0)
                unlink(inc);
            return http_error(h, url, status, CURLE_OK, "", err, errlen);
        }
        g.have = file_size(inc);
        if (rc == CURLE_OK && g.have == m->size) {
            progress_line(&g, 1);
            return KT_EXIT_OK;
        }
        if (rc == CURLE_OK) {
            /* the body ended early without a transfer error */
            if (g.have > m->size)
                unlink(inc);
            snprintf(cerr, sizeof cerr, _("got %lld bytes, the Hub reported %lld"), g.have,
                     m->size);
        }
        if (!h->prog)
            fprintf(stderr, _("%s: %s: transfer interrupted at byte %lld of %lld (%s)\n"),
                    PACKAGE, label, g.have, m->size, cerr[0] ? cerr : curl_easy_strerror(rc));
    }
    if (g.have <= 0)
        unlink(inc);
    snprintf(err, errlen,
             _("%s: the download of %s was interrupted %d times (%s); the next run continues it "
               "from %s"),
             h->id, url, HUB_ATTEMPTS, cerr[0] ? cerr : curl_easy_strerror(rc), inc);
    return KT_EXIT_HUB;
}

/* Writes text to path atomically (temporary name, rename). */
static int write_atomic(const char *path, const char *text)
{
    char tmp[PATH_MAX + 32];
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f)
        return -1;
    int bad = fputs(text, f) < 0;
    bad |= fflush(f) != 0 || fsync(fileno(f)) != 0;
    bad |= fclose(f) != 0;
    if (bad || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* snapshots/COMMIT/FILE -> ../../blobs/ETAG, replacing what was there. */
static int link_snapshot(const hub_ctx *h, const char *commit, const char *file, const char *etag)
{
    char path[PATH_MAX], tmp[PATH_MAX + 32], target[512];
    snprintf(path, sizeof path, "%s/snapshots/%s/%s", h->repo_dir, commit, file);
    snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
    snprintf(target, sizeof target, "../../blobs/%s", etag);
    if (mkparent(path) != 0)
        return -1;
    unlink(tmp);
    if (symlink(target, tmp) != 0 || rename(tmp, path) != 0) {
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* Checks a downloaded blob: its size, and for an LFS file its sha256.
 * Removes it on a mismatch. */
static int verify_blob(const hub_ctx *h, const char *url, const head_meta *m, const char *inc,
                       char *err, size_t errlen)
{
    long long sz = file_size(inc);
    if (sz != m->size) {
        unlink(inc);
        snprintf(err, errlen,
                 _("%s: %s: got %lld bytes, the Hub reported %lld; the file was removed, try "
                   "again"),
                 h->id, url, sz, m->size);
        return KT_EXIT_HUB;
    }
    if (!m->linked)
        return KT_EXIT_OK;
    char sum[80];
    if (kt_hub_sha256_file(inc, sum, sizeof sum, err, errlen) != 0) {
        unlink(inc);
        return KT_EXIT_IO;
    }
    if (!is_sha256_hex(m->etag) || strcasecmp(sum + 7, m->etag) != 0) {
        unlink(inc);
        snprintf(err, errlen,
                 _("%s: %s: sha256 mismatch (downloaded %s, the Hub reports %s); the file was "
                   "removed: try again, and report it if it persists"),
                 h->id, url, sum + 7, m->etag);
        return KT_EXIT_HUB;
    }
    return KT_EXIT_OK;
}

/* Fetches one file of the snapshot at rev (blob, link); fills commit
 * when it is empty, else asks for that commit. */
static int fetch_file(const hub_ctx *h, const char *file, char *commit, size_t cn, int *fetched,
                      char *err, size_t errlen)
{
    head_meta m;
    char url[4096];
    int rc = head_file(h, commit[0] ? commit : h->rev, file, &m, url, sizeof url, err, errlen);
    if (rc != KT_EXIT_OK)
        return rc;
    if (!commit[0])
        snprintf(commit, cn, "%s", m.commit);
    char blob[PATH_MAX], inc[PATH_MAX + 16], lock[PATH_MAX + 16];
    snprintf(blob, sizeof blob, "%s/blobs/%s", h->repo_dir, m.etag);
    snprintf(inc, sizeof inc, "%s.incomplete", blob);
    snprintf(lock, sizeof lock, "%s/%s.lock", h->lock_dir, m.etag);
    if (mkdirs(h->lock_dir) != 0 || mkparent(blob) != 0) {
        snprintf(err, errlen, _("%s: cannot create the cache directory %s: %s"), h->id,
                 h->repo_dir, strerror(errno));
        return KT_EXIT_IO;
    }
    /* one downloader per blob (huggingface_hub takes the same lock) */
    int lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (lfd < 0 || flock(lfd, LOCK_EX) != 0) {
        snprintf(err, errlen, _("%s: cannot lock %s: %s"), h->id, lock, strerror(errno));
        if (lfd >= 0)
            close(lfd);
        return KT_EXIT_IO;
    }
    if (file_size(blob) != m.size) {
        rc = get_file(h, url, &m, file, inc, err, errlen);
        if (rc == KT_EXIT_OK)
            rc = verify_blob(h, url, &m, inc, err, errlen);
        if (rc == KT_EXIT_OK && rename(inc, blob) != 0) {
            snprintf(err, errlen, _("%s: cannot write %s: %s"), h->id, blob, strerror(errno));
            unlink(inc);
            rc = KT_EXIT_IO;
        }
        if (rc == KT_EXIT_OK)
            (*fetched)++;
    }
    close(lfd);
    if (rc == KT_EXIT_OK && link_snapshot(h, commit, file, m.etag) != 0) {
        snprintf(err, errlen, _("%s: cannot link %s into the snapshot %s/snapshots/%s: %s"),
                 h->id, blob, h->repo_dir, commit, strerror(errno));
        rc = KT_EXIT_IO;
    }
    return rc;
}

/* The token: HF_TOKEN, else the file huggingface-cli login writes. */
static void load_token(hub_ctx *h)
{
    const char *t = getenv("HF_TOKEN");
    char tok[4096] = "";
    if (t && *t)
        snprintf(tok, sizeof tok, "%s", t);
    else {
        char path[PATH_MAX];
        const char *tp = getenv("HF_TOKEN_PATH"), *home = getenv("HF_HOME"), *u = getenv("HOME");
        if (tp && *tp)
            snprintf(path, sizeof path, "%s", tp);
        else if (home && *home)
            snprintf(path, sizeof path, "%s/token", home);
        else
            snprintf(path, sizeof path, "%s/.cache/huggingface/token", u ? u : ".");
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(tok, sizeof tok, f))
                tok[0] = '\0';
            fclose(f);
        }
    }
    trim_value(tok);
    h->auth[0] = '\0';
    if (tok[0] && !strpbrk(tok, "\r\n"))
        snprintf(h->auth, sizeof h->auth, "Authorization: Bearer %s", tok);
}

/* The snapshot of commit holds both files (following the links). */
static const char *missing_file(const char *snap)
{
    char p[PATH_MAX + 64];
    for (int i = 0; i < KT_HUB_NFILES; i++) {
        snprintf(p, sizeof p, "%s/%s", snap, kt_hub_files[i]);
        if (!is_file(p))
            return kt_hub_files[i];
    }
    return NULL;
}

int kt_hub_read_ref(const char *path, char *commit, size_t n)
{
    FILE *f = fopen(path, "r");
    char buf[128] = "";
    if (!f)
        return -1;
    if (!fgets(buf, sizeof buf, f))
        buf[0] = '\0';
    fclose(f);
    trim_value(buf);
    if (!is_commit_hash(buf))
        return -1;
    snprintf(commit, n, "%s", buf);
    return 0;
}

int kt_hub_resolve(const char *spec, const char *revision, int mode, kt_hub_ref *out, char *err,
                   size_t errlen)
{
    return kt_hub_resolve_progress(spec, revision, mode, NULL, out, err, errlen);
}

int kt_hub_resolve_progress(const char *spec, const char *revision, int mode,
                            const kt_hub_progress *prog, kt_hub_ref *out, char *err,
                            size_t errlen)
{
    memset(out, 0, sizeof *out);
    const char *rev = revision && *revision ? revision : "main";
    if (is_dir(spec) || !kt_hub_looks_like_id(spec)) {
        snprintf(out->dir, sizeof out->dir, "%s", spec);
        return KT_EXIT_OK;
    }
    char why[256];
    if (!kt_hub_valid_id(spec, why, sizeof why)) {
        snprintf(err, errlen, _("%s: not a directory, and not a valid Hugging Face repo id: %s"),
                 spec, why);
        return KT_EXIT_USAGE;
    }
    if (!valid_revision(rev)) {
        snprintf(err, errlen,
                 _("%s: --revision \"%s\" is not a branch, tag or commit name"), spec, rev);
        return KT_EXIT_USAGE;
    }
    out->is_hub = 1;
    snprintf(out->id, sizeof out->id, "%s", spec);
    snprintf(out->revision, sizeof out->revision, "%s", rev);

    hub_ctx *h = calloc(1, sizeof *h);
    if (!h) {
        snprintf(err, errlen, _("out of memory"));
        return KT_EXIT_FAILURE;
    }
    h->id = out->id;
    h->rev = rev;
    h->prog = prog;
    char root[2560], org[128];
    kt_hub_cache_root(root, sizeof root);
    const char *slash = strchr(spec, '/');
    snprintf(org, sizeof org, "%.*s", (int)(slash - spec), spec);
    snprintf(h->repo_dir, sizeof h->repo_dir, "%s/models--%s--%s", root, org, slash + 1);
    snprintf(h->lock_dir, sizeof h->lock_dir, "%s/.locks/models--%s--%s", root, org, slash + 1);

    /* 1. the cache */
    char refpath[PATH_MAX], commit[64] = "";
    snprintf(refpath, sizeof refpath, "%s/refs/%s", h->repo_dir, rev);
    if (is_commit_hash(rev))
        snprintf(commit, sizeof commit, "%s", rev);
    else if (kt_hub_read_ref(refpath, commit, sizeof commit) != 0)
        commit[0] = '\0';
    const char *missing = kt_hub_files[0];
    if (commit[0]) {
        snprintf(out->dir, sizeof out->dir, "%s/snapshots/%s", h->repo_dir, commit);
        missing = missing_file(out->dir);
    }
    int rc = KT_EXIT_OK;
    if (commit[0] && !missing && mode != KT_HUB_REFRESH) {
        snprintf(out->commit, sizeof out->commit, "%s", commit);
        goto done;
    }
    if (env_true("HF_HUB_OFFLINE")) {
        if (commit[0] && !missing && mode == KT_HUB_REFRESH) {
            snprintf(out->commit, sizeof out->commit, "%s", commit);
            goto done;
        }
        if (commit[0])
            snprintf(err, errlen,
                     _("%s: the cached snapshot %s lacks %s, and HF_HUB_OFFLINE=1 forbids "
                       "downloading it: unset HF_HUB_OFFLINE, or run `kronos-tui models pull %s` "
                       "on a connected machine"),
                     spec, out->dir, missing, spec);
        else
            snprintf(err, errlen,
                     _("%s: revision %s is not in the cache %s, and HF_HUB_OFFLINE=1 forbids "
                       "downloading it: unset HF_HUB_OFFLINE, or run `kronos-tui models pull %s` "
                       "on a connected machine"),
                     spec, rev, root, spec);
        out->dir[0] = '\0';
        rc = KT_EXIT_HUB;
        goto done;
    }

    if (mode == KT_HUB_LOCAL) {
        out->dir[0] = '\0';
        rc = KT_HUB_WOULD_DOWNLOAD;
        goto done;
    }

    /* 2. the Hub: the first file fixes the commit, the others follow it */
    const char *ep = getenv("HF_ENDPOINT");
    snprintf(h->endpoint, sizeof h->endpoint, "%s", ep && *ep ? ep : "https://huggingface.co");
    size_t el = strlen(h->endpoint);
    while (el && h->endpoint[el - 1] == '/')
        h->endpoint[--el] = '\0';
    load_token(h);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != 0) {
        snprintf(err, errlen, _("%s: cannot initialise libcurl"), spec);
        rc = KT_EXIT_FAILURE;
        goto done;
    }
    commit[0] = '\0';
    for (int i = 0; i < KT_HUB_NFILES && rc == KT_EXIT_OK; i++)
        rc = fetch_file(h, kt_hub_files[i], commit, sizeof commit, &out->downloaded, err, errlen);
    curl_global_cleanup();
    if (rc != KT_EXIT_OK) {
        out->dir[0] = '\0';
        goto done;
    }
    snprintf(out->commit, sizeof out->commit, "%s", commit);
    snprintf(out->dir, sizeof out->dir, "%s/snapshots/%s", h->repo_dir, commit);
    if (strcmp(rev, commit) != 0 && (mkparent(refpath) != 0 || write_atomic(refpath, commit) != 0)) {
        snprintf(err, errlen, _("%s: cannot write %s: %s"), spec, refpath, strerror(errno));
        rc = KT_EXIT_IO;
    }
done:
    memset(h->auth, 0, sizeof h->auth);
    free(h);
    return rc;
}

/* ---- hooks for the callers' settings and records ----------------------- */

int kt_hub_resolve_field(char *field, size_t fn, char *idfield, size_t idn, const char *rev,
                         int mode, const kt_hub_progress *prog, char *err, size_t errlen)
{
    kt_hub_ref *r = malloc(sizeof *r);
    if (!r) {
        snprintf(err, errlen, _("out of memory"));
        return KT_EXIT_FAILURE;
    }
    int rc = kt_hub_resolve_progress(field, rev, mode, prog, r, err, errlen);
    if (rc == KT_EXIT_OK && r->is_hub && strlen(r->dir) >= fn) {
        snprintf(err, errlen, _("%s: the cache path %s is too long"), r->id, r->dir);
        rc = KT_EXIT_USAGE;
    } else if (rc == KT_EXIT_OK && r->is_hub) {
        snprintf(idfield, idn, "%s", r->id);
        memcpy(field, r->dir, strlen(r->dir) + 1);
    }
    free(r);
    return rc;
}

/* {id, revision, commit, files: {NAME: "sha256:HEX"}} of a snapshot dir. */
static json_t *record_one(const char *id, const char *rev, const char *dir)
{
    const char *base = strrchr(dir, '/');
    json_t *files = json_object();
    for (int i = 0; i < KT_HUB_NFILES; i++) {
        char path[PATH_MAX + 64], sum[80], e[256];
        snprintf(path, sizeof path, "%s/%s", dir, kt_hub_files[i]);
        json_object_set_new(files, kt_hub_files[i],
                            kt_hub_sha256_file(path, sum, sizeof sum, e, sizeof e) == 0
                                ? json_string(sum)
                                : json_null());
    }
    return json_pack("{s:s,s:s,s:s,s:o}", "id", id, "revision", rev, "commit",
                     base ? base + 1 : dir, "files", files);
}

void kt_hub_record(void *obj, const char *tok_id, const char *tok_dir, const char *model_id,
                   const char *model_dir, const char *revision)
{
    if (!obj || (!tok_id[0] && !model_id[0]))
        return;
    json_t *hub = json_object();
    if (tok_id[0])
        json_object_set_new(hub, "tokenizer", record_one(tok_id, revision, tok_dir));
    if (model_id[0])
        json_object_set_new(hub, "model", record_one(model_id, revision, model_dir));
    json_object_set_new((json_t *)obj, "hub", hub);
}

int kt_hub_resolve_args(const char *prog, const char **tok, const char **model,
                        const char *revision, kt_hub_ref refs[2])
{
    const char **spec[2] = {tok, model};
    char err[2048];
    for (int i = 0; i < 2; i++) {
        if (!*spec[i])
            continue;
        int rc = kt_hub_resolve(*spec[i], revision, KT_HUB_CACHED, &refs[i], err, sizeof err);
        if (rc != KT_EXIT_OK) {
            fprintf(stderr, "%s: %s\n", prog, err);
            return rc;
        }
        *spec[i] = refs[i].dir;
    }
    return KT_EXIT_OK;
}
