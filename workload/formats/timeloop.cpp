#include "workload/formats/timeloop.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/input_file.h"
#include "base/text.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

namespace fs = std::filesystem;

constexpr int64_t kMaxValue = 1 << 20;
const std::set<std::string> kInstanceKeys = {
    "C",    "M",    "K",       "R",       "S", "N",         "P",         "Q",         "H",        "W",
    "Hpad", "Wpad", "Hstride", "Wstride", "G", "densities", "Hdilation", "Wdilation", "bitwidths"};
const char* const kInstanceList =
    "C, M (or K), R, S, N, P, Q, Hstride, Wstride, Hdilation, Wdilation, H, W, Hpad, Wpad, G, densities, bitwidths";

// The problem's shape, if it has one, must be a CNN layer's: a name (`shape: cnn-layer`) or a
// mapping whose `name` says so.
void check_shape(const YamlMap& problem) {
    if (!problem.has("shape")) return;
    std::optional<YamlMap> map;
    try {
        map = problem.child("shape");
    } catch (const ConfigError&) {  // not a mapping: the older form's `shape: cnn-layer`
    }
    const std::string name = map ? (map->has("name") ? map->get_string("name") : "") : problem.get_string("shape");
    const std::string n = ascii_lower(name);
    if (name.empty() || n == "cnn-layer" || n == "cnn_layer" || n == "conv2d" || n == "convolution") return;
    const std::string why = "expected a CNN layer's shape (CNN-Layer, CNN_Layer or conv2D), got '" + name +
                            "': dfsim imports Timeloop's convolution problems only";
    if (map) map->fail("name", why);
    problem.fail("shape", why);
}

// One axis of the layer (height or width): its output, filter, stride and, if given, its ifmap
// extent and padding; returns (ifmap, padding) as dfsim keeps them.
struct Axis {
    std::string in_key, pad_key, out_key, filter_key, stride_key;
    int out = 1, filter = 1, stride = 1;
};

std::pair<int, int> derive_axis(const YamlMap& inst, const Axis& a) {
    const auto outputs = [&](int64_t in, int64_t pad) {
        return in + 2 * pad < a.filter ? int64_t{0} : (in + 2 * pad - a.filter) / a.stride + 1;
    };
    const std::string rule = "(" + a.in_key + " + 2*" + a.pad_key + " - " + a.filter_key + ") / " + a.stride_key +
                             " + 1 = " + a.out_key + " (" + std::to_string(a.out) + ")";
    const bool has_in = inst.has(a.in_key), has_pad = inst.has(a.pad_key);
    const int64_t pad = has_pad ? inst.get_int(a.pad_key, 0, kMaxValue) : 0;
    if (!has_in) {  // the ifmap the outputs imply
        const int64_t in = static_cast<int64_t>(a.out - 1) * a.stride + a.filter - 2 * pad;
        if (in < 1 || in > kMaxValue)
            inst.fail(has_pad ? a.pad_key : a.out_key, "expected an ifmap " + a.in_key + " in [1, " +
                                                           std::to_string(kMaxValue) + "] from " + rule + ", got " +
                                                           std::to_string(in));
        return {static_cast<int>(in), static_cast<int>(pad)};
    }
    const int64_t in = inst.get_int(a.in_key, 1, kMaxValue);
    if (has_pad) {
        if (outputs(in, pad) != a.out)
            inst.fail(a.in_key, "expected " + rule + ", got " + std::to_string(outputs(in, pad)) + " outputs");
        return {static_cast<int>(in), static_cast<int>(pad)};
    }
    for (int64_t p = 0; p < a.filter; ++p)
        if (outputs(in, p) == a.out) return {static_cast<int>(in), static_cast<int>(p)};
    inst.fail(a.in_key, "expected an ifmap " + a.in_key + " that some padding p in [0, " + a.filter_key +
                            ") turns into " + a.out_key + " (" + std::to_string(a.out) + ") outputs: " + rule +
                            " with " + a.pad_key + " = p (Timeloop's problems have no padding; dfsim derives it)");
}

