#include "quant/calibrate.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace dfsim {

void calibrate_requant(Requant& rq, const std::vector<int32_t>& bias, const Tensor4& acc,
                       const std::vector<double>& filter_scale, double ifmap_scale) {
    const int M = acc.dim[1];
    const size_t per_m = static_cast<size_t>(acc.dim[2]) * acc.dim[3];
    auto scale_of = [&](int m) { return filter_scale.empty() ? 1.0 : filter_scale[static_cast<size_t>(m)]; };
    // the largest real output (in units of one accumulator step of a unit-scale filter)
    double top = 0;
    for (int n = 0; n < acc.dim[0]; ++n)
        for (int m = 0; m < M; ++m) {
            const int32_t* a = &acc.data[acc.index(n, m, 0, 0)];
            const double b = bias.empty() ? 0.0 : bias[static_cast<size_t>(m)];
            for (size_t i = 0; i < per_m; ++i) {
                const double v = (a[i] + b) * scale_of(m);
                top = std::max(top, rq.relu ? v : std::abs(v));
            }
        }
    if (rq.clip > 0 && ifmap_scale > 0) top = std::min(top, rq.clip / ifmap_scale);
    if (top <= 0) top = 1;  // all outputs zero (or negative under ReLU): any scale will do
    const double out_top = static_cast<double>(rq.out.binary ? 1 : rq.out.max());
    rq.multipliers.clear();
    rq.shifts.clear();
    if (filter_scale.empty()) {
        std::tie(rq.multiplier, rq.shift) = fixed_multiplier(out_top / top);
    } else {
        for (int m = 0; m < M; ++m) {
            auto [mul, sh] = fixed_multiplier(out_top * scale_of(m) / top);
            rq.multipliers.push_back(mul);
            rq.shifts.push_back(sh);
        }
        rq.multiplier = rq.multipliers.front();
        rq.shift = rq.shifts.front();
    }
    rq.enabled = true;
    rq.calibrate = false;
}

}  // namespace dfsim
