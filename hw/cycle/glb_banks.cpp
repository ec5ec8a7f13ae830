#include "hw/cycle/glb_banks.h"

#include <algorithm>

#include "base/error.h"

namespace dfsim::hw {

Cycle GlbBanks::reserve(int bank, Cycle t) {
    std::vector<Cycle>& taken = m_banks[static_cast<size_t>(bank)].taken;
    const Cycle want = t;
    while (taken[t % kWindow] == t) ++t;
    DFSIM_ASSERT(t - want < kWindow, "bank reservations further apart than the window");
    taken[t % kWindow] = t;
    ++m_accesses;
    m_conflict_cycles += t - want;
    return t;
}

Cycle GlbBanks::access(int slot, uint64_t first, uint64_t count, Cycle ready) {
    if (count == 0) return ready;
    const uint64_t l0 = m_map.line_of(slot, first), l1 = m_map.line_of(slot, first + count - 1);
    Cycle done = ready;
    for (uint64_t line = l0; line <= l1; ++line) done = std::max(done, reserve(m_map.bank_of(slot, line), ready) + 1);
    return done;
}

Cycle GlbBanks::access_words(int slot, const std::vector<uint64_t>& index, Cycle ready) {
    std::vector<uint64_t>& lines = m_lines;
    lines.clear();
    for (uint64_t i : index) lines.push_back(m_map.line_of(slot, i));
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    Cycle done = ready;
    for (uint64_t line : lines) done = std::max(done, reserve(m_map.bank_of(slot, line), ready) + 1);
    return done;
}

}  // namespace dfsim::hw
