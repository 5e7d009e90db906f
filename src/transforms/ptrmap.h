/* ptrmap.h — a small open-addressing map from node pointers to ints, for the transformations'
 * per-call bookkeeping (which nodes are on the tape, where). */
#ifndef MX_TRANSFORMS_PTRMAP_H
#define MX_TRANSFORMS_PTRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct mxi_ptrmap {
  const void **keys;
  int *vals;
  size_t cap, n;
} mxi_ptrmap;

/* init and put return false when out of memory (the map is left as it was; free it as usual). */
bool mxi_ptrmap_init(mxi_ptrmap *m);
void mxi_ptrmap_free(mxi_ptrmap *m);
bool mxi_ptrmap_put(mxi_ptrmap *m, const void *key, int val);
/* Returns true and the value if key is present. */
bool mxi_ptrmap_get(const mxi_ptrmap *m, const void *key, int *val);

#endif
