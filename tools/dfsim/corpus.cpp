// `dfsim corpus`: the timing corpus (study/timing_corpus.h): random layers and the layers of real
// networks, each on every dataflow, simulated in both timing models on the same mapping and data;
// prints the pass/cycle and estimate/cycle tables per dataflow and the worst cases.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>

#include "base/atomic_file.h"
#include "base/version.h"
#include "base/workers.h"
#include "report/provenance.h"
#include "study/compare.h"
#include "study/timing_corpus.h"
#include "tools/dfsim/cli.h"

namespace dfsim::cli {

namespace {

struct CorpusCli {
    std::string arch = "configs/arch/eyeriss.yaml", energy = "configs/energy/45nm.yaml";
    std::string networks = "alexnet,vgg16,mobilenet_v1", dataflows = "ws,os-a,os-b,os-c,nlr,rs";
    std::string objective = "energy", json, layers;
    int random = 200, jobs = usable_cores();
    int worst = 10;
    uint64_t seed = 1;
    bool quiet = false;
    CLI::Option* energy_opt = nullptr;
};

std::vector<std::string> split_commas(const std::string& s) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string v; std::getline(ss, v, ',');)
        if (!v.empty()) out.push_back(v);
    return out;
}

// A network by name (workloads/NAME.yaml) or by the path of its workload file.
std::string network_file(const std::string& name) {
    const bool path = name.find('/') != std::string::npos || name.find('.') != std::string::npos;
    return data_path(path ? name : "workloads/" + name + ".yaml");
}

std::vector<CorpusCase> build_cases(const CorpusCli& o, const std::vector<std::string>& dataflows) {
    std::vector<CorpusCase> cases = corpus_cases("random", random_layers(o.random, o.seed), dataflows);
    if (o.networks != "none")
        for (const std::string& n : split_commas(o.networks)) {
            const std::string file = network_file(n);
            const std::string set = load_network(file).name;
            for (CorpusCase& c : corpus_cases(set, network_layers(file), dataflows)) cases.push_back(std::move(c));
        }
    if (o.layers.empty()) return cases;
    const std::vector<std::string> keep = split_commas(o.layers);
    std::vector<CorpusCase> kept;
    for (CorpusCase& c : cases)
        if (std::find(keep.begin(), keep.end(), c.layer.name) != keep.end()) kept.push_back(std::move(c));
    if (kept.empty()) throw UserError("--layers " + o.layers + ": no case of the corpus has such a layer");
    return kept;
}

// One progress line a case on stderr, with an estimate of the time left.
std::function<void(int, int)> progress_lines() {
    const auto t0 = std::chrono::steady_clock::now();
    return [t0](int done, int total) {
        const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
        char line[128];
        std::snprintf(line, sizeof line, "dfsim corpus: %d/%d cases, %.0f s, ETA %.0f s\n", done, total, el,
                      done > 0 ? el / done * (total - done) : 0.0);
        std::cerr << line << std::flush;
    };
}

// The corpus's provenance (report/provenance.h): batch 0 (each case its own), the workload the
// random layers and the networks, the timing the three models it compares.
Provenance corpus_provenance(const CorpusCli& o, const ArchParams& a, const EnergyTable& t,
                             const std::vector<std::string>& dataflows) {
    Provenance p;
    p.version = dfsim_version();
    p.commit = dfsim_git_commit();
    p.command = command_line();
    p.seed = o.seed;
    p.timing = "pass,cycle,estimate";
    p.objective = o.objective;
    p.batch = 0;
    p.layers = o.layers.empty() ? "all" : o.layers;
    p.workload =
        std::to_string(o.random) + " random layers (seed " + std::to_string(o.seed) + "), networks " + o.networks;
    set_arch_and_table(p, a, t);
    p.dataflows = dataflows;
    return p;
}

int run(const CorpusCli& o) {
    check_outputs({{"--json", o.json}});
    const ArchParams a = load_cli_arch(o.arch);
    const EnergyTable t =
        load_energy_table(o.energy_opt->count() == 0 && !a.energy_table.empty() ? a.energy_table : data_path(o.energy));
    const std::vector<std::string> dataflows = parse_dataflow_list(o.dataflows);
    const Objective obj = parse_objective(o.objective);
    const std::vector<CorpusCase> cases = build_cases(o, dataflows);
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<CaseResult> results = run_corpus(cases, a, t, obj, o.jobs, o.quiet ? nullptr : progress_lines());
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    std::cout << "dfsim corpus: " << cases.size() << " cases (" << o.random << " random layers, seed " << o.seed
              << "; networks: " << o.networks << ") on " << a.name << ", objective " << o.objective << ", " << o.jobs
              << " jobs, " << static_cast<long long>(wall + 0.5) << " s\n";
    const Provenance prov = corpus_provenance(o, a, t, dataflows);
    std::cout << provenance_line(prov) << "\n";
    print_corpus(std::cout, results, static_cast<size_t>(o.worst));
    if (!o.json.empty()) {
        nlohmann::json j = corpus_json(results);
        j["provenance"] = provenance_json(prov);
        write_file_atomic(o.json, j.dump(1) + "\n");
    }
    bool wrong = false;
    for (const CaseResult& r : results)
        wrong |= r.failed() || (r.ran() && (!r.exact() || !r.count_differences.empty()));
    return wrong ? kExitMismatch : kExitOk;
}

}  // namespace

Command add_corpus_command(CLI::App& parent) {
    auto o = std::make_shared<CorpusCli>();
    CLI::App* app = parent.add_subcommand(
        "corpus", "timing corpus: pass-level and estimated cycles against the cycle-level engine's, per dataflow");
    app->add_option("--random", o->random, "random layers")->capture_default_str()->check(CLI::Range(0, 100000));
    app->add_option("--seed", o->seed, "seed of the random layers")->capture_default_str();
    app->add_option("--networks", o->networks,
                    "networks (workloads/NAME.yaml or a workload file), comma-separated, or none")
        ->capture_default_str();
    app->add_option("--dataflows,--dataflow", o->dataflows,
                    "comma-separated dataflows, one or several (--dataflow is the same option)")
        ->capture_default_str();
    app->add_option("--arch", o->arch, "architecture YAML")->capture_default_str();
    o->energy_opt = app->add_option("--energy", o->energy,
                                    "energy table YAML (default: the architecture's energy_table, else this)")
                        ->capture_default_str();
    app->add_option("--objective", o->objective, "mapper objective: energy, cycles or edp")->capture_default_str();
    app->add_option("--jobs", o->jobs, "worker processes (default: the cores it may run on, its CPU affinity)")
        ->capture_default_str()
        ->check(CLI::Range(1, 1024));
    app->add_flag("--quiet,-q", o->quiet, "no progress lines on stderr");
    app->add_option("--worst", o->worst, "worst cases listed")->capture_default_str()->check(CLI::Range(0, 100000));
    app->add_option("--json", o->json, "write every case and the summaries to this JSON file");
    app->add_option("--layers", o->layers, "only the cases of these layers (comma-separated names: r007, CONV3, ...)");
    return {app, [o] { return run(*o); }};
}

}  // namespace dfsim::cli
