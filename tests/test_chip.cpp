// The Eyeriss chip against its own measurements (docs/validation.md): AlexNet CONV1-5 at batch 4
// (workloads/alexnet_eyeriss_chip.yaml) on configs/arch/eyeriss-chip.yaml with the chip's mapping
// (configs/mappings/eyeriss-chip-alexnet.yaml), pass-level timing, run through the dfsim binary as
// a user runs it. The reference is the chip: Y.-H. Chen, T. Krishna, J. Emer, V. Sze, "Eyeriss: An
// Energy-Efficient Reconfigurable Accelerator for Deep Convolutional Neural Networks", IEEE JSSC
// 52(1), 2017, Table V (batch 4). The test pins what dfsim reaches today: each layer's ratio to the
// chip's latency, DRAM and GLB traffic must stay within 3% of the ratio measured on 2026-12-01
// (branch chip). A change in the engines that moves one of them must update docs/validation.md
// and these figures together; one that brings a ratio nearer 1 should tighten them.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim::test;

namespace {

struct ChipLayer {
    const char* name;
    const char* mapping;  // the pinned mapping as the report prints it
    double chip_ms, chip_dram_mb, chip_glb_mb;  // JSSC 2017, Table V: latency ms, DRAM MB, GLB MB
    double ms_ratio, dram_ratio, glb_ratio;  // dfsim / chip, measured
    double chip_mw, mw_ratio;  // JSSC 2017, Table V: power mW; dfsim / chip, measured
};

// Measured (dfsim, pass timing, 65 nm table): power 283.6, 279.2, 279.8, 272.6, 270.5 mW; latency 23.376, 46.194, 27.472, 21.590, 16.217 ms; DRAM
// 5.294, 4.011, 3.134, 2.242, 1.430 MB; GLB 25.918, 81.503, 75.530, 42.111, 29.112 MB.
constexpr ChipLayer kLayers[] = {
    {"CONV1", "h=11 e=7 p=12 q=1 r=1 t=2 | glb tile Et=7 Mt=24 Ct=3 order=e,m,c single-buffered, filters prefetched",
     20.9, 5.0, 18.5, 1.1185, 1.0588, 1.4010, 332, 0.8541},
    {"CONV2",
     "h=5 e=14 p=8 q=2 r=1 t=2 | glb tile Nt=2 Et=27 Mt=32 Ct=2 order=e,m,c single-buffered, filters prefetched", 41.9,
     4.0, 77.6, 1.1025, 1.0028, 1.0503, 288, 0.9696},
    {"CONV3",
     "h=3 e=13 p=12 q=4 r=1 t=4 | glb tile Nt=4 Et=13 Mt=48 Ct=4 order=e,m,c single-buffered, filters prefetched", 23.6,
     3.0, 50.2, 1.1641, 1.0447, 1.5046, 266, 1.0519},
    {"CONV4",
     "h=3 e=13 p=12 q=3 r=2 t=2 | glb tile Nt=4 Et=13 Mt=48 Ct=6 order=e,m,c single-buffered, filters prefetched", 18.4,
     2.1, 37.4, 1.1734, 1.0675, 1.1260, 235, 1.1602},
    {"CONV5",
     "h=3 e=13 p=8 q=3 r=2 t=2 | glb tile Nt=4 Et=13 Mt=64 Ct=6 order=e,m,c single-buffered, filters prefetched", 10.5,
     1.3, 24.9, 1.5445, 1.1003, 1.1692, 236, 1.1463},
};
constexpr double kBand = 0.03;  // each ratio within measured x (1 -+ 3%)

// GLB traffic in bytes: every access moves one stored word (ifmaps and filters at the
// architecture's word_bits, psums at pe.psum_bits).
double glb_bytes(const nlohmann::json& layer, const nlohmann::json& arch) {
    const nlohmann::json& g = layer["accesses"]["glb"];
    auto both = [&](const char* type) { return g[type]["reads"].get<double>() + g[type]["writes"].get<double>(); };
    const double word = arch["word_bits"].get<double>() / 8, psum = arch["pe"]["psum_bits"].get<double>() / 8;
    return (both("ifmap") + both("filter")) * word + both("psum") * psum;
}

void expect_near_ratio(const char* layer, const char* what, double value, double chip, double measured) {
    const double ratio = value / chip;
    EXPECT_GE(ratio, measured * (1 - kBand)) << layer << " " << what << ": " << value << " (chip " << chip << ")";
    EXPECT_LE(ratio, measured * (1 + kBand)) << layer << " " << what << ": " << value << " (chip " << chip << ")";
}

class Chip : public TempDirTest {};

}  // namespace

