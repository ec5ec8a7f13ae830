// `dfsim sweep --executor slurm` and `--collect`: a sweep's missing points submitted as a Slurm
// job array (study/slurm.h), its tasks' states polled with squeue (sacct once squeue has
// forgotten the job), and the results assembled from the point files the tasks wrote.
#pragma once
#include <string>
#include <vector>

#include "study/sweep.h"

namespace dfsim::cli {

struct SlurmOptions {
    std::vector<std::string> sbatch_args;  // passed to sbatch as they are (--partition=..., --time=...)
    int points_per_task = 1;
    int max_running = 0;  // --array's %K; 0: no limit
    bool wait = false;  // poll until the job is done, then collect
    bool plots = true;
};

// Submits the points of `spec` that `out`/points lacks; with o.wait, waits and collects. The
// exit code: 0, or 1 when points are missing after the wait. sbatch missing or failing is a
// UserError (exit 2) with what to do, or sbatch's own message.
int submit_sweep(const SweepSpec& spec, const std::string& out, const SlurmOptions& o);

// --collect: results.csv, results.json (and the plots) from the point files `out` holds now, after
// waiting for the sweep's Slurm job if `wait`; says which points are missing or failed. Exit code
// 0, or 1 when points are missing.
int collect_sweep_results(const SweepSpec& spec, const std::string& out, bool wait, bool plots);

// Where --executor slurm keeps the sweep's spec: OUT/slurm/spec.yaml (what --collect reads when
// it is given no sweep).
std::string recorded_spec_path(const std::string& out);

}  // namespace dfsim::cli
