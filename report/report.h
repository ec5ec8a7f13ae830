// Report back-ends over the same results: a text table for the terminal, JSON (the stable
// contract documented in docs/report.md) and CSV.
#pragma once
#include <nlohmann/json.hpp>

#include <string>

#include "sim/simulator.h"

namespace dfsim {

std::string format_table(const NetworkResult& r);
nlohmann::json to_json(const NetworkResult& r);
nlohmann::json arch_to_json(const ArchParams& a);
std::string to_csv(const NetworkResult& r);

}  // namespace dfsim
