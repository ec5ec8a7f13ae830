// Synthetic operand data: deterministic for a given source (seed), identical everywhere.
#pragma once
#include "common/layer.h"
#include "common/tensor.h"

namespace dfsim {

// Fills t with values of format `fmt` drawn as `src` says: exactly round(zero_fraction * size)
// zeros at random positions; every other element non-zero, from the distribution.
void fill_synthetic(Tensor4& t, const Format& fmt, const SyntheticSource& src);

// The layer's ifmap [N][C][H][W] and filter [M][C/G][R][S] tensors.
Tensor4 make_ifmap(const Layer& l);
Tensor4 make_filter(const Layer& l);

}  // namespace dfsim
