// The mappers' map space at the buffer level (dataflows/tiling.h): the six DRAM loop orders, the
// channel loop's place among them (psum spills) and the near-divisor tile sizes. The closed-form traffic of every order against the loads of the
// program built from it (an independent, naive walk); the tile sizes against a hand count; and
// the space as a whole: a larger buffer never leaves a dataflow with more DRAM traffic, and one
// that holds the whole layer moves each word once (the compulsory traffic, counted by hand).
#include <gtest/gtest.h>

#include <map>

#include <set>

#include "dataflows/dataflow.h"
#include "config/yaml_reader.h"
#include "dataflows/tiling.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// The words the program's transfers move, per DRAM tensor and direction.
struct ProgramWords {
    uint64_t ifmap = 0, filter = 0, psum_loads = 0, psum_stores = 0, outputs = 0;
};
ProgramWords program_words(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const hw::Program p =
        build_tiled_program(l, a, t, [](const TileStep&, const TileSlotIds&, std::vector<hw::Op>&) {});
    ProgramWords w;
    for (const hw::Op& op : p.ops)
        if (const auto* ld = op.as<hw::Load>())
            (ld->tensor == hw::DramTensor::Ifmap    ? w.ifmap
             : ld->tensor == hw::DramTensor::Filter ? w.filter
                                                    : w.psum_loads) += ld->box.words();
        else if (const auto* st = op.as<hw::Store>())
            (st->tensor == hw::DramTensor::Psum ? w.psum_stores : w.outputs) += st->box.words();
    return w;
}

uint64_t dram_accesses(const ActionCounts& c) {
    uint64_t sum = 0;
    for (DataType d : {DataType::Ifmap, DataType::Filter, DataType::Psum})
        sum += c.acc.at(Level::Dram, d).reads + c.acc.at(Level::Dram, d).writes;
    return sum;
}

// Each input, weight and output word moved once (by hand from the shape).
uint64_t compulsory(const LayerShape& s) {
    return static_cast<uint64_t>(s.N) * s.C * s.H * s.W + static_cast<uint64_t>(s.M) * s.Cg() * s.R * s.S +
           static_cast<uint64_t>(s.N) * s.M * s.E() * s.F();
}

}  // namespace

// tile_sizes: for 55 output rows in blocks of 1, the sizes that cover them in 1..16 tiles
// (ceil(55/k): 55 28 19 14 11 10 8 7 6 5 4), then powers of two (2, 1); by hand.
TEST(MapSpace, TileSizesAreTheNearDivisors) {
    EXPECT_EQ(tile_sizes(1, 55), (std::vector<int>{1, 2, 4, 5, 6, 7, 8, 10, 11, 14, 19, 28, 55}));
    // blocks of 16 filters over 384: 24 blocks; k tiles of ceil(24/k) blocks for k <= 16, then 16 x 2^j
    EXPECT_EQ(tile_sizes(16, 384), (std::vector<int>{16, 32, 48, 64, 80, 96, 128, 192, 384}));
    EXPECT_EQ(tile_sizes(8, 5), (std::vector<int>{5}));  // a block larger than the extent: the extent
    for (int whole : {1, 7, 96, 227, 4096})
        for (int block : {1, 3, 16}) {
            const std::vector<int> v = tile_sizes(block, whole);
            std::set<int> counts;
            for (int size : v) {
                EXPECT_TRUE(size == whole || size % block == 0) << whole << "/" << block << ": " << size;
                EXPECT_TRUE(counts.insert((whole + size - 1) / size).second) << "two sizes, one tile count";
            }
            EXPECT_EQ(v.back(), whole);
            EXPECT_TRUE(std::is_sorted(v.begin(), v.end()));
        }
}

