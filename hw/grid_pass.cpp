#include "hw/grid_pass.h"

#include <algorithm>
#include <cmath>

#include "hw/output_unit.h"
#include "hw/trace.h"

namespace dfsim::hw {

// The MAC datapath's kernels of grid passes (row_conv's MAC loop over a pass's rows), in versions
// for AVX2 (packed 32-bit multiplies) and the baseline, chosen at load time. Each row's psums of
// one filter row are formed in int32 over its S taps, as row_conv forms them, then added.

// For the n_rows x e_rows rows of one (channel, filter row), at x + ni * stride_n + ei * stride_e:
// acc[(ni * e_rows + ei) * F + f] += the int32 sum over t < S of w[t] * row[f * U + t].
__attribute__((target_clones("avx2", "default"))) void grid_mac_rows(int64_t* acc, const int32_t* x, const int32_t* w,
                                                                     int S, int U, int F, int n_rows, int e_rows,
                                                                     size_t stride_n, size_t stride_e,
                                                                     int32_t* partial) {
    for (int ni = 0; ni < n_rows; ++ni)
        for (int ei = 0; ei < e_rows; ++ei) {
            const int32_t* row = x + u64(ni) * stride_n + u64(ei) * stride_e;
            int64_t* a = acc + u64(ni * e_rows + ei) * u64(F);
            std::fill(partial, partial + F, 0);
            row_conv_mac(partial, row, w, S, U, F);  // inlined: compiled for AVX2 in that clone
            for (int f = 0; f < F; ++f) a[f] += partial[f];
        }
}

// The sum over c < channels of the int32 dot product of the run words of channel c: w + c * stride_w
// with x + c * run.
__attribute__((target_clones("avx2", "default"))) int64_t grid_mac_dots(const int32_t* x, const int32_t* w,
                                                                        int channels, int run, size_t stride_w) {
    int64_t sum = 0;
    for (int c = 0; c < channels; ++c) {
        const int32_t* xc = x + u64(c) * u64(run);
        const int32_t* wc = w + u64(c) * stride_w;
        int32_t part = 0;
        for (int i = 0; i < run; ++i) part += wc[i] * xc[i];
        sum += part;
    }
    return sum;
}

GridPassEngine::GridPassEngine(const ArrayParts& hw, const GridPass& g)
    : GridPassEngine(hw, g, std::make_unique<Scratch>(), nullptr) {}

GridPassEngine::GridPassEngine(const ArrayParts& hw, const GridPass& g, Scratch& scratch)
    : GridPassEngine(hw, g, nullptr, &scratch) {}

GridPassEngine::GridPassEngine(const ArrayParts& hw, const GridPass& g, std::unique_ptr<Scratch> own, Scratch* scratch)
    : m_own(std::move(own)),
      m_scratch(scratch ? *scratch : *m_own),
      m_hw(hw),
      m_g(g),
      m_ifmap(hw.glb.slot(g.ifmap_slot)),
      m_filter(hw.glb.slot(g.filter_slot)),
      m_psum(hw.glb.slot(g.psum_slot)),
      m_reduce(std::get_if<ReduceMode>(&g.mode)),
      m_output(std::get_if<OutputMode>(&g.mode)),
      m_rf_weights(m_reduce && m_reduce->weights == WeightSource::RegisterFile),
      m_unicast(m_reduce && m_reduce->weights == WeightSource::BufferUnicast),
      m_S(hw.layer.S),
      m_U(hw.layer.U),
      m_p(m_rf_weights ? m_reduce->p : 1),
      m_chain(g.c_count * g.r_count),
      m_cols((g.m_count + m_p - 1) / m_p),
      m_Wn((g.f_count - 1) * m_U + m_S),
      m_col0(g.f0 * m_U - hw.layer.P),
      m_pixels(u64(g.n_count) * g.e_count * g.f_count),
      m_n_out(g.m_count * m_pixels),
      m_fwords(u64(g.m_count) * m_chain * m_S),
      m_macs(m_fwords * m_pixels),
      m_xbuf(m_scratch.xbuf),
      m_row_real(m_scratch.row_real),
      m_real_in_window(m_scratch.real_in_window),
      m_acc(m_scratch.acc),
      m_res(fresh_resources(m_scratch.res, hw)),
      m_busy(m_scratch.busy),
      m_send_free(m_scratch.send_free),
      m_ready(m_scratch.ready),
      m_in_free(m_scratch.in_free),
      m_last_line(m_scratch.last_line) {}

Cycle GridPassEngine::run() {
    compute();
    return timing();
}

void GridPassEngine::compute() {
    check_placement();
    check_tiles();
    read_rows();
    count_bus_words();
    values_and_counts();
}

// ---------------------------------------------------------------------------------------------
// Geometry checks

void GridPassEngine::check_placement() const {
    const ArchParams& a = m_hw.arch;
    const PeParams& pp = a.pe;
    const GridPass& g = m_g;
    DFSIM_ASSERT(g.m_count >= 1 && g.c_count >= 1 && g.r_count >= 1 && g.n_count >= 1 && g.e_count >= 1 &&
                     g.f_count >= 1 && m_S >= 1 && m_U >= 1,
                 "empty grid pass");
    DFSIM_ASSERT(g.pe_row0 >= 0 && g.pe_col0 >= 0, "grid pass placed outside the array");
    if (m_reduce) {
        DFSIM_ASSERT(m_p >= 1 && (m_rf_weights || m_reduce->p == 1),
                     "a reduce pass without register files holds one filter per column");
        DFSIM_ASSERT(g.pe_row0 + m_chain <= a.rows && g.pe_col0 + m_cols <= a.cols,
                     "reduce pass does not fit the array");
        if (m_rf_weights) {
            DFSIM_ASSERT(m_p * m_S <= pp.filter_spad_words, "weights exceed the filter RF");
            DFSIM_ASSERT(m_S <= pp.ifmap_spad_words, "an ifmap window exceeds the ifmap RF");
            DFSIM_ASSERT(m_p <= pp.psum_spad_words, "psums exceed the psum RF");
        }
        return;
    }
    const int width = m_output->pe_width;
    const uint64_t rows_used = ceil_div(m_n_out, u64(width));
    DFSIM_ASSERT(width >= 1 && g.pe_col0 + width <= a.cols && u64(g.pe_row0) + rows_used <= u64(a.rows),
                 "output pass does not fit the array");
    DFSIM_ASSERT(pp.ifmap_spad_words >= 1 && pp.filter_spad_words >= 1 && pp.psum_spad_words >= 1,
                 "output-stationary PEs need an ifmap, a filter and a psum register");
    if (m_output->ifmap == IfmapDelivery::NeighbourForward) {
        DFSIM_ASSERT(m_U == 1, "ifmap forwarding needs stride 1");
        DFSIM_ASSERT(width % g.f_count == 0, "ifmap forwarding needs each output row's PEs side by side");
    }
}

void GridPassEngine::check_tiles() const {
    const GridPass& g = m_g;
    const Tensor4 &ifm = m_ifmap, &flt = m_filter, &pst = m_psum;
    DFSIM_ASSERT(ifm.dim[3] == m_hw.layer.W && flt.dim[3] == m_S, "grid pass tile widths");
    DFSIM_ASSERT(g.m0 + g.m_count <= flt.dim[0] && g.c0 + g.c_count <= flt.dim[1] && g.r0 + g.r_count <= flt.dim[2],
                 "filters outside the tile");
    DFSIM_ASSERT(
        g.m0 + g.m_count <= pst.dim[1] && g.psum_e0 + g.e_count <= pst.dim[2] && g.f0 + g.f_count <= pst.dim[3],
        "psums outside the tile");
    DFSIM_ASSERT(g.n0 >= 0 && g.n0 + g.n_count <= ifm.dim[0] && g.n0 + g.n_count <= pst.dim[0],
                 "images outside the tiles");
}

// ---------------------------------------------------------------------------------------------
// Ifmap rows

void GridPassEngine::read_rows() {
    const GridPass& g = m_g;
    const size_t n_rows = row_of(g.n_count, 0, 0, 0);
    m_xbuf.assign(n_rows * m_Wn, 0);
    m_row_real.assign(n_rows, 0);
    // the zeros in the rows' windows are counted for the datapaths that use them (gated slots of
    // ifmap zeros, XNOR steps), from how many windows take each position of a row
    const Datapath& dp = m_hw.dp;
    m_count_zero_taps = dp.kind == Multiplier::Xnor || (dp.gates() && !dp.gate_w);
    if (m_count_zero_taps) {
        m_scratch.taps_at.assign(u64(m_Wn), 0);
        for (int f = 0; f < g.f_count; ++f)
            for (int s = 0; s < m_S; ++s) ++at(m_scratch.taps_at, f * m_U + s);
    }
    for (int ni = 0; ni < g.n_count; ++ni)
        for (int ci = 0; ci < g.c_count; ++ci)
            for (int ei = 0; ei < g.e_count; ++ei)
                for (int ri = 0; ri < g.r_count; ++ri) read_row(ni, ci, ei, ri);
}

// Row (ni, ci, ei, ri): its real words from the ifmap slot, and the zeros in its windows.
void GridPassEngine::read_row(int ni, int ci, int ei, int ri) {
    const LayerParams& L = m_hw.layer;
    const size_t k = row_of(ni, ci, ei, ri);
    int32_t* x = &m_xbuf[k * m_Wn];
    const int hr = (m_g.e0 + ei) * m_U + m_g.r0 + ri - L.P;
    if (hr >= 0 && hr < L.H) {
        const int ir = hr - m_g.ifmap_row0;
        DFSIM_ASSERT(ir >= 0 && ir < m_ifmap.dim[2], "pass needs an ifmap row its tile lacks");
        m_row_real[k] = 1;
        // the real columns, a contiguous run of the tile's row (the rest stay padding zeros)
        const int w0 = std::max(0, -m_col0), w1 = std::min(m_Wn, L.W - m_col0);
        if (w0 < w1)
            std::copy_n(&m_ifmap.data[m_ifmap.index(m_g.n0 + ni, m_g.c0 + ci, ir, m_col0 + w0)], w1 - w0, x + w0);
    }
    if (!m_count_zero_taps) return;
    if (!m_row_real[k]) {  // padding: every window's every tap
        m_zero_taps += u64(m_g.f_count) * u64(m_S);
        return;
    }
    const uint32_t* taps = m_scratch.taps_at.data();
    for (int w = 0; w < m_Wn; ++w) m_zero_taps += x[w] == 0 ? taps[w] : 0;
}

// The words the ifmap bus carries for one row, and how many of them are real (from the buffer).
void GridPassEngine::count_bus_words() {
    const int f_count = m_g.f_count;
    m_real_in_window.assign(u64(f_count), 0);
    for (int f = 0; f < f_count; ++f)
        for (int s = 0; s < m_S; ++s) at(m_real_in_window, f) += real_col(f * m_U + s);
    if (m_output && m_output->ifmap == IfmapDelivery::NeighbourForward) {
        for (int f = 0; f < f_count; ++f) m_real_per_row += real_col(f * m_U);
        for (int s = 1; s < m_S; ++s) m_real_per_row += real_col((f_count - 1) * m_U + s);
        m_bus_per_row = u64(f_count + m_S - 1);
        m_fwd_per_row = u64((f_count - 1) * (m_S - 1));
    } else {
        for (uint64_t v : m_real_in_window) m_real_per_row += v;
        m_bus_per_row = u64(f_count * m_S);
    }
}

// ---------------------------------------------------------------------------------------------
// Values and counts

void GridPassEngine::values_and_counts() {
    if (m_rf_weights) load_weights();
    m_acc.assign(m_n_out, 0);
    const GridPass& g = m_g;
    if (g.psum_in)
        for (int mi = 0; mi < g.m_count; ++mi)
            for (int ni = 0; ni < g.n_count; ++ni)
                for (int ei = 0; ei < g.e_count; ++ei)
                    for (int f = 0; f < g.f_count; ++f)
                        at(m_acc, out_of(mi, ni, ei) + f) = m_psum.at(g.n0 + ni, g.m0 + mi, g.psum_e0 + ei, g.f0 + f);
    if (!m_rf_weights && g.e_count == 1 && g.f_count == 1)
        dot_products();
    else
        row_convolutions();
    write_outputs();
    count_macs();
    count_ifmap();
    count_filters();
    count_psums();
    count_skipped();
}

// A PE with weights in its register file loads its p*S weights: PE row (c, r), column j's filters.
void GridPassEngine::load_weights() {
    const GridPass& g = m_g;
    for (int i = 0; i < m_chain; ++i)
        for (int j = 0; j < m_cols; ++j) {
            Pe& x = m_hw.pes(g.pe_row0 + i, g.pe_col0 + j);
            const int pj = std::min(m_p, g.m_count - j * m_p);
            const int ci = i / g.r_count, ri = i % g.r_count;
            x.filter_spad.assign(u64(pj * m_S), 0);
            for (int k = 0; k < pj; ++k)
                for (int s = 0; s < m_S; ++s) at(x.filter_spad, k * m_S + s) = weight(j * m_p + k, ci, ri, s);
            x.f_m0 = g.m0 + j * m_p, x.f_p = pj, x.f_c0 = g.c0 + ci, x.f_q = 1, x.f_r = g.r0 + ri;
        }
}

// One output pixel per image (e.g. os-c, FC layers): each PE's psum is the dot product of its
// filter's weights with the window, step by step; computed per channel, whose r_count*S weights
// are contiguous in the filter slot.
void GridPassEngine::dot_products() {
    const GridPass& g = m_g;
    const int run = g.r_count * m_S;
    std::vector<int32_t> win(u64(g.c_count * run));
    for (int ni = 0; ni < g.n_count; ++ni) {
        for (int ci = 0; ci < g.c_count; ++ci)
            for (int ri = 0; ri < g.r_count; ++ri)
                std::copy_n(row_data(row_of(ni, ci, 0, ri)), m_S, &at(win, ci * run + ri * m_S));
        for (int mi = 0; mi < g.m_count; ++mi) {
            const int32_t* w0 = &m_filter.data[m_filter.index(g.m0 + mi, g.c0, g.r0, 0)];
            if (m_hw.dp.kind == Multiplier::Mac) {
                const size_t stride_w = m_filter.index(0, 1, 0, 0);  // the next channel's weights
                m_acc[out_of(mi, ni, 0)] += grid_mac_dots(win.data(), w0, g.c_count, run, stride_w);
                continue;
            }
            int64_t sum = 0;
            for (int ci = 0; ci < g.c_count; ++ci) {
                const int32_t* wp = &m_filter.data[m_filter.index(g.m0 + mi, g.c0 + ci, g.r0, 0)];
                int32_t part = 0;
                row_conv(m_hw.dp, &part, &at(win, ci * run), wp, run, 1, 1);
                sum += part;
            }
            m_acc[out_of(mi, ni, 0)] += sum;
        }
    }
}

// psum[m][e][f] += sum over (c, r) of the 1-D convolution of the row with w[m][c][r][.]; the
// weights from the RF of PE (c*r_count + r, m / p), or delivered from the filter slot.
void GridPassEngine::row_convolutions() {
    const GridPass& g = m_g;
    std::vector<int32_t> partial(u64(g.f_count));
    std::vector<int32_t> w(u64(m_S));
    for (int mi = 0; mi < g.m_count; ++mi)
        for (int ci = 0; ci < g.c_count; ++ci)
            for (int ri = 0; ri < g.r_count; ++ri) {
                if (m_rf_weights) {
                    const Pe& x = m_hw.pes(g.pe_row0 + ci * g.r_count + ri, g.pe_col0 + mi / m_p);
                    std::copy_n(&at(x.filter_spad, (mi % m_p) * m_S), m_S, w.begin());
                } else {
                    for (int s = 0; s < m_S; ++s) at(w, s) = weight(mi, ci, ri, s);
                }
                if (m_hw.dp.kind == Multiplier::Mac) {
                    const size_t per_row = u64(m_Wn);
                    grid_mac_rows(&m_acc[out_of(mi, 0, 0)], row_data(row_of(0, ci, 0, ri)), w.data(), m_S, m_U,
                                  g.f_count, g.n_count, g.e_count, (row_of(1, 0, 0, 0) - row_of(0, 0, 0, 0)) * per_row,
                                  (row_of(0, 0, 1, 0) - row_of(0, 0, 0, 0)) * per_row, partial.data());
                    continue;
                }
                for (int ni = 0; ni < g.n_count; ++ni)
                    for (int ei = 0; ei < g.e_count; ++ei) {
                        std::fill(partial.begin(), partial.end(), 0);
                        row_conv(m_hw.dp, partial.data(), row_data(row_of(ni, ci, ei, ri)), w.data(), m_S, m_U,
                                 g.f_count);
                        int64_t* a = &m_acc[out_of(mi, ni, ei)];
                        for (int f = 0; f < g.f_count; ++f) a[f] += at(partial, f);
                    }
            }
}

// The output unit: requantize (final) or saturate to the psum width, into the psum slot.
void GridPassEngine::write_outputs() {
    const GridPass& g = m_g;
    const OutputUnit out(m_hw.arch.pe.psum_bits, g.final_out, m_hw.layer.requant, m_hw.dp.bias);
    for (int mi = 0; mi < g.m_count; ++mi)
        for (int ni = 0; ni < g.n_count; ++ni)
            for (int ei = 0; ei < g.e_count; ++ei)
                out.row(&at(m_acc, out_of(mi, ni, ei)), &m_psum.at(g.n0 + ni, g.m0 + mi, g.psum_e0 + ei, g.f0),
                        g.f_count, g.m_abs0 + g.m0 + mi, m_hw.counts);
}

// Gated MAC slots: with weight gating, per (channel, filter row, tap) the pixels whose ifmap word
// there is zero, and all the pass's pixels of a filter whose weight there is zero.
uint64_t GridPassEngine::gated_slots() const {
    const Datapath& dp = m_hw.dp;
    const GridPass& g = m_g;
    if (!dp.gates()) return 0;
    if (!dp.gate_w) return g.m_count * m_zero_taps;
    uint64_t gated = 0;
    for (int ci = 0; ci < g.c_count; ++ci)
        for (int ri = 0; ri < g.r_count; ++ri)
            for (int s = 0; s < m_S; ++s) {
                uint64_t zx = 0;
                for (int ni = 0; dp.gate_x && ni < g.n_count; ++ni)
                    for (int ei = 0; ei < g.e_count; ++ei) {
                        const int32_t* x = row_data(row_of(ni, ci, ei, ri));
                        for (int f = 0; f < g.f_count; ++f) zx += x[f * m_U + s] == 0;
                    }
                for (int mi = 0; mi < g.m_count; ++mi) gated += weight(mi, ci, ri, s) == 0 ? m_pixels : zx;
            }
    return gated;
}

void GridPassEngine::count_macs() {
    ActionCounts& cnt = m_hw.counts;
    const Datapath& dp = m_hw.dp;
    const uint64_t gated = gated_slots();
    if (dp.kind == Multiplier::Xnor) {  // one popcount step per output, (channel, filter row) and xnor_bits taps
        cnt.xnor_ops += m_n_out * m_chain * ceil_div(m_S, dp.xnor_bits);
        cnt.xnor_bits += m_macs - m_g.m_count * m_zero_taps;
    }
    cnt.macs += m_macs;
    cnt.gated_macs += gated;
    if (!m_unicast) {  // the MAC reads its operands and its psum from the PE's register files
        AccessCounts& a = cnt.acc;
        a.at(Level::Rf, DataType::Ifmap).reads += m_macs;
        a.at(Level::Rf, DataType::Filter).reads += m_macs - gated;
        a.at(Level::Rf, DataType::Psum).reads += m_macs - gated;
        a.at(Level::Rf, DataType::Psum).writes += m_macs - gated;
    }
}

// Ifmap words: per row from the buffer (the real ones) onto the bus, multicast to the PEs that
// use them (reduce: the row's columns; output: the filters' PEs), plus the words neighbours forward.
void GridPassEngine::count_ifmap() {
    AccessCounts& a = m_hw.counts.acc;
    const uint64_t fanout = m_reduce ? m_cols : m_g.m_count;
    const uint64_t fwd = m_fwd_per_row * m_g.m_count;
    // where a received word lands: reduce with RF weights, the PE's ifmap RF (its window, read by
    // each of its p filters); output, the PE's operand register (one MAC, then forwarded or dropped)
    uint64_t& landed = m_output ? m_hw.counts.opreg_ifmap_writes : a.at(Level::Rf, DataType::Ifmap).writes;
    for (uint8_t real : m_row_real) {
        if (real) a.at(Level::Glb, DataType::Ifmap).reads += m_real_per_row;
        a.at(Level::Noc, DataType::Ifmap).writes += m_bus_per_row + fwd;
        a.at(Level::Noc, DataType::Ifmap).reads += m_bus_per_row * fanout + fwd;
        if (!m_unicast) landed += m_bus_per_row * fanout + fwd;
    }
}

void GridPassEngine::count_filters() {
    AccessCounts& a = m_hw.counts.acc;
    if (m_rf_weights) {  // loaded once into the PEs' RFs (each weight goes to one PE)
        a.at(Level::Glb, DataType::Filter).reads += m_fwords;
        a.at(Level::Noc, DataType::Filter).writes += m_fwords;
        a.at(Level::Noc, DataType::Filter).reads += m_fwords;
        a.at(Level::Rf, DataType::Filter).writes += m_fwords;
    } else if (m_unicast) {  // every MAC's weight comes from the buffer
        a.at(Level::Glb, DataType::Filter).reads += m_macs;
        a.at(Level::Noc, DataType::Filter).writes += m_macs;
        a.at(Level::Noc, DataType::Filter).reads += m_macs;
    } else {  // per step, each filter's word multicast to its pixels' PEs, latched for one MAC
        a.at(Level::Glb, DataType::Filter).reads += m_fwords;
        a.at(Level::Noc, DataType::Filter).writes += m_fwords;
        a.at(Level::Noc, DataType::Filter).reads += m_fwords * m_pixels;
        m_hw.counts.opreg_filter_writes += m_fwords * m_pixels;
    }
}

void GridPassEngine::count_psums() {
    ActionCounts& cnt = m_hw.counts;
    AccessCounts& a = cnt.acc;
    const uint64_t pin = m_g.psum_in ? 1 : 0, n = m_chain, outs = m_n_out;
    if (m_rf_weights) {  // per pixel, each column's p psums climb down the chain and leave at its foot
        const uint64_t in = (n - 1 + pin) * outs;  // psum arrivals at PEs (incl. from the buffer)
        cnt.psum_adds += in;
        a.at(Level::Rf, DataType::Psum).reads += in + n * outs;
        a.at(Level::Rf, DataType::Psum).writes += in;
        a.at(Level::Noc, DataType::Psum).reads += in + outs;
        a.at(Level::Noc, DataType::Psum).writes += n * outs + pin * outs;
        a.at(Level::Glb, DataType::Psum).writes += outs;
        a.at(Level::Glb, DataType::Psum).reads += pin * outs;
    } else if (m_unicast) {  // per step (pixel, s), each column sums its products and accumulates in the buffer
        const uint64_t steps = outs * m_S;
        const uint64_t rmw = outs * (m_S - 1 + pin);  // steps with an earlier psum
        a.at(Level::Noc, DataType::Psum).writes += n * steps + rmw;
        a.at(Level::Noc, DataType::Psum).reads += n * steps + rmw;
        cnt.psum_adds += (n - 1) * steps + rmw;
        a.at(Level::Glb, DataType::Psum).reads += rmw;
        a.at(Level::Glb, DataType::Psum).writes += steps;
    } else {  // each PE's psum stays in its RF; it comes from the buffer (if continuing) and goes back once
        a.at(Level::Glb, DataType::Psum).reads += pin * outs;
        a.at(Level::Noc, DataType::Psum).writes += pin * outs + outs;
        a.at(Level::Noc, DataType::Psum).reads += pin * outs + outs;
        a.at(Level::Rf, DataType::Psum).writes += pin * outs;
        a.at(Level::Rf, DataType::Psum).reads += outs;
        a.at(Level::Glb, DataType::Psum).writes += outs;
    }
    if (m_g.final_out) cnt.glb_output_writes += outs;
    if (m_g.final_out && !m_unicast) cnt.noc_output_reads += outs;  // each left the array once, requantized
}

// Zero skipping. Reduce with RF weights: a PE row's PEs step through (filter, tap) in lockstep
// on the shared window, and a tap whose ifmap word is zero is skipped by the whole row. Output:
// a step (tap) is skipped only when every PE's pair in it is zero.
void GridPassEngine::count_skipped() {
    const Datapath& dp = m_hw.dp;
    const GridPass& g = m_g;
    if (!dp.skip) return;
    uint64_t skipped = 0;
    if (m_rf_weights && dp.gate_x) {
        for (int ni = 0; ni < g.n_count; ++ni)
            for (int ei = 0; ei < g.e_count; ++ei)
                for (int f = 0; f < g.f_count; ++f)
                    for (int i = 0; i < m_chain; ++i)
                        skipped += window_zeros(row_of(ni, i / g.r_count, ei, i % g.r_count), f) * g.m_count;
    } else if (m_output) {
        for (int ci = 0; ci < g.c_count; ++ci)
            for (int ri = 0; ri < g.r_count; ++ri) skipped += skipped_steps(ci, ri) * m_n_out;
    }
    m_hw.counts.skipped_macs += skipped;
}

// The zero words in output column f's window of a row.
uint64_t GridPassEngine::window_zeros(size_t row, int f) const {
    const int32_t* xw = row_data(row) + f * m_U;
    uint64_t z = 0;
    for (int s = 0; s < m_S; ++s) z += xw[s] == 0;
    return z;
}

// Output mode: the taps of (channel, filter row) at which all the pass's filters have a zero
// weight (weight gating) or all its pixels a zero word (ifmap gating).
uint64_t GridPassEngine::skipped_steps(int ci, int ri) const {
    const Datapath& dp = m_hw.dp;
    const GridPass& g = m_g;
    uint64_t skipped = 0;
    for (int s = 0; s < m_S; ++s) {
        bool all_w = dp.gate_w, all_x = dp.gate_x;
        for (int mi = 0; mi < g.m_count && all_w; ++mi) all_w = weight(mi, ci, ri, s) == 0;
        for (int ni = 0; ni < g.n_count && all_x; ++ni)
            for (int ei = 0; ei < g.e_count && all_x; ++ei) {
                const int32_t* x = row_data(row_of(ni, ci, ei, ri));
                for (int f = 0; f < g.f_count && all_x; ++f) all_x = x[f * m_U + s] == 0;
            }
        if (all_w || all_x) ++skipped;
    }
    return skipped;
}

// ---------------------------------------------------------------------------------------------
// Buffer addresses (hw/bank_map.h: which bank an access takes)

uint64_t GridPassEngine::psum_index(int ni, int ei, int f) const {
    // the psum tile is laid out [image][row][column][filter]: a pixel's psums are consecutive
    const Tensor4& pst = m_psum;
    const uint64_t pixel =
        (u64(m_g.n0 + ni) * u64(pst.dim[2]) + u64(m_g.psum_e0 + ei)) * u64(pst.dim[3]) + u64(m_g.f0 + f);
    return pixel * u64(pst.dim[1]) + u64(m_g.m0);
}

uint64_t GridPassEngine::ifmap_index(size_t row, int w) const {
    const GridPass& g = m_g;
    const int ri = static_cast<int>(row % u64(g.r_count)), ei = static_cast<int>(row / u64(g.r_count) % u64(g.e_count));
    const int ci = static_cast<int>(row / u64(g.r_count * g.e_count) % u64(g.c_count));
    const int ni = static_cast<int>(row / u64(g.r_count * g.e_count * g.c_count));
    return ifmap_index(ni, ci, ei, ri, w);
}

uint64_t GridPassEngine::ifmap_index(int ni, int ci, int ei, int ri, int w) const {
    const GridPass& g = m_g;
    const int hr = std::max(0, (g.e0 + ei) * m_U + g.r0 + ri - m_hw.layer.P);
    const int ir = std::clamp(hr - g.ifmap_row0, 0, m_ifmap.dim[2] - 1);
    const int col = std::clamp(m_col0 + w, 0, m_hw.layer.W - 1);
    return m_ifmap.index(g.n0 + ni, g.c0 + ci, ir, col);
}

int GridPassEngine::first_real(int w) const {
    while (w < m_Wn && !real_col(w)) ++w;
    return w;
}

// ---------------------------------------------------------------------------------------------
// Timing

Cycle GridPassEngine::timing() {
    const Cycle end = m_rf_weights ? time_reduce_rf() : m_unicast ? time_reduce_unicast() : time_output();
    if (m_hw.trace)
        m_hw.trace->resources(m_res.ifmap_bus, m_res.filter_bus, m_res.psum_in_bus, m_res.out_bus, m_res.glb_port);
    return end;
}

// Reduce with RF weights: the weights over the filter bus, then pixel by pixel each PE row gets
// its window and its PEs step through their filters and taps; psums go down the column.
Cycle GridPassEngine::time_reduce_rf() {
    // each PE row's weights in turn over the filter bus (the filter tile laid out in that order)
    const uint64_t words = u64(m_g.m_count) * u64(m_S);
    const size_t n = u64(m_chain);
    m_busy.assign(n, 0);
    for (size_t i = 0; i < n; ++i) {
        m_busy[i] = std::max(m_res.filter_bus.place(0, words * m_hw.layer.filter_bits),
                             m_res.banks.access(m_g.filter_slot, i * words, words, 0));
        m_res.glb_port.place(0, words * m_hw.layer.filter_bits);
    }
    m_send_free.assign(n, 0);
    m_in_free.assign(n, 0);
    m_last_line.assign(n, -1);
    // when each PE row's ifmap RF can take the next window: while the current one is in use
    // if the RF holds two windows, else once it is consumed
    m_ready.assign(n, 0);
    Cycle end = 0;
    for (int ni = 0; ni < m_g.n_count; ++ni)
        for (int ei = 0; ei < m_g.e_count; ++ei)
            for (int f = 0; f < m_g.f_count; ++f) end = std::max(end, step_reduce_rf(ni, ei, f));
    return end;
}

Cycle GridPassEngine::step_reduce_rf(int ni, int ei, int f) {
    const PeParams& pp = m_hw.arch.pe;
    const LayerParams& L = m_hw.layer;
    const uint64_t filters = u64(m_g.m_count), pb = u64(pp.psum_bits), ib = u64(L.ifmap_bits);
    const uint64_t pm = u64(std::min(m_p, m_g.m_count));  // psums per PE (the widest column)
    const bool double_psum = pp.psum_spad_words >= 2 * m_p, double_ifmap = pp.ifmap_spad_words >= 2 * m_S;
    const uint64_t address = psum_index(ni, ei, f);
    Cycle t_in = 0, end = 0;
    bool have_in = m_g.psum_in;
    if (have_in) {  // the top PEs continue from the buffer's psums
        t_in = std::max(m_res.psum_in_bus.place(m_ready[0], filters * pb),
                        m_res.banks.access(m_g.psum_slot, address, filters, m_ready[0]));
        m_res.glb_port.place(m_ready[0], filters * pb);
    }
    for (int i = 0; i < m_chain; ++i) {
        const size_t row = row_of(ni, i / m_g.r_count, ei, i % m_g.r_count);
        Cycle& ready = at(m_ready, i);
        // the row's window, multicast along the row (its real words from the buffer)
        Cycle t_del = m_res.ifmap_bus.place(ready, u64(m_S) * ib);
        const uint64_t real = at(m_real_in_window, f);
        if (m_row_real[row] && real) {
            t_del = std::max(t_del, window_reads(i, row, f, ready, m_res.banks));
            m_res.glb_port.place(ready, real * ib);
        }
        const Cycle start = std::max(at(m_busy, i), t_del);
        const uint64_t skip_taps = m_hw.dp.skip && m_hw.dp.gate_x ? window_zeros(row, f) : 0;
        const Cycle mac_done = start + pm * (u64(m_S) - skip_taps) + (have_in ? pm : 0);
        if (m_hw.trace) trace_reduce_rf(i, ni, ei, f, start, u64(m_S) - skip_taps, have_in);
        const Cycle result = mac_done + u64(pp.pipeline_depth) - 1;
        const Cycle acc = have_in ? std::max(result, t_in + pm) : result;
        Cycle send_done;
        if (i + 1 < m_chain) {  // down the links, once the next row has added the previous pixel
            const Cycle send_start = std::max({acc, at(m_send_free, i), at(m_in_free, i + 1)});
            send_done = send_start + ceil_div(pm * pb, u64(m_hw.arch.noc.psum_link_bits));
            t_in = send_done;
            have_in = true;
        } else {
            const Cycle send_start = std::max(acc, at(m_send_free, i));
            const uint64_t b = filters * u64(out_bits(m_hw.arch, L, m_g.final_out));
            send_done = std::max(m_res.out_bus.place(send_start, b),
                                 m_res.banks.access(m_g.psum_slot, address, filters, send_start));
            m_res.glb_port.place(send_start, b);
        }
        at(m_in_free, i) = acc;  // its receiving register is empty again
        // with room for two pixels' psums, the next pixel starts once this one's MACs are done and
        // the previous pixel's psums have left (two in flight at most), else once these have left
        at(m_busy, i) = double_psum ? std::max(mac_done, at(m_send_free, i)) : send_done;
        at(m_send_free, i) = send_done;
        ready = double_ifmap ? start : mac_done;
        end = std::max(end, send_done);
    }
    return end;
}

Cycle GridPassEngine::time_reduce_unicast() {
    const ArchParams& a = m_hw.arch;
    const GridPass& g = m_g;
    const uint64_t n = m_chain, filters = g.m_count, pb = a.pe.psum_bits;
    const uint64_t ib = m_hw.layer.ifmap_bits, fb = m_hw.layer.filter_bits;
    const uint64_t red_latency = a.noc.reduction == NocParams::Reduction::Chain
                                     ? n - 1
                                     : static_cast<uint64_t>(std::ceil(std::log2(static_cast<double>(n))));
    const uint64_t out_w = out_bits(a, m_hw.layer, g.final_out);
    // real rows per output row of the block (for the buffer reads of one pixel; alike for all images)
    std::vector<uint64_t> real_rows_at_e(u64(g.e_count), 0);
    for (int ci = 0; ci < g.c_count; ++ci)
        for (int ei = 0; ei < g.e_count; ++ei)
            for (int ri = 0; ri < g.r_count; ++ri) at(real_rows_at_e, ei) += m_row_real[row_of(0, ci, ei, ri)];
    std::vector<Cycle> written(m_pixels, 0);  // [pixel]: when its psum is back in the buffer
    Cycle issue = 0, ready = 0, end = 0;
    bool issue_any = false;
    uint64_t filter_offset = 0;  // the weights, streamed from the filter tile in step order
    for (int s = 0; s < m_S; ++s)
        for (int ni = 0; ni < g.n_count; ++ni)
            for (int ei = 0; ei < g.e_count; ++ei)
                for (int f = 0; f < g.f_count; ++f) {
                    const uint64_t real = at(real_rows_at_e, ei) * real_col(f * m_U + s);
                    const Cycle t_i = m_res.ifmap_bus.place(ready, n * ib);
                    const Cycle t_w = m_res.filter_bus.place(ready, filters * n * fb);
                    m_res.glb_port.place(ready, real * ib + filters * n * fb);
                    Cycle t_g = m_res.banks.access(g.filter_slot, filter_offset % std::max<uint64_t>(1, m_fwords),
                                                   filters * n, ready);
                    filter_offset += filters * n;
                    if (real > 0)
                        t_g = std::max(
                            t_g, m_res.banks.access(g.ifmap_slot, ifmap_index(0, 0, ei, 0, f * m_U + s), real, ready));
                    issue = issue_any ? std::max({issue + 1, t_i, t_w, t_g}) : std::max({t_i, t_w, t_g});
                    issue_any = true;
                    for (int i = 0; m_hw.trace && i < m_chain; ++i)
                        for (int j = 0; j < g.m_count; ++j)
                            m_hw.trace->pe_busy(g.pe_row0 + i, g.pe_col0 + j, issue, issue + 1,
                                                trace_gated(j, ni, i / g.r_count, ei, i % g.r_count, f, s, s + 1));
                    Cycle acc_ready = issue + a.pe.pipeline_depth + red_latency;
                    Cycle& px = at(written, out_of(0, ni, ei) + f);  // the pixel's psums
                    if (s > 0 || g.psum_in) {
                        const Cycle rd = std::max(px, issue);
                        m_res.glb_port.place(rd, filters * pb);
                        acc_ready =
                            std::max(acc_ready,
                                     std::max(m_res.psum_in_bus.place(rd, filters * pb),
                                              m_res.banks.access(g.psum_slot, psum_index(ni, ei, f), filters, rd))) +
                            1;
                    }
                    const uint64_t b = filters * (s + 1 == m_S ? out_w : pb);
                    m_res.glb_port.place(acc_ready, b);
                    px = std::max(m_res.out_bus.place(acc_ready, b),
                                  m_res.banks.access(g.psum_slot, psum_index(ni, ei, f), filters, acc_ready));
                    end = std::max(end, px);
                    ready = issue;  // operands for the next step arrive while this one issues
                }
    return end;
}

// Output: steps (c, r, s), per step one MAC in every PE; the bus feeds the step's distinct words
// (placed a group of S steps ahead); psums come in at the start and leave at the end.
Cycle GridPassEngine::time_output() {
    const GridPass& g = m_g;
    const uint64_t pb = m_hw.arch.pe.psum_bits;
    const uint64_t ib = m_hw.layer.ifmap_bits, fb = m_hw.layer.filter_bits;
    Cycle group_end = 0, group_start = 0;
    if (g.psum_in) {
        const uint64_t b = m_n_out * pb;
        m_res.glb_port.place(0, b);
        group_end =
            std::max(m_res.psum_in_bus.place(0, b), m_res.banks.access(g.psum_slot, psum_index(0, 0, 0), m_n_out, 0));
    }
    for (int ci = 0; ci < g.c_count; ++ci)
        for (int ri = 0; ri < g.r_count; ++ri) {
            uint64_t real = 0;
            for (int ni = 0; ni < g.n_count; ++ni)
                for (int ei = 0; ei < g.e_count; ++ei)
                    if (m_row_real[row_of(ni, ci, ei, ri)]) real += m_real_per_row;
            const uint64_t words = m_bus_per_row * g.e_count * g.n_count;
            const uint64_t fbits = g.m_count * m_S * fb;
            const Cycle t_i = m_res.ifmap_bus.place(group_start, words * ib);
            const Cycle t_f = m_res.filter_bus.place(group_start, fbits);
            m_res.glb_port.place(group_start, real * ib + fbits);
            const uint64_t fwords = u64(g.m_count) * u64(m_S);  // the filter tile in group order
            Cycle t_g = m_res.banks.access(g.filter_slot, u64(ci * g.r_count + ri) * fwords, fwords, group_start);
            if (real > 0)
                t_g = std::max(t_g, m_res.banks.access(g.ifmap_slot, ifmap_index(0, ci, 0, ri, 0), real, group_start));
            const uint64_t skipped = m_hw.dp.skip ? skipped_steps(ci, ri) : 0;
            group_end = std::max({group_end + m_S - skipped, t_i + 1, t_f + 1, t_g + 1});
            // the next group's words are placed S steps before this group ends (not before the pass starts)
            group_start = group_end - std::min(group_end, u64(m_S));
            if (m_hw.trace) trace_output_group(ci, ri, group_end - (m_S - skipped), group_end);
        }
    const Cycle done = group_end + m_hw.arch.pe.pipeline_depth - 1;
    const uint64_t b = m_n_out * out_bits(m_hw.arch, m_hw.layer, g.final_out);
    m_res.glb_port.place(done, b);
    return std::max(m_res.out_bus.place(done, b), m_res.banks.access(g.psum_slot, psum_index(0, 0, 0), m_n_out, done));
}

// Trace only: gated slots of filter mi (pass-local) over the taps s0 .. s1-1 of the window of
// row (ni, ci, ei, ri) at output column f, as the datapath gates (ifmap and/or weight zeros).
uint64_t GridPassEngine::trace_gated(int mi, int ni, int ci, int ei, int ri, int f, int s0, int s1) const {
    const Datapath& dp = m_hw.dp;
    uint64_t z = 0;
    if (!dp.gates()) return z;
    const int32_t* x = row_data(row_of(ni, ci, ei, ri)) + f * m_U;
    for (int s = s0; s < s1; ++s) {
        const bool xz = dp.gate_x && x[s] == 0;
        const bool wz = dp.gate_w && weight(mi, ci, ri, s) == 0;
        z += xz || wz;
    }
    return z;
}

// Trace only: the PEs of PE row i issuing pixel (ni, ei, f) from `start`, `taps` taps a filter
// (the rest skipped).
void GridPassEngine::trace_reduce_rf(int i, int ni, int ei, int f, Cycle start, uint64_t taps, bool have_in) const {
    const int ci = i / m_g.r_count, ri = i % m_g.r_count;
    for (int j = 0; j < m_cols; ++j) {
        const int pj = std::min(m_p, m_g.m_count - j * m_p);
        uint64_t z = 0;
        for (int k = 0; k < pj; ++k) z += trace_gated(j * m_p + k, ni, ci, ei, ri, f, 0, m_S);
        m_hw.trace->pe_busy(m_g.pe_row0 + i, m_g.pe_col0 + j, start, start + pj * taps + (have_in ? u64(pj) : 0), z);
    }
}

// Trace only: every PE busy for the steps of (channel ci, filter row ri) it does not skip; output
// k = ((m * n_count + n) * e_count + e) * f_count + f on its PE (OutputMode).
void GridPassEngine::trace_output_group(int ci, int ri, Cycle start, Cycle end) const {
    const GridPass& g = m_g;
    const int width = m_output->pe_width;
    const int n_out = static_cast<int>(m_n_out);
    for (int k = 0; k < n_out; ++k) {
        const int f = k % g.f_count, ei = k / g.f_count % g.e_count, ni = k / g.f_count / g.e_count % g.n_count;
        const int mi = k / (g.f_count * g.e_count * g.n_count);
        m_hw.trace->pe_busy(g.pe_row0 + k / width, g.pe_col0 + k % width, start, end,
                            trace_gated(mi, ni, ci, ei, ri, f, 0, m_S));
    }
}

}  // namespace dfsim::hw
