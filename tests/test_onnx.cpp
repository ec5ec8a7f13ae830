// ONNX import (workload/formats/onnx.h): small models built here with the protobuf API (no files
// from elsewhere), loaded into the expected layers, simulated bit-exact against reference_conv,
// and checked against an independent reference of ONNX's own arithmetic written here; the
// --chained mode, QDQ and float models, the CLI, and every kind of bad model as a ConfigError
// naming the node or input.
#include <gtest/gtest.h>

#include "test_util.h"
#include "tests/onnx_model.h"
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "workload/formats/onnx.h"
#include "base/rng.h"
#include "study/compare.h"
#include "sim/reference.h"
#include "sim/simulator.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

using onnx::TensorProto;

void ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
}
void one_int(onnx::NodeProto* n, const std::string& name, int64_t v) {
    auto* a = n->add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(v);
}

// Deterministic integers in [lo, hi].
std::vector<double> codes(size_t n, int lo, int hi, uint64_t seed) {
    Rng rng(seed);
    std::vector<double> v(n);
    for (double& x : v) x = static_cast<double>(rng.uniform_int(lo, hi));
    return v;
}

// The parameters of the QLinearConv test model: uint8 activations with zero points, int8
// per-channel weights, int32 bias, pad 1.
struct QConvParams {
    float x_scale = 0.02f, y_scale = 0.05f;
    int x_zp = 128, y_zp = 100;
    std::vector<float> w_scale{0.0041f, 0.0097f, 0.0123f, 0.0066f};
    std::vector<double> w, b{1500, -2100, 0, 777};
};

// A QLinearConv node `name` reading `x` into `y`, with its initializers (prefix p).
void add_qlinear_conv(Model& md, const std::string& name, const std::string& x, const std::string& y,
                      const std::string& p, int C, int M, int R, int pad, float xs, int xzp, int xdt,
                      const std::vector<float>& ws, const std::vector<double>& w, const std::vector<double>& b,
                      float ys, int yzp, int ydt) {
    md.scalar(p + "x_scale", TensorProto::FLOAT, xs);
    md.scalar(p + "x_zp", xdt, xzp);
    md.init(p + "w", TensorProto::INT8, {M, C, R, R}, w);
    md.init(p + "w_scale", TensorProto::FLOAT, {static_cast<int64_t>(ws.size())}, {ws.begin(), ws.end()});
    md.init(p + "w_zp", TensorProto::INT8, {static_cast<int64_t>(ws.size())}, std::vector<double>(ws.size(), 0.0));
    md.scalar(p + "y_scale", TensorProto::FLOAT, ys);
    md.scalar(p + "y_zp", ydt, yzp);
    std::vector<std::string> ins{x,          p + "x_scale", p + "x_zp", p + "w", p + "w_scale",
                                 p + "w_zp", p + "y_scale", p + "y_zp"};
    if (!b.empty()) {
        md.init(p + "b", TensorProto::INT32, {M}, b);
        ins.push_back(p + "b");
    }
    auto* n = md.node("QLinearConv", ins, {y}, name);
    ints(n, "kernel_shape", {R, R});
    ints(n, "pads", {pad, pad, pad, pad});
    ints(n, "strides", {1, 1});
}

Model qlinear_conv_model(const QConvParams& q) {
    Model md;
    md.input("x", TensorProto::UINT8, {1, 3, 8, 8});
    add_qlinear_conv(md, "conv1", "x", "y", "", 3, 4, 3, 1, q.x_scale, q.x_zp, TensorProto::UINT8, q.w_scale, q.w, q.b,
                     q.y_scale, q.y_zp, TensorProto::UINT8);
    md.output("y", TensorProto::UINT8, {1, 4, 8, 8});
    return md;
}

// ONNX's QLinearConv in plain float arithmetic, from uint8 input codes (padding is the input
// zero point, i.e. real 0): y = clamp(round_half_even((sum (x - x_zp) * w + B) * x_scale *
// w_scale / y_scale) + y_zp, 0, 255). Independent of dfsim's requantization.
std::vector<int> onnx_qlinear_conv(const QConvParams& q, const std::vector<int>& x, int C, int H, int W, int M, int R,
                                   int P) {
    std::vector<int> y;
    for (int m = 0; m < M; ++m)
        for (int oy = 0; oy < H + 2 * P - R + 1; ++oy)
            for (int ox = 0; ox < W + 2 * P - R + 1; ++ox) {
                int64_t acc = 0;
                for (int c = 0; c < C; ++c)
                    for (int r = 0; r < R; ++r)
                        for (int s = 0; s < R; ++s) {
                            const int iy = oy + r - P, ix = ox + s - P;
                            const int xv = (iy < 0 || iy >= H || ix < 0 || ix >= W)
                                               ? q.x_zp
                                               : x[static_cast<size_t>((c * H + iy) * W + ix)];
                            acc += static_cast<int64_t>(xv - q.x_zp) *
                                   static_cast<int64_t>(q.w[static_cast<size_t>(((m * C + c) * R + r) * R + s)]);
                        }
                const double real = static_cast<double>(acc + static_cast<int64_t>(q.b[static_cast<size_t>(m)])) *
                                    (double{q.x_scale} * double{q.w_scale[static_cast<size_t>(m)]} / double{q.y_scale});
                y.push_back(static_cast<int>(std::clamp(std::nearbyint(real) + q.y_zp, 0.0, 255.0)));
            }
    return y;
}

using test::error_of;

class Onnx : public TempDirTest {};

}  // namespace

