// `dfsim compare`: several dataflows (and precisions) on the same layers and data
// (study/compare.h), the table, the reports and charts in --out, and an HTML page.
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/out_lock.h"
#include "report/compare_report.h"
#include "report/gnuplot.h"
#include "report/html.h"
#include "study/compare.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace {

namespace fs = std::filesystem;

struct CompareCli {
    CommonOptions common;
    std::string dataflows, out, html, objective = "energy", precisions, mapping_cache;
    std::string mapping_format = "dfsim";  // --mapping-format
    uint64_t seed = 0;
    int jobs = 1;
    bool no_check = false, restart = false, show_mapping = false, wide = false;
};

// Creates and locks --out (gnuplot checked first, so that a missing one fails before a long
// simulation); returns the directory of the resumable results ("" without --out), emptied by
// --restart, without the temporary files a killed run left there.
std::string prepare_out_dir(const CompareCli& o, std::optional<OutputLock>& lock) {
    if (!o.html.empty()) require_gnuplot();
    if (o.out.empty()) return "";
    require_gnuplot();
    lock.emplace(o.out);
    const std::string resume = (fs::path(o.out) / "results").string();
    if (o.restart) fs::remove_all(resume);
    remove_stale_temporaries(o.out);  // run_compare clears the results' own
    return resume;
}

// The charts for the page: --out's, or rendered in a private temporary directory, then dropped.
std::vector<HtmlImage> html_images(const CompareResult& res, const CompareCli& o, const Provenance& prov) {
    if (!o.out.empty()) {
        // linked from the page: --out's files, relative to the page's folder
        std::error_code ec;
        const fs::path page_dir = fs::weakly_canonical(fs::absolute(o.html), ec).parent_path();
        fs::path rel = fs::weakly_canonical(fs::absolute(o.out), ec).lexically_relative(page_dir);
        if (rel.empty()) rel = fs::absolute(o.out);
        return load_compare_images(o.out, rel.generic_string());
    }
    const fs::path tmp = fs::temp_directory_path() / ("dfsim_html_" + std::to_string(::getpid()));
    struct Cleanup {
        fs::path p;
        ~Cleanup() {
            std::error_code ec;
            fs::remove_all(p, ec);
        }
    } cleanup{tmp};
    fs::remove_all(tmp);
    write_compare_plots(res, tmp.string(), &prov);
    return load_compare_images(tmp);
}

void write_outputs(const CompareResult& res, const std::string& table, const CompareCli& o, const Provenance& prov) {
    if (!o.out.empty()) {
        write_compare_plots(res, o.out, &prov);  // first: a gnuplot failure leaves no report
        const fs::path dir(o.out);
        write_file_atomic((dir / "compare.json").string(), compare_to_json(res, &prov).dump(2) + "\n");
        write_file_atomic((dir / "compare.csv").string(), compare_to_csv(res, &prov));
        write_file_atomic((dir / "compare.txt").string(), table);
    }
    if (!o.html.empty())
        write_file_atomic(o.html, compare_to_html(res, html_images(res, o, prov), &prov, html_options()));
}

// What compare refuses before it makes --out: a bad --precisions preset, and a layer the PE cannot
// run under one of the dataflows at one of the precisions.
std::vector<std::string> check_runs(const CompareCli& o, const Network& net, const ArchParams& a, const EnergyTable& t,
                                    const std::vector<std::string>& dataflows) {
    std::vector<std::string> precisions;
    std::stringstream ss(o.precisions);
    for (std::string p; std::getline(ss, p, ',');) precisions.push_back(p);
    std::vector<Network> nets;
    for (const std::string& p : precisions) nets.push_back(with_precision(net, p));
    if (precisions.empty()) nets.push_back(net);
    for (const Network& n : nets)
        for (const std::string& df : dataflows) check_network_runs(n, a, t, df);
    return precisions;
}

