// The PE array: rows x cols plain PE structs (no per-PE SystemC process), the global input
// network (ifmap, filter and psum-in buses that multicast by row/column id), the local psum
// links between vertically adjacent PEs, and the global output network with the output unit
// (requantizer). One SC_METHOD wakes when a pass is started and again when it ends.
//
// Timing of a pass is exact for what is modelled, at the granularity of one bus burst per
// ifmap position and one PE step per output column:
//  - the ifmap bus delivers, per padded column position w, one word of every ifmap row the pass
//    needs (multicast to all PEs that use it), ifmap_bus_bits per cycle, and cannot run more than
//    the ifmap spad's window ahead of the slowest PE (back-pressure);
//  - filters are loaded over the filter bus before the PEs compute;
//  - a PE issues one MAC per cycle (gated MACs spend the cycle), p*q*S per output column, plus
//    p adds for the psums arriving from below, and sends its psums up the local link; with psum
//    spad room for two columns (2p words) it computes the next column while the previous one
//    waits for its incoming psums and is sent, otherwise it waits for the send;
//  - chain tops share the global output network; chain bottoms that continue an accumulation
//    fetch the earlier psums over the psum-in bus;
//  - every GLB access of the array shares the GLB port (banks x bank_width bits per cycle).
// Shared resources are granted in the order requests are made (first come, first served in
// program order); a PE with psum spad room for two columns overlaps sending with computing.
#pragma once
#include <systemc>

#include <functional>
#include <vector>

#include "config/arch.h"
#include "base/types.h"
#include "hw/global_buffer.h"
#include "hw/program.h"

namespace dfsim::hw {

class Tracer;

// One processing element: register files (scratchpads) and its timing state.
struct Pe {
    std::vector<int32_t> filter_spad;  // p*q*S words of the filters it holds, [k][j][s]
    int f_m0 = -1, f_p = 0, f_c0 = -1, f_q = 0, f_r = -1;  // which filters are loaded
    uint64_t busy_until = 0;  // cycle at which it can issue its next MAC
    uint64_t send_free = 0;   // cycle at which its last psum send completes
    uint64_t prev_send = 0;   // cycle at which the send before that completed
};

class PeArray : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(PeArray);
    PeArray(sc_core::sc_module_name name, const ArchParams& arch, sc_core::sc_time period,
            GlobalBuffer& glb, ActionCounts& counts);
    // Runs `pass` starting now; `done` runs when its last psum has reached the buffer.
    void start(const RowPass& pass, std::function<void()> done);
    void start(const GridPass& pass, std::function<void()> done);
    bool busy() const { return static_cast<bool>(m_done_cb); }
    // The layer's constants and datapath (multiplier, LUT, gating); the LUT is loaded before the first pass.
    void set_layer(const LayerParams& layer, const Datapath& dp) {
        m_layer = layer;
        m_dp = dp;
        m_lut_loaded = false;
    }
    // Reports each pass's PE, bus and buffer-port activity to `t` (hw/trace.h); null: no tracing.
    void set_tracer(Tracer* t) { m_trace = t; }

    // Executes a pass functionally and computes its duration in cycles (no SystemC time).
    uint64_t execute(const RowPass& pass);
    uint64_t execute(const GridPass& pass);  // hw/grid_pass.cpp

private:
    void on_done();  // SC_METHOD
    void launch(uint64_t cycles, std::function<void()> done);
    // Loads the LUT into every PE the first time (counts its writes); returns the cycles it takes.
    uint64_t load_lut();
    Pe& pe(int r, int c) { return m_pes[static_cast<size_t>(r) * m_arch.cols + c]; }

    ArchParams m_arch;
    sc_core::sc_time m_period;
    GlobalBuffer& m_glb;
    ActionCounts& m_counts;
    std::vector<Pe> m_pes;
    LayerParams m_layer;
    Datapath m_dp;
    bool m_lut_loaded = false;
    sc_core::sc_event m_done_ev;
    std::function<void()> m_done_cb;
    Tracer* m_trace = nullptr;
};

}  // namespace dfsim::hw
