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
#include "workload/formats/onnx.h"

using namespace dfsim;
using namespace dfsim::test;

namespace {

using onnx::TensorProto;

// A model of one graph, opset 14, float inputs and initializers.
struct Model {
    onnx::ModelProto m;
    onnx::GraphProto* g() { return m.mutable_graph(); }
    Model() {
        m.set_ir_version(8);
        m.set_producer_name("dfsim tests");
        auto* op = m.add_opset_import();
        op->set_domain("");
        op->set_version(14);
        g()->set_name("test");
    }
    void value(onnx::ValueInfoProto* v, const std::string& name, const std::vector<int64_t>& dims) {
        v->set_name(name);
        auto* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(TensorProto::FLOAT);
        for (int64_t d : dims) {
            auto* dim = t->mutable_shape()->add_dim();
            if (d < 0)
                dim->set_dim_param("batch");
            else
                dim->set_dim_value(d);
        }
    }
    void input(const std::string& name, const std::vector<int64_t>& dims) { value(g()->add_input(), name, dims); }
    void output(const std::string& name, const std::vector<int64_t>& dims) { value(g()->add_output(), name, dims); }
    void weights(const std::string& name, const std::vector<int64_t>& dims, uint64_t seed) {
        TensorProto* t = g()->add_initializer();
        t->set_name(name);
        t->set_data_type(TensorProto::FLOAT);
        int64_t n = 1;
        for (int64_t d : dims) t->add_dims(d), n *= d;
        Rng rng(seed);
        for (int64_t i = 0; i < n; ++i) t->add_float_data(static_cast<float>(rng.normal() * 0.1));
    }
    void node(const std::string& op, const std::vector<std::string>& ins, const std::string& out,
              const std::string& name) {
        auto* n = g()->add_node();
        n->set_op_type(op);
        n->set_name(name);
        for (const auto& i : ins) n->add_input(i);
        n->add_output(out);
    }
    std::string save(const std::filesystem::path& p) const {
        std::ofstream out(p, std::ios::binary);
        EXPECT_TRUE(m.SerializeToOstream(&out));
        return p.string();
    }
};

class OnnxMatmul : public TempDirTest {};

// [2, 16, 32] -> MatMul [32, 24] -> Relu -> MatMul [24, 8]: two gemm layers on the sequence.
TEST_F(OnnxMatmul, ConstantWeightsOnASequenceAreGemms) {
    Model md;
    md.input("x", {2, 16, 32});
    md.weights("w1", {32, 24}, 3);
    md.weights("w2", {24, 8}, 4);
    md.node("MatMul", {"x", "w1"}, "h", "FF1");
    md.node("Relu", {"h"}, "r", "relu");
    md.node("MatMul", {"r", "w2"}, "y", "FF2");
    md.output("y", {2, 16, 8});
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
    md.input("q", {-1, 3, 8, 4});
    md.input("kt", {-1, 3, 4, 8});
    md.node("MatMul", {"q", "kt"}, "s", "QK");
    md.node("Softmax", {"s"}, "p", "softmax");
    md.output("p", {-1, 3, 8, 8});
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
        md.input("a", {1, 16, 8});
        md.input("b", {1, 8, 4});
        md.node("MatMul", {"a", "b"}, "y", "AB");
        md.output("y", {1, 16, 4});
        const Network net = load_onnx(md.save(dir / "ab.onnx"));
        ASSERT_EQ(net.layers.size(), 1u);
        EXPECT_EQ(net.layers[0].matrix, (MatrixShape{16, 4, 8, 1, 1}));
    }
    {
        Model md;
        md.input("a", {1, 16, 8});
        md.input("b", {1, 9, 4});
        md.node("MatMul", {"a", "b"}, "y", "AB");
        md.output("y", {1, 16, 4});
        const std::string e = error_of([&] { load_onnx(md.save(dir / "bad.onnx")); });
        EXPECT_NE(e.find("node 'AB' (MatMul): expected the second operand 'b' to be [1, 8] x Ncols"), std::string::npos)
            << e;
    }
    {
        Model md;
        md.input("a", {1, 16, 8});
        md.input("unused", {1, 8, 4});
        md.weights("w", {8, 4}, 5);
        md.node("MatMul", {"a", "w"}, "y", "AW");
        md.output("y", {1, 16, 4});
        const std::string e = error_of([&] { load_onnx(md.save(dir / "unused.onnx")); });
        EXPECT_NE(e.find("'unused' is read by no MatMul"), std::string::npos) << e;
    }
}

}  // namespace
