// Deterministic random numbers, identical on every platform and standard library
// (std::*_distribution is implementation-defined, so it is not used).
#pragma once
#include <cmath>
#include <cstdint>

namespace dfsim {

// SplitMix64 (Steele, Lea, Flood 2014): small, fast, passes BigCrush; fine for test data.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    static constexpr uint64_t kGamma = 0x9E3779B97F4A7C15ULL;  // the state's step
    uint64_t next_u64() { return mix(m_state += kGamma); }
    // Uniform in [0, 1) with 53 bits.
    double uniform() { return to_uniform(next_u64()); }
    // The draw a state gives, and a draw's uniform: what next_u64 and uniform() return, for code
    // that draws in blocks (the k-th draw after the state s is mix(s + k * kGamma), k >= 1).
    static uint64_t mix(uint64_t z) {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    static double to_uniform(uint64_t draw) { return static_cast<double>(draw >> 11) * 0x1.0p-53; }
    uint64_t state() const { return m_state; }
    void skip(uint64_t draws) { m_state += draws * kGamma; }  // as after that many next_u64()
    // Uniform integer in [lo, hi] (inclusive); small modulo bias is irrelevant for test data.
    int64_t uniform_int(int64_t lo, int64_t hi) {
        uint64_t span = static_cast<uint64_t>(hi - lo) + 1;
        return lo + static_cast<int64_t>(next_u64() % span);
    }
    // Standard normal by Box-Muller (uses two uniforms per call; deterministic).
    double normal() {
        double u1 = uniform();
        double u2 = uniform();
        return normal_from(u1, u2);
    }
    // The normal() of the uniforms u1, u2 (in that order).
    static double normal_from(double u1, double u2) {
        if (u1 < 1e-300) u1 = 1e-300;
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    // Standard Laplace (scale 1) by inversion.
    double laplace() {
        double u = uniform() - 0.5;
        double a = 1.0 - 2.0 * std::fabs(u);
        if (a < 1e-300) a = 1e-300;
        return (u < 0 ? 1.0 : -1.0) * std::log(a);
    }

private:
    uint64_t m_state;
};

}  // namespace dfsim
