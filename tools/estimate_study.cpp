// How well a dataflow's analytical model ranks mappings, measured against the simulator: for each
// layer and PE array, the mapper's first candidates by estimated energy (and a fixed sample of
// the legal ones) are simulated, and the tool prints how far the estimated cycles are from the
// simulated ones and how much more energy the model's first choice takes in simulation than the
// best of those candidates (docs/dataflows.md, "The mapper's search"). A developer's helper, not
// part of `dfsim`: it simulates a few dozen mappings a layer.
//
//   build/dfsim_estimate_study --workload workloads/alexnet.yaml --arrays 12x14,16x16,32x32
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstdio>
#include <iostream>

#include <sstream>
#include <systemc>  // declares sc_main, which SystemC calls

#include "base/error.h"
#include "config/arch.h"
#include "config/energy_table.h"
#include "sim/simulator.h"
#include "workload/layer.h"

using namespace dfsim;

namespace {

struct Figures {
    double first_log = 0, sample_log = 0, regret = 0;  // mean |log est/sim cycles|; energy over the best
};

// The candidates of least bound energy (up to `pool`) are estimated in full; the first `top` by
// estimated energy are simulated, and every 40th of the pool by bound energy (the fixed sample).
// With `verbose`, each of the first `top` is printed: its mapping, estimated and simulated cycles
// and energy.
Figures study(const Dataflow& df, const Layer& l, const ArchParams& a, const EnergyTable& t, int top, size_t pool,
              bool verbose) {
    std::vector<std::pair<double, std::unique_ptr<Mapping>>> c;
    df.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> m) {
        if (df.check_mapping(l, a, *m).empty()) c.emplace_back(df.bound(l, a, t, *m).energy, std::move(m));
    });
    if (c.empty()) throw UserError(l.name + ": no legal mapping on " + a.name);
    std::stable_sort(c.begin(), c.end(), [](const auto& x, const auto& y) { return x.first < y.first; });
    if (c.size() > pool) c.resize(pool);
    std::vector<std::pair<Estimate, const Mapping*>> e;
    for (const auto& [b, m] : c) e.emplace_back(df.estimate(l, a, t, *m), m.get());
    std::stable_sort(e.begin(), e.end(), [](const auto& x, const auto& y) { return x.first.energy < y.first.energy; });
    const LayerData d = make_layer_data(l);
    const auto log_error = [&](const Estimate& x, const Mapping& m, double* energy) {
        const LayerResult r = simulate_mapped(l, a, t, df, m, d, false);
        if (energy) *energy = r.energy.total();
        if (energy && verbose)
            std::printf("  %-70s cycles est %9llu sim %9llu (%.3f)  energy est %.4g sim %.4g\n", m.summary().c_str(),
                        static_cast<unsigned long long>(x.cycles), static_cast<unsigned long long>(r.cycles),
                        static_cast<double>(x.cycles) / static_cast<double>(r.cycles), x.energy, r.energy.total());
        return std::abs(std::log(static_cast<double>(x.cycles) / static_cast<double>(r.cycles)));
    };
    Figures f;
    double first = 0, best = 0;
    const int n = std::min<int>(top, static_cast<int>(e.size()));
    for (int i = 0; i < n; ++i) {
        double energy = 0;
        f.first_log += log_error(e[static_cast<size_t>(i)].first, *e[static_cast<size_t>(i)].second, &energy) / n;
        if (i == 0) first = best = energy;
        best = std::min(best, energy);
    }
    f.regret = first / best - 1;
    int samples = 0;
    for (size_t i = 0; i < c.size(); i += 40, ++samples)
        f.sample_log += log_error(df.estimate(l, a, t, *c[i].second), *c[i].second, nullptr);
    f.sample_log /= samples;
    return f;
}

}  // namespace

// Called by SystemC from main() below (each simulation makes its own context).
int sc_main(int argc, char** argv) {
    CLI::App app{"the analytical model's ranking of mappings against the simulator (docs/dataflows.md)"};
    std::string dataflow = "rs", workload = "workloads/alexnet.yaml", arch_file = "configs/arch/eyeriss.yaml",
                energy_file = "configs/energy/45nm.yaml", arrays = "12x14,16x16,32x32", layers;
    int top = 10;
    bool verbose = false;
    app.add_option("--dataflow", dataflow, "dataflow")->capture_default_str();
    app.add_option("--workload", workload, "workload YAML")->capture_default_str();
    app.add_option("--arch", arch_file, "architecture YAML")->capture_default_str();
    app.add_option("--energy", energy_file, "energy table YAML")->capture_default_str();
    app.add_option("--arrays", arrays, "PE arrays ROWSxCOLS, comma-separated")->capture_default_str();
    app.add_option("--layers", layers, "only these layers (comma-separated names)");
    app.add_option("--top", top, "candidates simulated from the head of the ranking")->capture_default_str();
    app.add_flag("--verbose", verbose, "print each of the first candidates: mapping, cycles and energy");
    CLI11_PARSE(app, argc, argv);
    try {
        const Dataflow& df = find_dataflow(dataflow);
        const ArchParams base = load_arch(arch_file);
        const EnergyTable t = load_energy_table(energy_file);
        const Network net = load_network(workload);
        Figures sum;
        int n = 0;
        std::istringstream list(arrays);
        for (std::string rc; std::getline(list, rc, ',');) {
            ArchParams a = base.for_dataflow(dataflow);
            if (std::sscanf(rc.c_str(), "%dx%d", &a.rows, &a.cols) != 2 || a.rows < 1 || a.cols < 1)
                throw UserError("--arrays: expected ROWSxCOLS, got '" + rc + "'");
            for (const Layer& l : net.layers) {
                if (l.on_host() ||
                    (!layers.empty() && ("," + layers + ",").find("," + l.name + ",") == std::string::npos))
                    continue;
                const Figures f = study(df, l, a, t, top, 400, verbose);
                std::printf("%-8s %-7s first %d: mean|log est/sim cycles| %.4f  fixed sample: %.4f  regret %.2f%%\n",
                            l.name.c_str(), rc.c_str(), top, f.first_log, f.sample_log, 100 * f.regret);
                sum.first_log += f.first_log, sum.sample_log += f.sample_log, sum.regret += f.regret, ++n;
            }
        }
        if (n == 0) throw UserError("--layers: no accelerator layer of " + workload + " selected");
        std::printf("mean over %d: first %d %.4f, fixed sample %.4f, regret %.2f%%\n", n, top, sum.first_log / n,
                    sum.sample_log / n, 100 * sum.regret / n);
        return 0;
    } catch (const UserError& e) {
        std::cerr << "dfsim_estimate_study: " << e.what() << "\n";
        return 2;
    }
}

int main(int argc, char** argv) {
    setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 0);  // no banner before the figures
    return sc_core::sc_elab_and_sim(argc, argv);
}
