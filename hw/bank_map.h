// Where the global buffer keeps each slot (tile). Its words are laid out in lines of
// `bank_width_bits`, in slot declaration order. glb.bank_layout says how lines map to banks:
//  - interleaved: line i of the buffer is in bank i % banks, so every stream can use every bank;
//  - per_slot: every slot gets whole banks of its own, as on the Eyeriss chip (JSSC 2017: 25 banks
//    of 512 x 64 b for ifmaps and psums, each bank assigned to one data type per layer), its lines
//    interleaved over them, wrapping around when the slots need more banks than there are.
// A bank serves one line access (read or write) per cycle. The map is shared by both timing models: the pass-level engines reserve bank
// cycles in a BankCalendar, the cycle-level ones in hw/cycle/glb_banks.h.
#pragma once
#include <algorithm>
#include <cstdint>
#include <vector>

#include "base/types.h"
#include "config/arch.h"

namespace dfsim::hw {

struct SlotDecl;

class BankMap {
public:
    BankMap() = default;
    BankMap(const GlbParams& params, const std::vector<SlotDecl>& slots);
    int banks() const { return m_banks; }
    int bank_bits() const { return m_bank_bits; }
    // The line of word `word` of slot `slot`, and the bank holding a line of it.
    // (Both are on every buffer access of the pass model: a power-of-two ratio shifts and masks
    // instead of dividing.)
    uint64_t line_of(int slot, uint64_t word) const {
        const size_t s = static_cast<size_t>(slot);
        if (m_slot_shift[s] >= 0) return word >> m_slot_shift[s];  // a whole power of two of words a line
        return word * static_cast<uint64_t>(m_slot_bits[s]) / static_cast<uint64_t>(m_bank_bits);
    }
    int bank_of(int slot, uint64_t line) const {
        // slot_bank0 < banks and the position in the round < slot_banks <= banks
        const int b = m_slot_bank0[static_cast<size_t>(slot)] + static_cast<int>(round_position(slot, line));
        return b >= m_banks ? b - m_banks : b;
    }
    // The banks a slot's lines go round, in order from bank_of(slot, 0), and the place of a line's
    // bank in that round (line % slot_banks).
    int slot_banks(int slot) const { return m_slot_banks[static_cast<size_t>(slot)]; }
    uint64_t round_position(int slot, uint64_t line) const {
        const uint64_t n = static_cast<uint64_t>(m_slot_banks[static_cast<size_t>(slot)]);
        return (n & (n - 1)) == 0 ? line & (n - 1) : line % n;
    }

private:
    int m_banks = 1, m_bank_bits = 64;
    std::vector<int> m_slot_bank0, m_slot_banks, m_slot_bits;  // each slot's first bank, bank count, word width
    std::vector<int> m_slot_shift;  // log2 of the slot's words a line if a power of two, else -1
};

// The banks during one pass of the pass-level model: cycles (relative to the pass start) in
// which each bank is taken, granted first come, first served in the order the engine asks.
class BankCalendar {
public:
    explicit BankCalendar(const BankMap& map) : m_map(map), m_banks(static_cast<size_t>(map.banks())) {}
    // Reserves one access of each line holding words [first, first + count) of `slot`, each at its
    // bank's first free cycle >= `ready`; returns the cycle after the last (count 0: `ready`).
    Cycle access(int slot, uint64_t first, uint64_t count, Cycle ready);
    // Every bank free again (keeps its memory).
    void reset() {
        for (Bank& b : m_banks) {
            std::fill(b.taken.begin(), b.taken.begin() + static_cast<std::ptrdiff_t>(b.end), 0);
            b.end = 0, b.first_free = 0, b.tail = 0;
        }
    }
    // The same for one line of `slot`.
    Cycle access_line(int slot, uint64_t line, Cycle ready);

private:
    struct Bank {
        std::vector<uint64_t> taken;  // a bit per cycle
        size_t end = 0;  // one past the last word of `taken` with a bit set
        // its first free cycle (every one before it is taken): where a search starts, so that a
        // request whose ready time lies far behind a busy bank's backlog does not walk it
        Cycle first_free = 0;
        Cycle tail = 0;  // one past its last taken cycle (every one from it on is free)
    };
    // Takes the k (>= 1) first free cycles of `bank` at or after t; returns the last of them.
    Cycle reserve(int bank, Cycle t, uint64_t k);
    Cycle reserve_searching(Bank& b, Cycle t, uint64_t k);
    const BankMap& m_map;
    std::vector<Bank> m_banks;
};

}  // namespace dfsim::hw
