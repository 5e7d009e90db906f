/* test_io.c — safetensors: round trips of every dtype and shape family, metadata, zero-copy
 * loading from the mapping (and arrays outliving the map), and the validation of hand-made
 * corrupt files. npy/npz, GGUF and atomic saves have their own test_io_*.c files. */
#include "test_io_util.h"

#include "io/io_internal.h"

static const mx_shape shapes[] = {{2, {2, 3}}, {0, {0}}, {2, {0, 4}}, {1, {5}}, {3, {2, 1, 3}}};

TEST(safetensors_round_trip_every_dtype_and_shape) {
  mx_named_array in[MX_NUM_DTYPES * 7];
  char names[MX_NUM_DTYPES * 7][48];
  int n = 0;
  for (int d = 0; d < MX_NUM_DTYPES; d++) {
    for (int s = 0; s < 5; s++) {
      snprintf(names[n], 48, "%s/%d", mx_dtype_name((mx_dtype)d), s);
      in[n] = (mx_named_array){names[n], io_values((mx_dtype)d, shapes[s])};
      n++;
    }
    /* non-contiguous views: a transpose and a broadcast (stride 0) */
    snprintf(names[n], 48, "%s.T", mx_dtype_name((mx_dtype)d));
    in[n] = (mx_named_array){names[n], mx_transpose(io_values((mx_dtype)d, MX_SHAPE(3, 2)), MX_ALL_AXES)};
    n++;
    snprintf(names[n], 48, "%s.bcast", mx_dtype_name((mx_dtype)d));
    in[n] = (mx_named_array){names[n], mx_broadcast_to(io_values((mx_dtype)d, MX_SHAPE(1, 3)), MX_SHAPE(4, 3))};
    n++;
  }
  const char *path = io_path("all.safetensors");
  CHECK(mx_save_safetensors(path, n, in, 0, NULL, NULL) == MX_OK);
  mx_tensors *t = mx_load_safetensors(path);
  if (!CHECK(io_loaded(t))) return;
  CHECK_INT(mx_tensors_count(t), n);
  CHECK_INT(mx_tensors_metadata_count(t), 0);
  for (int i = 0; i < n; i++) {
    mx_array *a = mx_tensors_get(t, names[i]);
    if (!io_same(a, in[i].array)) FAIL("tensor %s differs after the round trip", names[i]);
  }
  CHECK(mx_tensors_get(t, "absent") == NULL);
  CHECK(mx_tensors_at(t, n) == NULL && mx_tensors_name(t, -1) == NULL);
  mx_tensors_free(t);
}

TEST(safetensors_metadata) {
  mx_named_array in[] = {{"x", io_values(MX_FLOAT32, MX_SHAPE(2))}};
  const char *keys[] = {"zeta", "alpha", "quote\"\\", "ctl"};
  const char *vals[] = {"last", "first \xc3\xa9\xe2\x82\xac", "a\"b\\c/d", "tab\there\x01"};
  const char *path = io_path("meta.safetensors");
  CHECK(mx_save_safetensors(path, 1, in, 4, keys, vals) == MX_OK);
  mx_tensors *t = mx_load_safetensors(path);
  if (!CHECK(io_loaded(t))) return;
  CHECK_INT(mx_tensors_metadata_count(t), 4);
  CHECK_STR(mx_tensors_metadata_key(t, 0), "alpha"); /* sorted, as the reference writes them */
  for (int i = 0; i < 4; i++) CHECK_STR(mx_tensors_metadata(t, keys[i]), vals[i]);
  CHECK(mx_tensors_metadata(t, "nope") == NULL);
  mx_tensors_free(t);
  /* The header as the reference writer formats it: compact, escaped, padded with spaces. */
  size_t n;
  uint8_t *raw = io_read_file(path, &n);
  uint64_t hlen = mxi_rd64(raw);
  CHECK_INT(hlen % 8, 0);
  CHECK(memmem(raw + 8, hlen, "\"ctl\":\"tab\\there\\u0001\"", 23) != NULL);
  CHECK(memmem(raw + 8, hlen, "\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", 51));
  free(raw);
}

