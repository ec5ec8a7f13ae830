#include "tools/dfsim/cli.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "config/accelergy.h"
#include "energy/tech.h"
#include "base/fmt.h"
#include "base/text.h"
#include "base/version.h"
#include "report/figures.h"
#include "report/timeloop_mapping.h"
#include "sim/simulator.h"

namespace dfsim::cli {

std::string data_path(const std::string& rel) {
    const std::string why = text_problem(rel, false);
    if (!why.empty()) throw ConfigError(printable(rel), "", 0, 0, "expected a file name in UTF-8 text, got " + why);
    std::error_code ec;
    if (std::filesystem::exists(rel, ec) || rel.empty() || rel[0] == '/') return rel;
    const std::string in_tree = std::string(DFSIM_SOURCE_DIR) + "/" + rel;
    return std::filesystem::exists(in_tree, ec) ? in_tree : rel;  // a file in neither: named as given
}

HtmlOptions html_options() {
    HtmlOptions o;
    std::error_code ec;
    const std::filesystem::path docs = std::filesystem::path(DFSIM_SOURCE_DIR) / "docs" / "report.md";
    if (std::filesystem::exists(docs, ec)) o.docs_href = "file://" + docs.generic_string();
    return o;
}

void add_seed_option(CLI::App* app, uint64_t& seed, const std::string& help) {
    app->add_option_function<std::string>(
        "--seed",
        [&seed](const std::string& text) {
            seed = static_cast<uint64_t>(parse_int_in(text, 0, INT64_MAX, "command line", "--seed", "a seed"));
        },
        help);
}

namespace {

namespace fs = std::filesystem;

// Whether `folder` is missing and its nearest existing ancestor is a folder (a path through a
// file is left to check_output_file, an IoError).
bool folder_missing(const fs::path& folder) {
    std::error_code ec;
    if (fs::exists(folder, ec)) return false;
    fs::path up = folder.parent_path();
    while (!up.empty() && !fs::exists(up, ec)) up = up.parent_path();
    return up.empty() || fs::is_directory(up, ec);
}

// The folder a file is in ("." for a bare name), or with `is_folder` the one a folder is in ("a"
// for "a/b/" as for "a/b").
fs::path folder_of(const std::string& path, bool is_folder) {
    fs::path p(path);
    if (is_folder && !p.lexically_normal().has_filename()) p = p.lexically_normal().parent_path();
    return p.has_parent_path() ? p.parent_path() : fs::path(".");
}

}  // namespace

void check_cache_dir(const std::string& dir) {
    if (dir.empty()) return;
    std::error_code ec;
    if (fs::exists(dir, ec) && !fs::is_directory(dir, ec))
        bad_option("--mapping-cache", "expected a folder, but " + printable(dir) + " is not one");
    if (const fs::path up = folder_of(dir, true); folder_missing(up))
        bad_option("--mapping-cache",
                   "expected a folder in an existing one (dfsim makes the cache's folder, not its "
                   "parents), but the folder " +
                       printable(up.string()) + " does not exist");
}

void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs) {
    std::vector<std::pair<std::string, fs::path>> seen;
    for (const auto& [option, path] : outputs) {
        if (path.empty()) continue;
        std::error_code ec;
        fs::path same = fs::weakly_canonical(path, ec);
        if (ec) same = fs::absolute(path, ec).lexically_normal();
        for (const auto& [other, p] : seen)
            if (p == same)
                bad_option(option, "expected a file other than " + other + "'s ('" + path + "' would overwrite it)");
        seen.emplace_back(option, same);
        if (const fs::path up = folder_of(path, false); folder_missing(up))
            bad_option(option, "expected a file in an existing folder, but the folder " + printable(up.string()) +
                                   " does not exist (dfsim does not create it)");
        check_output_file(path);
    }
}

