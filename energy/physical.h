// The physical side of the cost model: the area of an architecture, the per-access energy that
// depends on the size of what is accessed (register files by capacity, the on-chip network by the
// wire it spans), and the energy spent whatever the datapath does (leakage, clock). Figures come
// from the energy table (config/energy_table.h); docs/energy.md gives the sources and the fits.
#pragma once
#include <array>
#include <cstdint>
#include <string>

#include "base/types.h"
#include "config/arch.h"
#include "config/energy_table.h"

namespace dfsim {

// Bytes of each PE register file (ifmap, filter, psum spads): spad_bits (config/arch.h) / 8.
std::array<double, kNumDataTypes> rf_bytes(const ArchParams& a);

// Area by component (mm^2); all PEs together where it is per PE.
struct AreaBreakdown {
    double datapath = 0;  // multipliers of every kind the PE has, and its accumulator
    std::array<double, kNumDataTypes> rf{};  // register files by data type
    double glb = 0;
    double other = 0;  // control, pipeline registers, NoC and clock tree (pe_other_um2 per PE)
    double pe_um2 = 0;  // one PE: datapath, register files and its other share
    std::string source = "model";  // "model", or the ART whose areas these are
    double storage() const { return rf[0] + rf[1] + rf[2] + glb; }
    double total() const { return datapath + storage() + other; }
};
AreaBreakdown area_of(const ArchParams& a, const AreaFigures& f);
// Area (mm^2) of a global buffer of `bytes` in a's banks.
double glb_area_mm2(const ArchParams& a, const AreaFigures& f, double bytes);

// The wire a network delivery runs on (mm): a Y-bus down the rows and an X-bus along a row, at
// the PE pitch sqrt(PE area).
double noc_span_mm(const ArchParams& a, const AreaFigures& f);
double noc_span_mm(const ArchParams& a, const AreaBreakdown& area);  // area: area_of(a, f)

// What multiplies the table's per-access figures on an architecture: per register file (by data
// type), the network, and the buffer's size for the table's GLB power law.
struct AccessScale {
    std::array<double, kNumDataTypes> rf{1.0, 1.0, 1.0};
    double noc = 1.0;
    double glb_bytes = 0;
};
AccessScale access_scale(const ArchParams& a, const EnergyTable& t);
// The same with a's area given (area_of(a, t.area); read only with t.sizes.noc).
AccessScale access_scale(const ArchParams& a, const EnergyTable& t, const AreaBreakdown& area);

// Energy spent over `cycles` whatever the datapath does (table units): leakage of the area model
// (mW/mm^2 x mm^2 x time) and the clock tree and control (per mm^2 of it per cycle: a clock tree's
// load grows with the registers and wires it reaches, taken as its area). None without an area model.
struct StaticEnergy {
    double leakage = 0, clock = 0;
    double total() const { return leakage + clock; }
};
StaticEnergy static_energy(const ArchParams& a, const EnergyTable& t, uint64_t cycles);
// The same with a's area given (area_of(a, t.area); read only with t.area.present).
StaticEnergy static_energy(const ArchParams& a, const EnergyTable& t, uint64_t cycles, const AreaBreakdown& area);

}  // namespace dfsim
