#include "hw/pe_array.h"

#include "hw/grid_pass.h"
#include "hw/row_pass.h"

namespace dfsim::hw {

using namespace sc_core;

PeArray::PeArray(sc_module_name name, const ArchParams& arch, sc_time period, GlobalBuffer& glb, ActionCounts& counts)
    : sc_module(name), ArrayModel(arch, counts), m_period(period), m_glb(glb), m_pes(arch.rows, arch.cols) {
    SC_METHOD(on_done);
    sensitive << m_done_ev;
    dont_initialize();
}

void PeArray::start(const RowPass& pass, std::function<void()> done) { launch(execute(pass), std::move(done)); }

void PeArray::start(const GridPass& pass, std::function<void()> done) { launch(execute(pass), std::move(done)); }

void PeArray::launch(Cycle cycles, std::function<void()> done) {
    begin(std::move(done));
    m_done_ev.notify(m_period * static_cast<double>(cycles));
}

// The layer's first pass loads the PEs' LUTs first.
// The pass's values and counts, then its duration: its schedule, or the one remembered for the
// layer's passes of the same geometry on tiles of the same dims (hw/pass_times.h).
template <typename Engine, typename Pass>
Cycle PeArray::run_pass(Engine&& engine, const Pass& pass) {
    engine.compute();
    const Cycle t = PassTimes::applies(m_dp, m_trace != nullptr)
                        ? m_times.time(timing_key(pass, m_glb), [&] { return engine.timing(); })
                        : engine.timing();
    return load_lut() + t;
}

Cycle PeArray::execute(const RowPass& pass) { return run_pass(RowPassEngine(parts(), pass, m_row_scratch), pass); }

Cycle PeArray::execute(const GridPass& pass) { return run_pass(GridPassEngine(parts(), pass, m_grid_scratch), pass); }

void PeArray::on_done() { finish(); }

}  // namespace dfsim::hw