// A QLinearConv model becomes the layer its parameters say (shape, formats with zero points,
// bias, per-channel multipliers), runs bit-exact against reference_conv, and matches ONNX's own
// arithmetic (a float reference with round-half-even) within 1 LSB, nearly everywhere exactly.
TEST_F(Onnx, QLinearConvLoadsAndMatchesOnnxArithmetic) {
    QConvParams q;
    q.w = codes(4 * 3 * 3 * 3, -127, 127, 7);
    const std::string path = qlinear_conv_model(q).save(dir / "qconv.onnx");
    const Network net = load_network(path);
    EXPECT_EQ(net.name, "qconv");
    ASSERT_EQ(net.layers.size(), 1u);
    const Layer& l = net.layers[0];
    EXPECT_EQ(l.name, "conv1");
    EXPECT_EQ(l.type, LayerType::Conv);
    EXPECT_EQ(l.shape, (LayerShape{1, 3, 8, 8, 4, 3, 3, 1, 1, 1}));
    EXPECT_EQ(l.ifmap, (Format{8, false, false, 128}));
    EXPECT_EQ(l.filter, (Format{8, true, false, 0}));
    EXPECT_EQ(l.bias, (std::vector<int32_t>{1500, -2100, 0, 777}));
    EXPECT_FLOAT_EQ(static_cast<float>(l.ifmap_scale), q.x_scale);
    ASSERT_EQ(l.filter_scale.size(), 4u);
    ASSERT_TRUE(l.filter_data.values);
    EXPECT_EQ(l.filter_data.file, path);
    EXPECT_EQ(l.filter_data.values->dim, (std::array<int, 4>{4, 3, 3, 3}));
    for (size_t i = 0; i < q.w.size(); ++i) ASSERT_EQ(l.filter_data.values->data[i], static_cast<int32_t>(q.w[i])) << i;
    const Requant& rq = l.requant;
    EXPECT_TRUE(rq.enabled);
    EXPECT_FALSE(rq.calibrate);
    EXPECT_FALSE(rq.relu);
    EXPECT_EQ(rq.out, (Format{8, false, false, 100}));
    ASSERT_EQ(rq.multipliers.size(), 4u);
    ASSERT_EQ(rq.shifts.size(), 4u);
    for (int m = 0; m < 4; ++m) {
        const double want = double{q.x_scale} * double{q.w_scale[static_cast<size_t>(m)]} / double{q.y_scale};
        const double got =
            std::ldexp(static_cast<double>(rq.multipliers[static_cast<size_t>(m)]), -rq.shifts[static_cast<size_t>(m)]);
        EXPECT_NEAR(got / want, 1.0, 1e-6) << "channel " << m;
        EXPECT_FLOAT_EQ(static_cast<float>(l.filter_scale[static_cast<size_t>(m)]), q.w_scale[static_cast<size_t>(m)]);
    }

    // the synthetic ifmap (centred uint8 codes) through the simulator
    const LayerData data = make_layer_data(l);
    RunOptions opt;
    const LayerResult r = simulate_layer(l, eyeriss(), table45(), opt, true, &data);
    EXPECT_EQ(r.output_check, OutputCheck::BitExact);
    EXPECT_EQ(r.output, reference_conv(l, data.ifmap, data.filter));

    std::vector<int> x;  // the uint8 input codes
    for (int32_t v : data.ifmap.data) {
        ASSERT_GE(v + 128, 0);
        ASSERT_LE(v + 128, 255);
        x.push_back(v + 128);
    }
    const std::vector<int> want = onnx_qlinear_conv(q, x, 3, 8, 8, 4, 3, 1);
    ASSERT_EQ(want.size(), r.output.size());
    size_t equal = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        const int got = r.output.data[i] + 100;  // the output codes, centred on y_zero_point
        EXPECT_LE(std::abs(got - want[i]), 1) << "output " << i;
        equal += got == want[i];
    }
    EXPECT_GT(static_cast<double>(equal), 0.99 * static_cast<double>(want.size()));
    // the outputs are not all clamped: the test sees real arithmetic
    EXPECT_GT(std::count_if(want.begin(), want.end(), [](int v) { return v > 0 && v < 255; }), 200);
}

