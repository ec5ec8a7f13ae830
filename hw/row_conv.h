// The MAC loop of a PE's 1-D row convolution, shared by the array's pass kinds:
// partial[f] += sum over t < S of w[t] * x[f*U + t], for f < F (x holds the padded row).
// Written as a stride-1 and a strided inner loop so the compiler vectorizes the common case.
#pragma once
#include <cstdint>

namespace dfsim::hw {

inline void row_conv(int32_t* partial, const int32_t* x, const int32_t* w, int S, int U, int F) {
    for (int t = 0; t < S; ++t) {
        const int32_t wv = w[t];
        const int32_t* xs = x + t;
        if (U == 1) {
            for (int f = 0; f < F; ++f) partial[f] += wv * xs[f];
        } else {
            for (int f = 0; f < F; ++f) partial[f] += wv * xs[f * U];
        }
    }
}

}  // namespace dfsim::hw
