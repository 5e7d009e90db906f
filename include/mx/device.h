/* mx/device.h — devices, streams and memory statistics. Arrays are not tied to a device: an op
 * runs on the stream current when it was built; data moves between host and GPU on demand. */
#ifndef MX_DEVICE_H
#define MX_DEVICE_H

#include "base.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mx_device_type { MX_CPU = 0, MX_CUDA = 1 } mx_device_type;

typedef struct mx_device {
  mx_device_type type;
  int index;
} mx_device;

/* An ordered queue of work on one device. */
typedef struct mx_stream {
  mx_device device;
  int index;
} mx_stream;

mx_device mx_cpu_device(void);
/* CUDA:0 when a usable GPU is present, else the CPU. */
mx_device mx_default_device(void);
int mx_device_count(mx_device_type type);
bool mx_device_equal(mx_device a, mx_device b);
/* Writes e.g. "cpu" or "cuda:0 (NVIDIA H100 80GB HBM3, 79.1 GiB, sm_90)" into buf. */
void mx_device_describe(mx_device d, char *buf, size_t len);

/* CPU threads that run one kernel (the caller included): initially MX_NUM_THREADS or the
 * number of online cores (at most 64). Takes effect from the next kernel; safe to call while
 * other threads evaluate. An n outside [1, 64] is an error and changes nothing. */
mx_status mx_set_num_threads(int n);
int mx_num_threads(void);

/* The stream new ops are recorded on, per thread; initially the default device's stream 0. */
mx_stream mx_default_stream(void);
void mx_set_default_stream(mx_stream s);
mx_stream mx_device_stream(mx_device d); /* a device's stream 0 */

/* Sends the ops this thread builds to stream s until the matching mx_stream_scope_end, then
 * restores the stream before it (scopes nest; end them in reverse order):
 *   mx_stream_scope sc = mx_stream_scope_begin(mx_device_stream(mx_cpu_device()));
 *   mx_array *y = mx_exp(x);  // recorded on the CPU stream
 *   mx_stream_scope_end(sc);
 * A stream of a device that does not exist records an error (mx_last_error) and changes
 * nothing; ending that scope restores what was current. */
typedef struct mx_stream_scope {
  mx_stream previous;
} mx_stream_scope;
mx_stream_scope mx_stream_scope_begin(mx_stream s);
void mx_stream_scope_end(mx_stream_scope scope);
mx_stream mx_new_stream(mx_device d);
mx_status mx_synchronize(mx_stream s);

typedef struct mx_memory_stats {
  size_t active;         /* bytes held by live buffers */
  size_t peak;           /* most active bytes since start or the last reset */
  size_t cached;         /* bytes kept by the allocator for reuse */
  size_t limit;          /* allocation limit (0: none) */
  size_t host_to_device; /* bytes copied host -> device */
  size_t device_to_host; /* bytes copied device -> host */
} mx_memory_stats;

mx_status mx_memory_stats_get(mx_device d, mx_memory_stats *out);
void mx_memory_reset_peak(mx_device d);
/* Allocations beyond limit bytes (0: no limit) fail with an error array instead of succeeding:
 * arrays' buffers and kernels' work memory (say, a convolution's im2col buffer) alike. */
void mx_memory_set_limit(mx_device d, size_t limit);
void mx_memory_clear_cache(mx_device d);

#ifdef __cplusplus
}
#endif
#endif
