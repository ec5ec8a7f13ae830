#include "hw/cycle/cycle_array.h"

#include "base/error.h"

namespace dfsim::hw {

using namespace sc_core;

CycleArray::CycleArray(sc_module_name name, const ArchParams& arch, sc_time period, GlobalBuffer& glb, GlbBanks& banks,
                       ActionCounts& counts)
    : sc_module(name),
      ArrayModel(arch, counts),
      m_period(period),
      m_glb(glb),
      m_banks(banks),
      m_pes(arch.rows, arch.cols) {
    SC_METHOD(on_wake);
    sensitive << m_wake;
    dont_initialize();
    SC_METHOD(on_done);
    sensitive << m_done_ev;
    dont_initialize();
}

Cycle CycleArray::now() const { return sc_time_stamp().value() / m_period.value(); }

Cycle CycleArray::begin_pass(std::function<void()> done) {
    begin(std::move(done));
    const Cycle t0 = now() + load_lut();
    m_wake.notify(m_period * static_cast<double>(t0 - now()));
    return t0;
}

CycleContext CycleArray::context() {
    return CycleContext{m_arch, m_glb, m_banks, m_counts, m_dp, m_layer, m_pes, m_trace};
}

void CycleArray::start(const RowPass& pass, std::function<void()> done) {
    const Cycle t0 = begin_pass(std::move(done));
    m_row = std::make_unique<RowCycleEngine>(context(), pass, t0);
}

void CycleArray::start(const GridPass& pass, std::function<void()> done) {
    const Cycle t0 = begin_pass(std::move(done));
    m_grid = std::make_unique<GridCycleEngine>(context(), pass, t0);
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
    finish();
}

}  // namespace dfsim::hw
