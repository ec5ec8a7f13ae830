#include "sim/simulator.h"

#include <unistd.h>

#include <systemc>

#include <algorithm>
#include <limits>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <future>

#include "base/error.h"
#include "base/workers.h"
#include "energy/tech.h"
#include "hw/accelerator.h"
#include "hw/rlc.h"
#include "quant/add.h"
#include "quant/calibrate.h"
#include "sim/reference.h"
#include "sim/self_check.h"
#include "workload/synthetic.h"
#include "sim/vcd_trace.h"

namespace dfsim {

namespace {
// How work that may overlap the simulation runs: on a second thread where the process may use two
// cores or more (its CPU affinity), else deferred to the main thread when its result is needed. On
// one core a second thread only costs: the two time-share it, and the thread's own malloc arena
// takes fresh pages (the default run under `taskset -c 1`: 5697 -> 3866 page faults, 32 -> 25 MiB,
// 0.48 -> 0.455 s). The same results either way: the work and its order do not change.
std::launch second_thread() {
    static const std::launch how = usable_cores() > 1 ? std::launch::async : std::launch::deferred;
    return how;
}
}  // namespace

void fresh_systemc_context() {
    // The first context owns objects that live until exit (SystemC statics register with it),
    // so it is kept; later ones are deleted when replaced.
    static sc_core::sc_simcontext* first = nullptr;
    if (!first) {
        first = sc_core::sc_get_curr_simcontext();
    } else if (sc_core::sc_curr_simcontext != first) {
        delete sc_core::sc_curr_simcontext;
    }
    sc_core::sc_curr_simcontext = new sc_core::sc_simcontext;
    sc_core::sc_default_global_context = sc_core::sc_curr_simcontext;
}

const YamlMap* PinnedMappings::find(const std::string& layer) const {
    for (const auto& [name, y] : layers)
        if (name == layer) return &y;
    return nullptr;
}

PinnedMappings load_pinned_mappings(const std::string& path, const Network& net) {
    YamlMap root = YamlMap::load_file(path);
    PinnedMappings p;
    p.file = path;
    p.dataflow = root.get_string("dataflow");
    const std::vector<std::string> names = dataflow_names();
    if (std::find(names.begin(), names.end(), p.dataflow) == names.end())
        root.fail("dataflow", unknown_dataflow(p.dataflow));
    YamlMap layers = root.child("layers");
    std::string run;
    for (const Layer& l : net.layers) run += (run.empty() ? "" : ", ") + l.name;
    for (const std::string& name : layers.keys()) {
        const Layer* found = nullptr;
        for (const Layer& l : net.layers)
            if (l.name == name) found = &l;
        if (!found) layers.fail(name, "expected one of the layers being run {" + run + "}, got '" + name + "'");
        if (found->on_host())
            layers.fail(name, "expected an accelerator layer: " + name + " is a " +
                                  std::string(to_string(found->type)) +
                                  " layer, which runs on the host and has no mapping");
        p.layers.emplace_back(name, layers.child(name));
    }
    root.check_no_unknown_keys();
    return p;
}

LayerData make_layer_data(const Layer& l, uint64_t seed_offset) {
    Layer x = l;
    x.ifmap_data.seed += seed_offset;
    x.filter_data.seed += seed_offset;
    LayerData d;
    d.ifmap = make_ifmap(x);
    d.filter = make_filter(x, &d.filter_scale);
    return d;
}

Layer prepare_layer(const Layer& l, const LayerData& data, Tensor4* reference) {
    if (!l.requant.calibrate) {
        if (reference) *reference = reference_conv(l, data.ifmap, data.filter);
        return l;
    }
    Layer x = l;
    const Tensor4 acc = reference_acc(l, data.ifmap, data.filter);
    calibrate_requant(x.requant, x.bias, acc, data.filter_scale, x.ifmap_scale);
    if (reference) *reference = reference_output(x, acc);
    return x;
}

void check_layer_runs(const Layer& l, const ArchParams& a, const EnergyTable& t) {
    const std::string kind(to_string(l.multiplier));
    if (std::find(a.pe.multipliers.begin(), a.pe.multipliers.end(), l.multiplier) == a.pe.multipliers.end())
        throw ConfigError(
            a.file, "pe.multipliers", 0, 0,
            "expected the " + kind + " datapath layer " + l.name + " uses; the PE has only the listed ones");
    const int wb = l.filter_values().bits, ab = l.ifmap_values().bits;
    if (l.multiplier == Multiplier::Mac && std::max(wb, ab) > a.pe.mac_bits)
        throw ConfigError(a.file, "pe.mac_bits", 0, 0,
                          "expected at least the operand width of layer " + l.name + " (" +
                              std::to_string(std::max(wb, ab)) + " bits), got " + std::to_string(a.pe.mac_bits));
    if (l.multiplier == Multiplier::Lut && std::max(wb, ab) > a.pe.lut_max_bits)
        throw ConfigError(a.file, "pe.lut_max_bits", 0, 0,
                          "expected at least the operand width of LUT layer " + l.name + " (" +
                              std::to_string(std::max(wb, ab)) + " bits), got " + std::to_string(a.pe.lut_max_bits));
    if ((l.multiplier == Multiplier::Binary || l.multiplier == Multiplier::Ternary) && ab > a.pe.mac_bits)
        throw ConfigError(
            a.file, "pe.mac_bits", 0, 0,
            "expected at least the ifmap width of layer " + l.name + " (" + std::to_string(ab) + " bits)");
    auto need = [&](double v, const std::string& field) {
        if (v < 0)
            throw ConfigError(t.file, "alu." + field, 0, 0,
                              "expected an entry for the " + kind + " datapath of layer " + l.name + " (missing)");
    };
    if (l.multiplier == Multiplier::Lut) need(t.lut_read, "lut_read"), need(t.lut_write, "lut_write");
    if (l.multiplier == Multiplier::Xnor) need(t.xnor_popcount, "xnor_popcount");
}

void check_layer_data(const Layer& l, const LayerData& data) {
    auto check = [&](const Tensor4& x, const Format& f, const std::string& what, const SyntheticSource& src) {
        if (!f.binary) {  // the least and greatest value first (a loop that vectorizes): in range, all are
            int32_t lo = std::numeric_limits<int32_t>::max(), hi = std::numeric_limits<int32_t>::min();
            for (const int32_t v : x.data) lo = std::min(lo, v), hi = std::max(hi, v);
            if (x.size() == 0 || (f.holds(lo) && f.holds(hi))) return;
        }
        for (size_t i = 0; i < x.size(); ++i)
            if (!f.holds(x.data[i]))
                throw ConfigError(src.file.empty() ? "workload" : src.file, l.name + "." + what, 0, 0,
                                  "expected values of format " + to_string(f) + " [" + std::to_string(f.min()) + ", " +
                                      std::to_string(f.max()) + "], got " + std::to_string(x.data[i]) + " at element " +
                                      std::to_string(i));
    };
    check(data.ifmap, l.ifmap_values(), "ifmap", l.ifmap_data);
    check(data.filter, l.filter_values(), "filter", l.filter_data);
    if (l.multiplier == Multiplier::Ternary)
        for (size_t i = 0; i < data.filter.size(); ++i)
            if (std::abs(data.filter.data[i]) > 1)
                throw ConfigError(l.filter_data.file.empty() ? "workload" : l.filter_data.file, l.name + ".filter", 0,
                                  0,
                                  "expected ternary weights -1, 0 or +1, got " + std::to_string(data.filter.data[i]));
}

namespace {

// The run-length code of the layer's ifmap loads and output stores on the DRAM link (dram.rlc and
// its layout; the network's input only with dram.compress_network_input); nullopt: moved raw.
std::optional<RlcParams> ifmap_code(const Layer& l, const ArchParams& a) {
    if (!a.dram.codes_ifmap(l.network_input)) return std::nullopt;
    return rlc_params_for(a.dram.rlc_layout, l.ifmap.bits, l.ifmap_values());
}
std::optional<RlcParams> output_code(const Layer& l, const ArchParams& a) {
    if (!a.dram.rlc) return std::nullopt;
    return rlc_params_for(a.dram.rlc_layout, l.requant.enabled ? l.requant.out : Format{layer_widths(l, a).psum, true});
}

// The layer's datapath on the architecture's PEs.
hw::Datapath layer_datapath(const Layer& l, const ArchParams& a) {
    return hw::make_datapath(l, a.pe.gate_ifmap_zeros, a.pe.gate_weight_zeros, a.pe.zero_skipping, a.pe.xnor_bits);
}

// The fraction of a tensor's values that are zero (0 for an empty tensor).
double zero_fraction(const Tensor4& x) {
    return x.size() ? static_cast<double>(std::count(x.data.begin(), x.data.end(), 0)) / static_cast<double>(x.size())
                    : 0.0;
}

// A host layer (pool, add, concat, softmax, layernorm, gelu): host work, not simulated.
LayerResult host_result(const Layer& l) {
    const LayerShape& s = l.shape;
    LayerResult r;
    r.name = l.name;
    r.shape = s;
    r.executed_on = ExecutedOn::Host;
    r.output_check = OutputCheck::Host;
    r.host_ops = l.host_ops();
    const std::string tensor = std::to_string(s.C) + "x" + std::to_string(s.H) + "x" + std::to_string(s.W);
    if (l.type == LayerType::Pool)
        r.mapping = "host: " + std::string(to_string(l.pool_op)) + " pool " + std::to_string(s.R) + "x" +
                    std::to_string(s.S) + " stride " + std::to_string(s.U) + " padding " + std::to_string(s.P);
    else if (l.type == LayerType::Add)
        r.mapping = "host: element-wise add of two " + tensor + " tensors";
    else if (l.type == LayerType::Concat)
        r.mapping = "host: channel concat of " + std::to_string(l.inputs.size()) + " tensors into " + tensor +
                    " (each written at its channel offset)";
    else if (l.type == LayerType::Layernorm)
        r.mapping = "host: layernorm over the " + std::to_string(s.C) + " channels of a " + tensor + " tensor";
    else
        r.mapping = "host: " + std::string(to_string(l.type)) + " of a " + tensor + " tensor";
    return r;
}

// For a layer lowered to a conv (a gemm or matmul: lower_matrix; an add on the accelerator:
// lower_add), the line that opens its loop nest (--show-mapping): what it computes and which
// conv dimensions that became; "" for the others.
std::string lowering_legend(const Layer& l) {
    if (l.lowered_add)
        return "# add of " + (l.inputs.size() == 2 ? l.inputs[0] + " and " + l.inputs[1] : std::string("two tensors")) +
               " (add_layers: accelerator), as a grouped 1x1 conv: g = channel, c = its two inputs (interleaved), "
               "the weights their steps' ratio\n";
    if (!l.is_matrix()) return "";
    const MatrixShape& x = l.matrix;
    auto dims = [](int a, int b) { return "[" + std::to_string(a) + " x " + std::to_string(b) + "]"; };
    const std::string product = "out" + dims(x.M, x.N) + " = A" + dims(x.M, x.K) + " x B" + dims(x.K, x.N);
    if (l.type == LayerType::Gemm)
        return "# gemm " + product + ", batch " + std::to_string(x.batch) +
               ", as a 1x1 conv: n = image, c = K, e = rows of A, m = columns of B (the filters)\n";
    return "# matmul " + product + " per image and head (batch " + std::to_string(x.batch) + " x " +
           std::to_string(x.heads) +
           " heads), as a grouped 1x1 conv: g = (image, head), c = K, e = rows of A, m = columns of B (operand B, an "
           "activation, is the filters)\n";
}

// What a simulated and an estimated layer both report: the layer, its mapping and formats, and
// the analytical model's figures.
LayerResult mapped_result(const Layer& l, const ArchParams& a, const Mapping& m, const Estimate& est) {
    LayerResult r;
    r.name = l.name;
    r.shape = l.shape;
    r.mapping = m.summary();
    r.loop_nest = lowering_legend(l) + m.loop_nest(l);
    r.mapping_yaml = m.to_yaml();
    r.widths = layer_widths(l, a);
    r.estimated_cycles = est.cycles;
    r.estimated_energy = est.energy;
    r.multiplier = l.multiplier;
    r.ifmap_format = to_string(l.ifmap_values());
    r.filter_format = to_string(l.filter_values());
    return r;
}

}  // namespace

LayerResult simulate_mapped(const Layer& l, const ArchParams& a, const EnergyTable& t, const Dataflow& df,
                            const Mapping& m, const LayerData& data, bool check_output, bool keep_output,
                            const Tensor4* reference, VcdTrace* trace, Timing timing) {
    DFSIM_ASSERT(!l.on_host(), "host layer " + l.name + " given to the accelerator");
    auto t0 = std::chrono::steady_clock::now();
    const LayerShape& s = l.shape;
    LayerResult r = mapped_result(l, a, m, df.estimate(l, a, t, m));

    hw::Program prog = df.build_program(l, a, m);
    prog.datapath = layer_datapath(l, a);
    r.ifmap_zero_fraction = zero_fraction(data.ifmap);
    r.filter_zero_fraction = zero_fraction(data.filter);
    hw::DramImage image;
    image.ifmap = &data.ifmap;
    image.filter = &data.filter;
    image.output = Tensor4(s.N, s.M, s.E(), s.F());
    image.ifmap_bits = l.ifmap.bits;
    image.filter_bits = l.filter.bits;
    image.output_bits = r.widths.output;
    image.rlc_ifmap = ifmap_code(l, a);
    image.rlc_output = output_code(l, a);

    // The reference for the check is computed on a second thread while SystemC simulates (it reads
    // only the layer's data), so a checked run takes the longer of the two, not their sum (on one
    // core: after the simulation, second_thread).
    std::future<Tensor4> own_reference;
    if (check_output && !reference)
        own_reference = std::async(second_thread(), [&] { return reference_conv(l, data.ifmap, data.filter); });

    fresh_systemc_context();
    {
        sc_core::sc_trace_file* tf = trace ? trace->begin_layer(a) : nullptr;
        hw::Accelerator acc("accelerator", a, prog, image, tf, trace ? trace->layer_number() : 0, timing);
        sc_core::sc_start();
        DFSIM_ASSERT(acc.finished(), "simulation ended with operations outstanding (deadlock)");
        r.cycles = acc.end_cycle();
        r.timing = timing;
        r.counts = acc.counts();
        r.dram_busy_cycles = acc.dram_busy_cycles();
        r.pass_schedules_reused = acc.pass_schedules_reused();
        r.activity = acc.activity();
        if (trace) trace->end_layer(r.cycles);
    }
    r.glb_bytes_used = prog.glb_bytes();
    r.energy = compute_energy(r.counts, t, r.widths, a, r.cycles);
    {
        // the same run without gating: every gated slot reads its filter word, updates its psum
        // (in the RF, for dataflows with one) and does its ALU operation
        ActionCounts u = r.counts;
        const uint64_t g = u.gated_macs;
        if (u.acc.at(Level::Rf, DataType::Ifmap).reads > 0) {
            u.acc.at(Level::Rf, DataType::Filter).reads += g;
            u.acc.at(Level::Rf, DataType::Psum).reads += g;
            u.acc.at(Level::Rf, DataType::Psum).writes += g;
        }
        u.gated_macs = 0;
        r.gating_saved_energy = compute_energy(u, t, r.widths, a, r.cycles).total() - r.energy.total();
    }
    if (test_fault("mismatch") && image.output.size() > 0) image.output.data[0] ^= 1;  // test only: README
    if (check_output) {
        Tensor4 own;
        if (!reference) own = own_reference.get();
        const Tensor4& ref = reference ? *reference : own;
        DFSIM_ASSERT(ref.size() == image.output.size(), "reference has the wrong shape");
        for (size_t i = 0; i < ref.size(); ++i) r.mismatches += ref.data[i] != image.output.data[i];
        r.output_check = r.mismatches == 0 ? OutputCheck::BitExact : OutputCheck::Mismatch;
    }
    if (keep_output) r.output = std::move(image.output);
    r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

uint64_t estimate_layer_memory(const Layer& l, const ArchParams& a, RunModel model) {
    if (l.on_host()) return kProcessBaseBytes;
    const uint64_t glb = static_cast<uint64_t>(std::max<int64_t>(a.glb.size_bytes, 0));
    if (model == RunModel::Analytical) return kProcessBaseBytes + glb;
    const LayerShape& s = l.shape;  // counts checked at load (check_layer_counts): no overflow
    const uint64_t ifmap = static_cast<uint64_t>(s.N) * s.C * s.H * s.W, filter = s.filter_words(),
                   output = static_cast<uint64_t>(s.N) * s.M * s.E() * s.F();
    return kProcessBaseBytes + sizeof(int32_t) * (2 * ifmap + 2 * filter + 4 * output) + glb;
}

double rough_simulation_seconds(const Network& net, RunModel model, Timing timing) {
    double macs = 0, layers = 0;
    for (const Layer& l : net.layers) {
        if (l.on_host()) continue;
        macs += static_cast<double>(l.shape.macs());
        layers += 1;
    }
    if (model == RunModel::Analytical) return 0.002 * layers;
    return macs / (timing == Timing::Cycle ? 3e7 : 1e9);
}

uint64_t default_max_memory() {
    const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    if (pages <= 0 || page <= 0) return uint64_t{8} << 30;  // unknown: 8 GiB
    return static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) / 2;
}

namespace {

std::string gib(uint64_t bytes) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / (1u << 30));
    return buf;
}

