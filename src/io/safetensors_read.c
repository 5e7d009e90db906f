/* safetensors_read.c — safetensors loading: an 8-byte little-endian header length, a JSON
 * header, then the tensors' bytes. The file is read into one aligned copy (or memory-mapped, on
 * request) and aligned tensors share it (zero copy); the header is validated as strictly as the reference implementation
 * (exact sizes, tensors covering the data section without gaps or overlaps) and more (duplicate
 * names, bad UTF-8, overflowing shapes). */
#include <stdlib.h>

#include "io_internal.h"
#include "json.h"
#include "safetensors_dtype.h"

#define FN "mx_load_safetensors"

typedef struct st_info {
  char *name;
  size_t name_len;
  mx_dtype dt;
  int ndim;
  int64_t shape[MX_MAX_DIMS];
  uint64_t begin, end;
} st_info;

typedef struct st_parse {
  mxi_json j;
  st_info *v;
  size_t n, cap;
  mx_tensors *t;
  const char *file;
} st_parse;

static bool dtype_from_name(const char *s, mx_dtype *out) {
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    if (strcmp(mxi_st_dtypes[d].name, s) == 0) {
      *out = (mx_dtype)d;
      return true;
    }
  }
  return false;
}

/* "shape": [d0, d1, ...] */
static bool parse_shape(st_parse *sp, st_info *ti) {
  mxi_json *j = &sp->j;
  if (!mxi_json_expect(j, '[')) return false;
  bool first = true;
  int r;
  ti->ndim = 0;
  while ((r = mxi_json_next(j, &first, ']')) > 0) {
    uint64_t d;
    if (!mxi_json_u64(j, &d)) return false;
    if (ti->ndim == MX_MAX_DIMS)
      return mxi_json_fail(j, "tensor '%s' has more than %d dimensions", ti->name, MX_MAX_DIMS);
    if (d > (uint64_t)INT64_MAX) return mxi_json_fail(j, "tensor '%s': dimension too large", ti->name);
    ti->shape[ti->ndim++] = (int64_t)d;
  }
  return r == 0;
}

/* "data_offsets": [begin, end] */
static bool parse_offsets(st_parse *sp, st_info *ti) {
  mxi_json *j = &sp->j;
  if (!mxi_json_expect(j, '[') || !mxi_json_u64(j, &ti->begin) || !mxi_json_expect(j, ',') ||
      !mxi_json_u64(j, &ti->end))
    return false;
  if (!mxi_json_peek(j, ']'))
    return mxi_json_fail(j, "tensor '%s': data_offsets must hold exactly two integers", ti->name);
  j->p++;
  return true;
}

/* {"dtype": "F32", "shape": [...], "data_offsets": [b, e]} in any order; other keys skipped. */
static bool parse_info(st_parse *sp, st_info *ti) {
  mxi_json *j = &sp->j;
  if (!mxi_json_expect(j, '{')) return false;
  bool first = true, seen[3] = {false, false, false};
  char *key;
  size_t klen;
  int r;
  while ((r = mxi_json_next_key(j, &first, &key, &klen)) > 0) {
    int which = strcmp(key, "dtype") == 0 ? 0 : strcmp(key, "shape") == 0 ? 1
              : strcmp(key, "data_offsets") == 0 ? 2 : -1;
    free(key);
    if (which >= 0 && seen[which])
      return mxi_json_fail(j, "tensor '%s' has a duplicate key", ti->name);
    if (which >= 0) seen[which] = true;
    bool ok;
    if (which == 0) {
      char *s;
      size_t slen;
      ok = mxi_json_string(j, &s, &slen);
      if (ok && !dtype_from_name(s, &ti->dt)) {
        ok = mxi_json_fail(j, "tensor '%s' has dtype '%.32s', which mx does not support", ti->name, s);
      }
      free(s);
    } else if (which == 1) {
      ok = parse_shape(sp, ti);
    } else if (which == 2) {
      ok = parse_offsets(sp, ti);
    } else {
      ok = mxi_json_skip(j);
    }
    if (!ok) return false;
  }
  if (r < 0) return false;
  if (!seen[0] || !seen[1] || !seen[2])
    return mxi_json_fail(j, "tensor '%s' lacks %s", ti->name,
                         !seen[0] ? "\"dtype\"" : !seen[1] ? "\"shape\"" : "\"data_offsets\"");
  return true;
}