// The closed-form traffic (traffic_counts, which extrapolates alike loop iterations) moves what
// the program's loads move, in every loop order with the channel loop at each of its four places
// (psums spilled and loaded back where it is not innermost), for tilings with remainders (after
// more than four full tiles too: the extrapolation runs the last two tiles; and row tiles, of
// which the unclamped ones are extrapolated), groups,
// batches that tile evenly and not, single and double buffering, prefetched filters.
TEST(MapSpace, TrafficOfEveryOrderEqualsTheProgramsLoads) {
    const std::vector<Layer> layers = {
        conv("b6", 4, 6, 6, 12, 3, 3, 1, 1, 1, 6),   conv("grp", 6, 9, 9, 10, 3, 3, 1, 1, 2, 3),
        conv("s2", 5, 13, 11, 9, 5, 3, 2, 2, 1, 5),  conv("pw", 12, 5, 5, 20, 1, 1, 1, 0, 1, 8),
        conv("c13", 13, 5, 5, 11, 3, 3, 1, 1, 1, 2),  // uneven channel and filter tiles, more than 4
        conv("tall", 3, 16, 6, 4, 3, 3, 1, 1, 1, 2)};  // more than 4 row tiles away from the padding
    struct Sizes {
        int Nt, Et, Mt, Ct;
    };
    size_t checked = 0, spilled = 0;
    for (const Layer& l : layers)
        for (const Sizes& z : {Sizes{1, 2, 2, 2}, Sizes{2, 3, 4, 3}, Sizes{1, 1, 1, 1}, Sizes{3, 5, 3, 1}})
            for (int buffering = 0; buffering < 3; ++buffering)
                for (const LoopOrder& order : kLoopOrders)
                    for (int c_pos = 0; c_pos < 4; ++c_pos) {
                        const LayerShape& s = l.shape;
                        GlbTiling t;
                        t.Nt = std::min(z.Nt, s.N), t.Et = std::min(z.Et, s.E()), t.Mt = std::min(z.Mt, s.Mg());
                        t.Ct = std::min(z.Ct, s.Cg());
                        t.buffers = buffering == 0   ? Buffering::all(true)
                                    : buffering == 2 ? Buffering::prefetch_filters()
                                                     : Buffering{true, false, false};
                        t.order = order, t.c_pos = c_pos;
                        ArchParams a = small_arch(4, 5, 1024);
                        const ActionCounts c = traffic_counts(l, a, t);
                        const ProgramWords w = program_words(l, a, t);
                        const std::string what = l.name + " " + t.summary();
                        ASSERT_EQ(c.acc.at(Level::Dram, DataType::Ifmap).reads, w.ifmap) << what;
                        ASSERT_EQ(c.acc.at(Level::Dram, DataType::Filter).reads, w.filter) << what;
                        ASSERT_EQ(c.acc.at(Level::Dram, DataType::Psum).reads, w.psum_loads) << what;
                        ASSERT_EQ(c.dram_spill_writes, w.psum_stores) << what;
                        ASSERT_EQ(c.acc.at(Level::Dram, DataType::Psum).writes, w.psum_stores + w.outputs) << what;
                        spilled += w.psum_stores > 0;
                        // and the analytical walk (tiling_traffic) counts the same
                        const TiledTotals walk = tiling_traffic(l, a, t, [](const TileStep&, TiledTotals&) {});
                        ASSERT_TRUE(walk.counts == c) << what;
                        ++checked;
                    }
    EXPECT_EQ(checked, 6u * 4 * 3 * 6 * 4);
    EXPECT_GT(spilled, checked / 4);  // the spill orders are exercised
}

// The order matters: on a batch, the image loop inside the filter loop keeps each filter tile
// resident across the images (filters fetched once), where images outermost fetch them per image.
TEST(MapSpace, ImagesInsideFiltersFetchFiltersOnce) {
    const Layer l = conv("b4", 8, 6, 6, 16, 3, 3, 1, 1, 1, 4);
    GlbTiling t;
    t.Nt = 1, t.Et = 6, t.Mt = 4, t.Ct = 8;
    const ArchParams a = small_arch(4, 5, 1024);
    const uint64_t weights = 16u * 8 * 3 * 3;
    t.order = kOrderNEM;
    EXPECT_EQ(traffic_counts(l, a, t).acc.at(Level::Dram, DataType::Filter).reads, 4 * weights);
    t.order = LoopOrder{TileLoop::M, TileLoop::N, TileLoop::E};
    EXPECT_EQ(traffic_counts(l, a, t).acc.at(Level::Dram, DataType::Filter).reads, weights);
    // and then each image's ifmap comes in once per filter tile: 4 filter tiles x 4 images x 8x6x6
    EXPECT_EQ(traffic_counts(l, a, t).acc.at(Level::Dram, DataType::Ifmap).reads, 4u * 4 * 8 * 6 * 6);
}

