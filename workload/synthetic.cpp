#include "workload/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "base/rng.h"

namespace dfsim {

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
