// A small ONNX model built with the protobuf API, for the tests that import models
// (tests/test_onnx.cpp, tests/test_onnx_matmul.cpp).
#pragma once
#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace dfsim::test {

using onnx::TensorProto;

// A model under construction: opset 14, one graph (valid for onnx::checker and strict shape inference).
struct Model {
    onnx::ModelProto m;
    onnx::GraphProto* g() { return m.mutable_graph(); }
    Model() {
        m.set_ir_version(8);
        m.set_producer_name("dfsim tests");
        auto* op = m.add_opset_import();
        op->set_domain("");
        op->set_version(14);  // Relu on int8: opset 14
        g()->set_name("test");
    }
    // A graph input; a dim < 0 is symbolic (named `sym`).
    void input(const std::string& name, int dtype, const std::vector<int64_t>& dims, const std::string& sym = "N") {
        auto* v = g()->add_input();
        v->set_name(name);
        auto* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(dtype);
        auto* s = t->mutable_shape();
        for (int64_t d : dims) {
            auto* dim = s->add_dim();
            if (d < 0)
                dim->set_dim_param(sym);
            else
                dim->set_dim_value(d);
        }
    }
    void output(const std::string& name, int dtype, const std::vector<int64_t>& dims) {
        auto* v = g()->add_output();
        v->set_name(name);
        auto* t = v->mutable_type()->mutable_tensor_type();
        t->set_elem_type(dtype);
        for (int64_t d : dims) {
            if (d < 0)
                t->mutable_shape()->add_dim()->set_dim_param("N");
            else
                t->mutable_shape()->add_dim()->set_dim_value(d);
        }
    }
    // An initializer: FLOAT/INT8/UINT8/INT64 in raw_data (little-endian), INT32 in int32_data
    // (both encodings are read).
    void init(const std::string& name, int dtype, const std::vector<int64_t>& dims, const std::vector<double>& v) {
        TensorProto* t = g()->add_initializer();
        t->set_name(name);
        t->set_data_type(dtype);
        for (int64_t d : dims) t->add_dims(d);
        std::string raw;
        auto put = [&](auto x) { raw.append(reinterpret_cast<const char*>(&x), sizeof x); };
        for (double x : v) {
            switch (dtype) {
                case TensorProto::FLOAT:
                    put(static_cast<float>(x));
                    break;
                case TensorProto::INT8:
                    put(static_cast<int8_t>(x));
                    break;
                case TensorProto::UINT8:
                    put(static_cast<uint8_t>(x));
                    break;
                case TensorProto::INT64:
                    put(static_cast<int64_t>(x));
                    break;
                case TensorProto::INT32:
                    t->add_int32_data(static_cast<int32_t>(x));
                    break;
                default:
                    ADD_FAILURE() << "dtype " << dtype;
            }
        }
        if (dtype != TensorProto::INT32) t->set_raw_data(raw);
    }
    void scalar(const std::string& name, int dtype, double v) { init(name, dtype, {}, {v}); }
    onnx::NodeProto* node(const std::string& op, const std::vector<std::string>& ins,
                          const std::vector<std::string>& outs, const std::string& name) {
        auto* n = g()->add_node();
        n->set_op_type(op);
        n->set_name(name);
        for (const auto& i : ins) n->add_input(i);
        for (const auto& o : outs) n->add_output(o);
        return n;
    }
    std::string save(const std::filesystem::path& p) const {
        std::ofstream out(p, std::ios::binary);
        EXPECT_TRUE(m.SerializeToOstream(&out));
        return p.string();
    }
};

}  // namespace dfsim::test