// A density of `densities` (a number, or a mapping with `density:`) as a zero fraction.
std::optional<double> zero_fraction(const YamlMap& d, const std::string& key) {
    if (!d.has(key)) return std::nullopt;
    std::optional<YamlMap> map;
    try {
        map = d.child(key);
    } catch (const ConfigError&) {}
    const double density = map ? map->get_double("density", 0.0, 1.0) : d.get_double(key, 0.0, 1.0);
    return 1.0 - density;
}

// densities and bitwidths: the synthetic data's zeros and the operands' widths.
void read_data_keys(const YamlMap& inst, Layer& l, std::vector<std::string>& notes) {
    if (auto d = inst.opt_child("densities")) {
        if (auto z = zero_fraction(*d, "Inputs")) l.ifmap_data.zero_fraction = *z;
        if (auto z = zero_fraction(*d, "Weights")) l.filter_data.zero_fraction = *z;
        d->has("Outputs");  // the output's density is the run's result, not an input
        d->check_no_unknown_keys();
        notes.push_back("layer " + l.name + ": Timeloop's densities set the synthetic data's zero fractions (" +
                        "ifmap " + std::to_string(l.ifmap_data.zero_fraction) + ", filters " +
                        std::to_string(l.filter_data.zero_fraction) + "); an Outputs density is ignored");
    }
    if (auto b = inst.opt_child("bitwidths")) {
        l.ifmap.bits = static_cast<int>(b->get_int("Inputs", 2, kMaxBits, l.ifmap.bits));
        l.filter.bits = static_cast<int>(b->get_int("Weights", 2, kMaxBits, l.filter.bits));
        b->get_int("Outputs", 1, 64, 8);  // dfsim's output width is the requantizer's
        b->check_no_unknown_keys();
    }
}

// The instance's strides and dilations: one stride, no dilation.
int read_stride(const YamlMap& inst) {
    for (const char* k : {"Hdilation", "Wdilation"})
        if (inst.get_int(k, 1, kMaxValue, 1) != 1) inst.fail(k, "expected 1: dfsim has no dilated convolutions");
    const int64_t h = inst.get_int("Hstride", 1, kMaxValue, 1), w = inst.get_int("Wstride", 1, kMaxValue, 1);
    if (w != h)
        inst.fail("Wstride", "expected the Hstride (" + std::to_string(h) +
                                 "): dfsim's layers have one stride for rows and columns");
    return static_cast<int>(h);
}

// The dfsim shape of a CNN-Layer instance.
LayerShape read_instance(const YamlMap& inst) {
    for (const std::string& k : inst.keys())
        if (!kInstanceKeys.count(k) && k != "shape" && k != "version")
            inst.fail(k, std::string("unknown field of a CNN-Layer instance (it takes ") + kInstanceList + ")");
    if (inst.has("M") && inst.has("K")) inst.fail("K", "expected M or K (both name the output channels), not both");
    const std::string m_key = inst.has("K") ? "K" : "M";
    const auto get = [&](const std::string& k) { return static_cast<int>(inst.get_int(k, 1, kMaxValue)); };
    LayerShape s;
    s.G = static_cast<int>(inst.get_int("G", 1, kMaxValue, 1));
    const int64_t c = get("C"), m = get(m_key);
    if (c * s.G > kMaxValue || m * s.G > kMaxValue)
        inst.fail("G", "expected G x C and G x " + m_key + " at most " + std::to_string(kMaxValue));
    s.C = static_cast<int>(c * s.G), s.M = static_cast<int>(m * s.G);
    s.N = static_cast<int>(inst.get_int("N", 1, kMaxBatch, 1));
    s.S = get("R"), s.R = get("S");  // Timeloop's R is the filter's width, S its height
    const int P = get("P"), Q = get("Q");
    s.U = read_stride(inst);
    const auto [H, hpad] = derive_axis(inst, {"H", "Hpad", "Q", "S", "Hstride", Q, s.R, s.U});
    const auto [W, wpad] = derive_axis(inst, {"W", "Wpad", "P", "R", "Wstride", P, s.S, s.U});
    if (wpad != hpad)
        inst.fail(inst.has("Wpad") ? "Wpad" : "W", "expected the height's padding (" + std::to_string(hpad) +
                                                       ") along the width too, got " + std::to_string(wpad) +
                                                       ": dfsim pads rows and columns alike");
    s.H = H, s.W = W, s.P = hpad;
    return s;
}

