#include "report/figures.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/csv.h"
#include "base/error.h"
#include "base/fmt.h"

namespace dfsim {

namespace {

using Json = nlohmann::json;
using Value = std::function<Json(const FigureRow&)>;

std::string name_of(Level l) { return std::string(to_string(l)); }
std::string name_of(DataType t) { return std::string(to_string(t)); }

double per_mac(const FigureRow& w, double e) {
    return w.r.counts.macs ? e / static_cast<double>(w.r.counts.macs) : 0.0;
}
// DRAM traffic in bits over all data types: as stored, or as moved over the link.
uint64_t dram_bits(const ActionCounts& c, bool moved) {
    uint64_t n = 0;
    for (int t = 0; t < kNumDataTypes; ++t) n += moved ? c.dram_moved_bits[t] : c.dram_raw_bits[t];
    return n;
}
uint64_t dram_accesses(const ActionCounts& c) {
    uint64_t n = 0;
    for (DataType t : kDataTypes) n += c.acc.at(Level::Dram, t).reads + c.acc.at(Level::Dram, t).writes;
    return n;
}

// A value only for layers (not the total), or only for accelerator layers (a datapath and formats).
Value layers_only(Value f) {
    return [f](const FigureRow& w) { return w.total ? Json() : f(w); };
}
Value accelerator_layers_only(Value f) {
    return [f](const FigureRow& w) { return w.accelerator_layer() ? f(w) : Json(); };
}

void add_counter_figures(std::vector<Figure>& v) {
    for (const Counter& k : counters())
        v.push_back({k.name, k.unit, k.description, [&k](const FigureRow& w) { return Json(k.of(w.r.counts)); }});
}

// What a layer is and where it ran.
void add_layer_figures(std::vector<Figure>& v) {
    v.push_back({"name", "-", "layer name (`total` for the total)", [](const FigureRow& w) { return Json(w.r.name); }});
    v.push_back(
        {"shape", "-",
         "layer shape (layers only): `N` batch, `C` input channels, `H`, `W` ifmap height and width (unpadded), "
         "`M` filters, `R`, `S` filter height and width, `stride`, `padding` (zero padding on each side), "
         "`groups`, `E`, `F` output height and width. An FC layer appears as a conv with R = H, S = W and E = F "
         "= 1. A host layer appears as a per-channel (depthwise) layer, M = groups = C: a pool with its window as "
         "R × S, an add with R = S = 1.",
         layers_only([](const FigureRow& w) { return shape_json(w.r.shape); })});
    v.push_back({"mapping", "-",
                 "the chosen mapping (layers only), e.g. `h=5 e=14 p=4 q=2 r=2 t=1 \\| glb tile Et=27 Mt=4 Ct=48 "
                 "order=e,m,c double-buffered`. A host layer gives its operation instead, e.g. `host: max "
                 "pool 3x3 stride 2 padding 0`.",
                 layers_only([](const FigureRow& w) { return Json(w.r.mapping); })});
    v.push_back({"executed_on", "-",
                 "`accelerator` (conv and fc layers: mapped and simulated) or `host` (pool and add layers: not "
                 "simulated, see [Host layers](#host-layers)); layers only (empty in the CSV's `total` row)",
                 layers_only([](const FigureRow& w) { return Json(std::string(to_string(w.r.executed_on))); })});
    v.push_back(
        {"host_ops", "operations",
         "a host layer's operations: a pool's N·C·E·F·R·S comparisons (`max`) or adds (`avg`), an add's N·C·H·W "
         "adds; 0 for an accelerator layer. The total sums them.",
         [](const FigureRow& w) { return Json(w.r.host_ops); }});
    v.push_back({"dataflow", "-", "dataflow name", [](const FigureRow& w) { return Json(w.dataflow); }});
    v.push_back({"energy_unit", "-", "`pJ` or `normalized`: the energy table's unit",
                 [](const FigureRow& w) { return Json(std::string(to_string(w.unit))); }});
}

// The layer's datapath, formats and measured zeros (accelerator layers only).
void add_datapath_figures(std::vector<Figure>& v) {
    auto add = [&](const char* name, const char* unit, const char* description, Value f) {
        v.push_back({name, unit, description, accelerator_layers_only(std::move(f))});
    };
    add("multiplier", "-", "the layer's datapath: `mac`, `lut`, `binary`, `ternary` or `xnor`; accelerator layers only",
        [](const FigureRow& w) { return Json(std::string(to_string(w.r.multiplier))); });
    add("ifmap_format", "-", "the ifmap values' format (`int8`, `uint4`, `binary`, `uint8-zp128`)",
        [](const FigureRow& w) { return Json(w.r.ifmap_format); });
    add("filter_format", "-", "the filter values' format", [](const FigureRow& w) { return Json(w.r.filter_format); });
    add("ifmap_bits", "bits", "ifmap operand width at the multiplier",
        [](const FigureRow& w) { return Json(w.r.widths.op_ifmap); });
    add("filter_bits", "bits", "filter operand width at the multiplier",
        [](const FigureRow& w) { return Json(w.r.widths.op_filter); });
    add("psum_bits", "bits", "the layer's psum width (its own `bits.psum`, or `pe.psum_bits`); accelerator layers only",
        [](const FigureRow& w) { return Json(w.r.widths.psum); });
    add("output_bits", "bits", "output width (requantized, or the psum width)",
        [](const FigureRow& w) { return Json(w.r.widths.output); });
    add("ifmap_storage_bits", "bits", "ifmap storage width (wider under `word_bits`)",
        [](const FigureRow& w) { return Json(w.r.widths.ifmap); });
    add("filter_storage_bits", "bits", "filter storage width",
        [](const FigureRow& w) { return Json(w.r.widths.filter); });
    add("ifmap_zero_fraction", "fraction",
        "zero words measured in the layer's ifmap tensor (padding not included); accelerator layers only",
        [](const FigureRow& w) { return Json(w.r.ifmap_zero_fraction); });
    add("filter_zero_fraction", "fraction", "zero words measured in the layer's filter tensor; accelerator layers only",
        [](const FigureRow& w) { return Json(w.r.filter_zero_fraction); });
}

// Time, the check and the buffer.
void add_run_figures(std::vector<Figure>& v) {
    v.push_back(
        {"cycles", "cycles",
         "simulated cycles, from the layer's start until its last operation (the final output store) completed; "
         "the total sums the layers (they run one after another)",
         [](const FigureRow& w) { return Json(w.r.cycles); }});
    v.push_back({"timing", "-",
                 "what produced the `cycles`: `pass` (the pass-level model, `--timing pass`, the default), `cycle` "
                 "(the cycle-level engine, `--timing cycle`) or `estimate` (the mappers' analytical model, "
                 "`dfsim sweep --model analytical`); every row of one report has the same",
                 [](const FigureRow& w) { return Json(timing_name(w.model, w.timing)); }});
    v.push_back({"estimated_cycles", "cycles",
                 "the mapper's analytical estimate for the chosen mapping. The simulated `cycles` are authoritative.",
                 [](const FigureRow& w) { return Json(w.r.estimated_cycles); }});
    v.push_back({"utilization", "fraction",
                 "macs / (cycles × rows × cols), from 0 to 1: the issued slots, gated and skipped ones included",
                 [](const FigureRow& w) { return Json(w.r.utilization(w.pes)); }});
    v.push_back({"utilization_executed", "fraction",
                 "(macs − gated_macs) / (cycles × rows × cols): the MACs executed (a zero-gated or skipped slot does "
                 "no work); equal to `utilization` without zero gating",
                 [](const FigureRow& w) { return Json(w.r.utilization_executed(w.pes)); }});
    v.push_back({"latency_ms", "ms", "cycles / (`clock_mhz` × 1000)",
                 [](const FigureRow& w) { return Json(static_cast<double>(w.r.cycles) / (w.clock_mhz * 1e3)); }});
    v.push_back({"ms_per_image", "ms", "per-image latency: cycles / batch / (`clock_mhz` × 1000) (0 without a batch)",
                 [](const FigureRow& w) {
                     return Json(w.batch > 0 ? static_cast<double>(w.r.cycles) / w.batch / (w.clock_mhz * 1e3) : 0.0);
                 }});
    v.push_back(
        {"inferences_per_s", "1/s", "batch × `clock_mhz` × 10^6 / cycles (0 if no cycles)", [](const FigureRow& w) {
             return Json(w.r.cycles ? static_cast<double>(w.batch) * w.clock_mhz * 1e6 / static_cast<double>(w.r.cycles)
                                    : 0.0);
         }});
    v.push_back(
        {"dram_busy_cycles", "cycles",
         "cycles the DRAM channel spent transferring: the sum over transfers of ceil(bytes / bandwidth), latency "
         "not included",
         [](const FigureRow& w) { return Json(w.r.dram_busy_cycles); }});
    v.push_back({"glb_bytes_used", "bytes",
                 "GLB space allocated by the program's slots (ifmap, filter and psum tiles; both copies when "
                 "double-buffered); the total is the maximum over the layers",
                 [](const FigureRow& w) { return Json(w.r.glb_bytes_used); }});
    v.push_back({"output_check", "-",
                 "`bit-exact` (every output equals the reference convolution's), `mismatch`, `skipped` (`--no-check`), "
                 "or `host` (a host layer: nothing simulated, nothing checked)",
                 [](const FigureRow& w) { return Json(std::string(to_string(w.r.output_check))); }});
    v.push_back({"mismatches", "values", "number of output values that differ from the reference (0 when skipped)",
                 [](const FigureRow& w) { return Json(w.r.mismatches); }});
}

// DRAM traffic.
void add_traffic_figures(std::vector<Figure>& v) {
    v.push_back({"dram_bytes_raw", "bytes",
                 "DRAM traffic (all types, reads + writes) as stored: the `dram_<type>_raw_bits` / 8, rounded up",
                 [](const FigureRow& w) { return Json((dram_bits(w.r.counts, false) + 7) / 8); }});
    v.push_back(
        {"dram_bytes_moved", "bytes",
         "DRAM traffic as moved over the link after run-length coding of feature maps (`dram.compression: rlc`; "
         "equal to `dram_bytes_raw` without it)",
         [](const FigureRow& w) { return Json((dram_bits(w.r.counts, true) + 7) / 8); }});
    v.push_back({"dram_accesses", "words", "DRAM reads + writes of all three data types (each in its own word width)",
                 [](const FigureRow& w) { return Json(dram_accesses(w.r.counts)); }});
    v.push_back({"dram_accesses_per_mac", "words/MAC", "`dram_accesses / macs`",
                 [](const FigureRow& w) { return Json(per_mac(w, static_cast<double>(dram_accesses(w.r.counts)))); }});
}

// Power, throughput and efficiency (a pJ table's; none with a normalized one), and area.
void add_power_figures(std::vector<Figure>& v) {
    auto seconds = [](const FigureRow& w) { return static_cast<double>(w.r.cycles) / (w.clock_mhz * 1e6); };
    auto chip_pj = [](const FigureRow& w) { return w.r.energy.total() - w.r.energy.level(Level::Dram); };
    auto timed = [seconds](const FigureRow& w) {
        return w.unit == EnergyUnit::Pj && w.clock_mhz > 0 && seconds(w) > 0;
    };
    v.push_back({"power_mw", "mW",
                 "average power of the chip: (`energy.total` − `energy.dram`) / latency, in mW (DRAM is another chip); "
                 "none with a normalized table",
                 [=](const FigureRow& w) { return timed(w) ? Json(chip_pj(w) * 1e-9 / seconds(w)) : Json(); }});
    v.push_back({"power_with_dram_mw", "mW", "`energy.total` / latency, in mW: the chip and its DRAM accesses",
                 [=](const FigureRow& w) { return timed(w) ? Json(w.r.energy.total() * 1e-9 / seconds(w)) : Json(); }});
    v.push_back({"energy_per_inference", "table unit", "`energy.total` / batch (DRAM included)",
                 [](const FigureRow& w) { return w.batch > 0 ? Json(w.r.energy.total() / w.batch) : Json(); }});
    v.push_back({"gmacs_per_s", "GMAC/s", "macs / latency / 10^9", [=](const FigureRow& w) {
                     return w.clock_mhz > 0 && w.r.cycles > 0
                                ? Json(static_cast<double>(w.r.counts.macs) / seconds(w) * 1e-9)
                                : Json();
                 }});
    v.push_back({"gmacs_per_s_per_w", "GMAC/s/W",
                 "macs / chip energy (DRAM excluded), in GMAC/s/W (= MAC/nJ), the figure the Eyeriss chip reports; "
                 "none with a normalized table",
                 [=](const FigureRow& w) {
                     return timed(w) && chip_pj(w) > 0
                                ? Json(static_cast<double>(w.r.counts.macs) / (chip_pj(w) * 1e-3))
                                : Json();
                 }});
    v.push_back({"tops_per_w", "TOPS/W", "2 operations a MAC: 2 × `gmacs_per_s_per_w` / 1000", [=](const FigureRow& w) {
                     return timed(w) && chip_pj(w) > 0 ? Json(2.0 * static_cast<double>(w.r.counts.macs) / chip_pj(w))
                                                       : Json();
                 }});
    v.push_back({"area_mm2", "mm²",
                 "the chip's area by the energy table's area model (PE datapaths, register files, GLB, control and "
                 "NoC; energy/physical.h), or the Accelergy ART given with --area or beside an ERT; none where the "
                 "table has no area figures",
                 [](const FigureRow& w) { return w.area_mm2 > 0 ? Json(w.area_mm2) : Json(); }});
}

// Energy: by level (kLevels), ALU, total, by data type, and each per MAC.
void add_energy_figures(std::vector<Figure>& v) {
    for (Level l : kLevels)
        v.push_back({"energy_" + name_of(l), "table unit", "energy of the " + name_of(l) + " accesses (all data types)",
                     [l](const FigureRow& w) { return Json(w.r.energy.level(l)); }});
    v.push_back(
        {"energy_alu", "table unit",
         "(macs − gated_macs) × the datapath's energy per active slot, its accumulate included, plus LUT loads and "
         "XNOR-popcount steps (README: [Quantized networks](../README.md#quantized-networks)); for an 8-bit `mac` "
         "layer with 32-bit psums, (macs − gated_macs) × `alu.mac`. The psum_adds that combine partial sums (in "
         "a PE, across a column, in nlr's adder chain, with the buffer's psum) are those accumulates: an output "
         "of k products and an incoming psum takes k adds; they take slots, not energy of their own",
         [](const FigureRow& w) { return Json(w.r.energy.alu); }});
    v.push_back({"energy_leakage", "table unit",
                 "leakage over the layer's time: `static.leakage_mw_per_mm2` × `area_mm2` × latency (0 where the "
                 "energy table gives no such figure)",
                 [](const FigureRow& w) { return Json(w.r.energy.leakage); }});
    v.push_back(
        {"energy_clock", "table unit",
         "clock tree, control and pipeline registers: `static.clock_per_mm2_cycle` × `area_mm2` × cycles (0 where "
         "the energy table gives no such figure)",
         [](const FigureRow& w) { return Json(w.r.energy.clock); }});
    v.push_back({"energy_opreg", "table unit",
                 "of `energy_rf`: the operand registers' part, `opreg_ifmap_writes` and `opreg_filter_writes` × the "
                 "table's `operand_register.write` (scaled by width as the levels are; a table without that "
                 "section charges the rf level's write). Shown in the rf level, not added again to the total",
                 [](const FigureRow& w) { return Json(w.r.energy.opreg); }});
    v.push_back({"energy_static", "table unit", "`energy_leakage` + `energy_clock`",
                 [](const FigureRow& w) { return Json(w.r.energy.statics()); }});
    v.push_back({"energy_total", "table unit", "the levels' energy + ALU energy + leakage + clock",
                 [](const FigureRow& w) { return Json(w.r.energy.total()); }});
    for (DataType t : kDataTypes)
        v.push_back({"energy_" + name_of(t), "table unit", "energy of the " + name_of(t) + " accesses (all levels)",
                     [t](const FigureRow& w) { return Json(w.r.energy.type(t)); }});
    v.push_back({"energy_per_mac", "table unit/MAC", "total energy / macs (0 if macs = 0)",
                 [](const FigureRow& w) { return Json(per_mac(w, w.r.energy.total())); }});
    for (Level l : kLevels)
        v.push_back({"per_mac_" + name_of(l), "table unit/MAC", "energy of the " + name_of(l) + " accesses / macs",
                     [l](const FigureRow& w) { return Json(per_mac(w, w.r.energy.level(l))); }});
    v.push_back({"per_mac_alu", "table unit/MAC", "ALU energy / macs",
                 [](const FigureRow& w) { return Json(per_mac(w, w.r.energy.alu)); }});
    v.push_back({"per_mac_static", "table unit/MAC", "leakage and clock energy / macs",
                 [](const FigureRow& w) { return Json(per_mac(w, w.r.energy.statics())); }});
    for (DataType t : kDataTypes)
        v.push_back({"per_mac_" + name_of(t), "table unit/MAC", "energy of the " + name_of(t) + " accesses / macs",
                     [t](const FigureRow& w) { return Json(per_mac(w, w.r.energy.type(t))); }});
    v.push_back(
        {"gating_saved_energy", "table unit",
         "energy the zero gating saved: the same counts with no slot gated (their filter and psum RF accesses, for "
         "dataflows with RFs, and their ALU operations added back) minus this run's",
         [](const FigureRow& w) { return Json(w.r.gating_saved_energy); }});
    v.push_back(
        {"ratio_to_best", "-",
         "energy per MAC / the lowest energy per MAC among the dataflows of the same layer (or of the total): 1 "
         "for `best_dataflow`, ≥ 1 for the others; none for a host layer (not ranked)",
         [](const FigureRow& w) { return std::isnan(w.ratio_to_best) ? Json() : Json(w.ratio_to_best); }});
    v.push_back({"edp", "table unit·s",
                 "energy-delay product: `energy.total` × the latency in seconds (cycles / (`clock_mhz` × 10^6)); "
                 "in pJ·s with a pJ table (the text table and HTML page print it with an SI prefix, e.g. nJ·s)",
                 [](const FigureRow& w) {
                     return w.clock_mhz > 0
                                ? Json(w.r.energy.total() * static_cast<double>(w.r.cycles) / (w.clock_mhz * 1e6))
                                : Json();
                 }});
    add_power_figures(v);
    v.push_back({"row_type", "-",
                 "what the row is: `layer` (an accelerator layer, ranked), `host` (a host layer: one row, no "
                 "dataflow, not ranked), `subtotal` (a layer group's layers summed) or `total`",
                 [](const FigureRow& w) { return Json(w.row_type); }});
    v.push_back({"layer_group", "-",
                 "the layer group of the row: its layers' type in capitals (`CONV`, `FC`, ...); empty for a host "
                 "layer and the total",
                 [](const FigureRow& w) { return Json(w.layer_group); }});
    v.push_back({"best", "-",
                 "1 for the best row of its layer, subtotal or total (the lowest energy per MAC; the dataflow listed "
                 "first on a tie), else 0",
                 [](const FigureRow& w) { return Json(w.best ? 1 : 0); }});
}

std::vector<Figure> make_figures() {
    std::vector<Figure> v;
    add_counter_figures(v);
    add_layer_figures(v);
    add_datapath_figures(v);
    add_run_figures(v);
    add_traffic_figures(v);
    add_energy_figures(v);
    return v;
}

}  // namespace

std::string timing_name(RunModel model, Timing timing) {
    return model == RunModel::Analytical ? "estimate" : std::string(to_string(timing));
}

std::string timing_label(const std::string& name) {
    if (name == "pass") return name + " (pass-level model)";
    if (name == "cycle") return name + " (cycle-level engine)";
    if (name == "estimate") return name + " (analytical model)";
    return name;
}

std::string timing_label(RunModel model, Timing timing) { return timing_label(timing_name(model, timing)); }

FigureRow run_row(const NetworkResult& r, const LayerResult& l, bool total) {
    FigureRow w{l};
    w.pes = r.arch_params.num_pes();
    w.unit = r.energy_unit;
    w.total = total;
    w.model = r.model;
    w.timing = r.timing;
    w.clock_mhz = r.arch_params.clock_mhz;
    w.area_mm2 = r.area.total();
    w.batch = r.layers.empty() ? 0 : static_cast<int>(r.layers.front().shape.N);  // every layer's N
    return w;
}

nlohmann::json shape_json(const LayerShape& s) {
    return {{"N", s.N}, {"C", s.C},      {"H", s.H},       {"W", s.W},      {"M", s.M},   {"R", s.R},
            {"S", s.S}, {"stride", s.U}, {"padding", s.P}, {"groups", s.G}, {"E", s.E()}, {"F", s.F()}};
}

const std::vector<Figure>& figures() {
    static const std::vector<Figure> list = make_figures();
    return list;
}

const Figure& figure(std::string_view name) {
    for (const Figure& f : figures())
        if (f.name == name) return f;
    assert_fail("figure(name)", __FILE__, __LINE__, "no figure named '" + std::string(name) + "'");
}

// ---------------------------------------------------------------------------------------------
// The writers' layouts

namespace {

Field field(const std::string& name, std::string json, std::string csv, const char* format = "%.6g",
            std::string group = "") {
    return {&figure(name), std::move(json), std::move(csv), format, std::move(group)};
}

std::string joined(const std::vector<std::string>& path) {
    std::string s;
    for (const std::string& p : path) s += (s.empty() ? "" : ".") + p;
    return s;
}

// A counter where the run report puts it (Counter::outputs).
Field run_counter(const Counter& k) {
    return field(k.name, joined(k.json_path()), (k.outputs & kInCsv) ? k.name : "", "%.6g",
                 k.is_access() ? "accesses" : "");
}

bool placed(const std::vector<Field>& fields, const std::string& name) {
    return std::any_of(fields.begin(), fields.end(), [&](const Field& f) { return f.figure->name == name; });
}

// The energy by level (`levels` order), ALU and total, by data type and per MAC, as `json_*` / `csv_*` name them.
void add_run_energy(std::vector<Field>& f) {
    for (Level l : kLevels)
        f.push_back(
            field("energy_" + name_of(l), "energy." + name_of(l), "energy_" + name_of(l), "%.6g", "energy_by_level"));
    f.push_back(field("energy_alu", "energy.alu", "energy_alu"));
    f.push_back(field("energy_leakage", "energy.leakage", "energy_leakage"));
    f.push_back(field("energy_clock", "energy.clock", "energy_clock"));
    f.push_back(field("energy_total", "energy.total", "energy_total"));
    for (DataType t : kDataTypes)
        f.push_back(field("energy_" + name_of(t), "energy_by_type." + name_of(t), "energy_" + name_of(t), "%.6g",
                          "energy_by_type"));
    f.push_back(field("energy_per_mac", "energy_per_mac", ""));
    f.push_back(field("energy_opreg", "energy_opreg", ""));  // of energy.rf: a JSON field, no CSV column
}

void add_run_datapath(std::vector<Field>& f) {
    f.push_back(field("multiplier", "multiplier", "multiplier"));
    f.push_back(field("ifmap_format", "bits.ifmap_format", "ifmap_format", "%.6g", "formats"));
    f.push_back(field("filter_format", "bits.filter_format", "filter_format", "%.6g", "formats"));
    f.push_back(field("psum_bits", "bits.psum", "psum_bits"));
    for (const char* b : {"ifmap", "filter", "output"})
        f.push_back(field(std::string(b) + "_bits", std::string("bits.") + b, "", "%.6g", "bits"));
    for (const char* b : {"ifmap", "filter"})
        f.push_back(field(std::string(b) + "_storage_bits", std::string("bits.") + b + "_storage", "", "%.6g", "bits"));
}

}  // namespace

std::vector<Field> run_fields() {
    std::vector<Field> f;
    f.push_back(field("name", "name", "layer"));
    f.push_back(field("shape", "shape", ""));
    f.push_back(field("mapping", "mapping", ""));
    f.push_back(run_counter(counter("macs")));
    f.push_back(run_counter(counter("gated_macs")));
    f.push_back(field("cycles", "cycles", "cycles"));
    f.push_back(field("utilization", "utilization", "utilization", "%.6f"));
    for (const Counter& k : counters())
        if (k.is_access()) f.push_back(run_counter(k));
    f.push_back(field("estimated_cycles", "estimated_cycles", ""));
    f.push_back(field("dram_busy_cycles", "dram_busy_cycles", ""));
    f.push_back(field("glb_bytes_used", "glb_bytes_used", ""));
    add_run_energy(f);
    f.push_back(field("energy_unit", "", "energy_unit"));
    f.push_back(field("output_check", "output_check", "output_check"));
    f.push_back(field("mismatches", "mismatches", ""));
    f.push_back(field("executed_on", "executed_on", "executed_on"));
    f.push_back(field("host_ops", "host_ops", "host_ops"));
    add_run_datapath(f);
    f.push_back(run_counter(counter("skipped_macs")));
    f.push_back(field("ifmap_zero_fraction", "ifmap_zero_fraction", "ifmap_zero_fraction", "%.6f", "zeros"));
    f.push_back(field("filter_zero_fraction", "filter_zero_fraction", "filter_zero_fraction", "%.6f", "zeros"));
    f.push_back(field("gating_saved_energy", "gating_saved_energy", "gating_saved_energy"));
    f.push_back(field("dram_bytes_raw", "dram_bytes_raw", "dram_bytes_raw"));
    f.push_back(field("dram_bytes_moved", "dram_bytes_moved", "dram_bytes_moved"));
    f.push_back(field("utilization_executed", "utilization_executed", "utilization_executed", "%.6f"));
    f.push_back(field("timing", "", "timing"));  // in the JSON once, at the top level
    f.push_back(field("latency_ms", "latency_ms", "latency_ms", "%.6f"));
    f.push_back(field("ms_per_image", "ms_per_image", "ms_per_image", "%.6f"));
    f.push_back(field("inferences_per_s", "inferences_per_s", "inferences_per_s"));
    for (const char* name : {"power_mw", "power_with_dram_mw", "energy_per_inference", "gmacs_per_s",
                             "gmacs_per_s_per_w", "tops_per_w", "area_mm2"})
        f.push_back(field(name, name, name));
    f.push_back(field("edp", "edp", "edp"));
    // the other counters the run report shows: JSON fields, and new CSV columns at the end
    for (const Counter& k : counters())
        if ((k.outputs & (kInJson | kInCsv)) && !placed(f, k.name)) f.push_back(run_counter(k));
    return f;
}

std::vector<Field> compare_fields() {
    std::vector<Field> f;
    f.push_back(field("name", "", "layer"));
    f.push_back(field("row_type", "", "row_type"));
    f.push_back(field("layer_group", "", "layer_group"));
    f.push_back(field("dataflow", "dataflow", "dataflow"));
    f.push_back(field("best", "", "best"));
    f.push_back(field("mapping", "mapping", ""));
    f.push_back(field("macs", "macs", "macs"));
    f.push_back(field("gated_macs", "gated_macs", "gated_macs"));
    f.push_back(field("cycles", "cycles", "cycles"));
    f.push_back(field("latency_ms", "latency_ms", "latency_ms", "%.6f"));
    f.push_back(field("utilization", "utilization", "utilization", "%.6f"));
    f.push_back(field("glb_bytes_used", "glb_bytes_used", ""));
    for (const Counter& k : counters())
        if (k.is_access()) f.push_back(field(k.name, joined(k.json_path()), "", "%.6g", "accesses"));
    f.push_back(field("dram_accesses", "dram_accesses", "dram_accesses"));
    f.push_back(field("dram_accesses_per_mac", "dram_accesses_per_mac", "dram_accesses_per_mac"));
    f.push_back(field("energy_alu", "energy.alu", "energy_alu"));
    for (Level l : levels_near_first())
        f.push_back(
            field("energy_" + name_of(l), "energy." + name_of(l), "energy_" + name_of(l), "%.6g", "energy_by_level"));
    for (DataType t : kDataTypes)
        f.push_back(field("energy_" + name_of(t), "energy_by_type." + name_of(t), "energy_" + name_of(t), "%.6g",
                          "energy_by_type"));
    f.push_back(field("energy_total", "energy.total", "energy_total"));
    f.push_back(field("per_mac_alu", "energy_per_mac_by_level.alu", "per_mac_alu", "%.6g", "per_mac_by_level"));
    for (Level l : levels_near_first())
        f.push_back(field("per_mac_" + name_of(l), "energy_per_mac_by_level." + name_of(l), "per_mac_" + name_of(l),
                          "%.6g", "per_mac_by_level"));
    for (DataType t : kDataTypes)
        f.push_back(field("per_mac_" + name_of(t), "energy_per_mac_by_type." + name_of(t), "per_mac_" + name_of(t),
                          "%.6g", "per_mac_by_type"));
    f.push_back(field("energy_per_mac", "energy_per_mac", "per_mac_total"));
    f.push_back(field("ratio_to_best", "energy_ratio_to_best", "ratio_to_best", "%.6f"));
    f.push_back(field("edp", "edp", "edp"));
    f.push_back(field("energy_unit", "", "energy_unit"));
    f.push_back(field("output_check", "output_check", "output_check"));
    f.push_back(field("mismatches", "mismatches", ""));
    f.push_back(field("utilization_executed", "utilization_executed", "utilization_executed", "%.6f"));
    f.push_back(field("energy_leakage", "energy.leakage", "energy_leakage"));
    f.push_back(field("energy_clock", "energy.clock", "energy_clock"));
    for (const char* name : {"power_mw", "gmacs_per_s_per_w", "tops_per_w", "area_mm2"})
        f.push_back(field(name, name, name));
    f.push_back(field("timing", "", "timing"));  // in the JSON once, at the top level
    return f;
}

std::vector<Field> sweep_fields() {
    std::vector<Field> f;
    for (const char* name : {"macs", "cycles", "utilization", "latency_ms", "inferences_per_s"})
        f.push_back(field(name, name, name));
    f.push_back(field("energy_total", "energy", "energy"));
    f.push_back(field("energy_unit", "energy_unit", "energy_unit"));
    f.push_back(field("energy_per_mac", "energy_per_mac", "energy_per_mac"));
    // per MAC, and named so in the CSV too (compare's energy_* columns are totals)
    f.push_back(field("per_mac_alu", "energy_per_mac_by_level.alu", "energy_per_mac_alu", "%.6g", "per_mac_by_level"));
    f.push_back(
        field("per_mac_static", "energy_per_mac_by_level.static", "energy_per_mac_static", "%.6g", "per_mac_by_level"));
    for (Level l : levels_near_first())
        f.push_back(field("per_mac_" + name_of(l), "energy_per_mac_by_level." + name_of(l),
                          "energy_per_mac_" + name_of(l), "%.6g", "per_mac_by_level"));
    for (DataType t : kDataTypes)
        f.push_back(field("per_mac_" + name_of(t), "energy_per_mac_by_type." + name_of(t),
                          "energy_per_mac_" + name_of(t), "%.6g", "per_mac_by_type"));
    f.push_back(field("dram_accesses_per_mac", "dram_accesses_per_mac", "dram_accesses_per_mac"));
    f.push_back(field("output_check", "output_check", "output_check"));
    for (const char* name : {"power_mw", "energy_per_inference", "gmacs_per_s_per_w", "tops_per_w", "area_mm2"})
        f.push_back(field(name, name, name));
    f.push_back(field("timing", "timing", "timing"));
    return f;
}

// ---------------------------------------------------------------------------------------------
// JSON and CSV

void set_json_path(nlohmann::json& j, const std::string& path, nlohmann::json v) {
    nlohmann::json* at = &j;
    size_t start = 0;
    for (size_t dot = path.find('.'); dot != std::string::npos; start = dot + 1, dot = path.find('.', start))
        at = &(*at)[path.substr(start, dot - start)];
    (*at)[path.substr(start)] = std::move(v);
}

nlohmann::json json_path_value(const nlohmann::json& j, const std::string& path) {
    const nlohmann::json* at = &j;
    size_t start = 0;
    while (true) {
        const size_t dot = path.find('.', start);
        const std::string key = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
        if (!at->is_object() || !at->contains(key)) return nullptr;
        at = &(*at)[key];
        if (dot == std::string::npos) return *at;
        start = dot + 1;
    }
}

nlohmann::json fields_json(const std::vector<Field>& fields, const FigureRow& row) {
    nlohmann::json j = nlohmann::json::object();
    for (const Field& f : fields) {
        if (f.json.empty()) continue;
        nlohmann::json v = f.figure->value(row);
        if (!v.is_null()) set_json_path(j, f.json, std::move(v));
    }
    return j;
}

std::string csv_value(const nlohmann::json& v, const char* format) {
    if (v.is_null()) return "";
    if (v.is_string()) return v.get<std::string>();
    if (v.is_number_float()) return fmt(format, v.get<double>());
    return v.dump();
}

std::string csv_header(const std::vector<Field>& fields) {
    std::vector<std::string> names;
    for (const Field& f : fields)
        if (!f.csv.empty()) names.push_back(f.csv);
    return csv_line(names);
}

std::string csv_row(const std::vector<Field>& fields, const FigureRow& row) {
    std::vector<std::string> cells;
    for (const Field& f : fields)
        if (!f.csv.empty()) cells.push_back(csv_value(f.figure->value(row), f.format));
    return csv_line(cells);
}

}  // namespace dfsim
