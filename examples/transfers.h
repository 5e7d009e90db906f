/* transfers.h — the trainers' closing line about the default device's memory: bytes copied each
 * way between host and device since start (mx_memory_stats_get) and the peak, so that a GPU run
 * shows whether training stayed on the device. On the CPU both counts are 0. */
#ifndef MX_EXAMPLES_TRANSFERS_H
#define MX_EXAMPLES_TRANSFERS_H

#include <stdio.h>

#include "mx/mx.h"

static void print_transfers(int steps) {
  mx_device d = mx_default_device();
  mx_memory_stats s;
  char dev[160];
  if (mx_memory_stats_get(d, &s) != MX_OK) return;
  mx_device_describe(d, dev, sizeof dev);
  double n = steps > 0 ? steps : 1;
  printf("transfers on %s: host->device %.2f MB, device->host %.2f MB (%.1f KB and %.1f KB per step "
         "over %d steps); peak memory %.1f MB\n",
         dev, s.host_to_device / 1e6, s.device_to_host / 1e6, s.host_to_device / 1e3 / n,
         s.device_to_host / 1e3 / n, steps, s.peak / 1e6);
}

#endif
