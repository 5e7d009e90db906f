/* gguf.c — GGUF v2/v3 loading (llama.cpp's model format): header, metadata (as text), tensor
 * infos, the aligned data section. F32/F16/BF16 (and the plain integer and F64 types) load as
 * they are, zero-copy from the mapping when aligned; Q8_0 and Q4_0 are dequantized to float32
 * exactly as ggml defines their blocks. */
#include <stdlib.h>

#include "../core/half.h"
#include "gguf.h"

#define FN "mx_load_gguf"
#define GGUF_MAGIC 0x46554747u /* "GGUF" read little-endian */
#define QK 32                  /* elements per Q8_0 / Q4_0 block */

enum { T_F32 = 0, T_F16 = 1, T_Q4_0 = 2, T_Q8_0 = 8, T_I8 = 24, T_I16 = 25, T_I32 = 26,
       T_I64 = 27, T_F64 = 28, T_BF16 = 30 };

static const char *type_name(uint32_t t) {
  static const char *const names[] = {
      "F32",     "F16",    "Q4_0",    "Q4_1",   "Q4_2",   "Q4_3",   "Q5_0",  "Q5_1",
      "Q8_0",    "Q8_1",   "Q2_K",    "Q3_K",   "Q4_K",   "Q5_K",   "Q6_K",  "Q8_K",
      "IQ2_XXS", "IQ2_XS", "IQ3_XXS", "IQ1_S",  "IQ4_NL", "IQ3_S",  "IQ2_S", "IQ4_XS",
      "I8",      "I16",    "I32",     "I64",    "F64",    "IQ1_M",  "BF16",  "Q4_0_4_4",
      "Q4_0_4_8", "Q4_0_8_8", "TQ1_0", "TQ2_0", "IQ4_NL_4_4", "IQ4_NL_4_8", "IQ4_NL_8_8",
      "MXFP4"};
  return t < sizeof names / sizeof names[0] ? names[t] : "unknown";
}

/* The mx dtype a GGUF tensor type loads as (quantized types: float32), and its block size in
 * elements and bytes. false for types mx cannot load. */
static bool type_info(uint32_t t, mx_dtype *dt, int64_t *blk, size_t *blk_bytes) {
  *blk = 1;
  switch (t) {
    case T_F32: *dt = MX_FLOAT32; break;
    case T_F16: *dt = MX_FLOAT16; break;
    case T_BF16: *dt = MX_BFLOAT16; break;
    case T_F64: *dt = MX_FLOAT64; break;
    case T_I8: *dt = MX_INT8; break;
    case T_I16: *dt = MX_INT16; break;
    case T_I32: *dt = MX_INT32; break;
    case T_I64: *dt = MX_INT64; break;
    case T_Q8_0: *dt = MX_FLOAT32, *blk = QK, *blk_bytes = 2 + QK; return true;
    case T_Q4_0: *dt = MX_FLOAT32, *blk = QK, *blk_bytes = 2 + QK / 2; return true;
    default: return false;
  }
  *blk_bytes = mx_dtype_size(*dt);
  return true;
}

typedef struct tinfo {
  const char *name;
  size_t name_len;
  uint32_t type;
  int ndim;
  int64_t shape[MX_MAX_DIMS]; /* NumPy order: ggml's ne reversed */
  uint64_t offset, nbytes;
} tinfo;

static void dequant_q8_0(float *y, const uint8_t *x, int64_t nblocks) {
  for (int64_t b = 0; b < nblocks; b++, x += 2 + QK, y += QK) {
    float d = mxi_f16_to_f32(mxi_rd16(x));
    for (int j = 0; j < QK; j++) y[j] = (float)(int8_t)x[2 + j] * d;
  }
}

