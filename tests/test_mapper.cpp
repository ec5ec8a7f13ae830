// The mapper's search (dataflows/mapper.h): its cheap first look at a candidate (Dataflow::bound:
// the traffic counted in closed form, alike tiles counted once) against the full analytical walk
// (Dataflow::estimate) on every candidate of a corpus of layers and buffers; and the pruned search's
// choice against the exhaustive one's (every legal candidate estimated in full), for each
// objective and any number of threads: pruning never changes the mapping.
#include <gtest/gtest.h>

#include "dataflows/mapper.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

const char* kAll[] = {"ws", "os-a", "os-b", "os-c", "nlr", "rs"};

// Small layers with the cases the closed-form traffic must get right: padding (output-row tiles
// whose ifmap rows clamp to the same box), stride, groups, depthwise, batches that tile evenly
// (extrapolated) and not, 1x1 and FC-like shapes.
std::vector<Layer> corpus() {
    return {conv("pad", 5, 9, 9, 6, 3, 3, 1, 1),       conv("clamp", 4, 2, 6, 6, 5, 3, 1, 2),
            conv("s2", 7, 13, 11, 9, 5, 3, 2, 2),      conv("grp", 8, 8, 8, 12, 3, 3, 1, 1, 2),
            conv("dw", 6, 7, 7, 6, 3, 3, 1, 1, 6),     conv("pw", 24, 6, 6, 20, 1, 1, 1, 0),
            conv("b8", 6, 7, 7, 10, 3, 3, 1, 1, 1, 8), conv("b3", 6, 7, 7, 10, 3, 3, 1, 0, 1, 3),
            conv("fc", 64, 1, 1, 40, 1, 1, 1, 0, 1, 4)};
}

// Buffers small enough that layers are tiled, single- and double-buffered, filters prefetched.
std::vector<ArchParams> archs() {
    std::vector<ArchParams> v;
    for (double kb : {1.0, 3.0, 16.0}) v.push_back(small_arch(4, 5, kb));
    ArchParams single = small_arch(4, 5, 2.0);
    single.glb.double_buffer = false;
    v.push_back(single);
    single.glb.prefetch_filters = true;
    v.push_back(single);
    return v;
}

}  // namespace

// For every candidate of the map space: the bound's counts and energy are the full estimate's,
// exactly, and its cycles are at most the estimate's.
TEST(Mapper, BoundEqualsEstimateOnEveryCandidate) {
    const EnergyTable t = table45();
    size_t checked = 0, tighter = 0;
    for (const ArchParams& arch : archs())
        for (const Layer& l : corpus())
            for (const char* name : kAll) {
                const Dataflow& df = find_dataflow(name);
                const ArchParams a = arch.for_dataflow(name);
                df.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> m) {
                    if (!df.check_mapping(l, a, *m).empty()) return;
                    const Estimate b = df.bound(l, a, t, *m), e = df.estimate(l, a, t, *m);
                    const std::string what = std::string(name) + " " + l.name + " " + a.name + " " + m->summary();
                    ASSERT_TRUE(b.counts == e.counts) << what;
                    ASSERT_EQ(b.energy, e.energy) << what;
                    ASSERT_LE(b.cycles, e.cycles) << what;
                    EXPECT_FALSE(b.cycles_exact);
                    ++checked;
                    tighter += b.cycles * 2 > e.cycles;
                });
            }
    EXPECT_GT(checked, 5000u);
    // the cycle bound is worth having: on most candidates within a factor of two
    EXPECT_GT(tighter * 2, checked);
}

// The pruned search picks what estimating every legal candidate picks, for each objective, on
// one thread and on three; and it estimates in full only part of the space.
TEST(Mapper, PrunedSearchPicksWhatExhaustiveSearchPicks) {
    const EnergyTable t = table45();
    uint64_t pruned = 0, bounded = 0;
    for (const ArchParams& arch : archs())
        for (const Layer& l : corpus())
            for (const char* name : kAll)
                for (Objective obj : {Objective::Energy, Objective::Cycles, Objective::Edp}) {
                    const Dataflow& df = find_dataflow(name);
                    const ArchParams a = arch.for_dataflow(name);
                    const std::string ex = exhaustive_search(df, l, a, t, obj)->summary();
                    MapperStats s1, s3;
                    const std::string one = search_mappings(df, l, a, t, MapperOptions{obj, 1}, s1)->summary();
                    const std::string three = search_mappings(df, l, a, t, MapperOptions{obj, 3}, s3)->summary();
                    const std::string what = std::string(name) + " " + l.name + " " + a.name;
                    ASSERT_EQ(one, ex) << what;
                    ASSERT_EQ(three, ex) << what;
                    ASSERT_EQ(s1.evaluated, s3.evaluated) << what;
                    ASSERT_EQ(s1.space, s1.invalid + s1.bounded) << what;
                    ASSERT_EQ(s1.bounded, s1.evaluated + s1.pruned) << what;
                    pruned += s1.pruned, bounded += s1.bounded;
                }
    EXPECT_GT(pruned * 2, bounded);  // most of the space is never walked
}

// On a real layer the bound prunes nearly everything: AlexNet CONV3 on the default config.
TEST(Mapper, PrunesMostOfAlexNetConv3) {
    const Layer l = accelerator_layers(load_network(src("workloads/alexnet.yaml")))[2];
    ASSERT_EQ(l.name, "CONV3");
    MapperStats s;
    search_mappings(find_dataflow("rs"), l, eyeriss().for_dataflow("rs"), table45(), MapperOptions{}, s);
    EXPECT_GT(s.bounded, 1000u);
    EXPECT_LT(s.evaluated * 20, s.bounded);
}
