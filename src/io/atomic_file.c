/* atomic_file.c — saves that never destroy the previous file: write a temporary file in the
 * target's directory (a symbolic link's target: links are followed), fsync it, rename it over
 * the target (atomic on POSIX), fsync the directory. Any failure removes the temporary file and
 * leaves the target as it was. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "io_internal.h"

static atomic_uint tmp_counter;

/* The file a save replaces: path with its symbolic links followed, as NumPy writes through a
 * link (renaming over the link itself would turn it into a plain file). NULL with errno set. */
static char *resolve_links(const char *path) {
  char *cur = strdup(path);
  for (int hops = 0; cur; hops++) {
    struct stat st;
    if (lstat(cur, &st) != 0 || !S_ISLNK(st.st_mode)) return cur; /* a new file is made here */
    if (hops == 40) { /* the kernel's own bound */
      free(cur);
      errno = ELOOP;
      return NULL;
    }
    char link[PATH_MAX];
    ssize_t k = readlink(cur, link, sizeof link - 1);
    if (k < 0) {
      int e = errno;
      free(cur);
      errno = e;
      return NULL;
    }
    link[k] = 0;
    const char *slash = strrchr(cur, '/');
    size_t dir_len = link[0] != '/' && slash ? (size_t)(slash - cur) + 1 : 0;
    char *next = malloc(dir_len + (size_t)k + 1);
    if (next) {
      memcpy(next, cur, dir_len);
      memcpy(next + dir_len, link, (size_t)k + 1);
    }
    free(cur);
    cur = next;
  }
  errno = ENOMEM;
  return NULL;
}

/* Opens a new file "<dir>/.mx<pid>-<unique>.tmp" with O_EXCL (mkstemp's guarantee) but mode 0666
 * so the umask applies as for any new file (mkstemp would leave the model file at 0600). The
 * name does not contain the target's: a target name near NAME_MAX must still work. */
static int open_tmp(const char *target, char **tmp_out) {
  const char *slash = strrchr(target, '/');
  size_t dir_len = slash ? (size_t)(slash - target) + 1 : 0, cap = dir_len + 48;
  char *tmp = malloc(cap);
  if (!tmp) {
    errno = ENOMEM;
    return -1;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    unsigned salt = atomic_fetch_add(&tmp_counter, 1) * 2654435761u ^ (unsigned)ts.tv_nsec;
    snprintf(tmp, cap, "%.*s.mx%ld-%08x.tmp", (int)dir_len, target, (long)getpid(), salt);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0) {
      *tmp_out = tmp;
      return fd;
    }
    if (errno != EEXIST) break;
  }
  int e = errno;
  free(tmp);
  errno = e;
  return -1;
}

mx_status mxi_atomic_open(mxi_atomic_file *af, const char *fn, const char *path) {
  *af = (mxi_atomic_file){.path = path, .fn = fn};
  if (!path || !*path || path[strlen(path) - 1] == '/') {
    mxi_io_error(fn, path ? path : "(null)", "not a file path");
    af->failed = true;
    return MX_ERROR;
  }
  af->target = resolve_links(path);
  if (!af->target) {
    mxi_io_error(fn, path, "cannot follow the symbolic link: %s", strerror(errno));
    af->failed = true;
    return MX_ERROR;
  }
  int fd = open_tmp(af->target, &af->tmp_path);
  if (fd < 0) {
    mxi_io_error(fn, path, "cannot create a temporary file beside it: %s", strerror(errno));
    mxi_atomic_abort(af);
    return MX_ERROR;
  }
  struct stat st; /* an existing file keeps its permissions */
  if (stat(af->target, &st) == 0 && S_ISREG(st.st_mode)) (void)fchmod(fd, st.st_mode & 07777);
  af->f = fdopen(fd, "wb");
  if (!af->f) {
    mxi_io_error(fn, path, "fdopen: %s", strerror(errno));
    close(fd);
    mxi_atomic_abort(af);
    return MX_ERROR;
  }
  return MX_OK;
}

bool mxi_atomic_write(mxi_atomic_file *af, const void *data, size_t n) {
  if (af->failed) return false;
  if (n && fwrite(data, 1, n, af->f) != n) {
    mxi_io_error(af->fn, af->path, "write failed: %s", strerror(errno));
    af->failed = true;
  }
  return !af->failed;
}

void mxi_atomic_abort(mxi_atomic_file *af) {
  if (af->f) fclose(af->f);
  af->f = NULL;
  if (af->tmp_path) unlink(af->tmp_path);
  free(af->tmp_path);
  af->tmp_path = NULL;
  free(af->target);
  af->target = NULL;
  af->failed = true;
}

mx_status mxi_atomic_commit(mxi_atomic_file *af) {
  if (af->failed) {
    mxi_atomic_abort(af);
    return MX_ERROR;
  }
  int fd = fileno(af->f);
  if (fflush(af->f) != 0 || fsync(fd) != 0) {
    mxi_io_error(af->fn, af->path, "write failed: %s", strerror(errno));
    mxi_atomic_abort(af);
    return MX_ERROR;
  }
  int rc = fclose(af->f);
  af->f = NULL;
  if (rc != 0) {
    mxi_io_error(af->fn, af->path, "close failed: %s", strerror(errno));
    mxi_atomic_abort(af);
    return MX_ERROR;
  }
  if (rename(af->tmp_path, af->target) != 0) {
    mxi_io_error(af->fn, af->path, "cannot rename the temporary file over it: %s",
                 strerror(errno));
    mxi_atomic_abort(af);
    return MX_ERROR;
  }
  free(af->tmp_path);
  af->tmp_path = NULL;
  /* The rename is durable only once the directory entry is on disk. */
  const char *slash = strrchr(af->target, '/');
  char *dir = slash ? strndup(af->target, (size_t)(slash - af->target) + 1) : strdup(".");
  if (dir) {
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
      (void)fsync(dfd);
      close(dfd);
    }
    free(dir);
  }
  free(af->target);
  af->target = NULL;
  return MX_OK;
}
