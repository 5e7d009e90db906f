/* test_io_atomic.c — saves never destroy the previous file: a save that fails before, during or
 * after writing (bad input, an array whose evaluation fails midway, a write error from a file
 * size limit, a missing directory) leaves the target byte for byte as it was and no temporary
 * file behind; a successful save keeps the target's permissions. */
#include "test_io_util.h"

#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>

typedef enum { SAFETENSORS, NPZ, NPY } fmt;
static const char *const exts[] = {"a.safetensors", "a.npz", "a.npy"};

static mx_status save(fmt f, const char *path, int n, const mx_named_array *arrays) {
  if (f == SAFETENSORS) return mx_save_safetensors(path, n, arrays, 0, NULL, NULL);
  if (f == NPZ) return mx_save_npz(path, n, arrays);
  return mx_save_npy(path, arrays[n - 1].array); /* the last one: the one that fails */
}

/* Saves a good file A, then runs a failing save over it; A must be unchanged. */
static void check_intact_after(fmt f, int n, const mx_named_array *bad, const char *substr) {
  const char *path = io_path(exts[f]);
  mx_named_array good[] = {{"w", io_values(MX_FLOAT32, MX_SHAPE(16, 16))}};
  CHECK(save(f, path, 1, good) == MX_OK);
  size_t n0, n1;
  uint8_t *before = io_read_file(path, &n0);
  mx_clear_error();
  CHECK(save(f, path, n, bad) == MX_ERROR);
  CHECK_LAST_ERROR(substr);
  uint8_t *after = io_read_file(path, &n1);
  CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
  CHECK_INT(io_count_tmp(), 0);
  free(before);
  free(after);
}

TEST(failed_saves_leave_the_target_intact) {
  for (int f = 0; f < 3; f++) {
    mx_named_array with_error[] = {{"ok", io_values(MX_INT32, MX_SHAPE(3))},
                                   {"bad", mx_reshape(io_values(MX_INT32, MX_SHAPE(3)), MX_SHAPE(2, 2))}};
    check_intact_after((fmt)f, 2, with_error, "reshape");
    /* Evaluation fails while the file is half written: the first array is out, the second one's
     * allocation is refused by the memory limit. */
    mx_named_array midway[] = {{"first", io_values(MX_FLOAT32, MX_SHAPE(1000))},
                               {"second", mx_add(mx_zeros(MX_SHAPE(1 << 22), MX_FLOAT32), mx_scalar(1))}};
    mx_eval(midway[0].array);
    mx_memory_set_limit(mx_cpu_device(), 8 << 20);
    check_intact_after((fmt)f, 2, midway, "out of memory");
    mx_memory_set_limit(mx_cpu_device(), 0);
  }
}

TEST(a_write_error_midway_leaves_the_target_intact) {
  /* A child process with a 64 KiB file size limit saves 1 MiB over A: write() fails with EFBIG
   * partway (SIGXFSZ ignored), the save reports it, and A is untouched. */
  for (int f = 0; f < 3; f++) {
    const char *path = io_path(exts[f]);
    mx_named_array small[] = {{"w", io_values(MX_UINT8, MX_SHAPE(100))}};
    CHECK(save((fmt)f, path, 1, small) == MX_OK);
    size_t n0, n1;
    uint8_t *before = io_read_file(path, &n0);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
      signal(SIGXFSZ, SIG_IGN);
      struct rlimit rl = {65536, 65536};
      setrlimit(RLIMIT_FSIZE, &rl);
      mx_named_array big[] = {{"w", io_values(MX_FLOAT32, MX_SHAPE(512, 512))}};
      mx_status st = save((fmt)f, path, 1, big);
      const char *e = mx_last_error();
      _exit(st == MX_ERROR && e && (strstr(e, "write failed") || strstr(e, "close failed")) ? 0 : 1);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    uint8_t *after = io_read_file(path, &n1);
    CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
    CHECK_INT(io_count_tmp(), 0);
    free(before);
    free(after);
  }
}

TEST(saves_into_missing_or_odd_places_fail_cleanly) {
  mx_named_array a[] = {{"x", io_values(MX_FLOAT32, MX_SHAPE(2))}};
  for (int f = 0; f < 3; f++) {
    mx_clear_error();
    CHECK(save((fmt)f, io_path("no_such_dir/a.bin"), 1, a) == MX_ERROR);
    CHECK_LAST_ERROR("cannot create a temporary file beside it");
    mx_clear_error();
    CHECK(save((fmt)f, io_path("dir/"), 1, a) == MX_ERROR);
    CHECK_LAST_ERROR("not a file path");
    mx_clear_error();
    CHECK(save((fmt)f, io_tmpdir(), 1, a) == MX_ERROR); /* a directory is not replaced */
    CHECK_LAST_ERROR("cannot rename");
    CHECK_INT(io_count_tmp(), 0);
  }
  mx_clear_error();
  CHECK(mx_save_npy(NULL, a[0].array) == MX_ERROR);
  CHECK_LAST_ERROR("not a file path");
  mx_clear_error();
  CHECK(mx_save_npz(NULL, 1, a) == MX_ERROR);
  CHECK_LAST_ERROR("not a file path");
  mx_clear_error();
  CHECK(mx_save_safetensors(NULL, 1, a, 0, NULL, NULL) == MX_ERROR);
  CHECK_LAST_ERROR("path NULL");
}

TEST(saves_keep_permissions_and_replace_atomically) {
  const char *path = io_path("perm.npy");
  mx_array *x = io_values(MX_INT16, MX_SHAPE(4));
  mode_t old = umask(022);
  CHECK(mx_save_npy(path, x) == MX_OK);
  struct stat st;
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0644); /* 0666 less the umask */
  chmod(path, 0640);
  CHECK(mx_save_npy(path, x) == MX_OK);
  CHECK(stat(path, &st) == 0 && (st.st_mode & 0777) == 0640);
  umask(old);
  /* a relative path in the current directory works too */
  char cwd[1024];
  CHECK(getcwd(cwd, sizeof cwd) != NULL);
  CHECK(chdir(io_tmpdir()) == 0);
  CHECK(mx_save_npy("rel.npy", x) == MX_OK);
  CHECK(io_same(mx_load_npy("rel.npy"), x));
  CHECK_INT(io_count_tmp(), 0);
  CHECK(chdir(cwd) == 0);
}
