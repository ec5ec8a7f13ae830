// The PE array at cycle level (`--timing cycle`): the same PEs, networks and passes as
// hw/pe_array.h, but a pass is not timed when it starts. One SC_METHOD steps the running pass's
// engine (hw/cycle/row_engine.h, hw/cycle/grid_engine.h) at every cycle in which something can
// happen, and sleeps over the cycles in which nothing can; the pass completes when its last
// psum reached the buffer.
#pragma once
#include <systemc>

#include <functional>
#include <memory>
#include <vector>

#include "base/types.h"
#include "config/arch.h"
#include "hw/array_model.h"
#include "hw/cycle/glb_banks.h"
#include "hw/cycle/grid_engine.h"
#include "hw/cycle/row_engine.h"
#include "hw/global_buffer.h"
#include "hw/pe_array.h"
#include "hw/program.h"

namespace dfsim::hw {

class Tracer;

class CycleArray : public sc_core::sc_module, public ArrayModel {
public:
    SC_HAS_PROCESS(CycleArray);
    CycleArray(sc_core::sc_module_name name, const ArchParams& arch, sc_core::sc_time period, GlobalBuffer& glb,
               GlbBanks& banks, ActionCounts& counts);
    void start(const RowPass& pass, std::function<void()> done) override;
    void start(const GridPass& pass, std::function<void()> done) override;

private:
    void on_wake();  // SC_METHOD: one cycle of the running pass
    void on_done();  // SC_METHOD: the pass is over
    Cycle now() const;
    Cycle begin_pass(std::function<void()> done);  // begin(); the cycle the pass starts (after any LUT load)

    CycleContext context();
    sc_core::sc_time m_period;
    GlobalBuffer& m_glb;
    GlbBanks& m_banks;
    PeGrid m_pes;
    std::unique_ptr<RowCycleEngine> m_row;  // the running pass: one of these two
    std::unique_ptr<GridCycleEngine> m_grid;
    sc_core::sc_event m_wake, m_done_ev;
};

}  // namespace dfsim::hw
