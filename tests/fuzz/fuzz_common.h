/* fuzz_common.h — what every fuzz target does with a parsed result: read every byte of every
 * array (so a view past the input shows up under ASan), then release it all. */
#ifndef MX_FUZZ_COMMON_H
#define MX_FUZZ_COMMON_H

#include <stdint.h>
#include <stdlib.h>

#include "io/io_internal.h"

static inline unsigned fuzz_touch(mx_array *a) {
  const unsigned char *p = mx_array_data(a);
  unsigned sum = 0;
  size_t n = mx_array_nbytes(a);
  for (size_t i = 0; p && i < n; i++) sum += p[i];
  return sum;
}

static inline unsigned fuzz_touch_all(mx_tensors *t) {
  unsigned sum = 0;
  for (int i = 0; i < mx_tensors_count(t); i++) {
    sum += fuzz_touch(mx_tensors_at(t, i));
    if (!mx_tensors_get(t, mx_tensors_name(t, i))) abort(); /* every name must be found */
  }
  for (int i = 0; i < mx_tensors_metadata_count(t); i++) {
    const char *k = mx_tensors_metadata_key(t, i), *v = mx_tensors_metadata(t, k);
    if (!v) abort();
    sum += (unsigned)strlen(v);
  }
  return sum;
}

#endif
