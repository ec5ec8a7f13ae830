// The mappers' map space at the buffer level (dataflows/tiling.h): the six DRAM loop orders and
// the near-divisor tile sizes. The closed-form traffic of every order against the loads of the
// program built from it (an independent, naive walk); the tile sizes against a hand count; and
// the space as a whole: a larger buffer never leaves a dataflow with more DRAM traffic, and one
// that holds the whole layer moves each word once (the compulsory traffic, counted by hand).
#include <gtest/gtest.h>

#include <set>

#include "dataflows/dataflow.h"
#include "config/yaml_reader.h"
#include "dataflows/tiling.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// The words the program's loads move from DRAM, per tensor (ifmap, filter).
std::pair<uint64_t, uint64_t> program_loads(const Layer& l, const ArchParams& a, const GlbTiling& t) {
    const hw::Program p =
        build_tiled_program(l, a, t, [](const TileStep&, const TileSlotIds&, std::vector<hw::Op>&) {});
    std::pair<uint64_t, uint64_t> words{0, 0};
    for (const hw::Op& op : p.ops)
        if (const auto* ld = op.as<hw::Load>())
            (ld->tensor == hw::DramTensor::Ifmap ? words.first : words.second) += ld->box.words();
    return words;
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
// the program's loads move, in every loop order, for tilings with remainders, groups, batches
// that tile evenly and not, single and double buffering, prefetched filters.
TEST(MapSpace, TrafficOfEveryOrderEqualsTheProgramsLoads) {
    const std::vector<Layer> layers = {
        conv("b6", 4, 6, 6, 12, 3, 3, 1, 1, 1, 6), conv("grp", 6, 9, 9, 10, 3, 3, 1, 1, 2, 3),
        conv("s2", 5, 13, 11, 9, 5, 3, 2, 2, 1, 5), conv("pw", 12, 5, 5, 20, 1, 1, 1, 0, 1, 8)};
    struct Sizes {
        int Nt, Et, Mt, Ct;
    };
    size_t checked = 0;
    for (const Layer& l : layers)
        for (const Sizes& z : {Sizes{1, 2, 2, 2}, Sizes{2, 3, 4, 3}, Sizes{1, 1, 1, 1}, Sizes{3, 5, 3, 1}})
            for (int buffering = 0; buffering < 3; ++buffering)
                for (const LoopOrder& order : kLoopOrders) {
                    const LayerShape& s = l.shape;
                    GlbTiling t;
                    t.Nt = std::min(z.Nt, s.N), t.Et = std::min(z.Et, s.E()), t.Mt = std::min(z.Mt, s.Mg());
                    t.Ct = std::min(z.Ct, s.Cg());
                    t.buffers = buffering == 0   ? Buffering::all(true)
                                : buffering == 2 ? Buffering::prefetch_filters()
                                                 : Buffering{true, false, false};
                    t.order = order;
                    ArchParams a = small_arch(4, 5, 1024);
                    const ActionCounts c = traffic_counts(l, a, t);
                    const auto [ifmap, filter] = program_loads(l, a, t);
                    const std::string what = l.name + " " + t.summary();
                    ASSERT_EQ(c.acc.at(Level::Dram, DataType::Ifmap).reads, ifmap) << what;
                    ASSERT_EQ(c.acc.at(Level::Dram, DataType::Filter).reads, filter) << what;
                    // and the analytical walk (tiling_traffic) counts the same
                    const TiledTotals walk = tiling_traffic(l, a, t, [](const TileStep&, TiledTotals&) {});
                    ASSERT_TRUE(walk.counts == c) << what;
                    ++checked;
                }
    EXPECT_EQ(checked, 4u * 4 * 3 * 6);
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
// (order: e and m as before, the other four as their letters, outermost first).
TEST(MapSpace, EveryOrderRoundTripsThroughAMappingFile) {
    const Layer l = conv("grp", 6, 9, 9, 10, 3, 3, 1, 1, 2, 3);
    const ArchParams a = small_arch(4, 5, 1024);
    const Dataflow& rs = find_dataflow("rs");
    std::set<std::string> names;
    for (const LoopOrder& order : kLoopOrders) {
        std::unique_ptr<Mapping> m;
        rs.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> c) {
            if (!m) m = std::move(c);
        });
        ASSERT_TRUE(m);
        auto& t = dynamic_cast<GlbTiling&>(*m);
        t.order = order;
        t.buffers = Buffering{order[0] == TileLoop::E, true, order[1] == TileLoop::N};  // some of each
        names.insert(t.order_name());
        const std::string yaml = m->to_yaml();
        const auto back = rs.parse_mapping(YamlMap::from_string(yaml, "mapping"), l, a);
        EXPECT_EQ(back->summary(), m->summary()) << yaml;
        EXPECT_EQ(dynamic_cast<const GlbTiling&>(*back).order, order) << yaml;
        EXPECT_EQ(dynamic_cast<const GlbTiling&>(*back).buffers, t.buffers) << yaml;
    }
    EXPECT_EQ(names, (std::set<std::string>{"e", "m", "enm", "mne", "emn", "men"}));
}
