// The contract between a dataflow and the hardware: a Program is a list of buffer slots (the
// cacheless global buffer's explicitly allocated tiles) and of operations -- DMA transfers
// between DRAM and a slot, and row-convolution passes of the PE array. The hardware runs the
// operations as soon as their slot dependences and resources allow (a scoreboard), so a
// double-buffered program overlaps DRAM transfers with compute, a single-buffered one does not.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "workload/layer.h"
#include "base/types.h"
#include "hw/row_conv.h"

namespace dfsim::hw {

enum class DramTensor : uint8_t { Ifmap = 0, Filter = 1, Output = 2 };
// DRAM layouts: ifmap [N][C][H][W]; filter [M][C/G][R][S]; output [N][M][E][F].

// A box [lo, lo + count) in each of a tensor's four dimensions.
struct Box {
    std::array<int, 4> lo{0, 0, 0, 0};
    std::array<int, 4> count{1, 1, 1, 1};
    uint64_t words() const {
        return static_cast<uint64_t>(count[0]) * count[1] * count[2] * count[3];
    }
};

// A region of the global buffer that holds one tile at a time.
struct SlotDecl {
    DataType type = DataType::Ifmap;
    uint64_t words = 0;  // capacity in words
    int bits = 8;        // word width
    std::string name;
};

// One PE set of a row-stationary pass: h x e PEs at (pe_row0, pe_col0); PE (i, j) holds filter
// row r0+i of filters m0..m0+p-1 and channels c0..c0+q-1 (tile-local indices into the filter
// slot [M][C][R][S] and the ifmap slot [1][C][rows][W]) and produces output row e_abs0+j.
// Psums flow up the set's columns; the set's top row either feeds the bottom row of the set
// directly above it (that set names this one in psum_from) or writes to the psum slot.
struct RowSet {
    int pe_row0 = 0, pe_col0 = 0;
    int m0 = 0, p = 1;
    int c0 = 0, q = 1;
    int psum_from = -1;   // index of the set directly below that feeds this set, or -1
    bool to_glb = true;   // top of a chain: write the psums to the psum slot
};

struct RowPass {
    int ifmap_slot = -1, filter_slot = -1, psum_slot = -1;
    int n = 0;            // image within the ifmap and psum tiles
    int h = 1;            // filter rows per set (set height)
    int r0 = 0;           // first filter row
    int e = 1;            // output rows per set (set width)
    int e_abs0 = 0;       // absolute output row of set column 0
    int psum_e0 = 0;      // row of e_abs0 in the psum slot [1][M][rows][F]
    int S = 1, U = 1, F = 1, P = 0;  // filter width, stride, outputs per row, padding
    int H = 1, W = 1;     // real ifmap height and width
    int ifmap_row0 = 0;   // real ifmap row held in row 0 of the ifmap slot
    bool load_filters = true;  // false: the PEs keep the filters of the previous pass
    bool psum_in = false;      // chain bottoms start from the psum slot's values (else from zero)
    bool final_out = false;    // the output unit requantizes (if enabled) on the way to the slot
    Requant requant;
    int m_abs0 = 0;            // absolute output channel of filter 0 of the filter slot (per-channel requant, bias)
    int ifmap_bits = 8, filter_bits = 8;
    std::vector<RowSet> sets;
};

// A pass of the array in one of its other modes (the weight-stationary, no-local-reuse and
// output-stationary dataflows). The pass computes, for filters m in [m0, m0+Mp) and channels c
// in [c0, c0+Cp) of the tiles (tile-local), filter rows r in [r0, r0+Rp), all S filter columns,
// output rows e in [e0, e0+Ep) (absolute; row e0 is row psum_e0 of the psum slot) and output
// columns f in [f0, f0+Fp):  psum[m][e][f] (+)= sum over c, r, s of w[m][c][r][s] * x[c][eU+r][fU+s]
// (padded coordinates), for the images n0 .. n0+Np-1 of the ifmap and psum tiles (for the
// modes below, an image is one more output dimension). PE assignment and data movement by mode:
//  - Reduce: PE row i holds the (channel, filter row) pair (c0 + i / Rp, r0 + i % Rp); PE column
//    j the filters m0 + j*p .. + p. For each output pixel (image, row, column) every PE row receives the
//    S ifmap words of its window over the ifmap bus (multicast along the row). Its products,
//    summed over s and its p filters, go down the column's psum chain (or adder tree) and the
//    column foot writes the pixel's p psums to the buffer.
//      weights_in_rf (weight stationary): a PE loads its p*S weights into its filter RF once
//        per pass and accumulates its S products in its psum RF;
//      otherwise (no local reuse, p = 1): no register file: every step (pixel, s) each PE gets
//        its weight from the buffer (unicast) and its ifmap word from the bus, and the column's
//        sum is accumulated into the psum slot (read, add, write) at every step.
//  - Output (output stationary): PE k owns output (m, n, e, f), filters outermost then pixels
//    row-major: Mp * Np * Ep * Fp <= rows * cols. Steps run over (c, r, s); per step each distinct
//    filter word is multicast to its filter's PEs and each distinct ifmap word to its pixel's
//    PEs; the psum stays in the PE's psum RF for the whole pass. With forward_ifmap (stride 1),
//    a PE takes the word its right neighbour (next output column) used the step before, so
//    only the last column of each output row is fed by the bus after the first s.
struct GridPass {
    enum class Mode : uint8_t { Reduce, Output };
    Mode mode = Mode::Output;
    bool weights_in_rf = true;   // Reduce: weight stationary (true) or no local reuse (false)
    bool forward_ifmap = false;  // Output: neighbour forwarding of ifmap words (stride 1)
    int ifmap_slot = -1, filter_slot = -1, psum_slot = -1;
    int m0 = 0, Mp = 1, c0 = 0, Cp = 1, r0 = 0, Rp = 1;
    int n0 = 0, Np = 1;          // images (indices into the ifmap and psum tiles)
    int e0 = 0, Ep = 1, psum_e0 = 0, f0 = 0, Fp = 1;
    int p = 1;                   // Reduce: filters per PE column
    int S = 1, U = 1, P = 0;     // filter width, stride, padding
    int H = 1, W = 1;            // real ifmap height and width
    int ifmap_row0 = 0;          // real ifmap row held in row 0 of the ifmap slot
    bool psum_in = false;        // start from the psum slot's values (else from zero)
    bool final_out = false;      // the output unit requantizes (if enabled) on the way to the slot
    Requant requant;
    int m_abs0 = 0;              // absolute output channel of filter 0 of the filter slot
    int ifmap_bits = 8, filter_bits = 8;
};

// A DMA transfer between a box of a DRAM tensor and a buffer slot.
struct Transfer {
    int slot = -1;
    DramTensor tensor = DramTensor::Ifmap;
    Box box;  // the DRAM region
};
struct Load : Transfer {};   // DRAM -> slot: the slot's tile takes the box's dims
struct Store : Transfer {};  // slot -> DRAM: the slot's tile has the box's dims

// Gives a slot a zero-filled tile of these dims (a psum tile that starts from zero).
struct Shape {
    int slot = -1;
    std::array<int, 4> dims{1, 1, 1, 1};
};

// One operation of a program: exactly one of a DMA transfer, a tile shape or an array pass.
struct Op {
    std::variant<Load, Store, Shape, RowPass, GridPass> payload;
    template <typename T>
    const T* as() const { return std::get_if<T>(&payload); }
    bool on_array() const { return as<RowPass>() != nullptr || as<GridPass>() != nullptr; }
};

struct Program {
    std::vector<SlotDecl> slots;
    std::vector<Op> ops;
    Datapath datapath;  // the PEs' arithmetic for this layer (set by the driver, not the dataflow)
    uint64_t glb_bytes() const {
        uint64_t b = 0;
        for (const auto& s : slots) b += (s.words * static_cast<uint64_t>(s.bits) + 7) / 8;
        return b;
    }
};

}  // namespace dfsim::hw
