/* test_io_npy.c — NumPy files: .npy round trips and hand-made headers (Fortran order, big
 * endian, format versions, odd spellings), .npz round trips, the inflate decoder on streams
 * made by zlib, and the errors for corrupt headers, archives and deflate streams. */
#include "test_io_util.h"

#include "io/io_internal.h"
#include "io/zip.h"

TEST(npy_round_trip_every_dtype_and_shape) {
  const mx_shape shapes[] = {{2, {2, 3}}, {0, {0}}, {2, {0, 4}}, {1, {5}}, {4, {2, 1, 3, 2}}};
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    for (int s = 0; s < 6; s++) {
      mx_array *a = s < 5 ? io_values((mx_dtype)d, shapes[s])
                          : mx_transpose(io_values((mx_dtype)d, MX_SHAPE(3, 4)), MX_ALL_AXES);
      const char *p = io_path("rt.npy");
      CHECK(mx_save_npy(p, a) == MX_OK);
      mx_array *b = mx_load_npy(p);
      if (!io_same(b, a)) FAIL("%s shape %d differs after the round trip (%s)", mx_dtype_name((mx_dtype)d), s,
                               mx_is_error(b) ? mx_array_error(b) : "values");
    }
  }
  /* numpy's exact layout: 128-byte header for a 2x3 float32 (spare spaces, 64-byte alignment) */
  CHECK(mx_save_npy(io_path("f.npy"), io_values(MX_FLOAT32, MX_SHAPE(2, 3))) == MX_OK);
  size_t n;
  uint8_t *raw = io_read_file(io_path("f.npy"), &n);
  CHECK_INT(n, 128 + 24);
  CHECK(memcmp(raw, "\x93NUMPY\x01\x00\x76\x00{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 68) == 0);
  CHECK(raw[127] == '\n');
  free(raw);
}

/* An .npy file with the given header dict (padded as numpy does) and data. */
static const char *npy_file(const char *dict, const void *data, size_t n, int major) {
  size_t pre = major == 1 ? 10 : 12, dl = strlen(dict);
  size_t hl = ((pre + dl + 1 + 63) / 64) * 64 - pre;
  uint8_t *buf = calloc(1, pre + hl + n + 1);
  memcpy(buf, "\x93NUMPY", 6);
  buf[6] = (uint8_t)major;
  if (major == 1) mxi_wr16(buf + 8, (uint16_t)hl);
  else mxi_wr32(buf + 8, (uint32_t)hl);
  memset(buf + pre, ' ', hl);
  memcpy(buf + pre, dict, dl);
  buf[pre + hl - 1] = '\n';
  if (n) memcpy(buf + pre + hl, data, n);
  const char *p = io_path("hand.npy");
  io_write_file(p, buf, pre + hl + n);
  free(buf);
  return p;
}

TEST(npy_reads_fortran_order_big_endian_and_all_versions) {
  /* 2x3x2 int16 in Fortran order: element (i,j,k) at i + 2j + 6k, value 100i + 10j + k */
  int16_t f[12];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 2; k++) f[i + 2 * j + 6 * k] = (int16_t)(100 * i + 10 * j + k);
  mx_array *a = mx_load_npy(npy_file("{'descr': '<i2', 'fortran_order': True, 'shape': (2, 3, 2), }", f, 24, 1));
  if (CHECK(!mx_is_error(a))) {
    const int16_t *d = mx_array_data(a);
    for (int i = 0; i < 12; i++) CHECK_INT(d[i], 100 * (i / 6) + 10 * (i / 2 % 3) + i % 2);
  }
  /* big-endian float64 and complex64 (each half swapped), keys in another order, 'L' suffix */
  uint8_t be[16] = {0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0xc0, 0x04, 0, 0, 0, 0, 0, 0};
  a = mx_load_npy(npy_file("{\"shape\": (2L,), \"fortran_order\": False, \"descr\": \">f8\"}", be, 16, 1));
  if (CHECK(!mx_is_error(a))) {
    CHECK(mx_array_get_f64(a, (int64_t[]){0}) == 1.5 && mx_array_get_f64(a, (int64_t[]){1}) == -2.5);
  }
  uint8_t bc[8] = {0x3f, 0x80, 0, 0, 0xc0, 0, 0, 0};
  a = mx_load_npy(npy_file("{'descr': '>c8', 'fortran_order': False, 'shape': (), }", bc, 8, 2));
  if (CHECK(!mx_is_error(a) && mx_array_ndim(a) == 0)) {
    const float *c = mx_array_data(a);
    CHECK(c[0] == 1.0f && c[1] == -2.0f);
  }
  /* format 3.0 (utf-8 header), '|u1', shape (3,) with and without spaces */
  uint8_t u[3] = {1, 2, 255};
  a = mx_load_npy(npy_file("{'descr':'|u1','fortran_order':False,'shape':(3 , ),}", u, 3, 3));
  CHECK(!mx_is_error(a) && mx_array_dtype(a) == MX_UINT8 && mx_array_size(a) == 3);
  /* trailing bytes after the data are ignored, as numpy does */
  a = mx_load_npy(npy_file("{'descr': '|b1', 'fortran_order': True, 'shape': (2,), }", u, 3, 1));
  CHECK(!mx_is_error(a) && mx_array_size(a) == 2 && mx_array_dtype(a) == MX_BOOL);
}

