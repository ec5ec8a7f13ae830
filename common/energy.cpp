#include "common/energy.h"

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
double EnergyBreakdown::total() const {
    double s = alu;
    for (Level l : kLevels) s += level(l);
    return s;
}

EnergyBreakdown compute_energy(const ActionCounts& c, const EnergyTable& t, const Widths& w,
                               double glb_bytes) {
    EnergyBreakdown e;
    auto bits_of = [&](DataType d) {
        return d == DataType::Ifmap ? w.ifmap : d == DataType::Filter ? w.filter : w.psum;
    };
    for (Level l : kLevels)
        for (DataType d : kDataTypes) {
            const ReadWrite& rw = c.acc.at(l, d);
            uint64_t reads = rw.reads, writes = rw.writes;
            double extra = 0;
            if (d == DataType::Psum && l == Level::Glb) {
                // final outputs are written (and read back for the store) at the output width
                writes -= c.glb_output_writes;
                reads -= c.glb_output_reads;
                extra = static_cast<double>(c.glb_output_writes) * t.access(l, true, w.output, glb_bytes) +
                        static_cast<double>(c.glb_output_reads) * t.access(l, false, w.output, glb_bytes);
            }
            // DRAM psum traffic is the final output only (partial sums never leave the chip)
            const int bits = (d == DataType::Psum && l == Level::Dram) ? w.output : bits_of(d);
            e.by_level_type[static_cast<int>(l)][static_cast<int>(d)] =
                static_cast<double>(reads) * t.access(l, false, bits, glb_bytes) +
                static_cast<double>(writes) * t.access(l, true, bits, glb_bytes) + extra;
        }
    e.alu = static_cast<double>(c.macs - c.gated_macs) * t.mac + static_cast<double>(c.psum_adds) * t.add;
    return e;
}

}  // namespace dfsim
