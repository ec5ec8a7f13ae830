// The weight-stationary, output-stationary (A, B, C) and no-local-reuse dataflows: the
// simulator's counters against their analytical models and hand counts, the directions the
// dataflow definitions imply, storage limits, and pinned mappings.
#include <gtest/gtest.h>

#include <cmath>

#include "base/error.h"
#include "config/yaml_reader.h"
#include "dataflows/grid_dataflow.h"
#include "sim/simulator.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

const char* kGrid[] = {"ws", "os-a", "os-b", "os-c", "nlr"};
const char* kAll[] = {"ws", "os-a", "os-b", "os-c", "nlr", "rs"};

LayerResult run_df(const Layer& l, const ArchParams& a, const std::string& df) {
    RunOptions opt;
    opt.dataflow = df;
    return simulate_layer(l, a, table45(), opt);
}

LayerResult run_pinned(const Layer& l, const ArchParams& a, const GridMapping& m) {
    const GridDataflow& df = grid_dataflow(m.variant);
    EXPECT_EQ(df.check(l, a, m), "");
    return simulate_mapped(l, a, table45(), df, m, make_layer_data(l), true);
}

GridMapping tiled(GridVariant v, int Et, int Mt, int Ct, bool dbl = true) {
    GridMapping m;
    m.variant = v;
    m.Et = Et, m.Mt = Mt, m.Ct = Ct, m.buffers = Buffering::all(dbl);
    return m;
}

uint64_t glb_psum_accesses(const LayerResult& r) {
    const auto& a = r.counts.acc.at(Level::Glb, DataType::Psum);
    return a.reads + a.writes;
}

uint64_t rf_accesses(const LayerResult& r) {
    uint64_t n = 0;
    for (DataType d : kDataTypes) n += r.counts.acc.at(Level::Rf, d).reads + r.counts.acc.at(Level::Rf, d).writes;
    return n;
}

}  // namespace

// The analytical model's counts equal the simulator's on dense data (zeros only from padding),
// for the mapper's choices on layers with stride, padding, groups, partial blocks and requant.
TEST(GridDataflows, AnalyticalCountsEqualSimulatedOnDenseData) {
    std::vector<Layer> layers = {conv("pad", 5, 9, 9, 6, 3, 3, 1, 1), conv("s2", 7, 13, 11, 9, 5, 3, 2, 2),
                                 conv("grp", 8, 8, 8, 12, 3, 3, 1, 1, 2), conv("pw", 6, 9, 9, 7, 1, 1, 2, 0)};
    Layer rq = conv("requant", 6, 9, 9, 8, 3, 3, 1, 1);
    rq.requant = Requant::scalar(1234567, 27, true, Format{8, true});
    layers.push_back(rq);
    // batch 5: the model walks two images and extrapolates; the simulator runs all five
    layers.push_back(conv("batch5", 4, 9, 9, 6, 3, 3, 1, 1, 1, 5));
    for (const ArchParams& a : {small_arch(), small_arch(3, 4, 2), eyeriss()})
        for (const Layer& l : layers)
            for (const char* df : kAll) {
                const std::string what = l.name + " / " + df + " / " + a.name;
                LayerResult r = run_df(l, a, df);
                ASSERT_EQ(r.output_check, OutputCheck::BitExact) << what;
                const Dataflow& d = find_dataflow(df);
                auto m = d.choose_mapping(l, a, table45(), Objective::Energy);
                expect_counts_equal(r.counts, d.estimate(l, a, table45(), *m).counts, what);
            }
}

