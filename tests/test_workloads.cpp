// Workload files: shapes and MAC totals against independent counts.
#include <gtest/gtest.h>

#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

TEST(Workloads, AlexNetConvMacsAndShapes) {
    const Network file = load_network(src("workloads/alexnet.yaml"));
    ASSERT_EQ(file.layers.size(), 11u);  // 5 CONV, 3 max pools (host), 3 FC
    Network net = file;
    net.layers = accelerator_layers(file);
    ASSERT_EQ(net.layers.size(), 8u);
    // output sizes from the AlexNet paper / Eyeriss: 55, 27, 13, 13, 13
    const int E[5] = {55, 27, 13, 13, 13};
    uint64_t conv = 0;
    for (int i = 0; i < 5; ++i) {
        const LayerShape& s = net.layers[static_cast<size_t>(i)].shape;
        EXPECT_EQ(s.E(), E[i]);
        EXPECT_EQ(s.F(), E[i]);
        conv += s.macs();
    }
    EXPECT_EQ(conv, 665784864u);  // the figure the issue and the Eyeriss papers give
    // per layer, M x E^2 x (C/G) x R x S by hand
    EXPECT_EQ(net.layers[0].shape.macs(), 96ull * 55 * 55 * 3 * 11 * 11);
    EXPECT_EQ(net.layers[1].shape.macs(), 256ull * 27 * 27 * 48 * 5 * 5);
    EXPECT_EQ(net.layers[3].shape.macs(), 384ull * 13 * 13 * 192 * 3 * 3);
    // FC layers: 9216 -> 4096 -> 4096 -> 1000
    EXPECT_EQ(net.layers[5].shape.macs(), 9216ull * 4096);
    EXPECT_EQ(net.layers[6].shape.macs(), 4096ull * 4096);
    EXPECT_EQ(net.layers[7].shape.macs(), 4096ull * 1000);
    EXPECT_EQ(net.layers[5].shape.E(), 1);
}

// The pools added to alexnet.yaml leave the default job alone: `--layers conv` (the type) still
// selects exactly CONV1-5, and the default seeds count only the CONV and FC layers, so every
// CONV layer gets the data it had before the pools were there.
TEST(Workloads, AlexNetPoolsLeaveTheConvLayersAlone) {
    const Network net = load_network(src("workloads/alexnet.yaml"));
    std::vector<std::string> conv, pool;
    for (const Layer& l : net.layers) {
        if (l.type == LayerType::Conv) conv.push_back(l.name);
        if (l.type == LayerType::Pool) pool.push_back(l.name);
    }
    EXPECT_EQ(conv, (std::vector<std::string>{"CONV1", "CONV2", "CONV3", "CONV4", "CONV5"}));
    EXPECT_EQ(pool, (std::vector<std::string>{"POOL1", "POOL2", "POOL5"}));
    const std::vector<Layer> acc = accelerator_layers(net);
    for (size_t k = 0; k < acc.size(); ++k) {
        EXPECT_EQ(acc[k].ifmap_data.seed, 11 + 1000003ull * k) << acc[k].name;
        EXPECT_EQ(acc[k].filter_data.seed, 23 + 1000003ull * k) << acc[k].name;
    }
}
