// The shape of a conv/FC layer, its operand formats, output requantization and data source,
// the pool and residual-add layers that run on the host, and a network (list of layers) loaded
// from a workload YAML file.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/tensor.h"
#include "quant/format.h"

namespace dfsim {

// Conv layer shape (Sze et al. notation). An FC layer is a conv with R=H, S=W, E=F=1.
struct LayerShape {
    int N = 1;  // batch
    int C = 1;  // input channels (total, over all groups)
    int H = 1, W = 1;  // ifmap height/width (unpadded)
    int M = 1;  // output channels (filters, total over all groups)
    int R = 1, S = 1;  // filter height/width
    int U = 1;  // stride
    int P = 0;  // zero padding on each side (rows and columns)
    int G = 1;  // groups: each group sees C/G input channels and produces M/G outputs

    int Cg() const { return C / G; }
    int Mg() const { return M / G; }
    int Hp() const { return H + 2 * P; }
    int Wp() const { return W + 2 * P; }
    int E() const { return (Hp() - R) / U + 1; }  // output height
    int F() const { return (Wp() - S) / U + 1; }  // output width
    uint64_t macs() const { return static_cast<uint64_t>(N) * M * E() * F() * Cg() * R * S; }
    uint64_t filter_words() const { return static_cast<uint64_t>(M) * Cg() * R * S; }
    // Of the MAC slots, those whose ifmap operand is padding (a tap outside the image).
    uint64_t padding_macs() const;
    bool depthwise() const { return G > 1 && G == C && G == M; }  // one channel in, one out, per group
    bool operator==(const LayerShape&) const = default;
};

// A synthetic tensor generator. Exactly round(zero_fraction * size) elements are zero
// (positions chosen at random); the rest are drawn from `distribution` and are never zero.
// Or, when `values` is set, the tensor itself (read from a .npy file or an ONNX initializer at
// load time, already in the layer's format and centred); `file` names where it came from.
struct SyntheticSource {
    std::string distribution = "uniform";  // uniform | normal | laplace
    double zero_fraction = 0.0;  // [0, 1]
    double scale = 0.25;  // normal/laplace: std-dev as a fraction of the max magnitude
    uint64_t seed = 1;
    std::string file;  // .npy / .onnx the values came from ("" = synthetic)
    std::shared_ptr<const Tensor4> values;  // real data (shape checked against the layer at load)
    bool operator==(const SyntheticSource&) const = default;
};

// A layer's kind: conv, fc, gemm and matmul run on the accelerator; pool, add, concat, softmax,
// layernorm and gelu are host work (an add runs on the accelerator where the architecture says,
// lower_add). The workload files spell them as to_string does.
enum class LayerType : uint8_t { Conv, Fc, Gemm, Matmul, Pool, Add, Concat, Softmax, Layernorm, Gelu };
inline constexpr std::array<LayerType, 10> kLayerTypes{
    LayerType::Conv, LayerType::Fc,     LayerType::Gemm,    LayerType::Matmul,    LayerType::Pool,
    LayerType::Add,  LayerType::Concat, LayerType::Softmax, LayerType::Layernorm, LayerType::Gelu};
constexpr std::string_view to_string(LayerType t) {
    switch (t) {
        case LayerType::Conv:
            return "conv";
        case LayerType::Fc:
            return "fc";
        case LayerType::Gemm:
            return "gemm";
        case LayerType::Matmul:
            return "matmul";
        case LayerType::Pool:
            return "pool";
        case LayerType::Add:
            return "add";
        case LayerType::Concat:
            return "concat";
        case LayerType::Softmax:
            return "softmax";
        case LayerType::Layernorm:
            return "layernorm";
        case LayerType::Gelu:
            return "gelu";
    }
    return "?";
}
// The layer types as one list for messages: "conv, fc, gemm, ..., gelu".
std::string layer_type_list();

// The matrices of a gemm or matmul layer: out[M x N] = A[M x K] x B[K x N] for each of `batch`
// images (and, for a matmul, each of its `heads`). A gemm's B is weights, shared by the batch; a
// matmul's A and B are both activations, one pair per image and head. lower_matrix gives the
// conv the accelerator runs.
struct MatrixShape {
    int M = 1, N = 1, K = 1;  // rows of A and out, columns of B and out, the reduced dimension
    int batch = 1;
    int heads = 1;  // matmul only: independent products per image (attention heads)
    bool operator==(const MatrixShape&) const = default;
};

// The one place a gemm or matmul becomes a conv (docs/dataflows.md, "GEMM and attention"):
// a 1x1 conv, stride 1, no padding, over an ifmap of K channels x M rows x 1 column (A's rows
// are the pixels, its columns the channels); B^T is the filters (N filters of K weights).
// - gemm:   N = batch, C = K, H = M, W = 1, M = N(cols), G = 1;
// - matmul: N = 1, G = batch * heads, C = G * K, H = M, W = 1, M = G * N(cols): one group per
//   (image, head), so each group has its own B (per-image data, never shared across a batch)
//   and the DRAM holds and moves exactly batch * heads * K * N words of B.
LayerShape lower_matrix(LayerType type, const MatrixShape& x);

// A pool layer's operation.
enum class PoolOp : uint8_t { Max, Avg };
inline constexpr std::array<PoolOp, 2> kPoolOps{PoolOp::Max, PoolOp::Avg};
constexpr std::string_view to_string(PoolOp p) { return p == PoolOp::Max ? "max" : "avg"; }

// The zeros of a layer's data, as the datapath and the DRAM link see them.
struct DataZeros {
    // MAC slots the datapath gates (a zero operand it gates on, padding included; sim/reference.h
    // reference_gated_macs). -1: not known (the estimate gates the padding zeros only).
    int64_t gated_macs = -1;
    // Under zero skipping with ifmap gating, the MAC slots whose ifmap operand is zero (padding
    // included): the slots a PE row that steps through its taps in lockstep gives back (ws; rs
    // gives back every gated slot). -1: not skipped, or not known.
    int64_t ifmap_zero_slots = -1;
    // Bits the DRAM link moves per stored bit of the ifmap and of the output when it run-length
    // codes them (dram.rlc): the code of the whole tensor over its raw size. 0: not coded, or not
    // known (the output's is known when the reference output is).
    double ifmap_link = 0, output_link = 0;
    bool operator==(const DataZeros&) const = default;
};

// A layer. conv, fc, gemm and matmul layers run on the accelerator (gemm and matmul as the conv
// lower_matrix makes, an add on an architecture that says so as the conv lower_add makes). pool,
// add, concat, softmax, layernorm and gelu layers are host work: they are never simulated, only
// their operations are counted (host_ops). A host layer keeps its per-channel shape as a
// depthwise layer would: M = G = C, E x F outputs per channel; a pool has an R x S window with
// stride U and padding P, the others have R = S = 1. A concat's C is its inputs' channels
// together (in the order of `inputs`). A matmul's
// "filter" is its operand B, an activation (format, data and DRAM traffic as the filters').
struct Layer {
    std::string name;
    LayerType type = LayerType::Conv;
    PoolOp pool_op = PoolOp::Max;  // pool layers
    LayerShape shape;
    MatrixShape matrix;  // gemm and matmul layers: the matrices `shape` was lowered from
    Format ifmap{8, true};
    Format filter{8, true};
    int psum_bits = 0;  // psum storage width for this layer (0: the architecture's pe.psum_bits)
    Multiplier multiplier = Multiplier::Mac;
    Requant requant;
    SyntheticSource ifmap_data;
    SyntheticSource filter_data;
    std::vector<int32_t> bias;  // empty, or one per output channel, added to the accumulator by the output unit
    // The model's real bias per output channel (an ONNX float layer; empty otherwise): a chained
    // run quantizes it again at the scale its input actually has (bias = round(b / (x * w[m]))).
    std::vector<double> bias_real;
    std::vector<double> filter_scale;  // real value of one filter step, per output channel (empty: unknown / 1)
    double ifmap_scale = 0.0;  // real value of one ifmap step (0: unknown)
    // Set by stored_layer when it widens the storage: the operands' own widths (0: not widened).
    int value_bits_ifmap = 0, value_bits_filter = 0;
    // The first conv/fc layer of the network as loaded: its ifmap is the network's input (an
    // architecture may leave it uncompressed on the DRAM link, dram.compress_network_input).
    bool network_input = false;
    // An add layer the architecture runs on the accelerator (add_layers: accelerator), as the
    // conv lower_add makes: its ifmap is its two inputs' channels interleaved.
    bool lowered_add = false;
    // The layers whose outputs this layer reads, by name (workload YAML `inputs: [CONV2, CONV0]`,
    // an ONNX graph's edges): empty, the layer before it in the network (the first reads the
    // network's input); an add layer names its two. The network is then a DAG in topological
    // order; a chained run follows these edges (simulate_network).
    std::vector<std::string> inputs;
    // What prepare measured on the data the run uses; the analytical estimate, and so the mapper's
    // ranking, counts it (dataflows/tiling.h with_data). Unknown without data: dense estimates.
    DataZeros zeros;
    // The operand formats of the values (the storage formats narrowed back to the values' widths).
    Format ifmap_values() const {
        Format f = ifmap;
        if (value_bits_ifmap) f.bits = value_bits_ifmap;
        return f;
    }
    Format filter_values() const {
        Format f = filter;
        if (value_bits_filter) f.bits = value_bits_filter;
        return f;
    }
    bool on_host() const { return type >= LayerType::Pool; }
    bool is_matrix() const { return type == LayerType::Gemm || type == LayerType::Matmul; }
    // Operations of a host layer, on n = N*C*H*W elements (0 for an accelerator layer):
    // - pool: N*C*E*F*R*S comparisons (max) or adds (avg);
    // - add: n adds (two tensors of the layer's shape, element by element);
    // - concat: n element moves (each input written at its channel offset; rescaled to the
    //   common step where the inputs' steps differ);
    // - softmax: 5n (per element: compare for the max, subtract it, exp, add to the sum, divide);
    // - layernorm over the C channels at each of the N*H*W positions: 7n + 3*N*H*W (per element:
    //   add to the mean, subtract it, square, add to the variance, scale by 1/sigma, by gamma, add
    //   beta; per position: the mean's and the variance's divisions and one reciprocal root);
    // - gelu (tanh form 0.5x(1 + tanh(sqrt(2/pi)(x + 0.044715x^3)))): 9n (8 arithmetic and a tanh).
    uint64_t host_ops() const;
    bool operator==(const Layer&) const = default;
};

struct Network {
    std::string name;
    std::string file;  // where it was loaded from
    std::vector<Layer> layers;
    // What the loader assumed or left out (an ONNX model's symbolic batch, a final Softmax, ...),
    // one sentence each; `dfsim run` prints them on stderr.
    std::vector<std::string> notes;
};

// A layer's output per image as C x H x W (a conv's M x E x F; an fc layer's M x 1 x 1).
std::array<int, 3> output_chw(const Layer& l);
// What is wrong with layer i's `inputs` in `net` (each an earlier layer whose output has the
// layer's input shape, one name, two for an add), or "" if nothing.
std::string input_problem(const Network& net, size_t i);

// The limits every path checks (workload files, the command line, sweep axes and spec files,
// ONNX and SCALE-Sim imports), in one place.
inline constexpr int kMaxBatch = 4096;  // batch size N: 1..kMaxBatch
inline constexpr int kMaxBits = 16;  // operand width in bits: 1..kMaxBits
// Derived counts: a layer's MACs (a host layer's operations), and each of its tensors' elements,
// are refused above these (exact in a double, so every report holds them exactly), and so are a
// network's MACs in all (so that totals never wrap).
inline constexpr uint64_t kMaxLayerMacs = uint64_t{1} << 53;
inline constexpr uint64_t kMaxTensorElements = uint64_t{1} << 40;
inline constexpr uint64_t kMaxNetworkMacs = uint64_t{1} << 62;

// ConfigError(file, field) "expected WHAT in [lo, hi], got v" unless lo <= v <= hi.
void check_int_range(int64_t v, int64_t lo, int64_t hi, const std::string& file, const std::string& field,
                     const std::string& what);
// A decimal integer (digits only, no sign, no leading zero) in [lo, hi]; ConfigError otherwise.
int64_t parse_int_in(const std::string& text, int64_t lo, int64_t hi, const std::string& file, const std::string& field,
                     const std::string& what);
// ConfigError(file, field or "layer NAME") if a derived count of the layer exceeds the limits
// above (computed exactly, before anything is allocated).
void check_layer_counts(const Layer& l, const std::string& file, const std::string& field);
// Every layer's name (UTF-8 without control characters, unique) and counts, and the network's
// MACs in all; ConfigError naming net.file and the layer.
void check_network(const Network& net, const std::string& field);

// The layer as stored on an architecture whose words are `word_bits` wide (0: unchanged):
// ifmap and filter storage widens, the values' formats (and so the data) do not change.
Layer stored_layer(const Layer& l, int word_bits);
// The network at batch size n (n = 0: unchanged); n outside [0, kMaxBatch], or a count it makes
// too large (check_network), is a ConfigError naming `field`.
Network with_batch(const Network& net, int n, const std::string& field = "--batch");

// An add layer as the accelerator runs it (an architecture with add_layers: accelerator;
// docs/dataflows.md, "Adds on the accelerator"): a grouped 1x1 conv, stride 1, with one group per
// channel c whose two input channels are A[c] and B[c] (the two inputs interleaved: C = 2C,
// M = G = C) and whose two weights carry the inputs' steps, y = requant(w_a * a + w_b * b)
// (add_weights). Its weights here are add_weights(1, 1): a run of synthetic data; a chained run
// sets them from the steps its inputs have. Name, inputs, batch and requantization are the add's.
Layer lower_add(const Layer& add);
// The weights of a lowered add whose inputs have steps a_scale and b_scale (> 0): the larger
// step's weight is the filter format's largest value wmax, the other's round(wmax x the steps'
// ratio), so w_a / w_b is the steps' ratio within half a weight step (0 where the smaller step is
// below 1 / (2 wmax) of the larger: that input moves the sum by less than its rounding).
std::pair<int32_t, int32_t> add_weights(double a_scale, double b_scale, const Format& filter);
// The filters of a lowered add (C filters of the two weights).
Tensor4 add_filters(const Layer& lowered, int32_t w_a, int32_t w_b);
// `net` with every add layer lowered (lower_add): add_layers: accelerator.
Network with_adds_on_accelerator(const Network& net);

// Sets the precision of every accelerator layer (host layers untouched) to a preset:
//   wNaM      multiplier mac, N-bit signed weights, M-bit ifmaps (signedness kept); int8 = w8a8
//   lutN      multiplier lut, N-bit weights and ifmaps (lutwNaM for different widths)
//   ternary   multiplier ternary, 2-bit weights (-1, 0, +1); ternaryaM also sets M-bit ifmaps
//   binary    multiplier binary, binary weights; binaryaM also sets M-bit ifmaps
//   xnor      multiplier xnor, binary weights and ifmaps
// Throws ConfigError (field --precision) for anything else.
Network with_precision(const Network& net, const std::string& preset);

// Keeps the layers named in `sel`: "all", a layer type ("conv", "gemm", "pool", ...), or a
// comma-separated list of types and names (in the network's order per entry), in any case (an
// exact spelling first: "conv1" is CONV1 unless a layer is called conv1). Throws ConfigError
// (field --layers) for an entry that matches nothing, with the nearest names and the layers.
Network select_layers(const Network& net, const std::string& sel);

// As select_layers, plus every host layer (pool, add, softmax, ...) between the first and the last layer
// selected, in the network's order: what a chained run needs between its layers.
Network select_chain(const Network& net, const std::string& sel);

// Loads and validates a workload file (YAML, a SCALE-Sim topology if it ends in .csv: see
// workload/formats/scalesim.h, or an ONNX model if it ends in .onnx: see workload/formats/onnx.h); throws
// ConfigError. A YAML file with a top-level `problem:` (and no `layers:`) is a Timeloop problem, one
// with `problems:` a list of them, and a folder a folder of them (workload/formats/timeloop.h).
Network load_network(const std::string& path);

}  // namespace dfsim