// Pinned mappings that split channels over buffer tiles (psums continue from the buffer),
// fold filter rows, leave partial blocks, single-buffer and order filters outermost.
TEST(GridDataflows, AnalyticalCountsEqualSimulatedOnPinnedMappings) {
    const Layer l = conv("l", 6, 11, 10, 7, 3, 3, 1, 1);  // E=11, F=10
    const ArchParams a = small_arch();  // 4 x 5
    std::vector<GridMapping> ms;
    GridMapping ws = tiled(GridVariant::Ws, 4, 7, 3, false);
    ws.cp = 2, ws.rp = 2, ws.p = 2, ws.mp = 7;  // rows: 2 channels x 2 of 3 filter rows; 4 columns of 2 filters
    ms.push_back(ws);
    GridMapping nlr = tiled(GridVariant::Nlr, 11, 5, 4);
    nlr.cp = 4, nlr.rp = 1, nlr.mp = 5, nlr.order = kOrderNME;
    ms.push_back(nlr);
    GridMapping osa = tiled(GridVariant::OsA, 5, 3, 2);
    osa.mp = 1, osa.ep = 3, osa.fp = 4;  // partial blocks at the edges
    ms.push_back(osa);
    GridMapping osb = tiled(GridVariant::OsB, 6, 7, 6);
    osb.mp = 3, osb.ep = 2, osb.fp = 2;
    ms.push_back(osb);
    GridMapping osc = tiled(GridVariant::OsC, 2, 7, 4, false);
    osc.mp = 7;
    ms.push_back(osc);
    for (const GridMapping& m : ms) {
        const std::string what = grid_dataflow(m.variant).name() + ": " + m.summary();
        LayerResult r = run_pinned(l, a, m);
        ASSERT_EQ(r.output_check, OutputCheck::BitExact) << what;
        expect_counts_equal(r.counts, grid_dataflow(m.variant).estimate(l, a, table45(), m).counts, what);
    }
    // several images per buffer tile (5 images, tiles of 2: the last one holds 1), every dataflow
    Layer lb = l;
    lb.shape.N = 5;
    const ArchParams big = small_arch(4, 5, 64);
    for (GridMapping m : ms) {
        m.Nt = 2;
        const std::string what = grid_dataflow(m.variant).name() + ": " + m.summary();
        LayerResult r = run_pinned(lb, big, m);
        ASSERT_EQ(r.output_check, OutputCheck::BitExact) << what;
        expect_counts_equal(r.counts, grid_dataflow(m.variant).estimate(lb, big, table45(), m).counts, what);
    }
    auto rs = find_dataflow("rs").parse_mapping(
        YamlMap::from_string("nt: 2\ne: 5\np: 2\nq: 2\nr: 1\nt: 1\net: 6\nct: 4\n", "rs.yaml"), lb, big);
    LayerResult r = simulate_mapped(lb, big, table45(), find_dataflow("rs"), *rs, make_layer_data(lb), true);
    ASSERT_EQ(r.output_check, OutputCheck::BitExact);
    expect_counts_equal(r.counts, find_dataflow("rs").estimate(lb, big, table45(), *rs).counts, "rs " + rs->summary());
}

// With the whole batch in a buffer tile, each weight leaves DRAM once for all the images.
TEST(GridDataflows, ImagesInATileShareTheFilters) {
    Layer fc = conv("fc", 64, 4, 4, 32, 4, 4, 1, 0, 1, 8);
    fc.type = LayerType::Fc;
    const ArchParams a = small_arch(4, 5, 40);  // 32 KB of weights do not fit beside the rest
    for (const char* df : kAll) {
        // filter tiles of 8 filters (4 of them cycle through the buffer), the dataflow's own fields
        const std::string own = df == std::string("rs") ? "e: 1\n" : df[0] == 'o' ? "mp: 1\n" : "cp: 1\nrp: 4\nmp: 5\n";
        auto m1 = find_dataflow(df).parse_mapping(YamlMap::from_string("nt: 1\nmt: 8\n" + own, "p.yaml"), fc, a);
        auto m8 = find_dataflow(df).parse_mapping(YamlMap::from_string("nt: 8\nmt: 8\n" + own, "p.yaml"), fc, a);
        LayerResult r1 = simulate_mapped(fc, a, table45(), find_dataflow(df), *m1, make_layer_data(fc), true);
        LayerResult r8 = simulate_mapped(fc, a, table45(), find_dataflow(df), *m8, make_layer_data(fc), true);
        ASSERT_EQ(r8.output_check, OutputCheck::BitExact) << df;
        // M*C*R*S = 32*64*16 weights: once per image with one image per tile, once in all with eight
        EXPECT_EQ(r1.counts.acc.at(Level::Dram, DataType::Filter).reads, 8u * 32 * 64 * 16) << df;
        EXPECT_EQ(r8.counts.acc.at(Level::Dram, DataType::Filter).reads, 32u * 64 * 16) << df;
    }
}