/* [start, end) of the mapping of path in /proc/self/maps; false if not mapped. */
static bool mapped_range(const char *path, uintptr_t *start, uintptr_t *end) {
  char real[4096];
  if (!realpath(path, real)) return false;
  FILE *f = fopen("/proc/self/maps", "r");
  char line[8192];
  bool found = false;
  while (f && fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    size_t ll = strlen(line), rl = strlen(real);
    if (ll > rl && strcmp(line + ll - rl, real) == 0) {
      unsigned long s, e;
      if (sscanf(line, "%lx-%lx", &s, &e) == 2) {
        *start = s;
        *end = e;
        found = true;
      }
    }
  }
  if (f) fclose(f);
  return found;
}

TEST(safetensors_mapped_zero_copy_and_outliving_the_map) {
  mx_named_array in[] = {{"a", io_values(MX_FLOAT32, MX_SHAPE(64, 4))},
                         {"b", io_values(MX_INT8, MX_SHAPE(3))},
                         {"c", io_values(MX_FLOAT64, MX_SHAPE(5))}};
  const char *path = io_path("zc.safetensors");
  CHECK(mx_save_safetensors(path, 3, in, 0, NULL, NULL) == MX_OK);
  uintptr_t lo, hi;
  /* the default load copies the file (docs/files.md): no mapping stays behind */
  mx_tensors *t = mx_load_safetensors(path);
  CHECK(t && io_same(mx_tensors_get(t, "a"), in[0].array));
  CHECK(!mapped_range(path, &lo, &hi));
  mx_tensors_free(t);
  t = mx_load_safetensors_mapped(path);
  if (!CHECK(io_loaded(t))) return;
  CHECK(mapped_range(path, &lo, &hi));
  mx_array *a = mx_retain(mx_tensors_get(t, "a")), *c = mx_tensors_get(t, "c");
  uintptr_t pa = (uintptr_t)mx_array_data(a), pc = (uintptr_t)mx_array_data(c);
  CHECK(pa >= lo && pa + mx_array_nbytes(a) <= hi); /* the data pointer is inside the mapping */
  CHECK(pc >= lo && pc + mx_array_nbytes(c) <= hi);
  mx_tensors_free(t);
  /* a outlives the map: the file stays mapped and the values are intact */
  CHECK(mapped_range(path, &lo, &hi));
  CHECK(io_same(a, in[0].array));
  mx_release(a);
  CHECK(!mapped_range(path, &lo, &hi)); /* the last array unmapped it */
  /* the saved file can be replaced while arrays still use the old one (atomic rename) */
  t = mx_load_safetensors_mapped(path);
  a = mx_retain(mx_tensors_get(t, "a"));
  mx_tensors_free(t);
  mx_named_array other[] = {{"a", mx_zeros(MX_SHAPE(64, 4), MX_FLOAT32)}};
  CHECK(mx_save_safetensors(path, 1, other, 0, NULL, NULL) == MX_OK);
  CHECK(io_same(a, in[0].array));
  mx_release(a);
}

/* A file with an 8-byte length, header text and data, as given. */
static const char *st_file(const char *name, const char *header, const void *data, size_t n) {
  size_t hl = strlen(header);
  uint8_t *buf = malloc(8 + hl + n + 1);
  mxi_wr64(buf, hl);
  memcpy(buf + 8, header, hl);
  if (n) memcpy(buf + 8 + hl, data, n);
  const char *p = io_path(name);
  io_write_file(p, buf, 8 + hl + n);
  free(buf);
  return p;
}

TEST(safetensors_unaligned_data_is_copied) {
  /* A 13-byte header puts the float32 data at file offset 21: not aligned, so copied. */
  float v[3] = {1.5f, -2, 3};
  const char *p = st_file("unaligned.st", "{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", v, 12);
  mx_tensors *t = mx_load_safetensors(p);
  if (!CHECK(io_loaded(t))) return;
  mx_array *x = mx_tensors_get(t, "x");
  const float *d = mx_array_data(x);
  CHECK((uintptr_t)d % 4 == 0);
  CHECK(d[0] == 1.5f && d[1] == -2 && d[2] == 3);
  mx_tensors_free(t);
}