// Each dataflow's space exploits its storage: the least DRAM traffic among its legal candidates
// never grows as the buffer doubles, and a buffer that holds the whole layer moves each word once.
TEST(MapSpace, LargerBufferNeverMoreDramTraffic) {
    const EnergyTable table = table45();
    const std::vector<Layer> layers = {conv("conv", 24, 15, 15, 32, 3, 3, 1, 1, 1, 4),
                                       conv("pw", 32, 8, 8, 48, 1, 1, 1, 0, 1, 2),
                                       conv("fc", 256, 1, 1, 96, 1, 1, 1, 0, 1, 4)};
    for (const Layer& l : layers)
        for (const char* name : {"ws", "os-a", "os-b", "os-c", "nlr", "rs"}) {
            const Dataflow& df = find_dataflow(name);
            uint64_t previous = UINT64_MAX;
            for (double kb = 1; kb <= 1024; kb *= 2) {
                ArchParams a = small_arch(4, 5, kb).for_dataflow(name);
                a.glb.search_buffering = true;  // the whole space
                uint64_t least = UINT64_MAX;
                df.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> m) {
                    if (df.check_mapping(l, a, *m).empty())
                        least = std::min(least, dram_accesses(df.bound(l, a, table, *m).counts));
                });
                if (least == UINT64_MAX) continue;  // nothing fits yet
                EXPECT_LE(least, previous) << name << " " << l.name << " at " << kb << " KB";
                previous = least;
            }
            EXPECT_EQ(previous, compulsory(l.shape)) << name << " " << l.name << " at 1 MB";
        }
}

// A mapping in any order is written to a mapping file's entry and read back as the same mapping
// (order: e and m as before, the other four as their letters, outermost first; with the channel
// loop further out, the four letters: 6 x 3 more).
TEST(MapSpace, EveryOrderRoundTripsThroughAMappingFile) {
    const Layer l = conv("grp", 6, 9, 9, 10, 3, 3, 1, 1, 2, 3);
    const ArchParams a = small_arch(4, 5, 1024);
    const Dataflow& rs = find_dataflow("rs");
    std::set<std::string> names;
    for (const LoopOrder& order : kLoopOrders)
        for (int c_pos = 0; c_pos < 4; ++c_pos) {
            std::unique_ptr<Mapping> m;
            rs.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> c) {
                if (!m) m = std::move(c);
            });
            ASSERT_TRUE(m);
            auto& t = dynamic_cast<GlbTiling&>(*m);
            t.order = order, t.c_pos = c_pos;
            t.buffers = Buffering{order[0] == TileLoop::E, true, order[1] == TileLoop::N};  // some of each
            names.insert(t.order_name());
            const std::string yaml = m->to_yaml();
            const auto back = rs.parse_mapping(YamlMap::from_string(yaml, "mapping"), l, a);
            EXPECT_EQ(back->summary(), m->summary()) << yaml;
            EXPECT_EQ(dynamic_cast<const GlbTiling&>(*back).order, order) << yaml;
            EXPECT_EQ(dynamic_cast<const GlbTiling&>(*back).c_pos, c_pos) << yaml;
            EXPECT_EQ(dynamic_cast<const GlbTiling&>(*back).buffers, t.buffers) << yaml;
        }
    EXPECT_EQ(names.size(), 24u);
    for (const char* name : {"e", "m", "enm", "mne", "emn", "men", "cnem", "necm", "mcen"})
        EXPECT_TRUE(names.count(name)) << name;
    // the old spellings still read: nem and nemc are e, nme is m
    for (const auto& [spelling, order, c_pos] :
         {std::tuple{"nem", kOrderNEM, 3}, {"nemc", kOrderNEM, 3}, {"nme", kOrderNME, 3}, {"ncme", kOrderNME, 1}}) {
        GlbTiling t;
        parse_tiling(YamlMap::from_string(std::string("order: ") + spelling, "mapping"), l, a, t);
        EXPECT_EQ(t.order, order) << spelling;
        EXPECT_EQ(t.c_pos, c_pos) << spelling;
    }
}

namespace {

// The first of df's candidates for `l` that, given t's tile sizes and order, passes its check
// (null if none does).
std::unique_ptr<Mapping> with_tiling(const Dataflow& df, const Layer& l, const ArchParams& a, const GlbTiling& t) {
    std::unique_ptr<Mapping> found;
    df.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> m) {
        if (found) return;
        auto& mt = dynamic_cast<GlbTiling&>(*m);
        mt.Nt = t.Nt, mt.Et = t.Et, mt.Mt = t.Mt, mt.Ct = t.Ct, mt.order = t.order, mt.c_pos = t.c_pos;
        mt.buffers = t.buffers;
        if (df.check_mapping(l, a, *m).empty()) found = std::move(m);
    });
    return found;
}

}  // namespace

