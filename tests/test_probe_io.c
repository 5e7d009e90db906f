/* test_probe_io.c — files as a hostile or careless user hands them over (issue 10): a FIFO
 * instead of a file, a model file truncated or rewritten after loading, a GGUF whose metadata
 * keys all collide in a plain FNV-1a table, safetensors headers at the format's size limit,
 * names near NAME_MAX, saving through a symbolic link. Crash and hang cases run in a child. */
#include "test_io_util.h"

#include <fcntl.h>
#include <limits.h>
#include <time.h>

#include "child.h"
#include "io/io_internal.h"

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* ---- a FIFO is refused at once by every loader (it used to block in open() forever) ---- */
static void load_fifo(void *arg) {
  const char *fifo = arg;
  mx_clear_error();
  CHECK(io_load_failed(mx_load_safetensors(fifo)));
  CHECK_LAST_ERROR("not a regular file (a FIFO)");
  mx_clear_error();
  CHECK(io_load_failed(mx_load_gguf(fifo)));
  CHECK_LAST_ERROR("mx_load_gguf: ");
  CHECK_LAST_ERROR("not a regular file");
  mx_clear_error();
  CHECK(io_load_failed(mx_load_npz(fifo)));
  CHECK_LAST_ERROR("mx_load_npz: ");
  CHECK_LAST_ERROR("not a regular file");
  mx_clear_error();
  CHECK_ERROR(mx_load_npy(fifo), "not a regular file");
  mx_module *m = mx_nn_linear(2, 2, false, NULL);
  mx_clear_error();
  CHECK(mx_module_load(m, fifo) == MX_ERROR);
  CHECK_LAST_ERROR("not a regular file");
  mx_module_free(m);
  /* a directory too, with the same clear message */
  mx_clear_error();
  CHECK(io_load_failed(mx_load_safetensors(io_tmpdir())));
  CHECK_LAST_ERROR("not a regular file (a directory)");
}

TEST(loaders_refuse_a_fifo_without_blocking) {
  const char *fifo = io_path("pipe.safetensors");
  if (!CHECK(mkfifo(fifo, 0600) == 0)) return;
  CHECK(CHECK_IN_CHILD(load_fifo, (void *)fifo, 10));
}

/* ---- loaded arrays do not depend on the file afterwards ---- */
typedef struct after_load {
  const char *path;
  bool truncate; /* else rewrite every byte in place (same size, same inode) */
} after_load;

static void change_file_after_loading(void *arg) {
  const after_load *c = arg;
  mx_array *want = io_values(MX_FLOAT32, MX_SHAPE(4096, 4));
  mx_named_array in[] = {{"w", want}};
  CHECK(mx_save_safetensors(c->path, 1, in, 0, NULL, NULL) == MX_OK);
  mx_tensors *t = mx_load_safetensors(c->path);
  if (!CHECK(io_loaded(t))) return;
  mx_array *w = mx_tensors_get(t, "w");
  if (c->truncate) {
    CHECK(truncate(c->path, 0) == 0);
  } else {
    size_t n;
    uint8_t *bytes = io_read_file(c->path, &n);
    memset(bytes + 8, 0x7f, n - 8); /* same size, same inode: what a careless rewrite does */
    int fd = open(c->path, O_WRONLY);
    CHECK(fd >= 0 && write(fd, bytes, n) == (ssize_t)n);
    close(fd);
    free(bytes);
  }
  CHECK(io_same(w, want)); /* a mapping would fault here (SIGBUS) or see 0x7f7f7f7f */
  CHECK(mx_eval(mx_sum(w, MX_ALL_AXES, false)) == MX_OK);
  mx_tensors_free(t);
}

TEST(loaded_arrays_survive_the_file_being_truncated_or_rewritten) {
  after_load trunc = {io_path("trunc.safetensors"), true};
  after_load rewrite = {io_path("rewrite.safetensors"), false};
  CHECK(CHECK_IN_CHILD(change_file_after_loading, &trunc, 30));
  CHECK(CHECK_IN_CHILD(change_file_after_loading, &rewrite, 30));
}

/* ---- hash flooding: metadata keys that all collide in FNV-1a's low 24 bits ---- */
/* The 64-bit FNV prime's low 32 bits: the low k bits of FNV-1a depend on the low k bits only.
 * A table of up to 2^24 slots indexes by those bits. */
#define FNV_PRIME_LOW 0x1b3u
#define LOW_MASK 0xffffffu
static uint32_t fnv_low(uint32_t h, const char *s, size_t n) {
  for (size_t i = 0; i < n; i++) h = ((h ^ (uint8_t)s[i]) * FNV_PRIME_LOW) & LOW_MASK;
  return h;
}

