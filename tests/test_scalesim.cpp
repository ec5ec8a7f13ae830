// SCALE-Sim files: topology CSV import (shapes, errors with file:line:column; SCALE-Sim's published
// files in tests/data/scalesim; GEMM topologies) and export (a round trip keeps every layer's MACs;
// groups become one row per group; padding folds into the IFMAP size); .cfg architectures (every
// field mapped or named in a note); the reports --scalesim-reports writes, against the JSON report.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>
#include <vector>
#include <fstream>
#include <sstream>

#include "base/error.h"
#include "config/scalesim_cfg.h"
#include "report/scalesim_reports.h"
#include "workload/formats/scalesim.h"
#include "sim/simulator.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

uint64_t macs(const Network& n, const std::string& type = "") {
    uint64_t m = 0;
    for (const Layer& l : n.layers)
        if (type.empty() || to_string(l.type) == type) m += l.shape.macs();
    return m;
}

std::string error_of(const std::string& text) {
    try {
        load_scalesim_csv_text(text, "topo.csv");
    } catch (const ConfigError& e) {
        return e.what();
    }
    return "";
}

std::string slurp_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

const char* kHeader =
    "Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,\n";

}  // namespace

// Rows as SCALE-Sim's own topologies write them (trailing comma, spaces, CRLF tolerated).
TEST(ScaleSim, ImportsTopologyRows) {
    const Network n = load_scalesim_csv_text(std::string(kHeader) +
                                                 "Conv1, 227, 227, 11, 11, 3, 96, 4,\r\n"
                                                 "Conv2,31,31,5,5,96,256,1,\n"
                                                 "\n"
                                                 "FC6, 6, 6, 6, 6, 256, 4096, 1,\n",
                                             "workloads/alexnet_scalesim.csv");
    ASSERT_EQ(n.layers.size(), 3u);
    EXPECT_EQ(n.name, "alexnet_scalesim");
    const LayerShape& c1 = n.layers[0].shape;
    EXPECT_EQ(n.layers[0].name, "Conv1");
    EXPECT_EQ((std::array<int, 8>{c1.H, c1.W, c1.R, c1.S, c1.C, c1.M, c1.U, c1.P}),
              (std::array<int, 8>{227, 227, 11, 11, 3, 96, 4, 0}));
    EXPECT_EQ(c1.E(), 55);  // (227 - 11) / 4 + 1
    EXPECT_EQ(n.layers[0].type, LayerType::Conv);
    EXPECT_EQ(n.layers[2].type, LayerType::Fc);  // the filter covers the whole ifmap
    // 96*55*55*3*11*11 + 256*27*27*96*5*5 + 4096*256*6*6, counted by hand
    EXPECT_EQ(macs(n), 105415200u + 447897600u + 37748736u);
}

TEST(ScaleSim, BadRowsNameFileLineColumnAndField) {
    EXPECT_EQ(error_of("Layer name, H\n"),
              "topo.csv:1:13: field 'header': expected the SCALE-Sim topology header, column 2 'IFMAP Height'");
    EXPECT_EQ(error_of(std::string(kHeader) + "c1, 8, 8, 3, x, 4, 4, 1,\n"),
              "topo.csv:2:14: field 'Filter Width': expected an integer in [1, 1048576], got 'x'");
    EXPECT_EQ(error_of(std::string(kHeader) + "c1, 8, 8, 3, 3, 4, 0, 1,\n"),
              "topo.csv:2:20: field 'Num Filter': expected an integer in [1, 1048576], got '0'");
    EXPECT_EQ(error_of(std::string(kHeader) + "c1, 8, 8, 9, 3, 4, 4, 1,\n"),
              "topo.csv:2:11: field 'Filter Height': expected at most the IFMAP Height (8)");
    EXPECT_EQ(error_of(std::string(kHeader) + "c1, 8, 8, 3, 3, 4, 4\n"),
              "topo.csv:2:21: field 'Strides': expected 8 fields (Layer name ... Strides), got 7");
    EXPECT_EQ(error_of(kHeader), "topo.csv: field 'layers': expected at least one layer row");
}