// QLinearConv (int8 out, Relu) -> MaxPool -> QLinearConv -> Flatten -> QLinearMatMul, chained:
// every layer runs on the previous simulated output, bit-exact; the formats chain as the
// model's zero points say, and chaining keeps them (no int8 -> uint8 widening of a fixed
// requantization).
TEST_F(Onnx, QLinearChainRunsChainedBitExact) {
    Model md;
    md.input("x", TensorProto::UINT8, {-1, 3, 10, 10});
    add_qlinear_conv(md, "conv1", "x", "c1", "c1_", 3, 8, 3, 1, 0.02f, 128, TensorProto::UINT8,
                     {0.004f, 0.005f, 0.006f, 0.007f, 0.003f, 0.0045f, 0.0052f, 0.0061f},
                     codes(8 * 3 * 9, -127, 127, 11), codes(8, -3000, 3000, 12), 0.03f, 0, TensorProto::INT8);
    md.node("Relu", {"c1"}, {"r1"}, "relu1");
    auto* mp = md.node("MaxPool", {"r1"}, {"p1"}, "pool1");
    ints(mp, "kernel_shape", {2, 2});
    ints(mp, "strides", {2, 2});
    add_qlinear_conv(md, "conv2", "p1", "c2", "c2_", 8, 6, 3, 0, 0.03f, 0, TensorProto::INT8, {0.01f},
                     codes(6 * 8 * 9, -127, 127, 13), codes(6, -500, 500, 14), 0.04f, 10, TensorProto::UINT8);
    md.node("Flatten", {"c2"}, {"f"}, "flatten");
    md.scalar("a_scale", TensorProto::FLOAT, 0.04f);
    md.scalar("a_zp", TensorProto::UINT8, 10);
    md.init("b", TensorProto::INT8, {6 * 3 * 3, 5}, codes(54 * 5, -127, 127, 15));
    md.init("b_scale", TensorProto::FLOAT, {5}, {0.01, 0.02, 0.015, 0.012, 0.018});
    md.scalar("b_zp", TensorProto::INT8, 0);
    md.scalar("y_scale", TensorProto::FLOAT, 0.1f);
    md.scalar("y_zp", TensorProto::INT8, -5);
    md.node("QLinearMatMul", {"f", "a_scale", "a_zp", "b", "b_scale", "b_zp", "y_scale", "y_zp"}, {"y"}, "fc");
    md.output("y", TensorProto::INT8, {-1, 5});
    const Network net = load_network(md.save(dir / "chain.onnx"));

    ASSERT_EQ(net.layers.size(), 4u);
    EXPECT_EQ(net.layers[0].requant.relu, true);
    EXPECT_EQ(net.layers[0].requant.out, (Format{8, true, false, 0}));
    EXPECT_EQ(net.layers[1].type, LayerType::Pool);
    EXPECT_EQ(net.layers[1].shape.E(), 5);
    EXPECT_EQ(net.layers[2].ifmap, (Format{8, true, false, 0}));
    EXPECT_EQ(net.layers[2].shape.H, 5);
    EXPECT_TRUE(net.layers[2].requant.multipliers.empty());  // per-tensor w_scale: one multiplier
    EXPECT_EQ(net.layers[3].type, LayerType::Fc);
    EXPECT_EQ(net.layers[3].shape, (LayerShape{1, 6, 3, 3, 5, 3, 3, 1, 0, 1}));
    EXPECT_EQ(net.layers[3].ifmap, (Format{8, false, false, 10}));
    EXPECT_EQ(net.layers[3].requant.out, (Format{8, true, false, -5}));
    EXPECT_EQ(net.layers[3].filter_data.values->at(2, 0, 0, 1),
              static_cast<int32_t>(codes(54 * 5, -127, 127, 15)[1 * 5 + 2]));
    ASSERT_EQ(net.notes.size(), 1u);  // the symbolic batch
    EXPECT_NE(net.notes[0].find("symbolic batch dimension 'N' taken as 1"), std::string::npos) << net.notes[0];

    const Network chained = chain_network(net);
    for (size_t i = 0; i < net.layers.size(); ++i) {
        EXPECT_EQ(chained.layers[i].ifmap, net.layers[i].ifmap) << i;
        EXPECT_EQ(chained.layers[i].requant, net.layers[i].requant) << i;
    }
    RunOptions opt;
    opt.chained = true;
    const NetworkResult res = simulate_network(net, eyeriss(), table45(), opt);
    ASSERT_EQ(res.layers.size(), 4u);
    for (const LayerResult& r : res.layers)
        EXPECT_EQ(r.output_check, r.executed_on == ExecutedOn::Accelerator ? OutputCheck::BitExact : OutputCheck::Host)
            << r.name;
    EXPECT_EQ(res.total().output_check, OutputCheck::BitExact);
}

// QDQ: QuantizeLinear -> DequantizeLinear -> Conv(DequantizeLinear(int8 w, per channel), float
// bias) -> Relu -> QuantizeLinear: the same mapping as QLinearConv, the float bias quantized
// with x_scale * w_scale (round half to even); bit-exact on rs and ws.
TEST_F(Onnx, QdqConvLoadsAndRunsBitExact) {
    Model md;
    md.input("x", TensorProto::FLOAT, {1, 4, 9, 9});
    md.scalar("xs", TensorProto::FLOAT, 0.025f);
    md.scalar("xz", TensorProto::UINT8, 120);
    md.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"}, "q_in");
    md.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"}, "dq_in");
    const std::vector<double> w = codes(6 * 4 * 9, -127, 127, 21);
    md.init("wq", TensorProto::INT8, {6, 4, 3, 3}, w);
    const std::vector<double> ws{0.01, 0.02, 0.03, 0.015, 0.011, 0.009};
    md.init("ws", TensorProto::FLOAT, {6}, ws);
    md.init("wz", TensorProto::INT8, {6}, std::vector<double>(6, 0));
    one_int(md.node("DequantizeLinear", {"wq", "ws", "wz"}, {"wd"}, "dq_w"), "axis", 0);
    const std::vector<double> bias{0.5, -0.25, 1.0, 0.0, -2.0, 0.125};
    md.init("bias", TensorProto::FLOAT, {6}, bias);
    auto* c = md.node("Conv", {"xd", "wd", "bias"}, {"y"}, "conv");
    ints(c, "pads", {1, 1, 1, 1});
    ints(c, "strides", {2, 2});
    md.node("Relu", {"y"}, {"yr"}, "relu");
    md.scalar("ys", TensorProto::FLOAT, 0.04f);
    md.scalar("yz", TensorProto::UINT8, 0);
    md.node("QuantizeLinear", {"yr", "ys", "yz"}, {"yq"}, "q_out");
    md.node("DequantizeLinear", {"yq", "ys", "yz"}, {"out"}, "dq_out");
    md.output("out", TensorProto::FLOAT, {1, 6, 5, 5});
    const Network net = load_network(md.save(dir / "qdq.onnx"));
    ASSERT_EQ(net.layers.size(), 1u);
    const Layer& l = net.layers[0];
    EXPECT_EQ(l.shape, (LayerShape{1, 4, 9, 9, 6, 3, 3, 2, 1, 1}));
    EXPECT_EQ(l.ifmap, (Format{8, false, false, 120}));
    EXPECT_EQ(l.filter, (Format{8, true, false, 0}));
    EXPECT_TRUE(l.requant.relu);
    EXPECT_FALSE(l.requant.calibrate);
    EXPECT_EQ(l.requant.out, (Format{8, false, false, 0}));
    ASSERT_EQ(l.bias.size(), 6u);
    for (size_t m = 0; m < 6; ++m) {
        const double step = double{0.025f} * double{static_cast<float>(ws[m])};
        EXPECT_EQ(l.bias[m], static_cast<int32_t>(std::nearbyint(double{static_cast<float>(bias[m])} / step))) << m;
        const double got = std::ldexp(static_cast<double>(l.requant.multipliers[m]), -l.requant.shifts[m]);
        EXPECT_NEAR(got / (step / double{0.04f}), 1.0, 1e-6);
    }
    for (const char* df : {"rs", "ws"}) {
        RunOptions opt;
        opt.dataflow = df;
        EXPECT_EQ(simulate_layer(l, eyeriss(), table45(), opt).output_check, OutputCheck::BitExact) << df;
    }
}

