/* rng.c: xoshiro256** with splitmix64 seeding (see rng.h). */
#include "config.h"

#include "base/rng.h"

#include <math.h>

uint64_t kt_splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void kt_rng_seed(kt_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = kt_splitmix64(&seed);
    r->has_spare = 0;
    r->spare = 0.0;
}

void kt_rng_seed_stream(kt_rng *r, uint64_t seed, uint64_t stream)
{
    kt_rng_seed(r, seed ^ (stream * 0xd1b54a32d192ed03ULL + 0x8bb84b93962eacc9ULL));
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t kt_rng_next(kt_rng *r)
{
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

double kt_rng_uniform(kt_rng *r) { return (double)(kt_rng_next(r) >> 11) * (1.0 / 9007199254740992.0); }

double kt_rng_uniform_open(kt_rng *r)
{
    return ((double)(kt_rng_next(r) >> 11) + 0.5) * (1.0 / 9007199254740992.0);
}

double kt_rng_normal(kt_rng *r)
{
    if (r->has_spare) {
        r->has_spare = 0;
        return r->spare;
    }
    double u1 = kt_rng_uniform_open(r), u2 = kt_rng_uniform_open(r);
    double rad = sqrt(-2.0 * log(u1));
    r->spare = rad * sin(2.0 * M_PI * u2);
    r->has_spare = 1;
    return rad * cos(2.0 * M_PI * u2);
}
