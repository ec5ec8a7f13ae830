// The MAC datapath's row convolutions of one row-stationary PE (hw/row_conv.h's MAC loop, over all
// of a PE's filters and channels at once), in the layout that lets them run on wide vector units:
// each ifmap row is split by phase (position mod the stride U) so that every tap reads a stride-1
// run, and the rows are padded so that whole vectors of output columns can be read.
#pragma once
#include <cstddef>
#include <cstdint>

namespace dfsim::hw {

// Output columns a MAC vector covers (the kernel computes F rounded up to this many).
inline constexpr int kMacLanes = 8;

// The phase-split rows of a pass and the taps' offsets into them. Row `r` holds words
// x[r * row_words + u * len + m] = row r's padded position m * U + u (0 past its end), for u < U.
struct MacRows {
    const int32_t* x = nullptr;
    size_t row_words = 0;  // U * len
    const int* off = nullptr;  // [t]: offset of tap t's run: (t % U) * len + t / U
    int S = 0, F = 0;
};

// The length of one phase of a row: room for tap (S - 1) / U plus F rounded up to whole vectors.
inline int mac_phase_len(int S, int U, int F) { return (S - 1) / U + (F + kMacLanes - 1) / kMacLanes * kMacLanes; }

// Splits the Wn words of padded row `x` by phase into `out` (U * len words, zeros past the row).
void mac_phase_row(const int32_t* x, int Wn, int U, int len, int32_t* out);

// For k < p and f < F: acc[k * F + f] += the int32 sum over jj < q, t < S of
// w[(k * q + jj) * S + t] * x(rows[jj], off[t] + f), the sum formed in int32 like row_conv's.
void mac_rows(int64_t* acc, const MacRows& xr, const int* rows, const int32_t* w, int p, int q);

}  // namespace dfsim::hw
