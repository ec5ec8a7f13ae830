#include "hw/trace.h"

#include <algorithm>
#include <string>

#include "base/error.h"

namespace dfsim::hw {

using namespace sc_core;

Tracer::Tracer(sc_module_name name, int rows, int cols, sc_time period, sc_trace_file* file, uint32_t layer)
    : sc_module(name),
      m_rows(rows),
      m_cols(cols),
      m_period(period),
      m_sig(kNumFixed + 2 * static_cast<size_t>(rows) * static_cast<size_t>(cols)) {
    DFSIM_ASSERT(file != nullptr, "a tracer needs a trace file");
    const char* const fixed[kNumFixed] = {"noc.ifmap_bus",    "noc.filter_bus", "noc.psum_in_bus", "noc.out_bus",
                                          "glb.port",         "dram.channel",   "dram.transfer",   "array.pass",
                                          "ctrl.ops_started", "ctrl.ops_done",  "ctrl.layer"};
    for (size_t i = 0; i < kNumFixed; ++i) {
        if (i == kDramChannel)
            sc_trace(file, m_sig[i].bit, fixed[i]);
        else
            sc_trace(file, m_sig[i].value, fixed[i], 32);
    }
    for (int r = 0; r < rows; ++r)
        for (int c = 0; c < cols; ++c) {
            const std::string pe = "pe_" + std::to_string(r) + "_" + std::to_string(c);
            sc_trace(file, m_sig[pe_signal(r, c)].bit, pe + ".busy");
            sc_trace(file, m_sig[pe_signal(r, c) + 1].value, pe + ".gated", 32);
        }
    m_sig[kLayer].value = layer;
    SC_METHOD(replay);
    sensitive << m_wake;
    dont_initialize();
}

Cycle Tracer::now() const { return sc_time_stamp().value() / m_period.value(); }

void Tracer::set(size_t sig, Cycle cycle, uint32_t value) {
    Signal& s = m_sig[sig];
    auto& q = s.queue;
    DFSIM_ASSERT(q.empty() || cycle >= q.back().first, "trace: a signal's changes arrive out of time order");
    if (!q.empty() && q.back().first == cycle) {  // a later change at the same cycle wins
        q.back().second = value;
        if ((q.size() > 1 ? q[q.size() - 2].second : s.value) == value) q.pop_back();
        return;
    }
    if ((q.empty() ? s.value : q.back().second) == value) return;
    q.emplace_back(cycle, value);
    if (cycle < m_wake_at) {
        const Cycle t = now();
        DFSIM_ASSERT(cycle >= t, "trace: a change in the past");
        m_wake_at = cycle;
        m_wake.notify(m_period * static_cast<double>(cycle - t));
    }
}

void Tracer::replay() {
    const Cycle t = now();
    Cycle next = UINT64_MAX;
    for (Signal& s : m_sig) {
        while (!s.queue.empty() && s.queue.front().first <= t) {
            s.value = s.queue.front().second;
            s.queue.pop_front();
        }
        s.bit = s.value != 0;
        if (!s.queue.empty()) next = std::min(next, s.queue.front().first);
    }
    m_wake_at = next;
    if (next != UINT64_MAX) m_wake.notify(m_period * static_cast<double>(next - t));
}

void Tracer::pe_busy(int row, int col, Cycle start, Cycle end, uint64_t gated) {
    DFSIM_ASSERT(row >= 0 && row < m_rows && col >= 0 && col < m_cols, "trace: PE outside the array");
    if (end <= start) return;
    const Cycle base = now();
    const size_t sig = pe_signal(row, col);
    set(sig, base + start, 1);
    set(sig, base + end, 0);
    set(sig + 1, base + start, static_cast<uint32_t>(std::min<uint64_t>(gated, UINT32_MAX)));
    set(sig + 1, base + end, 0);
}

void Tracer::resources(const Calendar& ifmap_bus, const Calendar& filter_bus, const Calendar& psum_in_bus,
                       const Calendar& out_bus, const Calendar& glb_port) {
    const Cycle base = now();
    const Calendar* cals[] = {&ifmap_bus, &filter_bus, &psum_in_bus, &out_bus, &glb_port};
    const size_t sigs[] = {kIfmapBus, kFilterBus, kPsumInBus, kOutBus, kGlbPort};
    for (size_t k = 0; k < 5; ++k) {
        const std::vector<uint64_t>& used = cals[k]->usage();
        uint64_t last = 0;
        for (size_t t = 0; t < used.size(); ++t)
            if (used[t] != last) {
                last = used[t];
                set(sigs[k], base + t, static_cast<uint32_t>(std::min<uint64_t>(last, UINT32_MAX)));
            }
        set(sigs[k], base + used.size(), 0);
    }
}

void Tracer::dram_transfer(Cycle start, Cycle end, uint32_t op_index) {
    if (end <= start) return;
    set(kDramChannel, start, 1);
    set(kDramChannel, end, 0);
    set(kDramTransfer, start, op_index + 1);
    set(kDramTransfer, end, 0);
}

void Tracer::pass_started(uint32_t pass_index) { set(kArrayPass, now(), pass_index + 1); }
void Tracer::pass_done() { set(kArrayPass, now(), 0); }
void Tracer::op_started() { set(kOpsStarted, now(), ++m_started); }
void Tracer::op_done() { set(kOpsDone, now(), ++m_done); }

}  // namespace dfsim::hw