// The check of one layer (prepare() calls it too, so that every path refuses the same).
void check_layer_memory(const Layer& l, const ArchParams& a, const RunOptions& opt, int processes = 1) {
    if (opt.max_memory == 0) return;
    const uint64_t one = estimate_layer_memory(l, a, opt.model), need = one * static_cast<uint64_t>(processes);
    if (need <= opt.max_memory) return;
    const std::string each = processes > 1 ? " in each of " + std::to_string(processes) + " worker processes" : "";
    throw ResourceError("layer " + l.name + " would need about " + gib(one) + " of memory" + each + " (batch " +
                        std::to_string(l.shape.N) + "), more than --max-memory " + gib(opt.max_memory) +
                        ": lower --batch" + (processes > 1 ? " or --jobs" : "") +
                        ", select fewer or smaller layers with --layers, or raise --max-memory");
}

}  // namespace

void check_network_memory(const Network& net, const ArchParams& a, const RunOptions& opt, int processes) {
    for (const Layer& l : net.layers) check_layer_memory(l, a.for_dataflow(opt.dataflow), opt, processes);
}

void check_network_runs(const Network& net, const ArchParams& a, const EnergyTable& t, const std::string& dataflow) {
    check_equal_area(a);
    const ArchParams ad = a.for_dataflow(dataflow);
    for (const Layer& l : net.layers)
        if (!l.on_host()) check_layer_runs(l, ad, t);
}

