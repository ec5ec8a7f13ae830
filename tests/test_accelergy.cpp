// Accelergy interop (config/accelergy.h, docs/accelergy.md): an ERT read as dfsim's energy table,
// dfsim's tables written as an ERT and read back to the same figures, the mapping of components
// to cost classes, ART areas, and malformed input named by file, field and expectation.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <filesystem>
#include <regex>

#include "config/accelergy.h"
#include "energy/physical.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

EnergyTable round_trip(const EnergyTable& t, const ArchParams& a) {
    return load_energy_table_from_string(to_accelergy_ert(t, a, "# test\n"), "exported.yaml");
}

// Every access dfsim can charge, at every width a layer can have, and every ALU figure: the same
// double from the exported table as from the original.
void expect_same_figures(const EnergyTable& t, const EnergyTable& u, double glb_bytes, double rel) {
    auto same = [rel](double x, double y, const std::string& what) {
        if (rel == 0)
            EXPECT_EQ(x, y) << what;
        else
            EXPECT_NEAR(x, y, rel * std::abs(x)) << what;
    };
    for (Level l : kLevels)
        for (bool w : {false, true})
            for (int bits : {1, 2, 4, 8, 16, 32, 64})
                same(t.access(l, w, bits, glb_bytes), u.access(l, w, bits, glb_bytes),
                     std::string(to_string(l)) + (w ? " write " : " read ") + std::to_string(bits));
    for (int wb : {1, 2, 4, 8})
        for (int pb : {16, 32}) same(t.mac_energy(wb, 8, pb), u.mac_energy(wb, 8, pb), "mac " + std::to_string(wb));
    same(t.accumulate(32), u.accumulate(32), "add");
    same(t.lut_read_energy(256), u.lut_read_energy(256), "lut read");
    same(t.lut_write, u.lut_write, "lut write");
    same(t.xnor_popcount, u.xnor_popcount, "xnor");
    EXPECT_EQ(t.unit, u.unit);
    EXPECT_EQ(t.scale_with_width, u.scale_with_width);
    EXPECT_EQ(t.name, u.name);
}

}  // namespace

// The eyeriss architecture (8-bit MACs, 32-bit psums, power-of-two widths): the exported ERT reads
// back to the same double for every access and ALU figure, for both shipped tables.
TEST(Accelergy, ExportReadsBackToTheSameFiguresBitForBit) {
    const ArchParams a = eyeriss();
    for (const char* f : {"configs/energy/45nm-fixed.yaml", "configs/energy/eyeriss-normalized.yaml"}) {
        SCOPED_TRACE(f);
        const EnergyTable t = load_energy_table(src(f));
        expect_same_figures(t, round_trip(t, a), static_cast<double>(a.glb.size_bytes), 0);
    }
}

// 16-bit MACs (eyeriss-isca16, eyeriss-chip): the MAC is exported at 16 x 16 bits and scaled back
// to dfsim's 8 x 8 reference, which rounds: equal to 1e-12.
TEST(Accelergy, SixteenBitMacsReadBackToTwelveDigits) {
    for (const char* arch : {"configs/arch/eyeriss-isca16.yaml", "configs/arch/eyeriss-chip.yaml"}) {
        SCOPED_TRACE(arch);
        const ArchParams a = load_arch(src(arch));
        const EnergyTable t = table45();
        expect_same_figures(t, round_trip(t, a), static_cast<double>(a.glb.size_bytes), 1e-12);
    }
}

