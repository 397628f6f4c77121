/* cmd_models.c: `kronos-tui models list` (the Kronos checkpoints in the
 * Hugging Face cache) and `kronos-tui models pull ID [--revision REV]`
 * (download ahead of time, for a machine that will run offline). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "base/exitcodes.h"
#include "base/i18n.h"
#include "cli/commands.h"
#include "model/hub.h"
#include "model/kronos.h"
#include "model/modelcfg.h"

static void models_usage(FILE *out)
{
    fputs(_("Usage: kronos-tui models list [--all]\n"
            "       kronos-tui models pull ID [--revision REV]\n"
            "list: the Kronos checkpoints in the Hugging Face cache (HF_HUB_CACHE, else\n"
            "      HF_HOME/hub, else ~/.cache/huggingface/hub): id, revision, commit, kind,\n"
            "      size, parameters, and whether kronos-tui can load them. Other models\n"
            "      (not loadable, no \"kronos\" in the id) only with --all.\n"
            "pull: download config.json and model.safetensors of ID at REV (default main)\n"
            "      into the cache, verified, so that later runs need no network.\n"
            "Exit status: 0 ok, 2 usage, 6 the cache cannot be written, 8 the Hub failed.\n"),
          out);
}

/* Parameters of a safetensors file: the sum of its tensors' element
 * counts, read from the header alone. -1 when it cannot be read. */
static long long st_params(const char *path)
{
    FILE *f = fopen(path, "rb");
    unsigned char len8[8];
    long long total = -1;
    if (!f)
        return -1;
    if (fread(len8, 1, 8, f) == 8) {
        uint64_t n = 0;
        for (int i = 7; i >= 0; i--)
            n = (n << 8) | len8[i];
        char *hdr = n > 0 && n < (100u << 20) ? malloc(n + 1) : NULL;
        if (hdr && fread(hdr, 1, n, f) == n) {
            json_t *root = json_loadb(hdr, n, 0, NULL);
            const char *k;
            json_t *t;
            total = root ? 0 : -1;
            json_object_foreach(root, k, t)
            {
                json_t *shape = json_object_get(t, "shape");
                size_t i;
                json_t *d;
                long long numel = 1;
                if (!json_is_array(shape))
                    continue;
                json_array_foreach(shape, i, d) numel *= json_integer_value(d);
                total += numel;
            }
            json_decref(root);
        }
        free(hdr);
    }
    fclose(f);
    return total;
}

/* One snapshot: "predictor"/"tokenizer" and loadable, or the reason. */
static void classify(const char *snap, const char **kind, char *why, size_t n)
{
    char path[PATH_MAX + 32], e1[512], e2[512];
    kronos_predictor_config pc;
    kronos_tokenizer_config tc;
    for (int i = 0; i < KT_HUB_NFILES; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", snap, kt_hub_files[i]);
        if (stat(path, &st) != 0) {
            *kind = "?";
            snprintf(why, n, _("no: %s missing"), kt_hub_files[i]);
            return;
        }
    }
    snprintf(path, sizeof path, "%s/config.json", snap);
    if (kt_modelcfg_predictor(path, &pc, e1, sizeof e1) == KRONOS_OK) {
        *kind = "predictor";
        snprintf(why, n, "%s", _("yes"));
    } else if (kt_modelcfg_tokenizer(path, &tc, e2, sizeof e2) == KRONOS_OK) {
        *kind = "tokenizer";
        snprintf(why, n, "%s", _("yes"));
    } else {
        *kind = "?";
        snprintf(why, n, "%s", _("no: not a Kronos config.json"));
    }
}

static void size_text(long long b, char *buf, size_t n)
{
    if (b < 0)
        snprintf(buf, n, "-");
    else if (b >= 1000000)
        snprintf(buf, n, "%.1f MB", (double)b / 1e6);
    else
        snprintf(buf, n, "%.1f kB", (double)b / 1e3);
}

/* One row: the snapshot COMMIT of repo dir, reached through ref REV.
 * Without all, a snapshot that cannot be loaded is shown only when the
 * id names Kronos (a broken download, not somebody else's model).
 * Returns 1 when a row was printed. */
static int list_row(const char *repo, const char *id, const char *rev, const char *commit, int all)
{
    char snap[PATH_MAX], path[PATH_MAX + 32], why[256], sz[32], params[32] = "-";
    const char *kind = "?";
    long long bytes = 0;
    snprintf(snap, sizeof snap, "%s/snapshots/%s", repo, commit);
    classify(snap, &kind, why, sizeof why);
    if (!all && !strcmp(kind, "?") && !strcasestr(id, "kronos"))
        return 0;
    for (int i = 0; i < KT_HUB_NFILES; i++) {
        struct stat st;
        snprintf(path, sizeof path, "%s/%s", snap, kt_hub_files[i]);
        if (stat(path, &st) == 0)
            bytes += (long long)st.st_size;
    }
    snprintf(path, sizeof path, "%s/model.safetensors", snap);
    long long p = st_params(path);
    if (p >= 0)
        snprintf(params, sizeof params, "%lld", p);
    size_text(bytes, sz, sizeof sz);
    printf("%-36s %-12s %-12.12s %-10s %10s %12s  %s\n", id, rev, commit, kind, sz, params, why);
    return 1;
}

