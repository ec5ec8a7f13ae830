// The simulation driver: for each layer, choose a mapping, build the hardware program, run the
// SystemC accelerator on the layer's data in a fresh simulation context, check the output
// tensor against the reference convolution, and turn the counts into energy.
#pragma once
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/arch.h"
#include "energy/energy.h"
#include "energy/physical.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "base/tensor.h"
#include "base/types.h"
#include "config/yaml_reader.h"
#include "dataflows/dataflow.h"
#include "dataflows/mapping_cache.h"

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

// Which model produces a layer's figures: the SystemC simulation, or the mapper's analytical model
// alone (dfsim sweep --model analytical: no data is made, nothing is simulated or checked).
enum class RunModel { Simulation, Analytical };

struct LayerResult;

struct RunOptions {
    std::string dataflow = "rs";
    RunModel model = RunModel::Simulation;
    Objective objective = Objective::Energy;
    bool check_output = true;  // compare with the reference convolution
    uint64_t seed_offset = 0;  // --seed: added to every synthetic source's seed
    const PinnedMappings* pinned = nullptr;  // used for layers it lists (its dataflow must match)
    // Chained mode: each layer's ifmap is the previous layer's requantized output (pool layers
    // applied on the host in between), not synthetic data; see simulate_network.
    bool chained = false;
    // Chained mode: every layer's result keeps its output tensor (LayerResult::output, a host
    // layer's too), e.g. to compare the network's output with a float reference.
    bool keep_outputs = false;
    VcdTrace* trace = nullptr;  // --trace: each simulated layer's waveform is appended to it
    Timing timing = Timing::Pass;  // --timing: pass-level or cycle-level model of the array
    int mapper_jobs = 1;  // --jobs: threads the mapper scores candidates on (same choice for any number)
    // Where the mapper's choices are kept (identical layers are searched once); null: a cache of
    // the run's own (simulate_network, estimate_network), or none for a lone prepare().
    MappingCache* mapping_cache = nullptr;
    // --max-memory: a simulated layer whose estimated memory (estimate_layer_memory) exceeds
    // this is refused before its data is made (bytes; 0: no limit).
    uint64_t max_memory = 0;
    // Called after each layer of simulate_network / estimate_network (host layers too), in the
    // network's order, with its result: the command line's progress lines. Null: nothing.
    std::function<void(const LayerResult&)> on_layer;
};

// Memory a simulated layer needs, estimated before anything is made (bytes): its ifmap and
// filter twice (the data and the accelerator's DRAM image of them), its output four times (the
// simulated one, the reference and the accumulators a calibration or check computes, and the
// copies the run keeps: fitted to the peak RSS of 1x1 layers whose tensors dominate, where the
// run takes about 22 bytes per ifmap and output word pair, 14 with --no-check), the global
// buffer, and kProcessBaseBytes for the process itself. The analytical model makes no
// data: the buffer and the base. A host layer: the base. Left out as too small to matter
// (measured, docs/robustness.md "Resource guards"): the cycle-level engine's state (4 MB more on
// AlexNet CONV1 at batch 4) and --trace, whose waveform is streamed to its file pass by pass.
uint64_t estimate_layer_memory(const Layer& l, const ArchParams& a, RunModel model);
// What a run takes before any layer: the binary, SystemC's kernel and the loaded inputs (the
// default job's peak RSS is 22 MiB).
inline constexpr uint64_t kProcessBaseBytes = uint64_t{32} << 20;
// A rough wall time for simulating `net` on one core (seconds), before anything runs: its MACs
// at the pass-level model's speed (about 1e9 MACs/s, the output check included) or the
// cycle-level engine's (about 3e7 MACs/s), measured with dfsim bench on the reference machine
// (2 cores, README "Performance"); the analytical model at about 2 ms a layer. Host layers are
// not counted.
double rough_simulation_seconds(const Network& net, RunModel model, Timing timing);
// The default of --max-memory: half of this machine's physical memory (bytes).
uint64_t default_max_memory();
// ResourceError naming the layer, its estimate and opt.max_memory (and how to lift it) if the
// largest layer of `net` would not fit, `processes` times over (compare's worker processes each
// hold one layer at a time); nothing if opt.max_memory is 0.
void check_network_memory(const Network& net, const ArchParams& a, const RunOptions& opt, int processes = 1);
// What a layer's preparation checks before it runs, for every accelerator layer of `net` at once
// (a command refuses them before it makes anything): the architecture's equal_area block, and that
// the PE under `dataflow` can run the layer (check_layer_runs). Throws ConfigError.
void check_network_runs(const Network& net, const ArchParams& a, const EnergyTable& t, const std::string& dataflow);

