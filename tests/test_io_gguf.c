/* test_io_gguf.c — GGUF files made by a small writer in this test: every metadata value type,
 * tensors of each loadable type (Q8_0/Q4_0 against a dequantization written independently
 * here), alignment, zero-copy loading, and the errors for corrupt and unsupported files. */
#include "test_io_util.h"

#include "io/io_internal.h"

/* ---- a minimal GGUF writer ---- */
typedef struct gw {
  mxi_sbuf b, data;
} gw;

static void put(mxi_sbuf *b, const void *p, size_t n) { mxi_sbuf_put(b, p, n); }
static void u32(gw *w, uint32_t v) {
  uint8_t t[4];
  mxi_wr32(t, v);
  put(&w->b, t, 4);
}
static void u64(gw *w, uint64_t v) {
  uint8_t t[8];
  mxi_wr64(t, v);
  put(&w->b, t, 8);
}
static void str(gw *w, const char *s) {
  u64(w, strlen(s));
  put(&w->b, s, strlen(s));
}
static void header(gw *w, uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
  *w = (gw){{0}, {0}};
  put(&w->b, "GGUF", 4);
  u32(w, version);
  u64(w, n_tensors);
  u64(w, n_kv);
}
/* A tensor info; dims in GGUF order (fastest first). */
static void tensor(gw *w, const char *name, int nd, const uint64_t *ne, uint32_t type, uint64_t off) {
  str(w, name);
  u32(w, (uint32_t)nd);
  for (int i = 0; i < nd; i++) u64(w, ne[i]);
  u32(w, type);
  u64(w, off);
}
/* Pads to the alignment, appends the data section, writes the file. */
static const char *finish(gw *w, uint32_t align, const char *name) {
  while (w->b.n % align) put(&w->b, "", 1);
  put(&w->b, w->data.s ? w->data.s : "", w->data.n);
  const char *p = io_path(name);
  io_write_file(p, w->b.s, w->b.n);
  free(w->b.s);
  free(w->data.s);
  return p;
}
static uint64_t add_data(gw *w, const void *p, size_t n, uint32_t align) {
  while (w->data.n % align) put(&w->data, "", 1);
  uint64_t off = w->data.n;
  put(&w->data, p, n);
  return off;
}

/* ---- reference dequantization, written from the block definitions in ggml-common.h ---- */
static float half_ref(uint16_t h) {
  int e = (h >> 10) & 31, m = h & 1023;
  float v = e ? ldexpf((float)(1024 + m), e - 25) : ldexpf((float)m, -24);
  return (h & 0x8000) ? -v : v;
}
static float q8_ref(const uint8_t *blocks, int64_t i) { /* block: fp16 d, int8 qs[32] */
  const uint8_t *b = blocks + (i / 32) * 34;
  return (float)(int8_t)b[2 + i % 32] * half_ref((uint16_t)(b[0] | b[1] << 8));
}
static float q4_ref(const uint8_t *blocks, int64_t i) { /* block: fp16 d, uint8 qs[16] */
  const uint8_t *b = blocks + (i / 32) * 18;
  int j = (int)(i % 32);
  int q = j < 16 ? (b[2 + j] & 15) : (b[2 + j - 16] >> 4); /* element j+16 is the high nibble of j */
  return (float)(q - 8) * half_ref((uint16_t)(b[0] | b[1] << 8));
}

