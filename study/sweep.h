// Design-space sweeps: the cartesian product of dataflows and configuration values, each point
// a full network simulation (or the analytical model alone), run in parallel worker processes
// (SystemC keeps one simulation per process). Each finished point is written to its own file
// atomically, with the inputs it came from, so an interrupted sweep resumes where it stopped
// and the results hold exactly one row per point, in point order, whatever the number of jobs.
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "dataflows/dataflow.h"
#include "dataflows/mapping_cache.h"
#include "report/provenance.h"

namespace dfsim {

// One swept setting: `key` is a dotted field of the architecture file (pe_array.rows,
// glb.size_kb, pe.psum_spad_words, ...) or one of the run settings `batch` and `bits` (the
// ifmap and filter width of every layer).
struct SweepAxis {
    std::string key;
    std::vector<std::string> values;
};

struct SweepSpec {
    std::string arch_file, workload_file, energy_file;  // energy_file "": the arch's energy_table, else 45nm
    std::string layers = "conv";  // as --layers
    std::vector<std::string> dataflows;
    std::vector<SweepAxis> axes;  // dataflow is the outermost axis
    bool analytical = false;  // the analytical model only (no simulation)
    Timing timing = Timing::Pass;  // the simulation's timing model (--timing; unused if analytical)
    Objective objective = Objective::Energy;
    uint64_t seed_offset = 0;
    bool check_output = true;
    std::string tech;  // --tech NODE[@VDD]: the energy table scaled to it ("": as written)
    std::string area_file;  // --area ART.yaml: the chip's area as given (docs/accelergy.md; "": the table's)
    double area_budget_mm2 = 0;  // --area-budget: points whose area model exceeds it are dropped (0: none)
};

struct SweepPoint {
    int index = 0;
    std::string dataflow;
    std::vector<std::pair<std::string, std::string>> settings;  // key, value (in axis order)
    std::string label() const;  // "rs pe_array=12x14 glb.size_kb=108"
};

// A sweep described in YAML (the command line's options, as fields):
//   arch: configs/arch/eyeriss.yaml      workload: workloads/alexnet.yaml
//   energy: ...  layers: conv  dataflows: [ws, rs]  model: simulation  timing: pass  objective: energy
//   seed: 0  check: true  jobs: 2  out: sweep/
//   axes: {pe_array: [8x8, 16x16], glb_kb: [54, 108], batch: [1, 4], bits: [8, 4],
//          set: {pe.psum_spad_words: [16, 32]}}
// `timing` (pass or cycle) only with model: simulation. Relative paths resolve against `resolve`
// (the command line's rule). Throws ConfigError.
struct SweepFile {
    SweepSpec spec;
    int jobs = 0;  // 0: not given
    std::string out;  // "": not given
};
SweepFile load_sweep_spec(const std::string& path, const std::function<std::string(const std::string&)>& resolve);
// The sweep as a spec file that load_sweep_spec reads back to the same points (the files by their
// absolute paths; no jobs or out): what a Slurm job's tasks run (tools/dfsim, --executor slurm).
// An axis of a key that the spec format cannot hold in this order (a named axis after a --set
// one) is written under `set`, so the caller compares the points read back.
std::string sweep_spec_yaml(const SweepSpec& spec);

// Axes from the command line: "--pe-array 8x8,12x14" (pe_array.rows and .cols together),
// "--glb-kb 54,108", "--batch 1,4", "--bits 8,4", and "--set key=v1,v2". Throws ConfigError.
SweepAxis parse_axis(const std::string& option, const std::string& values);
std::vector<SweepPoint> expand(const SweepSpec& spec);
// What produces the points' cycles, as timing_name() names it: `pass` or `cycle`, or `estimate`
// for the analytical model.
std::string sweep_timing(const SweepSpec& spec);

// The architecture file with settings applied (every value validated as the file's own), the
// network as selected, at the point's batch and bit width.
ArchParams point_arch(const SweepSpec& spec, const SweepPoint& p);
Network point_network(const SweepSpec& spec, const SweepPoint& p, const ArchParams& a);
// The same of the workload file's network, already loaded.
Network point_network(const Network& workload, const SweepSpec& spec, const SweepPoint& p, const ArchParams& a);

// The sweep's reports' provenance (report/provenance.h): this build, `command` (the command line
// that writes the reports), the spec's seed, timing, objective, layers, files and dataflows, the
// base architecture (the file's own PE array and summary, before any point's settings), the
// energy table, and the batch: the batch axis's value if it has one value, 0 ("per point") if it
// has several, else the architecture's. `workload`: the workload file's network if already loaded
// (null: it is read here when the batch needs it).
Provenance sweep_provenance(const SweepSpec& spec, const std::string& command, const Network* workload = nullptr);

// One point's result row (also what its file holds besides its key).
nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& p, MappingCache* cache = nullptr);
// The same with the point's inputs given: its architecture (point_arch), network (point_network)
// and energy table (the arch's or --energy, at --tech), as a sweep reads them once.
nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& p, const ArchParams& a, const Network& net,
                         const EnergyTable& t, MappingCache* cache);

