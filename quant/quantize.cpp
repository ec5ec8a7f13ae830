#include "quant/quantize.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace dfsim {

namespace {

[[noreturn]] void bad(const std::string& what) { throw std::invalid_argument("quantize: " + what); }

// The integer a real value v (already divided by the step) rounds to.
double round_with(double v, Rounding r, Rng* rng) {
    return r == Rounding::Nearest ? std::round(v) : round_stochastic(v, *rng);
}

void check_fixed_format(int il, int fl) {
    if (il < 1) bad("il must be >= 1 (the sign bit is an integer bit), got " + std::to_string(il));
    if (fl < 0) bad("fl must be >= 0, got " + std::to_string(fl));
    if (il + fl > 16) bad("il+fl (the fixed-point word) must be at most 16 bits, got " + std::to_string(il + fl));
}

// The code of v in <IL,FL> (v * 2^FL rounded, saturated to the signed IL+FL-bit range);
// *clamped is set when saturation changed it.
int32_t fixed_code(double v, int il, int fl, Rounding r, Rng* rng, bool* clamped) {
    const double lo = -std::ldexp(1.0, il + fl - 1), hi = std::ldexp(1.0, il + fl - 1) - 1;
    const double c = round_with(std::ldexp(v, fl), r, rng);  // exact scaling by a power of two
    *clamped = c < lo || c > hi;
    return static_cast<int32_t>(std::clamp(c, lo, hi));
}

void check_tensor(const FloatTensor& x) {
    size_t n = 1;
    for (int d : x.dim) {
        if (d < 1)
            bad("every dimension must be >= 1, got shape [" + std::to_string(x.dim[0]) + "," +
                std::to_string(x.dim[1]) + "," + std::to_string(x.dim[2]) + "," + std::to_string(x.dim[3]) + "]");
        n *= static_cast<size_t>(d);
    }
    if (n != x.data.size())
        bad("shape holds " + std::to_string(n) + " elements but data has " + std::to_string(x.data.size()));
    for (size_t i = 0; i < x.data.size(); ++i)
        if (!std::isfinite(x.data[i])) bad("element " + std::to_string(i) + " is not finite");
}

}  // namespace

void check_quant_spec(const QuantSpec& s) {
    // !(a <= x && x < b) also rejects NaN
    if (!(s.prune >= 0.0 && s.prune < 1.0)) bad("prune must be in [0, 1), got " + std::to_string(s.prune));
    if (s.prune > 0.0 && s.scheme == QuantScheme::Binary)
        bad("prune cannot be used with binary: its codes have no zero, so pruned weights would not stay pruned (use "
            "ternary)");
    switch (s.scheme) {
        case QuantScheme::Linear:
            if (s.bits < 1 || s.bits > 16) bad("bits must be 1..16 for linear, got " + std::to_string(s.bits));
            if (s.bits == 1 && s.is_signed && s.symmetric)
                bad("bits must be >= 2 for signed symmetric linear (1 bit leaves only code 0; use binary)");
            break;
        case QuantScheme::Fixed:
            check_fixed_format(s.il, s.fl);
            break;
        case QuantScheme::Ternary:
            if (!(s.ternary_threshold >= 0.0 && std::isfinite(s.ternary_threshold)))
                bad("ternary_threshold must be a finite value >= 0, got " + std::to_string(s.ternary_threshold));
            break;
        case QuantScheme::Binary:
            break;
    }
}