// Hand counts on a 1-channel 4x4 ifmap, 2 filters of 3x3 -> 2x2 outputs, everything in one
// pass (72 MACs), from the definitions in hw/program.h.
TEST(GridDataflows, HandCountTinyLayer) {
    const Layer l = conv("tiny", 1, 4, 4, 2, 3, 3);
    const ArchParams a = small_arch();  // 4 x 5
    {  // ws: rows = 3 filter rows of the channel, 2 columns of 1 filter
        GridMapping m = tiled(GridVariant::Ws, 2, 2, 1);
        m.cp = 1, m.rp = 3, m.p = 1, m.mp = 2;
        LayerResult r = run_pinned(l, a, m);
        const AccessCounts& c = r.counts.acc;
        EXPECT_EQ(r.counts.macs, 72u);
        EXPECT_EQ(c.at(Level::Glb, DataType::Filter).reads, 18u);  // every weight once, into one PE's RF
        EXPECT_EQ(c.at(Level::Rf, DataType::Filter).writes, 18u);
        // per pixel (4) each of the 3 rows gets its 3-word window: 36 words on the bus, each to 2 PEs
        EXPECT_EQ(c.at(Level::Glb, DataType::Ifmap).reads, 36u);
        EXPECT_EQ(c.at(Level::Noc, DataType::Ifmap).reads, 72u);
        // per pixel and filter: 3 PEs send down (3 link/out words), 2 arrivals added, 1 write to the buffer
        EXPECT_EQ(c.at(Level::Noc, DataType::Psum).writes, 24u);
        EXPECT_EQ(r.counts.psum_adds, 16u);
        EXPECT_EQ(c.at(Level::Glb, DataType::Psum).writes, 8u);
        EXPECT_EQ(c.at(Level::Glb, DataType::Psum).reads, 8u);  // only the store's read of the 8 outputs
    }
    {  // nlr: same array use; every MAC's weight from the buffer, the column sum accumulated there
        GridMapping m = tiled(GridVariant::Nlr, 2, 2, 1);
        m.cp = 1, m.rp = 3, m.mp = 2;
        LayerResult r = run_pinned(l, a, m);
        const AccessCounts& c = r.counts.acc;
        EXPECT_EQ(c.at(Level::Glb, DataType::Filter).reads, 72u);
        EXPECT_EQ(rf_accesses(r), 0u);
        // 8 outputs x 3 steps (s) written; read back at s = 1, 2; plus the store's 8 reads
        EXPECT_EQ(c.at(Level::Glb, DataType::Psum).writes, 24u);
        EXPECT_EQ(c.at(Level::Glb, DataType::Psum).reads, 16u + 8u);
        EXPECT_EQ(r.counts.psum_adds, 8u * 3 * 2 + 16u);  // 2 adds down each 3-PE column per step, 16 accumulations
    }
    {  // os-a: one filter per pass, 2x2 pixels on 2x2 PEs; stride 1: ifmaps shift left after s = 0
        GridMapping m = tiled(GridVariant::OsA, 2, 2, 1);
        m.mp = 1, m.ep = 2, m.fp = 2;
        LayerResult r = run_pinned(l, a, m);
        const AccessCounts& c = r.counts.acc;
        // per filter and (r, output row): 2 words at s = 0, then 1 new per s: 4 bus words; 2 shifted
        EXPECT_EQ(c.at(Level::Glb, DataType::Ifmap).reads, 2u * 3 * 2 * 4);
        EXPECT_EQ(c.at(Level::Noc, DataType::Ifmap).reads, 72u);  // one word into every PE each step
        EXPECT_EQ(c.at(Level::Glb, DataType::Filter).reads, 18u);  // each weight broadcast once
        EXPECT_EQ(c.at(Level::Noc, DataType::Filter).reads, 72u);
        EXPECT_EQ(glb_psum_accesses(r), 8u + 8u);  // written once, read once by the store
    }
}

