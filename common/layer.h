// The shape of a conv/FC layer, its operand formats, output requantization and data source,
// the pool and residual-add layers that run on the host, and a network (list of layers) loaded
// from a workload YAML file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

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

// Integer format of an operand tensor.
struct Format {
    int bits = 8;
    bool is_signed = true;
    int64_t min() const { return is_signed ? -(int64_t{1} << (bits - 1)) : 0; }
    int64_t max() const { return is_signed ? (int64_t{1} << (bits - 1)) - 1 : (int64_t{1} << bits) - 1; }
    bool operator==(const Format&) const = default;
};

// Output requantization done by the output unit on the way into the global buffer:
// y = clamp(((acc * multiplier) + 2^(shift-1)) >> shift [ReLU first: max(acc,0)], out format).
// Integer-only (gemmlowp/TFLite style fixed-point multiplier), so it is bit-exact.
struct Requant {
    bool enabled = false;
    int32_t multiplier = 1;  // 1 .. 2^31-1
    int shift = 0;           // 0 .. 62
    bool relu = false;
    Format out{8, true};
    bool operator==(const Requant&) const = default;
};

// A synthetic tensor generator. Exactly round(zero_fraction * size) elements are zero
// (positions chosen at random); the rest are drawn from `distribution` and are never zero.
struct SyntheticSource {
    std::string distribution = "uniform";  // uniform | normal | laplace
    double zero_fraction = 0.0;            // [0, 1]
    double scale = 0.25;                   // normal/laplace: std-dev as a fraction of the max magnitude
    uint64_t seed = 1;
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
    Requant requant;
    SyntheticSource ifmap_data;
    SyntheticSource filter_data;
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
};

// The layer as stored on an architecture whose words are `word_bits` wide (0: unchanged):
// ifmap and filter storage widens, the values' formats (and so the data) do not change.
Layer stored_layer(const Layer& l, int word_bits);
// The network at batch size n (n = 0: unchanged).
Network with_batch(const Network& net, int n);

// Keeps the layers named in `sel`: "all", a layer type ("conv", "fc", "pool", "add"), or a
// comma-separated list of types and names (in the network's order per entry). Throws
// ConfigError (field --layers) for an entry that matches nothing.
Network select_layers(const Network& net, const std::string& sel);

// Loads and validates a workload file (YAML, or a SCALE-Sim topology if it ends in .csv: see
// common/scalesim.h); throws ConfigError.
Network load_network(const std::string& path);

}  // namespace dfsim
