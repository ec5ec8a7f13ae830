// What the accelerator's controller sees of the PE array, whichever timing model runs it: the
// pass-level PeArray (hw/pe_array.h, --timing pass) or the cycle-level CycleArray
// (hw/cycle/cycle_array.h, --timing cycle). Both run the same passes on the same PEs and report a
// pass done through its callback; what they share (the layer, the LUT load, the tracer, the
// pending callback) lives here once.
#pragma once
#include <functional>

#include "base/types.h"
#include "config/arch.h"
#include "hw/program.h"

namespace dfsim::hw {

class Tracer;

class ArrayModel {
public:
    ArrayModel(const ArchParams& arch, ActionCounts& counts) : m_arch(arch), m_counts(counts) {}
    virtual ~ArrayModel() = default;
    // Runs `pass` starting now; `done` runs when its last psum has reached the buffer.
    virtual void start(const RowPass& pass, std::function<void()> done) = 0;
    virtual void start(const GridPass& pass, std::function<void()> done) = 0;
    // Passes whose duration was taken from an earlier pass of the same geometry (hw/pass_times.h:
    // the pass-level array); 0 where every pass is timed on its own.
    virtual uint64_t pass_schedules_reused() const { return 0; }
    bool busy() const { return static_cast<bool>(m_done_cb); }  // a pass is running
    // The layer's constants and datapath (multiplier, LUT, gating); the LUT is loaded before the first pass.
    void set_layer(const LayerParams& layer, const Datapath& dp) {
        m_layer = layer;
        m_dp = dp;
        m_lut_loaded = false;
    }
    // Reports the array's activity to `t` (hw/trace.h); null: no tracing.
    void set_tracer(Tracer* t) { m_trace = t; }

protected:
    // A pass starts: keeps `done` for finish() (the array must be idle).
    void begin(std::function<void()> done);
    // The pass is over: runs its callback.
    void finish();
    // The LUT broadcast over the filter bus into every PE's table, the layer's first time only
    // (counts its writes); returns the cycles it takes (0 if there is none to load).
    Cycle load_lut();

    ArchParams m_arch;
    ActionCounts& m_counts;
    LayerParams m_layer;
    Datapath m_dp;
    bool m_lut_loaded = false;
    Tracer* m_trace = nullptr;
    std::function<void()> m_done_cb;
};

}  // namespace dfsim::hw