static void dequant_q4_0(float *y, const uint8_t *x, int64_t nblocks) {
  for (int64_t b = 0; b < nblocks; b++, x += 2 + QK / 2, y += QK) {
    float d = mxi_f16_to_f32(mxi_rd16(x));
    for (int j = 0; j < QK / 2; j++) { /* low nibbles are the first half of the block */
      y[j] = (float)((x[2 + j] & 0x0f) - 8) * d;
      y[j + QK / 2] = (float)((x[2 + j] >> 4) - 8) * d;
    }
  }
}

static bool read_metadata(mxi_gguf_rd *r, uint64_t n_kv, mx_tensors *t, uint32_t *alignment) {
  mxi_sbuf val = {0};
  bool ok = true;
  for (uint64_t i = 0; i < n_kv && ok; i++) {
    const char *key;
    uint64_t klen;
    uint32_t type, u32 = 0;
    val.n = 0;
    if (val.s) val.s[0] = 0;
    ok = mxi_gguf_str(r, &key, &klen) && mxi_gguf_u32(r, &type);
    if (ok && memchr(key, 0, (size_t)klen)) ok = mxi_gguf_fail(r, "metadata key %llu contains a NUL byte", (unsigned long long)i);
    if (ok) ok = mxi_gguf_value(r, type, &val, &u32);
    if (ok && val.oom) ok = mxi_gguf_fail(r, "out of memory reading metadata");
    bool dup = false;
    if (ok && !mxi_tensors_add_meta(t, key, (size_t)klen, val.s ? val.s : "", val.n, &dup))
      ok = mxi_gguf_fail(r, dup ? "duplicate metadata key '%.*s'" : "out of memory at '%.*s'",
                         (int)(klen > 200 ? 200 : klen), key);
    if (ok && klen == 17 && memcmp(key, "general.alignment", 17) == 0) {
      if (type != MXI_GGUF_U32 || u32 == 0 || (u32 & (u32 - 1)) != 0)
        ok = mxi_gguf_fail(r, "general.alignment must be a UINT32 power of two");
      else *alignment = u32;
    }
  }
  free(val.s);
  return ok;
}

static bool read_tensor_info(mxi_gguf_rd *r, tinfo *ti) {
  uint64_t len;
  uint32_t nd;
  if (!mxi_gguf_str(r, &ti->name, &len) || !mxi_gguf_u32(r, &nd)) return false;
  ti->name_len = (size_t)len;
  int nl = (int)(len > 200 ? 200 : len);
  if (memchr(ti->name, 0, ti->name_len)) return mxi_gguf_fail(r, "a tensor name contains a NUL byte");
  if (nd > MX_MAX_DIMS) return mxi_gguf_fail(r, "tensor '%.*s' has %u dimensions (at most %d)", nl, ti->name, nd, MX_MAX_DIMS);
  ti->ndim = (int)nd;
  for (int k = 0; k < ti->ndim; k++) {
    uint64_t ne;
    if (!mxi_gguf_u64(r, &ne)) return false;
    if (ne > (uint64_t)INT64_MAX) return mxi_gguf_fail(r, "tensor '%.*s': dimension too large", nl, ti->name);
    ti->shape[ti->ndim - 1 - k] = (int64_t)ne;
  }
  if (!mxi_gguf_u32(r, &ti->type) || !mxi_gguf_u64(r, &ti->offset)) return false;
  mx_dtype dt;
  int64_t blk;
  size_t blk_bytes;
  if (!type_info(ti->type, &dt, &blk, &blk_bytes))
    return mxi_gguf_fail(r, "tensor '%.*s' has type %s (%u), which mx cannot load (F32, F16, BF16, F64, I8-I64, Q8_0, Q4_0)",
                         nl, ti->name, type_name(ti->type), ti->type);
  int64_t n = mxi_io_checked_size(ti->ndim, ti->shape, 8);
  if (n < 0) return mxi_gguf_fail(r, "tensor '%.*s': shape is too large", nl, ti->name);
  int64_t ne0 = ti->ndim ? ti->shape[ti->ndim - 1] : 1;
  if (ne0 % blk != 0)
    return mxi_gguf_fail(r, "tensor '%.*s': %s rows of %lld elements are not whole blocks of %lld",
                         nl, ti->name, type_name(ti->type), (long long)ne0, (long long)blk);
  ti->nbytes = (uint64_t)(n / blk) * blk_bytes;
  return true;
}