TEST(gguf_tensors_of_every_loadable_type) {
  uint8_t q8[3 * 34], q4[4 * 18];
  uint16_t scales[] = {0x3c00, 0x3555, 0xae66, 0x0001 /* subnormal */};
  for (int b = 0; b < 3; b++) {
    mxi_wr16(q8 + b * 34, scales[b]);
    for (int j = 0; j < 32; j++) q8[b * 34 + 2 + j] = (uint8_t)(j * 37 + b * 11 - 128);
  }
  for (int b = 0; b < 4; b++) {
    mxi_wr16(q4 + b * 18, scales[b]);
    for (int j = 0; j < 16; j++) q4[b * 18 + 2 + j] = (uint8_t)(j * 29 + b * 7);
  }
  float f32[6] = {1, -2, 3.5f, 0, -0.25f, 7};
  uint16_t f16[4] = {0x3c00, 0xc000, 0x3800, 0x7c00}, bf16[2] = {0x3f80, 0xc040};
  int32_t i32[3] = {-1, 2, 1 << 30};
  double f64[2] = {0.1, -1e300};
  gw w;
  header(&w, 3, 7, 1);
  str(&w, "general.alignment");
  u32(&w, 4 /* UINT32 */);
  u32(&w, 64);
  tensor(&w, "f32", 2, (uint64_t[]){3, 2}, 0, add_data(&w, f32, sizeof f32, 64));
  tensor(&w, "f16", 1, (uint64_t[]){4}, 1, add_data(&w, f16, sizeof f16, 64));
  tensor(&w, "bf16", 3, (uint64_t[]){2, 1, 1}, 30, add_data(&w, bf16, sizeof bf16, 64));
  tensor(&w, "q8", 2, (uint64_t[]){32, 3}, 8, add_data(&w, q8, sizeof q8, 64));
  tensor(&w, "q4", 2, (uint64_t[]){64, 2}, 2, add_data(&w, q4, sizeof q4, 64));
  tensor(&w, "i32", 1, (uint64_t[]){3}, 26, add_data(&w, i32, sizeof i32, 64));
  tensor(&w, "f64", 0, NULL, 28, add_data(&w, f64, 8, 64));
  (void)f64[1];
  /* empty tensors may share an offset with the next one (gguf-py writes them so) */
  uint64_t end = add_data(&w, "", 0, 64);
  tensor(&w, "empty_last", 2, (uint64_t[]){32, 0}, 8, end);
  tensor(&w, "empty", 1, (uint64_t[]){0}, 0, end);
  uint64_t tail = add_data(&w, f32, 4, 64);
  tensor(&w, "tail", 1, (uint64_t[]){1}, 0, tail);
  memcpy(w.b.s + 8, "\x0a\0\0\0\0\0\0\0", 8); /* the tensor count */
  mx_tensors *t = mx_load_gguf(finish(&w, 64, "types.gguf"));
  if (!CHECK(io_loaded(t))) return;
  CHECK_INT(mx_tensors_count(t), 10);
  CHECK_INT(mx_array_size(mx_tensors_get(t, "empty_last")), 0);
  CHECK(mx_item_f32(mx_tensors_get(t, "tail")) == 1.0f);
  CHECK(io_same(mx_tensors_get(t, "f32"), mx_array_new(f32, MX_SHAPE(2, 3), MX_FLOAT32)));
  CHECK(io_same(mx_tensors_get(t, "f16"), mx_array_new(f16, MX_SHAPE(4), MX_FLOAT16)));
  CHECK(io_same(mx_tensors_get(t, "bf16"), mx_array_new(bf16, MX_SHAPE(1, 1, 2), MX_BFLOAT16)));
  CHECK(io_same(mx_tensors_get(t, "i32"), mx_array_new(i32, MX_SHAPE(3), MX_INT32)));
  CHECK(io_same(mx_tensors_get(t, "f64"), mx_array_new(f64, MX_SCALAR_SHAPE, MX_FLOAT64)));
  float want8[96], want4[128];
  for (int i = 0; i < 96; i++) want8[i] = q8_ref(q8, i);
  for (int i = 0; i < 128; i++) want4[i] = q4_ref(q4, i);
  CHECK(io_same(mx_tensors_get(t, "q8"), mx_array_new(want8, MX_SHAPE(3, 32), MX_FLOAT32)));
  CHECK(io_same(mx_tensors_get(t, "q4"), mx_array_new(want4, MX_SHAPE(2, 64), MX_FLOAT32)));
  CHECK(want8[1] == (float)(int8_t)(37 - 128)); /* d = 1.0: the quantized values themselves */
  CHECK(want4[16] == (float)((q4[2] >> 4) - 8));
  /* F32 data at a 64-byte aligned offset of the 64-byte aligned copy of the file: zero copy */
  mx_array *a = mx_tensors_get(t, "f32");
  CHECK(a->buf->user_memory && mx_array_data(a) == a->buf->host);
  CHECK_STR(mx_tensors_metadata(t, "general.alignment"), "64");
  mx_tensors_free(t);
}