namespace {

// The zeros of the data a run uses, as the datapath and the DRAM link see them (Layer::zeros):
// the mapper ranks by the energy they leave. The DRAM image codes a tensor (dram.rlc) when its
// values fit a level of the layout (ifmap_code, output_code); the output's code is that of the
// reference output (prepare makes it when the link codes).
DataZeros measure_zeros(const Layer& l, const ArchParams& a, const LayerData& data, const Tensor4* reference) {
    DataZeros z;
    const hw::Datapath dp = layer_datapath(l, a);
    z.gated_macs =
        dp.gates() ? static_cast<int64_t>(reference_gated_macs(l, data.ifmap, data.filter, dp.gate_x, dp.gate_w)) : 0;
    if (dp.skip && dp.gate_x)
        z.ifmap_zero_slots = dp.gate_w
                                 ? static_cast<int64_t>(reference_gated_macs(l, data.ifmap, data.filter, true, false))
                                 : z.gated_macs;
    auto link = [](const Tensor4& t, int bits, const std::optional<RlcParams>& code) {
        if (t.size() == 0 || !code) return 0.0;
        return static_cast<double>(rlc_encoded_bits(t.data.data(), t.size(), *code)) /
               (static_cast<double>(t.size()) * bits);
    };
    z.ifmap_link = link(data.ifmap, l.ifmap.bits, ifmap_code(l, a));
    if (reference) z.output_link = link(*reference, layer_widths(l, a).output, output_code(l, a));
    return z;
}

// The same without data (the analytical model), from each tensor's fraction of zeros: declared
// (a synthetic source's zero_fraction, exactly that many zeros at random positions) or counted
// (a source with values). Expectations for zeros at independent positions:
// - gated slots: the padding taps (under gate_x) and, of the N*M*Cg*sum_rs(rows in)(columns in)
//   real taps, the fraction 1 - (1 - zx)(1 - zw) (zx only under gate_x, zw only under gate_w);
//   under skipping, the ifmap's zero slots: the padding taps and zx of the real ones;
// - the ifmap's link ratio: a stream of n values with zero fraction z codes in about
//   n(1 - z) / (1 - z^(2^run_bits)) pairs (one a non-zero value, and one more every 2^run_bits
//   zeros of a run), pairs_per_word a word (hw/rlc.h), over n * bits raw bits. The output's
//   zeros are not known without computing it: raw.
DataZeros declared_zeros(const Layer& l, const ArchParams& a) {
    auto fraction = [](const SyntheticSource& src) {
        return src.values ? zero_fraction(*src.values) : src.zero_fraction;
    };
    DataZeros z;
    const hw::Datapath dp = layer_datapath(l, a);
    const double zx = fraction(l.ifmap_data), zw = fraction(l.filter_data);
    if (dp.gates()) {
        const double all = static_cast<double>(l.shape.macs()),
                     real = all - static_cast<double>(l.shape.padding_macs());
        const double p = 1 - (1 - (dp.gate_x ? zx : 0)) * (1 - (dp.gate_w ? zw : 0));
        z.gated_macs = std::llround((dp.gate_x ? all - real : 0) + real * p);
        if (dp.skip && dp.gate_x) z.ifmap_zero_slots = std::llround(all - real + real * zx);
    } else {
        z.gated_macs = 0;
    }
    if (const std::optional<RlcParams> code = ifmap_code(l, a)) {
        const RlcParams& rp = *code;
        const double run = std::ldexp(1.0, rp.run_bits);  // all zeros: one pair a run of them
        const double pairs = zx >= 1 ? 1 / run : (1 - zx) / (1 - std::pow(zx, run));
        z.ifmap_link = pairs * rp.word_bits / rp.pairs_per_word / l.ifmap.bits;
    }
    return z;
}

// Step 5 of prepare(): the pinned mapping for the layer, else the mapper's choice.
std::unique_ptr<Mapping> choose_or_pin(const Layer& original, PreparedLayer& p) {
    const RunOptions& opt = p.opt;
    const YamlMap* pin = opt.pinned ? opt.pinned->find(original.name) : nullptr;
    if (pin && opt.pinned->dataflow != opt.dataflow)
        throw ConfigError(opt.pinned->file, "dataflow", 0, 0,
                          "mappings for '" + opt.pinned->dataflow + "' cannot run on dataflow '" + opt.dataflow + "'");
    return pin ? p.dataflow->parse_mapping(*pin, p.layer, p.arch)
               : cached_mapping(opt.mapping_cache, *p.dataflow, p.layer, p.arch, *p.table,
                                MapperOptions{opt.objective, opt.mapper_jobs}, p.map_stats);
}

}  // namespace

