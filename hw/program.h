// The contract between a dataflow and the hardware: a Program is the layer's constants, a list of
// buffer slots (the cacheless global buffer's explicitly allocated tiles) and a list of
// operations, each exactly one of: a DMA transfer between DRAM and a slot (Load, Store), a
// zero-filled tile (Shape), or a pass of the PE array (RowPass: row stationary; GridPass: the
// reduce and output-stationary modes). The dataflow decides every operation, including where a
// pass's work sits on the PEs; the hardware checks that it fits. The hardware runs the operations
// as soon as their slot dependences and resources allow (a scoreboard), so a double-buffered
// program overlaps DRAM transfers with compute, a single-buffered one does not.
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

enum class DramTensor : uint8_t { Ifmap = 0, Filter = 1, Output = 2, Psum = 3 };
// DRAM layouts: ifmap [N][C][H][W]; filter [M][C/G][R][S]; output [N][M][E][F]; psum [N][M][E][F],
// the unfinished psums a tile spills between its channel tiles: stored and loaded raw at the
// psum slot's width (never requantized, never run-length coded).
// The data type a DRAM tensor's traffic is counted under (output and psum: Psum).
inline DataType dram_data_type(DramTensor t) {
    return t == DramTensor::Ifmap ? DataType::Ifmap : t == DramTensor::Filter ? DataType::Filter : DataType::Psum;
}

// A box [lo, lo + count) in each of a tensor's four dimensions.
struct Box {
    std::array<int, 4> lo{0, 0, 0, 0};
    std::array<int, 4> count{1, 1, 1, 1};
    uint64_t words() const { return static_cast<uint64_t>(count[0]) * count[1] * count[2] * count[3]; }
};

// A region of the global buffer that holds one tile at a time.
struct SlotDecl {
    DataType type = DataType::Ifmap;
    uint64_t words = 0;  // capacity in words
    int bits = 8;  // word width
    std::string name;
};

// What every pass of a layer shares, held once by the Program: the layer's geometry, its
// operand widths and the output unit's requantization of final outputs.
struct LayerParams {
    int H = 1, W = 1;  // real ifmap height and width
    int S = 1;  // filter width
    int U = 1, P = 0;  // stride, padding
    int F = 1;  // output columns
    int ifmap_bits = 8, filter_bits = 8;
    Requant requant;
};
inline LayerParams layer_params(const Layer& l) {
    const LayerShape& s = l.shape;
    return LayerParams{s.H, s.W, s.S, s.U, s.P, s.F(), l.ifmap.bits, l.filter.bits, l.requant};
}

// What every pass of the array names: the buffer tiles it works on (ifmap slot [N][C][rows][W],
// filter slot [M][C][R][S], psum slot [N][M][rows][F]), the images, filter rows and output rows
// it computes, and whether its psums start from the buffer and leave it as final outputs.
struct ArrayPass {
    int ifmap_slot = -1, filter_slot = -1, psum_slot = -1;
    int ifmap_row0 = 0;  // real ifmap row held in row 0 of the ifmap slot
    int m_abs0 = 0;  // absolute output channel of filter 0 of the filter slot (per-channel requant, bias)
    int n0 = 0, n_count = 1;  // images (indices into the ifmap and psum tiles)
    int r0 = 0, r_count = 1;  // filter rows
    int e0 = 0, e_count = 1;  // output rows (absolute)
    int psum_e0 = 0;  // row of output row e0 in the psum slot
    bool psum_in = false;  // start from the psum slot's values (else from zero)
    bool final_out = false;  // the output unit requantizes (if enabled) on the way to the slot
};

// One PE set of a row-stationary pass: r_count x e_count PEs at (pe_row0, pe_col0); PE (i, j)
// holds filter row r0+i of filters m0..m0+p-1 and channels c0..c0+q-1 (tile-local) and produces
// output row e0+j. Psums flow up the set's columns; the set's top row either feeds the bottom
// row of the set directly above it (that set names this one in psum_from) or writes to the
// psum slot.
struct RowSet {
    int pe_row0 = 0, pe_col0 = 0;
    int m0 = 0, p = 1;
    int c0 = 0, q = 1;
    int psum_from = -1;  // index of the set directly below that feeds this set, or -1
    bool to_glb = true;  // top of a chain: write the psums to the psum slot
};

