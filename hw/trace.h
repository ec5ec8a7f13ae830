// Waveform tracing (dfsim run --trace): the hardware's activity as SystemC-traced variables.
//
// A pass's timing is computed when it starts (hw/pe_array.h), so the hardware reports intervals
// ahead of time: the PE array, the DRAM and the controller call the hooks below, and the Tracer
// queues each signal's value changes at their cycles and replays them with a timed SC_METHOD,
// so the VCD file SystemC writes (sc_create_vcd_trace_file) shows each change at its cycle.
// Each signal's changes arrive in time order (a PE's MAC runs, a bus's cycles, the DRAM
// channel's transfers, the passes do not overlap), and a change to the value a signal already
// has, or back to it at the same cycle, is dropped, so back-to-back intervals merge.
//
// Signals (names as traced; widths 1 or 32 bits):
//   pe_R_C.busy    1 while PE (R, C)'s MAC unit issues: MACs (gated ones too, skipped ones not)
//                  and the psum adds that take its issue slots
//   pe_R_C.gated   during each of the PE's MAC runs (rs: one output column; ws: one pixel;
//                  os: the steps of one (channel, filter row); nlr: one cycle), the number of
//                  its MACs in that run the datapath gates (a zero ifmap and/or weight operand,
//                  as pe.zero_gating and the multiplier say); 0 between runs
//   noc.ifmap_bus, noc.filter_bus, noc.psum_in_bus, noc.out_bus, glb.port
//                  bits moved in the cycle (the array's GLB port: all its reads and writes)
//   dram.channel   1 while the DRAM channel transfers; dram.transfer: 1 + the program index of
//                  the Load/Store it transfers (0 while idle)
//   array.pass     1 + the number of array passes before the running one (0 while idle)
//   ctrl.ops_started, ctrl.ops_done: operations the controller has started and finished
//   ctrl.layer     the layer's number, set by the driver (1 = the first layer traced)
#pragma once
#include <systemc>

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "hw/calendar.h"

namespace dfsim::hw {

class Tracer : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Tracer);
    // Declares the signals of a rows x cols array in `file` (before the simulation starts).
    Tracer(sc_core::sc_module_name name, int rows, int cols, sc_core::sc_time period, sc_core::sc_trace_file* file,
           uint32_t layer);

    // Pass hooks, in cycles from now (the pass start).
    void pe_busy(int row, int col, Cycle start, Cycle end, uint64_t gated);
    void resources(const Calendar& ifmap_bus, const Calendar& filter_bus, const Calendar& psum_in_bus,
                   const Calendar& out_bus, const Calendar& glb_port);
    // Controller hooks, in absolute cycles or at now.
    void dram_transfer(Cycle start, Cycle end, uint32_t op_index);
    void pass_started(uint32_t pass_index);
    void pass_done();
    void op_started();
    void op_done();

private:
    enum Fixed : size_t {
        kIfmapBus,
        kFilterBus,
        kPsumInBus,
        kOutBus,
        kGlbPort,
        kDramChannel,
        kDramTransfer,
        kArrayPass,
        kOpsStarted,
        kOpsDone,
        kLayer,
        kNumFixed
    };
    struct Signal {
        uint32_t value = 0;  // the traced value (32-bit signals)
        bool bit = false;  // the traced value (1-bit signals)
        std::deque<std::pair<Cycle, uint32_t>> queue;  // (cycle, value) changes to come
    };
    Cycle now() const;
    void set(size_t sig, Cycle cycle, uint32_t value);
    void replay();  // SC_METHOD: applies the changes due now, wakes at the next one
    size_t pe_signal(int row, int col) const { return kNumFixed + 2 * (static_cast<size_t>(row) * m_cols + col); }

    int m_rows, m_cols;
    sc_core::sc_time m_period;
    std::vector<Signal> m_sig;  // never resized after construction (traced by reference)
    sc_core::sc_event m_wake;
    Cycle m_wake_at = UINT64_MAX;  // cycle of the pending wake-up
    uint32_t m_started = 0, m_done = 0;
};

}  // namespace dfsim::hw
