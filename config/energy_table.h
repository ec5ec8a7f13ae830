// Per-action energy costs, loaded from configs/energy/*.yaml. Hardware never sees this; the
// energy model (energy/energy) multiplies counts by these figures once, at the end.
#pragma once
#include <array>
#include <cmath>
#include <string>
#include <vector>

#include "base/types.h"

namespace dfsim {

struct LevelCost {
    double read = 0;  // energy per read of `reference_bits` bits (table unit)
    double write = 0;  // energy per write of `reference_bits` bits
    int reference_bits = 32;  // access width the figures are quoted for
};

// The process the figures are quoted at (Stillmaker and Baas, "Scaling equations for the accurate
// prediction of CMOS device performance from 180 nm to 7 nm", Integration 58, 2017: energy per
// operation and area by node and supply; energy/tech.h).
struct Technology {
    int node_nm = 45;
    double vdd = 1.0;  // volts
};

// Size-aware per-access energy of the PE register files and the on-chip network (energy/physical.h).
// A register file of C bytes costs the rf figure x (max(C, rf_min_bytes) / rf_reference_bytes)^rf_size_exponent;
// a NoC word costs the noc figure x ((1 - noc_wire_share) + noc_wire_share x span / noc_reference_span_mm),
// span being the wire a delivery runs on (a Y-bus down the rows plus an X-bus along the columns).
struct SizeModel {
    bool rf = false;
    double rf_reference_bytes = 512, rf_size_exponent = 0.5, rf_min_bytes = 32;
    bool noc = false;
    double noc_wire_share = 0.5, noc_reference_span_mm = 1.0;
};

// Area figures at the table's node (um^2), energy/physical.h. A storage array of b bits takes
// sram_bit_um2 x b + sram_periphery_um2 x sqrt(b) (cells, plus decoders and sense amplifiers that grow
// with its side); a multiplier of wb x ab bits with a p-bit accumulator full_adder_um2 x (wb x ab + p).
// Areas given per component (an Accelergy ART, config/accelergy.h), used as given in place of the
// model's: they do not follow the architecture's sizes, except that per-PE entries count once per PE.
struct GivenArea {
    bool present = false;
    std::string source;  // the ART file
    double glb_um2 = 0;  // the global buffer(s)
    double chip_other_um2 = 0;  // components outside the PEs other than the GLB and DRAM (networks, ...)
    std::array<double, kNumDataTypes> spad_um2{};  // per PE, by data type
    double datapath_um2 = 0;  // per PE: multipliers and accumulators
    double pe_other_um2 = 0;  // per PE: anything else
};

struct AreaFigures {
    bool present = false;
    GivenArea given;  // present: these areas, not the figures below
    double full_adder_um2 = 0, sram_bit_um2 = 0, sram_periphery_um2 = 0;
    double pe_other_um2 = 0;  // per PE: control, pipeline registers, its share of the NoC and clock tree
    // One storage array of `bits` bits (um^2).
    double storage_um2(double bits) const {
        return bits <= 0 ? 0.0 : sram_bit_um2 * bits + sram_periphery_um2 * std::sqrt(bits);
    }
};

// Energy that is spent whether or not the datapath works: leakage and the clock tree and control,
// both per mm^2 of the area model (the clock per cycle).
struct StaticFigures {
    double leakage_mw_per_mm2 = 0;
    double clock_per_mm2_cycle = 0;  // table unit
};

struct EnergyTable {
    std::string name;
    std::string file;
    EnergyUnit unit = EnergyUnit::Pj;  // pJ | normalized (multiples of one MAC)
    bool scale_with_width = true;  // per-access energy x (bits moved / reference_bits)
    LevelCost level[kNumLevels];
    // GLB energy scales with its size as (size / glb_reference_kb)^glb_size_exponent.
    double glb_reference_kb = 32;
    double glb_size_exponent = 0;
    double mac = 0;  // one MAC at 8 x 8 bits (multiply + 32-bit accumulate)
    double add = 0;  // one psum accumulation (32-bit add); scales linearly with the psum width
    // The multiplier's part of `mac`: scales with (weight bits x ifmap bits) / 64 (multiply ~
    // quadratic); the rest of `mac` is the accumulate, linear in psum bits / 32. Default: all of mac.
    double multiply = -1;
    // LUT multiplier: one read of a table of `lut_reference_entries` entries; a table of n entries
    // costs lut_read x (n / reference)^lut_size_exponent. lut_write: one entry written at load.
    double lut_read = -1, lut_write = -1;
    double lut_reference_entries = 16, lut_size_exponent = 0.5;
    double xnor_popcount = -1;  // XNOR + popcount over 64 operand pairs (scales linearly with the pairs)
    Technology tech;
    SizeModel sizes;
    AreaFigures area;
    StaticFigures statics;
    // The node this table was scaled from by --tech (0: used as written), for the report.
    int scaled_from_nm = 0;
    // "size-aware" when register files or the network scale with their size, else "fixed".
    std::string model() const;
    // Every figure the costs depend on, in a fixed order (the mapping and result keys).
    std::vector<double> figures() const;
    // An operand latched in a PE's operand (pipeline) register for one MAC (ActionCounts::opreg_*):
    // `write` per word of `reference_bits` bits, scaled with the width as the levels are. The YAML
    // section `operand_register` is optional; a table without it charges these as RF writes (the
    // rf level's write figure and width), as dfsim did before it counted them apart.
    double opreg_write = -1;
    int opreg_reference_bits = 32;
    double opreg_write_energy(int bits) const {
        return scale_with_width ? opreg_write * static_cast<double>(bits) / opreg_reference_bits : opreg_write;
    }
    // ALU energy of one active slot (operands of wb and ab bits, psum of pb bits) for a MAC.
    double mac_energy(int wb, int ab, int pb) const;
    double accumulate(int pb) const { return add * pb / 32.0; }
    double lut_read_energy(uint64_t entries) const;

    const LevelCost& at(Level l) const { return level[static_cast<int>(l)]; }
    LevelCost& at(Level l) { return level[static_cast<int>(l)]; }
    // Energy of one access of `bits` bits at level l; glb_bytes is the GLB's size.
    double access(Level l, bool is_write, int bits, double glb_bytes) const;
    // The same with the GLB's size term given: glb_size_factor(glb_bytes), what the power law
    // multiplies the GLB's figures by (worked out once for the many accesses of one buffer).
    double access_scaled(Level l, bool is_write, int bits, double glb_factor) const;
    double glb_size_factor(double glb_bytes) const;
};

// (inline: the energy model evaluates it some thirty times a candidate the mapper scores)
inline double EnergyTable::access_scaled(Level l, bool is_write, int bits, double glb_factor) const {
    const LevelCost& c = at(l);
    double e = is_write ? c.write : c.read;
    if (scale_with_width) e *= static_cast<double>(bits) / c.reference_bits;
    if (l == Level::Glb && glb_size_exponent != 0.0) e *= glb_factor;
    return e;
}

EnergyTable load_energy_table(const std::string& path);
EnergyTable load_energy_table_from_string(const std::string& yaml, const std::string& name);

}  // namespace dfsim
