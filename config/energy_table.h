// Per-action energy costs, loaded from configs/energy/*.yaml. Hardware never sees this; the
// energy model (energy/energy) multiplies counts by these figures once, at the end.
#pragma once
#include <string>

#include "base/types.h"

namespace dfsim {

struct LevelCost {
    double read = 0;  // energy per read of `reference_bits` bits (table unit)
    double write = 0;  // energy per write of `reference_bits` bits
    int reference_bits = 32;  // access width the figures are quoted for
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
};

EnergyTable load_energy_table(const std::string& path);
EnergyTable load_energy_table_from_string(const std::string& yaml, const std::string& name);

}  // namespace dfsim