namespace {

// Linear quantization of one channel (or the whole tensor) w into codes (centred).
void linear_group(const float* w, int32_t* code, size_t n, const QuantSpec& s, Rng& rng, double* scale,
                  int32_t* zero_point, size_t* saturated) {
    const double levels = std::ldexp(1.0, s.bits) - 1;  // 2^bits - 1 steps between the ends
    double qmin, qmax, sc, zp = 0;
    if (s.symmetric) {
        if (s.is_signed) {
            // [-(2^(b-1)-1), 2^(b-1)-1]: -2^(b-1) is left out so that the range is symmetric and
            // -max|x| is representable exactly like +max|x| (negating a code never overflows).
            qmax = std::ldexp(1.0, s.bits - 1) - 1;
            qmin = -qmax;
            double m = 0;
            for (size_t i = 0; i < n; ++i) m = std::max(m, std::fabs(double{w[i]}));
            sc = m > 0 ? m / qmax : 1.0;
        } else {
            // Unsigned symmetric is for non-negative (post-ReLU) data: negative values clamp to
            // code 0 (and count as saturated), they are not an error.
            qmin = 0;
            qmax = levels;
            double m = 0;
            for (size_t i = 0; i < n; ++i) m = std::max(m, double{w[i]});
            sc = m > 0 ? m / qmax : 1.0;
        }
    } else {
        qmin = s.is_signed ? -std::ldexp(1.0, s.bits - 1) : 0;
        qmax = qmin + levels;
        // The range is widened to contain 0, so that a real 0 (a pruned weight, a ReLU output,
        // padding) is exactly the zero point; the clamp of the zero point is then only a guard.
        double lo = 0, hi = 0;
        for (size_t i = 0; i < n; ++i) {
            lo = std::min(lo, double{w[i]});
            hi = std::max(hi, double{w[i]});
        }
        sc = hi > lo ? (hi - lo) / levels : 1.0;
        zp = std::clamp(std::round(qmin - lo / sc), qmin, qmax);
    }
    for (size_t i = 0; i < n; ++i) {
        const double q = round_with(w[i] / sc, s.rounding, &rng) + zp;
        if (q < qmin || q > qmax) ++*saturated;
        code[i] = static_cast<int32_t>(std::clamp(q, qmin, qmax) - zp);
    }
    *scale = sc;
    *zero_point = static_cast<int32_t>(zp);
}

void ternary_group(const float* w, int32_t* code, size_t n, double t, double* alpha) {
    double sum_abs = 0;
    for (size_t i = 0; i < n; ++i) sum_abs += std::fabs(double{w[i]});
    const double delta = t * sum_abs / static_cast<double>(n);
    double kept = 0;
    size_t count = 0;
    for (size_t i = 0; i < n; ++i) {
        const double a = std::fabs(double{w[i]});
        if (a > delta) {
            code[i] = w[i] > 0 ? 1 : -1;
            kept += a;
            ++count;
        } else {
            code[i] = 0;
        }
    }
    // No weight above the threshold (an all-zero channel): every code is 0 and alpha is
    // arbitrary; 1 keeps it positive and finite.
    *alpha = count > 0 ? kept / static_cast<double>(count) : 1.0;
}

void binary_group(const float* w, int32_t* code, size_t n, double* alpha) {
    double sum_abs = 0;
    for (size_t i = 0; i < n; ++i) {
        // sign with 0 -> +1: a binary code has no zero, and +1 is the usual choice (sign(0) = +1
        // in BinaryNet's deterministic binarization).
        code[i] = w[i] >= 0 ? 1 : -1;
        sum_abs += std::fabs(double{w[i]});
    }
    // alpha = mean|w| minimizes ||w - alpha*sign(w)||^2. It is 0 for an all-zero channel, which
    // then dequantizes exactly to 0 (nothing divides by alpha, so 0 is safe here).
    *alpha = sum_abs / static_cast<double>(n);
}

}  // namespace

double round_stochastic(double v, Rng& rng) {
    const double u = rng.uniform();
    const double f = std::floor(v);
    return f + (u < v - f ? 1.0 : 0.0);
}

double to_fixed(double v, int il, int fl, Rounding r, Rng* rng) {
    check_fixed_format(il, fl);
    if (std::isnan(v)) bad("to_fixed of NaN");
    if (r == Rounding::Stochastic && rng == nullptr) bad("stochastic rounding needs an Rng");
    bool clamped = false;
    return std::ldexp(static_cast<double>(fixed_code(v, il, fl, r, rng, &clamped)), -fl);
}

void prune_by_magnitude(FloatTensor& x, double sparsity) {
    if (!(sparsity >= 0.0 && sparsity < 1.0)) bad("prune sparsity must be in [0, 1), got " + std::to_string(sparsity));
    const size_t n = x.data.size();
    const size_t k = static_cast<size_t>(std::llround(sparsity * static_cast<double>(n)));
    if (k == 0) return;
    std::vector<size_t> idx(n);
    std::iota(idx.begin(), idx.end(), size_t{0});
    // (|x|, index) is a strict total order, so the k smallest are unique and nth_element is
    // enough (no full sort).
    auto smaller = [&](size_t a, size_t b) {
        const float ma = std::fabs(x.data[a]), mb = std::fabs(x.data[b]);
        return ma < mb || (ma == mb && a < b);
    };
    std::nth_element(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k - 1), idx.end(), smaller);
    for (size_t i = 0; i < k; ++i) x.data[idx[i]] = 0.0f;
}

