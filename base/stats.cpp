#include "base/stats.h"

#include "base/error.h"

namespace dfsim {

namespace {

// What each access counter counts in the row-stationary passes (hw/pe_array.cpp, hw/dram.cpp):
// [level][data type][reads, writes]. p = filters in the PE, F = output row width, Wn = (F − 1)·stride
// + S padded positions per ifmap row. docs/report.md#access-counts shows this table.
const char* const kAccessDescriptions[kNumLevels][kNumDataTypes][2] = {
    {
        // dram
        {"words loaded into GLB ifmap tiles. A tile is loaded only if it is not already resident in one of the "
         "slot's copies.",
         "0"},
        {"words loaded into GLB filter tiles (same rule)", "0"},
        {"psum words loaded back after a spill (a tile whose channel loop is not innermost), at the psum width",
         "final output words stored, at the output width, plus psum words spilled between channel tiles, at the "
         "psum width"},
    },
    {
        // glb
        {"real (non-padding) ifmap words the buffer puts on the ifmap bus: per pass, each distinct (channel, row) "
         "the pass needs, once",
         "words written by DRAM loads"},
        {"filter words put on the filter bus: per filter-loading pass, each distinct filter word once",
         "words written by DRAM loads"},
        {"earlier psums sent to chain bottoms over the psum-in bus, plus final outputs read for the DRAM store and "
         "psums read for a spill",
         "psums (or final outputs) arriving from the global output network, plus psums loaded back after a spill"},
    },
    {
        // noc
        {"per PE, per ifmap row it uses: Wn words if stride ≤ S, else F·S",
         "per distinct (channel, padded row) of a pass: Wn words. Padding zeros are included, since the bus "
         "generates them and they are not GLB reads."},
        {"filter words received by each PE (a set row's filters are multicast to its e PEs)",
         "distinct filter words put on the filter bus"},
        {"psums received by a PE from below or from the psum-in bus, plus psums taken off the output network by "
         "the buffer",
         "psums sent by each PE (p·F per PE per pass), plus psums the buffer puts on the psum-in bus"},
    },
    {
        // rf
        {"one per MAC slot, gated ones included (the operand is read to test it for zero)",
         "words received from the ifmap bus (= `noc.ifmap.reads`)"},
        {"one per non-gated MAC", "words received from the filter bus (= `noc.filter.reads`)"},
        {"one per non-gated MAC (accumulate), one per incoming psum word (add), and one per psum word sent",
         "one per non-gated MAC, plus one per incoming psum word"},
    },
};

// The offset of the counter `field` picks out of a set of counts.
template <typename Field>
size_t offset_of(Field field) {
    ActionCounts probe;
    return static_cast<size_t>(reinterpret_cast<char*>(&field(probe)) - reinterpret_cast<char*>(&probe));
}

void add_access_counters(std::vector<Counter>& v) {
    for (Level l : kLevels)
        for (DataType t : kDataTypes)
            for (AccessDir d : {AccessDir::Reads, AccessDir::Writes}) {
                Counter c;
                c.name = std::string(to_string(l)) + "_" + std::string(to_string(t)) + "_" + std::string(to_string(d));
                c.unit = "words";
                c.description = kAccessDescriptions[static_cast<int>(l)][static_cast<int>(t)][static_cast<int>(d)];
                c.level = l, c.type = t, c.dir = d;
                c.outputs = kInJson | kInCsv;
                c.offset = offset_of([l, t, d](ActionCounts& a) -> uint64_t& {
                    ReadWrite& rw = a.acc.at(l, t);
                    return d == AccessDir::Reads ? rw.reads : rw.writes;
                });
                v.push_back(std::move(c));
            }
}

// A counter that is one field of ActionCounts.
Counter scalar(std::string name, std::string unit, unsigned outputs, uint64_t ActionCounts::*field,
               std::string description) {
    Counter c;
    c.name = std::move(name), c.unit = std::move(unit), c.description = std::move(description);
    c.outputs = outputs;
    c.offset = offset_of([field](ActionCounts& a) -> uint64_t& { return a.*field; });
    return c;
}

// DRAM traffic per data type in bits (ActionCounts::dram_raw_bits / dram_moved_bits).
void add_dram_bits(std::vector<Counter>& v, const std::string& kind,
                   std::array<uint64_t, kNumDataTypes> ActionCounts::*field, const std::string& description) {
    for (DataType t : kDataTypes) {
        Counter c;
        c.name = "dram_" + std::string(to_string(t)) + "_" + kind + "_bits";
        c.unit = "bits";
        c.description = description;
        c.level = Level::Dram, c.type = t;
        c.offset = offset_of([field, t](ActionCounts& a) -> uint64_t& { return (a.*field)[static_cast<int>(t)]; });
        v.push_back(std::move(c));
    }
}

std::vector<Counter> make_counters() {
    std::vector<Counter> v;
    add_access_counters(v);
    const unsigned all = kInJson | kInCsv | kInText;
    v.push_back(scalar("macs", "MACs", all, &ActionCounts::macs,
                       "MAC slots issued, gated ones included; equals N·M·E·F·(C/G)·R·S"));
    v.push_back(
        scalar("gated_macs", "MACs", all, &ActionCounts::gated_macs,
               "MAC slots with a zero operand, as `pe.zero_gating` says (ifmap zeros by default, data or padding; "
               "zero weights with `weight`/`both` and always for `ternary`), counted from the data. The filter "
               "read, the ALU operation and the psum update were skipped, but the cycle was spent. Always 0 for "
               "`xnor` (padding is masked inside the popcount)."));
    v.push_back(scalar("skipped_macs", "MACs", all, &ActionCounts::skipped_macs,
                       "gated slots whose cycle was also saved (`pe.zero_skipping`; see the README's "
                       "[Quantized networks](../README.md#quantized-networks) for what each dataflow can skip)"));
    v.push_back(scalar("psum_adds", "adds", kInJson, &ActionCounts::psum_adds,
                       "accumulations of incoming partial sums, one per psum word received by a PE (from the PE below, "
                       "or from the GLB over the psum-in bus)"));
    v.push_back(scalar("requant_ops", "values", kInJson, &ActionCounts::requant_ops,
                       "output values requantized by the output unit (final pass of a layer with `requant`)"));
    v.push_back(
        scalar("psum_saturations", "values", kInJson, &ActionCounts::psum_saturations,
               "psum values clipped to the `psum_bits` range when written to the GLB. This applies to non-final "
               "psums, and to final ones when the layer does not requantize."));
    v.push_back(scalar("lut_writes", "entries", kInJson, &ActionCounts::lut_writes,
                       "LUT entries loaded (entries × PEs, once per layer)"));
    v.push_back(scalar("xnor_ops", "steps", kInJson, &ActionCounts::xnor_ops,
                       "XNOR-popcount steps, each over up to `pe.xnor_bits` operand pairs"));
    v.push_back(scalar("xnor_bits", "pairs", 0, &ActionCounts::xnor_bits,
                       "operand pairs the XNOR-popcount steps covered (padding masked out)"));
    add_dram_bits(v, "raw", &ActionCounts::dram_raw_bits, "DRAM traffic of the data type (reads + writes) as stored");
    add_dram_bits(v, "moved", &ActionCounts::dram_moved_bits,
                  "DRAM traffic of the data type (reads + writes) as moved over the link, after run-length coding of "
                  "feature maps (`dram.compression: rlc`; equal to raw without it)");
    v.push_back(scalar("glb_output_writes", "words", 0, &ActionCounts::glb_output_writes,
                       "of the `glb.psum` writes, those of final outputs (at the output width)"));
    v.push_back(
        scalar("glb_output_reads", "words", 0, &ActionCounts::glb_output_reads,
               "of the `glb.psum` reads, those of final outputs read for the DRAM store (at the output width)"));
    v.push_back(scalar("dram_spill_writes", "words", 0, &ActionCounts::dram_spill_writes,
                       "of the `dram.psum` writes, those of unfinished psums spilled to DRAM between channel tiles "
                       "(at the psum width, as are all `dram.psum` reads: the spills loaded back)"));
    v.push_back(scalar("opreg_ifmap_writes", "words", kInJson, &ActionCounts::opreg_ifmap_writes,
                       "ifmap words latched in a PE's operand register for one MAC (output-stationary PEs: one per "
                       "word the PE receives, from the bus or from its neighbour); not RF writes"));
    v.push_back(scalar("opreg_filter_writes", "words", kInJson, &ActionCounts::opreg_filter_writes,
                       "filter words latched in a PE's operand register for one MAC (output-stationary PEs: one per "
                       "word the PE receives); not RF writes"));
    v.push_back(scalar("noc_output_reads", "words", 0, &ActionCounts::noc_output_reads,
                       "of the `noc.psum` reads, those of final outputs on their way to the buffer (at the output "
                       "width; none in nlr, whose adder chain writes the buffer directly)"));
    return v;
}

}  // namespace

std::vector<std::string> Counter::json_path() const {
    if (!(outputs & kInJson)) return {};
    if (is_access())
        return {"accesses", std::string(to_string(*level)), std::string(to_string(*type)),
                std::string(to_string(*dir))};
    return {name};
}

const std::vector<Counter>& counters() {
    static const std::vector<Counter> list = make_counters();
    return list;
}

const Counter& counter(std::string_view name) {
    for (const Counter& c : counters())
        if (c.name == name) return c;
    assert_fail("counter(name)", __FILE__, __LINE__, "no counter named '" + std::string(name) + "'");
}

}  // namespace dfsim