std::function<void(const LayerResult&)> layer_progress(const std::string& command, const Network& net,
                                                       const CommonOptions& c,
                                                       std::function<void(const LayerResult&)> row) {
    const bool tty = isatty(STDERR_FILENO) != 0;
    if (c.quiet ||
        (!tty && !c.progress && rough_simulation_seconds(net, RunModel::Simulation, c.timing_model()) <= 2.0))
        return row;
    struct State {
        size_t layers = 0, done = 0;
        double macs = 0, macs_done = 0;
        std::chrono::steady_clock::time_point t0 = std::chrono::steady_clock::now();
        bool tty = false;
    };
    auto st = std::make_shared<State>();
    st->layers = net.layers.size();
    st->tty = tty;
    for (const Layer& l : net.layers)
        if (!l.on_host()) st->macs += static_cast<double>(l.shape.macs());
    return [st, command, row](const LayerResult& r) {
        if (row) {
            if (st->tty && st->done > 0) std::cerr << "\r\033[K" << std::flush;  // the live line, erased
            row(r);
        }
        ++st->done;
        st->macs_done += static_cast<double>(r.counts.macs);
        if (r.executed_on == ExecutedOn::Host && !st->tty) return;
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - st->t0).count();
        const double share = st->macs > 0 ? st->macs_done / st->macs : 1.0;
        char line[256];
        std::snprintf(line, sizeof line, "dfsim %s: %s done (%zu of %zu layers, %.0f%% of the MACs)", command.c_str(),
                      r.name.c_str(), st->done, st->layers, std::floor(100 * share));
        const std::string text = line + elapsed_and_left(el, share, st->done == st->layers);
        if (!st->tty) {
            std::cerr << text << "\n";
            return;
        }
        std::cerr << "\r" << text << "\033[K" << (st->done == st->layers ? "\n" : "") << std::flush;
    };
}

void add_common_options(CLI::App* app, CommonOptions& c) {
    app->add_option("--arch", c.arch, "architecture YAML, or a SCALE-Sim .cfg")->capture_default_str();
    app->add_flag("--quiet,-q", c.quiet, "no progress lines on stderr (errors and notes still go there)");
    app->add_flag("--progress", c.progress,
                  "progress lines on stderr even off a terminal for a run expected to take under 2 s");
    app->add_option("--workload", c.workload, kWorkloadHelp)->capture_default_str();
    c.energy_opt =
        app->add_option("--energy", c.energy, "energy table YAML (default: the architecture's energy_table, else this)")
            ->capture_default_str();
    app->add_option("--tech", c.tech,
                    "technology node NODE or NODE@VDD (nm, volts; 7..130): the energy table scaled by Stillmaker "
                    "and Baas's fits (docs/energy.md); default: the table's own node");
    app->add_option("--area", c.area,
                    "an Accelergy area table (ART YAML, um^2 per component) used as the chip's area in place of the "
                    "energy table's area model: area, power and static energy follow it (docs/accelergy.md)");
    c.dataflow_opt = app->add_option("--dataflow,--dataflows", c.dataflow,
                                     "one dataflow (see 'dfsim list'); --dataflows is the same option")
                         ->capture_default_str();
    app->add_option("--layers", c.layers,
                    "all, a layer type (" + layer_type_list() + "), or comma-separated layer names (in any case)")
        ->capture_default_str();
    app->add_option("--batch", c.batch, "batch size (default: the architecture's 'batch', else the workload's)")
        ->check(CLI::Range(1, kMaxBatch));
    app->add_option("--precision", c.precision,
                    "precision of every layer: int8, wNaM, lutN, ternary, binary, xnor (default: the workload's)");
    app->add_option("--timing", c.timing,
                    "timing model: pass (pass-level, fast) or cycle (the array stepped cycle by cycle)")
        ->capture_default_str()
        ->check(CLI::IsMember({"pass", "cycle"}));
    app->add_option("--max-memory", c.max_memory,
                    "refuse a layer whose estimated memory exceeds this: bytes, or with K, M, G, T (default: half "
                    "the RAM)");
}

void check_one_dataflow(const CommonOptions& c) {
    if (c.dataflow.find(',') != std::string::npos)
        bad_option("--dataflow", "expected one dataflow (dfsim compare and dfsim sweep take several), got '" +
                                     printable(c.dataflow) + "'");
    find_dataflow(c.dataflow);
}

