// The one place where counts become energy: accesses x per-access energy from the table,
// per level and data type, plus ALU operations. Used by the mappers (to score candidates) and
// by the reports.
#pragma once
#include <array>

#include "common/energy_table.h"
#include "common/types.h"

namespace dfsim {

// Word widths of the data types (bits).
struct Widths {
    int ifmap = 8, filter = 8, psum = 32;
    int output = 32;  // final outputs (requantized width, or psum width without requantization)
};

struct EnergyBreakdown {
    // [level][type], table units (pJ or normalized); ALU is separate.
    std::array<std::array<double, kNumDataTypes>, kNumLevels> by_level_type{};
    double alu = 0;
    double level(Level l) const;
    double type(DataType t) const;  // excludes ALU
    double total() const;
};

EnergyBreakdown compute_energy(const ActionCounts& c, const EnergyTable& t, const Widths& w,
                               double glb_bytes);

}  // namespace dfsim

#include "common/arch.h"
#include "common/layer.h"

namespace dfsim {
// Widths of a layer's data types on an architecture.
inline Widths layer_widths(const Layer& l, const ArchParams& a) {
    Widths w;
    w.ifmap = l.ifmap.bits;
    w.filter = l.filter.bits;
    w.psum = a.pe.psum_bits;
    w.output = l.requant.enabled ? l.requant.out.bits : a.pe.psum_bits;
    return w;
}
}  // namespace dfsim
