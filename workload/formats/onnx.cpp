#include "workload/formats/onnx.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/input_file.h"
#include "quant/quantize.h"
#include "quant/requantize.h"

namespace dfsim {

namespace {

using onnx::NodeProto;
using onnx::TensorProto;

// The most elements a constant (a weight) may have: 2^32 (16 GiB of floats); larger products are
// refused before their size is multiplied out or anything is allocated.
constexpr size_t kMaxConstElements = size_t{1} << 32;

constexpr int kFloat = TensorProto::FLOAT, kDouble = TensorProto::DOUBLE, kInt8 = TensorProto::INT8,
              kUint8 = TensorProto::UINT8, kInt32 = TensorProto::INT32, kInt64 = TensorProto::INT64;

std::string dtype_name(int t) {
    return onnx::TensorProto_DataType_IsValid(t)
               ? onnx::TensorProto_DataType_Name(static_cast<TensorProto::DataType>(t))
               : "data type " + std::to_string(t);
}

std::string list(const std::vector<int64_t>& v) {
    std::string s = "[";
    for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + std::to_string(v[i]);
    return s + "]";
}

std::string num(double v) {
    std::ostringstream os;
    os.precision(9);
    os << v;
    return os.str();
}

// The input scale of a float layer (see onnx_import.h): int8 in [-1, 1], uint8 in [0, 1].
double assumed_scale(const Format& f) { return f.is_signed ? 1.0 / 127 : 1.0 / 255; }

// A constant: an initializer, a Constant node, or a QuantizeLinear of constants. Values widened
// to double (exact for every dtype read here but int64 beyond 2^53).
struct Const {
    int dtype = 0;
    std::vector<int64_t> dims;
    std::vector<double> v;
};

// A DequantizeLinear of constants: real = scale * (code - zero_point), per tensor (one scale)
// or per index of dimension `axis`.
struct DqConst {
    Const code, scale, zp;  // zp.v empty: zero point 0
    int axis = 1;
};

// A layer's weights, [M][rest] row-major, centred, with the real value of a step per channel.
struct Weights {
    std::vector<int32_t> codes;
    std::vector<double> scale;  // M entries
    bool is_signed = true;
};

// The tensor flowing down the chain.
struct Act {
    enum class Kind { Float, Deq, Int };
    std::string name;
    int C = 1, H = 1, W = 1;
    bool flat = false;  // viewed as [N, C*H*W]
    bool seq = false;  // viewed as [N, L, K]: L = H rows of K = C features, W = 1 (sequence_matmul)
    Kind kind = Kind::Float;
    Format fmt{8, true};  // the integer codes' format (Float: the assumed one)
    bool known = false;  // fmt and scale known (an integer graph input: only once a consumer says)
    double scale = 0;  // real value of one code step
    bool raw_input = true;  // the graph input itself, possibly pooled (no layer has run on it)
    int pending = -1;  // the layer whose float output this is, requantization not fixed yet
    int producer = -1;  // the layer whose output this is (max pools allowed between): a Relu folds into it
    int src = -1;  // the layer (any kind) whose output this is; -1: the graph input
    // every tensor since `producer`'s output has one reader: a Relu, Clip or BatchNormalization
    // may be folded into that layer without changing what another reader sees
    bool exclusive = true;
};

class Importer {
public:
    explicit Importer(std::string path) : path_(std::move(path)) {}
    Network run();

private:
    // errors
    [[noreturn]] void fail(const std::string& msg) const { throw ConfigError(path_ + ": " + msg); }
    std::string desc(const NodeProto& n) const {
        return (n.name().empty() ? "node #" + std::to_string(index_) : "node '" + n.name() + "'") + " (" + n.op_type() +
               ")";
    }
    [[noreturn]] void fail_node(const NodeProto& n, const std::string& msg) const { fail(desc(n) + ": " + msg); }

    // attributes
    const onnx::AttributeProto* attr(const NodeProto& n, const std::string& name) const {
        for (const auto& a : n.attribute())
            if (a.name() == name) return &a;
        return nullptr;
    }
    int64_t attr_int(const NodeProto& n, const std::string& name, int64_t dflt) const {
        const auto* a = attr(n, name);
        if (!a) return dflt;
        if (a->type() != onnx::AttributeProto::INT) fail_node(n, "expected attribute '" + name + "' to be an integer");
        return a->i();
    }
    double attr_float(const NodeProto& n, const std::string& name, double dflt) const {
        const auto* a = attr(n, name);
        if (!a) return dflt;
        if (a->type() != onnx::AttributeProto::FLOAT) fail_node(n, "expected attribute '" + name + "' to be a float");
        return a->f();
    }
    std::vector<int64_t> attr_ints(const NodeProto& n, const std::string& name) const {
        const auto* a = attr(n, name);
        if (!a) return {};
        if (a->type() != onnx::AttributeProto::INTS)
            fail_node(n, "expected attribute '" + name + "' to be a list of integers");
        return {a->ints().begin(), a->ints().end()};
    }
    std::string attr_string(const NodeProto& n, const std::string& name, const std::string& dflt) const {
        const auto* a = attr(n, name);
        if (!a) return dflt;
        if (a->type() != onnx::AttributeProto::STRING) fail_node(n, "expected attribute '" + name + "' to be a string");
        return a->s();
    }

    // constants
    Const read_tensor(const TensorProto& t, const std::string& what) const;
    bool has_input(const NodeProto& n, int i) const { return i < n.input_size() && !n.input(i).empty(); }
    bool is_const(const std::string& name) const {
        return consts_.count(name) || inits_.count(name) || dqs_.count(name);
    }
    // The constant `name` (an initializer is read when a node first uses it, so that an error in
    // it names that node too), or null.
    const Const* lookup(const NodeProto& n, const std::string& name) const {
        if (auto it = consts_.find(name); it != consts_.end()) return &it->second;
        auto jt = inits_.find(name);
        if (jt == inits_.end()) return nullptr;
        return &(consts_[name] = read_tensor(*jt->second, desc(n) + ": initializer '" + name + "'"));
    }
    const Const& need_const(const NodeProto& n, int i, const std::string& role) const;
    double scale_input(const NodeProto& n, int i, const std::string& role) const;
    // A zero point (scalar) and its format; absent: `dflt_dtype` and 0.
    Format zero_point_input(const NodeProto& n, int i, const std::string& role, int dflt_dtype) const;
    Format int_format(const NodeProto& n, int dtype, const std::string& role) const;
    void constant_node(const NodeProto& n);
    void fold_const_node(const NodeProto& n);

    // layers
    void data_input(const onnx::GraphProto& g);
    std::string layer_name(const NodeProto& n);
    Layer new_layer(const NodeProto& n, LayerType type);
    Weights weights_dq(const NodeProto& n, const DqConst& d, int m_axis, const std::string& role) const;
    DqConst qlinear_weight(const NodeProto& n, const std::string& w, int axis) const;
    Weights weights_float(const NodeProto& n, const Const& c, int m_axis, const std::string& role) const;
    Weights weights_input(const NodeProto& n, int i, int m_axis, const std::string& role) const;
    std::vector<int32_t> bias_input(const NodeProto& n, int i, int M, bool int32_only, double x_scale,
                                    const std::vector<double>& w_scale) const;
    void set_requant(const NodeProto& n, Layer& l, double y_scale, const Format& out) const;
    void emit_layer(const NodeProto& n, Layer l, bool qlinear, bool flat);
    void settle();
    void check_spatial(const NodeProto& n, int R, int S, int U, int P, const std::string& what) const;
    void spatial_attrs(const NodeProto& n, int R, int S, int& U, int& P, bool pool) const;
    void layer_input(const NodeProto& n, bool qlinear, Format& ifmap, double& x_scale);
    void conv(const NodeProto& n, bool qlinear);
    void fc(const NodeProto& n);
    void pool(const NodeProto& n);
    void relu(const NodeProto& n);
    void clip(const NodeProto& n);
    void add(const NodeProto& n);
    void concat(const NodeProto& n);
    int bn_after(const NodeProto& conv) const;
    void fold_bn(const NodeProto& bn, Const& w, std::vector<double>& bias) const;
    std::vector<double> real_bias(const NodeProto& n, int i, int M) const;
    std::vector<int32_t> quantize_bias(const NodeProto& n, const std::vector<double>& real, double x_scale,
                                       const std::vector<double>& w_scale) const;
    Act current(const std::string& name);
    void settle(Act& a);
    void read_node(const NodeProto& n, bool layer, bool pool_op);
    void quantize_linear(const NodeProto& n);
    void dequantize_linear(const NodeProto& n);
    void reshape(const NodeProto& n);
    void chain_node(const NodeProto& n, bool layer, bool pool_op);
    // MatMul on a sequence or on two activations (gemm and matmul layers)
    void side_input(const onnx::ValueInfoProto& v);
    bool matrix_matmul(const NodeProto& n) const;
    void sequence_matmul(const NodeProto& n);
    void activation_matmul(const NodeProto& n, const std::vector<int64_t>& b);
    void check_side_inputs_used() const;
    // Appends a layer reading act_ (an add or a concat names its inputs itself); act_ becomes its output.
    void push(const NodeProto& n, Layer l) {
        const int idx = static_cast<int>(net_.layers.size());
        if (l.type != LayerType::Add && l.type != LayerType::Concat && act_.src != idx - 1) {
            if (act_.src < 0)
                fail_node(n, "expected to read a layer's output, got the graph input '" + act_.name +
                                 "' again (only the first layer may read it)");
            l.inputs = {net_.layers[static_cast<size_t>(act_.src)].name};
        }
        act_.src = idx;
        const bool host = l.on_host();
        net_.layers.push_back(std::move(l));
        if (!host) ++mac_index_;
    }

