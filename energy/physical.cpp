#include "energy/physical.h"

#include <algorithm>
#include <cmath>

namespace dfsim {

std::array<double, kNumDataTypes> rf_bytes(const ArchParams& a) {
    const std::array<double, 3> bits = spad_bits(a);
    return {bits[0] / 8, bits[1] / 8, bits[2] / 8};
}

namespace {
bool has(const ArchParams& a, Multiplier m) {
    return std::find(a.pe.multipliers.begin(), a.pe.multipliers.end(), m) != a.pe.multipliers.end();
}

// One PE's datapath (um^2): an array multiplier of mac_bits x mac_bits full adders where the PE has a
// MAC, one accumulator of psum_bits (shared by every kind: binary and ternary only select the sign),
// a LUT of 2^(2k) products of 2k bits for k-bit LUT operands, and an XNOR-popcount of 2 x xnor_bits.
double datapath_um2(const ArchParams& a, const AreaFigures& f) {
    double fa = a.pe.psum_bits;
    if (has(a, Multiplier::Mac)) fa += static_cast<double>(a.pe.mac_bits) * a.pe.mac_bits;
    if (has(a, Multiplier::Xnor)) fa += 2.0 * a.pe.xnor_bits;
    double um2 = fa * f.full_adder_um2;
    if (has(a, Multiplier::Lut)) {
        const int k = a.pe.lut_max_bits;
        um2 += f.storage_um2(std::ldexp(2.0 * k, 2 * k));
    }
    return um2;
}
}  // namespace

double glb_area_mm2(const ArchParams& a, const AreaFigures& f, double bytes) {
    return glb_area_um2(a, f, bytes) * 1e-6;
}

AreaBreakdown area_of(const ArchParams& a, const AreaFigures& f) {
    AreaBreakdown r;
    const double pes = a.num_pes();
    if (f.given.present) {  // an ART's areas as given, per-PE entries once per PE
        const GivenArea& g = f.given;
        for (int d = 0; d < kNumDataTypes; ++d) r.rf[d] = pes * g.spad_um2[d] * 1e-6;
        r.datapath = pes * g.datapath_um2 * 1e-6;
        r.glb = g.glb_um2 * 1e-6;
        r.other = (pes * g.pe_other_um2 + g.chip_other_um2) * 1e-6;
        r.pe_um2 = g.spad_um2[0] + g.spad_um2[1] + g.spad_um2[2] + g.datapath_um2 + g.pe_other_um2;
        r.source = g.source;
        return r;
    }
    const double dp = datapath_um2(a, f);
    const auto bytes = rf_bytes(a);
    double rf_pe = 0;
    for (int d = 0; d < kNumDataTypes; ++d) {
        const double um2 = f.storage_um2(bytes[d] * 8.0);
        rf_pe += um2;
        r.rf[d] = pes * um2 * 1e-6;
    }
    r.datapath = pes * dp * 1e-6;
    r.glb = glb_area_mm2(a, f, static_cast<double>(a.glb.size_bytes));
    r.other = pes * f.pe_other_um2 * 1e-6;
    r.pe_um2 = dp + rf_pe + f.pe_other_um2;
    return r;
}

double noc_span_mm(const ArchParams& a, const AreaFigures& f) { return noc_span_mm(a, area_of(a, f)); }

double noc_span_mm(const ArchParams& a, const AreaBreakdown& area) {
    const double pitch_mm = std::sqrt(area.pe_um2) * 1e-3;
    return (a.rows + a.cols) * pitch_mm;
}

AccessScale access_scale(const ArchParams& a, const EnergyTable& t) {
    return access_scale(a, t, t.sizes.noc ? area_of(a, t.area) : AreaBreakdown{});
}

AccessScale access_scale(const ArchParams& a, const EnergyTable& t, const AreaBreakdown& area) {
    AccessScale s;
    s.glb_bytes = static_cast<double>(a.glb.size_bytes);
    if (t.sizes.rf) {
        const auto bytes = rf_bytes(a);
        for (int d = 0; d < kNumDataTypes; ++d)
            s.rf[d] = std::pow(std::max(bytes[d], t.sizes.rf_min_bytes) / t.sizes.rf_reference_bytes,
                               t.sizes.rf_size_exponent);
    }
    if (t.sizes.noc) {
        const double w = t.sizes.noc_wire_share;
        s.noc = (1.0 - w) + w * noc_span_mm(a, area) / t.sizes.noc_reference_span_mm;
    }
    return s;
}

StaticEnergy static_energy(const ArchParams& a, const EnergyTable& t, uint64_t cycles) {
    return static_energy(a, t, cycles, t.area.present ? area_of(a, t.area) : AreaBreakdown{});
}

StaticEnergy static_energy(const ArchParams& a, const EnergyTable& t, uint64_t cycles, const AreaBreakdown& area) {
    StaticEnergy e;
    const double seconds = static_cast<double>(cycles) / (a.clock_mhz * 1e6);
    if (!t.area.present) return e;
    const double mm2 = area.total();
    e.leakage = t.statics.leakage_mw_per_mm2 * mm2 * seconds * 1e9;  // mW x s = mJ = 1e9 pJ
    e.clock = t.statics.clock_per_mm2_cycle * mm2 * static_cast<double>(cycles);
    return e;
}

}  // namespace dfsim
