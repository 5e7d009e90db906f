/* json.c — a small strict JSON reader (RFC 8259) for safetensors headers: a cursor over the
 * text with bounds checks on every byte, no dependency, and a depth limit so hostile nesting
 * cannot exhaust the stack. */
#include <stdlib.h>

#include "json.h"

#define MAX_DEPTH 64

bool mxi_json_fail(mxi_json *j, const char *fmt, ...) {
  if (!j->err[0]) {
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(j->err, sizeof j->err, fmt, ap);
    va_end(ap);
    if (k >= 0 && (size_t)k < sizeof j->err - 24)
      snprintf(j->err + k, sizeof j->err - (size_t)k, " (at byte %zu)", (size_t)(j->p - j->start));
  }
  return false;
}

void mxi_json_init(mxi_json *j, const char *s, size_t n) {
  *j = (mxi_json){.start = s, .p = s, .end = s + n};
}

void mxi_json_ws(mxi_json *j) {
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r')) j->p++;
}

bool mxi_json_peek(mxi_json *j, char c) {
  mxi_json_ws(j);
  return j->p < j->end && *j->p == c;
}

bool mxi_json_expect(mxi_json *j, char c) {
  if (!mxi_json_peek(j, c)) {
    if (j->p >= j->end) return mxi_json_fail(j, "expected '%c' but the text ended", c);
    return mxi_json_fail(j, "expected '%c'", c);
  }
  j->p++;
  return true;
}

static int hex4(const char *p) {
  int v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0) return -1;
    v = v * 16 + d;
  }
  return v;
}