/* By offset, then size: an empty tensor may share its offset with the next one. */
static int by_offset(const void *a, const void *b) {
  const tinfo *x = *(tinfo *const *)a, *y = *(tinfo *const *)b;
  if (x->offset != y->offset) return x->offset < y->offset ? -1 : 1;
  return x->nbytes < y->nbytes ? -1 : x->nbytes > y->nbytes;
}

/* Offsets aligned, every tensor inside the data section, no two overlapping. */
static bool check_layout(mxi_gguf_rd *r, tinfo *ti, uint64_t n, uint64_t data_len, uint32_t align) {
  tinfo **order = malloc((n ? n : 1) * sizeof *order);
  if (!order) return mxi_gguf_fail(r, "out of memory");
  bool ok = true;
  for (uint64_t i = 0; i < n && ok; i++) {
    order[i] = &ti[i];
    int nl = (int)(ti[i].name_len > 200 ? 200 : ti[i].name_len);
    if (ti[i].offset % align != 0)
      ok = mxi_gguf_fail(r, "tensor '%.*s': offset %llu is not a multiple of the alignment %u", nl,
                         ti[i].name, (unsigned long long)ti[i].offset, align);
    else if (ti[i].offset > data_len || data_len - ti[i].offset < ti[i].nbytes)
      ok = mxi_gguf_fail(r, "tensor '%.*s': %llu bytes at data offset %llu run past the end of the file (data section %llu bytes)",
                         nl, ti[i].name, (unsigned long long)ti[i].nbytes,
                         (unsigned long long)ti[i].offset, (unsigned long long)data_len);
  }
  if (ok) qsort(order, (size_t)n, sizeof *order, by_offset);
  for (uint64_t i = 1; i < n && ok; i++) {
    if (order[i - 1]->offset + order[i - 1]->nbytes > order[i]->offset)
      ok = mxi_gguf_fail(r, "tensors '%.*s' and '%.*s' overlap",
                         (int)(order[i - 1]->name_len > 200 ? 200 : order[i - 1]->name_len),
                         order[i - 1]->name, (int)(order[i]->name_len > 200 ? 200 : order[i]->name_len),
                         order[i]->name);
  }
  free(order);
  return ok;
}

static mx_array *make_array(const tinfo *ti, const uint8_t *src, mxi_mapping *owner) {
  mx_dtype dt = MX_FLOAT32;
  int64_t blk = 1;
  size_t blk_bytes = 4;
  type_info(ti->type, &dt, &blk, &blk_bytes); /* known to succeed: checked when read */
  int64_t n = mxi_shape_size(ti->ndim, ti->shape);
  if (blk == 1) {
    if (owner && n && (uintptr_t)src % mx_dtype_size(dt) == 0)
      return mxi_mapping_leaf(owner, (size_t)(src - owner->data), dt, ti->ndim, ti->shape);
    return mxi_io_leaf_copy(dt, ti->ndim, ti->shape, src, (size_t)ti->nbytes);
  }
  mx_array *a = mxi_io_leaf_copy(MX_FLOAT32, ti->ndim, ti->shape, NULL, (size_t)n * 4);
  if (a && ti->type == T_Q8_0) dequant_q8_0(a->buf->host, src, n / QK);
  if (a && ti->type == T_Q4_0) dequant_q4_0(a->buf->host, src, n / QK);
  return a;
}

