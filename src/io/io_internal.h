/* io_internal.h — what the file-format modules share: the tensors map, file mappings, atomic
 * writes, error reporting, byte readers, and the parse-from-memory entry points the fuzzers use. */
#ifndef MX_IO_INTERNAL_H
#define MX_IO_INTERNAL_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "../core/internal.h"
#include "mx/io.h"

/* ---- errors (io_util.c) ----
 * Records "fn: file: message" as the thread's error (mx_last_error). */
void mxi_io_error(const char *fn, const char *file, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void mxi_io_verror(const char *fn, const char *file, const char *fmt, va_list ap);

/* ---- the tensors map (tensors.c) ---- */
mx_tensors *mxi_tensors_new(void); /* NULL when out of memory */
/* What a loader returns: t, or when t is NULL (a failure, already reported) a set carrying the
 * recorded error (mx_tensors_error), whose every array is that error. */
mx_tensors *mxi_tensors_result(mx_tensors *t);
/* Adds name -> a, taking over the caller's reference to a (released on failure too). Returns
 * false (with *dup set when the name was already present) on a duplicate or out of memory. */
bool mxi_tensors_add(mx_tensors *t, const char *name, size_t name_len, mx_array *a, bool *dup);
bool mxi_tensors_add_meta(mx_tensors *t, const char *key, size_t key_len, const char *value,
                          size_t value_len, bool *dup);

/* ---- arrays the loaders make ----
 * An unowned evaluated leaf (refcount 1, in no scope) over buf (taking buf's reference). Shape
 * must be valid (checked by the parsers). NULL when out of memory (buf released). */
mx_array *mxi_io_leaf(mx_dtype dt, int ndim, const int64_t *shape, mx_buffer *buf);
/* An unowned leaf holding a copy of nbytes at src (src may be NULL to leave it uninitialized);
 * NULL when out of memory. */
mx_array *mxi_io_leaf_copy(mx_dtype dt, int ndim, const int64_t *shape, const void *src,
                           size_t nbytes);
/* Size in elements of a shape read from a file, or -1 when a dimension is negative or the
 * product of the nonzero dimensions times elem_bytes would exceed INT64_MAX/2 (so sizes, byte
 * counts and row strides cannot overflow, even for empty arrays). */
int64_t mxi_io_checked_size(int ndim, const int64_t *shape, size_t elem_bytes);

/* ---- file mappings (mapping.c) ----
 * A whole file's bytes, read-only and reference counted: each zero-copy array holds one
 * reference (released by its buffer's destructor), so the bytes stay while any array made from
 * them lives. */
typedef struct mxi_mapping mxi_mapping;
struct mxi_mapping {
  int refcount; /* atomic in mapping.c */
  const uint8_t *data;
  size_t size;
  bool mapped; /* mmap'd (else malloc'd) */
};
/* Reads path into an aligned heap copy, or with map memory-maps it (MAP_PRIVATE, read-only: the
 * caveats are in docs/files.md). NULL with the error recorded (fn names the caller) on failure. */
mxi_mapping *mxi_mapping_open(const char *fn, const char *path, bool map);
/* A mapping over a heap copy of data (for parsing from memory with zero-copy arrays). */
mxi_mapping *mxi_mapping_copy(const uint8_t *data, size_t size);
void mxi_mapping_retain(mxi_mapping *m);
void mxi_mapping_release(mxi_mapping *m);
/* An unowned leaf sharing the mapping's bytes at offset off (aligned to the element size),
 * holding a reference to m. NULL when out of memory. */
mx_array *mxi_mapping_leaf(mxi_mapping *m, size_t off, mx_dtype dt, int ndim,
                           const int64_t *shape);

/* Opens path for reading only if it is a regular file (FIFOs, devices and directories are
 * refused without blocking: the open is O_NONBLOCK until fstat says what it is). Returns the
 * descriptor and *size, or -1 with the reason written to err. Every loader opens through this. */
int mxi_io_open_regular(const char *path, size_t *size, char *err, size_t err_len);
/* Reads exactly size bytes from fd (a file that shrinks meanwhile is an error, written to err). */
mx_status mxi_io_read_fd(int fd, uint8_t *buf, size_t size, char *err, size_t err_len);
/* Reads a whole regular file into malloc'd memory (*data is NULL for an empty file). On failure
 * writes the reason to err. */
mx_status mxi_read_file(const char *path, uint8_t **data, size_t *size, char *err, size_t err_len);

/* ---- atomic saves (atomic_file.c) ----
 * Writes go to a temporary file beside path (beside its target when path is a symbolic link);
 * commit fsyncs it and renames it over path (over the link's target: the link stays); abort
 * (or any write failure followed by commit) removes it and leaves path untouched. */
typedef struct mxi_atomic_file {
  FILE *f;
  char *tmp_path;
  char *target;     /* path with its symbolic links followed: what the rename replaces */
  const char *path; /* as the caller gave it, for messages */
  const char *fn;
  bool failed; /* an error is already recorded */
} mxi_atomic_file;
mx_status mxi_atomic_open(mxi_atomic_file *af, const char *fn, const char *path);
/* Records a write error once and marks af failed. Returns false when af has failed. */
bool mxi_atomic_write(mxi_atomic_file *af, const void *data, size_t n);
mx_status mxi_atomic_commit(mxi_atomic_file *af);
void mxi_atomic_abort(mxi_atomic_file *af);

/* ---- little-endian byte access and byte order ---- */
static inline uint16_t mxi_rd16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t mxi_rd32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
static inline uint64_t mxi_rd64(const uint8_t *p) {
  return (uint64_t)mxi_rd32(p) | ((uint64_t)mxi_rd32(p + 4) << 32);
}
static inline void mxi_wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
}
static inline void mxi_wr32(uint8_t *p, uint32_t v) {
  mxi_wr16(p, (uint16_t)v);
  mxi_wr16(p + 2, (uint16_t)(v >> 16));
}
static inline void mxi_wr64(uint8_t *p, uint64_t v) {
  mxi_wr32(p, (uint32_t)v);
  mxi_wr32(p + 4, (uint32_t)(v >> 32));
}
/* Every format here is little-endian, as is every host mx targets; tensor bytes are used as
 * they are in memory. A big-endian host gets a clear error instead of wrong numbers. */
