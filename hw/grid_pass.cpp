// The PE array's reduce (weight stationary, no local reuse) and output-stationary modes: see
// GridPass in hw/program.h for the PE assignment and data movement of each. As for row passes,
// values really flow (weights from the PEs' filter RFs or the filter slot, ifmap words from the
// padded rows the bus delivers, psums into the psum slot), every word moved is counted where
// it moves, and the pass's duration comes from the shared resources (buses, the buffer port,
// psum links, one MAC per PE per cycle) granted first come, first served.
#include <algorithm>
#include <cmath>

#include "hw/calendar.h"
#include "hw/output_unit.h"
#include "hw/pe_array.h"
#include "hw/row_conv.h"
#include "hw/trace.h"

namespace dfsim::hw {

Cycle PeArray::execute(const GridPass& g) {
    const PeParams& pp = m_arch.pe;
    const NocParams& noc = m_arch.noc;
    const LayerParams& L = m_layer;
    const int S = L.S, U = L.U, Fp = g.f_count, Ep = g.e_count, Mp = g.m_count, Cp = g.c_count, Rp = g.r_count, Np = g.n_count;
    const ReduceMode* rm = std::get_if<ReduceMode>(&g.mode);
    const OutputMode* om = std::get_if<OutputMode>(&g.mode);
    const bool reduce = rm != nullptr;
    const bool ws = reduce && rm->weights == WeightSource::RegisterFile;
    const bool nlr = reduce && rm->weights == WeightSource::BufferUnicast;
    const bool fwd = !reduce && om->ifmap == IfmapDelivery::NeighbourForward;
    DFSIM_ASSERT(Mp >= 1 && Cp >= 1 && Rp >= 1 && Np >= 1 && Ep >= 1 && Fp >= 1 && S >= 1 && U >= 1, "empty grid pass");
    DFSIM_ASSERT(g.pe_row0 >= 0 && g.pe_col0 >= 0, "grid pass placed outside the array");
    const int p = ws ? rm->p : 1;
    const int n_chain = Cp * Rp;          // reduce: PEs down a column
    const int n_cols = (Mp + p - 1) / p;  // reduce: columns in use
    if (reduce) {
        DFSIM_ASSERT(nlr || ws, "unknown weight source");
        DFSIM_ASSERT(p >= 1 && (ws || rm->p == 1), "a reduce pass without register files holds one filter per column");
        DFSIM_ASSERT(g.pe_row0 + n_chain <= m_arch.rows && g.pe_col0 + n_cols <= m_arch.cols, "reduce pass does not fit the array");
        if (ws) {
            DFSIM_ASSERT(p * S <= pp.filter_spad_words, "weights exceed the filter RF");
            DFSIM_ASSERT(S <= pp.ifmap_spad_words, "an ifmap window exceeds the ifmap RF");
            DFSIM_ASSERT(p <= pp.psum_spad_words, "psums exceed the psum RF");
        }
    } else {
        const int64_t n_out = static_cast<int64_t>(Mp) * Np * Ep * Fp;
        const int width = om->pe_width;
        DFSIM_ASSERT(width >= 1 && g.pe_col0 + width <= m_arch.cols && g.pe_row0 + (n_out + width - 1) / width <= m_arch.rows,
                     "output pass does not fit the array");
        DFSIM_ASSERT(!fwd || width % Fp == 0, "ifmap forwarding needs each output row's PEs side by side");
        DFSIM_ASSERT(pp.ifmap_spad_words >= 1 && pp.filter_spad_words >= 1 && pp.psum_spad_words >= 1,
                     "output-stationary PEs need an ifmap, a filter and a psum register");
        DFSIM_ASSERT(!fwd || U == 1, "ifmap forwarding needs stride 1");
    }
    Tensor4& ifm = m_glb.slot(g.ifmap_slot);
    Tensor4& flt = m_glb.slot(g.filter_slot);
    Tensor4& pst = m_glb.slot(g.psum_slot);
    DFSIM_ASSERT(ifm.dim[3] == L.W && flt.dim[3] == S, "grid pass tile widths");
    DFSIM_ASSERT(g.m0 + Mp <= flt.dim[0] && g.c0 + Cp <= flt.dim[1] && g.r0 + Rp <= flt.dim[2], "filters outside the tile");
    DFSIM_ASSERT(g.m0 + Mp <= pst.dim[1] && g.psum_e0 + Ep <= pst.dim[2] && g.f0 + Fp <= pst.dim[3], "psums outside the tile");
    DFSIM_ASSERT(g.n0 >= 0 && g.n0 + Np <= ifm.dim[0] && g.n0 + Np <= pst.dim[0], "images outside the tiles");

    // --- the padded ifmap rows the pass reads, over the block's columns: row (ni, ci, ei, ri)
    const int Wn = (Fp - 1) * U + S;
    const int col0 = g.f0 * U - L.P;  // real column of the block's first padded column
    auto real_col = [&](int w) { return col0 + w >= 0 && col0 + w < L.W; };
    const size_t n_rows = static_cast<size_t>(Np) * Cp * Ep * Rp;
    auto row_of = [&](int ni, int ci, int ei, int ri) {
        return ((static_cast<size_t>(ni) * Cp + ci) * Ep + ei) * Rp + ri;
    };
    std::vector<int32_t> xbuf(n_rows * Wn, 0);
    std::vector<uint8_t> row_real(n_rows, 0);
    uint64_t zero_taps = 0;  // sum over rows and windows of the zero words (padding included)
    for (int ni = 0; ni < Np; ++ni)
        for (int ci = 0; ci < Cp; ++ci)
            for (int ei = 0; ei < Ep; ++ei)
                for (int ri = 0; ri < Rp; ++ri) {
                const size_t k = row_of(ni, ci, ei, ri);
                int32_t* x = &xbuf[k * Wn];
                const int hr = (g.e0 + ei) * U + g.r0 + ri - L.P;
                if (hr >= 0 && hr < L.H) {
                    const int ir = hr - g.ifmap_row0;
                    DFSIM_ASSERT(ir >= 0 && ir < ifm.dim[2], "pass needs an ifmap row its tile lacks");
                    row_real[k] = 1;
                    for (int w = 0; w < Wn; ++w)
                        if (real_col(w)) x[w] = ifm.at(g.n0 + ni, g.c0 + ci, ir, col0 + w);
                }
                for (int f = 0; f < Fp; ++f)
                    for (int s = 0; s < S; ++s) zero_taps += x[f * U + s] == 0;
            }
    // real (non-padding) columns among the words the bus carries for one row
    std::vector<uint64_t> real_in_window(static_cast<size_t>(Fp), 0);  // per output column
    for (int f = 0; f < Fp; ++f)
        for (int s = 0; s < S; ++s) real_in_window[static_cast<size_t>(f)] += real_col(f * U + s);
    uint64_t real_per_row = 0;  // bus words of one row that come from the buffer
    uint64_t bus_per_row = 0;   // words of one row the bus carries
    uint64_t fwd_per_row = 0;   // words of one row (per filter) that move between neighbours
    if (fwd) {
        for (int f = 0; f < Fp; ++f) real_per_row += real_col(f * U);
        for (int s = 1; s < S; ++s) real_per_row += real_col((Fp - 1) * U + s);
        bus_per_row = static_cast<uint64_t>(Fp) + S - 1;
        fwd_per_row = static_cast<uint64_t>(Fp - 1) * (S - 1);
    } else {
        for (uint64_t v : real_in_window) real_per_row += v;
        bus_per_row = static_cast<uint64_t>(Fp) * S;
    }

    // --- weights: a weight-stationary PE loads its p*S weights into its filter RF
    if (ws) {
        for (int i = 0; i < n_chain; ++i)
            for (int j = 0; j < n_cols; ++j) {
                Pe& x = pe(g.pe_row0 + i, g.pe_col0 + j);
                const int pj = std::min(p, Mp - j * p);
                x.filter_spad.assign(static_cast<size_t>(pj) * S, 0);
                for (int k = 0; k < pj; ++k)
                    for (int s = 0; s < S; ++s)
                        x.filter_spad[static_cast<size_t>(k) * S + s] =
                            flt.at(g.m0 + j * p + k, g.c0 + i / Rp, g.r0 + i % Rp, s);
                x.f_m0 = g.m0 + j * p, x.f_p = pj, x.f_c0 = g.c0 + i / Rp, x.f_q = 1, x.f_r = g.r0 + i % Rp;
            }
    }

    // --- values: psum[m][e][f] += sum over (c, r) of the 1-D convolution of the row with w[m][c][r][.]
    const size_t n_out = static_cast<size_t>(Mp) * Np * Ep * Fp;
    auto out_of = [&](int mi, int ni, int ei) { return ((static_cast<size_t>(mi) * Np + ni) * Ep + ei) * Fp; };
    std::vector<int64_t> acc(n_out, 0);
    if (g.psum_in)
        for (int mi = 0; mi < Mp; ++mi)
            for (int ni = 0; ni < Np; ++ni)
                for (int ei = 0; ei < Ep; ++ei)
                    for (int f = 0; f < Fp; ++f)
                        acc[out_of(mi, ni, ei) + f] = pst.at(g.n0 + ni, g.m0 + mi, g.psum_e0 + ei, g.f0 + f);
    std::vector<int32_t> partial(static_cast<size_t>(Fp));
    std::vector<int32_t> w(static_cast<size_t>(S));
    if (!ws && Ep == 1 && Fp == 1) {
        // one output pixel per image (e.g. os-c, FC layers): each PE's psum is the dot product
        // of its filter's weights with the window, step by step; computed per (channel) run of
        // Rp*S steps, whose weights are contiguous in the filter slot
        const size_t run = static_cast<size_t>(Rp) * S;
        std::vector<int32_t> win(static_cast<size_t>(Cp) * run);
        for (int ni = 0; ni < Np; ++ni) {
            for (int ci = 0; ci < Cp; ++ci)
                for (int ri = 0; ri < Rp; ++ri)
                    std::copy_n(&xbuf[row_of(ni, ci, 0, ri) * Wn], S, &win[static_cast<size_t>(ci) * run + static_cast<size_t>(ri) * S]);
            for (int mi = 0; mi < Mp; ++mi) {
                int64_t sum = 0;
                for (int ci = 0; ci < Cp; ++ci) {
                    const int32_t* wp = &flt.data[flt.index(g.m0 + mi, g.c0 + ci, g.r0, 0)];
                    const int32_t* xp = &win[static_cast<size_t>(ci) * run];
                    int32_t part = 0;
                    row_conv(m_dp, &part, xp, wp, static_cast<int>(run), 1, 1);
                    sum += part;
                }
                acc[out_of(mi, ni, 0)] += sum;
            }
        }
    } else {
        for (int mi = 0; mi < Mp; ++mi)
            for (int ci = 0; ci < Cp; ++ci)
                for (int ri = 0; ri < Rp; ++ri) {
                    if (ws) {  // from the RF of PE (ci*Rp + ri, mi / p)
                        const Pe& x = pe(g.pe_row0 + ci * Rp + ri, g.pe_col0 + mi / p);
                        std::copy_n(&x.filter_spad[static_cast<size_t>(mi % p) * S], S, w.begin());
                    } else {   // delivered from the filter slot step by step
                        for (int s = 0; s < S; ++s) w[static_cast<size_t>(s)] = flt.at(g.m0 + mi, g.c0 + ci, g.r0 + ri, s);
                    }
                    for (int ni = 0; ni < Np; ++ni)
                    for (int ei = 0; ei < Ep; ++ei) {
                        const int32_t* xr = &xbuf[row_of(ni, ci, ei, ri) * Wn];
                        std::fill(partial.begin(), partial.end(), 0);
                        row_conv(m_dp, partial.data(), xr, w.data(), S, U, Fp);
                        int64_t* a = &acc[out_of(mi, ni, ei)];
                        for (int f = 0; f < Fp; ++f) a[f] += partial[static_cast<size_t>(f)];
                    }
                }
    }
    // the output unit: requantize (final) or saturate to the psum width
    const int out_bits = (g.final_out && L.requant.enabled) ? L.requant.out.bits : pp.psum_bits;
    const OutputUnit output_unit(pp.psum_bits, g.final_out, L.requant, m_dp.bias);
    ActionCounts& cnt = m_counts;
    for (int mi = 0; mi < Mp; ++mi)
        for (int ni = 0; ni < Np; ++ni)
        for (int ei = 0; ei < Ep; ++ei)
            for (int f = 0; f < Fp; ++f) {
                pst.at(g.n0 + ni, g.m0 + mi, g.psum_e0 + ei, g.f0 + f) = output_unit(acc[out_of(mi, ni, ei) + f], g.m_abs0 + g.m0 + mi, cnt);
            }

    // --- counts
    auto& A = cnt.acc;
    const uint64_t pixels = static_cast<uint64_t>(Np) * Ep * Fp;
    const uint64_t pixels_of_pass = pixels;
    const uint64_t macs = static_cast<uint64_t>(Mp) * Cp * Rp * S * pixels;
    const Datapath& dp = m_dp;
    uint64_t gated = 0;
    if (dp.gates() && !dp.gate_w) {
        gated = static_cast<uint64_t>(Mp) * zero_taps;
    } else if (dp.gates()) {
        // per (channel, filter row, tap): the pixels whose ifmap word there is zero; a zero weight
        // gates all the pass's pixels of its filter
        for (int ci = 0; ci < Cp; ++ci)
            for (int ri = 0; ri < Rp; ++ri)
                for (int s = 0; s < S; ++s) {
                    uint64_t zx = 0;
                    if (dp.gate_x)
                        for (int ni = 0; ni < Np; ++ni)
                            for (int ei = 0; ei < Ep; ++ei) {
                                const int32_t* x = &xbuf[row_of(ni, ci, ei, ri) * Wn];
                                for (int f = 0; f < Fp; ++f) zx += x[f * U + s] == 0;
                            }
                    for (int mi = 0; mi < Mp; ++mi)
                        gated += flt.at(g.m0 + mi, g.c0 + ci, g.r0 + ri, s) == 0 ? pixels_of_pass : zx;
                }
    }
    if (dp.kind == Multiplier::Xnor) {  // one popcount step per output, (channel, filter row) and xnor_bits taps
        cnt.xnor_ops += static_cast<uint64_t>(Mp) * Cp * Rp * pixels_of_pass *
                        ceil_div(static_cast<uint64_t>(S), static_cast<uint64_t>(dp.xnor_bits));
        cnt.xnor_bits += macs - static_cast<uint64_t>(Mp) * zero_taps;
    }
    cnt.macs += macs;
    cnt.gated_macs += gated;
    if (!nlr) {  // the MAC reads its operands and its psum from the PE's register files
        A.at(Level::Rf, DataType::Ifmap).reads += macs;
        A.at(Level::Rf, DataType::Filter).reads += macs - gated;
        A.at(Level::Rf, DataType::Psum).reads += macs - gated;
        A.at(Level::Rf, DataType::Psum).writes += macs - gated;
    }
    // ifmap words: per row from the buffer (real ones) onto the bus, multicast to the PEs
    const uint64_t fanout = reduce ? static_cast<uint64_t>(n_cols) : static_cast<uint64_t>(Mp);
    for (size_t k = 0; k < n_rows; ++k) {
        if (row_real[k]) A.at(Level::Glb, DataType::Ifmap).reads += real_per_row;
        A.at(Level::Noc, DataType::Ifmap).writes += bus_per_row + fwd_per_row * Mp;
        A.at(Level::Noc, DataType::Ifmap).reads += bus_per_row * fanout + fwd_per_row * Mp;
        if (!nlr) A.at(Level::Rf, DataType::Ifmap).writes += bus_per_row * fanout + fwd_per_row * Mp;
    }
    // filter words
    const uint64_t fwords = static_cast<uint64_t>(Mp) * Cp * Rp * S;  // distinct weights of the pass
    if (ws) {  // loaded once into the PEs' RFs (each weight goes to one PE)
        A.at(Level::Glb, DataType::Filter).reads += fwords;
        A.at(Level::Noc, DataType::Filter).writes += fwords;
        A.at(Level::Noc, DataType::Filter).reads += fwords;
        A.at(Level::Rf, DataType::Filter).writes += fwords;
    } else if (nlr) {  // every MAC's weight comes from the buffer
        A.at(Level::Glb, DataType::Filter).reads += macs;
        A.at(Level::Noc, DataType::Filter).writes += macs;
        A.at(Level::Noc, DataType::Filter).reads += macs;
    } else {  // per step, each filter's word multicast to its pixels' PEs
        A.at(Level::Glb, DataType::Filter).reads += fwords;
        A.at(Level::Noc, DataType::Filter).writes += fwords;
        A.at(Level::Noc, DataType::Filter).reads += fwords * pixels;
        A.at(Level::Rf, DataType::Filter).writes += fwords * pixels;
    }
    // psums
    const uint64_t pin = g.psum_in ? 1 : 0;
    if (ws) {  // per pixel, each column's p psums climb down the chain and leave at its foot
        const uint64_t n = static_cast<uint64_t>(n_chain);
        const uint64_t in = (n - 1 + pin) * Mp * pixels;  // psum arrivals at PEs (incl. from the buffer)
        cnt.psum_adds += in;
        A.at(Level::Rf, DataType::Psum).reads += in + n * Mp * pixels;
        A.at(Level::Rf, DataType::Psum).writes += in;
        A.at(Level::Noc, DataType::Psum).reads += in + Mp * pixels;
        A.at(Level::Noc, DataType::Psum).writes += n * Mp * pixels + pin * Mp * pixels;
        A.at(Level::Glb, DataType::Psum).writes += Mp * pixels;
        A.at(Level::Glb, DataType::Psum).reads += pin * Mp * pixels;
    } else if (nlr) {  // per step (pixel, s), each column sums its products and accumulates in the buffer
        const uint64_t n = static_cast<uint64_t>(n_chain);
        const uint64_t steps = static_cast<uint64_t>(Mp) * pixels * S;
        const uint64_t rmw = static_cast<uint64_t>(Mp) * pixels * (S - 1 + pin);  // steps with an earlier psum
        A.at(Level::Noc, DataType::Psum).writes += n * steps + rmw;
        A.at(Level::Noc, DataType::Psum).reads += n * steps + rmw;
        cnt.psum_adds += (n - 1) * steps + rmw;
        A.at(Level::Glb, DataType::Psum).reads += rmw;
        A.at(Level::Glb, DataType::Psum).writes += steps;
    } else {  // each PE's psum stays in its RF; it comes from the buffer (if continuing) and goes back once
        A.at(Level::Glb, DataType::Psum).reads += pin * n_out;
        A.at(Level::Noc, DataType::Psum).writes += pin * n_out + n_out;
        A.at(Level::Noc, DataType::Psum).reads += pin * n_out + n_out;
        A.at(Level::Rf, DataType::Psum).writes += pin * n_out;
        A.at(Level::Rf, DataType::Psum).reads += n_out;
        A.at(Level::Glb, DataType::Psum).writes += n_out;
    }
    if (g.final_out) cnt.glb_output_writes += n_out;

    // --- timing
    Calendar glb_port(static_cast<uint64_t>(m_arch.glb.bits_per_cycle()));
    Calendar ifmap_bus(static_cast<uint64_t>(noc.ifmap_bus_bits));
    Calendar filter_bus(static_cast<uint64_t>(noc.filter_bus_bits));
    Calendar psum_in_bus(static_cast<uint64_t>(noc.psum_in_bus_bits));
    Calendar out_bus(static_cast<uint64_t>(noc.psum_out_bus_bits));
    const uint64_t depth = static_cast<uint64_t>(pp.pipeline_depth);
    const uint64_t ib = static_cast<uint64_t>(L.ifmap_bits), fb = static_cast<uint64_t>(L.filter_bits);
    const uint64_t pb = static_cast<uint64_t>(pp.psum_bits);
    // real rows per output row of the block (for the buffer reads of one pixel; alike for all images)
    std::vector<uint64_t> real_rows_at_e(static_cast<size_t>(Ep), 0);
    for (int ci = 0; ci < Cp; ++ci)
        for (int ei = 0; ei < Ep; ++ei)
            for (int ri = 0; ri < Rp; ++ri) real_rows_at_e[static_cast<size_t>(ei)] += row_real[row_of(0, ci, ei, ri)];
    const uint64_t t_lut = load_lut();  // the layer's first pass loads the PEs' LUTs first
    // trace only: gated slots of filter mi (pass-local) over the taps s0 .. s1-1 of the window of
    // row (ni, ci, ei, ri) at output column f, as the datapath gates (ifmap and/or weight zeros)
    auto trace_gated = [&](int mi, int ni, int ci, int ei, int ri, int f, int s0, int s1) {
        uint64_t z = 0;
        if (!m_dp.gates()) return z;
        for (int s = s0; s < s1; ++s) {
            const bool xz = m_dp.gate_x && xbuf[row_of(ni, ci, ei, ri) * Wn + static_cast<size_t>(f * U + s)] == 0;
            const bool wz = m_dp.gate_w && flt.at(g.m0 + mi, g.c0 + ci, g.r0 + ri, s) == 0;
            z += xz || wz;
        }
        return z;
    };
    uint64_t end = 0;
    if (ws) {
        const uint64_t bits = fwords * fb;
        const uint64_t t_filt = std::max(filter_bus.place(0, bits), glb_port.place(0, bits));
        const uint64_t pm = static_cast<uint64_t>(std::min(p, Mp));  // psums per PE (the widest column)
        const bool double_psum = pp.psum_spad_words >= 2 * p;
        const bool double_ifmap = pp.ifmap_spad_words >= 2 * S;
        std::vector<uint64_t> busy(static_cast<size_t>(n_chain), t_filt), send_free(static_cast<size_t>(n_chain), 0);
        // when each PE row's ifmap RF can take the next window: while the current one is in use
        // if the RF holds two windows, else once it is consumed
        std::vector<uint64_t> ready(static_cast<size_t>(n_chain), 0);
        for (int ni = 0; ni < Np; ++ni)
        for (int ei = 0; ei < Ep; ++ei)
            for (int f = 0; f < Fp; ++f) {
                uint64_t t_in = 0;
                bool have_in = g.psum_in;
                if (have_in) {  // the top PEs continue from the buffer's psums
                    const uint64_t b = static_cast<uint64_t>(Mp) * pb;
                    t_in = std::max(psum_in_bus.place(ready[0], b), glb_port.place(ready[0], b));
                }
                for (int i = 0; i < n_chain; ++i) {
                    const size_t iz = static_cast<size_t>(i);
                    // the row's window, multicast along the row (its real words from the buffer)
                    uint64_t t_del = ifmap_bus.place(ready[iz], static_cast<uint64_t>(S) * ib);
                    if (row_real[row_of(ni, i / Rp, ei, i % Rp)]) {
                        const uint64_t real = real_in_window[static_cast<size_t>(f)];
                        if (real) t_del = std::max(t_del, glb_port.place(ready[iz], real * ib));
                    }
                    const uint64_t start = std::max(busy[iz], t_del);
                    // zero skipping: the row's PEs step through (filter, tap) in lockstep on the
                    // shared window; a tap whose ifmap word is zero is skipped by the whole row
                    uint64_t skip_taps = 0;
                    if (m_dp.skip && m_dp.gate_x) {
                        const int32_t* xw = &xbuf[row_of(ni, i / Rp, ei, i % Rp) * Wn + static_cast<size_t>(f * U)];
                        for (int s2 = 0; s2 < S; ++s2) skip_taps += xw[s2] == 0;
                        cnt.skipped_macs += skip_taps * static_cast<uint64_t>(Mp);
                    }
                    const uint64_t mac_done = start + pm * (static_cast<uint64_t>(S) - skip_taps) + (have_in ? pm : 0);
                    if (m_trace)
                        for (int j = 0; j < n_cols; ++j) {
                            const uint64_t pj = static_cast<uint64_t>(std::min(p, Mp - j * p));
                        {
                            uint64_t z = 0;
                            for (int k = 0; k < static_cast<int>(pj); ++k) z += trace_gated(j * p + k, ni, i / Rp, ei, i % Rp, f, 0, S);
                            m_trace->pe_busy(g.pe_row0 + i, g.pe_col0 + j, start, start + pj * S + (have_in ? pj : 0), z);
                        }
                        }
                    const uint64_t result = mac_done + depth - 1;
                    const uint64_t acc_done = have_in ? std::max(result, t_in + pm) : result;
                    const uint64_t send_start = std::max(acc_done, send_free[iz]);
                    uint64_t send_done;
                    if (i + 1 < n_chain) {
                        send_done = send_start + ceil_div(pm * pb, static_cast<uint64_t>(noc.psum_link_bits));
                        t_in = send_done;
                        have_in = true;
                    } else {
                        const uint64_t b = static_cast<uint64_t>(Mp) * (g.final_out ? static_cast<uint64_t>(out_bits) : pb);
                        send_done = std::max(out_bus.place(send_start, b), glb_port.place(send_start, b));
                    }
                    send_free[iz] = send_done;
                    busy[iz] = double_psum ? mac_done : send_done;
                    ready[iz] = double_ifmap ? start : mac_done;
                    end = std::max(end, send_done);
                }
            }
    } else if (nlr) {
        // steps (s outer, pixels inner), one MAC per PE per cycle; the column's sum meets the
        // earlier psum of its output from the buffer, which the previous s wrote back
        const uint64_t n = static_cast<uint64_t>(n_chain);
        const uint64_t red_latency = noc.reduction == NocParams::Reduction::Chain
            ? n - 1 : static_cast<uint64_t>(std::ceil(std::log2(static_cast<double>(n))));
        std::vector<uint64_t> written(static_cast<size_t>(pixels), 0);
        uint64_t issue = 0, ready = 0;
        const int out_w = g.final_out ? out_bits : pp.psum_bits;
        for (int s = 0; s < S; ++s)
            for (int ni = 0; ni < Np; ++ni)
            for (int ei = 0; ei < Ep; ++ei)
                for (int f = 0; f < Fp; ++f) {
                    const uint64_t real = real_rows_at_e[static_cast<size_t>(ei)] * real_col(f * U + s);
                    const uint64_t t_i = ifmap_bus.place(ready, n * ib);
                    const uint64_t t_w = filter_bus.place(ready, static_cast<uint64_t>(Mp) * n * fb);
                    const uint64_t t_g = glb_port.place(ready, real * ib + static_cast<uint64_t>(Mp) * n * fb);
                    issue = std::max({issue + 1, t_i, t_w, t_g});
                    if (m_trace)
                        for (int i = 0; i < n_chain; ++i) {
                            for (int j = 0; j < Mp; ++j)
                                m_trace->pe_busy(g.pe_row0 + i, g.pe_col0 + j, issue, issue + 1, trace_gated(j, ni, i / Rp, ei, i % Rp, f, s, s + 1));
                        }
                    uint64_t acc_ready = issue + depth + red_latency;
                    const size_t px = (static_cast<size_t>(ni) * Ep + ei) * Fp + f;
                    if (s > 0 || g.psum_in) {
                        const uint64_t b = static_cast<uint64_t>(Mp) * pb;
                        const uint64_t rd = std::max(written[px], issue);
                        acc_ready = std::max(acc_ready, std::max(psum_in_bus.place(rd, b), glb_port.place(rd, b))) + 1;
                    }
                    const uint64_t b = static_cast<uint64_t>(Mp) * static_cast<uint64_t>(s + 1 == S ? out_w : pp.psum_bits);
                    written[px] = std::max(out_bus.place(acc_ready, b), glb_port.place(acc_ready, b));
                    end = std::max(end, written[px]);
                    ready = issue;  // operands for the next step arrive while this one issues
                }
    } else {
        // steps (c, r, s): per step one MAC in every PE; the bus feeds the step's distinct words
        // (placed a group of S steps ahead); psums come in at the start and leave at the end
        uint64_t t0 = 0;
        if (g.psum_in) {
            const uint64_t b = n_out * pb;
            t0 = std::max(psum_in_bus.place(0, b), glb_port.place(0, b));
        }
        uint64_t group_end = t0, group_start = 0;
        for (int ci = 0; ci < Cp; ++ci)
            for (int ri = 0; ri < Rp; ++ri) {
                uint64_t real = 0;
                for (int ni = 0; ni < Np; ++ni)
                    for (int ei = 0; ei < Ep; ++ei)
                        if (row_real[row_of(ni, ci, ei, ri)]) real += real_per_row;
                const uint64_t words = bus_per_row * Ep * Np;
                const uint64_t fbits = static_cast<uint64_t>(Mp) * S * fb;
                const uint64_t t_i = ifmap_bus.place(group_start, words * ib);
                const uint64_t t_f = filter_bus.place(group_start, fbits);
                const uint64_t t_g = glb_port.place(group_start, real * ib + fbits);
                // zero skipping: a step (tap s) is skipped only when every PE's pair in it is
                // zero: all the pass's filters have a zero weight there, or all its pixels a zero word
                uint64_t skipped = 0;
                if (m_dp.skip)
                    for (int s2 = 0; s2 < S; ++s2) {
                        bool all_w = m_dp.gate_w, all_x = m_dp.gate_x;
                        for (int mi = 0; mi < Mp && all_w; ++mi) all_w = flt.at(g.m0 + mi, g.c0 + ci, g.r0 + ri, s2) == 0;
                        for (int ni = 0; ni < Np && all_x; ++ni)
                            for (int ei = 0; ei < Ep && all_x; ++ei)
                                for (int f = 0; f < Fp && all_x; ++f) all_x = xbuf[row_of(ni, ci, ei, ri) * Wn + static_cast<size_t>(f * U + s2)] == 0;
                        if (all_w || all_x) ++skipped;
                    }
                cnt.skipped_macs += skipped * n_out;
                group_end = std::max({group_end + static_cast<uint64_t>(S) - skipped, t_i + 1, t_f + 1, t_g + 1});
                group_start = group_end - static_cast<uint64_t>(S);
                if (m_trace)  // output k = ((m * Np + n) * Ep + e) * Fp + f, on its PE (OutputMode)
                    for (size_t k = 0; k < n_out; ++k) {
                        const int f = static_cast<int>(k % Fp), ei = static_cast<int>(k / Fp % Ep), ni = static_cast<int>(k / Fp / Ep % Np);
                        const int width = om->pe_width;
                        m_trace->pe_busy(g.pe_row0 + static_cast<int>(k) / width, g.pe_col0 + static_cast<int>(k) % width, group_start, group_end,
                                         trace_gated(static_cast<int>(k / (static_cast<size_t>(Fp) * Ep * Np)), ni, ci, ei, ri, f, 0, S));
                    }
            }
        const uint64_t done = group_end + depth - 1;
        const uint64_t b = n_out * static_cast<uint64_t>(out_bits);
        end = std::max(out_bus.place(done, b), glb_port.place(done, b));
    }
    if (m_trace) m_trace->resources(ifmap_bus, filter_bus, psum_in_bus, out_bus, glb_port);
    return t_lut + end;
}

}  // namespace dfsim::hw
