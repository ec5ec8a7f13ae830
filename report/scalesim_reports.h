// SCALE-Sim's per-layer reports (A. Samajdar et al., "SCALE-Sim: Systolic CNN Accelerator
// Simulator", arXiv:1811.02883; SCALE-Sim v2, scalesim/simulator.py generate_reports and
// scalesim/single_layer_sim.py), written from a dfsim run so that its figures sit beside
// SCALE-Sim's own: COMPUTE_REPORT.csv, BANDWIDTH_REPORT.csv and DETAILED_ACCESS_REPORT.csv, with
// SCALE-Sim's header lines and row layout ("LayerID, v1, v2, ...,"; reals as Python prints them).
// docs/report.md#scale-sim-reports gives each column's meaning in dfsim and how it differs.
#pragma once
#include <string>

#include "sim/simulator.h"

namespace dfsim {

// The three reports' text: one row per layer the accelerator ran (host layers have none), LayerID
// counting them from 0 in the run's order.
struct ScaleSimReports {
    std::string compute, bandwidth, detailed;
};
ScaleSimReports scalesim_reports(const NetworkResult& r);

// The reports' header lines, as SCALE-Sim writes them.
extern const char* const kScaleSimComputeHeader;
extern const char* const kScaleSimBandwidthHeader;
extern const char* const kScaleSimDetailedHeader;

// Writes DIR/COMPUTE_REPORT.csv, DIR/BANDWIDTH_REPORT.csv and DIR/DETAILED_ACCESS_REPORT.csv,
// each atomically (base/atomic_file.h), creating DIR if missing. Throws IoError.
void write_scalesim_reports(const NetworkResult& r, const std::string& dir);

// A real number as Python's str() prints it (the shortest digits that read back, fixed notation
// for exponents -4..15, else 1.5e-05 / 1e+16; always a '.' or an 'e'): how SCALE-Sim's rows
// write their reals.
std::string python_float(double x);

}  // namespace dfsim