TEST(gguf_metadata_of_every_type_as_text) {
  gw w;
  header(&w, 2, 0, 16);
  struct { const char *key; uint32_t type; uint64_t bits; int size; const char *want; } scalars[] = {
      {"u8", 0, 200, 1, "200"},          {"i8", 1, 0xfe, 1, "-2"},
      {"u16", 2, 65535, 2, "65535"},     {"i16", 3, 0x8000, 2, "-32768"},
      {"u32", 4, 4000000000u, 4, "4000000000"}, {"i32", 5, 0xffffffffu, 4, "-1"},
      {"f32", 6, 0x3dcccccd, 4, "0.1"},  {"bool", 7, 1, 1, "true"},
      {"u64", 10, UINT64_MAX, 8, "18446744073709551615"}, {"i64", 11, (uint64_t)INT64_MIN, 8, "-9223372036854775808"},
      {"f64", 12, 0x3ff8000000000000ull, 8, "1.5"},
  };
  int ns = (int)(sizeof scalars / sizeof scalars[0]);
  for (int i = 0; i < ns; i++) {
    str(&w, scalars[i].key);
    u32(&w, scalars[i].type);
    uint8_t t[8];
    mxi_wr64(t, scalars[i].bits);
    put(&w.b, t, (size_t)scalars[i].size);
  }
  str(&w, "s");
  u32(&w, 8);
  str(&w, "h\xc3\xa9llo \"x\"");
  str(&w, "ints");
  u32(&w, 9);
  u32(&w, 5);
  u64(&w, 3);
  for (int i = 0; i < 3; i++) u32(&w, (uint32_t)(i - 1));
  str(&w, "strs");
  u32(&w, 9);
  u32(&w, 8);
  u64(&w, 2);
  str(&w, "a\"b");
  str(&w, "tab\t");
  str(&w, "nested"); /* [[1, 2], []] of uint8 */
  u32(&w, 9);
  u32(&w, 9);
  u64(&w, 2);
  u32(&w, 0);
  u64(&w, 2);
  put(&w.b, "\x01\x02", 2);
  u32(&w, 0);
  u64(&w, 0);
  str(&w, "empty");
  u32(&w, 9);
  u32(&w, 12);
  u64(&w, 0);
  mx_tensors *t = mx_load_gguf(finish(&w, 32, "meta.gguf"));
  if (!CHECK(io_loaded(t))) return;
  CHECK_INT(mx_tensors_count(t), 0);
  CHECK_INT(mx_tensors_metadata_count(t), 16);
  for (int i = 0; i < ns; i++) CHECK_STR(mx_tensors_metadata(t, scalars[i].key), scalars[i].want);
  CHECK_STR(mx_tensors_metadata(t, "s"), "h\xc3\xa9llo \"x\"");
  CHECK_STR(mx_tensors_metadata(t, "ints"), "[-1, 0, 1]");
  CHECK_STR(mx_tensors_metadata(t, "strs"), "[\"a\\\"b\", \"tab\\u0009\"]");
  CHECK_STR(mx_tensors_metadata(t, "nested"), "[[1, 2], []]");
  CHECK_STR(mx_tensors_metadata(t, "empty"), "[]");
  CHECK_STR(mx_tensors_metadata_key(t, 0), "u8"); /* file order */
  mx_tensors_free(t);
}

static void expect_gguf_error(gw *w, uint32_t align, const char *substr) {
  mx_clear_error();
  mx_tensors *t = mx_load_gguf(finish(w, align, "bad.gguf"));
  CHECK(io_load_failed(t));
  CHECK_LAST_ERROR(substr);
  CHECK_LAST_ERROR("mx_load_gguf: ");
}

/* A file with one tensor (the given info) over 256 zero bytes of data. */
static void one_tensor(gw *w, int nd, const uint64_t *ne, uint32_t type, uint64_t off) {
  static const uint8_t zeros[256];
  header(w, 3, 1, 0);
  tensor(w, "w", nd, ne, type, off);
  add_data(w, zeros, sizeof zeros, 32);
}