// A float model: Conv -> Relu -> MaxPool -> Conv -> AveragePool -> Reshape -> Gemm (transB) ->
// Softmax. The weights are quantized per channel (int8, symmetric), the outputs calibrated
// (requant auto, uint8 after a ReLU); the final Softmax is left out with a note. Bit-exact on rs
// and ws, alone and chained.
TEST_F(Onnx, FloatModelQuantizesAndRunsBitExact) {
    Model md;
    md.input("x", TensorProto::FLOAT, {1, 3, 12, 12});
    Rng rng(5);
    auto reals = [&](size_t n, double scale) {
        std::vector<double> v(n);
        for (double& x : v) x = scale * (2 * rng.uniform() - 1);
        return v;
    };
    const std::vector<double> w1 = reals(8 * 3 * 9, 0.3);
    md.init("w1", TensorProto::FLOAT, {8, 3, 3, 3}, w1);
    md.init("b1", TensorProto::FLOAT, {8}, reals(8, 0.1));
    ints(md.node("Conv", {"x", "w1", "b1"}, {"c1"}, "conv1"), "pads", {1, 1, 1, 1});
    md.node("Relu", {"c1"}, {"r1"}, "relu1");
    auto* mp = md.node("MaxPool", {"r1"}, {"p1"}, "pool1");
    ints(mp, "kernel_shape", {2, 2});
    ints(mp, "strides", {2, 2});
    md.init("w2", TensorProto::FLOAT, {16, 8, 3, 3}, reals(16 * 8 * 9, 0.2));
    md.node("Conv", {"p1", "w2"}, {"c2"}, "conv2");
    auto* ap = md.node("AveragePool", {"c2"}, {"p2"}, "pool2");
    ints(ap, "kernel_shape", {2, 2});
    ints(ap, "strides", {2, 2});
    md.init("shape", TensorProto::INT64, {2}, {0, -1});
    md.node("Reshape", {"p2", "shape"}, {"f"}, "flatten");
    md.init("w3", TensorProto::FLOAT, {10, 16 * 2 * 2}, reals(10 * 64, 0.1));
    md.init("b3", TensorProto::FLOAT, {10}, reals(10, 0.1));
    one_int(md.node("Gemm", {"f", "w3", "b3"}, {"logits"}, "fc"), "transB", 1);
    md.node("Softmax", {"logits"}, {"prob"}, "softmax");
    md.output("prob", TensorProto::FLOAT, {1, 10});
    const Network net = load_network(md.save(dir / "float.onnx"));

    ASSERT_EQ(net.layers.size(), 5u);
    const Layer& c1 = net.layers[0];
    EXPECT_TRUE(c1.requant.calibrate);
    EXPECT_TRUE(c1.requant.relu);
    EXPECT_EQ(c1.requant.out, (Format{8, false}));
    EXPECT_EQ(c1.ifmap, (Format{8, true}));
    EXPECT_DOUBLE_EQ(c1.ifmap_scale, 1.0 / 127);
    ASSERT_EQ(c1.filter_scale.size(), 8u);
    for (size_t m = 0; m < 8; ++m) {  // symmetric per channel: max |w| / 127
        double mx = 0;
        for (size_t i = 0; i < 27; ++i) mx = std::max(mx, std::abs(double{static_cast<float>(w1[m * 27 + i])}));
        EXPECT_NEAR(c1.filter_scale[m], mx / 127, 1e-9);
    }
    EXPECT_EQ(c1.bias.size(), 8u);
    EXPECT_EQ(net.layers[2].ifmap, (Format{8, false}));  // after the ReLU
    EXPECT_TRUE(net.layers[2].bias.empty());
    EXPECT_TRUE(net.layers[2].requant.calibrate);
    EXPECT_EQ(net.layers[2].requant.out, (Format{8, true}));  // no ReLU
    EXPECT_EQ(net.layers[3].type, LayerType::Pool);
    EXPECT_EQ(net.layers[3].pool_op, PoolOp::Avg);
    EXPECT_EQ(net.layers[4].shape, (LayerShape{1, 16, 2, 2, 10, 2, 2, 1, 0, 1}));
    EXPECT_EQ(net.layers[4].ifmap, (Format{8, true}));
    EXPECT_TRUE(net.layers[4].requant.calibrate);
    bool softmax_note = false;
    for (const std::string& n : net.notes)
        softmax_note = softmax_note || n.find("node 'softmax' (Softmax)") != std::string::npos;
    EXPECT_TRUE(softmax_note);

    for (const char* df : {"rs", "ws"})
        for (bool chained : {false, true}) {
            RunOptions opt;
            opt.dataflow = df;
            opt.chained = chained;
            const NetworkResult res = simulate_network(net, eyeriss(), table45(), opt);
            EXPECT_EQ(res.total().output_check, OutputCheck::BitExact) << df << (chained ? " chained" : "");
        }
}