// Export then import: every conv and fc MAC survives; CONV2/4/5's two groups become two rows each.
TEST(ScaleSim, RoundTripKeepsMacs) {
    const Network alex = load_network(src("workloads/alexnet.yaml"));
    const Network back = load_scalesim_csv_text(to_scalesim_csv(alex), "alexnet.csv");
    EXPECT_EQ(macs(back), macs(alex, "conv") + macs(alex, "fc"));
    EXPECT_EQ(macs(back, "conv"), 665784864u);
    int rows_conv2 = 0;
    for (const Layer& l : back.layers) rows_conv2 += l.name.rfind("CONV2_g", 0) == 0;
    EXPECT_EQ(rows_conv2, 2);
    // an imported layer runs like any other
    RunOptions opt;
    opt.dataflow = "ws";
    const Layer& conv3 =
        *std::find_if(back.layers.begin(), back.layers.end(), [](const Layer& l) { return l.name == "CONV3"; });
    LayerResult r = simulate_layer(conv3, eyeriss(), table45(), opt);
    EXPECT_EQ(r.output_check, OutputCheck::BitExact);
    EXPECT_EQ(r.counts.macs, 149520384u);
}

// SCALE-Sim v2's topologies/conv_nets/mobilnet_paper.csv as published: a blank line after the
// header, rows ending in ",#dw", tab-indented rows, one row without its trailing comma.
TEST(ScaleSim, ReadsThePublishedMobileNetTopology) {
    const Network n = load_network(src("tests/data/scalesim/mobilnet_paper.csv"));
    ASSERT_EQ(n.layers.size(), 28u);  // 13 rows, the 10 tab-indented ones, 5 more
    const LayerShape& c1 = n.layers[0].shape;  // Conv1, 224, 224, 3, 3, 3, 32, 2,
    EXPECT_EQ((std::array<int, 8>{c1.H, c1.W, c1.R, c1.S, c1.C, c1.M, c1.U, c1.G}),
              (std::array<int, 8>{224, 224, 3, 3, 3, 32, 2, 1}));
    EXPECT_EQ(c1.E(), 111);  // (224 - 3) / 2 + 1; SCALE-Sim counts ceil(223 / 2) = 112
    EXPECT_EQ(n.layers[1].name, "Conv2_dw");  // 112, 112, 3, 3, 1, 1, 1,#dw: one channel of the layer
    EXPECT_EQ(n.layers[1].shape.macs(), 110u * 110 * 9);
    EXPECT_EQ(n.layers[10].name, "Conv11");  // the row without its trailing comma
    EXPECT_EQ(n.layers[10].shape.macs(), 28u * 28 * 256 * 256);
    EXPECT_EQ(n.layers[13].name, "Conv14_dw_0");  // a tab-indented row
    EXPECT_EQ(n.layers.back().name, "FC");
    EXPECT_EQ(n.layers.back().type, LayerType::Fc);
    EXPECT_EQ(n.layers.back().shape.macs(), 1024u * 1000);
    // hand-checked: the 8 #dw rows, and the five whose stride does not divide IFMAP - Filter
    ASSERT_EQ(n.notes.size(), 2u);
    EXPECT_EQ(n.notes[0],
              "rows marked #dw are depthwise layers, groups = Channels (Conv2_dw, Conv4_dw, Conv6_dw, Conv8_dw and 4 "
              "more); with Channels 1 a row is one channel of the layer, as SCALE-Sim simulates it");
    EXPECT_NE(n.notes[1].find("(Conv1, Conv4_dw, Conv8_dw, Conv12_dw and 1 more)"), std::string::npos) << n.notes[1];
    // the error: one more field than the header is named by its line alone
    std::string text = slurp_file(src("tests/data/scalesim/mobilnet_paper.csv"));
    text.replace(text.find("1, 1, 1,#dw"), 11, "1, 1, 1, 7,#dw");
    EXPECT_EQ(error_of(text),
              "topo.csv:4:36: field 'end of row': expected 8 fields (Layer name ... Strides) and then at most a '#' "
              "comment, got 9");
}

