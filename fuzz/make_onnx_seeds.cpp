// Writes the ONNX fuzzer's seed models (fuzz/seeds/onnx/): small graphs with each operator kind
// the importer reads (workload/formats/onnx.cpp), float and quantized. Run once by hand when the
// importer learns an operator: build/fuzz/make_onnx_seeds fuzz/seeds/onnx
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

namespace {

using onnx::TensorProto;

struct Model {
    onnx::ModelProto m;
    onnx::GraphProto* g() { return m.mutable_graph(); }
    Model() {
        m.set_ir_version(8);
        auto* op = m.add_opset_import();
        op->set_domain("");
        op->set_version(14);
        g()->set_name("seed");
    }
    void value(google::protobuf::RepeatedPtrField<onnx::ValueInfoProto>* where, const std::string& name, int dtype,
               const std::vector<int64_t>& dims) {
        auto* v = where->Add();
        v->set_name(name);
        auto* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(dtype);
        for (int64_t d : dims) t->mutable_shape()->add_dim()->set_dim_value(d);
    }
    void input(const std::string& n, int dtype, const std::vector<int64_t>& d) {
        value(g()->mutable_input(), n, dtype, d);
    }
    void output(const std::string& n, int dtype, const std::vector<int64_t>& d) {
        value(g()->mutable_output(), n, dtype, d);
    }
    // An initializer of `count` values i*step+first (as float, int8, uint8 or int64 raw data).
    void init(const std::string& name, int dtype, const std::vector<int64_t>& dims, double first = 0.1,
              double step = 0.01) {
        TensorProto* t = g()->add_initializer();
        t->set_name(name);
        t->set_data_type(dtype);
        int64_t count = 1;
        for (int64_t d : dims) t->add_dims(d), count *= d;
        std::string raw;
        auto put = [&](auto x) { raw.append(reinterpret_cast<const char*>(&x), sizeof x); };
        for (int64_t i = 0; i < count; ++i) {
            const double x = first + step * static_cast<double>(i % 17);
            if (dtype == TensorProto::FLOAT) put(static_cast<float>(x));
            if (dtype == TensorProto::INT8) put(static_cast<int8_t>(x));
            if (dtype == TensorProto::UINT8) put(static_cast<uint8_t>(x));
            if (dtype == TensorProto::INT64) put(static_cast<int64_t>(x));
            if (dtype == TensorProto::INT32) put(static_cast<int32_t>(x));
        }
        t->set_raw_data(raw);
    }
    onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& ins,
                          const std::vector<std::string>& outs) {
        auto* n = g()->add_node();
        n->set_op_type(op);
        n->set_name(op + std::to_string(g()->node_size()));
        for (const auto& i : ins) n->add_input(i);
        for (const auto& o : outs) n->add_output(o);
        return n;
    }
    void ints(onnx::NodeProto* n, const std::string& name, const std::vector<int64_t>& v) {
        auto* a = n->add_attribute();
        a->set_name(name);
        a->set_type(onnx::AttributeProto::INTS);
        for (int64_t x : v) a->add_ints(x);
    }
    void save(const std::string& path) const {
        std::ofstream out(path, std::ios::binary);
        m.SerializeToOstream(&out);
    }
};

// Conv, Relu, MaxPool, Flatten, Gemm, Softmax on float.
void float_cnn(const std::string& dir) {
    Model m;
    m.input("x", TensorProto::FLOAT, {1, 3, 8, 8});
    m.init("w", TensorProto::FLOAT, {4, 3, 3, 3});
    m.init("b", TensorProto::FLOAT, {4});
    auto* c = m.node("Conv", {"x", "w", "b"}, {"c"});
    m.ints(c, "pads", {1, 1, 1, 1});
    m.node("Relu", {"c"}, {"r"});
    auto* p = m.node("MaxPool", {"r"}, {"p"});
    m.ints(p, "kernel_shape", {2, 2});
    m.ints(p, "strides", {2, 2});
    m.node("Flatten", {"p"}, {"f"});
    m.init("fw", TensorProto::FLOAT, {10, 64});
    m.init("fb", TensorProto::FLOAT, {10});
    auto* g = m.node("Gemm", {"f", "fw", "fb"}, {"y"});
    auto* t = g->add_attribute();
    t->set_name("transB");
    t->set_type(onnx::AttributeProto::INT);
    t->set_i(1);
    m.node("Softmax", {"y"}, {"s"});
    m.output("s", TensorProto::FLOAT, {1, 10});
    m.save(dir + "/float_cnn.onnx");
}

