#include "dataflows/grid_dataflow.h"

#include <algorithm>
#include <sstream>

#include "base/error.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }

const char* variant_name(GridVariant v) {
    switch (v) {
        case GridVariant::Ws:
            return "ws";
        case GridVariant::Nlr:
            return "nlr";
        case GridVariant::OsA:
            return "os-a";
        case GridVariant::OsB:
            return "os-b";
        case GridVariant::OsC:
            return "os-c";
    }
    return "?";
}

}  // namespace

std::vector<int> halvings(int n) {
    std::vector<int> v;
    for (int k = n; k >= 1; k /= 2) v.push_back(k);
    return v;
}

std::string GridMapping::summary() const {
    return grid_dataflow(variant).block_summary(*this) + " | " + GlbTiling::summary();
}

std::string GridMapping::to_yaml() const {
    std::ostringstream os;
    os << "{";
    switch (variant) {
        case GridVariant::Ws:
            os << "cp: " << cp << ", rp: " << rp << ", p: " << p << ", mp: " << mp;
            break;
        case GridVariant::Nlr:
            os << "cp: " << cp << ", rp: " << rp << ", mp: " << mp;
            break;
        case GridVariant::OsA:
        case GridVariant::OsB:
        case GridVariant::OsC:
            os << "mp: " << mp << ", ep: " << ep << ", fp: " << fp;
            break;
    }
    os << ", " << yaml_fields() << "}";
    return os.str();
}

std::string GridMapping::loop_nest(const Layer& l) const {
    std::ostringstream os;
    const int d = GlbTiling::loop_nest(l, os);
    grid_dataflow(variant).pass_loops(l, *this, d, os);
    return os.str();
}

std::string GridDataflow::name() const { return variant_name(m_variant); }

std::string GridDataflow::check(const Layer& l, const ArchParams& a, const GridMapping& m) const {
    const std::string bad = check_block(l, a, m);
    return bad.empty() ? check_tiling(l, a, m) : bad;
}

// ---------------------------------------------------------------------------------------------
// Program builder

hw::GridPass GridDataflow::make_pass(const Layer& l, const ArchParams& a, const GridMapping& m, const TileStep& st,
                                     const TileSlotIds& ids, const GridPassInfo& pi) const {
    hw::GridPass g;
    g.ifmap_slot = ids.ifmap, g.filter_slot = ids.filter, g.psum_slot = ids.psum;
    g.ifmap_row0 = st.row_lo;
    g.m_abs0 = st.g * l.shape.Mg() + st.M0;
    g.n0 = pi.n0, g.n_count = pi.n_count;
    g.r0 = pi.r0, g.r_count = pi.r_count;
    g.e0 = pi.e0, g.e_count = pi.e_count, g.psum_e0 = pi.psum_e0;
    g.psum_in = pi.psum_in;
    g.final_out = pi.final_out;
    g.m0 = pi.m0, g.m_count = pi.m_count;
    g.c0 = pi.c0, g.c_count = pi.c_count;
    g.f0 = pi.f0, g.f_count = pi.f_count;
    g.pe_row0 = 0, g.pe_col0 = 0;  // the mode places the pass from PE (0, 0)
    g.mode = pass_mode(l, a, m, pi);
    return g;
}

hw::Program GridDataflow::build_program(const Layer& l, const ArchParams& a, const Mapping& mb) const {
    const auto& m = mapping_as<GridMapping>(mb);
    const std::string bad = check(l, a, m);
    DFSIM_ASSERT(bad.empty(), "illegal " + name() + " mapping: " + bad);
    return build_tiled_program(l, a, m, [&](const TileStep& st, const TileSlotIds& ids, std::vector<hw::Op>& out) {
        for_each_pass(
            l, m, st, [&](const GridPassInfo& pi) { out.push_back(hw::Op{make_pass(l, a, m, st, ids, pi)}); }, false);
    });
}

// ---------------------------------------------------------------------------------------------
// Analytical model: closed-form counts of a pass on data without zeros (other than padding),
// and a cycle estimate from the busiest resource of each pass.

