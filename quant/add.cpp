#include "quant/add.h"

#include <algorithm>
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
