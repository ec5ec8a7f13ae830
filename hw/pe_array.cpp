#include "hw/pe_array.h"

#include <algorithm>
#include <map>

#include "hw/calendar.h"
#include "hw/output_unit.h"
#include "hw/row_conv.h"
#include "hw/trace.h"

namespace dfsim::hw {

using namespace sc_core;

namespace {

uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// One ifmap row as the ifmap bus delivers it: Wn padded positions, zeros outside the image.
struct RowBuf {
    int c = 0;                   // tile-local channel
    int prow = 0;                // padded row coordinate
    std::vector<int32_t> data;   // Wn words
    uint64_t real_words = 0;     // words read from the buffer (the rest are padding zeros)
    uint64_t consumers = 0;      // PEs that take this row
    uint64_t zero_window_taps = 0;  // sum over output columns of the zeros in that column's window
    std::vector<uint32_t> zero_at_tap;  // [t]: output columns whose tap t reads a zero
};

}  // namespace

PeArray::PeArray(sc_module_name name, const ArchParams& arch, sc_time period, GlobalBuffer& glb,
                 ActionCounts& counts)
    : sc_module(name), m_arch(arch), m_period(period), m_glb(glb), m_counts(counts),
      m_pes(static_cast<size_t>(arch.rows) * arch.cols) {
    SC_METHOD(on_done);
    sensitive << m_done_ev;
    dont_initialize();
}

void PeArray::start(const RowPass& pass, std::function<void()> done) {
    DFSIM_ASSERT(!m_done_cb, "PE array started while busy");
    launch(execute(pass), std::move(done));
}

void PeArray::start(const GridPass& pass, std::function<void()> done) {
    DFSIM_ASSERT(!m_done_cb, "PE array started while busy");
    launch(execute(pass), std::move(done));
}

void PeArray::launch(uint64_t cycles, std::function<void()> done) {
    m_done_cb = std::move(done);
    m_done_ev.notify(m_period * static_cast<double>(cycles));
}

uint64_t PeArray::load_lut() {
    if (m_dp.kind != Multiplier::Lut || m_lut_loaded) return 0;
    m_lut_loaded = true;
    // broadcast over the filter bus into every PE's table
    const uint64_t entries = m_dp.table.size();
    m_counts.lut_writes += entries * static_cast<uint64_t>(m_arch.num_pes());
    return ceil_div(entries * static_cast<uint64_t>(m_dp.lut_entry_bits), static_cast<uint64_t>(m_arch.noc.filter_bus_bits));
}

void PeArray::on_done() {
    auto cb = std::move(m_done_cb);
    m_done_cb = nullptr;
    cb();
}

uint64_t PeArray::execute(const RowPass& ps) {
    const PeParams& pp = m_arch.pe;
    const NocParams& noc = m_arch.noc;
    const LayerParams& L = m_layer;
    const int h = ps.r_count, e = ps.e_count, S = L.S, U = L.U, F = L.F;
    const int n_sets = static_cast<int>(ps.sets.size());
    DFSIM_ASSERT(n_sets > 0 && h > 0 && e > 0 && F > 0, "empty pass");
    DFSIM_ASSERT(ps.n_count == 1, "a row pass works on one image");

    // --- geometry checks: sets inside the array, disjoint, chains physically adjacent
    std::vector<uint8_t> occupied(m_pes.size(), 0);
    int qmax = 1;
    for (const RowSet& s : ps.sets) {
        DFSIM_ASSERT(s.pe_row0 >= 0 && s.pe_row0 + h <= m_arch.rows && s.pe_col0 >= 0 &&
                         s.pe_col0 + e <= m_arch.cols, "PE set outside the array");
        DFSIM_ASSERT(s.p >= 1 && s.q >= 1, "empty PE set");
        DFSIM_ASSERT(s.p * s.q * S <= pp.filter_spad_words, "filters exceed the filter spad");
        DFSIM_ASSERT(s.q * S <= pp.ifmap_spad_words, "ifmap window exceeds the ifmap spad");
        DFSIM_ASSERT(s.p <= pp.psum_spad_words, "psums exceed the psum spad");
        for (int i = 0; i < h; ++i)
            for (int j = 0; j < e; ++j) {
                auto& o = occupied[static_cast<size_t>(s.pe_row0 + i) * m_arch.cols + s.pe_col0 + j];
                DFSIM_ASSERT(!o, "two PE sets overlap");
                o = 1;
            }
        qmax = std::max(qmax, s.q);
    }
    // chains, bottom set first
    std::vector<std::vector<int>> chains;
    std::vector<int> member(static_cast<size_t>(n_sets), 0);
    for (int k = 0; k < n_sets; ++k) {
        if (!ps.sets[static_cast<size_t>(k)].to_glb) continue;
        std::vector<int> chain;
        for (int cur = k; cur >= 0; cur = ps.sets[static_cast<size_t>(cur)].psum_from) {
            const RowSet& s = ps.sets[static_cast<size_t>(cur)];
            DFSIM_ASSERT(member[static_cast<size_t>(cur)]++ == 0, "a PE set is in two psum chains");
            if (s.psum_from >= 0) {
                const RowSet& b = ps.sets[static_cast<size_t>(s.psum_from)];
                DFSIM_ASSERT(b.pe_row0 == s.pe_row0 + h && b.pe_col0 == s.pe_col0,
                             "chained PE sets must be vertically adjacent");
                DFSIM_ASSERT(b.m0 == s.m0 && b.p == s.p, "chained PE sets must hold the same filters");
                DFSIM_ASSERT(!b.to_glb, "a chained set cannot also write to the buffer");
            }
            chain.push_back(cur);
        }
        std::reverse(chain.begin(), chain.end());
        chains.push_back(std::move(chain));
    }
    for (int k = 0; k < n_sets; ++k) DFSIM_ASSERT(member[static_cast<size_t>(k)] == 1, "PE set in no psum chain");

    Tensor4& ifm = m_glb.slot(ps.ifmap_slot);
    Tensor4& flt = m_glb.slot(ps.filter_slot);
    Tensor4& pst = m_glb.slot(ps.psum_slot);
    const int tile_rows = ifm.dim[2];
    DFSIM_ASSERT(ifm.dim[3] == L.W, "ifmap tile width");
    DFSIM_ASSERT(flt.dim[3] == S, "filter tile width");
    DFSIM_ASSERT(pst.dim[3] == F, "psum tile width");

    // --- ifmap rows the pass needs, and which rows each PE takes
    const int Wn = (F - 1) * U + S;
    const uint64_t needed_positions = U <= S ? static_cast<uint64_t>(Wn) : static_cast<uint64_t>(F) * S;
    std::map<std::pair<int, int>, int> row_index;
    std::vector<RowBuf> rows;
    // pe_rows[((set * h + i) * e + j) * qmax + jj] -> row buffer index
    std::vector<int> pe_rows(static_cast<size_t>(n_sets) * h * e * qmax, -1);
    for (int k = 0; k < n_sets; ++k) {
        const RowSet& s = ps.sets[static_cast<size_t>(k)];
        for (int i = 0; i < h; ++i)
            for (int j = 0; j < e; ++j)
                for (int jj = 0; jj < s.q; ++jj) {
                    int prow = (ps.e0 + j) * U + ps.r0 + i;
                    auto key = std::make_pair(s.c0 + jj, prow);
                    auto it = row_index.find(key);
                    int idx;
                    if (it == row_index.end()) {
                        idx = static_cast<int>(rows.size());
                        row_index.emplace(key, idx);
                        rows.push_back(RowBuf{s.c0 + jj, prow, {}, 0, 0, 0, {}});
                    } else {
                        idx = it->second;
                    }
                    rows[static_cast<size_t>(idx)].consumers++;
                    pe_rows[((static_cast<size_t>(k) * h + i) * e + j) * qmax + jj] = idx;
                }
    }
    std::vector<uint64_t> real_at(static_cast<size_t>(Wn), 0);
    for (RowBuf& rb : rows) {
        rb.data.assign(static_cast<size_t>(Wn), 0);
        const int hr = rb.prow - L.P;  // real image row (outside [0, H): padding)
        const int ir = hr - ps.ifmap_row0;
        const bool real_row = hr >= 0 && hr < L.H;
        DFSIM_ASSERT(!real_row || (ir >= 0 && ir < tile_rows), "pass needs an ifmap row its tile lacks");
        if (real_row) {
            for (int w = 0; w < Wn; ++w) {
                int col = w - L.P;
                if (col >= 0 && col < L.W) {
                    rb.data[static_cast<size_t>(w)] = ifm.at(ps.n0, rb.c, ir, col);
                    rb.real_words++;
                    real_at[static_cast<size_t>(w)]++;
                }
            }
        }
        rb.zero_at_tap.assign(static_cast<size_t>(S), 0);
        for (int f = 0; f < F; ++f)
            for (int s = 0; s < S; ++s) rb.zero_at_tap[static_cast<size_t>(s)] += rb.data[static_cast<size_t>(f * U + s)] == 0;
        for (uint32_t z : rb.zero_at_tap) rb.zero_window_taps += z;
    }

    // --- filter load over the filter bus (multicast along each set row)
    Calendar glb_port(static_cast<uint64_t>(m_arch.glb.bits_per_cycle()));
    Calendar filter_bus(static_cast<uint64_t>(noc.filter_bus_bits));
    uint64_t t_filt = 0;
    if (ps.load_filters) {
        std::map<std::tuple<int, int, int, int>, int> unique;
        uint64_t unique_words = 0, delivered = 0;
        for (const RowSet& s : ps.sets) {
            uint64_t words = static_cast<uint64_t>(s.p) * s.q * h * S;
            if (unique.emplace(std::make_tuple(s.m0, s.p, s.c0, s.q), 1).second) unique_words += words;
            delivered += words * e;
            for (int i = 0; i < h; ++i)
                for (int j = 0; j < e; ++j) {
                    Pe& x = pe(s.pe_row0 + i, s.pe_col0 + j);
                    x.filter_spad.resize(static_cast<size_t>(s.p) * s.q * S);
                    for (int k = 0; k < s.p; ++k)
                        for (int jj = 0; jj < s.q; ++jj)
                            for (int t = 0; t < S; ++t)
                                x.filter_spad[(static_cast<size_t>(k) * s.q + jj) * S + t] =
                                    flt.at(s.m0 + k, s.c0 + jj, ps.r0 + i, t);
                    x.f_m0 = s.m0, x.f_p = s.p, x.f_c0 = s.c0, x.f_q = s.q, x.f_r = ps.r0 + i;
                }
        }
        auto& fa = m_counts.acc;
        fa.at(Level::Glb, DataType::Filter).reads += unique_words;
        fa.at(Level::Noc, DataType::Filter).writes += unique_words;
        fa.at(Level::Noc, DataType::Filter).reads += delivered;
        fa.at(Level::Rf, DataType::Filter).writes += delivered;
        uint64_t bits = unique_words * static_cast<uint64_t>(L.filter_bits);
        t_filt = std::max(filter_bus.place(0, bits), glb_port.place(0, bits));
    } else {
        for (const RowSet& s : ps.sets)
            for (int i = 0; i < h; ++i)
                for (int j = 0; j < e; ++j) {
                    const Pe& x = pe(s.pe_row0 + i, s.pe_col0 + j);
                    DFSIM_ASSERT(x.f_m0 == s.m0 && x.f_p == s.p && x.f_c0 == s.c0 && x.f_q == s.q &&
                                     x.f_r == ps.r0 + i, "pass reuses filters the PE does not hold");
                }
    }

    // --- values: each PE computes its 1-D row convolutions; psums accumulate up each chain
    const int out_bits = (ps.final_out && L.requant.enabled) ? L.requant.out.bits : pp.psum_bits;
    const OutputUnit output_unit(pp.psum_bits, ps.final_out, L.requant, m_dp.bias);
    ActionCounts& cnt = m_counts;
    std::vector<int64_t> acc;
    std::vector<int32_t> partial(static_cast<size_t>(F));
    const Datapath& dp = m_dp;
    const bool xnor = dp.kind == Multiplier::Xnor;
    const uint64_t xnor_steps = ceil_div(static_cast<uint64_t>(S), static_cast<uint64_t>(dp.xnor_bits));
    // skipped slots per PE and output column (zero skipping: the PE spends no cycle on them)
    std::vector<uint32_t> skip_at;
    if (dp.skip) skip_at.assign(static_cast<size_t>(n_sets) * h * e * F, 0);
    std::vector<uint32_t> wzero(static_cast<size_t>(S));
    for (const auto& chain : chains) {
        const RowSet& top = ps.sets[static_cast<size_t>(chain.back())];
        const int p = top.p;
        const uint64_t pf = static_cast<uint64_t>(p) * F;
        for (int j = 0; j < e; ++j) {
            acc.assign(static_cast<size_t>(p) * F, 0);
            if (ps.psum_in) {
                for (int k = 0; k < p; ++k)
                    for (int f = 0; f < F; ++f)
                        acc[static_cast<size_t>(k) * F + f] = pst.at(ps.n0, top.m0 + k, ps.psum_e0 + j, f);
                cnt.acc.at(Level::Glb, DataType::Psum).reads += pf;
                cnt.acc.at(Level::Noc, DataType::Psum).writes += pf;
            }
            for (size_t ci = 0; ci < chain.size(); ++ci) {
                const int k_set = chain[ci];
                const RowSet& s = ps.sets[static_cast<size_t>(k_set)];
                for (int i = h - 1; i >= 0; --i) {
                    const Pe& x = pe(s.pe_row0 + i, s.pe_col0 + j);
                    const size_t pe_idx = (static_cast<size_t>(k_set) * h + i) * e + j;
                    const int* ridx = &pe_rows[pe_idx * qmax];
                    uint64_t zero_taps = 0;
                    for (int jj = 0; jj < s.q; ++jj) zero_taps += rows[static_cast<size_t>(ridx[jj])].zero_window_taps;
                    for (int k = 0; k < p; ++k) {
                        std::fill(partial.begin(), partial.end(), 0);
                        for (int jj = 0; jj < s.q; ++jj) {
                            const int32_t* xr = rows[static_cast<size_t>(ridx[jj])].data.data();
                            const int32_t* wr = &x.filter_spad[(static_cast<size_t>(k) * s.q + jj) * S];
                            row_conv(dp, partial.data(), xr, wr, S, U, F);
                        }
                        int64_t* a = &acc[static_cast<size_t>(k) * F];
                        for (int f = 0; f < F; ++f) a[f] += partial[static_cast<size_t>(f)];
                    }
                    const uint64_t macs = static_cast<uint64_t>(p) * s.q * S * F;
                    // gated slots: a (filter, tap) pair whose weight is zero gates all F columns,
                    // otherwise the columns whose ifmap word at that tap is zero
                    uint64_t gated = 0;
                    if (dp.gates()) {
                        if (!dp.gate_w) {
                            gated = static_cast<uint64_t>(p) * zero_taps;
                        } else {
                            for (int jj = 0; jj < s.q; ++jj) {
                                const RowBuf& rb = rows[static_cast<size_t>(ridx[jj])];
                                std::fill(wzero.begin(), wzero.end(), 0);
                                for (int k = 0; k < p; ++k)
                                    for (int t = 0; t < S; ++t)
                                        wzero[static_cast<size_t>(t)] += x.filter_spad[(static_cast<size_t>(k) * s.q + jj) * S + t] == 0;
                                for (int t = 0; t < S; ++t) {
                                    const uint64_t wz = wzero[static_cast<size_t>(t)];
                                    gated += wz * F + (dp.gate_x ? (p - wz) * rb.zero_at_tap[static_cast<size_t>(t)] : 0);
                                }
                                if (dp.skip) {
                                    uint32_t* sk = &skip_at[pe_idx * F];
                                    for (int f = 0; f < F; ++f)
                                        for (int t = 0; t < S; ++t) {
                                            const bool xz = dp.gate_x && rb.data[static_cast<size_t>(f * U + t)] == 0;
                                            sk[f] += xz ? static_cast<uint32_t>(p) : wzero[static_cast<size_t>(t)];
                                        }
                                }
                            }
                        }
                        if (dp.skip && !dp.gate_w) {  // ifmap zeros only: p slots per zero word
                            uint32_t* sk = &skip_at[pe_idx * F];
                            for (int jj = 0; jj < s.q; ++jj) {
                                const RowBuf& rb = rows[static_cast<size_t>(ridx[jj])];
                                for (int f = 0; f < F; ++f)
                                    for (int t = 0; t < S; ++t) sk[f] += rb.data[static_cast<size_t>(f * U + t)] == 0 ? static_cast<uint32_t>(p) : 0;
                            }
                        }
                    }
                    if (xnor) {  // one popcount step per (filter, channel, column) and xnor_bits taps
                        uint64_t pad = 0;
                        for (int jj = 0; jj < s.q; ++jj) pad += rows[static_cast<size_t>(ridx[jj])].zero_window_taps;
                        cnt.xnor_ops += static_cast<uint64_t>(p) * s.q * F * xnor_steps;
                        cnt.xnor_bits += macs - static_cast<uint64_t>(p) * pad;
                    }
                    cnt.macs += macs;
                    cnt.gated_macs += gated;
                    if (dp.skip) cnt.skipped_macs += gated;
                    cnt.acc.at(Level::Rf, DataType::Ifmap).reads += macs;
                    cnt.acc.at(Level::Rf, DataType::Filter).reads += macs - gated;
                    cnt.acc.at(Level::Rf, DataType::Psum).reads += macs - gated;
                    cnt.acc.at(Level::Rf, DataType::Psum).writes += macs - gated;
                    const bool has_in = !(ci == 0 && i == h - 1) || ps.psum_in;
                    if (has_in) {  // add the psums arriving from below (or from the buffer)
                        cnt.psum_adds += pf;
                        cnt.acc.at(Level::Rf, DataType::Psum).reads += pf;
                        cnt.acc.at(Level::Rf, DataType::Psum).writes += pf;
                        cnt.acc.at(Level::Noc, DataType::Psum).reads += pf;
                    }
                    // send the psums up (or out)
                    cnt.acc.at(Level::Rf, DataType::Psum).reads += pf;
                    cnt.acc.at(Level::Noc, DataType::Psum).writes += pf;
                }
            }
            // chain top -> global output network -> output unit -> psum slot
            cnt.acc.at(Level::Noc, DataType::Psum).reads += pf;
            cnt.acc.at(Level::Glb, DataType::Psum).writes += pf;
            if (ps.final_out) cnt.glb_output_writes += pf;
            for (int k = 0; k < p; ++k)
                for (int f = 0; f < F; ++f) {
                    pst.at(ps.n0, top.m0 + k, ps.psum_e0 + j, f) = output_unit(acc[static_cast<size_t>(k) * F + f], ps.m_abs0 + top.m0 + k, cnt);
                }
        }
    }
    // ifmap delivery counts
    for (const RowBuf& rb : rows) {
        cnt.acc.at(Level::Glb, DataType::Ifmap).reads += rb.real_words;
        cnt.acc.at(Level::Noc, DataType::Ifmap).writes += static_cast<uint64_t>(Wn);
        cnt.acc.at(Level::Noc, DataType::Ifmap).reads += rb.consumers * needed_positions;
        cnt.acc.at(Level::Rf, DataType::Ifmap).writes += rb.consumers * needed_positions;
    }

    // --- timing: ifmap bursts, per-column PE steps, psum links and output network
    Calendar ifmap_bus(static_cast<uint64_t>(noc.ifmap_bus_bits));
    Calendar psum_in_bus(static_cast<uint64_t>(noc.psum_in_bus_bits));
    Calendar out_bus(static_cast<uint64_t>(noc.psum_out_bus_bits));
    for (const RowSet& s : ps.sets)
        for (int i = 0; i < h; ++i)
            for (int j = 0; j < e; ++j) {
                Pe& x = pe(s.pe_row0 + i, s.pe_col0 + j);
                x.busy_until = 0;
                x.send_free = 0;
                x.prev_send = 0;
            }
    const int window = pp.ifmap_spad_words / qmax;  // words per channel the spad can hold
    DFSIM_ASSERT(window >= S, "ifmap spad cannot hold one window");
    const uint64_t K = rows.size();
    const uint64_t depth = static_cast<uint64_t>(pp.pipeline_depth);
    std::vector<uint64_t> col_done(static_cast<size_t>(F), 0);
    const uint64_t t_lut = load_lut();  // the layer's first pass loads the PEs' LUTs first
    uint64_t pass_end = t_filt;
    uint64_t bus_free = 0;

    auto double_psum = [&](int p) { return pp.psum_spad_words >= 2 * p; };
    // trace only: gated MACs of PE (set k, row i, column j) in output column f
    // (as the datapath gates: ifmap and/or weight zeros)
    auto trace_gated = [&](int k, int i, int j, int f, int p) {
        uint64_t z = 0;
        if (!m_dp.gates()) return z;
        const RowSet& st = ps.sets[static_cast<size_t>(k)];
        const Pe& x = pe(st.pe_row0 + i, st.pe_col0 + j);
        const int* ridx = &pe_rows[((static_cast<size_t>(k) * h + i) * e + j) * qmax];
        for (int kk = 0; kk < p; ++kk)
            for (int jj = 0; jj < st.q; ++jj)
                for (int t = 0; t < S; ++t) {
                    const bool xz = m_dp.gate_x && rows[static_cast<size_t>(ridx[jj])].data[static_cast<size_t>(f * U + t)] == 0;
                    const bool wz = m_dp.gate_w && x.filter_spad[(static_cast<size_t>(kk) * st.q + jj) * S + t] == 0;
                    z += xz || wz;
                }
        return z;
    };
    auto run_column = [&](int f, uint64_t ready) {
        for (const auto& chain : chains) {
            const int p = ps.sets[static_cast<size_t>(chain.back())].p;
            for (int j = 0; j < e; ++j) {
                uint64_t t_in = 0;
                bool have_in = false;
                for (size_t ci = 0; ci < chain.size(); ++ci) {
                    const RowSet& s = ps.sets[static_cast<size_t>(chain[ci])];
                    const uint64_t mac_cycles_full = xnor ? static_cast<uint64_t>(p) * s.q * xnor_steps
                                                          : static_cast<uint64_t>(p) * s.q * S;
                    for (int i = h - 1; i >= 0; --i) {
                        Pe& x = pe(s.pe_row0 + i, s.pe_col0 + j);
                        const uint64_t mac_cycles = dp.skip
                            ? mac_cycles_full - skip_at[((static_cast<size_t>(chain[ci]) * h + i) * e + j) * F + f]
                            : mac_cycles_full;
                        // With psum spad room for two columns, the PE computes column f while
                        // column f-1's psums wait for their partners from below; it cannot run
                        // further ahead than that (column f-2 must have been sent).
                        const uint64_t start = std::max({x.busy_until, ready, t_filt, double_psum(p) ? x.prev_send : 0});
                        if (ci == 0 && i == h - 1 && ps.psum_in) {
                            const uint64_t bits = static_cast<uint64_t>(p) * pp.psum_bits;
                            t_in = std::max(psum_in_bus.place(start, bits), glb_port.place(start, bits));
                            have_in = true;
                        }
                        // the adds of incoming psums take p issue slots of the MAC unit
                        const uint64_t mac_done = start + mac_cycles + (have_in ? static_cast<uint64_t>(p) : 0);
                        if (m_trace) m_trace->pe_busy(s.pe_row0 + i, s.pe_col0 + j, start, mac_done, trace_gated(chain[ci], i, j, f, p));
                        const uint64_t result = mac_done + depth - 1;
                        const uint64_t acc_done = have_in ? std::max(result, t_in + static_cast<uint64_t>(p)) : result;
                        const uint64_t send_start = std::max(acc_done, x.send_free);
                        uint64_t send_done;
                        if (ci + 1 < chain.size() || i > 0) {
                            send_done = send_start + ceil_div(static_cast<uint64_t>(p) * pp.psum_bits,
                                                              static_cast<uint64_t>(noc.psum_link_bits));
                            t_in = send_done;
                            have_in = true;
                        } else {
                            const uint64_t bits = static_cast<uint64_t>(p) * out_bits;
                            send_done = std::max(out_bus.place(send_start, bits), glb_port.place(send_start, bits));
                        }
                        x.prev_send = x.send_free;
                        x.send_free = send_done;
                        x.busy_until = double_psum(p) ? mac_done : send_done;
                        col_done[static_cast<size_t>(f)] = std::max(col_done[static_cast<size_t>(f)], mac_done);
                        pass_end = std::max(pass_end, send_done);
                    }
                }
            }
        }
    };

    for (int w = 0; w < Wn; ++w) {
        uint64_t start = bus_free;
        if (w >= window) {
            int fb = std::min((w - window) / U, F - 1);
            start = std::max(start, col_done[static_cast<size_t>(fb)]);
        }
        uint64_t end = ifmap_bus.place(start, K * static_cast<uint64_t>(L.ifmap_bits));
        if (real_at[static_cast<size_t>(w)] > 0)
            end = std::max(end, glb_port.place(start, real_at[static_cast<size_t>(w)] * static_cast<uint64_t>(L.ifmap_bits)));
        bus_free = end;
        if (w + 1 >= S && (w + 1 - S) % U == 0) {
            int f = (w + 1 - S) / U;
            if (f < F) run_column(f, end);
        }
    }
    if (m_trace) m_trace->resources(ifmap_bus, filter_bus, psum_in_bus, out_bus, glb_port);
    return t_lut + pass_end;
}

}  // namespace dfsim::hw