// Operand registers (issue 13): an output-stationary PE latches each ifmap and filter word it
// receives for one MAC. Hand count on the tiny layer (1 channel, 4x4, 2 filters of 3x3: 72 MAC
// slots) with os-a on 2x2 PEs: per filter (2), filter row (3) and output row (2), each of the row's
// 2 PEs gets one ifmap word per tap (3): 4 off the bus (2 at s = 0, then 1 a step) and 2 from its
// neighbour, 2 x 3 x 2 x 6 = 72; each of the 2 x 9 weights is broadcast to the 4 PEs, 72. None is an
// RF write; the MAC's operand reads stay RF reads (one per slot).
TEST(GridDataflows, OperandRegistersHandCountOs) {
    const Layer l = conv("tiny", 1, 4, 4, 2, 3, 3);
    const ArchParams a = small_arch();
    GridMapping m = tiled(GridVariant::OsA, 2, 2, 1);
    m.mp = 1, m.ep = 2, m.fp = 2;
    const LayerResult r = run_pinned(l, a, m);
    ASSERT_EQ(r.output_check, OutputCheck::BitExact);
    const ActionCounts& c = r.counts;
    EXPECT_EQ(c.macs, 72u);
    EXPECT_EQ(c.opreg_ifmap_writes, 2u * 3 * 2 * (4 + 2));
    EXPECT_EQ(c.opreg_filter_writes, 2u * 9 * 4);
    EXPECT_EQ(c.acc.at(Level::Rf, DataType::Ifmap).writes, 0u);
    EXPECT_EQ(c.acc.at(Level::Rf, DataType::Filter).writes, 0u);
    EXPECT_EQ(c.acc.at(Level::Rf, DataType::Ifmap).reads, 72u);
    // 45 nm table: a 32-bit operand-register write is 0.1 pJ, an 8-bit one 0.025 pJ; an RF read 0.25 pJ
    ASSERT_EQ(r.widths.ifmap, 8);
    ASSERT_EQ(r.widths.filter, 8);
    EXPECT_NEAR(r.energy.opreg, (72 + 72) * 0.1 * 8 / 32, 1e-12);
    const auto& rf = r.energy.by_level_type[static_cast<int>(Level::Rf)];
    EXPECT_NEAR(rf[static_cast<int>(DataType::Ifmap)], 72 * 1.0 * 8 / 32 + 72 * 0.1 * 8 / 32, 1e-12);
    EXPECT_NEAR(rf[static_cast<int>(DataType::Filter)], 72 * 1.0 * 8 / 32 + 72 * 0.1 * 8 / 32, 1e-12);
    // the normalized table charges none (the ISCA 2016 framework has no term for it)
    const EnergyTable norm = load_energy_table(src("configs/energy/eyeriss-normalized.yaml"));
    EXPECT_EQ(compute_energy(c, norm, r.widths, a, r.cycles).opreg, 0.0);
    // the analytical model counts the same
    const Dataflow& df = find_dataflow("os-a");
    expect_counts_equal(c, df.estimate(l, a, table45(), m).counts, "os-a pinned");
    // os-b, os-c and their estimates too: one operand-register write per word the PEs receive
    for (const char* name : {"os-a", "os-b", "os-c"}) {
        const LayerResult o = run_df(l, a, name);
        EXPECT_EQ(o.counts.opreg_ifmap_writes, o.counts.acc.at(Level::Noc, DataType::Ifmap).reads) << name;
        EXPECT_EQ(o.counts.opreg_filter_writes, o.counts.acc.at(Level::Noc, DataType::Filter).reads) << name;
        EXPECT_EQ(o.counts.opreg_ifmap_writes + o.counts.opreg_filter_writes, 2 * o.counts.macs) << name;
        EXPECT_EQ(o.counts.acc.at(Level::Rf, DataType::Ifmap).writes, 0u) << name;
        EXPECT_EQ(o.counts.acc.at(Level::Rf, DataType::Filter).writes, 0u) << name;
    }
}

