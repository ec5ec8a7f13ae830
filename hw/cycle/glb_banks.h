// The global buffer's SRAM banks, as the cycle-level engine uses them. Each slot (tile) gets
// whole banks of its own, in declaration order, as on the Eyeriss chip (JSSC 2017: 25 banks of
// 512 x 64 b for ifmaps and psums, each bank assigned to one data type per layer); its words are
// laid out in lines of `bank_width_bits`, consecutive lines in consecutive banks of the slot
// (interleaved), wrapping around when the slots need more banks than there are. A bank serves
// one line access (read or write) per cycle; a request for a bank already used in that cycle
// waits for the bank's next free cycle, so bank conflicts emerge as stalls.
#pragma once
#include <cstdint>
#include <vector>

#include "config/arch.h"
#include "hw/cycle/event_queue.h"
#include "hw/program.h"

namespace dfsim::hw {

class GlbBanks {
public:
    GlbBanks(const GlbParams& params, const std::vector<SlotDecl>& slots);
    // Reserves one access of each line holding words [first, first + count) of slot `slot`, each
    // at its bank's first free cycle >= `ready`; returns the cycle after the last access (the
    // data is there), or `ready` for count == 0. Lines of different banks go in parallel.
    Cycle access(int slot, uint64_t first, uint64_t count, Cycle ready);
    // The same for words at arbitrary indices of the slot (each line accessed once).
    Cycle access_words(int slot, const std::vector<uint64_t>& index, Cycle ready);
    // Bank accesses made and the cycles they waited for a busy bank (conflicts).
    uint64_t accesses() const { return m_accesses; }
    uint64_t conflict_cycles() const { return m_conflict_cycles; }
    int banks() const { return static_cast<int>(m_banks.size()); }

private:
    // A bank's reservations in a sliding window of cycles: entry t % kWindow holds t when cycle
    // t is taken. Requests are never more than kWindow cycles apart in flight.
    static constexpr uint64_t kWindow = 1u << 14;
    struct Bank {
        std::vector<Cycle> taken;
    };
    Cycle reserve(int bank, Cycle t);
    int bank_of(int slot, uint64_t line) const;

    uint64_t m_lines_per_bank;
    int m_bank_bits;
    std::vector<int> m_slot_bank0, m_slot_banks;  // each slot's first bank and bank count
    std::vector<int> m_slot_bits;
    std::vector<Bank> m_banks;
    uint64_t m_accesses = 0, m_conflict_cycles = 0;
};

}  // namespace dfsim::hw
