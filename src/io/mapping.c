/* mapping.c — read-only, reference-counted file mappings: zero-copy arrays share a model file's
 * pages and the last one to go unmaps it. */
#include <errno.h>
#include <fcntl.h>
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

mxi_mapping *mxi_mapping_open(const char *fn, const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    mxi_io_error(fn, path, "cannot open: %s", strerror(errno));
    return NULL;
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    mxi_io_error(fn, path, "not a regular file");
    close(fd);
    return NULL;
  }
  mxi_mapping *m = calloc(1, sizeof *m);
  if (!m) {
    close(fd);
    mxi_io_error(fn, path, "out of memory");
    return NULL;
  }
  atomic_init(REFS(m), 1);
  m->size = (size_t)st.st_size;
  if (m->size) {
    /* PROT_READ: nothing in mx writes into user memory (buffer donation skips it), and a
     * read-only private mapping costs no commit charge however large the model is. */
    void *p = mmap(NULL, m->size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (p == MAP_FAILED) {
      mxi_io_error(fn, path, "mmap of %zu bytes failed: %s", m->size, strerror(errno));
      free(m);
      close(fd);
      return NULL;
    }
    m->data = p;
    m->mapped = true;
  }
  close(fd); /* the mapping keeps the file alive */
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