// The PEs that keep what they receive (rs, ws) write it to their RFs, as before operand
// registers were counted apart, and nlr's PEs keep nothing: no operand-register writes.
TEST(GridDataflows, OperandRegistersOnlyInOs) {
    const Layer l = conv("tiny", 1, 4, 4, 2, 3, 3);
    const ArchParams a = small_arch();
    for (const char* name : {"rs", "ws", "nlr"}) {
        const LayerResult r = run_df(l, a, name);
        ASSERT_EQ(r.output_check, OutputCheck::BitExact) << name;
        EXPECT_EQ(r.counts.opreg_ifmap_writes, 0u) << name;
        EXPECT_EQ(r.counts.opreg_filter_writes, 0u) << name;
        EXPECT_EQ(r.energy.opreg, 0.0) << name;
    }
    // ws: every ifmap word received goes into the window RF, every weight into the filter RF once
    const LayerResult ws = run_df(l, a, "ws");
    EXPECT_EQ(ws.counts.acc.at(Level::Rf, DataType::Ifmap).writes, ws.counts.acc.at(Level::Noc, DataType::Ifmap).reads);
    EXPECT_EQ(ws.counts.acc.at(Level::Rf, DataType::Filter).writes,
              ws.counts.acc.at(Level::Noc, DataType::Filter).reads);
}

// A table without an operand_register section charges operand registers as RF writes (the rf
// level's figure and width); one with it uses its own.
TEST(GridDataflows, OperandRegisterTableEntry) {
    const std::string base =
        "name: t\nunit: pJ\ndram: {reference_bits: 32, read: 640, write: 640}\n"
        "glb: {reference_bits: 64, read: 20, write: 20}\nnoc: {reference_bits: 32, read: 2, write: 0}\n"
        "rf: {reference_bits: 16, read: 1, write: 3}\nalu: {mac: 0.3, add: 0.1}\n";
    const EnergyTable old_style = load_energy_table_from_string(base, "old");
    EXPECT_EQ(old_style.opreg_write, 3.0);
    EXPECT_EQ(old_style.opreg_reference_bits, 16);
    EXPECT_DOUBLE_EQ(old_style.opreg_write_energy(8), 1.5);
    const EnergyTable t =
        load_energy_table_from_string(base + "operand_register: {reference_bits: 32, write: 0.4}\n", "new");
    EXPECT_DOUBLE_EQ(t.opreg_write_energy(8), 0.1);
    ActionCounts c;
    c.opreg_ifmap_writes = 10, c.opreg_filter_writes = 6;
    Widths w;  // 8-bit ifmap and filter
    const EnergyBreakdown e = compute_energy(c, t, w, small_arch(), 0);
    EXPECT_DOUBLE_EQ(e.opreg, 16 * 0.1);
    EXPECT_DOUBLE_EQ(e.level(Level::Rf), 16 * 0.1);
    EXPECT_DOUBLE_EQ(e.total(), 16 * 0.1);
    EXPECT_THROW(load_energy_table_from_string(base + "operand_register: {write: 0.4, read: 1}\n", "bad"),
                 std::exception);
}

// Zero skipping on the output-stationary dataflows: a (channel, filter row) whose weights are all
// zero takes no step, also as a pass's first group on buses and buffer banks that feed it in
// one cycle.
TEST(GridDataflows, ZeroSkippingSkipsAWholeGroup) {
    const Layer l = conv("z", 1, 8, 8, 2, 3, 3, 1, 1);
    ArchParams a = small_arch();
    a.pe.gate_weight_zeros = true;
    a.noc.ifmap_bus_bits = a.noc.filter_bus_bits = 1024;
    a.glb.bank_width_bits = 1024;  // and buffer lines that hold a group's words
    ArchParams as = a;
    as.pe.zero_skipping = true;
    LayerData d = make_layer_data(l);
    for (int m = 0; m < 2; ++m)
        for (int s = 0; s < 3; ++s) d.filter.at(m, 0, 0, s) = 0;  // filter row 0: all zero
    for (const char* df : {"os-a", "os-b", "os-c"}) {
        const Dataflow& f = find_dataflow(df);
        const auto m = f.choose_mapping(l, a, table45(), Objective::Energy);
        const LayerResult plain = simulate_mapped(l, a, table45(), f, *m, d, true);
        const LayerResult skip = simulate_mapped(l, as, table45(), f, *m, d, true);
        ASSERT_EQ(skip.output_check, OutputCheck::BitExact) << df;
        // row 0's taps of every output (2 filters x 8 x 8 pixels x 3 taps) at least
        EXPECT_GE(skip.counts.skipped_macs, 2u * 8 * 8 * 3) << df;
        EXPECT_LT(skip.cycles, plain.cycles) << df;
    }
}