// A file's layer name: its name without .yaml / .yml and a further .prob.
std::string stem_of(const std::string& path) {
    std::string base = fs::path(path).filename().string();
    for (const char* ext : {".yaml", ".yml", ".prob"})
        if (base.size() > std::string(ext).size() && ascii_lower(base).ends_with(ext))
            base.resize(base.size() - std::string(ext).size());
    return base;
}

bool yaml_name(const fs::path& p) {
    const std::string e = ascii_lower(p.extension().string());
    return e == ".yaml" || e == ".yml";
}

// The network of several problem files, in order; a name taken twice gets _2, _3, ... A file that
// is not a problem is an error: "is not a Timeloop problem (...), but " + `where`.
Network load_problems(const std::vector<std::string>& files, Network net, const std::string& where) {
    std::map<std::string, int> seen;
    for (const std::string& f : files) {
        const YamlMap root = YamlMap::load_file(f);
        if (!is_timeloop_problem(root))
            throw ConfigError(f, "problem", 0, 0,
                              "is not a Timeloop problem (no top-level 'problem:' key), but " + where);
        std::string name = stem_of(f);
        if (const int k = ++seen[name]; k > 1) name += "_" + std::to_string(k);
        net.layers.push_back(read_timeloop_problem(root, name, net.layers.size(), net.notes));
    }
    return net;
}

}  // namespace

bool is_timeloop_problem(const YamlMap& root) {
    const auto k = root.keys();
    return std::count(k.begin(), k.end(), "problem") && !std::count(k.begin(), k.end(), "layers");
}

bool is_timeloop_list(const YamlMap& root) {
    const auto k = root.keys();
    return std::count(k.begin(), k.end(), "problems") && !std::count(k.begin(), k.end(), "layers") &&
           !std::count(k.begin(), k.end(), "problem");
}

Layer read_timeloop_problem(const YamlMap& root, const std::string& layer_name, size_t index,
                            std::vector<std::string>& notes) {
    const YamlMap problem = root.child("problem");
    check_shape(problem);
    problem.get_string("version", "");
    const bool v04 = problem.has("instance");
    const YamlMap inst = v04 ? problem.child("instance") : problem;
    if (v04)
        for (const std::string& k : problem.keys())
            if (k != "instance" && k != "shape" && k != "version")
                problem.fail(k, "unknown field of a Timeloop v0.4 problem (it takes version, instance, shape)");
    Layer l;
    l.name = layer_name;
    l.shape = read_instance(inst);
    const LayerShape& s = l.shape;
    l.type = (s.P == 0 && s.R == s.H && s.S == s.W) ? LayerType::Fc : LayerType::Conv;
    l.ifmap_data.seed = 11 + 1000003ULL * index;  // as SCALE-Sim imports: dfsim's defaults, per-layer seeds
    l.filter_data.distribution = "normal";
    l.filter_data.seed = 23 + 1000003ULL * index;
    read_data_keys(inst, l, notes);
    check_layer_counts(l, root.file(), "problem");
    return l;
}

Network load_timeloop_problem_text(const std::string& text, const std::string& name) {
    return load_timeloop_problem(YamlMap::from_string(text, name));
}

Network load_timeloop_problem(const YamlMap& root) {
    Network net;
    net.file = root.file();
    net.name = stem_of(root.file());
    net.layers.push_back(read_timeloop_problem(root, net.name, 0, net.notes));
    return net;
}

Network load_timeloop_problem(const std::string& path) {
    return load_timeloop_problem_text(read_input_file(path), path);
}