// The exported figures are the architecture's: the 45 nm DRAM read of 640 pJ per 32 bits is 1280 pJ
// per 64-bit link word; the RF's 1 pJ per 32 bits is 0.25 pJ for an 8-bit ifmap word; the GLB's
// 20 pJ per 64 bits at 32 KB is 20 x (108 / 32)^0.4644 at 108 KB; the PE array is named 0..167.
TEST(Accelergy, ExportGivesTheArchitecturesAccessWidthsAndNames) {
    const std::string ert = to_accelergy_ert(table45(), eyeriss(), "# provenance\n");
    EXPECT_EQ(ert.rfind("# provenance\n", 0), 0u);
    EXPECT_NE(ert.find("- name: system.eyeriss.DRAM\n    actions:\n    - name: read\n      arguments: null\n"
                       "      energy: 1280\n"),
              std::string::npos)
        << ert;
    EXPECT_NE(ert.find("- name: system.eyeriss.PE[0..167].ifmap_spad\n    actions:\n    - name: read\n      "
                       "arguments: null\n      energy: 0.25\n"),
              std::string::npos)
        << ert;
    const YAML::Node doc = YAML::Load(ert);
    const double glb = doc["ERT"]["tables"][1]["actions"][0]["energy"].as<double>();
    EXPECT_NEAR(glb, 20 * std::pow(108.0 / 32.0, 0.4644), 1e-12);
    EXPECT_EQ(doc["ERT"]["tables"][1]["name"].as<std::string>(), "system.eyeriss.shared_glb");
    EXPECT_EQ(doc["ERT"]["tables"].size(), 10u);  // DRAM, GLB, 4 networks, 3 spads, MAC
    EXPECT_EQ(doc["dfsim"]["reference_bits"]["system.eyeriss.PE[0..167].psum_spad"].as<int>(), 32);
}

// A hand-built ERT in the 0.4 layout (tables and actions as mappings) with names no convention
// knows, mapped by a dfsim: block; widths from a 'width' argument and from reference_bits;
// variants picked (all arguments 1); two RFs of different figures combined by their mean.
TEST(Accelergy, HandBuiltTableWithUnusualNamesAndAMapping) {
    const std::string yaml = R"(ERT:
  version: 0.4
  tables:
    chip.OffChip:
      read: {arguments: {width: 64}, energy: 1000}
      write: {arguments: {width: 64}, energy: 1200}
      idle: {arguments: null, energy: 0}
    chip.Scratch:
      read:
      - {arguments: {address_delta: 0, data_delta: 0}, energy: 10}
      - {arguments: {address_delta: 1, data_delta: 1}, energy: 30}
      - {arguments: {address_delta: 1, data_delta: 0}, energy: 20}
      update: {arguments: null, energy: 25}
    chip.Fabric:
      transfer_random:
      - {arguments: {n_rows: 1, n_cols_per_row: 2}, energy: 0.8}
      - {arguments: {n_rows: 1, n_cols_per_row: 1}, energy: 0.4}
    chip.PE[0..3].InBox: {read: {arguments: null, energy: 0.5}, write: {arguments: null, energy: 0.5}}
    chip.PE[0..3].AccBox: {read: {arguments: null, energy: 2.0}, write: {arguments: null, energy: 3.0}}
    chip.PE[0..3].Multiplier: {mac_random: {arguments: null, energy: 1.6}, mac_reused: {arguments: null, energy: 1.1},
                               add: {arguments: null, energy: 0.2}}
    chip.Sequencer: {idle: {arguments: null, energy: 0.1}}
dfsim:
  name: hand-built
  combine: mean
  components: {OffChip: dram, Scratch: glb, Fabric: noc, InBox: rf, AccBox: rf, Multiplier: mac, chip.Sequencer: ignore}
  reference_bits: {glb: 64, Fabric: 16, InBox: 16, AccBox: 32}
)";
    const EnergyTable t = load_energy_table_from_string(yaml, "hand.yaml");
    EXPECT_EQ(t.name, "hand-built");
    EXPECT_EQ(t.unit, EnergyUnit::Pj);
    EXPECT_EQ(t.at(Level::Dram).read, 1000);
    EXPECT_EQ(t.at(Level::Dram).write, 1200);
    EXPECT_EQ(t.at(Level::Dram).reference_bits, 64);
    EXPECT_EQ(t.at(Level::Glb).read, 30);  // the variant with every argument 1
    EXPECT_EQ(t.at(Level::Glb).write, 25);  // no write: update
    EXPECT_EQ(t.at(Level::Noc).read, 0.4);  // one receiver
    EXPECT_EQ(t.at(Level::Noc).write, 0);  // a network's write: none given
    EXPECT_EQ(t.at(Level::Noc).reference_bits, 16);
    // InBox 0.5 pJ / 16 b, AccBox 2 pJ / 32 b: mean 3/64 pJ per bit, x 16 b (the first's width) = 0.75;
    // writes 0.5 / 16 and 3 / 32: mean 1/16 per bit, x 16 = 1
    EXPECT_EQ(t.at(Level::Rf).reference_bits, 16);
    EXPECT_DOUBLE_EQ(t.at(Level::Rf).read, 0.75);
    EXPECT_DOUBLE_EQ(t.at(Level::Rf).write, 1.0);
    EXPECT_EQ(t.mac, 1.6);  // 8 x 8 bits, 32-bit psums by default: as given
    EXPECT_EQ(t.multiply, 1.6);  // no multiply action: all of the MAC
    EXPECT_EQ(t.add, 0.2);
    EXPECT_LT(t.lut_read, 0);  // no LUT figures: not available
}

