// Every simulated layer's output equals the plain reference convolution, bit for bit, on shapes
// that exercise stride, padding, groups, R != S, channel counts not divisible by the array,
// filter-row folding, strips, batches, FC layers and requantization.
#include <gtest/gtest.h>

#include "quant/requantize.h"
#include "base/rng.h"
#include "sim/reference.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

struct Case {
    const char* what;
    Layer layer;
};

std::vector<Case> cases() {
    std::vector<Case> v;
    v.push_back({"stride 4, 7x7", conv("s4", 3, 23, 23, 8, 7, 7, 4)});
    v.push_back({"padding 1", conv("pad", 5, 9, 9, 6, 3, 3, 1, 1)});
    v.push_back({"groups 2", conv("grp", 8, 8, 8, 12, 3, 3, 1, 1, 2)});
    v.push_back({"R != S", conv("rs", 4, 10, 12, 5, 3, 5, 1, 1)});
    v.push_back({"odd channels", conv("odd", 7, 7, 7, 13, 3, 3, 1, 0)});
    v.push_back({"R > array rows (folded)", conv("tall", 3, 12, 12, 4, 5, 2, 1, 2)});
    v.push_back({"E > array cols (strips)", conv("wide", 2, 20, 9, 3, 3, 3, 1, 0)});
    v.push_back({"1x1 stride 2", conv("pw", 6, 9, 9, 7, 1, 1, 2, 0)});
    v.push_back({"padding wider than the taps, stride 3", conv("widepad", 2, 3, 4, 3, 2, 2, 3, 3)});
    v.push_back({"batch 2", conv("batch", 3, 8, 8, 4, 3, 3, 1, 1, 1, 2)});
    Layer fc = conv("fc", 16, 3, 3, 10, 3, 3);
    fc.type = LayerType::Fc;
    v.push_back({"FC", fc});
    Layer rq = conv("requant", 6, 9, 9, 8, 3, 3, 1, 1);
    rq.requant = Requant::scalar(1234567, 27, true, Format{8, true});
    v.push_back({"requant + ReLU", rq});
    Layer sparse = conv("sparse", 4, 9, 9, 5, 3, 3, 2, 1);
    sparse.ifmap_data.zero_fraction = 0.4;
    v.push_back({"zeros in ifmap", sparse});
    return v;
}

void expect_exact(const Layer& l, const ArchParams& a, const std::string& dataflow) {
    RunOptions opt;
    opt.dataflow = dataflow;
    LayerResult r = simulate_layer(l, a, table45(), opt, /*keep_output=*/true);
    EXPECT_EQ(r.output_check, OutputCheck::BitExact)
        << l.name << " on " << a.name << " (" << dataflow << "): " << r.mismatches << " mismatches";
    // the comparison itself, redone here: the kept output against the reference
    LayerData d = make_layer_data(l);
    EXPECT_TRUE(r.output == reference_conv(l, d.ifmap, d.filter)) << l.name << " " << dataflow;
    // MACs: N*M*E*F*(C/G)*R*S, the definition of the layer's work
    const LayerShape& s = l.shape;
    EXPECT_EQ(r.counts.macs, static_cast<uint64_t>(s.N) * s.M * s.E() * s.F() * (s.C / s.G) * s.R * s.S) << l.name;
    EXPECT_EQ(r.counts.psum_saturations, 0u);
}

// The definition, loop for loop (7 nested loops, bounds tested per term), kept here to check the
// reference convolution, whose loops are reordered for speed.
Tensor4 naive_conv(const Layer& l, const Tensor4& ifmap, const Tensor4& filter) {
    const LayerShape& s = l.shape;
    Tensor4 out(s.N, s.M, s.E(), s.F());
    for (int n = 0; n < s.N; ++n)
        for (int m = 0; m < s.M; ++m)
            for (int y = 0; y < s.E(); ++y)
                for (int x = 0; x < s.F(); ++x) {
                    int64_t acc = 0;
                    for (int c = 0; c < s.Cg(); ++c)
                        for (int r = 0; r < s.R; ++r)
                            for (int k = 0; k < s.S; ++k) {
                                const int iy = y * s.U + r - s.P, ix = x * s.U + k - s.P;
                                if (iy >= 0 && iy < s.H && ix >= 0 && ix < s.W)
                                    acc +=
                                        int64_t{ifmap.at(n, (m / s.Mg()) * s.Cg() + c, iy, ix)} * filter.at(m, c, r, k);
                            }
                    out.at(n, m, y, x) = l.requant.enabled ? requantize(acc, l.requant) : static_cast<int32_t>(acc);
                }
    return out;
}

void expect_all_exact(const ArchParams& a) {
    for (const Dataflow* df : all_dataflows())
        for (const Case& c : cases()) {
            SCOPED_TRACE(std::string(c.what) + " / " + df->name());
            expect_exact(c.layer, a, df->name());
        }
}

}  // namespace

TEST(BitExact, ReferenceIsTheDefinition) {
    for (const Case& c : cases()) {
        LayerData d = make_layer_data(c.layer);
        EXPECT_TRUE(reference_conv(c.layer, d.ifmap, d.filter) == naive_conv(c.layer, d.ifmap, d.filter)) << c.what;
    }
}

// every dataflow, every shape
TEST(BitExact, SmallArrayAllShapes) { expect_all_exact(small_arch()); }

