#include "hw/cycle/row_engine.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <cstdio>
#include <cstdlib>

#include "base/error.h"
#include "hw/trace.h"

namespace dfsim::hw {

RowCycleEngine::RowCycleEngine(const CycleContext& ctx, const RowPass& pass, Cycle start)
    : m_ctx(ctx),
      m_ps(pass),
      m_out(ctx.arch.pe.psum_bits, pass.final_out, ctx.layer.requant, ctx.dp.bias),
      m_L(ctx.layer),
      m_start(start),
      m_end(start) {
    const PeParams& pp = ctx.arch.pe;
    DFSIM_ASSERT(!pass.sets.empty() && pass.r_count > 0 && pass.e_count > 0 && ctx.layer.F > 0, "empty pass");
    m_Wn = (ctx.layer.F - 1) * ctx.layer.U + ctx.layer.S;
    m_out_bits = (pass.final_out && ctx.layer.requant.enabled) ? ctx.layer.requant.out.bits : pp.psum_bits;
    for (const RowSet& s : pass.sets) m_qmax = std::max(m_qmax, s.q);
    m_window = pp.ifmap_spad_words / m_qmax;
    DFSIM_ASSERT(m_window >= ctx.layer.S, "ifmap spad cannot hold one window");
    m_xnor_steps = ceil_div(static_cast<uint64_t>(ctx.layer.S), static_cast<uint64_t>(ctx.dp.xnor_bits));
    build_sets(pass);
    build_rows(pass);
    build_filter_transfers(pass);
    m_events.push(start, Event{Ev::Wake, -1, 0});
}

void RowCycleEngine::build_sets(const RowPass& ps) {
    const ArchParams& a = m_ctx.arch;
    const int h = ps.r_count, e = ps.e_count;
    for (size_t k = 0; k < ps.sets.size(); ++k) {
        const RowSet& s = ps.sets[k];
        DFSIM_ASSERT(s.pe_row0 >= 0 && s.pe_row0 + h <= a.rows && s.pe_col0 >= 0 && s.pe_col0 + e <= a.cols,
                     "PE set outside the array");
        for (int i = 0; i < h; ++i)
            for (int j = 0; j < e; ++j) {
                PeSlot x;
                x.set = static_cast<int>(k), x.i = i, x.j = j, x.p = s.p, x.q = s.q;
                x.pe = &m_ctx.pes(s.pe_row0 + i, s.pe_col0 + j);
                m_slots.push_back(std::move(x));
            }
    }
    auto slot_of = [&](int set, int i, int j) { return (set * h + i) * e + j; };
    // chains bottom to top: link each PE to the one above it
    for (size_t k = 0; k < ps.sets.size(); ++k) {
        if (!ps.sets[k].to_glb) continue;
        std::vector<int> chain;  // sets, top first
        for (int cur = static_cast<int>(k); cur >= 0; cur = ps.sets[static_cast<size_t>(cur)].psum_from)
            chain.push_back(cur);
        ++m_chains;
        for (int j = 0; j < e; ++j) {
            int prev = -1;  // the PE below the current one
            for (auto it = chain.rbegin(); it != chain.rend(); ++it)
                for (int i = h - 1; i >= 0; --i) {
                    const int sl = slot_of(*it, i, j);
                    PeSlot& x = m_slots[static_cast<size_t>(sl)];
                    x.below = prev;
                    x.psum_from_glb = prev < 0 && ps.psum_in;
                    if (prev >= 0) m_slots[static_cast<size_t>(prev)].above = sl;
                    prev = sl;
                }
            m_tops.push_back(prev);
        }
    }
    m_outputs = m_tops.size() * static_cast<uint64_t>(m_L.F);
    const PeParams& pp = a.pe;
    for (PeSlot& x : m_slots) {
        x.max_cols = pp.psum_spad_words >= 2 * x.p ? 2 : 1;
        x.link_cycles = ceil_div(static_cast<uint64_t>(x.p) * static_cast<uint64_t>(pp.psum_bits),
                                 static_cast<uint64_t>(a.noc.psum_link_bits));
    }
}

void RowCycleEngine::build_rows(const RowPass& ps) {
    Tensor4& ifm = m_ctx.glb.slot(ps.ifmap_slot);
    DFSIM_ASSERT(ifm.dim[3] == m_L.W, "ifmap tile width");
    std::map<std::pair<int, int>, int> index;
    m_pe_rows.assign(m_slots.size() * static_cast<size_t>(m_qmax), -1);
    for (size_t sl = 0; sl < m_slots.size(); ++sl) {
        const PeSlot& x = m_slots[sl];
        const RowSet& s = ps.sets[static_cast<size_t>(x.set)];
        for (int jj = 0; jj < s.q; ++jj) {
            const int prow = (ps.e0 + x.j) * m_L.U + ps.r0 + x.i;
            auto [it, fresh] = index.emplace(std::make_pair(s.c0 + jj, prow), static_cast<int>(m_rows.size()));
            if (fresh) {
                Row r;
                r.c = s.c0 + jj, r.prow = prow;
                m_rows.push_back(std::move(r));
            }
            m_rows[static_cast<size_t>(it->second)].consumers.push_back(static_cast<int>(sl));
            m_pe_rows[sl * static_cast<size_t>(m_qmax) + static_cast<size_t>(jj)] = it->second;
        }
    }
    for (Row& r : m_rows) {
        r.data.assign(static_cast<size_t>(m_Wn), 0);
        r.glb_index.assign(static_cast<size_t>(m_Wn), -1);
        const int hr = r.prow - m_L.P, ir = hr - ps.ifmap_row0;
        if (hr < 0 || hr >= m_L.H) continue;  // a padding row
        DFSIM_ASSERT(ir >= 0 && ir < ifm.dim[2], "pass needs an ifmap row its tile lacks");
        for (int w = 0; w < m_Wn; ++w) {
            const int col = w - m_L.P;
            if (col < 0 || col >= m_L.W) continue;
            r.data[static_cast<size_t>(w)] = ifm.at(ps.n0, r.c, ir, col);
            r.glb_index[static_cast<size_t>(w)] = static_cast<int64_t>(ifm.index(ps.n0, r.c, ir, col));
        }
    }
}

void RowCycleEngine::build_filter_transfers(const RowPass& ps) {
    const int S = m_L.S;
    if (!ps.load_filters) {
        for (const PeSlot& x : m_slots) {
            const RowSet& s = ps.sets[static_cast<size_t>(x.set)];
            const Pe& pe = *x.pe;
            DFSIM_ASSERT(pe.f_m0 == s.m0 && pe.f_p == s.p && pe.f_c0 == s.c0 && pe.f_q == s.q && pe.f_r == ps.r0 + x.i,
                         "pass reuses filters the PE does not hold");
        }
        return;
    }
    const uint64_t per = std::max<uint64_t>(
        1, static_cast<uint64_t>(m_ctx.arch.noc.filter_bus_bits) / static_cast<uint64_t>(m_L.filter_bits));
    // sets holding the same filters take the same transfers (multicast)
    std::map<std::tuple<int, int, int, int>, std::vector<int>> groups;
    std::vector<std::tuple<int, int, int, int>> order;
    for (size_t k = 0; k < ps.sets.size(); ++k) {
        const RowSet& s = ps.sets[k];
        const auto key = std::make_tuple(s.m0, s.p, s.c0, s.q);
        if (groups.find(key) == groups.end()) order.push_back(key);
        groups[key].push_back(static_cast<int>(k));
    }
    for (PeSlot& x : m_slots) {
        const RowSet& s = ps.sets[static_cast<size_t>(x.set)];
        x.filters_missing = s.p * s.q * S;
        x.pe->filter_spad.assign(static_cast<size_t>(x.filters_missing), 0);
        x.pe->f_m0 = s.m0, x.pe->f_p = s.p, x.pe->f_c0 = s.c0, x.pe->f_q = s.q, x.pe->f_r = ps.r0 + x.i;
    }
    uint64_t offset = 0;  // in the filter slot
    for (const auto& key : order) {
        const std::vector<int>& sets = groups[key];
        const RowSet& s = ps.sets[static_cast<size_t>(sets.front())];
        const int words = s.p * s.q * S;
        for (int i = 0; i < ps.r_count; ++i)
            for (int w0 = 0; w0 < words; w0 += static_cast<int>(per)) {
                FilterTransfer t;
                t.set = sets.front(), t.i = i, t.w0 = w0, t.words = std::min(static_cast<int>(per), words - w0);
                t.offset = offset;
                offset += static_cast<uint64_t>(t.words);
                for (int k : sets)
                    for (int j = 0; j < ps.e_count; ++j) t.slots.push_back((k * ps.r_count + i) * ps.e_count + j);
                m_filter_xfers.push_back(std::move(t));
            }
    }
}

uint64_t RowCycleEngine::psum_address(const Tensor4& pst, const PeSlot& x, const RowSet& s, int f) const {
    // the psum tile is laid out [image][row][column][filter]: a column's p psums are consecutive
    const uint64_t e = static_cast<uint64_t>(m_ps.psum_e0 + x.j), F = static_cast<uint64_t>(pst.dim[3]);
    const uint64_t pixel =
        (static_cast<uint64_t>(m_ps.n0) * static_cast<uint64_t>(pst.dim[2]) + e) * F + static_cast<uint64_t>(f);
    return pixel * static_cast<uint64_t>(pst.dim[1]) + static_cast<uint64_t>(s.m0);
}

int RowCycleEngine::needed(int a, int b) const {
    const int U = m_L.U, S = m_L.S;
    if (U <= S) return std::max(0, b - a);
    auto below = [&](int x) { return (x / U) * S + std::min(x % U, S); };
    return below(b) - below(a);
}

std::string RowCycleEngine::state() const {
    std::string s;
    for (size_t k = 0; k < m_rows.size(); ++k)
        s += " row" + std::to_string(k) + "(c" + std::to_string(m_rows[k].c) + " r" + std::to_string(m_rows[k].prow) +
             ") sent " + std::to_string(m_rows[k].sent) + ";";
    for (size_t i = 0; i < m_slots.size(); ++i) {
        const PeSlot& x = m_slots[i];
        s += " pe" + std::to_string(i) + "(set " + std::to_string(x.set) + " " + std::to_string(x.i) + "," +
             std::to_string(x.j) + ") f " + std::to_string(x.f_next) + " lo " + std::to_string(x.lo) + " cols " +
             std::to_string(x.cols.size()) + " in " + std::to_string(x.in.size()) + " fmiss " +
             std::to_string(x.filters_missing) + " fat " + std::to_string(x.filters_at) + " mfree " +
             std::to_string(x.mac_free) + " avail " +
             std::to_string(m_rows[static_cast<size_t>(m_pe_rows[i * static_cast<size_t>(m_qmax)])].avail) +
             (x.sending ? " sending" : "") + ";";
    }
    return s;
}

bool RowCycleEngine::ifmap_pending() const { return m_bus_w < m_Wn; }

// ---------------------------------------------------------------------------------------------
// The networks: each issues at most one transfer a cycle.

bool RowCycleEngine::issue_filter(Cycle now) {
    if (m_next_filter >= m_filter_xfers.size()) return false;
    const FilterTransfer& t = m_filter_xfers[m_next_filter++];
    const RowSet& s = m_ps.sets[static_cast<size_t>(t.set)];
    const Tensor4& flt = m_ctx.glb.slot(m_ps.filter_slot);
    const int S = m_L.S;
    std::vector<int32_t> vals;
    for (int w = t.w0; w < t.w0 + t.words; ++w) {  // word w = (k * q + jj) * S + tap
        const int k = w / (s.q * S), jj = w / S % s.q, tap = w % S;
        vals.push_back(flt.at(s.m0 + k, s.c0 + jj, m_ps.r0 + t.i, tap));
    }
    // the filter tile is laid out in the order the filter GIN streams it
    const Cycle at =
        std::max(now + 1, m_ctx.banks.access(m_ps.filter_slot, t.offset, static_cast<uint64_t>(t.words), now));
    for (int sl : t.slots) {
        PeSlot& x = m_slots[static_cast<size_t>(sl)];
        std::copy(vals.begin(), vals.end(), x.pe->filter_spad.begin() + t.w0);
        x.filters_missing -= t.words;
        x.filters_at = std::max(x.filters_at, at);
        if (x.filters_missing == 0) m_events.push(x.filters_at, Event{Ev::Wake, sl, 0});
    }
    auto& A = m_ctx.counts.acc;
    const uint64_t n = static_cast<uint64_t>(t.words);
    A.at(Level::Glb, DataType::Filter).reads += n;
    A.at(Level::Noc, DataType::Filter).writes += n;
    A.at(Level::Noc, DataType::Filter).reads += n * t.slots.size();
    A.at(Level::Rf, DataType::Filter).writes += n * t.slots.size();
    return true;
}

int RowCycleEngine::room(const PeSlot& x, const Row& r) const { return m_window - needed(x.lo, r.sent); }

bool RowCycleEngine::issue_ifmap(Cycle now) {
    // position-major: word (w, row) for every row at position w, then w + 1; each word carries its
    // own tag, so one transfer of ifmap_bus_bits can feed several rows; it stops at the first word
    // whose consumers have no room for it (the words behind it wait: in order)
    const int per = std::max(1, m_ctx.arch.noc.ifmap_bus_bits / m_L.ifmap_bits);
    std::vector<uint64_t>& glb_words = m_glb_words;
    std::vector<std::pair<int, int>>& touched = m_touched;
    glb_words.clear(), touched.clear();
    int n = 0;
    uint64_t real = 0;
    while (n < per && m_bus_w < m_Wn) {
        Row& r = m_rows[m_bus_row];
        if (needed(m_bus_w, m_bus_w + 1) > 0)
            for (int sl : r.consumers)
                if (room(m_slots[static_cast<size_t>(sl)], r) <= 0) goto full;
        if (const int64_t gi = r.glb_index[static_cast<size_t>(m_bus_w)]; gi >= 0) {
            ++real;
            // the GIN reads a buffer line once and keeps it while it feeds the row's words from it
            const int64_t line = gi * m_L.ifmap_bits / m_ctx.arch.glb.bank_width_bits;
            if (line != r.line) glb_words.push_back(static_cast<uint64_t>(gi));
            r.line = line;
        }
        r.sent = m_bus_w + 1;
        touched.emplace_back(static_cast<int>(m_bus_row), m_bus_w);
        ++n;
        if (++m_bus_row == m_rows.size()) m_bus_row = 0, ++m_bus_w;
    }
full:
    if (n == 0) return false;
    Cycle at = now + 1;
    if (!glb_words.empty()) at = std::max(at, m_ctx.banks.access_words(m_ps.ifmap_slot, glb_words, now));
    uint64_t used = 0;
    for (const auto& [k, w] : touched) {
        const Row& r = m_rows[static_cast<size_t>(k)];
        used += static_cast<uint64_t>(needed(w, w + 1)) * r.consumers.size();
        if (w + 1 == r.sent) m_events.push(at, Event{Ev::RowArrive, k, r.sent});  // the row's last word of the transfer
    }
    auto& A = m_ctx.counts.acc;
    A.at(Level::Glb, DataType::Ifmap).reads += real;
    A.at(Level::Noc, DataType::Ifmap).writes += static_cast<uint64_t>(n);
    A.at(Level::Noc, DataType::Ifmap).reads += used;
    A.at(Level::Rf, DataType::Ifmap).writes += used;
    return true;
}

// One transfer of up to `words` words of the requests at the head of `queue` (each word tagged,
// so one transfer can serve several PEs' requests, in order), each word taking its bank for a
// cycle; `finish(request)` for each request whose last word it moved, which leaves the queue.
template <typename Finish>
bool RowCycleEngine::transfer_psums(std::deque<Request>& queue, int words, Cycle now, Finish finish) {
    if (queue.empty()) return false;
    const Tensor4& pst = m_ctx.glb.slot(m_ps.psum_slot);
    while (words > 0 && !queue.empty()) {
        Request& q = queue.front();
        const PeSlot& x = m_slots[static_cast<size_t>(q.slot)];
        const RowSet& s = m_ps.sets[static_cast<size_t>(x.set)];
        const int k0 = x.p - q.words_left, n = std::min(words, q.words_left);
        const uint64_t first = psum_address(pst, x, s, q.f) + u64(k0);
        q.done = std::max({q.done, now + 1, m_ctx.banks.access(m_ps.psum_slot, first, u64(n), now)});
        q.words_left -= n;
        words -= n;
        if (q.words_left > 0) break;
        finish(q, x, s);
        queue.pop_front();
    }
    return true;
}

// The psum-in bus: psum_in_bus_bits a cycle, the earlier psums a chain bottom continues from.
bool RowCycleEngine::issue_psum_in(Cycle now) {
    const int words = std::max(1, m_ctx.arch.noc.psum_in_bus_bits / m_ctx.arch.pe.psum_bits);
    return transfer_psums(m_psum_in, words, now, [&](const Request& q, const PeSlot& x, const RowSet& s) {
        const Tensor4& pst = m_ctx.glb.slot(m_ps.psum_slot);
        Incoming in;
        in.f = q.f, in.at = q.done;
        for (int k = 0; k < x.p; ++k) in.v.push_back(pst.at(m_ps.n0, s.m0 + k, m_ps.psum_e0 + x.j, q.f));
        auto& A = m_ctx.counts.acc;
        A.at(Level::Glb, DataType::Psum).reads += u64(x.p);
        A.at(Level::Noc, DataType::Psum).writes += u64(x.p);
        m_slots[static_cast<size_t>(q.slot)].in.push_back(std::move(in));
        m_events.push(q.done, Event{Ev::Wake, q.slot, 0});
    });
}

// The global output network: psum_out_bus_bits a cycle, the chain tops' psums through the output
// unit into the psum slot.
bool RowCycleEngine::issue_gon(Cycle now) {
    const int words = std::max(1, m_ctx.arch.noc.psum_out_bus_bits / m_out_bits);
    return transfer_psums(m_gon, words, now, [&](const Request& q, const PeSlot& x, const RowSet& s) {
        Tensor4& pst = m_ctx.glb.slot(m_ps.psum_slot);
        ActionCounts& cnt = m_ctx.counts;
        for (int k = 0; k < x.p; ++k)  // a column: one word of each filter's row
            m_out.row(&q.v[static_cast<size_t>(k)], &pst.at(m_ps.n0, s.m0 + k, m_ps.psum_e0 + x.j, q.f), 1,
                      m_ps.m_abs0 + s.m0 + k, cnt);
        const uint64_t p = u64(x.p);
        cnt.acc.at(Level::Noc, DataType::Psum).reads += p;
        cnt.acc.at(Level::Glb, DataType::Psum).writes += p;
        if (m_ps.final_out) cnt.glb_output_writes += p, cnt.noc_output_reads += p;
        ++m_written;
        m_end = std::max(m_end, q.done);
        m_events.push(q.done, Event{Ev::SendDone, q.slot, 0});
    });
}

// ---------------------------------------------------------------------------------------------
// The PEs

void RowCycleEngine::wake(int slot) {
    PeSlot& x = m_slots[static_cast<size_t>(slot)];
    if (x.woken) return;
    x.woken = true;
    m_woken.push_back(slot);
}

void RowCycleEngine::compute_column(PeSlot& x, Column& col, uint64_t& gated) {
    const RowSet& s = m_ps.sets[static_cast<size_t>(x.set)];
    const int S = m_L.S, fU = col.f * m_L.U;
    const Datapath& dp = m_ctx.dp;
    const int* rows = &m_pe_rows[static_cast<size_t>(&x - m_slots.data()) * static_cast<size_t>(m_qmax)];
    col.v.assign(static_cast<size_t>(x.p), 0);
    gated = 0;
    uint64_t pad_zeros = 0;
    const int taps_freed = std::min(m_L.U, S);  // the taps whose words no later column uses
    m_tap_skipped.assign(static_cast<size_t>(taps_freed), 0);
    for (int jj = 0; jj < s.q; ++jj) {
        const int32_t* xr = m_rows[static_cast<size_t>(rows[jj])].data.data() + fU;
        for (int k = 0; k < x.p; ++k) {
            const int32_t* wr =
                &x.pe->filter_spad[(static_cast<size_t>(k) * static_cast<size_t>(s.q) + static_cast<size_t>(jj)) *
                                   static_cast<size_t>(S)];
            int32_t part = 0;
            row_conv(dp, &part, xr, wr, S, 1, 1);
            col.v[static_cast<size_t>(k)] += part;
            if (dp.gates())
                for (int t = 0; t < S; ++t) {
                    const bool g = (dp.gate_x && xr[t] == 0) || (dp.gate_w && wr[t] == 0);
                    gated += g;
                    if (dp.skip && t < taps_freed) m_tap_skipped[static_cast<size_t>(t)] += g;
                }
        }
        for (int t = 0; t < S; ++t) pad_zeros += xr[t] == 0;
    }
    if (dp.kind == Multiplier::Xnor) {
        m_ctx.counts.xnor_ops += static_cast<uint64_t>(x.p) * static_cast<uint64_t>(s.q) * m_xnor_steps;
        m_ctx.counts.xnor_bits += static_cast<uint64_t>(x.p) * (static_cast<uint64_t>(s.q * S) - pad_zeros);
    }
}

bool RowCycleEngine::try_start(PeSlot& x, int slot, Cycle now) {
    if (x.f_next >= m_L.F || x.filters_missing > 0 || x.filters_at > now || x.mac_free > now ||
        static_cast<int>(x.cols.size()) >= x.max_cols)
        return false;
    const int need = x.f_next * m_L.U + m_L.S;
    const int* rows = &m_pe_rows[static_cast<size_t>(slot) * static_cast<size_t>(m_qmax)];
    for (int jj = 0; jj < x.q; ++jj)
        if (m_rows[static_cast<size_t>(rows[jj])].avail < need) return false;
    Column col;
    col.f = x.f_next++;
    uint64_t gated = 0;
    compute_column(x, col, gated);
    const uint64_t slots = static_cast<uint64_t>(x.p) * static_cast<uint64_t>(x.q) * static_cast<uint64_t>(m_L.S);
    const uint64_t full = m_ctx.dp.kind == Multiplier::Xnor
                              ? static_cast<uint64_t>(x.p) * static_cast<uint64_t>(x.q) * m_xnor_steps
                              : slots;
    const bool skip = m_ctx.dp.skip;
    col.has_in = x.below >= 0 || x.psum_from_glb;
    const bool add_slots = col.has_in && m_ctx.arch.pe.psum_add_in_mac_slots;  // else a separate adder
    const uint64_t busy = (skip ? full - gated : full) + (add_slots ? static_cast<uint64_t>(x.p) : 0);
    x.mac_free = now + busy;
    col.result = now + busy + static_cast<uint64_t>(m_ctx.arch.pe.pipeline_depth) - 1;
    if (x.psum_from_glb) {
        Request q;
        q.slot = slot, q.f = col.f, q.words_left = x.p;
        m_psum_in.push_back(std::move(q));
    }
    ActionCounts& cnt = m_ctx.counts;
    cnt.macs += slots;
    cnt.gated_macs += gated;
    if (skip) cnt.skipped_macs += gated;
    cnt.acc.at(Level::Rf, DataType::Ifmap).reads += slots;
    cnt.acc.at(Level::Rf, DataType::Filter).reads += slots - gated;
    cnt.acc.at(Level::Rf, DataType::Psum).reads += slots - gated;
    cnt.acc.at(Level::Rf, DataType::Psum).writes += slots - gated;
    if (m_ctx.trace) {
        const RowSet& s = m_ps.sets[static_cast<size_t>(x.set)];
        m_ctx.trace->pe_busy(s.pe_row0 + x.i, s.pe_col0 + x.j, 0, busy, gated);
    }
    m_events.push(x.mac_free, Event{Ev::MacDone, slot, col.f});
    free_words(x, slot, col, now);
    if (std::getenv("DFSIM_CYCLE_DEBUG"))
        std::fprintf(stderr, "%llu start pe%d(set%d %d,%d) f%d busy %llu\n", (unsigned long long)now, slot, x.set, x.i,
                     x.j, col.f, (unsigned long long)busy);
    x.cols.push_back(std::move(col));
    return true;
}

// The word at tap t < U of a column is used by no later column: it leaves the spad once the tap's
// last MAC has issued (slots_through_tap, hw/row_conv.h).
void RowCycleEngine::free_words(const PeSlot& x, int slot, const Column& col, Cycle now) {
    const int taps_freed = std::min(m_L.U, m_L.S);
    const uint64_t qp = static_cast<uint64_t>(x.q) * static_cast<uint64_t>(x.p);
    uint64_t skipped = 0;  // through tap t (zero skipping; never with XNOR, which gates nothing)
    for (int t = 0; t < taps_freed; ++t) {
        if (m_ctx.dp.skip) skipped += m_tap_skipped[static_cast<size_t>(t)];
        m_events.push(now + slots_through_tap(m_ctx.dp, t, qp, skipped), Event{Ev::Free, slot, col.f * m_L.U + t + 1});
    }
}

void RowCycleEngine::settle(PeSlot& x, int slot, Cycle now) {
    for (Column& col : x.cols) {
        if (col.acc_done != kNever) continue;
        if (!col.has_in) {
            col.acc_done = col.result;
        } else {
            if (x.in.empty() || x.in.front().at > now) return;  // the incoming psums are not here yet
            Incoming& in = x.in.front();
            DFSIM_ASSERT(in.f == col.f, "psums arrived for another output column");
            for (size_t k = 0; k < col.v.size(); ++k) col.v[k] += in.v[k];
            const uint64_t p = static_cast<uint64_t>(x.p);
            col.acc_done = std::max(col.result, in.at + p);
            x.in.pop_front();
            x.in_free_at = col.acc_done;
            if (x.below >= 0) m_events.push(col.acc_done, Event{Ev::Wake, x.below, 0});
            ActionCounts& cnt = m_ctx.counts;
            cnt.psum_adds += p;
            cnt.acc.at(Level::Rf, DataType::Psum).reads += p;
            cnt.acc.at(Level::Rf, DataType::Psum).writes += p;
            cnt.acc.at(Level::Noc, DataType::Psum).reads += p;
        }
        if (col.acc_done > now) m_events.push(col.acc_done, Event{Ev::Wake, slot, 0});
    }
}

void RowCycleEngine::try_send(PeSlot& x, int slot, Cycle now) {
    if (x.sending || x.cols.empty() || x.cols.front().acc_done > now) return;
    Column& col = x.cols.front();
    const uint64_t p = static_cast<uint64_t>(x.p);
    if (x.above >= 0) {
        PeSlot& up = m_slots[static_cast<size_t>(x.above)];
        if (!up.in.empty() || up.in_free_at > now) return;  // its receiving register is busy
        const Cycle at = now + x.link_cycles;
        up.in.push_back(Incoming{col.f, col.v, at});
        m_events.push(at, Event{Ev::SendDone, slot, 0});
        m_events.push(at, Event{Ev::Wake, x.above, 0});
    } else {
        Request q;
        q.slot = slot, q.f = col.f, q.v = col.v, q.words_left = x.p;
        m_gon.push_back(std::move(q));
    }
    x.sending = true;
    m_ctx.counts.acc.at(Level::Rf, DataType::Psum).reads += p;
    m_ctx.counts.acc.at(Level::Noc, DataType::Psum).writes += p;
}

void RowCycleEngine::try_pe(int slot, Cycle now) {
    PeSlot& x = m_slots[static_cast<size_t>(slot)];
    x.woken = false;
    try_start(x, slot, now);
    settle(x, slot, now);
    try_send(x, slot, now);
}

void RowCycleEngine::handle(const Event& e, Cycle now) {
    switch (e.kind) {
        case Ev::Wake:
            if (e.a < 0) {  // the pass starts: every PE looks for work
                for (size_t sl = 0; sl < m_slots.size(); ++sl) wake(static_cast<int>(sl));
            } else {
                wake(e.a);
            }
            break;
        case Ev::MacDone: {
            PeSlot& x = m_slots[static_cast<size_t>(e.a)];
            x.lo = std::max(x.lo, (e.b + 1) * m_L.U);  // every word no later column uses has left the spad
            wake(e.a);
            break;
        }
        case Ev::Free: {  // ifmap words before position b leave the spad
            PeSlot& x = m_slots[static_cast<size_t>(e.a)];
            x.lo = std::max(x.lo, e.b);
            break;
        }
        case Ev::RowArrive: {
            Row& r = m_rows[static_cast<size_t>(e.a)];
            r.avail = std::max(r.avail, e.b);
            for (int sl : r.consumers) wake(sl);
            break;
        }
        case Ev::SendDone: {
            PeSlot& x = m_slots[static_cast<size_t>(e.a)];
            x.sending = false;
            x.cols.pop_front();
            wake(e.a);
            break;
        }
    }
    (void)now;
}

Cycle RowCycleEngine::step(Cycle now) {
    // A column whose every slot zero skipping gave back (and with no psums to add) takes no issue
    // cycle: its MacDone falls in the cycle it started, and the PEs act on it in this cycle too.
    do {
        while (m_events.next() == now) handle(m_events.pop(), now);
        for (size_t i = 0; i < m_woken.size(); ++i) try_pe(m_woken[i], now);  // may wake more
        m_woken.clear();
    } while (m_events.next() == now);
    bool busy = issue_filter(now);
    busy = issue_ifmap(now) || busy;
    busy = issue_psum_in(now) || busy;
    busy = issue_gon(now) || busy;
    const bool more = m_next_filter < m_filter_xfers.size() || !m_psum_in.empty() || !m_gon.empty();
    Cycle next = m_events.next();
    if (busy && (more || ifmap_pending())) next = std::min(next, now + 1);
    if (next == kNever) DFSIM_ASSERT(done(), "cycle-level row pass stalled with work left (deadlock): " + state());
    return next;
}

}  // namespace dfsim::hw
