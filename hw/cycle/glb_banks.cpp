#include "hw/cycle/glb_banks.h"

#include <algorithm>

#include "base/error.h"

namespace dfsim::hw {

GlbBanks::GlbBanks(const GlbParams& params, const std::vector<SlotDecl>& slots)
    : m_bank_bits(params.bank_width_bits), m_banks(static_cast<size_t>(params.banks)) {
    const uint64_t total_lines = static_cast<uint64_t>(params.size_bytes) * 8 / static_cast<uint64_t>(m_bank_bits);
    m_lines_per_bank = std::max<uint64_t>(1, total_lines / static_cast<uint64_t>(params.banks));
    int bank = 0;
    for (const SlotDecl& s : slots) {  // each slot on whole banks of its own, in declaration order
        const uint64_t lines = (s.words * static_cast<uint64_t>(s.bits) + static_cast<uint64_t>(m_bank_bits) - 1) /
                               static_cast<uint64_t>(m_bank_bits);
        const int n = static_cast<int>(std::max<uint64_t>(1, (lines + m_lines_per_bank - 1) / m_lines_per_bank));
        m_slot_bank0.push_back(bank);
        m_slot_banks.push_back(n);
        m_slot_bits.push_back(s.bits);
        bank += n;
    }
    for (Bank& b : m_banks) b.taken.assign(kWindow, ~Cycle{0});
}

int GlbBanks::bank_of(int slot, uint64_t line) const {
    const size_t s = static_cast<size_t>(slot);
    const uint64_t b = static_cast<uint64_t>(m_slot_bank0[s]) + line % static_cast<uint64_t>(m_slot_banks[s]);
    return static_cast<int>(b % m_banks.size());
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
    const uint64_t l0 = first * bits / bw, l1 = ((first + count) * bits - 1) / bw;
    Cycle done = ready;
    for (uint64_t line = l0; line <= l1; ++line) done = std::max(done, reserve(bank_of(slot, line), ready) + 1);
    return done;
}

Cycle GlbBanks::access_words(int slot, const std::vector<uint64_t>& index, Cycle ready) {
    const size_t s = static_cast<size_t>(slot);
    const uint64_t bits = static_cast<uint64_t>(m_slot_bits[s]), bw = static_cast<uint64_t>(m_bank_bits);
    std::vector<uint64_t> lines;
    lines.reserve(index.size());
    for (uint64_t i : index) lines.push_back(i * bits / bw);
    std::sort(lines.begin(), lines.end());
    lines.erase(std::unique(lines.begin(), lines.end()), lines.end());
    Cycle done = ready;
    for (uint64_t line : lines) done = std::max(done, reserve(bank_of(slot, line), ready) + 1);
    return done;
}

}  // namespace dfsim::hw
