#include "tools/dfsim/sweep_slurm.h"

#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <thread>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/out_lock.h"
#include "base/subprocess.h"
#include "report/gnuplot.h"
#include "report/sweep_plots.h"
#include "report/figures.h"
#include "study/slurm.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace fs = std::filesystem;

namespace {

fs::path slurm_dir(const std::string& out) { return fs::path(out) / "slurm"; }

// The job a sweep submitted last (OUT/slurm/job.json): its id ("" if none) and its points.
struct RecordedJob {
    std::string id, points;
};
RecordedJob recorded_job(const std::string& out) {
    std::ifstream in(slurm_dir(out) / "job.json");
    if (!in) return {};
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        return {j.at("job_id").get<std::string>(), j.at("points").get<std::string>()};
    } catch (const std::exception&) {
        return {};
    }
}

// A job's tasks by state, as squeue reports them, else sacct (once the controller has forgotten
// the job, where accounting is kept); `known` false when neither knows the job. `error`: squeue
// failed otherwise than for a job it does not know (the controller busy or down), its message.
struct JobStates {
    bool known = false;
    std::map<std::string, int> counts;
    std::string error;
    bool active() const {
        for (const auto& [state, n] : counts)
            if (slurm_state_active(state)) return true;
        return false;
    }
};

JobStates poll_job(const std::string& id) {
    JobStates s;
    const CommandOutput sq = run_command({"squeue", "-h", "-r", "-t", "all", "-j", id, "-o", "%K %T"});
    if (sq.code == 0) s.counts = count_slurm_states(sq.out);
    if (s.counts.empty()) {
        const CommandOutput sa = run_command({"sacct", "-n", "-P", "-X", "-j", id, "-o", "JobID,State"});
        if (sa.code == 0) s.counts = count_slurm_states(sa.out);
    }
    s.known = !s.counts.empty();
    const bool forgotten = sq.code == 0 || sq.err.find("Invalid job id") != std::string::npos;
    if (!s.known && !forgotten && sq.code != 127) s.error = sq.err.substr(0, sq.err.find('\n'));
    return s;
}