// Conventional names (an Eyeriss-like ERT in the 0.3 layout) map without a mapping; two GLBs of
// different figures are an error naming both and the way out, which combine: max takes.
TEST(Accelergy, ConventionalNamesAndTheCombineRule) {
    const std::string tables = R"(ERT:
  version: 0.3
  tables:
  - name: sys.DRAM
    actions: [{name: read, energy: 512}, {name: write, energy: 512}]
  - name: sys.shared_glb
    actions: [{name: read, energy: 16}, {name: write, energy: 16}]
  - name: sys.weights_glb
    actions: [{name: read, energy: 8}, {name: fill, energy: 8}]
  - name: sys.ifmap_NoC
    actions: [{name: transfer_random, energy: 1}]
  - name: sys.PE[0..167].weights_spad
    actions: [{name: read, energy: 0.5}, {name: write, energy: 0.5}]
  - name: sys.PE[0..167].mac
    actions: [{name: mac_random, energy: 1}, {name: mac_gated, energy: 0.05}, {name: add, energy: 0.25}]
)";
    const std::string widths = "  reference_bits: {dram: 64, glb: 64, noc: 16, rf: 16}\n";
    const std::string err = error_of([&] { load_energy_table_from_string(tables + "dfsim:\n" + widths, "eyer.yaml"); });
    EXPECT_NE(err.find("eyer.yaml:"), std::string::npos) << err;
    EXPECT_NE(err.find("'sys.shared_glb' and 'sys.weights_glb' both map to glb"), std::string::npos) << err;
    EXPECT_NE(err.find("combine: mean|max|min"), std::string::npos) << err;
    const EnergyTable t = load_energy_table_from_string(tables + "dfsim:\n  combine: max\n" + widths, "eyer.yaml");
    EXPECT_EQ(t.at(Level::Glb).read, 16);
    EXPECT_EQ(t.at(Level::Glb).write, 16);
    EXPECT_EQ(t.at(Level::Dram).read, 512);
    EXPECT_EQ(t.at(Level::Noc).read, 1);
    EXPECT_EQ(t.at(Level::Rf).read, 0.5);
    EXPECT_EQ(t.mac, 1);
    EXPECT_EQ(t.add, 0.25);
}

