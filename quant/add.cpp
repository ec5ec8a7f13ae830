#include "quant/add.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <tuple>

#include "quant/requantize.h"

namespace dfsim {

namespace {

__int128 rescale(int64_t x, int32_t m, int s) {
    __int128 y = static_cast<__int128>(x) * m;
    if (s > 0) {
        y += static_cast<__int128>(1) << (s - 1);
        y >>= s;  // arithmetic shift: floor division by 2^s
    }
    return y;
}

}  // namespace

AddRequant add_requant(double a_scale, double b_scale, double y_scale, bool relu, const Format& out) {
    AddRequant p;
    std::tie(p.mul_a, p.shift_a) = fixed_multiplier(a_scale / y_scale);
    std::tie(p.mul_b, p.shift_b) = fixed_multiplier(b_scale / y_scale);
    p.relu = relu;
    p.out = out;
    return p;
}

int32_t add_quantized(int64_t a, int64_t b, const AddRequant& p) {
    __int128 t = rescale(a, p.mul_a, p.shift_a) + rescale(b, p.mul_b, p.shift_b);
    if (p.relu) t = std::max<__int128>(t, 0);
    if (p.out.binary) return t >= 0 ? 1 : -1;
    return static_cast<int32_t>(std::clamp<__int128>(t, p.out.min(), p.out.max()));
}

double concat_scale(const std::vector<double>& scales) {
    double top = 0;
    for (double x : scales) top = std::max(top, x);
    return top;
}

Tensor4 concat_quantized(const std::vector<const Tensor4*>& parts, const std::vector<double>& scales,
                         double out_scale) {
    const std::array<int, 4> d = parts.front()->dim;
    int channels = 0;
    for (const Tensor4* p : parts) channels += p->dim[1];
    Tensor4 out(d[0], channels, d[2], d[3]);
    const size_t plane = static_cast<size_t>(d[2]) * static_cast<size_t>(d[3]);
    int offset = 0;
    for (size_t k = 0; k < parts.size(); ++k) {
        const Tensor4& in = *parts[k];
        const bool same = scales[k] == out_scale;
        const auto [m, s] = fixed_multiplier(same ? 1.0 : scales[k] / out_scale);
        for (int n = 0; n < d[0]; ++n)
            for (int c = 0; c < in.dim[1]; ++c) {
                const int32_t* src = &in.data[(static_cast<size_t>(n) * in.dim[1] + c) * plane];
                int32_t* dst = &out.data[(static_cast<size_t>(n) * channels + offset + c) * plane];
                for (size_t i = 0; i < plane; ++i) dst[i] = same ? src[i] : static_cast<int32_t>(rescale(src[i], m, s));
            }
        offset += in.dim[1];
    }
    return out;
}

double calibrate_add_scale(const Tensor4& a, double a_scale, const Tensor4& b, double b_scale, bool relu,
                           const Format& out) {
    double top = 0;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
        const double v = a.data[i] * a_scale + b.data[i] * b_scale;
        top = std::max(top, relu ? v : std::abs(v));
    }
    const double out_top = static_cast<double>(out.binary ? 1 : out.max());
    return top > 0 && out_top > 0 ? top / out_top : a_scale;
}

}  // namespace dfsim
