/* gguf_meta.c — GGUF metadata values as text: every scalar type, strings, and (nested) arrays,
 * read through the bounds-checked cursor. Counts are checked against the bytes left before any
 * loop, so a hostile count cannot make us spin or allocate. */
#include <stdlib.h>

#include "gguf.h"

#define MAX_NESTING 8

bool mxi_gguf_fail(mxi_gguf_rd *r, const char *fmt, ...) {
  if (!r->err[0]) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->err, sizeof r->err, fmt, ap);
    va_end(ap);
  }
  return false;
}

static bool need(mxi_gguf_rd *r, uint64_t n) {
  if (n > r->size - r->pos)
    return mxi_gguf_fail(r, "truncated: %llu bytes needed at byte %zu but the file is %zu bytes",
                         (unsigned long long)n, r->pos, r->size);
  return true;
}

bool mxi_gguf_u32(mxi_gguf_rd *r, uint32_t *v) {
  if (!need(r, 4)) return false;
  *v = mxi_rd32(r->d + r->pos);
  r->pos += 4;
  return true;
}

bool mxi_gguf_u64(mxi_gguf_rd *r, uint64_t *v) {
  if (!need(r, 8)) return false;
  *v = mxi_rd64(r->d + r->pos);
  r->pos += 8;
  return true;
}

bool mxi_gguf_str(mxi_gguf_rd *r, const char **s, uint64_t *len) {
  if (!mxi_gguf_u64(r, len) || !need(r, *len)) return false;
  *s = (const char *)r->d + r->pos;
  r->pos += (size_t)*len;
  return true;
}

/* Bytes a scalar of type takes, or the least an element of it can take (string: its length). */
static size_t min_size(uint32_t type) {
  static const uint8_t sz[MXI_GGUF_NTYPES] = {1, 1, 2, 2, 4, 4, 4, 1, 8, 12, 8, 8, 8};
  return type < MXI_GGUF_NTYPES ? sz[type] : 0;
}

/* The shortest decimal that reads back as the same value. */
static void put_float(mxi_sbuf *out, double v, bool single) {
  char buf[40];
  for (int prec = single ? 6 : 15; prec <= (single ? 9 : 17); prec++) {
    snprintf(buf, sizeof buf, "%.*g", prec, v);
    if (single ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v) break;
  }
  mxi_sbuf_put(out, buf, strlen(buf));
}

static void put_quoted(mxi_sbuf *out, const char *s, size_t n) {
  mxi_sbuf_put(out, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)s[i];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      mxi_sbuf_put(out, e, 2);
    } else if (c < 0x20) {
      mxi_sbuf_printf(out, "\\u%04x", c);
    } else {
      mxi_sbuf_put(out, (const char *)&c, 1);
    }
  }
  mxi_sbuf_put(out, "\"", 1);
}

static bool value(mxi_gguf_rd *r, uint32_t type, mxi_sbuf *out, uint32_t *u32, int depth) {
  if (type >= MXI_GGUF_NTYPES) return mxi_gguf_fail(r, "unknown metadata value type %u", type);
  if (type == MXI_GGUF_STRING) {
    const char *s;
    uint64_t n;
    if (!mxi_gguf_str(r, &s, &n)) return false;
    if (depth == 0 && memchr(s, 0, (size_t)n)) return mxi_gguf_fail(r, "a string value contains a NUL byte");
    if (depth == 0) mxi_sbuf_put(out, s, (size_t)n);
    else put_quoted(out, s, (size_t)n);
    return true;
  }
  if (type == MXI_GGUF_ARRAY) {
    uint32_t et;
    uint64_t count;
    if (depth >= MAX_NESTING) return mxi_gguf_fail(r, "arrays nested deeper than %d", MAX_NESTING);
    if (!mxi_gguf_u32(r, &et) || !mxi_gguf_u64(r, &count)) return false;
    if (et >= MXI_GGUF_NTYPES) return mxi_gguf_fail(r, "unknown array element type %u", et);
    if (count > (r->size - r->pos) / min_size(et))
      return mxi_gguf_fail(r, "array of %llu elements does not fit the %zu bytes left",
                           (unsigned long long)count, r->size - r->pos);
    mxi_sbuf_put(out, "[", 1);
    for (uint64_t i = 0; i < count; i++) {
      if (i) mxi_sbuf_put(out, ", ", 2);
      if (!value(r, et, out, NULL, depth + 1)) return false;
      if (out->oom) return mxi_gguf_fail(r, "out of memory converting an array to text");
    }
    mxi_sbuf_put(out, "]", 1);
    return true;
  }
  if (!need(r, min_size(type))) return false;
  const uint8_t *p = r->d + r->pos;
  r->pos += min_size(type);
  switch (type) {
    case MXI_GGUF_U8: mxi_sbuf_printf(out, "%u", p[0]); break;
    case MXI_GGUF_I8: mxi_sbuf_printf(out, "%d", (int8_t)p[0]); break;
    case MXI_GGUF_U16: mxi_sbuf_printf(out, "%u", mxi_rd16(p)); break;
    case MXI_GGUF_I16: mxi_sbuf_printf(out, "%d", (int16_t)mxi_rd16(p)); break;
    case MXI_GGUF_U32:
      if (u32) *u32 = mxi_rd32(p);
      mxi_sbuf_printf(out, "%u", mxi_rd32(p));
      break;
    case MXI_GGUF_I32: mxi_sbuf_printf(out, "%d", (int32_t)mxi_rd32(p)); break;
    case MXI_GGUF_U64: mxi_sbuf_printf(out, "%llu", (unsigned long long)mxi_rd64(p)); break;
    case MXI_GGUF_I64: mxi_sbuf_printf(out, "%lld", (long long)(int64_t)mxi_rd64(p)); break;
    case MXI_GGUF_BOOL:
      if (p[0] > 1) return mxi_gguf_fail(r, "a bool value is %u, not 0 or 1", p[0]);
      mxi_sbuf_put(out, p[0] ? "true" : "false", p[0] ? 4 : 5);
      break;
    case MXI_GGUF_F32: {
      uint32_t bits = mxi_rd32(p);
      float f;
      memcpy(&f, &bits, 4);
      put_float(out, f, true);
      break;
    }
    default: { /* MXI_GGUF_F64 */
      uint64_t bits = mxi_rd64(p);
      double f;
      memcpy(&f, &bits, 8);
      put_float(out, f, false);
      break;
    }
  }
  return true;
}

bool mxi_gguf_value(mxi_gguf_rd *r, uint32_t type, mxi_sbuf *out, uint32_t *u32) {
  return value(r, type, out, u32, 0);
}
