// The identities a layer's result must keep, checked after every layer is simulated or
// estimated (cheap: a few sums): a violation is a bug in dfsim, never the user's input, and is
// an InternalError (exit code 3) instead of a silent wrong number.
//   energy     by level and by data type, each plus ALU, sums to the total (no NaN or
//              infinity); every entry >= 0; and it is the counts times the table (again)
//   MACs       every MAC slot of the layer's shape is counted (N*M*E*F*C/G*R*S), gated slots
//              among them, skipped slots among the gated
//   storage    the global buffer's bytes in use never exceed its capacity
//   RF reads   (simulated, where the dataflow has register files, MAC datapath) each slot reads
//              its ifmap word from the RF, and each non-gated slot its filter word
#pragma once
#include "config/arch.h"
#include "config/energy_table.h"
#include "sim/simulator.h"

namespace dfsim {

// `a` is the architecture the layer ran on (the dataflow's), `t` the table its energy came from,
// `simulated` whether the counts are the simulation's (the analytical model's are estimates,
// held only to the energy, MAC and storage identities).
void check_result_identities(const LayerResult& r, const ArchParams& a, const EnergyTable& t, bool simulated);

}  // namespace dfsim
