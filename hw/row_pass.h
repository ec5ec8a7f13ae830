// The row-stationary pass engine (Eyeriss: Chen/Emer/Sze, ISCA 2016 and JSSC 2017). A RowPass's
// PE sets each run 1-D row convolutions: PE (i, j) of a set convolves filter row r0+i of its p
// filters and q channels with the ifmap rows of output row e0+j, and psums climb the set's
// columns and the chain of sets above it to the psum slot.
//
// Values really flow (ifmap rows from the ifmap slot, weights through the PEs' filter RFs, psums
// up the chains into the psum slot) and every word moved is counted where it moves. Timing is
// exact for what is modelled, at the granularity of one bus burst per ifmap position and one PE
// step per output column:
//  - the ifmap bus delivers, position by position, one word of every ifmap row the pass needs
//    (multicast to all PEs that use it, each word with its own tag), ifmap_bus_bits per cycle, in
//    order; a word waits until every PE taking it has room in its ifmap spad, a sliding window
//    (the PE has issued the last MACs of the oldest word of its window); the bus reads a buffer
//    line once per row;
//  - filters are loaded over the filter bus, one transfer of a set row's words a cycle; a PE
//    computes once its own filters are in;
//  - a PE issues one MAC per cycle (gated MACs spend the cycle, skipped ones do not), p*q*S per
//    output column tap by tap (each ifmap word meets its q*p weights in consecutive slots, so a
//    word no later column uses leaves the spad after its tap, not at the end of the column),
//    plus p adds for the psums arriving from below (in MAC issue slots unless
//    pe.psum_add_in_mac_slots is false), and sends its psums up the
//    local link; with psum spad room for two columns (2p words) it computes the next column
//    while the previous one waits for its incoming psums and is sent, otherwise it waits for
//    the send; a PE sends up only when the PE above has added the previous column's psums (its
//    receiving register holds one column);
//  - chain tops share the global output network; chain bottoms that continue an accumulation
//    fetch the earlier psums over the psum-in bus;
//  - every GLB access takes its bank for a cycle (hw/bank_map.h).
// Shared resources are granted first come, first served in the order the engine asks for them.
// These are the rules of the cycle-level engine (hw/cycle/row_engine.h), applied as a list
// schedule when the pass starts.
#pragma once
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "hw/array_parts.h"
#include "hw/mac_rows.h"

namespace dfsim::hw {

class OutputUnit;

class RowPassEngine {
public:
    struct Scratch;
    // `scratch` holds the engine's tables between passes, so that a pass reuses the memory of
    // the one before it (their contents do not carry over)
    RowPassEngine(const ArrayParts& hw, const RowPass& pass, Scratch& scratch);
    // The pass's checks, its values into the psum slot and its counts.
    void compute();
    // Then its duration in cycles from its start (the layer's LUT load not included), from the
    // pass's geometry alone unless the datapath skips zeros (hw/pass_times.h).
    Cycle timing();

private:
    // One ifmap row as the ifmap bus delivers it: Wn padded positions, zeros outside the image.
    struct RowBuf {
        int c = 0;  // tile-local channel
        int prow = 0;  // padded row coordinate
        std::vector<int32_t> data;  // Wn words
        uint64_t real_words = 0;  // words read from the buffer (the rest are padding zeros)
        uint64_t consumers = 0;  // PEs that take this row
        uint64_t zero_window_taps = 0;  // sum over output columns of the zeros in that column's window
        std::vector<uint32_t> zero_at_tap;  // [t]: output columns whose tap t reads a zero
        std::vector<size_t> pes;  // the PEs that take it (pe_index); made by timing()
        int ir = -1;  // its row in the ifmap tile (-1: a padding row)
        int64_t line = -1;  // timing: the buffer line the bus last read for it
        Cycle arrived = 0;  // timing: when its latest word reached the PEs
    };

public:
    struct Scratch {
        // the pass's rows are the first n_rows; the others are earlier passes', their buffers kept
        // for reuse
        std::vector<RowBuf> rows;
        size_t n_rows = 0;
        std::vector<int> pe_rows, row_index;
        std::vector<uint64_t> real_at;
        std::vector<uint32_t> skip_at, skip_tap, wzero;
        std::vector<int32_t> partial;
        std::vector<int32_t> phased;  // the MAC kernel's phase-split rows (hw/mac_rows.h)
        std::vector<int> tap_off, xoff;
        std::vector<Cycle> filt_ready, col_start;
        std::vector<uint64_t> pe_qp;
        std::vector<std::vector<int>> chains;
        std::vector<std::vector<std::pair<int, int>>> chain_pes;
        std::unique_ptr<ArrayResources> res;  // made by the first pass, reset by the others
    };

private:
    // geometry checks: sets inside the array, disjoint, chains physically adjacent
    void check_sets();
    void link_chains();
    void check_tiles() const;
    // ifmap rows: the rows the pass needs, which PE takes which, their words
    void collect_rows();
    int new_row(int c, int prow);  // its index in m_rows
    std::span<RowBuf> rows() const { return {m_rows.data(), m_scratch.n_rows}; }
    void read_rows();
    void phase_rows();
    // values and counts: the filter load (or the filters kept), each PE's 1-D row convolutions,
    // psums accumulated up each chain, every word counted where it moves
    void values_and_counts();
    void load_filters();
    void check_kept_filters() const;
    void compute_chain(const std::vector<int>& chain, const OutputUnit& out);
    void compute_pe(int set, int i, int j, int p, std::vector<int64_t>& acc);
    uint64_t zero_taps(size_t pe_i, int q) const;
    uint64_t gated_slots(int set, int i, int j, int p);
    void count_pe(int set, int i, int j, int p, bool psum_arrives);
    void count_ifmap_delivery();
    // timing: the filter load, ifmap bursts, per-column PE steps, psum links and output network
    void filter_timing();
    void reset_pe_timing();
    void deliver_position(int w, int window, Cycle& last);
    Cycle word_free(size_t pe_i, int f, int t) const;  // when PE pe_i's word at tap t of column f leaves its spad
    void step_chain(const std::vector<int>& chain, const std::vector<std::pair<int, int>>& order, int j, int f);
    void send_tops();
    Cycle pe_ready(size_t pe_i, int q) const;  // its rows' words of the current position are in
    uint64_t psum_address(int j, int f, int m0) const;  // slot index of the first psum of a column
    uint64_t trace_gated(int set, int i, int j, int f) const;

