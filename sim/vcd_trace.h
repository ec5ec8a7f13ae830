// dfsim run --trace: one VCD waveform for the layers of a run, one after another.
//
// Each layer runs in its own SystemC context, and a SystemC trace file belongs to one context,
// so every layer is traced by SystemC's VCD writer (sc_create_vcd_trace_file; the signals are
// in hw/trace.h) into a segment file of its own. The segments are appended to one VCD: the
// first one's header, then each one's value changes with its time shifted by the cycles of the
// layers before it. The timescale is the largest power of ten that divides the clock period
// (200 MHz: 1 ns, so one cycle is 5 units); a $comment in the header states the clock. The
// result goes to a temporary file beside the target, renamed over it by commit(); without a
// commit (an error), the destructor removes the temporary files and the target is untouched.
#pragma once
#include <cstdint>
#include <fstream>
#include <string>

#include "config/arch.h"

namespace sc_core {
class sc_trace_file;
}

namespace dfsim {

class VcdTrace {
public:
    explicit VcdTrace(std::string path);
    ~VcdTrace();
    VcdTrace(const VcdTrace&) = delete;
    VcdTrace& operator=(const VcdTrace&) = delete;

    // In a fresh SystemC context, before the layer's modules are built: the trace file to give
    // the accelerator, and the layer's number (ctrl.layer, from 1).
    sc_core::sc_trace_file* begin_layer(const ArchParams& a);
    uint32_t layer_number() const { return m_layers; }
    // After the layer's simulation (sc_start returned), which took `cycles`: flushes SystemC's
    // last time step, closes the segment and appends it.
    void end_layer(uint64_t cycles);
    // Renames the waveform into place. Throws IoError if the file cannot be written (as does the
    // constructor), InternalError if no layer was traced.
    void commit();

    uint64_t units_per_cycle() const { return m_units_per_cycle; }

private:
    void append_segment(const std::string& segment);

    std::string m_path, m_tmp, m_segment_base;
    std::ofstream m_out;
    sc_core::sc_trace_file* m_file = nullptr;  // the open segment
    uint32_t m_layers = 0;
    uint64_t m_period_ps = 0, m_unit_ps = 0, m_units_per_cycle = 0;
    uint64_t m_offset = 0;  // time (in units) at which the next segment starts
    uint64_t m_last_time = 0;  // last time stamp written
    bool m_any_time = false;
    std::string m_header;  // the first segment's declarations (others must match)
    bool m_committed = false;
};

}  // namespace dfsim
