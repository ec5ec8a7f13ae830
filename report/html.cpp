#include "report/html.h"

#include <fstream>
#include <sstream>

#include "base/fmt.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/provenance.h"
#include "report/report.h"

namespace dfsim {

std::string html_escape(const std::string& s) {
    std::string o;
    o.reserve(s.size());
    for (char ch : s) {
        switch (ch) {
            case '&':
                o += "&amp;";
                break;
            case '<':
                o += "&lt;";
                break;
            case '>':
                o += "&gt;";
                break;
            case '"':
                o += "&quot;";
                break;
            case '\'':
                o += "&#39;";
                break;
            default:
                o += ch;
        }
    }
    return o;
}

std::string base64_encode(const std::string& bytes) {
    static const char* const k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string o;
    o.reserve((bytes.size() + 2) / 3 * 4);
    size_t i = 0;
    for (; i + 2 < bytes.size(); i += 3) {
        const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) | static_cast<unsigned char>(bytes[i + 2]);
        o += k[(v >> 18) & 63];
        o += k[(v >> 12) & 63];
        o += k[(v >> 6) & 63];
        o += k[v & 63];
    }
    if (i + 1 == bytes.size()) {
        const unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
        o += k[(v >> 18) & 63];
        o += k[(v >> 12) & 63];
        o += "==";
    } else if (i + 2 == bytes.size()) {
        const unsigned v =
            (static_cast<unsigned char>(bytes[i]) << 16) | (static_cast<unsigned char>(bytes[i + 1]) << 8);
        o += k[(v >> 18) & 63];
        o += k[(v >> 12) & 63];
        o += k[(v >> 6) & 63];
        o += '=';
    }
    return o;
}

namespace {

std::string num(uint64_t v) { return std::to_string(v); }

const char* const kStyle =
    "body{font-family:sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}"
    "table{border-collapse:collapse;margin:0.5em 0;font-size:0.9em}"
    "th,td{border:1px solid #bbb;padding:0.2em 0.5em}"
    "th{background:#eee}td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.total td{font-weight:bold;border-top:2px solid #666}"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:0.2em 1em}dl.meta dt{font-weight:bold}"
    "dl.meta dd{margin:0}figure{margin:1em 0}img{max-width:100%;border:1px solid #ddd}"
    "p.note{color:#555;font-size:0.85em}";

std::string page_start(const std::string& title) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
           "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" + html_escape(title) + "</h1>\n";
}

const char* page_end() { return "</body>\n</html>\n"; }

std::string td(const std::string& text, bool numeric = true) {
    return std::string(numeric ? "<td class=\"n\">" : "<td>") + html_escape(text) + "</td>";
}

std::string th(const std::string& text) { return "<th>" + html_escape(text) + "</th>"; }

std::string meta(const std::string& key, const std::string& value) {
    return "<dt>" + html_escape(key) + "</dt><dd>" + html_escape(value) + "</dd>\n";
}

// The context box's entries of the provenance (the network, architecture, dataflow, energy table
// and timing precede them).
std::string provenance_meta(const Provenance* p) {
    if (!p) return "";
    return meta("batch", p->batch > 0 ? std::to_string(p->batch) : std::string("per point")) +
           meta("layers", p->layers) + meta("seed", std::to_string(p->seed)) + meta("objective", p->objective) +
           meta("workload file", p->workload) + meta("architecture file", p->arch_file) +
           meta("energy table file", p->energy_file) + meta("dfsim", build_label(*p)) + meta("command", p->command);
}

}  // namespace

std::string run_to_html(const NetworkResult& r, const Provenance* prov) {
    const std::string eu = r.energy_unit == EnergyUnit::Pj ? "uJ" : "M x MAC";
    std::ostringstream os;
    const std::string batch = r.layers.empty() ? "" : ", batch " + std::to_string(r.layers.front().shape.N);
    os << page_start("dfsim run: " + r.network + " on " + r.arch + ", dataflow " + r.dataflow + batch);
    os << "<dl class=\"meta\">\n"
       << meta("network", r.network) << meta("architecture", r.arch + " (" + arch_summary(r.arch_params) + ")")
       << meta("dataflow", r.dataflow)
       << meta("energy table", r.energy_table + " (unit: " + std::string(to_string(r.energy_unit)) + ")")
       << meta("timing", timing_label(r.model, r.timing)) << provenance_meta(prov) << "</dl>\n";
    os << "<h2>Per layer</h2>\n<table>\n<thead><tr>";
    const std::vector<Column> columns = run_table_columns(r.energy_unit, 0);
    for (const Column& c : columns) os << th(c.html_header);
    os << "</tr></thead>\n<tbody>\n";
    auto row = [&](const LayerResult& l, bool total) {
        const FigureRow w = run_row(r, l, total);
        os << (total ? "<tr class=\"total\">" : "<tr>");
        for (const Column& c : columns) os << td(c.html(w), c.width > 0);  // numbers right-aligned
        os << "</tr>\n";
    };
    for (const auto& l : r.layers) row(l, false);
    const LayerResult tot = r.total();
    row(tot, true);
    os << "</tbody>\n</table>\n";
    os << "<p class=\"note\">time at " << r.arch_params.clock_mhz << " MHz: " << html_escape(latency_text(r))
       << "; energy in " << html_escape(eu) << " (" << html_escape(std::string(to_string(r.energy_unit)))
       << " table); ifmap + filter + psum + ALU = total; host layers (pool, add) are not simulated and not in the "
          "total; columns: docs/report.md</p>\n";
    os << page_end();
    return os.str();
}

