// Output requantization (the output unit's arithmetic), integer-only so it is bit-exact:
//   y = relu ? max(acc, 0) : acc
//   y = floor((y * multiplier + 2^(shift-1)) / 2^shift)      (round half up; shift 0: y * multiplier)
//   y = clamp(y, out.min(), out.max())
#pragma once
#include <algorithm>
#include <cstdint>

#include "common/layer.h"

namespace dfsim {

inline int32_t requantize(int64_t acc, const Requant& rq) {
    __int128 y = rq.relu ? std::max<int64_t>(acc, 0) : acc;
    y *= rq.multiplier;
    if (rq.shift > 0) {
        y += static_cast<__int128>(1) << (rq.shift - 1);
        y >>= rq.shift;  // arithmetic shift: floor division by 2^shift
    }
    const __int128 lo = rq.out.min(), hi = rq.out.max();
    return static_cast<int32_t>(std::clamp(y, lo, hi));
}

}  // namespace dfsim
