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
    // `m`: the value's absolute output channel (per-channel scale and bias).
    int32_t operator()(int64_t v, int m, ActionCounts& cnt) const {
        if (m_final && !m_bias.empty()) v += m_bias[static_cast<size_t>(m)];
        if (m_final && m_rq.enabled) {
            cnt.requant_ops++;
            return requantize(v, m_rq, m);
        }
        if (v > m_max || v < -m_max - 1) {
            cnt.psum_saturations++;
            return static_cast<int32_t>(std::clamp(v, -m_max - 1, m_max));
        }
        return static_cast<int32_t>(v);
    }

private:
    int64_t m_max;
    bool m_final;
    Requant m_rq;
    const std::vector<int32_t>& m_bias;
};

}  // namespace dfsim::hw
