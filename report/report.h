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
std::string format_table(const NetworkResult& r, const Provenance* prov = nullptr);
// "mapper: N layers mapped (H from the mapping cache), ...": what the mapper's searches did
// (the run table's line; dfsim bench prints it too).
std::string mapper_line(const MapperStats& m);
nlohmann::json to_json(const NetworkResult& r, const Provenance* prov = nullptr);
nlohmann::json arch_to_json(const ArchParams& a);
std::string to_csv(const NetworkResult& r, const Provenance* prov = nullptr);
// "28.902 ms for a batch of 1: 28.902 ms/image, 34.60 inferences/s" at the architecture's clock.
std::string latency_text(const NetworkResult& r);

}  // namespace dfsim