GridPassModel model_grid_pass(const Layer& l, const GridPassInfo& pi, bool forward_ifmap) {
    const LayerShape& s = l.shape;
    const int S = s.S, U = s.U;
    auto real_row = [&](int prow) { return prow - s.P >= 0 && prow - s.P < s.H; };
    auto real_col = [&](int pcol) { return pcol - s.P >= 0 && pcol - s.P < s.W; };
    const uint64_t Np = static_cast<uint64_t>(pi.n_count), Ep = static_cast<uint64_t>(pi.e_count);
    const uint64_t Fp = static_cast<uint64_t>(pi.f_count), Cp = static_cast<uint64_t>(pi.c_count);
    const uint64_t Mp = static_cast<uint64_t>(pi.m_count), Rp = static_cast<uint64_t>(pi.r_count);
    GridPassModel pm;
    uint64_t real_rows_per_c = 0;
    for (int e = pi.e0; e < pi.e0 + pi.e_count; ++e)
        for (int r = pi.r0; r < pi.r0 + pi.r_count; ++r) real_rows_per_c += Np * real_row(e * U + r);
    for (int f = pi.f0; f < pi.f0 + pi.f_count; ++f)
        for (int k = 0; k < S; ++k) pm.window_real += real_col(f * U + k);
    pm.window_words = Fp * S;
    pm.bus_real = pm.window_real, pm.bus_words = pm.window_words;
    if (forward_ifmap) {  // after the first tap, only the last column of a row comes over the bus
        pm.bus_real = 0;
        for (int f = pi.f0; f < pi.f0 + pi.f_count; ++f) pm.bus_real += real_col(f * U);
        for (int k = 1; k < S; ++k) pm.bus_real += real_col((pi.f0 + pi.f_count - 1) * U + k);
        pm.bus_words = Fp + S - 1;
        pm.fwd_words = (Fp - 1) * (S - 1);
    }
    pm.rows = Cp * Np * Ep * Rp, pm.real_rows = Cp * real_rows_per_c;
    pm.pixels = Np * Ep * Fp, pm.outs = Mp * pm.pixels;
    pm.macs = Mp * pm.rows * S * Fp;
    pm.gated = Mp * (pm.real_rows * (pm.window_words - pm.window_real) + (pm.rows - pm.real_rows) * pm.window_words);
    pm.chain = Cp * Rp;
    pm.fwords = Mp * pm.chain * S;
    return pm;
}

ActionCounts GridDataflow::count_pass(const Layer& l, const GridPassInfo& pi, const GridPassModel& pm, uint64_t fanout,
                                      OperandStore store, uint64_t filter_reads, uint64_t filter_deliveries) {
    const bool register_files = store != OperandStore::None;
    ActionCounts c;
    AccessCounts& A = c.acc;
    const uint64_t Mp = static_cast<uint64_t>(pi.m_count);
    c.macs = pm.macs;
    c.gated_macs = pm.gated;
    const uint64_t ifmap_deliveries = pm.rows * (pm.bus_words * fanout + pm.fwd_words * Mp);
    if (register_files) {
        A.at(Level::Rf, DataType::Ifmap).reads += pm.macs;
        A.at(Level::Rf, DataType::Filter).reads += pm.macs - pm.gated;
        A.at(Level::Rf, DataType::Psum).reads += pm.macs - pm.gated;
        A.at(Level::Rf, DataType::Psum).writes += pm.macs - pm.gated;
    }
    if (store == OperandStore::RegisterFile) {
        A.at(Level::Rf, DataType::Ifmap).writes += ifmap_deliveries;
        A.at(Level::Rf, DataType::Filter).writes += filter_deliveries;
    } else if (store == OperandStore::OperandRegister) {
        c.opreg_ifmap_writes += ifmap_deliveries;
        c.opreg_filter_writes += filter_deliveries;
    }
    A.at(Level::Glb, DataType::Ifmap).reads += pm.real_rows * pm.bus_real;
    A.at(Level::Noc, DataType::Ifmap).writes += pm.rows * (pm.bus_words + pm.fwd_words * Mp);
    A.at(Level::Noc, DataType::Ifmap).reads += ifmap_deliveries;
    A.at(Level::Glb, DataType::Filter).reads += filter_reads;
    A.at(Level::Noc, DataType::Filter).writes += filter_reads;
    A.at(Level::Noc, DataType::Filter).reads += filter_deliveries;
    if (pi.final_out) {
        c.glb_output_writes += pm.outs;
        if (register_files)
            c.noc_output_reads += pm.outs;  // ws, os: over the network; nlr: the chain writes the buffer
        if (l.requant.enabled) c.requant_ops += pm.outs;
    }
    return c;
}

