#include "sim/self_check.h"

#include <cmath>
#include <string>

#include "base/error.h"

namespace dfsim {

namespace {

[[noreturn]] void broken(const LayerResult& r, const std::string& identity, const std::string& detail) {
    throw InternalError("self-check of layer " + r.name + " failed: " + identity + " (" + detail + ")");
}

bool close(double a, double b) { return std::abs(a - b) <= 1e-9 * std::max({std::abs(a), std::abs(b), 1.0}); }

void check_energy(const LayerResult& r, const ArchParams& a, const EnergyTable& t) {
    const EnergyBreakdown& e = r.energy;
    double by_level = e.alu + e.statics(), by_type = e.alu + e.statics();
    for (int l = 0; l < kNumLevels; ++l) by_level += e.level(static_cast<Level>(l));
    for (int d = 0; d < kNumDataTypes; ++d) by_type += e.type(static_cast<DataType>(d));
    const double total = e.total();  // a NaN or an infinity anywhere breaks this first
    if (!close(by_level, total) || !close(by_type, total))
        broken(r, "energy by level and by data type sums to the total",
               std::to_string(by_level) + " and " + std::to_string(by_type) + " vs " + std::to_string(total));
    for (int l = 0; l < kNumLevels; ++l)
        for (int d = 0; d < kNumDataTypes; ++d)
            if (e.by_level_type[l][d] < 0)
                broken(r, "every energy entry is >= 0", std::to_string(e.by_level_type[l][d]));
    if (e.alu < 0) broken(r, "every energy entry is >= 0", "ALU " + std::to_string(e.alu));
    const EnergyBreakdown again = compute_energy(r.counts, t, r.widths, a, r.cycles);
    for (int l = 0; l < kNumLevels; ++l)
        for (int d = 0; d < kNumDataTypes; ++d)
            if (!close(again.by_level_type[l][d], e.by_level_type[l][d]))
                broken(r, "the energy is the counts times the table",
                       "level " + std::to_string(l) + ", type " + std::to_string(d) + ": " +
                           std::to_string(e.by_level_type[l][d]) + " vs " + std::to_string(again.by_level_type[l][d]));
    if (!close(again.opreg, e.opreg) || e.opreg > e.level(Level::Rf) * (1 + 1e-9))
        broken(r, "the operand registers' energy is recomputed and within the rf level's",
               std::to_string(e.opreg) + " vs " + std::to_string(again.opreg) + ", rf " +
                   std::to_string(e.level(Level::Rf)));
    if (!close(again.alu, e.alu))
        broken(r, "the energy is the counts times the table",
               "ALU " + std::to_string(e.alu) + " vs " + std::to_string(again.alu));
}

void check_macs(const LayerResult& r) {
    const ActionCounts& c = r.counts;
    if (c.macs != r.shape.macs())
        broken(r, "every MAC slot of the shape is counted",
               std::to_string(c.macs) + " counted, " + std::to_string(r.shape.macs()) + " in the shape");
    if (c.gated_macs > c.macs)
        broken(r, "gated MACs are among the MACs", std::to_string(c.gated_macs) + " > " + std::to_string(c.macs));
    if (c.skipped_macs > c.gated_macs)
        broken(r, "skipped MACs are among the gated",
               std::to_string(c.skipped_macs) + " > " + std::to_string(c.gated_macs));
}

void check_rf_reads(const LayerResult& r) {
    const ActionCounts& c = r.counts;
    const uint64_t ifmap = c.acc.at(Level::Rf, DataType::Ifmap).reads;
    const uint64_t filter = c.acc.at(Level::Rf, DataType::Filter).reads;
    if (ifmap == 0 && filter == 0) return;  // no register files (nlr)
    if (ifmap != c.macs)
        broken(r, "each MAC slot reads its ifmap word from the RF",
               std::to_string(ifmap) + " RF ifmap reads, " + std::to_string(c.macs) + " MACs");
    if (filter != c.macs - c.gated_macs)
        broken(
            r, "each non-gated MAC slot reads its filter word from the RF",
            std::to_string(filter) + " RF filter reads, " + std::to_string(c.macs - c.gated_macs) + " non-gated MACs");
}

}  // namespace

void check_result_identities(const LayerResult& r, const ArchParams& a, const EnergyTable& t, bool simulated) {
    if (r.executed_on == ExecutedOn::Host) return;
    check_energy(r, a, t);
    check_macs(r);
    if (r.glb_bytes_used > static_cast<uint64_t>(a.glb.size_bytes))
        broken(r, "the global buffer's bytes in use fit its capacity",
               std::to_string(r.glb_bytes_used) + " > " + std::to_string(a.glb.size_bytes));
    if (simulated && r.multiplier == Multiplier::Mac) check_rf_reads(r);
}

}  // namespace dfsim
