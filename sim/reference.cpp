#include "sim/reference.h"

#include <algorithm>

#include "base/error.h"
#include "quant/requantize.h"

namespace dfsim {

// out[n][m][y][x] = sum over c, r, k of ifmap[n][g*C/G + c][y*U + r - P][x*U + k - P] * filter[m][c][r][k]
// (terms outside the image are zero), in int64. The loops run over (c, r, k) outside and
// (y, x) inside so the innermost loop walks an ifmap row; the sum is the definition's.
Tensor4 reference_conv(const Layer& l, const Tensor4& ifmap, const Tensor4& filter) {
    return reference_output(l, reference_acc(l, ifmap, filter));
}

Tensor4 reference_output(const Layer& l, const Tensor4& acc) {
    Tensor4 out = acc;
    const size_t per_m = static_cast<size_t>(acc.dim[2]) * acc.dim[3];
    for (int n = 0; n < acc.dim[0]; ++n)
        for (int m = 0; m < acc.dim[1]; ++m) {
            int32_t* o = &out.data[out.index(n, m, 0, 0)];
            const int64_t b = l.bias.empty() ? 0 : l.bias[static_cast<size_t>(m)];
            for (size_t i = 0; i < per_m; ++i) {
                const int64_t v = o[i] + b;
                if (l.requant.enabled) {
                    o[i] = requantize(v, l.requant, m);
                } else {
                    if (v > INT32_MAX || v < INT32_MIN)
                        throw UserError(
                            "layer " + l.name +
                            ": an accumulator plus bias exceeds int32 (the reference and the psums are at most 32 "
                            "bits): narrower operands, fewer channels or a requantization are needed");
                    o[i] = static_cast<int32_t>(v);
                }
            }
        }
    return out;
}

// The reference's kernels, in versions for AVX2 and the baseline, chosen at load time (as
// hw/mac_rows.cpp's); their int64 sums are exact, so any order gives the same.

// The int64 dot product of n words of a and b.
__attribute__((target_clones("avx2", "default"))) int64_t reference_dot(const int32_t* a, const int32_t* b, size_t n) {
    int64_t sum = 0;
    for (size_t i = 0; i < n; ++i) sum += int64_t{a[i]} * b[i];
    return sum;
}

// One (image, filter) of the definition: acc[y * F + x] (zeroed first) = the sum over c < Cg, r, k
// of w[(c * R + r) * S + k] * x[c][y*U + r - P][x*U + k - P] over the taps inside the image, x
// holding the group's channels of H x W words.
__attribute__((target_clones("avx2", "default"))) void reference_plane(int64_t* acc, const int32_t* x, const int32_t* w,
                                                                       const LayerShape& s) {
    const int E = s.E(), F = s.F(), Cg = s.Cg();
    std::fill(acc, acc + static_cast<size_t>(E) * F, 0);
    for (int c = 0; c < Cg; ++c)
        for (int r = 0; r < s.R; ++r)
            for (int k = 0; k < s.S; ++k) {
                const int32_t wv = w[(static_cast<size_t>(c) * s.R + r) * s.S + k];
                // output columns whose tap k lands inside the row: 0 <= x*U + k - P < W
                if (s.W - 1 + s.P - k < 0) continue;  // the tap never reaches the image
                const int x_lo = s.P - k > 0 ? (s.P - k + s.U - 1) / s.U : 0;
                const int x_hi = std::min(F - 1, (s.W - 1 + s.P - k) / s.U);
                for (int y = 0; y < E; ++y) {
                    const int iy = y * s.U + r - s.P;
                    if (iy < 0 || iy >= s.H) continue;
                    const int32_t* row = x + (static_cast<size_t>(c) * s.H + iy) * s.W;
                    int64_t* a = acc + static_cast<size_t>(y) * F;
                    if (s.U == 1) {
                        const int32_t* rk = row + k - s.P;
                        for (int xo = x_lo; xo <= x_hi; ++xo) a[xo] += int64_t{wv} * rk[xo];
                    } else {
                        for (int xo = x_lo; xo <= x_hi; ++xo) a[xo] += int64_t{wv} * row[xo * s.U + k - s.P];
                    }
                }
            }
}

Tensor4 reference_acc(const Layer& l, const Tensor4& ifmap, const Tensor4& filter) {
    const LayerShape& s = l.shape;
    const int E = s.E(), F = s.F(), Cg = s.Cg(), Mg = s.Mg();
    Tensor4 out(s.N, s.M, E, F);
    auto check = [&](int64_t v) {
        if (v > INT32_MAX || v < INT32_MIN)
            throw UserError("layer " + l.name +
                            ": an accumulator exceeds int32 (the reference and the psums are at most 32 "
                            "bits): narrower operands or fewer channels are needed");
        return static_cast<int32_t>(v);
    };
    if (E == 1 && F == 1 && s.P == 0 && s.H == s.R && s.W == s.S) {
        // one output per filter whose window is its whole group of channels (an FC layer): the
        // sum over (c, r, k) is a dot product of the filter with the ifmap's group, both contiguous
        const size_t k = static_cast<size_t>(Cg) * s.R * s.S;
        for (int n = 0; n < s.N; ++n)
            for (int m = 0; m < s.M; ++m)
                out.at(n, m, 0, 0) = check(reference_dot(&ifmap.data[ifmap.index(n, m / Mg * Cg, 0, 0)],
                                                         &filter.data[filter.index(m, 0, 0, 0)], k));
        return out;
    }
    std::vector<int64_t> acc(static_cast<size_t>(E) * F);
    for (int n = 0; n < s.N; ++n)
        for (int m = 0; m < s.M; ++m) {
            reference_plane(acc.data(), &ifmap.data[ifmap.index(n, m / Mg * Cg, 0, 0)],
                            &filter.data[filter.index(m, 0, 0, 0)], s);
            for (int y = 0; y < E; ++y)
                for (int x = 0; x < F; ++x) out.at(n, m, y, x) = check(acc[static_cast<size_t>(y) * F + x]);
        }
    return out;
}

uint64_t reference_gated_macs(const Layer& l, const Tensor4& ifmap, const Tensor4& filter, bool gate_x, bool gate_w) {
    const LayerShape& s = l.shape;
    const int E = s.E(), F = s.F(), Cg = s.Cg(), Mg = s.Mg();
    const uint64_t pixels = static_cast<uint64_t>(s.N) * E * F;  // the slots of one (m, c, r, k)
    // zero_taps[c][r][k]: the (n, e, f) whose ifmap tap (c, e*U + r - P, f*U + k - P) is zero or padding
    std::vector<uint64_t> zero_taps(static_cast<size_t>(s.C) * s.R * s.S, 0);
    // the output rows (columns) whose tap r (k) lands inside the image: a channel without a zero
    // value has only these padding zeros, N * (E * F - inside_rows[r] * inside_cols[k]) per tap
    auto inside = [&](int taps, int out, int size) {
        std::vector<uint64_t> n(static_cast<size_t>(taps), 0);
        for (int t = 0; t < taps; ++t)
            for (int o = 0; o < out; ++o)
                n[static_cast<size_t>(t)] += o * s.U + t - s.P >= 0 && o * s.U + t - s.P < size;
        return n;
    };
    const std::vector<uint64_t> inside_rows = inside(s.R, E, s.H), inside_cols = inside(s.S, F, s.W);
    auto has_zero = [&](int c) {
        for (int n = 0; n < s.N; ++n) {
            const int32_t* p = &ifmap.data[ifmap.index(n, c, 0, 0)];
            if (std::find(p, p + static_cast<size_t>(s.H) * s.W, 0) != p + static_cast<size_t>(s.H) * s.W) return true;
        }
        return false;
    };
    if (gate_x)
        for (int c = 0; c < s.C; ++c) {
            if (!has_zero(c)) {
                for (int r = 0; r < s.R; ++r)
                    for (int k = 0; k < s.S; ++k)
                        zero_taps[(static_cast<size_t>(c) * s.R + r) * s.S + k] =
                            static_cast<uint64_t>(s.N) *
                            (static_cast<uint64_t>(E) * F -
                             inside_rows[static_cast<size_t>(r)] * inside_cols[static_cast<size_t>(k)]);
                continue;
            }
            for (int r = 0; r < s.R; ++r)
                for (int k = 0; k < s.S; ++k) {
                    uint64_t z = 0;
                    for (int n = 0; n < s.N; ++n)
                        for (int y = 0; y < E; ++y) {
                            const int iy = y * s.U + r - s.P;
                            for (int x = 0; x < F; ++x) {
                                const int ix = x * s.U + k - s.P;
                                z += iy < 0 || iy >= s.H || ix < 0 || ix >= s.W || ifmap.at(n, c, iy, ix) == 0;
                            }
                        }
                    zero_taps[(static_cast<size_t>(c) * s.R + r) * s.S + k] = z;
                }
        }
    uint64_t gated = 0;
    for (int m = 0; m < s.M; ++m)
        for (int c = 0; c < Cg; ++c)
            for (int r = 0; r < s.R; ++r)
                for (int k = 0; k < s.S; ++k)
                    gated += gate_w && filter.at(m, c, r, k) == 0
                                 ? pixels
                                 : zero_taps[(static_cast<size_t>(m / Mg * Cg + c) * s.R + r) * s.S + k];
    return gated;
}

}  // namespace dfsim
