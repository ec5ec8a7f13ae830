// The speed benchmark: simulated MACs and cycles per second of wall time for a network, and
// the time of a plain reference convolution of the same layers, in the same run.
#pragma once
#include <ostream>

#include "config/arch.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "dataflows/dataflow.h"
#include "report/provenance.h"

namespace dfsim {

struct BenchResult {
    uint64_t macs = 0, cycles = 0;
    uint64_t passes = 0, passes_reused = 0;  // array passes, and those timed by an earlier one's schedule
    double map_seconds = 0, sim_seconds = 0, ref_seconds = 0;
    MapperStats mapper;  // what the mapper's searches did
};

// Each accelerator layer prepared as `dfsim run` prepares it (sim/simulator.h prepare(): the
// dataflow's storage, word width, calibration; synthetic data at seed 0, the energy objective),
// then simulated without the check, and its reference convolution timed separately. The report
// on `out` opens with its header line and, given `prov`, the provenance line (provenance_line).
BenchResult run_bench(const Network& net, const ArchParams& a, const EnergyTable& t, const std::string& dataflow,
                      std::ostream& out, Timing timing = Timing::Pass, const Provenance* prov = nullptr);

}  // namespace dfsim