// Comments, blank lines and trailing commas as SCALE-Sim's files have them; errors count the
// file's physical lines (blank and comment lines included).
TEST(ScaleSim, CommentsBlankLinesAndTrailingCommas) {
    const std::string text = std::string("# exported by hand\n") + kHeader +
                             "\n"
                             "   \t\n"
                             "# a comment line\n"
                             "a, 8, 8, 3, 3, 4, 4, 1\n"  // no trailing comma
                             "b, 8, 8, 3, 3, 4, 4, 1,   # trailing comment, with a comma\n"
                             "c, 8, 8, 3, 3, 4, 4, 2,#dw\r\n";
    const Network n = load_scalesim_csv_text(text, "t.csv");
    ASSERT_EQ(n.layers.size(), 3u);
    EXPECT_EQ(n.layers[0].shape.G, 1);
    EXPECT_EQ(n.layers[1].shape.G, 1);
    EXPECT_TRUE(n.layers[2].shape.depthwise());  // #dw with 4 channels, 4 filters: groups 4
    EXPECT_EQ(n.layers[2].shape.macs(), 4u * 3 * 3 * 9);  // E = F = 3, one channel per filter
    const std::string bad = text + "d, 8, 8, 3, 3, 4, 8, 1,#dw\n";  // line 9
    EXPECT_EQ(error_of(bad),
              "topo.csv:9:19: field 'Num Filter': expected the Channels (4): a #dw row is depthwise, "
              "one filter per channel");
    EXPECT_EQ(error_of(text + "a, 8, 8, 3, 3, 4, 4, 1,\n"),
              "topo.csv:9:1: field 'Layer name': expected a name no other row has, got 'a' (line 6) again");
    EXPECT_EQ(error_of(text + "e, 8, 8, 3, 3, 4, 4, 1 # no comma,\n"),
              "topo.csv:9:22: field 'Strides': expected an integer in [1, 1048576], got '1 # no comma'");
}

// SCALE-Sim's depthwise convention ("DP" in the name: one layer per channel) is one grouped layer;
// the header SCALE-Sim's own writer uses (two strides) is read.
TEST(ScaleSim, DpLayersAndTwoStrideColumns) {
    const char* header2 =
        "Layer name,IFMAP height,IFMAP width,Filter height,Filter width,Channels,Num filter,"
        "Stride height,Stride width,\n";
    const Network n = load_scalesim_csv_text(std::string(header2) + "Conv2DP,9,9,3,3,8,2,2,2,\n", "t.csv");
    const LayerShape& s = n.layers[0].shape;
    EXPECT_EQ((std::array<int, 4>{s.C, s.M, s.G, s.U}), (std::array<int, 4>{8, 16, 8, 2}));
    EXPECT_EQ(s.macs(), 8u * (4 * 4 * 9 * 2));  // SCALE-Sim: 8 layers of one channel, 2 filters, 4 x 4 outputs
    EXPECT_NE(n.notes.at(0).find("'DP'"), std::string::npos);
    EXPECT_EQ(error_of(std::string(header2) + "c,9,9,3,3,8,2,2,1,\n"),
              "topo.csv:2:17: field 'Stride Width': expected the Stride Height (2): dfsim's layers have one stride");
}

// SCALE-Sim's GEMM topologies: M x K times K x N as a 1x1 conv of K channels over M x 1 pixels.
TEST(ScaleSim, ReadsGemmTopologies) {
    const Network t = load_network(src("tests/data/scalesim/test_mnk_input.csv"));  // Test 1, 256, 128, 256,
    ASSERT_EQ(t.layers.size(), 1u);
    EXPECT_EQ(t.layers[0].name, "Test 1");
    const LayerShape& s = t.layers[0].shape;
    EXPECT_EQ((std::array<int, 7>{s.H, s.W, s.R, s.S, s.C, s.M, s.U}), (std::array<int, 7>{256, 1, 1, 1, 256, 128, 1}));
    EXPECT_EQ(s.macs(), 256u * 128 * 256);
    const Network g = load_network(src("tests/data/scalesim/gnmt.csv"));  // CRLF, no trailing commas
    ASSERT_EQ(g.layers.size(), 17u);
    const LayerShape& g13 = g.layers[12].shape;  // 13,1024,36548,1632
    EXPECT_EQ((std::array<int, 3>{g13.H, g13.M, g13.C}), (std::array<int, 3>{1024, 36548, 1632}));
    EXPECT_EQ(error_of("Layer, M, N, K,\ng, 4, 0, 8,\n"),
              "topo.csv:2:7: field 'N': expected an integer in [1, 1048576], got '0'");
    EXPECT_EQ(error_of("Layer, M, N, X,\n"),
              "topo.csv:1:14: field 'header': expected the SCALE-Sim GEMM topology "
              "header, column 4 'K'");
}