Network load_timeloop_folder(const std::string& dir) {
    std::vector<std::string> files;
    std::error_code ec;
    for (const fs::directory_entry& e : fs::directory_iterator(dir, ec))
        if (yaml_name(e.path()) && e.is_regular_file(ec)) files.push_back(e.path().string());
    if (ec) throw ConfigError(dir, "", 0, 0, "cannot list the folder: " + ec.message());
    if (files.empty())
        throw ConfigError(dir, "", 0, 0,
                          "is a directory, expected a file, or a folder of Timeloop problem files (*.yaml, *.yml), "
                          "but it holds none");
    std::sort(files.begin(), files.end());
    Network net;
    net.file = dir;
    net.name = fs::path(dir).lexically_normal().filename().string();
    if (net.name.empty()) net.name = fs::path(dir).lexically_normal().parent_path().filename().string();
    return load_problems(files, net, dir + " is a directory, read as a folder of Timeloop problem files");
}

Network load_timeloop_list(const YamlMap& root) {
    Network net;
    net.file = root.file();
    net.name = root.get_string("name", stem_of(root.file()));
    const std::vector<std::string> entries = root.get_string_list("problems");
    root.check_no_unknown_keys();
    std::vector<std::string> files;
    const fs::path base = fs::path(root.file()).parent_path();
    for (const std::string& e : entries) files.push_back((base / e).lexically_normal().string());
    return load_problems(files, net, root.file() + " lists it as one (problems:)");
}

std::string to_timeloop_problem(const Layer& l, const std::string& network) {
    if (l.on_host())
        throw UserError("layer '" + l.name + "' of " + network + " is a " + std::string(to_string(l.type)) +
                        " layer: a Timeloop CNN-Layer problem holds a conv or fc layer only");
    const LayerShape& s = l.shape;
    std::ostringstream os;
    os << "# Layer " << l.name << " of " << network << " as a Timeloop v0.4 problem (dfsim export).\n"
       << "# R and P run along the width, S and Q along the height (Timeloop's projection).\n";
    if (s.P > 0)
        os << "# Padding " << s.P << " on each side: Timeloop's CNN-Layer has no padding (its P and Q are the\n"
           << "# outputs, which count it). H, W, Hpad and Wpad are for dfsim, which reads the padding back.\n";
    if (s.G > 1)
        os << "# Groups " << s.G << ": Timeloop's CNN-Layer has no groups. This is one group (C and M per group);\n"
           << "# the whole layer is G of them, so Timeloop counts 1/" << s.G << " of its MACs. dfsim reads G.\n";
    os << "problem:\n  version: 0.4\n  instance:\n"
       << "    C: " << s.Cg() << "\n    M: " << s.Mg() << "\n    R: " << s.S << "\n    S: " << s.R << "\n    N: " << s.N
       << "\n    P: " << s.F() << "\n    Q: " << s.E() << "\n    Hstride: " << s.U << "\n    Wstride: " << s.U
       << "\n    Hdilation: 1\n    Wdilation: 1\n    H: " << s.H << "\n    W: " << s.W << "\n";
    if (s.P > 0) os << "    Hpad: " << s.P << "\n    Wpad: " << s.P << "\n";
    if (s.G > 1) os << "    G: " << s.G << "\n";
    os << "  shape:\n    name: CNN-Layer\n    dimensions: [C, M, R, S, N, P, Q]\n    coefficients:\n"
       << "    - {name: Wstride, default: 1}\n    - {name: Hstride, default: 1}\n"
       << "    - {name: Wdilation, default: 1}\n    - {name: Hdilation, default: 1}\n"
       << "    data-spaces:\n    - name: Weights\n      projection: [[[C]], [[M]], [[R]], [[S]]]\n"
       << "    - name: Inputs\n      projection: [[[N]], [[C]], [[R, Wdilation], [P, Wstride]], "
          "[[S, Hdilation], [Q, Hstride]]]\n"
       << "    - name: Outputs\n      projection: [[[N]], [[M]], [[Q]], [[P]]]\n      read-write: true\n";
    return os.str();
}

}  // namespace dfsim
