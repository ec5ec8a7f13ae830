// Synthetic operand data: deterministic for a given source (seed), identical everywhere.
#pragma once
#include "workload/layer.h"
#include "base/tensor.h"

namespace dfsim {

// Fills t with values of format `fmt` drawn as `src` says: exactly round(zero_fraction * size)
// zeros at random positions; every other element non-zero, from the distribution.
void fill_synthetic(Tensor4& t, const Format& fmt, const SyntheticSource& src);

// The layer's ifmap [N][C][H][W] and filter [M][C/G][R][S] tensors: the real data if the
// source has values, else synthetic. A binary format draws signs (never 0).
Tensor4 make_ifmap(const Layer& l);
// Binary and ternary weights are made as a quantizer makes them from real weights: float
// weights are drawn from the distribution and converted (binary: sign, alpha = mean|w| per
// filter, XNOR-Net; ternary: 0 where |w| < 0.7 mean|w| of the filter, else the sign, alpha =
// mean |w| of the kept ones, Li & Liu 2016), so the zero fraction of ternary weights comes from
// the distribution. `scale` (if given) receives alpha per filter (binary/ternary), else is cleared.
Tensor4 make_filter(const Layer& l, std::vector<double>* scale = nullptr);

}  // namespace dfsim