// Directions that follow from the definitions, on a layer with many channels and filters.
TEST(GridDataflows, EnergyMovesTheWayTheDefinitionsSay) {
    const Layer l = conv("mid", 32, 15, 15, 48, 3, 3, 1, 1);
    const ArchParams a = eyeriss();
    std::map<std::string, LayerResult> r;
    for (const char* df : kAll) r[df] = run_df(l, a, df);
    for (const char* df : kAll) {
        ASSERT_EQ(r[df].output_check, OutputCheck::BitExact) << df;
        EXPECT_EQ(r[df].counts.macs, r["rs"].counts.macs) << df;
    }
    const auto glb_filter = [&](const std::string& df) {
        return r[df].counts.acc.at(Level::Glb, DataType::Filter).reads;
    };
    // every dataflow reads each weight out of the buffer at least once; WS reads each exactly
    // once per buffer tile (a whole multiple of the weights). (Which dataflow reads fewest depends
    // on the mappings chosen: rs can keep a layer's filters in its PEs across passes.)
    const uint64_t weights = 32u * 48 * 3 * 3;
    for (const char* df : kAll) EXPECT_GE(glb_filter(df), weights) << df;
    EXPECT_EQ(glb_filter("ws") % weights, 0u);
    // NLR reads a weight for every MAC
    EXPECT_EQ(glb_filter("nlr"), r["nlr"].counts.macs);
    // OS keeps each psum in its PE over all channels of a tile: the fewest buffer psum accesses
    for (const char* os : {"os-a", "os-b", "os-c"})
        for (const char* df : {"ws", "nlr", "rs"})
            EXPECT_LT(glb_psum_accesses(r[os]), glb_psum_accesses(r[df])) << os << " vs " << df;
    // NLR has no register files
    EXPECT_EQ(rf_accesses(r["nlr"]), 0u);
    for (const char* df : {"ws", "os-a", "os-b", "os-c", "rs"}) EXPECT_GT(rf_accesses(r[df]), 0u) << df;
}

// Storage: every program stays within the buffer, and a pinned mapping that needs more is refused.
TEST(GridDataflows, StorageNeverExceedsTheBuffer) {
    const Layer l = conv("l", 16, 14, 14, 24, 3, 3, 1, 1);
    for (double kb : {2.0, 8.0, 64.0}) {
        const ArchParams a = small_arch(4, 5, kb);
        for (const char* df : kAll) {
            LayerResult r = run_df(l, a, df);
            EXPECT_LE(r.glb_bytes_used, static_cast<uint64_t>(a.glb.size_bytes)) << df << " " << kb;
        }
    }
    GridMapping m = tiled(GridVariant::OsB, 14, 24, 16);
    m.mp = 4, m.ep = 1, m.fp = 5;
    const std::string bad = grid_dataflow(GridVariant::OsB).check(l, small_arch(4, 5, 2.0), m);
    EXPECT_NE(bad.find("bytes of global buffer, which holds 2048"), std::string::npos) << bad;
}

