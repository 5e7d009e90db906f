/* stream.h — the calling thread's current stream (mx_set_default_stream). */
#ifndef MX_CORE_STREAM_H
#define MX_CORE_STREAM_H

#include "mx/device.h"

mx_stream mxi_current_stream(void);

#endif
