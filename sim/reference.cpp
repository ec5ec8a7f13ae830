#include "sim/reference.h"

#include <stdexcept>

#include "common/requantize.h"

namespace dfsim {

Tensor4 reference_conv(const Layer& l, const Tensor4& ifmap, const Tensor4& filter) {
    const LayerShape& s = l.shape;
    const int E = s.E(), F = s.F(), Cg = s.Cg(), Mg = s.Mg();
    Tensor4 out(s.N, s.M, E, F);
    for (int n = 0; n < s.N; ++n)
        for (int m = 0; m < s.M; ++m) {
            const int g = m / Mg;
            for (int y = 0; y < E; ++y)
                for (int x = 0; x < F; ++x) {
                    int64_t acc = 0;
                    for (int c = 0; c < Cg; ++c)
                        for (int r = 0; r < s.R; ++r) {
                            const int iy = y * s.U + r - s.P;
                            if (iy < 0 || iy >= s.H) continue;
                            for (int k = 0; k < s.S; ++k) {
                                const int ix = x * s.U + k - s.P;
                                if (ix < 0 || ix >= s.W) continue;
                                acc += static_cast<int64_t>(ifmap.at(n, g * Cg + c, iy, ix)) * filter.at(m, c, r, k);
                            }
                        }
                    if (acc > INT32_MAX || acc < INT32_MIN)
                        throw std::overflow_error("reference: accumulator of layer " + l.name + " exceeds int32");
                    out.at(n, m, y, x) = l.requant.enabled ? requantize(acc, l.requant) : static_cast<int32_t>(acc);
                }
        }
    return out;
}

}  // namespace dfsim
