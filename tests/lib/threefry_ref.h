/* threefry_ref.h — an independent threefry-2x32-20 for the random tests: the loop form of
 * Random123's reference, written from docs/random.md (not from the library's header). */
#ifndef MX_TEST_THREEFRY_REF_H
#define MX_TEST_THREEFRY_REF_H

#include <stdint.h>

void ref_threefry(uint32_t k0, uint32_t k1, uint32_t c0, uint32_t c1, uint32_t out[2]);

#endif
