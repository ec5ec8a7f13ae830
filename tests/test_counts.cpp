// Access and MAC counts: the simulator's counters against (1) a hand count on a tiny layer,
// (2) the closed-form analytical model on dense data, and (3) zeros counted in the tensors.
#include <gtest/gtest.h>

#include <cmath>

#include "dataflows/rs/row_stationary.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

RsMapping pin(int h, int e, int p, int q, int r, int t, int Et, int Mt, int Ct, bool dbl, LoopOrder order = kOrderNEM) {
    RsMapping m;
    m.h = h, m.e = e, m.p = p, m.q = q, m.r = r, m.t = t;
    m.Et = Et, m.Mt = Mt, m.Ct = Ct;
    m.buffers = Buffering::all(dbl);
    m.order = order;
    return m;
}

LayerResult run_pinned(const Layer& l, const ArchParams& a, const RsMapping& m) {
    EXPECT_EQ(RowStationary::check(l, a, m), "");
    RowStationary rs;
    return simulate_mapped(l, a, table45(), rs, m, make_layer_data(l), true);
}

}  // namespace

// 1 channel, 1 filter, 4x4 ifmap, 3x3 filter -> 2x2 output; one pass on a 3x2 PE set.
// Counted by hand from the model's definitions (docs/report.md):
TEST(Counts, HandCountTinyLayer) {
    Layer l = conv("tiny", 1, 4, 4, 1, 3, 3);
    RsMapping m = pin(3, 2, 1, 1, 1, 1, 2, 1, 1, false);
    LayerResult r = run_pinned(l, small_arch(), m);
    ASSERT_EQ(r.output_check, OutputCheck::BitExact);
    const AccessCounts& c = r.counts.acc;
    EXPECT_EQ(r.counts.macs, 36u);  // 2x2 outputs x 9 taps
    EXPECT_EQ(r.counts.gated_macs, 0u);  // dense data, no padding
    // DRAM: the 16 ifmap words and 9 weights in once, the 4 outputs out once
    EXPECT_EQ(c.at(Level::Dram, DataType::Ifmap).reads, 16u);
    EXPECT_EQ(c.at(Level::Dram, DataType::Filter).reads, 9u);
    EXPECT_EQ(c.at(Level::Dram, DataType::Psum).writes, 4u);
    // GLB: filled with them; the pass reads 4 ifmap rows x 4 positions and the 9 weights once;
    // each of the 2 set columns writes 2 outputs; the store reads the 4 outputs
    EXPECT_EQ(c.at(Level::Glb, DataType::Ifmap).writes, 16u);
    EXPECT_EQ(c.at(Level::Glb, DataType::Filter).writes, 9u);
    EXPECT_EQ(c.at(Level::Glb, DataType::Ifmap).reads, 16u);
    EXPECT_EQ(c.at(Level::Glb, DataType::Filter).reads, 9u);
    EXPECT_EQ(c.at(Level::Glb, DataType::Psum).writes, 4u);
    EXPECT_EQ(c.at(Level::Glb, DataType::Psum).reads, 4u);
    // NoC: 16 ifmap words put on the bus, 6 PEs take 4 words each; 9 weights put on, each
    // taken by the 2 PEs of its row; psums: 3 PEs per column send 2 each (2 columns) = 12
    // put on; taken: 2 adds per column x 2 psums x 2 columns = 8, plus 4 into the buffer
    EXPECT_EQ(c.at(Level::Noc, DataType::Ifmap).writes, 16u);
    EXPECT_EQ(c.at(Level::Noc, DataType::Ifmap).reads, 24u);
    EXPECT_EQ(c.at(Level::Noc, DataType::Filter).writes, 9u);
    EXPECT_EQ(c.at(Level::Noc, DataType::Filter).reads, 18u);
    EXPECT_EQ(c.at(Level::Noc, DataType::Psum).writes, 12u);
    EXPECT_EQ(c.at(Level::Noc, DataType::Psum).reads, 12u);
    // RF: spads written with what the PEs took; per MAC one ifmap, one filter and one psum
    // read and a psum write; 8 adds read+write a psum; 12 sends read one
    EXPECT_EQ(c.at(Level::Rf, DataType::Ifmap).writes, 24u);
    EXPECT_EQ(c.at(Level::Rf, DataType::Filter).writes, 18u);
    EXPECT_EQ(c.at(Level::Rf, DataType::Ifmap).reads, 36u);
    EXPECT_EQ(c.at(Level::Rf, DataType::Filter).reads, 36u);
    EXPECT_EQ(c.at(Level::Rf, DataType::Psum).reads, 36u + 8u + 12u);
    EXPECT_EQ(c.at(Level::Rf, DataType::Psum).writes, 36u + 8u);
    EXPECT_EQ(r.counts.psum_adds, 8u);
}

