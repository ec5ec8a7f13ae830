// What the accelerator's controller sees of the PE array, whichever timing model runs it: the
// pass-level PeArray (hw/pe_array.h, --timing pass) or the cycle-level CycleArray
// (hw/cycle/cycle_array.h, --timing cycle). Both run the same passes on the same PEs and report a
// pass done through its callback.
#pragma once
#include <functional>

#include "hw/program.h"

namespace dfsim::hw {

class Tracer;

class ArrayModel {
public:
    virtual ~ArrayModel() = default;
    // Runs `pass` starting now; `done` runs when its last psum has reached the buffer.
    virtual void start(const RowPass& pass, std::function<void()> done) = 0;
    virtual void start(const GridPass& pass, std::function<void()> done) = 0;
    virtual bool busy() const = 0;  // a pass is running
    // The layer's constants and datapath (multiplier, LUT, gating); the LUT is loaded before the first pass.
    virtual void set_layer(const LayerParams& layer, const Datapath& dp) = 0;
    // Reports the array's activity to `t` (hw/trace.h); null: no tracing.
    virtual void set_tracer(Tracer* t) = 0;
};

}  // namespace dfsim::hw