// Spilled psums by hand: 2 images, 8 channels in tiles of 2 (4 channel tiles), 6 filters in tiles
// of 2 (3 filter tiles), all 6 output rows in one tile; the channel loop outside the filter loop
// (order necm). Every output tile leaves after each of its first three channel tiles and comes
// back before the next: 3 x (2 x 6 x 6 x 6) = 1296 words stored and loaded back at 32 bits, and
// the 432 outputs stored once. The ifmap tile stays resident across the filter tiles: each image's
// 8 x 6 x 6 ifmap once (576 words), where channels innermost fetch it once per filter tile (1728);
// the filters come once per image either way (2 x 6 x 8 x 9 = 864).
TEST(MapSpace, SpilledPsumsByHand) {
    const Layer l = conv("spill", 8, 6, 6, 6, 3, 3, 1, 1, 1, 2);
    const ArchParams a = small_arch(4, 5, 64);
    GlbTiling t;
    t.Nt = 1, t.Et = 6, t.Mt = 2, t.Ct = 2, t.order = kOrderNEM, t.c_pos = 2;
    ASSERT_TRUE(spills(l, t));
    const uint64_t outputs = 2 * 6 * 6 * 6, spilled = 3 * outputs;
    const ProgramWords w = program_words(l, a, t);
    EXPECT_EQ(w.psum_stores, spilled);
    EXPECT_EQ(w.psum_loads, spilled);
    EXPECT_EQ(w.outputs, outputs);
    EXPECT_EQ(w.ifmap, 576u);
    EXPECT_EQ(w.filter, 864u);
    const ActionCounts c = traffic_counts(l, a, t);
    EXPECT_EQ(c.acc.at(Level::Dram, DataType::Psum).reads, spilled);
    EXPECT_EQ(c.acc.at(Level::Dram, DataType::Psum).writes, spilled + outputs);
    EXPECT_EQ(c.dram_spill_writes, spilled);
    EXPECT_EQ(c.dram_raw_bits[static_cast<int>(DataType::Psum)], (2 * spilled + outputs) * 32);
    GlbTiling inner = t;
    inner.c_pos = 3;
    EXPECT_FALSE(spills(l, inner));
    EXPECT_EQ(program_words(l, a, inner).ifmap, 1728u);
    EXPECT_EQ(traffic_counts(l, a, inner).acc.at(Level::Dram, DataType::Psum).reads, 0u);
    // the channel loop outermost (cnem) spills the same psums; the filter and row loops inside
    // it keep nothing resident that necm did not
    GlbTiling outer = t;
    outer.c_pos = 0;
    EXPECT_EQ(program_words(l, a, outer).psum_stores, spilled);
    // and the simulator moves and counts them so: psum words at the psum width, the outputs right
    for (const char* name : {"rs", "os-b"}) {
        const Dataflow& df = find_dataflow(name);
        const ArchParams ad = a.for_dataflow(name);
        const auto m = with_tiling(df, l, ad, t);
        ASSERT_TRUE(m) << name;
        const LayerResult r =
            simulate_mapped(l, ad, table45(), df, *m, make_layer_data(l), true, false, nullptr, nullptr, Timing::Pass);
        EXPECT_EQ(r.output_check, OutputCheck::BitExact) << name;
        EXPECT_EQ(r.counts.acc.at(Level::Dram, DataType::Psum).reads, spilled) << name;
        EXPECT_EQ(r.counts.acc.at(Level::Dram, DataType::Psum).writes, spilled + outputs) << name;
        EXPECT_EQ(r.counts.dram_spill_writes, spilled) << name;
        EXPECT_EQ(r.counts.dram_raw_bits[static_cast<int>(DataType::Psum)], (2 * spilled + outputs) * 32) << name;
        EXPECT_EQ(r.counts.acc.at(Level::Dram, DataType::Ifmap).reads, 576u) << name;
    }
}

