// The accelerator top level: DRAM, the global buffer, the PE array and the controller that runs
// a Program. The controller is one SC_METHOD woken by completions: it starts every operation
// whose slot dependences are met (an operation waits for each earlier, unfinished operation that
// touches one of its slots where either writes) and whose resource is free (passes run on the
// array one at a time, in program order; DMA transfers queue on the DRAM channel in program
// order, and a Shape, in that same order, zero-fills its slot at once).
#pragma once
#include <systemc>

#include <memory>

#include "config/arch.h"
#include "base/types.h"
#include "hw/cycle/cycle_array.h"
#include "hw/cycle/glb_banks.h"
#include "hw/dram.h"
#include "hw/global_buffer.h"
#include "hw/pe_array.h"
#include "hw/program.h"
#include "hw/trace.h"

namespace dfsim::hw {

class Accelerator : public sc_core::sc_module {
public:
    SC_HAS_PROCESS(Accelerator);
    // Throws CapacityError if the program's slots do not fit the global buffer. With a trace
    // file, the activity is traced into it (hw/trace.h), with ctrl.layer = trace_layer.
    Accelerator(sc_core::sc_module_name name, const ArchParams& arch, const Program& program, DramImage& image,
                sc_core::sc_trace_file* trace = nullptr, uint32_t trace_layer = 0, Timing timing = Timing::Pass);
    bool finished() const { return m_done_count == m_program.ops.size(); }
    Cycle end_cycle() const { return m_end_cycle; }
    const ActionCounts& counts() const { return m_counts; }
    Cycle dram_busy_cycles() const { return m_dram->busy_cycles(); }
    const Activity& activity() const { return m_activity; }
    // Passes whose duration the pass-level array took from an earlier pass of the same geometry
    // (hw/pass_times.h); 0 under the cycle-level model.
    uint64_t pass_schedules_reused() const { return m_array->pass_schedules_reused(); }
    sc_core::sc_time period() const { return m_period; }

private:
    void issue();  // SC_METHOD
    void complete(size_t op);
    bool conflicts(size_t a, size_t b) const;
    bool array_busy() const { return m_array->busy(); }
    void start_pass(const Op& op, std::function<void()> done);
    void note_transfer(DramTensor tensor, std::pair<Cycle, Cycle> channel);
    template <typename Pass>
    void read_write_slots(size_t i, const Pass& p);
    Cycle now_cycle() const;

    ArchParams m_arch;
    const Program& m_program;
    sc_core::sc_time m_period;
    ActionCounts m_counts;
    GlobalBuffer m_glb;
    std::unique_ptr<Dram> m_dram;
    std::unique_ptr<GlbBanks> m_banks;
    std::unique_ptr<ArrayModel> m_array;  // a PeArray (Timing::Pass) or a CycleArray (Timing::Cycle)
    std::unique_ptr<Tracer> m_tracer;  // only when tracing
    sc_core::sc_event m_kick;
    std::vector<uint8_t> m_state;  // 0 waiting, 1 running, 2 done
    std::vector<std::array<int, 3>> m_reads, m_writes;  // slots each op reads / writes
    size_t m_first_open = 0;  // ops before it are all done
    size_t m_done_count = 0;
    size_t m_next_pass = 0;  // passes start in program order
    size_t m_next_dma = 0;  // DMA transfers start in program order
    uint32_t m_passes_started = 0;
    Cycle m_end_cycle = 0;
    Activity m_activity;
    Cycle m_pass_start = 0;  // of the pass running
};

}  // namespace dfsim::hw
