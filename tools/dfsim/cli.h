// What the dfsim subcommands share: the exit codes, the options every simulating command takes
// (--arch, --workload, --energy, --dataflow, --layers, --batch, --precision) and how they become
// an architecture, an energy table and the network to run. Each subcommand lives in its own file
// and registers itself with add_<name>_command; main.cpp parses, runs and maps errors to codes.
#pragma once
#include <CLI/CLI.hpp>

#include <functional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"
#include "report/html.h"
#include "report/provenance.h"
#include "sim/simulator.h"
#include "workload/layer.h"

namespace dfsim::cli {

// The exit codes (README, "Exit codes").
enum ExitCode : int {
    kExitOk = 0,  // success
    kExitMismatch = 1,  // a layer's output did not match the reference (reports still written)
    kExitBadInput = 2,  // UserError: a config, workload, option or mapping that cannot be run
    kExitInternal = 3,  // InternalError or any unexpected exception: a bug in dfsim
    kExitIo = 4,  // IoError: a result could not be written
};

// A registered subcommand: its CLI11 node and what to run when it was the one given.
struct Command {
    CLI::App* app = nullptr;
    std::function<int()> run;
};

// A path as given, if it exists in the working directory, else under the source tree: the
// defaults (configs/, workloads/) work from any directory.
std::string data_path(const std::string& rel);
// The HTML pages' options: the link to docs/report.md (this build's source tree, when it is there).
HtmlOptions html_options();

// The options of the simulating commands (run, compare, bench).
struct CommonOptions {
    std::string arch = "configs/arch/eyeriss.yaml";
    std::string workload = "workloads/alexnet.yaml";
    std::string energy = "configs/energy/45nm.yaml";
    std::string dataflow = "rs";
    std::string layers = "conv";
    int batch = 0;  // 0: the architecture's, else the workload's
    std::string precision;  // with_precision preset ("" = the workload's own)
    std::string timing = "pass";  // pass | cycle
    std::string max_memory;  // --max-memory SIZE ("": default_max_memory())
    bool quiet = false;  // --quiet: no progress lines on stderr
    bool progress = false;  // --progress: progress lines even for a short run off a terminal
    std::string tech;  // --tech NODE[@VDD] ("": the table's own node)
    std::string area;  // --area ART.yaml ("": the table's own area model)
    CLI::Option* energy_opt = nullptr;
    CLI::Option* dataflow_opt = nullptr;  // (compare removes --dataflow: run's and bench's only)
    Timing timing_model() const { return timing == "cycle" ? Timing::Cycle : Timing::Pass; }
};
// What --workload takes (load_network): the help text of every command that reads a workload.
inline constexpr const char* kWorkloadHelp =
    "network: a network YAML (layer types conv, fc, gemm, matmul; host: pool, add, concat, softmax, layernorm, gelu), "
    "a "
    "SCALE-Sim topology .csv, an ONNX .onnx, a Timeloop problem YAML (top-level problem:), a YAML list of them "
    "(problems: [..]) or a folder of them";

// Progress of a network's run on stderr, one call per finished layer (RunOptions::on_layer):
// on a terminal a live line (k of N layers, the layer, elapsed, time left by the MACs still to
// run); off a terminal, where the run is expected to take more than 2 s
// (rough_simulation_seconds) or with --progress, one line per accelerator layer ("dfsim run:
// CONV3 done (3 of 5 layers, 71% of the MACs), 0.8 s elapsed, about 0.3 s left"); nothing with
// --quiet. With `row`, the callback first prints the layer's table row with it (on stdout: the
// table streamed as layers finish), the live line erased before it and written again after.
std::function<void(const LayerResult&)> layer_progress(const std::string& command, const Network& net,
                                                       const CommonOptions& c,
                                                       std::function<void(const LayerResult&)> row = nullptr);

// --dataflow is also --dataflows (compare and sweep take several; run and bench one).
void add_common_options(CLI::App* app, CommonOptions& c);
// The dataflow of run and bench: one registered name, else a ConfigError naming --dataflow.
void check_one_dataflow(const CommonOptions& c);
// --max-memory in bytes: a number of bytes with an optional binary suffix K, M, G or T (8G), or
// by default half of the machine's RAM (sim/simulator.h default_max_memory).
uint64_t max_memory_bytes(const CommonOptions& c);

// The architecture file (YAML, or a SCALE-Sim .cfg), found as data_path finds it; its notes (what
// a .cfg could not map) go to stderr. (arch_choice.cpp)
ArchParams load_cli_arch(const std::string& arch);
// The dataflow to run: --dataflow if given, else the architecture's (a .cfg's Dataflow), else the
// default. (arch_choice.cpp)
std::string chosen_dataflow(const CommonOptions& c, const ArchParams& a);

// The energy table: --energy if given, else the one the architecture file names, else the default.
EnergyTable energy_table(const CommonOptions& c, const ArchParams& a);

// The network as run: the selected layers (chained: the chain up to them) at the precision and
// batch size of the command line, else the architecture file's batch, else the workload's.
// The workload's import notes go to stderr.
Network load_selected_network(const CommonOptions& c, const ArchParams& a, bool chained = false);
// A note on stderr where the pass-level model is known not to follow the cycle-level engine
// closely (docs/timing_corpus.md): nlr on depthwise layers.
void note_timing_limits(const Network& net, const std::vector<std::string>& dataflows, Timing timing);
// A note on stderr before a long simulation: the MACs of `runs` simulations of `net` and their
// rough time (sim/simulator.h rough_simulation_seconds), when that is over kLongRunSeconds.
inline constexpr double kLongRunSeconds = 30;
void note_long_run(const Network& net, int runs, Timing timing);

// --jobs (the mapper's threads) and --mapping-cache DIR, as run and compare take them.
void add_mapper_options(CLI::App* app, int& jobs, std::string& mapping_cache);

// --show-mapping: each accelerator layer's mapping, its entry for a mapping file (--mapping) and
// its loop nest; with format "timeloop", each one's Timeloop mapping YAML (report/timeloop_mapping.h)
// as a document of a YAML stream.
void print_mappings(const NetworkResult& r, std::ostream& os, const std::string& format = "dfsim");
// --mapping-format dfsim|timeloop (run and compare).
void add_mapping_format_option(CLI::App* app, std::string& format);
// --seed N: a decimal integer in [0, 2^63 - 1] (what a spec file's seed takes), else a
// ConfigError naming --seed.
void add_seed_option(CLI::App* app, uint64_t& seed, const std::string& help);

// Output files (option, path; "" for one not given), checked before anything runs: two options
// naming the same file or a folder that does not exist are a ConfigError (exit code 2; no folder
// is made for a file), a path that cannot be written an IoError (exit code 4;
// base/atomic_file.h check_output_file).
void check_outputs(const std::vector<std::pair<std::string, std::string>>& outputs);
// --mapping-cache DIR: a folder, or one to be made (the first choice stored makes it) in a folder
// that exists; else a ConfigError (exit code 2). "" is no cache.
void check_cache_dir(const std::string& dir);

// The message for a command line the parser refused (after "command line: "): an unknown
// subcommand or option named with a "did you mean" among the names that command takes, a
// missing subcommand with the list of them, else the parser's own message; each ends with where
// the help is. `args` are the arguments after the program's name.
std::string parse_error_message(const CLI::App& app, const std::vector<std::string>& args, const CLI::Error& e);

// "command line: field 'OPTION': expected ...": a bad option value (exit code 2).
[[noreturn]] void bad_option(const std::string& option, const std::string& expected);

// The command line as given (main.cpp records it before parsing it), for the reports' provenance.
void set_command_line(int argc, char** argv);
// That command line, as shell_command writes it ("dfsim sweep ..."); "" before set_command_line.
const std::string& command_line();
// The reports' provenance of a simulating command (report/provenance.h): this build, the command
// line, the common options as resolved (files as read, the network's batch) and these settings.
Provenance make_provenance(const CommonOptions& c, const ArchParams& a, const EnergyTable& t, const Network& net,
                           const std::vector<std::string>& dataflows, uint64_t seed, const std::string& objective);

// The subcommands, in the order `dfsim --help` lists them.
Command add_run_command(CLI::App& app);
Command add_bench_command(CLI::App& app);
Command add_list_command(CLI::App& app);
Command add_export_command(CLI::App& app);
Command add_sweep_command(CLI::App& app);
Command add_compare_command(CLI::App& app);
Command add_quantize_command(CLI::App& app);
Command add_corpus_command(CLI::App& app);
// `dfsim version`, and `dfsim --version` on `app`: the version line (version_line) on stdout.
Command add_version_command(CLI::App& app);
// "dfsim VERSION (git COMMIT)": base/version.h.
std::string version_line();

}  // namespace dfsim::cli