static void expect_st_error(const char *header, const void *data, size_t n, const char *substr) {
  mx_clear_error();
  const char *p = st_file("bad.st", header, data, n);
  mx_tensors *t = mx_load_safetensors(p);
  if (!CHECK(io_load_failed(t))) fprintf(stderr, "    header: %s\n", header);
  CHECK_LAST_ERROR(substr);
  CHECK_LAST_ERROR("mx_load_safetensors: ");
}

#define INFO(dt, shape, b, e) "{\"dtype\":\"" dt "\",\"shape\":" shape ",\"data_offsets\":[" b "," e "]}"

TEST(safetensors_rejects_corrupt_headers) {
  uint8_t z[64] = {0};
  expect_st_error("{\"a\":", z, 0, "invalid header");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "0", "8") "} x", z, 8, "unexpected bytes after");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "0", "8") ",}", z, 8, "trailing comma");
  expect_st_error("{\"\xff\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "not valid UTF-8");
  expect_st_error("{\"\xc0\xaf\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "not valid UTF-8");
  expect_st_error("{\"a\\x\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "invalid escape");
  expect_st_error("{\"a\\ud800\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "surrogate");
  expect_st_error("{\"a\\udc00x\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "surrogate");
  expect_st_error("{\"a\tb\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "control character");
  expect_st_error("{\"a\\u0000\":" INFO("F32", "[2]", "0", "8") "}", z, 8, "NUL");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "0", "8") ",\"a\":" INFO("F32", "[2]", "8", "16") "}", z, 16,
                  "duplicate tensor name 'a'");
  expect_st_error("{\"__metadata__\":{\"k\":\"v\",\"k\":\"w\"}}", z, 0, "duplicate metadata key 'k'");
  expect_st_error("{\"__metadata__\":{\"k\":1}}", z, 0, "is not a string");
  expect_st_error("{\"__metadata__\":{},\"__metadata__\":{}}", z, 0, "duplicate __metadata__");
  expect_st_error("{\"a\":" INFO("F8_E4M3", "[2]", "0", "2") "}", z, 2, "dtype 'F8_E4M3'");
  expect_st_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", z, 8, "lacks \"data_offsets\"");
  expect_st_error("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\"}}", z, 8, "duplicate key");
  expect_st_error("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,9]}}", z, 8, "exactly two");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "0", "12") "}", z, 12, "do not match shape (2) F32");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "8", "0") "}", z, 8, "do not match");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "0", "8") ",\"b\":" INFO("F32", "[2]", "4", "12") "}", z, 12,
                  "overlaps another tensor");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "4", "12") "}", z, 12, "a gap before it");
  expect_st_error("{\"a\":" INFO("F32", "[2]", "0", "8") "}", z, 12, "cover 8 bytes but the data section holds 12");
  expect_st_error("{\"a\":" INFO("F32", "[250]", "0", "1000") "}", z, 8, "holds 8");
  expect_st_error("{\"a\":" INFO("F32", "[4611686018427387904,4]", "0", "0") "}", z, 0, "too large");
  expect_st_error("{\"a\":" INFO("F32", "[0,4611686018427387904,4]", "0", "0") "}", z, 0, "too large");
  expect_st_error("{\"a\":" INFO("F32", "[99999999999999999999]", "0", "0") "}", z, 0, "integer too large");
  expect_st_error("{\"a\":" INFO("F32", "[1,1,1,1,1,1,1,1,1]", "0", "4") "}", z, 4, "more than 8 dimensions");
  expect_st_error("{\"a\":" INFO("F32", "[-2]", "0", "8") "}", z, 8, "non-negative integer");
  expect_st_error("{\"a\":" INFO("F32", "[2.0]", "0", "8") "}", z, 8, "fraction");
  expect_st_error("{\"a\":" INFO("F32", "[02]", "0", "8") "}", z, 8, "leading zero");
  expect_st_error("[1]", z, 0, "expected '{'");
  char deep[300] = "{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4],\"x\":";
  size_t k = strlen(deep);
  for (int i = 0; i < 100; i++) deep[k++] = '[';
  deep[k] = 0;
  expect_st_error(deep, z, 4, "nesting deeper than 64");
  /* length field problems */
  mx_clear_error();
  const char *p = io_path("short.st");
  io_write_file(p, "\x10\x00\x00", 3);
  CHECK(io_load_failed(mx_load_safetensors(p)));
  CHECK_LAST_ERROR("too short for the 8-byte header length");
  mx_clear_error();
  io_write_file(p, "\x00\x04\x00\x00\x00\x00\x00\x00{}", 10);
  CHECK(io_load_failed(mx_load_safetensors(p)));
  CHECK_LAST_ERROR("header length 1024 exceeds the file size 10");
  mx_clear_error();
  io_write_file(p, "", 0);
  CHECK(io_load_failed(mx_load_safetensors(p)));
  CHECK_LAST_ERROR("the file is 0 bytes");
  mx_clear_error();
  CHECK(io_load_failed(mx_load_safetensors(io_path("does_not_exist"))));
  CHECK_LAST_ERROR("cannot open");
  mx_clear_error();
  CHECK(io_load_failed(mx_load_safetensors(io_tmpdir())));
  CHECK_LAST_ERROR("not a regular file");
}