static void expect_npy_error(const char *dict, size_t data_bytes, const char *substr) {
  uint8_t data[64] = {0};
  mx_clear_error();
  mx_array *a = mx_load_npy(npy_file(dict, data, data_bytes, 1));
  if (!CHECK(mx_is_error(a))) fprintf(stderr, "    header: %s\n", dict);
  CHECK_LAST_ERROR(substr);
  CHECK_LAST_ERROR("mx_load_npy: ");
}

TEST(npy_rejects_corrupt_headers) {
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (3), }", 12, "not a tuple; expected (n,)");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': [3], }", 12, "'shape' is not a tuple");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (-3,), }", 12, "non-negative");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", 12, "needs 16 bytes of data but the file holds 12");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4), }", 12, "too large");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (0, 4611686018427387904, 4), }", 0, "too large");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 0, "too large");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,1,1,1,1,1,1,1,1), }", 4, "more than 8");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, }", 4, "lacks 'shape'");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), 'x': 1}", 4, "unexpected key 'x'");
  expect_npy_error("{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1,)}", 4, "duplicate key 'descr'");
  expect_npy_error("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,)}", 4, "structured dtypes");
  expect_npy_error("{'descr': '<c16', 'fortran_order': False, 'shape': (1,)}", 16, "descr '<c16' is not a dtype mx supports");
  expect_npy_error("{'descr': '|O', 'fortran_order': False, 'shape': (1,)}", 8, "'|O'");
  expect_npy_error("{'descr': '|f4', 'fortran_order': False, 'shape': (1,)}", 4, "lacks a byte order");
  expect_npy_error("{'descr': '<f4', 'fortran_order': 1, 'shape': (1,)}", 4, "not True or False");
  expect_npy_error("{'descr': '<f4', 'fortran_order': False, 'shape': (1,)} x", 4, "unexpected bytes after");
  expect_npy_error("{'descr': '<f\\x34', 'fortran_order': False, 'shape': (1,)}", 4, "unsupported character");
  expect_npy_error("{'descr': '<f4' 'fortran_order': False, 'shape': (1,)}", 4, "expected ',' or '}'");
  expect_npy_error("{'descr: '<f4', 'fortran_order': False, 'shape': (1,)}", 4, "expected ':'");
  /* preamble problems */
  const char *p = io_path("pre.npy");
  mx_clear_error();
  io_write_file(p, "\x93NUMPZ\x01\x00\x10\x00", 10);
  CHECK(mx_is_error(mx_load_npy(p)));
  CHECK_LAST_ERROR("not an .npy file (bad magic)");
  mx_clear_error();
  io_write_file(p, "\x93NUMPY\x04\x00\x10\x00", 10);
  CHECK(mx_is_error(mx_load_npy(p)));
  CHECK_LAST_ERROR("unsupported .npy format version 4.0");
  mx_clear_error();
  io_write_file(p, "\x93NUMPY\x01\x00\xff\x00{}", 12);
  CHECK(mx_is_error(mx_load_npy(p)));
  CHECK_LAST_ERROR("header length 255 exceeds the file size 12");
  mx_clear_error();
  io_write_file(p, "\x93NUMPY\x02\x00\x10\x00", 10);
  CHECK(mx_is_error(mx_load_npy(p)));
  CHECK_LAST_ERROR("truncated header");
  mx_clear_error();
  CHECK(mx_is_error(mx_load_npy(io_path("missing.npy"))));
  CHECK_LAST_ERROR("cannot open");
  mx_clear_error();
  CHECK(mx_save_npy(p, mxi_error("test", "boom")) == MX_ERROR);
  CHECK_LAST_ERROR("mx_test: boom"); /* the first error stays the thread's error */
}

