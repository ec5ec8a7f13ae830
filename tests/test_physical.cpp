// The physical side of the cost model (energy/physical.h, energy/tech.h): technology scaling by
// Stillmaker and Baas's fits, the area model fitted to the Eyeriss chip, size-aware register-file
// and network energy, and the static (leakage, clock) energy. Expected figures are worked by hand
// from the published coefficients and figures the YAML comments cite.
#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

#include "config/accelergy.h"
#include "energy/energy.h"
#include "energy/physical.h"
#include "energy/tech.h"
#include "tests/test_util.h"

namespace dfsim::test {
namespace {

double poly(double a, double b, double c, double v) { return a * v * v + b * v + c; }
const double k45 = poly(1.103, -0.362, 0.2767, 1.0);  // the reference: 45 nm at 1.0 V

TEST(Tech, EnergyFactorIsThePublishedPolynomial) {
    EXPECT_DOUBLE_EQ(energy_factor(45, 1.0), 1.0);
    EXPECT_NEAR(energy_factor(65, 1.0), poly(3.755, -4.398, 1.975, 1.0) / k45, 1e-12);
    EXPECT_NEAR(energy_factor(45, 0.9), poly(1.103, -0.362, 0.2767, 0.9) / k45, 1e-12);
    EXPECT_NEAR(energy_factor(7, 0.7), poly(0.1776, -0.09097, 0.02447, 0.7) / k45, 1e-12);
    // 28 nm lies between 32 and 20 nm, log-log: exp(ln f32 + t (ln f20 - ln f32)), t = ln(32/28) / ln(32/20)
    const double f32 = poly(0.9559, -0.7823, 0.471, 0.9) / k45, f20 = poly(0.373, -0.1582, 0.04104, 0.9) / k45;
    const double t = std::log(32.0 / 28) / std::log(32.0 / 20);
    EXPECT_NEAR(energy_factor(28, 0.9), std::exp(std::log(f32) + t * (std::log(f20) - std::log(f32))), 1e-12);
    EXPECT_LT(energy_factor(28, 0.9), f32);
    EXPECT_GT(energy_factor(28, 0.9), f20);
    EXPECT_NEAR(area_factor(65, 45), 1 / 1.5, 1e-12);
    EXPECT_NEAR(area_factor(45, 7), 0.059, 1e-12);
}

TEST(Tech, ParseTechAndItsErrors) {
    int node = 0;
    double vdd = 0;
    parse_tech("28", node, vdd);
    EXPECT_EQ(node, 28);
    EXPECT_DOUBLE_EQ(vdd, nominal_vdd(28));
    parse_tech("7@0.65", node, vdd);
    EXPECT_EQ(node, 7);
    EXPECT_DOUBLE_EQ(vdd, 0.65);
    for (const char* bad : {"", "5", "200", "abc", "28nm", "28@", "28@3", "28@x"})
        EXPECT_THROW(parse_tech(bad, node, vdd), std::invalid_argument) << bad;
}

// The shipped 65 nm table is the 45 nm one scaled to 65 nm at 1.0 V (its comments say so): what
// scale_table makes of configs/energy/45nm.yaml equals it to the rounding of its four digits. DRAM
// is another chip, not scaled.
TEST(Tech, The65nmTableIsThe45nmTableScaled) {
    const EnergyTable t45 = table45_sized(), t65 = load_energy_table(src("configs/energy/65nm.yaml"));
    const EnergyTable s = scale_table(t45, 65, 1.0);
    const double f = poly(3.755, -4.398, 1.975, 1.0) / poly(1.103, -0.362, 0.2767, 0.9);  // 1.5776
    EXPECT_NEAR(s.at(Level::Rf).read, f * 1.0, 1e-12);
    for (Level l : {Level::Glb, Level::Noc, Level::Rf}) EXPECT_NEAR(s.at(l).read / t65.at(l).read, 1.0, 1e-3);
    EXPECT_EQ(s.at(Level::Dram).read, t45.at(Level::Dram).read);
    EXPECT_NEAR(s.mac / t65.mac, 1.0, 1e-3);
    EXPECT_NEAR(s.statics.clock_per_mm2_cycle / t65.statics.clock_per_mm2_cycle, 1.0, 1e-3);
    EXPECT_NEAR(s.area.full_adder_um2 / t65.area.full_adder_um2, 1.0, 2e-3);
    EXPECT_NEAR(s.area.sram_bit_um2 / t65.area.sram_bit_um2, 1.0, 2e-3);
    EXPECT_EQ(s.tech.node_nm, 65);
    EXPECT_EQ(s.scaled_from_nm, 45);
    EXPECT_EQ(technology_text(s), "65 nm, 1.00 V (scaled from 45 nm)");
}

// The chip's area split (JSSC 2017): 168 x 0.073 mm^2 of core, multipliers and adders 7.4% of it,
// storage two thirds, the spads 2.5x the GLB. The 65 nm figures were fitted to these; the area
// model gives them back from the chip's configuration.
TEST(Area, TheChipsPublishedSplit) {
    const ArchParams a = load_arch(src("configs/arch/eyeriss-chip.yaml"));
    const EnergyTable t = load_energy_table(src("configs/energy/65nm.yaml"));
    const AreaBreakdown ar = area_of(a, t.area);
    const double core = 168 * 0.073;
    EXPECT_NEAR(ar.total() / core, 1.0, 0.002);
    EXPECT_NEAR(ar.datapath / core, 0.074, 0.0005);
    EXPECT_NEAR(ar.storage() / core, 2.0 / 3, 0.002);
    EXPECT_NEAR((ar.rf[0] + ar.rf[1] + ar.rf[2]) / ar.glb, 2.5, 0.01);
    // one array by hand: the ifmap spad, 12 x 16 b: 0.7728 x 192 + 338.06 x sqrt(192) um^2 per PE
    EXPECT_NEAR(ar.rf[0], 168 * (0.7728 * 192 + 338.06 * std::sqrt(192.0)) * 1e-6, 1e-9);
}

TEST(Area, LargerStorageAndArraysTakeMoreAndTheBufferInverts) {
    const EnergyTable t = table45_sized();
    ArchParams a = eyeriss();
    const double base = area_of(a, t.area).total();
    a.glb.size_bytes *= 2;
    EXPECT_GT(area_of(a, t.area).total(), base);
    const double mm2 = glb_area_mm2(a, t.area, static_cast<double>(a.glb.size_bytes));
    const int64_t back = glb_bytes_for_area(a, t.area, mm2 * 1e6);
    const int64_t line = static_cast<int64_t>(a.glb.banks) * a.glb.bank_width_bits / 8;
    EXPECT_LE(back, a.glb.size_bytes);
    EXPECT_GT(back + line, a.glb.size_bytes);  // the largest whole line that fits
    EXPECT_EQ(glb_bytes_for_area(a, t.area, 1e-9), 0);
}

// Each spad costs by its own size: (max(bytes, 32) / 512)^0.5 of the rf figure (configs/energy/45nm.yaml).
// The default arch's spads: 12 x 8 b, 224 x 8 b, 24 x 32 b.
TEST(SizeAware, RegisterFilesByTheirOwnSize) {
    const AccessScale s = access_scale(eyeriss(), table45_sized());
    EXPECT_NEAR(s.rf[0], std::sqrt(32.0 / 512), 1e-12);
    EXPECT_NEAR(s.rf[1], std::sqrt(224.0 / 512), 1e-12);
    EXPECT_NEAR(s.rf[2], std::sqrt(96.0 / 512), 1e-12);
    const AccessScale fixed = access_scale(eyeriss(), table45());
    for (double f : fixed.rf) EXPECT_EQ(f, 1.0);
    EXPECT_EQ(fixed.noc, 1.0);
    EXPECT_EQ(table45().model(), "fixed");
    EXPECT_EQ(table45_sized().model(), "size-aware");
}

// The network's reference span is ISCA 2016's 16 x 16 array of PEs with a 512 B RF and a 16-bit
// MAC: 32 PE pitches, a pitch the square root of 13.24 x (16 x 16 + 16) + the 4096-bit array +
// 12621 um^2 by the 45 nm figures; and a word costs more on a larger array.
TEST(SizeAware, NetworkWordsCostByTheArraysSpan) {
    const EnergyTable t = table45_sized();
    const double pe = 13.24 * 272 + t.area.storage_um2(4096) + 12621;
    EXPECT_NEAR(32 * std::sqrt(pe) * 1e-3 / t.sizes.noc_reference_span_mm, 1.0, 0.002);
    ArchParams a = eyeriss();
    double last = 0;
    for (int n : {8, 16, 32}) {
        a.rows = a.cols = n;
        const AccessScale s = access_scale(a, t);
        EXPECT_NEAR(s.noc, 0.5 + 0.5 * noc_span_mm(a, t.area) / t.sizes.noc_reference_span_mm, 1e-12);
        EXPECT_GT(s.noc, last) << n;
        last = s.noc;
        EXPECT_NEAR(s.rf[1], std::sqrt(224.0 / 512), 1e-12);  // the spads do not depend on the array
    }
}

// Static energy: leakage = mW/mm^2 x mm^2 x seconds, clock = pJ/mm^2/cycle x mm^2 x cycles; the same
// counts over more cycles cost exactly that much more.
TEST(Static, LeakageAndClockOverTheCycles) {
    const EnergyTable t = table45_sized();
    const ArchParams a = eyeriss();
    const double mm2 = area_of(a, t.area).total();
    const uint64_t cycles = 2'000'000;
    const StaticEnergy st = static_energy(a, t, cycles);
    EXPECT_NEAR(st.leakage, 1.0 * mm2 * (cycles / 200e6) * 1e9, 1e-6 * st.leakage);
    EXPECT_NEAR(st.clock, 59.35 * mm2 * cycles, 1e-6 * st.clock);
    ActionCounts c;
    c.macs = 1000;
    const Widths w;
    const EnergyBreakdown e1 = compute_energy(c, t, w, a, cycles), e2 = compute_energy(c, t, w, a, 2 * cycles);
    EXPECT_DOUBLE_EQ(e1.dynamic(), e2.dynamic());
    EXPECT_NEAR(e2.total() - e1.total(), st.total(), 1e-6 * st.total());
    EXPECT_EQ(static_energy(a, table45(), cycles).total(), 0.0);  // no area model, no static energy
}

TEST(Static, TableErrorsNameTheField) {
    const std::string base =
        "name: t\nunit: pJ\ndram: {reference_bits: 32, read: 640, write: 640}\n"
        "glb: {reference_bits: 64, read: 20, write: 20}\nnoc: {reference_bits: 32, read: 2, write: 0}\n"
        "rf: {reference_bits: 32, read: 1, write: 1}\nalu: {mac: 0.3, add: 0.1}\n";
    try {
        load_energy_table_from_string(base + "static: {leakage_mw_per_mm2: 1}\n", "t.yaml");
        FAIL() << "static energy without an area model was accepted";
    } catch (const ConfigError& e) {
        EXPECT_NE(std::string(e.what()).find("leakage_mw_per_mm2"), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("area"), std::string::npos) << e.what();
    }
    EXPECT_THROW(load_energy_table_from_string(base + "technology: {node_nm: 45}\n", "t.yaml"), ConfigError);
}

}  // namespace
}  // namespace dfsim::test

