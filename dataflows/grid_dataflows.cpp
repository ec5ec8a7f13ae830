#include "dataflows/grid_dataflows.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "base/error.h"
#include "energy/energy.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }
uint64_t ceil_div_u(uint64_t a, uint64_t b) { return (a + b - 1) / b; }
bool is_reduce(GridVariant v) { return v == GridVariant::Ws || v == GridVariant::Nlr; }

// n, n/2, n/4, ..., 1
std::vector<int> halvings(int n) {
    std::vector<int> v;
    for (int k = n; k >= 1; k /= 2) v.push_back(k);
    return v;
}

const char* variant_name(GridVariant v) {
    switch (v) {
        case GridVariant::Ws: return "ws";
        case GridVariant::Nlr: return "nlr";
        case GridVariant::OsA: return "os-a";
        case GridVariant::OsB: return "os-b";
        case GridVariant::OsC: return "os-c";
    }
    return "?";
}

}  // namespace

std::string GridMapping::summary() const {
    std::ostringstream os;
    if (is_reduce(variant))
        os << "cp=" << cp << " rp=" << rp << " mp=" << mp << (variant == GridVariant::Ws ? " p=" + std::to_string(p) : "");
    else
        os << "mp=" << mp << " ep=" << ep << " fp=" << fp;
    os << " | " << GlbTiling::summary();
    return os.str();
}

std::string GridMapping::loop_nest(const Layer& l) const {
    const LayerShape& s = l.shape;
    std::ostringstream os;
    auto ind = [](int d) { return indent(d); };
    int d = GlbTiling::loop_nest(l, os);
    if (is_reduce(variant)) {
        os << ind(d++) << "for m_blk in [0,Mt) step " << mp << ", c_blk in [0,Ct) step " << cp << ", r_blk in [0,"
           << s.R << ") step " << rp << "   # passes\n";
        os << ind(d++) << "parallel-for pe_row in [0," << cp * rp << ") = (c, r), pe_col in [0," << ceil_div(mp, p)
           << ") = filters   # array\n";
        if (variant == GridVariant::Ws) {
            os << ind(d++) << "for img in [0,Nt), e in [0,Et), f in [0," << s.F() << ")   # weights stay in the RFs\n";
            os << ind(d++) << "for m in [0," << p << "), s in [0," << s.S << "): psum += w * x; psums flow down the column\n";
        } else {
            os << ind(d++) << "for s in [0," << s.S << "), img in [0,Nt), e in [0,Et), f in [0," << s.F() << ")   # no local reuse\n";
            os << ind(d++) << "psum(column) = sum of the column's w * x; buffer psum += it\n";
        }
    } else {
        os << ind(d++) << "for img in [0,Nt), m_blk in [0,Mt) step " << mp << ", e_blk in [0,Et) step " << ep << ", f_blk in [0,"
           << s.F() << ") step " << fp << "   # passes\n";
        os << ind(d++) << "parallel-for pe in [0," << mp * ep * fp << ") = (m, e, f)   # array: psums stay in the PEs\n";
        os << ind(d++) << "for c in [0,Ct), r in [0," << s.R << "), s in [0," << s.S << "): psum += w * x\n";
    }
    return os.str();
}

std::string GridDataflow::name() const { return variant_name(m_variant); }

std::string GridDataflow::description() const {
    switch (m_variant) {
        case GridVariant::Ws:
            return "weight stationary: weights kept in the PE register files, ifmaps multicast along PE rows, "
                   "psums accumulated down the columns";
        case GridVariant::Nlr:
            return "no local reuse: no register files, weights unicast from the buffer, ifmaps multicast, "
                   "psums reduced down the columns and accumulated in the buffer";
        case GridVariant::OsA:
            return "output stationary A: one filter, a block of output pixels (ShiDianNao-like, ifmaps "
                   "shift between neighbours)";
        case GridVariant::OsB:
            return "output stationary B: several filters x several output pixels";
        case GridVariant::OsC:
            return "output stationary C: many filters, one output pixel (suited to FC layers)";
    }
    return "";
}