TEST(npz_round_trip_and_layout) {
  mx_named_array in[MX_NUM_DTYPES + 2];
  char names[MX_NUM_DTYPES][32];
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    snprintf(names[d], 32, "%s_\xc3\xa9", mx_dtype_name((mx_dtype)d));
    in[d] = (mx_named_array){names[d], io_values((mx_dtype)d, MX_SHAPE(3, 2))};
  }
  in[MX_NUM_DTYPES] = (mx_named_array){"t", mx_transpose(io_values(MX_INT32, MX_SHAPE(2, 5)), MX_ALL_AXES)};
  in[MX_NUM_DTYPES + 1] = (mx_named_array){"dir/empty", io_values(MX_FLOAT16, MX_SHAPE(0))};
  const char *p = io_path("rt.npz");
  CHECK(mx_save_npz(p, MX_NUM_DTYPES + 2, in) == MX_OK);
  mx_tensors *t = mx_load_npz(p);
  if (!CHECK(io_loaded(t))) return;
  CHECK_INT(mx_tensors_count(t), MX_NUM_DTYPES + 2);
  for (int i = 0; i < MX_NUM_DTYPES + 2; i++) {
    CHECK_STR(mx_tensors_name(t, i), in[i].name); /* archive order */
    if (!io_same(mx_tensors_get(t, in[i].name), in[i].array)) FAIL("member %s differs", in[i].name);
  }
  mx_tensors_free(t);
  /* the directory agrees with the data: entries, stored, CRCs */
  size_t n;
  uint8_t *raw = io_read_file(p, &n);
  mxi_zip_entry *e;
  size_t ne;
  char err[256];
  if (CHECK(mxi_zip_read(raw, n, &e, &ne, err, sizeof err))) {
    CHECK_INT(ne, MX_NUM_DTYPES + 2);
    for (size_t i = 0; i < ne; i++) CHECK(e[i].method == 0 && mxi_crc32(0, e[i].data, e[i].usize) == e[i].crc);
    mxi_zip_free(e, ne);
  }
  free(raw);
  mx_named_array dup[] = {{"a", in[0].array}, {"a", in[1].array}};
  mx_clear_error();
  CHECK(mx_save_npz(io_path("dup.npz"), 2, dup) == MX_ERROR);
  CHECK_LAST_ERROR("duplicate array name 'a'");
  CHECK_INT(mxi_crc32(0, "123456789", 9), 0xcbf43926u); /* the standard check value */
}

static const uint8_t deflate_fixed[] = {0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x57, 0xc8, 0x40,
                                        0x27, 0x75, 0x14, 0x72, 0x2b, 0x14, 0x01};
static const uint8_t deflate_stored[] = {0x01, 0x0c, 0x00, 0xf3, 0xff, 0x73, 0x74, 0x6f, 0x72,
                                         0x65, 0x64, 0x20, 0x62, 0x6c, 0x6f, 0x63, 0x6b};
/* zlib level 9 of dyn_source() below: one dynamic-Huffman block */
static const uint8_t deflate_dynamic[] = {
    0xed, 0xce, 0xcb, 0x0d, 0x80, 0x20, 0x14, 0x44, 0xd1, 0xda, 0x50, 0x81, 0x07, 0xa8, 0xfc,
    0xb1, 0xff, 0x4e, 0x9c, 0xbc, 0x4c, 0x11, 0x2e, 0x5c, 0xde, 0x4c, 0x72, 0x32, 0x46, 0xf2,
    0x72, 0xd7, 0x38, 0xce, 0xbe, 0xc7, 0x6a, 0x24, 0x3f, 0xfe, 0x9e, 0x16, 0x91, 0xda, 0x16,
    0x0a, 0x42, 0x47, 0x84, 0x8e, 0x08, 0x1d, 0x11, 0x3a, 0x22, 0x74, 0x44, 0x90, 0x49, 0x64,
    0x16, 0x99, 0x48, 0x66, 0x92, 0x09, 0x64, 0x06, 0x19, 0x21, 0xd3, 0xc9, 0x78, 0x32, 0x8d,
    0x8c, 0x23, 0x53, 0xc9, 0x58, 0x32, 0xc5, 0xfc, 0xbf, 0x3f, 0xfd, 0xfb, 0x05};

/* a fixed block, an empty stored block (zlib's sync flush), another fixed block: the stored
 * block must start on the right byte although the decoder has read ahead */
