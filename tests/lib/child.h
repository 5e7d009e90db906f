/* child.h — run a piece of a test in a forked child, so that a crash, a hang or an abort in the
 * code under test fails that one check with its cause instead of killing the whole binary. */
#ifndef MX_TEST_CHILD_H
#define MX_TEST_CHILD_H

#include <stdbool.h>

typedef void (*mxt_child_fn)(void *arg);

/* Runs fn(arg) in a child with a wall-clock limit; the child passes by returning normally with
 * no check failed inside it. On failure prints why (signal name, exit status or "hung"). */
bool mxt_in_child(mxt_child_fn fn, void *arg, double timeout_s, const char *what, const char *file,
                  int line);

#define CHECK_IN_CHILD(fn, arg, timeout_s) \
  mxt_in_child((fn), (arg), (timeout_s), #fn, __FILE__, __LINE__)

#endif