// Polls the job until none of its tasks is pending or running, printing its tasks' states and the
// points done whenever they change; at 1 s, then slower, up to every 10 s. A failing squeue is
// asked again, up to 10 times in a row.
void wait_for_job(const std::string& id, const std::string& out, const std::vector<int>& points) {
    std::string last;
    int failures = 0;
    for (int delay_ms = 1000;; delay_ms = std::min(10000, delay_ms * 5 / 4)) {
        const JobStates s = poll_job(id);
        failures = s.error.empty() ? 0 : failures + 1;
        int done = 0;
        for (int i : points) done += fs::exists(fs::path(out) / "points" / (std::to_string(i) + ".json"));
        const std::string states = s.known            ? slurm_states_line(s.counts)
                                   : !s.error.empty() ? "squeue failed (" + s.error + ")"
                                                      : std::string("no longer known to squeue or sacct");
        const std::string line = "dfsim sweep: Slurm job " + id + ": " + states + "; " + std::to_string(done) + "/" +
                                 std::to_string(points.size()) + " of its points written";
        if (line != last) std::cerr << line << "\n";
        last = line;
        if (s.known ? !s.active() : (s.error.empty() || failures >= 10)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    }
}

// The running binary's absolute path (what the tasks run: the same build).
std::string self_path() {
    std::error_code ec;
    const fs::path p = fs::read_symlink("/proc/self/exe", ec);
    if (ec)
        throw UserError("dfsim sweep --executor slurm: cannot find the dfsim binary (/proc/self/exe): " + ec.message());
    return p.string();
}

// The spec the tasks run, written to OUT/slurm/spec.yaml and checked: read back, it gives every
// point the same key (the same inputs) as `plan`.
std::string write_task_spec(const SweepSpec& spec, const SweepPlan& plan, const std::string& out) {
    const std::string path = recorded_spec_path(out);
    write_file_atomic(path, sweep_spec_yaml(spec));
    const SweepPlan back = plan_sweep(load_sweep_spec(path, [](const std::string& s) { return s; }).spec, out);
    if (back.keys != plan.keys)
        throw UserError("dfsim sweep --executor slurm: the sweep written to " + path +
                        " does not give the same points (its axes cannot be written in this order): put the "
                        "--pe-array, --glb-kb, --batch and --bits axes before the --set ones");
    return path;
}

// Refuses to submit while a job this sweep submitted earlier still has tasks to run.
void check_no_active_job(const std::string& out) {
    const std::string id = recorded_job(out).id;
    if (id.empty()) return;
    const JobStates s = poll_job(id);
    if (s.known && s.active())
        throw UserError("dfsim sweep --executor slurm: Slurm job " + id + " of this sweep (" +
                        (slurm_dir(out) / "job.json").string() + ") still has tasks to run (" +
                        slurm_states_line(s.counts) + "): wait for it (dfsim sweep --collect --wait --out " + out +
                        ") or cancel it (scancel " + id + "), then run again");
}

std::string submit_job(const SlurmArrayJob& job, const std::string& sbatch, const std::vector<std::string>& args,
                       const std::string& script) {
    std::vector<std::string> argv = {sbatch, "--parsable"};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back(script);
    const CommandOutput r = run_command(argv);
    std::string id = r.out.substr(0, r.out.find_first_of(";\n"));
    if (r.code != 0 || id.empty() || id.find_first_not_of("0123456789") != std::string::npos) {
        std::string why = r.err.empty() ? r.out : r.err;
        while (!why.empty() && (why.back() == '\n' || why.back() == ' ')) why.pop_back();
        const bool big = job.points_per_task <= 1 && !job.points.empty() && job.points.back() >= 1001;
        throw UserError("dfsim sweep --executor slurm: sbatch failed (exit code " + std::to_string(r.code) +
                        "): " + why +
                        (big ? " (array task ids are point indices here, up to " + std::to_string(job.points.back()) +
                                   "; a cluster's MaxArraySize, 1001 by default, bounds them: --points-per-task N "
                                   "numbers the tasks from 0)"
                             : ""));
    }
    return id;
}

// The results from the point files, with the plots, and what is missing or failed. Exit code.
int collect_and_report(const SweepSpec& spec, const std::string& out, bool plots) {
    const Provenance prov = sweep_provenance(spec, command_line());
    const SweepCollection c = collect_sweep(spec, out, &prov);
    if (plots) {
        std::ifstream in(fs::path(out) / "results.json");
        write_sweep_plots(nlohmann::json::parse(in), out);
    }
    std::cout << "dfsim sweep: " << c.points << " points collected from " << out << "/points (" << c.missing.size()
              << " missing, " << c.failed.size() << " failed), timing " << timing_label(sweep_timing(spec)) << "; "
              << out << "/results.csv, " << out << "/results.json\n";
    for (const auto& [i, status] : c.failed) std::cout << "dfsim sweep: point " << i << " failed: " << status << "\n";
    if (c.missing.empty()) return kExitOk;
    std::cout << "dfsim sweep: missing points: " << index_ranges(c.missing) << " (no file of their inputs in " << out
              << "/points; the tasks' logs are in " << (slurm_dir(out) / "logs").string()
              << "; dfsim sweep --executor slurm with the same sweep submits them again)\n";
    return kExitMismatch;
}

}  // namespace

std::string recorded_spec_path(const std::string& out) { return (slurm_dir(out) / "spec.yaml").string(); }

