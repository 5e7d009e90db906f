/* npz.c — NumPy .npz archives: a zip of .npy members named "<key>.npy". Reads stored
 * (numpy.savez) and deflated (numpy.savez_compressed) members, checking each CRC-32; writes
 * stored members. */
#include <stdlib.h>

#include "zip.h"

#define LOAD "mx_load_npz"
#define SAVE "mx_save_npz"

static bool load_member(mx_tensors *t, const mxi_zip_entry *e, const char *file) {
  const char *nm = e->name;
  if (e->name_len < 4 || strcmp(nm + e->name_len - 4, ".npy") != 0 || strlen(nm) != e->name_len) {
    mxi_io_error(LOAD, file, "member '%s' is not an .npy file", nm);
    return false;
  }
  const uint8_t *bytes = e->data;
  uint8_t *inflated = NULL;
  if (e->method == 8) {
    inflated = malloc(e->usize ? e->usize : 1);
    if (!inflated) {
      mxi_io_error(LOAD, file, "member '%s': out of memory for %u bytes", nm, e->usize);
      return false;
    }
    const char *why = mxi_inflate(e->data, e->csize, inflated, e->usize);
    if (why) {
      mxi_io_error(LOAD, file, "member '%s': %s", nm, why);
      free(inflated);
      return false;
    }
    bytes = inflated;
  }
  bool ok = false;
  uint32_t crc = mxi_crc32(0, bytes, e->usize);
  char err[256];
  mx_array *a = NULL;
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
  crc = e->crc; /* let fuzzers reach the .npy parser without forging checksums */
#endif
  if (crc != e->crc) {
    mxi_io_error(LOAD, file, "member '%s': CRC-32 %08x does not match the directory's %08x", nm,
                 crc, e->crc);
  } else if (!(a = mxi_npy_decode(bytes, e->usize, err, sizeof err))) {
    mxi_io_error(LOAD, file, "member '%s': %s", nm, err);
  } else {
    bool dup;
    ok = mxi_tensors_add(t, nm, e->name_len - 4, a, &dup);
    if (!ok) mxi_io_error(LOAD, file, dup ? "duplicate member '%s'" : "out of memory at '%s'", nm);
  }
  free(inflated);
  return ok;
}

mx_tensors *mxi_npz_parse(const uint8_t *data, size_t size, const char *file) {
  if (!mxi_io_host_ok(LOAD, file)) return NULL;
  mxi_zip_entry *e;
  size_t n;
  char err[256];
  if (!mxi_zip_read(data, size, &e, &n, err, sizeof err)) {
    mxi_io_error(LOAD, file, "%s", err);
    return NULL;
  }
  mx_tensors *t = mxi_tensors_new();
  if (!t) mxi_io_error(LOAD, file, "out of memory");
  for (size_t i = 0; t && i < n; i++) {
    if (!load_member(t, &e[i], file)) {
      mx_tensors_free(t);
      t = NULL;
    }
  }
  mxi_zip_free(e, n);
  return t;
}

static mx_tensors *load(const char *path) {
  if (!path) {
    mxi_io_error(LOAD, "(null)", "path is NULL");
    return NULL;
  }
  uint8_t *data;
  size_t size;
  char err[256];
  if (mxi_read_file(path, &data, &size, err, sizeof err) != MX_OK) {
    mxi_io_error(LOAD, path, "%s", err);
    return NULL;
  }
  mx_tensors *t = mxi_npz_parse(data, size, path);
  free(data);
  return t;
}

static int by_name(const void *a, const void *b) {
  return strcmp(((const mx_named_array *)a)->name, ((const mx_named_array *)b)->name);
}

