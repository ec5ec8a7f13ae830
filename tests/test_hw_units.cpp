// Unit tests of building blocks: the bandwidth calendar, requantization, the reference
// convolution on a hand-computed example, synthetic data, the buffer's capacity check, and the
// grid pass engine's check of the placement a dataflow gives it.
#include <gtest/gtest.h>

#include <cmath>
#include <algorithm>
#include <functional>
#include <numeric>
#include <random>
#include <set>
#include <stdexcept>

#include "quant/requantize.h"
#include "hw/bank_map.h"
#include "hw/calendar.h"
#include "hw/global_buffer.h"
#include "base/rng.h"
#include "hw/grid_pass.h"
#include "hw/mac_rows.h"
#include "sim/reference.h"
#include "workload/synthetic.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

TEST(Calendar, NeverExceedsCapacityAndServesInRequestOrder) {
    hw::Calendar bus(64);
    EXPECT_EQ(bus.place(0, 64), 1u);  // one full cycle
    EXPECT_EQ(bus.place(0, 32), 2u);  // cycle 0 is full: lands in cycle 1
    EXPECT_EQ(bus.place(0, 64), 3u);  // 32 bits left in cycle 1, 32 in cycle 2
    EXPECT_EQ(bus.place(10, 128), 12u);  // cycles 10 and 11
    EXPECT_EQ(bus.place(2, 32), 3u);  // the hole left in cycle 2
    EXPECT_EQ(bus.place(5, 0), 5u);
    EXPECT_EQ(bus.busy_bits(), 64u + 32 + 64 + 128 + 32);
}

TEST(Calendar, AResetCalendarPlacesAsANewOne) {
    // a reset clears only the cycles placed in: what it places next must be what a new one places
    hw::Calendar used(64), fresh(64);
    for (Cycle t = 0; t < 500; t += 7) used.place(t, 100);
    used.reset();
    for (Cycle t : {Cycle{3}, Cycle{0}, Cycle{3}, Cycle{40}, Cycle{1}})
        EXPECT_EQ(used.place(t, 96), fresh.place(t, 96));
    EXPECT_EQ(used.busy_bits(), fresh.busy_bits());
}

// BankCalendar::access on random requests against the rule it states, applied line by line with a
// set of taken cycles per bank: each line of the words takes its bank's first free cycle at or after
// `ready`, in line order; the access is done the cycle after the last. Over both bank layouts, slots
// of several widths (lines of 4, 8 and 2 words: line_of's shifts), 5 or 4 banks, accesses of one line to many rounds of the banks, and resets in between.
TEST(BankCalendar, EveryLineTakesItsBanksFirstFreeCycle) {
    for (const auto layout : {GlbParams::BankLayout::Interleaved, GlbParams::BankLayout::PerSlot})
        for (const int n_banks : {5, 4}) {  // the lines' rounds by division and by mask
            GlbParams p;
            p.size_bytes = 4096;
            p.banks = n_banks;
            p.bank_width_bits = 64;
            p.bank_layout = layout;
            const std::vector<hw::SlotDecl> slots{
                {DataType::Ifmap, 300, 16, "i"}, {DataType::Filter, 200, 8, "f"}, {DataType::Psum, 100, 32, "p"}};
            const hw::BankMap map(p, slots);
            hw::BankCalendar banks(map);
            std::mt19937_64 rng(7);
            for (int round = 0; round < 3; ++round) {
                std::vector<std::set<Cycle>> taken(static_cast<size_t>(map.banks()));
                for (int i = 0; i < 2000; ++i) {
                    const int slot = static_cast<int>(rng() % 3);
                    const uint64_t first = rng() % 60, count = rng() % 4 == 0 ? rng() % 90 : rng() % 6;
                    const Cycle ready = rng() % 400;
                    Cycle expect = ready;
                    if (count > 0)
                        for (uint64_t line = map.line_of(slot, first); line <= map.line_of(slot, first + count - 1);
                             ++line) {
                            std::set<Cycle>& b = taken[static_cast<size_t>(map.bank_of(slot, line))];
                            Cycle t = ready;
                            while (b.count(t)) ++t;
                            b.insert(t);
                            expect = std::max(expect, t + 1);
                        }
                    ASSERT_EQ(banks.access(slot, first, count, ready), expect) << "round " << round << " request " << i;
                }
                banks.reset();
            }
        }
}

