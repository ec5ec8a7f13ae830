// The text and HTML tables' columns over the figures (report/figures.h), and how the reports
// label the storage levels and data types.
#include <algorithm>
#include <cstdlib>

#include "base/fmt.h"
#include "report/figures.h"

namespace dfsim {

LevelStyle level_style(Level l) {
    // Okabe-Ito colours (distinguishable with common colour-vision deficiencies)
    switch (l) {
        case Level::Dram:
            return {"DRAM", "DRAM", "DRAM", "#D55E00"};
        case Level::Glb:
            return {"GLB", "GLB", "GLB", "#56B4E9"};
        case Level::Noc:
            return {"NoC", "NoC", "NoC", "#E69F00"};  // one name in every report (it was "array" in compare)
        case Level::Rf:
            return {"RF", "RF", "RF", "#009E73"};
    }
    return {};
}

std::string type_color(DataType t) {
    switch (t) {
        case DataType::Ifmap:
            return "#0072B2";
        case DataType::Filter:
            return "#F0E442";
        case DataType::Psum:
            return "#CC79A7";
    }
    return "";
}

std::vector<Level> levels_near_first() { return {kLevels.rbegin(), kLevels.rend()}; }

std::string text_line(const std::vector<Column>& columns, const std::function<std::string(const Column&)>& cell) {
    std::string line;
    for (size_t i = 0; i < columns.size(); ++i) {
        const Column& c = columns[i];
        if (i > 0) line += c.bar ? " | " : " ";
        const std::string s = cell(c);
        const size_t width = static_cast<size_t>(std::abs(c.width));
        const std::string pad(s.size() < width ? width - s.size() : 0, ' ');
        line += c.width < 0 ? s + pad : pad + s;
    }
    return line + "\n";
}

namespace {

using Cell = std::function<std::string(const FigureRow&)>;

bool on_host(const FigureRow& w) { return w.r.executed_on == ExecutedOn::Host; }

nlohmann::json value_of(const std::string& name, const FigureRow& w) { return figure(name).value(w); }
// A figure printed with `format` (times `scale`), its string, or "" where it has none.
Cell printed(const std::string& name, const char* format, double scale = 1) {
    return [name, format, scale](const FigureRow& w) {
        const nlohmann::json v = value_of(name, w);
        if (v.is_null()) return std::string();
        if (v.is_string()) return v.get<std::string>();
        return v.is_number_float() ? fmt(format, v.get<double>() * scale) : v.dump();
    };
}
// "-" on a host layer (nothing simulated), else `cell`.
Cell dash_on_host(Cell cell) {
    return [cell](const FigureRow& w) { return on_host(w) ? std::string("-") : cell(w); };
}
Cell name_cell() {
    return [](const FigureRow& w) { return w.r.name; };
}
// The output check, or a host layer's operations: in full ("host, 4704 ops"), or in the text
// table's compact form, two significant digits with k, M or G ("host 4.7k ops", "host 18M ops").
Cell output_cell(bool compact = false) {
    return [compact](const FigureRow& w) {
        if (!on_host(w)) return std::string(to_string(w.r.output_check));
        if (!compact || w.r.host_ops < 1000) return "host, " + std::to_string(w.r.host_ops) + " ops";
        double v = static_cast<double>(w.r.host_ops);
        const char* prefix = "k";
        for (const char* p : {"k", "M", "G", "T"}) {
            v /= 1000.0;
            prefix = p;
            if (v < 999.5) break;
        }
        std::string n = fmt(v < 9.95 ? "%.1f" : "%.0f", v);
        n.append(prefix);
        return "host " + n + " ops";
    };
}
Cell percent(const std::string& name, const char* format) {
    return [name, format](const FigureRow& w) {
        const nlohmann::json v = value_of(name, w);
        return v.is_null() ? std::string() : fmt(format, 100.0 * v.get<double>());
    };
}
// DRAM traffic in KB, as stored or as moved (from the bit counts, not the rounded bytes).
Cell dram_kb(bool moved) {
    return [moved](const FigureRow& w) {
        uint64_t bits = 0;
        for (DataType t : kDataTypes)
            bits += counter("dram_" + std::string(to_string(t)) + (moved ? "_moved_bits" : "_raw_bits")).of(w.r.counts);
        return fmt("%.1f", static_cast<double>(bits) / 8192.0);
    };
}

Column count_column(const std::string& header, int width, const std::string& name) {
    return {header, header, width, false, printed(name, "%g"), printed(name, "%g"), name};
}
// The same, "-" in a host layer's text cell (nothing simulated: no MACs, cycles or energy)
Column run_count_column(const std::string& header, int width, const std::string& name) {
    Column c = count_column(header, width, name);
    c.text = dash_on_host(c.text);
    return c;
}

}  // namespace

std::vector<Column> run_table_columns(EnergyUnit unit, int name_width, bool wide, bool with_static) {
    const bool pj = unit == EnergyUnit::Pj;
    const double scale = 1e-6;  // pJ -> uJ; normalized -> millions of MAC-equivalents
    const std::string eu = pj ? "uJ" : "M x MAC";
    std::vector<Column> c;
    c.push_back({"layer", "layer", -name_width, false, name_cell(), name_cell(), "name"});
    // a static column takes the room that narrower count columns leave (10 digits of MACs, 9 of cycles)
    const bool narrow = with_static && !wide;
    c.push_back(run_count_column("MACs", wide ? 13 : narrow ? 10 : 11, "macs"));
    if (wide) c.push_back(run_count_column("gated MACs", 12, "gated_macs"));
    c.push_back(run_count_column("cycles", wide ? 11 : narrow ? 9 : 10, "cycles"));
    c.push_back({"util", "util (%)", 6, false, dash_on_host(percent("utilization", "%.1f%%")),
                 dash_on_host(percent("utilization", "%.1f")), "utilization"});
    auto energy = [&](const std::string& text, const std::string& html, const std::string& name, bool bar, int width,
                      const char* format = "%.2f") {
        c.push_back({text, html + " (" + eu + ")", width, bar, dash_on_host(printed(name, format, scale)),
                     printed(name, "%.6g", scale), name});
    };
    energy("total " + eu, "total", "energy_total", true, narrow ? 8 : 9);
    // the parts of the total: with a static column, one decimal in 7 columns each
    const int part = wide ? 9 : narrow ? 7 : 8;
    const char* part_format = narrow ? "%.1f" : "%.2f";
    for (Level l : kLevels)
        energy(level_style(l).label, level_style(l).label, "energy_" + std::string(to_string(l)), false, part,
               part_format);
    energy("ALU", "ALU", "energy_alu", false, part, part_format);
    if (with_static) energy("static", "static", "energy_static", false, part, part_format);
    if (wide)
        for (DataType t : kDataTypes)
            energy(std::string(to_string(t)), std::string(to_string(t)), "energy_" + std::string(to_string(t)),
                   t == kDataTypes[0], part);
    const std::string per_mac = pj ? "pJ/MAC" : "E/MAC";
    c.push_back({per_mac, per_mac, with_static ? 7 : 8, true, dash_on_host(printed("energy_per_mac", "%.3f")),
                 dash_on_host(printed("energy_per_mac", "%.4f")), "energy_per_mac"});
    c.push_back({"output", "output", 0, false, output_cell(!wide), output_cell(), "output_check"});
    return c;
}

std::vector<Column> run_detail_columns(EnergyUnit unit, int name_width) {
    const std::string eu = unit == EnergyUnit::Pj ? "uJ" : "M x MAC";
    std::vector<Column> c;
    auto text = [&](const std::string& header, int width, const std::string& name) {
        c.push_back({header, header, width, false, printed(name, "%g"), printed(name, "%g"), name});
    };
    c.push_back({"layer", "layer", -name_width, false, name_cell(), name_cell(), "name"});
    text("multiplier", -10, "multiplier");
    text("ifmap", -8, "ifmap_format");
    text("filter", -8, "filter_format");
    text("psum", 5, "psum_bits");
    c.push_back(count_column("gated MACs", 12, "gated_macs"));
    c.push_back(count_column("skipped MACs", 12, "skipped_macs"));
    c.push_back(
        {"0 ifmap", "0 ifmap", 7, false, percent("ifmap_zero_fraction", "%.1f%%"), nullptr, "ifmap_zero_fraction"});
    c.push_back(
        {"0 filt", "0 filt", 7, false, percent("filter_zero_fraction", "%.1f%%"), nullptr, "filter_zero_fraction"});
    c.push_back({"gate saved " + eu, "", 12, false, printed("gating_saved_energy", "%.2f", 1e-6), nullptr,
                 "gating_saved_energy"});
    c.push_back({"DRAM KB", "", 9, false, dram_kb(false), nullptr, "dram_bytes_raw"});
    c.push_back({"moved KB", "", 9, false, dram_kb(true), nullptr, "dram_bytes_moved"});
    // counters for the text table that neither table shows yet: a column each, at the end
    const std::vector<Column> main = run_table_columns(unit, name_width, true, true);
    const std::vector<Column>& detail = c;
    auto shown = [&](const std::string& name) {
        for (const std::vector<Column>* cols : {&main, &detail})
            for (const Column& col : *cols)
                if (col.figure == name) return true;
        return false;
    };
    for (const Counter& k : counters())
        if ((k.outputs & kInText) && !shown(k.name))
            c.push_back(count_column(k.name, std::max<int>(12, static_cast<int>(k.name.size())), k.name));
    return c;
}

std::vector<Column> compare_table_columns(EnergyUnit unit, int name_width, int dataflow_width, bool wide,
                                          double edp_scale, const std::string& edp_unit) {
    const std::string per_mac = unit == EnergyUnit::Pj ? "pJ/MAC" : "E/MAC";
    std::vector<Column> c;
    auto number = [&](const std::string& header, int width, bool bar, const std::string& name, const char* format) {
        c.push_back({header, header, width, bar, printed(name, format), nullptr, name});
    };
    c.push_back({"layer", "layer", -name_width, false, name_cell(), nullptr, "name"});
    c.push_back({"dataflow", "dataflow", -dataflow_width, false, printed("dataflow", "%g"), nullptr, "dataflow"});
    number(per_mac, 7, true, "energy_per_mac", "%.3f");
    number("vs best", 7, false, "ratio_to_best", "%.2f");
    c.push_back(count_column("cycles", 10, "cycles"));
    c.back().bar = true;
    c.push_back({"util", "util (%)", 6, false, percent("utilization", "%.1f%%"), nullptr, "utilization"});
    const std::string edp_header = "EDP " + edp_unit;
    Cell edp = [edp_scale](const FigureRow& w) {  // three significant digits, never an exponent
        const nlohmann::json v = value_of("edp", w);
        return v.is_number() ? fmt_sig(v.get<double>() / edp_scale, 3) : std::string();
    };
    c.push_back(
        {edp_header, edp_header, std::max<int>(9, static_cast<int>(edp_header.size())), false, edp, nullptr, "edp"});
    number("ALU", 7, true, "per_mac_alu", "%.3f");
    for (Level l : levels_near_first())
        number(level_style(l).compare_label, 7, false, "per_mac_" + std::string(to_string(l)), "%.3f");
    if (wide) {
        for (DataType t : kDataTypes)
            number(std::string(to_string(t)), 7, t == kDataTypes[0], "per_mac_" + std::string(to_string(t)), "%.3f");
        number("DRAM/MAC", 9, true, "dram_accesses_per_mac", "%.4f");
    }
    c.push_back({"output", "output", 0, true, printed("output_check", "%g"), nullptr, "output_check"});
    return c;
}

}  // namespace dfsim
