// `dfsim quantize`: reads a float32 NumPy .npy tensor, quantizes it (quant/quantize.h), writes
// the integer codes as .npy and the scales and zero points as a JSON sidecar, and prints a short
// report (scheme, scales, zero fraction, SQNR, largest error).
//
// The codes are written as the library holds them, centred (real = scale[c] * code, c the index
// of dimension 0 when there is one scale per channel); the integer of the chosen format is
// code + zero_point[c]. Their dtype is the smallest of int8, int16, int32 that holds them all.
// The shape is the input's. Both files are written atomically, and only once everything has
// been checked and computed: a bad option or input writes nothing.
#pragma once
#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

namespace dfsim {

// The command line as given. The optional fields are those that only some schemes use: giving
// one to a scheme that does not use it is an error rather than silently ignored.
struct QuantizeOptions {
    std::string in;                    // float32 .npy, C order, 1 to 4 dimensions
    std::string out;                   // codes .npy
    std::string sidecar;               // scales JSON; empty: `out` with .npy replaced by .json
    std::string scheme = "linear";     // linear | fixed | ternary | binary
    std::optional<int> bits;           // linear [8]
    bool asymmetric = false;           // linear
    bool is_unsigned = false;          // linear
    bool per_channel = false;          // linear, ternary, binary
    std::optional<int> il, fl;         // fixed [4, 4]
    std::string rounding = "nearest";  // nearest | stochastic (linear, fixed)
    uint64_t seed = 1;                 // stochastic rounding
    double prune = 0.0;                // magnitude pruning to this sparsity first, [0, 1)
    std::optional<double> threshold;   // ternary: delta = threshold * mean|w| [0.7]
};

// Runs the command: 0 when done; 2 after one "dfsim: error: ..." line on `err` naming the
// option or file at fault, for any bad option, unreadable or malformed input, or unwritable
// output (nothing is written then). The report goes to `out`.
int run_quantize(const QuantizeOptions& o, std::ostream& out, std::ostream& err);

}  // namespace dfsim