static bool parse(mxi_gguf_rd *r, mx_tensors *t, mxi_mapping *owner) {
  uint32_t magic, version, alignment = 32;
  uint64_t n_tensors, n_kv;
  if (!mxi_gguf_u32(r, &magic) || magic != GGUF_MAGIC) return mxi_gguf_fail(r, "not a GGUF file (bad magic)");
  if (!mxi_gguf_u32(r, &version)) return false;
  if (version == 1) return mxi_gguf_fail(r, "GGUF version 1 is not supported (only 2 and 3)");
  if (version != 2 && version != 3) {
    if ((version & 0xffffu) == 0) return mxi_gguf_fail(r, "big-endian GGUF files are not supported");
    return mxi_gguf_fail(r, "unsupported GGUF version %u", version);
  }
  if (!mxi_gguf_u64(r, &n_tensors) || !mxi_gguf_u64(r, &n_kv)) return false;
  /* A key/value pair takes at least 13 bytes and a tensor info 24: bound counts by the file. */
  if (n_kv > (r->size - r->pos) / 13 || n_tensors > (r->size - r->pos) / 24)
    return mxi_gguf_fail(r, "%llu tensors and %llu metadata entries cannot fit a %zu-byte file",
                         (unsigned long long)n_tensors, (unsigned long long)n_kv, r->size);
  if (!read_metadata(r, n_kv, t, &alignment)) return false;
  tinfo *ti = calloc(n_tensors ? (size_t)n_tensors : 1, sizeof *ti);
  if (!ti) return mxi_gguf_fail(r, "out of memory");
  bool ok = true;
  for (uint64_t i = 0; i < n_tensors && ok; i++) ok = read_tensor_info(r, &ti[i]);
  /* The data section starts at the next multiple of the alignment (absent without tensors). */
  uint64_t data_start = ((uint64_t)r->pos + alignment - 1) / alignment * alignment;
  if (ok && n_tensors && data_start > r->size)
    ok = mxi_gguf_fail(r, "the data section would start at byte %llu, past the end of the file",
                       (unsigned long long)data_start);
  if (ok) ok = check_layout(r, ti, n_tensors, n_tensors ? r->size - data_start : 0, alignment);
  for (uint64_t i = 0; i < n_tensors && ok; i++) {
    mx_array *a = make_array(&ti[i], r->d + data_start + ti[i].offset, owner);
    bool dup = false;
    int nl = (int)(ti[i].name_len > 200 ? 200 : ti[i].name_len);
    if (!a || !mxi_tensors_add(t, ti[i].name, ti[i].name_len, a, &dup))
      ok = mxi_gguf_fail(r, dup ? "duplicate tensor name '%.*s'" : "out of memory loading '%.*s'", nl, ti[i].name);
  }
  free(ti);
  return ok;
}

mx_tensors *mxi_gguf_parse(const uint8_t *data, size_t size, const char *file, mxi_mapping *owner) {
  if (!mxi_io_host_ok(FN, file)) return NULL;
  mxi_gguf_rd r = {.d = data, .size = size};
  mx_tensors *t = mxi_tensors_new();
  if (!t) {
    mxi_io_error(FN, file, "out of memory");
    return NULL;
  }
  if (!parse(&r, t, owner)) {
    mxi_io_error(FN, file, "%s", r.err);
    mx_tensors_free(t);
    return NULL;
  }
  return t;
}

static mx_tensors *load(const char *fn, const char *path, bool map) {
  if (!path) {
    mxi_io_error(fn, "(null)", "path is NULL");
    return NULL;
  }
  mxi_mapping *m = mxi_mapping_open(fn, path, map);
  if (!m) return NULL;
  mx_tensors *t = mxi_gguf_parse(m->data, m->size, path, m);
  mxi_mapping_release(m);
  return t;
}

mx_tensors *mx_load_gguf(const char *path) { return mxi_tensors_result(load(FN, path, false)); }
mx_tensors *mx_load_gguf_mapped(const char *path) {
  return mxi_tensors_result(load("mx_load_gguf_mapped", path, true));
}
