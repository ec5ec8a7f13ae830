// Run-length coding of feature maps (Eyeriss, JSSC 2017, Sec. IV-D): round trips, the stream
// sizes counted by hand and in closed form, the bit layout of a word, and bad inputs.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>
#include <vector>

#include "hw/rlc.h"
#include "base/rng.h"

using namespace dfsim;

namespace {

std::vector<int32_t> zeros(size_t n) { return std::vector<int32_t>(n, 0); }

std::vector<int32_t> cat(std::initializer_list<std::vector<int32_t>> parts) {
    std::vector<int32_t> v;
    for (const auto& p : parts) v.insert(v.end(), p.begin(), p.end());
    return v;
}

// n values, a fraction `zero_fraction` of them zero, the rest non-zero in the 16-bit range.
std::vector<int32_t> sparse_values(size_t n, double zero_fraction, uint64_t seed) {
    Rng rng(seed);
    std::vector<int32_t> v(n);
    for (int32_t& x : v) {
        if (rng.uniform() < zero_fraction) continue;
        do x = static_cast<int32_t>(rng.uniform_int(-32768, 32767));
        while (x == 0);
    }
    return v;
}

size_t words_of(const std::vector<int32_t>& v, const RlcParams& p = {}) {
    return rlc_encode(v.data(), v.size(), p).size();
}

// Encodes, decodes, and checks that rlc_encoded_words agrees with the stream's size.
void expect_round_trip(const std::vector<int32_t>& v, const std::string& what, const RlcParams& p = {}) {
    const std::vector<uint64_t> words = rlc_encode(v.data(), v.size(), p);
    EXPECT_EQ(rlc_decode(words, v.size(), p), v) << what;
    EXPECT_EQ(rlc_encoded_words(v.data(), v.size(), p), words.size()) << what;
    if (!words.empty()) {
        EXPECT_NE(words.back() >> (p.word_bits - 1), 0u) << what << ": last-word flag";
    }
    for (size_t k = 0; k + 1 < words.size(); ++k)
        EXPECT_EQ(words[k] >> (p.word_bits - 1), 0u) << what << ": flag on word " << k;
}

template <class F>
std::string invalid_argument_of(F f) {
    try {
        f();
    } catch (const std::invalid_argument& e) {
        return e.what();
    }
    return "";
}

}  // namespace

TEST(RlcRoundTrip, RandomDataAtEverySparsity) {
    for (double zf : {0.0, 0.5, 0.9, 1.0})
        for (size_t n : {1, 2, 3, 100, 1000, 10007}) {
            const std::vector<int32_t> v = sparse_values(n, zf, 17 + n);
            expect_round_trip(v, "zero fraction " + std::to_string(zf) + ", n " + std::to_string(n));
        }
}

TEST(RlcRoundTrip, EdgeCases) {
    const std::vector<std::pair<std::string, std::vector<int32_t>>> cases = {
        {"empty", {}},
        {"a single zero", {0}},
        {"a single value", {7}},
        {"31 zeros", zeros(31)},
        {"32 zeros", zeros(32)},
        {"33 zeros", zeros(33)},
        {"64 zeros", zeros(64)},
        {"31 zeros then a value", cat({zeros(31), {3}})},
        {"32 zeros then a value", cat({zeros(32), {3}})},
        {"33 zeros then a value", cat({zeros(33), {3}})},
        {"64 zeros then a value", cat({zeros(64), {3}})},
        {"trailing zeros", cat({{1, 2}, zeros(5)})},
        {"trailing 32 zeros", cat({{1}, zeros(32)})},
        {"trailing 65 zeros", cat({{1}, zeros(65)})},
        {"16-bit extremes", {-32768, 32767, 0, -1, 1, 0, 0, -32768, 32767}},
    };
    for (const auto& [what, v] : cases) expect_round_trip(v, what);
}

// rlc_encoded_words works on 64-value blocks: runs of zeros of every length, across block
// boundaries, at the start and end, for several run widths.
TEST(RlcSize, CountMatchesEncodeOnRandomRuns) {
    Rng rng(42);
    for (int trial = 0; trial < 600; ++trial) {
        const RlcParams p = trial % 3 == 0   ? RlcParams{}
                            : trial % 3 == 1 ? RlcParams{3, 16, 3, 64}
                                             : RlcParams{7, 16, 2, 64};
        std::vector<int32_t> v;
        const size_t n = static_cast<size_t>(rng.uniform_int(0, 700));
        const int64_t max_run = rng.uniform_int(0, 3) == 0 ? 300 : 40;
        while (v.size() < n) {
            v.insert(v.end(), static_cast<size_t>(rng.uniform_int(0, max_run)), 0);
            const int64_t dense = rng.uniform_int(0, 5);
            for (int64_t k = 0; k < dense; ++k) v.push_back(static_cast<int32_t>(rng.uniform_int(1, 9)));
        }
        v.resize(n);
        expect_round_trip(v, "trial " + std::to_string(trial), p);
    }
}

