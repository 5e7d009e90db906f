/* fuzz_gguf.c — libFuzzer target for the gguf parser, from plain memory (arrays copied) and from
 * a mapping (aligned arrays shared zero-copy). Build and run with tests/fuzz/run.sh. */
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  volatile unsigned sink = 0;
  mx_tensors *t = mxi_gguf_parse(data, size, "fuzz", NULL);
  if (t) sink += fuzz_touch_all(t);
  mx_tensors_free(t);
  mxi_mapping *m = mxi_mapping_copy(data, size);
  if (m) {
    t = mxi_gguf_parse(m->data, m->size, "fuzz", m);
    mxi_mapping_release(m);
    if (t) sink += fuzz_touch_all(t);
    mx_tensors_free(t);
  }
  mx_clear_error();
  (void)sink;
  return 0;
}