namespace dfsim::test {
namespace {

// equal_area with area_table: each dataflow's buffer is the largest that fits in the base
// configuration's storage area by the area model (no assumed ratio): worked by hand here with the
// 65 nm figures for the ISCA 2016 setup's 256 PEs and 32 banks.
TEST(EqualArea, BufferFromTheAreaModel) {
    ArchParams a = load_arch(src("configs/arch/eyeriss-isca16.yaml"));
    a.equal_area.area_table = src("configs/energy/65nm.yaml");
    a.equal_area.area = load_energy_table(a.equal_area.area_table).area;
    auto st = [](double bits) { return bits <= 0 ? 0.0 : 0.7728 * bits + 338.06 * std::sqrt(bits); };
    auto glb = [&](double bytes) { return 32 * st(bytes * 8 / 32); };
    const double base = 256 * (st(12 * 16) + st(224 * 16) + st(10 * 32)) + glb(128 * 1024);
    const ArchParams rs = a.for_dataflow("rs"), nlr = a.for_dataflow("nlr");
    EXPECT_EQ(rs.glb.size_bytes, 128 * 1024);  // the base keeps its buffer
    EXPECT_LE(glb(static_cast<double>(nlr.glb.size_bytes)), base);  // nlr: all the area is buffer
    EXPECT_GT(glb(static_cast<double>(nlr.glb.size_bytes) + 256), base);  // and one more line does not fit
    EXPECT_GT(nlr.glb.size_bytes, rs.glb.size_bytes);
}

}  // namespace
}  // namespace dfsim::test

