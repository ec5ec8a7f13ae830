// The PE datapath and its 1-D row convolution, shared by the array's pass kinds:
// partial[f] += sum over t < S of product(w[t], x[f*U + t]), for f < F (x holds the padded row),
// where the product is what the layer's datapath computes (reduced-precision datapaths: Sze et al.,
// Proc. IEEE 2017; binary and XNOR-popcount: Rastegari et al., XNOR-Net, ECCV 2016):
//  mac     - w * x with a multiplier;
//  lut     - a read of the PE's product table at (w, x);
//  binary  - x passed (w = +1) or negated (w = -1);
//  ternary - passed, negated or skipped (w = 0);
//  xnor    - w and x in {-1,+1} as bits; a window's dot product is
//            valid - 2 * popcount((w XOR x) AND valid) over packed words, where `valid` masks
//            out the padding (a padded position holds 0, which is neither -1 nor +1).
// The MAC loop is written as a stride-1 and a strided inner loop so the compiler vectorizes it.
#pragma once
#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "base/error.h"
#include "workload/layer.h"

namespace dfsim::hw {

struct Datapath {
    Multiplier kind = Multiplier::Mac;
    bool gate_x = true;  // a zero ifmap gates the slot
    bool gate_w = false;  // a zero weight gates the slot (always, for ternary)
    bool skip = false;  // gated slots also give back their cycle where the dataflow can
    int xnor_bits = 16;  // operand pairs per XNOR-popcount step
    // LUT: the product of filter value w and ifmap value x is
    // table[(w - w_lo) * x_count + (x - x_lo)]; entries = table.size() = 2^(kw + ka).
    int w_lo = 0, x_lo = 0, x_count = 0;
    std::vector<int32_t> table;
    int lut_entry_bits = 0;  // width of one table entry (bits of the largest |product|, plus sign)
    std::vector<int32_t> bias;  // per output channel, added by the output unit to final outputs (empty: none)
    bool gates() const { return kind != Multiplier::Xnor && (gate_x || gate_w); }
};

// A row-stationary PE issues an output column's MACs tap by tap, the q*p slots of tap t (its q
// channels and p filters) before those of tap t + 1; an XNOR step covers xnor_bits taps. The
// slots issued through tap t, less `skipped` (the slots zero skipping gave back up to and
// including tap t), and at least one: the spad word of tap t is read in its last slot's cycle
// and is free from the next. Both row-stationary timing models free ifmap spad words by it.
inline uint64_t slots_through_tap(const Datapath& dp, int t, uint64_t qp, uint64_t skipped) {
    const uint64_t taps =
        dp.kind == Multiplier::Xnor ? static_cast<uint64_t>(t / dp.xnor_bits) + 1 : static_cast<uint64_t>(t) + 1;
    return std::max<uint64_t>(1, taps * qp - skipped);
}

// The datapath of layer `l` on a PE with these parameters: the multiplier the layer names, its
// LUT filled with the products of every filter and ifmap value of its formats, and the gating.
inline Datapath make_datapath(const Layer& l, bool gate_ifmap_zeros, bool gate_weight_zeros, bool skip, int xnor_bits) {
    Datapath d;
    d.kind = l.multiplier;
    d.gate_x = gate_ifmap_zeros;
    d.gate_w = gate_weight_zeros || l.multiplier == Multiplier::Ternary;
    d.skip = skip && d.gates();
    d.xnor_bits = xnor_bits;
    d.bias = l.bias;
    if (d.kind == Multiplier::Lut) {
        const Format fw = l.filter_values(), fx = l.ifmap_values();
        d.w_lo = static_cast<int>(fw.min());
        d.x_lo = static_cast<int>(fx.min());
        const int w_count = static_cast<int>(fw.max() - fw.min() + 1);
        d.x_count = static_cast<int>(fx.max() - fx.min() + 1);
        d.table.resize(static_cast<size_t>(w_count) * d.x_count);
        int64_t big = 1;
        for (int i = 0; i < w_count; ++i)
            for (int j = 0; j < d.x_count; ++j) {
                const int64_t v = static_cast<int64_t>(d.w_lo + i) * (d.x_lo + j);
                d.table[static_cast<size_t>(i) * d.x_count + j] = static_cast<int32_t>(v);
                big = std::max(big, v < 0 ? -v : v);
            }
        d.lut_entry_bits = std::bit_width(static_cast<uint64_t>(big)) + 1;
    }
    return d;
}

namespace detail {
// S bits of a bit vector starting at bit `pos` (S <= 64).
inline uint64_t bits_at(const std::vector<uint64_t>& v, int pos, int S) {
    const size_t word = static_cast<size_t>(pos) >> 6;
    const int off = pos & 63;
    uint64_t r = v[word] >> off;
    if (off != 0 && word + 1 < v.size()) r |= v[word + 1] << (64 - off);
    return S == 64 ? r : r & ((uint64_t{1} << S) - 1);
}
}  // namespace detail

// The other datapaths (out of line, so the MAC loop below stays small enough to inline).
void row_conv_other(const Datapath& dp, int32_t* partial, const int32_t* x, const int32_t* w, int S, int U, int F);

// The MAC datapath's row convolution: partial[f] += the sum over t < S of w[t] * x[f * U + t].
inline void row_conv_mac(int32_t* partial, const int32_t* x, const int32_t* w, int S, int U, int F) {
    for (int t = 0; t < S; ++t) {
        const int32_t wv = w[t];
        const int32_t* xs = x + t;
        if (U == 1) {
            for (int f = 0; f < F; ++f) partial[f] += wv * xs[f];
        } else {
            for (int f = 0; f < F; ++f) partial[f] += wv * xs[f * U];
        }
    }
}

inline void row_conv(const Datapath& dp, int32_t* partial, const int32_t* x, const int32_t* w, int S, int U, int F) {
    if (dp.kind != Multiplier::Mac) {
        row_conv_other(dp, partial, x, w, S, U, F);
        return;
    }
    row_conv_mac(partial, x, w, S, U, F);
}

inline void row_conv_other(const Datapath& dp, int32_t* partial, const int32_t* x, const int32_t* w, int S, int U,
                           int F) {
    switch (dp.kind) {
        case Multiplier::Mac:
            DFSIM_ASSERT(false, "row_conv_other is not the MAC datapath");
            return;
        case Multiplier::Lut:
            for (int t = 0; t < S; ++t) {
                // the table row of this weight, indexed by the ifmap value
                const int32_t* row = dp.table.data() + static_cast<ptrdiff_t>(w[t] - dp.w_lo) * dp.x_count - dp.x_lo;
                const int32_t* xs = x + t;
                for (int f = 0; f < F; ++f) partial[f] += row[xs[f * U]];
            }
            return;
        case Multiplier::Binary:
        case Multiplier::Ternary:
            for (int t = 0; t < S; ++t) {
                const int32_t* xs = x + t;
                if (w[t] > 0) {
                    for (int f = 0; f < F; ++f) partial[f] += xs[f * U];
                } else if (w[t] < 0) {
                    for (int f = 0; f < F; ++f) partial[f] -= xs[f * U];
                }  // a zero (ternary) weight: skipped
            }
            return;
        case Multiplier::Xnor: {
            // pack the row: bit = (x == +1), valid = (x != 0); the weights likewise (all valid)
            const int n = (F - 1) * U + S;
            std::vector<uint64_t> xb(static_cast<size_t>(n + 63) / 64 + 1, 0), vb(xb.size(), 0);
            for (int i = 0; i < n; ++i) {
                xb[static_cast<size_t>(i) >> 6] |= static_cast<uint64_t>(x[i] > 0) << (i & 63);
                vb[static_cast<size_t>(i) >> 6] |= static_cast<uint64_t>(x[i] != 0) << (i & 63);
            }
            for (int t0 = 0; t0 < S; t0 += 64) {
                const int len = std::min(64, S - t0);
                uint64_t wb = 0;
                for (int t = 0; t < len; ++t) wb |= static_cast<uint64_t>(w[t0 + t] > 0) << t;
                for (int f = 0; f < F; ++f) {
                    const uint64_t xv = detail::bits_at(xb, f * U + t0, len);
                    const uint64_t valid = detail::bits_at(vb, f * U + t0, len);
                    partial[f] += std::popcount(valid) - 2 * std::popcount((xv ^ wb) & valid);
                }
            }
            return;
        }
    }
}

}  // namespace dfsim::hw