uint64_t max_memory_bytes(const CommonOptions& c) {
    if (c.max_memory.empty()) return default_max_memory();
    std::string digits = c.max_memory;
    int shift = 0;
    const std::string suffixes = "KMGT";
    if (const size_t k = suffixes.find(digits.back()); k != std::string::npos) {
        shift = 10 * static_cast<int>(k + 1);
        digits.pop_back();
    }
    const int64_t v = parse_int_in(digits, 1, INT64_MAX >> shift, "command line", "--max-memory",
                                   "a size (bytes, or a number with K, M, G or T)");
    return static_cast<uint64_t>(v) << shift;
}

namespace {
std::string& recorded_command() {
    static std::string command;
    return command;
}
}  // namespace

void set_command_line(int argc, char** argv) {
    recorded_command() = shell_command(std::vector<std::string>(argv + std::min(argc, 1), argv + argc));
}

const std::string& command_line() { return recorded_command(); }

Provenance make_provenance(const CommonOptions& c, const ArchParams& a, const EnergyTable& t, const Network& net,
                           const std::vector<std::string>& dataflows, uint64_t seed, const std::string& objective) {
    Provenance p;
    p.version = dfsim_version();
    p.commit = dfsim_git_commit();
    p.command = recorded_command();
    p.seed = seed;
    p.timing = timing_name(RunModel::Simulation, c.timing_model());
    p.objective = objective;
    p.batch = net.layers.empty() ? 0 : static_cast<int>(net.layers.front().shape.N);
    p.layers = c.layers;
    p.workload = data_path(c.workload);
    set_arch_and_table(p, a, t);
    p.dataflows = dataflows;
    return p;
}

EnergyTable energy_table(const CommonOptions& c, const ArchParams& a) {
    const std::string file =
        c.energy_opt->count() == 0 && !a.energy_table.empty() ? a.energy_table : data_path(c.energy);
    EnergyTable t = load_energy_table_at(file, c.tech, "--tech");
    if (!c.area.empty()) use_art_area(t, data_path(c.area));
    return t;
}