// dfsim run --workload model.onnx: exit 0, bit-exact, the report written.
TEST_F(Onnx, CliRunsAnOnnxModel) {
    QConvParams q;
    q.w = codes(4 * 3 * 3 * 3, -127, 127, 7);
    const std::string path = qlinear_conv_model(q).save(dir / "qconv.onnx");
    const std::string json = (dir / "out.json").string();
    const CmdResult r = dfsim("run --workload " + path + " --layers all --json " + json);
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("conv1"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
    EXPECT_TRUE(std::filesystem::exists(json));
    const CmdResult c = dfsim("run --workload " + path + " --chained --dataflow os-b");
    EXPECT_EQ(c.code, 0) << c.err;
}

// Unsupported or malformed models: a ConfigError naming the file and the node (name and op type)
// or the input, and on the command line exit code 2 with no report file.
TEST_F(Onnx, BadModelsAreConfigErrorsNamingTheNode) {
    QConvParams q;
    q.w = codes(4 * 3 * 3 * 3, -127, 127, 7);
    struct Case {
        std::string name;
        std::function<void(Model&)> edit;  // applied to the QLinearConv model
        std::vector<std::string> expect;  // substrings of the message
    };
    auto conv_node = [](Model& md) { return md.g()->mutable_node(0); };
    auto set_ints = [](onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
        for (auto& a : *n->mutable_attribute())
            if (a.name() == name) {
                a.clear_ints();
                for (int64_t x : v) a.add_ints(x);
                return;
            }
        ints(n, name, v);
    };
    const std::vector<Case> cases = {
        {"lstm",
         [](Model& md) {
             md.node("LSTM", {"y", "W", "R"}, {"h"}, "lstm1");
         },
         {"node 'lstm1' (LSTM)", "unsupported op 'LSTM'"}},
        {"dynamic",
         [](Model& md) {
             md.g()
                 ->mutable_input(0)
                 ->mutable_type()
                 ->mutable_tensor_type()
                 ->mutable_shape()
                 ->mutable_dim(2)
                 ->set_dim_param("height");
         },
         {"input 'x'", "dimension 2", "symbolic 'height' (dynamic shape)"}},
        {"missing",
         [&](Model& md) { conv_node(md)->set_input(3, "w_missing"); },
         {"node 'conv1' (QLinearConv)", "'w_missing'", "initializer"}},
        {"pads",
         [&](Model& md) {
             set_ints(conv_node(md), "pads", {0, 0, 1, 1});
         },
         {"node 'conv1' (QLinearConv)", "symmetric pads", "[0, 0, 1, 1]"}},
        {"dilation",
         [&](Model& md) {
             set_ints(conv_node(md), "dilations", {2, 2});
         },
         {"node 'conv1' (QLinearConv)", "dilations of 1"}},
        {"w_zp",
         [&](Model& md) {
             for (auto& t : *md.g()->mutable_initializer())
                 if (t.name() == "w_zp") t.set_raw_data(std::string("\0\3\0\0", 4));
         },
         {"node 'conv1' (QLinearConv)", "zero point of 0", "centred operands"}},
        {"dtype",
         [&](Model& md) {
             for (auto& t : *md.g()->mutable_initializer())
                 if (t.name() == "w") t.set_data_type(TensorProto::FLOAT16);
         },
         {"node 'conv1' (QLinearConv)", "initializer 'w'", "FLOAT16", "unsupported data type"}},
        {"softmax_middle",
         [&](Model& md) {
             md.node("Softmax", {"y"}, {"s"}, "sm");
             md.node("MaxPool", {"s"}, {"p"}, "late_pool");
         },
         {"node 'late_pool' (MaxPool)", "nothing after the final node 'sm' (Softmax)"}},
        {"branch",  // a Relu on the graph input: nothing to fold it into
         [&](Model& md) { md.node("Relu", {"x"}, {"r"}, "side"); },
         {"node 'side' (Relu)", "expected Relu directly after a Conv"}},
        {"input_read_twice",  // a second layer on the graph input (only the first may read it)
         [&](Model& md) {
             auto* mp = md.node("MaxPool", {"x"}, {"p"}, "side_pool");
             ints(mp, "kernel_shape", {2, 2});
         },
         {"node 'side_pool' (MaxPool)", "the graph input 'x' again"}},
        {"unknown_tensor",
         [&](Model& md) { md.node("Relu", {"nowhere"}, {"r"}, "lost"); },
         {"node 'lost' (Relu)", "expected to read a tensor an earlier node made, got 'nowhere'"}},
    };
    for (const Case& c : cases) {
        Model md = qlinear_conv_model(q);
        c.edit(md);
        const std::string path = md.save(dir / (c.name + ".onnx"));
        const std::string err = error_of([&] { load_network(path); });
        EXPECT_NE(err.find(path + ": "), std::string::npos) << c.name << ": " << err;
        for (const std::string& e : c.expect)
            EXPECT_NE(err.find(e), std::string::npos) << c.name << ": '" << e << "' not in: " << err;
        const std::string json = (dir / (c.name + ".json")).string();
        const CmdResult r = dfsim("run --workload " + path + " --json " + json);
        EXPECT_EQ(r.code, 2) << c.name << ": " << r.err;
        EXPECT_NE(r.err.find("dfsim: error: " + path), std::string::npos) << c.name << ": " << r.err;
        EXPECT_FALSE(std::filesystem::exists(json)) << c.name;
    }

    // not a protobuf at all: random bytes
    std::string junk;
    Rng rng(99);
    for (int i = 0; i < 4096; ++i) junk += static_cast<char>(rng.next_u64() & 0xFF);
    const std::string path = (dir / "junk.onnx").string();
    std::ofstream(path, std::ios::binary) << junk;
    const std::string err = error_of([&] { load_network(path); });
    EXPECT_NE(err.find(path + ": expected an ONNX model"), std::string::npos) << err;
    const std::string json = (dir / "junk.json").string();
    const CmdResult r = dfsim("run --workload " + path + " --json " + json);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_FALSE(std::filesystem::exists(json));
    // a missing file
    EXPECT_NE(error_of([&] { load_network((dir / "none.onnx").string()); }).find("file not found"), std::string::npos);
}

// Models found by fuzzing or built to be hostile: each is a ConfigError naming the file and the
// node (exit code 2), never a crash, undefined behaviour or a huge allocation. A scalar weight
// (dims []) of a Conv or QLinearMatMul, a weight whose element count wraps to 0 in 64 bits, a
// Reshape whose target sizes' product overflows int64.
TEST_F(Onnx, HostileModelsAreRefusedNotCrashes) {
    auto float_conv = [](const std::vector<int64_t>& wdims, const std::vector<double>& w) {
        Model md;
        md.input("x", TensorProto::FLOAT, {1, 3, 8, 8});
        md.init("w", TensorProto::FLOAT, wdims, w);
        md.node("Conv", {"x", "w"}, {"y"}, "conv1");
        md.output("y", TensorProto::FLOAT, {1, 4, 6, 6});
        return md;
    };
    auto qlinear_matmul = [](const std::vector<int64_t>& bdims, const std::vector<double>& b) {
        Model md;
        md.input("x", TensorProto::UINT8, {1, 4});
        md.scalar("xs", TensorProto::FLOAT, 0.02);
        md.scalar("xz", TensorProto::UINT8, 128);
        md.init("b", TensorProto::INT8, bdims, b);
        md.scalar("bs", TensorProto::FLOAT, 0.01);
        md.scalar("bz", TensorProto::INT8, 0);
        md.scalar("ys", TensorProto::FLOAT, 0.05);
        md.scalar("yz", TensorProto::UINT8, 100);
        md.node("QLinearMatMul", {"x", "xs", "xz", "b", "bs", "bz", "ys", "yz"}, {"y"}, "mm1");
        md.output("y", TensorProto::UINT8, {1, 2});
        return md;
    };
    struct Case {
        std::string name;
        Model model;
        std::vector<std::string> expect;
    };
    std::vector<Case> cases;
    cases.push_back({"conv_scalar_w", float_conv({}, {0.5}), {"node 'conv1' (Conv)", "4-D", "got []"}});
    {
        QConvParams q;
        q.w = codes(4 * 3 * 3 * 3, -127, 127, 7);
        Model md = qlinear_conv_model(q);
        for (auto& t : *md.g()->mutable_initializer())
            if (t.name() == "w") t.clear_dims(), t.set_raw_data(std::string(1, '\1'));
        cases.push_back({"qconv_scalar_w", md, {"node 'conv1' (QLinearConv)", "4-D", "got []"}});
    }
    cases.push_back({"matmul_scalar_b", qlinear_matmul({}, {3}), {"node 'mm1' (QLinearMatMul)", "got []"}});
    // 2^32 x 2^32 elements: 2^64, which wraps to 0 in 64 bits (and the empty data would match it)
    cases.push_back({"wrapping_count",
                     float_conv({int64_t{1} << 32, int64_t{1} << 32, 1, 1}, {}),
                     {"node 'conv1' (Conv)", "initializer 'w'", "expected at most 4294967296 elements"}});
    {
        Model md = float_conv({4, 3, 3, 3}, std::vector<double>(4 * 27, 0.25));
        md.g()->mutable_output()->Clear();
        md.init("shape", TensorProto::INT64, {3}, {static_cast<double>(int64_t{1} << 62), 4, -1});
        md.node("Reshape", {"y", "shape"}, {"f"}, "flat");
        md.output("f", TensorProto::FLOAT, {1, 144});
        cases.push_back({"reshape_overflow", md, {"node 'flat' (Reshape)", "expected a reshape to [N, C*H*W]"}});
    }
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const std::string path = c.model.save(dir / (c.name + ".onnx"));
        const std::string err = error_of([&] { load_network(path); });
        EXPECT_EQ(err.rfind(path + ": ", 0), 0u) << err;
        for (const std::string& e : c.expect) EXPECT_NE(err.find(e), std::string::npos) << "'" << e << "' in " << err;
        const CmdResult r = dfsim("run --workload " + path + " --layers all");
        EXPECT_EQ(r.code, 2) << r.err;
        EXPECT_EQ(r.err.rfind("dfsim: error: " + path + ": ", 0), 0u) << r.err;
    }
}

