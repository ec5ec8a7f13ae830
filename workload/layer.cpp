#include "workload/layer.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <initializer_list>
#include <set>
#include <sstream>
#include <stdexcept>

#include "base/error.h"
#include "base/text.h"
#include "workload/formats/npy.h"
#include "quant/quantize.h"
#include "workload/formats/onnx.h"
#include "workload/formats/scalesim.h"
#include "workload/formats/timeloop.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

Format read_format(const YamlMap& m, const Format& dflt) {
    Format f = dflt;
    f.binary = m.get_bool("binary", false);
    f.bits = static_cast<int>(m.get_int("bits", 1, kMaxBits, f.binary ? 1 : dflt.bits));
    f.is_signed = m.get_bool("signed", f.binary ? true : dflt.is_signed);
    if (f.binary && f.bits != 1)
        m.fail("bits", "expected 1 for a binary format (one bit encodes -1 or +1), got " + std::to_string(f.bits));
    const int64_t span = int64_t{1} << f.bits;
    f.zero_point = static_cast<int32_t>(
        m.get_int("zero_point", f.is_signed ? -span / 2 : 0, f.is_signed ? span / 2 - 1 : span - 1, 0));
    if (f.binary && f.zero_point != 0) m.fail("zero_point", "expected 0 for a binary format");
    m.check_no_unknown_keys();
    return f;
}

// Per-layer bit widths: bits: {ifmap: {...}, filter: {...}, psum: {bits: N}}
void read_bits(const YamlMap& b, Format& ifmap, Format& filter, int& psum_bits) {
    if (auto f = b.opt_child("ifmap")) ifmap = read_format(*f, ifmap);
    if (auto f = b.opt_child("filter")) filter = read_format(*f, filter);
    if (auto f = b.opt_child("psum")) {
        psum_bits = static_cast<int>(f->get_int("bits", 4, 32));
        f->check_no_unknown_keys();
    }
    b.check_no_unknown_keys();
}

// The datapath a layer's formats allow (see Multiplier); fails on `field` otherwise.
void check_multiplier(const YamlMap& m, const std::string& field, Multiplier k, const Format& ifmap,
                      const Format& filter) {
    const std::string name(to_string(k));
    if ((k == Multiplier::Binary || k == Multiplier::Xnor) && !filter.binary)
        m.fail(field, "expected a binary filter format (bits: {filter: {binary: true}}) for multiplier " + name);
    if (k == Multiplier::Xnor && !ifmap.binary)
        m.fail(field, "expected a binary ifmap format (bits: {ifmap: {binary: true}}) for multiplier xnor");
    if (k == Multiplier::Ternary && (filter.binary || !filter.is_signed || filter.bits < 2 || filter.zero_point != 0))
        m.fail(field,
               "expected a signed filter format of at least 2 bits without zero point for multiplier ternary "
               "(weights -1, 0, +1), got " +
                   to_string(filter));
    if (k != Multiplier::Xnor && ifmap.binary)
        m.fail(field, "expected multiplier xnor for a binary ifmap format, got " + name);
    if ((k == Multiplier::Mac || k == Multiplier::Lut) && filter.binary)
        m.fail(field, "expected multiplier binary or xnor for a binary filter format, got " + name);
}

SyntheticSource read_source(const YamlMap& m, const SyntheticSource& dflt) {
    SyntheticSource s = dflt;
    s.file = m.get_string("file", "");
    if (!s.file.empty()) {
        // real data: relative to the workload file; read by load_network (load_tensor_files)
        const std::filesystem::path p = std::filesystem::path(m.file()).parent_path() / s.file;
        if (!std::filesystem::exists(p)) m.fail("file", "expected an existing .npy file, got '" + s.file + "'");
        s.file = p.lexically_normal().string();
    }
    s.distribution = m.get_enum("distribution", {"uniform", "normal", "laplace"}, dflt.distribution);
    s.zero_fraction = m.get_double("zero_fraction", 0.0, 1.0, dflt.zero_fraction);
    s.scale = m.get_double("scale", 1e-6, 1.0, dflt.scale);
    s.seed = static_cast<uint64_t>(m.get_int("seed", 0, INT64_MAX, static_cast<int64_t>(dflt.seed)));
    m.check_no_unknown_keys();
    return s;
}

struct Defaults {
    int batch = 1;
    Format ifmap{8, true}, filter{8, true};
    int psum_bits = 0;
    Multiplier multiplier = Multiplier::Mac;
    SyntheticSource ifmap_data, filter_data;
};

Multiplier read_multiplier(const YamlMap& m, Multiplier dflt) {
    return parse_multiplier(
        m.get_enum("multiplier", {"mac", "lut", "binary", "ternary", "xnor"}, std::string(to_string(dflt))));
}