// Spilled psums are never run-length coded: with dram.compression rlc on a layer requantized to
// 8 bits, the finished outputs' stores are coded as they are with the channel loop innermost (the
// same boxes of the same values), and the spilled psums move their raw 32 bits on top.
TEST(MapSpace, SpilledPsumsMoveRawUnderRlc) {
    Layer l = conv("spill", 8, 6, 6, 6, 3, 3, 1, 1, 1, 2);
    l.requant = Requant::scalar(3, 9, true, Format{8, true});
    ArchParams a = small_arch(4, 5, 64);
    a.dram.rlc = true;
    const Dataflow& rs = find_dataflow("rs");
    GlbTiling t;
    t.Nt = 1, t.Et = 6, t.Mt = 2, t.Ct = 2, t.order = kOrderNEM, t.c_pos = 2;
    GlbTiling inner = t;
    inner.c_pos = 3;
    const auto spill = with_tiling(rs, l, a, t), kept = with_tiling(rs, l, a, inner);
    ASSERT_TRUE(spill && kept);
    const LayerData data = make_layer_data(l);
    const LayerResult rs_spill =
        simulate_mapped(l, a, table45(), rs, *spill, data, true, false, nullptr, nullptr, Timing::Pass);
    const LayerResult rs_kept =
        simulate_mapped(l, a, table45(), rs, *kept, data, true, false, nullptr, nullptr, Timing::Pass);
    EXPECT_EQ(rs_spill.output_check, OutputCheck::BitExact);
    constexpr int psum = static_cast<int>(DataType::Psum);
    const uint64_t outputs = 2 * 6 * 6 * 6, spilled_bits = 2 * 3 * outputs * 32;
    ASSERT_NE(rs_kept.counts.dram_moved_bits[psum], outputs * 8);  // the outputs are coded
    EXPECT_EQ(rs_spill.counts.dram_moved_bits[psum], rs_kept.counts.dram_moved_bits[psum] + spilled_bits);
    EXPECT_EQ(rs_spill.counts.dram_raw_bits[psum], outputs * 8 + spilled_bits);
}

// Spill orders run bit-exact against the reference convolution in both timing models, for each
// dataflow, and the simulator counts what the analytical estimate counts (every counter), on a
// layer with groups, a batch and remainders, the channel loop at each place that spills, psums
// single- and double-buffered.
TEST(MapSpace, SpillOrdersAreBitExactAndCountedAlike) {
    const std::vector<Layer> layers = {conv("spill", 12, 7, 7, 10, 3, 3, 1, 1, 1, 3),
                                       conv("grp", 8, 6, 6, 6, 3, 3, 2, 1, 2, 2)};
    size_t runs = 0;
    for (const Layer& l : layers)
        for (const char* name : {"rs", "ws", "os-a", "os-b", "os-c", "nlr"})
            for (const auto& [order, c_pos, dbl] : {std::tuple{kOrderNEM, 2, true},
                                                    {kOrderNME, 1, false},
                                                    {LoopOrder{TileLoop::M, TileLoop::E, TileLoop::N}, 0, true}}) {
                const Dataflow& df = find_dataflow(name);
                const ArchParams a = small_arch(4, 5, 64).for_dataflow(name);
                GlbTiling t;
                t.Nt = 2, t.Et = 3, t.Mt = 2, t.Ct = l.shape.Cg() / 2 - 1, t.order = order, t.c_pos = c_pos;
                t.buffers = Buffering::all(dbl);
                const auto m = with_tiling(df, l, a, t);
                if (!m) continue;  // this dataflow's blocks do not take these tile sizes
                ASSERT_TRUE(spills(l, dynamic_cast<const GlbTiling&>(*m))) << name;
                const LayerData data = make_layer_data(l);
                const Estimate est = df.estimate(l, a, table45(), *m);
                for (Timing timing : {Timing::Pass, Timing::Cycle}) {
                    const std::string what = std::string(name) + " " + l.name + " " + m->summary();
                    const LayerResult r =
                        simulate_mapped(l, a, table45(), df, *m, data, true, false, nullptr, nullptr, timing);
                    EXPECT_EQ(r.output_check, OutputCheck::BitExact) << what;
                    expect_counts_equal(r.counts, est.counts, what);
                    EXPECT_EQ(r.counts.dram_spill_writes, est.counts.dram_spill_writes) << what;
                    EXPECT_EQ(r.counts.dram_raw_bits, est.counts.dram_raw_bits) << what;
                    EXPECT_GT(r.counts.acc.at(Level::Dram, DataType::Psum).reads, 0u) << what;
                    // and the estimate's schedule of the spills tracks the simulated cycles (as on
                    // other orders: within 25% on these small layers)
                    EXPECT_NEAR(static_cast<double>(est.cycles) / static_cast<double>(r.cycles), 1.0, 0.25) << what;
                    ++runs;
                }
            }
    EXPECT_EQ(runs, 2u * 6 * 3 * 2);  // every dataflow takes these tile sizes and orders
}

