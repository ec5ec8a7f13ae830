#include "workload/synthetic.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <numeric>

#include "base/rng.h"

namespace dfsim {

namespace {

// Box-Muller's sqrt(-2 ln u1) * cos(2 pi u2) * scale for n pairs, to within 1e-12 relative, in
// branch-free polynomials the compiler vectorizes (glibc's log and cos are one value a call).
// It only decides the integer each value rounds to where that is clear by a wide margin; the
// caller falls back to Rng::normal_from itself otherwise (normal_values).
//  - ln u1: u1 = 2^e m with m in [sqrt(2)/2, sqrt(2)), ln m = 2 atanh(s), s = (m-1)/(m+1),
//    |s| <= 0.172, the series to s^19 (the rest under 1e-17);
//  - cos(2 pi u2): 4 u2 = q + f exactly, q an integer, |f| <= 1/2, and cos of a quarter turn
//    plus a = f pi/2 is cos a, -sin a, -cos a or sin a; Taylor to a^16 and a^17 (|a| <= pi/4,
//    the rest under 1e-17).
// The n pairs are the generator's next 2n draws from `state` (Rng::state); u1 and u2 get their
// uniforms (the fallback needs them), x the figures, and rounded[k] the integer x[k] rounds to
// (half away from zero) if it is not near a boundary, else NaN. The x86-64-v4 (AVX-512) version
// has the draws' 64-bit multiplies in one instruction, AVX2 in three.
__attribute__((target_clones("arch=x86-64-v4", "avx2", "default"))) void approx_normals(uint64_t state, double* u1,
                                                                                        double* u2, double scale,
                                                                                        double* x, double* rounded,
                                                                                        size_t n) {
    constexpr double kLn2 = 0.6931471805599453, kSqrt2 = 1.4142135623730951, kHalfPi = 1.5707963267948966;
    for (size_t k = 0; k < n; ++k) {  // the draws: each uniform exact from two 27- and 26-bit halves
        const uint64_t d1 = Rng::mix(state + (2 * k + 1) * Rng::kGamma) >> 11,
                       d2 = Rng::mix(state + (2 * k + 2) * Rng::kGamma) >> 11;
        u1[k] = (static_cast<double>(static_cast<int32_t>(d1 >> 26)) * 0x1.0p26 +
                 static_cast<double>(static_cast<int32_t>(d1 & 0x3ffffff))) *
                0x1.0p-53;
        u2[k] = (static_cast<double>(static_cast<int32_t>(d2 >> 26)) * 0x1.0p26 +
                 static_cast<double>(static_cast<int32_t>(d2 & 0x3ffffff))) *
                0x1.0p-53;
    }
    for (size_t k = 0; k < n; ++k) {
        const uint64_t b = std::bit_cast<uint64_t>(u1[k]);  // u1 in [2^-53, 1): a normal double
        double m = std::bit_cast<double>((b & 0x000fffffffffffffULL) | 0x3ff0000000000000ULL);
        // the biased exponent as a double, exactly (2^52 + e - 2^52)
        double e = std::bit_cast<double>((b >> 52) | 0x4330000000000000ULL) - (4503599627370496.0 + 1023.0);
        const bool big = m > kSqrt2;
        m = big ? m * 0.5 : m;
        e = big ? e + 1.0 : e;
        const double s = (m - 1.0) / (m + 1.0), z = s * s;
        const double series =
            1.0 +
            z * (1.0 / 3 +
                 z * (1.0 / 5 +
                      z * (1.0 / 7 +
                           z * (1.0 / 9 +
                                z * (1.0 / 11 + z * (1.0 / 13 + z * (1.0 / 15 + z * (1.0 / 17 + z * (1.0 / 19)))))))));
        const double ln_u1 = e * kLn2 + 2.0 * s * series;
        const double t = 4.0 * u2[k], q = (t + 0x1.8p52) - 0x1.8p52, a = (t - q) * kHalfPi, a2 = a * a;
        const double cos_a =
            1.0 - a2 * (1.0 / 2) *
                      (1.0 - a2 * (1.0 / 12) *
                                 (1.0 - a2 * (1.0 / 30) *
                                            (1.0 - a2 * (1.0 / 56) *
                                                       (1.0 - a2 * (1.0 / 90) *
                                                                  (1.0 - a2 * (1.0 / 132) *
                                                                             (1.0 - a2 * (1.0 / 182) *
                                                                                        (1.0 - a2 * (1.0 / 240))))))));
        const double sin_a =
            a * (1.0 -
                 a2 * (1.0 / 6) *
                     (1.0 - a2 * (1.0 / 20) *
                                (1.0 - a2 * (1.0 / 42) *
                                           (1.0 - a2 * (1.0 / 72) *
                                                      (1.0 - a2 * (1.0 / 110) *
                                                                 (1.0 - a2 * (1.0 / 156) *
                                                                            (1.0 - a2 * (1.0 / 210) *
                                                                                       (1.0 - a2 * (1.0 / 272)))))))));
        // q = 0 or 4: cos a; 1: -sin a; 2: -cos a; 3: sin a (selects, not branches, so the loop vectorizes)
        const bool odd = (q == 1.0) | (q == 3.0), negative = (q == 1.0) | (q == 2.0);
        const double pick = odd ? sin_a : cos_a, c = negative ? -pick : pick;
        x[k] = std::sqrt(-2.0 * ln_u1) * c * scale;
        // the rounding where it is clear: under 1e6 and more than 1e-6 from a half
        const double ax = std::fabs(x[k]), below = std::floor(ax), r = std::floor(ax + 0.5);
        const bool clear = (std::fabs(ax - below - 0.5) >= 1e-6) & (ax < 1e6) & (u1[k] != 0.0);
        rounded[k] = clear ? (x[k] < 0 ? -r : r) : std::numeric_limits<double>::quiet_NaN();
    }
}

// The next n values of fill_synthetic's normal distribution (each the first nonzero of
// clamp(llround(normal() * scale * mag), lo, hi) over the draws), bit for bit those of calling
// Rng::normal() value by value, in blocks: the draws first, then approx_normals, then each value
// rounded where approx_normals' figure is under 1e6 and more than 1e-6 from a rounding boundary
// (its relative error is under 1e-13 and libm's a few ulps, so there the two round alike), else
// from Rng::normal_from exactly as before (about 2 values in a million).
// A block draws no more pairs than values remain, so the generator ends where the one-by-one
// loop would (fill_synthetic's zero positions come after from the same generator).
void normal_values(Rng& rng, double scale, double mag, int64_t lo, int64_t hi, int32_t* out, size_t n) {
    constexpr size_t kBlock = 256;
    std::array<double, kBlock> u1, u2, x, rounded;
    const double sm = scale * mag;
    size_t done = 0;
    while (done < n) {
        const size_t b = std::min(kBlock, n - done);
        approx_normals(rng.state(), u1.data(), u2.data(), sm, x.data(), rounded.data(), b);
        rng.skip(2 * b);
        for (size_t k = 0; k < b; ++k) {
            int64_t v = std::isnan(rounded[k])
                            ? static_cast<int64_t>(std::llround(Rng::normal_from(u1[k], u2[k]) * scale * mag))
                            : static_cast<int64_t>(rounded[k]);
            v = std::clamp(v, lo, hi);
            if (v != 0) out[done++] = static_cast<int32_t>(v);
        }
    }
}

}  // namespace

void fill_synthetic(Tensor4& t, const Format& fmt, const SyntheticSource& src) {
    Rng rng(src.seed);
    if (fmt.binary) {  // signs: +1 or -1 with equal probability (a symmetric distribution's sign)
        for (auto& v : t.data) v = (rng.next_u64() >> 63) ? 1 : -1;
        return;
    }
    const int64_t lo = fmt.min(), hi = fmt.max();
    const double mag = static_cast<double>(std::max(-lo, hi));
    const bool uniform = src.distribution == "uniform", normal = src.distribution == "normal";  // once, not per value
    auto draw_nonzero = [&]() -> int32_t {
        for (;;) {
            int64_t v;
            if (uniform) {
                v = rng.uniform_int(lo, hi);
            } else {
                double x = (normal ? rng.normal() : rng.laplace()) * src.scale * mag;
                v = static_cast<int64_t>(std::llround(x));
                v = std::clamp(v, lo, hi);
            }
            if (v != 0) return static_cast<int32_t>(v);
        }
    };
    if (normal)
        normal_values(rng, src.scale, mag, lo, hi, t.data.data(), t.data.size());
    else
        for (auto& v : t.data) v = draw_nonzero();
    const size_t zeros = static_cast<size_t>(std::llround(src.zero_fraction * static_cast<double>(t.size())));
    if (zeros == 0) return;
    // choose exactly `zeros` positions: partial Fisher-Yates over the index permutation
    std::vector<uint32_t> idx(t.size());
    std::iota(idx.begin(), idx.end(), 0u);
    for (size_t i = 0; i < zeros; ++i) {
        size_t j = i + static_cast<size_t>(rng.next_u64() % (idx.size() - i));
        std::swap(idx[i], idx[j]);
        t.data[idx[i]] = 0;
    }
}

Tensor4 make_ifmap(const Layer& l) {
    if (l.ifmap_data.values) return *l.ifmap_data.values;
    const LayerShape& s = l.shape;
    Tensor4 t(s.N, s.C, s.H, s.W);
    fill_synthetic(t, l.ifmap, l.ifmap_data);
    return t;
}

Tensor4 make_filter(const Layer& l, std::vector<double>* scale) {
    if (scale) *scale = l.filter_scale;
    if (l.filter_data.values) return *l.filter_data.values;
    const LayerShape& s = l.shape;
    Tensor4 t(s.M, s.Cg(), s.R, s.S);
    const bool ternary = l.multiplier == Multiplier::Ternary;
    if (!ternary && !l.filter.binary) {
        fill_synthetic(t, l.filter, l.filter_data);
        return t;
    }
    // float weights, then the binary / ternary conversion per filter
    Rng rng(l.filter_data.seed);
    const SyntheticSource& src = l.filter_data;
    std::vector<double> w(t.size());
    for (double& v : w)
        v = src.distribution == "uniform"  ? 2.0 * rng.uniform() - 1.0
            : src.distribution == "normal" ? rng.normal()
                                           : rng.laplace();
    const size_t per = t.size() / static_cast<size_t>(s.M);
    std::vector<double> alpha(static_cast<size_t>(s.M));
    for (int m = 0; m < s.M; ++m) {
        const double* wm = &w[static_cast<size_t>(m) * per];
        int32_t* q = &t.data[static_cast<size_t>(m) * per];
        double mean_abs = 0;
        for (size_t i = 0; i < per; ++i) mean_abs += std::abs(wm[i]);
        mean_abs /= static_cast<double>(per);
        if (!ternary) {
            for (size_t i = 0; i < per; ++i) q[i] = wm[i] >= 0 ? 1 : -1;
            alpha[static_cast<size_t>(m)] = mean_abs;
        } else {
            const double delta = 0.7 * mean_abs;
            double kept = 0;
            size_t n_kept = 0;
            for (size_t i = 0; i < per; ++i) {
                const bool keep = std::abs(wm[i]) > delta;
                q[i] = keep ? (wm[i] > 0 ? 1 : -1) : 0;
                if (keep) kept += std::abs(wm[i]), ++n_kept;
            }
            alpha[static_cast<size_t>(m)] = n_kept ? kept / static_cast<double>(n_kept) : 1.0;
        }
    }
    if (scale) *scale = alpha;
    return t;
}

}  // namespace dfsim
