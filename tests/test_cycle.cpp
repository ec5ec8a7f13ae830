// The cycle-level engine (--timing cycle) against the pass-level model of the same hardware:
// for the same mapping both produce the reference output bit for bit and count the same
// accesses; their cycles are compared with a stated bound.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "dataflows/rs/row_stationary.h"
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

namespace {
// A pinned rs mapping run in both timing models on the same data: bit-exact in both, the same
// cycles in both (returned), the counts of the pass-level run in `counts`.
Cycle run_pinned_both(const Layer& l, const ArchParams& a, const RsMapping& m, const LayerData& data,
                      ActionCounts& counts, const std::string& what) {
    const RowStationary rs;
    Cycle cycles[2] = {0, 0};
    for (int cyc = 0; cyc < 2; ++cyc) {
        const LayerResult r = simulate_mapped(l, a, table45(), rs, m, data, true, false, nullptr, nullptr,
                                              cyc ? Timing::Cycle : Timing::Pass);
        EXPECT_EQ(r.output_check, OutputCheck::BitExact) << what;
        cycles[cyc] = r.cycles;
        if (cyc == 0) counts = r.counts;
    }
    EXPECT_EQ(cycles[0], cycles[1]) << "pass vs cycle, " << what;
    return cycles[0];
}

}  // namespace

// pe.psum_add_in_mac_slots: a row-stationary PE that adds the p psums arriving from below in its
// MAC issue slots spends p·q·S + p cycles per output column, one with a separate adder p·q·S.
// The layer is MAC-bound (one channel, 16 filters of 3x3 on a 3 x 4 set, p = 16: 48 MACs a
// column against 6 ifmap words a column on a 64-bit bus), so each of its 4 passes (one per 4
// output rows) should take F·p = 16·16 cycles more with the slots, to within one column's adds
// (the first column's adds overlap the pipeline fill and the psum climb). Both timing models
// follow, to the cycle; the counts do not change.
TEST(Cycle, RsPsumAddsInMacSlotsCostPCyclesAColumn) {
    const Layer l = conv("adds", 1, 18, 18, 16, 3, 3);  // E = F = 16
    RsMapping m;
    m.h = 3, m.e = 4, m.p = 16, m.q = 1, m.r = 1, m.t = 1;
    m.Et = 16, m.Mt = 16, m.Ct = 1;
    m.buffers = Buffering::all(false);
    ArchParams a = small_arch(4, 5, 32);
    const LayerData data = make_layer_data(l);
    Cycle cycles[2];  // [adds in MAC slots]
    ActionCounts counts[2];
    for (int slots = 0; slots < 2; ++slots) {
        a.pe.psum_add_in_mac_slots = slots == 1;
        ASSERT_EQ(RowStationary::check(l, a, m), "");
        cycles[slots] = run_pinned_both(l, a, m, data, counts[slots], "adds in MAC slots " + std::to_string(slots));
    }
    expect_counts_equal(counts[0], counts[1], "adds in MAC slots or not");
    const Cycle per_pass = 16 * 16, passes = 4;
    const Cycle diff = cycles[1] - cycles[0];
    EXPECT_GE(diff, passes * (per_pass - 16)) << cycles[1] << " vs " << cycles[0];
    EXPECT_LE(diff, passes * per_pass) << cycles[1] << " vs " << cycles[0];
}

// glb.prefetch_filters: single-buffered tiles whose filter tiles load one tile ahead into a second
// filter copy (as the Eyeriss chip's filter buffer preloads the next filters). One ifmap tile and
// four filter tiles (Mt = 8 of 32): the program places tile k+1's filter load before tile k's
// passes; the counts do not change; both timing models agree to the cycle; and the run is shorter
// by the three later filter loads the array no longer waits for, each its bytes over the DRAM
// bandwidth plus at most the first-word latency (closed form).
TEST(Cycle, PrefetchedFiltersHideTheirLoads) {
    const Layer l = conv("pf", 16, 15, 15, 32, 3, 3, 1, 1);
    RsMapping m;
    m.h = 3, m.e = 5, m.p = 8, m.q = 4, m.r = 1, m.t = 1;
    m.Et = 15, m.Mt = 8, m.Ct = 16;
    m.buffers = Buffering::all(false);
    const ArchParams a = small_arch(4, 5, 32);
    const RowStationary rs;
    const LayerData data = make_layer_data(l);
    Cycle cycles[2];  // [prefetch]
    ActionCounts counts[2];
    for (int pf = 0; pf < 2; ++pf) {
        m.buffers = pf == 1 ? Buffering::prefetch_filters() : Buffering::all(false);
        ASSERT_EQ(RowStationary::check(l, a, m), "");
        const hw::Program prog = rs.build_program(l, a, m);
        size_t first_pass = prog.ops.size(), filter_loads_before = 0;
        for (size_t i = 0; i < prog.ops.size(); ++i) {
            if (prog.ops[i].on_array()) {
                first_pass = std::min(first_pass, i);
            } else if (const hw::Load* ld = prog.ops[i].as<hw::Load>()) {
                if (ld->tensor == hw::DramTensor::Filter && i < first_pass) ++filter_loads_before;
            }
        }
        EXPECT_EQ(filter_loads_before, pf ? 2u : 1u) << "filter loads before the first pass, prefetch " << pf;
        cycles[pf] = run_pinned_both(l, a, m, data, counts[pf], "prefetch " + std::to_string(pf));
    }
    expect_counts_equal(counts[0], counts[1], "prefetched filters or not");
    const Cycle transfer = static_cast<Cycle>(std::ceil(8.0 * 16 * 9 / a.dram.bytes_per_cycle));  // int8 weights
    const Cycle diff = cycles[0] - cycles[1];
    EXPECT_GE(diff, 3 * transfer) << cycles[0] << " vs " << cycles[1];
    EXPECT_LE(diff, 3 * (transfer + static_cast<Cycle>(a.dram.latency_cycles))) << cycles[0] << " vs " << cycles[1];
}

// Zero skipping on nearly all-zero ifmaps: many rs output columns (and ws pixels) have every MAC
// slot skipped and no psums to add, so they take no issue cycle. The cycle-level engines complete
// them in the cycle they start (they used to stop with "no next cycle"); both models stay
// bit-exact, count alike and agree within 2% (rs, the corpus bound of tests/test_corpus.cpp) or
// 3% (ws, the goal; its corpus worst is 3.6%).
TEST(Cycle, WorkWithEverySlotSkippedTakesNoCycle) {
    Layer l = conv("sparse", 2, 14, 14, 4, 3, 3);
    l.ifmap_data.zero_fraction = 0.95;
    ArchParams a = eyeriss();
    a.pe.zero_skipping = true;
    for (const auto& [df, band] : {std::pair<std::string, double>{"rs", 0.02}, {"ws", 0.03}}) {
        SCOPED_TRACE(df);
        const Pair p = run_both(l, a, df);
        ASSERT_EQ(p.cycle.output_check, OutputCheck::BitExact);
        EXPECT_EQ(p.pass.output_check, OutputCheck::BitExact);
        expect_counts_equal(p.cycle.counts, p.pass.counts, l.name);
        EXPECT_GT(p.pass.counts.skipped_macs, p.pass.counts.macs / 2);  // the case at hand: mostly skipped
        const double ratio = static_cast<double>(p.pass.cycles) / static_cast<double>(p.cycle.cycles);
        EXPECT_GE(ratio, 1 - band);
        EXPECT_LE(ratio, 1 + band);
    }
}
