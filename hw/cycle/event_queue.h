// The cycle-level engines' time base: events due at a cycle, taken in (cycle, insertion) order,
// so a run is deterministic. An engine processes every event due at a cycle, lets its components
// act in that cycle, and jumps to the next cycle at which anything is due: cycles in which
// nothing can change are skipped, the ones in which something does are simulated one by one.
#pragma once
#include <cstdint>
#include <queue>
#include <vector>

#include "base/types.h"

namespace dfsim::hw {

inline constexpr Cycle kNever = ~Cycle{0};

template <typename Payload>
class EventQueue {
public:
    void push(Cycle at, const Payload& p) { m_q.push(Item{at, m_seq++, p}); }
    bool empty() const { return m_q.empty(); }
    Cycle next() const { return m_q.empty() ? kNever : m_q.top().at; }
    // The earliest event, removed; only when next() is the current cycle.
    Payload pop() {
        Payload p = m_q.top().p;
        m_q.pop();
        return p;
    }

private:
    struct Item {
        Cycle at;
        uint64_t seq;
        Payload p;
        bool operator>(const Item& o) const { return at != o.at ? at > o.at : seq > o.seq; }
    };
    std::priority_queue<Item, std::vector<Item>, std::greater<>> m_q;
    uint64_t m_seq = 0;
};

}  // namespace dfsim::hw
