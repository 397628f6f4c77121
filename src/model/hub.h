/* hub.h: models by name. A checkpoint argument is either a directory or a
 * Hugging Face repo id ORG/NAME; an id is resolved through the cache that
 * Python's huggingface_hub shares (HF_HUB_CACHE, else HF_HOME/hub, else
 * ~/.cache/huggingface/hub), laid out as
 *   models--ORG--NAME/refs/REV            the commit REV pointed at
 *   models--ORG--NAME/snapshots/COMMIT/F  symlink to ../../blobs/ETAG
 *   models--ORG--NAME/blobs/ETAG          the bytes (sha256 for LFS files)
 * and downloaded from the Hub (HF_ENDPOINT, default https://huggingface.co;
 * HF_TOKEN as a bearer token) only when the cache lacks it and
 * HF_HUB_OFFLINE is not set. Only config.json and model.safetensors are
 * fetched; large files are verified against the sha256 the Hub reports. */
#ifndef KT_HUB_H
#define KT_HUB_H

#include <stddef.h>


#define KT_HUB_NFILES 2
/* the two files of a Kronos checkpoint */
extern const char *const kt_hub_files[KT_HUB_NFILES];

typedef struct kt_hub_ref {
    int is_hub;          /* 0: spec was a directory (dir = spec) */
    char id[200];        /* ORG/NAME */
    char revision[256];  /* as asked (branch, tag or commit) */
    char commit[64];     /* the commit it resolved to */
    char dir[4096];      /* the directory to load */
    int downloaded;      /* files fetched by this call */
} kt_hub_ref;

enum {
    KT_HUB_CACHED = 0,   /* use the cache when it holds the snapshot */
    KT_HUB_REFRESH = 1,  /* ask the Hub what REV is now (models pull) */
    KT_HUB_LOCAL = 2     /* as CACHED, but never the network: what would need
                          * it returns KT_HUB_WOULD_DOWNLOAD */
};
/* kt_hub_resolve in KT_HUB_LOCAL mode: the cache lacks the snapshot and a
 * download would fetch it (no error text; not a kt_exit code). */
#define KT_HUB_WOULD_DOWNLOAD (-1)

/* The cache root (no trailing slash). */
void kt_hub_cache_root(char *buf, size_t n);
/* 1 when spec has the shape ORG/NAME (one '/', no leading '.' or '/');
 * such a spec that is not a directory must then be a valid id. */
int kt_hub_looks_like_id(const char *spec);
/* 1 when id is a valid ORG/NAME; else 0 with why (translated). */
int kt_hub_valid_id(const char *id, char *why, size_t n);

/* Download progress for a caller that shows it itself (the console):
 * fn is called on the resolving thread at most every 0.1 s while a file
 * transfers and once when it is complete, with the bytes the file holds
 * and its size; a nonzero return stops the download (the partial file is
 * kept for the next run) and the resolution returns KT_EXIT_INTERRUPTED.
 * With a progress, nothing is written to stderr. */
typedef struct kt_hub_progress {
    int (*fn)(void *user, const char *id, const char *file, long long done, long long total);
    void *user;
} kt_hub_progress;

/* Resolves spec at revision (NULL or "" = main). A directory, or a spec
 * that is not id-shaped, is returned as it is (the loader reports a
 * missing path). Returns a kt_exit code: KT_EXIT_OK; KT_EXIT_USAGE
 * (malformed id or revision); KT_EXIT_HUB (not found, not authorised, no
 * network, offline without a cached copy, checksum mismatch); KT_EXIT_IO
 * (the cache cannot be written: full disk, permissions). err: one line
 * naming the id, the URL or path, and what to do. Progress lines go to
 * stderr while downloading. */
int kt_hub_resolve(const char *spec, const char *revision, int mode, kt_hub_ref *out, char *err,
                   size_t errlen);
/* The same, reporting progress through prog (NULL: stderr lines). */
int kt_hub_resolve_progress(const char *spec, const char *revision, int mode,
                            const kt_hub_progress *prog, kt_hub_ref *out, char *err,
                            size_t errlen);

/* Resolves the checkpoint spec in field (size fn) at rev in mode
 * (KT_HUB_CACHED or KT_HUB_LOCAL), reporting progress through prog (NULL:
 * stderr lines); when it was an id, the id moves to idfield (size idn) and
 * field becomes the snapshot directory. Returns a kt_exit code (see
 * kt_hub_resolve), or KT_HUB_WOULD_DOWNLOAD (field unchanged). */
int kt_hub_resolve_field(char *field, size_t fn, char *idfield, size_t idn, const char *rev,
                         int mode, const kt_hub_progress *prog, char *err, size_t errlen);

/* For the commands that take --tokenizer and --model (forecast, device,
 * kronos-bench): resolves both at revision, pointing *tok / *model at the
 * directories kept in refs[0] / refs[1] (NULL pointers stay NULL). On an
 * error, prints "PROG: ERR" on stderr. Returns a kt_exit code. */
int kt_hub_resolve_args(const char *prog, const char **tok, const char **model,
                        const char *revision, kt_hub_ref refs[2]);

/* The commit a cache ref file (refs/REV) names: 0, or -1 when the file
 * cannot be read or does not hold a 40-digit commit hash. */
int kt_hub_read_ref(const char *path, char *commit, size_t n);

/* "sha256:HEX" of a file's bytes; 0 ok, -1 (err). */
int kt_hub_sha256_file(const char *path, char *out, size_t n, char *err, size_t errlen);

/* For experiment_metadata.json and inputs.json: when the tokenizer or the
 * model came from the Hub (a non-empty id), sets obj["hub"] to {"tokenizer"|"model": {id,
 * revision, commit, files: {NAME: "sha256:HEX"}}}; else leaves obj as it
 * is. obj is a jansson json_t * (void * keeps jansson out of this header). */
void kt_hub_record(void *obj, const char *tok_id, const char *tok_dir, const char *model_id,
                   const char *model_dir, const char *revision);

#endif /* KT_HUB_H */
