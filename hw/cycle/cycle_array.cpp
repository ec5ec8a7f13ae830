#include "hw/cycle/cycle_array.h"

#include "base/error.h"

namespace dfsim::hw {

using namespace sc_core;

CycleArray::CycleArray(sc_module_name name, const ArchParams& arch, sc_time period, GlobalBuffer& glb, GlbBanks& banks,
                       ActionCounts& counts)
    : sc_module(name),
      m_arch(arch),
      m_period(period),
      m_glb(glb),
      m_banks(banks),
      m_counts(counts),
      m_pes(arch.rows, arch.cols) {
    SC_METHOD(on_wake);
    sensitive << m_wake;
    dont_initialize();
    SC_METHOD(on_done);
    sensitive << m_done_ev;
    dont_initialize();
}

Cycle CycleArray::now() const { return sc_time_stamp().value() / m_period.value(); }

uint64_t CycleArray::load_lut() {
    if (m_dp.kind != Multiplier::Lut || m_lut_loaded) return 0;
    m_lut_loaded = true;
    // broadcast over the filter bus into every PE's table, before the layer's first pass
    const uint64_t entries = m_dp.table.size();
    m_counts.lut_writes += entries * static_cast<uint64_t>(m_arch.num_pes());
    const uint64_t bits = entries * static_cast<uint64_t>(m_dp.lut_entry_bits);
    const uint64_t bus = static_cast<uint64_t>(m_arch.noc.filter_bus_bits);
    return (bits + bus - 1) / bus;
}

void CycleArray::start(const RowPass& pass, std::function<void()> done) {
    DFSIM_ASSERT(!m_done_cb, "PE array started while busy");
    m_done_cb = std::move(done);
    const Cycle t0 = now() + load_lut();
    m_row = std::make_unique<RowCycleEngine>(
        CycleContext{m_arch, m_glb, m_banks, m_counts, m_dp, m_layer, m_pes, m_trace}, pass, t0);
    m_wake.notify(m_period * static_cast<double>(t0 - now()));
}

void CycleArray::start(const GridPass& pass, std::function<void()> done) {
    DFSIM_ASSERT(!m_done_cb, "PE array started while busy");
    m_done_cb = std::move(done);
    const Cycle t0 = now() + load_lut();
    m_grid = std::make_unique<GridCycleEngine>(
        CycleContext{m_arch, m_glb, m_banks, m_counts, m_dp, m_layer, m_pes, m_trace}, pass, t0);
    m_wake.notify(m_period * static_cast<double>(t0 - now()));
}

void CycleArray::on_wake() {
    const Cycle t = now();
    const Cycle next = m_row ? m_row->step(t) : m_grid->step(t);
    const bool done = m_row ? m_row->done() : m_grid->done();
    if (done) {
        const Cycle end = m_row ? m_row->end_cycle() : m_grid->end_cycle();
        m_done_ev.notify(m_period * static_cast<double>(end - t));
        return;
    }
    DFSIM_ASSERT(next != kNever && next > t, "cycle-level pass has no next cycle");
    m_wake.notify(m_period * static_cast<double>(next - t));
}

void CycleArray::on_done() {
    m_row.reset();
    m_grid.reset();
    auto cb = std::move(m_done_cb);
    m_done_cb = nullptr;
    cb();
}

}  // namespace dfsim::hw
