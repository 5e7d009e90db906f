/* safetensors_write.c — safetensors saving, byte for byte as the reference writer lays a file
 * out: metadata first (keys sorted), tensors ordered by dtype (widest first, the reference's
 * enum order) then name, so every tensor is aligned to its element size; the JSON header is
 * compact and padded with spaces to a multiple of 8. */
#include <stdlib.h>

#include "io_internal.h"
#include "safetensors_dtype.h"

#define FN "mx_save_safetensors"

typedef struct entry {
  const char *name;
  mx_array *a;
  mx_dtype dt;
} entry;

static int by_dtype_then_name(const void *x, const void *y) {
  const entry *a = x, *b = y;
  int ra = mxi_st_dtypes[a->dt].rank, rb = mxi_st_dtypes[b->dt].rank;
  if (ra != rb) return rb - ra;
  return strcmp(a->name, b->name);
}

static int by_str(const void *x, const void *y) {
  return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* JSON string escaping as serde_json does it (the reference's serializer). */
static void put_json_string(mxi_sbuf *b, const char *s) {
  mxi_sbuf_put(b, "\"", 1);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    const char *esc = c == '"' ? "\\\"" : c == '\\' ? "\\\\" : c == '\n' ? "\\n" : c == '\r' ? "\\r"
                    : c == '\t' ? "\\t" : c == '\b' ? "\\b" : c == '\f' ? "\\f" : NULL;
    if (esc) mxi_sbuf_put(b, esc, 2);
    else if (c < 0x20) mxi_sbuf_printf(b, "\\u%04x", c);
    else mxi_sbuf_put(b, (const char *)&c, 1);
  }
  mxi_sbuf_put(b, "\"", 1);
}

static bool check_string(const char *path, const char *what, const char *s) {
  if (!s) {
    mxi_io_error(FN, path, "%s is NULL", what);
    return false;
  }
  if (!mxi_utf8_valid(s, strlen(s))) {
    mxi_io_error(FN, path, "%s '%s' is not valid UTF-8", what, s);
    return false;
  }
  return true;
}

/* Validates the inputs and sorts them into file order. */
static bool prepare(const char *path, int n, const mx_named_array *arrays, entry *e, int n_meta,
                    const char *const *keys, const char *const *values, const char **mkeys) {
  for (int i = 0; i < n; i++) {
    const char *name = arrays[i].name;
    if (!check_string(path, "a tensor name", name)) return false;
    if (strcmp(name, "__metadata__") == 0) {
      mxi_io_error(FN, path, "'__metadata__' cannot name a tensor");
      return false;
    }
    mx_array *a = arrays[i].array;
    if (!a || a->error) {
      mxi_io_error(FN, path, "array '%s' is %s%s", name, a ? "an error array: " : "NULL",
                   a ? a->error : "");
      return false;
    }
    e[i] = (entry){name, a, (mx_dtype)a->dtype};
  }
  qsort(e, (size_t)n, sizeof *e, by_dtype_then_name);
  for (int i = 1; i < n; i++) {
    if (strcmp(e[i - 1].name, e[i].name) == 0) {
      mxi_io_error(FN, path, "duplicate tensor name '%s'", e[i].name);
      return false;
    }
  }
  for (int i = 0; i < n_meta; i++) {
    if (!check_string(path, "a metadata key", keys[i]) ||
        !check_string(path, "a metadata value", values[i]))
      return false;
    mkeys[i] = keys[i];
  }
  qsort(mkeys, (size_t)n_meta, sizeof *mkeys, by_str);
  for (int i = 1; i < n_meta; i++) {
    if (strcmp(mkeys[i - 1], mkeys[i]) == 0) {
      mxi_io_error(FN, path, "duplicate metadata key '%s'", mkeys[i]);
      return false;
    }
  }
  return true;
}

static void build_header(mxi_sbuf *h, int n, const entry *e, int n_meta, const char **mkeys,
                         const char *const *keys, const char *const *values) {
  mxi_sbuf_put(h, "{", 1);
  if (n_meta > 0) {
    mxi_sbuf_put(h, "\"__metadata__\":{", 16);
    for (int i = 0; i < n_meta; i++) {
      int k = 0; /* the value that goes with the i-th sorted key */
      while (keys[k] != mkeys[i]) k++;
      if (i) mxi_sbuf_put(h, ",", 1);
      put_json_string(h, mkeys[i]);
      mxi_sbuf_put(h, ":", 1);
      put_json_string(h, values[k]);
    }
    mxi_sbuf_put(h, "}", 1);
  }
  uint64_t off = 0;
  for (int i = 0; i < n; i++) {
    if (i || n_meta > 0) mxi_sbuf_put(h, ",", 1);
    put_json_string(h, e[i].name);
    mxi_sbuf_printf(h, ":{\"dtype\":\"%s\",\"shape\":[", mxi_st_dtypes[e[i].dt].name);
    for (int d = 0; d < e[i].a->ndim; d++)
      mxi_sbuf_printf(h, d ? ",%lld" : "%lld", (long long)e[i].a->shape[d]);
    uint64_t nb = mx_array_nbytes(e[i].a);
    mxi_sbuf_printf(h, "],\"data_offsets\":[%llu,%llu]}", (unsigned long long)off,
                    (unsigned long long)(off + nb));
    off += nb;
  }
  mxi_sbuf_put(h, "}", 1);
  while (!h->oom && h->n % 8) mxi_sbuf_put(h, " ", 1);
}

mx_status mx_save_safetensors(const char *path, int n, const mx_named_array *arrays, int n_meta,
                              const char *const *keys, const char *const *values) {
  const char *p = path ? path : "(null)";
  if (!mxi_io_host_ok(FN, p)) return MX_ERROR;
  if (!path || n < 0 || n_meta < 0 || (n && !arrays) || (n_meta && (!keys || !values))) {
    mxi_io_error(FN, p, "invalid arguments (path %s, n %d, n_meta %d)", path ? "given" : "NULL", n, n_meta);
    return MX_ERROR;
  }
  entry *e = malloc(((size_t)n + 1) * sizeof *e);
  const char **mkeys = malloc(((size_t)n_meta + 1) * sizeof *mkeys);
  mxi_sbuf h = {0};
  mx_status st = MX_ERROR;
  if (!e || !mkeys) {
    mxi_io_error(FN, p, "out of memory");
    goto done;
  }
  if (!prepare(p, n, arrays, e, n_meta, keys, values, mkeys)) goto done;
  build_header(&h, n, e, n_meta, mkeys, keys, values);
  if (h.oom) {
    mxi_io_error(FN, p, "out of memory building the header");
    goto done;
  }
  if (h.n > MXI_ST_HEADER_MAX) {
    mxi_io_error(FN, p, "the header (names, shapes, metadata) would be %zu bytes, over the "
                 "format's limit of %llu bytes that loaders enforce", h.n, MXI_ST_HEADER_MAX);
    goto done;
  }
  mxi_atomic_file af;
  if (mxi_atomic_open(&af, FN, p) != MX_OK) goto done;
  uint8_t len[8];
  mxi_wr64(len, h.n);
  mxi_atomic_write(&af, len, 8);
  mxi_atomic_write(&af, h.s, h.n);
  /* Evaluated one at a time: a lazy model's tensors need not all be in memory at once. */
  for (int i = 0; i < n && !af.failed; i++) {
    const void *bytes = mxi_io_array_bytes(FN, p, e[i].name, e[i].a);
    if (!bytes) af.failed = true;
    else mxi_atomic_write(&af, bytes, mx_array_nbytes(e[i].a));
  }
  st = mxi_atomic_commit(&af);
done:
  free(e);
  free(mkeys);
  free(h.s);
  return st;
}
