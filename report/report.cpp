#include "report/report.h"

#include <algorithm>
#include <sstream>

#include "base/fmt.h"
#include "report/figures.h"

namespace dfsim {

nlohmann::json arch_to_json(const ArchParams& a) {
    std::vector<std::string> multipliers;
    for (Multiplier m : a.pe.multipliers) multipliers.emplace_back(to_string(m));
    nlohmann::json storage = nlohmann::json::object();
    for (const DataflowStorage& st : a.equal_area.dataflows)
        storage[st.dataflow] = {{"ifmap_spad_words", st.ifmap_spad_words},
                                {"filter_spad_words", st.filter_spad_words},
                                {"psum_spad_words", st.psum_spad_words}};
    nlohmann::json equal_area = nullptr;
    if (a.equal_area.enabled)
        equal_area = {{"rf_area_per_byte", a.equal_area.rf_area_per_byte},
                      {"glb_area_per_byte", a.equal_area.glb_area_per_byte},
                      {"dataflows", storage}};
    nlohmann::json j = {{"name", a.name},
                        {"word_bits", a.word_bits},
                        {"batch", a.batch},
                        {"add_layers", a.adds_on_accelerator ? "accelerator" : "host"},
                        {"energy_table", a.energy_table},
                        {"equal_area", equal_area},
                        {"file", a.file},
                        {"clock_mhz", a.clock_mhz},
                        {"pe_array", {{"rows", a.rows}, {"cols", a.cols}}},
                        {"pe",
                         {{"ifmap_spad_words", a.pe.ifmap_spad_words},
                          {"filter_spad_words", a.pe.filter_spad_words},
                          {"psum_spad_words", a.pe.psum_spad_words},
                          {"pipeline_depth", a.pe.pipeline_depth},
                          {"psum_add_in_mac_slots", a.pe.psum_add_in_mac_slots},
                          {"mac_bits", a.pe.mac_bits},
                          {"psum_bits", a.pe.psum_bits},
                          {"zero_gating", a.pe.gate_ifmap_zeros ? (a.pe.gate_weight_zeros ? "both" : "ifmap")
                                                                : (a.pe.gate_weight_zeros ? "weight" : "none")},
                          {"zero_skipping", a.pe.zero_skipping},
                          {"multipliers", multipliers},
                          {"lut_max_bits", a.pe.lut_max_bits},
                          {"xnor_bits", a.pe.xnor_bits}}},
                        {"noc",
                         {{"ifmap_bus_bits", a.noc.ifmap_bus_bits},
                          {"filter_bus_bits", a.noc.filter_bus_bits},
                          {"psum_in_bus_bits", a.noc.psum_in_bus_bits},
                          {"psum_out_bus_bits", a.noc.psum_out_bus_bits},
                          {"psum_link_bits", a.noc.psum_link_bits},
                          {"reduction", a.noc.reduction == NocParams::Reduction::Chain ? "chain" : "adder_tree"}}},
                        {"glb",
                         {{"size_bytes", a.glb.size_bytes},
                          {"banks", a.glb.banks},
                          {"bank_width_bits", a.glb.bank_width_bits},
                          {"double_buffer", a.glb.double_buffer},
                          {"prefetch_filters", a.glb.prefetch_filters},
                          {"search_buffering", a.glb.search_buffering}}},
                        {"dram",
                         {{"bandwidth_bytes_per_cycle", a.dram.bytes_per_cycle},
                          {"latency_cycles", a.dram.latency_cycles},
                          {"compression", a.dram.rlc ? "rlc" : "none"}}}};
    if (a.dram.rlc) {
        const RlcLayout& lay = a.dram.rlc_layout;
        nlohmann::json& d = j["dram"];
        d["compress_network_input"] = a.dram.rlc_network_input;
        d["rlc_layout"] = {
            {"run_bits", lay.run_bits},
            {"level_bits", lay.level_bits ? nlohmann::json(lay.level_bits) : nlohmann::json("data")},
            {"pairs_per_word", lay.pairs_per_word ? nlohmann::json(lay.pairs_per_word) : nlohmann::json("auto")},
            {"word_bits", lay.word_bits}};
    }
    return j;
}

nlohmann::json to_json(const NetworkResult& r, const Provenance* prov) {
    nlohmann::json j;
    j["schema_version"] = kReportSchemaVersion;
    if (prov) j["provenance"] = provenance_json(*prov);
    j["network"] = r.network;
    j["dataflow"] = r.dataflow;
    j["arch"] = arch_to_json(r.arch_params);
    j["energy_table"] = r.energy_table;
    j["energy_unit"] = std::string(to_string(r.energy_unit));
    j["energy_model"] = r.energy_model;
    j["technology"] = r.technology;
    if (r.area.total() > 0)
        j["area_mm2"] = {{"total", r.area.total()},           {"datapath", r.area.datapath}, {"rf_ifmap", r.area.rf[0]},
                         {"rf_filter", r.area.rf[1]},         {"rf_psum", r.area.rf[2]},     {"glb", r.area.glb},
                         {"control_noc_clock", r.area.other}, {"pe_um2", r.area.pe_um2},     {"source", r.area.source}};
    const LayerResult tot = r.total();
    j["timing"] = figure("timing").value(run_row(r, tot, true));  // the run's: every row's
    j["layers"] = nlohmann::json::array();
    const std::vector<Field> fields = run_fields();
    for (const auto& l : r.layers) j["layers"].push_back(fields_json(fields, run_row(r, l, false)));
    j["total"] = fields_json(fields, run_row(r, tot, true));
    j["mapper"] = mapper_json(tot.mapper);
    return j;
}

std::string to_csv(const NetworkResult& r, const Provenance* prov) {
    const std::vector<Field> fields = run_fields();
    std::string csv = csv_header(fields);
    for (const auto& l : r.layers) csv += csv_row(fields, run_row(r, l, false));
    const LayerResult tot = r.total();
    csv += csv_row(fields, run_row(r, tot, true));
    return prov ? with_provenance_columns(csv, *prov) : csv;
}

std::string latency_text(const NetworkResult& r) {
    const LayerResult tot = r.total();  // the row refers to it: it must outlive the row
    const FigureRow w = run_row(r, tot, true);
    const double ms = figure("latency_ms").value(w).get<double>();
    return fmt("%.3f", ms) + " ms for a batch of " + std::to_string(w.batch) + ": " +
           fmt("%.3f", figure("ms_per_image").value(w).get<double>()) + " ms/image, " +
           fmt("%.2f", figure("inferences_per_s").value(w).get<double>()) + " inferences/s";
}

std::string power_text(const NetworkResult& r) {
    if (r.energy_unit != EnergyUnit::Pj) return "";
    const LayerResult tot = r.total();
    const FigureRow w = run_row(r, tot, true);
    const nlohmann::json mw = figure("power_mw").value(w), eff = figure("gmacs_per_s_per_w").value(w);
    if (mw.is_null()) return "";
    std::string s = "power " + fmt("%.1f", mw.get<double>()) + " mW on chip (" +
                    fmt("%.1f", figure("power_with_dram_mw").value(w).get<double>()) + " mW with DRAM), ";
    if (!eff.is_null())
        s += fmt("%.1f", eff.get<double>()) + " GMAC/s/W (" + fmt("%.3f", figure("tops_per_w").value(w).get<double>()) +
             " TOPS/W), ";
    s += fmt("%.2f", figure("gmacs_per_s").value(w).get<double>()) + " GMAC/s";
    if (w.area_mm2 > 0) s += ", " + fmt("%.2f", w.area_mm2) + " mm^2";
    s += "; " + fmt("%.4g", tot.energy.total() / std::max(1, w.batch) * 1e-6) + " uJ per inference";
    if (tot.energy.statics() > 0)
        s += " (static: leakage " + fmt("%.4g", tot.energy.leakage * 1e-6) + " uJ, clock " +
             fmt("%.4g", tot.energy.clock * 1e-6) + " uJ)";
    return s;
}

namespace {
// "0.051 s of host time": the mapper's wall time in the text reports (the tests mask the figure)
std::string host_time(const MapperStats& m) { return fmt("%.3f", m.host_seconds) + " s of host time"; }
}  // namespace

nlohmann::json mapper_json(const MapperStats& m) {
    return {{"layers_mapped", m.layers},        {"candidates", m.space},         {"invalid", m.invalid},
            {"estimated_in_full", m.evaluated}, {"pruned_by_bound", m.pruned},   {"pruned_by_block_floor", m.floored},
            {"cache_hits", m.cache_hits},       {"host_seconds", m.host_seconds}};
}

std::string mapper_summary(const MapperStats& m) {
    return std::to_string(m.layers) + " layer" + (m.layers == 1 ? "" : "s") + " mapped (" +
           std::to_string(m.cache_hits) + " cached) in " + host_time(m) + ", " + std::to_string(m.space) +
           " candidates (" + std::to_string(m.invalid) + " illegal), " + std::to_string(m.evaluated) + " estimated, " +
           std::to_string(m.pruned) + " pruned";
}

std::string mapper_line(const MapperStats& m) {
    std::ostringstream os;
    os << "mapper: " << m.layers << " layer" << (m.layers == 1 ? "" : "s") << " mapped (" << m.cache_hits
       << " from the mapping cache) in " << host_time(m) << ", " << m.space << " candidate mappings\n  (" << m.invalid
       << " illegal), " << m.evaluated << " estimated in full, " << m.pruned << " pruned by their bound (" << m.floored
       << " by their block's floor alone)";
    return os.str();
}

size_t table_name_width(const std::vector<std::string>& layer_names) {
    size_t w = 8;  // the layer column fits the longest name (at least 8 wide)
    for (const std::string& n : layer_names) w = std::max(w, n.size());
    return w;
}

std::string format_table_head(const NetworkResult& r, size_t name_width, const Provenance* prov, bool wide) {
    const ArchParams& a = r.arch_params;
    std::ostringstream os;
    os << "dfsim: " << r.network << " on " << r.arch << " (" << a.rows << "x" << a.cols << " PEs, "
       << a.glb.size_bytes / 1024.0 << " KB GLB, " << a.clock_mhz << " MHz), dataflow " << r.dataflow << ",\n"
       << "  energy table " << r.energy_table << " (" << to_string(r.energy_unit) << ", " << r.energy_model << ", "
       << r.technology << "), timing " << timing_label(r.model, r.timing) << "\n";
    if (prov) os << provenance_line(*prov);
    const std::vector<Column> columns =
        run_table_columns(r.energy_unit, static_cast<int>(name_width), wide, r.has_static);
    os << text_line(columns, [](const Column& c) { return c.header; });
    return os.str();
}

std::string format_table_row(const NetworkResult& r, const LayerResult& l, size_t name_width, bool wide) {
    const std::vector<Column> columns =
        run_table_columns(r.energy_unit, static_cast<int>(name_width), wide, r.has_static);
    const FigureRow w = run_row(r, l, false);
    return text_line(columns, [&](const Column& c) { return c.text(w); });
}

std::string format_table_tail(const NetworkResult& r, size_t name_width, bool wide) {
    const std::string eu = r.energy_unit == EnergyUnit::Pj ? "uJ" : "M x MAC";
    const int nw = static_cast<int>(name_width);
    std::ostringstream os;
    const LayerResult tot = r.total();
    const FigureRow total_row = run_row(r, tot, true);
    os << text_line(run_table_columns(r.energy_unit, nw, wide, r.has_static),
                    [&](const Column& c) { return c.text(total_row); });
    os << "time at " << r.arch_params.clock_mhz << " MHz: " << latency_text(r) << "\n";
    if (const std::string p = power_text(r); !p.empty()) os << wrap_line(p, 120, "  ") << "\n";
    os << "energy in " << eu << " (" << to_string(r.energy_unit) << " table)"
       << (wide ? "" : "; by data type and gated MACs: --wide") << "; columns: docs/report.md\n";
    if (tot.mapper.layers > 0) os << mapper_line(tot.mapper) << "\n";
    os << "\n";  // precision and zeros
    const std::vector<Column> detail = run_detail_columns(r.energy_unit, nw);
    os << text_line(detail, [](const Column& c) { return c.header; });
    for (const auto& l : r.layers)
        if (l.executed_on != ExecutedOn::Host) {
            const FigureRow w = run_row(r, l, false);
            os << text_line(detail, [&](const Column& c) { return c.text(w); });
        }
    os << text_line(detail, [&](const Column& c) { return c.text(total_row); });
    // the host layers' kinds, named by their mapping text (sim/simulator.cpp host_result), each
    // with how its operations are counted (Layer::host_ops)
    struct Kind {
        const char *prefix, *name, *ops;  // a pool's text holds " pool "; the others' begin with prefix
        bool per_element = false;  // counted in n = N*C*H*W
        bool present = false;
    };
    Kind kinds[] = {{" pool ", "pool", "pool N*C*E*F*R*S"},  // "host: max pool 3x3 ..."
                    {"host: element-wise add", "add", "add N*C*H*W"},
                    {"host: channel concat", "concat", "concat N*C*H*W"},
                    {"host: layernorm", "layernorm", "layernorm 7n + 3 per position", true},
                    {"host: softmax", "softmax", "softmax 5n", true},
                    {"host: gelu", "gelu", "gelu 9n", true}};
    size_t host_layers = 0;
    for (const auto& l : r.layers) {
        if (l.executed_on != ExecutedOn::Host) continue;
        ++host_layers;
        for (Kind& k : kinds)
            if (k.name == std::string("pool") ? l.mapping.find(k.prefix) != std::string::npos
                                              : l.mapping.rfind(k.prefix, 0) == 0) {
                k.present = true;
                break;
            }
    }
    if (host_layers > 0) {
        std::string names, ops;
        bool per_element = false;
        for (const Kind& k : kinds)
            if (k.present) {
                if (!names.empty()) names += '/';
                names += k.name;
                if (!ops.empty()) ops += ", ";
                ops += k.ops;
                per_element = per_element || k.per_element;
            }
        os << "host: " << host_layers << " " << names << " layer" << (host_layers > 1 ? "s are" : " is")
           << " host work, not simulated (no accelerator cycles or energy);\n  their " << tot.host_ops
           << " ops are not in the MACs or the total (counted as " << ops << (per_element ? "; n = N*C*H*W" : "")
           << ")\n";
    }
    return os.str();
}

std::string format_table(const NetworkResult& r, const Provenance* prov, bool wide) {
    std::vector<std::string> names;
    for (const auto& l : r.layers) names.push_back(l.name);
    const size_t nw = table_name_width(names);
    std::string s = format_table_head(r, nw, prov, wide);
    for (const auto& l : r.layers) s += format_table_row(r, l, nw, wide);
    return s + format_table_tail(r, nw, wide);
}

}  // namespace dfsim
