#include "report/html.h"

#include <algorithm>
#include <cmath>
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

// Readable from 1280 px: the page is at most 1400 px wide, the tables scroll inside their box
// rather than clip, numbers and short words never wrap.
const char* const kStyle =
    "body{font-family:sans-serif;margin:1.2em auto;padding:0 1em;max-width:1400px;color:#222}"
    "h1{font-size:1.35em}h2{font-size:1.12em;margin-top:1.4em}"
    "div.scroll{overflow-x:auto;max-width:100%}"
    "table{border-collapse:collapse;margin:0.5em 0;font-size:0.84em}"
    "th,td{border:1px solid #bbb;padding:0.15em 0.4em;white-space:nowrap}"
    "th{background:#eee;font-weight:600}tr.over th{background:#e2e2e2;font-weight:normal;font-size:0.95em}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "tr.best td{background:#dff2e1}tr.best td.df{font-weight:bold}"
    "tr.subtotal td{background:#f4f4f4;font-style:italic}"
    "tr.total td{font-weight:bold;border-top:2px solid #666}"
    "tbody.group{border-top:2px solid #999}"
    "section.summary{border:1px solid #9bc59f;background:#f3faf4;padding:0.4em 1em;margin:0.8em 0}"
    "section.summary ul{margin:0.3em 0;padding-left:1.2em}section.summary li{margin:0.15em 0}"
    "dl.meta{display:grid;grid-template-columns:max-content auto;gap:0.2em 1em;font-size:0.9em}"
    "dl.meta dt{font-weight:bold}dl.meta dd{margin:0;overflow-wrap:anywhere}"
    "figure{margin:1em 0}img{max-width:100%;border:1px solid #ddd}figcaption{font-size:0.9em}"
    "p.note{color:#555;font-size:0.85em;max-width:1100px}";

std::string page_start(const std::string& title) {
    return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + html_escape(title) +
           "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n<h1>" + html_escape(title) + "</h1>\n";
}

const char* page_end() { return "</body>\n</html>\n"; }

std::string td(const std::string& text, bool numeric = true, const char* cls = nullptr) {
    std::string c = numeric ? "n" : "";
    if (cls) c += (c.empty() ? "" : " ") + std::string(cls);
    return (c.empty() ? std::string("<td>") : "<td class=\"" + c + "\">") + html_escape(text) + "</td>";
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

// "docs/report.md" as a link (when the page knows where the docs are), escaped.
std::string docs_link(const HtmlOptions& o, const std::string& anchor) {
    if (o.docs_href.empty()) return "docs/report.md";
    return "<a href=\"" + html_escape(o.docs_href + anchor) + "\">docs/report.md</a>";
}

// An energy in the table's unit with an SI prefix: "1.03 mJ" (pJ table), "2.10 GE" (normalized:
// MAC-equivalents).
std::string energy_text(double e, EnergyUnit u, int digits = 3) {
    return u == EnergyUnit::Pj ? fmt_si(e * 1e-12, "J", digits, "µ") : fmt_si(e, "E", digits, "µ");
}

// The energy columns of the run table: all in one unit with an SI prefix (from the largest layer
// value), two decimals.
bool is_energy_column(const Column& c) {
    return c.figure == "energy_total" || c.figure == "energy_alu" ||
           (c.figure.rfind("energy_", 0) == 0 && c.figure != "energy_per_mac");
}

}  // namespace

std::string run_to_html(const NetworkResult& r, const Provenance* prov, const HtmlOptions& o) {
    const bool pj = r.energy_unit == EnergyUnit::Pj;
    std::ostringstream os;
    const std::string batch = r.layers.empty() ? "" : ", batch " + std::to_string(r.layers.front().shape.N);
    os << page_start("dfsim run: " + r.network + " on " + r.arch + ", dataflow " + r.dataflow + batch);
    const LayerResult tot = r.total();
    const FigureRow tw = run_row(r, tot, true);
    // the summary: the totals
    {
        const double ms = figure("latency_ms").value(tw).get<double>();
        os << "<section class=\"summary\"><ul>\n"
           << "<li>energy " << html_escape(energy_text(tot.energy.total(), r.energy_unit)) << ", "
           << html_escape(fmt("%.3f", figure("energy_per_mac").value(tw).get<double>())) << " "
           << (pj ? "pJ/MAC" : "E/MAC") << " over " << tot.counts.macs << " MACs</li>\n"
           << "<li>latency " << html_escape(fmt_si(ms * 1e-3, "s", 3, "µ")) << " (" << tot.cycles << " cycles at "
           << html_escape(fmt("%g", r.arch_params.clock_mhz)) << " MHz), "
           << html_escape(fmt("%.1f", 100.0 * tot.utilization(r.arch_params.num_pes()))) << "% utilization, "
           << html_escape(fmt_sig(figure("inferences_per_s").value(tw).get<double>(), 3)) << " inferences/s</li>\n"
           << "<li>energy-delay product "
           << html_escape(pj ? fmt_si(tot.energy.total() * 1e-12 * ms * 1e-3, "J·s", 3, "µ")
                             : fmt_si(tot.energy.total() * ms * 1e-3, "E·s", 3, "µ"))
           << "; output " << html_escape(std::string(to_string(tot.output_check))) << "</li>\n"
           << "</ul></section>\n";
    }
    os << "<dl class=\"meta\">\n"
       << meta("network", r.network) << meta("architecture", r.arch + " (" + arch_summary(r.arch_params) + ")")
       << meta("dataflow", r.dataflow)
       << meta("energy table", r.energy_table + " (unit: " + std::string(to_string(r.energy_unit)) + ")")
       << meta("timing", timing_label(r.model, r.timing)) << provenance_meta(prov);
    if (tot.mapper.layers > 0) os << meta("mapper", mapper_summary(tot.mapper));  // the text's mapper line
    os << "</dl>\n";
    os << "<h2>Per layer</h2>\n<div class=\"scroll\"><table>\n<thead><tr>";
    const std::vector<Column> columns = run_table_columns(r.energy_unit, 0, true, r.has_static);
    // every energy column in one SI unit, from the largest layer value (the total's if no layer
    // has energy), so that the columns compare at a glance
    double largest = 0;
    for (int pass = 0; pass < 2 && largest == 0; ++pass)
        for (const Column& c : columns) {
            if (!is_energy_column(c)) continue;
            if (pass == 0) {
                for (const LayerResult& l : r.layers) {
                    const nlohmann::json v = figure(c.figure).value(run_row(r, l, false));
                    if (v.is_number()) largest = std::max(largest, std::fabs(v.get<double>()));
                }
            } else {
                const nlohmann::json v = figure(c.figure).value(tw);
                if (v.is_number()) largest = std::max(largest, std::fabs(v.get<double>()));
            }
        }
    const std::vector<SiScale> scales(columns.size(), si_scale(pj ? largest * 1e-12 : largest, "µ"));
    for (size_t k = 0; k < columns.size(); ++k) {
        const Column& c = columns[k];
        if (!is_energy_column(c)) {
            os << th(c.html_header);
            continue;
        }
        // the header's unit: "(uJ)" or "(M x MAC)" becomes the column's SI unit
        std::string h = c.html_header;
        const size_t par = h.rfind(" (");
        if (par != std::string::npos) h = h.substr(0, par);
        os << th(h + " (" + scales[k].prefix + (pj ? "J" : "E") + ")");
    }
    os << "</tr></thead>\n<tbody>\n";
    auto row = [&](const LayerResult& l, bool total) {
        const FigureRow w = run_row(r, l, total);
        os << (total ? "<tr class=\"total\">" : "<tr>");
        for (size_t k = 0; k < columns.size(); ++k) {
            const Column& c = columns[k];
            if (is_energy_column(c)) {
                const nlohmann::json v = figure(c.figure).value(w);
                const double e = v.is_number() ? v.get<double>() : 0.0;
                os << td(fmt("%.2f", (pj ? e * 1e-12 : e) / scales[k].factor));
            } else {
                os << td(c.html(w), c.width > 0);  // numbers right-aligned
            }
        }
        os << "</tr>\n";
    };
    for (const auto& l : r.layers) row(l, false);
    row(tot, true);
    os << "</tbody>\n</table></div>\n";
    os << "<p class=\"note\">time at " << html_escape(fmt("%g", r.arch_params.clock_mhz))
       << " MHz: " << html_escape(latency_text(r)) << "; energy in the "
       << html_escape(std::string(to_string(r.energy_unit))) << " table's unit" << (pj ? "" : " (E: MAC-equivalents)")
       << ", every energy column in one SI unit; ifmap + filter + psum + ALU = total; host layers (pool, add) are not "
          "simulated and not in the total; columns: "
       << docs_link(o, "#json") << "</p>\n";
    os << page_end();
    return os.str();
}

std::string compare_to_html(const CompareResult& c, const std::vector<HtmlImage>& images, const Provenance* prov,
                            const HtmlOptions& o) {
    const nlohmann::json j = compare_to_json(c);  // the same figures as compare.json
    const bool pj = c.energy_unit == EnergyUnit::Pj;
    const std::string upm = pj ? "pJ/MAC" : "E/MAC";
    std::string dataflows;
    for (const NetworkResult& r : c.runs) dataflows += (dataflows.empty() ? "" : ", ") + r.dataflow;
    std::ostringstream os;
    const std::string batch = c.runs.empty() || c.runs.front().layers.empty()
                                  ? ""
                                  : ", batch " + std::to_string(c.runs.front().layers.front().shape.N);
    os << page_start("dfsim compare: " + c.network + " on " + c.arch + batch);
    // the summary: the verdicts
    os << "<section class=\"summary\"><strong>Lowest energy per MAC</strong><ul>\n";
    for (const std::string& v : compare_verdicts(c)) os << "<li>" << html_escape(v) << "</li>\n";
    os << "</ul></section>\n";
    os << "<dl class=\"meta\">\n"
       << meta("network", c.network) << meta("architecture", c.arch) << meta("dataflows", dataflows)
       << meta("energy table", c.energy_table + " (unit: " + std::string(to_string(c.energy_unit)) + ")")
       << meta("timing", timing_label(j["timing"].get<std::string>())) << provenance_meta(prov);
    for (const NetworkResult& r : c.runs)  // the text's "mapper, per dataflow" lines
        if (const MapperStats m = r.total().mapper; m.layers > 0)
            os << meta("mapper, " + r.dataflow, mapper_summary(m));
    os << "</dl>\n";

    // the ranked rows: layers, subtotals, total
    std::vector<std::pair<const nlohmann::json*, const char*>> groups;  // group, row class
    for (const nlohmann::json& g : j["layers"])
        if (g.contains("results")) groups.emplace_back(&g, nullptr);
    if (j["groups"].size() > 1)  // as the text: the subtotals of two or more layers, of several groups
        for (const nlohmann::json& g : j["groups"])
            if (g["layers"].size() > 1) groups.emplace_back(&g, "subtotal");
    if (j.contains("total")) groups.emplace_back(&j["total"], "total");
    // the EDP in one SI unit, which puts the smallest at 1 or more, three significant digits
    double smallest_edp = 0;
    for (const auto& [g, cls] : groups)
        for (const nlohmann::json& e : (*g)["results"]) {
            const double v = e["edp"].get<double>();
            if (v > 0 && (smallest_edp == 0 || v < smallest_edp)) smallest_edp = v;
        }
    const SiScale es = si_scale(pj ? smallest_edp * 1e-12 : smallest_edp, "µ");
    const double edp_div = pj ? es.factor * 1e12 : es.factor;
    const std::string edp_unit = es.prefix + (pj ? "J·s" : "E·s");

    // two header rows: what a group of columns holds, with its unit; then each column's name
    os << "<h2>Per layer and dataflow</h2>\n<div class=\"scroll\"><table>\n<thead>\n<tr class=\"over\">"
       << "<th></th><th></th><th colspan=\"2\">energy per MAC</th><th colspan=\"5\">energy and time</th>"
       << "<th colspan=\"5\">energy per MAC by level (" << html_escape(upm) << ")</th><th></th></tr>\n<tr>";
    std::vector<std::string> headers{
        "layer", "dataflow", upm, "vs best", "energy", "cycles", "latency", "util (%)", "EDP (" + edp_unit + ")"};
    headers.push_back("ALU");
    for (Level l : levels_near_first()) headers.push_back(level_style(l).compare_label);
    headers.push_back("output");
    for (const std::string& h : headers) os << th(h);
    os << "</tr>\n</thead>\n";
    for (const auto& [g, cls] : groups) {
        os << "<tbody class=\"group\">\n";
        for (const nlohmann::json& e : (*g)["results"]) {
            const bool best = e["dataflow"] == (*g)["best_dataflow"];
            std::string rc = cls ? cls : "";
            if (best) rc += rc.empty() ? "best" : " best";
            const nlohmann::json& lv = e["energy_per_mac_by_level"];
            os << (rc.empty() ? std::string("<tr>") : "<tr class=\"" + rc + "\">")
               << td((*g)["name"].get<std::string>(), false) << td(e["dataflow"].get<std::string>(), false, "df")
               << td(fmt("%.3f", e["energy_per_mac"].get<double>()))
               << td(fmt("%.2f", e["energy_ratio_to_best"].get<double>()))
               << td(energy_text(e["energy"]["total"].get<double>(), c.energy_unit))
               << td(num(e["cycles"].get<uint64_t>())) << td(fmt_si(e["latency_ms"].get<double>() * 1e-3, "s", 3, "µ"))
               << td(fmt("%.1f", 100.0 * e["utilization"].get<double>()))
               << td(fmt_sig(e["edp"].get<double>() / edp_div, 3)) << td(fmt("%.3f", lv["alu"].get<double>()));
            for (Level l : levels_near_first()) os << td(fmt("%.3f", lv[std::string(to_string(l))].get<double>()));
            os << td(e["output_check"].get<std::string>(), false) << "</tr>\n";
        }
        os << "</tbody>\n";
    }
    os << "</table></div>\n";
    os << "<p class=\"note\">energy per MAC in " << html_escape(upm) << " ("
       << html_escape(std::string(to_string(c.energy_unit))) << " table" << (pj ? "" : "; E: MAC-equivalents")
       << "), by level; vs best: energy per MAC / the lowest of the layer (subtotal, total), "
          "the best row highlighted; EDP: energy × latency; "
       << (j["groups"].size() > 1 ? "subtotals sum the layers of one type; " : "")
       << "the total sums the accelerator layers; columns: " << docs_link(o, "#dfsim-compare") << "</p>\n";

    // host layers, once
    bool any_host = false;
    for (const nlohmann::json& g : j["layers"]) any_host = any_host || !g.contains("results");
    if (any_host) {
        os << "<h2>Host layers (not simulated, not ranked)</h2>\n<table>\n<thead><tr>" << th("layer") << th("type")
           << th("operation") << th("operations") << "</tr></thead>\n<tbody>\n";
        for (const nlohmann::json& g : j["layers"])
            if (!g.contains("results"))
                os << "<tr>" << td(g["name"].get<std::string>(), false) << td(g["type"].get<std::string>(), false)
                   << td(g["operation"].get<std::string>(), false) << td(num(g["host_ops"].get<uint64_t>()))
                   << "</tr>\n";
        os << "</tbody>\n</table>\n";
    }

    // the details: by data type, MACs, DRAM traffic
    os << "<h2>Energy by data type and DRAM traffic</h2>\n<div class=\"scroll\"><table>\n<thead>\n<tr class=\"over\">"
       << "<th></th><th></th><th></th><th colspan=\"3\">energy per MAC by data type (" << html_escape(upm)
       << ")</th><th colspan=\"2\">DRAM reads + writes</th></tr>\n<tr>";
    std::vector<std::string> dh{"layer", "dataflow", "MACs"};
    for (DataType t : kDataTypes) dh.push_back(std::string(to_string(t)));
    dh.push_back("words/MAC");
    dh.push_back("DRAM words");
    for (const std::string& h : dh) os << th(h);
    os << "</tr>\n</thead>\n";
    for (const auto& [g, cls] : groups) {
        os << "<tbody class=\"group\">\n";
        for (const nlohmann::json& e : (*g)["results"]) {
            os << (cls ? "<tr class=\"" + std::string(cls) + "\">" : std::string("<tr>"))
               << td((*g)["name"].get<std::string>(), false) << td(e["dataflow"].get<std::string>(), false)
               << td(num(e["macs"].get<uint64_t>()));
            for (DataType t : kDataTypes)
                os << td(fmt("%.3f", e["energy_per_mac_by_type"][std::string(to_string(t))].get<double>()));
            os << td(fmt("%.4f", e["dram_accesses_per_mac"].get<double>()))
               << td(num(e["dram_accesses"].get<uint64_t>())) << "</tr>\n";
        }
        os << "</tbody>\n";
    }
    os << "</table></div>\n";

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

    if (!images.empty()) os << "<h2>Charts</h2>\n";
    for (const HtmlImage& im : images) {
        const std::string img =
            "<img alt=\"" + html_escape(im.caption) + "\" src=\"data:image/png;base64," + base64_encode(im.png) + "\">";
        // the full-size files: --out's, or (without) the images themselves as downloads
        const std::string png = im.png_href.empty() ? "data:image/png;base64," + base64_encode(im.png) : im.png_href;
        const std::string svg =
            im.svg_href.empty() ? "data:image/svg+xml;base64," + base64_encode(im.svg) : im.svg_href;
        auto link = [&](const std::string& href, const std::string& ext, const std::string& text) {
            return "<a class=\"" + ext + "\" href=\"" + html_escape(href) + "\"" +
                   (href.rfind("data:", 0) == 0 ? " download=\"" + html_escape(im.base + "." + ext) + "\"" : "") + ">" +
                   text + "</a>";
        };
        os << "<figure>" << (im.png_href.empty() ? img : "<a href=\"" + html_escape(im.png_href) + "\">" + img + "</a>")
           << "<figcaption>" << html_escape(im.caption) << " (full size: " << link(png, "png", "PNG") << ", "
           << link(svg, "svg", "SVG") << ")</figcaption></figure>\n";
    }
    os << page_end();
    return os.str();
}

std::vector<HtmlImage> load_compare_images(const std::filesystem::path& dir, const std::string& href_dir) {
    std::vector<HtmlImage> out;
    for (const auto& [base, caption] : compare_chart_names()) {
        const std::filesystem::path p = dir / (base + ".png");
        std::ifstream in(p, std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        if (!in || ss.str().empty()) throw PlotError("cannot read chart '" + p.string() + "'");
        HtmlImage im{base, caption, ss.str(), "", "", ""};
        const std::filesystem::path sp = dir / (base + ".svg");
        std::ifstream sin(sp, std::ios::binary);
        std::stringstream sss;
        sss << sin.rdbuf();
        if (!sin || sss.str().empty()) throw PlotError("cannot read chart '" + sp.string() + "'");
        im.svg = sss.str();
        if (!href_dir.empty()) {
            im.png_href = href_dir + "/" + base + ".png";
            im.svg_href = href_dir + "/" + base + ".svg";
        }
        out.push_back(std::move(im));
    }
    return out;
}

}  // namespace dfsim