/* "__metadata__": {"key": "value", ...}, or null (MLX's writer: no metadata) */
static bool parse_metadata(st_parse *sp) {
  mxi_json *j = &sp->j;
  if (mxi_json_peek(j, 'n')) return mxi_json_skip(j); /* validated: only the literal null */
  if (!mxi_json_expect(j, '{')) return false;
  bool first = true;
  char *key;
  size_t klen;
  int r;
  while ((r = mxi_json_next_key(j, &first, &key, &klen)) > 0) {
    char *val = NULL;
    size_t vlen;
    bool dup = false, ok = true;
    if (!mxi_json_peek(j, '"')) ok = mxi_json_fail(j, "metadata value of '%s' is not a string", key);
    else if (!mxi_json_string(j, &val, &vlen)) ok = false;
    else if (strlen(key) != klen || strlen(val) != vlen)
      ok = mxi_json_fail(j, "metadata '%s' contains a NUL character", key);
    else if (!mxi_tensors_add_meta(sp->t, key, klen, val, vlen, &dup))
      ok = mxi_json_fail(j, dup ? "duplicate metadata key '%s'" : "out of memory at '%s'", key);
    free(key);
    free(val);
    if (!ok) return false;
  }
  return r == 0;
}

static bool parse_header(st_parse *sp) {
  mxi_json *j = &sp->j;
  if (!mxi_json_expect(j, '{')) return false;
  bool first = true, seen_meta = false;
  char *key;
  size_t klen;
  int r;
  while ((r = mxi_json_next_key(j, &first, &key, &klen)) > 0) {
    if (strcmp(key, "__metadata__") == 0) {
      free(key);
      if (seen_meta) return mxi_json_fail(j, "duplicate __metadata__");
      seen_meta = true;
      if (!parse_metadata(sp)) return false;
      continue;
    }
    if (sp->n == sp->cap) {
      size_t cap = sp->cap ? sp->cap * 2 : 16;
      st_info *v = realloc(sp->v, cap * sizeof *v);
      if (!v) {
        free(key);
        return mxi_json_fail(j, "out of memory");
      }
      sp->v = v;
      sp->cap = cap;
    }
    st_info *ti = &sp->v[sp->n++];
    *ti = (st_info){.name = key, .name_len = klen};
    if (strlen(key) != klen) return mxi_json_fail(j, "a tensor name contains a NUL character");
    if (!parse_info(sp, ti)) return false;
  }
  if (r < 0) return false;
  mxi_json_ws(j);
  if (j->p != j->end) return mxi_json_fail(j, "unexpected bytes after the header's JSON object");
  return true;
}

static int by_name(const void *a, const void *b) {
  return strcmp((*(st_info *const *)a)->name, (*(st_info *const *)b)->name);
}

static int by_offsets(const void *a, const void *b) {
  const st_info *x = *(st_info *const *)a, *y = *(st_info *const *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end) return x->end < y->end ? -1 : 1;
  return 0;
}

/* Sizes match shape x dtype, and the tensors tile [0, data_len) exactly. */
static bool check_layout(st_parse *sp, uint64_t data_len) {
  const char *f = sp->file;
  for (size_t i = 0; i < sp->n; i++) {
    st_info *ti = &sp->v[i];
    size_t es = mx_dtype_size(ti->dt);
    int64_t n = mxi_io_checked_size(ti->ndim, ti->shape, es);
    char s[MXI_SHAPE_STR_LEN];
    if (n < 0) {
      mxi_io_error(FN, f, "tensor '%s': shape %s is too large", ti->name,
                   mxi_shape_str(s, sizeof s, ti->ndim, ti->shape));
      return false;
    }
    if (ti->end < ti->begin || ti->end - ti->begin != (uint64_t)n * es) {
      mxi_io_error(FN, f, "tensor '%s': data_offsets [%llu, %llu] do not match shape %s %s (%llu bytes)",
                   ti->name, (unsigned long long)ti->begin, (unsigned long long)ti->end,
                   mxi_shape_str(s, sizeof s, ti->ndim, ti->shape), mxi_st_dtypes[ti->dt].name,
                   (unsigned long long)n * es);
      return false;
    }
  }
  st_info **order = malloc((sp->n ? sp->n : 1) * sizeof *order);
  if (!order) {
    mxi_io_error(FN, f, "out of memory");
    return false;
  }
  for (size_t i = 0; i < sp->n; i++) order[i] = &sp->v[i];
  bool ok = true;
  qsort(order, sp->n, sizeof *order, by_name);
  for (size_t i = 1; i < sp->n && ok; i++) {
    if (strcmp(order[i - 1]->name, order[i]->name) == 0) {
      mxi_io_error(FN, f, "duplicate tensor name '%s'", order[i]->name);
      ok = false;
    }
  }
  qsort(order, sp->n, sizeof *order, by_offsets);
  uint64_t at = 0;
  for (size_t i = 0; i < sp->n && ok; i++) {
    st_info *ti = order[i];
    if (ti->begin != at) {
      mxi_io_error(FN, f, "tensor '%s' starts at data offset %llu, expected %llu (%s)", ti->name,
                   (unsigned long long)ti->begin, (unsigned long long)at,
                   ti->begin < at ? "it overlaps another tensor" : "a gap before it");
      ok = false;
    }
    at = ti->end;
  }
  free(order);
  if (ok && at != data_len) {
    mxi_io_error(FN, f, "the tensors cover %llu bytes but the data section holds %llu",
                 (unsigned long long)at, (unsigned long long)data_len);
    ok = false;
  }
  return ok;
}

