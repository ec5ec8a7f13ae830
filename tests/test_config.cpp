// Config loading: every bad input is a ConfigError naming file, field, line and column and
// what was expected; the shipped configs load with the figures their sources give.
#include <algorithm>
#include <cstdint>
#include <gtest/gtest.h>

#include "test_util.h"

#include "base/error.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

const char* kArch = R"(name: t
clock_mhz: 200
pe_array: {rows: 4, cols: 5}
pe: {ifmap_spad_words: 12, filter_spad_words: 224, psum_spad_words: 24, pipeline_depth: 2, psum_bits: 32}
noc: {ifmap_bus_bits: 64, filter_bus_bits: 64, psum_in_bus_bits: 64, psum_out_bus_bits: 64, psum_link_bits: 32}
glb: {size_kb: 16, banks: 4, bank_width_bits: 64}
dram: {bandwidth_bytes_per_cycle: 8, latency_cycles: 100}
)";

using test::error_of;

std::string replace(std::string s, const std::string& from, const std::string& to) {
    s.replace(s.find(from), from.size(), to);
    return s;
}

}  // namespace

TEST(Config, ShippedConfigsLoadWithTheirSourceFigures) {
    ArchParams a = eyeriss();
    EXPECT_EQ(a.rows, 12);
    EXPECT_EQ(a.cols, 14);
    EXPECT_EQ(a.pe.filter_spad_words, 224);
    EXPECT_EQ(a.pe.ifmap_spad_words, 12);
    EXPECT_EQ(a.pe.psum_spad_words, 24);
    EXPECT_EQ(a.glb.size_bytes, 108 * 1024);
    EXPECT_DOUBLE_EQ(a.clock_mhz, 200);
    EnergyTable t = table45();
    EXPECT_EQ(t.unit, EnergyUnit::Pj);
    EXPECT_DOUBLE_EQ(t.access(Level::Dram, false, 32, 0), 640);
    EXPECT_DOUBLE_EQ(t.access(Level::Rf, false, 32, 0), 1);
    EXPECT_DOUBLE_EQ(t.access(Level::Dram, false, 8, 0), 160);  // linear in width
    // GLB power law through Horowitz's 32 KB (20 pJ/64b) and 1 MB (100 pJ/64b) points
    EXPECT_NEAR(t.access(Level::Glb, false, 64, 32 * 1024), 20, 1e-9);
    EXPECT_NEAR(t.access(Level::Glb, false, 64, 1024 * 1024), 100, 0.1);
    EnergyTable n = load_energy_table(src("configs/energy/eyeriss-normalized.yaml"));
    EXPECT_EQ(n.unit, EnergyUnit::Normalized);
    EXPECT_DOUBLE_EQ(n.access(Level::Dram, false, 8, 0), 200);
    EXPECT_DOUBLE_EQ(n.access(Level::Glb, true, 32, 0), 6);
}

TEST(Config, RlcLayoutOfTheDramLink) {
    const std::string rlc = "latency_cycles: 100, compression: rlc";
    ArchParams a = load_arch_from_string(replace(kArch, "latency_cycles: 100", rlc), "a.yaml");
    EXPECT_TRUE(a.dram.rlc);
    EXPECT_FALSE(a.dram.rlc_network_input);  // the chip leaves the network's input raw
    EXPECT_EQ(a.dram.rlc_layout, RlcLayout{});
    EXPECT_EQ(a.dram.rlc_layout.level_bits, 0);  // the data's own width
    a = load_arch_from_string(
        replace(kArch, "latency_cycles: 100",
                rlc + ", rlc_layout: {run_bits: 5, level_bits: 16, pairs_per_word: 3, word_bits: 64}"),
        "a.yaml");
    EXPECT_EQ(a.dram.rlc_layout, (RlcLayout{5, 16, 3, 64}));
    a = load_arch_from_string(
        replace(kArch, "latency_cycles: 100", rlc + ", rlc_layout: {level_bits: data, pairs_per_word: auto}"),
        "a.yaml");
    EXPECT_EQ(a.dram.rlc_layout, RlcLayout{});
    std::string err = error_of([&] {
        load_arch_from_string(replace(kArch, "latency_cycles: 100", "latency_cycles: 100, rlc_layout: {run_bits: 4}"),
                              "a.yaml");
    });
    EXPECT_NE(err.find("dram.rlc_layout"), std::string::npos) << err;
    EXPECT_NE(err.find("compression: rlc"), std::string::npos) << err;
    // 4 x (5 + 16) + 1 = 85 bits do not fit a 64-bit word
    err = error_of([&] {
        load_arch_from_string(
            replace(kArch, "latency_cycles: 100", rlc + ", rlc_layout: {level_bits: 16, pairs_per_word: 4}"), "a.yaml");
    });
    EXPECT_NE(err.find("dram.rlc_layout.pairs_per_word"), std::string::npos) << err;
    err = error_of([&] {
        load_arch_from_string(replace(kArch, "latency_cycles: 100", rlc + ", rlc_layout: {level_bits: dta}"), "a.yaml");
    });
    EXPECT_NE(err.find("dram.rlc_layout.level_bits"), std::string::npos) << err;
}

TEST(Config, UnknownKeyNamesFieldLineAndColumn) {
    std::string bad = replace(kArch, "psum_link_bits: 32}", "psum_link_bits: 32, psum_lnk_bits: 4}");
    std::string err = error_of([&] { load_arch_from_string(bad, "arch.yaml"); });
    EXPECT_NE(err.find("arch.yaml:5:"), std::string::npos) << err;
    EXPECT_NE(err.find("noc.psum_lnk_bits"), std::string::npos) << err;
    EXPECT_NE(err.find("unknown field"), std::string::npos) << err;
}