TEST(BitExact, EyerissAllShapes) { expect_all_exact(eyeriss()); }

TEST(BitExact, SingleBufferedAndTinyBuffer) {
    ArchParams a = small_arch(3, 4, 2);  // 2 KB: many tiles, psums accumulated across channel tiles
    a.glb.double_buffer = false;
    expect_all_exact(a);
}

TEST(BitExact, AdderTreeReduction) {
    ArchParams a = small_arch();
    a.noc.reduction = NocParams::Reduction::AdderTree;
    for (const Case& c : cases()) {
        SCOPED_TRACE(c.what);
        expect_exact(c.layer, a, "nlr");
    }
}

TEST(BitExact, AlexNetConv1FullSize) {
    // the real CONV1 shape (stride 4, 11x11, 227x227) on the default config
    Network net = load_network(src("workloads/alexnet.yaml"));
    RunOptions opt;
    for (const char* df : {"rs", "ws", "os-b"}) {
        opt.dataflow = df;
        LayerResult r = simulate_layer(net.layers.at(0), eyeriss(), table45(), opt);
        EXPECT_EQ(r.output_check, OutputCheck::BitExact) << df;
        EXPECT_EQ(r.counts.macs, 105415200u) << df;  // 96 * 55 * 55 * 3 * 11 * 11
    }
}

// Random shapes on random small arrays and buffers (fixed seed, so the same every run): every
// dataflow that finds a mapping must match the reference (and, on dense data, its analytical
// model's counts), and mappings must be found for most.
TEST(BitExact, RandomShapesEveryDataflow) {
    Rng rng(20261122);
    auto pick = [&](int lo, int hi) {
        return lo + static_cast<int>(rng.next_u64() % static_cast<uint64_t>(hi - lo + 1));
    };
    int mapped = 0, tried = 0;
    for (int k = 0; k < 60; ++k) {
        const int G = pick(1, 2), R = pick(1, 5), S = pick(1, 5), U = pick(1, 3), P = pick(0, 2);
        const int C = G * pick(1, 6), M = G * pick(1, 7), N = pick(1, 3);
        const int H = pick(R, 14), W = pick(S, 14);
        Layer l = conv("rand" + std::to_string(k), C, H, W, M, R, S, U, P, G, N);
        l.ifmap_data.zero_fraction = 0.1 * pick(0, 5);
        if (k % 3 == 0) l.requant = Requant::scalar(1 + pick(0, 1 << 20), pick(10, 24), k % 2 == 0, Format{8, true});
        ArchParams a = small_arch(pick(2, 6), pick(2, 7), 0.5 * pick(2, 32));
        a.glb.double_buffer = k % 4 != 1;
        a.noc.reduction = k % 2 ? NocParams::Reduction::AdderTree : NocParams::Reduction::Chain;
        for (const Dataflow* df : all_dataflows()) {
            SCOPED_TRACE(l.name + " / " + df->name() + " / " + std::to_string(a.rows) + "x" + std::to_string(a.cols) +
                         " " + std::to_string(a.glb.size_bytes) + " B");
            ++tried;
            RunOptions opt;
            opt.dataflow = df->name();
            try {
                LayerResult r = simulate_layer(l, a, table45(), opt);
                ++mapped;
                EXPECT_EQ(r.output_check, OutputCheck::BitExact);
                EXPECT_EQ(r.counts.macs, l.shape.macs());
                EXPECT_LE(r.glb_bytes_used, static_cast<uint64_t>(a.glb.size_bytes));
                if (l.ifmap_data.zero_fraction == 0) {  // dense: the analytical model counts the same
                    auto m = df->choose_mapping(l, a, table45(), Objective::Energy);
                    expect_counts_equal(r.counts, df->estimate(l, a, table45(), *m).counts, m->summary());
                }
            } catch (const MappingError&) {
                // a buffer too small for this dataflow's smallest tile: allowed, counted below
            }
        }
    }
    EXPECT_GT(mapped, tried * 3 / 4) << mapped << " of " << tried;
    std::printf("random shapes: %d of %d (layer, dataflow) pairs mapped and bit-exact\n", mapped, tried);
}

// An accumulator beyond int32 is bad input (the layer cannot run on 32-bit psums), not a crash:
// 4 channels x 3 x 3 taps of 32767 x 32767 = 36 x 1073676289 = 38652346404 > 2^31 - 1.
TEST(Reference, AccumulatorBeyondInt32IsBadInput) {
    Layer l = conv("O", 4, 3, 3, 1, 3, 3);
    l.ifmap.bits = l.filter.bits = 16;
    Tensor4 x(1, 4, 3, 3), w(1, 4, 3, 3);
    std::fill(x.data.begin(), x.data.end(), 32767);
    std::fill(w.data.begin(), w.data.end(), 32767);
    try {
        reference_acc(l, x, w);
        ADD_FAILURE() << "no UserError";
    } catch (const UserError& e) {
        EXPECT_NE(std::string(e.what()).find("layer O: an accumulator exceeds int32"), std::string::npos) << e.what();
    }
    w.data.assign(w.size(), 1);  // 36 x 32767 fits
    EXPECT_EQ(reference_acc(l, x, w).data, std::vector<int32_t>{36 * 32767});
}