struct LayerResult {
    std::string name;
    LayerShape shape;
    ExecutedOn executed_on = ExecutedOn::Accelerator;  // host: pool, add, softmax, ... (not simulated)
    uint64_t host_ops = 0;  // operations of a host layer (Layer::host_ops); the total sums them
    std::string mapping;  // one-line summary (a host layer: its operation)
    std::string loop_nest;
    std::string mapping_yaml;  // the mapping as a mapping file's entry (Mapping::to_yaml); "" for a host layer
    uint64_t cycles = 0;  // simulated
    Timing timing = Timing::Pass;  // the model that produced `cycles`
    uint64_t estimated_cycles = 0;  // analytical model
    double estimated_energy = 0;
    ActionCounts counts;
    EnergyBreakdown energy;
    Widths widths;
    uint64_t glb_bytes_used = 0;
    uint64_t dram_busy_cycles = 0;
    uint64_t pass_schedules_reused = 0;  // passes timed by an earlier one's schedule (hw/pass_times.h)
    Activity activity;  // when the array and the DRAM channel were busy (simulated layers only; not in the total)
    Multiplier multiplier = Multiplier::Mac;  // the layer's datapath
    std::string ifmap_format, filter_format;  // the values' formats (to_string(Format)), e.g. uint4, binary
    // Measured in the data the layer ran on: fraction of zero words (padding not included).
    double ifmap_zero_fraction = 0, filter_zero_fraction = 0;
    // Energy the zero gating saved: the same run with no slot gated, minus this one.
    double gating_saved_energy = 0;
    OutputCheck output_check = OutputCheck::Skipped;
    uint64_t mismatches = 0;
    double wall_seconds = 0;
    MapperStats mapper;  // what the mapper did for this layer (nothing for a pinned mapping or a host layer)
    Tensor4 output;  // the simulated output tensor (kept only when asked)
    // Chained runs: the real value of one step of the output (the input's step x the filter's /
    // the requantization multiplier; 1 for the network input's step when no layer gives it); 0: not known.
    double output_scale = 0;
    double utilization(int pes) const {  // issued slots (gated and skipped ones too)
        return cycles ? static_cast<double>(counts.macs) / (static_cast<double>(cycles) * pes) : 0.0;
    }
    double utilization_executed(int pes) const {  // MACs executed: the slots not gated or skipped
        return cycles ? static_cast<double>(counts.macs - counts.gated_macs) / (static_cast<double>(cycles) * pes)
                      : 0.0;
    }
};

struct NetworkResult {
    std::string network, arch, energy_table, dataflow;
    EnergyUnit energy_unit = EnergyUnit::Pj;
    // What produced the layers' cycles: the simulation in `timing`, or the analytical model alone.
    RunModel model = RunModel::Simulation;
    Timing timing = Timing::Pass;
    ArchParams arch_params;
    // The cost model: "size-aware" or "fixed" (EnergyTable::model), the node and supply, and the area
    // model's area of arch_params (total 0: the table has no area figures; energy/physical.h).
    std::string energy_model = "fixed", technology;
    AreaBreakdown area;
    bool has_static = false;  // the table charges leakage or clock energy (the layers' energy.statics())
    std::vector<LayerResult> layers;
    LayerResult total() const;  // sums (cycles add up: layers run one after another); host
        // layers add only their host_ops and do not affect output_check
};

