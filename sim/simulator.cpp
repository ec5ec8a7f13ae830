#include "sim/simulator.h"

#include <systemc>

#include <chrono>

#include "common/config_error.h"
#include "hw/accelerator.h"
#include "sim/reference.h"
#include "sim/synthetic.h"
#include "sim/vcd_trace.h"

namespace dfsim {

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
    std::string known;
    bool registered = false;
    for (const Dataflow* d : all_dataflows()) {
        known += (known.empty() ? "" : ", ") + d->name();
        registered = registered || d->name() == p.dataflow;
    }
    if (!registered) root.fail("dataflow", "expected one of {" + known + "}, got '" + p.dataflow + "'");
    YamlMap layers = root.child("layers");
    std::string run;
    for (const Layer& l : net.layers) run += (run.empty() ? "" : ", ") + l.name;
    for (const std::string& name : layers.keys()) {
        const Layer* found = nullptr;
        for (const Layer& l : net.layers)
            if (l.name == name) found = &l;
        if (!found) layers.fail(name, "expected one of the layers being run {" + run + "}, got '" + name + "'");
        if (found->on_host())
            layers.fail(name, "expected an accelerator layer: " + name + " is a " + found->type +
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
    return LayerData{make_ifmap(x), make_filter(x)};
}

namespace {

// A pool or add layer: host work, not simulated.
LayerResult host_result(const Layer& l) {
    const LayerShape& s = l.shape;
    LayerResult r;
    r.name = l.name;
    r.shape = s;
    r.executed_on = "host";
    r.output_check = "host";
    r.host_ops = l.host_ops();
    if (l.type == "pool")
        r.mapping = "host: " + l.pool_op + " pool " + std::to_string(s.R) + "x" + std::to_string(s.S) + " stride " +
                    std::to_string(s.U) + " padding " + std::to_string(s.P);
    else
        r.mapping = "host: element-wise add of two " + std::to_string(s.C) + "x" + std::to_string(s.H) + "x" +
                    std::to_string(s.W) + " tensors";
    return r;
}

}  // namespace

LayerResult simulate_mapped(const Layer& l, const ArchParams& a, const EnergyTable& t,
                            const Dataflow& df, const Mapping& m, const LayerData& data,
                            bool check_output, bool keep_output, const Tensor4* reference, VcdTrace* trace) {
    DFSIM_ASSERT(!l.on_host(), "host layer " + l.name + " given to the accelerator");
    auto t0 = std::chrono::steady_clock::now();
    const LayerShape& s = l.shape;
    LayerResult r;
    r.name = l.name;
    r.shape = s;
    r.mapping = m.summary();
    r.loop_nest = m.loop_nest(l);
    r.widths = layer_widths(l, a);
    Estimate est = df.estimate(l, a, t, m);
    r.estimated_cycles = est.cycles;
    r.estimated_energy = est.energy;

    hw::Program prog = df.build_program(l, a, m);
    hw::DramImage image;
    image.ifmap = data.ifmap;
    image.filter = data.filter;
    image.output = Tensor4(s.N, s.M, s.E(), s.F());
    image.ifmap_bits = l.ifmap.bits;
    image.filter_bits = l.filter.bits;
    image.output_bits = r.widths.output;

    fresh_systemc_context();
    {
        sc_core::sc_trace_file* tf = trace ? trace->begin_layer(a) : nullptr;
        hw::Accelerator acc("accelerator", a, prog, image, tf, trace ? trace->layer_number() : 0);
        sc_core::sc_start();
        DFSIM_ASSERT(acc.finished(), "simulation ended with operations outstanding (deadlock)");
        r.cycles = acc.end_cycle();
        r.counts = acc.counts();
        r.dram_busy_cycles = acc.dram_busy_cycles();
        if (trace) trace->end_layer(r.cycles);
    }
    r.glb_bytes_used = prog.glb_bytes();
    r.energy = compute_energy(r.counts, t, r.widths, static_cast<double>(a.glb.size_bytes));
    if (check_output) {
        Tensor4 own;
        if (!reference) own = reference_conv(l, data.ifmap, data.filter);
        const Tensor4& ref = reference ? *reference : own;
        DFSIM_ASSERT(ref.size() == image.output.size(), "reference has the wrong shape");
        for (size_t i = 0; i < ref.size(); ++i) r.mismatches += ref.data[i] != image.output.data[i];
        r.output_check = r.mismatches == 0 ? "bit-exact" : "mismatch";
    }
    if (keep_output) r.output = std::move(image.output);
    r.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return r;
}

LayerResult simulate_layer(const Layer& l, const ArchParams& a, const EnergyTable& t,
                           const RunOptions& opt, bool keep_output, const LayerData* data,
                           const Tensor4* reference) {
    const Dataflow& df = find_dataflow(opt.dataflow);
    if (l.on_host()) return host_result(l);
    const ArchParams ad = a.for_dataflow(opt.dataflow);
    if (std::max(l.ifmap.bits, l.filter.bits) > ad.pe.mac_bits)
        throw ConfigError(ad.file, "pe.mac_bits", 0, 0,
                          "expected at least the operand width of layer " + l.name + " (" +
                              std::to_string(std::max(l.ifmap.bits, l.filter.bits)) + " bits), got " +
                              std::to_string(ad.pe.mac_bits));
    const Layer ls = stored_layer(l, ad.word_bits);
    const YamlMap* pin = opt.pinned ? opt.pinned->find(l.name) : nullptr;
    if (pin && opt.pinned->dataflow != opt.dataflow)
        throw ConfigError(opt.pinned->file, "dataflow", 0, 0,
                          "mappings for '" + opt.pinned->dataflow + "' cannot run on dataflow '" + opt.dataflow + "'");
    auto m = pin ? df.parse_mapping(*pin, ls, ad) : df.choose_mapping(ls, ad, t, opt.objective);
    if (data) return simulate_mapped(ls, ad, t, df, *m, *data, opt.check_output, keep_output, reference, opt.trace);
    return simulate_mapped(ls, ad, t, df, *m, make_layer_data(l, opt.seed_offset), opt.check_output, keep_output,
                           reference, opt.trace);
}

LayerResult NetworkResult::total() const {
    LayerResult tot;
    tot.name = "total";
    tot.output_check = "skipped";
    bool all_exact = true, any_accelerator = false;
    bool any_mismatch = false;
    for (const auto& l : layers) {
        tot.host_ops += l.host_ops;
        // a host layer (also one compare reloaded, which keeps only its output_check) has no
        // cycles, counts or energy, and no output to check
        if (l.executed_on == "host" || l.output_check == "host") continue;
        any_accelerator = true;
        tot.cycles += l.cycles;
        tot.estimated_cycles += l.estimated_cycles;
        tot.estimated_energy += l.estimated_energy;
        tot.counts += l.counts;
        for (int i = 0; i < kNumLevels; ++i)
            for (int j = 0; j < kNumDataTypes; ++j) tot.energy.by_level_type[i][j] += l.energy.by_level_type[i][j];
        tot.energy.alu += l.energy.alu;
        tot.dram_busy_cycles += l.dram_busy_cycles;
        tot.mismatches += l.mismatches;
        tot.wall_seconds += l.wall_seconds;
        tot.glb_bytes_used = std::max(tot.glb_bytes_used, l.glb_bytes_used);
        all_exact = all_exact && l.output_check == "bit-exact";
        any_mismatch = any_mismatch || l.output_check == "mismatch";
    }
    tot.output_check = any_mismatch ? "mismatch" : any_accelerator && all_exact ? "bit-exact" : "skipped";
    return tot;
}

NetworkResult simulate_network(const Network& net, const ArchParams& a, const EnergyTable& t,
                               const RunOptions& opt) {
    NetworkResult res;
    res.network = net.name;
    res.arch_params = a.for_dataflow(opt.dataflow);
    res.arch = res.arch_params.name;
    res.energy_table = t.name;
    res.energy_unit = t.unit;
    res.dataflow = opt.dataflow;
    for (const Layer& l : net.layers) res.layers.push_back(simulate_layer(l, a, t, opt));
    return res;
}

}  // namespace dfsim