namespace dfsim::test {
namespace {

// dfsim's area model as an Accelergy ART (dfsim export --format accelergy): read back, the shared
// GLB plus PEs x the per-PE entries is the model's total (the chip: its 12.26 mm^2 core).
TEST(AreaArt, TheAreaModelAsAnArtReadsBack) {
    const ArchParams a = load_arch(src("configs/arch/eyeriss-chip.yaml"));
    const AreaBreakdown ar = area_of(a, load_energy_table(src("configs/energy/65nm.yaml")).area);
    const double pes = a.num_pes();
    const AreaTable t =
        accelergy_area_table(a, ar.glb * 1e6, {ar.rf[0] * 1e6 / pes, ar.rf[1] * 1e6 / pes, ar.rf[2] * 1e6 / pes},
                             ar.datapath * 1e6 / pes, ar.other * 1e6 / pes, "test");
    const AreaTable back = load_accelergy_art_from_string(to_accelergy_art(t), "art.yaml");
    ASSERT_EQ(back.components.size(), 6u);
    double um2 = 0;
    for (const AreaEntry& e : back.components)
        um2 += e.component.find(".PE[0..167].") != std::string::npos ? pes * e.um2 : e.um2;
    EXPECT_NEAR(um2 * 1e-6, ar.total(), 1e-6 * ar.total());
    EXPECT_NEAR(um2 * 1e-6, 168 * 0.073, 0.005 * 168 * 0.073);
}

}  // namespace
}  // namespace dfsim::test