// Malformed input: each error names the file, the field and what was expected.
TEST(Accelergy, MalformedInputIsNamed) {
    const std::string good_tail = R"(
  - name: s.glb
    actions: [{name: read, energy: 6}, {name: write, energy: 6}]
  - name: s.noc
    actions: [{name: read, energy: 2}]
  - name: s.rf
    actions: [{name: read, energy: 1}, {name: write, energy: 1}]
  - name: s.mac
    actions: [{name: mac_random, energy: 1}, {name: add, energy: 0.3}]
dfsim: {width_scaling: none}
)";
    auto err = [&](const std::string& head) {
        return error_of(
            [&] { load_energy_table_from_string("ERT:\n  version: 0.3\n  tables:" + head + good_tail, "bad.yaml"); });
    };
    // the good table loads (the cases below break one thing each)
    EXPECT_EQ(err("\n  - name: s.DRAM\n    actions: [{name: read, energy: 200}]"), "");
    std::string e = err("\n  - name: s.Mystery\n    actions: [{name: read, energy: 200}]");
    EXPECT_NE(e.find("bad.yaml:4:5: field 'ERT.tables[0]': component 's.Mystery' maps to no dfsim cost class"),
              std::string::npos)
        << e;
    EXPECT_NE(e.find("dfsim: {components: {'Mystery': CLASS}}"), std::string::npos) << e;
    e = err("\n  - name: s.DRAM\n    actions: [{name: read, energy: -1}]");
    EXPECT_NE(e.find("field 'ERT.tables[0].actions[0].energy': expected an energy in pJ (a number >= 0), got '-1'"),
              std::string::npos)
        << e;
    e = err("\n  - name: s.DRAM\n    actions: [{name: read}]");
    EXPECT_NE(e.find("field 'ERT.tables[0].actions[0].energy': required field is missing"), std::string::npos) << e;
    e = err("\n  - name: s.DRAM\n    actions: [{name: write, energy: 200}]");
    EXPECT_NE(e.find("component 's.DRAM' (dram) has no read action: expected one of 'read'"), std::string::npos) << e;
    e = err("");
    EXPECT_NE(e.find("no component maps to dram"), std::string::npos) << e;
    e = error_of([] { load_energy_table_from_string("ERT:\n  version: 0.2\n  tables: []\n", "old.yaml"); });
    EXPECT_NE(e.find("old.yaml:2:12: field 'ERT.version': expected 0.3 or 0.4"), std::string::npos) << e;
    e = error_of([] { load_energy_table_from_string("ERT:\n  tables: {s.DRAM: {read: []}}\n", "empty.yaml"); });
    EXPECT_NE(e.find("field 'ERT.tables.s.DRAM.read': expected the action's energy"), std::string::npos) << e;
    // with linear width scaling, a storage component needs a width
    e = error_of([&] {
        load_energy_table_from_string("ERT:\n  tables:\n  - name: s.DRAM\n    actions: [{name: read, energy: 200}]" +
                                          good_tail.substr(0, good_tail.find("dfsim:")),
                                      "w.yaml");
    });
    EXPECT_NE(e.find("component 's.DRAM': expected its access width"), std::string::npos) << e;
    // the dfsim: block is checked as dfsim's own files are
    e = error_of([&] {
        load_energy_table_from_string("ERT:\n  tables:\n  - name: s.DRAM\n    actions: [{name: read, energy: 200}]" +
                                          std::regex_replace(good_tail, std::regex("none\\}"), "none, colour: blue}"),
                                      "k.yaml");
    });
    EXPECT_NE(e.find("field 'dfsim.colour': unknown field"), std::string::npos) << e;
}

// An ART in either layout: areas by component, the class each name maps to, the total.
TEST(Accelergy, AreaTableIsRead) {
    const AreaTable a = load_accelergy_art_from_string(R"(ART:
  version: 0.3
  tables:
  - {name: "x.PE[0..167].mac", area: 1200.5}
  - {name: x.shared_glb, area: 700000}
  - {name: x.Controller, area: 99.5}
)",
                                                       "a.yaml");
    ASSERT_EQ(a.components.size(), 3u);
    EXPECT_EQ(a.components[0].cost_class, "mac");
    EXPECT_EQ(a.components[1].cost_class, "glb");
    EXPECT_EQ(a.components[2].cost_class, "");
    EXPECT_EQ(a.total_um2(), 701300.0);  // 1200.5 + 700000 + 99.5
    const AreaTable b = load_accelergy_art_from_string("ART:\n  tables: {x.DRAM: {area: 0}, x.rf: 12.5}\n", "b.yaml");
    ASSERT_EQ(b.components.size(), 2u);
    EXPECT_EQ(b.components[1].um2, 12.5);
    const std::string e = error_of([] { load_accelergy_art_from_string("ART:\n  tables: [{name: q}]\n", "c.yaml"); });
    EXPECT_NE(e.find("c.yaml:2:12: field 'ART.tables[0]': expected a component area"), std::string::npos) << e;
}

namespace {
class AccelergyCli : public TempDirTest {
protected:
    std::string net() {
        return write("net.yaml", R"(name: small
layers:
  - {name: A, C: 3, H: 15, W: 15, M: 8, R: 3, S: 3, padding: 1, requant: {multiplier: 1, shift: 8, relu: true}}
  - {name: B, C: 8, H: 15, W: 15, M: 6, R: 3, S: 3, stride: 2, data: {ifmap: {zero_fraction: 0.5}}}
)");
    }
    nlohmann::json run_json(const std::string& energy, const std::string& extra, const std::string& tag) {
        const std::string json = (dir / (tag + ".json")).string();
        const CmdResult r = dfsim("run --quiet --arch " + src("configs/arch/eyeriss.yaml") + " --workload " + net() +
                                  " --layers all --energy " + energy + " --json " + json + " " + extra);
        EXPECT_EQ(r.code, 0) << r.err;
        return nlohmann::json::parse(slurp(json));
    }
};
}  // namespace

