#include "hw/pe_array.h"

#include "hw/grid_pass.h"
#include "hw/row_pass.h"

namespace dfsim::hw {

using namespace sc_core;

PeArray::PeArray(sc_module_name name, const ArchParams& arch, sc_time period, GlobalBuffer& glb, ActionCounts& counts)
    : sc_module(name), m_arch(arch), m_period(period), m_glb(glb), m_counts(counts), m_pes(arch.rows, arch.cols) {
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

void PeArray::launch(Cycle cycles, std::function<void()> done) {
    m_done_cb = std::move(done);
    m_done_ev.notify(m_period * static_cast<double>(cycles));
}

// The layer's first pass loads the PEs' LUTs first.
Cycle PeArray::execute(const RowPass& pass) {
    const Cycle t = RowPassEngine(parts(), pass, m_row_scratch).run();
    return load_lut() + t;
}

Cycle PeArray::execute(const GridPass& pass) {
    const Cycle t = GridPassEngine(parts(), pass).run();
    return load_lut() + t;
}

Cycle PeArray::load_lut() {
    if (m_dp.kind != Multiplier::Lut || m_lut_loaded) return 0;
    m_lut_loaded = true;
    // broadcast over the filter bus into every PE's table
    const uint64_t entries = m_dp.table.size();
    m_counts.lut_writes += entries * m_arch.num_pes();
    return ceil_div(entries * m_dp.lut_entry_bits, m_arch.noc.filter_bus_bits);
}

void PeArray::on_done() {
    auto cb = std::move(m_done_cb);
    m_done_cb = nullptr;
    cb();
}

}  // namespace dfsim::hw
