// The PE array: rows x cols PEs (hw/array_parts.h), the global input network (ifmap, filter
// and psum-in buses that multicast by row/column id), the local psum links between vertically
// adjacent PEs, and the global output network with the output unit (requantizer). A pass runs
// on a pass engine -- row-stationary passes on hw/row_pass.h, reduce and output-stationary
// passes on hw/grid_pass.h -- which computes its values, counts and duration when it starts;
// one SC_METHOD then wakes when that duration has passed and reports the pass done.
#pragma once
#include <systemc>

#include <functional>

#include "config/arch.h"
#include "base/types.h"
#include "hw/array_model.h"
#include "hw/array_parts.h"
#include "hw/grid_pass.h"
#include "hw/row_pass.h"
#include "hw/global_buffer.h"
#include "hw/pass_times.h"
#include "hw/program.h"

namespace dfsim::hw {

class Tracer;

class PeArray : public sc_core::sc_module, public ArrayModel {
public:
    SC_HAS_PROCESS(PeArray);
    PeArray(sc_core::sc_module_name name, const ArchParams& arch, sc_core::sc_time period, GlobalBuffer& glb,
            ActionCounts& counts);
    void start(const RowPass& pass, std::function<void()> done) override;
    void start(const GridPass& pass, std::function<void()> done) override;
    uint64_t pass_schedules_reused() const override { return m_times.reused(); }

    // Executes a pass functionally and computes its duration in cycles (no SystemC time).
    Cycle execute(const RowPass& pass);
    Cycle execute(const GridPass& pass);

private:
    void on_done();  // SC_METHOD
    void launch(Cycle cycles, std::function<void()> done);
    template <typename Engine, typename Pass>
    Cycle run_pass(Engine&& engine, const Pass& pass);
    ArrayParts parts() { return ArrayParts{m_arch, m_layer, m_dp, m_pes, m_glb, m_counts, m_trace}; }

    sc_core::sc_time m_period;
    GlobalBuffer& m_glb;
    PeGrid m_pes;
    sc_core::sc_event m_done_ev;
    RowPassEngine::Scratch m_row_scratch;  // the row engine's tables, reused pass after pass
    GridPassEngine::Scratch m_grid_scratch;  // the grid engine's, likewise
    PassTimes m_times;  // the layer's pass durations by what decides them
};

}  // namespace dfsim::hw
