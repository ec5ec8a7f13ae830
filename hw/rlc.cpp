#include "hw/rlc.h"

#include <algorithm>
#include <bit>
#include <climits>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>
#include <tuple>

namespace dfsim {

namespace {

// The derived constants of a parameter set.
struct Layout {
    int pair_bits;  // run_bits + level_bits
    uint32_t max_run;  // 2^run_bits - 1
    uint32_t chunk;  // zeros held by one (max_run, 0) pair: max_run + 1
    uint64_t run_mask, level_mask, pair_mask;
    int64_t lo, hi;  // range of a level
    uint64_t last_bit;  // the last-word flag
};

Layout layout_of(const RlcParams& p) {
    check_rlc_params(p);
    Layout l;
    l.pair_bits = p.run_bits + p.level_bits;
    l.max_run = (uint32_t{1} << p.run_bits) - 1;
    l.chunk = l.max_run + 1;
    l.run_mask = l.max_run;
    l.level_mask = (uint64_t{1} << p.level_bits) - 1;
    l.pair_mask = (uint64_t{1} << l.pair_bits) - 1;
    std::tie(l.lo, l.hi) = level_range(p);
    l.last_bit = uint64_t{1} << (p.word_bits - 1);
    return l;
}

[[noreturn]] void throw_range(const char* who, int32_t v, size_t i, const RlcParams& p, const Layout& l) {
    throw std::invalid_argument(std::string(who) + ": value " + std::to_string(v) + " at index " + std::to_string(i) +
                                " does not fit a " + std::to_string(p.level_bits) + "-bit " +
                                (p.level_min == kSignedLevels ? "signed " : "") + "level [" + std::to_string(l.lo) +
                                ", " + std::to_string(l.hi) + "]");
}

uint64_t byteswap64(uint64_t x) {
    uint64_t r = 0;
    for (int k = 0; k < 8; ++k) r |= ((x >> (8 * k)) & 0xFF) << (8 * (7 - k));
    return r;
}

[[noreturn]] void throw_stream(const std::string& what) { throw std::invalid_argument("rlc_decode: " + what); }

// Appends pairs to words, pairs_per_word to a word, from bit 0 up.
class PairWriter {
public:
    PairWriter(const RlcParams& p, const Layout& l, std::vector<uint64_t>& out) : m_p(p), m_l(l), m_out(out) {}
    void put(uint32_t run, int32_t level) {
        const uint64_t field =
            run | ((static_cast<uint64_t>(static_cast<uint32_t>(level)) & m_l.level_mask) << m_p.run_bits);
        m_word |= field << (m_slot * m_l.pair_bits);
        if (++m_slot == m_p.pairs_per_word) flush();
    }
    // Writes a partly filled last word and sets the last-word flag.
    void finish() {
        if (m_slot > 0) flush();
        if (!m_out.empty()) m_out.back() |= m_l.last_bit;
    }

private:
    void flush() {
        m_out.push_back(m_word);
        m_word = 0;
        m_slot = 0;
    }
    const RlcParams& m_p;
    const Layout& m_l;
    std::vector<uint64_t>& m_out;
    uint64_t m_word = 0;
    int m_slot = 0;
};

}  // namespace

void check_rlc_params(const RlcParams& p) {
    auto bad = [](const std::string& what) { throw std::invalid_argument("RlcParams: " + what); };
    if (p.run_bits < 1 || p.run_bits > 16) bad("run_bits must be in [1, 16], got " + std::to_string(p.run_bits));
    if (p.level_bits < 2 || p.level_bits > 32)
        bad("level_bits must be in [2, 32], got " + std::to_string(p.level_bits));
    if (p.pairs_per_word < 1) bad("pairs_per_word must be >= 1, got " + std::to_string(p.pairs_per_word));
    if (p.word_bits < 2 || p.word_bits > 64) bad("word_bits must be in [2, 64], got " + std::to_string(p.word_bits));
    if (p.level_min != kSignedLevels && (p.level_min < INT32_MIN || level_range(p).second > int64_t{UINT32_MAX}))
        bad("level_min " + std::to_string(p.level_min) + " puts the levels outside 32-bit values");
    const int64_t need = int64_t{p.pairs_per_word} * (p.run_bits + p.level_bits) + 1;
    if (need > p.word_bits)
        bad(std::to_string(p.pairs_per_word) + " pairs of " + std::to_string(p.run_bits) + "+" +
            std::to_string(p.level_bits) + " bits and the last-word bit need " + std::to_string(need) +
            " bits, more than word_bits = " + std::to_string(p.word_bits));
}

std::vector<uint64_t> rlc_encode(const int32_t* data, size_t n, const RlcParams& p) {
    const Layout l = layout_of(p);
    std::vector<uint64_t> words;
    PairWriter w(p, l, words);
    uint32_t run = 0;  // zeros not yet emitted, < chunk
    for (size_t i = 0; i < n; ++i) {
        const int32_t v = data[i];
        if (v < l.lo || v > l.hi) throw_range("rlc_encode", v, i, p, l);
        if (v != 0) {
            w.put(run, v);
            run = 0;
        } else if (++run == l.chunk) {
            w.put(l.max_run, 0);  // max_run zeros and a zero level: chunk zeros
            run = 0;
        }
    }
    if (run > 0) w.put(run - 1, 0);  // trailing zeros: run - 1 zeros and a zero level
    w.finish();
    return words;
}

std::vector<int32_t> rlc_decode(const std::vector<uint64_t>& words, size_t n, const RlcParams& p) {
    const Layout l = layout_of(p);
    // bits of a word that are neither a pair slot nor the last-word flag
    const int used = p.pairs_per_word * l.pair_bits;
    const uint64_t spare_mask = ~(((uint64_t{1} << used) - 1) | l.last_bit);  // used <= 63
    std::vector<int32_t> out;
    out.reserve(n);
    for (size_t k = 0; k < words.size(); ++k) {
        const uint64_t word = words[k];
        const bool last = (word & l.last_bit) != 0;
        if (last != (k + 1 == words.size()))
            throw_stream("word " + std::to_string(k) + " of " + std::to_string(words.size()) +
                         (last ? " has the last-word flag before the end" : " is the last but has no last-word flag"));
        if (word & spare_mask) throw_stream("word " + std::to_string(k) + " has bits set outside its pairs");
        if (out.size() == n)
            throw_stream("stream longer than " + std::to_string(n) + " values (" + std::to_string(words.size()) +
                         " words, " + std::to_string(k) + " needed)");
        for (int s = 0; s < p.pairs_per_word; ++s) {
            const uint64_t field = (word >> (s * l.pair_bits)) & l.pair_mask;
            if (out.size() == n) {  // unused slots of the last word
                if (field != 0) throw_stream("non-zero pair after the " + std::to_string(n) + " values");
                continue;
            }
            const uint32_t run = static_cast<uint32_t>(field & l.run_mask);
            const uint64_t raw = (field >> p.run_bits) & l.level_mask;
            // the value of the level's range whose low level_bits bits are raw (two's complement
            // sign extension for the signed range)
            const int64_t span = int64_t{1} << p.level_bits;
            const int64_t level = l.lo + ((static_cast<int64_t>(raw) - l.lo) % span + span) % span;
            if (out.size() + run + 1 > n)
                throw_stream("pair (" + std::to_string(run) + ", " + std::to_string(level) + ") in word " +
                             std::to_string(k) + " goes past the " + std::to_string(n) + " values");
            out.insert(out.end(), run, 0);
            out.push_back(static_cast<int32_t>(level));
        }
    }
    if (out.size() != n)
        throw_stream("stream of " + std::to_string(words.size()) + " words holds " + std::to_string(out.size()) +
                     " values, expected " + std::to_string(n));
    return out;
}

uint64_t rlc_encoded_words(const int32_t* data, size_t n, const RlcParams& p) {
    const Layout l = layout_of(p);
    // Pairs: one per non-zero value, plus floor(z / chunk) for each run of z zeros ended by a
    // non-zero value, plus ceil(z / chunk) for the trailing run (as rlc_encode emits them).
    // Work 64 values at a time on a bit mask of the non-zero ones, so that a block costs a few
    // bit operations whatever its zeros (rather than a dependent step per value).
    const uint32_t lo = static_cast<uint32_t>(l.lo), span = static_cast<uint32_t>(l.hi - l.lo);
    uint64_t pairs = 0;
    uint64_t run = 0;  // zeros at the end of the blocks so far, not yet ended by a non-zero value
    uint32_t bad = 0;
    size_t i = 0;
    const auto low_bits = [](int k) { return k >= 64 ? ~uint64_t{0} : (uint64_t{1} << k) - 1; };
    // Adds the pairs of a block of len values whose non-zero ones are the set bits of nonzero.
    // Only runs of at least chunk zeros add pairs beyond the non-zero values: the run at the
    // start of the block (which continues the run carried from the blocks before), the run at its
    // end (carried into the next block) and, rarely, a long run in between.
    const auto add_block = [&](uint64_t nonzero, int len) {
        pairs += static_cast<uint64_t>(std::popcount(nonzero));
        const uint64_t zero = ~nonzero & low_bits(len);
        const int lead = std::countr_one(zero);  // zeros before the first non-zero value
        if (lead == len) {  // no non-zero value: the carried run goes on
            run += static_cast<uint64_t>(len);
            return;
        }
        pairs += (run + static_cast<uint64_t>(lead)) / l.chunk;  // ended by the first non-zero value
        const int trail = std::countl_one(zero << (64 - len));  // zeros after the last non-zero value
        run = static_cast<uint64_t>(trail);
        const int first = lead, last = len - 1 - trail;  // first and last non-zero value
        uint64_t inner = zero & low_bits(last) & ~low_bits(first + 1);
        if (l.chunk > 62) return;  // no run in between can be that long
        uint64_t has_long = inner;  // bit i set iff inner has chunk ones from bit i up
        for (int sh = 1; sh < static_cast<int>(l.chunk); sh *= 2) has_long &= has_long >> sh;
        while (has_long && inner) {  // each run of zeros in between, lowest first
            const int start = std::countr_zero(inner);
            pairs += static_cast<uint64_t>(std::countr_one(inner >> start)) / l.chunk;
            inner &= inner + (inner & (~inner + 1));  // clear the lowest run of ones
        }
    };
    for (; i + 64 <= n; i += 64) {
        // 0/1 bytes first (the compiler vectorizes this), then 8 bytes to 8 bits by a multiply
        uint8_t flag[64];
        for (int j = 0; j < 64; ++j) {
            const uint32_t v = static_cast<uint32_t>(data[i + j]);
            bad |= (v - lo) > span;
            flag[j] = v != 0;
        }
        uint64_t nonzero = 0;
        for (int g = 0; g < 8; ++g) {
            uint64_t x;
            std::memcpy(&x, flag + 8 * g, 8);
            if constexpr (std::endian::native == std::endian::big) x = byteswap64(x);
            nonzero |= ((x * 0x0102040810204080ULL) >> 56) << (8 * g);
        }
        add_block(nonzero, 64);
    }
    if (i < n) {
        uint64_t nonzero = 0;
        const int len = static_cast<int>(n - i);
        for (int j = 0; j < len; ++j) {
            const uint32_t v = static_cast<uint32_t>(data[i + j]);
            bad |= (v - lo) > span;
            nonzero |= static_cast<uint64_t>(v != 0) << j;
        }
        add_block(nonzero, len);
    }
    pairs += (run + l.chunk - 1) / l.chunk;  // trailing zeros
    if (bad)
        for (size_t k = 0; k < n; ++k)
            if (data[k] < l.lo || data[k] > l.hi) throw_range("rlc_encoded_words", data[k], k, p, l);
    return (pairs + p.pairs_per_word - 1) / p.pairs_per_word;
}

std::pair<int64_t, int64_t> level_range(const RlcParams& p) {
    const int64_t lo = p.level_min == kSignedLevels ? -(int64_t{1} << (p.level_bits - 1)) : p.level_min;
    return {lo, lo + (int64_t{1} << p.level_bits) - 1};
}

std::optional<RlcParams> rlc_params_for(const RlcLayout& layout, int word_bits, const Format& values) {
    RlcParams p;
    p.run_bits = layout.run_bits;
    p.word_bits = layout.word_bits;
    if (layout.level_bits == 0 && word_bits > 16) return std::nullopt;  // e.g. 32-bit psums: raw
    p.level_bits = layout.level_bits > 0 ? layout.level_bits : std::max(2, word_bits);  // binary +-1: 2-bit levels
    if (layout.level_bits == 0 && !values.is_signed && !values.binary) p.level_min = 0;
    const auto [lo, hi] = level_range(p);
    if (values.min() < lo || values.max() > hi) return std::nullopt;
    p.pairs_per_word =
        layout.pairs_per_word > 0 ? layout.pairs_per_word : (p.word_bits - 1) / (p.run_bits + p.level_bits);
    if (p.pairs_per_word < 1) return std::nullopt;
    check_rlc_params(p);
    return p;
}

}  // namespace dfsim