namespace {
using GridKey = std::array<int, 11>;  // passes alike in everything but filter, channel and image offsets
// A pass's key: its e0 only where some of its ifmap rows are padding (model_grid_pass sees e0
// only through which rows are real).
auto grid_key(const Layer& l) {
    return [&l](const GridPassInfo& pi) {
        const bool all_real = pass_rows_all_real(l.shape, pi.e0, pi.e_count, pi.r0, pi.r_count);
        return GridKey{pi.m_count, pi.c_count, pi.r0,      pi.r_count, all_real ? -1 : pi.e0, pi.e_count,
                       pi.f0,      pi.f_count, pi.n_count, pi.psum_in, pi.final_out};
    };
}
std::array<int, 6> block_key(const GridMapping& m) { return {m.mp, m.p, m.cp, m.rp, m.ep, m.fp}; }
}  // namespace

// A mapping's passes counted once per distinct tile and pass (depends on the block, not the tiling).
auto GridDataflow::passes(const Layer& l, const ArchParams& a, const GridMapping& m) const {
    auto each = [this, &l, &m](const TileStep& st, const auto& visit) { for_each_pass(l, m, st, visit, true); };
    auto count = [this, &l, &a, &m](const GridPassInfo& pi) { return pass_estimate(l, a, m, pi); };
    auto key = grid_key(l);
    return TilePasses<GridKey, GridPassInfo, decltype(each), decltype(key), decltype(count)>(each, key, count);
}

Estimate GridDataflow::estimate(const Layer& l, const ArchParams& a, const EnergyTable& table,
                                const Mapping& mb) const {
    const auto& m = mapping_as<GridMapping>(mb);
    auto p = passes(l, a, m);
    return estimate_tiled(l, a, m, table, p);
}

Estimate GridDataflow::bound(const Layer& l, const ArchParams& a, const EnergyTable& table, const Mapping& mb) const {
    const auto& m = mapping_as<GridMapping>(mb);
    auto p = passes(l, a, m);
    return bound_tiled(l, a, m, EnergyModel(table, a), tiling_passes(l, m, p));
}

void GridDataflow::bound_all(const Layer& l, const ArchParams& a, const EnergyTable& table,
                             const std::vector<const Mapping*>& ms, Estimate* out, const BoundCutoff& cut) const {
    bound_by_block<GridMapping>(
        l, a, table, ms, out, [&](const GridMapping& m) { return passes(l, a, m); }, block_key, cut);
}

// ---------------------------------------------------------------------------------------------
// Mapper: the dataflow's blocks x the buffer tilings, scored by the analytical model.

void GridDataflow::for_each_block(const Layer& l, const ArchParams& a,
                                  const std::function<void(const Mapping&)>& visit) const {
    for (const GridMapping& m : candidate_blocks(l, a)) visit(m);
}

void GridDataflow::for_each_tiling_of(const Layer& l, const ArchParams& a, const Mapping& block,
                                      const std::function<void(const Mapping&)>& visit) const {
    const auto& m = mapping_as<GridMapping>(block);
    const auto [m_block, c_block, e_block] = tile_blocks(m);
    for_each_block_candidate(l, a, m, m_block, c_block, e_block, visit);
}

Estimate GridDataflow::floor(const Layer& l, const ArchParams& a, const EnergyTable& table, const Mapping& m) const {
    return floor_of_block(l, a, table, mapping_as<GridMapping>(m),
                          [&](const GridMapping& w) { return passes(l, a, w); });
}

std::string GridDataflow::check_mapping(const Layer& l, const ArchParams& a, const Mapping& m) const {
    return check(l, a, mapping_as<GridMapping>(m));
}

std::unique_ptr<Mapping> GridDataflow::parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const {
    auto m = std::make_unique<GridMapping>();
    m->variant = m_variant;
    parse_tiling(y, l, a, *m);
    parse_block(y, *m);
    y.check_no_unknown_keys();
    const std::string bad = check(l, a, *m);
    if (!bad.empty())
        y.fail("", "expected a legal " + name() + " mapping for layer " + l.name + " on " + a.name + ": " + bad);
    return m;
}

