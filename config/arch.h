// Resolved accelerator parameters (immutable after loading). Raw YAML is read and validated
// in arch.cpp only; hardware models take this struct.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "config/energy_table.h"
#include "quant/format.h"

namespace dfsim {

struct PeParams {
    int ifmap_spad_words = 12;  // words
    int filter_spad_words = 224;  // words
    int psum_spad_words = 24;  // words
    int pipeline_depth = 2;  // cycles from MAC issue to result in the psum spad
    // Row stationary: adding the p psums a column receives from the PE below (or the buffer)
    // takes p issue slots of the MAC unit (true), or a separate adder does it (false).
    bool psum_add_in_mac_slots = true;
    int mac_bits = 8;  // widest operand the multiplier takes (1..16); wider layers are refused
    int psum_bits = 32;  // psum storage width (spad, links, GLB)
    // Zero gating (Chen et al., Eyeriss, JSSC 2017, Sec. IV; Sze et al., Proc. IEEE 2017): a MAC slot with a zero operand reads no filter word, does
    // no multiply and no psum update; its cycle is spent. Ifmap zeros by default, weight zeros
    // optionally (a ternary layer always skips its zero weights).
    bool gate_ifmap_zeros = true;
    bool gate_weight_zeros = false;
    // Zero skipping: a gated slot also gives its cycle back where the dataflow can (a PE that
    // works through its own MACs: rs; a ws row's tap whose shared ifmap word is zero; an
    // output-stationary step only when every PE's slot in it is zero; nlr never).
    bool zero_skipping = false;
    // Datapaths the PE has (a layer whose multiplier the PE lacks is refused), the widest LUT
    // operand, and the bits one XNOR-popcount step takes.
    std::vector<Multiplier> multipliers{kMultipliers.begin(), kMultipliers.end()};
    int lut_max_bits = 4;
    int xnor_bits = 16;
};

struct NocParams {
    int ifmap_bus_bits = 64;  // global input network, ifmap bus: bits per cycle
    int filter_bus_bits = 64;  // global input network, filter bus
    int psum_in_bus_bits = 64;  // GLB -> array psum bus (accumulating earlier partial sums)
    int psum_out_bus_bits = 64;  // global output network: array -> GLB
    int psum_link_bits = 32;  // local link between vertically adjacent PEs
    // How a column of PEs without register files (no-local-reuse) sums its products: a chain
    // through the vertical links (one add per PE; latency n - 1 for the n PEs in use) or an
    // adder tree at the column foot (latency ceil(log2 n)). Both move every product once.
    enum class Reduction { Chain, AdderTree };
    Reduction reduction = Reduction::Chain;
};

struct GlbParams {
    int64_t size_bytes = 108 * 1024;
    int banks = 27;
    int bank_width_bits = 64;  // each bank moves this many bits per cycle
    bool double_buffer = true;  // tiles are double-buffered so DRAM transfers overlap compute
    // Single-buffered tiles, but the filter tiles in two copies: the next tile's filters are loaded
    // while the current tile computes, as a chip with a filter buffer preloads them (Eyeriss JSSC
    // 2017); ifmap and psum transfers still stall the array. No effect when double_buffer is set.
    bool prefetch_filters = false;
    // The mapper chooses each layer's buffering per tensor (ifmap, filters, psums single or double:
    // double_buffer's and prefetch_filters's combinations and psums alone single), as a controller
    // that allocates the buffer per layer would; false: every mapping gets the two fields above.
    bool search_buffering = false;
    // Where the slots' lines go (hw/bank_map.h): spread over every bank (line i of the buffer in
    // bank i % banks), or each slot on whole banks of its own (Eyeriss JSSC 2017: each bank
    // holds one data type per layer), its lines interleaved over them.
    enum class BankLayout { Interleaved, PerSlot };
    BankLayout bank_layout = BankLayout::Interleaved;
    int64_t bits_per_cycle() const { return static_cast<int64_t>(banks) * bank_width_bits; }
};

// How the DRAM link's run-length code lays out its pairs (hw/rlc.h). Eyeriss JSSC 2017, Sec. IV-D:
// a 5-bit run and a 16-bit level, three pairs to a 64-bit word, for its 16-bit data.
struct RlcLayout {
    int run_bits = 5;  // 1..16
    // 0: the data's own width (an 8-bit fmap gets 8-bit levels), for data of at most 16 bits (wider
    // data, e.g. 32-bit psums not requantized, crosses raw); else 2..32 (data wider: raw).
    int level_bits = 0;
    int pairs_per_word = 0;  // 0: as many as fit beside the last-word bit
    int word_bits = 64;  // 2..64
    bool operator==(const RlcLayout&) const = default;
};

struct DramParams {
    double bytes_per_cycle = 8.0;  // sustained bandwidth, in core cycles (derived from the link when given)
    int latency_cycles = 100;  // first-word latency of a transfer, core cycles
    // The off-chip link in its own clock domain (Eyeriss JSSC 2017: a 64-bit link at 60 MHz beside
    // a 200 MHz core, behind an asynchronous interface): a transfer moves link_bits per link cycle
    // and starts on a link clock edge. 0: no link of its own; the channel moves bytes_per_cycle.
    int link_bits = 0;
    double link_clock_mhz = 0;
    // Run-length compression of feature maps (ifmap loads, output stores) on the DRAM link
    // (Eyeriss JSSC 2017: 5-bit run, 16-bit level, three pairs per 64-bit word): transfers move
    // the compressed size of the actual data.
    bool rlc = false;
    RlcLayout rlc_layout;
    // With rlc: also code the network's input image (the chip does not: it codes "all fmaps
    // but the first layer's input", so neither does dfsim unless an arch says so).
    bool rlc_network_input = false;
    // Whether the link codes a layer's ifmap loads (network_input: the layer's ifmap is the network's input).
    bool codes_ifmap(bool network_input) const { return rlc && (rlc_network_input || !network_input); }
};

// Per-layer reconfiguration (Eyeriss JSSC 2017: the configuration of a layer is scanned in
// through a 1794-bit scan chain before it runs): scan_bits at scan_clock_mhz, before the first
// operation of each layer. 0 bits: none.
struct ReconfigParams {
    int scan_bits = 0;
    double scan_clock_mhz = 0;
};

// Register-file sizes a dataflow gets under the equal-area rule.
struct DataflowStorage {
    std::string dataflow;
    int ifmap_spad_words = 0, filter_spad_words = 0, psum_spad_words = 0;
    int line = 0, column = 0;  // of the entry in the architecture file (for errors)
};

// Equal-area storage (Chen/Emer/Sze ISCA 2016, Sec. VI): every dataflow gets the same PE count
// and the same storage area; what one gives up in register files goes to the global buffer.
// The area is the base configuration's (its pe spads on every PE plus its global buffer).
// The storage area is the area model's (area_table: an energy table's area figures, energy/physical.h)
// or, without one, bytes x an assumed area per byte of RF and of GLB.
struct EqualArea {
    bool enabled = false;
    double rf_area_per_byte = 1.0;  // relative area of one byte of PE register file (no area_table)
    double glb_area_per_byte = 1.0;  // relative area of one byte of global-buffer SRAM (no area_table)
    std::string area_table;  // the energy table whose area figures measure the storage ("": the ratio rule)
    AreaFigures area;
    std::vector<DataflowStorage> dataflows;
};

struct ArchParams {
    std::string name;
    std::string file;
    double clock_mhz = 200.0;
    int rows = 12;  // PE array rows
    int cols = 14;  // PE array columns
    PeParams pe;
    NocParams noc;
    GlbParams glb;
    DramParams dram;
    ReconfigParams reconfig;
    // Core cycles a layer's reconfiguration takes.
    uint64_t reconfig_cycles() const;
    // Storage word width for ifmaps and filters (bits); 0: each operand's own width. Values keep
    // their format; only the storage (buffer capacity, bus and DRAM traffic, energy widths) widens.
    int word_bits = 0;
    int batch = 0;  // batch size the comparison runs at; 0: the workload's own
    // add_layers: where a network's add layers (residual adds) run: on the host (counted, not
    // simulated) or on the PE array as the grouped 1x1 conv lower_add makes (workload/layer.h).
    bool adds_on_accelerator = false;
    std::string energy_table;  // energy table the setup is meant for (path), "" if none
    EqualArea equal_area;
    // The dataflow the file asks for (a SCALE-Sim .cfg's Dataflow, config/scalesim_cfg.h): the
    // run's unless --dataflow is given. "": none.
    std::string dataflow;
    // What the loader assumed or left out (a SCALE-Sim .cfg's fields that have no dfsim
    // equivalent), one sentence each; the command line prints them on stderr.
    std::vector<std::string> notes;
    int num_pes() const { return rows * cols; }
    int rf_bytes_per_pe() const;
    // The configuration `dataflow` runs on: under equal_area, its register files and the global
    // buffer that the rest of the area buys; otherwise this one unchanged.
    ArchParams for_dataflow(const std::string& dataflow) const;
};

// Bits of each PE register file as the equal-area rule and the area model count them: ifmap and
// filter spads of word_bits (else 8-bit) words, the psum spad of psum_bits words.
std::array<double, 3> spad_bits(const ArchParams& a);
// Area (um^2) of a's PE register files, and of a global buffer of `bytes` in a's banks, by `f`.
double spads_area_um2(const ArchParams& a, const AreaFigures& f);
double glb_area_um2(const ArchParams& a, const AreaFigures& f, double bytes);
// The largest buffer (bytes, whole bank lines) whose area is at most `um2`; 0 if none.
int64_t glb_bytes_for_area(const ArchParams& a, const AreaFigures& f, double um2);

// Loads and validates an architecture file (YAML, or a SCALE-Sim .cfg if the name ends in .cfg:
// config/scalesim_cfg.h); throws ConfigError.
ArchParams load_arch(const std::string& path);
ArchParams load_arch_from_string(const std::string& yaml, const std::string& name);

}  // namespace dfsim
