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

// Psums a filter's row of output columns takes in the kernel's accumulator: F rounded up to whole
// vectors (the columns past F hold nothing of use).
inline int mac_stride(int F) { return (F + kMacLanes - 1) / kMacLanes * kMacLanes; }

// The length of one phase of a split row: room for tap (S - 1) / U plus mac_stride(F) columns. A
// split row holds words [u * len + m] = the padded row's position m * U + u (0 past its end), for
// u < U, so that tap t's run of columns starts at (t % U) * len + t / U.
inline int mac_phase_len(int S, int U, int F) { return (S - 1) / U + mac_stride(F); }

// Splits the Wn words of padded row `x` by phase into `out` (U * len words).
void mac_phase_row(const int32_t* x, int Wn, int U, int len, int32_t* out);

// For k < p and f < mac_stride(F): acc[k * mac_stride(F) + f] += the int32 sum over i < n of
// w[k * n + i] * x[xoff[i] + f], the sum formed in int32 like row_conv's. A PE's n = q * S
// (channel, tap) pairs: xoff[jj * S + t] = the start of its channel jj's split row + tap t's offset.
void mac_rows(int64_t* acc, const int32_t* x, const int* xoff, const int32_t* w, int p, int n, int F);

}  // namespace dfsim::hw
