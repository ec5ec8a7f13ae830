#include "study/slurm.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "base/error.h"
#include "base/subprocess.h"

namespace dfsim {

std::string index_ranges(const std::vector<int>& sorted) {
    std::string s;
    for (size_t i = 0; i < sorted.size();) {
        size_t j = i;
        while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
        if (!s.empty()) s += ',';
        s += std::to_string(sorted[i]);
        if (j > i) {
            s += '-';
            s += std::to_string(sorted[j]);
        }
        i = j + 1;
    }
    return s;
}

namespace {

// A non-negative decimal index below `limit`, else -1.
long parse_index(const std::string& s, int limit) {
    if (s.empty() || s.size() > 9 || s.find_first_not_of("0123456789") != std::string::npos) return -1;
    const long v = std::stol(s);
    return v < limit ? v : -1;
}

}  // namespace

std::vector<int> parse_index_ranges(const std::string& text, int limit, const std::string& option) {
    auto bad = [&](const std::string& why) {
        return ConfigError("command line", option, 0, 0,
                           "expected point indices 0-" + std::to_string(limit - 1) + " as a list such as 0-3,7, got '" +
                               text + "'" + why);
    };
    std::set<int> out;
    std::stringstream ss(text);
    for (std::string item; std::getline(ss, item, ',');) {
        const size_t dash = item.find('-');
        const long lo = parse_index(item.substr(0, dash), limit);
        const long hi = dash == std::string::npos ? lo : parse_index(item.substr(dash + 1), limit);
        if (lo < 0 || hi < 0) throw bad(" ('" + item + "' is not an index or range of them in range)");
        if (hi < lo) throw bad(" (the range '" + item + "' runs backwards)");
        for (long i = lo; i <= hi; ++i) out.insert(static_cast<int>(i));
    }
    if (out.empty() || text.back() == ',') throw bad("");
    return {out.begin(), out.end()};
}

std::vector<std::string> slurm_task_points(const SlurmArrayJob& job) {
    std::vector<std::string> tasks;
    const size_t per = static_cast<size_t>(std::max(1, job.points_per_task));
    for (size_t i = 0; i < job.points.size(); i += per) {
        const auto first = job.points.begin() + static_cast<std::ptrdiff_t>(i);
        const auto last = job.points.begin() + static_cast<std::ptrdiff_t>(std::min(job.points.size(), i + per));
        tasks.push_back(index_ranges(std::vector<int>(first, last)));
    }
    return tasks;
}

std::string slurm_array_spec(const SlurmArrayJob& job) {
    std::string s;
    if (job.points_per_task <= 1) {
        s = index_ranges(job.points);
    } else {
        const size_t n = slurm_task_points(job).size();
        s = n == 1 ? std::string("0") : "0-" + std::to_string(n - 1);
    }
    if (job.max_running > 0) {
        s += '%';
        s += std::to_string(job.max_running);
    }
    return s;
}

std::string slurm_job_script(const SlurmArrayJob& job) {
    const std::vector<std::string> tasks = slurm_task_points(job);
    std::ostringstream os;
    os << "#!/bin/bash\n"
       << "# A dfsim sweep as a Slurm job array, written by dfsim sweep --executor slurm (docs/sweep.md, \"On a\n"
       << "# Slurm cluster\"). Each array task runs its points of the sweep and writes each point's file\n"
       << "# atomically to " << job.out_dir << "/points; dfsim sweep --collect --out " << job.out_dir << "\n"
       << "# assembles results.csv, results.json and the plots.\n"
       << "# " << job.points.size() << " point" << (job.points.size() == 1 ? "" : "s") << " in " << tasks.size()
       << " task" << (tasks.size() == 1 ? "" : "s") << ": " << index_ranges(job.points) << "\n";
    if (!job.submit_line.empty()) os << "# submitted with: " << job.submit_line << "\n";
    os << "#SBATCH --job-name=dfsim-sweep\n"
       << "#SBATCH --array=" << slurm_array_spec(job) << "\n"
       << "#SBATCH --output=" << job.out_dir << "/slurm/logs/%A_%a.out\n"
       << "set -eu\n";
    std::string points = "\"$SLURM_ARRAY_TASK_ID\"";
    if (job.points_per_task > 1) {
        os << "tasks=(";
        for (size_t i = 0; i < tasks.size(); ++i) os << (i ? " " : "") << tasks[i];
        os << ")\n";
        points = "\"${tasks[$SLURM_ARRAY_TASK_ID]}\"";
    }
    os << "exec " << shell_quote(job.dfsim) << " sweep --spec " << shell_quote(job.spec_file) << " --out "
       << shell_quote(job.out_dir) << " --jobs \"${SLURM_CPUS_PER_TASK:-1}\" --points " << points << "\n";
    return os.str();
}

std::map<std::string, int> count_slurm_states(const std::string& lines) {
    std::map<std::string, int> counts;
    std::stringstream ss(lines);
    for (std::string line; std::getline(ss, line);) {
        const size_t bar = line.find('|');
        std::string state = bar != std::string::npos ? line.substr(bar + 1) : line.substr(line.find(' ') + 1);
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        state = state.substr(0, state.find_first_of(" \t\r|"));
        if (!state.empty()) ++counts[state];
    }
    return counts;
}

bool slurm_state_active(const std::string& state) {
    static const std::set<std::string> final_states = {"COMPLETED",     "FAILED",    "CANCELLED",   "TIMEOUT",
                                                       "OUT_OF_MEMORY", "NODE_FAIL", "PREEMPTED",   "BOOT_FAIL",
                                                       "DEADLINE",      "REVOKED",   "SPECIAL_EXIT"};
    return !final_states.count(state);
}

std::string slurm_states_line(const std::map<std::string, int>& counts) {
    const char* const order[] = {"PENDING", "RUNNING", "COMPLETING", "COMPLETED", "FAILED"};
    std::string s;
    auto add = [&](const std::string& state, int n) {
        if (!s.empty()) s += ", ";
        s += std::to_string(n);
        s += ' ';
        s += state;
    };
    for (const char* st : order)
        if (auto it = counts.find(st); it != counts.end()) add(st, it->second);
    for (const auto& [st, n] : counts)
        if (std::find(std::begin(order), std::end(order), st) == std::end(order)) add(st, n);
    return s.empty() ? "no tasks" : s;
}

}  // namespace dfsim
