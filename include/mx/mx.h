/* mx.h — the whole public API of mx: arrays, ops, devices. */
#ifndef MX_H
#define MX_H

#include "array.h"
#include "base.h"
#include "device.h"
#include "dtype.h"
#include "ops.h"
#include "transforms.h"
#include "io.h"
#include "nn.h"
#include "optim.h"
#include "quant.h"

#define MX_VERSION_MAJOR 0
#define MX_VERSION_MINOR 1
#define MX_VERSION_PATCH 0

#endif
