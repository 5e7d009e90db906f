/* test_io_util.h — helpers shared by the file-format tests (test_io*.c): a private temporary
 * directory, whole-file reads and writes, arrays with known values, byte-exact comparison. */
#ifndef MX_TEST_IO_UTIL_H
#define MX_TEST_IO_UTIL_H

#define _GNU_SOURCE 1
#include <dirent.h>
#include <ftw.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static char io_dir[256];

static inline int io_rm(const char *p, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  return remove(p);
}

static inline void io_cleanup(void) {
  if (io_dir[0]) nftw(io_dir, io_rm, 16, FTW_DEPTH | FTW_PHYS);
}

/* A fresh directory for this test binary, removed at exit. */
static inline const char *io_tmpdir(void) {
  if (!io_dir[0]) {
    const char *base = getenv("TMPDIR");
    snprintf(io_dir, sizeof io_dir, "%s/mx_io_XXXXXX", base && *base ? base : "/tmp");
    if (!mkdtemp(io_dir)) {
      perror("mkdtemp");
      exit(1);
    }
    atexit(io_cleanup);
  }
  return io_dir;
}

/* io_tmpdir()/name in one of 8 rotating buffers. */
static inline const char *io_path(const char *name) {
  static char bufs[8][512];
  static int k;
  char *b = bufs[k++ % 8];
  snprintf(b, 512, "%s/%s", io_tmpdir(), name);
  return b;
}

static inline void io_write_file(const char *path, const void *data, size_t n) {
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, n, f) != n) {
    perror(path);
    exit(1);
  }
  fclose(f);
}

/* malloc'd contents (NULL if the file cannot be read); *n its size. */
static inline uint8_t *io_read_file(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  *n = 0;
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long len = ftell(f);
  fseek(f, 0, SEEK_SET);
  uint8_t *d = malloc((size_t)len + 1);
  *n = fread(d, 1, (size_t)len, f);
  fclose(f);
  return d;
}

/* Files in io_tmpdir() whose name contains ".tmp" (left-over temporary files of a save). */
static inline int io_count_tmp(void) {
  DIR *d = opendir(io_tmpdir());
  int n = 0;
  struct dirent *e;
  while (d && (e = readdir(d)))
    if (strstr(e->d_name, ".tmp")) n++;
  if (d) closedir(d);
  return n;
}

/* Element i: integers (i * 2654435761 + 12345) wrapped to their width, bool i % 3 == 0, floats
 * (i - 2.5) * 0.375, complex with i / 2 as imaginary part (every value exact in its type). */
static inline mx_array *io_values(mx_dtype dt, mx_shape shape) {
  int64_t n = 1;
  for (int i = 0; i < shape.ndim; i++) n *= shape.dims[i];
  size_t es = mx_dtype_size(dt);
  unsigned char *buf = calloc((size_t)(n ? n : 1), es);
  for (int64_t i = 0; i < n; i++) {
    unsigned char *p = buf + (size_t)i * es;
    uint64_t v = (uint64_t)i * 2654435761u + 12345u;
    float f = (float)(((double)i - 2.5) * 0.375);
    if (dt == MX_BOOL) {
      *p = i % 3 == 0;
    } else if (mx_dtype_is_integer(dt)) {
      memcpy(p, &v, es);
    } else if (dt == MX_FLOAT16 || dt == MX_BFLOAT16) {
      mx_array *s = mx_astype(mx_scalar_typed(f, MX_FLOAT32), dt);
      memcpy(p, mx_array_data(s), 2);
    } else if (dt == MX_FLOAT32) {
      memcpy(p, &f, 4);
    } else if (dt == MX_FLOAT64) {
      double d = f;
      memcpy(p, &d, 8);
    } else {
      float c[2] = {f, (float)i * 0.5f};
      memcpy(p, c, 8);
    }
  }
  mx_array *a = mx_array_new(buf, shape, dt);
  free(buf);
  return a;
}

/* Same dtype, shape and bytes. */
static inline bool io_same(mx_array *got, mx_array *want) {
  if (!got || !want || mx_is_error(got) || mx_is_error(want)) return false;
  if (mx_array_dtype(got) != mx_array_dtype(want) || mx_array_ndim(got) != mx_array_ndim(want))
    return false;
  for (int i = 0; i < mx_array_ndim(got); i++)
    if (mx_array_shape(got)[i] != mx_array_shape(want)[i]) return false;
  size_t n = mx_array_nbytes(want);
  const void *a = mx_array_data(got), *b = mx_array_data(want);
  return a && b && (n == 0 || memcmp(a, b, n) == 0);
}

/* The error message of the last failed load contains substr. */
#define CHECK_LAST_ERROR(substr)                                                           \
  do {                                                                                     \
    const char *e_ = mx_last_error();                                                      \
    if (!CHECK(e_ && strstr(e_, (substr)))) fprintf(stderr, "    got: %s\n", e_ ? e_ : "(none)"); \
  } while (0)

/* A load's outcome: true when it failed as loaders fail (a set carrying the error, never NULL);
 * the failed set is freed. io_loaded is the opposite, freeing a failed set too. */
static inline bool io_load_failed(mx_tensors *t) {
  bool failed = t && mx_tensors_error(t) && mx_tensors_count(t) == 0;
  if (t && mx_tensors_error(t)) mx_tensors_free(t);
  return failed;
}
static inline bool io_loaded(mx_tensors *t) {
  if (t && !mx_tensors_error(t)) return true;
  if (t) {
    fprintf(stderr, "  load failed: %s\n", mx_tensors_error(t));
    mx_tensors_free(t);
  }
  return false;
}

#endif
