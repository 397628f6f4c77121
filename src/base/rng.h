/* rng.h: the project's one random number generator (pure C).
 *
 * xoshiro256** seeded by splitmix64. Every user draws from it: sampling in
 * the model (one stream per series x sample row), weight initialisation and
 * batch order in training, the demo market generator and the report's
 * shuffle control. The streams are contracts: the same seed gives the same
 * numbers on every machine (resume byte-identity, golden sampled paths, the
 * demo market's bytes), so nothing here may change its arithmetic.
 */
#ifndef KT_RNG_H
#define KT_RNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct kt_rng {
    uint64_t s[4];
    int has_spare;  /* kt_rng_normal's second Box-Muller value */
    double spare;
} kt_rng;

/* One splitmix64 step: advances *state and returns the mixed value. */
uint64_t kt_splitmix64(uint64_t *state);

/* State from four splitmix64 draws starting at seed. */
void kt_rng_seed(kt_rng *r, uint64_t seed);
/* Stream `stream` of seed: splitmix64 from
 * seed ^ (stream * 0xd1b54a32d192ed03 + 0x8bb84b93962eacc9). */
void kt_rng_seed_stream(kt_rng *r, uint64_t seed, uint64_t stream);

uint64_t kt_rng_next(kt_rng *r);
/* [0, 1): (next >> 11) * 2^-53 (the sampler's draw). */
double kt_rng_uniform(kt_rng *r);
/* (0, 1): ((next >> 11) + 0.5) * 2^-53 (never 0: safe under log). */
double kt_rng_uniform_open(kt_rng *r);
/* Standard normal, Box-Muller on two kt_rng_uniform_open draws; the second
 * value of each pair is kept and returned by the next call. */
double kt_rng_normal(kt_rng *r);

#ifdef __cplusplus
}
#endif
#endif /* KT_RNG_H */