PreparedLayer prepare(const Layer& l, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                      std::optional<LayerData> data, std::optional<Tensor4> reference) {
    PreparedLayer p;
    p.opt = opt;
    p.table = &t;
    p.dataflow = &find_dataflow(opt.dataflow);
    p.layer = l;
    if (l.on_host()) {
        p.on_host = true;
        return p;
    }
    check_equal_area(a);
    p.arch = a.for_dataflow(opt.dataflow);
    if (l.psum_bits > 0) p.arch.pe.psum_bits = l.psum_bits;
    check_layer_runs(l, p.arch, t);
    check_layer_memory(l, p.arch, opt);
    const bool simulated = opt.model == RunModel::Simulation;
    if (simulated) {
        p.data = data ? std::move(*data) : make_layer_data(l, opt.seed_offset);
        check_layer_data(l, p.data);
    }
    p.layer = stored_layer(l, p.arch.word_bits);
    if (simulated && l.requant.calibrate) {  // its calibration makes its reference
        Tensor4 own;
        p.layer = prepare_layer(p.layer, p.data, opt.check_output ? &own : nullptr);
        reference.reset();
        if (opt.check_output) reference = std::move(own);
    }
    p.reference = std::move(reference);
    // with dram.rlc the output's code needs its values: the reference is made here (simulate
    // would make it anyway for the check), with --no-check too, so the choice does not depend on it
    if (simulated && p.arch.dram.rlc && !p.reference)
        p.reference = reference_conv(p.layer, p.data.ifmap, p.data.filter);
    p.layer.zeros = simulated ? measure_zeros(p.layer, p.arch, p.data, p.reference ? &*p.reference : nullptr)
                              : declared_zeros(p.layer, p.arch);
    const auto t0 = std::chrono::steady_clock::now();
    p.mapping = choose_or_pin(l, p);
    p.map_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    p.map_stats.host_seconds += p.map_seconds;
    return p;
}

LayerResult simulate(const PreparedLayer& p, bool keep_output) {
    if (p.on_host) return host_result(p.layer);
    DFSIM_ASSERT(p.opt.model == RunModel::Simulation, "layer " + p.layer.name + " was prepared without data");
    LayerResult r = simulate_mapped(p.layer, p.arch, *p.table, *p.dataflow, *p.mapping, p.data, p.opt.check_output,
                                    keep_output, p.reference ? &*p.reference : nullptr, p.opt.trace, p.opt.timing);
    r.mapper = p.map_stats;
    check_result_identities(r, p.arch, *p.table, true);
    return r;
}

