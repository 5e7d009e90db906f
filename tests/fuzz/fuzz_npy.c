/* fuzz_npy.c — libFuzzer target for the .npy parser. Build and run with tests/fuzz/run.sh. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  volatile unsigned sink = 0;
  mx_scope s = mx_scope_begin();
  mx_array *a = mxi_npy_parse(data, size, "fuzz");
  if (!mx_is_error(a)) sink += fuzz_touch(a);
  mx_scope_end(s);
  mx_clear_error();
  (void)sink;
  return 0;
}
