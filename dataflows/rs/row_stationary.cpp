#include "dataflows/rs/row_stationary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <sstream>

#include "base/error.h"
#include "energy/energy.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

int ceil_div(int a, int b) { return (a + b - 1) / b; }
uint64_t ceil_div_u(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

}  // namespace

std::string RsMapping::to_yaml() const {
    std::ostringstream os;
    os << "{h: " << h << ", e: " << e << ", p: " << p << ", q: " << q << ", r: " << r << ", t: " << t << ", "
       << yaml_fields() << "}";
    return os.str();
}

std::string RsMapping::summary() const {
    std::ostringstream os;
    os << "h=" << h << " e=" << e << " p=" << p << " q=" << q << " r=" << r << " t=" << t << " | "
       << GlbTiling::summary();
    return os.str();
}

std::string RsMapping::loop_nest(const Layer& l) const {
    const LayerShape& s = l.shape;
    std::ostringstream os;
    auto ind = [](int d) { return indent(d); };
    int d = GlbTiling::loop_nest(l, os);
    os << ind(d++) << "for m_blk in [0,Mt) step p*t=" << p * t << "                # pass loops\n";
    os << ind(d++) << "for c_blk in [0,Ct) step q*r=" << q * r << "\n";
    os << ind(d++) << "for r_seg in [0," << s.R << ") step h=" << h << "\n";
    os << ind(d++) << "for img in [0,Nt), strip in [0,Et) step e=" << e << "      # filters stay in the spads\n";
    os << ind(d++) << "parallel-for chain in [0," << t << "), set in [0," << r << "), pe_row in [0," << h
       << "), pe_col in [0," << e << ")   # array\n";
    os << ind(d++) << "for f in [0," << s.F() << ")                       # PE: 1-D row convolution\n";
    os << ind(d++) << "for m in [0," << p << "), c in [0," << q << "), s in [0," << s.S << "): psum += w * x\n";
    return os.str();
}

std::string RowStationary::check(const Layer& l, const ArchParams& a, const RsMapping& m) {
    const LayerShape& s = l.shape;
    auto words = [](int n) { return " (" + std::to_string(n) + " words)"; };
    if (m.h < 1 || m.h > std::min(s.R, a.rows)) return "h must be in [1, min(R, rows)]";
    if (m.e < 1 || m.e > std::min(s.E(), a.cols)) return "e must be in [1, min(E, cols)]";
    if (m.p < 1 || m.p > a.pe.psum_spad_words) return "p exceeds the psum spad" + words(a.pe.psum_spad_words);
    if (m.q < 1 || m.q * s.S > a.pe.ifmap_spad_words)
        return "q*S exceeds the ifmap spad" + words(a.pe.ifmap_spad_words);
    if (m.p * m.q * s.S > a.pe.filter_spad_words)
        return "p*q*S exceeds the filter spad" + words(a.pe.filter_spad_words);
    if (m.r < 1 || m.r * m.h > a.rows) return "r*h exceeds the array rows";
    if (m.t < 1 || m.t > (a.rows / (m.r * m.h)) * (a.cols / m.e)) return "t chains do not fit the array";
    return check_tiling(l, a, m);
}

