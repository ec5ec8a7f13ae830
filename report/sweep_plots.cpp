#include "report/sweep_plots.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/fmt.h"
#include "report/figures.h"
#include "report/gnuplot.h"

namespace dfsim {

namespace fs = std::filesystem;

EnergyScale energy_scale(double largest, EnergyUnit unit) {
    struct Step {
        double divisor;
        const char* unit;
    };
    static const Step pj[] = {{1e9, "mJ"}, {1e6, "uJ"}, {1e3, "nJ"}, {1, "pJ"}};
    static const Step norm[] = {{1e9, "billion MAC-equivalents"},
                                {1e6, "million MAC-equivalents"},
                                {1e3, "thousand MAC-equivalents"},
                                {1, "MAC-equivalents"}};
    const Step* steps = unit == EnergyUnit::Pj ? pj : norm;
    for (int k = 0; k < 3; ++k)
        if (std::fabs(largest) >= steps[k].divisor) return {steps[k].divisor, steps[k].unit};
    return {1, steps[3].unit};
}

std::string sweep_plot_context(const nlohmann::json& results) {
    std::vector<std::string> parts;
    if (results.contains("network")) parts.push_back(results["network"].get<std::string>());
    if (results.contains("provenance")) {
        const nlohmann::json& p = results["provenance"];
        parts.push_back("layers " + p.value("layers", std::string("?")));
        const int batch = p.value("batch", 0);
        parts.push_back("batch " + (batch > 0 ? std::to_string(batch) : std::string("per point")));
        if (p.contains("arch")) {
            // the base architecture: its name and its own array (the summary's first part, "12x14 PEs")
            const std::string summary = p["arch"].value("summary", std::string());
            parts.push_back("base " + p["arch"].value("name", std::string("?")) +
                            (summary.empty() ? "" : " " + summary.substr(0, summary.find(','))));
        }
        if (p.contains("energy_table"))
            parts.push_back("energy " + p["energy_table"].value("name", std::string("?")) + " (" +
                            p["energy_table"].value("unit", std::string("?")) + ")");
    }
    if (results.contains("timing")) parts.push_back("timing " + timing_label(results["timing"].get<std::string>()));
    std::string s;
    for (const std::string& x : parts) s += (s.empty() ? "" : ", ") + x;
    return s;
}

namespace {

// A line of the plots: a dataflow plus every setting but the array size, its rows by PE count.
struct Series {
    std::string title;
    std::vector<const nlohmann::json*> rows;
};

// The point's array: its row's pe_array ("8x8"), else its pe_array setting, else "".
std::string shape_of(const nlohmann::json& r) {
    if (r.contains("pe_array")) return r["pe_array"].get<std::string>();
    if (r.contains("settings") && r["settings"].contains("pe_array"))
        return r["settings"]["pe_array"].get<std::string>();
    return "";
}

// "rs 16x16" and the point's other settings ("rs 16x16 glb.size_kb=54"): a point's label.
std::string point_label(const nlohmann::json& r) {
    std::string s = r["dataflow"].get<std::string>();
    const std::string shape = shape_of(r);
    if (!shape.empty()) s += " " + shape;
    if (r.contains("settings"))
        for (auto it = r["settings"].begin(); it != r["settings"].end(); ++it)
            if (it.key() != "pe_array") s += " " + it.key() + "=" + it.value().get<std::string>();
    return s;
}

double energy_per_inference(const nlohmann::json& r) {
    return r["energy"].get<double>() / std::max(1, r["batch"].get<int>());
}

// The series of the rows that ran, in row order; `dataflows` in order of appearance, `unit` the rows'.
std::vector<Series> collect_series(const nlohmann::json& rows, std::vector<std::string>& dataflows, EnergyUnit& unit) {
    std::vector<Series> series;
    for (const nlohmann::json& r : rows) {
        if (r.value("status", "") != "ok") continue;
        unit = parse_enum(r.value("energy_unit", std::string(to_string(unit))), kEnergyUnits, "energy unit");
        std::string title = r["dataflow"].get<std::string>();
        if (r.contains("settings"))
            for (auto it = r["settings"].begin(); it != r["settings"].end(); ++it)
                if (it.key() != "pe_array") title += " " + it.key() + "=" + it.value().get<std::string>();
        auto s = std::find_if(series.begin(), series.end(), [&](const Series& x) { return x.title == title; });
        if (s == series.end()) {
            series.push_back({title, {}});
            s = series.end() - 1;
        }
        s->rows.push_back(&r);
        if (std::find(dataflows.begin(), dataflows.end(), r["dataflow"].get<std::string>()) == dataflows.end())
            dataflows.push_back(r["dataflow"].get<std::string>());
    }
    for (Series& s : series)
        std::stable_sort(s.rows.begin(), s.rows.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
            return (*a)["pes"].get<int>() < (*b)["pes"].get<int>();
        });
    return series;
}

// The points no other point beats in both latency and energy per inference, by latency.
std::vector<const nlohmann::json*> pareto_front(const std::vector<Series>& series) {
    std::vector<const nlohmann::json*> pts;
    for (const Series& s : series)
        for (const nlohmann::json* r : s.rows) pts.push_back(r);
    std::stable_sort(pts.begin(), pts.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
        const double la = (*a)["latency_ms"].get<double>(), lb = (*b)["latency_ms"].get<double>();
        return la != lb ? la < lb : energy_per_inference(*a) < energy_per_inference(*b);
    });
    std::vector<const nlohmann::json*> front;
    double best = std::numeric_limits<double>::infinity();
    for (const nlohmann::json* r : pts)
        if (energy_per_inference(*r) < best) {
            best = energy_per_inference(*r);
            front.push_back(r);
        }
    return front;
}