// A host layer (pool, add, softmax, layernorm, gelu): its shape and, for a pool, the window and
// operation. It has no filters, operand formats, data or requantization, so those fields are
// unknown here.
Layer read_host_layer(const YamlMap& m, Layer l) {
    LayerShape& s = l.shape;
    const int64_t big = 1 << 20;
    s.C = static_cast<int>(m.get_int("C", 1, big));
    s.H = static_cast<int>(m.get_int("H", 1, big));
    s.W = static_cast<int>(m.get_int("W", 1, big));
    s.M = s.G = s.C;
    if (l.type == LayerType::Pool) {
        if (!m.has("op")) m.fail("op", "required field is missing (max or avg)");
        l.pool_op = parse_enum(m.get_enum("op", enum_names(kPoolOps), "max"), kPoolOps, "pool op");
        s.R = static_cast<int>(m.get_int("R", 1, 64));
        s.S = static_cast<int>(m.get_int("S", 1, 64));
        s.U = static_cast<int>(m.get_int("stride", 1, 64));
        s.P = static_cast<int>(m.get_int("padding", 0, 64, 0));
        if (2 * s.P > std::min(s.R, s.S))
            m.fail("padding", "expected at most half the pooling window (" + std::to_string(std::min(s.R, s.S) / 2) +
                                  "), got " + std::to_string(s.P));
        if (s.R > s.Hp()) m.fail("R", "expected R <= H + 2*padding (" + std::to_string(s.Hp()) + ")");
        if (s.S > s.Wp()) m.fail("S", "expected S <= W + 2*padding (" + std::to_string(s.Wp()) + ")");
    }
    m.check_no_unknown_keys();
    return l;
}

// Real data for a tensor of the layer from a .npy file: integer codes (the format's, held
// centred: code - zero_point), or floats that the quantizer converts to the layer's format
// (weights: per filter, symmetric -- or binary / ternary for those datapaths, with their alpha
// as the filter scale; ifmaps: per tensor, symmetric, unsigned if the format is).
void load_tensor_file(const YamlMap& m, Layer& l, bool filter) {
    SyntheticSource& src = filter ? l.filter_data : l.ifmap_data;
    if (src.file.empty()) return;
    const LayerShape& s = l.shape;
    const std::array<int, 4> want =
        filter ? std::array<int, 4>{s.M, s.Cg(), s.R, s.S} : std::array<int, 4>{s.N, s.C, s.H, s.W};
    const Format& f = filter ? l.filter : l.ifmap;
    const std::string field = std::string("data.") + (filter ? "filter" : "ifmap") + ".file";
    auto shape_error = [&]() {
        m.fail(field, "a tensor of shape " + std::to_string(want[0]) + "x" + std::to_string(want[1]) + "x" +
                          std::to_string(want[2]) + "x" + std::to_string(want[3]) + " (" +
                          (filter ? "M x C/G x R x S" : "N x C x H x W") + ") in " + src.file);
    };
    const NpyArray a = read_npy(src.file);
    Tensor4 t;
    if (a.dtype == "f4" || a.dtype == "f8") {
        FloatTensor x = read_npy_float(src.file);
        if (x.dim != want) shape_error();
        QuantSpec q;
        q.bits = f.binary ? 1 : f.bits;
        q.is_signed = f.is_signed;
        q.per_channel = filter && l.type != LayerType::Matmul;  // a matmul's B is an activation: per tensor
        if (filter && l.multiplier == Multiplier::Ternary) q.scheme = QuantScheme::Ternary;
        if (f.binary) q.scheme = QuantScheme::Binary;
        Quantized r;
        try {
            r = quantize(x, q);
        } catch (const std::invalid_argument& e) {
            m.fail(field, std::string("a tensor the quantizer takes: ") + e.what());
        }
        t = std::move(r.values);
        if (filter && !q.per_channel)
            l.filter_scale.assign(static_cast<size_t>(s.M), r.scale.empty() ? 0.0 : r.scale.front());
        else if (filter)
            l.filter_scale = r.scale;
        else
            l.ifmap_scale = r.scale.empty() ? 0.0 : r.scale.front();
    } else {
        t = read_npy_int(src.file);
        if (t.dim != want) shape_error();
        for (int32_t& v : t.data) v -= f.zero_point;  // codes -> centred values
    }
    for (size_t i = 0; i < t.size(); ++i)
        if (!f.holds(t.data[i]))
            m.fail(field, "values of format " + to_string(f) + " (codes minus the zero point in [" +
                              std::to_string(f.min()) + ", " + std::to_string(f.max()) + "]), got " +
                              std::to_string(t.data[i]) + " at element " + std::to_string(i) + " of " + src.file);
    src.values = std::make_shared<const Tensor4>(std::move(t));
}