// QLinearConv then QLinearMatMul after a Reshape, on int8 / uint8.
void quantized(const std::string& dir) {
    Model m;
    m.input("x", TensorProto::UINT8, {1, 2, 6, 6});
    m.init("xs", TensorProto::FLOAT, {}, 0.02, 0);
    m.init("xz", TensorProto::UINT8, {}, 128, 0);
    m.init("w", TensorProto::INT8, {3, 2, 3, 3}, -8, 1);
    m.init("ws", TensorProto::FLOAT, {}, 0.01, 0);
    m.init("wz", TensorProto::INT8, {}, 0, 0);
    m.init("ys", TensorProto::FLOAT, {}, 0.05, 0);
    m.init("yz", TensorProto::UINT8, {}, 128, 0);
    m.node("QLinearConv", {"x", "xs", "xz", "w", "ws", "wz", "ys", "yz"}, {"c"});
    m.init("shape", TensorProto::INT64, {2}, 1, 0);
    m.g()->mutable_initializer()->rbegin()->set_raw_data(std::string("\x01\0\0\0\0\0\0\0\x30\0\0\0\0\0\0\0", 16));
    m.node("Reshape", {"c", "shape"}, {"r"});
    m.init("mw", TensorProto::INT8, {48, 5}, -4, 1);
    m.node("QLinearMatMul", {"r", "ys", "yz", "mw", "ws", "wz", "ys", "yz"}, {"y"});
    m.output("y", TensorProto::UINT8, {1, 5});
    m.save(dir + "/quantized.onnx");
}

// A float MatMul with Dropout and Identity in between, and a GlobalAveragePool.
void matmul(const std::string& dir) {
    Model m;
    m.input("x", TensorProto::FLOAT, {1, 4, 3, 3});
    m.node("GlobalAveragePool", {"x"}, {"g"});
    m.node("Flatten", {"g"}, {"f"});
    m.node("Dropout", {"f"}, {"d"});
    m.node("Identity", {"d"}, {"i"});
    m.init("w", TensorProto::FLOAT, {4, 2});
    m.node("MatMul", {"i", "w"}, {"y"});
    m.output("y", TensorProto::FLOAT, {1, 2});
    m.save(dir + "/matmul.onnx");
}

// A residual block as PyTorch exports it: Conv-BatchNormalization-Clip (ReLU6), Conv-BN, Add of
// the skip, Relu, GlobalAveragePool, Flatten, Gemm.
void residual(const std::string& dir) {
    Model m;
    m.input("x", TensorProto::FLOAT, {1, 3, 6, 6});
    auto conv_bn = [&](const std::string& p, const std::string& in, int C, int M) {
        m.init(p + "w", TensorProto::FLOAT, {M, C, 3, 3}, -0.08);
        m.ints(m.node("Conv", {in, p + "w"}, {p + "c"}), "pads", {1, 1, 1, 1});
        for (const char* k : {"g", "b", "m", "v"}) m.init(p + k, TensorProto::FLOAT, {M}, 0.5);
        m.node("BatchNormalization", {p + "c", p + "g", p + "b", p + "m", p + "v"}, {p + "y"});
        return p + "y";
    };
    const std::string a = conv_bn("s", "x", 3, 4);
    m.init("lo", TensorProto::FLOAT, {}, 0, 0);
    m.init("hi", TensorProto::FLOAT, {}, 6, 0);
    m.node("Clip", {a, "lo", "hi"}, {"r0"});
    const std::string b = conv_bn("b", "r0", 4, 4);
    m.node("Add", {b, "r0"}, {"sum"});
    m.node("Relu", {"sum"}, {"r1"});
    m.node("GlobalAveragePool", {"r1"}, {"g"});
    m.node("Flatten", {"g"}, {"f"});
    m.init("fw", TensorProto::FLOAT, {3, 4});
    auto* gemm = m.node("Gemm", {"f", "fw"}, {"y"});
    auto* t = gemm->add_attribute();
    t->set_name("transB");
    t->set_type(onnx::AttributeProto::INT);
    t->set_i(1);
    m.output("y", TensorProto::FLOAT, {1, 3});
    m.save(dir + "/residual.onnx");
}

}  // namespace

int main(int argc, char** argv) {
    const std::string dir = argc > 1 ? argv[1] : ".";
    float_cnn(dir);
    quantized(dir);
    matmul(dir);
    residual(dir);
    return 0;
}
