// A reduce or output-stationary pass (hw::GridPass: the ws, nlr and os-a/b/c dataflows) timed at
// cycle level (`--timing cycle`). The pass's values and counts come from the same functional
// phases as at pass level (GridPassEngine::compute: the PEs' products on the delivered words);
// its time is simulated event by event at cycle resolution, each request placed on its network
// or bank in the cycle it is made, so stalls emerge from what is busy then:
//  - ws (weights in the register files): each PE row is a unit moving in lockstep. Its weights
//    arrive over the filter bus (rows in order); per output pixel it takes its S-word window
//    over the ifmap bus into its ifmap RF (the next window while the current one is in use if
//    the RF holds two, else once it is consumed), issues p*S MACs per PE (skipped taps given
//    back with zero skipping) plus p adds for the psums from the row above, and passes its p
//    psums per column down the links into the next row's receiving register (only when it is
//    empty); the foot row sends the pixel's psums over the global output network. The top row
//    fetches earlier psums over the psum-in bus when the pass continues an accumulation.
//  - nlr (weights unicast): the array issues one step (s, pixel) a cycle at most, once the step's
//    ifmap words and weights have arrived (fetched while the previous step issues); the column
//    sums go through the reduction, meet the pixel's earlier psum read back from the buffer
//    (after the previous step wrote it) and are written back.
//  - os: the array runs the S steps of one (channel, filter row) group after another, once the
//    group's ifmap and filter words have arrived (fetched one group ahead); the psums stay in
//    the PEs and leave over the output network at the end (and arrive from the buffer first
//    when the pass continues an accumulation).
// Every buffer word read or written occupies its bank for a cycle (GlbBanks).
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "hw/calendar.h"
#include "hw/cycle/event_queue.h"
#include "hw/cycle/row_engine.h"
#include "hw/grid_pass.h"

namespace dfsim::hw {

class GridCycleEngine {
public:
    // Computes the pass's values and counts, then times it from cycle `start` (absolute).
    GridCycleEngine(const CycleContext& ctx, const GridPass& pass, Cycle start);
    Cycle step(Cycle now);
    bool done() const { return m_done; }
    Cycle end_cycle() const { return m_end; }

private:
    struct Flight {  // a pixel a ws row has started and not yet sent on
        int k = 0;
        Cycle result = 0, acc_done = kNever;
        bool has_in = false;
    };
    struct Unit {  // ws: one PE row
        Cycle weights_at = 0;
        int next_req = 0, next_run = 0;
        Cycle req_ok_at = 0, mac_free = 0;
        std::deque<Cycle> window_at;  // arrival of the requested, not yet started windows
        std::deque<Flight> flights;
        std::deque<std::pair<int, Cycle>> in;  // (pixel, arrival) in its receiving register
        Cycle in_free_at = 0;
        bool sending = false;
        bool woken = false;
    };
    enum class Ev : uint8_t { Wake, SendDone, NlrOperands, NlrRead, NlrWrite, OsGroup, OsOut };
    struct Event {
        Ev kind;
        int a = 0;
        int64_t b = 0;
    };

    // placing requests at `now` (relative calendars, absolute banks); each returns the arrival
    Cycle bus(Calendar& c, Cycle now, uint64_t bits);
    Cycle bank(int slot, uint64_t first, uint64_t count, Cycle now);

    std::string state() const;  // for a deadlock report
    // ws
    void ws_start();
    void ws_wake(int i);
    void ws_try(int i, Cycle now);
    void step_events(Cycle now);  // every event due at `now`
    void ws_request(Unit& u, int i, Cycle now);
    bool ws_run(Unit& u, int i, Cycle now);
    void ws_settle(Unit& u, int i, Cycle now);
    void ws_send(Unit& u, int i, Cycle now);
    size_t ws_row(int i, int k, int& f) const;  // the padded row of unit i at pixel k, and its column
    // nlr
    void nlr_operands(int k, Cycle now);
    void nlr_read(int k, Cycle issue, Cycle now);
    uint64_t nlr_latency() const;  // issue to the column sum: pipeline and reduction
    void nlr_write(int k, Cycle now);
    // os
    void os_group(int g, Cycle now);
    void os_out(Cycle now);

    CycleContext m_ctx;
    GridPass m_g;
    std::unique_ptr<GridPassEngine> m_pass;  // geometry, values and counts
    ArrayResources m_res;  // the networks, cycle by cycle (relative to m_start)
    Cycle m_start, m_end;
    bool m_done = false;
    EventQueue<Event> m_events;
    uint64_t m_pm = 1, m_pb = 32, m_ib = 8, m_fb = 8, m_out_bits = 32;
    // ws
    std::vector<Unit> m_units;
    std::vector<int> m_woken;
    uint64_t m_pixels = 0, m_sent = 0;
    // nlr
    Cycle m_issue = 0;
    bool m_issued_any = false;
    std::vector<Cycle> m_written;  // [pixel]: when its latest psum was written back
    std::vector<int64_t> m_written_k;  // [pixel]: the step that wrote it
    // [pixel]: the steps (k, issue) whose psum reads wait for the pixel's earlier writes, in order
    std::vector<std::deque<std::pair<int, Cycle>>> m_pending;
    std::vector<uint64_t> m_real_rows_at_e;
    uint64_t m_steps = 0, m_writes_done = 0, m_filter_offset = 0;
    // os
    int m_groups = 0;
    Cycle m_group_end = 0;
};

}  // namespace dfsim::hw
