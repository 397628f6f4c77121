/* check_jsonl.c: test helper. Parses a kronos-tui JSON lines file
 * (events.jsonl or --json output) with jansson and checks the
 * kronos-tui.events/1 schema: every line is an object with "schema",
 * "event" (a known name) and a numeric "t", plus the keys of its event.
 * Prints "LINES lines" and one "EVENT COUNT" line per event name (in
 * order of first appearance); exits 1 naming the line at fault.
 *   check_jsonl FILE
 *   check_jsonl --status FILE   (status.json: format, version, state) */
#include "config.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct spec {
    const char *event;
    const char *keys; /* space-separated required keys */
} spec;

static const spec specs[] = {
    {"run_started", "experiment mode tickers range_start range_end model params dates_total "
                    "folds run_dir device"},
    {"fold_started", "fold_id fold_index fold_total dates"},
    {"date_started", "fold_id date date_index date_total"},
    {"batch_progress", "date done total micro_batch micro_batches step steps work work_total"},
    {"date_done", "fold_id date date_index date_total scored skipped seconds tokens dates_done "
                  "dates_total elapsed eta"},
    {"date_resumed", "fold_id date date_index date_total scored skipped dates_done"},
    {"fold_done", "fold_id text flag"},
    {"metrics", "date horizon rankic median mean icir pct_positive dates"},
    {"warning", "text"},
    {"log", "text"},
    {"failed", "text"},
    {"cancelled", "text"},
    {"finished", "report"},
    {"empty", "reason next_steps report"},
    {"paused", ""},
    {"resumed", ""},
    {"scorecard", "fold_id dates gates horizons text"},
};
#define N_SPECS (sizeof specs / sizeof specs[0])

static int check_status(const char *path)
{
    json_error_t je;
    json_t *j = json_load_file(path, 0, &je);
    if (!j) {
        fprintf(stderr, "%s:%d: %s\n", path, je.line, je.text);
        return 1;
    }
    const char *fmt = NULL, *state = NULL;
    json_int_t ver = 0;
    double upd = 0, hb = 0;
    if (json_unpack_ex(j, &je, 0, "{s:s,s:I,s:F,s:s,s:F}", "format", &fmt, "version", &ver,
                       "updated_unix", &upd, "state", &state, "heartbeat_interval", &hb) != 0) {
        fprintf(stderr, "%s: %s\n", path, je.text);
        json_decref(j);
        return 1;
    }
    printf("format %s version %lld state %s heartbeat %g\n", fmt, (long long)ver, state, hb);
    json_decref(j);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 3 && strcmp(argv[1], "--status") == 0)
        return check_status(argv[2]);
    if (argc != 2) {
        fprintf(stderr, "usage: check_jsonl FILE | --status FILE\n");
        return 2;
    }
    FILE *f = fopen(argv[1], "r");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    long count[N_SPECS] = {0};
    int order[N_SPECS], n_order = 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    long ln = 0;
    int bad = 0;
    while (!bad && (len = getline(&line, &cap, f)) >= 0) {
        ln++;
        json_error_t je;
        json_t *o = json_loadb(line, (size_t)len, 0, &je);
        if (!o || !json_is_object(o)) {
            fprintf(stderr, "%s:%ld: not a JSON object: %s\n", argv[1], ln, o ? "" : je.text);
            bad = 1;
            json_decref(o);
            break;
        }
        json_t *sc = json_object_get(o, "schema"), *ev = json_object_get(o, "event"),
               *t = json_object_get(o, "t");
        if (!json_is_string(sc) || strcmp(json_string_value(sc), "kronos-tui.events/1") != 0 ||
            !json_is_string(ev) || !json_is_number(t)) {
            fprintf(stderr, "%s:%ld: schema, event or t missing or wrong\n", argv[1], ln);
            bad = 1;
        }
        size_t k = N_SPECS;
        for (size_t i = 0; !bad && i < N_SPECS; i++)
            if (strcmp(specs[i].event, json_string_value(ev)) == 0)
                k = i;
        if (!bad && k == N_SPECS) {
            fprintf(stderr, "%s:%ld: unknown event \"%s\"\n", argv[1], ln,
                    json_string_value(ev));
            bad = 1;
        }
        if (!bad) {
            char keys[256];
            snprintf(keys, sizeof keys, "%s", specs[k].keys);
            for (char *save = NULL, *key = strtok_r(keys, " ", &save); key;
                 key = strtok_r(NULL, " ", &save))
                if (!json_object_get(o, key)) {
                    fprintf(stderr, "%s:%ld: %s: key \"%s\" missing\n", argv[1], ln,
                            specs[k].event, key);
                    bad = 1;
                    break;
                }
            if (count[k]++ == 0)
                order[n_order++] = (int)k;
        }
        json_decref(o);
    }
    free(line);
    fclose(f);
    if (bad)
        return 1;
    printf("%ld lines\n", ln);
    for (int i = 0; i < n_order; i++)
        printf("%s %ld\n", specs[order[i]].event, count[order[i]]);
    return 0;
}