// A GEMM runs bit-exact (the run's own check against the reference convolution) and its output is
// the matrix product, computed here from the operands on their own.
TEST(ScaleSim, GemmRunsAsAMatrixProduct) {
    const Network n = load_scalesim_csv_text("Layer, M, N, K,\ng, 20, 12, 30,\n", "g.csv");
    const Layer& l = n.layers[0];
    const LayerData data = make_layer_data(l);
    for (const char* df : {"rs", "ws", "os-b"}) {
        RunOptions opt;
        opt.dataflow = df;
        const LayerResult r = simulate_layer(l, eyeriss(), table45(), opt, true);
        EXPECT_EQ(r.output_check, OutputCheck::BitExact) << df;
        EXPECT_EQ(r.counts.macs, 20u * 12 * 30) << df;
        for (int m = 0; m < 20; ++m)
            for (int j = 0; j < 12; ++j) {
                int64_t dot = 0;  // A[m][k] = ifmap[0][k][m][0], B[k][j] = filter[j][k][0][0]
                for (int k = 0; k < 30; ++k) dot += int64_t{data.ifmap.at(0, k, m, 0)} * data.filter.at(j, k, 0, 0);
                ASSERT_EQ(r.output.at(0, j, m, 0), dot) << df << " m " << m << " n " << j;
            }
    }
}

// SCALE-Sim v2's configs/scale.cfg as published: every field mapped or named in the note.
TEST(ScaleSimCfg, MapsThePublishedScaleCfg) {
    const std::string path = src("tests/data/scalesim/scale.cfg");
    const ArchParams a = load_arch(path);  // by the extension
    EXPECT_EQ(a.name, "scale_example_run_32x32_os");
    EXPECT_EQ(a.rows, 32);
    EXPECT_EQ(a.cols, 32);
    EXPECT_EQ(a.glb.size_bytes, (64 + 64 + 64) * 1024);
    EXPECT_EQ(a.dataflow, "os-b");
    EXPECT_EQ(a.dram.bytes_per_cycle, 64.0);  // Bandwidth 64 words (bytes) per cycle, InterfaceBandwidth USER
    const ArchParams d;  // the rest is dfsim's default
    EXPECT_EQ(a.clock_mhz, d.clock_mhz);
    EXPECT_EQ(a.glb.banks, d.glb.banks);
    ASSERT_EQ(a.notes.size(), 1u);
    EXPECT_EQ(
        a.notes[0],
        path +
            ": SCALE-Sim config read as 32 x 32 PEs, a 192 KB global buffer and DRAM at 64 bytes per cycle; not "
            "mapped: [architecture_presets] IfmapOffset, FilterOffset, OfmapOffset, OnChipMemoryBanks, "
            "OnChipMemoryBankPorts, IfmapCustomLayout, FilterCustomLayout, IfmapSRAMBankBandwidth, "
            "IfmapSRAMBankNum, FilterSRAMBankBandwidth, FilterSRAMBankNum, IfmapSRAMBankPort, FilterSRAMBankPort, "
            "MemoryBanks; [sparsity] SparsitySupport, SparseRep, OptimizedMapping, BlockSize, "
            "RandomNumberGeneratorSeed; the rest (clock, PE register files, buses, buffer banks, DRAM latency) "
            "is dfsim's default (configs/arch/eyeriss.yaml)");
}

// configs/eyeriss.cfg: weight stationary, InterfaceBandwidth CALC (noted: dfsim has no such mode).
TEST(ScaleSimCfg, MapsTheEyerissCfgAndNotesCalc) {
    const std::string path = src("tests/data/scalesim/eyeriss.cfg");
    const ArchParams a = load_arch(path);
    EXPECT_EQ((std::array<int, 2>{a.rows, a.cols}), (std::array<int, 2>{12, 14}));
    EXPECT_EQ(a.glb.size_bytes, 108 * 1024);  // 36 + 36 + 36 KB: the size of dfsim's Eyeriss buffer
    EXPECT_EQ(a.dataflow, "ws");
    EXPECT_EQ(a.dram.bytes_per_cycle, 10.0);
    ASSERT_EQ(a.notes.size(), 2u);
    EXPECT_NE(a.notes[0].find("not mapped: [architecture_presets] IfmapOffset, FilterOffset, OfmapOffset, "
                              "MemoryBanks; [run_presets] SRAM_row_size, SRAM_bank_size, DRAM_row_size, "
                              "DRAM_bank_size; the rest"),
              std::string::npos)
        << a.notes[0];
    EXPECT_EQ(a.notes[1], path +
                              ": InterfaceBandwidth is CALC (SCALE-Sim finds the bandwidth a run without stalls "
                              "needs); dfsim has no such mode: its DRAM channel moves 10 bytes per cycle (Bandwidth)");
}