TEST(safetensors_accepts_what_the_reference_accepts) {
  /* unknown keys in a tensor's info, whitespace, escapes, keys in any order, 0-d and empty */
  uint8_t data[8] = {0, 0, 0x80, 0x3f, 0, 0, 0, 0x40};
  const char *p = st_file("ok.st",
                          "{ \"s\\u00e9\\n\" : {\"shape\":[], \"extra\":{\"x\":[1,2.5e3,null,true]}, "
                          "\"data_offsets\":[0,4],\"dtype\":\"F32\"},\"e\":" INFO("I64", "[0,3]", "4", "4")
                          ",\"t\":" INFO("F32", "[1]", "4", "8") "}   ",
                          data, 8);
  mx_tensors *t = mx_load_safetensors(p);
  if (!CHECK(io_loaded(t))) return;
  CHECK_STR(mx_tensors_name(t, 0), "s\xc3\xa9\n"); /* file order */
  CHECK_INT(mx_array_ndim(mx_tensors_at(t, 0)), 0);
  CHECK(mx_item_f32(mx_tensors_at(t, 0)) == 1.0f);
  CHECK(mx_item_f32(mx_tensors_get(t, "t")) == 2.0f);
  CHECK_INT(mx_array_size(mx_tensors_get(t, "e")), 0);
  mx_tensors_free(t);
  /* "__metadata__": null, as MLX's writer puts it (the reference reads it as no metadata) */
  p = st_file("null_meta.st", "{\"__metadata__\":null,\"t\":" INFO("F32", "[1]", "0", "4") "}", data + 4, 4);
  t = mx_load_safetensors(p);
  if (!CHECK(io_loaded(t))) return;
  CHECK_INT(mx_tensors_metadata_count(t), 0);
  CHECK(mx_item_f32(mx_tensors_get(t, "t")) == 2.0f);
  mx_tensors_free(t);
  expect_st_error("{\"__metadata__\":nul,\"t\":" INFO("F32", "[1]", "0", "4") "}", data + 4, 4, "invalid header");
  expect_st_error("{\"__metadata__\":5,\"t\":" INFO("F32", "[1]", "0", "4") "}", data + 4, 4, "invalid header");
}

