// The pass engine of the PE array's reduce and output-stationary modes (the weight-stationary,
// no-local-reuse and output-stationary dataflows: Sze et al., Proc. IEEE 2017, Sec. V; Chen/Emer/
// Sze, ISCA 2016, Sec. VI). See GridPass, ReduceMode and OutputMode in hw/program.h for the PE
// placement and the data movement of each mode.
//
// As for row passes, values really flow (weights from the PEs' filter RFs or the filter slot,
// ifmap words from the padded rows the bus delivers, psums into the psum slot) and the pass's
// duration comes from the shared resources (buses, the buffer port, psum links, one MAC per PE
// per cycle) granted first come, first served. Unlike row passes, the words moved are counted
// per pass, from what the mode moves (the rows' real and padding words, the weights, the psums),
// in a counts phase apart from the values and the timing.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "hw/array_parts.h"

namespace dfsim::hw {

class GridPassEngine {
public:
    // The engine's tables and resource calendars between passes, so that a pass reuses the memory
    // of the one before it (their contents do not carry over): the PE array keeps one for all its
    // passes. A pass that allocated them anew each time spent most of its time in the allocator
    // and in page faults when it is small (a one-PE os pass of an FC layer).
    struct Scratch {
        std::vector<int32_t> xbuf;
        std::vector<uint8_t> row_real;
        std::vector<uint64_t> real_in_window;
        std::vector<int64_t> acc;
        std::vector<Cycle> busy, send_free, ready, in_free;
        std::vector<int64_t> last_line;
        std::vector<uint32_t> taps_at;  // [w]: the windows of a row (output columns) that take position w
        std::unique_ptr<ArrayResources> res;  // made by the first pass, reset by the others
    };
    // A pass with its own scratch (a one-off: tests, the cycle-level engine).
    GridPassEngine(const ArrayParts& hw, const GridPass& pass);
    // A pass on `scratch`, which it empties first.
    GridPassEngine(const ArrayParts& hw, const GridPass& pass, Scratch& scratch);
    // Runs the pass: its values into the psum slot and its counts, then its duration in cycles
    // from its start (the layer's LUT load not included).
    Cycle run();
    // The pass's values and counts only (checks, rows, values, counts): the cycle-level engine
    // (hw/cycle/grid_engine.h) times it instead.
    void compute();
    // Its duration after compute(), from the pass's geometry alone unless the datapath skips
    // zeros (hw/pass_times.h).
    Cycle timing();

private:
    GridPassEngine(const ArrayParts& hw, const GridPass& pass, std::unique_ptr<Scratch> own, Scratch* scratch);
    friend class GridCycleEngine;  // reads the pass's geometry to time it cycle by cycle
    // geometry checks: the placement fits the array and the PEs' register files, the block the tiles
    void check_placement() const;
    void check_tiles() const;
    // ifmap rows: the padded rows (image, channel, output row, filter row) over the block's columns
    void read_rows();
    void read_row(int ni, int ci, int ei, int ri);
    void count_bus_words();
    // values and counts
    void values_and_counts();
    void load_weights();
    void dot_products();
    void row_convolutions();
    void write_outputs();
    uint64_t gated_slots() const;
    void count_macs();
    void count_ifmap();
    void count_filters();
    void count_psums();
    void count_skipped();
    uint64_t window_zeros(size_t row, int f) const;
    uint64_t skipped_steps(int ci, int ri) const;
    // buffer addresses: the first psum of a pixel [n][e][f][m], an ifmap word of a padded row,
    // the first real (not padding) position at or after w
    uint64_t psum_index(int ni, int ei, int f) const;
    uint64_t ifmap_index(size_t row, int w) const;
    uint64_t ifmap_index(int ni, int ci, int ei, int ri, int w) const;  // of row (ni, ci, ei, ri)
    int first_real(int w) const;
    // The buffer lines of ws PE row i's window at output column f that the bus has not read yet
    // (it keeps the row's last line and feeds the next windows from it), read from `banks`
    // (the pass model's BankCalendar or the cycle engine's GlbBanks); returns when they are in.
    template <typename Banks>
    Cycle window_reads(int i, size_t row, int f, Cycle ready, Banks& banks) {
        const BankMap& map = m_hw.glb.bank_map();
        const uint64_t first = ifmap_index(row, first_real(f * m_U));
        const uint64_t l0 = map.line_of(m_g.ifmap_slot, first);
        const uint64_t l1 = map.line_of(m_g.ifmap_slot, first + at(m_real_in_window, f) - 1);
        int64_t& last = at(m_last_line, i);
        Cycle done = ready;
        for (uint64_t line = l0; line <= l1; ++line)
            if (static_cast<int64_t>(line) != last)
                done = std::max(done, banks.access_line(m_g.ifmap_slot, line, ready));
        last = static_cast<int64_t>(l1);
        return done;
    }
    // timing
    Cycle time_reduce_rf();
    Cycle step_reduce_rf(int ni, int ei, int f);
    Cycle time_reduce_unicast();
    Cycle time_output();
    uint64_t trace_gated(int mi, int ni, int ci, int ei, int ri, int f, int s0, int s1) const;
    void trace_reduce_rf(int i, int ni, int ei, int f, Cycle start, uint64_t taps, bool have_in) const;
    void trace_output_group(int ci, int ri, Cycle start, Cycle end) const;