// sweep.dat (one block per series) and pareto.dat (the front, with each point's label).
void write_sweep_data(const std::vector<Series>& series, const fs::path& dir) {
    char buf[160];
    std::ostringstream dat;
    dat << "# written by dfsim sweep; one block per series: pes, energy_per_mac, cycles, utilization_percent, "
           "latency_ms, energy_per_inference (tab-separated)\n";
    for (size_t k = 0; k < series.size(); ++k) {
        dat << (k ? "\n\n" : "") << "# " << plot_label(series[k].title) << "\n";
        for (const nlohmann::json* r : series[k].rows) {
            std::snprintf(
                buf, sizeof buf, "%d\t%.9g\t%llu\t%.6g\t%.9g\t%.9g\n", (*r)["pes"].get<int>(),
                (*r)["energy_per_mac"].get<double>(), static_cast<unsigned long long>((*r)["cycles"].get<uint64_t>()),
                100.0 * (*r)["utilization"].get<double>(), (*r)["latency_ms"].get<double>(), energy_per_inference(*r));
            dat << buf;
        }
    }
    write_file_atomic((dir / "sweep.dat").string(), dat.str());
    std::ostringstream front;
    front << "# latency_ms, energy_per_inference and the label of the points no other point beats in both "
             "(tab-separated)\n";
    for (const nlohmann::json* r : pareto_front(series)) {
        std::snprintf(buf, sizeof buf, "%.9g\t%.9g\t", (*r)["latency_ms"].get<double>(), energy_per_inference(*r));
        front << buf << plot_label(point_label(*r)) << "\n";
    }
    write_file_atomic((dir / "pareto.dat").string(), front.str());
}

// The tics of a logarithmic axis from lo to hi: 1, 2 and 5 times the powers of ten between them
// (1, 1.5, 2, 3, 5 and 7 when those are fewer than four), so that a span of one or two decades
// has labels besides its one power of ten.
std::string log_tics(double lo, double hi) {
    for (const std::vector<double>& mantissas :
         {std::vector<double>{1, 2, 5}, std::vector<double>{1, 1.5, 2, 3, 5, 7}}) {
        std::vector<double> tics;
        for (double decade = std::pow(10, std::floor(std::log10(lo))); decade <= hi; decade *= 10)
            for (double m : mantissas)
                if (m * decade >= lo && m * decade <= hi) tics.push_back(m * decade);
        if (tics.size() >= 4 || mantissas.size() > 3) {
            std::string s;
            for (double t : tics) s += (s.empty() ? "" : ", ") + fmt("%.6g", t);
            return "(" + s + ")";
        }
    }
    return "";
}