std::string GridDataflow::check(const Layer& l, const ArchParams& a, const GridMapping& m) {
    const LayerShape& s = l.shape;
    const PeParams& pe = a.pe;
    std::ostringstream os;
    if (is_reduce(m.variant)) {
        const bool ws = m.variant == GridVariant::Ws;
        if (m.rp < 1 || m.rp > s.R) os << "rp must be in [1, R=" << s.R << "]";
        else if (m.cp < 1 || m.cp > s.Cg()) os << "cp must be in [1, C/G=" << s.Cg() << "]";
        else if (m.cp * m.rp > a.rows) os << "cp*rp must be at most the array rows (" << a.rows << ")";
        else if (!ws && m.p != 1) os << "p must be 1 (no register files)";
        else if (m.p < 1) os << "p must be at least 1";
        else if (ws && m.p * s.S > pe.filter_spad_words) os << "p*S exceeds the filter RF (" << pe.filter_spad_words << " words)";
        else if (ws && m.p > pe.psum_spad_words) os << "p exceeds the psum RF (" << pe.psum_spad_words << " words)";
        else if (ws && s.S > pe.ifmap_spad_words) os << "S exceeds the ifmap RF (" << pe.ifmap_spad_words << " words)";
        else if (m.mp < 1 || m.mp > std::min(s.Mg(), a.cols * m.p))
            os << "mp must be in [1, min(M/G, cols*p)=" << std::min(s.Mg(), a.cols * m.p) << "]";
    } else {
        if (pe.ifmap_spad_words < 1 || pe.filter_spad_words < 1 || pe.psum_spad_words < 1)
            os << "output-stationary PEs need an ifmap, a filter and a psum register (spad words >= 1)";
        else if (m.mp < 1 || m.mp > s.Mg()) os << "mp must be in [1, M/G=" << s.Mg() << "]";
        else if (m.ep < 1 || m.ep > s.E()) os << "ep must be in [1, E=" << s.E() << "]";
        else if (m.fp < 1 || m.fp > s.F()) os << "fp must be in [1, F=" << s.F() << "]";
        else if (m.variant == GridVariant::OsA && m.mp != 1) os << "os-a works on one filter at a time: mp must be 1";
        else if (m.variant == GridVariant::OsA && (m.ep > a.rows || m.fp > a.cols))
            os << "os-a maps output rows to PE rows and columns to PE columns: ep <= rows, fp <= cols";
        else if (m.variant == GridVariant::OsB && (m.mp > a.rows || m.ep * m.fp > a.cols))
            os << "os-b maps filters to PE rows and pixels to PE columns: mp <= rows, ep*fp <= cols";
        else if (m.variant == GridVariant::OsC && (m.ep != 1 || m.fp != 1 || m.mp > a.num_pes()))
            os << "os-c works on one pixel (ep = fp = 1) with at most one filter per PE";
    }
    if (os.str().empty()) os << check_tiling(l, a, m);
    return os.str();
}

void GridDataflow::for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                                 const std::function<void(const GridPassInfo&)>& pass, bool collapse_images) {
    const LayerShape& s = l.shape;
    if (is_reduce(m.variant)) {
        for (int m0 = 0; m0 < st.Mt; m0 += m.mp)
            for (int c0 = 0; c0 < st.Ct; c0 += m.cp)
                for (int r0 = 0; r0 < s.R; r0 += m.rp) {
                    GridPassInfo pi;
                    pi.m0 = m0, pi.m_count = std::min(m.mp, st.Mt - m0);
                    pi.c0 = c0, pi.c_count = std::min(m.cp, st.Ct - c0);
                    pi.r0 = r0, pi.r_count = std::min(m.rp, s.R - r0);
                    pi.n0 = 0, pi.n_count = st.Nt;  // weights serve every image of the tile
                    pi.e0 = st.E0, pi.e_count = st.Et, pi.psum_e0 = 0, pi.f0 = 0, pi.f_count = s.F();
                    pi.psum_in = !(st.first_c && c0 == 0 && r0 == 0);
                    pi.final_out = st.last_c && c0 + m.cp >= st.Ct && r0 + m.rp >= s.R;
                    pass(pi);
                }
    } else {
        for (int img = 0; img < (collapse_images ? 1 : st.Nt); ++img)
        for (int m0 = 0; m0 < st.Mt; m0 += m.mp)
            for (int e0 = st.E0; e0 < st.E0 + st.Et; e0 += m.ep)
                for (int f0 = 0; f0 < s.F(); f0 += m.fp) {
                    GridPassInfo pi;
                    pi.n0 = img, pi.n_count = 1;
                    pi.repeat = collapse_images ? st.Nt : 1;
                    pi.m0 = m0, pi.m_count = std::min(m.mp, st.Mt - m0);
                    pi.c0 = 0, pi.c_count = st.Ct, pi.r0 = 0, pi.r_count = s.R;
                    pi.e0 = e0, pi.e_count = std::min(m.ep, st.E0 + st.Et - e0), pi.psum_e0 = e0 - st.E0;
                    pi.f0 = f0, pi.f_count = std::min(m.fp, s.F() - f0);
                    pi.psum_in = !st.first_c;
                    pi.final_out = st.last_c;
                    pass(pi);
                }
    }
}