// A model is binary: a sweep keys its points by the file's hash (not its text), and resumes; a
// compare resumes only while the weights, zero points and bias are those of the same model.
TEST_F(Onnx, SweepAndCompareResumeOnModels) {
    QConvParams q;
    q.w = codes(4 * 3 * 3 * 3, -127, 127, 7);
    const std::string path = qlinear_conv_model(q).save(dir / "qconv.onnx");
    const std::string out = (dir / "sweep").string();
    const std::string args = "sweep --workload " + path + " --dataflows rs,ws --jobs 1 --no-plots --out " + out;
    const CmdResult s1 = dfsim(args);
    ASSERT_EQ(s1.code, 0) << s1.err;
    EXPECT_NE(s1.out.find("2 points (0 from an earlier run, 2 run now)"), std::string::npos) << s1.out;
    const CmdResult s2 = dfsim(args);
    EXPECT_NE(s2.out.find("2 points (2 from an earlier run, 0 run now)"), std::string::npos) << s2.out;
    EXPECT_NE(slurp(dir / "sweep/results.csv").find("bit-exact"), std::string::npos);

    const std::string resume = (dir / "results").string();
    auto resumed = [&](const Network& net) {
        std::ostringstream log;
        const CompareResult c = run_compare(net, eyeriss(), table45(), {"rs", "ws"}, RunOptions{}, &log, resume);
        for (const NetworkResult& r : c.runs) EXPECT_EQ(r.total().output_check, OutputCheck::BitExact);
        size_t n = 0;
        for (size_t p = log.str().find("(resumed)"); p != std::string::npos; p = log.str().find("(resumed)", p + 1))
            ++n;
        return n;
    };
    EXPECT_EQ(resumed(load_network(path)), 0u);
    EXPECT_EQ(resumed(load_network(path)), 2u);
    q.w[5] = -q.w[5] + 1;  // other weights, same shapes and names
    EXPECT_EQ(resumed(load_network(qlinear_conv_model(q).save(dir / "qconv.onnx"))), 0u);
    q.b[1] += 1;  // another bias
    EXPECT_EQ(resumed(load_network(qlinear_conv_model(q).save(dir / "qconv.onnx"))), 0u);
}

