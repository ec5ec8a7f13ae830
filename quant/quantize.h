// The quantizer: real-valued (float) tensors to the integer codes the PEs compute with, plus the
// scales that give the codes their real values (fixed point with stochastic rounding: Gupta et al.,
// ICML 2015; pruning: Han et al., NIPS 2015). Four schemes:
//   Linear   k-bit uniform: real = scale * code, symmetric (zero point 0) or asymmetric, signed
//            or unsigned, one scale per tensor or per output filter (index of dimension 0).
//   Fixed    <IL,FL> fixed point: code = value * 2^FL, saturating; real = 2^-FL * code.
//   Ternary  {-1, 0, +1} x alpha, threshold delta = t * mean|w| (TWN, Li & Liu 2016).
//   Binary   {-1, +1} x alpha, alpha = mean|w| (XNOR-Net, Rastegari et al. 2016).
// Optional magnitude pruning (Deep Compression, Han et al.) runs first; a pruned weight is an
// exact zero, which every scheme but Binary keeps as code 0.
//
// Rounding to nearest is std::round: ties away from zero, so round(-v) = -round(v) and a
// symmetric quantizer stays symmetric. Stochastic rounding draws from base/rng.h, so the codes
// are bit-identical on every platform for a given seed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/rng.h"
#include "base/tensor.h"

namespace dfsim {

enum class QuantScheme { Linear, Fixed, Ternary, Binary };
enum class Rounding { Nearest, Stochastic };

// What to do. A field that a scheme does not use is not read (e.g. bits for Fixed, il/fl for
// Linear); a field that is read must be in range, or quantize() throws std::invalid_argument.
struct QuantSpec {
    QuantScheme scheme = QuantScheme::Linear;
    int bits = 8;  // Linear: k bits (1..16; signed symmetric needs 2..16). Fixed: not read, the word is il+fl
    bool is_signed = true;  // Linear
    bool symmetric = true;  // Linear: symmetric (zero point 0) or asymmetric (zero point)
    bool per_channel =
        false;  // Linear, Ternary, Binary: one scale per index of dimension 0 (per output filter), else per tensor
    int il = 4, fl = 4;  // Fixed <IL,FL>: IL >= 1 integer bits (sign included), FL >= 0 fraction bits, IL+FL <= 16
    Rounding rounding = Rounding::Nearest;  // Linear, Fixed
    uint64_t seed = 1;  // stochastic rounding: one uniform per element in row-major order from Rng(seed)
    double prune = 0.0;  // magnitude pruning to this sparsity, [0, 1), before quantizing; not with Binary
    double ternary_threshold = 0.7;  // Ternary: delta = t * mean|w| (per channel if per_channel), t >= 0
};

struct Quantized {
    // Integer codes, same shape as the input, held CENTRED: q - zero_point, so a real 0 is code 0
    // and real = scale[c] * code for every scheme (c: index of dimension 0 when scale has one
    // entry per channel, else 0). Binary: -1/+1; Ternary: -1/0/+1.
    Tensor4 values;
    // Real value of one step, per channel (size dim[0]) or per tensor (size 1).
    // Binary: alpha = mean|w|; Ternary: alpha = mean of |w| over |w| > delta. Fixed: 2^-FL.
    std::vector<double> scale;
    std::vector<int32_t> zero_point;  // same size as scale; 0 unless Linear asymmetric
    // The integer format of the codes before centring (the stored integer is code + zero_point):
    // Linear: bits, is_signed; Fixed: IL+FL, signed; Ternary: 2, signed; Binary: 1 (a sign bit).
    int bits = 0;
    bool is_signed = true;
    // Measured against the input as given (before pruning), on dequantize(q):
    double sqnr_db = 0;  // 10*log10(sum x^2 / sum (x - dequant)^2); +inf when exact
    double zero_fraction = 0;  // fraction of zero codes (after centring)
    double max_abs_error = 0;
    size_t saturated = 0;  // elements whose rounded code was outside the format and was clamped
};

// Throws std::invalid_argument naming the field ("bits", "il", "prune", ...) if a field the
// scheme reads is out of range, so that a caller can check a spec before loading any data.
void check_quant_spec(const QuantSpec& spec);
// Quantizes x (1 to 4 dimensions, every dim >= 1, finite values). Throws std::invalid_argument
// naming the problem for a bad spec (as check_quant_spec) or tensor.
Quantized quantize(const FloatTensor& x, const QuantSpec& spec);
// real = scale[c] * code, as float. Throws std::invalid_argument if scale does not fit the shape.
FloatTensor dequantize(const Quantized& q);

// Building blocks, exposed for tests and other users.

// floor(v) + (u < frac(v)) with u = rng.uniform(): rounds up with probability frac(v), so the
// expected value is v. Draws exactly one uniform per call, whatever v is.
double round_stochastic(double v, Rng& rng);
// v rounded to a multiple of 2^-FL and saturated to [-2^(IL-1), 2^(IL-1) - 2^-FL]; +-inf
// saturate. Rounding::Stochastic needs rng. Throws std::invalid_argument for a bad format
// (IL < 1, FL < 0, IL+FL > 16), a NaN, or stochastic rounding without rng.
double to_fixed(double v, int il, int fl, Rounding r, Rng* rng);
// Sets exactly k = round(sparsity * n) elements to zero: the k smallest |x|, ties broken by the
// lower index first, so the result is deterministic. Elements that were already zero are among
// the smallest and count towards k. Throws std::invalid_argument unless 0 <= sparsity < 1.
void prune_by_magnitude(FloatTensor& x, double sparsity);

}  // namespace dfsim
