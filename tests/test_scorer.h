/* test_scorer.h: a deterministic stand-in for Kronos, for tests only.
 * pred_close[h] = close_last * (1 + h * m / 100), m = the series' 5-bar
 * momentum plus a ticker-independent wiggle of the last close; it walks
 * the series in micro-batches of `micro` and calls progress after each,
 * sleeping sleep_us microseconds first (after kt_test_scorer_set_steps,
 * also after each of `steps` pretend generation steps per micro-batch,
 * numbered as kronos_forecast_ex numbers them; after kt_test_scorer_set_work,
 * each step is preceded by `ticks` calls with the step unchanged and
 * work_done one unit more, of work_total = steps * ticks). With req->n_paths >= 2 path q's
 * close is pred_close * (1 + 0.01 (q - (S - 1) / 2)). */
#ifndef KT_TEST_SCORER_H
#define KT_TEST_SCORER_H

#include "eval/scorer.h"

kt_scorer *kt_test_scorer_new(int micro, int sleep_us);
void kt_test_scorer_set_steps(kt_scorer *s, int steps);
void kt_test_scorer_set_work(kt_scorer *s, int ticks);
/* Total series scored so far (for assertions). */
long kt_test_scorer_calls(const kt_scorer *s);

#endif