// Export each shipped table through the command line, run with it: every layer's energy (per level
// and in total) is the same double as with the original YAML, for int8, LUT and XNOR layers.
TEST_F(AccelergyCli, RunWithTheExportedTableGivesTheSameEnergy) {
    for (const char* f : {"configs/energy/45nm-fixed.yaml", "configs/energy/eyeriss-normalized.yaml"}) {
        SCOPED_TRACE(f);
        const std::string ert = (dir / "ert.yaml").string();
        const CmdResult x = dfsim("export --format accelergy --arch " + src("configs/arch/eyeriss.yaml") +
                                  " --energy " + src(f) + " --out " + ert);
        ASSERT_EQ(x.code, 0) << x.err;
        EXPECT_NE(slurp(ert).find("# written by dfsim "), std::string::npos);
        for (const char* precision : {"", "--precision lut4", "--precision xnor"}) {
            SCOPED_TRACE(precision);
            const nlohmann::json a = run_json(src(f), precision, "orig"), b = run_json(ert, precision, "ert");
            ASSERT_EQ(a["layers"].size(), b["layers"].size());
            for (size_t i = 0; i < a["layers"].size(); ++i)
                for (const char* k : {"dram", "glb", "noc", "rf", "alu", "total"})
                    EXPECT_EQ(a["layers"][i]["energy"][k].get<double>(), b["layers"][i]["energy"][k].get<double>())
                        << i << " " << k;
            EXPECT_EQ(a["total"]["energy"]["total"].get<double>(), b["total"]["energy"]["total"].get<double>());
            EXPECT_GT(a["total"]["energy"]["total"].get<double>(), 0);
        }
    }
}

// The command line: an unknown component is exit code 2 with the file named; export --area writes
// the ART after the ERT; options of the other formats are refused.
TEST_F(AccelergyCli, ErrorsAndTheAreaTable) {
    const std::string bad = write("bad.yaml", "ERT:\n  version: 0.3\n  tables:\n  - name: s.Gizmo\n    actions: []\n");
    CmdResult r = dfsim("run --quiet --workload " + net() + " --energy " + bad);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(bad + ":4:5: field 'ERT.tables[0]': component 's.Gizmo' maps to no dfsim cost class"),
              std::string::npos)
        << r.err;
    const std::string art =
        write("art.yaml", "ART:\n  version: 0.3\n  tables:\n  - name: s.PE[0..3].mac\n    area: 10\n");
    r = dfsim("export --format accelergy --area " + art);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(
        r.out.find("ART:\n  version: 0.3\n  tables:\n  - name: \"s.PE[0..3].mac\"\n    area: 10  # dfsim class mac\n"),
        std::string::npos)
        << r.out;
    const std::string both = write("both.yaml", r.out);
    const AreaTable back = load_accelergy_art(both);
    ASSERT_EQ(back.components.size(), 1u);
    EXPECT_EQ(back.components[0].um2, 10);
    EXPECT_EQ(load_energy_table(both).name, "45nm-horowitz");  // the same file is also the energy table
    r = dfsim("export --format scalesim --arch " + src("configs/arch/eyeriss.yaml"));
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find("field '--arch': expected only with --format accelergy"), std::string::npos) << r.err;
    r = dfsim("export --format accelergy --workload " + net());
    EXPECT_EQ(r.code, 2);
}