    std::string path_;
    int index_ = 0;  // of the node being read
    std::map<std::string, const TensorProto*> inits_;
    mutable std::map<std::string, Const> consts_;
    std::map<std::string, DqConst> dqs_;
    Act act_;
    Network net_;
    int batch_ = 1;
    int mac_index_ = 0;
    std::set<std::string> names_;
    std::string ended_by_;  // the final Softmax
    std::vector<std::string> calibrated_;  // layers whose float output is calibrated at run time
    const onnx::GraphProto* graph_ = nullptr;
    std::map<std::string, std::vector<int>> readers_;  // tensor -> the nodes reading it (a graph output: -1)
    std::map<std::string, Act> tensors_;  // every tensor read so far, as it was made
    std::set<int> folded_;  // BatchNormalization nodes folded into the Conv before them
    std::map<std::string, std::vector<int64_t>> side_;  // further data inputs: a MatMul's operand B
    std::set<std::string> side_used_;
};

Const Importer::read_tensor(const TensorProto& t, const std::string& what) const {
    if (t.data_location() == TensorProto::EXTERNAL)
        fail(what +
             ": expected the data inside the model file, got external data (not supported; save the model without "
             "external data)");
    Const c;
    c.dtype = t.data_type();
    // the element count, checked before anything is allocated (a product that wraps could pass as 0)
    size_t n = 1;
    bool huge = false;
    for (int64_t d : t.dims()) {
        if (d < 0) fail(what + ": expected non-negative dimensions, got " + list({t.dims().begin(), t.dims().end()}));
        c.dims.push_back(d);
        huge = huge || (d > 0 && n > kMaxConstElements / static_cast<size_t>(d));
        n *= static_cast<size_t>(d);
    }
    if (huge || n > kMaxConstElements)
        fail(what + ": expected at most " + std::to_string(kMaxConstElements) + " elements, got shape " + list(c.dims) +
             " (its element count overflows or exceeds the limit)");
    const std::string& raw = t.raw_data();
    const bool has_raw = t.has_raw_data();
    auto from_raw = [&](auto tag) {
        using T = decltype(tag);
        if (raw.size() != n * sizeof(T))
            fail(what + ": expected " + std::to_string(n * sizeof(T)) + " bytes of " + dtype_name(c.dtype) +
                 " data for shape " + list(c.dims) + ", got " + std::to_string(raw.size()));
        c.v.resize(n);
        for (size_t i = 0; i < n; ++i) {
            T x;
            std::memcpy(&x, raw.data() + i * sizeof(T), sizeof(T));  // little-endian, as stored
            c.v[i] = static_cast<double>(x);
        }
    };
    auto from_field = [&](const auto& field) { c.v.assign(field.begin(), field.end()); };
    switch (c.dtype) {
        case TensorProto::FLOAT:
            has_raw ? from_raw(float{}) : from_field(t.float_data());
            break;
        case TensorProto::DOUBLE:
            has_raw ? from_raw(double{}) : from_field(t.double_data());
            break;
        case TensorProto::INT8:
            has_raw ? from_raw(int8_t{}) : from_field(t.int32_data());
            break;
        case TensorProto::UINT8:
            has_raw ? from_raw(uint8_t{}) : from_field(t.int32_data());
            break;
        case TensorProto::INT16:
            has_raw ? from_raw(int16_t{}) : from_field(t.int32_data());
            break;
        case TensorProto::UINT16:
            has_raw ? from_raw(uint16_t{}) : from_field(t.int32_data());
            break;
        case TensorProto::INT32:
            has_raw ? from_raw(int32_t{}) : from_field(t.int32_data());
            break;
        case TensorProto::INT64:
            has_raw ? from_raw(int64_t{}) : from_field(t.int64_data());
            break;
        default:
            fail(what + ": expected a tensor of FLOAT, DOUBLE, INT8, UINT8, INT16, UINT16, INT32 or INT64, got " +
                 dtype_name(c.dtype) + " (unsupported data type)");
    }
    if (c.v.size() != n)
        fail(what + ": expected " + std::to_string(n) + " values for shape " + list(c.dims) + ", got " +
             std::to_string(c.v.size()));
    for (double x : c.v)
        if (!std::isfinite(x)) fail(what + ": expected finite values, got " + num(x));
    return c;
}

// A QLinear node's weight: its codes, scale and zero point (inputs 3, 4, 5; `w` names them as
// the operator does: w for QLinearConv, b for QLinearMatMul), quantized along `axis`.
DqConst Importer::qlinear_weight(const NodeProto& n, const std::string& w, int axis) const {
    DqConst d;
    d.code = need_const(n, 3, "weight " + w);
    d.scale = need_const(n, 4, w + "_scale");
    if (has_input(n, 5)) d.zp = need_const(n, 5, w + "_zero_point");
    d.axis = axis;
    if (!d.zp.v.empty() && d.zp.dtype != d.code.dtype)
        fail_node(n, "expected " + w + "_zero_point of " + w + "'s type " + dtype_name(d.code.dtype) + ", got " +
                         dtype_name(d.zp.dtype));
    if (d.scale.dtype != kFloat) fail_node(n, "expected " + w + "_scale as FLOAT, got " + dtype_name(d.scale.dtype));
    return d;
}

const Const& Importer::need_const(const NodeProto& n, int i, const std::string& role) const {
    if (!has_input(n, i)) fail_node(n, "expected input " + std::to_string(i) + " (" + role + ")");
    const std::string& name = n.input(i);
    const Const* c = lookup(n, name);
    if (!c) {
        if (dqs_.count(name))
            fail_node(n, "expected " + role + " '" + name + "' as a plain initializer, got a DequantizeLinear output");
        fail_node(n, "expected " + role + " '" + name +
                         "' as an initializer of the graph (or a Constant); the model has none of that name");
    }
    return *c;
}

double Importer::scale_input(const NodeProto& n, int i, const std::string& role) const {
    const Const& c = need_const(n, i, role);
    if (c.dtype != kFloat && c.dtype != kDouble)
        fail_node(n, "expected " + role + " as FLOAT, got " + dtype_name(c.dtype));
    if (c.v.size() != 1)
        fail_node(n, "expected " + role + " to be one value (per-tensor), got " + std::to_string(c.v.size()));
    if (!(c.v[0] > 0)) fail_node(n, "expected " + role + " > 0, got " + num(c.v[0]));
    return c.v[0];
}

Format Importer::int_format(const NodeProto& n, int dtype, const std::string& role) const {
    if (dtype == kUint8) return Format{8, false};
    if (dtype == kInt8) return Format{8, true};
    fail_node(n, "expected " + role + " of type UINT8 or INT8, got " + dtype_name(dtype) + " (unsupported data type)");
}

Format Importer::zero_point_input(const NodeProto& n, int i, const std::string& role, int dflt_dtype) const {
    if (!has_input(n, i)) return int_format(n, dflt_dtype, role);
    const Const& c = need_const(n, i, role);
    Format f = int_format(n, c.dtype, role);
    if (c.v.size() != 1)
        fail_node(n, "expected " + role + " to be one value (per-tensor), got " + std::to_string(c.v.size()));
    f.zero_point = static_cast<int32_t>(c.v[0]);
    return f;
}

// Constant: its `value` tensor.
void Importer::constant_node(const NodeProto& n) {
    const auto* a = attr(n, "value");
    if (!a || a->type() != onnx::AttributeProto::TENSOR)
        fail_node(n, "expected a 'value' tensor attribute (value_float, value_ints, ... are not supported)");
    consts_[n.output(0)] = read_tensor(a->t(), desc(n) + ": value");
}

// A node whose inputs are all constants: DequantizeLinear (kept as codes and scales),
// QuantizeLinear (folded to codes) or Identity.
void Importer::fold_const_node(const NodeProto& n) {
    const std::string& op = n.op_type();
    if (n.output_size() < 1) fail_node(n, "expected an output");
    const std::string& out = n.output(0);
    if (op == "Identity" || op == "Dropout") {
        if (!has_input(n, 0)) fail_node(n, "expected an input");
        if (const Const* c = lookup(n, n.input(0)))
            consts_[out] = *c;
        else
            dqs_[out] = dqs_.at(n.input(0));
        return;
    }
    if (op == "DequantizeLinear") {
        DqConst d;
        d.code = need_const(n, 0, "x");
        d.scale = need_const(n, 1, "x_scale");
        if (has_input(n, 2)) d.zp = need_const(n, 2, "x_zero_point");
        const int rank = static_cast<int>(d.code.dims.size());
        d.axis = static_cast<int>(attr_int(n, "axis", 1));
        if (d.axis < 0) d.axis += rank;
        if (d.scale.dtype != kFloat) fail_node(n, "expected x_scale as FLOAT, got " + dtype_name(d.scale.dtype));
        if (d.scale.v.size() > 1 &&
            (d.axis < 0 || d.axis >= rank ||
             d.code.dims[static_cast<size_t>(d.axis)] != static_cast<int64_t>(d.scale.v.size())))
            fail_node(n, "expected one scale per index of axis " + std::to_string(d.axis) + " of x " +
                             list(d.code.dims) + ", got " + std::to_string(d.scale.v.size()));
        if (!d.zp.v.empty() && d.zp.v.size() != d.scale.v.size())
            fail_node(n, "expected as many zero points as scales (" + std::to_string(d.scale.v.size()) + "), got " +
                             std::to_string(d.zp.v.size()));
        if (!d.zp.v.empty() && d.zp.dtype != d.code.dtype)
            fail_node(
                n, "expected x_zero_point of x's type " + dtype_name(d.code.dtype) + ", got " + dtype_name(d.zp.dtype));
        for (double s : d.scale.v)
            if (!(s > 0)) fail_node(n, "expected scales > 0, got " + num(s));
        dqs_[out] = std::move(d);
        return;
    }
    if (op == "QuantizeLinear") {  // real weights quantized in the graph: fold, rounding half to even as ONNX does
        const Const& x = need_const(n, 0, "x");
        const Const& s = need_const(n, 1, "y_scale");
        const Format f = zero_point_input(n, 2, "y_zero_point", kUint8);  // per-tensor zero point (checked below)
        const int rank = static_cast<int>(x.dims.size());
        int axis = static_cast<int>(attr_int(n, "axis", 1));
        if (axis < 0) axis += rank;
        if (s.v.size() > 1 &&
            (axis < 0 || axis >= rank || x.dims[static_cast<size_t>(axis)] != static_cast<int64_t>(s.v.size())))
            fail_node(n, "expected one scale per index of axis " + std::to_string(axis) + " of x, got " +
                             std::to_string(s.v.size()));
        Const q;
        q.dtype = has_input(n, 2) ? lookup(n, n.input(2))->dtype : kUint8;
        q.dims = x.dims;
        q.v.resize(x.v.size());
        size_t inner = 1;
        for (int k = axis + 1; k < rank; ++k) inner *= static_cast<size_t>(x.dims[static_cast<size_t>(k)]);
        const double lo = f.is_signed ? -128 : 0, hi = f.is_signed ? 127 : 255;
        for (size_t i = 0; i < x.v.size(); ++i) {
            const double sc = s.v.size() > 1 ? s.v[(i / inner) % s.v.size()] : s.v[0];
            if (!(sc > 0)) fail_node(n, "expected y_scale > 0, got " + num(sc));
            q.v[i] = std::clamp(std::nearbyint(x.v[i] / sc) + f.zero_point, lo, hi);
        }
        consts_[out] = std::move(q);
        return;
    }
    fail_node(n, "expected a constant-folded model: " + n.op_type() +
                     " on constants is not evaluated (fold it first, e.g. with onnxsim or onnxruntime's optimizer)");
}

// The graph's one data input (those not also initializers): its type and shape.
void Importer::data_input(const onnx::GraphProto& g) {
    std::set<std::string> inits;
    for (const auto& t : g.initializer()) inits.insert(t.name());
    std::vector<const onnx::ValueInfoProto*> ins;
    for (const auto& v : g.input())
        if (!inits.count(v.name())) ins.push_back(&v);
    if (ins.empty()) fail("expected one data input (graph inputs that are not initializers), got 0");
    for (size_t k = 1; k < ins.size(); ++k) side_input(*ins[k]);  // checked once read: check_side_inputs_used
    const onnx::ValueInfoProto& in = *ins[0];
    const std::string what = "input '" + in.name() + "'";
    if (!in.type().has_tensor_type()) fail(what + ": expected a tensor");
    const auto& tt = in.type().tensor_type();
    act_.name = in.name();
    if (tt.elem_type() == kFloat) {
        act_.kind = Act::Kind::Float;
        act_.fmt = Format{8, true};
        act_.scale = assumed_scale(act_.fmt);
        act_.known = true;
    } else if (tt.elem_type() == kUint8 || tt.elem_type() == kInt8) {
        act_.kind = Act::Kind::Int;
        act_.fmt = Format{8, tt.elem_type() == kInt8};
        act_.known = false;
    } else {
        fail(what + ": expected FLOAT, UINT8 or INT8 data, got " + dtype_name(tt.elem_type()) +
             " (unsupported data type)");
    }
    if (!tt.has_shape()) fail(what + ": expected a shape [N, C, H, W] or [N, K], the input has none (dynamic shape)");
    const int rank = tt.shape().dim_size();
    if (rank < 2 || rank > 4)
        fail(what + ": expected a shape [N, C, H, W], [N, L, K] or [N, K], got " + std::to_string(rank) +
             " dimensions");
    std::vector<int> dims;
    for (int k = 0; k < rank; ++k) {
        const auto& d = tt.shape().dim(k);
        if (d.has_dim_value() && d.dim_value() >= 1 && d.dim_value() <= (k == 0 ? 4096 : 1 << 20)) {
            dims.push_back(static_cast<int>(d.dim_value()));
            continue;
        }
        if (k == 0 && !d.has_dim_value()) {  // a symbolic (or unnamed) batch
            dims.push_back(1);
            net_.notes.push_back(what + ": symbolic batch dimension" +
                                 (d.dim_param().empty() ? "" : " '" + d.dim_param() + "'") +
                                 " taken as 1 (--batch sets it)");
            continue;
        }
        const std::string got = d.has_dim_value()   ? std::to_string(d.dim_value())
                                : d.has_dim_param() ? "symbolic '" + d.dim_param() + "' (dynamic shape)"
                                                    : "no size (dynamic shape)";
        fail(what + ": expected a static size in [1, " + std::to_string(k == 0 ? 4096 : 1 << 20) + "] for dimension " +
             std::to_string(k) + " of " +
             (rank == 4   ? "[N, C, H, W]"
              : rank == 3 ? "[N, L, K]"
                          : "[N, K]") +
             ", got " + got);
    }
    batch_ = dims[0];
    act_.C = dims[1];
    if (rank == 4) {
        act_.H = dims[2];
        act_.W = dims[3];
    } else if (rank == 3) {  // a sequence: L rows of K features
        act_.seq = true;
        act_.H = dims[1];
        act_.C = dims[2];
    } else {
        act_.flat = true;
    }
}

std::string Importer::layer_name(const NodeProto& n) {
    std::string base = n.name().empty() ? n.op_type() + "_" + std::to_string(index_) : n.name();
    std::string name = base;
    for (int k = 1; names_.count(name); ++k) name = base + "_" + std::to_string(k);
    names_.insert(name);
    return name;
}

Layer Importer::new_layer(const NodeProto& n, LayerType type) {
    if (!ended_by_.empty())
        fail_node(n, "expected nothing after the final " + ended_by_ +
                         " but Identity, Dropout, QuantizeLinear and DequantizeLinear");
    Layer l;
    l.name = layer_name(n);
    l.type = type;
    l.shape.N = batch_;
    if (!l.on_host()) {
        // synthetic ifmaps, seeded per layer as a YAML workload's are
        l.ifmap_data.seed = 1 + 1000003ULL * static_cast<uint64_t>(mac_index_);
        l.filter_data.file = path_;
    }
    return l;
}

// Codes and scales of a DequantizeLinear (or QLinear*) weight, reordered to [M][rest] when the
// output channels are axis 1 of a 2-D [K, M] tensor.
Weights Importer::weights_dq(const NodeProto& n, const DqConst& d, int m_axis, const std::string& role) const {
    Weights w;
    const Format f = int_format(n, d.code.dtype, role);
    w.is_signed = f.is_signed;
    const size_t rank = d.code.dims.size();
    if (static_cast<size_t>(m_axis) >= rank)
        fail_node(n, "expected " + role + " with an output-channel axis " + std::to_string(m_axis) + ", got shape " +
                         list(d.code.dims));
    const int64_t M = d.code.dims[static_cast<size_t>(m_axis)];
    if (d.scale.v.size() != 1 && (d.scale.v.size() != static_cast<size_t>(M) || d.axis != m_axis))
        fail_node(n, "expected the scale of " + role + " per tensor or per output channel (" + std::to_string(M) +
                         " values along axis " + std::to_string(m_axis) + "), got " + std::to_string(d.scale.v.size()) +
                         " values along axis " + std::to_string(d.axis));
    for (double z : d.zp.v)
        if (z != 0)
            fail_node(
                n, "expected a zero point of 0 for " + role + ", got " + num(z) +
                       ": dfsim's PEs multiply centred operands, and a weight zero point would need a correction term "
                       "(sum of the ifmap window x zero point) that they do not compute; quantize the weights "
                       "symmetrically");
    for (double s : d.scale.v)
        if (!(s > 0)) fail_node(n, "expected scales of " + role + " > 0, got " + num(s));
    w.scale.assign(static_cast<size_t>(M), d.scale.v[0]);
    if (d.scale.v.size() > 1) w.scale = d.scale.v;
    w.codes.resize(d.code.v.size());
    if (m_axis == 0) {
        for (size_t i = 0; i < d.code.v.size(); ++i) w.codes[i] = static_cast<int32_t>(d.code.v[i]);
    } else {  // [K, M] -> [M, K]
        DFSIM_ASSERT(rank == 2 && m_axis == 1, "weights with output channels on axis 1 are 2-D");
        const size_t K = static_cast<size_t>(d.code.dims[0]);
        for (size_t k = 0; k < K; ++k)
            for (size_t m = 0; m < static_cast<size_t>(M); ++m)
                w.codes[m * K + k] = static_cast<int32_t>(d.code.v[k * static_cast<size_t>(M) + m]);
    }
    return w;
}

// Float weights: quantized per output channel, symmetric int8.
Weights Importer::weights_float(const NodeProto& n, const Const& c, int m_axis, const std::string& role) const {
    if (c.dtype != kFloat && c.dtype != kDouble)
        fail_node(n, "expected " + role + " as FLOAT (or a DequantizeLinear of integers), got " + dtype_name(c.dtype));
    if (static_cast<size_t>(m_axis) >= c.dims.size() || c.dims[static_cast<size_t>(m_axis)] > (1 << 20))
        fail_node(n, "expected " + role + " with 1..1048576 output channels on axis " + std::to_string(m_axis) +
                         ", got shape " + list(c.dims));
    const int M = static_cast<int>(c.dims[static_cast<size_t>(m_axis)]);
    const int rest = static_cast<int>(c.v.size() / static_cast<size_t>(std::max(M, 1)));
    FloatTensor x(M, rest, 1, 1);
    for (int m = 0; m < M; ++m)
        for (int k = 0; k < rest; ++k)
            x.at(m, k, 0, 0) = static_cast<float>(m_axis == 0 ? c.v[static_cast<size_t>(m) * rest + k]
                                                              : c.v[static_cast<size_t>(k) * M + m]);
    QuantSpec spec;
    spec.bits = 8;
    spec.per_channel = true;
    Quantized q;
    try {
        q = quantize(x, spec);
    } catch (const std::invalid_argument& e) {
        fail_node(n, "cannot quantize " + role + ": " + e.what());
    }
    Weights w;
    w.codes = std::move(q.values.data);
    w.scale = std::move(q.scale);
    w.is_signed = true;
    return w;
}

Weights Importer::weights_input(const NodeProto& n, int i, int m_axis, const std::string& role) const {
    if (!has_input(n, i)) fail_node(n, "expected input " + std::to_string(i) + " (" + role + ")");
    const std::string& name = n.input(i);
    if (auto it = dqs_.find(name); it != dqs_.end()) return weights_dq(n, it->second, m_axis, role + " '" + name + "'");
    if (const Const* c = lookup(n, name)) return weights_float(n, *c, m_axis, role + " '" + name + "'");
    fail_node(n, "expected " + role + " '" + name +
                     "' as an initializer of the graph (or a DequantizeLinear of one); the model has no initializer or "
                     "constant of that name");
}

// Bias per output channel, as int32 in units of x_scale * w_scale[m] (zero point 0).
std::vector<int32_t> Importer::bias_input(const NodeProto& n, int i, int M, bool int32_only, double x_scale,
                                          const std::vector<double>& w_scale) const {
    if (!has_input(n, i)) return {};
    const std::string& name = n.input(i);
    const std::string role = "bias '" + name + "'";
    std::vector<double> real, step(static_cast<size_t>(M));
    std::vector<int32_t> out(static_cast<size_t>(M));
    for (int m = 0; m < M; ++m) step[static_cast<size_t>(m)] = x_scale * w_scale[static_cast<size_t>(m)];
    auto expand = [&](const std::vector<double>& v) {
        if (v.size() == static_cast<size_t>(M)) return v;
        if (v.size() == 1) return std::vector<double>(static_cast<size_t>(M), v[0]);
        fail_node(n, "expected " + role + " to have " + std::to_string(M) + " values (one per output channel), got " +
                         std::to_string(v.size()));
    };
    auto to_int = [&](double v, int m) {
        if (std::abs(v) > 2147483647.0)
            fail_node(n, "expected " + role + " to fit int32 in units of x_scale * w_scale, got " + num(v) +
                             " for channel " + std::to_string(m));
        return static_cast<int32_t>(v);
    };
    if (const Const* cp = lookup(n, name)) {
        const Const& c = *cp;
        if (int32_only) {
            if (c.dtype != kInt32) fail_node(n, "expected " + role + " as INT32, got " + dtype_name(c.dtype));
            real = expand(c.v);
            for (int m = 0; m < M; ++m) out[static_cast<size_t>(m)] = to_int(real[static_cast<size_t>(m)], m);
            return out;
        }
        if (c.dtype != kFloat && c.dtype != kDouble)
            fail_node(n, "expected " + role + " as FLOAT (or a DequantizeLinear of INT32), got " + dtype_name(c.dtype));
        real = expand(c.v);
    } else if (auto jt = dqs_.find(name); jt != dqs_.end() && !int32_only) {
        const DqConst& d = jt->second;
        const std::vector<double> code = expand(d.code.v), sc = expand(d.scale.v);
        const std::vector<double> zp =
            d.zp.v.empty() ? std::vector<double>(static_cast<size_t>(M), 0.0) : expand(d.zp.v);
        real.resize(static_cast<size_t>(M));
        bool same = true;  // already in units of x_scale * w_scale (as quantizers write it): the codes as they are
        for (size_t m = 0; m < static_cast<size_t>(M); ++m) {
            real[m] = sc[m] * (code[m] - zp[m]);
            same = same && zp[m] == 0 && std::abs(sc[m] - step[m]) <= 1e-6 * step[m];
        }
        if (same) {
            for (int m = 0; m < M; ++m) out[static_cast<size_t>(m)] = to_int(code[static_cast<size_t>(m)], m);
            return out;
        }
    } else {
        fail_node(n, "expected " + role + " as an initializer of the graph" +
                         std::string(int32_only ? "" : " (or a DequantizeLinear of one)") +
                         "; the model has none of that name");
    }
    // as ONNX Runtime's quantizer does: round(b / (x_scale * w_scale)), half to even
    for (int m = 0; m < M; ++m)
        out[static_cast<size_t>(m)] =
            to_int(std::nearbyint(real[static_cast<size_t>(m)] / step[static_cast<size_t>(m)]), m);
    return out;
}

// A real bias as int32 in units of x_scale * w_scale[m], rounded half to even (as bias_input).
std::vector<int32_t> Importer::quantize_bias(const NodeProto& n, const std::vector<double>& real, double x_scale,
                                             const std::vector<double>& w_scale) const {
    std::vector<int32_t> out(real.size());
    for (size_t m = 0; m < real.size(); ++m) {
        const double v = std::nearbyint(real[m] / (x_scale * w_scale[m]));
        if (!(std::abs(v) <= 2147483647.0))
            fail_node(n, "expected the bias to fit int32 in units of x_scale * w_scale, got " + num(v) +
                             " for channel " + std::to_string(m));
        out[m] = static_cast<int32_t>(v);
    }
    return out;
}

// Exact requantization: real multiplier x_scale * w_scale[m] / y_scale per output channel.
void Importer::set_requant(const NodeProto& n, Layer& l, double y_scale, const Format& out) const {
    Requant& rq = l.requant;
    if (rq.clip > 0 && y_scale * static_cast<double>(out.max()) > rq.clip * (1 + 1e-6))
        fail_node(n, "expected the output format's top (" + num(y_scale * static_cast<double>(out.max())) +
                         ") at or below the Clip's max " + num(rq.clip) +
                         " before it: a clip inside the quantized range is not expressible as dfsim's requantization");
    rq.enabled = true;
    rq.calibrate = false;
    rq.from_model = true;  // a chained run keeps the model's scales
    rq.out = out;
    rq.multipliers.clear();
    rq.shifts.clear();
    const int M = l.shape.M;
    std::vector<int32_t> mul(static_cast<size_t>(M));
    std::vector<int> sh(static_cast<size_t>(M));
    for (int m = 0; m < M; ++m) {
        const double real = l.ifmap_scale * l.filter_scale[static_cast<size_t>(m)] / y_scale;
        auto [mu, s] = fixed_multiplier(real);
        const double got = std::ldexp(static_cast<double>(mu), -s);
        if (!(std::abs(got - real) <= 1e-6 * real))
            fail_node(n,
                      "expected a requantization scale x_scale * w_scale / y_scale in [2^-32, 2^31) (a 31-bit "
                      "multiplier and a shift of "
                      "0..62), got " +
                          num(real) + " for channel " + std::to_string(m));
        mul[static_cast<size_t>(m)] = mu;
        sh[static_cast<size_t>(m)] = s;
    }
    rq.multiplier = mul[0];
    rq.shift = sh[0];
    const bool scalar = std::all_of(mul.begin(), mul.end(), [&](int32_t v) { return v == mul[0]; }) &&
                        std::all_of(sh.begin(), sh.end(), [&](int v) { return v == sh[0]; });
    if (!scalar) rq.multipliers = std::move(mul), rq.shifts = std::move(sh);
}

// A layer's float output is used by a node that does not quantize it: its output scale is
// calibrated on the data when it runs, into int8 (uint8 after a ReLU).
void Importer::settle() { settle(act_); }

// As settle() for any tensor; one whose layer another reader settled already only takes that.
void Importer::settle(Act& a) {
    if (a.pending < 0) return;
    Layer& l = net_.layers[static_cast<size_t>(a.pending)];
    Requant& rq = l.requant;
    if (!rq.enabled) {
        rq.enabled = true;
        rq.calibrate = true;
        rq.out = Format{8, !rq.relu};
        calibrated_.push_back(l.name);
    }
    a.fmt = rq.out;
    a.scale = assumed_scale(rq.out);
    a.known = true;
    a.kind = Act::Kind::Float;
    a.pending = -1;
}

// The tensor `name` an earlier node made, as it is now (its layer's output settled by another
// reader since, if it was).
Act Importer::current(const std::string& name) {
    Act a = tensors_.at(name);
    if (a.pending >= 0 && net_.layers[static_cast<size_t>(a.pending)].requant.enabled) settle(a);
    return a;
}

void Importer::check_spatial(const NodeProto& n, int R, int S, int U, int P, const std::string& what) const {
    if (R < 1 || S < 1 || R > 64 || S > 64)
        fail_node(n, "expected a " + what + " of 1..64 x 1..64, got " + std::to_string(R) + "x" + std::to_string(S));
    if (U < 1 || U > 64) fail_node(n, "expected a stride in 1..64, got " + std::to_string(U));
    if (P > 64) fail_node(n, "expected a padding in 0..64, got " + std::to_string(P));
    if (R > act_.H + 2 * P || S > act_.W + 2 * P)
        fail_node(n, "expected a " + what + " " + std::to_string(R) + "x" + std::to_string(S) +
                         " within the padded input " + std::to_string(act_.H + 2 * P) + "x" +
                         std::to_string(act_.W + 2 * P));
}

// strides, pads (symmetric), auto_pad, dilations (1) of a Conv or pool over an R x S window.
void Importer::spatial_attrs(const NodeProto& n, int R, int S, int& U, int& P, bool pool) const {
    std::vector<int64_t> strides = attr_ints(n, "strides");
    if (strides.empty()) strides = {1, 1};
    if (strides.size() != 2 || strides[0] != strides[1])
        fail_node(n, "expected one stride for both axes (dfsim has one stride U), got strides " + list(strides));
    U = static_cast<int>(std::clamp<int64_t>(strides[0], 0, 1000));  // check_spatial says what it must be
    const std::vector<int64_t> dil = attr_ints(n, "dilations");
    for (int64_t d : dil)
        if (d != 1)
            fail_node(n, "expected dilations of 1 (dfsim has no dilated convolution), got dilations " + list(dil));
    const std::string auto_pad = attr_string(n, "auto_pad", "NOTSET");
    std::vector<int64_t> pads = attr_ints(n, "pads");
    if (auto_pad == "VALID") {
        pads = {0, 0, 0, 0};
    } else if (auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
        // output size ceil(in / U); total padding split in two (the odd one at the end / start)
        auto total = [&](int in, int k) { return std::max(0, ((in + U - 1) / U - 1) * U + k - in); };
        const int th = total(act_.H, R), tw = total(act_.W, S);
        if (th % 2 || tw % 2 || th != tw)
            fail_node(n, "expected auto_pad " + auto_pad +
                             " to pad all four sides equally (dfsim has one padding P), got " + std::to_string(th) +
                             " rows and " + std::to_string(tw) + " columns in total");
        pads = {th / 2, tw / 2, th / 2, tw / 2};
    } else if (auto_pad != "NOTSET") {
        fail_node(n, "expected auto_pad NOTSET, VALID, SAME_UPPER or SAME_LOWER, got '" + auto_pad + "'");
    }
    if (pads.empty()) pads = {0, 0, 0, 0};
    if (pads.size() != 4 || std::any_of(pads.begin(), pads.end(), [&](int64_t p) { return p != pads[0]; }))
        fail_node(
            n,
            "expected symmetric pads, the same on all four sides (dfsim has one padding P for all sides), got pads " +
                list(pads));
    if (pads[0] < 0) fail_node(n, "expected pads >= 0, got pads " + list(pads));
    P = static_cast<int>(std::min<int64_t>(pads[0], 1000));
    if (pool) {
        if (attr_int(n, "ceil_mode", 0) != 0) fail_node(n, "expected ceil_mode 0 (dfsim's output size rounds down)");
        if (attr_int(n, "count_include_pad", 0) != 0)
            fail_node(n, "expected count_include_pad 0 (dfsim's average divides by the elements inside the image)");
        if (attr_int(n, "storage_order", 0) != 0) fail_node(n, "expected storage_order 0");
        if (2 * P > std::min(R, S))
            fail_node(n, "expected a padding of at most half the pooling window (" +
                             std::to_string(std::min(R, S) / 2) + "), got " + std::to_string(P));
    }
}

// The ifmap format and scale of a layer reading the chain's tensor.
void Importer::layer_input(const NodeProto& n, bool qlinear, Format& ifmap, double& x_scale) {
    if (qlinear) {
        if (act_.kind != Act::Kind::Int)
            fail_node(n, "expected an integer (UINT8/INT8) input '" + act_.name +
                             "', got a float tensor (QuantizeLinear it first)");
        x_scale = scale_input(n, 1, "x_scale");
        ifmap = zero_point_input(n, 2, "x_zero_point", act_.fmt.is_signed ? kInt8 : kUint8);
        if (ifmap.is_signed != act_.fmt.is_signed)
            fail_node(n, "expected x_zero_point of the input's type (" +
                             std::string(act_.fmt.is_signed ? "INT8" : "UINT8") + ")");
        if (act_.known && ifmap.zero_point != act_.fmt.zero_point)
            fail_node(n, "expected x_zero_point " + std::to_string(act_.fmt.zero_point) + ", the zero point '" +
                             act_.name + "' was written with, got " + std::to_string(ifmap.zero_point) +
                             " (dfsim cannot shift zero points between layers)");
        return;
    }
    settle();
    if (act_.kind == Act::Kind::Int)
        fail_node(n, "expected a float input, got the integer tensor '" + act_.name + "' (DequantizeLinear it first)");
    ifmap = act_.fmt;
    x_scale = act_.scale;
}

void Importer::conv(const NodeProto& n, bool qlinear) {
    if (act_.flat) fail_node(n, "expected a 4-D input [N, C, H, W], got the flattened tensor '" + act_.name + "'");
    Format ifmap;
    double x_scale = 0;
    layer_input(n, qlinear, ifmap, x_scale);
    const int wi = qlinear ? 3 : 1;
    const std::string wname = has_input(n, wi) ? n.input(wi) : "";
    Weights w;
    std::vector<int64_t> wd;
    std::vector<double> bias_real;  // a float layer's real bias (BatchNormalization folded in)
    if (qlinear) {
        const DqConst d = qlinear_weight(n, "w", 0);
        if (d.code.dims.size() != 4)
            fail_node(n, "expected the weight '" + wname + "' to be 4-D [M, C/group, R, S], got " + list(d.code.dims));
        wd = d.code.dims;
        w = weights_dq(n, d, 0, "weight '" + wname + "'");
    } else {
        if (!has_input(n, 1)) fail_node(n, "expected input 1 (weight)");
        const std::string& name = n.input(1);
        bool found = true;
        if (auto it = dqs_.find(name); it != dqs_.end())
            wd = it->second.code.dims;
        else if (const Const* c = lookup(n, name))
            wd = c->dims;
        else
            found = false;  // weights_input says what is missing
        if (found && wd.size() != 4)
            fail_node(n, "expected the weight '" + name + "' to be 4-D [M, C/group, R, S], got " + list(wd));
        const int bn = dqs_.count(name) ? -1 : bn_after(n);
        if (bn >= 0 && found) {  // BatchNormalization folded into the float weights and bias, then quantized
            Const folded = *lookup(n, name);
            bias_real = real_bias(n, 2, static_cast<int>(wd[0]));
            fold_bn(graph_->node(bn), folded, bias_real);
            w = weights_float(n, folded, 0, "weight '" + name + "' (BatchNormalization folded in)");
            folded_.insert(bn);
        } else {
            w = weights_input(n, 1, 0, "weight");
            if (!dqs_.count(name) && has_input(n, 2) && lookup(n, n.input(2)) &&
                (lookup(n, n.input(2))->dtype == kFloat || lookup(n, n.input(2))->dtype == kDouble))
                bias_real = real_bias(n, 2, static_cast<int>(wd[0]));
        }
    }
    const int64_t G = attr_int(n, "group", 1);
    const int64_t M = wd[0], Cg = wd[1], R = wd[2], S = wd[3];
    if (G < 1 || act_.C % G != 0 || M % G != 0 || Cg * G != act_.C)
        fail_node(n, "expected group (" + std::to_string(G) + ") to divide C (" + std::to_string(act_.C) + ") and M (" +
                         std::to_string(M) + ") with weight shape [M, C/group, R, S], got " + list(wd));
    if (M < 1 || M > (1 << 20)) fail_node(n, "expected 1..1048576 output channels, got " + std::to_string(M));
    const std::vector<int64_t> ks = attr_ints(n, "kernel_shape");
    if (!ks.empty() && ks != std::vector<int64_t>{R, S})
        fail_node(n, "expected kernel_shape " + list({R, S}) + " (the weight's), got " + list(ks));
    int U = 1, P = 0;
    const int r = static_cast<int>(std::clamp<int64_t>(R, 0, 1000)),
              c = static_cast<int>(std::clamp<int64_t>(S, 0, 1000));  // check_spatial refuses what is clamped
    spatial_attrs(n, r, c, U, P, false);
    check_spatial(n, r, c, U, P, "kernel");

    Layer l = new_layer(n, LayerType::Conv);
    LayerShape& s = l.shape;
    s.C = act_.C, s.H = act_.H, s.W = act_.W, s.M = static_cast<int>(M), s.R = static_cast<int>(R),
    s.S = static_cast<int>(S);
    s.U = U, s.P = P, s.G = static_cast<int>(G);
    l.ifmap = ifmap;
    l.ifmap_scale = x_scale;
    l.filter = Format{8, w.is_signed};
    l.filter_scale = w.scale;
    auto t = std::make_shared<Tensor4>(s.M, s.Cg(), s.R, s.S);
    t->data = std::move(w.codes);
    l.filter_data.values = std::move(t);
    if (bias_real.empty()) {
        l.bias = bias_input(n, qlinear ? 8 : 2, s.M, qlinear, x_scale, l.filter_scale);
    } else {
        l.bias = quantize_bias(n, bias_real, x_scale, l.filter_scale);
        l.bias_real = std::move(bias_real);
    }
    emit_layer(n, std::move(l), qlinear, false);
}

// Gemm, MatMul, QLinearMatMul: an fc layer over the flattened C x H x W input.
void Importer::fc(const NodeProto& n) {
    const std::string& op = n.op_type();
    const bool qlinear = op == "QLinearMatMul";
    if (!act_.flat)
        fail_node(n, "expected a 2-D input [N, K] (a Flatten or Reshape before " + op + "), got the 4-D tensor '" +
                         act_.name + "'");
    Format ifmap;
    double x_scale = 0;
    layer_input(n, qlinear, ifmap, x_scale);
    const int64_t K = static_cast<int64_t>(act_.C) * act_.H * act_.W;
    bool transB = false;
    if (op == "Gemm") {
        if (attr_int(n, "transA", 0) != 0) fail_node(n, "expected transA 0");
        if (attr_float(n, "alpha", 1.0) != 1.0)
            fail_node(n, "expected alpha 1, got " + num(attr_float(n, "alpha", 1.0)));
        if (has_input(n, 2) && attr_float(n, "beta", 1.0) != 1.0)
            fail_node(n, "expected beta 1, got " + num(attr_float(n, "beta", 1.0)));
        transB = attr_int(n, "transB", 0) != 0;
    }
    const int wi = qlinear ? 3 : 1;
    if (!has_input(n, wi)) fail_node(n, "expected input " + std::to_string(wi) + " (weight B)");
    const std::string& bname = n.input(wi);
    std::vector<int64_t> bd;
    bool found = true;
    if (auto it = dqs_.find(bname); it != dqs_.end())
        bd = it->second.code.dims;
    else if (const Const* c = lookup(n, bname))
        bd = c->dims;
    else if (qlinear)
        bd = need_const(n, wi, "weight b").dims;  // says what is missing, else gives the dims
    else
        found = false;  // weights_input says what is missing
    const int m_axis = transB ? 0 : 1;
    const int k_axis = 1 - m_axis;
    if (found && (bd.size() != 2 || bd[static_cast<size_t>(k_axis)] != K))
        fail_node(n, "expected the weight '" + bname + "' to be " +
                         (transB ? "[M, " + std::to_string(K) + "]" : "[" + std::to_string(K) + ", M]") +
                         " (K = " + std::to_string(K) + " input features), got " + list(bd));
    Weights w;
    if (qlinear) {
        w = weights_dq(n, qlinear_weight(n, "b", 1), 1, "weight '" + bname + "'");
    } else {
        w = weights_input(n, wi, m_axis, "weight");
    }
    const int64_t M = bd[static_cast<size_t>(m_axis)];
    if (M < 1 || M > (1 << 20)) fail_node(n, "expected 1..1048576 output features, got " + std::to_string(M));

    Layer l = new_layer(n, LayerType::Fc);
    LayerShape& s = l.shape;
    s.C = act_.C, s.H = act_.H, s.W = act_.W, s.M = static_cast<int>(M), s.R = act_.H, s.S = act_.W;
    l.ifmap = ifmap;
    l.ifmap_scale = x_scale;
    l.filter = Format{8, w.is_signed};
    l.filter_scale = w.scale;
    auto t = std::make_shared<Tensor4>(s.M, s.C, s.R, s.S);  // [M][K] is [M][C][H][W]: K runs over (c, h, w)
    t->data = std::move(w.codes);
    l.filter_data.values = std::move(t);
    if (op == "Gemm") {
        l.bias = bias_input(n, 2, s.M, false, x_scale, l.filter_scale);
        const Const* b = has_input(n, 2) && !dqs_.count(bname) ? lookup(n, n.input(2)) : nullptr;
        if (b && (b->dtype == kFloat || b->dtype == kDouble)) l.bias_real = real_bias(n, 2, s.M);
    }
    emit_layer(n, std::move(l), qlinear, true);
}

// The activation a conv / fc layer built from node n leaves, then the layer itself: its output
// (C = M, E x F; flattened after an fc layer), integer with the model's scale for a QLinear node
// (inputs 6 and 7: y_scale, y_zero_point), else float, quantized where it is used (settle).
void Importer::emit_layer(const NodeProto& n, Layer l, bool qlinear, bool flat) {
    const int idx = static_cast<int>(net_.layers.size());
    act_.C = l.shape.M, act_.H = l.shape.E(), act_.W = l.shape.F();
    if (flat) act_.flat = true;
    act_.raw_input = false;
    act_.producer = idx;
    act_.exclusive = true;
    if (qlinear) {
        const double y_scale = scale_input(n, 6, "y_scale");
        const Format out = zero_point_input(n, 7, "y_zero_point", kUint8);
        set_requant(n, l, y_scale, out);
        act_.kind = Act::Kind::Int;
        act_.fmt = out;
        act_.scale = y_scale;
        act_.known = true;
        act_.pending = -1;
    } else {
        act_.kind = Act::Kind::Float;
        act_.pending = idx;
    }
    push(n, std::move(l));
}

void Importer::pool(const NodeProto& n) {
    const std::string& op = n.op_type();
    if (act_.flat) fail_node(n, "expected a 4-D input [N, C, H, W], got the flattened tensor '" + act_.name + "'");
    const bool global = op.rfind("Global", 0) == 0;
    const bool is_max = op.find("Max") != std::string::npos;
    // max commutes with the (monotonic) requantization and with ReLU, so a pending quantization
    // or a Relu may still follow a max pool; an average pool needs its input's scale now
    if (!is_max) settle();
    int R = act_.H, S = act_.W, U = 1, P = 0;
    if (!global) {
        const std::vector<int64_t> ks = attr_ints(n, "kernel_shape");
        if (ks.size() != 2) fail_node(n, "expected kernel_shape [R, S], got " + list(ks));
        R = static_cast<int>(std::clamp<int64_t>(ks[0], 0, 1000)),
        S = static_cast<int>(std::clamp<int64_t>(ks[1], 0, 1000));
        spatial_attrs(n, R, S, U, P, true);
    }
    check_spatial(n, R, S, U, P, "pooling window");
    Layer l = new_layer(n, LayerType::Pool);
    l.pool_op = is_max ? PoolOp::Max : PoolOp::Avg;
    LayerShape& s = l.shape;
    s.C = s.M = s.G = act_.C;
    s.H = act_.H, s.W = act_.W, s.R = R, s.S = S, s.U = U, s.P = P;
    act_.H = s.E(), act_.W = s.F();
    if (!is_max) act_.producer = -1;
    push(n, std::move(l));
}

void Importer::relu(const NodeProto& n) {
    if ((act_.pending >= 0 || act_.producer >= 0) && !act_.exclusive)
        fail_node(n, "expected to be the only reader of '" + act_.name + "' (it is folded into the requantization of " +
                         net_.layers[static_cast<size_t>(std::max(act_.pending, act_.producer))].name +
                         ", which another reader of that output would then see)");
    if (act_.pending >= 0) {  // a float layer's output: ReLU before its quantization
        net_.layers[static_cast<size_t>(act_.pending)].requant.relu = true;
        return;
    }
    if (act_.kind == Act::Kind::Int && act_.producer >= 0) {  // on a QLinear layer's codes, as ONNX defines it
        if (!act_.fmt.is_signed) return;  // uint8 codes are never below 0: max(code, 0) changes nothing
        if (act_.fmt.zero_point != 0)
            fail_node(n, "expected a zero point of 0 for a Relu on INT8 codes, got " +
                             std::to_string(act_.fmt.zero_point) +
                             " (Relu compares the codes with 0, which is the real 0 only without a zero point)");
        net_.layers[static_cast<size_t>(act_.producer)].requant.relu = true;
        return;
    }
    fail_node(
        n,
        "expected Relu directly after a Conv, Gemm, MatMul, QLinearConv or QLinearMatMul (max pools may be between): "
        "it is folded into that layer's requantization");
}

void Importer::quantize_linear(const NodeProto& n) {
    const double y_scale = scale_input(n, 1, "y_scale");
    const Format out = zero_point_input(n, 2, "y_zero_point", kUint8);
    if (act_.pending >= 0) {  // QDQ: the layer's output quantization
        Layer& l = net_.layers[static_cast<size_t>(act_.pending)];
        set_requant(n, l, y_scale, out);
        act_.producer = act_.pending;
        act_.pending = -1;
    } else if (act_.kind == Act::Kind::Float && act_.raw_input) {
        // the graph's float input, quantized: the first layer's ifmap format
    } else if (act_.kind == Act::Kind::Deq && out == act_.fmt && std::abs(y_scale - act_.scale) <= 1e-6 * act_.scale) {
        // DequantizeLinear then QuantizeLinear with the same parameters (around a pool): the same codes
    } else if (act_.kind == Act::Kind::Int) {
        fail_node(n, "expected a float input, got the integer tensor '" + act_.name + "'");
    } else {
        fail_node(n, "expected the scale and zero point the tensor '" + act_.name + "' already has" +
                         (act_.kind == Act::Kind::Deq
                              ? " (" + num(act_.scale) + ", " + std::to_string(act_.fmt.zero_point) + ")"
                              : std::string(" (a float layer's output, calibrated at run time)")) +
                         ", got " + num(y_scale) + ", " + std::to_string(out.zero_point) +
                         ": dfsim does not requantize between layers");
    }
    act_.kind = Act::Kind::Int;
    act_.fmt = out;
    act_.scale = y_scale;
    act_.known = true;
}

void Importer::dequantize_linear(const NodeProto& n) {
    if (act_.kind != Act::Kind::Int)
        fail_node(n, "expected an integer (UINT8/INT8) input, got the float tensor '" + act_.name + "'");
    const double scale = scale_input(n, 1, "x_scale");
    const Format f = zero_point_input(n, 2, "x_zero_point", act_.fmt.is_signed ? kInt8 : kUint8);
    if (f.is_signed != act_.fmt.is_signed)
        fail_node(n, "expected x_zero_point of the input's type (" +
                         std::string(act_.fmt.is_signed ? "INT8" : "UINT8") + ")");
    if (act_.known && f.zero_point != act_.fmt.zero_point)
        fail_node(n, "expected x_zero_point " + std::to_string(act_.fmt.zero_point) + ", the zero point '" + act_.name +
                         "' was written with, got " + std::to_string(f.zero_point));
    act_.kind = Act::Kind::Deq;
    act_.fmt = f;
    act_.scale = scale;
    act_.known = true;
}

// Flatten (axis 1) or Reshape to [N, C*H*W]: the input of an fc layer.
void Importer::reshape(const NodeProto& n) {
    const int64_t K = static_cast<int64_t>(act_.C) * act_.H * act_.W;
    if (n.op_type() == "Flatten") {
        const int64_t axis = attr_int(n, "axis", 1);
        if (axis != 1) fail_node(n, "expected axis 1 (flatten to [N, C*H*W]), got " + std::to_string(axis));
        act_.flat = true;
        return;
    }
    const Const& shape = need_const(n, 1, "shape");
    if (shape.dtype != kInt64) fail_node(n, "expected shape as INT64, got " + dtype_name(shape.dtype));
    std::vector<int64_t> to;  // sizes near 2^63 come back from double as 2^63: held at the int64 limits
    for (double v : shape.v) to.push_back(v >= 0x1p63 ? INT64_MAX : v < -0x1p63 ? INT64_MIN : static_cast<int64_t>(v));
    const std::vector<int64_t> given = to;
    const std::vector<int64_t> from =
        act_.flat ? std::vector<int64_t>{batch_, K} : std::vector<int64_t>{batch_, act_.C, act_.H, act_.W};
    int64_t total = 0;
    if (__builtin_mul_overflow(static_cast<int64_t>(batch_), K, &total))
        fail_node(n, "expected an input of fewer than 2^63 elements, got " + list(from));
    int64_t known = 1;
    bool overflow = false;  // a product of the target's sizes beyond int64: no shape dfsim takes
    int infer = -1;
    for (size_t k = 0; k < to.size(); ++k) {
        if (to[k] == 0 && k < from.size() && attr_int(n, "allowzero", 0) == 0) to[k] = from[k];
        if (to[k] == -1 && infer < 0)
            infer = static_cast<int>(k);
        else
            overflow = __builtin_mul_overflow(known, to[k], &known) || overflow;
    }
    if (!overflow && infer >= 0 && known > 0 && total % known == 0) to[static_cast<size_t>(infer)] = total / known;
    if (to == from) return;  // no change
    if (to.size() == 2 && to[0] == batch_ && to[1] == K) {
        act_.flat = true;
        return;
    }
    fail_node(n, "expected a reshape to [N, C*H*W] = " + list({batch_, K}) + " (a flatten before an FC layer), got " +
                     list(given) + " of input " + list(from));
}

// Clip(x, min, max): bounds as attributes (opset < 11) or constant inputs 1 and 2 (opset 11 on).
// min 0 is a ReLU folded into the layer before; a finite max (ReLU6: 6) caps its calibrated
// output range there (Requant::clip), or must be at or above the top of a model-given output
// format. No bounds: nothing. Other bounds are refused.
void Importer::clip(const NodeProto& n) {
    double lo = -INFINITY, hi = INFINITY;
    auto bound = [&](int i, const std::string& name, double& v) {
        if (attr(n, name)) v = attr_float(n, name, v);
        if (!has_input(n, i)) return;
        const Const& c = need_const(n, i, name);
        if (c.v.size() != 1) fail_node(n, "expected " + name + " to be one value, got " + std::to_string(c.v.size()));
        v = c.v[0];
    };
    bound(1, "min", lo);
    bound(2, "max", hi);
    if (lo == -INFINITY && hi == INFINITY) return;
    if (lo != 0 || !(hi > 0))
        fail_node(n, "expected min 0 and max > 0 (ReLU, ReLU6) or no bounds, got min " + num(lo) + ", max " + num(hi) +
                         ": dfsim's requantization clamps at 0 and at the output's top only");
    relu(n);
    if (hi == INFINITY) return;
    if (act_.pending >= 0) {
        Requant& rq = net_.layers[static_cast<size_t>(act_.pending)].requant;
        rq.clip = rq.clip > 0 ? std::min(rq.clip, hi) : hi;
        return;
    }
    const double top = act_.scale * static_cast<double>(act_.fmt.max());
    if (top > hi * (1 + 1e-6))
        fail_node(n, "expected max at or above the top of the output format (" + num(top) + " = " +
                         std::to_string(act_.fmt.max()) + " x scale " + num(act_.scale) + "), got " + num(hi) +
                         ": a clip inside the quantized range is not expressible as dfsim's requantization");
}

// Add of two tensors of the same shape (a residual add): an add layer (host work) reading the
// layers that made them; its output scale is calibrated on the sums when it runs (a Relu after
// it folds into it). Float models only (the inputs' layers settle to calibrated int8/uint8).
void Importer::add(const NodeProto& n) {
    if (n.input_size() != 2 || !has_input(n, 0) || !has_input(n, 1)) fail_node(n, "expected two inputs");
    Act in[2];
    for (int k = 0; k < 2; ++k) {
        const std::string& name = n.input(k);
        if (is_const(name))
            fail_node(n, "expected two tensors the graph computes (a residual add), got the constant '" + name +
                             "' (a bias Add is not folded: export with do_constant_folding, or a Gemm/Conv bias)");
        if (!tensors_.count(name))
            fail_node(n, "expected an input an earlier node made, got '" + name + "' (the graph is not in order)");
        in[k] = current(name);
    }
    auto shape = [](const Act& a) { return a.flat ? list({a.C * a.H * a.W}) : list({a.C, a.H, a.W}); };
    if (in[0].flat || in[1].flat || in[0].C != in[1].C || in[0].H != in[1].H || in[0].W != in[1].W)
        fail_node(n, "expected two inputs of the same shape [N, C, H, W] (no broadcasting), got '" + n.input(0) + "' " +
                         shape(in[0]) + " and '" + n.input(1) + "' " + shape(in[1]));
    for (const Act& a : in) {
        if (a.src < 0)
            fail_node(n, "expected two layers' outputs, got the graph input '" + a.name +
                             "' (dfsim's add layer reads layer outputs)");
        if (a.kind != Act::Kind::Float)
            fail_node(n, "expected float inputs (a float model), got the quantized tensor '" + a.name +
                             "' (an Add of quantized tensors, QDQ or QLinearAdd, is not supported)");
    }
    settle(in[0]);
    settle(in[1]);
    Layer l = new_layer(n, LayerType::Add);
    LayerShape& s = l.shape;
    s.C = s.M = s.G = in[0].C;
    s.H = in[0].H, s.W = in[0].W;
    l.inputs = {net_.layers[static_cast<size_t>(in[0].src)].name, net_.layers[static_cast<size_t>(in[1].src)].name};
    const int idx = static_cast<int>(net_.layers.size());
    act_ = in[0];
    act_.kind = Act::Kind::Float;
    act_.pending = idx;
    act_.producer = idx;
    act_.raw_input = false;
    act_.exclusive = true;
    push(n, std::move(l));
}

// Concat of layer outputs along the channels (an Inception or SqueezeNet fire module joining its
// branches): a concat layer (host work) reading the layers that made them, where the shapes allow
// (axis 1 of [N, C, H, W] tensors with one H x W). A chained run puts each input at the largest of
// their steps (quant/add.h concat_quantized). Float models only, as add.
void Importer::concat(const NodeProto& n) {
    if (n.input_size() < 2) fail_node(n, "expected at least two inputs");
    const int64_t axis = attr_int(n, "axis", 1);
    std::vector<Act> in;
    for (int k = 0; k < n.input_size(); ++k) {
        const std::string& name = n.input(k);
        if (name.empty() || is_const(name))
            fail_node(n, "expected tensors the graph computes, got " +
                             (name.empty() ? std::string("an empty input") : "the constant '" + name + "'"));
        if (!tensors_.count(name))
            fail_node(n, "expected an input an earlier node made, got '" + name + "' (the graph is not in order)");
        in.push_back(current(name));
        const Act& a = in.back();
        if (a.flat || a.seq)
            fail_node(n, "expected 4-D inputs [N, C, H, W], got '" + name + "' " +
                             (a.flat ? "flattened" : "a sequence [N, L, K]"));
        if (a.src < 0)
            fail_node(n, "expected layers' outputs, got the graph input '" + a.name +
                             "' (dfsim's concat layer reads layer outputs)");
        if (a.kind != Act::Kind::Float)
            fail_node(n, "expected float inputs (a float model), got the quantized tensor '" + a.name + "'");
        if (a.H != in.front().H || a.W != in.front().W)
            fail_node(n, "expected inputs of one H x W (a concat of channels), got '" + n.input(0) + "' " +
                             list({in.front().H, in.front().W}) + " and '" + name + "' " + list({a.H, a.W}));
    }
    if (axis != 1 && axis != -3)
        fail_node(n, "expected axis 1 (the channels of [N, C, H, W]; dfsim joins channels only), got " +
                         std::to_string(axis));
    Layer l = new_layer(n, LayerType::Concat);
    LayerShape& s = l.shape;
    s.C = 0;
    bool is_signed = false;
    for (Act& a : in) {
        settle(a);
        s.C += a.C;
        is_signed = is_signed || a.fmt.is_signed;
        l.inputs.push_back(net_.layers[static_cast<size_t>(a.src)].name);
    }
    s.M = s.G = s.C;
    s.H = in.front().H, s.W = in.front().W;
    act_ = in.front();
    act_.C = s.C;
    act_.kind = Act::Kind::Float;
    act_.fmt = Format{8, is_signed};
    act_.scale = assumed_scale(act_.fmt);
    act_.pending = -1;  // no layer's requantization makes it: a Relu after it is refused
    act_.producer = -1;
    act_.raw_input = false;
    act_.exclusive = true;
    push(n, std::move(l));
}

// The BatchNormalization node that alone reads the output of Conv `conv` (float weights), or -1.
int Importer::bn_after(const NodeProto& conv) const {
    auto it = readers_.find(conv.output(0));
    if (it == readers_.end() || it->second.size() != 1 || it->second[0] < 0) return -1;
    const NodeProto& r = graph_->node(it->second[0]);
    return r.op_type() == "BatchNormalization" && r.input_size() > 0 && r.input(0) == conv.output(0) ? it->second[0]
                                                                                                     : -1;
}

// The BatchNormalization `bn` (inference: scale, B, mean, var, epsilon) folded into the float
// weights [M][...] and bias (see fold_batch_norm).
void Importer::fold_bn(const NodeProto& bn, Const& w, std::vector<double>& bias) const {
    const int M = static_cast<int>(w.dims[0]);
    if (attr_int(bn, "training_mode", 0) != 0) fail_node(bn, "expected training_mode 0 (an inference graph)");
    for (int k = 1; k < bn.output_size(); ++k)
        if (!bn.output(k).empty() && readers_.count(bn.output(k)))
            fail_node(bn, "expected only output 0 to be read (the running mean and variance are training outputs)");
    std::vector<double> p[4];
    const char* roles[4] = {"scale", "B", "input_mean", "input_var"};
    for (int k = 0; k < 4; ++k) {
        const Const& c = need_const(bn, k + 1, roles[k]);
        if (c.dtype != kFloat && c.dtype != kDouble)
            fail_node(bn, std::string("expected ") + roles[k] + " as FLOAT, got " + dtype_name(c.dtype));
        if (c.v.size() != static_cast<size_t>(M))
            fail_node(bn, std::string("expected ") + roles[k] + " to have " + std::to_string(M) +
                              " values (one per channel of the Conv before), got " + std::to_string(c.v.size()));
        p[k] = c.v;
    }
    const double eps = attr_float(bn, "epsilon", 1e-5);
    for (int m = 0; m < M; ++m)
        if (!(p[3][static_cast<size_t>(m)] + eps > 0))
            fail_node(bn, "expected input_var + epsilon > 0, got " + num(p[3][static_cast<size_t>(m)] + eps) +
                              " for channel " + std::to_string(m));
    fold_batch_norm(w.v, bias, p[0], p[1], p[2], p[3], eps);
}

// The real bias of a float layer (input i, a FLOAT initializer or constant): M values, zeros if absent.
std::vector<double> Importer::real_bias(const NodeProto& n, int i, int M) const {
    std::vector<double> b(static_cast<size_t>(M), 0.0);
    if (!has_input(n, i)) return b;
    const Const* c = lookup(n, n.input(i));
    if (!c || (c->dtype != kFloat && c->dtype != kDouble))
        fail_node(n, "expected bias '" + n.input(i) +
                         "' as a FLOAT initializer (it is folded with the BatchNormalization after)");
    if (c->v.size() == 1) return std::vector<double>(static_cast<size_t>(M), c->v[0]);
    if (c->v.size() != static_cast<size_t>(M))
        fail_node(n, "expected bias '" + n.input(i) + "' to have " + std::to_string(M) + " values, got " +
                         std::to_string(c->v.size()));
    return c->v;
}

// A node of the chain by its op: a layer, a pool, or what changes the activation.
void Importer::chain_node(const NodeProto& n, bool layer, bool pool_op) {
    const std::string& op = n.op_type();
    if (op == "QLinearConv" || op == "Conv")
        conv(n, op == "QLinearConv");
    else if (op == "MatMul" && matrix_matmul(n))
        sequence_matmul(n);
    else if (act_.seq && (layer || pool_op || op == "Flatten" || op == "Reshape"))
        fail_node(n,
                  "expected MatMul, Relu or a final Softmax on the sequence '" + act_.name + "' [N, L, K], got " + op);
    else if (layer)
        fc(n);
    else if (pool_op)
        pool(n);
    else if (op == "Relu")
        relu(n);
    else if (op == "Clip")
        clip(n);
    else if (op == "BatchNormalization")
        fail_node(n,
                  "expected BatchNormalization right after a Conv with float weights, as the only reader of its "
                  "output (it is folded into that Conv's weights and bias), got it after '" +
                      act_.name + "'");
    else if (op == "QuantizeLinear")
        quantize_linear(n);
    else if (op == "DequantizeLinear")
        dequantize_linear(n);
    else if (op == "Flatten" || op == "Reshape")
        reshape(n);
    else if (op == "Softmax" || op == "LogSoftmax") {
        settle();
        ended_by_ = desc(n);
        net_.notes.push_back(desc(n) + " at the end of the graph is left out (not simulated)");
    }
    // Identity, Dropout: pass-through
}

// A node that reads the graph's tensors (not only constants): its first input (or, for an Add,
// its two) becomes the tensor it works on; its output is recorded for the nodes after it.
void Importer::read_node(const NodeProto& n, bool layer, bool pool_op) {
    const std::string& op = n.op_type();
    if (folded_.count(index_)) {  // a BatchNormalization folded into the Conv before it
        act_.name = n.output(0);
    } else if (op == "Add" && ended_by_.empty()) {
        add(n);
        act_.name = n.output(0);
    } else if (op == "Concat" && ended_by_.empty()) {
        concat(n);
        act_.name = n.output(0);
    } else {
        if (n.input_size() == 0 || !tensors_.count(n.input(0)))
            fail_node(n, "expected to read a tensor an earlier node made, got " +
                             (n.input_size() ? "'" + n.input(0) + "'" : std::string("no input")) +
                             " (the graph is not in topological order, or the tensor is not the graph's data input)");
        if (n.input(0) != act_.name) act_ = current(n.input(0));
        if (!ended_by_.empty() && op != "Identity" && op != "Dropout" && op != "QuantizeLinear" &&
            op != "DequantizeLinear" && op != "Softmax" && op != "LogSoftmax")
            fail_node(n, "expected nothing after the final " + ended_by_ +
                             " but Identity, Dropout, QuantizeLinear and DequantizeLinear");
        if (ended_by_.empty()) chain_node(n, layer, pool_op);
        act_.name = n.output(0);
    }
    act_.exclusive = act_.exclusive && readers_[act_.name].size() == 1;
    tensors_[act_.name] = act_;
}

Network Importer::run() {
    const std::string bytes = read_input_file(path_);
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes))
        fail("expected an ONNX model (a protobuf ModelProto); the file does not parse as one");
    if (!model.has_graph() || model.graph().node_size() == 0)
        fail("expected an ONNX model (a protobuf ModelProto with a graph of nodes); the file has " +
             std::string(model.has_graph() ? "an empty graph" : "no graph"));
    const onnx::GraphProto& g = model.graph();
    net_.file = path_;
    net_.name = std::filesystem::path(path_).stem().string();
    for (const auto& t : g.initializer()) inits_[t.name()] = &t;
    graph_ = &g;
    for (int i = 0; i < g.node_size(); ++i)
        for (const std::string& in : g.node(i).input())
            if (!in.empty()) readers_[in].push_back(i);
    for (const auto& o : g.output()) readers_[o.name()].push_back(-1);
    data_input(g);
    act_.exclusive = readers_[act_.name].size() == 1;
    tensors_[act_.name] = act_;

