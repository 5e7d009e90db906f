/* staging.c — the pinned staging ring's bookkeeping (staging.h). */
#include "staging.h"

void mxi_ring_init(mxi_ring *r, size_t size, mxi_ring_fences f) {
  r->size = size;
  r->head = 0;
  r->first = r->count = 0;
  r->f = f;
}

/* A quarter of the ring: two transfers can overlap while two more regions are being filled. */
size_t mxi_ring_chunk(const mxi_ring *r) { return r->size / 4 ? r->size / 4 : r->size; }

static void retire_oldest(mxi_ring *r) {
  r->f.wait(r->f.ctx, r->first);
  r->first = (r->first + 1) % MXI_RING_SLOTS;
  r->count--;
}

static bool overlaps_any(const mxi_ring *r, size_t start, size_t end) {
  for (int i = 0; i < r->count; i++) {
    int s = (r->first + i) % MXI_RING_SLOTS;
    if (r->region[s].start < end && start < r->region[s].end) return true;
  }
  return false;
}

size_t mxi_ring_reserve(mxi_ring *r, size_t len) {
  if (len > r->size) len = r->size; /* callers chunk; never hand out more than exists */
  if (r->head + len > r->size) r->head = 0;
  size_t start = r->head;
  /* Regions are handed out in ring order, so the ones in the way are the oldest: retire in order. */
  while (r->count > 0 && (r->count == MXI_RING_SLOTS || overlaps_any(r, start, start + len)))
    retire_oldest(r);
  r->head = start + len;
  return start;
}

int mxi_ring_commit(mxi_ring *r, size_t off, size_t len) {
  if (r->count == MXI_RING_SLOTS) retire_oldest(r);
  int s = (r->first + r->count) % MXI_RING_SLOTS;
  r->region[s].start = off;
  r->region[s].end = off + len;
  r->f.record(r->f.ctx, s);
  r->count++;
  return s;
}

void mxi_ring_wait(mxi_ring *r, int slot) {
  for (int i = 0; i < r->count; i++)
    if ((r->first + i) % MXI_RING_SLOTS == slot) {
      for (int k = 0; k <= i; k++) retire_oldest(r);
      return;
    }
}

void mxi_ring_drain(mxi_ring *r) {
  while (r->count > 0) retire_oldest(r);
}