// ---------------------------------------------------------------------------------------------
// The reduce mode's shared pieces (weight stationary, no local reuse)

std::string check_reduce_rows(const Layer& l, const ArchParams& a, const GridMapping& m) {
    const LayerShape& s = l.shape;
    if (m.rp < 1 || m.rp > s.R) return "rp must be in [1, R=" + std::to_string(s.R) + "]";
    if (m.cp < 1 || m.cp > s.Cg()) return "cp must be in [1, C/G=" + std::to_string(s.Cg()) + "]";
    if (m.cp * m.rp > a.rows) return "cp*rp must be at most the array rows (" + std::to_string(a.rows) + ")";
    return "";
}

std::string check_reduce_columns(const Layer& l, const ArchParams& a, const GridMapping& m) {
    const int most = std::min(l.shape.Mg(), a.cols * m.p);
    if (m.mp >= 1 && m.mp <= most) return "";
    return "mp must be in [1, min(M/G, cols*p)=" + std::to_string(most) + "]";
}

std::vector<GridMapping> reduce_blocks(const Layer& l, const ArchParams& a, GridVariant v, int pmax) {
    const LayerShape& s = l.shape;
    const int Mg = s.Mg(), r_most = std::min(s.R, a.rows);
    std::vector<GridMapping> blocks;
    for (int rp = r_most; rp >= 1; --rp) {
        // filter rows per channel: all of them, or a divisor-friendly split of R
        if (rp != r_most && ceil_div(s.R, rp) == ceil_div(s.R, rp + 1)) continue;
        const int cp = std::max(1, std::min(s.Cg(), a.rows / rp));
        std::vector<int> ps{pmax};
        for (int p : {1, 2, 4, 8, 16})
            if (p < pmax) ps.push_back(p);
        for (int p : ps) {
            // all columns busy; with one filter per PE also narrower blocks (smaller tiles)
            const std::vector<int> mps =
                p == 1 ? halvings(std::min(Mg, a.cols)) : std::vector<int>{std::min(Mg, a.cols * p)};
            for (int mp : mps) {
                GridMapping m;
                m.variant = v;
                m.rp = rp, m.cp = cp, m.p = p, m.mp = mp;
                blocks.push_back(m);
            }
        }
    }
    return blocks;
}

void for_each_reduce_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                          const std::function<void(const GridPassInfo&)>& pass, bool collapse) {
    const LayerShape& s = l.shape;
    for_each_block_size(st.Mt, m.mp, collapse, [&](int m0, int m_alike) {
        for_each_channel_block(st.Ct, m.cp, collapse, st.first_c, [&](int c0, int c_alike) {
            for (int r0 = 0; r0 < s.R; r0 += m.rp) {
                GridPassInfo pi;
                pi.repeat = m_alike * c_alike;
                pi.m0 = m0, pi.m_count = std::min(m.mp, st.Mt - m0);
                pi.c0 = c0, pi.c_count = std::min(m.cp, st.Ct - c0);
                pi.r0 = r0, pi.r_count = std::min(m.rp, s.R - r0);
                pi.n0 = 0, pi.n_count = st.Nt;  // weights serve every image of the tile
                pi.e0 = st.E0, pi.e_count = st.Et, pi.psum_e0 = 0, pi.f0 = 0, pi.f_count = s.F();
                pi.psum_in = !(st.first_c && c0 == 0 && r0 == 0);
                pi.final_out = st.last_c && c0 + m.cp >= st.Ct && r0 + m.rp >= s.R;
                pass(pi);
            }
        });
    });
}

int reduce_pass_loops(const Layer& l, const GridMapping& m, int d, std::ostream& os) {
    os << indent(d++) << "for m_blk in [0,Mt) step " << m.mp << ", c_blk in [0,Ct) step " << m.cp << ", r_blk in [0,"
       << l.shape.R << ") step " << m.rp << "   # passes\n";
    os << indent(d++) << "parallel-for pe_row in [0," << m.cp * m.rp << ") = (c, r), pe_col in [0,"
       << ceil_div(m.mp, m.p) << ") = filters   # array\n";
    return d;
}

}  // namespace dfsim