TEST_F(Chip, AlexNetWithTheChipMappingStaysWhereMeasured) {
    const std::string json = (dir / "r.json").string();
    const CmdResult r = dfsim("run --arch " + src("configs/arch/eyeriss-chip.yaml") + " --workload " +
                              src("workloads/alexnet_eyeriss_chip.yaml") + " --dataflow rs --timing pass --mapping " +
                              src("configs/mappings/eyeriss-chip-alexnet.yaml") + " --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    const nlohmann::json j = nlohmann::json::parse(slurp(json));
    const nlohmann::json& arch = j["arch"];
    const double clock_mhz = arch["clock_mhz"].get<double>();
    ASSERT_EQ(j["layers"].size(), std::size(kLayers));
    for (size_t i = 0; i < std::size(kLayers); ++i) {
        const ChipLayer& c = kLayers[i];
        const nlohmann::json& l = j["layers"][i];
        ASSERT_EQ(l["name"], c.name);
        EXPECT_EQ(l["mapping"], c.mapping) << "the pinned mapping was not used";
        EXPECT_EQ(l["output_check"], "bit-exact") << c.name;
        EXPECT_EQ(l["shape"]["N"], 4) << c.name;
        const double ms = l["cycles"].get<double>() / (clock_mhz * 1e3);
        expect_near_ratio(c.name, "latency ms", ms, c.chip_ms, c.ms_ratio);
        expect_near_ratio(c.name, "DRAM MB", l["dram_bytes_moved"].get<double>() / 1e6, c.chip_dram_mb, c.dram_ratio);
        expect_near_ratio(c.name, "GLB MB", glb_bytes(l, arch) / 1e6, c.chip_glb_mb, c.glb_ratio);
        // power (issue 13's silicon anchor, the 65 nm table): the goal, within 25% of the chip's,
        // and where it is today
        const double mw = l["power_mw"].get<double>();
        EXPECT_NEAR(mw / c.chip_mw, 1.0, 0.25) << c.name << " power " << mw << " mW";
        expect_near_ratio(c.name, "power mW", mw, c.chip_mw, c.mw_ratio);
    }
    // the clock figure of configs/energy/65nm.yaml is fitted to the chip's 278 mW on average (JSSC
    // 2017), and the area figures to its 168 x 0.073 mm^2 core: both hold to the rounding of the YAML
    EXPECT_NEAR(j["total"]["power_mw"].get<double>() / 278.0, 1.0, 0.005);
    EXPECT_NEAR(j["area_mm2"]["total"].get<double>() / (168 * 0.073), 1.0, 0.005);
}

// Four chains on different filters (t = 4) whose tops share the output network: the pass-level
// model serves their psums in the order they are ready, as the cycle-level engine's network does,
// so both give the same cycles (they differed by 5.7% when the pass model served them chain by
// chain). The layer is a small CONV5-like one (16 channels, 64 filters, 13 x 13, 3 x 3).
TEST_F(Chip, FourChainsSharingTheOutputNetworkTimeAlikeInBothModels) {
    const std::string wl =
        write("w.yaml",
              "name: c5s\ndefaults:\n  batch: 1\n  bits:\n    ifmap: {bits: 4, signed: false}\n"
              "    filter: {bits: 4, signed: true}\n  data:\n"
              "    ifmap: {distribution: uniform, zero_fraction: 0.0, seed: 11}\n"
              "    filter: {distribution: normal, scale: 0.25, zero_fraction: 0.0, seed: 23}\n"
              "layers:\n  - {name: L, type: conv, C: 16, H: 13, W: 13, M: 64, R: 3, S: 3, stride: 1, padding: 1,\n"
              "     requant: {multiplier: 1, shift: 0, relu: true, out: {bits: 16, signed: true}}}\n");
    const std::string map = write(
        "m.yaml", "dataflow: rs\nlayers:\n  L: {h: 3, e: 13, p: 16, q: 4, r: 1, t: 4, nt: 1, et: 13, mt: 64, ct: 8}\n");
    uint64_t cycles[2] = {0, 0};
    const char* timings[2] = {"pass", "cycle"};
    for (int k = 0; k < 2; ++k) {
        const std::string json = (dir / (std::string(timings[k]) + ".json")).string();
        const CmdResult r = dfsim("run --arch " + src("configs/arch/eyeriss-chip.yaml") + " --workload " + wl +
                                  " --dataflow rs --mapping " + map + " --timing " + timings[k] + " --json " + json);
        ASSERT_EQ(r.code, 0) << r.err;
        cycles[k] = nlohmann::json::parse(slurp(json))["layers"][0]["cycles"].get<uint64_t>();
    }
    EXPECT_GT(cycles[1], 0u);
    EXPECT_EQ(cycles[0], cycles[1]);
}
