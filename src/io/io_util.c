/* io_util.c — helpers every format uses: error messages that name the function and the file,
 * arrays made by loaders, checked sizes, byte swapping, UTF-8 validation, whole-file reads. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../core/stream.h"
#include "io_internal.h"

void mxi_io_verror(const char *fn, const char *file, const char *fmt, va_list ap) {
  char msg[1024];
  int k = snprintf(msg, sizeof msg, "%s: %s: ", fn, file ? file : "<memory>");
  if (k < 0 || (size_t)k >= sizeof msg) k = 0;
  vsnprintf(msg + k, sizeof msg - (size_t)k, fmt, ap);
  mxi_record_error(msg);
}

void mxi_io_error(const char *fn, const char *file, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  mxi_io_verror(fn, file, fmt, ap);
  va_end(ap);
}

mx_array *mxi_io_leaf(mx_dtype dt, int ndim, const int64_t *shape, mx_buffer *buf) {
  mx_array *a = mxi_array_alloc(0);
  if (!a) { /* out of memory: the buffer goes back, the caller reports NULL */
    mxi_buffer_release(buf);
    return NULL;
  }
  a->dtype = (uint8_t)dt;
  mxi_set_shape(a, ndim, shape);
  a->stream = mxi_current_stream();
  a->buf = buf;
  mxi_set_row_strides(a);
  return a;
}

mx_array *mxi_io_leaf_copy(mx_dtype dt, int ndim, const int64_t *shape, const void *src,
                           size_t nbytes) {
  mx_buffer *b = mxi_buffer_alloc_host(nbytes);
  if (!b) return NULL;
  if (src && nbytes) memcpy(b->host, src, nbytes);
  return mxi_io_leaf(dt, ndim, shape, b);
}

int64_t mxi_io_checked_size(int ndim, const int64_t *shape, size_t elem_bytes) {
  /* Half of INT64_MAX keeps byte counts (and offset + size sums) free of overflow. Zero
   * dimensions count as 1 in the bound: the row strides of (0, 2^62) would overflow too. */
  uint64_t limit = (uint64_t)INT64_MAX / 2 / (elem_bytes ? elem_bytes : 1), bound = 1;
  bool empty = false;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return -1;
    if (shape[i] == 0) {
      empty = true;
      continue;
    }
    if (bound > limit / (uint64_t)shape[i]) return -1;
    bound *= (uint64_t)shape[i];
  }
  return empty ? 0 : (int64_t)bound;
}

void mxi_byteswap(void *data, size_t n, size_t w) {
  uint8_t *p = data;
  for (size_t i = 0; i < n; i++, p += w) {
    for (size_t a = 0, b = w - 1; a < b; a++, b--) {
      uint8_t t = p[a];
      p[a] = p[b];
      p[b] = t;
    }
  }
}

bool mxi_utf8_valid(const char *str, size_t n) {
  const uint8_t *s = (const uint8_t *)str;
  size_t i = 0;
  while (i < n) {
    uint8_t c = s[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    size_t len;
    uint32_t cp, min;
    if ((c & 0xe0) == 0xc0) len = 2, cp = c & 0x1fu, min = 0x80;
    else if ((c & 0xf0) == 0xe0) len = 3, cp = c & 0x0fu, min = 0x800;
    else if ((c & 0xf8) == 0xf0) len = 4, cp = c & 0x07u, min = 0x10000;
    else return false;
    if (n - i < len) return false;
    for (size_t k = 1; k < len; k++) {
      if ((s[i + k] & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (s[i + k] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
    i += len;
  }
  return true;
}

int mxi_io_open_regular(const char *path, size_t *size, char *err, size_t err_len) {
  /* O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer forever. */
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    snprintf(err, err_len, "cannot open: %s", strerror(errno));
    return -1;
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    snprintf(err, err_len, "cannot stat: %s", strerror(errno));
    close(fd);
    return -1;
  }
  if (!S_ISREG(st.st_mode)) {
    const char *kind = S_ISDIR(st.st_mode)    ? "a directory"
                       : S_ISFIFO(st.st_mode) ? "a FIFO"
                       : S_ISCHR(st.st_mode)  ? "a character device"
                       : S_ISBLK(st.st_mode)  ? "a block device"
                       : S_ISSOCK(st.st_mode) ? "a socket"
                                              : "not a plain file";
    snprintf(err, err_len, "not a regular file (%s)", kind);
    close(fd);
    return -1;
  }
  int fl = fcntl(fd, F_GETFL);
  if (fl == -1 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) == -1) {
    snprintf(err, err_len, "fcntl: %s", strerror(errno));
    close(fd);
    return -1;
  }
  *size = (size_t)st.st_size;
  return fd;
}

mx_status mxi_io_read_fd(int fd, uint8_t *buf, size_t size, char *err, size_t err_len) {
  size_t n = 0;
  while (n < size) {
    ssize_t got = read(fd, buf + n, size - n);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      snprintf(err, err_len, "read error: %s", strerror(errno));
      return MX_ERROR;
    }
    if (got == 0) {
      snprintf(err, err_len, "the file shrank while being read (%zu of %zu bytes)", n, size);
      return MX_ERROR;
    }
    n += (size_t)got;
  }
  return MX_OK;
}

mx_status mxi_read_file(const char *path, uint8_t **data, size_t *size, char *err, size_t err_len) {
  *data = NULL;
  *size = 0;
  size_t n;
  int fd = mxi_io_open_regular(path, &n, err, err_len);
  if (fd < 0) return MX_ERROR;
  uint8_t *buf = n ? malloc(n) : NULL;
  if (n && !buf) {
    snprintf(err, err_len, "out of memory reading %zu bytes", n);
    close(fd);
    return MX_ERROR;
  }
  mx_status st = mxi_io_read_fd(fd, buf, n, err, err_len);
  close(fd);
  if (st != MX_OK) {
    free(buf);
    return MX_ERROR;
  }
  *data = buf;
  *size = n;
  return MX_OK;
}

const void *mxi_io_array_bytes(const char *fn, const char *path, const char *name, mx_array *a) {
  if (!a) {
    mxi_io_error(fn, path, "array '%s' is NULL", name);
    return NULL;
  }
  if (a->error) {
    mxi_io_error(fn, path, "array '%s' is an error array (%s)", name, a->error);
    return NULL;
  }
  if (a->size == 0) return "";
  const void *p = mx_array_data(a);
  if (!p) {
    const char *e = mx_last_error();
    mxi_io_error(fn, path, "array '%s' could not be evaluated%s%s", name, e ? ": " : "",
                 e ? e : "");
  }
  return p;
}

void mxi_sbuf_put(mxi_sbuf *b, const char *s, size_t n) {
  if (b->oom) return;
  if (b->cap - b->n <= n) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap - b->n <= n) {
      if (cap > SIZE_MAX / 2) {
        b->oom = true;
        return;
      }
      cap *= 2;
    }
    char *p = realloc(b->s, cap);
    if (!p) {
      b->oom = true;
      return;
    }
    b->s = p;
    b->cap = cap;
  }
  memcpy(b->s + b->n, s, n);
  b->n += n;
  b->s[b->n] = 0;
}

void mxi_sbuf_printf(mxi_sbuf *b, const char *fmt, ...) {
  char tmp[128];
  va_list ap;
  va_start(ap, fmt);
  int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (k < 0 || (size_t)k >= sizeof tmp) {
    b->oom = true; /* only short formats are used */
    return;
  }
  mxi_sbuf_put(b, tmp, (size_t)k);
}
