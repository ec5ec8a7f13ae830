// ONNX MatMul on sequences and on two activations (issue 16): a MatMul with constant weights on a
// [batch, L, K] input imports as a gemm layer, a MatMul whose second operand is a further graph
// input as a matmul layer (per head for 4-D operands); tiny models built here with the protobuf
// API, loaded, checked against the lowering and run bit-exact.
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/rng.h"
#include "sim/simulator.h"
#include "tests/cli_fixture.h"
#include "tests/test_util.h"
#include "tests/onnx_model.h"
#include "workload/formats/onnx.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

using onnx::TensorProto;

// Float weights drawn as the MatMul tests want them: normal, standard deviation 0.1.
std::vector<double> normal_weights(const std::vector<int64_t>& dims, uint64_t seed) {
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    Rng rng(seed);
    std::vector<double> v(static_cast<size_t>(n));
    for (double& x : v) x = static_cast<float>(rng.normal() * 0.1);
    return v;
}

class OnnxMatmul : public TempDirTest {};

// [2, 16, 32] -> MatMul [32, 24] -> Relu -> MatMul [24, 8]: two gemm layers on the sequence.
TEST_F(OnnxMatmul, ConstantWeightsOnASequenceAreGemms) {
    Model md;
    md.input("x", TensorProto::FLOAT, {2, 16, 32});
    md.init("w1", TensorProto::FLOAT, {32, 24}, normal_weights({32, 24}, 3));
    md.init("w2", TensorProto::FLOAT, {24, 8}, normal_weights({24, 8}, 4));
    md.node("MatMul", {"x", "w1"}, {"h"}, "FF1");
    md.node("Relu", {"h"}, {"r"}, "relu");
    md.node("MatMul", {"r", "w2"}, {"y"}, "FF2");
    md.output("y", TensorProto::FLOAT, {2, 16, 8});
    const Network net = load_onnx(md.save(dir / "ffn.onnx"));
    ASSERT_EQ(net.layers.size(), 2u);
    const Layer& a = net.layers[0];
    EXPECT_EQ(a.type, LayerType::Gemm);
    EXPECT_EQ(a.matrix, (MatrixShape{16, 24, 32, 2, 1}));
    EXPECT_EQ(a.shape, lower_matrix(LayerType::Gemm, a.matrix));
    EXPECT_TRUE(a.requant.relu);
    ASSERT_TRUE(a.filter_data.values);
    EXPECT_EQ(a.filter_data.values->dim, (std::array<int, 4>{24, 32, 1, 1}));
    EXPECT_EQ(net.layers[1].matrix, (MatrixShape{16, 8, 24, 2, 1}));
    const CmdResult r = dfsim("run --workload " + (dir / "ffn.onnx").string() + " --layers all");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("MISMATCH"), std::string::npos) << r.out;
}

// Per head: q [1, 3, 8, 4] x kt [1, 3, 4, 8] (a second graph input) -> Softmax: a matmul layer.
TEST_F(OnnxMatmul, TwoActivationsAreAMatmulPerHead) {
    Model md;
    md.input("q", TensorProto::FLOAT, {-1, 3, 8, 4});
    md.input("kt", TensorProto::FLOAT, {-1, 3, 4, 8});
    md.node("MatMul", {"q", "kt"}, {"s"}, "QK");
    md.node("Softmax", {"s"}, {"p"}, "softmax");
    md.output("p", TensorProto::FLOAT, {-1, 3, 8, 8});
    const std::string path = md.save(dir / "qk.onnx");
    const Network net = load_onnx(path);
    ASSERT_EQ(net.layers.size(), 1u);
    const Layer& l = net.layers[0];
    EXPECT_EQ(l.type, LayerType::Matmul);
    EXPECT_EQ(l.matrix, (MatrixShape{8, 8, 4, 1, 3}));
    EXPECT_EQ(l.shape.G, 3);
    EXPECT_EQ(l.shape.macs(), 3u * 8 * 8 * 4);
    EXPECT_FALSE(l.filter_data.values);  // operand B is data: synthetic, as the ifmap
    EXPECT_EQ(l.filter, l.ifmap);
    const CmdResult r = dfsim("run --workload " + path + " --layers all --batch 2 --dataflow ws");
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("bit-exact"), std::string::npos) << r.out;
}

// [1, 16, 8] x [1, 8, 4]: a single-head matmul; a second input nothing reads, or one of the wrong
// shape, is an error naming it.
TEST_F(OnnxMatmul, SequenceTimesActivationAndErrors) {
    {
        Model md;
        md.input("a", TensorProto::FLOAT, {1, 16, 8});
        md.input("b", TensorProto::FLOAT, {1, 8, 4});
        md.node("MatMul", {"a", "b"}, {"y"}, "AB");
        md.output("y", TensorProto::FLOAT, {1, 16, 4});
        const Network net = load_onnx(md.save(dir / "ab.onnx"));
        ASSERT_EQ(net.layers.size(), 1u);
        EXPECT_EQ(net.layers[0].matrix, (MatrixShape{16, 4, 8, 1, 1}));
    }
    {
        Model md;
        md.input("a", TensorProto::FLOAT, {1, 16, 8});
        md.input("b", TensorProto::FLOAT, {1, 9, 4});
        md.node("MatMul", {"a", "b"}, {"y"}, "AB");
        md.output("y", TensorProto::FLOAT, {1, 16, 4});
        const std::string e = error_of([&] { load_onnx(md.save(dir / "bad.onnx")); });
        EXPECT_NE(e.find("node 'AB' (MatMul): expected the second operand 'b' to be [1, 8] x Ncols"), std::string::npos)
            << e;
    }
    {
        Model md;
        md.input("a", TensorProto::FLOAT, {1, 16, 8});
        md.input("unused", TensorProto::FLOAT, {1, 8, 4});
        md.init("w", TensorProto::FLOAT, {8, 4}, normal_weights({8, 4}, 5));
        md.node("MatMul", {"a", "w"}, {"y"}, "AW");
        md.output("y", TensorProto::FLOAT, {1, 16, 4});
        const std::string e = error_of([&] { load_onnx(md.save(dir / "unused.onnx")); });
        EXPECT_NE(e.find("'unused' is read by no MatMul"), std::string::npos) << e;
    }
}

}  // namespace
