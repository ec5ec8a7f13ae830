#include "tools/dfsim/cli.h"

#include <algorithm>
#include <filesystem>
#include <iostream>

#include "base/error.h"

namespace dfsim::cli {

std::string data_path(const std::string& rel) {
    std::error_code ec;
    if (std::filesystem::exists(rel, ec)) return rel;
    return std::string(DFSIM_SOURCE_DIR) + "/" + rel;
}

void add_common_options(CLI::App* app, CommonOptions& c) {
    app->add_option("--arch", c.arch, "architecture YAML")->capture_default_str();
    app->add_option("--workload", c.workload, "network YAML")->capture_default_str();
    c.energy_opt =
        app->add_option("--energy", c.energy, "energy table YAML (default: the architecture's energy_table, else this)")
            ->capture_default_str();
    app->add_option("--dataflow", c.dataflow, "dataflow name (see 'dfsim list')")->capture_default_str();
    app->add_option("--layers", c.layers, "all, conv, fc, or comma-separated layer names")->capture_default_str();
    app->add_option("--batch", c.batch, "batch size (default: the architecture's 'batch', else the workload's)")
        ->check(CLI::Range(1, 4096));
    app->add_option("--precision", c.precision,
                    "precision of every layer: int8, wNaM, lutN, ternary, binary, xnor (default: the workload's)");
    app->add_option("--timing", c.timing,
                    "timing model: pass (pass-level, fast) or cycle (the array stepped cycle by cycle)")
        ->capture_default_str()
        ->check(CLI::IsMember({"pass", "cycle"}));
}

EnergyTable energy_table(const CommonOptions& c, const ArchParams& a) {
    if (c.energy_opt->count() == 0 && !a.energy_table.empty()) return load_energy_table(a.energy_table);
    return load_energy_table(data_path(c.energy));
}

Network load_selected_network(const CommonOptions& c, const ArchParams& a, bool chained) {
    const Network loaded = load_network(data_path(c.workload));
    for (const std::string& note : loaded.notes) std::cerr << "dfsim: note: " << note << "\n";
    Network net = chained ? select_chain(loaded, c.layers) : select_layers(loaded, c.layers);
    if (!c.precision.empty()) net = with_precision(net, c.precision);
    return with_batch(net, c.batch > 0 ? c.batch : a.batch);
}

void note_timing_limits(const Network& net, const std::vector<std::string>& dataflows, Timing timing) {
    if (timing != Timing::Pass || std::find(dataflows.begin(), dataflows.end(), "nlr") == dataflows.end()) return;
    for (const Layer& l : net.layers)
        if (l.type == LayerType::Conv && l.shape.depthwise()) {
            std::cerr << "dfsim: note: nlr on depthwise layers (" << l.name
                      << ", ...): the pass-level model's cycles can exceed the cycle-level engine's by up to 7% "
                         "(docs/timing_corpus.md); --timing cycle gives the reference\n";
            return;
        }
}

void print_mappings(const NetworkResult& r, std::ostream& os) {
    for (const auto& l : r.layers) {
        os << l.name << ": " << l.mapping << "\n";
        if (!l.mapping_yaml.empty()) os << "  mapping file entry: " << l.name << ": " << l.mapping_yaml << "\n";
        os << l.loop_nest;
    }
}

void bad_option(const std::string& option, const std::string& expected) {
    throw ConfigError("command line", option, 0, 0, expected);
}

}  // namespace dfsim::cli
