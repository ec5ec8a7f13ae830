// What produced a report, carried into every report of a command (issue 15): the dfsim build
// (version and git commit), the exact command line and the settings that shape the figures --
// seed, timing model, mapper objective, batch, layer selection, workload, architecture file and
// summary, energy table and unit, dataflows. Date-free on purpose: the same command on the same
// build writes the same bytes (the golden tests compare them).
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"

namespace dfsim {

// The JSON reports' schema version (docs/report.md): 2 adds "provenance" and the per-image latency;
// 3 changes compare's layout (host layers unranked and without results, layer groups, verdicts, EDP).
inline constexpr int kReportSchemaVersion = 3;

// The context of one command's reports (filled once per command by tools/dfsim).
struct Provenance {
    std::string version, commit;  // dfsim_version(), dfsim_git_commit() (base/version.h)
    std::string command;  // the command line: "dfsim" then the arguments as given, shell-quoted (shell_command)
    uint64_t seed = 0;  // --seed: offset added to every synthetic data seed
    std::string timing;  // pass | cycle | estimate (sweep --model analytical)
    std::string objective;  // the mapper's: energy | cycles | edp
    int batch = 0;  // images per run (every layer's N); 0: the sweep's points vary it
    std::string layers;  // --layers as given
    std::string workload;  // the workload file
    std::string arch_name, arch_file, arch_summary;  // name, file, arch_summary(): "12x14 PEs, ..., 200 MHz, ..."
    std::string pe_array;  // "12x14" (rows x cols)
    std::string energy_file, energy_table, energy_unit;  // the table's file, name and unit (pJ | normalized)
    std::vector<std::string> dataflows;  // the dataflow(s) run
};

// Fills what `a` and `t` say: arch_name, arch_file (a.file), arch_summary, pe_array and the energy
// table's file, name and unit (every command's provenance: run, compare, sweep, corpus).
void set_arch_and_table(Provenance& p, const ArchParams& a, const EnergyTable& t);
// "dfsim ARG ..." with each argument as a POSIX shell reads it back: as it is when it holds only
// [A-Za-z0-9_./:=,@%+-], else in single quotes ('' for an empty one).
std::string shell_command(const std::vector<std::string>& args);
// "12x14 PEs, spads 12/224/24 words (ifmap/filter/psum), GLB 108.0 KB in 27 banks, 200 MHz, DRAM 8 B/cycle".
std::string arch_summary(const ArchParams& a);
// "dfsim 0.1.0 (git 33f002e1a2b3)"
std::string build_label(const Provenance& p);
// The "provenance" object of the JSON reports (keys in docs/report.md).
nlohmann::json provenance_json(const Provenance& p);
// The text reports' context lines (each with its newline): "context: batch 1, layers conv, seed 0,
// objective energy, workload F, arch F, energy F, dfsim V (git C)", wrapped within 120 columns,
// then "command: dfsim run ..." on a line of its own.
std::string provenance_line(const Provenance& p);
// The CSV reports' provenance columns, the same on every row, after the figures' columns.
std::vector<std::string> provenance_csv_columns();
std::vector<std::string> provenance_csv_values(const Provenance& p);
// A CSV text (header line, then rows; every line ending in "\n") with the provenance columns appended.
std::string with_provenance_columns(const std::string& csv, const Provenance& p);
// "alexnet, layers conv, batch 1, eyeriss 12x14 PEs, dataflows rs,ws": what a plot's title names.
std::string plot_context(const std::string& network, const Provenance& p);

}  // namespace dfsim