    static const std::set<std::string> kLayerOps = {"QLinearConv", "QLinearMatMul", "Conv", "Gemm", "MatMul"};
    static const std::set<std::string> kPoolOps = {"MaxPool", "AveragePool", "GlobalMaxPool", "GlobalAveragePool"};
    static const std::set<std::string> kOtherOps = {
        "Relu",       "Clip",           "BatchNormalization", "Add",      "Concat",  "Flatten",
        "Reshape",    "QuantizeLinear", "DequantizeLinear",   "Identity", "Dropout", "Softmax",
        "LogSoftmax", "Constant"};
    for (index_ = 0; index_ < g.node_size(); ++index_) {
        const NodeProto& n = g.node(index_);
        const std::string& op = n.op_type();
        if (!n.domain().empty() && n.domain() != "ai.onnx")
            fail_node(n, "unsupported op " + n.domain() + "." + op + " (only the default ONNX domain is read)");
        if (!kLayerOps.count(op) && !kPoolOps.count(op) && !kOtherOps.count(op))
            fail_node(n,
                      "unsupported op '" + op + "'" +
                          ": dfsim imports graphs of QLinearConv, QLinearMatMul, Conv, Gemm, MatMul (with "
                          "QuantizeLinear/DequantizeLinear, BatchNormalization after a Conv, "
                          "Relu, Clip (ReLU6), residual Add, Concat of channels, MaxPool, AveragePool, GlobalMaxPool, "
                          "GlobalAveragePool, Flatten, Reshape, Identity, Dropout), "
                          "and a Softmax at the end");
        if (n.output_size() < 1 || n.output(0).empty()) fail_node(n, "expected an output");
        if (op == "Constant") {
            constant_node(n);
            continue;
        }
        bool all_const = n.input_size() > 0;
        for (const std::string& i : n.input()) all_const = all_const && (i.empty() || is_const(i));
        if (all_const) {
            fold_const_node(n);
            continue;
        }
        read_node(n, kLayerOps.count(op) > 0, kPoolOps.count(op) > 0);
    }
    settle();
    check_side_inputs_used();
    if (!calibrated_.empty()) {
        std::string names;
        for (const std::string& c : calibrated_) names += (names.empty() ? "" : ", ") + c;
        net_.notes.push_back(
            "float output" + std::string(calibrated_.size() > 1 ? "s" : "") + " of " + names +
            " (no QuantizeLinear after): the output scale is calibrated on the data when the layer runs (requant "
            "auto); "
            "a float layer's input is taken as int8 with scale 1/127, or uint8 with 1/255 after a ReLU");
    }
    bool any = false;
    for (const Layer& l : net_.layers) any = any || !l.on_host();
    if (!any) fail("expected at least one QLinearConv, QLinearMatMul, Conv, Gemm or MatMul node, got none");
    return net_;
}