// A spill pays: a 3x3 layer with many channels and filters on a small buffer. With the channel
// loop innermost, each output tile needs every channel tile, so an ifmap tile comes back once per
// filter tile (or a filter tile once per row tile); with the channel loop outside the filter loop
// the ifmap tile stays resident across the filters, and that saves more DRAM bits than the psums
// spilled at 32 bits cost. Of the tilings with the widest channel tiles that fit (what the
// mappers tried alone before they tried every channel-tile size), the best spill order moves
// strictly fewer DRAM bits than every channels-innermost one. Over every channel-tile size,
// though, a channels-innermost tiling with narrower channel tiles moves less than the best spill
// here (32-bit psums stored and loaded back cost about what 8-bit ifmaps fetched again do), and
// the mappers now find it.
TEST(MapSpace, ASpillPaysOnManyChannelsAndASmallBuffer) {
    const Layer l = conv("deep", 512, 14, 14, 512, 3, 3, 1, 1, 1, 1);
    const ArchParams a = small_arch(12, 14, 24).for_dataflow("rs");
    auto bits = [](const ActionCounts& c) {
        uint64_t b = 0;
        for (uint64_t x : c.dram_moved_bits) b += x;
        return b;
    };
    std::map<int, std::pair<uint64_t, uint64_t>> by_ct;  // channel-tile size -> best (innermost, spill)
    ASSERT_TRUE(for_each_tiling(l, a, 1, 1, 1, [&](const GlbTiling& t) {
        auto& [inner, spill] = by_ct.try_emplace(t.Ct, UINT64_MAX, UINT64_MAX).first->second;
        uint64_t& best = spills(l, t) ? spill : inner;
        best = std::min(best, bits(traffic_counts(l, a, t)));
    }));
    ASSERT_GT(by_ct.size(), 1u);
    const auto [widest_inner, widest_spill] = by_ct.rbegin()->second;
    ASSERT_LT(widest_spill, UINT64_MAX);
    EXPECT_LT(widest_spill, widest_inner);
    uint64_t best_inner = UINT64_MAX, best_spill = UINT64_MAX;
    for (const auto& [ct, best] : by_ct)
        best_inner = std::min(best_inner, best.first), best_spill = std::min(best_spill, best.second);
    EXPECT_LT(best_inner, best_spill);
}

// Spilled psums are charged at the psum width, the finished outputs at theirs: on a layer
// requantized to 8 bits, with a table whose costs scale with the width, the DRAM psum energy is
// the outputs' stores at 8 bits plus the spilled words' stores and loads at 32, by hand.
TEST(MapSpace, SpilledPsumsCostThePsumWidth) {
    Layer l = conv("spill", 8, 6, 6, 6, 3, 3, 1, 1, 1, 2);
    l.requant = Requant::scalar(3, 9, true, Format{8, true});
    const ArchParams a = small_arch(4, 5, 64);
    const EnergyTable table = table45();
    GlbTiling t;
    t.Nt = 1, t.Et = 6, t.Mt = 2, t.Ct = 2, t.order = kOrderNEM, t.c_pos = 2;
    const ActionCounts c = traffic_counts(l, a, t);
    const double outputs = 2 * 6 * 6 * 6, spilled = 3 * outputs;
    const double glb = static_cast<double>(a.glb.size_bytes);
    const double expected =
        outputs * table.access(Level::Dram, true, 8, glb) +
        spilled * (table.access(Level::Dram, true, 32, glb) + table.access(Level::Dram, false, 32, glb));
    const EnergyBreakdown e = compute_energy(c, table, layer_widths(l, a), a, 0);
    EXPECT_DOUBLE_EQ(e.by_level_type[static_cast<int>(Level::Dram)][static_cast<int>(DataType::Psum)], expected);
    EXPECT_GT(table.access(Level::Dram, true, 32, glb), table.access(Level::Dram, true, 8, glb));  // it matters
}
