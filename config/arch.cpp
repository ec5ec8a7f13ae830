#include "config/arch.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include <stdexcept>

#include "quant/format.h"
#include "config/energy_table.h"
#include "config/scalesim_cfg.h"
#include "config/yaml_reader.h"

namespace dfsim {

namespace {

// The pe section: spads, datapath widths, zero gating and skipping, and the multipliers the PE has.
PeParams read_pe(const YamlMap& m) {
    PeParams pe;
    pe.ifmap_spad_words = static_cast<int>(m.get_int("ifmap_spad_words", 1, 1 << 20));
    pe.filter_spad_words = static_cast<int>(m.get_int("filter_spad_words", 1, 1 << 20));
    pe.psum_spad_words = static_cast<int>(m.get_int("psum_spad_words", 1, 1 << 20));
    pe.pipeline_depth = static_cast<int>(m.get_int("pipeline_depth", 1, 64));
    pe.psum_add_in_mac_slots = m.get_bool("psum_add_in_mac_slots", true);
    pe.mac_bits = static_cast<int>(m.get_int("mac_bits", 1, 16, 8));
    pe.psum_bits = static_cast<int>(m.get_int("psum_bits", 16, 32));
    const std::string gating = m.get_enum("zero_gating", {"ifmap", "weight", "both", "none"}, "ifmap");
    pe.gate_ifmap_zeros = gating == "ifmap" || gating == "both";
    pe.gate_weight_zeros = gating == "weight" || gating == "both";
    pe.zero_skipping = m.get_bool("zero_skipping", false);
    if (pe.zero_skipping && gating == "none")
        m.fail("zero_skipping", "expected false when zero_gating is none (only gated slots can be skipped)");
    if (m.has("multipliers")) {
        pe.multipliers.clear();
        for (const std::string& k : m.get_string_list("multipliers")) {
            try {
                pe.multipliers.push_back(parse_multiplier(k));
            } catch (const std::invalid_argument& e) {
                m.fail("multipliers", e.what());
            }
        }
    }
    pe.lut_max_bits = static_cast<int>(m.get_int("lut_max_bits", 1, 8, 4));
    pe.xnor_bits = static_cast<int>(m.get_int("xnor_bits", 1, 64, 16));
    m.check_no_unknown_keys();
    return pe;
}

// dram.rlc_layout: level_bits `data` (the data's own width) or a width, pairs_per_word `auto`
// (as many as fit) or a count. A fixed layout must fit its word.
RlcLayout read_rlc_layout(const YamlMap& m) {
    RlcLayout r;
    r.run_bits = static_cast<int>(m.get_int("run_bits", 1, 16, 5));
    r.word_bits = static_cast<int>(m.get_int("word_bits", 2, 64, 64));
    auto int_or = [&m](const std::string& key, const std::string& word, int lo, int hi) {
        if (!m.has(key) || m.get_string(key) == word) return 0;
        return static_cast<int>(m.get_int(key, lo, hi));
    };
    r.level_bits = int_or("level_bits", "data", 2, 32);
    r.pairs_per_word = int_or("pairs_per_word", "auto", 1, 63);
    if (r.level_bits > 0 && r.pairs_per_word > 0 && r.pairs_per_word * (r.run_bits + r.level_bits) + 1 > r.word_bits)
        m.fail("pairs_per_word",
               std::to_string(r.pairs_per_word) + " pairs of " + std::to_string(r.run_bits) + "+" +
                   std::to_string(r.level_bits) +
                   " bits and the last-word bit to fit in word_bits = " + std::to_string(r.word_bits));
    if (r.level_bits > 0 && r.run_bits + r.level_bits + 1 > r.word_bits)
        m.fail("word_bits", "room for one pair and the last-word bit");
    m.check_no_unknown_keys();
    return r;
}

// The equal_area section: every dataflow's register files, each checked to leave a global buffer
// in the base configuration's area.
void read_equal_area(const YamlMap& ea, ArchParams& a) {
    a.equal_area.enabled = true;
    ea.get_string("source", "");
    if (ea.has("area_table")) {
        // relative to the architecture file's directory; its area: section measures the storage
        const std::string rel = ea.get_string("area_table");
        const std::filesystem::path p = std::filesystem::path(a.file).parent_path() / rel;
        if (!std::filesystem::exists(p))
            ea.fail("area_table", "expected an existing energy table file, got '" + rel + "'");
        a.equal_area.area_table = p.lexically_normal().string();
        a.equal_area.area = load_energy_table(a.equal_area.area_table).area;
        if (!a.equal_area.area.present) ea.fail("area_table", "a table with an area: section");
        if (a.equal_area.area.given.present)
            ea.fail("area_table", "a table with an area model (an ART's areas are fixed: they cannot size a buffer)");
        if (ea.has("rf_area_per_byte") || ea.has("glb_area_per_byte"))
            ea.fail("rf_area_per_byte", "no area ratios beside area_table (the area model measures the storage)");
    } else {
        a.equal_area.rf_area_per_byte = ea.get_double("rf_area_per_byte", 1e-6, 1e6);
        a.equal_area.glb_area_per_byte = ea.get_double("glb_area_per_byte", 1e-6, 1e6);
    }
    YamlMap dfs = ea.child("dataflows");
    for (const std::string& name : dfs.keys()) {
        YamlMap d = dfs.child(name);
        DataflowStorage st;
        st.dataflow = name;
        st.line = d.line();
        st.column = d.column();
        st.ifmap_spad_words = static_cast<int>(d.get_int("ifmap_spad_words", 0, 1 << 20));
        st.filter_spad_words = static_cast<int>(d.get_int("filter_spad_words", 0, 1 << 20));
        st.psum_spad_words = static_cast<int>(d.get_int("psum_spad_words", 0, 1 << 20));
        d.check_no_unknown_keys();
        a.equal_area.dataflows.push_back(st);
        if (a.for_dataflow(name).glb.size_bytes <= 0)
            dfs.fail(
                name,
                "expected register files that fit in the area of the base configuration (they leave no global buffer)");
    }
    ea.check_no_unknown_keys();
}

ArchParams resolve(const YamlMap& root) {
    ArchParams a;
    a.file = root.file();
    a.name = root.get_string("name");
    root.get_string("source", "");
    a.clock_mhz = root.get_double("clock_mhz", 1.0, 10000.0);
    {
        YamlMap m = root.child("pe_array");
        a.rows = static_cast<int>(m.get_int("rows", 1, 1024));
        a.cols = static_cast<int>(m.get_int("cols", 1, 1024));
        m.check_no_unknown_keys();
    }
    a.pe = read_pe(root.child("pe"));
    {
        YamlMap m = root.child("noc");
        a.noc.ifmap_bus_bits = static_cast<int>(m.get_int("ifmap_bus_bits", 8, 4096));
        a.noc.filter_bus_bits = static_cast<int>(m.get_int("filter_bus_bits", 8, 4096));
        a.noc.psum_in_bus_bits = static_cast<int>(m.get_int("psum_in_bus_bits", 8, 4096));
        a.noc.psum_out_bus_bits = static_cast<int>(m.get_int("psum_out_bus_bits", 8, 4096));
        a.noc.psum_link_bits = static_cast<int>(m.get_int("psum_link_bits", 8, 4096));
        a.noc.reduction = m.get_enum("reduction", {"chain", "adder_tree"}, "chain") == "chain"
                              ? NocParams::Reduction::Chain
                              : NocParams::Reduction::AdderTree;
        m.check_no_unknown_keys();
    }
    {
        YamlMap m = root.child("glb");
        a.glb.size_bytes = static_cast<int64_t>(m.get_double("size_kb", 0.125, 1 << 20) * 1024.0);
        a.glb.banks = static_cast<int>(m.get_int("banks", 1, 4096));
        a.glb.bank_width_bits = static_cast<int>(m.get_int("bank_width_bits", 8, 4096));
        a.glb.double_buffer = m.get_bool("double_buffer", true);
        a.glb.prefetch_filters = m.get_bool("prefetch_filters", false);
        a.glb.search_buffering = m.get_bool("search_buffering", false);
        a.glb.bank_layout = m.get_enum("bank_layout", {"interleaved", "per_slot"}, "interleaved") == "interleaved"
                                ? GlbParams::BankLayout::Interleaved
                                : GlbParams::BankLayout::PerSlot;
        m.check_no_unknown_keys();
    }
    {
        YamlMap m = root.child("dram");
        if (m.has("link_bits") || m.has("link_clock_mhz")) {
            if (m.has("bandwidth_bytes_per_cycle"))
                m.fail("bandwidth_bytes_per_cycle",
                       "expected either bandwidth_bytes_per_cycle or link_bits and link_clock_mhz, not both");
            a.dram.link_bits = static_cast<int>(m.get_int("link_bits", 1, 4096));
            a.dram.link_clock_mhz = m.get_double("link_clock_mhz", 0.001, 100000.0);
            a.dram.bytes_per_cycle = a.dram.link_bits / 8.0 * a.dram.link_clock_mhz / a.clock_mhz;
        } else {
            a.dram.bytes_per_cycle = m.get_double("bandwidth_bytes_per_cycle", 0.001, 1e6);
        }
        a.dram.latency_cycles = static_cast<int>(m.get_int("latency_cycles", 0, 1000000));
        a.dram.rlc = m.get_enum("compression", {"none", "rlc"}, "none") == "rlc";
        a.dram.rlc_network_input = m.get_bool("compress_network_input", false);
        if (m.has("compress_network_input") && !a.dram.rlc)
            m.fail("compress_network_input", "expected only with compression: rlc");
        if (auto lay = m.opt_child("rlc_layout")) {
            if (!a.dram.rlc) m.fail("rlc_layout", "expected only with compression: rlc");
            a.dram.rlc_layout = read_rlc_layout(*lay);
        }
        m.check_no_unknown_keys();
    }
    if (auto rc = root.opt_child("reconfig")) {
        a.reconfig.scan_bits = static_cast<int>(rc->get_int("scan_bits", 0, 1 << 24));
        a.reconfig.scan_clock_mhz = rc->get_double("scan_clock_mhz", 0.001, 100000.0);
        rc->check_no_unknown_keys();
    }
    a.word_bits = static_cast<int>(root.get_int("word_bits", 0, 32, 0));
    a.batch = static_cast<int>(root.get_int("batch", 0, 4096, 0));
    a.adds_on_accelerator = root.get_enum("add_layers", {"host", "accelerator"}, "host") == "accelerator";
    if (root.has("energy_table")) {
        // relative to the architecture file's directory
        const std::string rel = root.get_string("energy_table");
        const std::filesystem::path p = std::filesystem::path(a.file).parent_path() / rel;
        if (!std::filesystem::exists(p))
            root.fail("energy_table", "expected an existing energy table file, got '" + rel + "'");
        a.energy_table = p.lexically_normal().string();
    }
    if (auto ea = root.opt_child("equal_area")) read_equal_area(*ea, a);
    root.check_no_unknown_keys();
    return a;
}
}  // namespace

uint64_t ArchParams::reconfig_cycles() const {
    if (reconfig.scan_bits == 0) return 0;
    return static_cast<uint64_t>(std::ceil(reconfig.scan_bits * clock_mhz / reconfig.scan_clock_mhz));
}

int ArchParams::rf_bytes_per_pe() const {
    const int wb = word_bits > 0 ? word_bits : 8;
    return ((pe.ifmap_spad_words + pe.filter_spad_words) * wb + pe.psum_spad_words * pe.psum_bits + 7) / 8;
}

ArchParams ArchParams::for_dataflow(const std::string& dataflow) const {
    if (!equal_area.enabled) return *this;
    for (const DataflowStorage& st : equal_area.dataflows) {
        if (st.dataflow != dataflow) continue;
        ArchParams a = *this;
        a.pe.ifmap_spad_words = st.ifmap_spad_words;
        a.pe.filter_spad_words = st.filter_spad_words;
        a.pe.psum_spad_words = st.psum_spad_words;
        if (!equal_area.area_table.empty()) {
            // the area model: what the base configuration's spads and buffer take, less this one's spads
            const AreaFigures& f = equal_area.area;
            const double area =
                num_pes() * spads_area_um2(*this, f) + glb_area_um2(*this, f, static_cast<double>(glb.size_bytes));
            a.glb.size_bytes = glb_bytes_for_area(a, f, area - num_pes() * spads_area_um2(a, f));
        } else {
            const double area = num_pes() * static_cast<double>(rf_bytes_per_pe()) * equal_area.rf_area_per_byte +
                                static_cast<double>(glb.size_bytes) * equal_area.glb_area_per_byte;
            const double rf_area = num_pes() * static_cast<double>(a.rf_bytes_per_pe()) * equal_area.rf_area_per_byte;
            a.glb.size_bytes = static_cast<int64_t>((area - rf_area) / equal_area.glb_area_per_byte);
        }
        a.name = name + "/" + dataflow;
        return a;
    }
    return *this;
}

std::array<double, 3> spad_bits(const ArchParams& a) {
    const double wb = a.word_bits > 0 ? a.word_bits : 8;
    return {a.pe.ifmap_spad_words * wb, a.pe.filter_spad_words * wb,
            static_cast<double>(a.pe.psum_spad_words) * a.pe.psum_bits};
}

double spads_area_um2(const ArchParams& a, const AreaFigures& f) {
    double um2 = 0;
    for (double bits : spad_bits(a)) um2 += f.storage_um2(bits);
    return um2;
}

double glb_area_um2(const ArchParams& a, const AreaFigures& f, double bytes) {
    const int banks = std::max(1, a.glb.banks);
    return banks * f.storage_um2(bytes * 8.0 / banks);
}

int64_t glb_bytes_for_area(const ArchParams& a, const AreaFigures& f, double um2) {
    const int64_t line = std::max<int64_t>(1, static_cast<int64_t>(a.glb.banks) * a.glb.bank_width_bits / 8);
    if (um2 <= 0 || glb_area_um2(a, f, static_cast<double>(line)) > um2) return 0;
    int64_t lo = 1, hi = 2;  // in lines: lo fits; double hi until it does not
    while (glb_area_um2(a, f, static_cast<double>(hi * line)) <= um2) lo = hi, hi *= 2;
    while (hi - lo > 1) {
        const int64_t mid = lo + (hi - lo) / 2;
        (glb_area_um2(a, f, static_cast<double>(mid * line)) <= um2 ? lo : hi) = mid;
    }
    return lo * line;
}

ArchParams load_arch(const std::string& path) {
    if (path.size() > 4 && path.compare(path.size() - 4, 4, ".cfg") == 0) return load_scalesim_cfg(path);
    return resolve(YamlMap::load_file(path));
}
ArchParams load_arch_from_string(const std::string& yaml, const std::string& name) {
    return resolve(YamlMap::from_string(yaml, name));
}

}  // namespace dfsim