// A conv or fc layer's shape (keys N, C, M, H, W and, for a conv, R, S, stride, padding, groups).
void read_conv_shape(const YamlMap& m, Layer& l) {
    LayerShape& s = l.shape;
    const int64_t big = 1 << 20;
    s.C = static_cast<int>(m.get_int("C", 1, big));
    s.M = static_cast<int>(m.get_int("M", 1, big));
    if (l.type == LayerType::Fc) {
        // An FC layer over a C x H x W input: a conv whose filter covers the whole input.
        s.H = static_cast<int>(m.get_int("H", 1, big, 1));
        s.W = static_cast<int>(m.get_int("W", 1, big, 1));
        s.R = s.H;
        s.S = s.W;
    } else {
        s.H = static_cast<int>(m.get_int("H", 1, big));
        s.W = static_cast<int>(m.get_int("W", 1, big));
        s.R = static_cast<int>(m.get_int("R", 1, 64));
        s.S = static_cast<int>(m.get_int("S", 1, 64));
        s.U = static_cast<int>(m.get_int("stride", 1, 64, 1));
        s.P = static_cast<int>(m.get_int("padding", 0, 64, 0));
        s.G = static_cast<int>(m.get_int("groups", 1, big, 1));
    }
    if (s.C % s.G != 0) m.fail("groups", "expected a divisor of C (" + std::to_string(s.C) + ")");
    if (s.M % s.G != 0) m.fail("groups", "expected a divisor of M (" + std::to_string(s.M) + ")");
    if (s.R > s.Hp()) m.fail("R", "expected R <= H + 2*padding (" + std::to_string(s.Hp()) + ")");
    if (s.S > s.Wp()) m.fail("S", "expected S <= W + 2*padding (" + std::to_string(s.Wp()) + ")");
}

// A gemm or matmul layer's matrices (keys M, N, K, batch; heads for a matmul), lowered to its
// conv (lower_matrix). A matmul's channels (batch * heads * K, and * N) stay within the limit
// of a conv's C and M.
void read_matrix_shape(const YamlMap& m, const Defaults& d, Layer& l) {
    const int64_t big = 1 << 20;
    MatrixShape& x = l.matrix;
    x.M = static_cast<int>(m.get_int("M", 1, big));
    x.N = static_cast<int>(m.get_int("N", 1, big));
    x.K = static_cast<int>(m.get_int("K", 1, big));
    x.batch = static_cast<int>(m.get_int("batch", 1, kMaxBatch, d.batch));
    if (l.type == LayerType::Matmul) {
        x.heads = static_cast<int>(m.get_int("heads", 1, big, 1));
        const int64_t widest = int64_t{x.batch} * x.heads * std::max(x.K, x.N);
        if (widest > big)
            m.fail("heads", "expected batch * heads * max(K, N) <= " + std::to_string(big) +
                                " (the channels of the "
                                "lowered conv), got " +
                                std::to_string(widest));
    }
    l.shape = lower_matrix(l.type, x);
}

// Operand formats, datapath, data sources and requantization of an accelerator layer. A
// matmul's operand B (its "filter") is an activation: its format and data default to the
// ifmap's (with a seed of its own), not the weights'.
void read_operands(const YamlMap& m, const Defaults& d, int mac_index, Layer& l) {
    const bool matmul = l.type == LayerType::Matmul;
    l.ifmap = d.ifmap;
    l.filter = matmul ? d.ifmap : d.filter;
    l.psum_bits = d.psum_bits;
    if (auto b = m.opt_child("bits")) read_bits(*b, l.ifmap, l.filter, l.psum_bits);
    l.multiplier = read_multiplier(m, d.multiplier);
    check_multiplier(m, "multiplier", l.multiplier, l.ifmap, l.filter);
    if (matmul && (l.multiplier == Multiplier::Binary || l.multiplier == Multiplier::Ternary))
        m.fail("multiplier",
               "expected mac, lut or xnor for a matmul (its operand B is an activation, not weights "
               "that could be binary or ternary), got " +
                   std::string(to_string(l.multiplier)));
    l.ifmap_data = d.ifmap_data;
    l.filter_data = matmul ? d.ifmap_data : d.filter_data;
    // Per-layer seeds differ by default so layers do not see identical data.
    l.ifmap_data.seed = d.ifmap_data.seed + 1000003ULL * static_cast<uint64_t>(mac_index);
    l.filter_data.seed =
        (matmul ? d.ifmap_data.seed + 999983ULL : d.filter_data.seed) + 1000003ULL * static_cast<uint64_t>(mac_index);
    if (auto dd = m.opt_child("data")) {
        if (auto f = dd->opt_child("ifmap")) l.ifmap_data = read_source(*f, l.ifmap_data);
        if (auto f = dd->opt_child("filter")) l.filter_data = read_source(*f, l.filter_data);
        dd->check_no_unknown_keys();
    }
    load_tensor_file(m, l, false);
    load_tensor_file(m, l, true);
    if (auto r = m.opt_child("requant")) {
        l.requant.enabled = true;
        l.requant.calibrate = r->get_bool("auto", false);
        if (!l.requant.calibrate) {
            l.requant.multiplier = static_cast<int32_t>(r->get_int("multiplier", 1, INT32_MAX));
            l.requant.shift = static_cast<int>(r->get_int("shift", 0, 62));
        }
        l.requant.relu = r->get_bool("relu", false);
        if (auto o = r->opt_child("out")) l.requant.out = read_format(*o, l.requant.out);
        r->check_no_unknown_keys();
    }
}