// A file without a dfsim: block takes its mapping from the sidecar NAME.dfsim.yaml beside it.
TEST_F(AccelergyCli, SidecarGivesTheMapping) {
    const std::string ert = write("plugins.yaml", R"(ERT:
  version: 0.3
  tables:
  - {name: top.Backing, actions: [{name: read, energy: 100}, {name: write, energy: 120}]}
  - {name: top.Buf, actions: [{name: read, energy: 5}, {name: write, energy: 6}]}
  - {name: top.Wires, actions: [{name: transfer, energy: 1}]}
  - {name: top.Regs, actions: [{name: read, energy: 0.5}, {name: write, energy: 0.5}]}
  - {name: top.Alu, actions: [{name: mac_random, energy: 2}, {name: add, energy: 0.5}]}
)");
    // without the sidecar: 'Backing' maps to nothing
    EXPECT_NE(error_of([&] { load_energy_table(ert); }).find("component 'top.Backing' maps to no dfsim cost class"),
              std::string::npos);
    write("plugins.dfsim.yaml", R"(dfsim:
  name: from-sidecar
  components: {Backing: dram, Buf: glb, Wires: noc, Alu: mac}
  reference_bits: {dram: 64, glb: 64, noc: 16, rf: 16}
)");
    const EnergyTable t = load_energy_table(ert);
    EXPECT_EQ(t.name, "from-sidecar");
    EXPECT_EQ(t.at(Level::Dram).write, 120);
    EXPECT_EQ(t.at(Level::Glb).read, 5);
    EXPECT_EQ(t.at(Level::Noc).read, 1);
    EXPECT_EQ(t.at(Level::Rf).reference_bits, 16);  // 'Regs' by its conventional name, width by class
    EXPECT_EQ(t.mac, 2);
    // 32-bit psums: the add as given; an access of 8 bits to the 64-bit DRAM figure: 100 x 8 / 64
    EXPECT_EQ(t.add, 0.5);
    EXPECT_EQ(t.access(Level::Dram, false, 8, 0), 12.5);
}