void RowStationary::for_each_pass(const Layer& l, const RsMapping& m, const TileStep& st,
                                  const std::function<void(const RsPassInfo&)>& pass, bool collapse) {
    const int images = collapse ? std::min(st.Nt, 2) : st.Nt;
    const LayerShape& s = l.shape;
    // Collapsed, an output-row block after the first (which loads the filters) that is full and
    // whose ifmap rows are all real counts as every other such block (the pass model sees e0 only
    // through which rows are padding): the first of them stands for all.
    for_each_block_size(st.Mt, m.p * m.t, collapse, [&](int m0, int m_alike) {
        for_each_channel_block(st.Ct, m.q * m.r, collapse, st.first_c, [&](int c0, int c_alike) {
            for (int r0 = 0; r0 < s.R; r0 += m.h) {
                const int r_count = std::min(m.h, s.R - r0);
                auto interior = [&](int e0) {
                    return collapse && e0 > st.E0 && st.E0 + st.Et - e0 >= m.e &&
                           pass_rows_all_real(s, e0, m.e, r0, r_count);
                };
                for (int img = 0; img < images; ++img)  // the tile's images share the loaded filters
                    for_each_collapsed_step(st.E0, st.E0 + st.Et, m.e, interior, [&](int e0, int n_alike) {
                        RsPassInfo pi;
                        pi.n0 = img;
                        pi.repeat = (collapse && img == 1 ? st.Nt - 1 : 1) * m_alike * c_alike * n_alike;
                        pi.e0 = e0;
                        pi.e_count = std::min(m.e, st.E0 + st.Et - e0);
                        pi.psum_e0 = e0 - st.E0;
                        pi.m0 = m0, pi.m_count = std::min(m.p * m.t, st.Mt - m0);
                        pi.c0 = c0, pi.c_count = std::min(m.q * m.r, st.Ct - c0);
                        pi.r0 = r0, pi.r_count = r_count;
                        pi.load_filters = img == 0 && e0 == st.E0;
                        pi.psum_in = !(st.first_c && c0 == 0 && r0 == 0);
                        pi.final_out = st.last_c && c0 + m.q * m.r >= st.Ct && r0 + m.h >= s.R;
                        pass(pi);
                    });
            }
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Program builder

namespace {

// The sets of one pass: chain k (filters m0 + k*p ...) is made of n_sets sets stacked
// vertically, set l (channels c0 + l*q ...) counted from the bottom.
std::vector<hw::RowSet> make_sets(const ArchParams& a, const RsMapping& m, const RsPassInfo& pi) {
    std::vector<hw::RowSet> sets;
    const int n_chains = ceil_div(pi.m_count, m.p);
    const int n_sets = ceil_div(pi.c_count, m.q);
    const int nv = a.rows / (m.r * m.h);
    for (int k = 0; k < n_chains; ++k) {
        const int top = (k % nv) * m.r * m.h;
        const int col = (k / nv) * m.e;
        const int p = std::min(m.p, pi.m_count - k * m.p);
        for (int l = 0; l < n_sets; ++l) {
            hw::RowSet s;
            s.pe_row0 = top + (n_sets - 1 - l) * pi.r_count;
            s.pe_col0 = col;
            s.m0 = pi.m0 + k * m.p;
            s.p = p;
            s.c0 = pi.c0 + l * m.q;
            s.q = std::min(m.q, pi.c_count - l * m.q);
            s.psum_from = l == 0 ? -1 : static_cast<int>(sets.size()) - 1;
            s.to_glb = l == n_sets - 1;
            sets.push_back(s);
        }
    }
    return sets;
}

}  // namespace

hw::Program RowStationary::build_program(const Layer& l, const ArchParams& a, const Mapping& mb) const {
    const auto& m = mapping_as<RsMapping>(mb);
    std::string bad = check(l, a, m);
    DFSIM_ASSERT(bad.empty(), "illegal RS mapping: " + bad);
    const LayerShape& s = l.shape;
    return build_tiled_program(l, a, m, [&](const TileStep& st, const TileSlotIds& ids, std::vector<hw::Op>& out) {
        for_each_pass(l, m, st, [&](const RsPassInfo& pi) {
            hw::RowPass rp;
            rp.ifmap_slot = ids.ifmap, rp.filter_slot = ids.filter, rp.psum_slot = ids.psum;
            rp.ifmap_row0 = st.row_lo;
            rp.m_abs0 = st.g * s.Mg() + st.M0;
            rp.n0 = pi.n0, rp.n_count = 1;
            rp.r0 = pi.r0, rp.r_count = pi.r_count;
            rp.e0 = pi.e0, rp.e_count = pi.e_count, rp.psum_e0 = pi.psum_e0;
            rp.psum_in = pi.psum_in;
            rp.final_out = pi.final_out;
            rp.load_filters = pi.load_filters;
            rp.sets = make_sets(a, m, pi);
            out.push_back(hw::Op{std::move(rp)});
        });
    });
}

// ---------------------------------------------------------------------------------------------
// Analytical model: closed-form counts per pass, and a cycle estimate.

namespace {

// The analytical model of a row-stationary pass on data without zeros other than padding,
// written apart from the hardware's own counting (hw/row_pass.h).
class RsPassModel {
public:
    RsPassModel(const Layer& l, const ArchParams& a, const RsMapping& m);
    std::pair<ActionCounts, Cycle> operator()(const RsPassInfo& pi) const;

private:
    struct Rows {
        uint64_t rows = 0, real_rows = 0;  // distinct padded ifmap rows (per channel), those inside the image
        uint64_t pe_zero_taps = 0;  // padding zeros in the windows of one PE column's rows
    };
    Rows pass_rows(const RsPassInfo& pi) const;
    void count_ifmap(ActionCounts& c, const RsPassInfo& pi, const Rows& r) const;
    uint64_t count_chains(ActionCounts& c, const RsPassInfo& pi, const Rows& r, uint64_t p, uint64_t n) const;
    uint64_t column_cycles(const RsPassInfo& pi, const Rows& r, uint64_t p) const;
    uint64_t column_work(const RsPassInfo& pi, uint64_t p) const;
    uint64_t coupled_columns(const RsPassInfo& pi, uint64_t lag, uint64_t col_cycles) const;
    Cycle pass_cycles(const RsPassInfo& pi, const Rows& r, uint64_t col_cycles, uint64_t filter_words) const;

    const Layer& m_l;
    const ArchParams& m_a;
    const RsMapping& m_m;
    const int m_F, m_S, m_U;
    const int m_Wn;  // padded positions of an ifmap row
    const uint64_t m_needed;  // positions of a row each consumer PE takes
    const int m_real_cols;  // of the Wn positions, those inside the image
    uint64_t m_pad_col_taps = 0;  // zero taps a window row sees from padding columns alone
    const uint64_t m_row_taps;  // taps of a row's windows: F * S
    const double m_issued;  // the share of MAC slots issued under zero skipping (issued_share)
};

RsPassModel::RsPassModel(const Layer& l, const ArchParams& a, const RsMapping& m)
    : m_l(l),
      m_a(a),
      m_m(m),
      m_F(l.shape.F()),
      m_S(l.shape.S),
      m_U(l.shape.U),
      m_Wn((m_F - 1) * m_U + m_S),
      m_needed(m_U <= m_S ? static_cast<uint64_t>(m_Wn) : static_cast<uint64_t>(m_F) * m_S),
      m_real_cols(std::max(0, std::min(m_Wn, l.shape.P + l.shape.W) - l.shape.P)),
      m_row_taps(static_cast<uint64_t>(m_F) * m_S),
      m_issued(issued_share(l, a, l.zeros.ifmap_zero_slots)) {
    const LayerShape& s = l.shape;
    for (int f = 0; f < m_F; ++f)
        for (int k = 0; k < m_S; ++k) {
            const int w = f * m_U + k;
            m_pad_col_taps += (w < s.P || w >= s.P + s.W);
        }
}

RsPassModel::Rows RsPassModel::pass_rows(const RsPassInfo& pi) const {
    const LayerShape& s = m_l.shape;
    Rows r;
    // output row e0 + j reads padded rows [lo, lo + r_count); lo grows with j, so the rows not
    // read before are those from max(lo, covered) on
    auto real_in = [&](int lo, int hi) {
        return static_cast<uint64_t>(std::max(0, std::min(hi, s.P + s.H) - std::max(lo, s.P)));
    };
    int covered = std::numeric_limits<int>::min();
    for (int j = 0; j < pi.e_count; ++j) {
        const int lo = (pi.e0 + j) * m_U + pi.r0, hi = lo + pi.r_count;
        const uint64_t real = real_in(lo, hi);
        r.pe_zero_taps += real * m_pad_col_taps + (static_cast<uint64_t>(pi.r_count) - real) * m_row_taps;
        const int from = std::max(lo, covered);
        if (from < hi) {
            r.rows += static_cast<uint64_t>(hi - from);
            r.real_rows += real_in(from, hi);
        }
        covered = std::max(covered, hi);
    }
    return r;
}

// Each distinct row once from the buffer onto the bus, to every PE that takes it.
void RsPassModel::count_ifmap(ActionCounts& c, const RsPassInfo& pi, const Rows& r) const {
    const uint64_t c_count = static_cast<uint64_t>(pi.c_count);
    const uint64_t n_chains = static_cast<uint64_t>(ceil_div(pi.m_count, m_m.p));
    c.acc.at(Level::Glb, DataType::Ifmap).reads += c_count * r.real_rows * m_real_cols;
    c.acc.at(Level::Noc, DataType::Ifmap).writes += c_count * r.rows * m_Wn;
    const uint64_t deliveries = n_chains * c_count * pi.r_count * pi.e_count * m_needed;
    c.acc.at(Level::Noc, DataType::Ifmap).reads += deliveries;
    c.acc.at(Level::Rf, DataType::Ifmap).writes += deliveries;
}

// `n` chains of p filters each: their MACs and the psums up their PE columns (pes_col PEs each);
// returns the cycles a chain spends per output column. Chains of the same p count alike.
uint64_t RsPassModel::count_chains(ActionCounts& c, const RsPassInfo& pi, const Rows& r, uint64_t p, uint64_t n) const {
    const uint64_t c_count = static_cast<uint64_t>(pi.c_count), e_count = static_cast<uint64_t>(pi.e_count);
    const uint64_t pes_col = static_cast<uint64_t>(ceil_div(pi.c_count, m_m.q)) * pi.r_count;
    const uint64_t pfe = n * p * m_F * e_count;  // psums the chains' columns pass on
    const uint64_t macs = n * p * c_count * m_S * m_F * pi.r_count * e_count;  // sum over sets of p*q_l*S*F*h*e
    const uint64_t gated = n * p * c_count * r.pe_zero_taps;
    AccessCounts& A = c.acc;
    c.macs += macs;
    c.gated_macs += gated;
    A.at(Level::Rf, DataType::Ifmap).reads += macs;
    A.at(Level::Rf, DataType::Filter).reads += macs - gated;
    A.at(Level::Rf, DataType::Psum).reads += macs - gated;
    A.at(Level::Rf, DataType::Psum).writes += macs - gated;
    const uint64_t adds = (pes_col - 1 + (pi.psum_in ? 1 : 0)) * pfe;
    c.psum_adds += adds;
    A.at(Level::Rf, DataType::Psum).reads += adds + pes_col * pfe;
    A.at(Level::Rf, DataType::Psum).writes += adds;
    A.at(Level::Noc, DataType::Psum).reads += adds + pfe;
    A.at(Level::Noc, DataType::Psum).writes += pes_col * pfe;
    A.at(Level::Glb, DataType::Psum).writes += pfe;
    if (pi.psum_in) {
        A.at(Level::Glb, DataType::Psum).reads += pfe;
        A.at(Level::Noc, DataType::Psum).writes += pfe;
    }
    if (pi.final_out) {
        c.glb_output_writes += pfe;
        c.noc_output_reads += pfe;  // over the output network, requantized
        if (m_l.requant.enabled) c.requant_ops += pfe;
    }
    return column_cycles(pi, r, p);
}

// A PE's work per output column: its MACs and adds, and the send when its psum spad holds one
// column only (p filters, the pass's c_count channels, `issued` the share of slots issued).
uint64_t column_work(const ArchParams& a, const RsMapping& m, int S, double issued, int c_count, uint64_t p) {
    const uint64_t qmax = static_cast<uint64_t>(std::min(m.q, c_count));
    uint64_t col = issued_slots(p * qmax * S, issued) + (a.pe.psum_add_in_mac_slots ? p : 0);
    if (a.pe.psum_spad_words < static_cast<int>(2 * p))
        col += ceil_div_u(p * a.pe.psum_bits, static_cast<uint64_t>(a.noc.psum_link_bits));
    return col;
}
uint64_t RsPassModel::column_work(const RsPassInfo& pi, uint64_t p) const {
    return dfsim::column_work(m_a, m_m, m_S, m_issued, pi.c_count, p);
}

// The cycles of the psums' climb up a chain of pes_col PEs (p_max filters each).
uint64_t chain_climb(const ArchParams& a, uint64_t pes_col, uint64_t p_max) {
    const uint64_t hop = p_max + ceil_div_u(p_max * a.pe.psum_bits, static_cast<uint64_t>(a.noc.psum_link_bits));
    return (pes_col - 1) * hop;
}
// The cycles of a filter load of `words` words over the filter bus.
uint64_t filter_load_cycles(const Layer& l, const ArchParams& a, uint64_t words) {
    return ceil_div_u(words * l.filter.bits, static_cast<uint64_t>(a.noc.filter_bus_bits));
}
// The cycles the ifmap bus takes to carry one position of `rows` rows of c_count channels.
uint64_t ifmap_burst(const Layer& l, const ArchParams& a, int c_count, uint64_t rows) {
    return ceil_div_u(static_cast<uint64_t>(c_count) * rows * l.ifmap.bits,
                      static_cast<uint64_t>(a.noc.ifmap_bus_bits));
}

// A PE's cycles per output column: its work, or the wait for the next column's window if longer.
// A PE's cycles per output column (p filters, the pass's c_count channels, reading `rows`
// distinct ifmap rows): its work, or the wait for the next column's window if longer.
uint64_t column_cycles(const Layer& l, const ArchParams& a, const RsMapping& m, double issued, int c_count,
                       uint64_t rows, uint64_t p) {
    const int S = l.shape.S, U = l.shape.U;
    const uint64_t qmax = static_cast<uint64_t>(std::min(m.q, c_count));
    const uint64_t col = column_work(a, m, S, issued, c_count, p);
    // the ifmap spad holds `window` words a channel: window - S of the next column's new words
    // arrive early; each of the other n waits for a word of this column to leave the spad, the
    // word of tap t once the column has issued tap t's q*p slots (the PE goes tap by tap)
    const uint64_t burst = ifmap_burst(l, a, c_count, rows);
    const int window = a.pe.ifmap_spad_words / static_cast<int>(qmax);
    const int taps_freed = std::min(U, S);
    const uint64_t n = static_cast<uint64_t>(taps_freed - std::clamp(window - S, 0, taps_freed));
    const uint64_t qp = p * qmax;
    uint64_t ready = static_cast<uint64_t>(U) * burst;  // the bus carries U positions a column
    // The PEs of different rows do not run in step: each row's word goes on the bus right after
    // its own PEs freed the room, the bus serving the rows in turn, so a PE waits for its n taps
    // and one bus slot a word (the bus itself is bounded above, U bursts a column); the wait for
    // the PE that lags most is coupled_columns'.
    if (n > 0) ready = std::max({ready, issued_slots(qp, issued) + n, issued_slots(n * qp, issued) + 1});
    return std::max(col, ready);
}
uint64_t RsPassModel::column_cycles(const RsPassInfo& pi, const Rows& r, uint64_t p) const {
    return dfsim::column_cycles(m_l, m_a, m_m, m_issued, pi.c_count, r.rows, p);
}

// The cycles of the pass's F output columns when the PEs are coupled through the ifmap bus (what the
// engine's list schedule shows on long chains and wide arrays). The bus delivers in order,
// position by position for every row, so a word that must wait for room in its PEs' spads (it
// replaces the word at tap tb of column fb, freed once that tap's q*p slots have issued) holds
// back every word behind it: the PEs start a column only once the PE that lags most has freed
// that room. That PE is near the top of the chain the networks serve last: it starts column f
// only once its psums of column f - k have left (k = 2 with psum spad room for two columns,
// else 1), a column's work plus `lag` (the psums' climb and one column on the output or psum-in
// network) after the PEs started column f - k. Over the columns fb - k .. f + 1 the bus thus
// waits for the work, the lag and the tb + 1 taps, from the column that has such a predecessor
// on; the other columns take `col_cycles` each. Where the new words fit beside the window in use,
// the room they take was freed columns earlier: the span is longer and the bound weaker.
uint64_t RsPassModel::coupled_columns(const RsPassInfo& pi, uint64_t lag, uint64_t col_cycles) const {
    const ArchParams& a = m_a;
    const uint64_t qmax = static_cast<uint64_t>(std::min(m_m.q, pi.c_count));
    const uint64_t p_max = static_cast<uint64_t>(std::min(m_m.p, pi.m_count));
    const int window = a.pe.ifmap_spad_words / static_cast<int>(qmax);
    const int taps_freed = std::min(m_U, m_S);
    const uint64_t k = a.pe.psum_spad_words >= static_cast<int>(2 * p_max) ? 2 : 1;
    const uint64_t work = column_work(pi, p_max);
    // the words column f + 1 adds to column f's, as the engine indexes the used positions
    const int f = window + m_S;  // any column far enough from the row's start
    const int first = m_U <= m_S ? f * m_U + m_S : (f + 1) * m_U, last = (f + 1) * m_U + m_S - 1;
    uint64_t cycles = 0;
    for (int w = first; w <= last; ++w) {
        const int used = m_U <= m_S ? w : (w / m_U) * m_S + w % m_U;
        const int kv = used - window;
        const int fb = kv / taps_freed, tb = kv - fb * taps_freed;
        if (fb < 0 || f + 1 - fb <= 0) continue;
        const uint64_t span = static_cast<uint64_t>(f + 1 - fb) + k;
        const uint64_t waits = static_cast<uint64_t>(m_F - 1) / span, rest = static_cast<uint64_t>(m_F) - waits * span;
        cycles = std::max(cycles,
                          waits * (work + lag + issued_slots(static_cast<uint64_t>(tb + 1) * qmax * p_max, m_issued)) +
                              rest * col_cycles);
    }
    return cycles;
}

// The filter load, then the slowest of compute (the columns, then the climb),
// the ifmap bus, the output network, the psum-in network and the buffer port.
// A pass's cycles: the filter load, then the slowest of compute (the columns, then the climb),
// the ifmap bus, the output network, the psum-in network and the buffer port. The pass reads
// `rows` distinct ifmap rows, real_rows x real_cols words of them inside the image; its PEs take
// col_cycles a column; columns(lag) gives its F columns' cycles, `lag` the psums' climb and
// their column on the output or psum-in network (RsPassModel couples the PEs through the bus).
template <typename Columns>
Cycle pass_cycles_of(const Layer& l, const ArchParams& a, const RsMapping& m, const RsPassInfo& pi, uint64_t rows,
                     uint64_t real_rows, uint64_t real_cols, uint64_t col_cycles, uint64_t filter_words,
                     Columns columns_of) {
    const uint64_t c_count = static_cast<uint64_t>(pi.c_count), e_count = static_cast<uint64_t>(pi.e_count);
    const uint64_t F = static_cast<uint64_t>(l.shape.F()), Wn = (F - 1) * l.shape.U + l.shape.S;
    const uint64_t pes_col = static_cast<uint64_t>(ceil_div(pi.c_count, m.q)) * pi.r_count;
    const uint64_t t_filt = pi.load_filters ? filter_load_cycles(l, a, filter_words) : 0;
    // the last column leaves the top of the chain after the psums climbed pes_col PEs
    const uint64_t p_max = static_cast<uint64_t>(std::min(m.p, pi.m_count));
    const uint64_t climb = chain_climb(a, pes_col, p_max);
    const int out_bits = pi.final_out && l.requant.enabled ? l.requant.out.bits : a.pe.psum_bits;
    const uint64_t column_outputs = static_cast<uint64_t>(pi.m_count) * e_count;
    // the chain tops' psums of one column over the output network, the bottoms' over the psum-in bus
    const uint64_t out_per_column = std::max(
        ceil_div_u(column_outputs * out_bits, static_cast<uint64_t>(a.noc.psum_out_bus_bits)),
        pi.psum_in ? ceil_div_u(column_outputs * a.pe.psum_bits, static_cast<uint64_t>(a.noc.psum_in_bus_bits)) : 0);
    const uint64_t columns = columns_of(climb + out_per_column);
    const uint64_t compute = columns + climb + static_cast<uint64_t>(a.pe.pipeline_depth);
    const uint64_t ifmap_bus = Wn * ifmap_burst(l, a, pi.c_count, rows);
    const uint64_t outputs = column_outputs * F;
    // the output network carries nothing before the first column has climbed its chain
    const uint64_t out_bus = col_cycles + climb + static_cast<uint64_t>(a.pe.pipeline_depth) +
                             ceil_div_u(outputs * out_bits, static_cast<uint64_t>(a.noc.psum_out_bus_bits));
    // chain bottoms that continue an accumulation fetch the earlier psums over the psum-in bus
    const uint64_t psum_in_bus =
        pi.psum_in ? ceil_div_u(outputs * a.pe.psum_bits, static_cast<uint64_t>(a.noc.psum_in_bus_bits)) : 0;
    const uint64_t glb_port =
        ceil_div_u((c_count * real_rows * real_cols) * l.ifmap.bits + outputs * a.pe.psum_bits * (pi.psum_in ? 2 : 1),
                   static_cast<uint64_t>(a.glb.bits_per_cycle()));
    return t_filt + std::max({compute, ifmap_bus, out_bus, psum_in_bus, glb_port});
}
Cycle RsPassModel::pass_cycles(const RsPassInfo& pi, const Rows& r, uint64_t col_cycles, uint64_t filter_words) const {
    return pass_cycles_of(
        m_l, m_a, m_m, pi, r.rows, r.real_rows, static_cast<uint64_t>(m_real_cols), col_cycles, filter_words,
        [&](uint64_t lag) { return std::max(col_cycles * m_F, coupled_columns(pi, lag, col_cycles)); });
}

std::pair<ActionCounts, Cycle> RsPassModel::operator()(const RsPassInfo& pi) const {
    ActionCounts c;
    const Rows r = pass_rows(pi);
    count_ifmap(c, pi, r);
    // chain k holds filters k*p ...: the full chains, then the one left over with fewer
    const uint64_t full = static_cast<uint64_t>(pi.m_count / m_m.p), rest = static_cast<uint64_t>(pi.m_count % m_m.p);
    uint64_t col_cycles = 0;
    if (full > 0) col_cycles = count_chains(c, pi, r, static_cast<uint64_t>(m_m.p), full);
    if (rest > 0) col_cycles = std::max(col_cycles, count_chains(c, pi, r, rest, 1));
    const uint64_t filter_words =
        pi.load_filters ? static_cast<uint64_t>(pi.m_count) * pi.c_count * pi.r_count * m_S : 0;
    if (pi.load_filters) {  // each distinct filter word once from the buffer, to the e PEs of its set row
        const uint64_t e_count = static_cast<uint64_t>(pi.e_count);
        c.acc.at(Level::Glb, DataType::Filter).reads += filter_words;
        c.acc.at(Level::Noc, DataType::Filter).writes += filter_words;
        c.acc.at(Level::Noc, DataType::Filter).reads += filter_words * e_count;
        c.acc.at(Level::Rf, DataType::Filter).writes += filter_words * e_count;
    }
    return {c, pass_cycles(pi, r, col_cycles, filter_words)};
}

}  // namespace

namespace {
using RsKey = std::array<int, 9>;  // passes alike in everything but filter, channel and image offsets
// A pass's key: its e0 only where some of its ifmap rows are padding (the model sees e0 only
// through which rows are real, RsPassModel::pass_rows).
auto rs_key(const Layer& l) {
    return [&l](const RsPassInfo& pi) {
        const bool all_real = pass_rows_all_real(l.shape, pi.e0, pi.e_count, pi.r0, pi.r_count);
        return RsKey{all_real ? -1 : pi.e0, pi.e_count, pi.m_count,  pi.c_count, pi.r0, pi.r_count,
                     pi.load_filters,       pi.psum_in, pi.final_out};
    };
}
// A mapping's passes counted once per distinct tile and pass (depends on the block, not the tiling).
auto rs_passes(const Layer& l, const ArchParams& a, const RsMapping& m) {
    auto each = [&l, &m](const TileStep& st, const auto& visit) {
        RowStationary::for_each_pass(l, m, st, visit, true);
    };
    auto key = rs_key(l);
    return TilePasses<RsKey, RsPassInfo, decltype(each), decltype(key), RsPassModel>(each, key, RsPassModel(l, a, m));
}
std::array<int, 6> block_key(const RsMapping& m) { return {m.h, m.e, m.p, m.q, m.r, m.t}; }
}  // namespace

Estimate RowStationary::estimate(const Layer& l, const ArchParams& a, const EnergyTable& table,
                                 const Mapping& mb) const {
    const auto& m = mapping_as<RsMapping>(mb);
    auto passes = rs_passes(l, a, m);
    return estimate_tiled(l, a, m, table, passes);
}

Estimate RowStationary::bound(const Layer& l, const ArchParams& a, const EnergyTable& table, const Mapping& mb) const {
    const auto& m = mapping_as<RsMapping>(mb);
    auto passes = rs_passes(l, a, m);
    return bound_tiled(l, a, m, EnergyModel(table, a), tiling_passes(l, m, passes));
}

void RowStationary::bound_all(const Layer& l, const ArchParams& a, const EnergyTable& table,
                              const std::vector<const Mapping*>& ms, Estimate* out, const BoundCutoff& cut) const {
    bound_by_block<RsMapping>(
        l, a, table, ms, out, [&](const RsMapping& m) { return rs_passes(l, a, m); }, block_key, cut);
}

// ---------------------------------------------------------------------------------------------
// Mapper

namespace {
// The filter, channel and output-row blocks a buffer tile is made of.
std::array<int, 3> rs_tile_blocks(const Layer& l, const RsMapping& m) {
    return {std::min(l.shape.Mg(), m.p * m.t), m.q * m.r, m.e};
}
}  // namespace

void RowStationary::for_each_block(const Layer& l, const ArchParams& a,
                                   const std::function<void(const Mapping&)>& visit) const {
    const LayerShape& s = l.shape;
    const int E = s.E(), Mg = s.Mg(), Cg = s.Cg();
    // filters per PE: values that split M evenly or nearly (and the largest legal one)
    auto p_values = [&](int pmax) {
        std::vector<int> v;
        for (int p : {1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48, 64})
            if (p < pmax) v.push_back(p);
        v.push_back(pmax);
        for (int k = 1; k <= 16; ++k)
            if (ceil_div(Mg, k) <= pmax) v.push_back(ceil_div(Mg, k));
        std::sort(v.begin(), v.end());
        v.erase(std::unique(v.begin(), v.end()), v.end());
        return v;
    };
    const int h = std::min(s.R, a.rows);
    for (int e = std::min(E, a.cols); e >= 1; --e)
        for (int q = std::min(Cg, a.pe.ifmap_spad_words / s.S); q >= 1; --q) {
            const int pmax = std::min({Mg, a.pe.psum_spad_words, a.pe.filter_spad_words / (q * s.S)});
            if (pmax < 1) continue;
            for (int p : p_values(pmax))
                for (int r = std::min(a.rows / h, ceil_div(Cg, q)); r >= 1; --r) {
                    RsMapping m;
                    m.h = h, m.e = e, m.p = p, m.q = q, m.r = r;
                    m.t = std::min((a.rows / (r * h)) * (a.cols / e), ceil_div(Mg, p));
                    if (m.t >= 1) visit(m);
                }
        }
}

void RowStationary::for_each_tiling_of(const Layer& l, const ArchParams& a, const Mapping& block,
                                       const std::function<void(const Mapping&)>& visit) const {
    const auto& m = mapping_as<RsMapping>(block);
    const auto [m_block, c_block, e_block] = rs_tile_blocks(l, m);
    for_each_block_candidate(l, a, m, m_block, c_block, e_block, visit);
}

std::array<int, 3> RowStationary::tile_blocks_of(const Layer& l, const Mapping& block) const {
    return rs_tile_blocks(l, mapping_as<RsMapping>(block));
}

Estimate RowStationary::floor(const Layer& l, const ArchParams& a, const EnergyTable& table, const Mapping& m) const {
    return floor_of_block(l, a, table, mapping_as<RsMapping>(m),
                          [&](const RsMapping& w) { return rs_passes(l, a, w); });
}

// The whole layer's passes as floor() counts them (one tile: for_each_pass of whole_layer_tile),
// summed by closed forms a (filter, channel, filter-row) block at a time, their output-row blocks
// and images alike. Counted exactly: the MAC slots and their register-file accesses, the filter
// loads, the ifmap deliveries, the psums and outputs (RsPassModel counts each of them without
// looking at which ifmap rows a pass reads). Left out (lower bounds at 0): the ifmap rows read
// from the buffer and put on the bus. Each pass's cycles as at least its filter load, then its F
// columns of column_work (the chain with the most filters) and the climb (RsPassModel::pass_cycles
// takes the most of these and its other limits, and a column at least its work).
bool RowStationary::quick_floors(const Layer& l, const ArchParams& a, const EnergyTable& table,
                                 const std::vector<const Mapping*>& blocks, Estimate* out) const {
    const LayerShape& s = l.shape;
    const ActionCounts compulsory = compulsory_traffic(l, a);
    const EnergyModel em(table, a, layer_widths(l, a));
    const uint64_t N = static_cast<uint64_t>(s.N), F = static_cast<uint64_t>(s.F()), E = static_cast<uint64_t>(s.E());
    const uint64_t G = static_cast<uint64_t>(s.G), S = static_cast<uint64_t>(s.S), U = static_cast<uint64_t>(s.U);
    const uint64_t macs = s.macs(), gated = s.padding_macs();
    const uint64_t needed = U <= S ? (F - 1) * U + S : F * S;  // RsPassModel::m_needed
    const double issued = issued_share(l, a, l.zeros.ifmap_zero_slots);
    for (size_t i = 0; i < blocks.size(); ++i) {
        const auto& m = mapping_as<RsMapping>(*blocks[i]);
        ActionCounts c;
        AccessCounts& A = c.acc;
        c.macs = macs, c.gated_macs = gated;
        A.at(Level::Rf, DataType::Ifmap).reads = macs;
        A.at(Level::Rf, DataType::Filter).reads = macs - gated;
        A.at(Level::Rf, DataType::Psum).reads = macs - gated;
        A.at(Level::Rf, DataType::Psum).writes = macs - gated;
        const uint64_t e_first = std::min<uint64_t>(static_cast<uint64_t>(m.e), E);
        uint64_t cycles = 0;
        for_each_block_size(s.Mg(), m.p * m.t, true, [&](int m0, int m_alike) {
            const uint64_t m_count = static_cast<uint64_t>(std::min(m.p * m.t, s.Mg() - m0));
            const uint64_t chains = ceil_div_u(m_count, static_cast<uint64_t>(m.p));
            const uint64_t p_max = std::min<uint64_t>(static_cast<uint64_t>(m.p), m_count);
            for_each_block_class(s.Cg(), m.q * m.r, true, [&](int c0, int c_alike) {
                const int c_count = std::min(m.q * m.r, s.Cg() - c0);
                const uint64_t cc = static_cast<uint64_t>(c_count);
                for (int r0 = 0; r0 < s.R; r0 += m.h) {
                    const uint64_t r_count = static_cast<uint64_t>(std::min(m.h, s.R - r0));
                    const uint64_t alike = static_cast<uint64_t>(m_alike) * static_cast<uint64_t>(c_alike) * G;
                    const uint64_t pes_col = ceil_div_u(cc, static_cast<uint64_t>(m.q)) * r_count;
                    const uint64_t pfe = alike * m_count * F * E * N;  // psums the chains pass on, all passes
                    const bool psum_in = c0 > 0 || r0 > 0;
                    const uint64_t adds = (pes_col - 1 + (psum_in ? 1 : 0)) * pfe;
                    c.psum_adds += adds;
                    A.at(Level::Rf, DataType::Psum).reads += adds + pes_col * pfe;
                    A.at(Level::Rf, DataType::Psum).writes += adds;
                    A.at(Level::Noc, DataType::Psum).reads += adds + pfe;
                    A.at(Level::Noc, DataType::Psum).writes += pes_col * pfe + (psum_in ? pfe : 0);
                    A.at(Level::Glb, DataType::Psum).writes += pfe;
                    if (psum_in) A.at(Level::Glb, DataType::Psum).reads += pfe;
                    const bool final_out = c0 + m.q * m.r >= s.Cg() && r0 + m.h >= s.R;
                    if (final_out) {
                        c.glb_output_writes += pfe;
                        c.noc_output_reads += pfe;
                        if (l.requant.enabled) c.requant_ops += pfe;
                    }
                    const uint64_t deliveries = alike * chains * cc * r_count * E * N * needed;
                    A.at(Level::Noc, DataType::Ifmap).reads += deliveries;
                    A.at(Level::Rf, DataType::Ifmap).writes += deliveries;
                    const uint64_t filter_words = m_count * cc * r_count * S;  // loaded once, by the first pass
                    A.at(Level::Glb, DataType::Filter).reads += alike * filter_words;
                    A.at(Level::Noc, DataType::Filter).writes += alike * filter_words;
                    A.at(Level::Noc, DataType::Filter).reads += alike * filter_words * e_first;
                    A.at(Level::Rf, DataType::Filter).writes += alike * filter_words * e_first;
                    // a pass of e_count output rows (its filter load apart): pass_cycles_of without
                    // the coupling of the PEs and the ifmap words the buffer port reads
                    RsPassInfo pi;
                    pi.m_count = static_cast<int>(m_count), pi.c_count = c_count,
                    pi.r_count = static_cast<int>(r_count);
                    pi.load_filters = false, pi.psum_in = psum_in, pi.final_out = final_out;
                    auto pass = [&](uint64_t e_count) {
                        const uint64_t rows = U <= r_count ? (e_count - 1) * U + r_count : e_count * r_count;
                        const uint64_t col = column_cycles(l, a, m, issued, c_count, rows, p_max);
                        pi.e_count = static_cast<int>(e_count);
                        return pass_cycles_of(l, a, m, pi, rows, 0, 0, col, 0, [&](uint64_t) { return F * col; });
                    };
                    const uint64_t full_e = E / static_cast<uint64_t>(m.e), rest_e = E % static_cast<uint64_t>(m.e);
                    cycles += alike * (filter_load_cycles(l, a, filter_words) +
                                       N * (full_e * pass(static_cast<uint64_t>(m.e)) + (rest_e ? pass(rest_e) : 0)));
                }
            });
        });
        out[i] = block_floor(l, a, em, {c, cycles}, compulsory);
    }
    return true;
}

std::string RowStationary::check_mapping(const Layer& l, const ArchParams& a, const Mapping& m) const {
    return check(l, a, mapping_as<RsMapping>(m));
}

std::unique_ptr<Mapping> RowStationary::parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const {
    auto m = std::make_unique<RsMapping>();
    parse_tiling(y, l, a, *m);
    m->h = static_cast<int>(y.get_int("h", 1, 1 << 20, std::min(l.shape.R, a.rows)));
    m->e = static_cast<int>(y.get_int("e", 1, 1 << 20));
    m->p = static_cast<int>(y.get_int("p", 1, 1 << 20, 1));
    m->q = static_cast<int>(y.get_int("q", 1, 1 << 20, 1));
    m->r = static_cast<int>(y.get_int("r", 1, 1 << 20, 1));
    m->t = static_cast<int>(y.get_int("t", 1, 1 << 20, 1));
    y.check_no_unknown_keys();
    const std::string bad = check(l, a, *m);
    if (!bad.empty()) y.fail("", "expected a legal rs mapping for layer " + l.name + " on " + a.name + ": " + bad);
    return m;
}

}  // namespace dfsim