// `index` is the layer's position in the file; `mac_index` counts only the accelerator layers
// before it, so that the default seeds do not move when host layers are added.
Layer read_layer(const YamlMap& m, const Defaults& d, int index, int mac_index) {
    Layer l;
    l.name = m.get_string("name", "layer" + std::to_string(index));
    l.type = parse_enum(m.get_enum("type", enum_names(kLayerTypes), "conv"), kLayerTypes, "layer type");
    if (m.has("inputs")) l.inputs = m.get_string_list("inputs");
    if (l.is_matrix()) {
        read_matrix_shape(m, d, l);
    } else {
        l.shape.N = static_cast<int>(m.get_int("N", 1, kMaxBatch, d.batch));
        if (l.on_host()) return read_host_layer(m, l);
        read_conv_shape(m, l);
    }
    read_operands(m, d, mac_index, l);
    m.check_no_unknown_keys();
    return l;
}

}  // namespace

Network select_chain(const Network& net, const std::string& sel) {
    const Network picked = select_layers(net, sel);
    std::vector<uint8_t> keep(net.layers.size(), 0);
    size_t first = net.layers.size(), last = 0;
    for (size_t i = 0; i < net.layers.size(); ++i)
        for (const Layer& p : picked.layers)
            if (p.name == net.layers[i].name) {
                keep[i] = 1;
                first = std::min(first, i);
                last = std::max(last, i);
            }
    Network out = net;
    out.layers.clear();
    for (size_t i = 0; i < net.layers.size(); ++i)
        if (keep[i] || (net.layers[i].on_host() && i > first && i < last)) out.layers.push_back(net.layers[i]);
    return out;
}

namespace {
Network load_network_file(const std::string& path);
}  // namespace

std::array<int, 3> output_chw(const Layer& l) {
    const LayerShape& s = l.shape;
    if (l.type == LayerType::Add || l.type == LayerType::Concat) return {s.C, s.H, s.W};
    if (l.type == LayerType::Pool) return {s.C, s.E(), s.F()};
    return {s.M, s.E(), s.F()};
}

std::string input_problem(const Network& net, size_t i) {
    const Layer& l = net.layers[i];
    const bool two = l.type == LayerType::Add || l.lowered_add, concat = l.type == LayerType::Concat;
    if (l.inputs.empty()) return "";
    const std::string reads = " (the layers a " + std::string(to_string(l.type)) + " layer reads)";
    if (concat && l.inputs.size() < 2)
        return "expected at least 2 layer names" + reads + ", got " + std::to_string(l.inputs.size());
    const size_t want = two ? 2 : 1;
    if (!concat && l.inputs.size() != want)
        return "expected " + std::to_string(want) + " layer name" + (want > 1 ? "s" : "") + reads + ", got " +
               std::to_string(l.inputs.size());
    const auto text = [](const std::array<int, 3>& d) {
        return std::to_string(d[0]) + "x" + std::to_string(d[1]) + "x" + std::to_string(d[2]);
    };
    // what each input must be: the layer's input (an add lowered to a conv: half its channels)
    const std::array<int, 3> in{l.lowered_add ? l.shape.M : l.shape.C, l.shape.H, l.shape.W};
    int64_t channels = 0;
    for (const std::string& name : l.inputs) {
        size_t j = 0;
        while (j < i && net.layers[j].name != name) ++j;
        if (j == i)
            return "expected names of layers before " + l.name + " (the network runs in the order written), got '" +
                   name + "'";
        const std::array<int, 3> out = output_chw(net.layers[j]);
        channels += out[0];
        const bool fits = l.type == LayerType::Fc ? int64_t{out[0]} * out[1] * out[2] == int64_t{in[0]} * in[1] * in[2]
                          : concat                ? out[1] == in[1] && out[2] == in[2]
                                                  : out == in;
        if (!fits && concat)
            return "expected a layer whose output has " + l.name + "'s H x W " + std::to_string(in[1]) + "x" +
                   std::to_string(in[2]) + " (a concat joins channels), got " + name + " with output " + text(out);
        if (!fits)
            return "expected a layer whose output (C x H x W) is " + l.name + "'s input " + text(in) + ", got " + name +
                   " with output " + text(out);
    }
    if (concat && channels != l.shape.C)
        return "expected the channels of " + l.name + "'s inputs together to be its C = " + std::to_string(l.shape.C) +
               ", got " + std::to_string(channels);
    return "";
}

