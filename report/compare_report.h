// Writers of a comparison (dfsim compare): text table, JSON, CSV (fields in docs/report.md) and
// gnuplot bar charts of energy per MAC by storage level and by data type, with the ratio to the
// most energy-efficient run of each layer.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "report/provenance.h"
#include "sim/simulator.h"

namespace dfsim {

// With `prov`, each carries it (report/provenance.h): the text's second header line, the JSON's
// "provenance" object, the CSV's provenance columns, the charts' second title line.
std::string format_compare_table(const CompareResult& c, const Provenance* prov = nullptr);
nlohmann::json compare_to_json(const CompareResult& c, const Provenance* prov = nullptr);
std::string compare_to_csv(const CompareResult& c, const Provenance* prov = nullptr);
// The timing model of the runs, as timing_name() names it (they share one: run_compare gives
// every run the same options).
std::string compare_timing(const CompareResult& c);

// Writes into out_dir (created if needed) energy_by_level.{dat,gp,png,svg} and
// energy_by_type.{dat,gp,png,svg}: stacked bars of energy per MAC, one bar per dataflow, one
// group per layer plus the total. The .gp scripts re-render from the .dat files when run in
// out_dir (`gnuplot energy_by_level.gp`). Images are rendered to temporary names and renamed
// only when gnuplot succeeded; throws PlotError naming the command otherwise.
void write_compare_plots(const CompareResult& c, const std::string& out_dir, const Provenance* prov = nullptr);

}  // namespace dfsim