// A row-stationary pass (one image, all F output columns): each PE runs 1-D row convolutions.
struct RowPass : ArrayPass {
    bool load_filters = true;  // false: the PEs keep the filters of the previous pass
    std::vector<RowSet> sets;
};

// Where the weights of a reduce pass come from.
enum class WeightSource : uint8_t {
    RegisterFile,  // each PE loads its p*S weights into its filter RF once per pass
    BufferUnicast,  // every step each PE gets its weight from the buffer (no register files)
};
// How an output-stationary pass's PEs get their ifmap words.
enum class IfmapDelivery : uint8_t {
    Bus,  // every word over the ifmap bus
    NeighbourForward,  // stride 1: a PE takes the word its right neighbour used the step before
};

// Reduce: PE row pe_row0 + ci*r_count + ri holds the (channel, filter row) pair (c0+ci, r0+ri);
// PE column pe_col0 + j the filters m0 + j*p .. + p. For each output pixel (image, row, column)
// every PE row receives the S ifmap words of its window over the ifmap bus (multicast along the
// row). Its products, summed over s for each of its p filters, go down the column's psum chain
// (or adder tree) and the column foot writes the pixel's p psums to the buffer.
//  - RegisterFile: a PE accumulates its S products in its psum RF;
//  - BufferUnicast (p = 1): every step (pixel, s) each PE gets its weight from the buffer and its
//    ifmap word from the bus, and the column's sum is accumulated into the psum slot (read, add,
//    write) at every step.
struct ReduceMode {
    WeightSource weights = WeightSource::RegisterFile;
    int p = 1;  // filters per PE column
};
// Output (output stationary): output k = ((m * n_count + n) * e_count + e) * f_count + f of the
// pass belongs to PE (pe_row0 + k / pe_width, pe_col0 + k % pe_width). Steps run over (c, r, s);
// per step each distinct filter word is multicast to its filter's PEs and each distinct ifmap
// word to its pixel's PEs; the psum stays in the PE's psum RF for the whole pass. With
// NeighbourForward only the last column of each output row is fed by the bus after the first s.
struct OutputMode {
    IfmapDelivery ifmap = IfmapDelivery::Bus;
    int pe_width = 1;  // PE columns the outputs fill, row by row
};

// A pass of the array in one of its other modes (the weight-stationary, no-local-reuse and
// output-stationary dataflows). The pass computes, for filters m in [m0, m0+m_count) and
// channels c in [c0, c0+c_count) of the tiles, filter rows r in [r0, r0+r_count), all S filter
// columns, output rows e in [e0, e0+e_count) and output columns f in [f0, f0+f_count):
//   psum[m][e][f] (+)= sum over c, r, s of w[m][c][r][s] * x[c][eU+r][fU+s]
// (padded coordinates), for each of its images (for these modes an image is one more output
// dimension). The dataflow places the work on the PEs (the mode says how, from the origin
// pe_row0, pe_col0); the hardware checks that the placement fits the array.
using GridMode = std::variant<ReduceMode, OutputMode>;

struct GridPass : ArrayPass {
    int m0 = 0, m_count = 1;  // filters (tile-local)
    int c0 = 0, c_count = 1;  // channels (tile-local)
    int f0 = 0, f_count = 1;  // output columns
    int pe_row0 = 0, pe_col0 = 0;
    GridMode mode;
};

// A DMA transfer between a box of a DRAM tensor and a buffer slot.
struct Transfer {
    int slot = -1;
    DramTensor tensor = DramTensor::Ifmap;
    Box box;  // the DRAM region
};
struct Load : Transfer {};  // DRAM -> slot: the slot's tile takes the box's dims
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
    const T* as() const {
        return std::get_if<T>(&payload);
    }
    bool on_array() const { return as<RowPass>() != nullptr || as<GridPass>() != nullptr; }
};

struct Program {
    LayerParams layer;  // the layer's constants (set by the dataflow's program builder)
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