Network load_network(const std::string& path) {
    Network net = load_network_file(path);
    for (Layer& l : net.layers)  // the first accelerator layer reads the network's input
        if (!l.on_host()) {
            l.network_input = true;
            break;
        }
    check_network(net, "");
    return net;
}

namespace {

// a * b * ... exactly (128 bits: every factor here is below 2^32).
unsigned __int128 product(std::initializer_list<uint64_t> f) {
    unsigned __int128 p = 1;
    for (uint64_t x : f) {
        p *= x;
        if (p > (static_cast<unsigned __int128>(1) << 96)) return p;  // far beyond every limit; no wrap
    }
    return p;
}

std::string count_text(unsigned __int128 v) {
    if (v > UINT64_MAX) return "more than 2^64";
    return std::to_string(static_cast<uint64_t>(v));
}

}  // namespace

void check_layer_counts(const Layer& l, const std::string& file, const std::string& field) {
    const LayerShape& s = l.shape;
    const auto fail = [&](const std::string& what, unsigned __int128 v, uint64_t limit) {
        throw ConfigError(file, field.empty() ? "layer " + l.name : field, 0, 0,
                          "expected at most " + std::to_string(limit) + " " + what + " in layer " + l.name + ", got " +
                              count_text(v));
    };
    const auto u = [](int x) { return static_cast<uint64_t>(std::max(x, 0)); };
    const unsigned __int128 macs = product({u(s.N), u(s.M), u(s.E()), u(s.F()), u(s.Cg()), u(s.R), u(s.S)});
    if (macs > kMaxLayerMacs) fail("MACs (N*M*E*F*C/G*R*S)", macs, kMaxLayerMacs);
    const std::pair<const char*, unsigned __int128> tensors[] = {
        {"ifmap elements (N*C*(H+2P)*(W+2P))", product({u(s.N), u(s.C), u(s.Hp()), u(s.Wp())})},
        {"filter elements (M*C/G*R*S)", product({u(s.M), u(s.Cg()), u(s.R), u(s.S)})},
        {"output elements (N*M*E*F)", product({u(s.N), u(s.M), u(s.E()), u(s.F())})}};
    for (const auto& [what, n] : tensors)
        if (n > kMaxTensorElements) fail(what, n, kMaxTensorElements);
}

namespace {

// check_layer_counts for every layer, and the network's MACs in all.
void check_counts(const Network& net, const std::string& file, const std::string& field) {
    uint64_t total = 0;
    for (const Layer& l : net.layers) {
        check_layer_counts(l, file, field);
        total += l.on_host() ? l.host_ops() : l.shape.macs();  // each at most 2^53: no wrap
        if (total > kMaxNetworkMacs)
            throw ConfigError(file, field, 0, 0,
                              "expected at most " + std::to_string(kMaxNetworkMacs) +
                                  " MACs and host operations in all layers, got more by layer " + l.name);
    }
}

}  // namespace

void check_network(const Network& net, const std::string& field) {
    const std::string file = net.file.empty() ? "workload" : net.file;
    std::set<std::string> names;
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const std::string& name = net.layers[i].name;
        const std::string at = "layers[" + std::to_string(i) + "].name";
        const std::string why = text_problem(name, false);
        if (!why.empty())
            throw ConfigError(file, at, 0, 0, "expected UTF-8 text without control characters, got " + why);
        if (!names.insert(name).second)
            throw ConfigError(file, at, 0, 0, "expected a name no other layer has, got '" + name + "' again");
    }
    check_counts(net, file, field);
}

void check_int_range(int64_t v, int64_t lo, int64_t hi, const std::string& file, const std::string& field,
                     const std::string& what) {
    if (v < lo || v > hi)
        throw ConfigError(file, field, 0, 0,
                          "expected " + what + " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got " +
                              std::to_string(v));
}

int64_t parse_int_in(const std::string& text, int64_t lo, int64_t hi, const std::string& file, const std::string& field,
                     const std::string& what) {
    const std::string expected = "expected " + what + " in [" + std::to_string(lo) + ", " + std::to_string(hi) + "]";
    const bool digits =
        !text.empty() && text.find_first_not_of("0123456789") == std::string::npos && (text == "0" || text[0] != '0');
    if (!digits)
        throw ConfigError(file, field, 0, 0, expected + " written in decimal digits, got '" + printable(text) + "'");
    if (text.size() > 19 || (text.size() == 19 && text > "9223372036854775807"))  // beyond int64
        throw ConfigError(file, field, 0, 0, expected + ", got " + text);
    const int64_t v = std::stoll(text);
    check_int_range(v, lo, hi, file, field, what);
    return v;
}