// Pinned mappings from YAML: legal ones run as given, broken ones are refused with the file,
// the line and the violated constraint.
TEST(GridDataflows, PinnedMappingsFromYaml) {
    const Layer l = conv("CONVX", 6, 11, 10, 7, 3, 3, 1, 1);
    const ArchParams a = small_arch();
    const std::string ok = "et: 4\nmt: 7\nct: 3\ncp: 2\nrp: 2\np: 2\nmp: 7\ndouble_buffer: false\n";
    auto m = find_dataflow("ws").parse_mapping(YamlMap::from_string(ok, "pin.yaml"), l, a);
    const auto& gm = dynamic_cast<const GridMapping&>(*m);
    EXPECT_EQ(gm.cp, 2);
    EXPECT_EQ(gm.p, 2);
    EXPECT_EQ(gm.Et, 4);
    EXPECT_EQ(gm.buffers, Buffering::all(false));
    struct Bad {
        std::string df, yaml, expect;
    };
    const std::vector<Bad> bad = {
        {"ws", "cp: 3\nrp: 3\nmp: 5\n",
         "pin.yaml:1:1: expected a legal ws mapping for layer CONVX on small: cp*rp must be at most the array rows "
         "(4)"},
        {"ws", "cp: 1\nrp: 1\nmp: 5\np: 99\n", "p*S exceeds the filter RF"},
        {"os-a", "mp: 2\n", "os-a works on one filter at a time"},
        {"os-b", "mp: 5\nep: 1\nfp: 5\n", "mp <= rows"},
        {"nlr", "cp: 1\nrp: 1\nmp: 5\net: 12\n", "field 'et': expected an integer in [1, 11], got 12"},
        {"os-c", "mp: 7\nbogus: 1\n", "field 'bogus': unknown field"},
        {"rs", "e: 11\n", "e must be in [1, min(E, cols)]"},
    };
    for (const Bad& b : bad) {
        try {
            find_dataflow(b.df).parse_mapping(YamlMap::from_string(b.yaml, "pin.yaml"), l, a);
            ADD_FAILURE() << b.df << ": accepted " << b.yaml;
        } catch (const ConfigError& e) {
            EXPECT_NE(std::string(e.what()).find(b.expect), std::string::npos) << e.what();
        }
    }
}

// Cycles: the analytical estimate stays within a stated band of the simulated cycles (the
// mapper only needs it to rank candidates; the simulator's cycles are the ones reported).
TEST(GridDataflows, AnalyticalCyclesWithinToleranceOfSimulated) {
    const std::vector<Layer> alexnet = accelerator_layers(load_network(src("workloads/alexnet.yaml")));
    // CONV3 on the default config and CONV2 on the equal-area setup (each dataflow on its storage)
    const ArchParams isca = load_arch(src("configs/arch/eyeriss-isca16.yaml"));
    for (const auto& [layer, arch] : {std::pair{alexnet.at(2), eyeriss()}, std::pair{alexnet.at(1), isca}})
        for (const char* df : kGrid) {
            LayerResult r = run_df(layer, arch, df);
            const double ratio = static_cast<double>(r.estimated_cycles) / static_cast<double>(r.cycles);
            const std::string what = layer.name + " " + df + " est " + std::to_string(r.estimated_cycles) + " sim " +
                                     std::to_string(r.cycles);
            EXPECT_GT(ratio, 0.75) << what;
            EXPECT_LT(ratio, 1.25) << what;
            EXPECT_GE(r.cycles, (r.counts.macs + arch.num_pes() - 1) / arch.num_pes()) << what;
        }
}

// The objective steers every mapper: the energy pick is within 2% of the cycles pick's energy or
// better, the cycles pick within 2% of the energy pick's cycles or better (the pick rule in
// dataflows/dataflow.h), and for at least one dataflow the two picks differ.
TEST(GridDataflows, ObjectiveSteersTheMapper) {
    const Layer l = conv("mid", 32, 15, 15, 48, 3, 3, 1, 1, 1, 4);
    const ArchParams a = eyeriss();
    int differ = 0;
    for (const char* df : kAll) {
        const Dataflow& d = find_dataflow(df);
        const Estimate e = d.estimate(l, a, table45(), *d.choose_mapping(l, a, table45(), Objective::Energy));
        const Estimate c = d.estimate(l, a, table45(), *d.choose_mapping(l, a, table45(), Objective::Cycles));
        EXPECT_LE(e.energy, 1.02 * c.energy) << df;
        EXPECT_LE(static_cast<double>(c.cycles), 1.02 * static_cast<double>(e.cycles)) << df;
        differ += e.cycles != c.cycles || e.energy != c.energy;
    }
    EXPECT_GT(differ, 0);
}
