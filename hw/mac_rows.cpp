#include "hw/mac_rows.h"

#include <algorithm>
#include <cstring>

namespace dfsim::hw {

void mac_phase_row(const int32_t* x, int Wn, int U, int len, int32_t* out) {
    for (int u = 0; u < U; ++u)
        for (int m = 0; m < len; ++m) {
            const int pos = m * U + u;
            out[u * len + m] = pos < Wn ? x[pos] : 0;
        }
}

namespace {

// Eight int32 lanes (GNU vector extension: one AVX2 register, two SSE2 ones).
using Lanes = int32_t __attribute__((vector_size(kMacLanes * sizeof(int32_t))));

// Output columns f0 .. f0 + NB * 8 of one filter: its q channels' S taps into NB vectors, then
// added into the filter's psums (the first F - f0 of them).
template <int NB>
inline __attribute__((always_inline)) void mac_block(int64_t* acc, const MacRows& xr, const int* rows, const int32_t* w,
                                                     int q, int f0) {
    Lanes sum[NB] = {};
    for (int jj = 0; jj < q; ++jj) {
        const int32_t* x = xr.x + static_cast<size_t>(rows[jj]) * xr.row_words + f0;
        const int32_t* wr = w + static_cast<ptrdiff_t>(jj) * xr.S;
        for (int t = 0; t < xr.S; ++t) {
            const int32_t* xs = x + xr.off[t];
            const Lanes wv = Lanes{} + wr[t];
            for (int b = 0; b < NB; ++b) {
                Lanes xv;
                std::memcpy(&xv, xs + b * kMacLanes, sizeof xv);
                sum[b] += wv * xv;
            }
        }
    }
    int32_t out[NB * kMacLanes];
    std::memcpy(out, sum, sizeof out);
    const int n = std::min(NB * kMacLanes, xr.F - f0);
    if (n == NB * kMacLanes) {
        for (int l = 0; l < NB * kMacLanes; ++l) acc[f0 + l] += out[l];
    } else {
        for (int l = 0; l < n; ++l) acc[f0 + l] += out[l];
    }
}

}  // namespace

// An AVX2 version (packed 32-bit multiplies) chosen at load time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void mac_rows(int64_t* acc, const MacRows& xr, const int* rows,
                                                                const int32_t* w, int p, int q) {
    for (int k = 0; k < p; ++k) {
        int64_t* a = acc + static_cast<ptrdiff_t>(k) * xr.F;
        const int32_t* wk = w + static_cast<ptrdiff_t>(k) * q * xr.S;
        int f0 = 0;
        for (; xr.F - f0 > kMacLanes; f0 += 2 * kMacLanes) mac_block<2>(a, xr, rows, wk, q, f0);
        if (f0 < xr.F) mac_block<1>(a, xr, rows, wk, q, f0);
    }
}

}  // namespace dfsim::hw
