// Cacheless global buffer: no tags, no replacement. The program allocates its slots up front;
// a program whose slots exceed the capacity is refused. Every fill, read and write-back is an
// explicit operation, and every word moved is counted by the component that moves it (the DRAM
// for transfers, the pass engines for the array's reads and writes), not by the buffer.
#pragma once
#include <stdexcept>
#include <vector>

#include "base/error.h"
#include "config/arch.h"
#include "base/tensor.h"
#include "hw/bank_map.h"
#include "hw/program.h"

namespace dfsim::hw {

// The program's slots do not fit the buffer (bad input: exit code 2).
class CapacityError : public UserError {
public:
    using UserError::UserError;
};

class GlobalBuffer {
public:
    GlobalBuffer(const GlbParams& params, const std::vector<SlotDecl>& slots);
    Tensor4& slot(int i);
    const Tensor4& slot(int i) const;
    const SlotDecl& decl(int i) const { return m_decls.at(static_cast<size_t>(i)); }
    // Gives slot i a zero-filled tile of these dims; asserts it fits the slot. Without `zeroed`,
    // a tile of the same dims as before keeps its words (a load about to write every one).
    void shape(int i, const std::array<int, 4>& dims, bool zeroed = true);
    uint64_t used_bytes() const { return m_used_bytes; }
    // Which banks hold which slot (both timing models time bank accesses with it).
    const BankMap& bank_map() const { return m_bank_map; }

private:
    GlbParams m_params;
    std::vector<SlotDecl> m_decls;
    std::vector<Tensor4> m_tiles;
    uint64_t m_used_bytes = 0;
    BankMap m_bank_map;
};

}  // namespace dfsim::hw
