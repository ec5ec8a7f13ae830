// Unit tests of building blocks: the bandwidth calendar, requantization, the reference
// convolution on a hand-computed example, synthetic data, and the buffer's capacity check.
#include <gtest/gtest.h>

#include <cmath>

#include "quant/requantize.h"
#include "hw/calendar.h"
#include "hw/global_buffer.h"
#include "sim/reference.h"
#include "workload/synthetic.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

TEST(Calendar, NeverExceedsCapacityAndServesInRequestOrder) {
    hw::Calendar bus(64);
    EXPECT_EQ(bus.place(0, 64), 1u);    // one full cycle
    EXPECT_EQ(bus.place(0, 32), 2u);    // cycle 0 is full: lands in cycle 1
    EXPECT_EQ(bus.place(0, 64), 3u);    // 32 bits left in cycle 1, 32 in cycle 2
    EXPECT_EQ(bus.place(10, 128), 12u); // cycles 10 and 11
    EXPECT_EQ(bus.place(2, 32), 3u);    // the hole left in cycle 2
    EXPECT_EQ(bus.place(5, 0), 5u);
    EXPECT_EQ(bus.busy_bits(), 64u + 32 + 64 + 128 + 32);
}

TEST(Requantize, HandValues) {
    Requant rq = Requant::scalar(3, 2, false, Format{8, true});
    EXPECT_EQ(requantize(10, rq), 8);     // (30 + 2) >> 2 = 8
    EXPECT_EQ(requantize(-10, rq), -7);   // (-30 + 2) >> 2 = -7 (floor of -7)
    EXPECT_EQ(requantize(1000, rq), 127); // saturates
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
    std::vector<int32_t> expect = {0, 2, 4, 6,      //
                                   -1, 7, 9, 15,    //
                                   -4, 13, 15, 24,  //
                                   -7, -1, -1, 9};
    EXPECT_EQ(y.data, expect);
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

TEST(GlobalBuffer, RefusesSlotsThatDoNotFit) {
    GlbParams p;
    p.size_bytes = 1024;
    std::vector<hw::SlotDecl> ok{{DataType::Ifmap, 512, 8, "a"}, {DataType::Psum, 128, 32, "b"}};
    EXPECT_NO_THROW(hw::GlobalBuffer(p, ok));
    std::vector<hw::SlotDecl> too_big{{DataType::Ifmap, 512, 8, "a"}, {DataType::Psum, 129, 32, "b"}};
    EXPECT_THROW(hw::GlobalBuffer(p, too_big), hw::CapacityError);
}