namespace {
Network load_network_file(const std::string& path) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".csv") == 0) return load_scalesim_csv(path);
    if (path.size() > 5 && path.compare(path.size() - 5, 5, ".onnx") == 0) return load_onnx(path);
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) return load_timeloop_folder(path);
    YamlMap root = YamlMap::load_file(path);
    if (is_timeloop_problem(root)) return load_timeloop_problem(root);
    if (is_timeloop_list(root)) return load_timeloop_list(root);
    Network net;
    net.file = path;
    net.name = root.get_string("name");
    root.get_string("source", "");  // free-text provenance, documented in the file
    Defaults d;
    if (auto dm = root.opt_child("defaults")) {
        d.batch = static_cast<int>(dm->get_int("batch", 1, kMaxBatch, 1));
        if (auto b = dm->opt_child("bits")) read_bits(*b, d.ifmap, d.filter, d.psum_bits);
        d.multiplier = read_multiplier(*dm, d.multiplier);
        if (auto dd = dm->opt_child("data")) {
            if (auto f = dd->opt_child("ifmap")) d.ifmap_data = read_source(*f, d.ifmap_data);
            if (auto f = dd->opt_child("filter")) d.filter_data = read_source(*f, d.filter_data);
            dd->check_no_unknown_keys();
        }
        dm->check_no_unknown_keys();
    }
    auto layers = root.list("layers");
    if (layers.empty()) root.fail("layers", "expected at least one layer");
    int mac_index = 0;
    std::set<std::string> names;
    for (size_t i = 0; i < layers.size(); ++i) {
        net.layers.push_back(read_layer(layers[i], d, static_cast<int>(i), mac_index));
        if (!names.insert(net.layers.back().name).second)
            layers[i].fail("name", "expected a name no other layer has, got '" + net.layers.back().name + "' again");
        mac_index += !net.layers.back().on_host();
    }
    for (size_t i = 0; i < layers.size(); ++i) {
        const std::string why = input_problem(net, i);
        if (!why.empty()) layers[i].fail("inputs", why);
    }
    root.check_no_unknown_keys();
    return net;
}
}  // namespace

uint64_t LayerShape::padding_macs() const {
    auto inside = [&](int tap, int out, int size) {  // outputs whose tap lands inside the image
        uint64_t n = 0;
        for (int o = 0; o < out; ++o) n += o * U + tap - P >= 0 && o * U + tap - P < size;
        return n;
    };
    uint64_t real_taps = 0;
    for (int r = 0; r < R; ++r)
        for (int k = 0; k < S; ++k) real_taps += inside(r, E(), H) * inside(k, F(), W);
    return macs() - real_taps * static_cast<uint64_t>(N) * static_cast<uint64_t>(M) * static_cast<uint64_t>(Cg());
}

uint64_t Layer::host_ops() const {
    const LayerShape& s = shape;
    const uint64_t n = static_cast<uint64_t>(s.N) * s.C * s.H * s.W, positions = static_cast<uint64_t>(s.N) * s.H * s.W;
    switch (type) {
        case LayerType::Pool:
            return static_cast<uint64_t>(s.N) * s.C * s.E() * s.F() * s.R * s.S;
        case LayerType::Add:
        case LayerType::Concat:
            return n;
        case LayerType::Softmax:
            return 5 * n;
        case LayerType::Layernorm:
            return 7 * n + 3 * positions;
        case LayerType::Gelu:
            return 9 * n;
        default:
            return 0;
    }
}

std::string layer_type_list() {
    std::string out;
    for (LayerType t : kLayerTypes) out += (out.empty() ? "" : ", ") + std::string(to_string(t));
    return out;
}

LayerShape lower_matrix(LayerType type, const MatrixShape& x) {
    LayerShape s;  // R = S = U = 1, P = 0: a 1x1 conv
    const int groups = type == LayerType::Matmul ? x.batch * x.heads : 1;
    s.N = type == LayerType::Matmul ? 1 : x.batch;
    s.G = groups;
    s.C = groups * x.K;
    s.M = groups * x.N;
    s.H = x.M;
    s.W = 1;
    return s;
}

Layer stored_layer(const Layer& l, int word_bits) {
    Layer x = l;
    if (x.ifmap.bits < word_bits && !x.value_bits_ifmap) x.value_bits_ifmap = x.ifmap.bits;
    if (x.filter.bits < word_bits && !x.value_bits_filter) x.value_bits_filter = x.filter.bits;
    x.ifmap.bits = std::max(x.ifmap.bits, word_bits);
    x.filter.bits = std::max(x.filter.bits, word_bits);
    return x;
}

