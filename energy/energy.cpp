#include "energy/energy.h"

#include <algorithm>

#include "energy/physical.h"

namespace dfsim {

double EnergyBreakdown::level(Level l) const {
    double s = 0;
    for (double v : by_level_type[static_cast<int>(l)]) s += v;
    return s;
}
double EnergyBreakdown::type(DataType t) const {
    double s = 0;
    for (const auto& row : by_level_type) s += row[static_cast<int>(t)];
    return s;
}
double EnergyBreakdown::dynamic() const {
    double s = alu;
    for (Level l : kLevels) s += level(l);
    return s;
}
double EnergyBreakdown::total() const { return dynamic() + statics(); }

double alu_energy(const ActionCounts& c, const EnergyTable& t, const Widths& w) {
    const double active = static_cast<double>(c.macs - c.gated_macs);
    // Each active slot's energy includes the accumulate that folds its product into its output:
    // into the PE's own psum, onto a psum arriving from a neighbour or the buffer, or in nlr's
    // adder chain. An output of k products with an incoming psum takes exactly k adds, so the
    // combining adds (c.psum_adds: they take slots and cycles) are those accumulates, not charged again.
    double e = 0;
    switch (w.mult) {
        case Multiplier::Mac:
            e += active * t.mac_energy(w.op_filter, w.op_ifmap, w.psum);
            break;
        case Multiplier::Lut:
            e += active * (t.lut_read_energy(w.lut_entries) + t.accumulate(w.psum)) +
                 static_cast<double>(c.lut_writes) * t.lut_write;
            break;
        case Multiplier::Binary:
        case Multiplier::Ternary:
            e += active * t.accumulate(w.psum);
            break;  // pass or negate, then add
        case Multiplier::Xnor:
            e += static_cast<double>(c.xnor_bits) / 64.0 * t.xnor_popcount +
                 static_cast<double>(c.xnor_ops) * t.accumulate(w.psum);
            break;
    }
    return e;
}

EnergyBreakdown compute_energy(const ActionCounts& c, const EnergyTable& t, const Widths& w, const ArchParams& a,
                               uint64_t cycles) {
    return EnergyModel(t, a)(c, w, cycles);
}

// a's area once, for the network's wire and the static terms; the GLB's size term once
EnergyModel::EnergyModel(const EnergyTable& t, const ArchParams& a)
    : m_t(t),
      m_a(a),
      m_area(t.sizes.noc || t.area.present ? area_of(a, t.area) : AreaBreakdown{}),
      m_scale(access_scale(a, t, m_area)),
      m_glb_factor(t.glb_size_factor(m_scale.glb_bytes)) {}

EnergyModel::EnergyModel(const EnergyTable& t, const ArchParams& a, const Widths& w) : EnergyModel(t, a) {
    m_fixed = true, m_widths = w, m_costs = costs(w);
}

EnergyModel::AccessCosts EnergyModel::costs(const Widths& w) const {
    const EnergyTable& t = m_t;
    const double gf = m_glb_factor;
    AccessCosts k;
    for (Level l : kLevels)
        for (DataType d : kDataTypes) {
            // DRAM psum writes are final outputs, at the output width
            const int bits = d == DataType::Psum ? (l == Level::Dram ? w.output : w.psum)
                                                 : (d == DataType::Ifmap ? w.ifmap : w.filter);
            auto& rw = k.rw[static_cast<int>(l)][static_cast<int>(d)];
            rw = {t.access_scaled(l, false, bits, gf), t.access_scaled(l, true, bits, gf)};
        }
    k.glb_output_read = t.access_scaled(Level::Glb, false, w.output, gf);
    k.glb_output_write = t.access_scaled(Level::Glb, true, w.output, gf);
    k.noc_output_read = t.access_scaled(Level::Noc, false, w.output, gf);
    k.dram_psum_read = t.access_scaled(Level::Dram, false, w.psum, gf);
    k.dram_psum_write = t.access_scaled(Level::Dram, true, w.psum, gf);
    return k;
}

EnergyBreakdown EnergyModel::operator()(const ActionCounts& c, const Widths& w, uint64_t cycles) const {
    const EnergyTable& t = m_t;
    const ArchParams& a = m_a;
    const AreaBreakdown& area = m_area;
    const AccessScale& scale = m_scale;
    AccessCosts own;
    const AccessCosts* k = &m_costs;
    if (!m_fixed || !(w == m_widths)) own = costs(w), k = &own;
    EnergyBreakdown e;
    for (Level l : kLevels)
        for (DataType d : kDataTypes) {
            const ReadWrite& rw = c.acc.at(l, d);
            uint64_t reads = rw.reads, writes = rw.writes;
            double extra = 0;
            if (d == DataType::Psum && l == Level::Glb) {
                // final outputs are written (and read back for the store) at the output width
                writes -= c.glb_output_writes;
                reads -= c.glb_output_reads;
                extra = static_cast<double>(c.glb_output_writes) * k->glb_output_write +
                        static_cast<double>(c.glb_output_reads) * k->glb_output_read;
            }
            if (d == DataType::Psum && l == Level::Noc) {
                // final outputs leave the array requantized: at the output width, as they are timed
                reads -= c.noc_output_reads;
                extra = static_cast<double>(c.noc_output_reads) * k->noc_output_read;
            }
            // DRAM psum writes are final outputs at the output width, but for psums spilled between
            // channel tiles: those, and the spills loaded back (every DRAM psum read), at the psum
            // width, never coded
            double spill = 0;
            uint64_t spill_bits = 0;
            if (d == DataType::Psum && l == Level::Dram) {
                spill = static_cast<double>(reads) * k->dram_psum_read +
                        static_cast<double>(c.dram_spill_writes) * k->dram_psum_write;
                spill_bits = (reads + c.dram_spill_writes) * static_cast<uint64_t>(w.psum);
                writes -= c.dram_spill_writes;
                reads = 0;
            }
            const auto& cost = k->rw[static_cast<int>(l)][static_cast<int>(d)];
            double v = static_cast<double>(reads) * cost[0] + static_cast<double>(writes) * cost[1] + extra;
            // run-length compressed feature maps: the link moves fewer bits than are stored
            const int di = static_cast<int>(d);
            const uint64_t raw = c.dram_raw_bits[di] - std::min(c.dram_raw_bits[di], spill_bits);
            const uint64_t moved = c.dram_moved_bits[di] - std::min(c.dram_moved_bits[di], spill_bits);
            if (l == Level::Dram && raw > 0 && moved != raw) v *= static_cast<double>(moved) / static_cast<double>(raw);
            v += spill;
            if (l == Level::Rf) v *= scale.rf[di];  // each register file by its own size
            if (l == Level::Noc) v *= scale.noc;  // by the wire a delivery spans
            e.by_level_type[static_cast<int>(l)][di] = v;
        }
    {
        // Operand registers: a word latched for one MAC costs the table's operand_register write
        // (not an RF write); shown in the rf level of its data type, and as `opreg` on its own.
        const int rf = static_cast<int>(Level::Rf);
        const double ifmap = static_cast<double>(c.opreg_ifmap_writes) * t.opreg_write_energy(w.ifmap);
        const double filter = static_cast<double>(c.opreg_filter_writes) * t.opreg_write_energy(w.filter);
        e.by_level_type[rf][static_cast<int>(DataType::Ifmap)] += ifmap;
        e.by_level_type[rf][static_cast<int>(DataType::Filter)] += filter;
        e.opreg = ifmap + filter;
    }
    e.alu = alu_energy(c, t, w);
    const StaticEnergy st = static_energy(a, t, cycles, area);
    e.leakage = st.leakage;
    e.clock = st.clock;
    return e;
}

}  // namespace dfsim