static const uint8_t deflate_sync_flush[] = {
    0x4a, 0x4c, 0x4a, 0x4e, 0x04, 0x23, 0x85, 0x8c, 0xd4, 0x9c, 0x9c, 0x7c, 0x85, 0xf2, 0xfc,
    0xa2, 0x9c, 0x14, 0x85, 0x44, 0x12, 0x44, 0x01, 0x00, 0x00, 0x00, 0xff, 0xff, 0x2b, 0x4e,
    0x4d, 0xce, 0xcf, 0x4b, 0x51, 0x28, 0x48, 0x2c, 0x2a, 0x51, 0x48, 0x4c, 0x2b, 0x49, 0x2d,
    0x52, 0x48, 0x54, 0x28, 0xae, 0xcc, 0x4b, 0x56, 0x48, 0xcb, 0x29, 0x2d, 0xce, 0x00, 0x00};

TEST(inflate_decodes_zlib_streams_and_rejects_bad_ones) {
  uint8_t out[600];
  const char *hello = "hello hello hello hello, mx!";
  CHECK(mxi_inflate(deflate_fixed, sizeof deflate_fixed, out, strlen(hello)) == NULL);
  CHECK(memcmp(out, hello, strlen(hello)) == 0);
  CHECK(mxi_inflate(deflate_stored, sizeof deflate_stored, out, 12) == NULL);
  CHECK(memcmp(out, "stored block", 12) == 0);
  const char *why = mxi_inflate(deflate_dynamic, sizeof deflate_dynamic, out, 600);
  CHECK(why == NULL);
  int bad = 0;
  for (int i = 0; i < 600; i++) bad += out[i] != (uint8_t)((i * 7 + (i >> 3)) % 23 + 65);
  CHECK_INT(bad, 0);
  const char *sync = "abcabcabc hello world abcabcabc hello world abcabcabc hello world "
                     "second part after a sync flush";
  CHECK(mxi_inflate(deflate_sync_flush, sizeof deflate_sync_flush, out, strlen(sync)) == NULL);
  CHECK(memcmp(out, sync, strlen(sync)) == 0);
  /* wrong promised sizes, truncation, bad block type, corrupt stored length, distance too far */
  CHECK_STR(mxi_inflate(deflate_fixed, sizeof deflate_fixed, out, 10), "decompressed data is larger than the directory says");
  CHECK_STR(mxi_inflate(deflate_fixed, sizeof deflate_fixed, out, 40), "decompressed data is shorter than the directory says");
  CHECK_STR(mxi_inflate(deflate_dynamic, 40, out, 600), "compressed data ends early");
  CHECK_STR(mxi_inflate((const uint8_t *)"\x07", 1, out, 1), "invalid block type");
  CHECK_STR(mxi_inflate((const uint8_t *)"\x01\x01\x00\x00\x00", 5, out, 1), "stored block length check failed");
  /* fixed block: literal 'a' then length 3 at distance 2 (only 1 byte written so far) */
  CHECK_STR(mxi_inflate((const uint8_t *)"\x4b\x04\x42\x00", 4, out, 16), "distance too far back");
  CHECK_STR(mxi_inflate(NULL, 0, out, 0), "compressed data ends early");
  /* every truncation of the dynamic stream fails cleanly */
  for (size_t k = 0; k < sizeof deflate_dynamic; k++)
    if (!mxi_inflate(deflate_dynamic, k, out, 600)) FAIL("a %zu-byte prefix inflated", k);
}

/* A one-member archive (name, method, payload as stored) with the given CRC. */
static const char *zip_file(const char *name, int method, const void *payload, size_t n, uint32_t crc) {
  mxi_sbuf z = {0}, cd = {0};
  uint8_t local[MXI_ZIP_LOCAL_SIZE], end[MXI_ZIP_END_SIZE];
  mxi_zip_local_header(local, strlen(name), crc, (uint32_t)n);
  mxi_wr16(local + 8, (uint16_t)method);
  mxi_sbuf_put(&z, (const char *)local, sizeof local);
  mxi_sbuf_put(&z, name, strlen(name));
  mxi_sbuf_put(&z, payload, n);
  mxi_zip_central_header(&cd, name, strlen(name), crc, (uint32_t)n, 0);
  mxi_wr16((uint8_t *)cd.s + 10, (uint16_t)method);
  mxi_zip_end(end, 1, (uint32_t)cd.n, (uint32_t)z.n);
  mxi_sbuf_put(&z, cd.s, cd.n);
  mxi_sbuf_put(&z, (const char *)end, sizeof end);
  const char *p = io_path("hand.npz");
  io_write_file(p, z.s, z.n);
  free(z.s);
  free(cd.s);
  return p;
}

