#include "hw/cycle/grid_engine.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "base/error.h"

namespace dfsim::hw {

GridCycleEngine::GridCycleEngine(const CycleContext& ctx, const GridPass& pass, Cycle start)
    : m_ctx(ctx), m_g(pass), m_res(ctx.arch, ctx.glb.bank_map(), false), m_start(start), m_end(start) {
    m_pass = std::make_unique<GridPassEngine>(
        ArrayParts{ctx.arch, ctx.layer, ctx.dp, ctx.pes, ctx.glb, ctx.counts, nullptr}, m_g);
    m_pass->compute();
    m_pb = u64(ctx.arch.pe.psum_bits);
    m_ib = u64(ctx.layer.ifmap_bits);
    m_fb = u64(ctx.layer.filter_bits);
    m_out_bits = u64(out_bits(ctx.arch, ctx.layer, pass.final_out));
    m_pixels = m_pass->m_pixels;
    if (m_pass->m_rf_weights) {
        ws_start();
    } else if (m_pass->m_unicast) {
        m_steps = u64(m_pass->m_S) * m_pixels;
        m_written.assign(static_cast<size_t>(m_pixels), m_start);
        m_written_k.assign(static_cast<size_t>(m_pixels), -1);
        m_pending.assign(static_cast<size_t>(m_pixels), {});
        m_real_rows_at_e.assign(static_cast<size_t>(pass.e_count), 0);
        for (int ci = 0; ci < pass.c_count; ++ci)
            for (int ei = 0; ei < pass.e_count; ++ei)
                for (int ri = 0; ri < pass.r_count; ++ri)
                    at(m_real_rows_at_e, ei) += m_pass->m_row_real[m_pass->row_of(0, ci, ei, ri)];
        m_events.push(start, Event{Ev::NlrOperands, 0, 0});
    } else {
        m_groups = pass.c_count * pass.r_count;
        m_group_end = start;
        if (pass.psum_in)
            m_group_end = std::max(bus(m_res.psum_in_bus, start, m_pass->m_n_out * m_pb),
                                   bank(pass.psum_slot, m_pass->psum_index(0, 0, 0), m_pass->m_n_out, start));
        m_events.push(start, Event{Ev::OsGroup, 0, 0});
    }
}

Cycle GridCycleEngine::bus(Calendar& c, Cycle now, uint64_t bits) { return m_start + c.place(now - m_start, bits); }

Cycle GridCycleEngine::bank(int slot, uint64_t first, uint64_t count, Cycle now) {
    return m_ctx.banks.access(slot, first, count, now);
}

// ---------------------------------------------------------------------------------------------
// ws: PE rows in lockstep, psums down the columns

void GridCycleEngine::ws_start() {
    const GridPass& g = m_g;
    m_pm = u64(std::min(m_pass->m_p, g.m_count));
    m_units.assign(static_cast<size_t>(m_pass->m_chain), Unit{});
    m_pass->m_last_line.assign(static_cast<size_t>(m_pass->m_chain), -1);
    uint64_t offset = 0;  // the filter tile, laid out in the order the rows load it
    const uint64_t words = u64(g.m_count) * u64(m_pass->m_S);
    for (Unit& u : m_units) {
        u.weights_at =
            std::max(bus(m_res.filter_bus, m_start, words * m_fb), bank(g.filter_slot, offset, words, m_start));
        offset += words;
        u.req_ok_at = m_start;
    }
    for (int i = 0; i < m_pass->m_chain; ++i) {
        m_events.push(m_start, Event{Ev::Wake, i, 0});
        m_events.push(at(m_units, i).weights_at, Event{Ev::Wake, i, 0});  // its weights are in
    }
}

size_t GridCycleEngine::ws_row(int i, int k, int& f) const {
    const GridPass& g = m_g;
    f = k % g.f_count;
    const int ei = k / g.f_count % g.e_count, ni = k / (g.f_count * g.e_count);
    return m_pass->row_of(ni, i / g.r_count, ei, i % g.r_count);
}

void GridCycleEngine::ws_wake(int i) {
    Unit& u = at(m_units, i);
    if (u.woken) return;
    u.woken = true;
    m_woken.push_back(i);
}

void GridCycleEngine::ws_request(Unit& u, int i, Cycle now) {
    const GridPass& g = m_g;
    const int k = u.next_req++;
    int f = 0;
    const size_t row = ws_row(i, k, f);
    const int S = m_pass->m_S;
    Cycle t = bus(m_res.ifmap_bus, now, u64(S) * m_ib);  // the row's window, multicast along the row
    const uint64_t real = m_pass->m_row_real[row] ? at(m_pass->m_real_in_window, f) : 0;
    if (real > 0) {
        t = std::max(t, m_pass->window_reads(i, row, f, now, m_ctx.banks));
    }
    u.window_at.push_back(t);
    m_events.push(t, Event{Ev::Wake, i, 0});
    if (i == 0 && g.psum_in) {  // the top row continues from the buffer's psums
        const int ei = k / g.f_count % g.e_count, ni = k / (g.f_count * g.e_count);
        const Cycle pin = std::max(bus(m_res.psum_in_bus, now, u64(g.m_count) * m_pb),
                                   bank(g.psum_slot, m_pass->psum_index(ni, ei, f), u64(g.m_count), now));
        u.in.emplace_back(k, pin);
        m_events.push(pin, Event{Ev::Wake, i, 0});
    }
}

bool GridCycleEngine::ws_run(Unit& u, int i, Cycle now) {
    const PeParams& pp = m_ctx.arch.pe;
    const bool double_psum = pp.psum_spad_words >= 2 * m_pass->m_p,
               double_ifmap = pp.ifmap_spad_words >= 2 * m_pass->m_S;
    if (u.next_run >= u.next_req || u.window_at.front() > now || u.weights_at > now || u.mac_free > now ||
        u.flights.size() >= (double_psum ? 2u : 1u))
        return false;
    Flight fl;
    fl.k = u.next_run++;
    int f = 0;
    const size_t row = ws_row(i, fl.k, f);
    const uint64_t skip = m_ctx.dp.skip && m_ctx.dp.gate_x ? m_pass->window_zeros(row, f) : 0;
    fl.has_in = i > 0 || m_g.psum_in;
    const uint64_t busy = m_pm * (u64(m_pass->m_S) - skip) + (fl.has_in ? m_pm : 0);
    u.mac_free = now + busy;
    fl.result = now + busy + u64(pp.pipeline_depth) - 1;
    u.req_ok_at = double_ifmap ? now : now + busy;
    u.window_at.pop_front();
    if (std::getenv("DFSIM_CYCLE_DEBUG"))
        std::fprintf(stderr, "%llu run row%d k%d busy %llu\n", (unsigned long long)now, i, fl.k,
                     (unsigned long long)busy);
    u.flights.push_back(fl);
    m_events.push(u.mac_free, Event{Ev::Wake, i, 0});
    return true;
}

void GridCycleEngine::ws_settle(Unit& u, int i, Cycle now) {
    for (Flight& fl : u.flights) {
        if (fl.acc_done != kNever) continue;
        if (!fl.has_in) {
            fl.acc_done = fl.result;
        } else {
            if (u.in.empty() || u.in.front().second > now) return;
            DFSIM_ASSERT(u.in.front().first == fl.k, "psums arrived for another pixel");
            fl.acc_done = std::max(fl.result, u.in.front().second + m_pm);
            u.in.pop_front();
            u.in_free_at = fl.acc_done;
            if (i > 0) m_events.push(fl.acc_done, Event{Ev::Wake, i - 1, 0});
        }
        if (fl.acc_done > now) m_events.push(fl.acc_done, Event{Ev::Wake, i, 0});
    }
}

void GridCycleEngine::ws_send(Unit& u, int i, Cycle now) {
    if (u.sending || u.flights.empty() || u.flights.front().acc_done > now) return;
    const int k = u.flights.front().k;
    if (i + 1 < m_pass->m_chain) {
        Unit& down = at(m_units, i + 1);
        if (!down.in.empty() || down.in_free_at > now) return;  // its receiving register is busy
        const Cycle t = now + ceil_div(m_pm * m_pb, u64(m_ctx.arch.noc.psum_link_bits));
        down.in.emplace_back(k, t);
        m_events.push(t, Event{Ev::SendDone, i, 0});
        m_events.push(t, Event{Ev::Wake, i + 1, 0});
    } else {  // the foot: the pixel's psums over the output network
        int f = 0;
        ws_row(i, k, f);
        const int ei = k / m_g.f_count % m_g.e_count, ni = k / (m_g.f_count * m_g.e_count);
        const uint64_t n = u64(m_g.m_count);
        const Cycle t = std::max(bus(m_res.out_bus, now, n * m_out_bits),
                                 bank(m_g.psum_slot, m_pass->psum_index(ni, ei, f), n, now));
        m_end = std::max(m_end, t);
        m_events.push(t, Event{Ev::SendDone, i, 1});
    }
    u.sending = true;
}

void GridCycleEngine::ws_try(int i, Cycle now) {
    Unit& u = at(m_units, i);
    u.woken = false;
    for (bool progress = true; progress;) {  // a run that starts lets the next window be requested
        progress = false;
        if (u.next_req < static_cast<int>(m_pixels) && u.next_req == u.next_run && now >= u.req_ok_at) {
            ws_request(u, i, now);
            progress = true;
        }
        progress = ws_run(u, i, now) || progress;
    }
    ws_settle(u, i, now);
    ws_send(u, i, now);
    if (u.next_req < static_cast<int>(m_pixels) && u.next_req == u.next_run && u.req_ok_at > now)
        m_events.push(u.req_ok_at, Event{Ev::Wake, i, 0});
}

// ---------------------------------------------------------------------------------------------
// nlr: one step (s, pixel) a cycle at most; the column sums accumulate in the buffer

void GridCycleEngine::nlr_operands(int k, Cycle now) {
    const GridPass& g = m_g;
    const uint64_t n = u64(m_pass->m_chain), Mp = u64(g.m_count);
    const int px = static_cast<int>(u64(k) % m_pixels), s = static_cast<int>(u64(k) / m_pixels);
    const int f = px % g.f_count, ei = px / g.f_count % g.e_count;
    const uint64_t real = at(m_real_rows_at_e, ei) * (m_pass->real_col(f * m_pass->m_U + s) ? 1 : 0);
    Cycle t = std::max(bus(m_res.ifmap_bus, now, n * m_ib), bus(m_res.filter_bus, now, Mp * n * m_fb));
    t = std::max(t, bank(g.filter_slot, m_filter_offset % std::max<uint64_t>(1, m_pass->m_fwords), Mp * n, now));
    m_filter_offset += Mp * n;
    if (real > 0)
        t = std::max(
            t, bank(g.ifmap_slot, m_pass->ifmap_index(m_pass->row_of(0, 0, ei, 0), f * m_pass->m_U + s), real, now));
    m_issue = m_issued_any ? std::max(m_issue + 1, t) : t;  // operands of the next step arrive while this one issues
    m_issued_any = true;
    if (u64(k) + 1 < m_steps) m_events.push(m_issue, Event{Ev::NlrOperands, k + 1, 0});
    const size_t p = static_cast<size_t>(px);
    if (s == 0 && !g.psum_in) {
        m_events.push(m_issue + nlr_latency(), Event{Ev::NlrWrite, k, 0});
    } else if (s == 0 || (m_pending[p].empty() && m_written_k[p] == k - static_cast<int64_t>(m_pixels))) {
        // the pixel's earlier psum comes back from the buffer (after the previous step wrote it)
        const Cycle ready = s == 0 ? m_start : m_written[p];
        m_events.push(std::max(ready, m_issue), Event{Ev::NlrRead, k, static_cast<int64_t>(m_issue)});
    } else {
        m_pending[p].emplace_back(k, m_issue);  // nlr_write starts the read once the previous step's psum is written
    }
}

uint64_t GridCycleEngine::nlr_latency() const {
    const uint64_t n = u64(m_pass->m_chain);
    const uint64_t red = m_ctx.arch.noc.reduction == NocParams::Reduction::Chain
                             ? n - 1
                             : static_cast<uint64_t>(std::ceil(std::log2(static_cast<double>(n))));
    return u64(m_ctx.arch.pe.pipeline_depth) + red;
}

void GridCycleEngine::nlr_read(int k, Cycle issue, Cycle now) {
    const GridPass& g = m_g;
    const int px = static_cast<int>(u64(k) % m_pixels);
    const int f = px % g.f_count, ei = px / g.f_count % g.e_count, ni = px / (g.f_count * g.e_count);
    const uint64_t Mp = u64(g.m_count);
    const Cycle r =
        std::max(bus(m_res.psum_in_bus, now, Mp * m_pb), bank(g.psum_slot, m_pass->psum_index(ni, ei, f), Mp, now));
    m_events.push(std::max(issue + nlr_latency(), r) + 1, Event{Ev::NlrWrite, k, 0});
}

void GridCycleEngine::nlr_write(int k, Cycle now) {
    const GridPass& g = m_g;
    const int px = static_cast<int>(u64(k) % m_pixels), s = static_cast<int>(u64(k) / m_pixels);
    const int f = px % g.f_count, ei = px / g.f_count % g.e_count, ni = px / (g.f_count * g.e_count);
    const uint64_t Mp = u64(g.m_count), b = Mp * (s + 1 == m_pass->m_S ? m_out_bits : m_pb);
    const Cycle t = std::max(bus(m_res.out_bus, now, b), bank(g.psum_slot, m_pass->psum_index(ni, ei, f), Mp, now));
    m_end = std::max(m_end, t);
    const size_t p = static_cast<size_t>(px);
    m_written[p] = t;
    m_written_k[p] = k;
    std::deque<std::pair<int, Cycle>>& waiting = m_pending[p];
    if (!waiting.empty() && waiting.front().first == k + static_cast<int>(m_pixels)) {  // the pixel's next step
        const auto [next, issue] = waiting.front();
        waiting.pop_front();
        m_events.push(std::max(t, issue), Event{Ev::NlrRead, next, static_cast<int64_t>(issue)});
    }
    if (++m_writes_done == m_steps) m_done = true;
}

// ---------------------------------------------------------------------------------------------
// os: (channel, filter row) groups of S steps, operands fetched one group ahead

void GridCycleEngine::os_group(int gi, Cycle now) {
    const GridPass& g = m_g;
    const int ci = gi / g.r_count, ri = gi % g.r_count, S = m_pass->m_S;
    uint64_t real = 0;
    for (int ni = 0; ni < g.n_count; ++ni)
        for (int ei = 0; ei < g.e_count; ++ei)
            if (m_pass->m_row_real[m_pass->row_of(ni, ci, ei, ri)]) real += m_pass->m_real_per_row;
    const uint64_t words = m_pass->m_bus_per_row * u64(g.e_count) * u64(g.n_count), fwords = u64(g.m_count) * u64(S);
    const Cycle t_i = bus(m_res.ifmap_bus, now, words * m_ib), t_f = bus(m_res.filter_bus, now, fwords * m_fb);
    Cycle t_g = bank(g.filter_slot, u64(gi) * fwords, fwords, now);
    if (real > 0)
        t_g = std::max(t_g, bank(g.ifmap_slot, m_pass->ifmap_index(m_pass->row_of(0, ci, 0, ri), 0), real, now));
    const uint64_t skipped = m_ctx.dp.skip ? m_pass->skipped_steps(ci, ri) : 0;
    m_group_end = std::max({m_group_end + u64(S) - skipped, t_i + 1, t_f + 1, t_g + 1});
    if (gi + 1 < m_groups) {  // the next group's words are fetched S steps before this one ends
        const Cycle next = std::max(now, m_group_end - std::min(m_group_end - m_start, u64(S)));
        m_events.push(next, Event{Ev::OsGroup, gi + 1, 0});
    } else {
        m_events.push(m_group_end + u64(m_ctx.arch.pe.pipeline_depth) - 1, Event{Ev::OsOut, 0, 0});
    }
}

void GridCycleEngine::os_out(Cycle now) {
    const uint64_t n = m_pass->m_n_out;
    m_end = std::max(bus(m_res.out_bus, now, n * m_out_bits), bank(m_g.psum_slot, m_pass->psum_index(0, 0, 0), n, now));
    m_done = true;
}

// ---------------------------------------------------------------------------------------------

std::string GridCycleEngine::state() const {
    std::string s = "sent " + std::to_string(m_sent) + "/" + std::to_string(m_pixels) + " writes " +
                    std::to_string(m_writes_done) + "/" + std::to_string(m_steps) + ";";
    for (size_t i = 0; i < m_units.size(); ++i) {
        const Unit& u = m_units[i];
        s += " row" + std::to_string(i) + " req " + std::to_string(u.next_req) + " run " + std::to_string(u.next_run) +
             " flights " + std::to_string(u.flights.size()) + " in " + std::to_string(u.in.size()) +
             (u.sending ? " sending" : "") + " reqok " + std::to_string(u.req_ok_at) + ";";
    }
    return s;
}

Cycle GridCycleEngine::step(Cycle now) {
    // A ws pixel whose every slot zero skipping gave back (and with no psums to add) takes no issue
    // cycle: its wake-up falls in the cycle it ran, and the rows act on it in this cycle too.
    do {
        step_events(now);
        for (size_t i = 0; i < m_woken.size(); ++i) ws_try(m_woken[i], now);
        m_woken.clear();
    } while (m_events.next() == now);
    const Cycle next = m_events.next();
    DFSIM_ASSERT(m_done || next != kNever, "cycle-level grid pass stalled with work left (deadlock): " + state());
    return next;
}

void GridCycleEngine::step_events(Cycle now) {
    while (m_events.next() == now) {
        const Event e = m_events.pop();
        switch (e.kind) {
            case Ev::Wake:
                ws_wake(e.a);
                break;
            case Ev::SendDone: {
                Unit& u = at(m_units, e.a);
                u.sending = false;
                u.flights.pop_front();
                if (e.b == 1 && ++m_sent == m_pixels) m_done = true;
                ws_wake(e.a);
                break;
            }
            case Ev::NlrOperands:
                nlr_operands(e.a, now);
                break;
            case Ev::NlrRead:
                nlr_read(e.a, static_cast<Cycle>(e.b), now);
                break;
            case Ev::NlrWrite:
                nlr_write(e.a, now);
                break;
            case Ev::OsGroup:
                os_group(e.a, now);
                break;
            case Ev::OsOut:
                os_out(now);
                break;
        }
    }
}

}  // namespace dfsim::hw