int run(const CompareCli& o) {
    check_outputs({{"--html", o.html}});
    check_cache_dir(o.mapping_cache);
    if (!o.out.empty()) check_output_dir(o.out);
    const ArchParams a = load_cli_arch(o.common.arch);
    const EnergyTable t = energy_table(o.common, a);
    const Network net = load_selected_network(o.common, a);
    const std::vector<std::string> dataflows = parse_dataflow_list(o.dataflows);
    note_timing_limits(net, dataflows, o.common.timing_model());
    RunOptions opt;
    opt.objective = parse_objective(o.objective);
    opt.check_output = !o.no_check;
    opt.seed_offset = o.seed;
    opt.timing = o.common.timing_model();
    opt.mapper_jobs = o.jobs;
    MappingCache cache(o.mapping_cache);
    opt.mapping_cache = &cache;
    opt.max_memory = max_memory_bytes(o.common);
    for (const std::string& df : dataflows) {
        opt.dataflow = df;
        check_network_memory(net, a, opt, o.jobs);
    }
    const std::vector<std::string> precisions = check_runs(o, net, a, t, dataflows);
    std::optional<OutputLock> lock;  // held until the reports are written
    const std::string resume = prepare_out_dir(o, lock);
    note_long_run(net, static_cast<int>(dataflows.size() * std::max<size_t>(1, precisions.size())), opt.timing);
    std::ostream* progress = o.common.quiet ? nullptr : &std::cerr;
    const CompareResult res =
        precisions.empty() ? run_compare(net, a, t, dataflows, opt, progress, resume, o.jobs)
                           : run_compare_precisions(net, a, t, dataflows, precisions, opt, progress, resume, o.jobs);
    if (o.show_mapping || o.mapping_format == "timeloop")
        for (const NetworkResult& r : res.runs) {
            std::cout << (o.mapping_format == "timeloop" ? "# " : "") << "dataflow " << r.dataflow << ":\n";
            print_mappings(r, std::cout, o.mapping_format);
        }
    const Provenance prov = make_provenance(o.common, a, t, net, dataflows, o.seed, o.objective);
    const std::string table = format_compare_table(res, &prov, o.wide);
    std::cout << table;
    write_outputs(res, table, o, prov);
    for (const NetworkResult& r : res.runs)
        if (r.total().output_check == OutputCheck::Mismatch) return kExitMismatch;
    return kExitOk;
}

}  // namespace

Command add_compare_command(CLI::App& parent) {
    auto o = std::make_shared<CompareCli>();
    CLI::App* app =
        parent.add_subcommand("compare", "run several dataflows on the same layers and data, and compare them");
    for (const Dataflow* d : all_dataflows()) o->dataflows += (o->dataflows.empty() ? "" : ",") + d->name();
    add_common_options(app, o->common);
    app->remove_option(app->get_option("--dataflow"));
    app->add_option(
           "--dataflows,--dataflow", o->dataflows,
           "comma-separated dataflow names, one or several (default: all registered; --dataflow is the same option)")
        ->capture_default_str();
    app->add_option("--out", o->out,
                    "write compare.json, compare.csv, compare.txt and the charts (energy_by_level, energy_by_type, "
                    "latency_edp) into this directory");
    app->add_option("--html", o->html, "write the table and charts as a self-contained HTML page (needs gnuplot)");
    add_seed_option(app, o->seed, "offset added to every synthetic data seed");
    app->add_option("--objective", o->objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    app->add_flag("--no-check", o->no_check, "skip the comparison with the reference convolution");
    app->add_flag("--show-mapping", o->show_mapping, "print each dataflow's mapping and loop nest of each layer");
    app->add_flag("--wide", o->wide,
                  "the table with every column: the energy by data type and the DRAM accesses per MAC too (over 120 "
                  "characters wide)");
    add_mapping_format_option(app, o->mapping_format);
    add_mapper_options(app, o->jobs, o->mapping_cache);
    app->get_option("--jobs")->description(
        "worker processes for the (layer, dataflow) pairs, each taking the next as it finishes (the same results and "
        "reports for any number, but the mapper's cache hits where a layer repeats); with 1, threads for the mapper's "
        "search");
    app->add_option(
        "--precisions", o->precisions,
        "compare precisions / datapaths too: comma-separated --precision presets (e.g. int8,lut4,ternary,binary)");
    app->add_flag("--restart", o->restart,
                  "simulate everything again (default: reuse the results an earlier run left in --out/results)");
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