// A QDQ model as ONNX Runtime's quantizer writes one: per-channel weights and int32 biases behind
// DequantizeLinear (bias scale x_scale * w_scale: the codes are taken as they are), a
// GlobalAveragePool between Q/DQ pairs of the same parameters, Flatten -> Gemm whose weights are
// a QuantizeLinear of float initializers (folded here), a Constant scale, Identity at the end.
TEST_F(Onnx, OrtStyleQdqModelLoadsAndChains) {
    Model md;
    md.input("x", TensorProto::FLOAT, {1, 3, 8, 8});
    md.scalar("xs", TensorProto::FLOAT, 0.02f);
    md.scalar("xz", TensorProto::INT8, -3);
    md.node("QuantizeLinear", {"x", "xs", "xz"}, {"xq"}, "");
    md.node("DequantizeLinear", {"xq", "xs", "xz"}, {"xd"}, "");
    const std::vector<double> ws{0.011, 0.007, 0.013, 0.009, 0.01};
    md.init("w", TensorProto::INT8, {5, 3, 3, 3}, codes(5 * 27, -127, 127, 31));
    md.init("ws", TensorProto::FLOAT, {5}, ws);
    one_int(md.node("DequantizeLinear", {"w", "ws"}, {"wd"}, ""), "axis", 0);
    const std::vector<double> bcodes{100, -200, 300, -400, 0};
    std::vector<double> bs;
    for (double s : ws)
        bs.push_back(static_cast<float>(0.02f * static_cast<float>(s)));  // as float32, the quantizer's way
    md.init("b", TensorProto::INT32, {5}, bcodes);
    md.init("bs", TensorProto::FLOAT, {5}, bs);
    md.init("bz", TensorProto::INT32, {5}, std::vector<double>(5, 0));
    one_int(md.node("DequantizeLinear", {"b", "bs", "bz"}, {"bd"}, ""), "axis", 0);
    ints(md.node("Conv", {"xd", "wd", "bd"}, {"c"}, "conv"), "pads", {1, 1, 1, 1});
    md.node("Relu", {"c"}, {"r"}, "relu");
    auto* cs = md.node("Constant", {}, {"ys"}, "ys_const");
    {
        auto* a = cs->add_attribute();
        a->set_name("value");
        a->set_type(onnx::AttributeProto::TENSOR);
        a->mutable_t()->set_data_type(TensorProto::FLOAT);
        a->mutable_t()->add_float_data(0.03f);
    }
    md.scalar("yz", TensorProto::UINT8, 0);
    md.node("QuantizeLinear", {"r", "ys", "yz"}, {"rq"}, "");
    md.node("DequantizeLinear", {"rq", "ys", "yz"}, {"rd"}, "");
    md.node("GlobalAveragePool", {"rd"}, {"g"}, "gap");
    md.node("QuantizeLinear", {"g", "ys", "yz"}, {"gq"}, "");
    md.node("DequantizeLinear", {"gq", "ys", "yz"}, {"gd"}, "");
    md.node("Flatten", {"gd"}, {"f"}, "flatten");
    Rng rng(3);
    std::vector<double> w2(4 * 5);
    for (double& v : w2) v = 0.5 * (2 * rng.uniform() - 1);
    md.init("w2", TensorProto::FLOAT, {4, 5}, w2);
    md.scalar("w2s", TensorProto::FLOAT, 0.5 / 127);
    md.scalar("w2z", TensorProto::INT8, 0);
    md.node("QuantizeLinear", {"w2", "w2s", "w2z"}, {"w2q"}, "");
    md.node("DequantizeLinear", {"w2q", "w2s", "w2z"}, {"w2d"}, "");
    one_int(md.node("Gemm", {"f", "w2d"}, {"y"}, "fc"), "transB", 1);
    md.scalar("os", TensorProto::FLOAT, 0.05f);
    md.scalar("oz", TensorProto::INT8, 0);
    md.node("QuantizeLinear", {"y", "os", "oz"}, {"yq"}, "");
    md.node("DequantizeLinear", {"yq", "os", "oz"}, {"yd"}, "");
    md.node("Identity", {"yd"}, {"out"}, "");
    md.output("out", TensorProto::FLOAT, {1, 4});
    const Network net = load_network(md.save(dir / "ort.onnx"));

    ASSERT_EQ(net.layers.size(), 3u);
    const Layer& c = net.layers[0];
    EXPECT_EQ(c.ifmap, (Format{8, true, false, -3}));
    EXPECT_EQ(c.bias, (std::vector<int32_t>{100, -200, 300, -400, 0}));
    EXPECT_TRUE(c.requant.relu);
    EXPECT_EQ(c.requant.out, (Format{8, false}));
    EXPECT_EQ(net.layers[1].type, LayerType::Pool);
    EXPECT_EQ(net.layers[1].pool_op, PoolOp::Avg);
    EXPECT_EQ(net.layers[1].shape.R, 8);
    const Layer& fc = net.layers[2];
    EXPECT_EQ(fc.shape, (LayerShape{1, 5, 1, 1, 4, 1, 1, 1, 0, 1}));
    EXPECT_EQ(fc.ifmap, (Format{8, false}));
    EXPECT_EQ(fc.requant.out, (Format{8, true}));
    EXPECT_TRUE(fc.requant.multipliers.empty());  // per-tensor weight scale
    for (int m = 0; m < 4; ++m)
        for (int k = 0; k < 5; ++k)  // QuantizeLinear folded: round half to even of w / scale
            EXPECT_EQ(
                fc.filter_data.values->at(m, k, 0, 0),
                static_cast<int32_t>(std::nearbyint(double{static_cast<float>(w2[static_cast<size_t>(m * 5 + k)])} /
                                                    double{static_cast<float>(0.5 / 127)})));
    EXPECT_TRUE(net.notes.empty());
    RunOptions opt;
    opt.chained = true;
    EXPECT_EQ(simulate_network(net, eyeriss(), table45(), opt).total().output_check, OutputCheck::BitExact);
}

