// The output unit on the array's way into the global buffer: a finished output gets the layer's
// bias and is requantized if the layer requantizes; anything else (a partial sum, or a finished
// output of a layer that does not requantize) is saturated to the psum storage width.
#pragma once
#include <algorithm>
#include <cstdint>

#include "workload/layer.h"
#include "quant/requantize.h"
#include "base/types.h"

namespace dfsim::hw {

class OutputUnit {
public:
    OutputUnit(int psum_bits, bool final_out, const Requant& rq, const std::vector<int32_t>& bias)
        : m_max((int64_t{1} << (psum_bits - 1)) - 1), m_final(final_out), m_rq(rq), m_bias(bias) {}
    // out[f] for the values v[f], f < n, of absolute output channel m (its scale and bias): a
    // finished output gets the bias and is requantized if the layer requantizes, anything else is
    // saturated to the psum width (cnt counts both)
    void row(const int64_t* v, int32_t* out, int n, int m, ActionCounts& cnt) const {
        const int64_t b = m_final && !m_bias.empty() ? m_bias[static_cast<size_t>(m)] : 0;
        if (m_final && m_rq.enabled) {
            cnt.requant_ops += static_cast<uint64_t>(n);
            if (m_rq.out.binary) {
                for (int f = 0; f < n; ++f) out[f] = requantize(v[f] + b, m_rq, m);
                return;
            }
            // the channel's scale looked up once for the row
            const int32_t mult = m_rq.multiplier_of(m);
            const int shift = m_rq.shift_of(m);
            const int64_t lo = m_rq.out.min(), hi = m_rq.out.max();
            for (int f = 0; f < n; ++f) out[f] = requantize_with(v[f] + b, mult, shift, m_rq.relu, lo, hi);
            return;
        }
        for (int f = 0; f < n; ++f) {
            const int64_t x = v[f] + b;
            if (x > m_max || x < -m_max - 1) {
                cnt.psum_saturations++;
                out[f] = static_cast<int32_t>(std::clamp(x, -m_max - 1, m_max));
            } else {
                out[f] = static_cast<int32_t>(x);
            }
        }
    }

private:
    int64_t m_max;
    bool m_final;
    Requant m_rq;
    const std::vector<int32_t>& m_bias;
};

}  // namespace dfsim::hw
