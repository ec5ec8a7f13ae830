// SCALE-Sim topology CSV: import (shapes, errors with file:line:column) and export (a round trip
// keeps every layer's MACs; groups become one row per group; padding folds into the IFMAP size).
#include <gtest/gtest.h>

#include <algorithm>

#include "base/error.h"
#include "workload/formats/scalesim.h"
#include "sim/simulator.h"
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
              "topo.csv:2:1: field 'row 1': expected 8 fields (Layer name ... Strides), got 7");
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
