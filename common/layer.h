// The shape of a conv/FC layer, its operand formats, output requantization and data source,
// the pool and residual-add layers that run on the host, and a network (list of layers) loaded
// from a workload YAML file.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/tensor.h"

namespace dfsim {

// Conv layer shape (Sze et al. notation). An FC layer is a conv with R=H, S=W, E=F=1.
struct LayerShape {
    int N = 1;        // batch
    int C = 1;        // input channels (total, over all groups)
    int H = 1, W = 1; // ifmap height/width (unpadded)
    int M = 1;        // output channels (filters, total over all groups)
    int R = 1, S = 1; // filter height/width
    int U = 1;        // stride
    int P = 0;        // zero padding on each side (rows and columns)
    int G = 1;        // groups: each group sees C/G input channels and produces M/G outputs

    int Cg() const { return C / G; }
    int Mg() const { return M / G; }
    int Hp() const { return H + 2 * P; }
    int Wp() const { return W + 2 * P; }
    int E() const { return (Hp() - R) / U + 1; }  // output height
    int F() const { return (Wp() - S) / U + 1; }  // output width
    uint64_t macs() const {
        return static_cast<uint64_t>(N) * M * E() * F() * Cg() * R * S;
    }
    uint64_t filter_words() const { return static_cast<uint64_t>(M) * Cg() * R * S; }
    bool operator==(const LayerShape&) const = default;
};

// Integer format of an operand tensor: `bits` wide (1..16), signed or unsigned. Values are held
// centred on the zero point (code - zero_point), so a real zero is always the integer 0 (the
// zero gating sees it) and the range shifts by -zero_point. A binary format is 1 bit that
// encodes -1 (0) or +1 (1): BinaryNet / XNOR-Net weights and activations.
struct Format {
    int bits = 8;
    bool is_signed = true;
    bool binary = false;
    int32_t zero_point = 0;
    int64_t min() const {
        if (binary) return -1;
        return (is_signed ? -(int64_t{1} << (bits - 1)) : 0) - zero_point;
    }
    int64_t max() const {
        if (binary) return 1;
        return (is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1) - zero_point;
    }
    bool holds(int64_t v) const { return binary ? (v == 1 || v == -1) : (v >= min() && v <= max()); }
    bool operator==(const Format&) const = default;
};
std::string to_string(const Format& f);  // "int8", "uint4", "binary", "uint8-zp128"

// The PE datapath a layer's products take (BRIEF section 4):
//  mac     - a multiplier (int x int) and an accumulator
//  lut     - the product is read from a 2^(kw+ka)-entry table (k-bit operands, k <= pe.lut_max_bits)
//  binary  - weights in {-1,+1}: the activation is passed or negated, no multiplier
//  ternary - weights in {-1,0,+1}: pass, negate or skip (a zero weight is skipped like a zero ifmap)
//  xnor    - binary weights and activations: XNOR + popcount over packed words
enum class Multiplier : uint8_t { Mac, Lut, Binary, Ternary, Xnor };
std::string_view to_string(Multiplier m);
// Throws std::invalid_argument for an unknown name.
Multiplier parse_multiplier(std::string_view name);

// Output requantization done by the output unit on the way into the global buffer:
// y = clamp(((acc * multiplier) + 2^(shift-1)) >> shift [ReLU first: max(acc,0)], out format).
// Integer-only (gemmlowp/TFLite style fixed-point multiplier), so it is bit-exact.
// Per-channel scales (per output filter m: `multipliers[m]`, `shifts[m]`) replace the scalar
// pair when given (e.g. XNOR-Net's per-filter alpha, per-channel quantized weights). A binary
// output format keeps only the sign (y >= 0: +1, else -1).
struct Requant {
    bool enabled = false;
    int32_t multiplier = 1;  // 1 .. 2^31-1
    int shift = 0;           // 0 .. 62
    bool relu = false;
    Format out{8, true};
    std::vector<int32_t> multipliers;  // empty, or one per output channel
    std::vector<int> shifts;           // empty, or one per output channel
    // `requant: auto`: the multipliers are calibrated on the layer's own accumulators before it
    // runs (sim/calibrate.h): the largest |accumulator| x filter scale maps to the output range.
    bool calibrate = false;
    // The scales came from a model (ONNX): a chained run keeps them instead of calibrating.
    bool from_model = false;
    // An enabled scalar requantization.
    static Requant scalar(int32_t multiplier, int shift, bool relu, Format out) {
        Requant r;
        r.enabled = true, r.multiplier = multiplier, r.shift = shift, r.relu = relu, r.out = out;
        return r;
    }
    int32_t multiplier_of(int m) const { return multipliers.empty() ? multiplier : multipliers[static_cast<size_t>(m)]; }
    int shift_of(int m) const { return shifts.empty() ? shift : shifts[static_cast<size_t>(m)]; }
    bool operator==(const Requant&) const = default;
};

// A synthetic tensor generator. Exactly round(zero_fraction * size) elements are zero
// (positions chosen at random); the rest are drawn from `distribution` and are never zero.
// Or, when `values` is set, the tensor itself (read from a .npy file or an ONNX initializer at
// load time, already in the layer's format and centred); `file` names where it came from.
struct SyntheticSource {
    std::string distribution = "uniform";  // uniform | normal | laplace
    double zero_fraction = 0.0;            // [0, 1]
    double scale = 0.25;                   // normal/laplace: std-dev as a fraction of the max magnitude
    uint64_t seed = 1;
    std::string file;                      // .npy / .onnx the values came from ("" = synthetic)
    std::shared_ptr<const Tensor4> values; // real data (shape checked against the layer at load)
    bool operator==(const SyntheticSource&) const = default;
};

// A layer. conv and fc layers run on the accelerator. pool and add layers are host work: they
// are never simulated, only their operations are counted (host_ops). A host layer keeps its
// per-channel shape as a depthwise layer would: M = G = C, E x F outputs per channel; a pool
// has an R x S window with stride U and padding P, an add has R = S = 1.
struct Layer {
    std::string name;
    std::string type = "conv";  // conv | fc (accelerator) | pool | add (host)
    std::string pool_op = "max";  // pool layers: max | avg
    LayerShape shape;
    Format ifmap{8, true};
    Format filter{8, true};
    int psum_bits = 0;  // psum storage width for this layer (0: the architecture's pe.psum_bits)
    Multiplier multiplier = Multiplier::Mac;
    Requant requant;
    SyntheticSource ifmap_data;
    SyntheticSource filter_data;
    std::vector<int32_t> bias;          // empty, or one per output channel, added to the accumulator by the output unit
    std::vector<double> filter_scale;   // real value of one filter step, per output channel (empty: unknown / 1)
    double ifmap_scale = 0.0;           // real value of one ifmap step (0: unknown)
    // Set by stored_layer when it widens the storage: the operands' own widths (0: not widened).
    int value_bits_ifmap = 0, value_bits_filter = 0;
    // The operand formats of the values (the storage formats narrowed back to the values' widths).
    Format ifmap_values() const { Format f = ifmap; if (value_bits_ifmap) f.bits = value_bits_ifmap; return f; }
    Format filter_values() const { Format f = filter; if (value_bits_filter) f.bits = value_bits_filter; return f; }
    bool on_host() const { return type == "pool" || type == "add"; }
    // Operations of a host layer: a pool's N*C*E*F*R*S comparisons (max) or adds (avg), an
    // add's N*C*H*W adds (two tensors of the layer's shape, element by element); 0 otherwise.
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

// The layer as stored on an architecture whose words are `word_bits` wide (0: unchanged):
// ifmap and filter storage widens, the values' formats (and so the data) do not change.
Layer stored_layer(const Layer& l, int word_bits);
// The network at batch size n (n = 0: unchanged).
Network with_batch(const Network& net, int n);

// Sets the precision of every accelerator layer (host layers untouched) to a preset:
//   wNaM      multiplier mac, N-bit signed weights, M-bit ifmaps (signedness kept); int8 = w8a8
//   lutN      multiplier lut, N-bit weights and ifmaps (lutwNaM for different widths)
//   ternary   multiplier ternary, 2-bit weights (-1, 0, +1); ternaryaM also sets M-bit ifmaps
//   binary    multiplier binary, binary weights; binaryaM also sets M-bit ifmaps
//   xnor      multiplier xnor, binary weights and ifmaps
// Throws ConfigError (field --precision) for anything else.
Network with_precision(const Network& net, const std::string& preset);

// Keeps the layers named in `sel`: "all", a layer type ("conv", "fc", "pool", "add"), or a
// comma-separated list of types and names (in the network's order per entry). Throws
// ConfigError (field --layers) for an entry that matches nothing.
Network select_layers(const Network& net, const std::string& sel);

// As select_layers, plus every host layer (pool, add) between the first and the last layer
// selected, in the network's order: what a chained run needs between its layers.
Network select_chain(const Network& net, const std::string& sel);

// Loads and validates a workload file (YAML, a SCALE-Sim topology if it ends in .csv: see
// common/scalesim.h, or an ONNX model if it ends in .onnx: see common/onnx_import.h); throws
// ConfigError.
Network load_network(const std::string& path);

}  // namespace dfsim