// The sizes below are counted by hand from the convention in rlc.h: a pair (r, l) is r zeros
// then l; (31, 0) is 32 zeros; k trailing zeros (k <= 32) are one pair (k - 1, 0); 3 pairs a word.
TEST(RlcSize, HandCountedTinyInputs) {
    EXPECT_EQ(words_of({}), 0u);  // no pairs, no words
    EXPECT_EQ(words_of({0}), 1u);  // (0,0)
    EXPECT_EQ(words_of({5, 7, 9}), 1u);  // (0,5) (0,7) (0,9)
    EXPECT_EQ(words_of({5, 7, 9, 1}), 2u);  // 4 pairs
    EXPECT_EQ(words_of(zeros(32)), 1u);  // (31,0)
    EXPECT_EQ(words_of(zeros(33)), 1u);  // (31,0) (0,0)
    EXPECT_EQ(words_of(zeros(96)), 1u);  // (31,0) x 3
    EXPECT_EQ(words_of(zeros(97)), 2u);  // (31,0) x 3, (0,0)
    // 5, 0, 0, 7, then 34 zeros, then 9:
    //   (0,5)   5
    //   (2,7)   0 0 7
    //   (31,0)  the first 32 of the 34 zeros
    //   (2,9)   the other 2 zeros and 9
    // 4 pairs -> 2 words
    const std::vector<int32_t> v = cat({{5, 0, 0, 7}, zeros(34), {9}});
    ASSERT_EQ(v.size(), 39u);
    EXPECT_EQ(words_of(v), 2u);
    // the same with 30 zeros fits one run: (0,5) (2,7) (30,9) -> 1 word
    EXPECT_EQ(words_of(cat({{5, 0, 0, 7}, zeros(30), {9}})), 1u);
}

// The example of the paper's Fig. 13 (0 0 12 0 0 0 0 53 0 0 22 -> runs 2, 4, 2 and levels 12, 53,
// 22 in one word), bit by bit: pair i at bit 21*i, run in the low 5 bits, level above it, the
// last-word flag in bit 63.
TEST(RlcSize, WordLayoutOfThePapersExample) {
    const std::vector<int32_t> v = {0, 0, 12, 0, 0, 0, 0, 53, 0, 0, 22};
    const std::vector<uint64_t> words = rlc_encode(v.data(), v.size());
    ASSERT_EQ(words.size(), 1u);
    const uint64_t expected =
        (2 | 12u << 5) | uint64_t(4 | 53u << 5) << 21 | uint64_t(2 | 22u << 5) << 42 | uint64_t{1} << 63;
    EXPECT_EQ(words[0], expected);
    // a negative level is 16-bit two's complement; unused slots of the last word are zero
    const std::vector<int32_t> neg = {-1};
    EXPECT_EQ(rlc_encode(neg.data(), 1), (std::vector<uint64_t>{uint64_t{0xFFFF} << 5 | uint64_t{1} << 63}));
}

// Dense data is one pair per value: ceil(n/3) words. For 8-bit values that is 64/3 = 21.3 bits
// a value against 8 raw, so compressing dense data makes the DRAM traffic 2.7x larger.
TEST(RlcSize, DenseDataIsCeilNOverThreeWords) {
    for (size_t n = 1; n <= 200; ++n) {
        const std::vector<int32_t> v = sparse_values(n, 0.0, n);
        EXPECT_EQ(rlc_encoded_words(v.data(), n), (n + 2) / 3) << n;
    }
    Rng rng(5);
    std::vector<int32_t> v(3000);
    for (int32_t& x : v) x = static_cast<int32_t>(rng.uniform_int(1, 127));  // dense 8-bit
    const double bits_per_value = 64.0 * static_cast<double>(rlc_encoded_words(v.data(), v.size())) / v.size();
    EXPECT_NEAR(bits_per_value, 64.0 / 3, 1e-9);
    EXPECT_GT(bits_per_value, 8.0);
    // it pays off only on sparse data: at 90% zeros it is below 8 bits a value
    const std::vector<int32_t> sparse = sparse_values(3000, 0.9, 6);
    EXPECT_LT(64.0 * static_cast<double>(rlc_encoded_words(sparse.data(), sparse.size())) / sparse.size(), 8.0);
}

TEST(RlcParams, OtherFieldWidths) {
    const RlcParams p{4, 8, 5, 64};  // 5 x (4+8) + 1 = 61 bits
    Rng rng(9);
    std::vector<int32_t> v(5000);
    for (int32_t& x : v) x = rng.uniform() < 0.7 ? 0 : static_cast<int32_t>(rng.uniform_int(-128, 127));
    expect_round_trip(v, "4-bit runs, 8-bit levels, 5 pairs", p);
    expect_round_trip(cat({zeros(16), {1}, zeros(17), {-128}, zeros(40)}), "runs of 16", p);
    EXPECT_EQ(words_of(zeros(16), p), 1u);  // (15,0)
    EXPECT_EQ(words_of(zeros(96), p), 2u);  // (15,0) x 6
    expect_round_trip(sparse_values(1000, 0.5, 3), "32-bit word", RlcParams{5, 16, 1, 32});
}

