// Number formats of operand tensors, the PE datapaths that multiply them, and the output
// requantization parameters: what a layer's arithmetic is, independent of its shape.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/types.h"

namespace dfsim {

// Integer format of an operand tensor: `bits` wide (1..16), signed or unsigned. Values are held
// centred on the zero point (code - zero_point), so a real zero is always the integer 0 (the
// zero gating sees it) and the range shifts by -zero_point. A binary format is 1 bit that
// encodes -1 (0) or +1 (1): BinaryNet / XNOR-Net weights and activations.
struct Format {
    int bits = 8;
    bool is_signed = true;
    bool binary = false;
    int32_t zero_point = 0;
    int64_t min() const {
        if (binary) return -1;
        return (is_signed ? -(int64_t{1} << (bits - 1)) : 0) - zero_point;
    }
    int64_t max() const {
        if (binary) return 1;
        return (is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1) - zero_point;
    }
    bool holds(int64_t v) const { return binary ? (v == 1 || v == -1) : (v >= min() && v <= max()); }
    bool operator==(const Format&) const = default;
};
std::string to_string(const Format& f);  // "int8", "uint4", "binary", "uint8-zp128"

// The PE datapath a layer's products take (LUT: DoReFa-Net, Zhou et al. 2016; binary and
// XNOR: BinaryNet, Courbariaux et al. 2016, XNOR-Net, Rastegari et al. ECCV 2016; ternary: Li et
// al., Ternary Weight Networks 2016):
//  mac     - a multiplier (int x int) and an accumulator
//  lut     - the product is read from a 2^(kw+ka)-entry table (k-bit operands, k <= pe.lut_max_bits)
//  binary  - weights in {-1,+1}: the activation is passed or negated, no multiplier
//  ternary - weights in {-1,0,+1}: pass, negate or skip (a zero weight is skipped like a zero ifmap)
//  xnor    - binary weights and activations: XNOR + popcount over packed words
enum class Multiplier : uint8_t { Mac, Lut, Binary, Ternary, Xnor };
inline constexpr std::array<Multiplier, 5> kMultipliers{Multiplier::Mac, Multiplier::Lut, Multiplier::Binary,
                                                        Multiplier::Ternary, Multiplier::Xnor};
std::string_view to_string(Multiplier m);
// Throws std::invalid_argument for an unknown name.
Multiplier parse_multiplier(std::string_view name);

// Output requantization done by the output unit on the way into the global buffer:
// y = clamp(((acc * multiplier) + 2^(shift-1)) >> shift [ReLU first: max(acc,0)], out format).
// Integer-only (gemmlowp/TFLite style fixed-point multiplier), so it is bit-exact.
// Per-channel scales (per output filter m: `multipliers[m]`, `shifts[m]`) replace the scalar
// pair when given (e.g. XNOR-Net's per-filter alpha, per-channel quantized weights). A binary
// output format keeps only the sign (y >= 0: +1, else -1).
struct Requant {
    bool enabled = false;
    int32_t multiplier = 1;  // 1 .. 2^31-1
    int shift = 0;  // 0 .. 62
    bool relu = false;
    Format out{8, true};
    std::vector<int32_t> multipliers;  // empty, or one per output channel
    std::vector<int> shifts;  // empty, or one per output channel
    // `requant: auto`: the multipliers are calibrated on the layer's own accumulators before it
    // runs (quant/calibrate.h): the largest |accumulator| x filter scale maps to the output range.
    bool calibrate = false;
    // The scales came from a model (ONNX): a chained run keeps them instead of calibrating.
    bool from_model = false;
    // > 0: the real output is clipped at this value (an ONNX Clip, e.g. ReLU6: 6, with relu for
    // its lower bound 0). Calibration caps the output range at it, so that the format's top code
    // is the clip value and everything above saturates there (real units: accumulator steps x
    // filter scale x ifmap scale).
    double clip = 0;
    // An enabled scalar requantization.
    static Requant scalar(int32_t multiplier, int shift, bool relu, Format out) {
        Requant r;
        r.enabled = true, r.multiplier = multiplier, r.shift = shift, r.relu = relu, r.out = out;
        return r;
    }
    int32_t multiplier_of(int m) const {
        return multipliers.empty() ? multiplier : multipliers[static_cast<size_t>(m)];
    }
    int shift_of(int m) const { return shifts.empty() ? shift : shifts[static_cast<size_t>(m)]; }
    bool operator==(const Requant&) const = default;
};

}  // namespace dfsim
