/*
 * random.c — the seeded random numbers every random fault draws.
 *
 * One seed for the process (blkmon --seed N), and from it one stream per
 * rule, so that what a rule does depends only on the seed, its id and the
 * requests it sees.  The generator is SplitMix64 (rules.h writes it out,
 * for tests that predict a run): small, fast, and good enough to pass
 * BigCrush, which is more than fault injection needs.
 *
 * The seed is set once, before the loop runs, by the front end; engines
 * read it on the loop thread.  Without --seed it comes from the clock the
 * first time a rule asks for it, and the front end prints it so that the
 * run can be replayed.
 */
#include <stdbool.h>
#include <stdint.h>
#include <time.h>
#include <unistd.h>

#include "rules/rules.h"

static uint64_t seed_value;
static bool seed_chosen, seed_given;

void
rules_set_seed(uint64_t seed)
{
    seed_value = seed;
    seed_chosen = seed_given = true;
}

uint64_t
rules_seed(void)
{
    struct timespec ts;

    if (!seed_chosen) {
        clock_gettime(CLOCK_REALTIME, &ts);
        /* Small numbers are easier to type back in. */
        seed_value = rules_mix64((uint64_t)ts.tv_nsec ^
                                 ((uint64_t)ts.tv_sec << 20) ^
                                 (uint64_t)getpid()) % 1000000000u;
        seed_chosen = true;
    }
    return seed_value;
}

bool
rules_seed_given(void)
{
    return seed_given;
}

uint64_t
rules_mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

void
rules_rng_init(struct rules_rng *r, uint64_t seed, uint64_t id)
{
    r->state = rules_mix64(seed ^ rules_mix64(id));
}

uint64_t
rules_rng_next(struct rules_rng *r)
{
    r->state += 0x9e3779b97f4a7c15ull;
    return rules_mix64(r->state);
}

double
rules_rng_uniform(struct rules_rng *r)
{
    return (double)(rules_rng_next(r) >> 11) * 0x1.0p-53;
}
