/* batchlog.c: --batch lines and JSON lines. See batchlog.h. */
#include "config.h"

#include "run/batchlog.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "base/i18n.h"
#include "eval/scorecard.h"
#include "run/rundir.h"

void kt_batchlog_init(kt_batchlog *b, FILE *out, FILE *json_out)
{
    b->out = out;
    b->json_out = json_out;
    b->rec = NULL;
    kt_snapshot_init(&b->snap);
}

void kt_batchlog_record(kt_batchlog *b, kt_recorder *rec)
{
    b->rec = rec;
    if (rec)
        kt_recorder_bind(rec, &b->snap);
}

void kt_batchlog_duration(double secs, char *buf, size_t n)
{
    if (!isfinite(secs) || secs < 0) {
        snprintf(buf, n, "?");
        return;
    }
    long s = (long)(secs + 0.5);
    if (s >= 3600)
        snprintf(buf, n, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
    else
        snprintf(buf, n, "%ld:%02ld", s / 60, s % 60);
}

int kt_batchlog_format(const kt_event *ev, const kt_snapshot *s, char *buf, size_t n)
{
    char el[32], eta[32];
    switch (ev->kind) {
    case KT_EV_RUN_STARTED:
    {
        char nt[64], nf[64], nd[64];
        snprintf(nt, sizeof nt, ngettext("%d ticker", "%d tickers", (unsigned long)ev->header.n_tickers),
                 ev->header.n_tickers);
        snprintf(nf, sizeof nf, ngettext("%d fold", "%d folds", (unsigned long)ev->fold_total),
                 ev->fold_total);
        snprintf(nd, sizeof nd, ngettext("%d date", "%d dates", (unsigned long)ev->header.dates_total),
                 ev->header.dates_total);
        /* TRANSLATORS: the 3rd, 8th and 9th %s are "%d tickers", "%d folds", "%d dates". */
        snprintf(buf, n, _("Run %s (%s): %s, data %s..%s, range %s..%s, %s, %s, lookback %d; "
                           "model %s; run directory %s"),
                 ev->header.experiment, ev->header.mode, nt, ev->header.data_first,
                 ev->header.data_last, ev->header.range_start, ev->header.range_end, nf, nd,
                 ev->header.lookback, ev->header.model_desc, ev->header.run_dir);
        return 1;
    }
    case KT_EV_FOLD_STARTED:
        snprintf(buf, n, ngettext("Fold %s (%d/%d): %d date", "Fold %s (%d/%d): %d dates",
                                  (unsigned long)ev->fold_dates),
                 ev->fold_id, ev->fold_index, ev->fold_total, ev->fold_dates);
        return 1;
    case KT_EV_DATE_DONE:
        kt_batchlog_duration(s->elapsed, el, sizeof el);
        kt_batchlog_duration(kt_snapshot_eta_avg(s), eta, sizeof eta);
        snprintf(buf, n,
                 ngettext("[%d/%d] %s: Scored %d ticker, %d skipped (%.1f s, elapsed %s, ETA %s)",
                          "[%d/%d] %s: Scored %d tickers, %d skipped (%.1f s, elapsed %s, ETA %s)",
                          (unsigned long)ev->scored),
                 ev->date_index, ev->date_total, ev->date, ev->scored, ev->skipped, ev->seconds,
                 el, eta);
        if (ev->prob) {
            size_t w = strlen(buf);
            snprintf(buf + w, n > w ? n - w : 0, _("; Brier %.4f, 80%% coverage %.1f%%"), ev->brier,
                     100.0 * ev->coverage_80);
        }
        return 1;
    case KT_EV_DATE_RESUMED:
        snprintf(buf, n,
                 ngettext("[%d/%d] %s: Resumed from the journal (%d ticker, %d skipped)",
                          "[%d/%d] %s: Resumed from the journal (%d tickers, %d skipped)",
                          (unsigned long)ev->scored),
                 ev->date_index, ev->date_total, ev->date, ev->scored, ev->skipped);
        return 1;
    case KT_EV_FOLD_DONE:
        if (ev->flag.fold_id[0] && ev->flag.flags[0])
            snprintf(buf, n, "%s [%s]", ev->text, ev->flag.flags);
        else
            snprintf(buf, n, "%s", ev->text);
        return 1;
    case KT_EV_WARNING:
        snprintf(buf, n, _("warning: %s"), ev->text);
        return 1;
    case KT_EV_LOG:
        snprintf(buf, n, "%s", ev->text);
        return 1;
    case KT_EV_PAUSED:
        snprintf(buf, n, "%s", _("Paused"));
        return 1;
    case KT_EV_RESUMED:
        snprintf(buf, n, "%s", _("Resumed"));
        return 1;
    case KT_EV_FINISHED:
        kt_batchlog_duration(s->elapsed, el, sizeof el);
        snprintf(buf, n,
                 ngettext("Finished in %s: %d date (%d resumed). Report: %s",
                          "Finished in %s: %d dates (%d resumed). Report: %s",
                          (unsigned long)s->dates_done),
                 el, s->dates_done,
                 s->dates_resumed, ev->text);
        return 1;
    case KT_EV_EMPTY:
        snprintf(buf, n, _("warning: no evaluation rows: %s. %s See %s"), ev->text, ev->text2,
                 ev->path[0] ? ev->path : "REPORT_EMPTY.md");
        return 1;
    case KT_EV_FAILED:
        snprintf(buf, n, _("error: %s"), ev->text);
        return 1;
    case KT_EV_SCORECARD:
        snprintf(buf, n, "%s", ev->text);
        return ev->text[0] != '\0';
    case KT_EV_CANCELLED:
        snprintf(buf, n,
                 ngettext("Interrupted after %d completed date: %s",
                          "Interrupted after %d completed dates: %s", (unsigned long)s->dates_done),
                 s->dates_done, ev->text);
        return 1;
    case KT_EV_DATE_STARTED:
    case KT_EV_BATCH_PROGRESS:
    case KT_EV_METRICS:
    case KT_EV_DOWNLOAD:
        return 0;
    }
    return 0;
}

static const char *ev_name(kt_event_kind k)
{
    static const char *const names[] = {
        "run_started", "fold_started", "date_started", "batch_progress", "date_done",
        "date_resumed", "fold_done", "metrics", "warning", "log", "paused", "resumed",
        "finished", "empty", "failed", "cancelled", "scorecard"};
    return (unsigned)k < sizeof names / sizeof names[0] ? names[k] : "unknown";
}

static json_t *num(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

char *kt_batchlog_json(const kt_event *ev, const kt_snapshot *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "schema", json_string("kronos-tui.events/1"));
    json_object_set_new(o, "event", json_string(ev_name(ev->kind)));
    json_object_set_new(o, "t", json_real(ev->t));
    switch (ev->kind) {
    case KT_EV_RUN_STARTED: {
        const kt_run_header *h = &ev->header;
        json_object_set_new(o, "experiment", json_string(h->experiment));
        json_object_set_new(o, "mode", json_string(h->mode));
        json_object_set_new(o, "tickers", json_integer(h->n_tickers));
        json_object_set_new(o, "data_first", json_string(h->data_first));
        json_object_set_new(o, "data_last", json_string(h->data_last));
        json_object_set_new(o, "range_start", json_string(h->range_start));
        json_object_set_new(o, "range_end", json_string(h->range_end));
        json_object_set_new(o, "model", json_string(h->model_desc));
        json_object_set_new(o, "params", json_integer(h->params));
        json_object_set_new(o, "lookback", json_integer(h->lookback));
        json_object_set_new(o, "dates_total", json_integer(h->dates_total));
        json_object_set_new(o, "folds", json_integer(ev->fold_total));
        json_object_set_new(o, "run_dir", json_string(h->run_dir));
        json_object_set_new(o, "device",
                            json_pack("{s:s,s:b,s:i,s:s,s:s,s:b,s:s}", "device", ev->device.device,
                                      "verified", ev->device.verified, "threads", ev->device.intra_threads,
                                      "blas", ev->device.blas, "blas_kernel", ev->device.blas_kernel,
                                      "blas_kernel_slow", ev->device.blas_kernel_slow, "precision",
                                      ev->device.precision[0] ? ev->device.precision : "fp32"));
        break;
    }
    case KT_EV_FOLD_STARTED:
        json_object_set_new(o, "fold_id", json_string(ev->fold_id));
        json_object_set_new(o, "fold_index", json_integer(ev->fold_index));
        json_object_set_new(o, "fold_total", json_integer(ev->fold_total));
        json_object_set_new(o, "dates", json_integer(ev->fold_dates));
        break;
    case KT_EV_DATE_STARTED:
    case KT_EV_DATE_DONE:
    case KT_EV_DATE_RESUMED:
        json_object_set_new(o, "fold_id", json_string(ev->fold_id));
        json_object_set_new(o, "date", json_string(ev->date));
        json_object_set_new(o, "date_index", json_integer(ev->date_index));
        json_object_set_new(o, "date_total", json_integer(ev->date_total));
        json_object_set_new(o, "scored", json_integer(ev->scored));
        json_object_set_new(o, "skipped", json_integer(ev->skipped));
        json_object_set_new(o, "seconds", json_real(ev->seconds));
        json_object_set_new(o, "tokens", json_integer(ev->tokens));
        if (ev->prob) { /* S >= 2 sampled paths */
            json_object_set_new(o, "brier", num(ev->brier));
            json_object_set_new(o, "coverage_80", num(ev->coverage_80));
        }
        json_object_set_new(o, "dates_done", json_integer(s->dates_done));
        json_object_set_new(o, "dates_total", json_integer(s->dates_total));
        json_object_set_new(o, "elapsed", json_real(s->elapsed));
        json_object_set_new(o, "eta", num(kt_snapshot_eta_avg(s)));
        break;
    case KT_EV_BATCH_PROGRESS:
        json_object_set_new(o, "date", json_string(ev->date));
        json_object_set_new(o, "done", json_integer(ev->batch_done));
        json_object_set_new(o, "total", json_integer(ev->batch_total));
        json_object_set_new(o, "micro_batch", json_integer(ev->micro_batch));
        json_object_set_new(o, "micro_batches", json_integer(ev->micro_batches));
        json_object_set_new(o, "step", json_integer(ev->step_done));
        json_object_set_new(o, "steps", json_integer(ev->step_total));
        json_object_set_new(o, "work", json_integer(ev->work_done));
        json_object_set_new(o, "work_total", json_integer(ev->work_total));
        break;
    case KT_EV_FOLD_DONE:
        json_object_set_new(o, "fold_id", json_string(ev->fold_id));
        json_object_set_new(o, "text", json_string(ev->text));
        json_object_set_new(o, "flag", ev->flag.fold_id[0]
                                           ? json_pack("{s:i,s:s}", "horizon", ev->flag.horizon,
                                                       "flags", ev->flag.flags)
                                           : json_null());
        break;
    case KT_EV_METRICS:
        json_object_set_new(o, "date", json_string(ev->date));
        json_object_set_new(o, "horizon", json_integer(ev->metrics.horizon));
        json_object_set_new(o, "rankic", num(ev->metrics.latest));
        json_object_set_new(o, "median", num(ev->metrics.median));
        json_object_set_new(o, "mean", num(ev->metrics.mean));
        json_object_set_new(o, "icir", num(ev->metrics.icir));
        json_object_set_new(o, "pct_positive", num(ev->metrics.pct_positive));
        json_object_set_new(o, "dates", json_integer(ev->metrics.dates_scored));
        break;
    case KT_EV_WARNING:
    case KT_EV_LOG:
    case KT_EV_FAILED:
    case KT_EV_CANCELLED:
        json_object_set_new(o, "text", json_string(ev->text));
        break;
    case KT_EV_FINISHED:
        json_object_set_new(o, "report", json_string(ev->text));
        break;
    case KT_EV_EMPTY:
        json_object_set_new(o, "reason", json_string(ev->text));
        json_object_set_new(o, "next_steps", json_string(ev->text2));
        json_object_set_new(o, "report", json_string(ev->path));
        break;
    case KT_EV_SCORECARD: {
        const kt_verdict *v = &ev->verdict;
        json_t *g = json_array(), *hs = json_array();
        for (int i = 0; i < KT_N_GATES; i++)
            json_array_append_new(g, json_string(kt_gate_name(v->gate[i])));
        for (int i = 0; i < v->n_horizons && i < KT_MAX_HORIZONS; i++)
            json_array_append_new(hs, json_pack("{s:i,s:o,s:o}", "horizon", v->horizon[i],
                                                "net_spread", num(v->net_spread[i]),
                                                "cost_survival", num(v->cost_survival[i])));
        json_object_set_new(o, "fold_id", json_string(v->fold_id));
        json_object_set_new(o, "dates", json_integer(v->n_dates));
        json_object_set_new(o, "gates", g);
        json_object_set_new(o, "horizons", hs);
        json_object_set_new(o, "text", json_string(ev->text));
        break;
    }
    case KT_EV_PAUSED:
    case KT_EV_RESUMED:
    case KT_EV_DOWNLOAD: /* never a line (kt_batchlog_event) */
        break;
    }
    char *txt = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
    json_decref(o);
    return txt;
}

void kt_batchlog_event(kt_batchlog *b, const kt_event *ev)
{
    kt_snapshot_apply(&b->snap, ev);
    if (ev->kind == KT_EV_DOWNLOAD)
        return; /* the console's bar; not an events/1 kind */
    char line[1600];
    if (b->out && kt_batchlog_format(ev, &b->snap, line, sizeof line)) {
        fprintf(b->out, "%s\n", line);
        fflush(b->out);
    }
    char *j = b->json_out || b->rec ? kt_batchlog_json(ev, &b->snap) : NULL;
    if (j && b->json_out) {
        fprintf(b->json_out, "%s\n", j);
        fflush(b->json_out);
    }
    if (b->rec)
        kt_recorder_write(b->rec, ev, j);
    free(j);
}
