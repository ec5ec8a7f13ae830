// Output-scale calibration (`requant: auto`, and every layer of a chained run that does not
// requantize by itself): the requantization multipliers are chosen on the layer's own
// accumulators, so that the largest real output maps to the top of the output format
// ("max" calibration). The real output of channel m is (acc + bias) x filter_scale[m] x
// ifmap_scale; only its ratio between channels matters here, so a per-filter scale (XNOR-Net's
// alpha, per-channel quantized weights) gives per-channel multipliers, no filter scale a scalar one.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "base/tensor.h"
#include "quant/format.h"
#include "quant/requantize.h"  // fixed_multiplier(real): the (multiplier, shift) closest to a real scale

namespace dfsim {

// Fills `rq` (kept: relu, out; set: enabled) from the accumulators [N][M][E][F] (bias not
// included; `bias`, per output channel or empty, is added here as the output unit will).
// `filter_scale`: per output channel, or empty. With rq.clip > 0 and `ifmap_scale` > 0 the
// largest real output taken is at most rq.clip (the clip saturates at the format's top).
void calibrate_requant(Requant& rq, const std::vector<int32_t>& bias, const Tensor4& acc,
                       const std::vector<double>& filter_scale, double ifmap_scale = 0);

}  // namespace dfsim