Layer lower_add(const Layer& add) {
    DFSIM_ASSERT(add.type == LayerType::Add, "lower_add on a " + std::string(to_string(add.type)) + " layer");
    Layer l = add;
    l.type = LayerType::Conv;
    l.lowered_add = true;
    LayerShape& s = l.shape;
    s.M = s.G = add.shape.C;
    s.C = 2 * add.shape.C;
    s.R = s.S = s.U = 1;
    s.P = 0;
    l.multiplier = Multiplier::Mac;
    const auto [wa, wb] = add_weights(1, 1, l.filter);
    l.filter_data.values = std::make_shared<const Tensor4>(add_filters(l, wa, wb));
    l.filter_data.file.clear();
    l.filter_scale.clear();
    l.bias.clear();
    l.bias_real.clear();
    return l;
}

std::pair<int32_t, int32_t> add_weights(double a_scale, double b_scale, const Format& filter) {
    const int64_t wmax = filter.max();
    const double small = std::min(a_scale, b_scale) / std::max(a_scale, b_scale);
    const auto other =
        static_cast<int32_t>(std::clamp<int64_t>(std::llround(small * static_cast<double>(wmax)), 0, wmax));
    return a_scale >= b_scale ? std::pair<int32_t, int32_t>{static_cast<int32_t>(wmax), other}
                              : std::pair<int32_t, int32_t>{other, static_cast<int32_t>(wmax)};
}

Tensor4 add_filters(const Layer& lowered, int32_t w_a, int32_t w_b) {
    Tensor4 t(lowered.shape.M, 2, 1, 1);
    for (int m = 0; m < lowered.shape.M; ++m) t.at(m, 0, 0, 0) = w_a, t.at(m, 1, 0, 0) = w_b;
    return t;
}

Network with_adds_on_accelerator(const Network& net) {
    Network out = net;
    for (Layer& l : out.layers)
        if (l.type == LayerType::Add) l = lower_add(l);
    return out;
}

Network with_batch(const Network& net, int n, const std::string& field) {
    check_int_range(n, 0, kMaxBatch, "command line", field, "a batch size");
    Network out = net;
    if (n > 0) {
        for (Layer& l : out.layers) {
            if (!l.is_matrix()) {
                l.shape.N = n;
                continue;
            }
            // a matmul's images are groups of its conv (lower_matrix): data read for one batch
            // size has the wrong shape for another
            if (l.type == LayerType::Matmul && n != l.matrix.batch && (l.ifmap_data.values || l.filter_data.values))
                throw ConfigError("command line", field, 0, 0,
                                  "expected batch " + std::to_string(l.matrix.batch) + " for matmul layer " + l.name +
                                      ", whose data is read from a file, got " + std::to_string(n));
            const int64_t widest = int64_t{n} * l.matrix.heads * std::max(l.matrix.K, l.matrix.N);
            if (l.type == LayerType::Matmul && widest > (1 << 20))
                throw ConfigError("command line", field, 0, 0,
                                  "expected batch * heads * max(K, N) <= 1048576 for matmul layer " + l.name +
                                      " (the channels of its conv), got " + std::to_string(widest));
            l.matrix.batch = n;
            l.shape = lower_matrix(l.type, l.matrix);
            // a matmul's output channels are (image, head, column): per-channel figures follow
            // the new batch, the first image's repeated (they do not depend on the image)
            const size_t per_image = static_cast<size_t>(l.matrix.heads) * static_cast<size_t>(l.matrix.N);
            auto tile = [&](auto& v) {
                if (v.empty() || v.size() == static_cast<size_t>(l.shape.M) || v.size() < per_image) return;
                v.resize(std::min(v.size(), per_image));
                while (v.size() < static_cast<size_t>(l.shape.M)) v.push_back(v[v.size() - per_image]);
            };
            if (l.type == LayerType::Matmul) {
                tile(l.filter_scale);
                tile(l.bias);
                tile(l.bias_real);
            }
        }
        check_counts(out, net.file.empty() ? "workload" : net.file, field);
    }
    return out;
}

