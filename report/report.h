// Report back-ends over the same results: a text table for the terminal, JSON (the stable
// contract documented in docs/report.md) and CSV.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "report/provenance.h"
#include "sim/simulator.h"

namespace dfsim {

// With `prov`, each report carries it: the text's second header line, the JSON's "provenance"
// object, the CSV's provenance columns (report/provenance.h; docs/report.md).
// The default table fits 120 columns (energy by level, not by data type; no gated MACs): `wide`
// adds the columns it leaves out (docs/report.md, "Text table").
std::string format_table(const NetworkResult& r, const Provenance* prov = nullptr, bool wide = false);
// The same text in three parts, so that dfsim run can print each layer's row as it finishes:
// format_table is head + a row per layer + tail. `head` is network_result()'s (no layers yet);
// name_width is the layer column's, table_name_width() of the layers' names.
size_t table_name_width(const std::vector<std::string>& layer_names);
std::string format_table_head(const NetworkResult& head, size_t name_width, const Provenance* prov, bool wide);
std::string format_table_row(const NetworkResult& r, const LayerResult& l, size_t name_width, bool wide);
std::string format_table_tail(const NetworkResult& r, size_t name_width, bool wide);
// "mapper: N layers mapped (H from the mapping cache) in S s of host time, ...": what the mapper's
// searches did and how long they took, on two lines (the second indented), no final newline (the
// run table's line; dfsim bench prints it too).
std::string mapper_line(const MapperStats& m);
// The same on one line, shorter: "5 layers mapped (0 cached) in 0.051 s of host time, 45273
// candidates (116 illegal), 290 estimated, 44867 pruned" (compare's footer, a line per dataflow;
// "estimated": in full).
std::string mapper_summary(const MapperStats& m);
// The JSON reports' "mapper" object (docs/report.md, "mapper"): run's top level, compare's runs[].
nlohmann::json mapper_json(const MapperStats& m);
nlohmann::json to_json(const NetworkResult& r, const Provenance* prov = nullptr);
nlohmann::json arch_to_json(const ArchParams& a);
std::string to_csv(const NetworkResult& r, const Provenance* prov = nullptr);
// "28.902 ms for a batch of 1: 28.902 ms/image, 34.60 inferences/s" at the architecture's clock.
std::string latency_text(const NetworkResult& r);
// "power P mW on chip (Q mW with DRAM), E GMAC/s/W (T TOPS/W), G GMAC/s, A mm^2; X uJ per inference
// (static: ...)" for a pJ table, "" with a normalized one.
std::string power_text(const NetworkResult& r);

}  // namespace dfsim
