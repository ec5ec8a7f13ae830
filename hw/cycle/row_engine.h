// A row-stationary pass (hw::RowPass) simulated cycle by cycle: the cycle-level fidelity
// (`--timing cycle`) of what hw/pe_array.cpp computes at pass level. Nothing is scheduled ahead:
// each PE, network and bank acts in the cycle its inputs allow, and every stall emerges from the
// state of the modelled hardware:
//  - filter GIN: one transfer a cycle of up to filter_bus_bits of one set row's weights,
//    multicast to that row's PEs (row and column tags as on the Eyeriss chip); a PE computes
//    once all its weights have arrived;
//  - ifmap GIN: one transfer a cycle of up to ifmap_bus_bits of words, position by position
//    over the rows the pass needs, each word multicast to every PE that uses its row (the
//    diagonal, by its tag); a word waits (and the words behind it) until all those PEs have room
//    in their ifmap spads (back-pressure: ifmap_spad_words / q words a channel; the spad is a
//    sliding window: a word leaves it once the last output column using it has issued that
//    word's MACs, see below);
//  - PE: issues one MAC a cycle (gated MACs spend their cycle unless zero skipping gives it back),
//    p*q*S per output column on the values in its spads, tap by tap (each ifmap word meets its
//    q*p weights in consecutive slots, so the window's oldest words are done first and leave the
//    spad while the column goes on), plus p issue slots to add the psums (unless
//    pe.psum_add_in_mac_slots is false: a separate adder)
//    arriving from below; results after pipeline_depth - 1 cycles; a column occupies p psum
//    spad words until sent, so a PE holds one column or, with psum_spad_words >= 2p, two;
//  - local psum link: one column's p psums to the PE above, ceil(p*psum_bits / psum_link_bits)
//    cycles, only into an empty receiving register (the receiver adds it before taking more);
//  - psum-in bus and global output network (GON): requests served in order of arrival, one
//    transfer a cycle; the GON's words pass the output unit on their way to the psum slot;
//  - global buffer: every word read or written occupies its bank for a cycle (GlbBanks).
// Values flow: PEs compute on the words the networks delivered to their spads, psums travel the
// links with their values, and the outputs reach the psum slot through the output unit. The
// accesses are counted where they happen, with the pass-level model's conventions.
#pragma once
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "base/types.h"
#include "config/arch.h"
#include "hw/cycle/event_queue.h"
#include "hw/cycle/glb_banks.h"
#include "hw/global_buffer.h"
#include "hw/output_unit.h"
#include "hw/pe_array.h"
#include "hw/program.h"
#include "hw/row_conv.h"

namespace dfsim::hw {

class Tracer;

// What a cycle-level pass engine works on: the array's PEs and the buffer, counters and datapath
// of the layer (owned by the PE array).
struct CycleContext {
    const ArchParams& arch;
    GlobalBuffer& glb;
    GlbBanks& banks;
    ActionCounts& counts;
    const Datapath& dp;
    const LayerParams& layer;
    PeGrid& pes;
    Tracer* trace = nullptr;
};

class RowCycleEngine {
public:
    // The pass starts at cycle `start` (absolute).
    RowCycleEngine(const CycleContext& ctx, const RowPass& pass, Cycle start);
    // Simulates cycle `now` (every event due then, then what the PEs and networks do in it) and
    // returns the next cycle in which anything can happen, or kNever once the pass is over.
    Cycle step(Cycle now);
    bool done() const { return m_written == m_outputs; }
    Cycle end_cycle() const { return m_end; }

private:
    struct Row {  // one ifmap row the pass needs, as the ifmap GIN delivers it
        int c = 0, prow = 0;
        std::vector<int32_t> data;  // Wn padded positions (zeros outside the image)
        std::vector<int64_t> glb_index;  // slot index of each real position, -1 for padding
        std::vector<int> consumers;  // PE slots that take the row
        int sent = 0;  // positions put on the bus
        int avail = 0;  // positions arrived at the PEs
        int64_t line = -1;  // the buffer line the GIN last read for it
    };
    struct Column {  // an output column a PE has started and not yet sent
        int f = 0;
        std::vector<int64_t> v;  // p psums
        Cycle result = 0;  // its own products accumulated
        Cycle acc_done = kNever;  // incoming psums added too (known once they arrived)
        bool has_in = false;
    };
    struct Incoming {  // psums in a PE's receiving register (from below or the psum-in bus)
        int f = 0;
        std::vector<int64_t> v;
        Cycle at = 0;  // arrival
    };
    struct PeSlot {  // a PE the pass uses
        int set = 0, i = 0, j = 0, p = 1, q = 1;
        Pe* pe = nullptr;
        int below = -1, above = -1;  // neighbours in its psum chain (above -1: the chain top)
        bool psum_from_glb = false;  // chain bottom continuing an accumulation
        int max_cols = 1;  // output columns its psum spad holds
        uint64_t link_cycles = 1;  // cycles to send one column up its link
        int filters_missing = 0;
        Cycle filters_at = 0;
        int f_next = 0, lo = 0;  // next column to start; ifmap positions before lo are gone
        Cycle mac_free = 0;
        std::deque<Column> cols;
        bool sending = false;
        Cycle in_free_at = 0;  // its receiving register empties
        std::deque<Incoming> in;
        bool woken = false;
    };
    struct Request {  // a psum-in or GON request: one column of one PE
        int slot = 0, f = 0;
        std::vector<int64_t> v;
        int words_left = 0;
        Cycle done = 0;
    };
    struct FilterTransfer {  // words [w0, w0 + words) of one set row's weights, multicast
        std::vector<int> slots;
        int set = 0, i = 0, w0 = 0, words = 0;
        uint64_t offset = 0;  // of its first word in the filter slot (laid out in streaming order)
    };
    enum class Ev : uint8_t { Wake, MacDone, RowArrive, SendDone, Free };
    struct Event {
        Ev kind;
        int a = 0, b = 0;
    };

