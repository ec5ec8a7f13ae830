// The one place where counts become energy: accesses x per-access energy from the table,
// per level and data type, plus ALU operations. Used by the mappers (to score candidates) and
// by the reports.
#pragma once
#include <array>

#include "base/types.h"
#include "config/arch.h"
#include "config/energy_table.h"
#include "energy/physical.h"
#include "workload/layer.h"

namespace dfsim {

// Word widths of the data types (bits), and the datapath the ALU energy depends on.
struct Widths {
    int ifmap = 8, filter = 8, psum = 32;
    int output = 32;  // final outputs (requantized width, or psum width without requantization)
    Multiplier mult = Multiplier::Mac;
    int op_ifmap = 8, op_filter = 8;  // operand widths at the multiplier (the values', not the storage's)
    uint64_t lut_entries = 0;  // LUT multiplier: 2^(filter bits + ifmap bits)
    bool operator==(const Widths&) const = default;
};

struct EnergyBreakdown {
    // [level][type], table units (pJ or normalized); ALU is separate.
    std::array<std::array<double, kNumDataTypes>, kNumLevels> by_level_type{};
    double alu = 0;
    // Spent whatever the datapath does, over the layer's cycles (energy/physical.h): leakage and the
    // clock tree and control. Zero where the table gives no such figures.
    double leakage = 0, clock = 0;
    // Of by_level_type[rf][ifmap] and [rf][filter]: the operand registers' writes
    // (ActionCounts::opreg_*), shown in the rf level, the PE's storage; already in level(), type(), total().
    double opreg = 0;
    double level(Level l) const;
    double type(DataType t) const;  // excludes ALU and the static terms
    double dynamic() const;  // levels and ALU
    double statics() const { return leakage + clock; }
    double total() const;  // dynamic + static
};

// ALU energy: per active (non-gated) slot by the layer's multiplier (its accumulate included: the
// psum combining adds are those accumulates, charged once), plus LUT loads and XNOR-popcount steps.
double alu_energy(const ActionCounts& c, const EnergyTable& t, const Widths& w);
// Energy of a layer's counts on architecture a over `cycles`: per-access figures scaled as the table's
// size model says (energy/physical.h), plus the static terms.
EnergyBreakdown compute_energy(const ActionCounts& c, const EnergyTable& t, const Widths& w, const ArchParams& a,
                               uint64_t cycles);

// compute_energy on one table and architecture, what depends on them alone (the chip's area, the
// access scales, the buffer's size factor) worked out once: the mapper scores thousands of
// candidates of a layer on one architecture. compute_energy is EnergyModel(t, a)(c, w, cycles).
// Keeps references to t and a. Made with a layer's widths, it also works out the per-access
// energies at those widths once (any other widths are worked out per call, the same figures).
class EnergyModel {
public:
    EnergyModel(const EnergyTable& t, const ArchParams& a);
    EnergyModel(const EnergyTable& t, const ArchParams& a, const Widths& w);
    EnergyBreakdown operator()(const ActionCounts& c, const Widths& w, uint64_t cycles) const;
    const ArchParams& arch() const { return m_a; }

private:
    // The table's energy of one access (EnergyTable::access_scaled) at a layer's widths: of each
    // level and data type, read and write; and of the final outputs and DRAM psums at theirs.
    struct AccessCosts {
        std::array<std::array<std::array<double, 2>, kNumDataTypes>, kNumLevels> rw{};
        double glb_output_read = 0, glb_output_write = 0, noc_output_read = 0;
        double dram_psum_read = 0, dram_psum_write = 0;
    };
    AccessCosts costs(const Widths& w) const;

    const EnergyTable& m_t;
    const ArchParams& m_a;
    AreaBreakdown m_area;
    AccessScale m_scale;
    double m_glb_factor;
    bool m_fixed = false;  // m_costs are of m_widths
    Widths m_widths;
    AccessCosts m_costs;
};

}  // namespace dfsim

#include <algorithm>

#include "config/arch.h"
#include "workload/layer.h"

namespace dfsim {
// Widths of a layer's data types on an architecture.
inline Widths layer_widths(const Layer& l, const ArchParams& a) {
    Widths w;
    w.ifmap = l.ifmap.bits;
    w.filter = l.filter.bits;
    w.psum = l.psum_bits > 0 ? l.psum_bits : a.pe.psum_bits;
    // a requantized output is stored as the next layer reads it: in words of word_bits where the
    // architecture widens storage (stored_layer), so a tensor is written and read back at one width
    w.output = l.requant.enabled ? std::max(l.requant.out.bits, a.word_bits) : w.psum;
    w.mult = l.multiplier;
    w.op_ifmap = l.ifmap_values().bits;
    w.op_filter = l.filter_values().bits;
    if (l.multiplier == Multiplier::Lut)
        w.lut_entries = uint64_t{1} << (l.ifmap_values().bits + l.filter_values().bits);
    return w;
}
}  // namespace dfsim