namespace {

const char* kCfg =
    "[general]\n"
    "run_name = t\n"
    "\n"
    "[architecture_presets]\n"
    "ArrayHeight:    8\n"
    "ArrayWidth:     4\n"
    "IfmapSramSzkB:  16\n"
    "FilterSramSzkB: 8\n"
    "OfmapSramSzkB:  8\n"
    "Dataflow : is\n"
    "Bandwidth : 4, 2\n";

std::string cfg_error(const std::string& text) {
    return dfsim::test::error_of([&] { load_scalesim_cfg_text(text, "x.cfg"); });
}

std::string replaced(std::string s, const std::string& from, const std::string& to) {
    return s.replace(s.find(from), from.size(), to);
}

}  // namespace

// Input stationary has no dfsim dataflow (a note); a bandwidth per bank takes the first; keys are
// case-insensitive; a bad value names the file, line, column and field.
TEST(ScaleSimCfg, IsDataflowBankBandwidthsAndErrors) {
    const ArchParams a = load_scalesim_cfg_text(replaced(kCfg, "ArrayWidth", "arraywidth"), "x.cfg");
    EXPECT_EQ((std::array<int, 2>{a.rows, a.cols}), (std::array<int, 2>{8, 4}));
    EXPECT_EQ(a.glb.size_bytes, 32 * 1024);
    EXPECT_EQ(a.dataflow, "");
    EXPECT_EQ(a.dram.bytes_per_cycle, 4.0);
    ASSERT_EQ(a.notes.size(), 3u);
    EXPECT_NE(a.notes[0].find("not mapped: none;"), std::string::npos) << a.notes[0];
    EXPECT_EQ(a.notes[1],
              "x.cfg: SCALE-Sim's input-stationary dataflow (Dataflow: is) has no dfsim equivalent; the "
              "run takes --dataflow (default rs)");
    EXPECT_NE(a.notes[2].find("takes the first, 4 words"), std::string::npos) << a.notes[2];

    EXPECT_EQ(cfg_error(replaced(kCfg, "ArrayHeight:    8", "ArrayHeight:    0")),
              "x.cfg:5:17: field 'ArrayHeight': expected an integer in [1, 1024], got '0'");
    EXPECT_EQ(cfg_error(replaced(kCfg, "Dataflow : is", "Dataflow : rs")),
              "x.cfg:10:12: field 'Dataflow': expected os, ws or is, got 'rs'");
    EXPECT_EQ(cfg_error(replaced(kCfg, "OfmapSramSzkB:  8\n", "")),
              "x.cfg: field 'OfmapSramSzkB': expected a value in [architecture_presets] (SCALE-Sim requires it)");
    EXPECT_EQ(cfg_error(replaced(kCfg, "4, 2", "4, x")),
              "x.cfg:11:13: field 'Bandwidth': expected an integer in [1, 1000000], got 'x'");
    EXPECT_EQ(cfg_error(replaced(kCfg, "FilterSramSzkB: 8", "FilterSramSzkB: 1048576")),
              "x.cfg:8:17: field 'FilterSramSzkB': expected IfmapSramSzkB + FilterSramSzkB + OfmapSramSzkB at most "
              "1048576 (dfsim's one global buffer holds all three)");
    EXPECT_EQ(cfg_error(std::string("ArrayHeight: 8\n") + kCfg),
              "x.cfg:1:1: field 'ArrayHeight': expected a [section] header before the first key");
    EXPECT_EQ(cfg_error(std::string(kCfg) + "arrayheight = 9\n"),
              "x.cfg:12:1: field 'arrayheight': expected each key once in [architecture_presets], got it again (line "
              "5)");
    EXPECT_EQ(cfg_error(std::string(kCfg) + "[run_presets]\nInterfaceBandwidth: FAST\n"),
              "x.cfg:13:21: field 'InterfaceBandwidth': expected USER or CALC, got 'FAST'");
    EXPECT_EQ(cfg_error(std::string(kCfg) + "just words\n"),
              "x.cfg:12:1: expected 'Key = value' or 'Key: value', got 'just words'");
}

