// Strong enums (each with its to_string; parse_enum reads a name back) and the action counters
// that hardware models fill in. Energy is computed from these counts in one place
// (energy/energy), never inside a model.
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace dfsim {

using Cycle = uint64_t;  // a time or a duration in clock cycles of the accelerator's core

enum class DataType : uint8_t { Ifmap = 0, Filter = 1, Psum = 2 };
inline constexpr int kNumDataTypes = 3;
inline constexpr std::array<DataType, 3> kDataTypes{DataType::Ifmap, DataType::Filter, DataType::Psum};

// Storage levels, nearest the ALU last. Noc = the array's networks (global input buses, local
// psum links, global output bus).
enum class Level : uint8_t { Dram = 0, Glb = 1, Noc = 2, Rf = 3 };
inline constexpr int kNumLevels = 4;
inline constexpr std::array<Level, 4> kLevels{Level::Dram, Level::Glb, Level::Noc, Level::Rf};

constexpr std::string_view to_string(DataType t) {
    switch (t) {
        case DataType::Ifmap:
            return "ifmap";
        case DataType::Filter:
            return "filter";
        case DataType::Psum:
            return "psum";
    }
    return "?";
}
constexpr std::string_view to_string(Level l) {
    switch (l) {
        case Level::Dram:
            return "dram";
        case Level::Glb:
            return "glb";
        case Level::Noc:
            return "noc";
        case Level::Rf:
            return "rf";
    }
    return "?";
}

// The timing fidelity of a run: pass-level (a pass's duration computed when it starts, from
// resource calendars: fast) or cycle-level (the array, its networks and the buffer's banks
// stepped cycle by cycle: stalls emerge from the modelled hardware).
enum class Timing : uint8_t { Pass, Cycle };
inline constexpr std::array<Timing, 2> kTimings{Timing::Pass, Timing::Cycle};
constexpr std::string_view to_string(Timing t) { return t == Timing::Pass ? "pass" : "cycle"; }

// The unit of an energy table and of every energy figure computed with it: picojoules, or
// multiples of one MAC's energy (a normalized table).
enum class EnergyUnit : uint8_t { Pj, Normalized };
inline constexpr std::array<EnergyUnit, 2> kEnergyUnits{EnergyUnit::Pj, EnergyUnit::Normalized};
constexpr std::string_view to_string(EnergyUnit u) { return u == EnergyUnit::Pj ? "pJ" : "normalized"; }

// Where a layer ran: simulated on the accelerator (conv, fc), or host work (pool, add), not simulated.
enum class ExecutedOn : uint8_t { Accelerator, Host };
inline constexpr std::array<ExecutedOn, 2> kExecutedOns{ExecutedOn::Accelerator, ExecutedOn::Host};
constexpr std::string_view to_string(ExecutedOn e) { return e == ExecutedOn::Accelerator ? "accelerator" : "host"; }

// A layer's output against the reference convolution: every value equal, some different, not
// compared (--no-check), or a host layer (nothing simulated, nothing checked).
enum class OutputCheck : uint8_t { BitExact, Mismatch, Skipped, Host };
inline constexpr std::array<OutputCheck, 4> kOutputChecks{OutputCheck::BitExact, OutputCheck::Mismatch,
                                                          OutputCheck::Skipped, OutputCheck::Host};
constexpr std::string_view to_string(OutputCheck c) {
    switch (c) {
        case OutputCheck::BitExact:
            return "bit-exact";
        case OutputCheck::Mismatch:
            return "mismatch";
        case OutputCheck::Skipped:
            return "skipped";
        case OutputCheck::Host:
            return "host";
    }
    return "?";
}

// The names of an enum's values (its to_string), e.g. for YamlMap::get_enum's choices.
template <typename E, size_t N>
std::vector<std::string> enum_names(const std::array<E, N>& all) {
    std::vector<std::string> v;
    for (E e : all) v.emplace_back(to_string(e));
    return v;
}
// The value of `all` whose to_string is `name`; throws std::invalid_argument naming `what` and
// the names expected.
template <typename E, size_t N>
E parse_enum(std::string_view name, const std::array<E, N>& all, const std::string& what) {
    std::string expected;
    for (size_t i = 0; i < N; ++i) {
        if (to_string(all[i]) == name) return all[i];
        expected += std::string(i == 0 ? "" : i + 1 == N ? " or " : ", ") + std::string(to_string(all[i]));
    }
    throw std::invalid_argument("unknown " + what + " '" + std::string(name) + "' (expected " + expected + ")");
}

struct ReadWrite {
    uint64_t reads = 0;  // words
    uint64_t writes = 0;  // words
    bool operator==(const ReadWrite&) const = default;
};

// Word accesses per level and data type. Words are of the data type's width at that level
// (ifmap/filter: operand width; psum: psum storage width, or output width once requantized --
// see `psum_out_bits_*`).
struct AccessCounts {
    std::array<std::array<ReadWrite, kNumDataTypes>, kNumLevels> a{};
    ReadWrite& at(Level l, DataType t) { return a[static_cast<int>(l)][static_cast<int>(t)]; }
    const ReadWrite& at(Level l, DataType t) const { return a[static_cast<int>(l)][static_cast<int>(t)]; }
    AccessCounts& operator+=(const AccessCounts& o) {
        for (int l = 0; l < kNumLevels; ++l)
            for (int t = 0; t < kNumDataTypes; ++t) {
                a[l][t].reads += o.a[l][t].reads;
                a[l][t].writes += o.a[l][t].writes;
            }
        return *this;
    }
    bool operator==(const AccessCounts&) const = default;
};

// Everything a layer's simulation counts. All fields are event counts; derived figures
// (utilization, energy, pJ/MAC) are computed when reporting. A new counter is a member here and
// one entry in the counters registry (base/stats.cpp), which names, describes and places it.
struct ActionCounts {
    AccessCounts acc;
    uint64_t macs = 0;  // MAC slots (operand pairs) issued, including gated ones
    uint64_t gated_macs =
        0;  // slots with a zero operand (as pe.zero_gating says): no filter read, no ALU op, no psum update
    uint64_t skipped_macs = 0;  // gated slots whose cycle was also saved (pe.zero_skipping, where the dataflow can)
    uint64_t lut_writes = 0;  // LUT entries written (table loads: entries x PEs, once per layer)
    uint64_t xnor_ops = 0;  // XNOR-popcount steps (each over up to pe.xnor_bits operand pairs)
    uint64_t xnor_bits = 0;  // operand pairs those steps covered (padding masked out)
    // DRAM traffic in bits per data type (reads + writes): as stored (raw) and as moved over the
    // link (after run-length compression of feature maps; equal to raw without it).
    std::array<uint64_t, kNumDataTypes> dram_raw_bits{};
    std::array<uint64_t, kNumDataTypes> dram_moved_bits{};
    uint64_t psum_adds = 0;  // accumulations of incoming partial sums (ALU adds)
    uint64_t requant_ops = 0;  // output values requantized on the way to the buffer
    // Psum words written to the GLB at the final output width (after requantization): these
    // GLB psum writes and the DRAM psum writes are `out_bits` wide, not `psum_bits` wide.
    uint64_t glb_output_writes = 0;
    uint64_t glb_output_reads = 0;
    // Of the DRAM psum writes, those of unfinished psums spilled between a tile's channel tiles (at
    // the psum width, like every DRAM psum read: those are the spills loaded back).
    uint64_t dram_spill_writes = 0;
    // Of the NoC psum reads, those of final outputs leaving the array for the buffer: requantized
    // at the array's edge, they cross the output network at the output width (as they are timed).
    uint64_t noc_output_reads = 0;
    uint64_t psum_saturations = 0;  // psum values clipped to the psum storage width
    // Operands latched in a PE's operand register for one MAC, not kept in a register file (the
    // output-stationary PEs' ifmap and filter words, forwarded ifmap words included): one write per
    // word delivered, charged at the energy table's `operand_register` figure, not as RF writes.
    // The MAC's read of the operand stays an RF read (one per slot, as in every dataflow with PE
    // storage). docs/report.md#operand-registers gives the rule per dataflow.
    uint64_t opreg_ifmap_writes = 0;
    uint64_t opreg_filter_writes = 0;
    // The counter `offset` bytes into these counts (Counter::offset, base/stats.h).
    uint64_t& at_offset(size_t offset) { return *reinterpret_cast<uint64_t*>(reinterpret_cast<char*>(this) + offset); }
    uint64_t at_offset(size_t offset) const {
        return *reinterpret_cast<const uint64_t*>(reinterpret_cast<const char*>(this) + offset);
    }
    // Applies f(mine, theirs) to every counter (a uint64_t& and a uint64_t). These counts hold
    // nothing but uint64_t counters, each one in the registry (tests/test_stats.cpp checks both),
    // so this goes through them word by word, in memory order, naming none of them again.
    template <typename Fn>
    void combine(const ActionCounts& o, Fn f) {
#pragma GCC unroll 64  // a fixed count: unrolled, as fast as naming every field (the mappers call this per pass)
        for (size_t off = 0; off < sizeof(ActionCounts); off += sizeof(uint64_t)) f(at_offset(off), o.at_offset(off));
    }
    ActionCounts& operator+=(const ActionCounts& o) {
        combine(o, [](uint64_t& x, uint64_t y) { x += y; });
        return *this;
    }
    bool operator==(const ActionCounts&) const = default;
};
// When a layer's PE array and DRAM channel were active, in cycles from the layer's start (its
// reconfiguration included): what SCALE-Sim's reports give as stall cycles, mapping efficiency
// and start and stop cycles (report/scalesim_reports.h). Not counters: no report shows them else.
struct Activity {
    Cycle array_busy = 0;  // cycles in which a pass ran (passes run one at a time)
    Cycle array_start = 0, array_stop = 0;  // the first pass's start, the last pass's end
    uint64_t passes = 0;  // array passes run
    double pe_fraction_sum = 0;  // the sum over the passes of the PEs a pass uses / the array's PEs
    // Per data type (ifmap, filter, psum = the outputs): the first DRAM transfer's start on the
    // channel and the last one's end (both 0 if there was none).
    std::array<Cycle, kNumDataTypes> dram_start{}, dram_stop{};
    std::array<uint64_t, kNumDataTypes> dram_transfers{};
};

static_assert(sizeof(ActionCounts) % sizeof(uint64_t) == 0 && std::is_trivially_copyable_v<ActionCounts>,
              "ActionCounts holds only uint64_t counters");

}  // namespace dfsim
