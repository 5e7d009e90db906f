/* test_fuzz_regressions.c — replays the fuzzers' seed corpora (tests/fuzz/corpus/<format>/,
 * which must load) and every input a fuzzer once crashed on (tests/fuzz/regressions/<format>/,
 * which must load or fail with a clean message naming the loader), through the same
 * parse-from-memory entry points the fuzzers call, in the normal (and sanitizer) build. */
#include <dirent.h>

#include "harness.h"
#include "io/io_internal.h"

#ifndef MX_FUZZ_DIR
#error "MX_FUZZ_DIR must name tests/fuzz (set by tests/CMakeLists.txt)"
#endif

static const char *const formats[] = {"safetensors", "npy", "npz", "gguf"};

/* Parses data as format both ways (copying, and zero-copy from a mapping); true on success.
 * A failure must leave a message that names the loader. */
static bool parse(const char *format, const uint8_t *data, size_t size, const char *path) {
  char want[64];
  snprintf(want, sizeof want, "mx_load_%s: ", format);
  bool ok = true;
  for (int zero_copy = 0; zero_copy < 2; zero_copy++) {
    mx_clear_error();
    mx_scope s = mx_scope_begin();
    mxi_mapping *m = zero_copy ? mxi_mapping_copy(data, size) : NULL;
    const uint8_t *d = m ? m->data : data;
    bool good;
    if (strcmp(format, "npy") == 0) {
      mx_array *a = mxi_npy_parse(d, size, path);
      good = !mx_is_error(a) && mx_array_data(a) != NULL;
    } else {
      mx_tensors *t = strcmp(format, "safetensors") == 0 ? mxi_safetensors_parse(d, size, path, m)
                    : strcmp(format, "gguf") == 0       ? mxi_gguf_parse(d, size, path, m)
                                                        : mxi_npz_parse(d, size, path);
      good = t != NULL;
      for (int i = 0; t && i < mx_tensors_count(t); i++)
        good = good && mx_array_data(mx_tensors_at(t, i)) != NULL;
      mx_tensors_free(t);
    }
    mxi_mapping_release(m);
    if (!good) {
      const char *e = mx_last_error();
      CHECK(e && strncmp(e, want, strlen(want)) == 0);
    }
    ok = ok && good;
    mx_scope_end(s);
  }
  return ok;
}

static int replay(const char *kind, const char *format, bool must_load) {
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/%s/%s", MX_FUZZ_DIR, kind, format);
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d))) {
    if (de->d_name[0] == '.') continue;
    char path[2048];
    snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
    uint8_t *data;
    size_t size;
    char err[256];
    if (mxi_read_file(path, &data, &size, err, sizeof err) != MX_OK) {
      FAIL("%s: %s", path, err);
      continue;
    }
    bool ok = parse(format, data, size, path);
    if (must_load && !ok) FAIL("seed %s does not load: %s", path, mx_last_error());
    free(data);
    n++;
  }
  closedir(d);
  return n;
}

TEST(seed_corpora_load) {
  for (int f = 0; f < 4; f++) CHECK(replay("corpus", formats[f], true) > 0);
}

TEST(regressions_fail_cleanly) {
  int n = 0;
  for (int f = 0; f < 4; f++) n += replay("regressions", formats[f], false);
  CHECK(n > 0);
}
