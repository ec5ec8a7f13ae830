// `dfsim sweep`: the cartesian product of dataflows and configuration values (study/sweep.h),
// with a progress bar and the plots (report/sweep_plots.h).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <optional>
#include <iostream>
#include <memory>
#include <algorithm>
#include <iterator>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/fmt.h"
#include "base/out_lock.h"
#include "base/workers.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/sweep_plots.h"
#include "study/compare.h"
#include "study/slurm.h"
#include "study/sweep.h"
#include "tools/dfsim/cli.h"
#include "tools/dfsim/sweep_slurm.h"

namespace dfsim::cli {

namespace {

constexpr uint64_t kMaxSweepPoints = 100000;  // more need --yes (README, dfsim sweep)

// The options that describe the sweep (a --spec file holds them instead).
const char* const kSpecOptions[] = {"--arch",     "--workload",    "--energy",    "--layers", "--dataflows",
                                    "--pe-array", "--glb-kb",      "--batch",     "--bits",   "--set",
                                    "--model",    "--timing",      "--objective", "--seed",   "--no-check",
                                    "--tech",     "--area-budget", "--area"};

struct SweepCli {
    std::string arch = "configs/arch/eyeriss.yaml", workload = "workloads/alexnet.yaml", energy, layers = "conv";
    std::string dataflows = "ws,os-b,nlr,rs", pe, glb, batch, bits, out, model = "simulation", objective = "energy";
    std::string timing = "pass";
    std::string spec, tech, area;
    double area_budget = 0;
    std::vector<std::string> sets;
    std::string executor = "local", points;  // points: --points, a task's (the job script's)
    SlurmOptions slurm;
    bool collect = false;
    int jobs = usable_cores();
    uint64_t seed = 0;
    bool no_check = false, no_plots = false, yes = false, quiet = false;
    CLI::App* app = nullptr;
    CLI::Option *jobs_opt = nullptr, *out_opt = nullptr, *timing_opt = nullptr;
};

std::string default_energy(const ArchParams& base) {
    return !base.energy_table.empty() ? base.energy_table : data_path("configs/energy/45nm.yaml");
}

// The sweep of a --spec file; its jobs and out unless the command line gives them.
SweepSpec spec_from_file(SweepCli& o) {
    for (const char* opt : kSpecOptions)
        if (o.app->count(opt))
            bad_option(opt, "expected no " + std::string(opt) + " with --spec (set it in the spec file)");
    const SweepFile f = load_sweep_spec(o.spec, data_path);
    SweepSpec spec = f.spec;
    if (f.jobs > 0 && o.jobs_opt->count() == 0) o.jobs = f.jobs;
    if (!f.out.empty() && o.out_opt->count() == 0) o.out = f.out;
    if (spec.energy_file.empty()) spec.energy_file = default_energy(load_arch(spec.arch_file));
    return spec;
}

SweepSpec spec_from_options(const SweepCli& o) {
    SweepSpec spec;
    spec.arch_file = data_path(o.arch);
    spec.workload_file = data_path(o.workload);
    spec.energy_file = !o.energy.empty() ? data_path(o.energy) : default_energy(load_cli_arch(o.arch));
    spec.layers = o.layers;
    spec.dataflows = parse_dataflow_list(o.dataflows);
    if (!o.pe.empty()) spec.axes.push_back(parse_axis("--pe-array", o.pe));
    if (!o.glb.empty()) spec.axes.push_back(parse_axis("--glb-kb", o.glb));
    if (!o.batch.empty()) spec.axes.push_back(parse_axis("--batch", o.batch));
    if (!o.bits.empty()) spec.axes.push_back(parse_axis("--bits", o.bits));
    for (const std::string& set : o.sets) spec.axes.push_back(parse_axis("--set", set));
    if (o.model != "simulation" && o.model != "analytical")
        bad_option("--model", "expected one of {simulation, analytical}, got '" + o.model + "'");
    spec.analytical = o.model == "analytical";
    if (spec.analytical && o.timing_opt->count() > 0)
        bad_option("--timing",
                   "expected no --timing with --model analytical (the analytical model estimates the cycles; it has no "
                   "timing model)");
    spec.timing = o.timing == "cycle" ? Timing::Cycle : Timing::Pass;
    spec.objective = parse_objective(o.objective);
    spec.seed_offset = o.seed;
    spec.check_output = !o.no_check;
    spec.tech = o.tech;
    if (!o.area.empty()) spec.area_file = data_path(o.area);
    spec.area_budget_mm2 = o.area_budget;
    return spec;
}

// Progress on stderr: a bar with an ETA on a terminal, else one line per point that finished,
// naming it (sweep_progress_line).
SweepProgressFn progress_printer() {
    const bool tty = isatty(STDERR_FILENO);
    const auto t0 = std::chrono::steady_clock::now();
    return [tty, t0](const SweepProgress& p) {
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        if (!tty) {
            std::cerr << sweep_progress_line(p, el) << std::flush;
            return;
        }
        std::string eta;
        const int ran = p.done - p.resumed;
        if (ran > 0 && p.done < p.total) eta = ", ETA " + duration_text(el / ran * (p.total - p.done));
        std::string last = p.point ? ", last " + p.point->label() : "";
        if (last.size() > 40) last = last.substr(0, 37) + "...";
        const int width = 30, fill = p.total ? width * p.done / p.total : width;
        std::cerr << "\r[" << std::string(static_cast<size_t>(fill), '#')
                  << std::string(static_cast<size_t>(width - fill), ' ') << "] " << p.done << "/" << p.total
                  << " points" << eta << last << "\x1b[K" << std::flush;
        if (p.done == p.total) std::cerr << "\n";
    };
}

// The sweep's size and a rough time (rough_simulation_seconds of a point, at the batch axis's
// mean batch if it has one), on stderr before it starts (the line is returned); more than
// kMaxSweepPoints points are refused without --yes. `workload`: the workload file's network.
std::string announce(const SweepSpec& spec, const Network& workload, int jobs, bool yes) {
    double points = static_cast<double>(spec.dataflows.size()), batch = 0;
    for (const SweepAxis& ax : spec.axes) {
        points *= static_cast<double>(ax.values.size());
        if (ax.key != "batch") continue;
        double sum = 0;
        for (const std::string& v : ax.values) sum += std::stod(v);  // checked by parse_axis
        batch = sum / static_cast<double>(ax.values.size());
    }
    const Network net = select_layers(workload, spec.layers);
    const double at_workload_batch = rough_simulation_seconds(
                     net, spec.analytical ? RunModel::Analytical : RunModel::Simulation, spec.timing),
                 images = std::max(1, net.layers.empty() ? 1 : net.layers.front().shape.N);
    const double per_point = spec.analytical || batch == 0 ? at_workload_batch : at_workload_batch / images * batch;
    const double seconds = points * per_point / std::max(1, jobs);
    char line[160];
    std::snprintf(line, sizeof line, "dfsim sweep: %.0f points, roughly %.0f s with %d job%s\n", points, seconds, jobs,
                  jobs == 1 ? "" : "s");
    if (points > static_cast<double>(kMaxSweepPoints) && !yes)
        throw ResourceError("command line: the sweep has " + std::to_string(static_cast<uint64_t>(points)) +
                            " points, more than " + std::to_string(kMaxSweepPoints) + " (roughly " +
                            std::to_string(static_cast<uint64_t>(seconds)) +
                            " s): give --yes to run it anyway, or sweep fewer values");
    return line;
}

// The options that go with one executor or mode only, refused elsewhere.
void check_mode_options(const SweepCli& o) {
    const bool slurm = o.executor == "slurm";
    for (const char* opt : {"--sbatch-arg", "--points-per-task", "--max-running"})
        if (o.app->count(opt) && !slurm)
            bad_option(opt, std::string("expected ") + opt + " with --executor slurm only");
    if (o.slurm.wait && !slurm && !o.collect)
        bad_option("--wait", "expected --wait with --executor slurm or --collect only");
    if (o.collect && o.app->count("--executor"))
        bad_option("--collect", "expected no --executor with --collect (it runs nothing: it assembles the results)");
    if (!o.points.empty() && (slurm || o.collect))
        bad_option("--points",
                   "expected --points alone (the job script's option), not with --executor slurm or "
                   "--collect");
}

// --collect: the sweep of the options or --spec if any is given, else the one --executor slurm
// recorded in the folder.
int run_collect(SweepCli& o) {
    bool given = !o.spec.empty();
    for (const char* opt : kSpecOptions) given = given || o.app->count(opt) > 0;
    if (!given) {
        if (o.out.empty()) bad_option("--out", "expected the sweep's output directory (--out)");
        o.spec = recorded_spec_path(o.out);
        if (!std::filesystem::exists(o.spec))
            bad_option("--collect", "expected the sweep's options or --spec: " + o.spec +
                                        " is missing (dfsim sweep --executor slurm writes it)");
    }
    const SweepSpec spec = o.spec.empty() ? spec_from_options(o) : spec_from_file(o);
    if (o.out.empty()) bad_option("--out", "expected an output directory (--out, or out: in the spec)");
    if (!std::filesystem::is_directory(o.out))
        bad_option("--out", "expected the folder of a sweep, got '" + o.out + "'");
    return collect_sweep_results(spec, o.out, o.slurm.wait, !o.no_plots);
}

// --points: a job array task's share of the sweep, written to OUT/points (no results, no lock:
// the job's other tasks write the same folder).
int run_points(const SweepSpec& spec, const SweepCli& o) {
    const SweepPlan plan = plan_sweep(spec, o.out);
    const std::vector<int> mine = parse_index_ranges(o.points, static_cast<int>(plan.points.size()), "--points");
    std::vector<int> which;
    std::set_intersection(mine.begin(), mine.end(), plan.todo.begin(), plan.todo.end(), std::back_inserter(which));
    run_sweep_points(spec, plan, o.out, which, o.jobs);
    std::cout << "dfsim sweep: points " << o.points << " of " << plan.points.size() << ": " << which.size() << " run, "
              << mine.size() - which.size() << " done already; " << o.out << "/points\n";
    return kExitOk;
}

int run(SweepCli& o) {
    check_mode_options(o);
    if (o.collect) return run_collect(o);
    const SweepSpec spec = o.spec.empty() ? spec_from_options(o) : spec_from_file(o);
    if (o.out.empty()) bad_option("--out", "expected an output directory (--out, or out: in the spec)");
    check_output_dir(o.out);
    if (!o.points.empty()) return run_points(spec, o);
    const Network workload = load_network(spec.workload_file);  // read once: the size, provenance and plan
    if (o.executor == "slurm") {
        announce(spec, workload, 1, o.yes);  // the point limit
        o.slurm.plots = !o.no_plots;
        return submit_sweep(spec, o.out, o.slurm);
    }
    const std::string size = announce(spec, workload, o.jobs, o.yes);
    if (!o.no_plots) require_gnuplot();  // fail before a long sweep, not after it
    std::optional<OutputLock> lock;  // taken once every point's inputs are checked; held until the plots are written
    const Provenance prov = sweep_provenance(spec, command_line(), &workload);
    const SweepSummary sum = run_sweep(
        spec, o.out, o.jobs, o.quiet ? nullptr : progress_printer(),
        [&] {
            lock.emplace(o.out);
            std::cerr << size;
        },
        &prov, &workload);
    if (!o.no_plots) {
        std::ifstream in(std::filesystem::path(o.out) / "results.json");
        write_sweep_plots(nlohmann::json::parse(in), o.out);
    }
    if (spec.area_budget_mm2 > 0) {
        std::ifstream in(std::filesystem::path(o.out) / "results.json");
        int over = 0;
        for (const auto& r : nlohmann::json::parse(in)["rows"])
            over += r.value("status", "").rfind("over the area budget", 0) == 0;
        if (over > 0)
            std::cerr << "dfsim sweep: " << over << " of " << sum.points << " points exceed the area budget of "
                      << spec.area_budget_mm2 << " mm^2 and were not run (their rows' status says so)\n";
    }
    std::cout << "dfsim sweep: " << sum.points << " points (" << sum.resumed << " from an earlier run, " << sum.run
              << " run now) in " << fmt("%.1f", sum.wall_seconds) << " s, timing " << timing_label(sweep_timing(spec))
              << "; " << o.out << "/results.csv, " << o.out << "/results.json\n";
    return kExitOk;
}

}  // namespace

Command add_sweep_command(CLI::App& parent) {
    auto o = std::make_shared<SweepCli>();
    CLI::App* app = o->app =
        parent.add_subcommand("sweep", "simulate the cartesian product of dataflows and configuration values");
    app->add_option("--arch", o->arch, "architecture YAML (the base every point changes)")->capture_default_str();
    app->add_option("--workload", o->workload, kWorkloadHelp)->capture_default_str();
    app->add_option("--energy", o->energy, "energy table YAML (default: the architecture's energy_table, else 45nm)");
    app->add_option("--tech", o->tech,
                    "technology node NODE or NODE@VDD (nm, volts; 7..130): the energy table scaled by Stillmaker and "
                    "Baas's fits (docs/energy.md)");
    app->add_option("--area", o->area,
                    "an Accelergy area table (ART YAML) used as the chip's area in place of the energy table's area "
                    "model (docs/accelergy.md)");
    app->add_option("--area-budget", o->area_budget,
                    "mm^2: points whose area (the energy table's area model) exceeds it are not run; their rows say so")
        ->check(CLI::PositiveNumber);
    app->add_option("--layers", o->layers, "all, a layer type, or comma-separated layer names (in any case)")
        ->capture_default_str();
    app->add_option("--dataflows,--dataflow", o->dataflows,
                    "comma-separated dataflows, one or several (--dataflow is the same option)")
        ->capture_default_str();
    app->add_option("--pe-array", o->pe, "array sizes ROWSxCOLS, comma-separated (e.g. 8x8,12x14,16x16)");
    app->add_option("--glb-kb", o->glb, "global buffer sizes in KB, comma-separated");
    app->add_option("--batch", o->batch, "batch sizes, comma-separated");
    app->add_option("--bits", o->bits, "ifmap and filter widths of every layer, comma-separated");
    app->add_option("--set", o->sets, "any architecture field: key=v1,v2 (dotted YAML path; repeatable)");
    o->jobs_opt =
        app->add_option("--jobs", o->jobs, "worker processes (default: the cores it may run on, its CPU affinity)")
            ->capture_default_str()
            ->check(CLI::Range(1, 1024));
    app->add_option("--model", o->model, "simulation, or analytical (the mappers' model only, for large spaces)")
        ->capture_default_str();
    o->timing_opt =
        app->add_option("--timing", o->timing,
                        "timing model of the simulation: pass (pass-level, fast) or cycle (the cycle-level engine)")
            ->capture_default_str()
            ->check(CLI::IsMember({"pass", "cycle"}));
    app->add_option("--objective", o->objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    add_seed_option(app, o->seed, "offset added to every synthetic data seed");
    app->add_flag("--no-check", o->no_check, "skip the comparison with the reference convolution");
    app->add_flag("--no-plots", o->no_plots, "write results only (no gnuplot needed)");
    app->add_flag("--quiet,-q", o->quiet, "no progress on stderr (errors and notes still go there)");
    app->add_flag("--yes", o->yes, "run a sweep of more than 100000 points");
    o->out_opt =
        app->add_option("--out", o->out, "directory for points/, results.csv and results.json (a rerun resumes)");
    app->add_option("--executor", o->executor,
                    "where the points run: local (--jobs worker processes) or slurm (a Slurm job array; docs/sweep.md)")
        ->capture_default_str()
        ->check(CLI::IsMember({"local", "slurm"}));
    app->add_option("--sbatch-arg", o->slurm.sbatch_args,
                    "an option passed to sbatch as it is, e.g. --sbatch-arg=--partition=short (repeatable; slurm)")
        ->allow_extra_args(false);
    app->add_option("--points-per-task", o->slurm.points_per_task,
                    "points each Slurm array task runs (1: the task ids are the point indices)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1000000));
    app->add_option("--max-running", o->slurm.max_running, "Slurm array tasks running at once (--array's %K; 0: any)")
        ->capture_default_str()
        ->check(CLI::Range(0, 1000000));
    app->add_flag("--wait", o->slurm.wait,
                  "with --executor slurm: wait for the job, showing its tasks' states, then collect the results");
    app->add_flag("--collect", o->collect,
                  "assemble results.csv, results.json and the plots from the point files in --out (the sweep: its "
                  "options, else the one --executor slurm recorded there)");
    app->add_option("--points", o->points,
                    "run only these points (e.g. 0-3,7) and write their files: the job script's");
    app->add_option(
        "--spec", o->spec,
        "sweep described in a YAML file (its format: docs/sweep.md, 'Spec format'); --jobs and --out override it");
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