Network load_selected_network(const CommonOptions& c, const ArchParams& a, bool chained) {
    const Network loaded = load_network(data_path(c.workload));
    for (const std::string& note : loaded.notes) std::cerr << "dfsim: note: " << note << "\n";
    Network net = chained ? select_chain(loaded, c.layers) : select_layers(loaded, c.layers);
    if (!c.precision.empty()) net = with_precision(net, c.precision);
    net = with_batch(net, c.batch > 0 ? c.batch : a.batch);
    return a.adds_on_accelerator ? with_adds_on_accelerator(net) : net;
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

void note_long_run(const Network& net, int runs, Timing timing) {
    const double seconds = runs * rough_simulation_seconds(net, RunModel::Simulation, timing);
    if (seconds <= kLongRunSeconds) return;
    double macs = 0;
    for (const Layer& l : net.layers)
        if (!l.on_host()) macs += static_cast<double>(l.shape.macs());
    char line[200];
    const std::string what = runs > 1 ? std::to_string(runs) + " runs of " : "";
    std::snprintf(line, sizeof line, "%s%.3g MACs to simulate: roughly %.0f %s on one core", what.c_str(), macs,
                  seconds >= 120 ? seconds / 60 : seconds, seconds >= 120 ? "min" : "s");
    std::cerr << "dfsim: note: " << line << " (--layers and --batch make it smaller"
              << (timing == Timing::Cycle ? "; --timing pass is about 30x faster" : "") << ")\n";
}

void add_mapper_options(CLI::App* app, int& jobs, std::string& mapping_cache) {
    app->add_option("--jobs", jobs, "threads for the mapper's search (the same mappings for any number)")
        ->capture_default_str()
        ->check(CLI::Range(1, 256));
    app->add_option("--mapping-cache", mapping_cache,
                    "folder that keeps the mapper's choices across runs (docs/dataflows.md#the-mappers-search)");
}

void add_mapping_format_option(CLI::App* app, std::string& format) {
    app->add_option("--mapping-format", format,
                    "how --show-mapping prints a mapping: dfsim (its fields, mapping file entry and loop nest) or "
                    "timeloop (Timeloop's mapping YAML: one document per layer, docs/formats.md#writing-mappings); "
                    "timeloop implies --show-mapping")
        ->capture_default_str()
        ->check(CLI::IsMember({"dfsim", "timeloop"}));
}

void print_mappings(const NetworkResult& r, std::ostream& os, const std::string& format) {
    if (format == "timeloop") {
        for (const auto& l : r.layers)
            if (l.mapping_yaml.empty())
                os << "# layer " << l.name << ": " << l.mapping << " (host work: no mapping)\n";
            else
                os << "---\n"
                   << to_timeloop_mapping_yaml(timeloop_mapping(l.shape, r.dataflow, l.mapping_yaml), l.name,
                                               r.dataflow, l.mapping_yaml);
        return;
    }
    for (const auto& l : r.layers) {
        os << l.name << ": " << l.mapping << "\n";
        if (!l.mapping_yaml.empty()) os << "  mapping file entry: " << l.name << ": " << l.mapping_yaml << "\n";
        os << l.loop_nest;
    }
}

namespace {

// The names a command's options go by: --long and -s.
std::vector<std::string> option_names(const CLI::App& app) {
    std::vector<std::string> names;
    for (const CLI::Option* o : app.get_options()) {
        for (const std::string& l : o->get_lnames()) names.push_back("--" + l);
        for (const std::string& s : o->get_snames()) names.push_back("-" + s);
    }
    return names;
}

// An argument that the parser takes for an option's name: -x, --xyz, --xyz=value, not a negative
// number or a lone "-" or "--".
bool looks_like_option(const std::string& a) {
    if (a.size() < 2 || a[0] != '-' || a == "--") return false;
    return !(std::isdigit(static_cast<unsigned char>(a[1])) || a[1] == '.');
}

// The first argument in [from, to) that names no option of `app` ("" if none), as "--name".
std::string unknown_option(const CLI::App& app, const std::vector<std::string>& args, size_t from, size_t to) {
    for (size_t i = from; i < to; ++i) {
        if (!looks_like_option(args[i])) continue;
        const std::string name = args[i].substr(0, args[i].find('='));
        if (app.get_option_no_throw(name) == nullptr) return name;
    }
    return "";
}

}  // namespace

std::string parse_error_message(const CLI::App& app, const std::vector<std::string>& args, const CLI::Error& e) {
    std::vector<std::string> commands;
    for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; }))
        commands.push_back(sub->get_name());
    const size_t k = static_cast<size_t>(
        std::find_if(args.begin(), args.end(), [](const std::string& a) { return !a.empty() && a[0] != '-'; }) -
        args.begin());
    const std::string help = " (dfsim --help lists the subcommands)";
    if (const std::string bad = unknown_option(app, args, 0, k); !bad.empty())
        return "unknown option '" + printable(bad) + "' of dfsim" + did_you_mean(bad, option_names(app)) + help;
    if (k == args.size()) return "expected a subcommand: one of {" + name_list(commands) + "}" + help;
    if (std::find(commands.begin(), commands.end(), args[k]) == commands.end())
        return "unknown subcommand '" + printable(args[k]) + "': expected one of {" + name_list(commands) + "}" +
               did_you_mean(args[k], commands) + help;
    const CLI::App& sub = *app.get_subcommand(args[k]);
    const std::string sub_help = " (dfsim " + args[k] + " --help lists its options)";
    if (const std::string bad = unknown_option(sub, args, k + 1, args.size()); !bad.empty())
        return "unknown option '" + printable(bad) + "' of dfsim " + args[k] + did_you_mean(bad, option_names(sub)) +
               sub_help;
    return printable(e.what()) + sub_help;
}

void bad_option(const std::string& option, const std::string& expected) {
    throw ConfigError("command line", option, 0, 0, expected);
}

}  // namespace dfsim::cli