static bool check_inputs(const char *path, int n, const mx_named_array *arrays) {
  if (n < 0 || n > 65534 || (n && !arrays)) {
    mxi_io_error(SAVE, path, "invalid number of arrays %d (at most 65534 without zip64)", n);
    return false;
  }
  for (int i = 0; i < n; i++) {
    const char *name = arrays[i].name;
    mx_array *a = arrays[i].array;
    if (!name || !*name || strlen(name) > 60000 || !mxi_utf8_valid(name, strlen(name))) {
      mxi_io_error(SAVE, path, "array %d has no name, or one that is not valid UTF-8", i);
      return false;
    }
    if (!a || a->error) {
      mxi_io_error(SAVE, path, "array '%s' is %s%s", name, a ? "an error array: " : "NULL",
                   a ? a->error : "");
      return false;
    }
  }
  mx_named_array *sorted = malloc(((size_t)n + 1) * sizeof *sorted);
  if (!sorted) {
    mxi_io_error(SAVE, path, "out of memory");
    return false;
  }
  memcpy(sorted, arrays, (size_t)n * sizeof *sorted);
  qsort(sorted, (size_t)n, sizeof *sorted, by_name);
  bool ok = true;
  for (int i = 1; i < n && ok; i++) {
    if (strcmp(sorted[i - 1].name, sorted[i].name) == 0) {
      mxi_io_error(SAVE, path, "duplicate array name '%s'", sorted[i].name);
      ok = false;
    }
  }
  free(sorted);
  return ok;
}

/* One stored member "<name>.npy"; its CRC is computed before writing (a zip local header
 * comes first), so the array's bytes are read twice but never copied. */
static bool write_member(mxi_atomic_file *af, mxi_sbuf *cd, uint64_t *pos, const mx_named_array *na) {
  mx_array *a = na->array;
  uint8_t hdr[MXI_NPY_HEADER_MAX];
  size_t hn = mxi_npy_header(SAVE, af->path, (mx_dtype)a->dtype, a->ndim, a->shape, hdr);
  if (!hn) return false;
  const void *bytes = mxi_io_array_bytes(SAVE, af->path, na->name, a);
  if (!bytes) return false;
  size_t nb = mx_array_nbytes(a), name_len = strlen(na->name) + 4;
  uint64_t size = (uint64_t)hn + nb;
  if (size >= 0xffffffffu || *pos >= 0xffffffffu) {
    mxi_io_error(SAVE, af->path, "array '%s' does not fit a zip archive without zip64", na->name);
    return false;
  }
  uint32_t crc = mxi_crc32(mxi_crc32(0, hdr, hn), bytes, nb);
  char *name = malloc(name_len + 1);
  if (!name) {
    mxi_io_error(SAVE, af->path, "out of memory");
    return false;
  }
  snprintf(name, name_len + 1, "%s.npy", na->name);
  uint8_t local[MXI_ZIP_LOCAL_SIZE];
  mxi_zip_local_header(local, name_len, crc, (uint32_t)size);
  mxi_zip_central_header(cd, name, name_len, crc, (uint32_t)size, (uint32_t)*pos);
  mxi_atomic_write(af, local, sizeof local);
  mxi_atomic_write(af, name, name_len);
  mxi_atomic_write(af, hdr, hn);
  mxi_atomic_write(af, bytes, nb);
  free(name);
  *pos += MXI_ZIP_LOCAL_SIZE + name_len + size;
  return !af->failed;
}

mx_status mx_save_npz(const char *path, int n, const mx_named_array *arrays) {
  const char *p = path ? path : "(null)";
  if (!path) {
    mxi_io_error(SAVE, p, "not a file path (NULL)");
    return MX_ERROR;
  }
  if (!mxi_io_host_ok(SAVE, p) || !check_inputs(p, n, arrays)) return MX_ERROR;
  mxi_atomic_file af;
  if (mxi_atomic_open(&af, SAVE, p) != MX_OK) return MX_ERROR;
  mxi_sbuf cd = {0};
  uint64_t pos = 0;
  for (int i = 0; i < n && !af.failed; i++) {
    if (!write_member(&af, &cd, &pos, &arrays[i])) af.failed = true;
  }
  if (!af.failed && (cd.oom || pos + cd.n >= 0xffffffffu)) {
    mxi_io_error(SAVE, p, cd.oom ? "out of memory" : "the archive needs zip64, which is not supported");
    af.failed = true;
  }
  if (!af.failed) {
    uint8_t end[MXI_ZIP_END_SIZE];
    mxi_zip_end(end, (uint16_t)n, (uint32_t)cd.n, (uint32_t)pos);
    mxi_atomic_write(&af, cd.s, cd.n);
    mxi_atomic_write(&af, end, sizeof end);
  }
  free(cd.s);
  return mxi_atomic_commit(&af);
}

mx_tensors *mx_load_npz(const char *path) { return mxi_tensors_result(load(path)); }
