// Output requantization (the output unit's arithmetic), integer-only so it is bit-exact. For
// output channel m (multiplier and shift per channel, or the layer's scalar pair):
//   y = relu ? max(acc, 0) : acc
//   y = floor((y * multiplier + 2^(shift-1)) / 2^shift)      (round half up; shift 0: y * multiplier)
//   y = clamp(y, out.min(), out.max())                          (binary out: acc >= 0 ? +1 : -1)
// The layer's bias, if any, is added to `acc` before this (OutputUnit, reference_conv).
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <utility>

#include "quant/format.h"

namespace dfsim {

// The arithmetic below for one channel's multiplier and shift, into [lo, hi] (not a binary output).
inline int32_t requantize_with(int64_t acc, int32_t multiplier, int shift, bool relu, int64_t lo, int64_t hi) {
    __int128 y = relu ? std::max<int64_t>(acc, 0) : acc;
    y *= multiplier;
    if (shift > 0) {
        y += static_cast<__int128>(1) << (shift - 1);
        y >>= shift;  // arithmetic shift: floor division by 2^shift
    }
    return static_cast<int32_t>(std::clamp(y, static_cast<__int128>(lo), static_cast<__int128>(hi)));
}

inline int32_t requantize(int64_t acc, const Requant& rq, int m = 0) {
    // a binary output keeps the sign of the (scaled) value: the multiplier is positive, so it
    // is the accumulator's sign (before rounding, which would send small negatives to 0)
    if (rq.out.binary) return (rq.relu ? std::max<int64_t>(acc, 0) : acc) >= 0 ? 1 : -1;
    return requantize_with(acc, rq.multiplier_of(m), rq.shift_of(m), rq.relu, rq.out.min(), rq.out.max());
}

// The integer multiplier and shift closest to `real` (> 0): real ~ multiplier / 2^shift, with
// multiplier in [2^30, 2^31) where the shift range (0..62) allows. (The inverse of the scaling
// above: calibration and the ONNX importer turn real scales into Requant pairs with it.)
inline std::pair<int32_t, int> fixed_multiplier(double real) {
    if (!(real > 0)) return {1, 0};
    int shift = 0;
    // scale into [2^30, 2^31) with 0 <= shift <= 62
    while (real * std::ldexp(1.0, shift) < 1073741824.0 && shift < 62) ++shift;
    double m = std::round(real * std::ldexp(1.0, shift));
    while (m >= 2147483648.0 && shift > 0) {
        --shift;
        m = std::round(real * std::ldexp(1.0, shift));
    }
    m = std::clamp(m, 1.0, 2147483647.0);
    return {static_cast<int32_t>(m), shift};
}

}  // namespace dfsim
