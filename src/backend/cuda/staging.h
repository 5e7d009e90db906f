/* staging.h — the bookkeeping of a pinned staging ring: host <-> device copies go through a ring of
 * pinned memory so that an upload returns at once (the source may be freed) while the DMA runs in
 * stream order. Each region in flight carries a fence (a CUDA event on a GPU, a fake in tests);
 * a region is reused only after its fence passed. Plain C so that tests run without a GPU. */
#ifndef MX_CUDA_STAGING_H
#define MX_CUDA_STAGING_H

#include <stdbool.h>
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MXI_RING_SLOTS 64 /* fences in flight at most */

typedef struct mxi_ring_fences {
  void *ctx;
  void (*record)(void *ctx, int slot); /* a fence after the work enqueued so far */
  void (*wait)(void *ctx, int slot);   /* blocks until that fence passed */
} mxi_ring_fences;

typedef struct mxi_ring {
  size_t size, head;
  struct {
    size_t start, end;
  } region[MXI_RING_SLOTS];
  int first, count; /* in-flight regions, oldest first */
  mxi_ring_fences f;
} mxi_ring;

void mxi_ring_init(mxi_ring *r, size_t size, mxi_ring_fences f);
/* The largest region one reservation may take (a transfer bigger than this goes in pieces). */
size_t mxi_ring_chunk(const mxi_ring *r);
/* Offset of a region of len bytes (len <= mxi_ring_chunk) free to write: waits for the fences of
 * regions it overlaps, oldest first. */
size_t mxi_ring_reserve(mxi_ring *r, size_t len);
/* Marks the region as in flight behind a new fence; returns the fence's slot. */
int mxi_ring_commit(mxi_ring *r, size_t off, size_t len);
/* Waits for the fence of slot and retires it and every older region. */
void mxi_ring_wait(mxi_ring *r, int slot);
/* Waits for everything in flight. */
void mxi_ring_drain(mxi_ring *r);

#ifdef __cplusplus
}
#endif
#endif
