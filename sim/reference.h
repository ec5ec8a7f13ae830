// The plain reference convolution the simulator's outputs are checked against: seven nested
// loops, int64 accumulation (checked to stay within int32), then the layer's requantization.
// Written independently of the hardware model; shares only the requantization formula.
#pragma once
#include "workload/layer.h"
#include "base/tensor.h"

namespace dfsim {

// Output [N][M][E][F]: requantized if the layer requantizes, else the int32 accumulators
// (the layer's bias added in both cases). = reference_output(l, reference_acc(l, ...)).
// The products are plain integer products: the reference of every datapath (a LUT holds the
// exact products, binary/ternary weights are -1/0/+1, an XNOR-popcount dot product of +-1
// values is their integer dot product, padding contributes 0).
Tensor4 reference_conv(const Layer& l, const Tensor4& ifmap, const Tensor4& filter);
// The accumulators sum(w * x) alone (no bias, no requantization); throws UserError (bad input:
// the layer cannot run on 32-bit psums) if one exceeds int32, as reference_output does for one
// plus its bias.
Tensor4 reference_acc(const Layer& l, const Tensor4& ifmap, const Tensor4& filter);
// The output stage applied to accumulators: + bias[m], then requantize (if enabled).
Tensor4 reference_output(const Layer& l, const Tensor4& acc);
// The MAC slots a datapath gates on this data: every (n, m, e, f, c, r, s) of the layer whose
// weight is zero (gate_w) or whose ifmap tap is zero or padding (gate_x), counted per (c, r, s)
// tap (a channel without zeros from its padding alone) and per weight. What the
// simulator counts as gated_macs for a datapath that gates; the analytical estimate takes it
// (Layer::gated_macs).
uint64_t reference_gated_macs(const Layer& l, const Tensor4& ifmap, const Tensor4& filter, bool gate_x, bool gate_w);

}  // namespace dfsim