TEST(Config, ZeroNegativeAndMissingSizes) {
    std::string err = error_of([&] { load_arch_from_string(replace(kArch, "rows: 4", "rows: 0"), "a.yaml"); });
    EXPECT_NE(err.find("a.yaml:3:"), std::string::npos) << err;
    EXPECT_NE(err.find("pe_array.rows"), std::string::npos) << err;
    EXPECT_NE(err.find("expected an integer in [1, 1024]"), std::string::npos) << err;
    err = error_of([&] { load_arch_from_string(replace(kArch, "size_kb: 16", "size_kb: -4"), "a.yaml"); });
    EXPECT_NE(err.find("glb.size_kb"), std::string::npos) << err;
    err = error_of(
        [&] { load_arch_from_string(replace(kArch, "latency_cycles: 100", "latency_cycles: soon"), "a.yaml"); });
    EXPECT_NE(err.find("dram.latency_cycles"), std::string::npos) << err;
    EXPECT_NE(err.find("got 'soon'"), std::string::npos) << err;
    err = error_of([&] { load_arch_from_string(replace(kArch, "clock_mhz: 200\n", ""), "a.yaml"); });
    EXPECT_NE(err.find("clock_mhz"), std::string::npos) << err;
    EXPECT_NE(err.find("required field is missing"), std::string::npos) << err;
    err = error_of([&] { load_arch("/nonexistent/arch.yaml"); });
    EXPECT_NE(err.find("/nonexistent/arch.yaml: file not found"), std::string::npos) << err;
    err = error_of([&] { load_arch_from_string("name: [unclosed", "a.yaml"); });
    EXPECT_NE(err.find("YAML syntax error"), std::string::npos) << err;
}

TEST(Config, EnergyTableUnitIsChecked) {
    std::string text = R"(name: x
unit: nJ
dram: {reference_bits: 32, read: 1, write: 1}
glb: {reference_bits: 32, read: 1, write: 1}
noc: {reference_bits: 32, read: 1, write: 1}
rf: {reference_bits: 32, read: 1, write: 1}
alu: {mac: 1, add: 1}
)";
    std::string err = error_of([&] { load_energy_table_from_string(text, "e.yaml"); });
    EXPECT_NE(err.find("e.yaml:2:"), std::string::npos) << err;
    EXPECT_NE(err.find("expected one of {pJ, normalized}"), std::string::npos) << err;
}

// Equal area: each dataflow's buffer is what its register files leave of the base area,
// computed here by hand from the ISCA 2016 setup's figures (256 PEs, 512 B RF, 128 KB buffer,
// RF area per byte 1.6x the buffer's), and held to the split the paper reports (Sec. VI-A): no
// buffer above about 2.6x the baseline, total storage within about 80 KB across dataflows.
TEST(Config, EqualAreaRebalancesRegisterFilesAgainstTheBuffer) {
    const ArchParams a = load_arch(src("configs/arch/eyeriss-isca16.yaml"));
    ASSERT_TRUE(a.equal_area.enabled);
    EXPECT_EQ(a.num_pes(), 256);
    EXPECT_EQ(a.rf_bytes_per_pe(), (12 + 224) * 2 + 10 * 4);  // 512 B: 16-bit words, 32-bit psums
    // 256 x 512 x 1.6 + 131072 = 340787.2 buffer-byte equivalents
    EXPECT_EQ(a.for_dataflow("rs").glb.size_bytes, 128 * 1024);
    EXPECT_EQ(a.for_dataflow("ws").glb.size_bytes, 128 * 1024);
    EXPECT_EQ(a.for_dataflow("os-b").glb.size_bytes, 337510);  // 340787.2 - 256 x 8 B x 1.6, floored
    EXPECT_EQ(a.for_dataflow("nlr").glb.size_bytes, 340787);
    int64_t lo = INT64_MAX, hi = 0;
    for (const char* df : {"rs", "ws", "os-a", "os-b", "os-c", "nlr"}) {
        const ArchParams d = a.for_dataflow(df);
        EXPECT_LE(d.glb.size_bytes, 2.6 * 128 * 1024) << df;
        const int64_t storage = d.glb.size_bytes + d.num_pes() * d.rf_bytes_per_pe();
        lo = std::min(lo, storage), hi = std::max(hi, storage);
    }
    EXPECT_LE(hi - lo, 80 * 1024);  // 384 KB nlr vs 256 KB rs with the old 2.0 ratio: 128 KB
    EXPECT_EQ(a.for_dataflow("nlr").pe.filter_spad_words, 0);
    EXPECT_EQ(a.for_dataflow("nlr").name, "eyeriss-isca16/nlr");
    EXPECT_EQ(a.word_bits, 16);
    EXPECT_EQ(a.batch, 16);
    EXPECT_NE(a.energy_table.find("eyeriss-normalized.yaml"), std::string::npos);
    // without equal_area every dataflow runs on the file's storage
    const ArchParams e = eyeriss();
    EXPECT_EQ(e.for_dataflow("nlr").glb.size_bytes, e.glb.size_bytes);
    // register files that would take the whole area are refused
    const std::string big = std::string(kArch) +
                            "equal_area:\n  rf_area_per_byte: 2\n  glb_area_per_byte: 1\n  dataflows:\n"
                            "    ws: {ifmap_spad_words: 12, filter_spad_words: 4000, psum_spad_words: 24}\n";
    EXPECT_NE(error_of([&] {
                  load_arch_from_string(big, "big.yaml");
              }).find("field 'equal_area.dataflows.ws': expected register files that fit in the area"),
              std::string::npos);
}
