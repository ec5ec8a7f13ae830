#include "hw/bank_map.h"

#include "hw/program.h"

namespace dfsim::hw {

BankMap::BankMap(const GlbParams& params, const std::vector<SlotDecl>& slots)
    : m_banks(std::max(1, params.banks)), m_bank_bits(params.bank_width_bits) {
    const uint64_t bw = static_cast<uint64_t>(m_bank_bits);
    const uint64_t lines_per_bank =
        std::max<uint64_t>(1, static_cast<uint64_t>(params.size_bytes) * 8 / bw / static_cast<uint64_t>(m_banks));
    uint64_t bank = 0;
    for (const SlotDecl& s : slots) {
        const uint64_t lines = (s.words * static_cast<uint64_t>(s.bits) + bw - 1) / bw;
        m_slot_bits.push_back(s.bits);
        if (params.bank_layout == GlbParams::BankLayout::Interleaved) {  // the buffer's lines over every bank
            m_slot_bank0.push_back(static_cast<int>(bank % static_cast<uint64_t>(m_banks)));
            m_slot_banks.push_back(m_banks);
            bank += lines;
            continue;
        }
        const uint64_t n = std::max<uint64_t>(1, (lines + lines_per_bank - 1) / lines_per_bank);
        m_slot_bank0.push_back(static_cast<int>(bank % static_cast<uint64_t>(m_banks)));
        m_slot_banks.push_back(static_cast<int>(std::min<uint64_t>(n, static_cast<uint64_t>(m_banks))));
        bank += n;
    }
}

Cycle BankCalendar::reserve(int bank, Cycle t) {
    const size_t b = static_cast<size_t>(bank);
    std::vector<uint64_t>& bits = m_taken[b];
    Cycle& first_free = m_first_free[b];
    for (t = std::max(t, first_free);; ++t) {
        const size_t word = static_cast<size_t>(t >> 6);
        if (word >= bits.size()) bits.resize(std::max(word + 1, bits.size() * 2), 0);
        const uint64_t free = ~bits[word] & (~uint64_t{0} << (t & 63));
        if (free == 0) {  // the rest of this word is taken: jump to the next one
            t = (static_cast<Cycle>(word) + 1) * 64 - 1;
            continue;
        }
        t = static_cast<Cycle>(word) * 64 + static_cast<Cycle>(__builtin_ctzll(free));
        bits[word] |= uint64_t{1} << (t & 63);
        size_t& end = m_end[b];
        end = std::max(end, word + 1);
        if (t == first_free) {  // the first free cycle moves past the taken ones that follow
            size_t w = word;
            uint64_t open = ~bits[w] & (~uint64_t{0} << (t & 63));
            while (open == 0 && ++w < end) open = ~bits[w];
            first_free = open == 0 ? static_cast<Cycle>(w) * 64 : static_cast<Cycle>(w) * 64 + __builtin_ctzll(open);
        }
        return t;
    }
}

Cycle BankCalendar::access_line(int slot, uint64_t line, Cycle ready) {
    return reserve(m_map.bank_of(slot, line), ready) + 1;
}

Cycle BankCalendar::access(int slot, uint64_t first, uint64_t count, Cycle ready) {
    if (count == 0) return ready;
    const uint64_t l0 = m_map.line_of(slot, first), last = m_map.line_of(slot, first + count - 1);
    Cycle done = ready;
    int bank = m_map.bank_of(slot, l0);
    for (uint64_t line = l0;; bank = m_map.next_bank(slot, line, bank), ++line) {
        done = std::max(done, reserve(bank, ready) + 1);
        if (line == last) break;
    }
    return done;
}

}  // namespace dfsim::hw
