// Run-length coding (RLC) of feature maps on the DRAM link, as in Eyeriss (Chen et al., JSSC 2017,
// Sec. IV-D, Fig. 13): a stream of values becomes (run, level) pairs, where run counts the zeros
// before a value and level is that value. Eyeriss packs three pairs of a 5-bit run and a 16-bit
// level into one 64-bit word (3 x 21 = 63 bits) and uses the remaining bit to mark the last word.
//
// Convention (the paper gives only the field widths and an example, so it is fixed here):
//  * Every pair (r, l) stands for r zeros followed by the value l, i.e. r + 1 values. A pair with
//    level 0 is therefore a run of r + 1 zeros; the longest run a pair holds is 2^run_bits zeros,
//    as (31, 0) = 32 zeros with 5-bit runs.
//  * A run of z zeros before a non-zero value v is floor(z / 32) pairs (31, 0) followed by
//    (z mod 32, v). Trailing zeros (z of them, at the end of the stream) are floor(z / 32) pairs
//    (31, 0) and, if z mod 32 = k > 0, a pair (k - 1, 0). So every value is coded explicitly and
//    decoding needs no out-of-band length; the decoder is still given n to check the stream.
//  * Pairs fill a word from bit 0 up: pair i occupies bits [i*(run_bits+level_bits), ...), run
//    in the low bits, level above it: the value's low level_bits bits (two's complement for the
//    signed range, the plain bits for an unsigned one; RlcParams::level_min). The last-word flag is the top bit
//    (word_bits - 1). Unused pair slots of the last word are zero. A zero slot reads as a pair
//    (0, 0), i.e. one zero value, so the stream has no count of its own: the decoder is given n
//    and stops there (a stream of n values also decodes, wrongly, as n + k values ending in
//    zeros for k up to the number of unused slots; the DMA knows its transfer's length).
//  * An empty stream is zero words (nothing is transferred).
//
// The size of a stream of n values with p pairs is ceil(p / pairs_per_word) words. Dense data
// (no zeros) is one pair per value: ceil(n / 3) words, i.e. 64/3 = 21.3 bits per value, more
// than the raw 8 or 16 bits. Compression only pays off on sparse data, so it must be optional.
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "config/arch.h"
#include "quant/format.h"

namespace dfsim {

// level_min: the smallest value a level holds; a level holds the 2^level_bits values from it up.
inline constexpr int64_t kSignedLevels = INT64_MIN;  // level_min: -2^(level_bits-1) (two's complement)

struct RlcParams {
    int run_bits = 5;  // 1..16
    int level_bits = 16;  // 2..32
    int pairs_per_word = 3;  // >= 1
    int word_bits = 64;  // <= 64; must hold pairs_per_word pairs plus the last-word bit
    int64_t level_min = kSignedLevels;  // or e.g. 0 for unsigned data (a level holds [0, 2^level_bits))
    bool operator==(const RlcParams&) const = default;
};

// The values a level of p holds, [first, second]: 2^level_bits of them from level_min (from
// -2^(level_bits-1) for kSignedLevels).
std::pair<int64_t, int64_t> level_range(const RlcParams& p);

// The code a DRAM link applies to words of word_bits holding values of format `values` under an
// architecture's layout (dram.rlc_layout): levels of the layout's width, or of the words' own width
// when the layout says 0 (then unsigned values get unsigned levels; words over 16 bits are not
// coded), and as many pairs a word as fit when it says 0. nullopt when the values do not fit a
// level (the link then moves them raw), or no pair fits a word.
std::optional<RlcParams> rlc_params_for(const RlcLayout& layout, int word_bits, const Format& values);
inline std::optional<RlcParams> rlc_params_for(const RlcLayout& layout, const Format& f) {
    return rlc_params_for(layout, f.bits, f);
}

// Throws std::invalid_argument if the fields do not fit in a word or are out of range.
void check_rlc_params(const RlcParams& p);

// Encodes data[0..n). Every value must fit `level_bits` bits signed, else std::invalid_argument.
std::vector<uint64_t> rlc_encode(const int32_t* data, size_t n, const RlcParams& p = {});

// Decodes a stream of exactly n values. Throws std::invalid_argument if the stream is not one
// that rlc_encode makes for n values: too short or too long, a value past n, a last-word flag
// missing from the last word or set on an earlier one, a non-zero unused slot.
std::vector<int32_t> rlc_decode(const std::vector<uint64_t>& words, size_t n, const RlcParams& p = {});

// rlc_encode(data, n, p).size() without building the stream: one pass over 64-value blocks as
// bit masks, no allocation (it runs on every DMA transfer; about 0.35 ns a value against 5 for
// rlc_encode on this machine, at any sparsity). Same errors as rlc_encode.
uint64_t rlc_encoded_words(const int32_t* data, size_t n, const RlcParams& p = {});
// The bits a DRAM link moves for that stream: its words times p.word_bits.
inline uint64_t rlc_encoded_bits(const int32_t* data, size_t n, const RlcParams& p = {}) {
    return rlc_encoded_words(data, n, p) * static_cast<uint64_t>(p.word_bits);
}

}  // namespace dfsim
