// A sweep as a Slurm job array (`dfsim sweep --executor slurm`, docs/sweep.md "On a Slurm
// cluster"): the job script whose array tasks each run some of the sweep's points, the index
// lists Slurm's --array takes, and the job states squeue and sacct report. No Slurm is run here
// (tools/dfsim/sweep_slurm.cpp submits and polls).
#pragma once
#include <map>
#include <string>
#include <vector>

namespace dfsim {

// Sorted distinct indices as ranges, "0-3,7,9-10" (Slurm's --array syntax and --points').
std::string index_ranges(const std::vector<int>& sorted);
// The indices of such a list ("0-3,7"; each 0 .. limit - 1), sorted and distinct; a malformed
// list or an index out of range is a ConfigError naming `option`.
std::vector<int> parse_index_ranges(const std::string& text, int limit, const std::string& option);

// The job array of a sweep's points to run.
struct SlurmArrayJob {
    std::string dfsim;  // the dfsim binary the tasks run (absolute)
    std::string spec_file;  // the sweep's spec (sweep_spec_yaml), absolute
    std::string out_dir;  // the sweep's --out, absolute
    std::vector<int> points;  // the points to run, sorted
    int points_per_task = 1;  // 1: the array's task ids are the point indices
    int max_running = 0;  // at most this many tasks at once (--array's %K); 0: no limit
    std::string submit_line;  // the sbatch command, for the script's header comment
};

// Each task's points as an index list: one per task (task id = point index) when
// points_per_task is 1, else consecutive groups of points_per_task points (task ids 0 .. n-1).
std::vector<std::string> slurm_task_points(const SlurmArrayJob& job);
// --array's value: the points ("0-3,7") or the task ids ("0-4") then "%K" if max_running.
std::string slurm_array_spec(const SlurmArrayJob& job);
// The batch script: #SBATCH lines for the name, the array and the log files
// (OUT/slurm/logs/JOB_TASK.out), then `dfsim sweep --spec SPEC --out OUT --points P` for the
// task's points P, with --jobs the task's CPUs (SLURM_CPUS_PER_TASK, else 1).
std::string slurm_job_script(const SlurmArrayJob& job);

// The number of tasks in each state (PENDING, RUNNING, COMPLETED, FAILED, ...) from lines
// "TASK STATE" (squeue -h -r -o "%K %T") or "JOBID|STATE" (sacct -n -P -X -o JobID,State; "CANCELLED
// by 0" counts as CANCELLED).
std::map<std::string, int> count_slurm_states(const std::string& lines);
// Whether a task in this state may still run or is running (PENDING, RUNNING, COMPLETING, ...;
// any state not known to be final).
bool slurm_state_active(const std::string& state);
// "2 PENDING, 1 RUNNING, 3 COMPLETED" (the states in that order, then the others by name).
std::string slurm_states_line(const std::map<std::string, int>& counts);

}  // namespace dfsim