// An axis's range and scale fitted to values from lo to hi (both > 0): logarithmic when they span
// a decade or more (ticked by log_tics), with a margin either side, so that the points fill the plot.
std::string fitted_axis(const char* axis, double lo, double hi) {
    if (!(lo > 0) || !(hi > 0)) return std::string("set ") + axis + "range [*:*]\n";
    if (hi / lo >= 10) {
        const double f = std::max(1.1, std::pow(hi / lo, 0.06));
        return std::string("set logscale ") + axis + " 10\nset " + axis + "range [" + fmt("%.6g", lo / f) + ":" +
               fmt("%.6g", hi * f) + "]\nset " + axis + "tics " + log_tics(lo / f, hi * f) + "\n";
    }
    const double pad = hi > lo ? 0.08 * (hi - lo) : 0.1 * hi;
    return std::string("set ") + axis + "range [" + fmt("%.6g", std::max(0.0, lo - pad)) + ":" + fmt("%.6g", hi + pad) +
           "]\n";
}

struct Script {
    const std::vector<Series>& series;
    const std::vector<std::string>& dataflows;
    EnergyUnit unit;
    std::string context;  // the titles' second line
    fs::path dir;

    std::string color_of(const std::string& title) const {
        const char* colors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#F0E442"};
        const std::string df = title.substr(0, title.find(' '));
        const size_t i = static_cast<size_t>(std::find(dataflows.begin(), dataflows.end(), df) - dataflows.begin());
        return colors[i % std::size(colors)];
    }
    // within a dataflow, each combination of the other settings gets its own dash and marker
    int variant_of(size_t k) const {
        const std::string df = series[k].title.substr(0, series[k].title.find(' '));
        int v = 0;
        for (size_t j = 0; j < k; ++j) v += series[j].title.substr(0, series[j].title.find(' ')) == df;
        return v;
    }
    int marker_of(size_t k) const {
        const int markers[] = {7, 5, 9, 11, 13};
        return markers[variant_of(k) % 5];
    }
    // The title: what the plot shows, then the context on lines of at most 100 characters
    // (broken after its commas), so that a long one is not cut at the image's edges.
    std::vector<std::string> title_lines(const std::string& what) const {
        std::vector<std::string> lines = {what};
        std::string line;
        for (size_t at = 0; at < context.size();) {
            size_t end = context.find(", ", at);
            end = end == std::string::npos ? context.size() : end;
            const std::string part = context.substr(at, end - at);
            if (!line.empty() && line.size() + 2 + part.size() > 100) {
                lines.push_back(line + ",");
                line.clear();
            }
            line += (line.empty() ? "" : ", ") + part;
            at = end + 2;
        }
        if (!line.empty()) lines.push_back(line);
        return lines;
    }
    std::string header(const std::string& base, const std::string& what) const {
        std::ostringstream gp;
        gp << "# written by dfsim sweep; run `gnuplot " << base << ".gp` here to re-render from the .dat files\n"
           << "if (!exists(\"outbase\")) outbase = " << gp_string(base) << "\n"
           << "set encoding utf8\nset datafile separator \"\\t\"\nset title " << gp_string_lines(title_lines(what))
           << " font \",12\"\n"
           << "set grid back lt 1 lc rgb \"#dcdcdc\"\nset border 3\nset xtics nomirror\nset ytics nomirror\n"
           << "set key outside right top vertical Left reverse samplen 2 spacing 1.2 font \",10\"\n";
        return gp.str();
    }
    std::string footer(const std::string& plot_cmd, int width = 1100, int height = 650) const {
        const std::string font = "font \"DejaVu Sans,11\"";
        const std::string size = std::to_string(width) + "," + std::to_string(height);
        return "set terminal pngcairo noenhanced size " + size + " " + font + "\nset output outbase.\".png\"\n" +
               plot_cmd + "set terminal svg noenhanced size " + size + " " + font +
               " background \"white\"\nset output outbase.\".svg\"\nreplot\nunset output\n";
    }
    std::string energy_per_mac_label() const {
        return unit == EnergyUnit::Pj ? "energy per MAC (pJ/MAC)" : "energy per MAC (MAC-equivalents per MAC)";
    }
};

