// Plots of a design-space sweep (dfsim sweep): energy, cycles and utilization against the PE
// count, and the Pareto front of energy against latency, rendered with gnuplot.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

namespace dfsim {

// Plots of a finished sweep's rows into out_dir (PNG and SVG, with their .dat and .gp):
// energy_vs_pes, cycles_vs_pes and utilization_vs_pes (one line per dataflow and combination
// of the other settings, over the PE count) and pareto (energy per inference against latency,
// every point, with the points no other beats in both). Throws PlotError.
void write_sweep_plots(const nlohmann::json& rows, const std::string& out_dir);

}  // namespace dfsim