std::string compare_to_html(const CompareResult& c, const std::vector<HtmlImage>& images, const Provenance* prov) {
    const nlohmann::json j = compare_to_json(c);  // the same figures as compare.json
    const std::string upm = c.energy_unit == EnergyUnit::Pj ? "pJ/MAC" : "E/MAC";
    std::string dataflows;
    for (const NetworkResult& r : c.runs) dataflows += (dataflows.empty() ? "" : ", ") + r.dataflow;
    std::ostringstream os;
    const std::string batch = c.runs.empty() || c.runs.front().layers.empty()
                                  ? ""
                                  : ", batch " + std::to_string(c.runs.front().layers.front().shape.N);
    os << page_start("dfsim compare: " + c.network + " on " + c.arch + batch);
    os << "<dl class=\"meta\">\n"
       << meta("network", c.network) << meta("architecture", c.arch) << meta("dataflows", dataflows)
       << meta("energy table", c.energy_table + " (unit: " + std::string(to_string(c.energy_unit)) + ")")
       << meta("timing", timing_label(j["timing"].get<std::string>())) << provenance_meta(prov) << "</dl>\n";
    os << "<h2>Architecture per dataflow</h2>\n<table>\n<thead><tr>" << th("dataflow") << th("architecture")
       << th("PEs") << th("ifmap spad (words)") << th("filter spad (words)") << th("psum spad (words)")
       << th("GLB (KB)") << th("clock (MHz)") << "</tr></thead>\n<tbody>\n";
    for (const NetworkResult& r : c.runs) {
        const ArchParams& a = r.arch_params;
        os << "<tr>" << td(r.dataflow, false) << td(r.arch, false)
           << td(std::to_string(a.rows) + "x" + std::to_string(a.cols)) << td(std::to_string(a.pe.ifmap_spad_words))
           << td(std::to_string(a.pe.filter_spad_words)) << td(std::to_string(a.pe.psum_spad_words))
           << td(fmt("%.1f", static_cast<double>(a.glb.size_bytes) / 1024.0)) << td(fmt("%g", a.clock_mhz))
           << "</tr>\n";
    }
    os << "</tbody>\n</table>\n";
    os << "<h2>Per layer and dataflow</h2>\n<table>\n<thead><tr>";
    std::vector<std::string> headers{"layer", "dataflow", "energy (" + upm + ")", "vs best", "ALU (" + upm + ")"};
    for (Level l : levels_near_first()) headers.push_back(level_style(l).compare_label + " (" + upm + ")");
    for (DataType t : kDataTypes) headers.push_back(std::string(to_string(t)) + " (" + upm + ")");
    for (const std::string& h : {std::string("DRAM (words/MAC)"), std::string("MACs"),
                                 "total energy (" + std::string(to_string(c.energy_unit)) + ")", std::string("cycles"),
                                 std::string("util (%)"), std::string("output")})
        headers.push_back(h);
    for (const std::string& h : headers) os << th(h);
    os << "</tr></thead>\n<tbody>\n";
    auto group = [&](const nlohmann::json& g, bool total) {
        for (const nlohmann::json& e : g["results"]) {
            const nlohmann::json& lv = e["energy_per_mac_by_level_pj"];
            const nlohmann::json& ty = e["energy_per_mac_by_type_pj"];
            os << (total ? "<tr class=\"total\">" : "<tr>") << td(g["name"].get<std::string>(), false)
               << td(e["dataflow"].get<std::string>(), false) << td(fmt("%.4f", e["energy_per_mac_pj"].get<double>()))
               << td(fmt("%.3f", e["energy_ratio_to_best"].get<double>())) << td(fmt("%.4f", lv["alu"].get<double>()));
            for (Level l : levels_near_first()) os << td(fmt("%.4f", lv[std::string(to_string(l))].get<double>()));
            for (DataType t : kDataTypes) os << td(fmt("%.4f", ty[std::string(to_string(t))].get<double>()));
            os << td(fmt("%.5f", e["dram_accesses_per_mac"].get<double>())) << td(num(e["macs"].get<uint64_t>()))
               << td(fmt("%.6g", e["energy_pj"]["total"].get<double>())) << td(num(e["cycles"].get<uint64_t>()))
               << td(fmt("%.1f", 100.0 * e["utilization"].get<double>()))
               << td(e["output_check"].get<std::string>(), false) << "</tr>\n";
        }
    };
    for (const nlohmann::json& g : j["layers"]) group(g, false);
    if (j.contains("total")) group(j["total"], true);
    os << "</tbody>\n</table>\n";
    os << "<p class=\"note\">energy per MAC in " << html_escape(upm) << " ("
       << html_escape(std::string(to_string(c.energy_unit)))
       << " table), by level (array = NoC) and by data type (ALU excluded from the types); vs best: energy per MAC / "
          "the layer's lowest; DRAM: DRAM words read + written per MAC; total rows sum the layers; columns: "
          "docs/report.md</p>\n";
    if (!images.empty()) os << "<h2>Charts</h2>\n";
    for (const HtmlImage& im : images)
        os << "<figure><img alt=\"" << html_escape(im.caption) << "\" src=\"data:image/png;base64,"
           << base64_encode(im.png) << "\"><figcaption>" << html_escape(im.caption) << "</figcaption></figure>\n";
    os << page_end();
    return os.str();
}

std::vector<HtmlImage> load_compare_images(const std::filesystem::path& dir) {
    std::vector<HtmlImage> out;
    for (const auto& [base, caption] :
         {std::pair<const char*, const char*>{"energy_by_level", "energy per MAC by storage level"},
          {"energy_by_type", "energy per MAC by data type"}}) {
        const std::filesystem::path p = dir / (std::string(base) + ".png");
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        if (!in || ss.str().empty()) throw PlotError("cannot read chart '" + p.string() + "'");
        out.push_back({caption, ss.str()});
    }
    return out;
}

}  // namespace dfsim