TEST(safetensors_save_rejects_bad_inputs) {
  const char *p = io_path("bad_save.safetensors");
  mx_array *x = io_values(MX_FLOAT32, MX_SHAPE(2));
  mx_named_array dup[] = {{"a", x}, {"a", x}};
  mx_clear_error();
  CHECK(mx_save_safetensors(p, 2, dup, 0, NULL, NULL) == MX_ERROR);
  CHECK_LAST_ERROR("duplicate tensor name 'a'");
  mx_named_array meta_name[] = {{"__metadata__", x}};
  mx_clear_error();
  CHECK(mx_save_safetensors(p, 1, meta_name, 0, NULL, NULL) == MX_ERROR);
  CHECK_LAST_ERROR("'__metadata__' cannot name a tensor");
  mx_named_array bad_utf8[] = {{"a\xff", x}};
  mx_clear_error();
  CHECK(mx_save_safetensors(p, 1, bad_utf8, 0, NULL, NULL) == MX_ERROR);
  CHECK_LAST_ERROR("not valid UTF-8");
  mx_named_array null_arr[] = {{"a", NULL}};
  mx_clear_error();
  CHECK(mx_save_safetensors(p, 1, null_arr, 0, NULL, NULL) == MX_ERROR);
  CHECK_LAST_ERROR("array 'a' is NULL");
  const char *k[] = {"k", "k"}, *v[] = {"1", "2"};
  mx_named_array one[] = {{"a", x}};
  mx_clear_error();
  CHECK(mx_save_safetensors(p, 1, one, 2, k, v) == MX_ERROR);
  CHECK_LAST_ERROR("duplicate metadata key 'k'");
  size_t n;
  CHECK(io_read_file(p, &n) == NULL); /* nothing was created */
  CHECK_INT(io_count_tmp(), 0);
  /* an empty file (no tensors) is valid: "{}" padded to 8 bytes */
  CHECK(mx_save_safetensors(p, 0, NULL, 0, NULL, NULL) == MX_OK);
  uint8_t *raw = io_read_file(p, &n);
  CHECK(n == 16 && memcmp(raw + 8, "{}      ", 8) == 0);
  free(raw);
  mx_tensors *t = mx_load_safetensors(p);
  CHECK(t && mx_tensors_count(t) == 0);
  mx_tensors_free(t);
}

/* Loaders fail as ops do: never NULL; the set carries the error and every array from it is the
 * error, like mx_load_npy's error array. */
TEST(failed_loads_return_sets_carrying_the_error) {
  mx_clear_error();
  const char *missing = io_path("no_such_file.safetensors");
  mx_tensors *t = mx_load_safetensors(missing);
  CHECK(t != NULL);
  const char *e = mx_tensors_error(t);
  CHECK(e && strstr(e, "mx_load_safetensors: ") && strstr(e, "no_such_file.safetensors"));
  CHECK_INT(mx_tensors_count(t), 0);
  CHECK(mx_tensors_name(t, 0) == NULL && mx_tensors_metadata(t, "k") == NULL);
  mx_array *w = mx_tensors_get(t, "weight");
  CHECK(mx_is_error(w) && strcmp(mx_array_error(w), e) == 0);
  CHECK(mx_is_error(mx_tensors_at(t, 3)));
  mx_array *y = mx_matmul(mx_ones(MX_SHAPE(2, 2), MX_FLOAT32), w);
  CHECK(mx_eval(y) == MX_ERROR && strstr(mx_array_error(y), "no_such_file"));
  CHECK(mx_last_error() && strstr(mx_last_error(), "mx_load_safetensors: "));
  mx_tensors_free(t);
  mx_clear_error();
  /* npy: an error array, the same message form */
  mx_array *a = mx_load_npy(io_path("no_such_file.npy"));
  CHECK(mx_is_error(a) && strstr(mx_array_error(a), "mx_load_npy: ") && strstr(mx_array_error(a), "no_such_file.npy"));
  mx_clear_error();
  /* the set loaders all behave this way */
  mx_tensors *sets[4] = {mx_load_npz(NULL), mx_load_gguf(missing), mx_load_safetensors_mapped(missing),
                         mx_load_gguf_mapped(missing)};
  for (int i = 0; i < 4; i++) {
    CHECK(sets[i] && mx_tensors_error(sets[i]) && strstr(mx_tensors_error(sets[i]), "mx_load_"));
    mx_tensors_free(sets[i]);
  }
  CHECK(mx_tensors_error(NULL) && strcmp(mx_tensors_error(NULL), "NULL tensors") == 0);
  mx_tensors *ok = mx_load_safetensors(st_file("ok1.st", "{\"t\":" INFO("F32", "[1]", "0", "4") "}", (float[]){2}, 4));
  CHECK(mx_tensors_error(ok) == NULL);
  mx_tensors_free(ok);
  mx_clear_error();
}
