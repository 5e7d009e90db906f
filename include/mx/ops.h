/* mx/ops.h — every array op. */
#ifndef MX_OPS_H
#define MX_OPS_H

#include "creation.h"
#include "elementwise.h"
#include "indexing.h"
#include "layout.h"
#include "linalg.h"
#include "nn_ops.h"
#include "random.h"
#include "reduce.h"
#include "sort.h"

#endif