LayerResult estimate(const PreparedLayer& p) {
    if (p.on_host) return host_result(p.layer);
    const Estimate est = p.dataflow->estimate(p.layer, p.arch, *p.table, *p.mapping);
    LayerResult r = mapped_result(p.layer, p.arch, *p.mapping, est);
    r.cycles = est.cycles;
    r.counts = est.counts;
    r.glb_bytes_used = est.glb_bytes;
    r.energy = compute_energy(r.counts, *p.table, r.widths, p.arch, r.cycles);
    r.output_check = OutputCheck::Skipped;
    r.mapper = p.map_stats;
    check_result_identities(r, p.arch, *p.table, false);
    return r;
}

LayerResult simulate_layer(const Layer& l, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                           bool keep_output, const LayerData* data, const Tensor4* reference) {
    return simulate(prepare(l, a, t, opt, data ? std::optional<LayerData>(*data) : std::nullopt,
                            reference ? std::optional<Tensor4>(*reference) : std::nullopt),
                    keep_output);
}

LayerResult NetworkResult::total() const {
    LayerResult tot;
    tot.name = "total";
    tot.output_check = OutputCheck::Skipped;
    bool all_exact = true, any_accelerator = false;
    bool any_mismatch = false;
    for (const auto& l : layers) {
        tot.host_ops += l.host_ops;
        tot.mapper += l.mapper;
        // a host layer has no cycles, counts or energy, and no output to check
        if (l.executed_on == ExecutedOn::Host || l.output_check == OutputCheck::Host) continue;
        any_accelerator = true;
        tot.cycles += l.cycles;
        tot.estimated_cycles += l.estimated_cycles;
        tot.estimated_energy += l.estimated_energy;
        tot.counts += l.counts;
        for (int i = 0; i < kNumLevels; ++i)
            for (int j = 0; j < kNumDataTypes; ++j) tot.energy.by_level_type[i][j] += l.energy.by_level_type[i][j];
        tot.energy.alu += l.energy.alu;
        tot.energy.leakage += l.energy.leakage;
        tot.energy.clock += l.energy.clock;
        tot.energy.opreg += l.energy.opreg;
        tot.gating_saved_energy += l.gating_saved_energy;
        tot.dram_busy_cycles += l.dram_busy_cycles;
        tot.mismatches += l.mismatches;
        tot.wall_seconds += l.wall_seconds;
        tot.glb_bytes_used = std::max(tot.glb_bytes_used, l.glb_bytes_used);
        all_exact = all_exact && l.output_check == OutputCheck::BitExact;
        any_mismatch = any_mismatch || l.output_check == OutputCheck::Mismatch;
    }
    tot.output_check = any_mismatch                   ? OutputCheck::Mismatch
                       : any_accelerator && all_exact ? OutputCheck::BitExact
                                                      : OutputCheck::Skipped;
    return tot;
}

namespace {

// The layers each layer reads, by index: its `inputs`, else the layer before it (-1: the
// network's input, for the first layer); kNotInRun for a name the network does not have (a
// layer left out by --layers). An add or concat layer without `inputs` reads nothing here.
constexpr int kNotInRun = -2;
// A layer that names the several layers it reads (an add, on the host or the accelerator; a concat).
bool reads_several(const Layer& l) { return l.type == LayerType::Add || l.type == LayerType::Concat || l.lowered_add; }
// A host layer that hands its inputs' values on without a step of its own (pool, concat): the
// layers that make them take the format of the layers that read it.
bool passes_through(const Layer& l) { return l.type == LayerType::Pool || l.type == LayerType::Concat; }
std::vector<std::vector<int>> layer_sources(const Network& net) {
    std::vector<std::vector<int>> src(net.layers.size());
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const Layer& l = net.layers[i];
        if (l.inputs.empty()) {
            if (!reads_several(l)) src[i] = {static_cast<int>(i) - 1};
            continue;
        }
        for (const std::string& name : l.inputs) {
            int j = kNotInRun;
            for (size_t k = 0; k < i; ++k)
                if (net.layers[k].name == name) j = static_cast<int>(k);
            src[i].push_back(j);
        }
    }
    return src;
}

// The accelerator and add layers that read layer i's output, directly or through pool and concat
// layers.
std::vector<size_t> chained_readers(const Network& net, const std::vector<std::vector<int>>& src, size_t i) {
    std::vector<size_t> out;
    for (size_t k = i + 1; k < net.layers.size(); ++k) {
        if (std::find(src[k].begin(), src[k].end(), static_cast<int>(i)) == src[k].end()) continue;
        if (!passes_through(net.layers[k])) {
            out.push_back(k);
            continue;
        }
        for (size_t r : chained_readers(net, src, k)) out.push_back(r);
    }
    return out;
}

// One producing layer (accelerator or add) of chain_network, read by `readers`.
void chain_output(Network& out, size_t i, const std::vector<size_t>& readers) {
    Layer& l = out.layers[i];
    const bool add = l.type == LayerType::Add || l.lowered_add;
    if (readers.empty()) {  // the network's output
        if (add && !l.requant.enabled) l.requant.enabled = l.requant.relu = true;  // as below
        if (l.requant.enabled && !l.requant.from_model) l.requant.calibrate = true;
        if (add && l.requant.calibrate && l.requant.relu && l.requant.out.zero_point == 0)
            l.requant.out.is_signed = false;  // post-ReLU sums use the unsigned range
        return;
    }
    if (!l.requant.enabled) {
        l.requant.enabled = true;
        l.requant.relu = true;
    }
    // scales written for independent synthetic data would let the chain's values die out
    // or saturate: calibrate them on the data, unless a model gave them
    if (!l.requant.from_model) l.requant.calibrate = true;
    std::vector<size_t> acc;
    for (size_t r : readers)
        if (!out.layers[r].on_host()) acc.push_back(r);
    if (acc.empty()) {  // read by add layers only, which take any format
        if (l.requant.calibrate && l.requant.relu && l.requant.out.zero_point == 0 && !l.requant.out.binary)
            l.requant.out.is_signed = false;
        return;
    }
    Layer& next = out.layers[acc.front()];
    // binary activations take the sign of the output (XNOR-Net), which a ReLU would make +1
    if (next.ifmap.binary && !l.requant.from_model) l.requant.relu = false;
    // a calibrated output's scale is free: post-ReLU values use the unsigned range; a fixed
    // requantization (an ONNX model's scales) keeps the format it was given. Not for an add on
    // the accelerator: its two inputs share its ifmap format, which must hold the other's
    // negative values too, so the tensors it reads stay signed
    const bool to_add = std::any_of(acc.begin(), acc.end(), [&](size_t r) { return out.layers[r].lowered_add; });
    if (l.requant.calibrate && !next.ifmap.binary && next.ifmap.zero_point == 0) {
        if (l.requant.relu && !to_add) next.ifmap.is_signed = false;
        if (to_add) next.ifmap.is_signed = true;  // (a model may have assumed unsigned)
    }
    l.requant.out = next.ifmap;
    for (size_t r : acc) out.layers[r].ifmap = next.ifmap;  // every reader takes the one output format
}

}  // namespace

