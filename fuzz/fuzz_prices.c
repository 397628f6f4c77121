/* fuzz_prices.c: the price-store CSV loader (kt_prices_load_mem). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "eval/prices.h"
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    kt_prices *p = NULL;
    char err[512];
    err[0] = '\0';
    if (kt_prices_load_mem("fuzz.csv", (const char *)data, size, &p, err, sizeof err) == 0) {
        if (!p)
            abort();
        (void)kt_prices_hash(p);
        for (int i = 0; i < p->n_series; i++) {
            const kt_series *s = &p->series[i];
            if (kt_prices_find(p, s->ticker) != i)
                abort(); /* tickers must be unique and sorted */
            for (int b = 0; b < s->n; b++) {
                if (b > 0 && s->t[b] <= s->t[b - 1])
                    abort(); /* bars strictly increasing */
                if (kt_series_find(s, s->t[b]) != b)
                    abort();
                char buf[40];
                kt_time_format(s->t[b], p->intraday, buf, sizeof buf);
            }
        }
        kt_prices_free(p);
    } else {
        if (p || strlen(err) == 0)
            abort(); /* a failure must say why and load nothing */
    }
    return 0;
}
