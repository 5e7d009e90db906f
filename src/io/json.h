/* json.h — the strict JSON cursor used to read safetensors headers (json.c). Every function
 * returns false (or -1) on malformed text with the reason in j->err. */
#ifndef MX_IO_JSON_H
#define MX_IO_JSON_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct mxi_json {
  const char *start, *p, *end;
  int depth;
  char err[192];
} mxi_json;

/* s[0..n) must be valid UTF-8 (check with mxi_utf8_valid first). */
void mxi_json_init(mxi_json *j, const char *s, size_t n);
void mxi_json_ws(mxi_json *j);                /* skips whitespace */
bool mxi_json_peek(mxi_json *j, char c);      /* skips whitespace; is the next byte c? */
bool mxi_json_expect(mxi_json *j, char c);    /* skips whitespace and consumes c */
/* A string value, decoded (escapes, surrogate pairs) into a malloc'd NUL-terminated copy
 * (*out may be NULL to only validate). */
bool mxi_json_string(mxi_json *j, char **out, size_t *len);
bool mxi_json_u64(mxi_json *j, uint64_t *out); /* a plain non-negative integer */
bool mxi_json_skip(mxi_json *j);               /* any value, validated */
/* After '{' or '[': 1 when another member follows (the comma consumed), 0 at the closing
 * bracket (consumed), -1 on error. *first starts true. */
int mxi_json_next(mxi_json *j, bool *first, char close);
/* The same for objects, also reading the key (malloc'd into *key) and the ':'. */
int mxi_json_next_key(mxi_json *j, bool *first, char **key, size_t *len);
bool mxi_json_fail(mxi_json *j, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