Network chain_network(const Network& net) {
    Network out = net;
    const std::vector<std::vector<int>> src = layer_sources(out);
    for (size_t i = 0; i < out.layers.size(); ++i)
        if (!passes_through(out.layers[i])) chain_output(out, i, chained_readers(out, src, i));
    return out;
}

namespace {

// A pool layer on the host, on the values: max, or the average rounded half up (integer).
Tensor4 host_pool(const Layer& l, const Tensor4& in) {
    const LayerShape& s = l.shape;
    Tensor4 out(in.dim[0], s.C, s.E(), s.F());
    for (int n = 0; n < in.dim[0]; ++n)
        for (int c = 0; c < s.C; ++c)
            for (int y = 0; y < s.E(); ++y)
                for (int x = 0; x < s.F(); ++x) {
                    int64_t best = INT64_MIN, sum = 0, cnt = 0;
                    for (int r = 0; r < s.R; ++r)
                        for (int k = 0; k < s.S; ++k) {
                            const int iy = y * s.U + r - s.P, ix = x * s.U + k - s.P;
                            if (iy < 0 || iy >= s.H || ix < 0 || ix >= s.W) continue;
                            const int64_t v = in.at(n, c, iy, ix);
                            best = std::max(best, v);
                            sum += v;
                            ++cnt;
                        }
                    const int64_t avg = cnt ? static_cast<int64_t>(std::floor(static_cast<double>(2 * sum + cnt) /
                                                                              static_cast<double>(2 * cnt)))
                                            : 0;
                    out.at(n, c, y, x) = static_cast<int32_t>(l.pool_op == PoolOp::Max ? best : avg);
                }
    return out;
}

std::string dims(const std::array<int, 4>& d) {
    return std::to_string(d[1]) + "x" + std::to_string(d[2]) + "x" + std::to_string(d[3]);
}

// A tensor a chained run carries from the layer that made it to the layers that read it.
struct Carried {
    Tensor4 values;
    double scale = 0;  // real value of one step (1: the network input's step when no layer says)
    bool have = false;  // made in this run (a layer's source before the first layer has none)
};

// The tensors of a chained run, handed to their readers (moved to the last one).
class ChainState {
public:
    ChainState(const Network& net, std::vector<std::vector<int>> src)
        : m_src(std::move(src)), m_out(net.layers.size()) {
        m_uses.assign(net.layers.size(), 0);
        for (const auto& s : m_src)
            for (int j : s)
                if (j >= 0) ++m_uses[static_cast<size_t>(j)];
    }
    const std::vector<int>& sources(size_t i) const { return m_src[i]; }
    // The output of layer j for one of its readers (null: none made in this run).
    const Carried* peek(int j) const {
        return j >= 0 && m_out[static_cast<size_t>(j)].have ? &m_out[static_cast<size_t>(j)] : nullptr;
    }
    Carried take(int j) {
        Carried& c = m_out[static_cast<size_t>(j)];
        return --m_uses[static_cast<size_t>(j)] == 0 ? std::move(c) : c;
    }
    void put(size_t i, Carried c) {
        if (m_uses[i] > 0) m_out[i] = std::move(c);
    }

private:
    std::vector<std::vector<int>> m_src;
    std::vector<Carried> m_out;
    std::vector<int> m_uses;
};

std::string chw(const LayerShape& s) {
    return std::to_string(s.C) + "x" + std::to_string(s.H) + "x" + std::to_string(s.W);
}

// A chained layer's data: the output it reads (`in`) as its ifmap, its own weights; a layer
// that reads nothing made in this run (the first) makes both.
LayerData chained_data(const Layer& l, Carried* in, const std::string& where, uint64_t seed_offset) {
    if (!in) return make_layer_data(l, seed_offset);
    const LayerShape& s = l.shape;
    LayerData data;
    Layer x = l;  // only the weights are made: the ifmap is the previous output
    x.filter_data.seed += seed_offset;
    data.filter = make_filter(x, &data.filter_scale);
    data.ifmap = Tensor4(s.N, s.C, s.H, s.W);
    const Tensor4& carry = in->values;
    if (carry.size() != data.ifmap.size() || carry.dim[0] != s.N)
        throw ConfigError(
            where, l.name, 0, 0,
            "expected an input of " + std::to_string(carry.size() / static_cast<size_t>(std::max(1, carry.dim[0]))) +
                " values per image (the previous output, " + dims(carry.dim) + ") for --chained, got " + chw(s));
    // same element order: an FC layer reads the previous output flattened (C, H, W)
    data.ifmap.data = std::move(in->values.data);
    return data;
}

void check_host_input(const Layer& l, const Tensor4& in, const std::string& where) {
    const LayerShape& s = l.shape;
    if (in.dim[1] != s.C || in.dim[2] != s.H || in.dim[3] != s.W)
        throw ConfigError(where, l.name, 0, 0,
                          "expected the previous output's shape " + dims(in.dim) + " as input of " + l.name +
                              " for --chained, got " + chw(s));
}

// The output scale of an add layer (on the host or the accelerator): calibrated on the sums
// ("max", as a calibrated layer's) or, without calibration, the first input's.
double add_output_scale(const Layer& l, const Carried& a, const Carried& b) {
    const Requant& rq = l.requant;
    return rq.calibrate ? calibrate_add_scale(a.values, a.scale, b.values, b.scale, rq.relu, rq.out) : a.scale;
}

// An add layer on the host (quant/add.h): its two inputs rescaled to its output's scale
// (add_output_scale).
Carried host_add(const Layer& l, const Carried& a, const Carried& b, const std::string& where) {
    check_host_input(l, a.values, where);
    check_host_input(l, b.values, where);
    const Requant& rq = l.requant;
    Carried out;
    out.scale = add_output_scale(l, a, b);
    const AddRequant p = add_requant(a.scale, b.scale, out.scale, rq.relu, rq.out);
    out.values = Tensor4(a.values.dim[0], a.values.dim[1], a.values.dim[2], a.values.dim[3]);
    for (size_t i = 0; i < out.values.size(); ++i)
        out.values.data[i] = add_quantized(a.values.data[i], b.values.data[i], p);
    out.have = true;
    return out;
}

// What a chained run refuses before it runs anything: an add layer that does not name its two
// inputs, a concat that names fewer than two, or either naming a layer not in the run.
void check_chain_edges(const Network& net, const ChainState& st, const std::string& where) {
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const Layer& l = net.layers[i];
        if (!reads_several(l)) continue;
        const bool concat = l.type == LayerType::Concat;
        const size_t n = st.sources(i).size();
        if (concat ? n < 2 : n != 2)
            throw ConfigError(where, l.name, 0, 0,
                              concat ? "expected concat layer " + l.name +
                                           " to name the layers it joins for --chained (inputs: [A, B, ...] in the "
                                           "workload)"
                                     : "expected add layer " + l.name +
                                           " to name the two layers it adds for --chained (inputs: [A, B] in the "
                                           "workload)");
        for (size_t k = 0; k < n; ++k)
            if (st.sources(i)[k] < 0)
                throw ConfigError(where, l.name, 0, 0,
                                  "expected the layers " + std::string(to_string(concat ? l.type : LayerType::Add)) +
                                      " layer " + l.name + " reads in the run for --chained, got '" + l.inputs[k] +
                                      "' left out (select it with --layers)");
    }
}