// Export-style models that dfsim refuses, each a ConfigError naming the node, exit code 2 on the
// command line: a BatchNormalization not after a Conv, an Add of tensors of different shapes, a
// Concat of tensors of different H x W or along another axis than the channels, a Relu after a
// Concat (no layer's requantization to fold it into), a Clip with bounds other than [0, max], a
// Relu folded into a layer another reader also reads before it.
TEST_F(Onnx, ExportStyleBadModelsNameTheNode) {
    // x [1,3,8,8] -> conv1 (4x3x3x3, pad 1) -> c1; conv2 (4x3x1x1, stride 2) -> c2 [1,4,4,4]
    auto base = [](Model& md) {
        md.input("x", TensorProto::FLOAT, {1, 3, 8, 8});
        md.init("w1", TensorProto::FLOAT, {4, 3, 3, 3}, codes(4 * 27, -5, 5, 3));
        ints(md.node("Conv", {"x", "w1"}, {"c1"}, "conv1"), "pads", {1, 1, 1, 1});
        md.init("w2", TensorProto::FLOAT, {4, 4, 1, 1}, codes(16, -5, 5, 4));
        ints(md.node("Conv", {"c1", "w2"}, {"c2"}, "conv2"), "strides", {2, 2});
    };
    auto bn = [](Model& md, const std::string& in, const std::string& out) {
        for (const char* p : {"g", "b", "m", "v"})
            md.init(std::string("bn_") + p, TensorProto::FLOAT, {4}, {1, 1, 1, 1});
        md.node("BatchNormalization", {in, "bn_g", "bn_b", "bn_m", "bn_v"}, {out}, "bn1");
    };
    struct Case {
        std::string name;
        std::function<void(Model&)> edit;
        std::vector<std::string> expect;
    };
    const std::vector<Case> cases = {
        {"bn_after_relu",
         [&](Model& md) {
             md.node("Relu", {"c2"}, {"r"}, "relu2");
             bn(md, "r", "y");
         },
         {"node 'bn1' (BatchNormalization)", "right after a Conv"}},
        {"bn_shared_conv_output",  // conv2's output read by the BN and by a Relu: not folded
         [&](Model& md) {
             bn(md, "c2", "y");
             md.node("Relu", {"c2"}, {"r"}, "relu2");
         },
         {"node 'bn1' (BatchNormalization)", "only reader"}},
        {"add_mismatched",
         [&](Model& md) {
             md.node("Add", {"c1", "c2"}, {"y"}, "add1");
         },
         {"node 'add1' (Add)", "same shape", "[4, 8, 8]", "[4, 4, 4]"}},
        {"add_constant",
         [&](Model& md) {
             md.init("k", TensorProto::FLOAT, {1}, {1});
             md.node("Add", {"c2", "k"}, {"y"}, "add1");
         },
         {"node 'add1' (Add)", "constant 'k'"}},
        {"concat_mismatched",  // c1 is 8x8, c2 4x4
         [&](Model& md) {
             one_int(md.node("Concat", {"c1", "c2"}, {"y"}, "cat1"), "axis", 1);
         },
         {"node 'cat1' (Concat)", "one H x W", "[8, 8]", "[4, 4]"}},
        {"concat_axis",
         [&](Model& md) {
             ints(md.node("Conv", {"c2", "w2"}, {"c3"}, "conv3"), "strides", {1, 1});
             one_int(md.node("Concat", {"c2", "c3"}, {"y"}, "cat1"), "axis", 2);
         },
         {"node 'cat1' (Concat)", "expected axis 1", "got 2"}},
        {"relu_after_concat",
         [&](Model& md) {
             ints(md.node("Conv", {"c2", "w2"}, {"c3"}, "conv3"), "strides", {1, 1});
             one_int(md.node("Concat", {"c2", "c3"}, {"cat"}, "cat1"), "axis", 1);
             md.node("Relu", {"cat"}, {"y"}, "relu3");
         },
         {"node 'relu3' (Relu)", "directly after a Conv"}},
        {"clip_bounds",
         [&](Model& md) {
             md.init("lo", TensorProto::FLOAT, {}, {-1});
             md.init("hi", TensorProto::FLOAT, {}, {1});
             md.node("Clip", {"c2", "lo", "hi"}, {"y"}, "clip1");
         },
         {"node 'clip1' (Clip)", "expected min 0 and max > 0", "got min -1, max 1"}},
        {"relu_shared",  // c1 read by conv2 and the Relu: folding would change what conv2 reads
         [&](Model& md) { md.node("Relu", {"c1"}, {"y"}, "relu1"); },
         {"node 'relu1' (Relu)", "only reader of 'c1'"}},
    };
    for (const Case& c : cases) {
        Model md;
        base(md);
        c.edit(md);
        md.output("y", TensorProto::FLOAT, {1, 4, 4, 4});
        const std::string path = md.save(dir / (c.name + ".onnx"));
        const std::string err = error_of([&] { load_network(path); });
        for (const std::string& e : c.expect)
            EXPECT_NE(err.find(e), std::string::npos) << c.name << ": '" << e << "' not in: " << err;
        const CmdResult r = dfsim("run --workload " + path);
        EXPECT_EQ(r.code, 2) << c.name << ": " << r.err;
        EXPECT_NE(r.err.find(c.expect[0]), std::string::npos) << c.name << ": " << r.err;
    }
}