static inline bool mxi_io_host_ok(const char *fn, const char *file) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  mxi_io_error(fn, file, "big-endian hosts are not supported");
  return false;
#else
  (void)fn, (void)file;
  return true;
#endif
}
/* Reverses the bytes of each of n words of word_size bytes (2, 4 or 8) in place. */
void mxi_byteswap(void *data, size_t n, size_t word_size);
/* Bytes swapped as a unit for a dtype (complex64: each 4-byte half). */
static inline size_t mxi_swap_unit(mx_dtype dt) { return dt == MX_COMPLEX64 ? 4 : mx_dtype_size(dt); }

/* A saved array's elements, row-major on the host (evaluates a); NULL with the error recorded. */
const void *mxi_io_array_bytes(const char *fn, const char *path, const char *name, mx_array *a);

/* True when s[0..n) is valid UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
bool mxi_utf8_valid(const char *s, size_t n);

/* ---- a growable string (io_util.c): appends never fail; oom says one did not fit ---- */
typedef struct mxi_sbuf {
  char *s; /* NUL-terminated once anything was appended */
  size_t n, cap;
  bool oom;
} mxi_sbuf;
void mxi_sbuf_put(mxi_sbuf *b, const char *s, size_t n);
void mxi_sbuf_printf(mxi_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* ---- CRC-32 (zip's, polynomial 0xEDB88320) and inflate (RFC 1951) ---- */
uint32_t mxi_crc32(uint32_t crc, const void *data, size_t n);
/* Inflates a raw deflate stream into exactly out_size bytes. Returns NULL on success, or a static
 * message saying what was wrong. */
const char *mxi_inflate(const uint8_t *in, size_t in_size, uint8_t *out, size_t out_size);

/* ---- parse-from-memory entry points (shared by the file loaders and the fuzzers) ----
 * file names the source in messages. owner, when not NULL, is a mapping holding data: arrays
 * whose bytes are aligned share it (zero copy) instead of copying. */
mx_tensors *mxi_safetensors_parse(const uint8_t *data, size_t size, const char *file,
                                  mxi_mapping *owner);
/* An array owned by the current scope, or an error array (fn names the public caller). */
mx_array *mxi_npy_parse(const uint8_t *data, size_t size, const char *file);
/* The same as an unowned leaf, or NULL with the reason written to err. */
mx_array *mxi_npy_decode(const uint8_t *data, size_t size, char *err, size_t err_len);
mx_tensors *mxi_npz_parse(const uint8_t *data, size_t size, const char *file);
mx_tensors *mxi_gguf_parse(const uint8_t *data, size_t size, const char *file,
                           mxi_mapping *owner);

/* An .npy header for dt and shape (padded so the data starts at a multiple of 64). Returns its
 * length, or 0 with the error recorded. buf must hold MXI_NPY_HEADER_MAX bytes. */
#define MXI_NPY_HEADER_MAX 512
size_t mxi_npy_header(const char *fn, const char *path, mx_dtype dt, int ndim,
                      const int64_t *shape, uint8_t *buf);

#endif
