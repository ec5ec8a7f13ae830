// A shared resource that moves at most `capacity` bits per cycle (a bus, a buffer port).
// Requests are placed first come, first served in the order they are made, each in the
// earliest cycles at or after its ready time that still have room; a request never delays
// an earlier-placed one, and a cycle never carries more than the capacity.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/error.h"
#include "base/types.h"

namespace dfsim::hw {

class Calendar {
public:
    // A calendar that does not `record` places nothing and returns `ready` (a resource kept for
    // the waveform only, when there is no waveform).
    explicit Calendar(uint64_t capacity_bits, bool record = true) : m_cap(capacity_bits), m_record(record) {
        DFSIM_ASSERT(capacity_bits > 0, "a resource must move at least one bit per cycle");
    }
    // Places `bits` starting no earlier than cycle `ready`; returns the cycle after the last
    // one used (the time the transfer is complete). bits == 0 returns `ready`.
    Cycle place(Cycle ready, uint64_t bits) {
        if (bits == 0 || !m_record) return ready;
        Cycle t = std::max(ready, m_first_free);
        Cycle last = t;
        while (bits > 0) {
            if (t >= m_used.size()) m_used.resize(std::max<size_t>(t + 1, m_used.size() * 2), 0);
            uint64_t room = m_cap - m_used[t];
            if (room > 0) {
                uint64_t take = std::min(room, bits);
                m_used[t] += take;
                bits -= take;
                last = t;
            }
            ++t;
        }
        m_end = std::max<size_t>(m_end, last + 1);
        while (m_first_free < m_used.size() && m_used[m_first_free] == m_cap) ++m_first_free;
        return last + 1;
    }
    // Empty again (keeps its memory; clears only the cycles placed in).
    void reset() {
        std::fill(m_used.begin(), m_used.begin() + static_cast<std::ptrdiff_t>(m_end), 0);
        m_first_free = 0;
        m_end = 0;
    }
    // Bits placed in each cycle (index = cycle; entries past the last placement are zero).
    const std::vector<uint64_t>& usage() const { return m_used; }
    uint64_t busy_bits() const {
        uint64_t s = 0;
        for (uint64_t u : m_used) s += u;
        return s;
    }

private:
    uint64_t m_cap;
    bool m_record = true;
    std::vector<uint64_t> m_used;
    size_t m_end = 0;  // one past the last cycle placed in (the rest of m_used is zero)
    Cycle m_first_free = 0;
};

}  // namespace dfsim::hw
