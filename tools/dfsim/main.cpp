// dfsim command line: load configs, run, report. The library does the work.
#include <CLI/CLI.hpp>
#include <systemc>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "base/error.h"
#include "workload/formats/scalesim.h"
#include "dataflows/dataflow.h"
#include "hw/global_buffer.h"
#include "base/atomic_file.h"
#include "study/bench.h"
#include "study/compare.h"
#include "report/gnuplot.h"
#include "report/html.h"
#include "report/sweep_plots.h"
#include "tools/dfsim/quantize.h"
#include "report/report.h"
#include "sim/simulator.h"
#include "study/sweep.h"
#include "sim/vcd_trace.h"

using namespace dfsim;

namespace {

std::string data_path(const std::string& rel) {
    // Defaults resolve against the working directory first, then the source tree.
    if (std::filesystem::exists(rel)) return rel;
    return std::string(DFSIM_SOURCE_DIR) + "/" + rel;
}

struct Common {
    std::string arch = "configs/arch/eyeriss.yaml";
    std::string workload = "workloads/alexnet.yaml";
    std::string energy = "configs/energy/45nm.yaml";
    std::string dataflow = "rs";
    std::string layers = "conv";
    int batch = 0;
    std::string precision;  // with_precision preset ("" = the workload's own)
    CLI::Option* energy_opt = nullptr;
};

// The energy table: --energy if given, else the one the architecture file names, else the default.
EnergyTable energy_table(const Common& c, const ArchParams& a) {
    if (c.energy_opt->count() == 0 && !a.energy_table.empty()) return load_energy_table(a.energy_table);
    return load_energy_table(data_path(c.energy));
}

void add_common(CLI::App* app, Common& c) {
    app->add_option("--arch", c.arch, "architecture YAML")->capture_default_str();
    app->add_option("--workload", c.workload, "network YAML")->capture_default_str();
    c.energy_opt = app->add_option("--energy", c.energy,
                                   "energy table YAML (default: the architecture's energy_table, else this)")
                       ->capture_default_str();
    app->add_option("--dataflow", c.dataflow, "dataflow name (see 'dfsim list')")->capture_default_str();
    app->add_option("--layers", c.layers, "all, conv, fc, or comma-separated layer names")->capture_default_str();
    app->add_option("--batch", c.batch, "batch size (default: the architecture's 'batch', else the workload's)")
        ->check(CLI::Range(1, 4096));
    app->add_option("--precision", c.precision,
                    "precision of every layer: int8, wNaM, lutN, ternary, binary, xnor (default: the workload's)");
}

// The network as run: the selected layers at the batch size of the command line, else of the
// architecture file, else of the workload.
Network prepare_network(const Common& c, const ArchParams& a, bool chained = false) {
    const Network loaded = load_network(data_path(c.workload));
    for (const std::string& note : loaded.notes) std::cerr << "dfsim: note: " << note << "\n";
    Network net = chained ? select_chain(loaded, c.layers) : select_layers(loaded, c.layers);
    if (!c.precision.empty()) net = with_precision(net, c.precision);
    return with_batch(net, c.batch > 0 ? c.batch : a.batch);
}

int run_main(int argc, char** argv) {
    CLI::App app{"dfsim: cycle-accurate simulator of DNN accelerator dataflows"};
    app.require_subcommand(1);
    Common c;
    std::string json_out, csv_out, html_out, objective = "energy";
    uint64_t seed = 0;
    bool show_mapping = false, no_check = false, chained = false;
    auto* run = app.add_subcommand("run", "simulate a network and report cycles and energy per layer");
    add_common(run, c);
    run->add_option("--json", json_out, "write the report as JSON (atomically)");
    run->add_option("--csv", csv_out, "write the report as CSV (atomically)");
    run->add_option("--html", html_out, "write the report as a self-contained HTML page (atomically)");
    run->add_option("--seed", seed, "offset added to every synthetic data seed");
    run->add_option("--objective", objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    run->add_flag("--show-mapping", show_mapping, "print each layer's mapping and loop nest");
    std::string mapping_file;
    run->add_option("--mapping", mapping_file, "YAML file of pinned mappings by layer (run as given; others mapped)");
    run->add_flag("--no-check", no_check, "skip the comparison with the reference convolution");
    run->add_flag("--chained", chained,
                  "each layer runs on the previous layer's requantized output (pools on the host), not synthetic data");
    std::string trace_out;
    uint64_t trace_max_macs = 20'000'000;
    run->add_option("--trace", trace_out, "write a VCD waveform of the run (atomically; open it with gtkwave)");
    run->add_option("--trace-max-macs", trace_max_macs, "refuse --trace when the layers run have more MACs than this")
        ->capture_default_str()->check(CLI::PositiveNumber);
    auto* bench = app.add_subcommand("bench", "speed benchmark: simulated MACs/s and cycles/s vs a reference conv");
    Common cb;
    add_common(bench, cb);
    auto* list = app.add_subcommand("list", "list the registered dataflows");
    auto* exp = app.add_subcommand("export", "write a workload in another simulator's format");
    std::string exp_workload = "workloads/alexnet.yaml", exp_format = "scalesim", exp_out;
    exp->add_option("--workload", exp_workload, "network YAML (or SCALE-Sim CSV)")->capture_default_str();
    exp->add_option("--format", exp_format, "scalesim: SCALE-Sim's topology CSV")->capture_default_str();
    exp->add_option("--out", exp_out, "file to write (atomically); default: stdout");
    auto* swp = app.add_subcommand("sweep", "simulate the cartesian product of dataflows and configuration values");
    std::string sw_arch = "configs/arch/eyeriss.yaml", sw_workload = "workloads/alexnet.yaml", sw_energy, sw_layers = "conv";
    std::string sw_dataflows = "ws,os-b,nlr,rs", sw_pe, sw_glb, sw_batch, sw_bits, sw_out, sw_model = "simulation",
                sw_objective = "energy";
    std::vector<std::string> sw_sets;
    int sw_jobs = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    uint64_t sw_seed = 0;
    bool sw_no_check = false, sw_no_plots = false;
    swp->add_option("--arch", sw_arch, "architecture YAML (the base every point changes)")->capture_default_str();
    swp->add_option("--workload", sw_workload, "network YAML or SCALE-Sim CSV")->capture_default_str();
    swp->add_option("--energy", sw_energy, "energy table YAML (default: the architecture's energy_table, else 45nm)");
    swp->add_option("--layers", sw_layers, "all, a layer type, or comma-separated layer names")->capture_default_str();
    swp->add_option("--dataflows", sw_dataflows, "comma-separated dataflows")->capture_default_str();
    swp->add_option("--pe-array", sw_pe, "array sizes ROWSxCOLS, comma-separated (e.g. 8x8,12x14,16x16)");
    swp->add_option("--glb-kb", sw_glb, "global buffer sizes in KB, comma-separated");
    swp->add_option("--batch", sw_batch, "batch sizes, comma-separated");
    swp->add_option("--bits", sw_bits, "ifmap and filter widths of every layer, comma-separated");
    swp->add_option("--set", sw_sets, "any architecture field: key=v1,v2 (dotted YAML path; repeatable)");
    auto* sw_jobs_opt = swp->add_option("--jobs", sw_jobs, "worker processes (default: all cores)")->capture_default_str()->check(CLI::Range(1, 1024));
    swp->add_option("--model", sw_model, "simulation, or analytical (the mappers' model only, for large spaces)")->capture_default_str();
    swp->add_option("--objective", sw_objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    swp->add_option("--seed", sw_seed, "offset added to every synthetic data seed");
    swp->add_flag("--no-check", sw_no_check, "skip the comparison with the reference convolution");
    swp->add_flag("--no-plots", sw_no_plots, "write results only (no gnuplot needed)");
    auto* sw_out_opt = swp->add_option("--out", sw_out, "directory for points/, results.csv and results.json (a rerun resumes)");
    std::string sw_spec;
    swp->add_option("--spec", sw_spec, "sweep described in YAML (docs in study/sweep.h); --jobs and --out override it");
    auto* cmp = app.add_subcommand("compare", "run several dataflows on the same layers and data, and compare them");
    Common cc;
    std::string cmp_dataflows, cmp_out, cmp_html, cmp_objective = "energy";
    for (const Dataflow* d : all_dataflows()) cmp_dataflows += (cmp_dataflows.empty() ? "" : ",") + d->name();
    uint64_t cmp_seed = 0;
    bool cmp_no_check = false;
    add_common(cmp, cc);
    cmp->remove_option(cmp->get_option("--dataflow"));
    cmp->add_option("--dataflows", cmp_dataflows, "comma-separated dataflow names (default: all registered)")
        ->capture_default_str();
    cmp->add_option("--out", cmp_out, "write compare.json, compare.csv, compare.txt and the plots into this directory");
    cmp->add_option("--html", cmp_html, "write the table and charts as a self-contained HTML page (needs gnuplot)");
    cmp->add_option("--seed", cmp_seed, "offset added to every synthetic data seed");
    cmp->add_option("--objective", cmp_objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    cmp->add_flag("--no-check", cmp_no_check, "skip the comparison with the reference convolution");
    bool cmp_restart = false;
    std::string cmp_precisions;
    cmp->add_option("--precisions", cmp_precisions,
                    "compare precisions / datapaths too: comma-separated --precision presets (e.g. int8,lut4,ternary,binary)");
    cmp->add_flag("--restart", cmp_restart,
                  "simulate everything again (default: reuse the results an earlier run left in --out/results)");
    auto* qnt = app.add_subcommand("quantize", "quantize a float32 .npy tensor: integer codes (.npy) and scales (JSON)");
    QuantizeOptions qo;
    int q_bits = 8, q_il = 4, q_fl = 4;
    double q_threshold = 0.7;
    qnt->add_option("--in", qo.in, "float32 .npy tensor (C order, 1-4 dimensions)")->required();
    qnt->add_option("--out", qo.out, "codes .npy to write (atomically): int8 if they fit, else int16 (int32)")->required();
    qnt->add_option("--sidecar", qo.sidecar, "scales and zero points JSON (default: --out with .json for .npy)");
    qnt->add_option("--scheme", qo.scheme, "linear, fixed, ternary or binary")->capture_default_str();
    auto* q_bits_opt = qnt->add_option("--bits", q_bits, "linear: bits per code, 1-16")->capture_default_str();
    qnt->add_flag("--asymmetric", qo.asymmetric, "linear: min..max range with a zero point (default: symmetric)");
    qnt->add_flag("--unsigned", qo.is_unsigned, "linear: unsigned codes (symmetric: negative values clamp to 0)");
    qnt->add_flag("--per-channel", qo.per_channel, "one scale per index of dimension 0 (linear, ternary, binary)");
    auto* q_il_opt = qnt->add_option("--il", q_il, "fixed <IL,FL>: integer bits, sign included")->capture_default_str();
    auto* q_fl_opt = qnt->add_option("--fl", q_fl, "fixed <IL,FL>: fraction bits (step 2^-FL)")->capture_default_str();
    qnt->add_option("--rounding", qo.rounding, "nearest or stochastic (linear, fixed)")->capture_default_str();
    qnt->add_option("--seed", qo.seed, "stochastic rounding seed")->capture_default_str();
    qnt->add_option("--prune", qo.prune, "zero this fraction of smallest magnitudes first, [0, 1)")->capture_default_str();
    auto* q_thr_opt = qnt->add_option("--threshold", q_threshold, "ternary: delta = threshold x mean|w|")->capture_default_str();

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        app.exit(e);
        return 2;
    }

    try {
        if (exp->parsed()) {
            if (exp_format != "scalesim")
                throw ConfigError("command line", "--format", 0, 0, "expected one of {scalesim}, got '" + exp_format + "'");
            std::string skipped;
            const std::string csv = to_scalesim_csv(load_network(data_path(exp_workload)), &skipped);
            if (!skipped.empty()) std::cerr << "dfsim export: no SCALE-Sim row for non-conv/fc layers: " << skipped << "\n";
            if (exp_out.empty()) std::cout << csv;
            else write_file_atomic(exp_out, csv);
            return 0;
        }
        if (qnt->parsed()) {  // options a scheme does not use are errors, so pass only those given
            if (q_bits_opt->count()) qo.bits = q_bits;
            if (q_il_opt->count()) qo.il = q_il;
            if (q_fl_opt->count()) qo.fl = q_fl;
            if (q_thr_opt->count()) qo.threshold = q_threshold;
            return run_quantize(qo, std::cout, std::cerr);
        }
        if (list->parsed()) {
            for (const Dataflow* d : all_dataflows()) std::cout << d->name() << "\t" << d->description() << "\n";
            return 0;
        }
        if (bench->parsed()) {
            ArchParams a = load_arch(data_path(cb.arch));
            EnergyTable t = energy_table(cb, a);
            Network net = prepare_network(cb, a);
            find_dataflow(cb.dataflow);
            run_bench(net, a, t, cb.dataflow, std::cout);
            return 0;
        }
        if (swp->parsed()) {
            SweepSpec spec;
            if (!sw_spec.empty()) {
                for (const char* opt : {"--arch", "--workload", "--energy", "--layers", "--dataflows", "--pe-array", "--glb-kb",
                                        "--batch", "--bits", "--set", "--model", "--objective", "--seed", "--no-check"})
                    if (swp->count(opt))
                        throw ConfigError("command line", opt, 0, 0, "expected no " + std::string(opt) + " with --spec (set it in the spec file)");
                const SweepFile f = load_sweep_spec(sw_spec, data_path);
                spec = f.spec;
                if (f.jobs > 0 && sw_jobs_opt->count() == 0) sw_jobs = f.jobs;
                if (!f.out.empty() && sw_out_opt->count() == 0) sw_out = f.out;
                if (spec.energy_file.empty()) {
                    const ArchParams base = load_arch(spec.arch_file);
                    spec.energy_file = !base.energy_table.empty() ? base.energy_table : data_path("configs/energy/45nm.yaml");
                }
            } else {
                spec.arch_file = data_path(sw_arch);
                spec.workload_file = data_path(sw_workload);
                const ArchParams base = load_arch(spec.arch_file);
                spec.energy_file = !sw_energy.empty() ? data_path(sw_energy)
                                   : !base.energy_table.empty() ? base.energy_table : data_path("configs/energy/45nm.yaml");
                spec.layers = sw_layers;
                spec.dataflows = parse_dataflow_list(sw_dataflows);
                if (!sw_pe.empty()) spec.axes.push_back(parse_axis("--pe-array", sw_pe));
                if (!sw_glb.empty()) spec.axes.push_back(parse_axis("--glb-kb", sw_glb));
                if (!sw_batch.empty()) spec.axes.push_back(parse_axis("--batch", sw_batch));
                if (!sw_bits.empty()) spec.axes.push_back(parse_axis("--bits", sw_bits));
                for (const std::string& set : sw_sets) spec.axes.push_back(parse_axis("--set", set));
                if (sw_model != "simulation" && sw_model != "analytical")
                    throw ConfigError("command line", "--model", 0, 0, "expected one of {simulation, analytical}, got '" + sw_model + "'");
                spec.analytical = sw_model == "analytical";
                spec.objective = parse_objective(sw_objective);
                spec.seed_offset = sw_seed;
                spec.check_output = !sw_no_check;
            }
            if (sw_out.empty()) throw ConfigError("command line", "--out", 0, 0, "expected an output directory (--out, or out: in the spec)");
            if (!sw_no_plots) require_gnuplot();  // fail before a long sweep, not after it
            const bool tty = isatty(STDERR_FILENO);
            const auto t0 = std::chrono::steady_clock::now();
            int shown = -1;
            auto progress = [&](int done, int total) {
                if (done == shown) return;
                shown = done;
                const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
                char eta[64] = "";
                if (done > 0 && done < total) std::snprintf(eta, sizeof eta, ", ETA %.0f s", el / done * (total - done));
                if (tty) {
                    const int width = 30, fill = total ? width * done / total : width;
                    std::cerr << "\r[" << std::string(static_cast<size_t>(fill), '#') << std::string(static_cast<size_t>(width - fill), ' ')
                              << "] " << done << "/" << total << " points" << eta << "   " << std::flush;
                    if (done == total) std::cerr << "\n";
                } else {
                    std::cerr << "dfsim sweep: " << done << "/" << total << " points" << eta << "\n";
                }
            };
            const SweepSummary sum = run_sweep(spec, sw_out, sw_jobs, progress);
            if (!sw_no_plots) {
                std::ifstream in(std::filesystem::path(sw_out) / "results.json");
                write_sweep_plots(nlohmann::json::parse(in)["rows"], sw_out);
            }
            std::cout << "dfsim sweep: " << sum.points << " points (" << sum.resumed << " from an earlier run, " << sum.run
                      << " run now) in " << sum.wall_seconds << " s; " << sw_out << "/results.csv, " << sw_out << "/results.json\n";
            return 0;
        }
        if (cmp->parsed()) {
            ArchParams a = load_arch(data_path(cc.arch));
            EnergyTable t = energy_table(cc, a);
            Network net = prepare_network(cc, a);
            const std::vector<std::string> dataflows = parse_dataflow_list(cmp_dataflows);
            RunOptions opt;
            opt.objective = parse_objective(cmp_objective);
            opt.check_output = !cmp_no_check;
            opt.seed_offset = cmp_seed;
            if (!cmp_html.empty()) require_gnuplot();  // fail before a long simulation, not after it
            if (!cmp_out.empty()) {
                require_gnuplot();
                std::error_code ec;
                std::filesystem::create_directories(cmp_out, ec);
                if (ec)
                    throw ConfigError("command line", "--out", 0, 0,
                                      "cannot create directory '" + cmp_out + "': " + ec.message());
            }
            std::string resume;
            if (!cmp_out.empty()) {
                resume = (std::filesystem::path(cmp_out) / "results").string();
                if (cmp_restart) std::filesystem::remove_all(resume);
            }
            std::vector<std::string> precisions;
            {
                std::stringstream ss(cmp_precisions);
                for (std::string p; std::getline(ss, p, ',');) precisions.push_back(p);
            }
            CompareResult res = precisions.empty() ? run_compare(net, a, t, dataflows, opt, &std::cerr, resume)
                                                   : run_compare_precisions(net, a, t, dataflows, precisions, opt, &std::cerr, resume);
            const std::string table = format_compare_table(res);
            std::cout << table;
            if (!cmp_out.empty()) {
                write_compare_plots(res, cmp_out);  // first: a gnuplot failure leaves no report
                const std::filesystem::path dir(cmp_out);
                write_file_atomic((dir / "compare.json").string(), compare_to_json(res).dump(2) + "\n");
                write_file_atomic((dir / "compare.csv").string(), compare_to_csv(res));
                write_file_atomic((dir / "compare.txt").string(), table);
            }
            if (!cmp_html.empty()) {
                std::vector<HtmlImage> images;
                if (!cmp_out.empty()) {
                    images = load_compare_images(cmp_out);
                } else {  // render the charts into a private temporary directory, then drop it
                    const std::filesystem::path tmp = std::filesystem::temp_directory_path() /
                                                      ("dfsim_html_" + std::to_string(::getpid()));
                    struct Cleanup {
                        std::filesystem::path p;
                        ~Cleanup() {
                            std::error_code ec;
                            std::filesystem::remove_all(p, ec);
                        }
                    } cleanup{tmp};
                    std::filesystem::remove_all(tmp);
                    write_compare_plots(res, tmp.string());
                    images = load_compare_images(tmp);
                }
                write_file_atomic(cmp_html, compare_to_html(res, images));
            }
            for (const NetworkResult& r : res.runs)
                if (r.total().output_check == OutputCheck::Mismatch) return 1;
            return 0;
        }
        ArchParams a = load_arch(data_path(c.arch));
        EnergyTable t = energy_table(c, a);
        Network net = prepare_network(c, a, chained);
        RunOptions opt;
        opt.dataflow = c.dataflow;
        opt.objective = parse_objective(objective);
        opt.check_output = !no_check;
        opt.chained = chained;
        opt.seed_offset = seed;
        find_dataflow(opt.dataflow);
        PinnedMappings pinned;
        if (!mapping_file.empty()) {
            pinned = load_pinned_mappings(mapping_file, net);
            opt.pinned = &pinned;
        }
        std::unique_ptr<VcdTrace> trace;
        if (!trace_out.empty()) {  // a trace grows with the work: refuse one that would be huge
            uint64_t macs = 0;
            bool any = false;
            for (const Layer& l : net.layers)
                if (!l.on_host()) macs += l.shape.macs(), any = true;
            if (!any)
                throw ConfigError("command line", "--trace", 0, 0, "expected a conv or fc layer to trace (--layers selects only host layers)");
            if (macs > trace_max_macs)
                throw ConfigError("command line", "--trace", 0, 0,
                                  "expected at most " + std::to_string(trace_max_macs) + " MACs in the layers traced (--trace-max-macs), got " +
                                      std::to_string(macs) + ": select fewer or smaller layers with --layers, or raise --trace-max-macs");
            try {
                trace = std::make_unique<VcdTrace>(trace_out);
            } catch (const std::exception& e) {
                throw ConfigError("command line", "--trace", 0, 0, std::string("expected a file that can be written: ") + e.what());
            }
            opt.trace = trace.get();
        }
        NetworkResult res = simulate_network(net, a, t, opt);
        if (show_mapping)
            for (const auto& l : res.layers) std::cout << l.name << ": " << l.mapping << "\n" << l.loop_nest;
        std::cout << format_table(res);
        if (!json_out.empty()) write_file_atomic(json_out, to_json(res).dump(2) + "\n");
        if (!csv_out.empty()) write_file_atomic(csv_out, to_csv(res));
        if (!html_out.empty()) write_file_atomic(html_out, run_to_html(res));
        if (trace) trace->commit();
        return res.total().output_check == OutputCheck::Mismatch ? 1 : 0;
    } catch (const ConfigError& e) {
        std::cerr << "dfsim: error: " << e.what() << "\n";
    } catch (const MappingError& e) {
        std::cerr << "dfsim: error: " << e.what() << "\n";
    } catch (const hw::CapacityError& e) {
        std::cerr << "dfsim: error: " << e.what() << "\n";
    } catch (const PlotError& e) {
        std::cerr << "dfsim: error: " << e.what() << "\n";
    }
    return 2;
}

}  // namespace

int sc_main(int argc, char** argv) { return run_main(argc, argv); }

int main(int argc, char** argv) {
    // SystemC's banner would otherwise precede every report
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);
    return sc_core::sc_elab_and_sim(argc, argv);
}