/* Loading takes 0.2 s in a release build; sanitizer builds at -O0 are 10-20x slower. */
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define LOAD_BOUND_S 30.0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define LOAD_BOUND_S 30.0
#endif
#endif
#ifndef LOAD_BOUND_S
#define LOAD_BOUND_S 5.0
#endif

#define BLOCK 4
#define NBLOCKS 17 /* 2^17 = 131072 keys */
/* Two different BLOCK-character blocks taking FNV state h to the same low 24 bits (a birthday
 * search over base-62 blocks, about 500,000 tries); returns the common next state. Choosing
 * one of the two for each of NBLOCKS blocks gives 2^NBLOCKS keys with one low-24-bit hash. */
static uint32_t colliding_pair(uint32_t h, char a[BLOCK], char b[BLOCK]) {
  static const char al[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  enum { SLOTS = 1 << 22 };
  uint32_t *st = calloc(SLOTS, sizeof *st), *id = calloc(SLOTS, sizeof *id);
  uint32_t next = UINT32_MAX;
  for (uint32_t k = 1; k < SLOTS / 2 && next == UINT32_MAX; k++) {
    char blk[BLOCK];
    for (int i = 0, v = (int)k; i < BLOCK; i++, v /= 62) blk[i] = al[v % 62];
    uint32_t s = fnv_low(h, blk, BLOCK);
    size_t i = (s * 2654435761u) >> 10;
    for (; id[i] && st[i] != s; i = (i + 1) & (SLOTS - 1)) {
    }
    if (id[i]) {
      for (int j = 0, v = (int)id[i]; j < BLOCK; j++, v /= 62) a[j] = al[v % 62];
      memcpy(b, blk, BLOCK);
      next = s;
    }
    st[i] = s;
    id[i] = k;
  }
  free(st);
  free(id);
  return next;
}

static void put_u32(mxi_sbuf *b, uint32_t v) {
  uint8_t t[4];
  mxi_wr32(t, v);
  mxi_sbuf_put(b, (const char *)t, 4);
}
static void put_u64(mxi_sbuf *b, uint64_t v) {
  uint8_t t[8];
  mxi_wr64(t, v);
  mxi_sbuf_put(b, (const char *)t, 8);
}

TEST(gguf_with_colliding_metadata_keys_loads_in_linear_time) {
  char pairs[NBLOCKS][2][BLOCK];
  /* the offset basis of the FNV-1a that tensors.c used (1469598103934665603), low bits */
  const uint32_t basis = (uint32_t)(1469598103934665603ull & LOW_MASK);
  uint32_t h = fnv_low(basis, "k.", 2);
  for (int i = 0; i < NBLOCKS; i++)
    if (!CHECK((h = colliding_pair(h, pairs[i][0], pairs[i][1])) != UINT32_MAX)) return;
  int nkeys = 1 << NBLOCKS;
  mxi_sbuf b = {0};
  mxi_sbuf_put(&b, "GGUF", 4);
  put_u32(&b, 3);
  put_u64(&b, 0);
  put_u64(&b, (uint64_t)nkeys);
  char key[2 + NBLOCKS * BLOCK + 1] = "k.";
  for (int k = 0; k < nkeys; k++) {
    for (int i = 0; i < NBLOCKS; i++) memcpy(key + 2 + i * BLOCK, pairs[i][(k >> i) & 1], BLOCK);
    put_u64(&b, sizeof key - 1);
    mxi_sbuf_put(&b, key, sizeof key - 1);
    put_u32(&b, 0); /* uint8 */
    mxi_sbuf_put(&b, "\x2a", 1);
  }
  CHECK(!b.oom);
  CHECK_INT(fnv_low(basis, key, sizeof key - 1), h); /* the last key collides with the first */
  const char *path = io_path("flood.gguf");
  io_write_file(path, b.s, b.n);
  double t0 = now_s();
  mx_tensors *t = mx_load_gguf(path);
  double dt = now_s() - t0;
  printf("    hostile GGUF (%d colliding keys, %.1f MB): loaded in %.3f s\n", nkeys, b.n / 1e6, dt);
  CHECK(dt < LOAD_BOUND_S); /* FNV-1a with linear probing: 38.5 s to 209 s in release builds */
  if (CHECK(t)) {
    CHECK_INT(mx_tensors_metadata_count(t), nkeys);
    CHECK_STR(mx_tensors_metadata(t, key), "42");
    CHECK_STR(mx_tensors_metadata(t, mx_tensors_metadata_key(t, 12345)), "42");
  }
  mx_tensors_free(t);
  free(b.s);
}

/* ---- the safetensors header limit is the same for the saver and the loader ---- */
TEST(safetensors_saver_refuses_a_header_the_loader_would_refuse) {
  const char *path = io_path("bighdr.safetensors");
  size_t n = 100000000; /* alone fills the 100,000,000-byte limit with the JSON around it */
  char *big = malloc(n + 1);
  memset(big, 'x', n);
  big[n] = 0;
  const char *keys[] = {"blob"}, *vals[] = {big};
  mx_named_array in[] = {{"w", io_values(MX_FLOAT32, MX_SHAPE(2))}};
  mx_clear_error();
  mx_status st = mx_save_safetensors(path, 1, in, 1, keys, vals);
  if (st == MX_OK) { /* before: saved, then refused by the loader */
    mx_tensors *t = mx_load_safetensors(path);
    FAIL("saved a header the loader refuses (%s)", t ? "it loaded" : mx_last_error());
    mx_tensors_free(t);
  } else {
    CHECK_LAST_ERROR("over the format's limit of 100000000 bytes");
    CHECK(access(path, F_OK) != 0);
    CHECK_INT(io_count_tmp(), 0);
  }
  free(big);
  /* just under the limit: saved and loaded back */
  size_t fit = 100000000 - 200;
  big = malloc(fit + 1);
  memset(big, 'y', fit);
  big[fit] = 0;
  vals[0] = big;
  CHECK(mx_save_safetensors(path, 1, in, 1, keys, vals) == MX_OK);
  mx_tensors *t = mx_load_safetensors(path);
  if (CHECK(io_loaded(t))) CHECK(strlen(mx_tensors_metadata(t, "blob")) == fit);
  mx_tensors_free(t);
  unlink(path);
  free(big);
}

/* ---- file names near NAME_MAX save (the temporary name used to add ~30 characters) ---- */
TEST(names_near_name_max_save_and_load) {
  mx_named_array in[] = {{"w", io_values(MX_INT32, MX_SHAPE(5))}};
  for (int len = 230; len <= 255; len += 5) {
    char name[256];
    memset(name, 'n', (size_t)len);
    memcpy(name + len - 4, ".npy", 4);
    name[len] = 0;
    const char *path = io_path(name);
    mx_clear_error();
    if (!CHECK(mx_save_npy(path, in[0].array) == MX_OK))
      fprintf(stderr, "    length %d: %s\n", len, mx_last_error());
    CHECK(io_same(mx_load_npy(path), in[0].array));
    memcpy(name + len - 12, ".safetensors", 12);
    path = io_path(name);
    CHECK(mx_save_safetensors(path, 1, in, 0, NULL, NULL) == MX_OK);
    mx_tensors *t = mx_load_safetensors(path);
    CHECK(t && io_same(mx_tensors_get(t, "w"), in[0].array));
    mx_tensors_free(t);
  }
  CHECK_INT(io_count_tmp(), 0);
}

/* ---- saving through a symbolic link writes the link's target, as NumPy does ---- */
TEST(saving_through_a_symlink_keeps_the_link) {
  mkdir(io_path("models"), 0700);
  const char *target = io_path("models/real.safetensors"), *link = io_path("link.safetensors");
  const char *link2 = io_path("link2.safetensors");
  mx_named_array v1[] = {{"w", io_values(MX_INT32, MX_SHAPE(3))}};
  mx_named_array v2[] = {{"w", io_values(MX_FLOAT64, MX_SHAPE(7))}};
  CHECK(mx_save_safetensors(target, 1, v1, 0, NULL, NULL) == MX_OK);
  CHECK(symlink("models/real.safetensors", link) == 0); /* relative to the link's directory */
  CHECK(symlink("link.safetensors", link2) == 0);       /* a chain of two */
  CHECK(mx_save_safetensors(link2, 1, v2, 0, NULL, NULL) == MX_OK);
  struct stat st;
  CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(lstat(link2, &st) == 0 && S_ISLNK(st.st_mode));
  mx_tensors *t = mx_load_safetensors(target);
  CHECK(t && io_same(mx_tensors_get(t, "w"), v2[0].array));
  mx_tensors_free(t);
  /* a dangling link: the save creates its target */
  const char *dangling = io_path("dangling.npy");
  CHECK(symlink("models/new.npy", dangling) == 0);
  CHECK(mx_save_npy(dangling, v1[0].array) == MX_OK);
  CHECK(lstat(dangling, &st) == 0 && S_ISLNK(st.st_mode));
  CHECK(io_same(mx_load_npy(io_path("models/new.npy")), v1[0].array));
  /* a loop is an error, not a hang */
  const char *l1 = io_path("loop1"), *l2 = io_path("loop2");
  CHECK(symlink("loop2", l1) == 0 && symlink("loop1", l2) == 0);
  mx_clear_error();
  CHECK(mx_save_npy(l1, v1[0].array) == MX_ERROR);
  CHECK_LAST_ERROR("symbolic link");
  CHECK_INT(io_count_tmp(), 0);
}
