// `dfsim run`: simulate a network, print the table, write the reports (README, "Usage").
#include <functional>
#include <iostream>
#include <memory>

#include "base/atomic_file.h"
#include "base/error.h"
#include "report/html.h"
#include "report/report.h"
#include "report/scalesim_reports.h"
#include "sim/simulator.h"
#include "sim/vcd_trace.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace {

struct RunCli {
    CommonOptions common;
    std::string json_out, csv_out, html_out, trace_out, mapping_file, mapping_cache, objective = "energy";
    std::string scalesim_dir;  // --scalesim-reports
    std::string mapping_format = "dfsim";  // --mapping-format
    int jobs = 1;
    uint64_t seed = 0, trace_max_macs = 20'000'000;
    bool show_mapping = false, no_check = false, chained = false, wide = false;
};

// The trace file for --trace, refused (before anything runs) when it would be huge or empty.
std::unique_ptr<VcdTrace> open_trace(const RunCli& o, const Network& net) {
    if (o.trace_out.empty()) return nullptr;
    uint64_t macs = 0;
    bool any = false;
    for (const Layer& l : net.layers)
        if (!l.on_host()) macs += l.shape.macs(), any = true;
    if (!any) bad_option("--trace", "expected a conv or fc layer to trace (--layers selects only host layers)");
    if (macs > o.trace_max_macs)
        bad_option("--trace", "expected at most " + std::to_string(o.trace_max_macs) +
                                  " MACs in the layers traced (--trace-max-macs), got " + std::to_string(macs) +
                                  ": select fewer or smaller layers with --layers, or raise --trace-max-macs");
    return std::make_unique<VcdTrace>(o.trace_out);  // IoError if it cannot be written
}

int run(const RunCli& o) {
    check_one_dataflow(o.common);
    check_outputs({{"--json", o.json_out}, {"--csv", o.csv_out}, {"--html", o.html_out}, {"--trace", o.trace_out}});
    if (!o.scalesim_dir.empty()) check_output_dir(o.scalesim_dir);
    check_cache_dir(o.mapping_cache);
    const ArchParams a = load_cli_arch(o.common.arch);
    const EnergyTable t = energy_table(o.common, a);
    const Network net = load_selected_network(o.common, a, o.chained);
    RunOptions opt;
    opt.dataflow = chosen_dataflow(o.common, a);
    opt.objective = parse_objective(o.objective);
    opt.check_output = !o.no_check;
    opt.chained = o.chained;
    opt.seed_offset = o.seed;
    opt.timing = o.common.timing_model();
    opt.mapper_jobs = o.jobs;
    MappingCache cache(o.mapping_cache);
    opt.mapping_cache = &cache;
    opt.max_memory = max_memory_bytes(o.common);
    check_network_memory(net, a, opt);
    note_timing_limits(net, {opt.dataflow}, opt.timing);
    note_long_run(net, 1, opt.timing);
    PinnedMappings pinned;
    if (!o.mapping_file.empty()) {
        pinned = load_pinned_mappings(data_path(o.mapping_file), net);
        opt.pinned = &pinned;
    }
    const std::unique_ptr<VcdTrace> trace = open_trace(o, net);
    opt.trace = trace.get();
    const Provenance prov = make_provenance(o.common, a, t, net, {opt.dataflow}, o.seed, o.objective);
    // The table streamed: its header now, each layer's row as the layer finishes, the rest at the
    // end; the same text as format_table. Not with the mappings, which come before it.
    const bool mappings = o.show_mapping || o.mapping_format == "timeloop";
    const NetworkResult head = network_result(net, a, t, opt);
    std::vector<std::string> names;
    for (const Layer& l : net.layers) names.push_back(l.name);
    const size_t name_width = table_name_width(names);
    std::function<void(const LayerResult&)> row;
    bool head_printed = false;  // at the first row: a run that fails before it prints no table
    if (!mappings)
        row = [&](const LayerResult& l) {
            if (!head_printed) std::cout << format_table_head(head, name_width, &prov, o.wide);
            head_printed = true;
            std::cout << format_table_row(head, l, name_width, o.wide) << std::flush;
        };
    opt.on_layer = layer_progress("run", net, o.common, row);
    const NetworkResult res = simulate_network(net, a, t, opt);
    if (mappings) {
        print_mappings(res, std::cout, o.mapping_format);
        std::cout << format_table(res, &prov, o.wide);
    } else {
        if (!head_printed) std::cout << format_table_head(head, name_width, &prov, o.wide);  // no layers
        std::cout << format_table_tail(res, name_width, o.wide);
    }
    if (!o.json_out.empty()) write_file_atomic(o.json_out, to_json(res, &prov).dump(2) + "\n");
    if (!o.csv_out.empty()) write_file_atomic(o.csv_out, to_csv(res, &prov));
    if (!o.html_out.empty()) write_file_atomic(o.html_out, run_to_html(res, &prov, html_options()));
    if (!o.scalesim_dir.empty()) write_scalesim_reports(res, o.scalesim_dir);
    if (trace) trace->commit();
    return res.total().output_check == OutputCheck::Mismatch ? kExitMismatch : kExitOk;
}

}  // namespace

Command add_run_command(CLI::App& parent) {
    auto o = std::make_shared<RunCli>();
    CLI::App* app = parent.add_subcommand("run", "simulate a network and report cycles and energy per layer");
    add_common_options(app, o->common);
    app->add_option("--json", o->json_out, "write the report as JSON (atomically)");
    app->add_option("--csv", o->csv_out, "write the report as CSV (atomically)");
    app->add_option("--html", o->html_out, "write the report as a self-contained HTML page (atomically)");
    app->add_option("--scalesim-reports", o->scalesim_dir,
                    "write SCALE-Sim's COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv into "
                    "this folder (atomically; docs/report.md#scale-sim-reports)");
    add_seed_option(app, o->seed, "offset added to every synthetic data seed");
    app->add_option("--objective", o->objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    app->add_flag("--show-mapping", o->show_mapping, "print each layer's mapping and loop nest");
    app->add_flag("--wide", o->wide,
                  "every column of the table: gated MACs and energy by data type too (the default fits 120 columns)");
    add_mapping_format_option(app, o->mapping_format);
    add_mapper_options(app, o->jobs, o->mapping_cache);
    app->add_option("--mapping", o->mapping_file,
                    "YAML file of pinned mappings by layer (run as given; others mapped)");
    app->add_flag("--no-check", o->no_check, "skip the comparison with the reference convolution");
    app->add_flag("--chained", o->chained,
                  "each layer runs on the previous layer's requantized output (pools on the host), not synthetic data");
    app->add_option("--trace", o->trace_out, "write a VCD waveform of the run (atomically; open it with gtkwave)");
    app->add_option("--trace-max-macs", o->trace_max_macs,
                    "refuse --trace when the layers run have more MACs than this")
        ->capture_default_str()
        ->check(CLI::PositiveNumber);
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