// A concat layer on the host (quant/add.h): its inputs' channels in order, at the largest of
// their steps.
Carried host_concat(const Layer& l, std::vector<Carried> in, const std::string& where) {
    std::vector<const Tensor4*> parts;
    std::vector<double> scales;
    int channels = 0;
    for (const Carried& c : in) {
        const std::array<int, 4>& d = c.values.dim;
        if (d[2] != l.shape.H || d[3] != l.shape.W)
            throw ConfigError(where, l.name, 0, 0,
                              "expected inputs of H x W " + std::to_string(l.shape.H) + "x" +
                                  std::to_string(l.shape.W) + " for concat " + l.name + " in --chained, got " +
                                  dims(d));
        channels += d[1];
        parts.push_back(&c.values);
        scales.push_back(c.scale);
    }
    if (channels != l.shape.C)
        throw ConfigError(where, l.name, 0, 0,
                          "expected inputs of " + std::to_string(l.shape.C) + " channels in all for concat " + l.name +
                              " in --chained, got " + std::to_string(channels));
    Carried out;
    out.scale = concat_scale(scales);
    out.values = concat_quantized(parts, scales, out.scale);
    out.have = true;
    return out;
}

// The real scale of an accelerator layer's output: its input's x its filter's step (channel 0;
// a requantization scales every channel to one output step) / the requantization's multiplier.
double output_scale(const PreparedLayer& p, double in_scale) {
    const Requant& rq = p.layer.requant;
    const double w = p.data.filter_scale.empty() ? 1.0 : p.data.filter_scale.front();
    const double real = rq.enabled ? std::ldexp(static_cast<double>(rq.multiplier_of(0)), -rq.shift_of(0)) : 1.0;
    return in_scale * w / real;
}

// An accelerator layer of a chained run on `in` (null: its own synthetic data). A layer whose
// input scale the model assumed (an ONNX float layer) takes the one its input has, and its bias
// is quantized again at it.
LayerResult chained_layer(const Layer& l, Carried* in, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                          const std::string& where, Carried& out) {
    const double in_scale = in ? in->scale : (l.ifmap_scale > 0 ? l.ifmap_scale : 1.0);
    Layer x = l;
    if (x.ifmap_scale > 0 && !x.requant.from_model) {
        x.ifmap_scale = in_scale;
        for (size_t m = 0; m < x.bias_real.size() && m < x.bias.size(); ++m) {
            const double w = m < x.filter_scale.size() ? x.filter_scale[m] : 1.0;
            x.bias[m] = static_cast<int32_t>(
                std::clamp(std::nearbyint(x.bias_real[m] / (in_scale * w)), -2147483647.0, 2147483647.0));
        }
    }
    const PreparedLayer p = prepare(x, a, t, opt, chained_data(x, in, where, opt.seed_offset));
    LayerResult r = simulate(p, true);
    out.scale = output_scale(p, in_scale);
    out.values = std::move(r.output);
    out.have = true;
    r.output_scale = out.scale;
    return r;
}

// An add layer on the accelerator (lower_add) in a chained run: its two inputs interleaved into
// its ifmap (channel 2c is A's c, 2c + 1 B's), its weights and requantization from their steps and
// the output's (add_output_scale, as host_add's):
// w_a, w_b = add_weights, multiplier = the larger input step / (wmax x the output step), so that
// multiplier x w_a = a's step / y's step (and the same for b within half a weight step).
LayerResult accelerator_add(const Layer& l, const Carried& a, const Carried& b, const ArchParams& arch,
                            const EnergyTable& t, const RunOptions& opt, const std::string& where, Carried& out) {
    const LayerShape& s = l.shape;
    for (const Carried* c : {&a, &b})
        if (c->values.dim != std::array<int, 4>{s.N, s.M, s.H, s.W})
            throw ConfigError(where, l.name, 0, 0,
                              "expected inputs of " + std::to_string(s.M) + "x" + std::to_string(s.H) + "x" +
                                  std::to_string(s.W) + " for add " + l.name + " in --chained, got " +
                                  dims(c->values.dim));
    const Requant& rq = l.requant;
    out.scale = add_output_scale(l, a, b);
    Layer x = l;
    const auto [wa, wb] = add_weights(a.scale, b.scale, x.filter_values());
    const double real = a.scale >= b.scale ? a.scale / (wa * out.scale) : b.scale / (wb * out.scale);
    const auto [mul, shift] = fixed_multiplier(real);
    x.requant = Requant::scalar(mul, shift, rq.relu, rq.out);
    x.filter_data.values = std::make_shared<const Tensor4>(add_filters(x, wa, wb));
    LayerData data;
    data.filter = *x.filter_data.values;
    data.ifmap = Tensor4(s.N, s.C, s.H, s.W);
    const size_t plane = static_cast<size_t>(s.H) * static_cast<size_t>(s.W);
    for (int n = 0; n < s.N; ++n)
        for (int c = 0; c < s.M; ++c)
            for (int k = 0; k < 2; ++k) {
                const Tensor4& src = k == 0 ? a.values : b.values;
                std::copy_n(&src.data[src.index(n, c, 0, 0)], plane,
                            &data.ifmap.data[data.ifmap.index(n, 2 * c + k, 0, 0)]);
            }
    const PreparedLayer p = prepare(x, arch, t, opt, std::move(data));
    LayerResult r = simulate(p, true);
    out.values = std::move(r.output);
    out.have = true;
    r.output_scale = out.scale;
    return r;
}

