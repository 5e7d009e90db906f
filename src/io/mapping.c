/* mapping.c — a loaded file's bytes, reference counted: an aligned heap copy (the default) or,
 * when asked for, a read-only memory mapping; zero-copy arrays share them and the last one to go
 * frees or unmaps them. */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io_internal.h"

/* The public struct keeps a plain int so the header needs no <stdatomic.h>; all updates go
 * through these casts (same size and representation on every platform we build for). */
_Static_assert(sizeof(atomic_int) == sizeof(int), "atomic_int must be an int");
#define REFS(m) ((atomic_int *)&(m)->refcount)

mxi_mapping *mxi_mapping_open(const char *fn, const char *path, bool map) {
  char err[256];
  size_t size;
  int fd = mxi_io_open_regular(path, &size, err, sizeof err);
  if (fd < 0) {
    mxi_io_error(fn, path, "%s", err);
    return NULL;
  }
  mxi_mapping *m = calloc(1, sizeof *m);
  if (!m) {
    close(fd);
    mxi_io_error(fn, path, "out of memory");
    return NULL;
  }
  atomic_init(REFS(m), 1);
  m->size = size;
  if (size && map) {
    /* PROT_READ: nothing in mx writes into user memory (buffer donation skips it), and a
     * read-only private mapping costs no commit charge however large the model is. */
    void *p = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      mxi_io_error(fn, path, "mmap of %zu bytes failed: %s", size, strerror(errno));
      free(m);
      close(fd);
      return NULL;
    }
    m->data = p;
    m->mapped = true;
  } else if (size) {
    /* The default: one aligned heap copy that the arrays share, so a file truncated or
     * rewritten after loading cannot change or fault the arrays (docs/files.md). */
    void *p = NULL;
    if (posix_memalign(&p, 64, size) != 0) {
      mxi_io_error(fn, path, "out of memory reading %zu bytes", size);
      free(m);
      close(fd);
      return NULL;
    }
    if (mxi_io_read_fd(fd, p, size, err, sizeof err) != MX_OK) {
      mxi_io_error(fn, path, "%s", err);
      free(p);
      free(m);
      close(fd);
      return NULL;
    }
    m->data = p;
  }
  close(fd); /* a mapping keeps the file alive */
  return m;
}

mxi_mapping *mxi_mapping_copy(const uint8_t *data, size_t size) {
  mxi_mapping *m = calloc(1, sizeof *m);
  if (!m) return NULL;
  atomic_init(REFS(m), 1);
  m->size = size;
  if (size) {
    void *p = NULL;
    if (posix_memalign(&p, 64, size) != 0) {
      free(m);
      return NULL;
    }
    memcpy(p, data, size);
    m->data = p;
  }
  return m;
}

void mxi_mapping_retain(mxi_mapping *m) { atomic_fetch_add(REFS(m), 1); }

void mxi_mapping_release(mxi_mapping *m) {
  if (!m || atomic_fetch_sub(REFS(m), 1) != 1) return;
  if (m->mapped) munmap((void *)m->data, m->size);
  else free((void *)m->data);
  free(m);
}

static void release_cb(void *data, void *ctx) { mxi_mapping_release(ctx); }

mx_array *mxi_mapping_leaf(mxi_mapping *m, size_t off, mx_dtype dt, int ndim,
                           const int64_t *shape) {
  int64_t n = mxi_shape_size(ndim, shape);
  size_t nbytes = (size_t)n * mx_dtype_size(dt);
  /* A zero-size array has no bytes to share; point it at the mapping's start. */
  void *p = (void *)(m->data ? m->data + (n ? off : 0) : NULL);
  mx_buffer *b = mxi_buffer_wrap(p, nbytes, release_cb, m);
  if (!b) return NULL;
  mxi_mapping_retain(m);
  return mxi_io_leaf(dt, ndim, shape, b);
}