TEST(gguf_rejects_corrupt_and_unsupported_files) {
  gw w;
  header(&w, 3, 0, 0);
  w.b.s[0] = 'X';
  expect_gguf_error(&w, 1, "not a GGUF file (bad magic)");
  header(&w, 1, 0, 0);
  expect_gguf_error(&w, 1, "GGUF version 1 is not supported");
  header(&w, 0x03000000u, 0, 0);
  expect_gguf_error(&w, 1, "big-endian GGUF files are not supported");
  header(&w, 7, 0, 0);
  expect_gguf_error(&w, 1, "unsupported GGUF version 7");
  header(&w, 3, 0, 1000000);
  expect_gguf_error(&w, 1, "cannot fit a");
  header(&w, 3, 0, 1);
  str(&w, "k");
  u32(&w, 13);
  u32(&w, 0);
  expect_gguf_error(&w, 1, "unknown metadata value type 13");
  header(&w, 3, 0, 1);
  str(&w, "k");
  u32(&w, 9);
  u32(&w, 4);
  u64(&w, 1ull << 40);
  expect_gguf_error(&w, 1, "array of 1099511627776 elements does not fit");
  header(&w, 3, 0, 1);
  str(&w, "k");
  u32(&w, 7);
  put(&w.b, "\x02", 1);
  expect_gguf_error(&w, 1, "bool value is 2");
  header(&w, 3, 0, 1);
  str(&w, "k");
  u32(&w, 8);
  u64(&w, 100); /* a string longer than the file */
  put(&w.b, "abc", 3);
  expect_gguf_error(&w, 1, "truncated");
  header(&w, 3, 0, 2);
  for (int i = 0; i < 2; i++) {
    str(&w, "dup");
    u32(&w, 0);
    put(&w.b, "\x01", 1);
  }
  expect_gguf_error(&w, 1, "duplicate metadata key 'dup'");
  header(&w, 3, 0, 1);
  str(&w, "general.alignment");
  u32(&w, 4);
  u32(&w, 48);
  expect_gguf_error(&w, 1, "power of two");
  header(&w, 3, 0, 1); /* arrays nested 9 deep */
  str(&w, "deep");
  u32(&w, 9);
  for (int i = 0; i < 9; i++) {
    u32(&w, 9);
    u64(&w, 1);
  }
  for (int i = 0; i < 40; i++) u32(&w, 0);
  expect_gguf_error(&w, 1, "nested deeper than 8");
  one_tensor(&w, 2, (uint64_t[]){256, 1}, 12, 0);
  expect_gguf_error(&w, 32, "type Q4_K (12), which mx cannot load");
  one_tensor(&w, 1, (uint64_t[]){16}, 8, 0);
  expect_gguf_error(&w, 32, "Q8_0 rows of 16 elements are not whole blocks of 32");
  one_tensor(&w, 1, (uint64_t[]){4}, 0, 4);
  expect_gguf_error(&w, 32, "offset 4 is not a multiple of the alignment 32");
  one_tensor(&w, 1, (uint64_t[]){65}, 0, 0);
  expect_gguf_error(&w, 32, "260 bytes at data offset 0 run past the end");
  one_tensor(&w, 1, (uint64_t[]){1}, 0, 1ull << 62);
  expect_gguf_error(&w, 32, "run past the end");
  one_tensor(&w, 9, (uint64_t[]){1, 1, 1, 1, 1, 1, 1, 1, 1}, 0, 0);
  expect_gguf_error(&w, 32, "9 dimensions");
  one_tensor(&w, 2, (uint64_t[]){1ull << 62, 8}, 0, 0);
  expect_gguf_error(&w, 32, "shape is too large");
  one_tensor(&w, 3, (uint64_t[]){0, 1ull << 61, 1ull << 3}, 0, 0);
  expect_gguf_error(&w, 32, "shape is too large");
  one_tensor(&w, 1, (uint64_t[]){1ull << 63}, 0, 0);
  expect_gguf_error(&w, 32, "dimension too large");
  static const uint8_t zeros[256];
  header(&w, 3, 2, 0);
  tensor(&w, "a", 1, (uint64_t[]){16}, 0, 0);
  tensor(&w, "b", 1, (uint64_t[]){16}, 0, 32);
  add_data(&w, zeros, sizeof zeros, 32);
  expect_gguf_error(&w, 32, "tensors 'a' and 'b' overlap");
  header(&w, 3, 2, 0);
  tensor(&w, "a", 1, (uint64_t[]){4}, 0, 0);
  tensor(&w, "a", 1, (uint64_t[]){4}, 0, 32);
  add_data(&w, zeros, sizeof zeros, 32);
  expect_gguf_error(&w, 32, "duplicate tensor name 'a'");
  header(&w, 3, 1, 0); /* the data section would start past the end */
  tensor(&w, "a", 1, (uint64_t[]){0}, 0, 0);
  mx_clear_error();
  const char *p = io_path("short.gguf");
  io_write_file(p, w.b.s, w.b.n);
  free(w.b.s);
  CHECK(io_load_failed(mx_load_gguf(p)));
  CHECK_LAST_ERROR("past the end of the file");
  /* every truncation of a valid file fails cleanly */
  one_tensor(&w, 1, (uint64_t[]){64}, 0, 0);
  finish(&w, 32, "full.gguf");
  size_t n;
  uint8_t *raw = io_read_file(io_path("full.gguf"), &n);
  for (size_t k = 0; k + 1 < n; k++) {
    mx_clear_error();
    mx_tensors *t = mxi_gguf_parse(raw, k, "prefix", NULL);
    if (t) FAIL("a %zu-byte prefix of a %zu-byte file loaded", k, n);
    mx_tensors_free(t);
  }
  free(raw);
}
