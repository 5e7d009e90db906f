/* fuzz_npz.c — libFuzzer target for the .npz parser (zip directory, inflate, CRC, .npy members).
 * Build and run with tests/fuzz/run.sh. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  volatile unsigned sink = 0;
  mx_tensors *t = mxi_npz_parse(data, size, "fuzz");
  if (t) sink += fuzz_touch_all(t);
  mx_tensors_free(t);
  mx_clear_error();
  (void)sink;
  return 0;
}