// A sweep's points, what each one's file must hold to be reused (its key: point_key's inputs) and
// the points out_dir/points/ has no such file for, in order. Every point's inputs are checked
// (ConfigError), nothing is written.
struct SweepPlan {
    std::vector<SweepPoint> points;
    std::vector<nlohmann::json> keys;  // by point index
    std::vector<int> todo;  // the points to run
    std::vector<ArchParams> archs;  // by point index: point_arch, as the keys were made of it
    Network workload;  // the workload file's network, before a point's layers and settings
};
// `workload`: the workload file's network if the caller has loaded it (null: read here).
SweepPlan plan_sweep(const SweepSpec& spec, const std::string& out_dir, const Network* workload = nullptr);

// A sweep's progress, as a point finishes: `done` of `total` points have their files (`resumed`
// of them from an earlier run, before this one started); `point` is the one that just finished
// (null for a count alone: the first call, before any point finished).
struct SweepProgress {
    int done = 0, total = 0, resumed = 0;
    const SweepPoint* point = nullptr;
};
using SweepProgressFn = std::function<void(const SweepProgress&)>;
// "12.3 s", "95 s", "4.2 min", "2.5 h": a duration in a progress line.
std::string duration_text(double seconds);
// A progress line off a terminal, with its newline: "dfsim sweep: 5 of 16 points done: point 9, rs
// pe_array=16x16; 12.3 s elapsed, ETA 20 s" (the ETA from the points run so far, none once all are
// done); for the first call (no point yet) "dfsim sweep: 4 of 16 points done already (...), 12 to
// run" when points were resumed, else "".
std::string sweep_progress_line(const SweepProgress& p, double elapsed_seconds);

// Runs the points `which` (of plan.todo) in `jobs` worker processes and writes each one's file
// atomically to out_dir/points/ (made if missing); results.csv and .json are not written. Several
// processes may run disjoint points of one folder at once (a Slurm job's tasks): this neither
// takes the folder's lock nor removes temporary files. `progress` is called once per finished
// point, naming it (the points not in `which` count as done, as `resumed`). With one job the
// points run in this process, and `rows` (if given) gets each one's row as its file holds it.
void run_sweep_points(const SweepSpec& spec, const SweepPlan& plan, const std::string& out_dir,
                      const std::vector<int>& which, int jobs, const SweepProgressFn& progress = nullptr,
                      std::map<int, nlohmann::json>* rows = nullptr);

// results.csv and results.json of the point files out_dir/points/ holds now (the caller holds its
// lock): a point without a file of its inputs gets a row with status "missing (no point file of
// these inputs)". Returns those points and the ones whose run failed (status "error: ...").
// The results carry `prov` (null: sweep_provenance(spec, ""), no command line).
struct SweepCollection {
    int points = 0;
    std::vector<int> missing;
    std::vector<std::pair<int, std::string>> failed;  // index, status
};
SweepCollection collect_sweep(const SweepSpec& spec, const std::string& out_dir, const Provenance* prov = nullptr);

struct SweepSummary {
    int points = 0, resumed = 0, run = 0;
    double wall_seconds = 0;
};
// Runs the points missing from out_dir/points/ with `jobs` worker processes, then writes
// out_dir/results.csv and out_dir/results.json (atomically). A point file is reused only when
// its key holds the same inputs (dfsim version, the arch, workload and energy files' contents,
// the point's network with its data, dataflow, settings, model, timing, objective, seed, output
// check). Every point's inputs are checked before anything is written; then `validated()` is
// called, where the caller takes out_dir's lock (base/out_lock.h), so that a refused sweep
// leaves nothing behind. Temporary files an interrupted run left in out_dir or out_dir/points
// are removed first. `progress` is called in the parent as points complete. The results carry
// `prov` (null: sweep_provenance(spec, "")); it is no input of a point (a rerun by another
// command line, --jobs or --out spelling resumes every point). `workload` as for plan_sweep.
SweepSummary run_sweep(const SweepSpec& spec, const std::string& out_dir, int jobs,
                       const SweepProgressFn& progress = nullptr, const std::function<void()>& validated = nullptr,
                       const Provenance* prov = nullptr, const Network* workload = nullptr);

}  // namespace dfsim