// ---- MatMul on a sequence or on two activations: gemm and matmul layers (issue 16) ----

// A graph input beyond the first: only a MatMul's operand B may read it (FLOAT, static shape
// [N, K, Ncols] or [N, heads, K, Ncols]; a symbolic first dimension is the batch).
void Importer::side_input(const onnx::ValueInfoProto& v) {
    const std::string what = "input '" + v.name() + "'";
    if (!v.type().has_tensor_type() || !v.type().tensor_type().has_shape())
        fail(what + ": expected a tensor with a shape (a MatMul's second operand)");
    const auto& tt = v.type().tensor_type();
    if (tt.elem_type() != kFloat)
        fail(what + ": expected FLOAT data for a MatMul's second operand, got " + dtype_name(tt.elem_type()));
    std::vector<int64_t> dims;
    for (int k = 0; k < tt.shape().dim_size(); ++k) {
        const auto& d = tt.shape().dim(k);
        const int64_t top = k == 0 ? 4096 : 1 << 20;
        if (k == 0 && !d.has_dim_value())
            dims.push_back(-1);  // the batch, as the data input's
        else if (d.has_dim_value() && d.dim_value() >= 1 && d.dim_value() <= top)
            dims.push_back(d.dim_value());
        else
            fail(what + ": expected a static size in [1, " + std::to_string(top) + "] for dimension " +
                 std::to_string(k));
    }
    side_[v.name()] = dims;
}

