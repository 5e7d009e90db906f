/* npy_read.c — NumPy .npy loading (formats 1.0, 2.0, 3.0): the header is a Python dict literal,
 * parsed here with a small strict reader; big-endian data is byte-swapped and Fortran-ordered
 * data transposed, so the result is always a C-ordered array. */
#include <stdlib.h>

#include "io_internal.h"

typedef struct lit {
  const char *p, *end;
  char *err;
  size_t err_len;
} lit;

static bool fail(lit *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static bool fail(lit *l, const char *fmt, ...) {
  if (!l->err[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(l->err, l->err_len, fmt, ap);
    va_end(ap);
  }
  return false;
}

static void ws(lit *l) {
  while (l->p < l->end && (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')) l->p++;
}

static bool accept(lit *l, char c) {
  ws(l);
  if (l->p < l->end && *l->p == c) {
    l->p++;
    return true;
  }
  return false;
}

/* A quoted Python string without escapes (keys and dtype strings never need any). */
static bool str(lit *l, char *out, size_t cap) {
  ws(l);
  if (l->p >= l->end || (*l->p != '\'' && *l->p != '"')) return fail(l, "expected a string in the header");
  char q = *l->p++;
  size_t n = 0;
  while (l->p < l->end && *l->p != q) {
    if (*l->p == '\\' || (unsigned char)*l->p < 0x20) return fail(l, "unsupported character in a header string");
    if (n + 1 >= cap) return fail(l, "header string too long");
    out[n++] = *l->p++;
  }
  if (l->p >= l->end) return fail(l, "unterminated string in the header");
  l->p++;
  out[n] = 0;
  return true;
}

static bool word(lit *l, const char *w) {
  ws(l);
  size_t n = strlen(w);
  if ((size_t)(l->end - l->p) >= n && memcmp(l->p, w, n) == 0) {
    l->p += n;
    return true;
  }
  return false;
}

/* (d0, d1, ...): "()" and "(3,)" are tuples, "(3)" is not. */
static bool shape_tuple(lit *l, int *ndim, int64_t *shape) {
  if (!accept(l, '(')) return fail(l, "'shape' is not a tuple");
  *ndim = 0;
  bool comma = true;
  while (!accept(l, ')')) {
    if (!comma) return fail(l, "expected ',' or ')' in 'shape'");
    ws(l);
    if (l->p >= l->end || *l->p < '0' || *l->p > '9') return fail(l, "'shape' holds something other than non-negative integers");
    uint64_t v = 0;
    while (l->p < l->end && *l->p >= '0' && *l->p <= '9') {
      v = v * 10 + (uint64_t)(*l->p++ - '0');
      if (v > (uint64_t)INT64_MAX / 10) return fail(l, "a dimension in 'shape' is too large");
    }
    if (l->p < l->end && *l->p == 'L') l->p++; /* Python 2 long, in old files */
    if (*ndim == MX_MAX_DIMS) return fail(l, "more than %d dimensions", MX_MAX_DIMS);
    shape[(*ndim)++] = (int64_t)v;
    comma = accept(l, ',');
    if (*ndim == 1 && !comma && accept(l, ')')) return fail(l, "'shape' (n) is not a tuple; expected (n,)");
    if (*ndim == 1 && !comma) return fail(l, "expected ',' in 'shape'");
  }
  return true;
}

/* '<f4' and friends. '|V2' / '<V2' is bfloat16, as mx writes it (NumPy has no bfloat16). */
static bool parse_descr(lit *l, const char *d, mx_dtype *dt, bool *swap) {
  static const struct {
    const char *code;
    mx_dtype dt;
  } codes[] = {{"b1", MX_BOOL},  {"u1", MX_UINT8},   {"u2", MX_UINT16},    {"u4", MX_UINT32},
               {"u8", MX_UINT64}, {"i1", MX_INT8},   {"i2", MX_INT16},     {"i4", MX_INT32},
               {"i8", MX_INT64},  {"f2", MX_FLOAT16}, {"f4", MX_FLOAT32},  {"f8", MX_FLOAT64},
               {"c8", MX_COMPLEX64}, {"V2", MX_BFLOAT16}};
  char order = d[0];
  if (order != '<' && order != '>' && order != '|' && order != '=')
    return fail(l, "unsupported descr '%s'", d);
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
    if (strcmp(d + 1, codes[i].code) != 0) continue;
    *dt = codes[i].dt;
    size_t es = mx_dtype_size(*dt);
    if (order == '|' && es > 1 && *dt != MX_BFLOAT16) return fail(l, "descr '%s' lacks a byte order", d);
    *swap = order == '>' && mxi_swap_unit(*dt) > 1 && *dt != MX_BFLOAT16;
    return true;
  }
  return fail(l, "descr '%s' is not a dtype mx supports (bool, [u]int8-64, float16/32/64, complex64)", d);
}

typedef struct npy_header {
  mx_dtype dt;
  bool swap, fortran;
  int ndim;
  int64_t shape[MX_MAX_DIMS];
} npy_header;

static bool parse_dict(lit *l, npy_header *h) {
  if (!accept(l, '{')) return fail(l, "the header is not a dict");
  bool seen[3] = {false, false, false};
  bool comma = true;
  while (!accept(l, '}')) {
    if (!comma) return fail(l, "expected ',' or '}' in the header");
    char key[32];
    if (!str(l, key, sizeof key)) return false;
    if (!accept(l, ':')) return fail(l, "expected ':' after '%s'", key);
    int which = strcmp(key, "descr") == 0 ? 0 : strcmp(key, "fortran_order") == 0 ? 1
              : strcmp(key, "shape") == 0 ? 2 : -1;
    if (which < 0) return fail(l, "unexpected key '%s' in the header", key);
    if (seen[which]) return fail(l, "duplicate key '%s' in the header", key);
    seen[which] = true;
    if (which == 0) {
      ws(l);
      if (l->p < l->end && *l->p == '[') return fail(l, "structured dtypes are not supported");
      char d[16];
      if (!str(l, d, sizeof d) || !parse_descr(l, d, &h->dt, &h->swap)) return false;
    } else if (which == 1) {
      if (word(l, "True")) h->fortran = true;
      else if (word(l, "False")) h->fortran = false;
      else return fail(l, "'fortran_order' is not True or False");
    } else if (!shape_tuple(l, &h->ndim, h->shape)) {
      return false;
    }
    comma = accept(l, ',');
  }
  if (!seen[0] || !seen[1] || !seen[2])
    return fail(l, "the header lacks '%s'", !seen[0] ? "descr" : !seen[1] ? "fortran_order" : "shape");
  ws(l);
  if (l->p != l->end) return fail(l, "unexpected bytes after the header dict");
  return true;
}

/* Copies Fortran-ordered src (shape's first axis fastest) into C order at dst. */
static void fortran_to_c(uint8_t *dst, const uint8_t *src, int ndim, const int64_t *shape, size_t es) {
  int64_t fstride[MX_MAX_DIMS], idx[MX_MAX_DIMS] = {0};
  int64_t s = (int64_t)es, n = mxi_shape_size(ndim, shape);
  for (int k = 0; k < ndim; k++) {
    fstride[k] = s;
    s *= shape[k];
  }
  int64_t off = 0;
  for (int64_t i = 0; i < n; i++) {
    memcpy(dst + (size_t)i * es, src + off, es);
    for (int k = ndim - 1; k >= 0; k--) { /* C-order odometer; keeps off in step */
      if (++idx[k] < shape[k]) {
        off += fstride[k];
        break;
      }
      off -= fstride[k] * (shape[k] - 1);
      idx[k] = 0;
    }
  }
}

mx_array *mxi_npy_decode(const uint8_t *data, size_t size, char *err, size_t err_len) {
  err[0] = 0;
  lit l = {.err = err, .err_len = err_len};
  if (size < 10 || memcmp(data, "\x93NUMPY", 6) != 0) {
    fail(&l, "not an .npy file (bad magic)");
    return NULL;
  }
  int major = data[6], minor = data[7];
  size_t start = major == 1 ? 10 : 12;
  if ((major != 1 && major != 2 && major != 3) || minor != 0) {
    fail(&l, "unsupported .npy format version %d.%d", major, minor);
    return NULL;
  }
  if (size < start) {
    fail(&l, "truncated header");
    return NULL;
  }
  size_t hlen = major == 1 ? mxi_rd16(data + 8) : mxi_rd32(data + 8);
  if (hlen > size - start) {
    fail(&l, "header length %zu exceeds the file size %zu", hlen, size);
    return NULL;
  }
  l.p = (const char *)data + start;
  l.end = l.p + hlen;
  npy_header h = {0};
  if (!parse_dict(&l, &h)) return NULL;
  size_t es = mx_dtype_size(h.dt);
  int64_t n = mxi_io_checked_size(h.ndim, h.shape, es);
  if (n < 0) {
    fail(&l, "shape is too large");
    return NULL;
  }
  size_t nbytes = (size_t)n * es, avail = size - start - hlen;
  if (nbytes > avail) {
    char s[MXI_SHAPE_STR_LEN];
    fail(&l, "shape %s %s needs %zu bytes of data but the file holds %zu",
         mxi_shape_str(s, sizeof s, h.ndim, h.shape), mx_dtype_name(h.dt), nbytes, avail);
    return NULL;
  }
  const uint8_t *src = data + start + hlen;
  bool transpose = h.fortran && h.ndim > 1;
  mx_array *a = mxi_io_leaf_copy(h.dt, h.ndim, h.shape, transpose ? NULL : src, nbytes);
  if (!a) {
    fail(&l, "out of memory allocating %zu bytes", nbytes);
    return NULL;
  }
  if (transpose && n) fortran_to_c(a->buf->host, src, h.ndim, h.shape, es);
  if (h.swap) mxi_byteswap(a->buf->host, nbytes / mxi_swap_unit(h.dt), mxi_swap_unit(h.dt));
  return a;
}

mx_array *mxi_npy_parse(const uint8_t *data, size_t size, const char *file) {
  if (!mxi_io_host_ok("mx_load_npy", file)) return mxi_error("load_npy", "%s: big-endian host", file);
  char err[256];
  mx_array *a = mxi_npy_decode(data, size, err, sizeof err);
  if (!a) return mxi_error("load_npy", "%s: %s", file ? file : "<memory>", err);
  return mxi_own(a);
}

mx_array *mx_load_npy(const char *path) {
  if (!path) return mxi_error("load_npy", "path is NULL");
  uint8_t *data;
  size_t size;
  char err[256];
  if (mxi_read_file(path, &data, &size, err, sizeof err) != MX_OK)
    return mxi_error("load_npy", "%s: %s", path, err);
  mx_array *a = mxi_npy_parse(data, size, path);
  free(data);
  return a;
}
