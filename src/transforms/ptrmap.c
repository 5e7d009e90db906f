/* ptrmap.c — open addressing with linear probing; the table doubles at half load. */
#include "ptrmap.h"

#include <stdlib.h>

static size_t slot(const mxi_ptrmap *m, const void *key) {
  uintptr_t h = (uintptr_t)key;
  h ^= h >> 17;
  h *= 0xed5ad4bbu;
  h ^= h >> 11;
  return (size_t)h & (m->cap - 1);
}

static bool alloc_table(mxi_ptrmap *m, size_t cap) {
  m->cap = cap;
  m->n = 0;
  m->keys = calloc(m->cap, sizeof *m->keys);
  m->vals = malloc(m->cap * sizeof *m->vals);
  if (m->keys && m->vals) return true;
  mxi_ptrmap_free(m);
  return false;
}

bool mxi_ptrmap_init(mxi_ptrmap *m) { return alloc_table(m, 64); }

void mxi_ptrmap_free(mxi_ptrmap *m) {
  free(m->keys);
  free(m->vals);
  m->keys = NULL;
  m->vals = NULL;
}

static bool grow(mxi_ptrmap *m) {
  mxi_ptrmap old = *m;
  if (!alloc_table(m, old.cap * 2)) {
    *m = old;
    return false;
  }
  for (size_t i = 0; i < old.cap; i++)
    if (old.keys[i]) mxi_ptrmap_put(m, old.keys[i], old.vals[i]); /* fits: cannot fail */
  free(old.keys);
  free(old.vals);
  return true;
}

bool mxi_ptrmap_put(mxi_ptrmap *m, const void *key, int val) {
  if (2 * (m->n + 1) > m->cap && !grow(m)) return false;
  size_t i = slot(m, key);
  while (m->keys[i] && m->keys[i] != key) i = (i + 1) & (m->cap - 1);
  if (!m->keys[i]) {
    m->keys[i] = key;
    m->n++;
  }
  m->vals[i] = val;
  return true;
}

bool mxi_ptrmap_get(const mxi_ptrmap *m, const void *key, int *val) {
  size_t i = slot(m, key);
  while (m->keys[i]) {
    if (m->keys[i] == key) {
      *val = m->vals[i];
      return true;
    }
    i = (i + 1) & (m->cap - 1);
  }
  return false;
}
