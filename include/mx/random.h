/* mx/random.h — counter-based random numbers with explicit keys (threefry-2x32, JAX/MLX style):
 * the same key gives the same numbers on every run and every backend. A NULL key draws from a
 * global key (mx_random_seed) that is split at each use. */
#ifndef MX_RANDOM_H
#define MX_RANDOM_H

#include "array.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A key: uint32 array of shape [2]. */
mx_array *mx_random_key(uint64_t seed);
/* num new keys from key: shape [num, 2]. */
mx_array *mx_random_split(mx_array *key, int num);
/* Sets the global key used when a key argument is NULL. */
void mx_random_seed(uint64_t seed);

/* Raw random bits: uint32 array of shape. */
mx_array *mx_random_bits(mx_array *key, mx_shape shape);
/* Uniform in [low, high). dtype must be floating. */
mx_array *mx_random_uniform(mx_array *key, mx_shape shape, double low, double high, mx_dtype dtype);
mx_array *mx_random_normal(mx_array *key, mx_shape shape, double loc, double scale, mx_dtype dtype);
/* Standard normal restricted to [lower, upper]. */
mx_array *mx_random_truncated_normal(mx_array *key, mx_shape shape, double lower, double upper,
                                     mx_dtype dtype);
/* true with probability p. */
mx_array *mx_random_bernoulli(mx_array *key, mx_shape shape, double p);
/* Integers in [low, high). */
mx_array *mx_random_randint(mx_array *key, mx_shape shape, int64_t low, int64_t high, mx_dtype dtype);
/* Samples indices from the categorical distribution with unnormalized log-probabilities logits
 * along axis; the result has logits' shape without axis. */
mx_array *mx_random_categorical(mx_array *key, mx_array *logits, int axis);
/* A random permutation of 0..n-1 (int64). */
mx_array *mx_random_permutation(mx_array *key, int64_t n);
/* a with its first axis shuffled. */
mx_array *mx_random_permute(mx_array *key, mx_array *a);
mx_array *mx_random_gumbel(mx_array *key, mx_shape shape, mx_dtype dtype);

#ifdef __cplusplus
}
#endif
#endif