hw::Program GridDataflow::build_program(const Layer& l, const ArchParams& a, const Mapping& mb) const {
    const auto& m = dynamic_cast<const GridMapping&>(mb);
    const std::string bad = check(l, a, m);
    DFSIM_ASSERT(bad.empty(), "illegal " + name() + " mapping: " + bad);
    const LayerShape& s = l.shape;
    return build_tiled_program(l, a, m, [&](const TileStep& st, const TileSlotIds& ids, std::vector<hw::Op>& out) {
        for_each_pass(l, m, st, [&](const GridPassInfo& pi) {
            hw::GridPass g;
            g.ifmap_slot = ids.ifmap, g.filter_slot = ids.filter, g.psum_slot = ids.psum;
            g.ifmap_row0 = st.row_lo;
            g.m_abs0 = st.g * s.Mg() + st.M0;
            g.n0 = pi.n0, g.n_count = pi.n_count;
            g.r0 = pi.r0, g.r_count = pi.r_count;
            g.e0 = pi.e0, g.e_count = pi.e_count, g.psum_e0 = pi.psum_e0;
            g.psum_in = pi.psum_in;
            g.final_out = pi.final_out;
            g.m0 = pi.m0, g.m_count = pi.m_count;
            g.c0 = pi.c0, g.c_count = pi.c_count;
            g.f0 = pi.f0, g.f_count = pi.f_count;
            switch (m.variant) {  // the PE placement: rows and columns from PE (0, 0)
                case GridVariant::Ws: g.mode = hw::ReduceMode{hw::WeightSource::RegisterFile, m.p}; break;
                case GridVariant::Nlr: g.mode = hw::ReduceMode{hw::WeightSource::BufferUnicast, 1}; break;
                case GridVariant::OsA:  // PE rows <- output rows, columns <- output columns
                    g.mode = hw::OutputMode{s.U == 1 ? hw::IfmapDelivery::NeighbourForward : hw::IfmapDelivery::Bus,
                                            pi.f_count};
                    break;
                case GridVariant::OsB:  // PE rows <- filters, columns <- pixels
                    g.mode = hw::OutputMode{hw::IfmapDelivery::Bus, pi.e_count * pi.f_count};
                    break;
                case GridVariant::OsC:  // one output per PE, row by row over the whole array
                    g.mode = hw::OutputMode{hw::IfmapDelivery::Bus, a.cols};
                    break;
            }
            out.push_back(hw::Op{g});
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Analytical model: closed-form counts of a pass on data without zeros (other than padding),
// and a cycle estimate from the busiest resource of each pass.

Estimate GridDataflow::estimate(const Layer& l, const ArchParams& a, const EnergyTable& table,
                                const Mapping& mb) const {
    const auto& m = dynamic_cast<const GridMapping&>(mb);
    const LayerShape& s = l.shape;
    const int S = s.S, U = s.U;
    const bool ws = m.variant == GridVariant::Ws, nlr = m.variant == GridVariant::Nlr;
    const bool reduce = ws || nlr;
    const bool fwd = m.variant == GridVariant::OsA && U == 1;
    const int out_bits = l.requant.enabled ? l.requant.out.bits : a.pe.psum_bits;
    const uint64_t ib = static_cast<uint64_t>(l.ifmap.bits), fb = static_cast<uint64_t>(l.filter.bits);
    const uint64_t pb = static_cast<uint64_t>(a.pe.psum_bits);
    auto real_row = [&](int prow) { return prow - s.P >= 0 && prow - s.P < s.H; };
    auto real_col = [&](int pcol) { return pcol - s.P >= 0 && pcol - s.P < s.W; };
    auto bus_cycles = [](uint64_t bits, int width) { return ceil_div_u(bits, static_cast<uint64_t>(width)); };

    auto pass_counts = [&](const GridPassInfo& pi) -> std::pair<ActionCounts, uint64_t> {
        ActionCounts c;
        auto& A = c.acc;
        const uint64_t Mp = static_cast<uint64_t>(pi.m_count), Cp = static_cast<uint64_t>(pi.c_count);
        const uint64_t Ep = static_cast<uint64_t>(pi.e_count), Fp = static_cast<uint64_t>(pi.f_count);
        const uint64_t Np = static_cast<uint64_t>(pi.n_count);
        const uint64_t n_rows_per_c = Np * Ep * static_cast<uint64_t>(pi.r_count);
        uint64_t real_rows_per_c = 0;
        for (int e = pi.e0; e < pi.e0 + pi.e_count; ++e)
            for (int r = pi.r0; r < pi.r0 + pi.r_count; ++r) real_rows_per_c += Np * real_row(e * U + r);
        uint64_t window_real = 0;  // real words in the windows of one row (all output columns)
        for (int f = pi.f0; f < pi.f0 + pi.f_count; ++f)
            for (int k = 0; k < S; ++k) window_real += real_col(f * U + k);
        const uint64_t window_words = Fp * S;
        uint64_t bus_real = window_real, bus_words = window_words, fwd_words = 0;
        if (fwd) {
            bus_real = 0;
            for (int f = pi.f0; f < pi.f0 + pi.f_count; ++f) bus_real += real_col(f * U);
            for (int k = 1; k < S; ++k) bus_real += real_col((pi.f0 + pi.f_count - 1) * U + k);
            bus_words = Fp + S - 1;
            fwd_words = (Fp - 1) * (S - 1);
        }
        const uint64_t rows = Cp * n_rows_per_c, real_rows = Cp * real_rows_per_c;
        const uint64_t pixels = Np * Ep * Fp;
        const uint64_t macs = Mp * rows * S * Fp;
        const uint64_t gated = Mp * (real_rows * (window_words - window_real) + (rows - real_rows) * window_words);
        const int p = ws ? m.p : 1;
        const uint64_t n_cols = static_cast<uint64_t>(ceil_div(pi.m_count, p));
        const uint64_t fanout = reduce ? n_cols : Mp;
        c.macs = macs;
        c.gated_macs = gated;
        if (!nlr) {
            A.at(Level::Rf, DataType::Ifmap).reads += macs;
            A.at(Level::Rf, DataType::Filter).reads += macs - gated;
            A.at(Level::Rf, DataType::Psum).reads += macs - gated;
            A.at(Level::Rf, DataType::Psum).writes += macs - gated;
            A.at(Level::Rf, DataType::Ifmap).writes += rows * (bus_words * fanout + fwd_words * Mp);
        }
        A.at(Level::Glb, DataType::Ifmap).reads += real_rows * bus_real;
        A.at(Level::Noc, DataType::Ifmap).writes += rows * (bus_words + fwd_words * Mp);
        A.at(Level::Noc, DataType::Ifmap).reads += rows * (bus_words * fanout + fwd_words * Mp);
        const uint64_t fwords = Mp * Cp * static_cast<uint64_t>(pi.r_count) * S;
        const uint64_t filter_reads = nlr ? macs : fwords;
        A.at(Level::Glb, DataType::Filter).reads += filter_reads;
        A.at(Level::Noc, DataType::Filter).writes += filter_reads;
        const uint64_t filter_deliveries = reduce ? filter_reads : fwords * pixels;
        A.at(Level::Noc, DataType::Filter).reads += filter_deliveries;
        if (!nlr) A.at(Level::Rf, DataType::Filter).writes += filter_deliveries;
        const uint64_t pin = pi.psum_in ? 1 : 0;
        const uint64_t n = Cp * static_cast<uint64_t>(pi.r_count);  // reduce: chain length
        const uint64_t outs = Mp * pixels;
        if (ws) {
            const uint64_t in = (n - 1 + pin) * outs;
            c.psum_adds += in;
            A.at(Level::Rf, DataType::Psum).reads += in + n * outs;
            A.at(Level::Rf, DataType::Psum).writes += in;
            A.at(Level::Noc, DataType::Psum).reads += in + outs;
            A.at(Level::Noc, DataType::Psum).writes += (n + pin) * outs;
            A.at(Level::Glb, DataType::Psum).writes += outs;
            A.at(Level::Glb, DataType::Psum).reads += pin * outs;
        } else if (nlr) {
            const uint64_t steps = outs * S, rmw = outs * (S - 1 + pin);
            A.at(Level::Noc, DataType::Psum).writes += n * steps + rmw;
            A.at(Level::Noc, DataType::Psum).reads += n * steps + rmw;
            c.psum_adds += (n - 1) * steps + rmw;
            A.at(Level::Glb, DataType::Psum).reads += rmw;
            A.at(Level::Glb, DataType::Psum).writes += steps;
        } else {
            A.at(Level::Glb, DataType::Psum).reads += pin * outs;
            A.at(Level::Noc, DataType::Psum).writes += (pin + 1) * outs;
            A.at(Level::Noc, DataType::Psum).reads += (pin + 1) * outs;
            A.at(Level::Rf, DataType::Psum).writes += pin * outs;
            A.at(Level::Rf, DataType::Psum).reads += outs;
            A.at(Level::Glb, DataType::Psum).writes += outs;
        }
        if (pi.final_out) {
            c.glb_output_writes += outs;
            if (l.requant.enabled) c.requant_ops += outs;
        }
        // cycles: each pass is as slow as its busiest resource, plus fill and drain
        const uint64_t glb_bpc = static_cast<uint64_t>(a.glb.bits_per_cycle());
        const uint64_t depth = static_cast<uint64_t>(a.pe.pipeline_depth);
        const uint64_t ob = pi.final_out ? static_cast<uint64_t>(out_bits) : pb;
        uint64_t cycles = 0;
        if (ws) {
            const uint64_t pm = static_cast<uint64_t>(std::min(m.p, pi.m_count));
            const uint64_t t_filt = bus_cycles(fwords * fb, std::min<int>(a.noc.filter_bus_bits, static_cast<int>(glb_bpc)));
            const uint64_t hop = pm + bus_cycles(pm * pb, a.noc.psum_link_bits);
            // without room for two pixels' psums a PE waits for its send before the next pixel
            const uint64_t pe_step = pm * S + pm + (a.pe.psum_spad_words < 2 * m.p ? depth - 1 + bus_cycles(pm * pb, a.noc.psum_link_bits) : 0);
            const uint64_t per_pixel = std::max({pe_step, bus_cycles(n * S * ib, a.noc.ifmap_bus_bits),
                                                 bus_cycles(Mp * ob, a.noc.psum_out_bus_bits)});
            cycles = t_filt + pixels * per_pixel + (n - 1) * hop + depth;
        } else if (nlr) {
            const uint64_t per_step = std::max({uint64_t{1}, bus_cycles(n * ib, a.noc.ifmap_bus_bits),
                                                bus_cycles(Mp * n * fb, a.noc.filter_bus_bits),
                                                bus_cycles(Mp * n * fb + n * ib + 2 * Mp * pb, static_cast<int>(glb_bpc)),
                                                bus_cycles(Mp * pb, a.noc.psum_out_bus_bits)});
            const uint64_t red = a.noc.reduction == NocParams::Reduction::Chain
                ? n - 1 : static_cast<uint64_t>(std::ceil(std::log2(static_cast<double>(n))));
            cycles = pixels * S * per_step + depth + red + 1;
        } else {
            const uint64_t groups = Cp * static_cast<uint64_t>(pi.r_count);
            const uint64_t per_group = std::max({static_cast<uint64_t>(S), bus_cycles(Np * Ep * bus_words * ib, a.noc.ifmap_bus_bits),
                                                 bus_cycles(Mp * S * fb, a.noc.filter_bus_bits),
                                                 bus_cycles(Np * Ep * bus_real * ib + Mp * S * fb, static_cast<int>(glb_bpc))});
            cycles = groups * per_group + depth + bus_cycles(outs * ob, a.noc.psum_out_bus_bits) +
                     (pi.psum_in ? bus_cycles(outs * pb, a.noc.psum_in_bus_bits) : 0);
        }
        return {c, cycles};
    };

    using Key = std::array<int, 11>;
    return estimate_tiled<Key, GridPassInfo>(
        l, a, m, table, [&](const TileStep& st, const auto& visit) { for_each_pass(l, m, st, visit, true); },
        [](const GridPassInfo& pi) {
            return Key{pi.m_count, pi.c_count, pi.r0, pi.r_count, pi.e0, pi.e_count, pi.f0, pi.f_count, pi.n_count, pi.psum_in, pi.final_out};
        },
        pass_counts);
}

// ---------------------------------------------------------------------------------------------
// Mapper: the variant's spatial parameters x the buffer tilings, scored by the analytical model.

std::unique_ptr<Mapping> GridDataflow::choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& table,
                                                      Objective obj) const {
    const LayerShape& s = l.shape;
    const int E = s.E(), F = s.F(), Mg = s.Mg(), Cg = s.Cg();
    std::vector<GridMapping> shapes;  // spatial parameters; the tiling comes next
    GridMapping base;
    base.variant = m_variant;
    switch (m_variant) {
        case GridVariant::Ws:
        case GridVariant::Nlr: {
            const bool ws = m_variant == GridVariant::Ws;
            const int pmax = ws ? std::max(1, std::min({a.pe.filter_spad_words / s.S, a.pe.psum_spad_words,
                                                        ceil_div(Mg, a.cols)}))
                                : 1;
            for (int rp = std::min(s.R, a.rows); rp >= 1; --rp) {
                // filter rows per channel: all of them, or a divisor-friendly split of R
                if (rp != std::min(s.R, a.rows) && ceil_div(s.R, rp) == ceil_div(s.R, rp + 1)) continue;
                const int cp = std::max(1, std::min(Cg, a.rows / rp));
                std::vector<int> ps{pmax};
                for (int p : {1, 2, 4, 8, 16})
                    if (p < pmax) ps.push_back(p);
                for (int p : ps) {
                    // all columns busy; with one filter per PE also narrower blocks (smaller tiles)
                    const std::vector<int> mps = p == 1 ? halvings(std::min(Mg, a.cols))
                                                        : std::vector<int>{std::min(Mg, a.cols * p)};
                    for (int mp : mps) {
                        GridMapping m = base;
                        m.rp = rp, m.cp = cp, m.p = p, m.mp = mp;
                        shapes.push_back(m);
                    }
                }
            }
            break;
        }
        case GridVariant::OsA: {
            GridMapping m = base;
            m.mp = 1, m.fp = std::min(F, a.cols), m.ep = std::min(E, a.rows);
            shapes.push_back(m);
            break;
        }
        case GridVariant::OsB:
            for (int mp : halvings(std::min(Mg, a.rows)))
                for (int fp : {std::min(F, a.cols), std::min(F, std::max(1, a.cols / 2))}) {
                    GridMapping m = base;
                    m.mp = mp, m.fp = fp, m.ep = std::max(1, std::min(E, a.cols / fp));
                    shapes.push_back(m);
                }
            break;
        case GridVariant::OsC:
            for (int mp : halvings(std::min(Mg, a.num_pes()))) {
                GridMapping m = base;
                m.mp = mp, m.ep = 1, m.fp = 1;
                shapes.push_back(m);
            }
            break;
    }
    std::vector<GridMapping> cands;
    std::vector<Estimate> ests;
    std::string last_reason = "no candidate";
    for (GridMapping m : shapes) {
        const bool reduce = is_reduce(m_variant);
        const int m_block = m.mp, c_block = reduce ? m.cp : 1, e_block = reduce ? 1 : m.ep;
        const bool fits = for_each_tiling(l, a, m_block, c_block, e_block, [&](const GlbTiling& t) {
            static_cast<GlbTiling&>(m) = t;
            const std::string bad = check(l, a, m);
            if (!bad.empty()) {
                last_reason = bad;
                return;
            }
            cands.push_back(m);
            ests.push_back(estimate(l, a, table, m));
        });
        if (!fits) {
            m.Mt = std::min(Mg, m_block), m.Et = std::min(E, e_block), m.Ct = std::min(Cg, c_block);
            last_reason = check(l, a, m);
        }
    }
    if (cands.empty())
        throw MappingError("layer " + l.name + ": no " + name() + " mapping fits " + a.name + " (" + last_reason + ")");
    return std::make_unique<GridMapping>(cands[pick_candidate(ests, obj)]);
}

std::unique_ptr<Mapping> GridDataflow::parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const {
    auto m = std::make_unique<GridMapping>();
    m->variant = m_variant;
    parse_tiling(y, l, a, *m);
    if (is_reduce(m_variant)) {
        m->cp = static_cast<int>(y.get_int("cp", 1, 1 << 20));
        m->rp = static_cast<int>(y.get_int("rp", 1, 1 << 20));
        m->p = m_variant == GridVariant::Ws ? static_cast<int>(y.get_int("p", 1, 1 << 20, 1)) : 1;
        m->mp = static_cast<int>(y.get_int("mp", 1, 1 << 20));
    } else {
        m->mp = static_cast<int>(y.get_int("mp", 1, 1 << 20, 1));
        m->ep = static_cast<int>(y.get_int("ep", 1, 1 << 20, 1));
        m->fp = static_cast<int>(y.get_int("fp", 1, 1 << 20, 1));
    }
    y.check_no_unknown_keys();
    const std::string bad = check(l, a, *m);
    if (!bad.empty()) y.fail("", "expected a legal " + name() + " mapping for layer " + l.name + " on " + a.name + ": " + bad);
    return m;
}

}  // namespace dfsim