TEST(Requantize, HandValues) {
    Requant rq = Requant::scalar(3, 2, false, Format{8, true});
    EXPECT_EQ(requantize(10, rq), 8);  // (30 + 2) >> 2 = 8
    EXPECT_EQ(requantize(-10, rq), -7);  // (-30 + 2) >> 2 = -7 (floor of -7)
    EXPECT_EQ(requantize(1000, rq), 127);  // saturates
    EXPECT_EQ(requantize(-1000, rq), -128);
    rq.relu = true;
    EXPECT_EQ(requantize(-10, rq), 0);
    Requant u = Requant::scalar(1, 0, false, Format{4, false});
    EXPECT_EQ(requantize(20, u), 15);
    EXPECT_EQ(requantize(-3, u), 0);
}

TEST(Reference, HandComputedConvolution) {
    // 1 channel 3x3 input, one 2x2 filter, stride 1, padding 1 -> 4x4 output
    Layer l = conv("hand", 1, 3, 3, 1, 2, 2, 1, 1);
    Tensor4 x(1, 1, 3, 3), w(1, 1, 2, 2);
    x.data = {1, 2, 3, 4, 5, 6, 7, 8, 9};
    w.data = {1, -1, 2, 0};
    Tensor4 y = reference_conv(l, x, w);
    // y[i][j] = sum_{r,s} x[i+r-1][j+s-1] * w[r][s]
    std::vector<int32_t> expect = {0,  2,  4,  6,  //
                                   -1, 7,  9,  15,  //
                                   -4, 13, 15, 24,  //
                                   -7, -1, -1, 9};
    EXPECT_EQ(y.data, expect);
}

// The reference against the definition summed term by term (6 nested loops, padding as zeros),
// on random data: a strided, padded, grouped conv (the general loops) and FC layers (one output
// per filter over the whole input: the dot-product path), with and without groups.
TEST(Reference, MatchesTheDefinitionTermByTerm) {
    auto definition = [](const Layer& l, const Tensor4& x, const Tensor4& w) {
        const LayerShape& s = l.shape;
        Tensor4 y(s.N, s.M, s.E(), s.F());
        for (int n = 0; n < s.N; ++n)
            for (int m = 0; m < s.M; ++m)
                for (int e = 0; e < s.E(); ++e)
                    for (int f = 0; f < s.F(); ++f) {
                        int64_t sum = 0;
                        for (int c = 0; c < s.Cg(); ++c)
                            for (int r = 0; r < s.R; ++r)
                                for (int k = 0; k < s.S; ++k) {
                                    const int h = e * s.U + r - s.P, v = f * s.U + k - s.P;
                                    if (h >= 0 && h < s.H && v >= 0 && v < s.W)
                                        sum += int64_t{w.at(m, c, r, k)} * x.at(n, m / s.Mg() * s.Cg() + c, h, v);
                                }
                        y.at(n, m, e, f) = static_cast<int32_t>(sum);
                    }
        return y;
    };
    std::mt19937 rng(3);
    auto random = [&](Tensor4& t) {
        for (int32_t& v : t.data) v = static_cast<int32_t>(rng() % 255) - 127;
    };
    struct Case {
        int N, C, H, W, M, R, S, U, P, G;
    };
    for (const Case& k : {Case{2, 4, 9, 11, 6, 3, 5, 2, 2, 2}, Case{3, 5, 4, 3, 7, 4, 3, 1, 0, 1},
                          Case{2, 6, 2, 2, 4, 2, 2, 1, 0, 2}, Case{1, 3, 7, 7, 2, 7, 7, 3, 0, 1}}) {
        Layer l = conv("ref", k.C, k.H, k.W, k.M, k.R, k.S, k.U, k.P);
        l.shape.N = k.N;
        l.shape.G = k.G;
        Tensor4 x(k.N, k.C, k.H, k.W), w(k.M, k.C / k.G, k.R, k.S);
        random(x);
        random(w);
        EXPECT_EQ(reference_conv(l, x, w), definition(l, x, w)) << "C " << k.C << " H " << k.H << " G " << k.G;
    }
}