// The x tics of the plots over the PE count: one at each PE count a point has, labelled with its
// array(s) and the count ("8x8\n64"); and the x range, with a margin on the log2 axis.
std::string pe_axis(const std::vector<Series>& series) {
    std::map<int, std::vector<std::string>> shapes;
    for (const Series& s : series)
        for (const nlohmann::json* r : s.rows) {
            std::vector<std::string>& v = shapes[(*r)["pes"].get<int>()];
            const std::string shape = shape_of(*r);
            if (!shape.empty() && std::find(v.begin(), v.end(), shape) == v.end()) v.push_back(shape);
        }
    std::string tics;
    for (const auto& [pes, v] : shapes) {
        std::string joined;
        for (const std::string& x : v) joined += (joined.empty() ? "" : ", ") + x;
        std::vector<std::string> lines;
        if (!joined.empty()) lines.push_back(joined);
        lines.push_back(std::to_string(pes));
        tics += (tics.empty() ? "" : ", ") + gp_string_lines(lines) + " " + std::to_string(pes);
    }
    const double lo = shapes.empty() ? 1 : shapes.begin()->first, hi = shapes.empty() ? 1 : shapes.rbegin()->first;
    const double f = std::max(1.25, std::pow(hi / lo, 0.05));
    return "set logscale x 2\nset xrange [" + fmt("%.6g", lo / f) + ":" + fmt("%.6g", hi * f) + "]\nset xtics (" +
           tics + ")\nunset mxtics\nset bmargin 6\n";
}

// energy_vs_pes, cycles_vs_pes and utilization_vs_pes.
std::vector<std::string> write_pe_plots(const Script& sc) {
    double max_cycles = 0, min_cycles = std::numeric_limits<double>::infinity();
    for (const Series& s : sc.series)
        for (const nlohmann::json* r : s.rows) {
            max_cycles = std::max(max_cycles, static_cast<double>((*r)["cycles"].get<uint64_t>()));
            min_cycles = std::min(min_cycles, static_cast<double>((*r)["cycles"].get<uint64_t>()));
        }
    const double cyc_div = max_cycles >= 1e9 ? 1e9 : max_cycles >= 1e6 ? 1e6 : max_cycles >= 1e3 ? 1e3 : 1;
    const std::string cyc_unit = cyc_div == 1e9   ? " (billions)"
                                 : cyc_div == 1e6 ? " (millions)"
                                 : cyc_div == 1e3 ? " (thousands)"
                                                  : "";
    struct Plot {
        std::string base, what, ylabel, ycol, yaxis;
    };
    const std::vector<Plot> plots = {
        {"energy_vs_pes", "energy per MAC against the PE count", sc.energy_per_mac_label(), "2", "set yrange [0:*]\n"},
        {"cycles_vs_pes", "cycles against the PE count", "cycles per run (the batch)" + cyc_unit,
         "($3/" + fmt("%g", cyc_div) + ")", fitted_axis("y", min_cycles / cyc_div, max_cycles / cyc_div)},
        {"utilization_vs_pes", "PE utilization against the PE count", "PE utilization (%)", "4",
         "set yrange [0:100]\n"},
    };
    std::vector<std::string> bases;
    for (const Plot& p : plots) {
        std::string gp = sc.header(p.base, p.what) +
                         "set xlabel \"array (rows x cols) and PEs\" offset 0,-1\nset ylabel " + gp_string(p.ylabel) +
                         "\n" + pe_axis(sc.series) + p.yaxis + "set format y \"%g\"\n";
        std::string cmd = "plot \\\n";
        for (size_t k = 0; k < sc.series.size(); ++k)
            cmd += "    \"sweep.dat\" index " + std::to_string(k) + " using 1:" + p.ycol + " with linespoints pt " +
                   std::to_string(sc.marker_of(k)) + " ps 1.1 lw 2 lc rgb " +
                   gp_string(sc.color_of(sc.series[k].title)) + " dt " + std::to_string(1 + sc.variant_of(k) % 5) +
                   " title " + gp_string(sc.series[k].title) + (k + 1 < sc.series.size() ? ", \\\n" : "\n");
        write_file_atomic((sc.dir / (p.base + ".gp")).string(), gp + sc.footer(cmd));
        bases.push_back(p.base);
    }
    return bases;
}

