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
static_assert(kMacLanes == 8, "mac_block widens its sums four lanes at a time");
// Four int64 psums (the sums of half a vector of lanes, widened).
using Quad = int64_t __attribute__((vector_size(4 * sizeof(int64_t))));

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
    // the sums widened and added to the psums four lanes at a time (a scalar loop here was
    // compiled to one lane extract and one memory add per column where NB < 4)
    for (int b = 0; b < NB; ++b) {
        const Quad lo = __builtin_convertvector(__builtin_shufflevector(sum[b], sum[b], 0, 1, 2, 3), Quad);
        const Quad hi = __builtin_convertvector(__builtin_shufflevector(sum[b], sum[b], 4, 5, 6, 7), Quad);
        Quad a0, a1;
        std::memcpy(&a0, acc + b * kMacLanes, sizeof a0);
        std::memcpy(&a1, acc + b * kMacLanes + 4, sizeof a1);
        a0 += lo, a1 += hi;
        std::memcpy(acc + b * kMacLanes, &a0, sizeof a0);
        std::memcpy(acc + b * kMacLanes + 4, &a1, sizeof a1);
    }
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
