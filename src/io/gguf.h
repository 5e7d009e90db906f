/* gguf.h — the GGUF reader's cursor and the metadata value reader shared by gguf.c and
 * gguf_meta.c. */
#ifndef MX_IO_GGUF_H
#define MX_IO_GGUF_H

#include "io_internal.h"

/* A bounds-checked cursor over the file: every read checks the remaining length first. */
typedef struct mxi_gguf_rd {
  const uint8_t *d;
  size_t pos, size;
  char err[256];
} mxi_gguf_rd;

bool mxi_gguf_fail(mxi_gguf_rd *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool mxi_gguf_u32(mxi_gguf_rd *r, uint32_t *v);
bool mxi_gguf_u64(mxi_gguf_rd *r, uint64_t *v);
/* A GGUF string: u64 length, then that many bytes (not NUL-terminated). */
bool mxi_gguf_str(mxi_gguf_rd *r, const char **s, uint64_t *len);

enum { /* gguf_type */
  MXI_GGUF_U8, MXI_GGUF_I8, MXI_GGUF_U16, MXI_GGUF_I16, MXI_GGUF_U32, MXI_GGUF_I32,
  MXI_GGUF_F32, MXI_GGUF_BOOL, MXI_GGUF_STRING, MXI_GGUF_ARRAY, MXI_GGUF_U64, MXI_GGUF_I64,
  MXI_GGUF_F64, MXI_GGUF_NTYPES
};

/* Reads a value of type (the type tag already read) and appends it to out as text: numbers in
 * decimal, bools as true/false, strings as they are (quoted and escaped inside arrays), arrays
 * as "[a, b, ...]". *u32 receives the value when it is a UINT32 (for general.alignment). */
bool mxi_gguf_value(mxi_gguf_rd *r, uint32_t type, mxi_sbuf *out, uint32_t *u32);

#endif
