#include "hw/row_pass.h"

#include <algorithm>
#include <array>

#include "hw/output_unit.h"
#include "hw/trace.h"

namespace dfsim::hw {

namespace {
// offset of filter k, channel jj in a PE's filter spad [k][j][s] of q channels and S taps
size_t spad_offset(int k, int jj, int q, int S) { return u64((k * q + jj) * S); }
}  // namespace

namespace {

// The scratch with the tables a pass builds emptied; the rows' buffers are kept for reuse.
RowPassEngine::Scratch& emptied(RowPassEngine::Scratch& s) {
    s.n_rows = 0;
    s.chains.clear();
    s.chain_pes.clear();
    return s;
}

}  // namespace

RowPassEngine::RowPassEngine(const ArrayParts& hw, const RowPass& pass, Scratch& scratch)
    : m_hw(hw),
      m_pass(pass),
      m_ifmap(hw.glb.slot(pass.ifmap_slot)),
      m_filter(hw.glb.slot(pass.filter_slot)),
      m_psum(hw.glb.slot(pass.psum_slot)),
      m_r_count(pass.r_count),
      m_e_count(pass.e_count),
      m_S(hw.layer.S),
      m_U(hw.layer.U),
      m_F(hw.layer.F),
      m_Wn((m_F - 1) * m_U + m_S),
      m_taps_freed(std::min(m_U, m_S)),
      m_scratch(emptied(scratch)),
      m_chains(scratch.chains),
      m_rows(scratch.rows),
      m_pe_rows(scratch.pe_rows),
      m_row_index(scratch.row_index),
      m_real_at(scratch.real_at),
      m_skip_at(scratch.skip_at),
      m_skip_tap(scratch.skip_tap),
      m_partial(scratch.partial),
      m_wzero(scratch.wzero),
      m_ld(mac_stride(m_F)),
      m_res(fresh_resources(scratch.res, hw)),
      m_filt_ready(scratch.filt_ready),
      m_col_start(scratch.col_start),
      m_pe_qp(scratch.pe_qp),
      m_chain_pes(scratch.chain_pes) {}

void RowPassEngine::compute() {
    DFSIM_ASSERT(!m_pass.sets.empty() && m_r_count > 0 && m_e_count > 0 && m_F > 0, "empty pass");
    DFSIM_ASSERT(m_pass.n_count == 1, "a row pass works on one image");
    check_sets();
    link_chains();
    check_tiles();
    collect_rows();
    read_rows();
    values_and_counts();
}

// ---------------------------------------------------------------------------------------------
// Geometry checks

void RowPassEngine::check_sets() {
    const ArchParams& a = m_hw.arch;
    const PeParams& pp = a.pe;
    std::vector<uint8_t> occupied(u64(a.num_pes()), 0);
    for (const RowSet& s : m_pass.sets) {
        DFSIM_ASSERT(
            s.pe_row0 >= 0 && s.pe_row0 + m_r_count <= a.rows && s.pe_col0 >= 0 && s.pe_col0 + m_e_count <= a.cols,
            "PE set outside the array");
        DFSIM_ASSERT(s.p >= 1 && s.q >= 1, "empty PE set");
        DFSIM_ASSERT(s.p * s.q * m_S <= pp.filter_spad_words, "filters exceed the filter spad");
        DFSIM_ASSERT(s.q * m_S <= pp.ifmap_spad_words, "ifmap window exceeds the ifmap spad");
        DFSIM_ASSERT(s.p <= pp.psum_spad_words, "psums exceed the psum spad");
        for (int i = 0; i < m_r_count; ++i)
            for (int j = 0; j < m_e_count; ++j) {
                uint8_t& o = at(occupied, (s.pe_row0 + i) * a.cols + s.pe_col0 + j);
                DFSIM_ASSERT(!o, "two PE sets overlap");
                o = 1;
            }
        m_qmax = std::max(m_qmax, s.q);
    }
}

// The psum chains, bottom set first: from each set that writes to the buffer down its psum_from links.
void RowPassEngine::link_chains() {
    const int n_sets = static_cast<int>(m_pass.sets.size());
    std::vector<int> member(m_pass.sets.size(), 0);
    for (int k = 0; k < n_sets; ++k) {
        if (!set(k).to_glb) continue;
        std::vector<int> chain;
        for (int cur = k; cur >= 0; cur = set(cur).psum_from) {
            const RowSet& s = set(cur);
            DFSIM_ASSERT(cur < n_sets && at(member, cur)++ == 0, "a PE set is in two psum chains");
            if (s.psum_from >= 0) {
                const RowSet& b = set(s.psum_from);
                DFSIM_ASSERT(b.pe_row0 == s.pe_row0 + m_r_count && b.pe_col0 == s.pe_col0,
                             "chained PE sets must be vertically adjacent");
                DFSIM_ASSERT(b.m0 == s.m0 && b.p == s.p, "chained PE sets must hold the same filters");
                DFSIM_ASSERT(!b.to_glb, "a chained set cannot also write to the buffer");
            }
            chain.push_back(cur);
        }
        std::reverse(chain.begin(), chain.end());
        std::vector<std::pair<int, int>> order;  // its PEs (set, row), bottom first
        for (int k : chain)
            for (int i = m_r_count - 1; i >= 0; --i) order.emplace_back(k, i);
        m_chain_pes.push_back(std::move(order));
        m_chains.push_back(std::move(chain));
    }
    for (int n : member) DFSIM_ASSERT(n == 1, "PE set in no psum chain");
}

void RowPassEngine::check_tiles() const {
    DFSIM_ASSERT(m_ifmap.dim[3] == m_hw.layer.W, "ifmap tile width");
    DFSIM_ASSERT(m_filter.dim[3] == m_S, "filter tile width");
    DFSIM_ASSERT(m_psum.dim[3] == m_F, "psum tile width");
}

// ---------------------------------------------------------------------------------------------
// Ifmap rows

// A row for channel c, padded row prow, in an earlier pass's buffers if there is one.
int RowPassEngine::new_row(int c, int prow) {
    if (m_scratch.n_rows == m_rows.size()) m_rows.emplace_back();
    RowBuf& rb = m_rows[m_scratch.n_rows];
    rb.data.clear(), rb.zero_at_tap.clear(), rb.pes.clear();
    rb.c = c, rb.prow = prow, rb.real_words = 0, rb.consumers = 0, rb.zero_window_taps = 0;
    rb.ir = -1, rb.line = -1, rb.arrived = 0;
    return static_cast<int>(m_scratch.n_rows++);
}

// The distinct (channel, padded row) pairs the PEs take, and which one each PE takes per channel.
void RowPassEngine::collect_rows() {
    const int n_sets = static_cast<int>(m_pass.sets.size());
    // (channel, padded row) -> index into m_rows, over the box the sets cover
    int c_lo = m_pass.sets.front().c0, c_hi = c_lo;
    for (const RowSet& s : m_pass.sets) c_lo = std::min(c_lo, s.c0), c_hi = std::max(c_hi, s.c0 + s.q);
    const int r_lo = m_pass.e0 * m_U + m_pass.r0, r_span = (m_e_count - 1) * m_U + m_r_count;
    std::vector<int>& index = m_row_index;
    index.assign(u64(c_hi - c_lo) * u64(r_span), -1);
    m_pe_rows.assign(pe_row_slot(pe_index(n_sets, 0, 0), 0), -1);
    for (int k = 0; k < n_sets; ++k) {
        const RowSet& s = set(k);
        for (int i = 0; i < m_r_count; ++i)
            for (int j = 0; j < m_e_count; ++j)
                for (int jj = 0; jj < s.q; ++jj) {
                    const int prow = (m_pass.e0 + j) * m_U + m_pass.r0 + i;
                    int& row = index[u64(s.c0 + jj - c_lo) * u64(r_span) + u64(prow - r_lo)];
                    if (row < 0) row = new_row(s.c0 + jj, prow);
                    m_rows[u64(row)].consumers++;
                    m_pe_rows[pe_row_slot(pe_index(k, i, j), jj)] = row;
                }
    }
}

// Each row's words from the ifmap slot (zeros in the padding) and its zeros per window tap.
void RowPassEngine::read_rows() {
    const LayerParams& L = m_hw.layer;
    m_real_at.assign(u64(m_Wn), 0);
    // the positions [w_lo, w_hi) of a real row that hold image columns (w - P)
    const int w_lo = std::min(L.P, m_Wn), w_hi = std::max(w_lo, std::min(L.P + L.W, m_Wn));
    for (RowBuf& rb : rows()) {
        rb.data.assign(u64(m_Wn), 0);
        const int hr = rb.prow - L.P;  // real image row (outside [0, H): padding)
        const int ir = hr - m_pass.ifmap_row0;
        const bool real_row = hr >= 0 && hr < L.H;
        DFSIM_ASSERT(!real_row || (ir >= 0 && ir < m_ifmap.dim[2]), "pass needs an ifmap row its tile lacks");
        if (real_row) rb.ir = ir;
        if (real_row && w_hi > w_lo) {
            const int32_t* src = &m_ifmap.data[m_ifmap.index(m_pass.n0, rb.c, ir, w_lo - L.P)];
            std::copy(src, src + (w_hi - w_lo), rb.data.begin() + w_lo);
            rb.real_words = u64(w_hi - w_lo);
            for (int w = w_lo; w < w_hi; ++w) m_real_at[u64(w)]++;
        }
        rb.zero_at_tap.assign(u64(m_S), 0);
        // tap t reads positions t + f * U (f < F): tap t + U's window is tap t's slid by one
        const int32_t* d = rb.data.data();
        uint32_t* zt = rb.zero_at_tap.data();
        for (int t = 0; t < m_S; ++t) {
            uint32_t z = 0;
            if (t < m_U)
                for (int f = 0; f < m_F; ++f) z += d[f * m_U + t] == 0;
            else
                z = zt[t - m_U] - (d[t - m_U] == 0) + (d[t + (m_F - 1) * m_U] == 0);
            zt[t] = z;
            rb.zero_window_taps += z;
        }
    }
    if (m_hw.dp.kind == Multiplier::Mac) phase_rows();
}

// The rows split by phase for the MAC kernel (hw/mac_rows.h).
void RowPassEngine::phase_rows() {
    const int len = mac_phase_len(m_S, m_U, m_F);
    m_phased_words = u64(m_U * len);
    m_scratch.phased.resize(rows().size() * m_phased_words);
    DFSIM_ASSERT(m_scratch.phased.size() <= u64(INT32_MAX), "split rows exceed the kernel's int offsets");
    for (size_t r = 0; r < rows().size(); ++r)
        mac_phase_row(m_rows[r].data.data(), m_Wn, m_U, len, &m_scratch.phased[r * m_phased_words]);
    m_scratch.tap_off.resize(u64(m_S));
    for (int t = 0; t < m_S; ++t) m_scratch.tap_off[u64(t)] = t % m_U * len + t / m_U;
    m_scratch.xoff.resize(u64(m_qmax * m_S));
}

// ---------------------------------------------------------------------------------------------
// Filter load

// Every PE of a set row takes the set's p filters x q channels of its filter row.
void RowPassEngine::load_filters() {
    std::vector<std::array<int, 4>> distinct;  // (m0, p, c0, q) of the sets loaded so far (a few)
    uint64_t delivered = 0;
    for (const RowSet& s : m_pass.sets) {
        const uint64_t words = u64(s.p * s.q * m_S) * m_r_count;
        const std::array<int, 4> key{s.m0, s.p, s.c0, s.q};
        if (std::find(distinct.begin(), distinct.end(), key) == distinct.end()) {
            distinct.push_back(key);
            m_filter_words += words;
        }
        delivered += words * m_e_count;
        for (int i = 0; i < m_r_count; ++i) {
            // the set row's spad contents, copied into the row's other PEs
            Pe& first = pe(s, i, 0);
            const int r = m_pass.r0 + i;
            first.filter_spad.resize(spad_offset(s.p, 0, s.q, m_S));
            for (int k = 0; k < s.p; ++k)
                for (int jj = 0; jj < s.q; ++jj) {
                    const int32_t* src = &m_filter.data[m_filter.index(s.m0 + k, s.c0 + jj, r, 0)];
                    std::copy(src, src + m_S,
                              first.filter_spad.begin() + static_cast<ptrdiff_t>(spad_offset(k, jj, s.q, m_S)));
                }
            for (int j = 0; j < m_e_count; ++j) {
                Pe& x = pe(s, i, j);
                if (j > 0) x.filter_spad = first.filter_spad;
                x.f_m0 = s.m0, x.f_p = s.p, x.f_c0 = s.c0, x.f_q = s.q, x.f_r = r;
            }
        }
    }
    AccessCounts& a = m_hw.counts.acc;
    a.at(Level::Glb, DataType::Filter).reads += m_filter_words;
    a.at(Level::Noc, DataType::Filter).writes += m_filter_words;
    a.at(Level::Noc, DataType::Filter).reads += delivered;
    a.at(Level::Rf, DataType::Filter).writes += delivered;
}

void RowPassEngine::check_kept_filters() const {
    for (const RowSet& s : m_pass.sets)
        for (int i = 0; i < m_r_count; ++i)
            for (int j = 0; j < m_e_count; ++j) {
                const Pe& x = pe(s, i, j);
                DFSIM_ASSERT(x.f_m0 == s.m0 && x.f_p == s.p && x.f_c0 == s.c0 && x.f_q == s.q && x.f_r == m_pass.r0 + i,
                             "pass reuses filters the PE does not hold");
            }
}

// ---------------------------------------------------------------------------------------------
// Values and counts

void RowPassEngine::values_and_counts() {
    if (m_pass.load_filters)
        load_filters();
    else
        check_kept_filters();
    const LayerParams& L = m_hw.layer;
    const OutputUnit out(m_hw.arch.pe.psum_bits, m_pass.final_out, L.requant, m_hw.dp.bias);
    m_partial.assign(u64(m_F), 0);
    m_wzero.assign(u64(m_S), 0);
    if (m_hw.dp.skip) {
        m_skip_at.assign(pe_index(static_cast<int>(m_pass.sets.size()), 0, 0) * m_F, 0);
        m_skip_tap.assign(m_skip_at.size() * u64(m_taps_freed), 0);
    }
    for (const std::vector<int>& chain : m_chains) compute_chain(chain, out);
    count_ifmap_delivery();
}

// Output row by output row: the chain's PEs, bottom up, add their row convolutions to the
// psums; the chain top sends them over the global output network through the output unit.
void RowPassEngine::compute_chain(const std::vector<int>& chain, const OutputUnit& out) {
    ActionCounts& cnt = m_hw.counts;
    const RowSet& top = set(chain.back());
    const int p = top.p;
    const uint64_t pf = u64(p * m_F);
    std::vector<int64_t> acc(u64(p * m_ld));  // [k * m_ld + f]
    for (int j = 0; j < m_e_count; ++j) {
        const int e = m_pass.psum_e0 + j;  // row in the psum slot
        std::fill(acc.begin(), acc.end(), 0);
        if (m_pass.psum_in) {
            for (int k = 0; k < p; ++k) {
                const int32_t* in = &m_psum.at(m_pass.n0, top.m0 + k, e, 0);
                std::copy(in, in + m_F, &at(acc, k * m_ld));
            }
            cnt.acc.at(Level::Glb, DataType::Psum).reads += pf;
            cnt.acc.at(Level::Noc, DataType::Psum).writes += pf;
        }
        for (size_t ci = 0; ci < chain.size(); ++ci)
            for (int i = m_r_count - 1; i >= 0; --i) {
                compute_pe(chain[ci], i, j, p, acc);
                count_pe(chain[ci], i, j, p, !(ci == 0 && i == m_r_count - 1) || m_pass.psum_in);
            }
        // chain top -> global output network -> output unit -> psum slot; a final output is
        // requantized as it leaves the array (out() here computes the same value), so it crosses
        // the network at the output width, as the timing and the energy both count it
        cnt.acc.at(Level::Noc, DataType::Psum).reads += pf;
        cnt.acc.at(Level::Glb, DataType::Psum).writes += pf;
        if (m_pass.final_out) cnt.glb_output_writes += pf, cnt.noc_output_reads += pf;
        for (int k = 0; k < p; ++k)
            out.row(&at(acc, k * m_ld), &m_psum.at(m_pass.n0, top.m0 + k, e, 0), m_F, m_pass.m_abs0 + top.m0 + k, cnt);
    }
}

// PE (set, i, j): for each of its p filters, the 1-D convolutions of its q channels' rows.
void RowPassEngine::compute_pe(int k_set, int i, int j, int p, std::vector<int64_t>& acc) {
    const RowSet& s = set(k_set);
    const Pe& x = pe(s, i, j);
    const size_t pe_i = pe_index(k_set, i, j);
    if (m_hw.dp.kind == Multiplier::Mac) {
        // each (channel, tap) pair's run in the split rows
        int* xoff = m_scratch.xoff.data();
        for (int jj = 0; jj < s.q; ++jj) {
            const int row = m_pe_rows[pe_row_slot(pe_i, jj)];
            for (int t = 0; t < m_S; ++t)
                xoff[jj * m_S + t] = static_cast<int>(u64(row) * m_phased_words) + m_scratch.tap_off[u64(t)];
        }
        mac_rows(acc.data(), m_scratch.phased.data(), xoff, x.filter_spad.data(), p, s.q * m_S, m_F);
        return;
    }
    for (int k = 0; k < p; ++k) {
        std::fill(m_partial.begin(), m_partial.end(), 0);
        for (int jj = 0; jj < s.q; ++jj)
            row_conv(m_hw.dp, m_partial.data(), row_of_pe(pe_i, jj).data.data(),
                     &x.filter_spad[spad_offset(k, jj, s.q, m_S)], m_S, m_U, m_F);
        int64_t* a = &at(acc, k * m_ld);
        for (int f = 0; f < m_F; ++f) a[f] += at(m_partial, f);
    }
}

// Zeros in the windows of the rows PE `pe_i` (pe_index) takes (over its channels and output columns).
uint64_t RowPassEngine::zero_taps(size_t pe_i, int q) const {
    uint64_t z = 0;
    for (int jj = 0; jj < q; ++jj) z += row_of_pe(pe_i, jj).zero_window_taps;
    return z;
}

// The gated slots of PE (set, i, j): a (filter, tap) pair whose weight is zero gates all F
// columns, otherwise the columns whose ifmap word at that tap is zero. With zero skipping, also
// the slots it skips in each output column.
uint64_t RowPassEngine::gated_slots(int k_set, int i, int j, int p) {
    const Datapath& dp = m_hw.dp;
    if (!dp.gates()) return 0;
    const RowSet& s = set(k_set);
    const size_t pe_i = pe_index(k_set, i, j);
    uint32_t* skip = dp.skip ? &m_skip_at[pe_i * m_F] : nullptr;
    uint32_t* skip_tap = dp.skip ? &m_skip_tap[pe_i * m_F * u64(m_taps_freed)] : nullptr;
    const uint32_t p32 = static_cast<uint32_t>(p);
    auto skips = [&](int f, int t, uint32_t n) {
        skip[f] += n;
        if (t < m_taps_freed) skip_tap[f * m_taps_freed + t] += n;
    };
    if (!dp.gate_w) {  // ifmap zeros only: p slots per zero word
        for (int jj = 0; skip && jj < s.q; ++jj)
            for (int f = 0; f < m_F; ++f)
                for (int t = 0; t < m_S; ++t) skips(f, t, at(row_of_pe(pe_i, jj).data, f * m_U + t) == 0 ? p32 : 0);
        return p32 * zero_taps(pe_i, s.q);
    }
    const Pe& x = pe(s, i, j);
    uint64_t gated = 0;
    for (int jj = 0; jj < s.q; ++jj) {
        const RowBuf& rb = row_of_pe(pe_i, jj);
        std::fill(m_wzero.begin(), m_wzero.end(), 0);
        for (int k = 0; k < p; ++k)
            for (int t = 0; t < m_S; ++t) at(m_wzero, t) += x.filter_spad[spad_offset(k, jj, s.q, m_S) + t] == 0;
        for (int t = 0; t < m_S; ++t) {
            const uint64_t wz = at(m_wzero, t);
            gated += wz * m_F + (dp.gate_x ? (p32 - wz) * at(rb.zero_at_tap, t) : 0);
        }
        for (int f = 0; skip && f < m_F; ++f)
            for (int t = 0; t < m_S; ++t) {
                const bool xz = dp.gate_x && at(rb.data, f * m_U + t) == 0;
                skips(f, t, xz ? p32 : at(m_wzero, t));
            }
    }
    return gated;
}

// What PE (set, i, j) counts for one output row: its MAC slots and their register-file accesses,
// the psums arriving from below (or from the buffer) that it adds, and the psums it sends up.
void RowPassEngine::count_pe(int k_set, int i, int j, int p, bool psum_arrives) {
    const RowSet& s = set(k_set);
    const Datapath& dp = m_hw.dp;
    ActionCounts& cnt = m_hw.counts;
    const uint64_t gated = gated_slots(k_set, i, j, p);
    const uint64_t pq = u64(p * s.q), pf = u64(p * m_F);
    const uint64_t macs = pq * m_S * m_F;
    if (dp.kind == Multiplier::Xnor) {  // one popcount step per (filter, channel, column) and xnor_bits taps
        cnt.xnor_ops += pq * m_F * ceil_div(m_S, dp.xnor_bits);
        cnt.xnor_bits += macs - p * zero_taps(pe_index(k_set, i, j), s.q);
    }
    cnt.macs += macs;
    cnt.gated_macs += gated;
    if (dp.skip) cnt.skipped_macs += gated;
    AccessCounts& a = cnt.acc;
    a.at(Level::Rf, DataType::Ifmap).reads += macs;
    a.at(Level::Rf, DataType::Filter).reads += macs - gated;
    a.at(Level::Rf, DataType::Psum).reads += macs - gated;
    a.at(Level::Rf, DataType::Psum).writes += macs - gated;
    if (psum_arrives) {  // add the psums arriving from below (or from the buffer)
        cnt.psum_adds += pf;
        a.at(Level::Rf, DataType::Psum).reads += pf;
        a.at(Level::Rf, DataType::Psum).writes += pf;
        a.at(Level::Noc, DataType::Psum).reads += pf;
    }
    // send the psums up (or out)
    a.at(Level::Rf, DataType::Psum).reads += pf;
    a.at(Level::Noc, DataType::Psum).writes += pf;
}

// The ifmap bus carries every position of each row once; each consumer PE takes the positions
// its windows need (all of them unless the stride skips some).
void RowPassEngine::count_ifmap_delivery() {
    const uint64_t needed = m_U <= m_S ? u64(m_Wn) : u64(m_F * m_S);
    AccessCounts& a = m_hw.counts.acc;
    for (const RowBuf& rb : rows()) {
        a.at(Level::Glb, DataType::Ifmap).reads += rb.real_words;
        a.at(Level::Noc, DataType::Ifmap).writes += m_Wn;
        a.at(Level::Noc, DataType::Ifmap).reads += rb.consumers * needed;
        a.at(Level::Rf, DataType::Ifmap).writes += rb.consumers * needed;
    }
}

// ---------------------------------------------------------------------------------------------
// Timing

// The filter load first, then per padded position w one ifmap burst (held back while the
// slowest PE has not freed its window), and after each output column's last position the PEs'
// step for that column.
Cycle RowPassEngine::timing() {
    filter_timing();
    reset_pe_timing();
    const int window = m_hw.arch.pe.ifmap_spad_words / m_qmax;  // words per channel the spad can hold
    DFSIM_ASSERT(window >= m_S, "ifmap spad cannot hold one window");
    const size_t n_pes = pe_index(static_cast<int>(m_pass.sets.size()), 0, 0);
    m_col_start.assign(n_pes * u64(m_F), 0);
    m_pe_qp.resize(n_pes);
    for (size_t pe_i = 0; pe_i < n_pes; ++pe_i) {  // each PE's slots a tap, and it in its rows' lists
        const RowSet& s = set(static_cast<int>(pe_i / u64(m_r_count * m_e_count)));
        m_pe_qp[pe_i] = u64(s.q) * u64(s.p);
        for (int jj = 0; jj < s.q; ++jj) at(m_rows, m_pe_rows[pe_row_slot(pe_i, jj)]).pes.push_back(pe_i);
    }
    m_pass_end = 0;
    for (Cycle t : m_filt_ready) m_pass_end = std::max(m_pass_end, t);
    Cycle last = 0;  // the cycle of the last word the ifmap bus carried
    for (int w = 0; w < m_Wn; ++w) {
        deliver_position(w, window, last);
        const int f = (w + 1 - m_S) / m_U;  // the output column whose window ends at w, if any
        if (w + 1 >= m_S && (w + 1 - m_S) % m_U == 0 && f < m_F) {
            for (size_t c = 0; c < m_chains.size(); ++c)
                for (int j = 0; j < m_e_count; ++j) step_chain(m_chains[c], m_chain_pes[c], j, f);
            send_tops();
        }
    }
    if (m_hw.trace)
        m_hw.trace->resources(m_res.ifmap_bus, m_res.filter_bus, m_res.psum_in_bus, m_res.out_bus, m_res.glb_port);
    return m_pass_end;
}

// The filter load, one transfer of up to filter_bus_bits of a set row's words a cycle, sets with
// the same filters taking the same transfers; the filter tile is laid out in that order.
void RowPassEngine::filter_timing() {
    const LayerParams& L = m_hw.layer;
    m_filt_ready.assign(m_pass.sets.size() * u64(m_r_count), 0);
    if (!m_pass.load_filters) return;
    const int per = std::max(1, m_hw.arch.noc.filter_bus_bits / L.filter_bits);
    std::vector<int> first_of(m_pass.sets.size(), -1);  // the first set with the same filters
    for (size_t k = 0; k < m_pass.sets.size(); ++k)
        for (size_t k0 = 0; k0 <= k && first_of[k] < 0; ++k0) {
            const RowSet &a = m_pass.sets[k0], &b = m_pass.sets[k];
            if (a.m0 == b.m0 && a.p == b.p && a.c0 == b.c0 && a.q == b.q) first_of[k] = static_cast<int>(k0);
        }
    Cycle t = 0;
    uint64_t offset = 0;
    for (size_t k = 0; k < m_pass.sets.size(); ++k) {
        if (first_of[k] != static_cast<int>(k)) continue;
        const RowSet& s = m_pass.sets[k];
        const int words = s.p * s.q * m_S;
        for (int i = 0; i < m_r_count; ++i) {
            Cycle ready = 0;
            for (int w0 = 0; w0 < words; w0 += per, ++t) {
                const int n = std::min(per, words - w0);
                m_res.filter_bus.place(t, u64(n) * L.filter_bits);
                m_res.glb_port.place(t, u64(n) * L.filter_bits);
                ready = std::max({ready, t + 1, m_res.banks.access(m_pass.filter_slot, offset, u64(n), t)});
                offset += u64(n);
            }
            for (size_t k2 = 0; k2 < m_pass.sets.size(); ++k2)
                if (first_of[k2] == static_cast<int>(k)) m_filt_ready[k2 * u64(m_r_count) + u64(i)] = ready;
        }
    }
}

// The PE's word at tap t < U of column f, which no later column uses, leaves the spad once the
// tap's last MAC has issued (slots_through_tap, hw/row_conv.h).
Cycle RowPassEngine::word_free(size_t pe_i, int f, int t) const {
    uint64_t skipped = 0;  // through tap t (zero skipping)
    if (m_hw.dp.skip) {
        const uint32_t* at_tap = &m_skip_tap[(pe_i * u64(m_F) + u64(f)) * u64(m_taps_freed)];
        for (int tt = 0; tt <= t; ++tt) skipped += at_tap[tt];
    }
    return m_col_start[pe_i * u64(m_F) + u64(f)] + slots_through_tap(m_hw.dp, t, m_pe_qp[pe_i], skipped);
}

// Position w of every row, in order: a word waits for its PEs' spad room and for the bus. The
// spad holds `window` words a channel of the positions some column uses; w takes the place of the
// used position `window` places before it, at tap tb of column fb (the last column that uses it).
void RowPassEngine::deliver_position(int w, int window, Cycle& last) {
    const LayerParams& L = m_hw.layer;
    const bool used = m_U <= m_S || w % m_U < m_S;  // some output column reads position w
    const int k = m_U <= m_S ? w : (w / m_U) * m_S + w % m_U;  // its index among the used positions
    const int kv = k - window;  // the used position it replaces: tap tb of column fb (m_taps_freed used a column)
    const int fb = used && kv >= 0 ? kv / m_taps_freed : -1, tb = kv - fb * m_taps_freed;
    const int col = w - L.P;
    for (RowBuf& rb : rows()) {
        Cycle ready = last;
        if (fb >= 0)
            for (size_t pe_i : rb.pes) ready = std::max(ready, word_free(pe_i, fb, tb));
        const Cycle end = m_res.ifmap_bus.place(ready, L.ifmap_bits);
        last = end - 1;
        rb.arrived = end;
        if (rb.ir < 0 || col < 0 || col >= L.W) continue;  // padding: made on the bus
        m_res.glb_port.place(last, L.ifmap_bits);
        const uint64_t line =
            m_hw.glb.bank_map().line_of(m_pass.ifmap_slot, m_ifmap.index(m_pass.n0, rb.c, rb.ir, col));
        if (static_cast<int64_t>(line) != rb.line)  // the bus reads a line once and feeds the row from it
            rb.arrived = std::max(end, m_res.banks.access_line(m_pass.ifmap_slot, line, last));
        rb.line = static_cast<int64_t>(line);
    }
}

void RowPassEngine::reset_pe_timing() {
    for (const RowSet& s : m_pass.sets)
        for (int i = 0; i < m_r_count; ++i)
            for (int j = 0; j < m_e_count; ++j) {
                Pe& x = pe(s, i, j);
                x.busy_until = 0;
                x.send_free = 0;
                x.prev_send = 0;
                x.in_free = 0;
            }
}

Cycle RowPassEngine::pe_ready(size_t pe_i, int q) const {
    Cycle t = 0;
    for (int jj = 0; jj < q; ++jj) t = std::max(t, row_of_pe(pe_i, jj).arrived);
    return t;
}

uint64_t RowPassEngine::psum_address(int j, int f, int m0) const {
    // the psum tile is laid out [image][row][column][filter]: a column's p psums are consecutive
    const uint64_t pixel =
        (u64(m_pass.n0) * u64(m_psum.dim[2]) + u64(m_pass.psum_e0 + j)) * u64(m_psum.dim[3]) + u64(f);
    return pixel * u64(m_psum.dim[1]) + u64(m0);
}

// Output column f of output row j on one chain, bottom PE first: each PE issues its MACs (and
// adds the psums from below), then sends its psums up the link, or the top one to the buffer.
void RowPassEngine::step_chain(const std::vector<int>& chain, const std::vector<std::pair<int, int>>& order, int j,
                               int f) {
    const PeParams& pp = m_hw.arch.pe;
    const Datapath& dp = m_hw.dp;
    const RowSet& top = set(chain.back());
    const uint64_t p = top.p;
    const bool double_psum = u64(pp.psum_spad_words) >= 2 * p;
    const uint64_t taps = dp.kind == Multiplier::Xnor ? ceil_div(m_S, dp.xnor_bits) : u64(m_S);
    const uint64_t address = psum_address(j, f, top.m0);
    Cycle t_in = 0;  // when the psums the next PE adds have arrived
    bool have_in = false;
    for (size_t n = 0; n < order.size(); ++n) {
        const auto [k, i] = order[n];
        const RowSet& s = set(k);
        Pe& x = pe(s, i, j);
        const size_t pe_i = pe_index(k, i, j);
        const uint64_t mac_cycles = p * s.q * taps - (dp.skip ? m_skip_at[pe_i * m_F + f] : 0);
        // With psum spad room for two columns, the PE computes column f while column f-1's psums
        // wait for their partners from below; it cannot run further ahead (f-2 must have been sent).
        const Cycle start = std::max({x.busy_until, pe_ready(pe_i, s.q), m_filt_ready[u64(k) * u64(m_r_count) + u64(i)],
                                      double_psum ? x.prev_send : 0});
        if (n == 0 && m_pass.psum_in) {  // the chain bottom continues from the buffer's psums
            t_in = std::max(m_res.psum_in_bus.place(start, p * pp.psum_bits),
                            m_res.banks.access(m_pass.psum_slot, address, p, start));
            m_res.glb_port.place(start, p * pp.psum_bits);
            have_in = true;
        }
        // the adds of incoming psums take p issue slots of the MAC unit (or a separate adder)
        const Cycle mac_done = start + mac_cycles + (have_in && pp.psum_add_in_mac_slots ? p : 0);
        if (m_hw.trace) m_hw.trace->pe_busy(s.pe_row0 + i, s.pe_col0 + j, start, mac_done, trace_gated(k, i, j, f));
        const Cycle result = mac_done + pp.pipeline_depth - 1;
        const Cycle acc = have_in ? std::max(result, t_in + p) : result;
        Cycle send_done;
        if (n + 1 < order.size()) {  // up the link, once the PE above has added the previous column
            const Pe& up = pe(set(order[n + 1].first), order[n + 1].second, j);
            const Cycle send_start = std::max({acc, x.send_free, up.in_free});
            send_done = send_start + ceil_div(p * pp.psum_bits, m_hw.arch.noc.psum_link_bits);
            t_in = send_done;
            have_in = true;
        } else {  // the top: onto the output network once every chain has stepped (send_tops)
            x.in_free = acc;
            m_col_start[pe_i * u64(m_F) + u64(f)] = start;
            m_tops.push_back(TopSend{&x, std::max(acc, x.send_free), address, p, mac_done, double_psum});
            continue;
        }
        x.in_free = acc;  // its receiving register is empty again once it has added them
        x.prev_send = x.send_free;
        x.send_free = send_done;
        x.busy_until = double_psum ? mac_done : send_done;
        m_col_start[pe_i * u64(m_F) + u64(f)] = start;
        m_pass_end = std::max(m_pass_end, send_done);
    }
}

// The chain tops' psums of one output column over the output network and into the buffer's
// banks, in the order they are ready (as the network serves requests in order of arrival), so
// that no chain's tops always wait behind another's.
void RowPassEngine::send_tops() {
    std::stable_sort(m_tops.begin(), m_tops.end(),
                     [](const TopSend& a, const TopSend& b) { return a.start < b.start; });
    const uint64_t bits_per_psum = u64(out_bits(m_hw.arch, m_hw.layer, m_pass.final_out));
    for (const TopSend& t : m_tops) {
        const uint64_t bits = t.p * bits_per_psum;
        const Cycle send_done =
            std::max(m_res.out_bus.place(t.start, bits), m_res.banks.access(m_pass.psum_slot, t.address, t.p, t.start));
        m_res.glb_port.place(t.start, bits);
        Pe& x = *t.pe;
        x.prev_send = x.send_free;
        x.send_free = send_done;
        x.busy_until = t.double_psum ? t.mac_done : send_done;
        m_pass_end = std::max(m_pass_end, send_done);
    }
    m_tops.clear();
}

// Trace only: the gated MACs of PE (set, i, j) in output column f (as the datapath gates: ifmap
// and/or weight zeros).
uint64_t RowPassEngine::trace_gated(int k_set, int i, int j, int f) const {
    const Datapath& dp = m_hw.dp;
    if (!dp.gates()) return 0;
    const RowSet& s = set(k_set);
    const Pe& x = pe(s, i, j);
    const size_t pe_i = pe_index(k_set, i, j);
    uint64_t z = 0;
    for (int k = 0; k < s.p; ++k)
        for (int jj = 0; jj < s.q; ++jj)
            for (int t = 0; t < m_S; ++t) {
                const bool xz = dp.gate_x && at(row_of_pe(pe_i, jj).data, f * m_U + t) == 0;
                const bool wz = dp.gate_w && x.filter_spad[spad_offset(k, jj, s.q, m_S) + t] == 0;
                z += xz || wz;
            }
    return z;
}

}  // namespace dfsim::hw
