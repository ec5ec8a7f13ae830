#include "hw/cycle/glb_banks.h"

#include <algorithm>

#include "base/error.h"

namespace dfsim::hw {

GlbBanks::GlbBanks(const GlbParams& params, const std::vector<SlotDecl>& slots)
    : m_bank_bits(params.bank_width_bits), m_banks(static_cast<size_t>(params.banks)) {
    const uint64_t total_lines = static_cast<uint64_t>(params.size_bytes) * 8 / static_cast<uint64_t>(m_bank_bits);
    m_lines_per_bank = std::max<uint64_t>(1, total_lines / static_cast<uint64_t>(params.banks));
    uint64_t line = 0;
    for (const SlotDecl& s : slots) {
        m_slot_base.push_back(line);
        m_slot_bits.push_back(s.bits);
        line += (s.words * static_cast<uint64_t>(s.bits) + static_cast<uint64_t>(m_bank_bits) - 1) / static_cast<uint64_t>(m_bank_bits);
    }
    for (Bank& b : m_banks) b.taken.assign(kWindow, ~Cycle{0});
}

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
    const size_t s = static_cast<size_t>(slot);
    const uint64_t bits = static_cast<uint64_t>(m_slot_bits[s]), bw = static_cast<uint64_t>(m_bank_bits);
    const uint64_t l0 = m_slot_base[s] + first * bits / bw;
    const uint64_t l1 = m_slot_base[s] + ((first + count) * bits - 1) / bw;
    Cycle done = ready;
    for (uint64_t line = l0; line <= l1; ++line) {
        const int bank = static_cast<int>((line / m_lines_per_bank) % m_banks.size());
        done = std::max(done, reserve(bank, ready) + 1);
    }
    return done;
}

Cycle GlbBanks::access_words(int slot, const std::vector<uint64_t>& index, Cycle ready) {
    const size_t s = static_cast<size_t>(slot);
    const uint64_t bits = static_cast<uint64_t>(m_slot_bits[s]), bw = static_cast<uint64_t>(m_bank_bits);
    std::vector<uint64_t> lines;
    lines.reserve(index.size());
    for (uint64_t i : index) lines.push_back(m_slot_base[s] + i * bits / bw);
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    Cycle done = ready;
    for (uint64_t line : lines) {
        const int bank = static_cast<int>((line / m_lines_per_bank) % m_banks.size());
        done = std::max(done, reserve(bank, ready) + 1);
    }
    return done;
}

}  // namespace dfsim::hw
