// FNV-1a, 64 bits: the one non-cryptographic hash dfsim uses (file names made from keys or
// names, keys of data values, in-memory hash maps). Deterministic across runs and machines.
#pragma once
#include <cstdint>
#include <string_view>

namespace dfsim {

struct Fnv1a64 {
    uint64_t h = 14695981039346656037ULL;
    void byte(unsigned char b) { h = (h ^ b) * 1099511628211ULL; }
    void bytes(std::string_view s) {
        for (char c : s) byte(static_cast<unsigned char>(c));
    }
    void u32_le(uint32_t x) {  // its four bytes, least significant first
        for (int b = 0; b < 4; ++b) byte(static_cast<unsigned char>((x >> (8 * b)) & 0xFF));
    }
    void word(uint32_t x) { h = (h ^ x) * 1099511628211ULL; }  // a whole word in one step (hash maps)
};

inline uint64_t fnv1a64(std::string_view s) {
    Fnv1a64 f;
    f.bytes(s);
    return f.h;
}

}  // namespace dfsim
