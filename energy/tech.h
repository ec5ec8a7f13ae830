// Technology scaling: energy per operation and area from one CMOS node to another, by the
// polynomial fits of A. Stillmaker and B. Baas, "Scaling equations for the accurate prediction of
// CMOS device performance from 180 nm to 7 nm", Integration, the VLSI Journal 58, 2017
// (doi:10.1016/j.vlsi.2017.02.002). docs/energy.md gives the coefficients and what is scaled.
#pragma once
#include <string>

#include "config/energy_table.h"

namespace dfsim {

// Energy per operation at `node_nm` and supply `vdd` relative to 45 nm at 1.0 V (the paper's
// polynomial a vdd^2 + b vdd + c of the node, divided by 45 nm's at 1.0 V). Between two tabulated
// nodes the factor is interpolated linearly in log(node) and log(factor).
double energy_factor(int node_nm, double vdd);
// Area at `to_nm` per unit area at `from_nm` (the paper's area table; interpolated as above).
double area_factor(int from_nm, int to_nm);
// The supply dfsim assumes for a node when none is given (typical core supplies; an assumption).
double nominal_vdd(int node_nm);
// Whether node_nm lies within the tabulated range.
bool tech_node_supported(int node_nm);

// The table at another node and supply: every on-chip energy (levels but DRAM, ALU, clock) x
// energy_factor(to) / energy_factor(from); areas x area_factor; the NoC's reference span x
// sqrt(area_factor) (wires shrink with the layout); DRAM per-access energy and leakage per mm^2
// unchanged (DRAM is another chip; leakage density is kept, an approximation).
EnergyTable scale_table(const EnergyTable& t, int node_nm, double vdd);
// "45 nm, 0.9 V", or "28 nm, 0.90 V (scaled from 45 nm)" for a table scale_table made.
std::string technology_text(const EnergyTable& t);
// The table in `path`, scaled to `tech` ("NODE" or "NODE@VDD"; "": as written). A bad value is a
// ConfigError naming `what` (the option or field it came from).
EnergyTable load_energy_table_at(const std::string& path, const std::string& tech, const std::string& what);
// Parses "--tech" values: "NODE" or "NODE@VDD" (e.g. "28", "7@0.65"); throws UsageError-like
// std::invalid_argument with the reason.
void parse_tech(const std::string& text, int& node_nm, double& vdd);

}  // namespace dfsim