/* refs/ names (nested ones such as refs/pr/1 too) into rows. */
static int list_refs(const char *repo, const char *id, const char *refdir, const char *prefix,
                     int all)
{
    DIR *d = opendir(refdir);
    struct dirent *e;
    int rows = 0;
    if (!d)
        return 0;
    while ((e = readdir(d))) {
        char path[PATH_MAX], name[512], commit[128] = "";
        struct stat st;
        if (e->d_name[0] == '.')
            continue;
        snprintf(path, sizeof path, "%s/%s", refdir, e->d_name);
        snprintf(name, sizeof name, "%s%s", prefix, e->d_name);
        if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
            char sub[600];
            snprintf(sub, sizeof sub, "%s/", name);
            rows += list_refs(repo, id, path, sub, all);
            continue;
        }
        if (kt_hub_read_ref(path, commit, sizeof commit) == 0) {
            rows += list_row(repo, id, name, commit, all);
        } else if (all || strcasestr(id, "kronos")) { /* as kt_hub_resolve would see it */
            printf("%-36s %-12s %-12s %-10s %10s %12s  %s\n", id, name, "-", "?", "-", "-",
                   _("no: the ref names no commit"));
            rows++;
        }
    }
    closedir(d);
    return rows;
}

static int models_list(int all)
{
    char root[PATH_MAX - 512];
    kt_hub_cache_root(root, sizeof root);
    DIR *d = opendir(root);
    if (!d) {
        printf(_("No models cached in %s (%s).\n"), root, strerror(errno));
        return KT_EXIT_OK;
    }
    printf(_("Models in the cache %s:\n"), root);
    printf("%-36s %-12s %-12s %-10s %10s %12s  %s\n", _("ID"), _("REVISION"), _("COMMIT"),
           _("KIND"), _("SIZE"), _("PARAMETERS"), _("LOADABLE"));
    struct dirent *e;
    int rows = 0;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, "models--", 8) != 0)
            continue;
        char id[256], repo[PATH_MAX], refs[PATH_MAX + 8], snaps[PATH_MAX + 16];
        snprintf(id, sizeof id, "%s", e->d_name + 8);
        char *sep = strstr(id, "--");
        if (!sep)
            continue;
        memmove(sep + 1, sep + 2, strlen(sep + 2) + 1);
        *sep = '/';
        snprintf(repo, sizeof repo, "%s/%s", root, e->d_name);
        snprintf(refs, sizeof refs, "%s/refs", repo);
        int n = list_refs(repo, id, refs, "", all);
        if (n == 0) {
            /* snapshots without a ref (pulled by commit) */
            snprintf(snaps, sizeof snaps, "%s/snapshots", repo);
            DIR *s = opendir(snaps);
            struct dirent *c;
            while (s && (c = readdir(s)))
                if (c->d_name[0] != '.')
                    n += list_row(repo, id, c->d_name, c->d_name, all);
            if (s)
                closedir(s);
        }
        rows += n;
    }
    closedir(d);
    if (!rows)
        printf("%s\n", _("(none)"));
    return KT_EXIT_OK;
}

static int models_pull(int argc, char **argv)
{
    const char *rev = "main";
    int n = 0, code = KT_EXIT_OK;
    const char *ids[64];
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--revision") && i + 1 < argc)
            rev = argv[++i];
        else if (!strncmp(argv[i], "--revision=", 11))
            rev = argv[i] + 11;
        else if (argv[i][0] == '-' || n == 64) {
            models_usage(stderr);
            return KT_EXIT_USAGE;
        } else
            ids[n++] = argv[i];
    }
    if (!n) {
        models_usage(stderr);
        return KT_EXIT_USAGE;
    }
    kt_hub_ref *r = malloc(sizeof *r);
    char err[2048];
    if (!r)
        return KT_EXIT_FAILURE;
    for (int i = 0; i < n && code == KT_EXIT_OK; i++) {
        if (!kt_hub_looks_like_id(ids[i])) {
            fprintf(stderr, _("kronos-tui models pull: %s: expected a repo id ORG/NAME\n"), ids[i]);
            code = KT_EXIT_USAGE;
            break;
        }
        code = kt_hub_resolve(ids[i], rev, KT_HUB_REFRESH, r, err, sizeof err);
        if (code == KT_EXIT_OK && !r->is_hub) {
            snprintf(err, sizeof err, _("%s is a directory here: run the command elsewhere"),
                     ids[i]);
            code = KT_EXIT_USAGE;
        }
        if (code != KT_EXIT_OK)
            fprintf(stderr, "kronos-tui models pull: %s\n", err);
        else
            printf(_("%s@%s: commit %s (%d files downloaded) in %s\n"), r->id, r->revision,
                   r->commit, r->downloaded, r->dir);
    }
    free(r);
    return code;
}

int kt_cmd_models(int argc, char **argv)
{
    if (argc >= 2 && !strcmp(argv[1], "list") &&
        (argc == 2 || (argc == 3 && !strcmp(argv[2], "--all"))))
        return models_list(argc == 3);
    if (argc >= 2 && !strcmp(argv[1], "pull"))
        return models_pull(argc, argv);
    if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        models_usage(stdout);
        return KT_EXIT_OK;
    }
    models_usage(stderr);
    return KT_EXIT_USAGE;
}
