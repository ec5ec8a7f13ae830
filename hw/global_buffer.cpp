#include "hw/global_buffer.h"

#include <sstream>

namespace dfsim::hw {

GlobalBuffer::GlobalBuffer(const GlbParams& params, const std::vector<SlotDecl>& slots)
    : m_params(params), m_decls(slots), m_tiles(slots.size()), m_bank_map(params, slots) {
    std::ostringstream detail;
    for (const auto& s : slots) {
        uint64_t b = (s.words * static_cast<uint64_t>(s.bits) + 7) / 8;
        m_used_bytes += b;
        detail << " " << s.name << "=" << b << "B";
    }
    if (m_used_bytes > static_cast<uint64_t>(params.size_bytes)) {
        std::ostringstream os;
        os << "global buffer: the mapping needs " << m_used_bytes << " bytes but the buffer holds " << params.size_bytes
           << " (slots:" << detail.str() << ")";
        throw CapacityError(os.str());
    }
}

Tensor4& GlobalBuffer::slot(int i) {
    DFSIM_ASSERT(i >= 0 && static_cast<size_t>(i) < m_tiles.size(), "bad slot index");
    return m_tiles[static_cast<size_t>(i)];
}

const Tensor4& GlobalBuffer::slot(int i) const {
    DFSIM_ASSERT(i >= 0 && static_cast<size_t>(i) < m_tiles.size(), "bad slot index");
    return m_tiles[static_cast<size_t>(i)];
}

void GlobalBuffer::shape(int i, const std::array<int, 4>& dims, bool zeroed) {
    const uint64_t words = Box{{0, 0, 0, 0}, dims}.words();
    DFSIM_ASSERT(words <= decl(i).words, "tile of " + std::to_string(words) + " words exceeds slot " + decl(i).name);
    Tensor4& t = slot(i);
    if (t.dim != dims)
        t = Tensor4(dims[0], dims[1], dims[2], dims[3]);
    else if (zeroed)
        std::fill(t.data.begin(), t.data.end(), 0);
}

}  // namespace dfsim::hw