// reference_gated_macs equals a count over every MAC of the definition (a weight zero with gate_w,
// an ifmap tap zero or outside the image with gate_x), on dense channels (whose taps it counts in
// closed form from the padding) and on channels with zeros, grouped and strided.
TEST(BitExact, ReferenceGatedMacsCountsEveryMac) {
    struct Case {
        int N, C, H, W, M, R, S, U, P, G;
    };
    std::mt19937 rng(5);
    for (const Case& k : {Case{2, 4, 9, 11, 6, 3, 5, 2, 2, 2}, Case{3, 5, 4, 3, 7, 4, 3, 1, 0, 1},
                          Case{1, 3, 7, 7, 2, 7, 7, 3, 3, 1}, Case{2, 6, 8, 5, 6, 3, 3, 1, 1, 3}})
        for (const int zero_channels : {0, 1, 3}) {
            Layer l = conv("gated", k.C, k.H, k.W, k.M, k.R, k.S, k.U, k.P);
            l.shape.N = k.N;
            l.shape.G = k.G;
            const LayerShape& s = l.shape;
            Tensor4 x(k.N, k.C, k.H, k.W), w(k.M, k.C / k.G, k.R, k.S);
            for (int32_t& v : x.data) v = 1 + static_cast<int32_t>(rng() % 7);
            for (int32_t& v : w.data) v = static_cast<int32_t>(rng() % 3);  // a third zeros
            for (int c = 0; c < std::min(zero_channels, k.C); ++c)  // zeros in the first channels
                for (int i = 0; i < 5; ++i)
                    x.at(static_cast<int>(rng() % k.N), c, static_cast<int>(rng() % k.H),
                         static_cast<int>(rng() % k.W)) = 0;
            for (const bool gx : {false, true})
                for (const bool gw : {false, true}) {
                    uint64_t want = 0;
                    for (int n = 0; n < s.N; ++n)
                        for (int m = 0; m < s.M; ++m)
                            for (int e = 0; e < s.E(); ++e)
                                for (int f = 0; f < s.F(); ++f)
                                    for (int c = 0; c < s.Cg(); ++c)
                                        for (int r = 0; r < s.R; ++r)
                                            for (int q = 0; q < s.S; ++q) {
                                                const int h = e * s.U + r - s.P, v = f * s.U + q - s.P;
                                                const bool pad = h < 0 || h >= s.H || v < 0 || v >= s.W;
                                                const bool xz = pad || x.at(n, m / s.Mg() * s.Cg() + c, h, v) == 0;
                                                want += (gw && w.at(m, c, r, q) == 0) || (gx && xz);
                                            }
                    EXPECT_EQ(reference_gated_macs(l, x, w, gx, gw), want)
                        << "C " << k.C << " zero channels " << zero_channels << " gate_x " << gx << " gate_w " << gw;
                }
        }
}

TEST(Synthetic, ExactZeroFractionRangeAndDeterminism) {
    Tensor4 a(1, 3, 17, 19), b(1, 3, 17, 19);
    SyntheticSource s;
    s.zero_fraction = 0.3;
    s.seed = 7;
    Format f{5, true};
    fill_synthetic(a, f, s);
    fill_synthetic(b, f, s);
    EXPECT_EQ(a, b);
    size_t zeros = 0;
    for (int32_t v : a.data) {
        zeros += v == 0;
        EXPECT_GE(v, -16);
        EXPECT_LE(v, 15);
    }
    EXPECT_EQ(zeros, static_cast<size_t>(std::llround(0.3 * 3 * 17 * 19)));
    s.seed = 8;
    fill_synthetic(b, f, s);
    EXPECT_NE(a, b);
    for (const char* dist : {"normal", "laplace"}) {
        s.distribution = dist;
        fill_synthetic(b, Format{8, false}, s);
        for (int32_t v : b.data) EXPECT_TRUE(v >= 0 && v <= 255);
    }
}