// A MatMul this path takes: on a sequence [N, L, K] with constant weights (a gemm), or with a
// further graph input as its operand B (a matmul of two activations).
bool Importer::matrix_matmul(const NodeProto& n) const {
    if (n.input_size() != 2) return false;
    return side_.count(n.input(1)) > 0 || (act_.seq && is_const(n.input(1)));
}

void Importer::sequence_matmul(const NodeProto& n) {
    if (auto it = side_.find(n.input(1)); it != side_.end()) return activation_matmul(n, it->second);
    Format ifmap;
    double x_scale = 0;
    layer_input(n, false, ifmap, x_scale);
    const std::string& bname = n.input(1);
    const std::vector<int64_t> bd = dqs_.count(bname) ? dqs_.at(bname).code.dims : lookup(n, bname)->dims;
    if (bd.size() != 2 || bd[0] != act_.C)
        fail_node(n, "expected the weight '" + bname + "' to be [" + std::to_string(act_.C) +
                         ", N] (K = " + std::to_string(act_.C) + " features of the sequence), got " + list(bd));
    if (bd[1] < 1 || bd[1] > (1 << 20)) fail_node(n, "expected 1..1048576 output features, got " + list(bd));
    Weights w = weights_input(n, 1, 1, "weight");
    Layer l = new_layer(n, LayerType::Gemm);
    l.matrix = MatrixShape{act_.H, static_cast<int>(bd[1]), act_.C, batch_, 1};
    l.shape = lower_matrix(LayerType::Gemm, l.matrix);
    l.ifmap = ifmap;
    l.ifmap_scale = x_scale;
    l.filter = Format{8, w.is_signed};
    l.filter_scale = w.scale;
    auto t = std::make_shared<Tensor4>(l.shape.M, l.shape.C, 1, 1);  // [Ncols][K]: B's columns are the filters
    t->data = std::move(w.codes);
    l.filter_data.values = std::move(t);
    emit_layer(n, std::move(l), false, false);  // out [N, L, Ncols]: still a sequence
}

