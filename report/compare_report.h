// Writers of a comparison (dfsim compare): text table, JSON, CSV (fields in docs/report.md) and
// gnuplot bar charts of energy per MAC by storage level and by data type, and of latency and EDP.
// Each accelerator layer, each layer group's subtotal (the layers of one type: CONV, FC, ...) and
// the total are ranked by energy per MAC, with the ratio to the lowest; host layers (pool, add,
// concat: not simulated, no energy) are listed once, apart, and never ranked or charted.
#pragma once
#include <nlohmann/json.hpp>

#include <string>
#include <utility>
#include <vector>

#include "report/provenance.h"
#include "sim/simulator.h"

namespace dfsim {

// With `prov`, each carries it (report/provenance.h): the text's second header line, the JSON's
// "provenance" object, the CSV's provenance columns, the charts' second title line.
// The table fits 120 columns with the default dataflows; `wide` adds the energy by data type and
// the DRAM accesses per MAC.
std::string format_compare_table(const CompareResult& c, const Provenance* prov = nullptr, bool wide = false);
// One line per layer group, and for the total when there are several groups: "CONV: rs is best,
// 6.47 pJ/MAC, 1.30x better than ws (next best); also the fewest cycles". Empty without an
// accelerator layer.
std::vector<std::string> compare_verdicts(const CompareResult& c);
nlohmann::json compare_to_json(const CompareResult& c, const Provenance* prov = nullptr);
std::string compare_to_csv(const CompareResult& c, const Provenance* prov = nullptr);
// The timing model of the runs, as timing_name() names it (they share one: run_compare gives
// every run the same options).
std::string compare_timing(const CompareResult& c);

// The charts write_compare_plots writes: file base name and caption.
const std::vector<std::pair<std::string, std::string>>& compare_chart_names();

// Writes into out_dir (created if needed) energy_by_level.{dat,gp,png,svg},
// energy_by_type.{dat,gp,png,svg} (stacked bars of energy per MAC) and latency_edp.{dat,gp,png,svg}
// (latency and energy-delay product): one panel per layer group (its layers, one bar per
// dataflow, and its subtotal) and one for the total, each with its own y axis; the best bar of
// each layer outlined; host layers left out. The .gp scripts re-render from the .dat files when
// run in out_dir (`gnuplot energy_by_level.gp`). Images are rendered to temporary names and
// renamed only when gnuplot succeeded; throws PlotError naming the command otherwise.
void write_compare_plots(const CompareResult& c, const std::string& out_dir, const Provenance* prov = nullptr);

}  // namespace dfsim