// fill_synthetic's normal values are drawn in blocks through polynomial log and cos
// (workload/synthetic.cpp, normal_values); they must be bit for bit those of the plain one-by-one
// loop below (the definition: Rng::normal() through libm, llround, clamp, redraw zeros), also in
// where the generator ends (the zero positions are drawn after the values). 4.6 M values over
// formats, scales and seeds; the test also counts the values whose exact figure lies within 1e-6
// of a rounding boundary (those normal_values rounds through libm itself), so that it is known
// to exercise that path too.
TEST(Synthetic, NormalValuesEqualOneByOneDraws) {
    size_t near_boundary = 0, values = 0;
    struct Case {
        int bits;
        bool is_signed;
        double scale, zero_fraction;
        uint64_t seed;
        int count;
    };
    for (const Case& k : {Case{8, true, 0.25, 0.0, 23, 2000000}, Case{8, true, 0.25, 0.3, 5, 300000},
                          Case{4, true, 0.5, 0.0, 9, 500000}, Case{8, false, 0.25, 0.1, 77, 300000},
                          Case{16, true, 0.01, 0.0, 3, 1000000}, Case{2, true, 3.0, 0.0, 4, 200000},
                          Case{8, true, 0.05, 0.0, 6, 300000}}) {
        Tensor4 t(1, 1, 1, k.count);
        SyntheticSource s;
        s.distribution = "normal";
        s.scale = k.scale;
        s.zero_fraction = k.zero_fraction;
        s.seed = k.seed;
        const Format f{k.bits, k.is_signed};
        fill_synthetic(t, f, s);
        // the definition, one value at a time
        Rng rng(k.seed);
        const int64_t lo = f.min(), hi = f.max();
        const double mag = static_cast<double>(std::max(-lo, hi));
        std::vector<int32_t> want(t.data.size());
        for (int32_t& v : want)
            for (;;) {
                const double x = rng.normal() * k.scale * mag;
                const double frac = std::fabs(x) - std::floor(std::fabs(x));
                near_boundary += std::fabs(frac - 0.5) < 1e-6;
                const int64_t r = std::clamp(static_cast<int64_t>(std::llround(x)), lo, hi);
                if (r != 0) {
                    v = static_cast<int32_t>(r);
                    break;
                }
            }
        const auto zeros = static_cast<size_t>(std::llround(k.zero_fraction * static_cast<double>(want.size())));
        std::vector<uint32_t> idx(want.size());
        std::iota(idx.begin(), idx.end(), 0u);
        for (size_t i = 0; i < zeros; ++i) {
            const size_t j = i + static_cast<size_t>(rng.next_u64() % (idx.size() - i));
            std::swap(idx[i], idx[j]);
            want[idx[i]] = 0;
        }
        values += want.size();
        size_t differ = 0;
        for (size_t i = 0; i < want.size(); ++i) differ += want[i] != t.data[i];
        EXPECT_EQ(differ, 0u) << k.bits << " bits, scale " << k.scale << ", seed " << k.seed;
    }
    EXPECT_GT(near_boundary, 0u) << "no value of the " << values << " came near a rounding boundary";
}

TEST(GlobalBuffer, RefusesSlotsThatDoNotFit) {
    GlbParams p;
    p.size_bytes = 1024;
    std::vector<hw::SlotDecl> ok{{DataType::Ifmap, 512, 8, "a"}, {DataType::Psum, 128, 32, "b"}};
    EXPECT_NO_THROW(hw::GlobalBuffer(p, ok));
    std::vector<hw::SlotDecl> too_big{{DataType::Ifmap, 512, 8, "a"}, {DataType::Psum, 129, 32, "b"}};
    EXPECT_THROW(hw::GlobalBuffer(p, too_big), hw::CapacityError);
}

namespace {

// A grid pass engine on a 4x5 array over one 4x4 ifmap (values 1..16), two 3x3 filters (of ones
// and of twos) and a 2x2 output tile per filter: 8 outputs.
struct GridRig {
    ArchParams a = small_arch();
    hw::LayerParams layer{4, 4, 3, 1, 0, 2, 8, 8, Requant{}};  // H, W, S, U, P, F, widths, requant
    hw::Datapath dp;
    hw::PeGrid pes{a.rows, a.cols};
    hw::GlobalBuffer glb{a.glb,
                         {{DataType::Ifmap, 16, 8, "i"}, {DataType::Filter, 18, 8, "f"}, {DataType::Psum, 8, 32, "p"}}};
    ActionCounts counts;
    GridRig() {
        glb.shape(0, {1, 1, 4, 4});
        glb.shape(1, {2, 1, 3, 3});
        glb.shape(2, {1, 2, 2, 2});
        for (int i = 0; i < 16; ++i) glb.slot(0).data[static_cast<size_t>(i)] = i + 1;
        for (int i = 0; i < 18; ++i) glb.slot(1).data[static_cast<size_t>(i)] = i < 9 ? 1 : 2;
    }
    Cycle run(const hw::GridPass& g) {
        return hw::GridPassEngine(hw::ArrayParts{a, layer, dp, pes, glb, counts, nullptr}, g).run();
    }
};

// The message of the internal assertion f fails ("" if none).
std::string assertion_of(const std::function<void()>& f) {
    try {
        f();
    } catch (const std::logic_error& e) {
        return e.what();
    }
    return "";
}

hw::GridPass whole_layer(hw::GridMode mode) {
    hw::GridPass g;
    g.ifmap_slot = 0, g.filter_slot = 1, g.psum_slot = 2;
    g.m_count = 2, g.r_count = 3, g.e_count = 2, g.f_count = 2;
    g.mode = mode;
    return g;
}

}  // namespace

