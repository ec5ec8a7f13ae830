// Cacheless global buffer: no tags, no replacement. The program allocates its slots up front;
// a program whose slots exceed the capacity is refused. Every fill, read and write-back is an
// explicit operation, and every word moved is counted by the component that moves it (the DRAM
// for transfers, the pass engines for the array's reads and writes), not by the buffer.
#pragma once
#include <stdexcept>
#include <vector>

#include "config/arch.h"
#include "base/tensor.h"
#include "hw/program.h"

namespace dfsim::hw {

class CapacityError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

class GlobalBuffer {
public:
    GlobalBuffer(const GlbParams& params, const std::vector<SlotDecl>& slots);
    Tensor4& slot(int i);
    const SlotDecl& decl(int i) const { return m_decls.at(static_cast<size_t>(i)); }
    // Gives slot i a zero-filled tile of these dims; asserts it fits the slot.
    void shape(int i, const std::array<int, 4>& dims);
    uint64_t used_bytes() const { return m_used_bytes; }

private:
    GlbParams m_params;
    std::vector<SlotDecl> m_decls;
    std::vector<Tensor4> m_tiles;
    uint64_t m_used_bytes = 0;
};

}  // namespace dfsim::hw