// Python's str() of a float, as SCALE-Sim's report rows print their reals.
TEST(ScaleSimReports, RealsAsPythonPrintsThem) {
    const std::pair<double, const char*> cases[] = {{0.0, "0.0"},
                                                    {100.0, "100.0"},
                                                    {0.1, "0.1"},
                                                    {1.0 / 3, "0.3333333333333333"},
                                                    {1.5e-05, "1.5e-05"},
                                                    {0.0001, "0.0001"},
                                                    {1e16, "1e+16"},
                                                    {12345.678, "12345.678"},
                                                    {2.5e-7, "2.5e-07"},
                                                    {-0.5, "-0.5"},
                                                    {123456789012345680.0, "1.2345678901234568e+17"},
                                                    {98.4375, "98.4375"},
                                                    {1e15, "1000000000000000.0"}};
    for (const auto& [x, text] : cases) EXPECT_EQ(python_float(x), text);
}

namespace {

class ScaleSimCli : public TempDirTest {
protected:
    // The rows of a SCALE-Sim report: each row's fields, trimmed (the header is row 0).
    static std::vector<std::vector<std::string>> rows(const std::string& text) {
        std::vector<std::vector<std::string>> out;
        std::istringstream lines(text);
        for (std::string line; std::getline(lines, line);) {
            EXPECT_EQ(line.substr(line.size() - 1), ",") << line;  // SCALE-Sim ends every line in a comma
            std::vector<std::string> f;
            std::istringstream fields(line.substr(0, line.size() - 1));
            for (std::string x; std::getline(fields, x, ',');) f.push_back(x.substr(x.find_first_not_of(' ')));
            out.push_back(f);
        }
        return out;
    }
};

}  // namespace