// A [N, M, K] x [N, K, Ncols] or [N, heads, M, K] x [N, heads, K, Ncols] product of the chain's
// tensor and a further graph input: a matmul layer, both operands int8 (scale 1/127), B made
// synthetic as the ifmap is (no values: it is data, not a weight).
void Importer::activation_matmul(const NodeProto& n, const std::vector<int64_t>& b) {
    Format ifmap;
    double x_scale = 0;
    layer_input(n, false, ifmap, x_scale);
    const bool four = !act_.seq && !act_.flat;  // [N, heads, M, K] is the 4-D view [N, C, H, W]
    const int64_t heads = four ? act_.C : 1, M = act_.H, K = four ? act_.W : act_.C;
    const std::vector<int64_t> want =
        four ? std::vector<int64_t>{batch_, heads, K, -2} : std::vector<int64_t>{batch_, K, -2};
    bool ok = b.size() == want.size();
    for (size_t k = 0; ok && k + 1 < b.size(); ++k) ok = b[k] == want[k] || (k == 0 && b[k] == -1);
    if (!ok || act_.flat)
        fail_node(n, "expected the second operand '" + n.input(1) + "' to be " +
                         list(std::vector<int64_t>(want.begin(), want.end() - 1)) + " x Ncols for the input " +
                         (four ? "[N, heads, M, K]" : "[N, M, K]") + ", got " + list(b));
    const int64_t widest = int64_t{batch_} * heads * std::max(K, b.back());
    if (widest > (1 << 20))
        fail_node(n, "expected batch * heads * max(K, Ncols) <= 1048576 (the channels of the lowered conv), got " +
                         std::to_string(widest));
    side_used_.insert(n.input(1));
    Layer l = new_layer(n, LayerType::Matmul);
    l.matrix = MatrixShape{static_cast<int>(M), static_cast<int>(b.back()), static_cast<int>(K), batch_,
                           static_cast<int>(heads)};
    l.shape = lower_matrix(LayerType::Matmul, l.matrix);
    l.ifmap = ifmap;
    l.ifmap_scale = x_scale;
    l.filter = ifmap;  // operand B: an activation of the same assumed format
    l.filter_scale.assign(static_cast<size_t>(l.shape.M), x_scale);
    l.filter_data = l.ifmap_data;
    l.filter_data.seed += 999983;
    const int cols = l.matrix.N;
    emit_layer(n, std::move(l), false, false);
    if (four)
        act_.C = static_cast<int>(heads), act_.H = static_cast<int>(M), act_.W = cols;  // out [N, heads, M, Ncols]
    else
        act_.C = cols, act_.H = static_cast<int>(M), act_.W = 1;  // out [N, M, Ncols]
}