// The dataflow places a grid pass; the hardware runs a placement that fits and refuses one
// that does not (outside the array, or forwarding between PEs that are not neighbours).
TEST(GridPass, ThePlacementMustFitTheArray) {
    GridRig r;
    using hw::IfmapDelivery;
    EXPECT_GT(r.run(whole_layer(hw::OutputMode{IfmapDelivery::Bus, 4})), 0u);  // 2 PE rows of 4
    EXPECT_EQ(r.glb.slot(2).at(0, 0, 0, 0), 1 + 2 + 3 + 5 + 6 + 7 + 9 + 10 + 11);
    EXPECT_EQ(r.glb.slot(2).at(0, 1, 1, 1), 2 * (6 + 7 + 8 + 10 + 11 + 12 + 14 + 15 + 16));
    EXPECT_GT(r.run(whole_layer(hw::OutputMode{IfmapDelivery::NeighbourForward, 2})), 0u);  // 4 PE rows of 2
    EXPECT_NE(assertion_of([&] {
                  r.run(whole_layer(hw::OutputMode{IfmapDelivery::Bus, 6}));
              }).find("output pass does not fit the array"),
              std::string::npos);  // 6 columns of 5
    EXPECT_NE(assertion_of([&] {
                  r.run(whole_layer(hw::OutputMode{IfmapDelivery::Bus, 1}));
              }).find("output pass does not fit the array"),
              std::string::npos);  // 8 rows of 4
    EXPECT_NE(assertion_of([&] {
                  r.run(whole_layer(hw::OutputMode{IfmapDelivery::NeighbourForward, 3}));
              }).find("side by side"),
              std::string::npos);  // an output row split over two PE rows
    hw::GridPass reduce = whole_layer(hw::ReduceMode{hw::WeightSource::RegisterFile, 1});
    EXPECT_GT(r.run(reduce), 0u);  // 3 PE rows (c, r) x 2 columns (filters)
    EXPECT_EQ(r.glb.slot(2).at(0, 1, 0, 1), 2 * (2 + 3 + 4 + 6 + 7 + 8 + 10 + 11 + 12));
    reduce.pe_row0 = 2;
    EXPECT_NE(assertion_of([&] { r.run(reduce); }).find("reduce pass does not fit the array"), std::string::npos);
}

// The row-stationary MAC kernel (hw/mac_rows.h) against its definition, a scalar loop: acc[k *
// ld + f] += the int32 sum over i < n of w[k * n + i] * x[xoff[i] + f], for every count of
// filters the kernel takes in blocks of four, two and one (p = 1..9) and column counts that
// leave whole and partial vector blocks, with 8-bit values and random offsets.
TEST(MacRows, EqualsItsDefinitionForEveryBlockOfFiltersAndColumns) {
    std::mt19937 gen(7);
    std::uniform_int_distribution<int32_t> value(-128, 127);
    for (int p = 1; p <= 9; ++p)
        for (int n : {1, 3, 10})
            for (int F : {1, 7, 8, 9, 16, 17, 27, 55}) {
                const int ld = hw::mac_stride(F);
                const int words = 64 + ld;  // room for the largest offset plus a row of columns
                std::vector<int32_t> x(static_cast<size_t>(words)), w(static_cast<size_t>(p * n));
                for (auto& v : x) v = value(gen);
                for (auto& v : w) v = value(gen);
                std::vector<int> xoff(static_cast<size_t>(n));
                for (auto& o : xoff) o = static_cast<int>(gen() % 64);
                std::vector<int64_t> acc(static_cast<size_t>(p * ld)), want(acc.size());
                for (size_t i = 0; i < acc.size(); ++i) acc[i] = want[i] = static_cast<int64_t>(gen() % 1000) - 500;
                for (int k = 0; k < p; ++k)
                    for (int f = 0; f < ld; ++f) {
                        int32_t sum = 0;
                        for (int i = 0; i < n; ++i)
                            sum += w[static_cast<size_t>(k * n + i)] *
                                   x[static_cast<size_t>(xoff[static_cast<size_t>(i)] + f)];
                        want[static_cast<size_t>(k * ld + f)] += sum;
                    }
                hw::mac_rows(acc.data(), x.data(), xoff.data(), w.data(), p, n, F);
                ASSERT_EQ(acc, want) << "p " << p << " n " << n << " F " << F;
            }
}