// pareto: every point, the front joined and labelled; axes fitted to the points, the energy in a
// unit chosen from them.
std::string write_pareto_plot(const Script& sc) {
    double lat_lo = std::numeric_limits<double>::infinity(), lat_hi = 0;
    double e_lo = std::numeric_limits<double>::infinity(), e_hi = 0;
    for (const Series& s : sc.series)
        for (const nlohmann::json* r : s.rows) {
            lat_lo = std::min(lat_lo, (*r)["latency_ms"].get<double>());
            lat_hi = std::max(lat_hi, (*r)["latency_ms"].get<double>());
            e_lo = std::min(e_lo, energy_per_inference(*r));
            e_hi = std::max(e_hi, energy_per_inference(*r));
        }
    const EnergyScale es = energy_scale(e_hi, sc.unit);
    const std::string div = fmt("%g", es.divisor);
    std::string gp = sc.header("pareto", "energy per inference against latency, every point") +
                     "set xlabel \"latency of one run (ms at the configured clock)\"\nset ylabel " +
                     gp_string("energy per inference (" + es.unit + ")") + "\n" + fitted_axis("x", lat_lo, lat_hi) +
                     fitted_axis("y", e_lo / es.divisor, e_hi / es.divisor) +
                     "set format x \"%g\"\nset format y \"%g\"\nset mxtics default\nset mytics default\n";
    std::string cmd = "plot \\\n";
    for (size_t k = 0; k < sc.series.size(); ++k)
        cmd += "    \"sweep.dat\" index " + std::to_string(k) + " using 5:($6/" + div + ") with points pt " +
               std::to_string(sc.marker_of(k)) + " ps 1.3 lc rgb " + gp_string(sc.color_of(sc.series[k].title)) +
               " title " + gp_string(sc.series[k].title) + ", \\\n";
    cmd += "    \"pareto.dat\" using 1:($2/" + div +
           ") with linespoints pt 6 ps 2.4 lw 2 dt 2 lc rgb \"#404040\" title \"Pareto front\", \\\n"
           "    \"pareto.dat\" using 1:($2/" +
           div + "):3 with labels left offset 1.2,0.9 font \",9\" tc rgb \"#202020\" notitle\n";
    write_file_atomic((sc.dir / "pareto.gp").string(), gp + sc.footer(cmd));
    return "pareto";
}