void Importer::check_side_inputs_used() const {
    for (const auto& [name, dims] : side_)
        if (!side_used_.count(name))
            fail("expected one data input (graph inputs that are not initializers), got " +
                 std::to_string(side_.size() + 1) + ": '" + name +
                 "' is read by no MatMul as its second operand (dfsim imports one chain from the first input)");
}

}  // namespace

Network load_onnx(const std::string& path) { return Importer(path).run(); }

void fold_batch_norm(std::vector<double>& weights, std::vector<double>& bias, const std::vector<double>& gamma,
                     const std::vector<double>& beta, const std::vector<double>& mean, const std::vector<double>& var,
                     double epsilon) {
    const size_t M = gamma.size();
    DFSIM_ASSERT(M > 0 && weights.size() % M == 0 && beta.size() == M && mean.size() == M && var.size() == M,
                 "batch norm parameters per output channel");
    const size_t per_m = weights.size() / M;
    bias.resize(M, 0.0);
    for (size_t m = 0; m < M; ++m) {
        const double a = gamma[m] / std::sqrt(var[m] + epsilon);
        for (size_t k = 0; k < per_m; ++k) weights[m * per_m + k] *= a;
        bias[m] = (bias[m] - mean[m]) * a + beta[m];
    }
}

}  // namespace dfsim
