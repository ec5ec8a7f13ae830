// The plain reference convolution the simulator's outputs are checked against: seven nested
// loops, int64 accumulation (checked to stay within int32), then the layer's requantization.
// Written independently of the hardware model; shares only the requantization formula.
#pragma once
#include "common/layer.h"
#include "common/tensor.h"

namespace dfsim {

// Output [N][M][E][F]: requantized if the layer requantizes, else the int32 accumulators.
Tensor4 reference_conv(const Layer& l, const Tensor4& ifmap, const Tensor4& filter);

}  // namespace dfsim