Network with_precision(const Network& net, const std::string& preset) {
    auto bad = [&]() -> ConfigError {
        return ConfigError(
            "command line", "--precision", 0, 0,
            "expected int8, wNaM (e.g. w4a8), lutN, lutwNaM, ternary[aM], binary[aM] or xnor (N, M in 1..16), got '" +
                preset + "'");
    };
    Multiplier kind = Multiplier::Mac;
    std::string rest = preset;
    auto eat = [&](const std::string& p) {
        if (rest.rfind(p, 0) != 0) return false;
        rest = rest.substr(p.size());
        return true;
    };
    int wbits = 0, abits = 0;  // 0: unchanged
    auto number = [&]() {
        size_t n = 0;
        while (n < rest.size() && std::isdigit(static_cast<unsigned char>(rest[n]))) ++n;
        if (n == 0 || n > 2) throw bad();
        const int v = std::stoi(rest.substr(0, n));
        if (v < 1 || v > 16) throw bad();
        rest = rest.substr(n);
        return v;
    };
    if (preset == "int8") {
        wbits = abits = 8;
        rest.clear();
    } else if (eat("lut")) {
        kind = Multiplier::Lut;
        if (eat("w")) {
            wbits = number();
            if (!eat("a")) throw bad();
            abits = number();
        } else {
            wbits = abits = number();
        }
    } else if (eat("ternary")) {
        kind = Multiplier::Ternary;
        wbits = 2;
        if (eat("a")) abits = number();
    } else if (eat("binary")) {
        kind = Multiplier::Binary;
        if (eat("a")) abits = number();
    } else if (eat("xnor")) {
        kind = Multiplier::Xnor;
    } else if (eat("w")) {
        wbits = number();
        if (!eat("a")) throw bad();
        abits = number();
    } else {
        throw bad();
    }
    if (!rest.empty()) throw bad();
    Network out = net;
    for (Layer& l : out.layers) {
        if (l.on_host()) continue;
        l.multiplier = kind;
        l.filter.zero_point = 0;
        if (kind == Multiplier::Binary || kind == Multiplier::Xnor) {
            l.filter = Format{1, true, true, 0};
        } else {
            l.filter.binary = false;
            l.filter.is_signed = true;
            if (wbits) l.filter.bits = wbits;
        }
        if (kind == Multiplier::Xnor) {
            l.ifmap = Format{1, true, true, 0};
        } else {
            if (l.ifmap.binary) l.ifmap = Format{8, true, false, 0};
            if (abits) l.ifmap.bits = abits, l.ifmap.zero_point = 0;
        }
        // synthetic ifmap zeros would be drawn as they are; binary ifmaps have none
        if (kind == Multiplier::Xnor) l.ifmap_data.zero_fraction = 0;
        if (l.type != LayerType::Matmul) continue;
        // a matmul's operand B is an activation: it takes the activations' format
        if (kind == Multiplier::Binary || kind == Multiplier::Ternary)
            throw ConfigError("command line", "--precision", 0, 0,
                              "expected a preset whose weights are not binary or ternary for matmul layer " + l.name +
                                  " (its operand B is an activation), got '" + preset + "'");
        l.filter = l.ifmap;
        if (kind == Multiplier::Xnor) l.filter_data.zero_fraction = 0;
    }
    return out;
}

namespace {

// The layers of `net` one --layers entry selects: "all", a type or a layer's name, spelled
// exactly, else in any case (a name that two layers share in different cases is refused).
std::vector<const Layer*> layers_matching(const Network& net, const std::string& n) {
    auto pick = [&](auto&& same) {
        std::vector<const Layer*> v;
        for (const Layer& l : net.layers)
            if (same(n, "all") || same(n, to_string(l.type)) || same(n, l.name)) v.push_back(&l);
        return v;
    };
    std::vector<const Layer*> v = pick([](const std::string& a, std::string_view b) { return a == b; });
    if (!v.empty()) return v;
    v = pick([](const std::string& a, std::string_view b) { return ascii_lower(a) == ascii_lower(b); });
    std::vector<std::string> named;
    for (const Layer* l : v)
        if (ascii_lower(l->name) == ascii_lower(n)) named.push_back(l->name);
    if (named.size() > 1)
        throw ConfigError("command line", "--layers", 0, 0,
                          "'" + printable(n) + "' matches the layers " + name_list(named) + " of " + net.file +
                              ", which differ only in case: give the name as the file spells it");
    return v;
}

[[noreturn]] void no_layer_matches(const Network& net, const std::string& n) {
    std::vector<std::string> names;
    for (const Layer& l : net.layers) names.push_back(l.name);
    std::vector<std::string> choices = names;
    choices.push_back("all");
    for (LayerType t : kLayerTypes) choices.emplace_back(to_string(t));
    throw ConfigError("command line", "--layers", 0, 0,
                      "no layer of " + net.file + " matches '" + printable(n) + "'" + did_you_mean(n, choices) +
                          " (its layers: " + name_list(names) + "; or all, " + layer_type_list() + ")");
}

}  // namespace

Network select_layers(const Network& net, const std::string& sel) {
    Network out = net;
    out.layers.clear();
    std::vector<std::string> names;
    std::stringstream ss(sel);
    for (std::string n; std::getline(ss, n, ',');) names.push_back(n);
    if (names.empty() || sel.back() == ',') names.emplace_back();
    for (const std::string& n : names) {
        if (n.empty())
            throw ConfigError("command line", "--layers", 0, 0,
                              "expected all, a layer type (" + layer_type_list() +
                                  ") or layer names, comma-separated, got an empty entry in '" + printable(sel) + "'");
        const std::vector<const Layer*> found = layers_matching(net, n);
        if (found.empty()) no_layer_matches(net, n);
        for (const Layer* l : found) out.layers.push_back(*l);
    }
    return out;
}

}  // namespace dfsim