    Pe& pe(const RowSet& s, int i, int j) const { return m_hw.pes(s.pe_row0 + i, s.pe_col0 + j); }
    const RowSet& set(int k) const { return at(m_pass.sets, k); }
    // index of PE (set, i, j) in the per-PE tables
    size_t pe_index(int set, int i, int j) const { return u64((set * m_r_count + i) * m_e_count + j); }
    // the row PE `pe_i` (pe_index) takes for its channel jj
    size_t pe_row_slot(size_t pe_i, int jj) const { return pe_i * m_qmax + jj; }
    const RowBuf& row_of_pe(size_t pe_i, int jj) const { return at(m_rows, m_pe_rows[pe_row_slot(pe_i, jj)]); }

    const ArrayParts m_hw;
    const RowPass& m_pass;
    Tensor4& m_ifmap;
    Tensor4& m_filter;
    Tensor4& m_psum;
    const int m_r_count, m_e_count;  // set height (filter rows) and width (output rows)
    const int m_S, m_U, m_F;
    const int m_Wn;  // padded positions of an ifmap row: (F - 1) * U + S
    const int m_taps_freed;  // min(U, S): the taps of a column whose words no later column uses
    int m_qmax = 1;  // most channels any set's PEs interleave
    Scratch& m_scratch;
    std::vector<std::vector<int>>& m_chains;  // sets, bottom first, of each psum chain
    std::vector<RowBuf>& m_rows;  // rows(): the pass's
    std::vector<int>& m_pe_rows;  // [pe_row_slot]: the row a PE takes for one of its channels
    std::vector<int>& m_row_index;  // collect_rows: (channel, padded row) -> m_rows index, or -1
    std::vector<uint64_t>& m_real_at;  // [w]: rows whose position w comes from the buffer
    uint64_t m_filter_words = 0;  // distinct filter words the pass loads
    std::vector<uint32_t>& m_skip_at;  // [pe_index * F + f]: slots the PE skips in column f (zero skipping)
    std::vector<uint32_t>& m_skip_tap;  // [(pe_index * F + f) * taps_freed + t]: of those, at tap t
    std::vector<int32_t>& m_partial;  // [f]: one row convolution's sums
    std::vector<uint32_t>& m_wzero;  // [t]: a PE's zero weights at tap t (over its filters)
    const int m_ld;  // psums per filter in a chain's accumulator (mac_stride(F))
    size_t m_phased_words = 0;  // words of one split row (hw/mac_rows.h)
    // timing state
    ArrayResources& m_res;
    std::vector<Cycle>& m_filt_ready;  // [set * h + i]: when that set row's filters are in its PEs
    Cycle m_pass_end = 0;
    std::vector<Cycle>& m_col_start;  // [pe_index * F + f]: when the PE started column f
    std::vector<uint64_t>& m_pe_qp;  // [pe_index]: q * p, the slots of one tap
    // a chain top's send of one column, placed by send_tops once every chain has stepped
    struct TopSend {
        Pe* pe;
        Cycle start;  // its psums are ready and its previous send is done
        uint64_t address;  // of its first psum in the psum slot
        uint64_t p;
        Cycle mac_done;  // with a two-column psum spad: when it may start its next column
        bool double_psum;
    };
    std::vector<TopSend> m_tops;
    std::vector<std::vector<std::pair<int, int>>>& m_chain_pes;  // [chain]: its PEs (set, row), bottom first
};

}  // namespace dfsim::hw
