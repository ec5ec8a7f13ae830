// Report back-ends over the same results: a text table for the terminal, JSON (the stable
// contract documented in docs/report.md) and CSV.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "sim/simulator.h"

namespace dfsim {

std::string format_table(const NetworkResult& r);
// "mapper: N layers mapped (H from the mapping cache), ...": what the mapper's searches did
// (the run table's line; dfsim bench prints it too).
std::string mapper_line(const MapperStats& m);
nlohmann::json to_json(const NetworkResult& r);
nlohmann::json arch_to_json(const ArchParams& a);
std::string to_csv(const NetworkResult& r);

}  // namespace dfsim
