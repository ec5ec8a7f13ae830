#include "hw/array_model.h"

#include "base/error.h"
#include "hw/array_parts.h"

namespace dfsim::hw {

void ArrayModel::begin(std::function<void()> done) {
    DFSIM_ASSERT(!m_done_cb, "PE array started while busy");
    m_done_cb = std::move(done);
}

void ArrayModel::finish() {
    auto cb = std::move(m_done_cb);
    m_done_cb = nullptr;
    cb();
}

Cycle ArrayModel::load_lut() {
    if (m_dp.kind != Multiplier::Lut || m_lut_loaded) return 0;
    m_lut_loaded = true;
    const uint64_t entries = m_dp.table.size();
    m_counts.lut_writes += entries * m_arch.num_pes();
    return ceil_div(entries * m_dp.lut_entry_bits, m_arch.noc.filter_bus_bits);
}

}  // namespace dfsim::hw
