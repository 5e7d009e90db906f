/* child.c — the forked-child runner behind child.h. */
#define _POSIX_C_SOURCE 200809L
#include "child.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

bool mxt_in_child(mxt_child_fn fn, void *arg, double timeout_s, const char *what, const char *file,
                  int line) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    mxt_fail(file, line, "%s: fork failed", what);
    return false;
  }
  if (pid == 0) {
    int before = mxt_failures();
    fn(arg);
    fflush(NULL);
    _exit(mxt_failures() == before ? 0 : 1);
  }
  struct timespec start, now, nap = {0, 2 * 1000 * 1000};
  clock_gettime(CLOCK_MONOTONIC, &start);
  int status = 0;
  for (;;) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    clock_gettime(CLOCK_MONOTONIC, &now);
    double dt = (double)(now.tv_sec - start.tv_sec) + 1e-9 * (double)(now.tv_nsec - start.tv_nsec);
    if (r < 0 || dt > timeout_s) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      mxt_fail(file, line, "%s: %s after %.1f s", what, r < 0 ? "lost the child" : "hung", dt);
      return false;
    }
    nanosleep(&nap, NULL);
  }
  if (WIFSIGNALED(status)) {
    mxt_fail(file, line, "%s: killed by signal %d (%s)", what, WTERMSIG(status),
             strsignal(WTERMSIG(status)));
    return false;
  }
  if (WEXITSTATUS(status) != 0) {
    mxt_fail(file, line, "%s: a check failed in the child (exit %d)", what, WEXITSTATUS(status));
    return false;
  }
  return true;
}
