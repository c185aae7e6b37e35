/* host.h — what the C hosts of a model built by `dpmc build` share
 * (tests/outputs/odot.c, tests/parts_grad/pdot.c, ...): the model's names,
 * F(create) for MODEL_create with -DMODEL=NAME, and rnd(), uniform numbers
 * in [-1, 1) from a xorshift* generator, the same sequence in every host
 * (so a failing test repeats). */
#ifndef TESTS_HOST_H
#define TESTS_HOST_H

#define CAT_(a, b) a##_##b
#define CAT(a, b) CAT_(a, b)
#define F(f) CAT(MODEL, f)
#define STR_(a) #a
#define STR(a) STR_(a)

static unsigned long long rng = 0x2545f4914f6cdd1dULL;

static inline double
rnd(void)
{
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (double)((rng * 2685821657736338717ULL) >> 11) / 4503599627370496.0 - 1;
}

#endif
