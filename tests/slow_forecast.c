/* slow_forecast.c: test helper linked into tests/kronos-tui-slow, a build
 * of the real command line (src/cli/main.c and the same libraries as kronos-tui)
 * whose every kronos_forecast_ex (the scorer's call) goes through this
 * wrapper (-Wl,--wrap=kronos_forecast_ex). With KRONOS_TUI_TEST_DELAY_MS=N (1..10000)
 * it sleeps N ms after every micro-batch (whenever the count of series done
 * that kronos_forecast_ex reports grows; the progress calls of the decode steps
 * in between do not sleep), so that the console tests
 * (tests/console_real.sh, tests/console_resize_storm.sh) can watch a run of
 * the tiny model without burning CPU. It changes only the pace, never an
 * output byte; without the variable it changes nothing. */
#include "config.h"

#include <errno.h>
#include <stdlib.h>
#include <time.h>

#include "model/kronos.h"

int __real_kronos_forecast_ex(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                              kronos_progress_ex_fn progress, void *user, double *out, double *paths,
                              kronos_error *err);
int __wrap_kronos_forecast_ex(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                              kronos_progress_ex_fn progress, void *user, double *out, double *paths,
                              kronos_error *err);

typedef struct slow_call {
    long delay_ms;
    int last_done;
    kronos_progress_ex_fn progress;
    void *user;
} slow_call;

static int slow_progress(void *user, const kronos_progress *p)
{
    slow_call *sc = user;
    if (p->done_series > sc->last_done) {
        struct timespec ts = {sc->delay_ms / 1000, (sc->delay_ms % 1000) * 1000000L};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
        }
        sc->last_done = p->done_series;
    }
    return sc->progress ? sc->progress(sc->user, p) : 0;
}

int __wrap_kronos_forecast_ex(kronos_model *m, const kronos_batch *in, const kronos_sampling *s,
                              kronos_progress_ex_fn progress, void *user, double *out, double *paths,
                              kronos_error *err)
{
    const char *env = getenv("KRONOS_TUI_TEST_DELAY_MS");
    char *end;
    long ms = env && *env ? strtol(env, &end, 10) : 0;
    if (!env || !*env || *end || ms < 1 || ms > 10000)
        return __real_kronos_forecast_ex(m, in, s, progress, user, out, paths, err);
    slow_call sc = {ms, 0, progress, user};
    return __real_kronos_forecast_ex(m, in, s, slow_progress, &sc, out, paths, err);
}