namespace dfsim::test {
namespace {

// An ART feeds the area model (--area, or an ART beside an ERT): its areas are the chip's, per-PE
// entries once per PE, DRAM left out, and leakage and clock follow them. Hand sums on eyeriss.yaml
// (12 x 14 = 168 PEs): 2,000,000 (GLB) + 50,000 (a network outside the PEs) + 168 x (1000 + 20000 +
// 2000 + 5000 + 3000) = 7,258,000 um^2.
constexpr const char* kArt = R"(ART:
  version: 0.3
  tables:
  - {name: system.x.DRAM, area: 99999}
  - {name: system.x.shared_glb, area: 2000000}
  - {name: system.x.ifmap_NoC, area: 50000}
  - {name: "system.x.PE[0..167].ifmap_spad", area: 1000}
  - {name: "system.x.PE[0..167].weights_spad", area: 20000}
  - {name: "system.x.PE[0..167].psum_spad", area: 2000}
  - {name: "system.x.PE[0..167].mac", area: 5000}
  - {name: "system.x.PE[0..167].control", area: 3000}
)";

TEST(AreaArt, AnImportedArtIsTheChipsArea) {
    const ArchParams a = load_arch(src("configs/arch/eyeriss.yaml"));
    AreaFigures f;
    f.present = true;
    f.given = given_area(load_accelergy_art_from_string(kArt, "art.yaml"));
    const AreaBreakdown r = area_of(a, f);
    EXPECT_NEAR(r.total(), 7.258, 1e-12);
    EXPECT_NEAR(r.glb, 2.0, 1e-12);
    EXPECT_NEAR(r.rf[1], 168 * 20000e-6, 1e-12);
    EXPECT_NEAR(r.other, 0.05 + 168 * 3000e-6, 1e-12);
    EXPECT_DOUBLE_EQ(r.pe_um2, 31000);
    EXPECT_EQ(r.source, "art.yaml");
    // static energy over 1000 cycles at 200 MHz with the 45 nm table's figures, by hand
    EnergyTable t = load_energy_table(src("configs/energy/45nm.yaml"));
    t.area = f;
    const StaticEnergy s = static_energy(a, t, 1000);
    EXPECT_NEAR(s.leakage, 1.0 * 7.258 * (1000 / 200e6) * 1e9, 1e-6);  // mW x s = 1e9 pJ
    EXPECT_NEAR(s.clock, 59.35 * 7.258 * 1000, 1e-6);
    // a register file whose name gives no data type is refused
    const std::string e = error_of([] {
        given_area(load_accelergy_art_from_string("ART:\n  tables: [{name: 's.PE[0..3].spad', area: 5}]\n", "b.yaml"));
    });
    EXPECT_NE(e.find("b.yaml: field 'ART.tables': register file 's.PE[0..3].spad': expected its data type"),
              std::string::npos)
        << e;
}

// dfsim's own area model exported as an ERT + ART and read back as the energy table gives the
// model's area (the chip's 12.26 mm^2, component by component).
TEST(AreaArt, TheExportedArtReadsBackAsTheArea) {
    const ArchParams a = load_arch(src("configs/arch/eyeriss-chip.yaml"));
    const EnergyTable model = load_energy_table(src("configs/energy/65nm.yaml"));
    const AreaBreakdown m = area_of(a, model.area);
    const double pes = a.num_pes();
    const AreaTable art =
        accelergy_area_table(a, m.glb * 1e6, {m.rf[0] * 1e6 / pes, m.rf[1] * 1e6 / pes, m.rf[2] * 1e6 / pes},
                             m.datapath * 1e6 / pes, m.other * 1e6 / pes, "test");
    const std::string both = to_accelergy_ert(model, a, "") + to_accelergy_art(art);
    const EnergyTable t = load_accelergy_ert(both, "both.yaml");
    ASSERT_TRUE(t.area.given.present);
    const AreaBreakdown r = area_of(a, t.area);
    EXPECT_NEAR(r.total(), m.total(), 1e-9 * m.total());
    for (int d = 0; d < kNumDataTypes; ++d) EXPECT_NEAR(r.rf[d], m.rf[d], 1e-9 * m.rf[d]);
    EXPECT_NEAR(r.glb, m.glb, 1e-9 * m.glb);
    EXPECT_NEAR(r.total(), 12.26, 0.01);
}

// dfsim run --area ART: the report's area is the ART's (hand sum above), named by its file, and the
// static energy follows it: leakage 1.0 mW/mm^2 and clock 59.35 pJ/mm^2 a cycle (configs/energy/45nm.yaml)
// over the run's cycles at eyeriss.yaml's 200 MHz, by hand.
TEST_F(AccelergyCli, RunWithAnArtTakesItsArea) {
    const std::string art = write("chip.art.yaml", kArt);
    const nlohmann::json j = run_json(src("configs/energy/45nm.yaml"), "--area " + art, "a");
    EXPECT_NEAR(j["area_mm2"]["total"].get<double>(), 7.258, 1e-9);
    EXPECT_EQ(j["area_mm2"]["source"].get<std::string>(), art);
    const double cycles = j["total"]["cycles"].get<double>();
    ASSERT_GT(cycles, 0);
    EXPECT_NEAR(j["total"]["energy"]["leakage"].get<double>(), 7.258 * cycles / 200e6 * 1e9, 1e-6 * cycles);
    EXPECT_NEAR(j["total"]["energy"]["clock"].get<double>(), 59.35 * 7.258 * cycles, 1e-6 * cycles);
    const CmdResult r = dfsim("run --quiet --workload " + net() + " --area " + write("bad.yaml", "ART: 3\n"));
    EXPECT_EQ(r.code, 2) << r.err;
}

// dfsim sweep --area ART: each point's area is the ART's with its per-PE entries once per PE of the
// point (hand sums: 2,050,000 + PEs x 31,000 um^2), and a spec file's `area:` is the same option.
TEST_F(AccelergyCli, SweepWithAnArtTakesItsAreaPerPoint) {
    const std::string art = write("chip.art.yaml", kArt);
    const std::string out = (dir / "sw").string();
    const CmdResult r =
        dfsim("sweep --quiet --no-plots --model analytical --arch " + src("configs/arch/eyeriss.yaml") +
              " --workload " + net() + " --dataflows rs --pe-array 8x8,12x14 --area " + art + " --out " + out);
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(slurp(out + "/results.json"));
    ASSERT_EQ(j["rows"].size(), 2u);
    EXPECT_NEAR(j["rows"][0]["area_mm2"].get<double>(), 2.05 + 64 * 0.031, 1e-9);
    EXPECT_NEAR(j["rows"][1]["area_mm2"].get<double>(), 2.05 + 168 * 0.031, 1e-9);
    const std::string spec =
        write("s.yaml", "arch: " + src("configs/arch/eyeriss.yaml") + "\nworkload: " + net() +
                            "\ndataflows: [rs]\nmodel: analytical\narea: " + art + "\naxes: {pe_array: [8x8]}\n");
    const CmdResult s = dfsim("sweep --quiet --no-plots --spec " + spec + " --out " + (dir / "sp").string());
    ASSERT_EQ(s.code, 0) << s.err;
    const nlohmann::json k = nlohmann::json::parse(slurp((dir / "sp" / "results.json").string()));
    EXPECT_NEAR(k["rows"][0]["area_mm2"].get<double>(), 2.05 + 64 * 0.031, 1e-9);
}

}  // namespace
}  // namespace dfsim::test
