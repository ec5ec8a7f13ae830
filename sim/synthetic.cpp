#include "sim/synthetic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "common/rng.h"

namespace dfsim {

void fill_synthetic(Tensor4& t, const Format& fmt, const SyntheticSource& src) {
    Rng rng(src.seed);
    const int64_t lo = fmt.min(), hi = fmt.max();
    const double mag = static_cast<double>(std::max(-lo, hi));
    auto draw_nonzero = [&]() -> int32_t {
        for (;;) {
            int64_t v;
            if (src.distribution == "uniform") {
                v = rng.uniform_int(lo, hi);
            } else {
                double x = (src.distribution == "normal" ? rng.normal() : rng.laplace()) * src.scale * mag;
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
    const LayerShape& s = l.shape;
    Tensor4 t(s.N, s.C, s.H, s.W);
    fill_synthetic(t, l.ifmap, l.ifmap_data);
    return t;
}

Tensor4 make_filter(const Layer& l) {
    const LayerShape& s = l.shape;
    Tensor4 t(s.M, s.Cg(), s.R, s.S);
    fill_synthetic(t, l.filter, l.filter_data);
    return t;
}

}  // namespace dfsim