// Runs of the same layers under several dataflows or precisions (dfsim compare).
struct CompareResult {
    std::string network, arch, energy_table;  // arch: the base architecture's name
    EnergyUnit energy_unit = EnergyUnit::Pj;
    std::vector<NetworkResult> runs;  // one per dataflow, in the order asked; same layers in each
    // Each layer's type, in the runs' layer order (the reports group the layers by it); empty:
    // not known (the reports tell conv from fc by the shape).
    std::vector<LayerType> layer_types;
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
// they are (prepare() makes them the dataflow's). With check_output, the output is compared with
// `reference` if given, else with a reference computed here.
LayerResult simulate_mapped(const Layer& l, const ArchParams& a, const EnergyTable& t, const Dataflow& df,
                            const Mapping& m, const LayerData& data, bool check_output, bool keep_output = false,
                            const Tensor4* reference = nullptr, VcdTrace* trace = nullptr,
                            Timing timing = Timing::Pass);

// A layer made ready to run on a dataflow. prepare() is the one preparation of every run path
// (dfsim run, compare, sweep in both models, bench), in this order:
//   1. the dataflow is looked up (ConfigError if unknown); a host layer (pool, add, ...) stops here:
//      it is neither mapped nor run, and simulate()/estimate() give its host result;
//   2. the architecture becomes the dataflow's (ArchParams::for_dataflow: its equal-area storage),
//      with the layer's psum width if it has one; check_layer_runs (ConfigError);
//   3. Simulation only: the data (given, else the layer's synthetic sources at opt.seed_offset),
//      checked against the layer's formats (check_layer_data);
//   4. the layer is stored at the architecture's word width (stored_layer); Simulation only: a
//      `requant: auto` layer is calibrated on its data and, when the output is checked, makes its
//      own reference (a given reference is used otherwise);
//   5. the mapping: the one opt.pinned gives for the layer (ConfigError if it is for another
//      dataflow or illegal), else the mapper's (MappingError if none fits).
struct PreparedLayer {
    Layer layer;  // as run: stored, calibrated (a host layer: as given)
    ArchParams arch;  // the dataflow's architecture
    const Dataflow* dataflow = nullptr;
    const EnergyTable* table = nullptr;  // the table prepare() was given (must outlive this)
    RunOptions opt;
    bool on_host = false;  // a host layer (pool, add, ...): nothing below is set
    LayerData data;  // Simulation only
    std::optional<Tensor4> reference;  // given, or the calibrated layer's; none: simulate makes it
    std::unique_ptr<Mapping> mapping;
    double map_seconds = 0;  // wall time of step 5
    MapperStats map_stats;  // what the mapper did in step 5
};
PreparedLayer prepare(const Layer& l, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                      std::optional<LayerData> data = std::nullopt, std::optional<Tensor4> reference = std::nullopt);
// Runs a prepared layer on the accelerator (simulate_mapped with opt.check_output and opt.trace).
// A host layer's result has executed_on Host, its host_ops, and no cycles, counts or energy.
LayerResult simulate(const PreparedLayer& p, bool keep_output = false);
// The analytical model's figures for a prepared layer: the mapping's estimated counts and cycles
// (as `counts`, `cycles` and their energy; `estimated_*` too), output_check "skipped". A host
// layer's result is simulate()'s.
LayerResult estimate(const PreparedLayer& p);

// prepare() then simulate(): `data` and `reference` as prepare() takes them (pointers for the
// callers that keep their own).
LayerResult simulate_layer(const Layer& l, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                           bool keep_output = false, const LayerData* data = nullptr,
                           const Tensor4* reference = nullptr);
// A network's result before its layers: names, opt's dataflow and its architecture, the table,
// opt's model and timing.
NetworkResult network_result(const Network& net, const ArchParams& a, const EnergyTable& t, const RunOptions& opt);
// With opt.chained, each layer runs on the output of the layer it reads (Layer::inputs, else
// the layer before it): a DAG in topological order. Host layers are computed here on those
// outputs: max/avg pooling, and an add layer's two inputs added in the quantized domain
// (quant/add.h: each rescaled to the add's output scale, summed, ReLU'd, saturated; host work
// only, the accelerator does not run adds). An fc layer reads its input flattened. Every
// producing layer but the last requantizes to its readers' ifmap format; one that does not
// requantize gets ReLU, except before binary activations (their sign replaces the ReLU). Scales
// are calibrated on the data (`requant: auto`; an add's on its sums) unless a model gave them
// (Requant::from_model); a calibrated output with ReLU makes its readers' ifmaps unsigned
// (post-ReLU values are never negative). Each tensor's real scale is carried along
// (LayerResult::output_scale); a layer whose input scale an ONNX float model assumed takes it,
// and its bias is quantized again. Throws ConfigError for shapes that do not chain, or an add
// layer that does not name its two inputs (or names one left out of the run).
NetworkResult simulate_network(const Network& net, const ArchParams& a, const EnergyTable& t, const RunOptions& opt);
// Every layer of `net` prepared and estimated (opt.model is taken as Analytical; opt.chained must
// be false): host layers stay host work, exactly as simulate_network counts them.
NetworkResult estimate_network(const Network& net, const ArchParams& a, const EnergyTable& t, RunOptions opt);
// The network as chained mode runs it (the requantization and formats described above; a
// layer's readers follow Layer::inputs through pool layers).
Network chain_network(const Network& net);

// A fresh SystemC simulation context (SystemC 2.3 cannot reset one; see DRAMSys SystemCTest.h).
void fresh_systemc_context();

}  // namespace dfsim
