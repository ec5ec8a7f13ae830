// Plots of a design-space sweep (dfsim sweep): energy, cycles and utilization against the PE
// count, the Pareto front of energy against latency, and the energy by storage level of every
// point, rendered with gnuplot.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "base/types.h"

namespace dfsim {

// The unit a plot shows energies in, chosen from the largest: with a pJ table mJ, uJ, nJ or pJ
// (the largest unit whose value is at least 1), with a normalized table MAC-equivalents, in
// thousands, millions or billions. A value shown is value / divisor.
struct EnergyScale {
    double divisor = 1;
    std::string unit;  // "uJ", "million MAC-equivalents", ...
};
EnergyScale energy_scale(double largest, EnergyUnit unit);

// The second line of every sweep plot's title, from a results.json document (study/sweep.h):
// "alexnet, layers CONV1,CONV2, batch 1, base eyeriss 12x14 PEs, energy 45nm-horowitz (pJ),
// timing pass (pass-level model)"; the parts the document lacks are left out.
std::string sweep_plot_context(const nlohmann::json& results);

// Plots of a finished sweep (its results.json document) into out_dir (PNG and SVG, with their
// .dat and .gp): energy_vs_pes, cycles_vs_pes and utilization_vs_pes (one line per dataflow and
// combination of the other settings, over the PE count, ticked at the points' arrays), pareto
// (energy per inference against latency, every point, the points no other beats in both joined
// and labelled) and energy_breakdown (each point's energy per MAC by storage level and ALU,
// stacked). Throws PlotError.
void write_sweep_plots(const nlohmann::json& results, const std::string& out_dir);

}  // namespace dfsim
