// Element-wise addition of two quantized tensors (a residual add, host work), integer-only so
// that it is exact and repeatable: each input is rescaled to the output's scale by a fixed-point
// multiplier (rounding half up, as the output unit's requantization), the two are summed, ReLU'd
// if asked, and clamped to the output format:
//   y = clamp(relu ? max(t, 0) : t, out.min(), out.max()),  t = rescale(a, mul_a, shift_a) + rescale(b, mul_b, shift_b)
//   rescale(x, m, s) = floor((x * m + 2^(s-1)) / 2^s),  m / 2^s = x's scale / y's scale (fixed_multiplier)
// a and b are centred values (code - zero point), as everywhere in dfsim. Each rescale is within
// half a step of the exact x * x_scale / y_scale (plus the multiplier's relative error of 2^-31),
// so where y does not saturate it is within one step of round((a * a_scale + b * b_scale) / y_scale).
#pragma once
#include <cstdint>
#include <vector>

#include "base/tensor.h"
#include "quant/format.h"

namespace dfsim {

struct AddRequant {
    int32_t mul_a = 1, mul_b = 1;
    int shift_a = 0, shift_b = 0;
    bool relu = false;
    Format out{8, true};
};

// The parameters for inputs of scales a_scale and b_scale and an output of scale y_scale (all > 0;
// real value of one step).
AddRequant add_requant(double a_scale, double b_scale, double y_scale, bool relu, const Format& out);
// One output value (a binary output keeps the sign of the sum).
int32_t add_quantized(int64_t a, int64_t b, const AddRequant& p);
// Channel concatenation (a concat layer, host work) of quantized tensors N x C_k x H x W, in
// order, at one output step `out_scale`, the largest of `scales` (concat_scale): a value x of an
// input of step s becomes floor((x * m + 2^(k-1)) / 2^k) with m / 2^k = s / out_scale (exactly x
// where s is the output step), so no value grows past its format and each is within half a step.
double concat_scale(const std::vector<double>& scales);
Tensor4 concat_quantized(const std::vector<const Tensor4*>& parts, const std::vector<double>& scales, double out_scale);
// The output scale of "max" calibration: the largest |a * a_scale + b * b_scale| (the largest
// positive sum with relu) maps to out.max(); all sums zero (or negative under relu): a_scale.
double calibrate_add_scale(const Tensor4& a, double a_scale, const Tensor4& b, double b_scale, bool relu,
                           const Format& out);

}  // namespace dfsim