Quantized quantize(const FloatTensor& x, const QuantSpec& spec) {
    check_tensor(x);
    check_quant_spec(spec);
    FloatTensor w = x;
    if (spec.prune > 0) prune_by_magnitude(w, spec.prune);

    Quantized q;
    q.values.dim = x.dim;
    q.values.data.assign(x.data.size(), 0);
    const size_t n = x.data.size();
    const bool per_channel = spec.per_channel && spec.scheme != QuantScheme::Fixed;
    const size_t channels = per_channel ? static_cast<size_t>(x.dim[0]) : 1;
    const size_t group = n / channels;  // dimension 0 is outermost: a channel is contiguous
    q.scale.assign(channels, 1.0);
    q.zero_point.assign(channels, 0);
    Rng rng(spec.seed);

    switch (spec.scheme) {
        case QuantScheme::Linear:
            q.bits = spec.bits;
            q.is_signed = spec.is_signed;
            for (size_t c = 0; c < channels; ++c)
                linear_group(&w.data[c * group], &q.values.data[c * group], group, spec, rng, &q.scale[c],
                             &q.zero_point[c], &q.saturated);
            break;
        case QuantScheme::Fixed:
            q.bits = spec.il + spec.fl;
            q.is_signed = true;
            q.scale[0] = std::ldexp(1.0, -spec.fl);
            for (size_t i = 0; i < n; ++i) {
                bool clamped = false;
                q.values.data[i] = fixed_code(w.data[i], spec.il, spec.fl, spec.rounding, &rng, &clamped);
                q.saturated += clamped;
            }
            break;
        case QuantScheme::Ternary:
            q.bits = 2;
            q.is_signed = true;
            for (size_t c = 0; c < channels; ++c)
                ternary_group(&w.data[c * group], &q.values.data[c * group], group, spec.ternary_threshold,
                              &q.scale[c]);
            break;
        case QuantScheme::Binary:
            q.bits = 1;
            q.is_signed = true;
            for (size_t c = 0; c < channels; ++c)
                binary_group(&w.data[c * group], &q.values.data[c * group], group, &q.scale[c]);
            break;
    }

    // Error statistics on exactly what dequantize() returns, against the input as given.
    const FloatTensor d = dequantize(q);
    double sx = 0, se = 0, emax = 0;
    size_t zeros = 0;
    for (size_t i = 0; i < n; ++i) {
        const double e = double{x.data[i]} - double{d.data[i]};
        sx += double{x.data[i]} * x.data[i];
        se += e * e;
        emax = std::max(emax, std::fabs(e));
        zeros += q.values.data[i] == 0;
    }
    q.sqnr_db = se == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(sx / se);  // sx 0: -inf
    q.zero_fraction = static_cast<double>(zeros) / static_cast<double>(n);
    q.max_abs_error = emax;
    return q;
}

FloatTensor dequantize(const Quantized& q) {
    const size_t n = q.values.data.size();
    const size_t dim0 = q.values.dim[0] > 0 ? static_cast<size_t>(q.values.dim[0]) : 0;
    if (n == 0 || dim0 == 0 || n % dim0 != 0)
        throw std::invalid_argument("dequantize: empty or inconsistent code tensor");
    if (q.scale.size() != 1 && q.scale.size() != dim0)
        throw std::invalid_argument("dequantize: " + std::to_string(q.scale.size()) +
                                    " scales for dimension 0 of size " + std::to_string(dim0) + " (expected 1 or " +
                                    std::to_string(dim0) + ")");
    FloatTensor d;
    d.dim = q.values.dim;
    d.data.resize(n);
    const size_t group = q.scale.size() == 1 ? n : n / dim0;
    for (size_t i = 0; i < n; ++i) d.data[i] = static_cast<float>(q.values.data[i] * q.scale[i / group]);
    return d;
}

}  // namespace dfsim