static void expect_npz_error(const char *p, const char *substr) {
  mx_clear_error();
  mx_tensors *t = mx_load_npz(p);
  CHECK(io_load_failed(t));
  CHECK_LAST_ERROR(substr);
  CHECK_LAST_ERROR("mx_load_npz: ");
}

TEST(npz_rejects_corrupt_archives) {
  uint8_t npy[MXI_NPY_HEADER_MAX + 8];
  size_t hn = mxi_npy_header("test", "x", MX_FLOAT32, 1, (int64_t[]){2}, npy);
  memset(npy + hn, 0, 8);
  uint32_t crc = mxi_crc32(0, npy, hn + 8);
  mx_tensors *t = mx_load_npz(zip_file("a.npy", 0, npy, hn + 8, crc));
  CHECK(t && mx_tensors_count(t) == 1 && mx_array_size(mx_tensors_get(t, "a")) == 2);
  mx_tensors_free(t);
  expect_npz_error(zip_file("a.npy", 0, npy, hn + 8, crc ^ 1), "does not match the directory's");
  expect_npz_error(zip_file("a.txt", 0, npy, hn + 8, crc), "member 'a.txt' is not an .npy file");
  expect_npz_error(zip_file("a.npy", 12, npy, hn + 8, crc), "compression method 12");
  expect_npz_error(zip_file("a.npy", 8, npy, hn + 8, crc), "member 'a.npy': ");
  expect_npz_error(zip_file("a.npy", 0, npy, 20, mxi_crc32(0, npy, 20)), "header length");
  /* edits of a valid archive: each field checked */
  const char *p = zip_file("a.npy", 0, npy, hn + 8, crc);
  size_t n;
  uint8_t *raw = io_read_file(p, &n), *copy = malloc(n);
  size_t cd = n - MXI_ZIP_END_SIZE - 46 - 5;
  struct { size_t at; uint8_t val; const char *msg; } edits[] = {
      {0, 'X', "no local header"},
      {cd + 8, 1, "is encrypted"},                 /* the central flags count */
      {cd + 20, 0xff, "has compressed size"},      /* stored sizes differ */
      {cd + 42, 4, "no local header"},             /* local header offset */
      {cd + 28, 6, "overruns the directory"},      /* name length */
      {n - 22 + 10, 2, "multi-disk"},              /* entries here != entries in all */
      {n - 22 + 16, 0xff, "lies outside the archive"},
      {n - 22 + 4, 1, "multi-disk"},
      {n - 22, 'X', "no end of central directory"},
      {30, 'b', "does not match the central directory"}, /* local name */
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
    memcpy(copy, raw, n);
    copy[edits[i].at] = edits[i].val;
    io_write_file(p, copy, n);
    expect_npz_error(p, edits[i].msg);
  }
  memcpy(copy, raw, n); /* more entries than the directory can hold */
  copy[n - 22 + 8] = copy[n - 22 + 10] = 2;
  io_write_file(p, copy, n);
  expect_npz_error(p, "2 entries cannot fit a 51-byte central directory");
  /* zip64 markers are refused cleanly */
  memcpy(copy, raw, n);
  memset(copy + cd + 20, 0xff, 8);
  io_write_file(p, copy, n);
  expect_npz_error(p, "needs zip64");
  memcpy(copy, raw, n);
  memset(copy + n - 22 + 8, 0xff, 4);
  io_write_file(p, copy, n);
  expect_npz_error(p, "zip64 archives are not supported");
  /* every truncation fails cleanly */
  for (size_t k = 0; k < n; k++) {
    io_write_file(p, raw, k);
    mx_clear_error();
    mx_tensors *tt = mx_load_npz(p);
    if (!io_load_failed(tt)) FAIL("a %zu-byte prefix loaded", k);
  }
  free(raw);
  free(copy);
  /* a deflated member claiming an impossible ratio is refused before allocating */
  uint8_t tiny[4] = {0x03, 0x00, 0, 0};
  p = zip_file("a.npy", 8, tiny, 2, 0);
  raw = io_read_file(p, &n);
  mxi_wr32(raw + n - 22 - 46 - 5 + 24, 100000000u);
  io_write_file(p, raw, n);
  free(raw);
  expect_npz_error(p, "impossible compression ratio");
}