TEST(RlcParams, UnsignedAndOffsetLevels) {
    // 8-bit levels of unsigned data hold 0..255, and with a zero point of 3 the centred values -3..252
    std::vector<int32_t> u, z;
    for (int i = 0; i < 600; ++i) {
        u.push_back(i % 3 ? 0 : (i * 37) % 256);
        z.push_back(i % 4 ? 0 : (i * 53) % 256 - 3);
    }
    u.push_back(255);
    z.push_back(-3);
    expect_round_trip(u, "unsigned 8-bit", RlcParams{5, 8, 4, 64, 0});
    expect_round_trip(z, "zero point 3", RlcParams{5, 8, 4, 64, -3});
    const std::vector<int32_t> over = {0, 256}, under = {0, -4};
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_encode(over.data(), 2, RlcParams{5, 8, 4, 64, 0});
              }).find("[0, 255]"),
              std::string::npos);
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_encoded_words(under.data(), 2, RlcParams{5, 8, 4, 64, -3});
              }).find("[-3, 252]"),
              std::string::npos);
}

TEST(RlcErrors, ValuesOutsideTheLevelRange) {
    for (int32_t bad : {32768, -32769, 1 << 20}) {
        const std::vector<int32_t> v = {1, 0, bad};
        std::string err = invalid_argument_of([&] { rlc_encode(v.data(), v.size()); });
        EXPECT_NE(err.find("index 2"), std::string::npos) << err;
        EXPECT_NE(err.find("16-bit signed level"), std::string::npos) << err;
        err = invalid_argument_of([&] { rlc_encoded_words(v.data(), v.size()); });
        EXPECT_NE(err.find("index 2"), std::string::npos) << err;
    }
}

TEST(RlcErrors, MalformedStreams) {
    const std::vector<int32_t> v = cat({{5, 0, 0, 7}, zeros(34), {9}});  // 2 words
    const std::vector<uint64_t> words = rlc_encode(v.data(), v.size());
    const uint64_t last = uint64_t{1} << 63;
    // the last word holds one pair and two unused (0,0) slots, which read as zeros: the stream
    // also decodes as 40 or 41 values (the format has no count; the decoder is given n), not 42
    EXPECT_EQ(rlc_decode(words, v.size() + 2), cat({v, {0, 0}}));
    EXPECT_NE(invalid_argument_of([&] { rlc_decode(words, v.size() + 3); }).find("holds 41 values, expected 42"),
              std::string::npos);
    EXPECT_NE(invalid_argument_of([&] { rlc_decode(words, v.size() - 1); }).find("goes past"), std::string::npos);
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_decode({words[0] | last, words[1]}, v.size());
              }).find("before the end"),
              std::string::npos);
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_decode({words[0], words[1] & ~last}, v.size());
              }).find("no last-word flag"),
              std::string::npos);
    // 3 x 21 bits fill bits 0..62; with 5 pairs of 4+8 bits, bits 60..62 are spare and must be 0
    const RlcParams p5{4, 8, 5, 64};
    std::vector<uint64_t> w5 = rlc_encode(v.data(), v.size(), p5);
    w5.back() |= uint64_t{1} << 62;
    EXPECT_NE(invalid_argument_of([&] { rlc_decode(w5, v.size(), p5); }).find("outside its pairs"), std::string::npos);
    // the second word holds one pair; a second pair in it is not part of the stream
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_decode({words[0], words[1] | uint64_t{1} << 21}, v.size());
              }).find("non-zero pair after"),
              std::string::npos);
    // a stream of 3 full words decoded as 6 values: the third word is too many
    const std::vector<int32_t> d = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    std::vector<uint64_t> w3 = rlc_encode(d.data(), d.size());
    EXPECT_NE(invalid_argument_of([&] { rlc_decode(w3, 6); }).find("longer than 6"), std::string::npos);
    w3[1] |= last;
    w3.pop_back();
    EXPECT_EQ(rlc_decode(w3, 6), (std::vector<int32_t>{1, 2, 3, 4, 5, 6}));
    w3.push_back(last);
    EXPECT_NE(invalid_argument_of([&] { rlc_decode(w3, 6); }).find("flag before the end"), std::string::npos);
    EXPECT_NE(invalid_argument_of([&] { rlc_decode({}, 1); }).find("expected 1"), std::string::npos);
    EXPECT_NE(invalid_argument_of([&] { rlc_decode({last}, 0); }).find("longer than 0"), std::string::npos);
}

TEST(RlcErrors, ParamsThatDoNotFitAWord) {
    const std::vector<int32_t> v = {1};
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_encode(v.data(), 1, RlcParams{5, 16, 3, 63});
              }).find("need 64 bits"),
              std::string::npos);
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_encoded_words(v.data(), 1, RlcParams{0, 16, 3, 64});
              }).find("run_bits"),
              std::string::npos);
    EXPECT_NE(invalid_argument_of([&] {
                  rlc_decode({}, 0, RlcParams{5, 33, 1, 64});
              }).find("level_bits"),
              std::string::npos);
    EXPECT_NE(invalid_argument_of([&] {
                  check_rlc_params(RlcParams{5, 16, 0, 64});
              }).find("pairs_per_word"),
              std::string::npos);
}