// A .cfg and a GEMM topology run as SCALE-Sim would take them: the cfg's dataflow unless
// --dataflow is given, its notes on stderr, the run bit-exact.
TEST_F(ScaleSimCli, RunsACfgAndAGemmTopology) {
    const std::string gemm = write("g.csv", "Layer, M, N, K,\ng1, 20, 12, 30,\ng2, 7, 40, 16,\n");
    const std::string cfg = src("tests/data/scalesim/eyeriss.cfg"), json = (dir / "r.json").string();
    CmdResult r = dfsim("run --arch " + cfg + " --workload " + gemm + " --layers all --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("dfsim: note: " + cfg + ": SCALE-Sim config read as 12 x 14 PEs, a 108 KB global buffer"),
              std::string::npos)
        << r.err;
    EXPECT_NE(r.err.find("InterfaceBandwidth is CALC"), std::string::npos) << r.err;
    auto j = nlohmann::json::parse(slurp(json));
    EXPECT_EQ(j["dataflow"], "ws");  // the cfg's Dataflow: ws
    EXPECT_EQ(j["arch"]["name"], "eyeriss");
    EXPECT_EQ(j["arch"]["dram"]["bandwidth_bytes_per_cycle"], 10.0);
    for (const auto& l : j["layers"]) EXPECT_EQ(l["output_check"], "bit-exact") << l["name"];
    EXPECT_EQ(j["layers"][1]["macs"], 7 * 40 * 16);
    r = dfsim("run --arch " + cfg + " --workload " + gemm + " --layers g2 --dataflow rs --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_EQ(nlohmann::json::parse(slurp(json))["dataflow"], "rs");
    // a bad value: exit 2, one line naming the file, line and field
    const std::string bad = write("bad.cfg", replaced(kCfg, "Dataflow : is", "Dataflow : xs"));
    r = dfsim("run --arch " + bad + " --workload " + gemm);
    EXPECT_EQ(r.code, 2);
    EXPECT_NE(r.err.find(bad + ":10:12: field 'Dataflow': expected os, ws or is, got 'xs'"), std::string::npos)
        << r.err;
}

// --scalesim-reports: SCALE-Sim's three files with its header lines; their figures checked against
// the JSON report of the same run and, for the DRAM traffic, against the layers' sizes by hand.
TEST_F(ScaleSimCli, WritesScaleSimReports) {
    const std::string gemm = write("g.csv", "Layer, M, N, K,\ng1, 20, 12, 30,\ng2, 7, 40, 16,\n");
    const std::string json = (dir / "r.json").string(), out = (dir / "reports/run1").string();
    CmdResult r =
        dfsim("run --workload " + gemm + " --layers all --dataflow os-b --scalesim-reports " + out + " --json " + json);
    ASSERT_EQ(r.code, 0) << r.err;
    const auto compute = rows(slurp(out + "/COMPUTE_REPORT.csv"));
    const auto bw = rows(slurp(out + "/BANDWIDTH_REPORT.csv"));
    const auto detail = rows(slurp(out + "/DETAILED_ACCESS_REPORT.csv"));
    EXPECT_EQ(slurp(out + "/COMPUTE_REPORT.csv").substr(0, std::string(kScaleSimComputeHeader).size()),
              "LayerID, Total Cycles, Stall Cycles, Overall Util %, Mapping Efficiency %, Compute Util %,\n");
    EXPECT_EQ(slurp(out + "/BANDWIDTH_REPORT.csv").substr(0, std::string(kScaleSimBandwidthHeader).size()),
              kScaleSimBandwidthHeader);
    EXPECT_EQ(slurp(out + "/DETAILED_ACCESS_REPORT.csv").substr(0, std::string(kScaleSimDetailedHeader).size()),
              kScaleSimDetailedHeader);
    ASSERT_EQ(compute.size(), 3u);
    ASSERT_EQ(bw.size(), 3u);
    ASSERT_EQ(detail.size(), 3u);
    EXPECT_EQ(detail[0].size(), 19u);
    const auto j = nlohmann::json::parse(slurp(json));
    const int mnk[2][3] = {{20, 12, 30}, {7, 40, 16}};
    for (size_t i = 0; i < 2; ++i) {
        const auto& l = j["layers"][i];
        const auto& c = compute[i + 1];
        const auto& d = detail[i + 1];
        EXPECT_EQ(c[0], std::to_string(i));
        EXPECT_EQ(std::stoull(c[1]), l["cycles"].get<uint64_t>());
        EXPECT_LT(std::stoull(c[2]), std::stoull(c[1]));  // stall cycles: the array waited, not always
        EXPECT_NEAR(std::stod(c[3]), 100 * l["utilization"].get<double>(), 1e-9);
        EXPECT_GT(std::stod(c[4]), 0);
        EXPECT_LE(std::stod(c[4]), 100);
        EXPECT_GE(std::stod(c[5]), std::stod(c[3]));  // compute util: over the cycles a pass ran
        EXPECT_EQ(std::stoull(d[3]), l["accesses"]["glb"]["ifmap"]["reads"].get<uint64_t>());
        EXPECT_EQ(std::stoull(d[6]), l["accesses"]["glb"]["filter"]["reads"].get<uint64_t>());
        EXPECT_EQ(std::stoull(d[9]), l["accesses"]["glb"]["psum"]["writes"].get<uint64_t>());
        // everything fits the buffer: each operand crosses the DRAM link once (M*K, K*N, M*N words)
        const auto [M, N, K] = std::tuple(mnk[i][0], mnk[i][1], mnk[i][2]);
        EXPECT_EQ(std::stoull(d[12]), static_cast<uint64_t>(M * K));
        EXPECT_EQ(std::stoull(d[15]), static_cast<uint64_t>(K * N));
        EXPECT_EQ(std::stoull(d[18]), static_cast<uint64_t>(M * N));
        const uint64_t first = std::stoull(d[10]), last = std::stoull(d[11]);
        EXPECT_LT(first, last);
        EXPECT_NEAR(std::stod(bw[i + 1][4]), static_cast<double>(M * K) / static_cast<double>(last - first + 1), 1e-12);
        EXPECT_NEAR(std::stod(bw[i + 1][1]), std::stod(d[3]) / std::stod(c[1]), 1e-12);
    }
}

// SCALE-Sim's published MobileNet topology runs (a #dw row and the fc row), its notes on stderr.
TEST_F(ScaleSimCli, RunsThePublishedMobileNetRows) {
    CmdResult r = dfsim("run --workload " + src("tests/data/scalesim/mobilnet_paper.csv") +
                        " --layers Conv18_dw,FC --dataflow ws");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("dfsim: note: rows marked #dw are depthwise layers"), std::string::npos) << r.err;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
}
