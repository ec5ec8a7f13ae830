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

// NB vectors of output columns of one filter: its n (channel, tap) pairs, then added to its psums.
template <int NB>
inline __attribute__((always_inline)) void mac_block(int64_t* acc, const int32_t* x, const int* xoff, const int32_t* w,
                                                     int n) {
    Lanes sum[NB] = {};
    for (int i = 0; i < n; ++i) {
        const int32_t* xs = x + xoff[i];
        const Lanes wv = Lanes{} + w[i];
        for (int b = 0; b < NB; ++b) {
            Lanes xv;
            std::memcpy(&xv, xs + b * kMacLanes, sizeof xv);
            sum[b] += wv * xv;
        }
    }
    int32_t out[NB * kMacLanes];
    std::memcpy(out, sum, sizeof out);
    for (int l = 0; l < NB * kMacLanes; ++l) acc[l] += out[l];
}

}  // namespace

// An AVX2 version (packed 32-bit multiplies) chosen at load time where the CPU has it.
__attribute__((target_clones("avx2", "default"))) void mac_rows(int64_t* acc, const int32_t* x, const int* xoff,
                                                                const int32_t* w, int p, int n, int F) {
    const int ld = mac_stride(F);
    for (int k = 0; k < p; ++k) {
        int64_t* a = acc + static_cast<ptrdiff_t>(k) * ld;
        const int32_t* wk = w + static_cast<ptrdiff_t>(k) * n;
        int f0 = 0;
        for (; ld - f0 >= 4 * kMacLanes; f0 += 4 * kMacLanes) mac_block<4>(a + f0, x + f0, xoff, wk, n);
        if (ld - f0 >= 2 * kMacLanes) {
            mac_block<2>(a + f0, x + f0, xoff, wk, n);
            f0 += 2 * kMacLanes;
        }
        if (ld - f0 >= kMacLanes) mac_block<1>(a + f0, x + f0, xoff, wk, n);
    }
}

}  // namespace dfsim::hw
