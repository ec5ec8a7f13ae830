// The timing corpus (`dfsim corpus`): the pass-level model's cycles (Timing::Pass) held to the
// cycle-level engine's (Timing::Cycle) on many layers and dataflows, and the mapper's estimated
// cycles held to the cycle engine the same way. Each (layer, dataflow) case is prepared once
// (sim/simulator.h prepare(): one mapping, one data set, one reference) and simulated in both
// timing models on that same mapping and data; both must be bit-exact and count alike, only
// their cycles may differ. Cases run in parallel worker processes (one SystemC simulation per
// process); the results, their statistics per dataflow and the worst cases are reported.
#pragma once
#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"
#include "dataflows/dataflow.h"
#include "workload/layer.h"

namespace dfsim {

// One layer on one dataflow; `set` names where the layer came from ("random", or a network).
struct CorpusCase {
    std::string set;
    Layer layer;
    std::string dataflow;
};

// The random layers' limits: small enough that the cycle engine runs each in a fraction of a
// second (C, M <= 64, H, W <= 32, batch 1-4, filters 1x1 to 11x11, strides 1-4).
inline constexpr uint64_t kCorpusMaxMacs = 2'000'000;  // per layer, all of its batch

// `n` random layers from `seed` (the same seed gives the same layers on every platform): about
// half plain convolutions, a fifth depthwise, a fifth grouped, a tenth fully connected; square
// filters 1x1 to 11x11, strides 1-4, padding up to half the filter, batch 1-4, int8 operands,
// half of them requantized (with or without ReLU), some with zeros in the ifmap. Named r000, r001...
std::vector<Layer> random_layers(int n, uint64_t seed);
// The accelerator layers (conv, fc) of a workload file, at batch 1.
std::vector<Layer> network_layers(const std::string& workload_file);
// Every layer on every dataflow, layer by layer.
std::vector<CorpusCase> corpus_cases(const std::string& set, const std::vector<Layer>& layers,
                                     const std::vector<std::string>& dataflows);
// "conv N1 C16 M32 H15xW13 R3xS3 U2 P1 G1" (the kind: conv, dw, grouped or fc).
std::string shape_summary(const Layer& l);

// One case's figures from both timing models.
struct CaseResult {
    int index = 0;  // in the case list
    std::string set, layer, dataflow, shape, mapping;
    std::string status = "ok";  // ok | no mapping: WHY (the mapper found none) | error: WHAT
    uint64_t macs = 0;
    uint64_t pass_cycles = 0, cycle_cycles = 0, estimated_cycles = 0;
    std::string pass_check, cycle_check;  // bit-exact | mismatch
    std::vector<std::string> count_differences;  // the counters the two models count differently
    double pass_seconds = 0, cycle_seconds = 0;  // wall time of each simulation
    bool ran() const { return status == "ok"; }
    bool no_mapping() const { return status.rfind("no mapping", 0) == 0; }
    bool failed() const { return !ran() && !no_mapping(); }  // an error: a bug, never an outcome
    bool exact() const { return pass_check == "bit-exact" && cycle_check == "bit-exact"; }
    double pass_ratio() const;  // pass / cycle cycles
    double estimate_ratio() const;  // estimated / cycle cycles
};

// The names of the ActionCounts fields that differ ("glb.psum.reads", "macs", ...).
std::vector<std::string> count_differences(const ActionCounts& a, const ActionCounts& b);

// Runs one case (never throws: a mapper that finds no mapping, or any error, is its status).
CaseResult run_case(const CorpusCase& c, const ArchParams& a, const EnergyTable& t, Objective obj = Objective::Energy);

// Runs every case with `jobs` worker processes (jobs 1: in this process), the largest layers
// first; results in case order. `progress(done, total)` is called in this process as cases finish.
std::vector<CaseResult> run_corpus(const std::vector<CorpusCase>& cases, const ArchParams& a, const EnergyTable& t,
                                   Objective obj, int jobs, const std::function<void(int, int)>& progress = nullptr);

// Ratios r of cycles to the cycle engine's: their range, mean, the worst |r - 1| and the
// fractions with |r - 1| within 3%, 5% and 10%.
struct RatioStats {
    int n = 0;
    double min = 0, max = 0, mean = 0, worst = 0;
    double within3 = 0, within5 = 0, within10 = 0;  // fractions of n
};
RatioStats ratio_stats(const std::vector<double>& ratios);

// One group's cases on one dataflow.
struct CorpusSummary {
    std::string group, dataflow;
    int cases = 0, ran = 0, no_mapping = 0, errors = 0;
    int exact = 0, counts_equal = 0;  // of the cases that ran
    RatioStats pass, estimate;  // pass / cycle, estimated / cycle
};
// Per group (each set in order of appearance, then "all" if there are several) and dataflow.
std::vector<CorpusSummary> summarize(const std::vector<CaseResult>& results);
// Per layer kind (conv, dw, grouped, fc: the first word of shape_summary; every set) and dataflow.
std::vector<CorpusSummary> summarize_by_kind(const std::vector<CaseResult>& results);
// The `n` cases that ran with the largest |ratio - 1| (pass / cycle, or estimated / cycle), worst first.
std::vector<CaseResult> worst_cases(const std::vector<CaseResult>& results, size_t n, bool estimate);

// The tables (pass / cycle, estimated / cycle; per group, then per layer kind), the failures and the `worst` worst cases of each.
void print_corpus(std::ostream& out, const std::vector<CaseResult>& results, size_t worst = 10);
// Every case and the summaries.
nlohmann::json corpus_json(const std::vector<CaseResult>& results);

}  // namespace dfsim