int submit_sweep(const SweepSpec& spec, const std::string& out, const SlurmOptions& o) {
    const std::string sbatch = find_on_path("sbatch");
    if (sbatch.empty())
        throw UserError(
            "dfsim sweep --executor slurm: sbatch not found on PATH: run it where Slurm's commands are (a login "
            "node of the cluster), or install Slurm's client (Debian: apt-get install slurm-client), or use "
            "--executor local");
    const std::string dir = fs::absolute(out).lexically_normal().string();
    if (dir.find_first_of(" \t\n%") != std::string::npos)
        bad_option("--out",
                   "expected a folder without blanks or '%' with --executor slurm (#SBATCH lines and "
                   "Slurm's file patterns take it), got '" +
                       dir + "'");
    if (o.wait && o.plots) require_gnuplot();
    const SweepPlan plan = plan_sweep(spec, out);
    OutputLock lock(out);
    check_no_active_job(out);
    remove_stale_temporaries(out);
    remove_stale_temporaries((fs::path(out) / "points").string());
    if (plan.todo.empty()) {
        std::cerr << "dfsim sweep: all " << plan.points.size() << " points have their files in " << out
                  << "/points already: nothing to submit\n";
        return collect_and_report(spec, out, o.plots);
    }
    SlurmArrayJob job{self_path(), write_task_spec(spec, plan, out), dir, plan.todo, o.points_per_task, o.max_running,
                      ""};
    const std::string script = (slurm_dir(out) / "sweep.sbatch").string();
    job.submit_line = "sbatch --parsable";
    for (const std::string& a : o.sbatch_args) job.submit_line += " " + shell_quote(a);
    job.submit_line += " " + shell_quote(fs::absolute(script).string());
    fs::create_directories(slurm_dir(out) / "logs");
    write_file_atomic(script, slurm_job_script(job));
    const std::string id = submit_job(job, sbatch, o.sbatch_args, script);
    write_file_atomic((slurm_dir(out) / "job.json").string(), nlohmann::json{{"job_id", id},
                                                                             {"array", slurm_array_spec(job)},
                                                                             {"points", index_ranges(plan.todo)},
                                                                             {"tasks", slurm_task_points(job).size()},
                                                                             {"script", script}}
                                                                      .dump(2) +
                                                                  "\n");
    std::cerr << "dfsim sweep: submitted Slurm job " << id << ": " << plan.todo.size() << " of " << plan.points.size()
              << " points (" << plan.points.size() - plan.todo.size() << " done already) in "
              << slurm_task_points(job).size() << " tasks, --array=" << slurm_array_spec(job) << "; " << script << "\n";
    if (!o.wait) {
        std::cout << "dfsim sweep: Slurm job " << id << " submitted; when it is done, dfsim sweep --collect --out "
                  << out << " writes " << out << "/results.csv and " << out << "/results.json\n";
        return kExitOk;
    }
    wait_for_job(id, out, plan.todo);
    return collect_and_report(spec, out, o.plots);
}

int collect_sweep_results(const SweepSpec& spec, const std::string& out, bool wait, bool plots) {
    if (plots) require_gnuplot();
    const SweepPlan plan = plan_sweep(spec, out);  // checks the inputs before anything is locked or written
    OutputLock lock(out);
    if (const RecordedJob job = recorded_job(out); !job.id.empty()) {
        const std::string& id = job.id;
        if (wait) {
            std::vector<int> points;  // the job's (a damaged record: the points missing now)
            try {
                points = parse_index_ranges(job.points, static_cast<int>(plan.points.size()), "job.json");
            } catch (const ConfigError&) {
                points = plan.todo;
            }
            wait_for_job(id, out, points);
        } else if (const JobStates s = poll_job(id); s.known) {
            std::cerr << "dfsim sweep: Slurm job " << id << ": " << slurm_states_line(s.counts) << "\n";
            if (s.active())
                std::cerr << "dfsim sweep: note: the job still has tasks to run; the results lack their points "
                             "(--wait waits for them)\n";
        }
    }
    return collect_and_report(spec, out, plots);
}

}  // namespace dfsim::cli
