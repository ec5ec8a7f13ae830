#include "dataflows/os/output_stationary.h"

#include <algorithm>
#include <sstream>

#include "base/error.h"
#include "config/yaml_reader.h"

namespace dfsim {

OutputStationary::OutputStationary(GridVariant v) : GridDataflow(v) {
    DFSIM_ASSERT(v == GridVariant::OsA || v == GridVariant::OsB || v == GridVariant::OsC,
                 "not an output-stationary variant");
}

std::string OutputStationary::description() const {
    switch (variant()) {
        case GridVariant::OsA:
            return "output stationary A: one filter, a block of output pixels (ShiDianNao-like, ifmaps "
                   "shift between neighbours)";
        case GridVariant::OsB:
            return "output stationary B: several filters x several output pixels";
        default:
            return "output stationary C: many filters, one output pixel (suited to FC layers)";
    }
}

std::string OutputStationary::block_summary(const GridMapping& m) const {
    return "mp=" + std::to_string(m.mp) + " ep=" + std::to_string(m.ep) + " fp=" + std::to_string(m.fp);
}

void OutputStationary::pass_loops(const Layer& l, const GridMapping& m, int d, std::ostream& os) const {
    const LayerShape& s = l.shape;
    os << indent(d++) << "for img in [0,Nt), m_blk in [0,Mt) step " << m.mp << ", e_blk in [0,Et) step " << m.ep
       << ", f_blk in [0," << s.F() << ") step " << m.fp << "   # passes\n";
    os << indent(d++) << "parallel-for pe in [0," << m.mp * m.ep * m.fp
       << ") = (m, e, f)   # array: psums stay in the PEs\n";
    os << indent(d) << "for c in [0,Ct), r in [0," << s.R << "), s in [0," << s.S << "): psum += w * x\n";
}

std::string OutputStationary::check_block(const Layer& l, const ArchParams& a, const GridMapping& m) const {
    const LayerShape& s = l.shape;
    const PeParams& pe = a.pe;
    const GridVariant v = variant();
    auto str = [](int x) { return std::to_string(x); };
    if (pe.ifmap_spad_words < 1 || pe.filter_spad_words < 1 || pe.psum_spad_words < 1)
        return "output-stationary PEs need an ifmap, a filter and a psum register (spad words >= 1)";
    if (m.mp < 1 || m.mp > s.Mg()) return "mp must be in [1, M/G=" + str(s.Mg()) + "]";
    if (m.ep < 1 || m.ep > s.E()) return "ep must be in [1, E=" + str(s.E()) + "]";
    if (m.fp < 1 || m.fp > s.F()) return "fp must be in [1, F=" + str(s.F()) + "]";
    if (v == GridVariant::OsA && m.mp != 1) return "os-a works on one filter at a time: mp must be 1";
    if (v == GridVariant::OsA && (m.ep > a.rows || m.fp > a.cols))
        return "os-a maps output rows to PE rows and columns to PE columns: ep <= rows, fp <= cols";
    if (v == GridVariant::OsB && (m.mp > a.rows || m.ep * m.fp > a.cols))
        return "os-b maps filters to PE rows and pixels to PE columns: mp <= rows, ep*fp <= cols";
    if (v == GridVariant::OsC && (m.ep != 1 || m.fp != 1 || m.mp > a.num_pes()))
        return "os-c works on one pixel (ep = fp = 1) with at most one filter per PE";
    return "";
}

std::vector<GridMapping> OutputStationary::candidate_blocks(const Layer& l, const ArchParams& a) const {
    const LayerShape& s = l.shape;
    const int E = s.E(), F = s.F();
    std::vector<GridMapping> blocks;
    GridMapping m;
    m.variant = variant();
    switch (variant()) {
        case GridVariant::OsA:
            m.mp = 1, m.fp = std::min(F, a.cols), m.ep = std::min(E, a.rows);
            blocks.push_back(m);
            break;
        case GridVariant::OsB:
            for (int mp : halvings(std::min(s.Mg(), a.rows)))
                for (int fp : {std::min(F, a.cols), std::min(F, std::max(1, a.cols / 2))}) {
                    m.mp = mp, m.fp = fp, m.ep = std::max(1, std::min(E, a.cols / fp));
                    blocks.push_back(m);
                }
            break;
        default:
            for (int mp : halvings(std::min(s.Mg(), a.num_pes()))) {
                m.mp = mp, m.ep = 1, m.fp = 1;
                blocks.push_back(m);
            }
            break;
    }
    return blocks;
}

void OutputStationary::parse_block(const YamlMap& y, GridMapping& m) const {
    m.mp = static_cast<int>(y.get_int("mp", 1, 1 << 20, 1));
    m.ep = static_cast<int>(y.get_int("ep", 1, 1 << 20, 1));
    m.fp = static_cast<int>(y.get_int("fp", 1, 1 << 20, 1));
}

void OutputStationary::for_each_pass(const Layer& l, const GridMapping& m, const TileStep& st,
                                     const std::function<void(const GridPassInfo&)>& pass, bool collapse) const {
    const LayerShape& s = l.shape;
    // Collapsed, the full blocks of output rows whose ifmap rows are all real count alike wherever
    // they sit, and so do the full blocks of output columns whose ifmap columns are all real (the
    // pass model sees e0 and f0 only through which rows and columns are padding, model_grid_pass):
    // the first of each stands for all of them.
    auto inner_rows = [&](int e0) {
        return collapse && e0 + m.ep <= st.E0 + st.Et && pass_rows_all_real(s, e0, m.ep, 0, s.R);
    };
    auto inner_cols = [&](int f0) { return collapse && f0 + m.fp <= s.F() && pass_cols_all_real(s, f0, m.fp); };
    for (int img = 0; img < (collapse ? 1 : st.Nt); ++img)
        for_each_block_size(st.Mt, m.mp, collapse, [&](int m0, int m_alike) {
            for_each_collapsed_step(st.E0, st.E0 + st.Et, m.ep, inner_rows, [&](int e0, int n_rows) {
                for_each_collapsed_step(0, s.F(), m.fp, inner_cols, [&](int f0, int n_cols) {
                    GridPassInfo pi;
                    pi.n0 = img, pi.n_count = 1;
                    pi.repeat = (collapse ? st.Nt : 1) * m_alike * n_rows * n_cols;
                    pi.m0 = m0, pi.m_count = std::min(m.mp, st.Mt - m0);
                    pi.c0 = 0, pi.c_count = st.Ct, pi.r0 = 0, pi.r_count = s.R;
                    pi.e0 = e0, pi.e_count = std::min(m.ep, st.E0 + st.Et - e0), pi.psum_e0 = e0 - st.E0;
                    pi.f0 = f0, pi.f_count = std::min(m.fp, s.F() - f0);
                    pi.psum_in = !st.first_c;
                    pi.final_out = st.last_c;
                    pass(pi);
                });
            });
        });
}

// The outputs fill a block of PEs `pe_width` columns wide, row by row from PE (0, 0).
hw::GridMode OutputStationary::pass_mode(const Layer& l, const ArchParams& a, const GridMapping&,
                                         const GridPassInfo& pi) const {
    const hw::IfmapDelivery delivery = forwards(l) ? hw::IfmapDelivery::NeighbourForward : hw::IfmapDelivery::Bus;
    switch (variant()) {
        case GridVariant::OsA:
            return hw::OutputMode{delivery, pi.f_count};  // PE rows: output rows, cols: columns
        case GridVariant::OsB:
            return hw::OutputMode{delivery, pi.e_count * pi.f_count};  // rows: filters, cols: pixels
        default:
            return hw::OutputMode{delivery, a.cols};  // one output per PE, row by row over the array
    }
}

// Each PE's psum stays in its RF; it comes from the buffer (if continuing) and goes back once.
// Steps (c, r, s) run one a cycle unless the buses or the buffer port feeding a group of S are slower.
std::pair<ActionCounts, Cycle> OutputStationary::pass_estimate(const Layer& l, const ArchParams& a, const GridMapping&,
                                                               const GridPassInfo& pi) const {
    const GridPassModel pass = model_grid_pass(l, pi, forwards(l));
    const uint64_t Mp = static_cast<uint64_t>(pi.m_count);
    ActionCounts c = count_pass(l, pi, pass, Mp, OperandStore::OperandRegister, pass.fwords, pass.fwords * pass.pixels);
    AccessCounts& A = c.acc;
    const uint64_t pin = pi.psum_in ? 1 : 0, outs = pass.outs;
    A.at(Level::Glb, DataType::Psum).reads += pin * outs;
    A.at(Level::Noc, DataType::Psum).writes += (pin + 1) * outs;
    A.at(Level::Noc, DataType::Psum).reads += (pin + 1) * outs;
    A.at(Level::Rf, DataType::Psum).writes += pin * outs;
    A.at(Level::Rf, DataType::Psum).reads += outs;
    A.at(Level::Glb, DataType::Psum).writes += outs;

    const NocParams& noc = a.noc;
    const int S = l.shape.S;
    const uint64_t ib = static_cast<uint64_t>(l.ifmap.bits), fb = static_cast<uint64_t>(l.filter.bits);
    const uint64_t pb = static_cast<uint64_t>(a.pe.psum_bits);
    const uint64_t ob = pi.final_out && l.requant.enabled ? static_cast<uint64_t>(l.requant.out.bits) : pb;
    const uint64_t images_rows = static_cast<uint64_t>(pi.n_count) * static_cast<uint64_t>(pi.e_count);
    const int glb_bits = static_cast<int>(a.glb.bits_per_cycle());
    const uint64_t per_group =
        std::max({static_cast<uint64_t>(S), bus_cycles(images_rows * pass.bus_words * ib, noc.ifmap_bus_bits),
                  bus_cycles(Mp * S * fb, noc.filter_bus_bits),
                  bus_cycles(images_rows * pass.bus_real * ib + Mp * S * fb, glb_bits)});
    const uint64_t psums_out = bus_cycles(outs * ob, noc.psum_out_bus_bits);
    const uint64_t psums_in = pi.psum_in ? bus_cycles(outs * pb, noc.psum_in_bus_bits) : 0;
    return {c, pass.chain * per_group + static_cast<uint64_t>(a.pe.pipeline_depth) + psums_out + psums_in};
}

}  // namespace dfsim