// energy_breakdown: one stacked bar per point (energy per MAC: ALU, then the levels nearest it
// first), in row order, a gap between dataflows; each bar ticked with its point.
std::string write_breakdown_plot(const Script& sc, const nlohmann::json& rows) {
    struct Part {
        std::string title, color, key;
    };
    std::vector<Part> parts = {{"ALU", "#999999", "alu"}};
    for (Level l : levels_near_first())
        parts.push_back({level_style(l).plot_title, level_style(l).color, std::string(to_string(l))});
    // leakage and clock on top, where the energy table charges them (then the stack sums to the total)
    const bool has_static = std::any_of(rows.begin(), rows.end(), [](const nlohmann::json& r) {
        return r.value("status", "") == "ok" && r.contains("energy_per_mac_by_level") &&
               r["energy_per_mac_by_level"].value("static", 0.0) > 0;
    });
    if (has_static) parts.push_back({"static (leakage, clock)", "#dddddd", "static"});
    std::ostringstream dat;
    dat << "# written by dfsim sweep; one row per point: x, label";
    for (const Part& p : parts) dat << ", " << p.title;
    dat << ", total (energy per MAC, " << (sc.unit == EnergyUnit::Pj ? "pJ" : "MAC-equivalents") << "/MAC)\n";
    std::string tics, last_df;
    double x = -1, top = 0;
    size_t tic_chars = 0;  // the longest line of a bar's tick label
    for (const nlohmann::json& r : rows) {
        if (r.value("status", "") != "ok") continue;
        const std::string df = r["dataflow"].get<std::string>();
        x += last_df.empty() || df == last_df ? 1 : 2;
        last_df = df;
        dat << fmt("%g", x) << "\t" << plot_label(point_label(r));
        for (const Part& p : parts)
            dat << "\t" << fmt("%.6g", json_path_value(r, "energy_per_mac_by_level." + p.key).get<double>());
        dat << "\t" << fmt("%.6g", r["energy_per_mac"].get<double>()) << "\n";
        top = std::max(top, r["energy_per_mac"].get<double>());
        std::vector<std::string> lines = {df};
        if (!shape_of(r).empty()) lines.push_back(shape_of(r));
        if (r.contains("settings"))
            for (auto it = r["settings"].begin(); it != r["settings"].end(); ++it)
                if (it.key() != "pe_array") lines.push_back(it.key() + "=" + it.value().get<std::string>());
        for (const std::string& l : lines) tic_chars = std::max(tic_chars, l.size());
        tics += (tics.empty() ? "" : ", ") + gp_string_lines(lines) + " " + fmt("%g", x);
    }
    write_file_atomic((sc.dir / "energy_breakdown.dat").string(), dat.str());
    const int bars = static_cast<int>(x + 1);
    // a bar's slot as wide as its tick label (about 7 px a character at 9 pt), at least 55 px
    const int slot = std::max(55, static_cast<int>(7 * tic_chars + 12));
    const int width = std::max(900, std::min(8000, 300 + slot * bars));
    const std::string label_format = top >= 100 ? "%.0f" : top >= 10 ? "%.1f" : "%.2f";
    std::ostringstream gp;
    gp << sc.header("energy_breakdown", "energy per MAC by storage level, every point")
       << "datafile = \"energy_breakdown.dat\"\n"
       << "set ylabel " << gp_string(sc.energy_per_mac_label()) << "\n"
       << "set style fill solid 1.0 border lc rgb \"#404040\"\nset boxwidth 0.8\n"
       << "set xrange [-0.8:" << fmt("%g", x + 0.8) << "]\nset yrange [0:*]\nset offsets 0, 0, graph 0.10, 0\n"
       << "set xtics (" << tics << ") scale 0 font \",9\"\nset grid noxtics ytics\nset bmargin 6\n";
    std::string cmd = "plot \\\n";
    const size_t n = parts.size();
    for (size_t k = n; k-- > 0;) {  // the highest first: the lower segments paint over it
        std::string sum;
        for (size_t i = 0; i <= k; ++i) sum += (i ? "+column(" : "column(") + std::to_string(3 + i) + ")";
        cmd += "    datafile using 1:(" + sum + ") with boxes lc rgb " + gp_string(parts[k].color) + " title " +
               gp_string(parts[k].title) + ", \\\n";
    }
    cmd += "    datafile using 1:" + std::to_string(3 + n) + ":(sprintf(" + gp_string(label_format) + ", column(" +
           std::to_string(3 + n) + "))) with labels offset 0,0.7 font \",8\" notitle\n";
    write_file_atomic((sc.dir / "energy_breakdown.gp").string(), gp.str() + sc.footer(cmd, width, 650));
    return "energy_breakdown";
}

}  // namespace

void write_sweep_plots(const nlohmann::json& results, const std::string& out_dir) {
    require_gnuplot();
    const fs::path dir(out_dir);
    const nlohmann::json& rows = results.at("rows");
    std::vector<std::string> dataflows;
    EnergyUnit unit = EnergyUnit::Pj;
    const std::vector<Series> series = collect_series(rows, dataflows, unit);
    if (series.empty()) return;
    write_sweep_data(series, dir);
    const Script sc{series, dataflows, unit, sweep_plot_context(results), dir};
    std::vector<std::string> bases = write_pe_plots(sc);
    bases.push_back(write_pareto_plot(sc));
    bases.push_back(write_breakdown_plot(sc, rows));
    render_plots(dir, bases);
}

}  // namespace dfsim
