#include "hw/bank_map.h"

#include <bit>

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
        const int per_line = s.bits > 0 && m_bank_bits % s.bits == 0 ? m_bank_bits / s.bits : 0;
        m_slot_shift.push_back(
            per_line > 0 && (per_line & (per_line - 1)) == 0 ? std::countr_zero(static_cast<unsigned>(per_line)) : -1);
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

Cycle BankCalendar::reserve(int bank, Cycle t, uint64_t k) {
    Bank& b = m_banks[static_cast<size_t>(bank)];
    if (t < b.tail) return reserve_searching(b, t, k);
    // every cycle from t on is free: t .. t + k - 1
    const Cycle last = t + k - 1;
    const size_t w0 = static_cast<size_t>(t >> 6), w1 = static_cast<size_t>(last >> 6);
    if (w1 >= b.taken.size()) b.taken.resize(std::max(w1 + 1, b.taken.size() * 2), 0);
    for (size_t w = w0; w <= w1; ++w) {
        const uint64_t from = w == w0 ? ~uint64_t{0} << (t & 63) : ~uint64_t{0};
        const uint64_t to = w == w1 ? ~uint64_t{0} >> (63 - (last & 63)) : ~uint64_t{0};
        b.taken[w] |= from & to;
    }
    b.end = std::max(b.end, w1 + 1);
    if (t == b.first_free) b.first_free = last + 1;
    b.tail = last + 1;
    return last;
}

Cycle BankCalendar::reserve_searching(Bank& b, Cycle t, uint64_t k) {
    std::vector<uint64_t>& bits = b.taken;
    size_t word = static_cast<size_t>(std::max(t, b.first_free) >> 6);
    uint64_t mask = ~uint64_t{0} << (std::max(t, b.first_free) & 63);  // the cycles of `word` at or after t
    Cycle last = 0;
    for (;; ++word, mask = ~uint64_t{0}) {
        if (word >= bits.size()) bits.resize(std::max(word + 1, bits.size() * 2), 0);
        uint64_t free = ~bits[word] & mask;
        if (free == 0) continue;  // this word is taken from t on: the next one
        // the k earliest free cycles of the word, at most
        uint64_t take = 0;
        for (; k > 0 && free != 0; --k) {
            const uint64_t low = free & (~free + 1);
            take |= low;
            free ^= low;
        }
        bits[word] |= take;
        last = static_cast<Cycle>(word) * 64 + static_cast<Cycle>(63 - __builtin_clzll(take));
        if (k == 0) break;
    }
    b.end = std::max(b.end, word + 1);
    b.tail = std::max(b.tail, last + 1);
    const Cycle ff = b.first_free;
    if (const size_t fw = static_cast<size_t>(ff >> 6); fw < b.end && (bits[fw] >> (ff & 63) & 1)) {
        // the first free cycle was taken: it moves past the taken ones that follow
        size_t w = fw;
        uint64_t open = ~bits[w] & (~uint64_t{0} << (ff & 63));
        while (open == 0 && ++w < b.end) open = ~bits[w];
        b.first_free = open == 0 ? static_cast<Cycle>(w) * 64 : static_cast<Cycle>(w) * 64 + __builtin_ctzll(open);
    }
    return last;
}

Cycle BankCalendar::access_line(int slot, uint64_t line, Cycle ready) {
    return reserve(m_map.bank_of(slot, line), ready, 1) + 1;
}

// Each line of the access takes its bank's first free cycle at or after `ready`, in line order; a
// bank's lines take no cycles another bank's need, so a bank holding k of the lines takes its k
// first free cycles at once, and the access is done after the last of them.
Cycle BankCalendar::access(int slot, uint64_t first, uint64_t count, Cycle ready) {
    if (count == 0) return ready;
    const uint64_t l0 = m_map.line_of(slot, first), lines = m_map.line_of(slot, first + count - 1) - l0 + 1;
    const uint64_t banks = static_cast<uint64_t>(m_map.slot_banks(slot));  // the slot's lines go round these
    Cycle done = ready;
    int bank = m_map.bank_of(slot, l0);
    uint64_t pos = m_map.round_position(slot, l0);  // the position of `bank` in the slot's round
    for (uint64_t i = 0; i < std::min(lines, banks); ++i) {
        // lines i, i + banks, i + 2 * banks, ... of the access
        const uint64_t k = (lines - i + banks - 1) / banks;
        done = std::max(done, reserve(bank, ready, k) + 1);
        if (++pos == banks) {
            pos = 0;
            bank = m_map.bank_of(slot, 0);
        } else {
            bank = bank + 1 == m_map.banks() ? 0 : bank + 1;
        }
    }
    return done;
}

}  // namespace dfsim::hw