TEST(Counts, SimulatorMatchesAnalyticalModelOnDenseData) {
    struct P {
        Layer l;
        ArchParams a;
        RsMapping m;
    };
    std::vector<P> ps;
    ArchParams a = small_arch();
    // chains of 2 channel sets, 2 chains, channel and filter tiles smaller than the layer
    ps.push_back({conv("chain", 6, 7, 7, 5, 2, 3, 1, 1), a, pin(2, 2, 2, 2, 2, 2, 4, 4, 4, true)});
    ps.push_back({conv("chain-m-outer", 6, 7, 7, 5, 2, 3, 1, 1), a, pin(2, 2, 2, 2, 2, 2, 4, 4, 4, true, kOrderNME)});
    // folded filter rows (R = 5 > h = 3), stride 2, single buffered
    ps.push_back({conv("fold", 3, 11, 11, 4, 5, 3, 2, 2), a, pin(3, 3, 2, 1, 1, 1, 3, 2, 2, false)});
    // groups and a remainder everywhere
    ps.push_back({conv("groups", 6, 9, 9, 10, 3, 3, 1, 1, 2), a, pin(3, 2, 3, 2, 1, 2, 5, 4, 2, true)});
    // a batch in every DRAM loop order: images inside the row and filter loops too
    for (const LoopOrder& order : kLoopOrders) {
        RsMapping m = pin(3, 2, 3, 2, 1, 2, 5, 4, 2, true, order);
        m.Nt = 2;
        ps.push_back({conv("orders-" + m.order_name(), 6, 9, 9, 10, 3, 3, 1, 1, 2, 5), a, m});
    }
    // each tensor single- or double-buffered on its own
    for (const Buffering& b :
         {Buffering{true, true, false}, Buffering{false, false, true}, Buffering{true, false, true}}) {
        RsMapping m = pin(3, 2, 3, 2, 1, 2, 5, 4, 2, true, LoopOrder{TileLoop::M, TileLoop::N, TileLoop::E});
        m.Nt = 2, m.buffers = b;
        ps.push_back({conv("buffers" + m.summary(), 6, 9, 9, 10, 3, 3, 1, 1, 2, 5), a, m});
    }
    Layer rq = conv("requant", 5, 8, 8, 7, 3, 3, 1, 1);
    rq.requant = Requant::scalar(3, 9, true, Format{8, true});
    ps.push_back({rq, a, pin(3, 5, 4, 2, 1, 1, 6, 7, 5, true)});
    for (const P& p : ps) {
        SCOPED_TRACE(p.l.name);
        LayerResult r = run_pinned(p.l, p.a, p.m);
        EXPECT_EQ(r.output_check, OutputCheck::BitExact);
        RowStationary rs;
        Estimate est = rs.estimate(p.l, p.a, table45(), p.m);
        expect_counts_equal(r.counts, est.counts, p.l.name);
    }
    // and the mapper's own choices on the real AlexNet CONV2 and CONV3 shapes
    const std::vector<Layer> alexnet = accelerator_layers(load_network(src("workloads/alexnet.yaml")));
    for (int i : {1, 2}) {
        const Layer& l = alexnet.at(static_cast<size_t>(i));
        RowStationary rs;
        auto m = rs.choose_mapping(l, eyeriss(), table45(), Objective::Energy);
        LayerResult r = simulate_mapped(l, eyeriss(), table45(), rs, *m, make_layer_data(l), false);
        expect_counts_equal(r.counts, rs.estimate(l, eyeriss(), table45(), *m).counts, l.name);
    }
}

// Zero gating: the gated MACs are exactly the MACs whose ifmap operand (padding included) is
// zero, counted here by brute force over the loop nest.
TEST(Counts, GatedMacsEqualZerosInTheData) {
    for (double zf : {0.0, 0.25, 0.5, 0.9}) {
        Layer l = conv("gating", 4, 9, 9, 3, 3, 3, 1, 1);
        l.ifmap_data.zero_fraction = zf;
        LayerData d = make_layer_data(l);
        const LayerShape& s = l.shape;
        uint64_t zeros = 0, expected_gated = 0;
        for (int32_t v : d.ifmap.data) zeros += v == 0;
        EXPECT_EQ(zeros, static_cast<uint64_t>(std::llround(zf * static_cast<double>(d.ifmap.size()))));
        for (int m = 0; m < s.M; ++m)
            for (int y = 0; y < s.E(); ++y)
                for (int x = 0; x < s.F(); ++x)
                    for (int c = 0; c < s.C; ++c)
                        for (int r = 0; r < s.R; ++r)
                            for (int k = 0; k < s.S; ++k) {
                                int iy = y + r - s.P, ix = x + k - s.P;
                                bool pad = iy < 0 || iy >= s.H || ix < 0 || ix >= s.W;
                                expected_gated += pad || d.ifmap.at(0, c, iy, ix) == 0;
                            }
        for (const ArchParams& a : {small_arch(), eyeriss()}) {
            RunOptions opt;
            LayerResult r = simulate_layer(l, a, table45(), opt);
            EXPECT_EQ(r.output_check, OutputCheck::BitExact);
            EXPECT_EQ(r.counts.gated_macs, expected_gated) << "zero fraction " << zf << " on " << a.name;
            // a gated MAC skips the filter read and the psum update, not the ifmap read
            EXPECT_EQ(r.counts.acc.at(Level::Rf, DataType::Filter).reads, r.counts.macs - expected_gated);
            EXPECT_EQ(r.counts.acc.at(Level::Rf, DataType::Ifmap).reads, r.counts.macs);
        }
    }
}
