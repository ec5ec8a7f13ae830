// Dataflow comparison (`dfsim compare`): the same layers, on the same data, run under several
// dataflows, each on its own equal-area storage (ArchParams::for_dataflow). Reported per layer
// and in total as energy per MAC by storage level and by data type, DRAM accesses per MAC,
// cycles, utilization and the ratio to the most energy-efficient dataflow; the writers are in
// report/compare_report.h.
#pragma once
#include <nlohmann/json.hpp>

#include <ostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "sim/simulator.h"

namespace dfsim {

// "ws,os-a,rs" -> {"ws", "os-a", "rs"}; throws ConfigError on an empty list or name, a
// duplicate, or a name that is not registered (the message names it and the registered ones).
std::vector<std::string> parse_dataflow_list(const std::string& csv);
// Checks a list as parse_dataflow_list does.
void check_dataflow_list(const std::vector<std::string>& dataflows);

// Everything about a layer that decides its results: name, kind, shape, formats, requantization
// and its data's source (a hash of the values for real data). Part of the keys of stored results.
nlohmann::json layer_key(const Layer& l);

// Runs every layer of `net` under each dataflow. The layer's data (and, with
// opt.check_output, its reference output) is made once per layer and shared by all dataflows.
// opt.dataflow is ignored. Progress lines (layer, dataflow, wall seconds) go to `progress`.
// Throws ConfigError for a bad list (before simulating anything), MappingError or
// hw::CapacityError as simulate_layer does.
//
// With `resume_dir`, every finished (layer, dataflow) result is written there atomically, with
// the inputs it came from (dfsim version, architecture as the dataflow runs on it, layer (its
// data's values too), energy table, timing model, seed, objective, output check); a later run with the same inputs loads it instead of
// simulating again, so an interrupted comparison resumes where it stopped. A result file that
// is missing, unreadable or made from other inputs is simulated again (and overwritten). The files are named
// LAYER.DATAFLOW.json, LAYER made by safe_file_name (base/safe_name.h). The caller holds resume_dir
// (base/out_lock.h): temporary files a killed run left there are removed.
//
// With `workers` > 1 the (layer, dataflow) pairs run in that many forked processes (one SystemC
// simulation each), which take the next pair as they finish and hand the results over in the
// result files (resume_dir's, or a private temporary folder's); the results are the same as one
// process's, bit for bit (each pair has its own data, seeded by its layer, and its own mapping
// search), and so are the reports. Each worker makes the data and reference of each layer it
// meets, so N workers may compute a layer's reference N times.
CompareResult run_compare(const Network& net, const ArchParams& base, const EnergyTable& t,
                          const std::vector<std::string>& dataflows, RunOptions opt, std::ostream* progress = nullptr,
                          const std::string& resume_dir = "", int workers = 1);

// Precisions compared (`dfsim compare --precisions int8,lut4,binary`): the network under each
// with_precision preset, run under each dataflow as run_compare does (resume files in
// resume_dir/<preset>/), the runs labelled "<dataflow>@<preset>", precisions outer. Each preset
// makes its own data (its formats differ). Throws ConfigError for a bad preset before running.
CompareResult run_compare_precisions(const Network& net, const ArchParams& base, const EnergyTable& t,
                                     const std::vector<std::string>& dataflows,
                                     const std::vector<std::string>& precisions, const RunOptions& opt,
                                     std::ostream* progress = nullptr, const std::string& resume_dir = "",
                                     int workers = 1);

}  // namespace dfsim
