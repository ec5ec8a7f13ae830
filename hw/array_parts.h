// The parts of the PE array a pass engine works on (hw/row_pass.h, hw/grid_pass.h): the PEs as
// plain structs (no per-PE SystemC process), the array's shared resources during one pass, and
// what the layer, the global buffer, the counters and the tracer give the engine.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "config/arch.h"
#include "base/types.h"
#include "hw/calendar.h"
#include "hw/global_buffer.h"
#include "hw/program.h"
#include "hw/row_conv.h"

namespace dfsim::hw {

class Tracer;

inline uint64_t ceil_div(uint64_t a, uint64_t b) { return (a + b - 1) / b; }

// An int count, size or index (never negative: the array's coordinates, a pass's extents, the
// architecture's widths) as the 64-bit unsigned number that counters, cycles and vector sizes use.
constexpr uint64_t u64(int v) { return static_cast<uint64_t>(v); }
template <typename T>
uint64_t u64(T) = delete;  // only ints: a wider or floating-point value is not silently narrowed

// v[i] for the array's int indices (PE coordinates, tile-local indices).
template <typename T>
T& at(std::vector<T>& v, int i) {
    return v[u64(i)];
}
template <typename T>
const T& at(const std::vector<T>& v, int i) {
    return v[u64(i)];
}

// One processing element: its filter register file (scratchpad), which keeps its weights from
// one pass to the next, and its timing state. The values of its ifmap and psum register files
// live only during a pass, so the pass engines hold them.
struct Pe {
    std::vector<int32_t> filter_spad;  // the weights it holds, [k][j][s]: p filters, q channels, S taps
    int f_m0 = -1, f_p = 0, f_c0 = -1, f_q = 0, f_r = -1;  // which filters are loaded
    Cycle busy_until = 0;  // cycle at which it can issue its next MAC
    Cycle send_free = 0;  // cycle at which its last psum send completes
    Cycle prev_send = 0;  // cycle at which the send before that completed
    Cycle in_free = 0;  // cycle at which its psum receiving register is empty again
};

// The array's rows x cols PEs.
class PeGrid {
public:
    PeGrid(int rows, int cols) : m_cols(cols), m_pes(u64(rows) * u64(cols)) {}
    Pe& operator()(int row, int col) { return at(m_pes, row * m_cols + col); }
    const Pe& operator()(int row, int col) const { return at(m_pes, row * m_cols + col); }

private:
    int m_cols;
    std::vector<Pe> m_pes;
};

// The array's shared resources during one pass, each moving at most its width in bits per cycle
// and granted first come, first served in the order the engine places requests.
struct ArrayResources {
    // `traced`: the glb_port calendar records (the waveform shows it; the timing does not use it)
    ArrayResources(const ArchParams& a, const BankMap& map, bool traced)
        : glb_port(static_cast<uint64_t>(a.glb.bits_per_cycle()), traced),
          banks(map),
          ifmap_bus(u64(a.noc.ifmap_bus_bits)),
          filter_bus(u64(a.noc.filter_bus_bits)),
          psum_in_bus(u64(a.noc.psum_in_bus_bits)),
          out_bus(u64(a.noc.psum_out_bus_bits)) {}
    void reset() {
        glb_port.reset(), banks.reset(), ifmap_bus.reset(), filter_bus.reset(), psum_in_bus.reset(), out_bus.reset();
    }
    Calendar glb_port;  // every GLB access of the array, in bits (the waveform's glb.port; timing: banks)
    BankCalendar banks;  // the buffer's banks, one line access each per cycle
    Calendar ifmap_bus;  // global input network: ifmap words, multicast by row/column id
    Calendar filter_bus;  // global input network: filter words
    Calendar psum_in_bus;  // global input network: earlier psums from the buffer
    Calendar out_bus;  // global output network: psums and outputs to the buffer
};

// What a pass engine works with.
struct ArrayParts {
    const ArchParams& arch;
    const LayerParams& layer;
    const Datapath& dp;
    PeGrid& pes;
    GlobalBuffer& glb;
    ActionCounts& counts;
    Tracer* trace;  // null: no tracing
};

// The resources for a new pass, kept in `res` from pass to pass (an engine's scratch): made the
// first time, emptied after.
inline ArrayResources& fresh_resources(std::unique_ptr<ArrayResources>& res, const ArrayParts& hw) {
    if (!res)
        res = std::make_unique<ArrayResources>(hw.arch, hw.glb.bank_map(), hw.trace != nullptr);
    else
        res->reset();
    return *res;
}

// The output unit's word width for a pass's psums on the way out: the requantized width for
// final outputs of a requantizing layer, else the psum width.
inline int out_bits(const ArchParams& a, const LayerParams& layer, bool final_out) {
    return final_out && layer.requant.enabled ? layer.requant.out.bits : a.pe.psum_bits;
}

}  // namespace dfsim::hw