static size_t put_utf8(char *o, uint32_t cp) {
  if (cp < 0x80) {
    o[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    o[0] = (char)(0xc0 | (cp >> 6));
    o[1] = (char)(0x80 | (cp & 0x3f));
    return 2;
  }
  if (cp < 0x10000) {
    o[0] = (char)(0xe0 | (cp >> 12));
    o[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
    o[2] = (char)(0x80 | (cp & 0x3f));
    return 3;
  }
  o[0] = (char)(0xf0 | (cp >> 18));
  o[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
  o[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
  o[3] = (char)(0x80 | (cp & 0x3f));
  return 4;
}

/* The text must already be valid UTF-8 (mxi_json_init's caller checks it once), so raw bytes
 * are copied as they are; escapes are decoded here. */
bool mxi_json_string(mxi_json *j, char **out, size_t *len) {
  if (out) *out = NULL;
  if (!mxi_json_expect(j, '"')) return false;
  const char *s = j->p;
  while (j->p < j->end && *j->p != '"') j->p += (*j->p == '\\' && j->p + 1 < j->end) ? 2 : 1;
  if (j->p >= j->end) return mxi_json_fail(j, "unterminated string");
  const char *e = j->p++;
  /* The decoded string is never longer than the escaped one. */
  char *o = out ? malloc((size_t)(e - s) + 1) : NULL;
  if (out && !o) return mxi_json_fail(j, "out of memory");
  size_t n = 0;
  for (const char *q = s; q < e;) {
    unsigned char c = (unsigned char)*q;
    if (c < 0x20) {
      free(o);
      j->p = q;
      return mxi_json_fail(j, "unescaped control character 0x%02x in a string", c);
    }
    if (c != '\\') {
      if (o) o[n] = (char)c;
      n++, q++;
      continue;
    }
    char esc = q[1]; /* q + 1 < e: the scan above never ends a string on a backslash */
    const char *simple = "\"\\/bfnrt", *map = "\"\\/\b\f\n\r\t";
    const char *hit = esc ? strchr(simple, esc) : NULL;
    if (hit) {
      if (o) o[n] = map[hit - simple];
      n++, q += 2;
      continue;
    }
    int cp = esc == 'u' && e - q >= 6 ? hex4(q + 2) : -1;
    if (cp < 0) {
      free(o);
      j->p = q;
      return mxi_json_fail(j, "invalid escape in a string");
    }
    q += 6;
    if (cp >= 0xdc00 && cp <= 0xdfff) cp = -1; /* a lone low surrogate */
    if (cp >= 0xd800 && cp <= 0xdbff) {
      int lo = e - q >= 6 && q[0] == '\\' && q[1] == 'u' ? hex4(q + 2) : -1;
      if (lo >= 0xdc00 && lo <= 0xdfff) {
        cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
        q += 6;
      } else {
        cp = -1;
      }
    }
    if (cp < 0) {
      free(o);
      j->p = q;
      return mxi_json_fail(j, "unpaired surrogate escape in a string");
    }
    char tmp[4];
    size_t k = put_utf8(o ? o + n : tmp, (uint32_t)cp);
    n += k;
  }
  if (o) {
    o[n] = 0;
    *out = o;
  }
  if (len) *len = n;
  return true;
}

bool mxi_json_u64(mxi_json *j, uint64_t *out) {
  mxi_json_ws(j);
  const char *p = j->p;
  if (p >= j->end || *p < '0' || *p > '9') return mxi_json_fail(j, "expected a non-negative integer");
  if (*p == '0' && p + 1 < j->end && p[1] >= '0' && p[1] <= '9')
    return mxi_json_fail(j, "number with a leading zero");
  uint64_t v = 0;
  for (; p < j->end && *p >= '0' && *p <= '9'; p++) {
    unsigned d = (unsigned)(*p - '0');
    if (v > (UINT64_MAX - d) / 10) return mxi_json_fail(j, "integer too large");
    v = v * 10 + d;
  }
  if (p < j->end && (*p == '.' || *p == 'e' || *p == 'E'))
    return mxi_json_fail(j, "expected an integer, got a fraction or exponent");
  j->p = p;
  *out = v;
  return true;
}

static bool skip_number(mxi_json *j) {
  const char *p = j->p, *e = j->end;
  if (p < e && *p == '-') p++;
  if (p >= e || *p < '0' || *p > '9') return mxi_json_fail(j, "invalid number");
  if (*p == '0') p++;
  else while (p < e && *p >= '0' && *p <= '9') p++;
  if (p < e && *p == '.') {
    if (++p >= e || *p < '0' || *p > '9') return mxi_json_fail(j, "invalid number");
    while (p < e && *p >= '0' && *p <= '9') p++;
  }
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    if (p >= e || *p < '0' || *p > '9') return mxi_json_fail(j, "invalid number");
    while (p < e && *p >= '0' && *p <= '9') p++;
  }
  j->p = p;
  return true;
}

static bool literal(mxi_json *j, const char *w) {
  size_t n = strlen(w);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, w, n) != 0) return mxi_json_fail(j, "invalid value");
  j->p += n;
  return true;
}

int mxi_json_next(mxi_json *j, bool *first, char close) {
  if (mxi_json_peek(j, close)) {
    j->p++;
    return 0;
  }
  if (!*first && !mxi_json_expect(j, ',')) return -1;
  *first = false;
  if (mxi_json_peek(j, close)) return mxi_json_fail(j, "trailing comma"), -1;
  return 1;
}

int mxi_json_next_key(mxi_json *j, bool *first, char **key, size_t *len) {
  int r = mxi_json_next(j, first, '}');
  if (r <= 0) return r;
  if (!mxi_json_string(j, key, len)) return -1;
  if (!mxi_json_expect(j, ':')) {
    free(*key);
    *key = NULL;
    return -1;
  }
  return 1;
}

bool mxi_json_skip(mxi_json *j) {
  mxi_json_ws(j);
  if (j->p >= j->end) return mxi_json_fail(j, "expected a value but the text ended");
  char c = *j->p;
  if (c == '"') return mxi_json_string(j, NULL, NULL);
  if (c == '{' || c == '[') {
    if (++j->depth > MAX_DEPTH) return mxi_json_fail(j, "nesting deeper than %d", MAX_DEPTH);
    j->p++;
    bool first = true;
    int r;
    while ((r = mxi_json_next(j, &first, c == '{' ? '}' : ']')) > 0) {
      if (c == '{' && (!mxi_json_string(j, NULL, NULL) || !mxi_json_expect(j, ':'))) return false;
      if (!mxi_json_skip(j)) return false;
    }
    j->depth--;
    return r == 0;
  }
  if (c == 't') return literal(j, "true");
  if (c == 'f') return literal(j, "false");
  if (c == 'n') return literal(j, "null");
  return skip_number(j);
}