    void build_sets(const RowPass& ps);
    void build_rows(const RowPass& ps);
    void build_filter_transfers(const RowPass& ps);
    void handle(const Event& e, Cycle now);
    void wake(int slot);
    void try_pe(int slot, Cycle now);
    bool try_start(PeSlot& x, int slot, Cycle now);
    void compute_column(PeSlot& x, Column& col, uint64_t& gated);
    // Events freeing the window words column `col` uses last, as its taps' MACs issue from `now`.
    void free_words(const PeSlot& x, int slot, const Column& col, Cycle now);
    void settle(PeSlot& x, int slot, Cycle now);
    void try_send(PeSlot& x, int slot, Cycle now);
    bool issue_filter(Cycle now);
    bool issue_ifmap(Cycle now);
    bool issue_psum_in(Cycle now);
    bool issue_gon(Cycle now);
    template <typename Finish>
    bool transfer_psums(std::deque<Request>& queue, int words, Cycle now, Finish finish);
    bool ifmap_pending() const;
    std::string state() const;  // for a deadlock report
    int needed(int a, int b) const;
    // Slot index of psum (f, first filter of s) of PE x's output row, in the psum tile's layout.
    uint64_t psum_address(const Tensor4& pst, const PeSlot& x, const RowSet& s,
                          int f) const;  // ifmap positions in [a, b) that some output column uses
    int room(const PeSlot& x, const Row& r) const;  // free words of x's spad window for row r

    CycleContext m_ctx;
    RowPass m_ps;
    OutputUnit m_out;
    LayerParams m_L;
    int m_Wn = 0, m_window = 0, m_qmax = 1;
    int m_out_bits = 32;
    uint64_t m_xnor_steps = 1;
    std::vector<PeSlot> m_slots;
    std::vector<int> m_pe_rows;  // per PE slot, its q row indices
    std::vector<Row> m_rows;
    std::vector<int> m_tops;  // chain tops, one per chain and set column
    int m_chains = 0;
    std::vector<FilterTransfer> m_filter_xfers;
    size_t m_next_filter = 0;
    int m_bus_w = 0;  // the ifmap GIN's next word: position m_bus_w of row m_bus_row
    size_t m_bus_row = 0;
    std::deque<Request> m_psum_in, m_gon;
    // issue_ifmap's scratch, kept between cycles: the buffer words a transfer reads, and its
    // words as (row, position) (a row can take several words a transfer)
    std::vector<uint64_t> m_glb_words;
    std::vector<std::pair<int, int>> m_touched;
    std::vector<int> m_woken;
    std::vector<uint64_t> m_tap_skipped;  // per tap t < min(U, S) of the column computed last: slots it skips
    EventQueue<Event> m_events;
    uint64_t m_outputs = 0, m_written = 0;
    Cycle m_start = 0, m_end = 0;
};

}  // namespace dfsim::hw
