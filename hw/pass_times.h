// The pass-level engines' durations, remembered within a layer by everything that decides them.
//
// A pass's duration (RowPassEngine::timing, GridPassEngine::timing) is computed on resources
// that are empty when the pass starts (fresh calendars for the buses, the buffer port and the
// banks; every PE's timing state reset), from the pass's geometry, the dims of the tiles in its
// slots and the program's constants (layer, architecture, datapath, the buffer's bank map). It
// reads no data, except under zero skipping (a skipped MAC takes no issue slot). So within one
// layer, a pass with the same geometry on tiles of the same dims takes the same cycles, and the
// list schedule is run once for all of them: an os-a pass of an FC layer is one PE's dot product
// of 4096 channels, and FC7 at batch 16 runs 65,536 of them, 16 distinct ones.
//
// What is not remembered: passes under zero skipping (their cycles depend on the data) and
// passes of a traced layer (the trace records each pass's activity). The values and the counts
// of every pass are always computed; only the schedule is reused.
//
// DFSIM_PASS_TIMES=off runs every schedule; =check runs every schedule and asserts that a
// remembered duration equals it (the test suite's guard on the key: tests/test_pass_times.cpp).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>

#include "base/error.h"
#include "base/types.h"
#include "hw/program.h"

namespace dfsim::hw {

class GlobalBuffer;

class PassTimes {
public:
    enum class Use { On, Off, Check };
    // DFSIM_PASS_TIMES (on, off or check; default on), unless set_use overrides it.
    static Use use();
    static void set_use(Use u);  // tests

    // Whether this pass's duration may be remembered at all (no zero skipping, no trace).
    static bool applies(const Datapath& dp, bool traced) { return !dp.skip && !traced; }

    // The duration of the pass with this key: remembered, or `schedule()` (kept for next time).
    template <typename Schedule>
    Cycle time(const std::string& key, Schedule&& schedule) {
        const Use u = use();
        if (u == Use::Off) return schedule();
        const auto it = m_known.find(key);
        if (it == m_known.end()) {
            ++m_scheduled;
            const Cycle t = schedule();
            m_known.emplace(key, t);
            return t;
        }
        ++m_reused;
        if (u == Use::Check) {
            const Cycle t = schedule();
            DFSIM_ASSERT(t == it->second,
                         "a remembered pass duration differs from its schedule (the key misses "
                         "an input of the pass-level timing)");
        }
        return it->second;
    }
    uint64_t reused() const { return m_reused; }
    uint64_t scheduled() const { return m_scheduled; }

private:
    std::unordered_map<std::string, Cycle> m_known;
    uint64_t m_reused = 0, m_scheduled = 0;
};

// What decides a pass's duration, besides the program's constants: its geometry (every field of
// the pass but m_abs0, which names the absolute output channels for the output unit's values
// only) and the dims of the tiles in its three slots (they lay out the words over the banks).
std::string timing_key(const RowPass& p, const GlobalBuffer& glb);
std::string timing_key(const GridPass& p, const GlobalBuffer& glb);

}  // namespace dfsim::hw
