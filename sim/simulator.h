// The simulation driver: for each layer, choose a mapping, build the hardware program, run the
// SystemC accelerator on the layer's data in a fresh simulation context, check the output
// tensor against the reference convolution, and turn the counts into energy.
#pragma once
#include <string>
#include <vector>

#include "config/arch.h"
#include "energy/energy.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "base/tensor.h"
#include "base/types.h"
#include "config/yaml_reader.h"
#include "dataflows/dataflow.h"

namespace dfsim {

class VcdTrace;

// Mappings pinned by the user, by layer name, from a mapping file:
//   dataflow: ws            # the dataflow they are for
//   layers:
//     CONV2: {cp: 12, rp: 1, p: 2, mp: 28, et: 9, mt: 28, ct: 12}   # docs/dataflows.md#pinned-mappings
// Layers not listed are mapped by the mapper.
struct PinnedMappings {
    std::string file, dataflow;
    std::vector<std::pair<std::string, YamlMap>> layers;
    const YamlMap* find(const std::string& layer) const;
};
// Throws ConfigError (file, field, line) for a bad file, an unknown dataflow or a layer `net`
// does not have.
PinnedMappings load_pinned_mappings(const std::string& path, const Network& net);

struct RunOptions {
    std::string dataflow = "rs";
    Objective objective = Objective::Energy;
    bool check_output = true;  // compare with the reference convolution
    uint64_t seed_offset = 0;  // --seed: added to every synthetic source's seed
    const PinnedMappings* pinned = nullptr;  // used for layers it lists (its dataflow must match)
    // Chained mode: each layer's ifmap is the previous layer's requantized output (pool layers
    // applied on the host in between), not synthetic data; see simulate_network.
    bool chained = false;
    VcdTrace* trace = nullptr;  // --trace: each simulated layer's waveform is appended to it
};

struct LayerResult {
    std::string name;
    LayerShape shape;
    ExecutedOn executed_on = ExecutedOn::Accelerator;  // host: pool, add (not simulated)
    uint64_t host_ops = 0;     // operations of a host layer (Layer::host_ops); the total sums them
    std::string mapping;       // one-line summary (a host layer: its operation)
    std::string loop_nest;
    uint64_t cycles = 0;       // simulated
    uint64_t estimated_cycles = 0;  // analytical model
    double estimated_energy = 0;
    ActionCounts counts;
    EnergyBreakdown energy;
    Widths widths;
    uint64_t glb_bytes_used = 0;
    uint64_t dram_busy_cycles = 0;
    Multiplier multiplier = Multiplier::Mac;  // the layer's datapath
    std::string ifmap_format, filter_format;  // the values' formats (to_string(Format)), e.g. uint4, binary
    // Measured in the data the layer ran on: fraction of zero words (padding not included).
    double ifmap_zero_fraction = 0, filter_zero_fraction = 0;
    // Energy the zero gating saved: the same run with no slot gated, minus this one.
    double gating_saved_energy = 0;
    OutputCheck output_check = OutputCheck::Skipped;
    uint64_t mismatches = 0;
    double wall_seconds = 0;
    Tensor4 output;  // the simulated output tensor (kept only when asked)
    double utilization(int pes) const {
        return cycles ? static_cast<double>(counts.macs) / (static_cast<double>(cycles) * pes) : 0.0;
    }
};

struct NetworkResult {
    std::string network, arch, energy_table, dataflow;
    EnergyUnit energy_unit = EnergyUnit::Pj;
    ArchParams arch_params;
    std::vector<LayerResult> layers;
    LayerResult total() const;  // sums (cycles add up: layers run one after another); host
                                // layers add only their host_ops and do not affect output_check
};

// Runs of the same layers under several dataflows or precisions (dfsim compare).
struct CompareResult {
    std::string network, arch, energy_table;  // arch: the base architecture's name
    EnergyUnit energy_unit = EnergyUnit::Pj;
    std::vector<NetworkResult> runs;  // one per dataflow, in the order asked; same layers in each
};

// Data the layer runs on (synthetic unless given).
struct LayerData {
    Tensor4 ifmap, filter;
    std::vector<double> filter_scale;  // per output channel (binary / ternary alpha, real data), or empty
};
LayerData make_layer_data(const Layer& l, uint64_t seed_offset = 0);

// The layer ready to run on `data`: with `requant: auto` (Requant::calibrate), its multipliers
// calibrated on its accumulators (quant/calibrate.h). If `reference` is given, it receives the
// reference output of the returned layer (computed from the same accumulators).
Layer prepare_layer(const Layer& l, const LayerData& data, Tensor4* reference = nullptr);
// Throws ConfigError if the layer cannot run on `a` with table `t`: a multiplier the PE lacks,
// operands wider than pe.mac_bits or pe.lut_max_bits (LUT), or an energy-table entry it needs.
void check_layer_runs(const Layer& l, const ArchParams& a, const EnergyTable& t);
// Throws ConfigError (naming the layer and tensor) if a value does not fit the layer's format.
void check_layer_data(const Layer& l, const LayerData& data);

// Simulates one layer on given data with a given mapping (no mapper). `l` and `a` are taken as
// they are (see simulate_layer for the dataflow's storage and word width). With check_output,
// the output is compared with `reference` if given, else with a reference computed here.
LayerResult simulate_mapped(const Layer& l, const ArchParams& a, const EnergyTable& t,
                            const Dataflow& df, const Mapping& m, const LayerData& data,
                            bool check_output, bool keep_output = false,
                            const Tensor4* reference = nullptr, VcdTrace* trace = nullptr);
// Chooses the mapping, then simulates: on a.for_dataflow(opt.dataflow), with the layer's
// storage widened to the architecture's word width. `data`/`reference` as for simulate_mapped
// (made here from the layer's synthetic sources when null; a `requant: auto` layer makes its
// own reference with its calibration, ignoring `reference`). A host layer (pool, add) is not
// simulated: its result has executed_on Host, its host_ops, and no cycles, counts or energy.
LayerResult simulate_layer(const Layer& l, const ArchParams& a, const EnergyTable& t,
                           const RunOptions& opt, bool keep_output = false,
                           const LayerData* data = nullptr, const Tensor4* reference = nullptr);
// With opt.chained, layer k+1 runs on layer k's simulated output (after the host layers between
// them, computed here on that output: max/avg pooling), reshaped for an FC layer; an add layer
// (two inputs) cannot be chained. Every accelerator layer but the last requantizes to the next
// layer's ifmap format; one that does not requantize gets ReLU, except before binary activations
// (their sign replaces the ReLU). Scales are calibrated on the data (`requant: auto`) unless a
// model gave them (Requant::from_model); a calibrated output with ReLU makes the next layer's
// ifmap unsigned (post-ReLU values are never negative). Throws ConfigError for shapes that do not chain.
NetworkResult simulate_network(const Network& net, const ArchParams& a, const EnergyTable& t,
                               const RunOptions& opt);
// The network as chained mode runs it (the requantization and formats described above).
Network chain_network(const Network& net);

// A fresh SystemC simulation context (SystemC 2.3 cannot reset one; see DRAMSys SystemCTest.h).
void fresh_systemc_context();

}  // namespace dfsim
