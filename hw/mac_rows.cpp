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

// NB vectors of output columns of PC filters: their n (channel, tap) pairs, then added to their
// psums (filter k's at acc + k * ld). Each ifmap vector is loaded once for the PC filters.
template <int PC, int NB>
inline __attribute__((always_inline)) void mac_block(int64_t* acc, int ld, const int32_t* x, const int* xoff,
                                                     const int32_t* w, int n) {
    Lanes sum[PC][NB] = {};
    for (int i = 0; i < n; ++i) {
        const int32_t* xs = x + xoff[i];
        Lanes xv[NB];
        for (int b = 0; b < NB; ++b) std::memcpy(&xv[b], xs + b * kMacLanes, sizeof xv[b]);
        for (int k = 0; k < PC; ++k) {
            const Lanes wv = Lanes{} + w[k * n + i];
            for (int b = 0; b < NB; ++b) sum[k][b] += wv * xv[b];
        }
    }
    // the sums widened and added to the psums four lanes at a time (a scalar loop here was
    // compiled to one lane extract and one memory add per column where NB < 4)
    for (int k = 0; k < PC; ++k)
        for (int b = 0; b < NB; ++b) {
            int64_t* a = acc + static_cast<ptrdiff_t>(k) * ld + b * kMacLanes;
            const Quad lo = __builtin_convertvector(__builtin_shufflevector(sum[k][b], sum[k][b], 0, 1, 2, 3), Quad);
            const Quad hi = __builtin_convertvector(__builtin_shufflevector(sum[k][b], sum[k][b], 4, 5, 6, 7), Quad);
            Quad a0, a1;
            std::memcpy(&a0, a, sizeof a0);
            std::memcpy(&a1, a + 4, sizeof a1);
            a0 += lo, a1 += hi;
            std::memcpy(a, &a0, sizeof a0);
            std::memcpy(a + 4, &a1, sizeof a1);
        }
}

// PC filters' columns: blocks of two vectors, then one.
template <int PC>
inline __attribute__((always_inline)) void mac_filters(int64_t* acc, int ld, const int32_t* x, const int* xoff,
                                                       const int32_t* w, int n) {
    int f0 = 0;
    for (; ld - f0 >= 2 * kMacLanes; f0 += 2 * kMacLanes) mac_block<PC, 2>(acc + f0, ld, x + f0, xoff, w, n);
    if (ld - f0 >= kMacLanes) mac_block<PC, 1>(acc + f0, ld, x + f0, xoff, w, n);
}

}  // namespace

// An AVX2 version (packed 32-bit multiplies) chosen at load time where the CPU has it. Filters
// four at a time (then two, one), so that each ifmap vector is read once for four of them.
__attribute__((target_clones("avx2", "default"))) void mac_rows(int64_t* acc, const int32_t* x, const int* xoff,
                                                                const int32_t* w, int p, int n, int F) {
    const int ld = mac_stride(F);
    int k = 0;
    for (; p - k >= 4; k += 4)
        mac_filters<4>(acc + static_cast<ptrdiff_t>(k) * ld, ld, x, xoff, w + static_cast<ptrdiff_t>(k) * n, n);
    if (p - k >= 2) {
        mac_filters<2>(acc + static_cast<ptrdiff_t>(k) * ld, ld, x, xoff, w + static_cast<ptrdiff_t>(k) * n, n);
        k += 2;
    }
    if (p - k >= 1)
        mac_filters<1>(acc + static_cast<ptrdiff_t>(k) * ld, ld, x, xoff, w + static_cast<ptrdiff_t>(k) * n, n);
}

}  // namespace dfsim::hw