static bool make_arrays(st_parse *sp, const uint8_t *base, mxi_mapping *owner) {
  for (size_t i = 0; i < sp->n; i++) {
    st_info *ti = &sp->v[i];
    size_t nbytes = (size_t)(ti->end - ti->begin), es = mx_dtype_size(ti->dt);
    const uint8_t *src = base + ti->begin;
    mx_array *a;
    if (owner && nbytes && (uintptr_t)src % es == 0) {
      a = mxi_mapping_leaf(owner, (size_t)(src - owner->data), ti->dt, ti->ndim, ti->shape);
    } else {
      a = mxi_io_leaf_copy(ti->dt, ti->ndim, ti->shape, src, nbytes);
    }
    bool dup = false;
    if (!a || !mxi_tensors_add(sp->t, ti->name, ti->name_len, a, &dup)) {
      if (dup) mxi_io_error(FN, sp->file, "duplicate tensor name '%s'", ti->name);
      else mxi_io_error(FN, sp->file, "out of memory loading tensor '%s' (%zu bytes)", ti->name, nbytes);
      return false;
    }
  }
  return true;
}

mx_tensors *mxi_safetensors_parse(const uint8_t *data, size_t size, const char *file,
                                  mxi_mapping *owner) {
  if (!mxi_io_host_ok(FN, file)) return NULL;
  if (size < 8) {
    mxi_io_error(FN, file, "the file is %zu bytes, too short for the 8-byte header length", size);
    return NULL;
  }
  uint64_t hlen = mxi_rd64(data);
  if (hlen > size - 8) {
    mxi_io_error(FN, file, "header length %llu exceeds the file size %zu (%zu bytes after the length)",
                 (unsigned long long)hlen, size, size - 8);
    return NULL;
  }
  if (hlen > MXI_ST_HEADER_MAX) {
    mxi_io_error(FN, file, "header length %llu exceeds the limit of %llu bytes",
                 (unsigned long long)hlen, MXI_ST_HEADER_MAX);
    return NULL;
  }
  const char *hdr = (const char *)data + 8;
  if (!mxi_utf8_valid(hdr, (size_t)hlen)) {
    mxi_io_error(FN, file, "the header is not valid UTF-8");
    return NULL;
  }
  st_parse sp = {.file = file, .t = mxi_tensors_new()};
  mx_tensors *result = NULL;
  if (!sp.t) {
    mxi_io_error(FN, file, "out of memory");
    return NULL;
  }
  mxi_json_init(&sp.j, hdr, (size_t)hlen);
  if (!parse_header(&sp)) {
    mxi_io_error(FN, file, "invalid header: %s", sp.j.err);
  } else if (check_layout(&sp, size - 8 - hlen) && make_arrays(&sp, data + 8 + hlen, owner)) {
    result = sp.t;
  }
  for (size_t i = 0; i < sp.n; i++) free(sp.v[i].name);
  free(sp.v);
  if (!result) mx_tensors_free(sp.t);
  return result;
}

static mx_tensors *load(const char *fn, const char *path, bool map) {
  if (!path) {
    mxi_io_error(fn, "(null)", "path is NULL");
    return NULL;
  }
  mxi_mapping *m = mxi_mapping_open(fn, path, map);
  if (!m) return NULL;
  mx_tensors *t = mxi_safetensors_parse(m->data, m->size, path, m);
  mxi_mapping_release(m); /* zero-copy arrays hold their own references */
  return t;
}

mx_tensors *mx_load_safetensors(const char *path) { return mxi_tensors_result(load(FN, path, false)); }
mx_tensors *mx_load_safetensors_mapped(const char *path) {
  return mxi_tensors_result(load("mx_load_safetensors_mapped", path, true));
}