    // index of the padded row (image, channel, output row, filter row) in the row buffer
    size_t row_of(int ni, int ci, int ei, int ri) const {
        return u64(((ni * m_g.c_count + ci) * m_g.e_count + ei) * m_g.r_count + ri);
    }
    const int32_t* row_data(size_t row) const { return &m_xbuf[row * m_Wn]; }
    // index of the first output column of (filter, image, output row) in the outputs
    size_t out_of(int mi, int ni, int ei) const {
        return u64(((mi * m_g.n_count + ni) * m_g.e_count + ei) * m_g.f_count);
    }
    // a padded column position of the block's rows holds a real (not padding) word
    bool real_col(int w) const { return m_col0 + w >= 0 && m_col0 + w < m_hw.layer.W; }
    int32_t weight(int mi, int ci, int ri, int s) const {
        return m_filter.at(m_g.m0 + mi, m_g.c0 + ci, m_g.r0 + ri, s);
    }

    std::unique_ptr<Scratch> m_own;  // the scratch of a one-off pass
    Scratch& m_scratch;
    const ArrayParts m_hw;
    const GridPass& m_g;
    Tensor4& m_ifmap;
    Tensor4& m_filter;
    Tensor4& m_psum;
    const ReduceMode* m_reduce;  // one of these two is set
    const OutputMode* m_output;
    const bool m_rf_weights;  // reduce, weights in the PEs' register files
    const bool m_unicast;  // reduce, every weight unicast from the buffer
    const int m_S, m_U;
    const int m_p;  // reduce: filters per PE column
    const int m_chain;  // reduce: PEs down a column (c_count * r_count)
    const int m_cols;  // reduce: PE columns in use
    const int m_Wn;  // padded positions of a row: (f_count - 1) * U + S
    const int m_col0;  // real column of the block's first padded column
    // the pass's sizes, 64-bit for the counters
    const uint64_t m_pixels;  // outputs per filter: n_count * e_count * f_count
    const uint64_t m_n_out;  // outputs: m_count * pixels
    const uint64_t m_fwords;  // distinct weights: m_count * c_count * r_count * S
    const uint64_t m_macs;  // fwords * pixels
    // ifmap rows
    std::vector<int32_t>& m_xbuf;  // [row_of * Wn + w]
    std::vector<uint8_t>& m_row_real;  // [row_of]: the row is in the image (else padding)
    uint64_t m_zero_taps = 0;  // sum over rows and windows of the zero words (padding included)
    bool m_count_zero_taps = false;  // m_zero_taps is counted (the datapath uses it)
    std::vector<uint64_t>& m_real_in_window;  // [f]: real words in output column f's window of a row
    uint64_t m_real_per_row = 0;  // bus words of one row that come from the buffer
    uint64_t m_bus_per_row = 0;  // words of one row the bus carries
    uint64_t m_fwd_per_row = 0;  // words of one row (per filter) that move between neighbours
    std::vector<int64_t>& m_acc;  // [out_of + f]: the psums
    // timing state
    ArrayResources& m_res;
    std::vector<Cycle>&m_busy, &m_send_free, &m_ready, &m_in_free;  // reduce with RF weights: per PE row
    std::vector<int64_t>& m_last_line;  // per PE row: the ifmap line the bus last read for it
};

}  // namespace dfsim::hw