void simulate_chain(const Network& net, const ArchParams& a, const EnergyTable& t, const RunOptions& opt,
                    NetworkResult& res) {
    const std::string where = net.file.empty() ? "workload" : net.file;
    ChainState st(net, layer_sources(net));
    check_chain_edges(net, st, where);
    for (size_t i = 0; i < net.layers.size(); ++i) {
        const Layer& l = net.layers[i];
        const std::vector<int>& src = st.sources(i);
        Carried out;
        LayerResult r;
        if (l.type == LayerType::Add || l.lowered_add) {
            if (!st.peek(src[0]) || !st.peek(src[1]))
                throw ConfigError(where, l.name, 0, 0,
                                  "expected the outputs of " + l.inputs[0] + " and " + l.inputs[1] + " as inputs of " +
                                      l.name + " for --chained, got a layer before the chain's first");
            const Carried x = st.take(src[0]), y = st.take(src[1]);
            if (l.lowered_add) {
                r = accelerator_add(l, x, y, a, t, opt, where, out);
            } else {
                out = host_add(l, x, y, where);
                r = simulate(prepare(l, a, t, opt));
            }
        } else if (l.type == LayerType::Concat) {
            std::vector<Carried> in;
            for (size_t k = 0; k < src.size(); ++k) {
                if (!st.peek(src[k]))
                    throw ConfigError(where, l.name, 0, 0,
                                      "expected the output of " + l.inputs[k] + " as an input of " + l.name +
                                          " for --chained, got a layer before the chain's first");
                in.push_back(st.take(src[k]));
            }
            out = host_concat(l, std::move(in), where);
            r = simulate(prepare(l, a, t, opt));
        } else if (l.on_host()) {
            if (st.peek(src[0])) {
                if (l.type != LayerType::Pool)
                    throw ConfigError(
                        where, l.name, 0, 0,
                        "expected only pool, add and concat layers between chained layers: the host does not "
                        "compute " +
                            std::string(to_string(l.type)) + " layer " + l.name + " for --chained yet");
                Carried in = st.take(src[0]);
                check_host_input(l, in.values, where);
                out.values = host_pool(l, in.values);
                out.scale = in.scale;
                out.have = true;
            }
            r = simulate(prepare(l, a, t, opt));
        } else {
            Carried in;
            const bool have = st.peek(src[0]) != nullptr;
            if (have && l.type == LayerType::Matmul)
                throw ConfigError(where, l.name, 0, 0,
                                  "expected a chain of layers for --chained: matmul layer " + l.name +
                                      " has two activation inputs (attention cannot be chained yet)");
            if (have) in = st.take(src[0]);
            r = chained_layer(l, have ? &in : nullptr, a, t, opt, where, out);
        }
        r.output_scale = out.have ? out.scale : 0;
        if (opt.keep_outputs && out.have) r.output = out.values;
        st.put(i, std::move(out));
        res.layers.push_back(std::move(r));
        if (opt.on_layer) opt.on_layer(res.layers.back());
    }
}

}  // namespace

NetworkResult network_result(const Network& net, const ArchParams& a, const EnergyTable& t, const RunOptions& opt) {
    NetworkResult res;
    res.network = net.name;
    res.arch_params = a.for_dataflow(opt.dataflow);
    res.arch = res.arch_params.name;
    res.energy_table = t.name;
    res.energy_unit = t.unit;
    res.energy_model = t.model();
    res.technology = technology_text(t);
    if (t.area.present) res.area = area_of(res.arch_params, t.area);
    res.has_static = t.area.present && (t.statics.leakage_mw_per_mm2 > 0 || t.statics.clock_per_mm2_cycle > 0);
    res.dataflow = opt.dataflow;
    res.model = opt.model;
    res.timing = opt.timing;
    return res;
}

NetworkResult simulate_network(const Network& net_in, const ArchParams& a, const EnergyTable& t,
                               const RunOptions& run_opt) {
    MappingCache own;  // identical layers are mapped once
    RunOptions opt = run_opt;
    if (!opt.mapping_cache) opt.mapping_cache = &own;
    const Network net = opt.chained ? chain_network(net_in) : net_in;
    NetworkResult res = network_result(net, a, t, opt);
    if (opt.chained) {
        simulate_chain(net, a, t, opt, res);
        return res;
    }
    // The layers are independent: the next one is prepared (its data made, its zeros measured,
    // its mapping searched) on a second thread while SystemC simulates this one (on one core:
    // after it, second_thread), one layer ahead and in order, so the mapping cache sees the same
    // sequence of layers and the results are the same. Not when the two layers' data together would pass --max-memory.
    const size_t n = net.layers.size();
    auto fits_beside = [&](size_t i) {  // (res.arch_params: the dataflow's architecture)
        if (opt.max_memory == 0) return true;
        return estimate_layer_memory(net.layers[i - 1], res.arch_params, opt.model) +
                   estimate_layer_memory(net.layers[i], res.arch_params, opt.model) <=
               opt.max_memory;
    };
    std::future<PreparedLayer> next;
    for (size_t i = 0; i < n; ++i) {
        PreparedLayer p = next.valid() ? next.get() : prepare(net.layers[i], a, t, opt);
        if (i + 1 < n && fits_beside(i + 1))
            next = std::async(second_thread(), [&, i] { return prepare(net.layers[i + 1], a, t, opt); });
        res.layers.push_back(simulate(p));
        if (opt.on_layer) opt.on_layer(res.layers.back());
    }
    return res;
}

NetworkResult estimate_network(const Network& net, const ArchParams& a, const EnergyTable& t, RunOptions opt) {
    DFSIM_ASSERT(!opt.chained, "the analytical model has no chained mode");
    opt.model = RunModel::Analytical;
    MappingCache own;  // identical layers are mapped once
    if (!opt.mapping_cache) opt.mapping_cache = &own;
    NetworkResult res = network_result(net, a, t, opt);
    for (const Layer& l : net.layers) {
        res.layers.push_back(estimate(prepare(l, a, t, opt)));
        if (opt.on_layer) opt.on_layer(res.layers.back());
    }
    return res;
}

}  // namespace dfsim
