// The pass-level engines' remembered durations (hw/pass_times.h): a layer simulated with the
// schedules reused takes exactly the cycles, the counts and the outputs of the same layer with
// every pass scheduled anew, on every dataflow, on layers whose passes differ in padding rows,
// strides, groups, images, psum continuation and requantization, on tiles of several sizes. The
// reference is the simulation itself with the memo off: the memo may change nothing.
#include <gtest/gtest.h>

#include "hw/pass_times.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

// Restores the environment's choice when a test ends.
struct UsePassTimes {
    explicit UsePassTimes(hw::PassTimes::Use u) { hw::PassTimes::set_use(u); }
    ~UsePassTimes() { hw::PassTimes::set_use(hw::PassTimes::Use::On); }
};

LayerResult simulate_with(hw::PassTimes::Use u, const Layer& l, const ArchParams& a, const Dataflow& df,
                          const Mapping& m, const LayerData& d) {
    UsePassTimes use(u);
    return simulate_mapped(l, a, table45(), df, m, d, true, true);
}

std::vector<Layer> corpus() {
    Layer rq = conv("requant", 6, 9, 9, 8, 3, 3, 1, 1);
    rq.requant = Requant::scalar(1234567, 27, true, Format{8, true});
    return {conv("pad", 5, 9, 9, 6, 3, 3, 1, 1),        conv("s2", 7, 13, 11, 9, 5, 3, 2, 2),
            conv("grp", 8, 8, 8, 12, 3, 3, 1, 1, 2),    conv("batch", 6, 10, 10, 8, 3, 3, 1, 1, 1, 3),
            conv("fc", 64, 1, 1, 20, 1, 1, 1, 0, 1, 4), rq};
}

}  // namespace

TEST(PassTimes, ReusedSchedulesChangeNothing) {
    const ArchParams archs[] = {small_arch(4, 5, 4), small_arch(4, 5, 16), eyeriss()};
    for (const char* name : {"ws", "os-a", "os-b", "os-c", "nlr", "rs"}) {
        const Dataflow& df = find_dataflow(name);
        uint64_t reused = 0;
        for (const ArchParams& a : archs)
            for (const Layer& l : corpus()) {
                const std::string what =
                    std::string(name) + " " + l.name + " on " + a.name + " GLB " + std::to_string(a.glb.size_bytes);
                const auto m = df.choose_mapping(l, a, table45(), Objective::Energy);
                ASSERT_TRUE(m) << what;
                const LayerData d = make_layer_data(l);
                const LayerResult fresh = simulate_with(hw::PassTimes::Use::Off, l, a, df, *m, d);
                const LayerResult memo = simulate_with(hw::PassTimes::Use::On, l, a, df, *m, d);
                ASSERT_EQ(fresh.output_check, OutputCheck::BitExact) << what;
                EXPECT_EQ(fresh.pass_schedules_reused, 0u) << what;
                EXPECT_EQ(memo.cycles, fresh.cycles) << what;
                EXPECT_EQ(memo.counts, fresh.counts) << what;
                EXPECT_EQ(memo.output, fresh.output) << what;
                EXPECT_EQ(memo.activity.array_busy, fresh.activity.array_busy) << what;
                EXPECT_EQ(memo.dram_busy_cycles, fresh.dram_busy_cycles) << what;
                EXPECT_LT(memo.pass_schedules_reused, memo.activity.passes) << what;  // the first is scheduled
                reused += memo.pass_schedules_reused;
            }
        EXPECT_GT(reused, 0u) << name << ": the corpus repeats no pass, so it tests nothing";
    }
}

// Under zero skipping a pass's cycles depend on its data: every pass is scheduled.
TEST(PassTimes, ZeroSkippingSchedulesEveryPass) {
    const Layer l = conv("z", 6, 10, 10, 8, 3, 3, 1, 1, 1, 3);
    ArchParams a = small_arch(4, 5, 4);
    a.pe.gate_weight_zeros = true;
    a.pe.zero_skipping = true;
    for (const char* name : {"os-b", "rs"}) {
        const Dataflow& df = find_dataflow(name);
        const auto m = df.choose_mapping(l, a, table45(), Objective::Energy);
        ASSERT_TRUE(m) << name;
        const LayerResult r = simulate_with(hw::PassTimes::Use::On, l, a, df, *m, make_layer_data(l));
        ASSERT_EQ(r.output_check, OutputCheck::BitExact) << name;
        EXPECT_GT(r.activity.passes, 1u) << name;
        EXPECT_EQ(r.pass_schedules_reused, 0u) << name;
    }
}
