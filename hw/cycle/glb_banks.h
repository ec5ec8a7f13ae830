// The global buffer's banks at cycle level: one line access (read or write) per bank per cycle,
// slots placed on banks as hw/bank_map.h says. A request for a bank already used in a cycle waits
// for the bank's next free cycle, so bank conflicts emerge as stalls. Cycles are absolute; the
// engines make their requests in time order, at most kWindow cycles apart.
#pragma once
#include <cstdint>
#include <vector>

#include "config/arch.h"
#include "hw/bank_map.h"
#include "hw/cycle/event_queue.h"
#include "hw/program.h"

namespace dfsim::hw {

class GlbBanks {
public:
    explicit GlbBanks(const BankMap& map) : m_map(map), m_banks(static_cast<size_t>(map.banks())) {
        for (Bank& b : m_banks) b.taken.assign(kWindow, ~Cycle{0});
    }
    // Reserves one access of each line holding words [first, first + count) of slot `slot`, each
    // at its bank's first free cycle >= `ready`; returns the cycle after the last access (the
    // data is there), or `ready` for count == 0. Lines of different banks go in parallel.
    Cycle access(int slot, uint64_t first, uint64_t count, Cycle ready);
    // One access of line `line` of slot `slot`; returns the cycle after it.
    Cycle access_line(int slot, uint64_t line, Cycle ready) { return reserve(m_map.bank_of(slot, line), ready) + 1; }
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

    const BankMap& m_map;
    std::vector<uint64_t> m_lines;  // access_words' scratch, kept between calls
    std::vector<Bank> m_banks;
    uint64_t m_accesses = 0, m_conflict_cycles = 0;
};

}  // namespace dfsim::hw
