// The quantizer (quant/quantize.h): stochastic and nearest rounding, <IL,FL> fixed point,
// linear k-bit (symmetric/asymmetric, per tensor/per channel), magnitude pruning, ternary and
// binary weights; and the `dfsim quantize` command. Every expected number is worked out by hand
// in the comment beside it.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <vector>

#include "quant/quantize.h"
#include "base/rng.h"
#include "tests/cli_fixture.h"

using namespace dfsim;

namespace {

FloatTensor tensor(std::array<int, 4> dim, std::vector<float> v) {
    FloatTensor t;
    t.dim = dim;
    t.data = std::move(v);
    return t;
}

FloatTensor gaussian(int d0, int rest, uint64_t seed) {
    FloatTensor t(d0, rest, 1, 1);
    Rng rng(seed);
    for (float& v : t.data) v = static_cast<float>(rng.normal());
    return t;
}

std::vector<int32_t> codes(const Quantized& q) { return q.values.data; }

// Mean of `n` stochastic roundings of v, and the standard error of that mean for a value that
// rounds to floor(v) or floor(v)+1 with p = frac(v): sqrt(p(1-p)/n).
struct MeanSe {
    double mean, se;
};
MeanSe stochastic_mean(double v, int n, uint64_t seed) {
    Rng rng(seed);
    double sum = 0;
    const double f = std::floor(v), p = v - f;
    for (int i = 0; i < n; ++i) {
        const double r = round_stochastic(v, rng);
        EXPECT_TRUE(r == f || r == f + 1) << r;  // only the two neighbours
        sum += r;
    }
    return {sum / n, std::sqrt(p * (1 - p) / n)};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Rounding

TEST(QuantRounding, StochasticIsUnbiasedNearestIsNot) {
    const int n = 200000;
    // 0.3: 0 or 1, p(1) = 0.3; se = sqrt(0.21/200000) = 0.00102
    MeanSe a = stochastic_mean(0.3, n, 7);
    EXPECT_NEAR(a.se, 0.001025, 1e-5);
    EXPECT_NEAR(a.mean, 0.3, 4 * a.se);
    // -1.7: floor -2, frac 0.3: -2 with p 0.7, -1 with p 0.3, mean -1.7
    MeanSe b = stochastic_mean(-1.7, n, 8);
    EXPECT_NEAR(b.mean, -1.7, 4 * b.se);
    // an integer never moves (frac 0: u < 0 never holds)
    MeanSe c = stochastic_mean(3.0, 1000, 9);
    EXPECT_EQ(c.mean, 3.0);
    // nearest: every sample is round(0.3) = 0, so the mean is 0, off by 0.3 (~290 standard errors)
    double sum = 0;
    for (int i = 0; i < n; ++i) sum += std::round(0.3);
    EXPECT_EQ(sum / n, 0.0);
    EXPECT_GT(std::fabs(sum / n - 0.3), 100 * a.se);
}

TEST(QuantRounding, StochasticIsDeterministicPerSeed) {
    Rng r1(42), r2(42), r3(43);
    std::vector<double> s1, s2, s3;
    for (int i = 0; i < 1000; ++i) {
        s1.push_back(round_stochastic(0.3, r1));
        s2.push_back(round_stochastic(0.3, r2));
        s3.push_back(round_stochastic(0.3, r3));
    }
    EXPECT_EQ(s1, s2);
    EXPECT_NE(s1, s3);  // equal only with probability ~0.58^1000
}

// ---------------------------------------------------------------------------------------------
// Fixed point <IL,FL>

TEST(QuantFixed, StepRangeAndSaturation) {
    // <4,4>: step 1/16 = 0.0625; max 2^3 - 1/16 = 7.9375; min -2^3 = -8
    EXPECT_EQ(to_fixed(100.0, 4, 4, Rounding::Nearest, nullptr), 7.9375);
    EXPECT_EQ(to_fixed(-100.0, 4, 4, Rounding::Nearest, nullptr), -8.0);
    EXPECT_EQ(to_fixed(7.9375, 4, 4, Rounding::Nearest, nullptr), 7.9375);
    EXPECT_EQ(to_fixed(-8.0, 4, 4, Rounding::Nearest, nullptr), -8.0);
    EXPECT_EQ(to_fixed(0.3, 4, 4, Rounding::Nearest, nullptr), 0.3125);  // 0.3*16 = 4.8 -> 5
    EXPECT_EQ(to_fixed(-0.3, 4, 4, Rounding::Nearest, nullptr), -0.3125);  // symmetric
    EXPECT_EQ(to_fixed(0.03, 4, 4, Rounding::Nearest, nullptr), 0.0);  // 0.48 -> 0
    EXPECT_EQ(to_fixed(std::numeric_limits<double>::infinity(), 4, 4, Rounding::Nearest, nullptr), 7.9375);
    // <8,8>: step 1/256; max 128 - 1/256 = 127.99609375; min -128
    EXPECT_EQ(to_fixed(1000.0, 8, 8, Rounding::Nearest, nullptr), 127.99609375);
    EXPECT_EQ(to_fixed(-1000.0, 8, 8, Rounding::Nearest, nullptr), -128.0);
    EXPECT_EQ(to_fixed(1.0 / 3, 8, 8, Rounding::Nearest, nullptr), 85.0 / 256);  // 85.33 -> 85
    // <1,7> (Q0.7): step 1/128; range [-1, 1 - 1/128 = 0.9921875]
    EXPECT_EQ(to_fixed(2.0, 1, 7, Rounding::Nearest, nullptr), 0.9921875);
    EXPECT_EQ(to_fixed(-2.0, 1, 7, Rounding::Nearest, nullptr), -1.0);
    EXPECT_EQ(to_fixed(0.5, 1, 7, Rounding::Nearest, nullptr), 0.5);
    // <16,0>: integers [-32768, 32767]; ties go away from zero
    EXPECT_EQ(to_fixed(2.5, 16, 0, Rounding::Nearest, nullptr), 3.0);
    EXPECT_EQ(to_fixed(-2.5, 16, 0, Rounding::Nearest, nullptr), -3.0);
    EXPECT_EQ(to_fixed(40000.0, 16, 0, Rounding::Nearest, nullptr), 32767.0);

    // every result is a multiple of the step and within one step/2 of an in-range input
    Rng rng(3);
    for (int i = 0; i < 10000; ++i) {
        const double v = (rng.uniform() - 0.5) * 15.0;  // in [-7.5, 7.5): inside <4,4>
        const double f = to_fixed(v, 4, 4, Rounding::Nearest, nullptr);
        EXPECT_EQ(f * 16, std::floor(f * 16));
        EXPECT_LE(std::fabs(f - v), 1.0 / 32);
    }
}

TEST(QuantFixed, StochasticFixedIsUnbiased) {
    // <4,4>: 0.3 lies between 0.25 (4/16) and 0.3125 (5/16), 0.8 of a step above 0.25, so it
    // rounds up with p = 0.8: mean 0.25 + 0.8/16 = 0.3; sd = (1/16) sqrt(0.16) = 0.025;
    // se over 200000 = 5.59e-5
    Rng rng(11);
    const int n = 200000;
    double sum = 0;
    for (int i = 0; i < n; ++i) {
        const double f = to_fixed(0.3, 4, 4, Rounding::Stochastic, &rng);
        EXPECT_TRUE(f == 0.25 || f == 0.3125) << f;
        sum += f;
    }
    EXPECT_NEAR(sum / n, 0.3, 4 * 0.025 / std::sqrt(double(n)));
    // saturation happens after rounding: 100 is out of range whatever the draw
    EXPECT_EQ(to_fixed(100.0, 4, 4, Rounding::Stochastic, &rng), 7.9375);
}

TEST(QuantFixed, QuantizeGivesCodesTimesTwoToTheFl) {
    QuantSpec s;
    s.scheme = QuantScheme::Fixed;
    s.il = 4;
    s.fl = 4;
    // codes = value * 16 rounded, saturated to [-128, 127]:
    // 0.3 -> 4.8 -> 5; 100 -> 127; -100 -> -128; -0.03 -> -0.48 -> 0; 1.5 -> 24
    Quantized q = quantize(tensor({5, 1, 1, 1}, {0.3f, 100.0f, -100.0f, -0.03f, 1.5f}), s);
    EXPECT_EQ(codes(q), (std::vector<int32_t>{5, 127, -128, 0, 24}));
    ASSERT_EQ(q.scale.size(), 1u);
    EXPECT_EQ(q.scale[0], 0.0625);
    EXPECT_EQ(q.zero_point, std::vector<int32_t>{0});
    EXPECT_EQ(q.bits, 8);
    EXPECT_TRUE(q.is_signed);
    EXPECT_EQ(q.saturated, 2u);
    EXPECT_DOUBLE_EQ(q.zero_fraction, 0.2);  // one zero code of 5
    // dequantized 0.3125, 7.9375, -8, 0, 1.5: errors .0125, 92.0625, 92, .03, 0
    EXPECT_NEAR(q.max_abs_error, 92.0625, 1e-9);
}

// ---------------------------------------------------------------------------------------------
// Linear k-bit

TEST(QuantLinear, SymmetricSignedPerTensorByHand) {
    QuantSpec s;
    s.bits = 4;  // codes in [-7, 7]
    // max|x| = 1.4, scale = 1.4 / 7 = 0.2; x/scale = 7, -2.25, 1.3, 0, -5, 3.05
    Quantized q = quantize(tensor({6, 1, 1, 1}, {1.4f, -0.45f, 0.26f, 0.0f, -1.0f, 0.61f}), s);
    EXPECT_EQ(codes(q), (std::vector<int32_t>{7, -2, 1, 0, -5, 3}));
    ASSERT_EQ(q.scale.size(), 1u);
    EXPECT_NEAR(q.scale[0], 0.2, 1e-7);
    EXPECT_EQ(q.zero_point, std::vector<int32_t>{0});
    // dequantized 1.4, -0.4, 0.2, 0, -1.0, 0.6: errors 0, .05, .06, 0, 0, .01
    EXPECT_NEAR(q.max_abs_error, 0.06, 1e-6);
    EXPECT_NEAR(q.zero_fraction, 1.0 / 6, 1e-12);
    // SQNR: sum x^2 = 1.96+.2025+.0676+1+.3721 = 3.6022; sum e^2 = .0025+.0036+.0001 = .0062
    EXPECT_NEAR(q.sqnr_db, 10 * std::log10(3.6022 / 0.0062), 0.01);  // 27.64 dB
    FloatTensor d = dequantize(q);
    EXPECT_NEAR(d.data[1], -0.4f, 1e-6);
    EXPECT_NEAR(d.data[5], 0.6f, 1e-6);
}

TEST(QuantLinear, SymmetricSignedPerChannelByHand) {
    QuantSpec s;
    s.bits = 4;
    s.per_channel = true;
    // channel 0 {1.4, -0.45, 0.26}: scale 0.2, codes 7, -2, 1
    // channel 1 {0, -1.0, 0.61}: max 1.0, scale 1/7; x/scale = 0, -7, 4.27 -> 0, -7, 4
    Quantized q = quantize(tensor({2, 3, 1, 1}, {1.4f, -0.45f, 0.26f, 0.0f, -1.0f, 0.61f}), s);
    EXPECT_EQ(codes(q), (std::vector<int32_t>{7, -2, 1, 0, -7, 4}));
    ASSERT_EQ(q.scale.size(), 2u);
    EXPECT_NEAR(q.scale[0], 0.2, 1e-7);
    EXPECT_NEAR(q.scale[1], 1.0 / 7, 1e-7);
    EXPECT_EQ(q.zero_point, (std::vector<int32_t>{0, 0}));
    FloatTensor d = dequantize(q);
    EXPECT_NEAR(d.data[5], 4.0 / 7, 1e-6);  // 0.5714: error 0.0386 < scale/2 = 0.0714
}

TEST(QuantLinear, AsymmetricByHand) {
    // 4 bits, min -1, max 2: scale = 3 / 15 = 0.2. x/scale = -5, 2.25, 10, 0, 5.75, -1.65
    // -> rounded -5, 2, 10, 0, 6, -2 (the centred codes, whatever the integer format)
    const FloatTensor x = tensor({6, 1, 1, 1}, {-1.0f, 0.45f, 2.0f, 0.0f, 1.15f, -0.33f});
    const std::vector<int32_t> centred{-5, 2, 10, 0, 6, -2};
    QuantSpec s;
    s.bits = 4;
    s.symmetric = false;
    s.is_signed = false;  // [0, 15]: zero point = round(0 - (-1)/0.2) = 5; stored 0,7,15,5,11,3
    Quantized u = quantize(x, s);
    EXPECT_EQ(codes(u), centred);
    EXPECT_NEAR(u.scale[0], 0.2, 1e-7);
    EXPECT_EQ(u.zero_point, std::vector<int32_t>{5});
    EXPECT_EQ(u.saturated, 0u);
    s.is_signed = true;  // [-8, 7]: zero point = round(-8 + 5) = -3; stored -8,-1,7,-3,3,-5
    Quantized q = quantize(x, s);
    EXPECT_EQ(codes(q), centred);
    EXPECT_EQ(q.zero_point, std::vector<int32_t>{-3});
    EXPECT_FALSE(u.is_signed);
    EXPECT_TRUE(q.is_signed);
    // the stored integers fit the format
    for (int32_t c : codes(q)) {
        EXPECT_GE(c + q.zero_point[0], -8);
        EXPECT_LE(c + q.zero_point[0], 7);
    }
    // all-positive data: the range is widened to [0, 3] so that 0 stays representable;
    // 8-bit unsigned: scale 3/255, zero point 0; 1.0 -> 85, 3.0 -> 255
    s.bits = 8;
    s.is_signed = false;
    Quantized p = quantize(tensor({2, 1, 1, 1}, {1.0f, 3.0f}), s);
    EXPECT_EQ(p.zero_point, std::vector<int32_t>{0});
    EXPECT_NEAR(p.scale[0], 3.0 / 255, 1e-9);
    EXPECT_EQ(codes(p), (std::vector<int32_t>{85, 255}));
}

TEST(QuantLinear, UnsignedSymmetricClampsNegativesAtZero) {
    QuantSpec s;
    s.bits = 4;
    s.is_signed = false;  // [0, 15], scale = max / 15 = 3 / 15 = 0.2
    // x/scale = 0, 6.25, 15, -1 (clamped to 0), 3.75 -> 0, 6, 15, 0, 4
    Quantized q = quantize(tensor({5, 1, 1, 1}, {0.0f, 1.25f, 3.0f, -0.2f, 0.75f}), s);
    EXPECT_EQ(codes(q), (std::vector<int32_t>{0, 6, 15, 0, 4}));
    EXPECT_NEAR(q.scale[0], 0.2, 1e-7);
    EXPECT_EQ(q.saturated, 1u);
    EXPECT_NEAR(q.max_abs_error, 0.2, 1e-6);  // -0.2 -> 0
}

TEST(QuantLinear, ErrorAtMostHalfAStep) {
    const FloatTensor x = gaussian(8, 500, 5);
    for (bool sym : {true, false})
        for (bool pc : {false, true})
            for (int bits : {2, 4, 8}) {
                QuantSpec s;
                s.bits = bits;
                s.symmetric = sym;
                s.per_channel = pc;
                Quantized q = quantize(x, s);
                FloatTensor d = dequantize(q);
                ASSERT_EQ(q.scale.size(), pc ? 8u : 1u);
                const size_t group = pc ? 500 : x.size();
                for (size_t i = 0; i < x.size(); ++i) {
                    const double step = q.scale[i / group];
                    // scale/2, plus float rounding of the dequantized value
                    ASSERT_LE(std::fabs(double{x.data[i]} - d.data[i]),
                              step / 2 * (1 + 1e-6) + 1e-6 * std::fabs(x.data[i]))
                        << "sym " << sym << " per_channel " << pc << " bits " << bits << " i " << i;
                }
                EXPECT_EQ(q.saturated, 0u);
                EXPECT_LE(q.max_abs_error, *std::max_element(q.scale.begin(), q.scale.end()) / 2 * (1 + 1e-6) + 1e-5);
                // per channel, each channel's scale comes from its own max|x|
                if (pc && sym) {
                    double m = 0;
                    for (size_t i = 500; i < 1000; ++i) m = std::max(m, std::fabs(double{x.data[i]}));
                    EXPECT_NEAR(q.scale[1], m / ((1 << (bits - 1)) - 1), 1e-12);
                }
            }
}

TEST(QuantLinear, SqnrGainsAboutSixDbPerBit) {
    const FloatTensor x = gaussian(1, 100000, 17);
    QuantSpec s;
    s.bits = 8;
    Quantized q8 = quantize(x, s);
    s.bits = 4;
    Quantized q4 = quantize(x, s);
    // the SQNR from its definition, on the dequantized tensor
    FloatTensor d = dequantize(q8);
    double sx = 0, se = 0;
    for (size_t i = 0; i < x.size(); ++i) {
        sx += double{x.data[i]} * x.data[i];
        se += (double{x.data[i]} - d.data[i]) * (double{x.data[i]} - d.data[i]);
    }
    EXPECT_NEAR(q8.sqnr_db, 10 * std::log10(sx / se), 1e-9);
    // step ratio 127/7 = 18.1: 20 log10(18.1) = 25.2 dB (6.02 dB/bit would give 24.1)
    const double gain = q8.sqnr_db - q4.sqnr_db;
    EXPECT_GT(gain, 18.0);
    EXPECT_LT(gain, 30.0);
    // 8 bits: step = max|x|/127 with max|x| about 4.4 sigma: noise step^2/12 = 1.0e-4, 40 dB
    EXPECT_GT(q8.sqnr_db, 37.0);
    EXPECT_LT(q8.sqnr_db, 43.0);
}

TEST(QuantLinear, StochasticRoundingKeepsTheMean) {
    // one 1.0 sets scale = 1/127; 0.3 is 38.1 steps: nearest gives 38 every time (mean real
    // value 38/127 = 0.29921, 0.0008 low), stochastic 38 or 39 with mean 38.1 (se of the mean
    // of n codes: sqrt(0.09/n) = 0.00095 codes for n = 99999)
    FloatTensor x(100000, 1, 1, 1);
    std::fill(x.data.begin(), x.data.end(), 0.3f);
    x.data[0] = 1.0f;
    QuantSpec s;
    s.rounding = Rounding::Stochastic;
    s.seed = 5;
    Quantized q = quantize(x, s);
    double sum = 0;
    for (size_t i = 1; i < x.size(); ++i) {
        ASSERT_TRUE(q.values.data[i] == 38 || q.values.data[i] == 39) << q.values.data[i];
        sum += q.values.data[i];
    }
    const double mean = sum / (x.size() - 1), expect = 0.3f * 127.0;  // 38.1 (of the float 0.3f)
    EXPECT_NEAR(mean, expect, 4 * std::sqrt(0.1 * 0.9 / (x.size() - 1)));
    // the same seed gives the same codes; another seed other codes
    EXPECT_EQ(quantize(x, s).values, q.values);
    s.seed = 6;
    EXPECT_NE(quantize(x, s).values, q.values);
    s.rounding = Rounding::Nearest;
    EXPECT_EQ(quantize(x, s).values.data[1], 38);
}

TEST(QuantLinear, DegenerateTensors) {
    FloatTensor zero(3, 2, 1, 1);  // all zero
    for (bool sym : {true, false})
        for (bool sgn : {true, false}) {
            QuantSpec s;
            s.symmetric = sym;
            s.is_signed = sgn;
            s.per_channel = true;
            Quantized q = quantize(zero, s);
            EXPECT_EQ(q.scale, (std::vector<double>{1.0, 1.0, 1.0}));
            EXPECT_EQ(codes(q), std::vector<int32_t>(6, 0));
            EXPECT_EQ(q.zero_fraction, 1.0);
            EXPECT_EQ(q.max_abs_error, 0.0);
            EXPECT_TRUE(std::isinf(q.sqnr_db) && q.sqnr_db > 0);
        }
    // one element, and an exactly representable tensor: no error, +inf SQNR
    QuantSpec s;
    Quantized one = quantize(tensor({1, 1, 1, 1}, {-2.5f}), s);
    EXPECT_EQ(codes(one), std::vector<int32_t>{-127});
    EXPECT_TRUE(std::isinf(one.sqnr_db));
}

// ---------------------------------------------------------------------------------------------
// Pruning

TEST(QuantPrune, ZeroesExactlyTheSmallestMagnitudes) {
    // |x| ranks: 0.05 (i4), 0.1 (i1), 0.2 (i6), 0.3 (i8), 0.4, ... ; s = 0.3 of 10 -> 3 zeros
    FloatTensor x = tensor({10, 1, 1, 1}, {0.9f, -0.1f, 0.5f, -0.7f, 0.05f, 0.6f, -0.2f, 0.8f, 0.3f, -0.4f});
    FloatTensor p = x;
    prune_by_magnitude(p, 0.3);
    EXPECT_EQ(p.data, (std::vector<float>{0.9f, 0, 0.5f, -0.7f, 0, 0.6f, 0, 0.8f, 0.3f, -0.4f}));
    // round(0.25 * 10) = round(2.5) = 3 (half away from zero)
    p = x;
    prune_by_magnitude(p, 0.25);
    EXPECT_EQ(std::count(p.data.begin(), p.data.end(), 0.0f), 3);
    // ties: |0.1| three times (i1, i2, i4); 2 zeros go to the lower indices 1 and 2
    FloatTensor t = tensor({5, 1, 1, 1}, {0.5f, -0.1f, 0.1f, 0.2f, -0.1f});
    prune_by_magnitude(t, 0.4);
    EXPECT_EQ(t.data, (std::vector<float>{0.5f, 0, 0, 0.2f, -0.1f}));
    // sparsity 0 changes nothing
    p = x;
    prune_by_magnitude(p, 0.0);
    EXPECT_EQ(p, x);

    // large: exactly round(0.37 * 1000) = 370 zeros, every pruned |x| <= every kept |x|
    FloatTensor g = gaussian(10, 100, 23);
    FloatTensor h = g;
    prune_by_magnitude(h, 0.37);
    EXPECT_EQ(std::count(h.data.begin(), h.data.end(), 0.0f), 370);
    float max_pruned = 0, min_kept = 1e30f;
    for (size_t i = 0; i < g.size(); ++i) {
        if (h.data[i] == 0) {
            max_pruned = std::max(max_pruned, std::fabs(g.data[i]));
        } else {
            EXPECT_EQ(h.data[i], g.data[i]);  // kept values unchanged
            min_kept = std::min(min_kept, std::fabs(g.data[i]));
        }
    }
    EXPECT_LE(max_pruned, min_kept);
}

TEST(QuantPrune, PrunedZerosStayZeroCodesAndCountInTheError) {
    FloatTensor g = gaussian(4, 250, 29);
    QuantSpec s;
    s.prune = 0.5;
    Quantized q = quantize(g, s);
    // 500 of 1000 are zero after pruning; the kept ones have |x| above the median |z| (~0.67),
    // far above half a step (max|x| / 127 / 2 < 0.02), so none of them rounds to 0
    EXPECT_EQ(q.zero_fraction, 0.5);
    FloatTensor p = g;
    prune_by_magnitude(p, 0.5);
    for (size_t i = 0; i < g.size(); ++i)
        if (p.data[i] == 0) {
            EXPECT_EQ(q.values.data[i], 0);
        }
    // the error is against the unpruned input: at least the largest pruned magnitude
    // (the median |z| of a standard normal is 0.674)
    float max_pruned = 0;
    for (size_t i = 0; i < g.size(); ++i)
        if (p.data[i] == 0) max_pruned = std::max(max_pruned, std::fabs(g.data[i]));
    EXPECT_GE(q.max_abs_error, max_pruned);
    EXPECT_GT(max_pruned, 0.5);
}

// ---------------------------------------------------------------------------------------------
// Ternary and binary

TEST(QuantTernary, ThresholdAndAlphaByHand) {
    const FloatTensor x = tensor({2, 3, 1, 1}, {0.9f, -0.1f, 0.4f, -0.6f, 0.05f, -1.2f});
    QuantSpec s;
    s.scheme = QuantScheme::Ternary;
    // per tensor: mean|w| = 3.25/6 = 0.54167, delta = 0.7 * 0.54167 = 0.37917;
    // above: 0.9, 0.4, 0.6, 1.2 -> codes 1, 0, 1, -1, 0, -1; alpha = 3.1/4 = 0.775
    Quantized q = quantize(x, s);
    EXPECT_EQ(codes(q), (std::vector<int32_t>{1, 0, 1, -1, 0, -1}));
    ASSERT_EQ(q.scale.size(), 1u);
    EXPECT_NEAR(q.scale[0], 0.775, 1e-7);
    EXPECT_EQ(q.bits, 2);
    EXPECT_NEAR(q.zero_fraction, 2.0 / 6, 1e-12);
    // per channel: ch0 {0.9, -0.1, 0.4}: mean 0.46667, delta 0.32667 -> 1, 0, 1, alpha 1.3/2 = 0.65
    //              ch1 {-0.6, 0.05, -1.2}: mean 0.61667, delta 0.43167 -> -1, 0, -1, alpha 1.8/2 = 0.9
    s.per_channel = true;
    Quantized p = quantize(x, s);
    EXPECT_EQ(codes(p), (std::vector<int32_t>{1, 0, 1, -1, 0, -1}));
    ASSERT_EQ(p.scale.size(), 2u);
    EXPECT_NEAR(p.scale[0], 0.65, 1e-7);
    EXPECT_NEAR(p.scale[1], 0.9, 1e-7);
    // t = 1.0: delta = mean|w|. ch0 0.46667 drops 0.4 (0.9 alone, alpha 0.9);
    //          ch1 0.61667 drops 0.6 (1.2 alone, alpha 1.2)
    s.ternary_threshold = 1.0;
    Quantized r = quantize(x, s);
    EXPECT_EQ(codes(r), (std::vector<int32_t>{1, 0, 0, 0, 0, -1}));
    EXPECT_NEAR(r.scale[0], 0.9, 1e-7);
    EXPECT_NEAR(r.scale[1], 1.2, 1e-7);
    // all-zero tensor: codes 0, alpha 1 (no weight above the threshold)
    Quantized z = quantize(FloatTensor(2, 2, 1, 1), s);
    EXPECT_EQ(codes(z), std::vector<int32_t>(4, 0));
    EXPECT_EQ(z.scale, (std::vector<double>{1.0, 1.0}));
}

TEST(QuantTernary, GaussianZeroFractionMatchesClosedForm) {
    // For w ~ N(0, s^2), mean|w| -> s sqrt(2/pi), so delta = 0.7 sqrt(2/pi) s = 0.55852 s and
    // P(code 0) = P(|z| < 0.55852) = erf(0.55852 / sqrt 2) = 0.42351
    const double closed = std::erf(0.7 * std::sqrt(2 / M_PI) / std::sqrt(2.0));
    EXPECT_NEAR(closed, 0.42351, 1e-4);
    QuantSpec s;
    s.scheme = QuantScheme::Ternary;
    Quantized q = quantize(gaussian(1, 200000, 31), s);
    EXPECT_NEAR(q.zero_fraction, closed, 0.01);
    for (int32_t c : codes(q)) ASSERT_TRUE(c == -1 || c == 0 || c == 1);
    // alpha = E[|z| : |z| > d] = sqrt(2/pi) exp(-d^2/2) / P(|z| > d) = 0.79788 * 0.85558 / 0.57649 = 1.1842
    EXPECT_NEAR(q.scale[0], 1.1842, 0.01);
}

TEST(QuantBinary, SignsAndMeanAbsolutePerChannel) {
    const FloatTensor x = tensor({2, 3, 1, 1}, {0.5f, -0.25f, 0.0f, -1.0f, -2.0f, 3.0f});
    QuantSpec s;
    s.scheme = QuantScheme::Binary;
    s.per_channel = true;
    // signs, 0 -> +1: 1, -1, 1, -1, -1, 1; alpha ch0 = 0.75/3 = 0.25, ch1 = 6/3 = 2
    Quantized q = quantize(x, s);
    EXPECT_EQ(codes(q), (std::vector<int32_t>{1, -1, 1, -1, -1, 1}));
    EXPECT_EQ(q.scale, (std::vector<double>{0.25, 2.0}));
    EXPECT_EQ(q.bits, 1);
    EXPECT_EQ(q.zero_fraction, 0.0);
    // dequantized 0.25, -0.25, 0.25, -2, -2, 2: largest error |3 - 2| = 1
    EXPECT_NEAR(q.max_abs_error, 1.0, 1e-7);
    // per tensor: alpha = 6.75/6 = 1.125
    s.per_channel = false;
    Quantized t = quantize(x, s);
    EXPECT_EQ(t.scale, std::vector<double>{1.125});
    EXPECT_EQ(codes(t), codes(q));
}

// ---------------------------------------------------------------------------------------------
// Bad input

TEST(QuantSpecErrors, BadSpecsAndTensorsThrow) {
    const FloatTensor x = tensor({2, 1, 1, 1}, {1.0f, -1.0f});
    auto throws = [&](auto change, const char* what) {
        QuantSpec s;
        change(s);
        EXPECT_THROW(quantize(x, s), std::invalid_argument) << what;
    };
    throws([](QuantSpec& s) { s.bits = 0; }, "bits 0");
    throws([](QuantSpec& s) { s.bits = 17; }, "bits 17");
    throws([](QuantSpec& s) { s.bits = 1; }, "signed symmetric 1 bit");
    throws([](QuantSpec& s) { s.prune = 1.0; }, "prune 1");
    throws([](QuantSpec& s) { s.prune = -0.1; }, "prune < 0");
    throws([](QuantSpec& s) { s.prune = std::nan(""); }, "prune NaN");
    throws(
        [](QuantSpec& s) {
            s.scheme = QuantScheme::Fixed;
            s.il = 10;
            s.fl = 7;
        },
        "il+fl 17");
    throws(
        [](QuantSpec& s) {
            s.scheme = QuantScheme::Fixed;
            s.il = 0;
        },
        "il 0");
    throws(
        [](QuantSpec& s) {
            s.scheme = QuantScheme::Fixed;
            s.fl = -1;
        },
        "fl -1");
    throws(
        [](QuantSpec& s) {
            s.scheme = QuantScheme::Ternary;
            s.ternary_threshold = -0.5;
        },
        "threshold < 0");
    throws(
        [](QuantSpec& s) {
            s.scheme = QuantScheme::Binary;
            s.prune = 0.5;
        },
        "binary + prune");
    // fields a scheme does not use are not read: bits 0 is fine for fixed, il 0 for linear
    QuantSpec f;
    f.scheme = QuantScheme::Fixed;
    f.bits = 0;
    EXPECT_NO_THROW(quantize(x, f));
    QuantSpec l;
    l.il = 0;
    l.bits = 1;
    l.is_signed = false;  // unsigned 1 bit is a valid format: codes 0 and 1
    EXPECT_NO_THROW(quantize(x, l));

    // check_quant_spec checks the same without data
    QuantSpec b;
    b.bits = 17;
    EXPECT_THROW(check_quant_spec(b), std::invalid_argument);
    EXPECT_NO_THROW(check_quant_spec(QuantSpec{}));

    EXPECT_THROW(quantize(tensor({2, 1, 1, 1}, {1.0f, NAN}), QuantSpec{}), std::invalid_argument);
    EXPECT_THROW(quantize(tensor({2, 1, 1, 1}, {1.0f, INFINITY}), QuantSpec{}), std::invalid_argument);
    EXPECT_THROW(quantize(tensor({3, 1, 1, 1}, {1.0f, 2.0f}), QuantSpec{}), std::invalid_argument);  // 3 != 2
    EXPECT_THROW(quantize(FloatTensor{}, QuantSpec{}), std::invalid_argument);  // empty
    EXPECT_THROW(to_fixed(1.0, 4, 4, Rounding::Stochastic, nullptr), std::invalid_argument);
    EXPECT_THROW(to_fixed(std::nan(""), 4, 4, Rounding::Nearest, nullptr), std::invalid_argument);
    FloatTensor p = x;
    EXPECT_THROW(prune_by_magnitude(p, 1.0), std::invalid_argument);
    Quantized q = quantize(x, QuantSpec{});
    q.scale = {1.0, 2.0, 3.0};  // neither 1 nor dim[0] = 2
    EXPECT_THROW(dequantize(q), std::invalid_argument);
    // the message names the problem
    try {
        QuantSpec s;
        s.bits = 17;
        quantize(x, s);
        FAIL();
    } catch (const std::invalid_argument& e) {
        EXPECT_NE(std::string(e.what()).find("bits must be 1..16 for linear, got 17"), std::string::npos) << e.what();
    }
}

// ---------------------------------------------------------------------------------------------
// dfsim quantize

namespace {

// A version 1.0 .npy file, written here byte by byte (independently of the command's writer).
std::string npy_file(const std::string& descr, const std::string& shape, const std::string& payload) {
    std::string dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
    dict += std::string((64 - (10 + dict.size() + 1) % 64) % 64, ' ') + "\n";
    std::string s("\x93NUMPY\x01\x00", 8);
    s += static_cast<char>(dict.size() & 0xFF);
    s += static_cast<char>(dict.size() >> 8);
    return s + dict + payload;
}

std::string float32_npy(const std::string& shape, const std::vector<float>& v) {
    std::string payload;
    for (float f : v) {
        uint32_t u;
        std::memcpy(&u, &f, 4);
        for (int i = 0; i < 4; ++i) payload += static_cast<char>((u >> (8 * i)) & 0xFF);
    }
    return npy_file("<f4", shape, payload);
}

// The header dict and the little-endian signed integers of an integer .npy file.
struct IntNpy {
    std::string header;
    std::vector<int32_t> values;
};
IntNpy read_int_npy(const std::string& s, int bytes) {
    IntNpy r;
    EXPECT_EQ(s.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const size_t hlen = static_cast<unsigned char>(s[8]) | static_cast<unsigned char>(s[9]) << 8;
    EXPECT_EQ((10 + hlen) % 64, 0u);  // data aligned as NumPy does
    r.header = s.substr(10, hlen);
    for (size_t p = 10 + hlen; p + bytes <= s.size(); p += bytes) {
        uint32_t u = 0;
        for (int i = bytes - 1; i >= 0; --i) u = u << 8 | static_cast<unsigned char>(s[p + i]);
        const int shift = 32 - 8 * bytes;  // sign-extend from `bytes` bytes
        r.values.push_back(static_cast<int32_t>(u << shift) >> shift);
    }
    return r;
}

class QuantCli : public dfsim::test::TempDirTest {
protected:
    std::string path(const std::string& name) { return (dir / name).string(); }
    void put(const std::string& name, const std::string& bytes) {
        std::ofstream(dir / name, std::ios::binary) << bytes;
    }
};

}  // namespace

TEST_F(QuantCli, LinearPerChannelCodesByHand) {
    put("w.npy", float32_npy("(2, 3)", {1.4f, -0.45f, 0.26f, 0.0f, -1.0f, 0.61f}));
    auto r = dfsim("quantize --in " + path("w.npy") + " --out " + path("codes.npy") + " --bits 4 --per-channel");
    ASSERT_EQ(r.code, 0) << r.err;
    // as in QuantLinear.SymmetricSignedPerChannelByHand: scales 0.2 and 1/7, codes 7 -2 1 / 0 -7 4
    IntNpy c = read_int_npy(slurp(dir / "codes.npy"), 1);
    EXPECT_NE(c.header.find("'descr': '|i1'"), std::string::npos) << c.header;
    EXPECT_NE(c.header.find("'shape': (2, 3)"), std::string::npos) << c.header;
    EXPECT_EQ(c.values, (std::vector<int32_t>{7, -2, 1, 0, -7, 4}));
    const auto j = nlohmann::json::parse(slurp(dir / "codes.json"));
    ASSERT_EQ(j["scale"].size(), 2u);
    EXPECT_NEAR(j["scale"][0].get<double>(), 0.2, 1e-7);
    EXPECT_NEAR(j["scale"][1].get<double>(), 1.0 / 7, 1e-7);
    EXPECT_EQ(j["zero_point"], nlohmann::json({0, 0}));
    EXPECT_EQ(j["bits"], 4);
    EXPECT_EQ(j["dtype"], "int8");
    EXPECT_NEAR(j["max_abs_error"].get<double>(), 0.06, 1e-6);  // 0.26 -> 0.2
    EXPECT_NE(r.out.find("linear, 4-bit signed symmetric, per channel (2 scales)"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("scale          0.2 0.142857"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("zero codes     16.67%"), std::string::npos) << r.out;  // 1 of 6
    for (const auto& e : std::filesystem::directory_iterator(dir))
        EXPECT_EQ(e.path().filename().string().find(".tmp."), std::string::npos);  // no temp left
}

TEST_F(QuantCli, FixedAndWideCodes) {
    // <4,4>, 1-D: 0.3 -> 5, 100 -> 127, -100 -> -128, -0.03 -> 0, 1.5 -> 24 (x 16, saturated)
    put("v.npy", float32_npy("(5,)", {0.3f, 100.0f, -100.0f, -0.03f, 1.5f}));
    auto r = dfsim("quantize --in " + path("v.npy") + " --out " + path("f.npy") + " --sidecar " +
                   path("f-scales.json") + " --scheme fixed --il 4 --fl 4");
    ASSERT_EQ(r.code, 0) << r.err;
    IntNpy c = read_int_npy(slurp(dir / "f.npy"), 1);
    EXPECT_NE(c.header.find("'shape': (5,)"), std::string::npos) << c.header;
    EXPECT_EQ(c.values, (std::vector<int32_t>{5, 127, -128, 0, 24}));
    EXPECT_EQ(nlohmann::json::parse(slurp(dir / "f-scales.json"))["scale"], nlohmann::json({0.0625}));
    EXPECT_NE(r.out.find("saturated      2"), std::string::npos) << r.out;

    // 8-bit signed asymmetric of {0, 1, 2, 3}: range [0, 3], scale 3/255, zero point
    // round(-128 - 0) = -128; centred codes x * 85 = 0, 85, 170, 255: 255 needs int16
    put("a.npy", float32_npy("(2, 2)", {0.0f, 1.0f, 2.0f, 3.0f}));
    r = dfsim("quantize --in " + path("a.npy") + " --out " + path("a-codes.npy") + " --asymmetric");
    ASSERT_EQ(r.code, 0) << r.err;
    IntNpy w = read_int_npy(slurp(dir / "a-codes.npy"), 2);
    EXPECT_NE(w.header.find("'descr': '<i2'"), std::string::npos) << w.header;
    EXPECT_EQ(w.values, (std::vector<int32_t>{0, 85, 170, 255}));
    const auto j = nlohmann::json::parse(slurp(dir / "a-codes.json"));
    EXPECT_EQ(j["zero_point"], nlohmann::json({-128}));
    EXPECT_TRUE(j["sqnr_db"].is_null());  // exact: 1 = 85 * 3/255
    EXPECT_NE(r.out.find("inf (exact)"), std::string::npos) << r.out;
}

TEST_F(QuantCli, BadInputExitsTwoAndWritesNothing) {
    put("w.npy", float32_npy("(2, 3)", {1.4f, -0.45f, 0.26f, 0.0f, -1.0f, 0.61f}));
    std::string f64;
    for (int i = 0; i < 6; ++i) f64 += std::string(8, '\0');
    put("w64.npy", npy_file("<f8", "(2, 3)", f64));
    put("nan.npy", float32_npy("(2,)", {1.0f, NAN}));
    put("short.npy", float32_npy("(2, 3)", {1.0f, 2.0f}));
    const std::string io = " --out " + path("codes.npy");
    const std::string in = "quantize --in " + path("w.npy") + io;
    const std::vector<std::pair<std::string, std::string>> cases = {
        {in + " --bits 20", "bits must be 1..16"},
        {in + " --scheme octal", "'--scheme'"},
        {in + " --rounding up", "'--rounding'"},
        {in + " --il 3", "'--il': not used by --scheme linear"},
        {in + " --scheme fixed --bits 8", "'--bits': not used by --scheme fixed"},
        {in + " --scheme fixed --il 9 --fl 8", "il+fl"},
        {in + " --scheme ternary --rounding stochastic", "'--rounding'"},
        {in + " --scheme binary --prune 0.5", "prune cannot be used with binary"},
        {in + " --prune 1", "prune must be in [0, 1)"},
        {"quantize --in " + path("w64.npy") + io, "w64.npy: field 'descr': expected a float32 array"},
        {"quantize --in " + path("missing.npy") + io, "missing.npy: file not found"},
        {"quantize --in " + path("nan.npy") + io, "nan.npy: quantize: element 1 is not finite"},
        {"quantize --in " + path("short.npy") + io,
         "short.npy: truncated data: the header's shape and dtype '<f4' need 24 bytes"},
    };
    for (const auto& [args, message] : cases) {
        auto r = dfsim(args);
        EXPECT_EQ(r.code, 2) << args;
        EXPECT_EQ(r.err.rfind("dfsim: error: ", 0), 0u) << args << "\n" << r.err;
        EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;  // one line
        EXPECT_NE(r.err.find(message), std::string::npos) << args << "\n" << r.err;
        EXPECT_TRUE(r.out.empty()) << r.out;
        EXPECT_FALSE(std::filesystem::exists(dir / "codes.npy")) << args;
        EXPECT_FALSE(std::filesystem::exists(dir / "codes.json")) << args;
    }
    // a value CLI11 cannot parse is a command-line error too
    EXPECT_EQ(dfsim(in + " --bits eight").code, 2);
    EXPECT_FALSE(std::filesystem::exists(dir / "codes.npy"));
}
