#include "report/compare_report.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/atomic_file.h"
#include "base/error.h"
#include "base/fmt.h"
#include "energy/energy.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/report.h"

namespace dfsim {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// The runs grouped by layer, with each entry's ratio to the group's best; the table, JSON and CSV
// show the figures (report/figures.h) of each entry, the plots its energy per MAC.

namespace {

// One dataflow's result for one layer (or its total).
struct Entry {
    std::string dataflow;
    LayerResult r;
    int pes = 0;
    RunModel model = RunModel::Simulation;  // the run's
    Timing timing = Timing::Pass;
    double ratio = 1;  // energy per MAC / the group's lowest

    double per_mac(double e) const { return r.counts.macs ? e / static_cast<double>(r.counts.macs) : 0.0; }
    double energy_per_mac() const { return per_mac(r.energy.total()); }
};

// A layer (or the total) under every dataflow, in the order asked.
struct Group {
    std::string name;
    bool is_total = false;
    std::vector<Entry> entries;
    size_t best = 0;  // index of the lowest energy per MAC (the first, on a tie)
};

std::vector<Group> make_groups(const CompareResult& c) {
    std::vector<Group> groups;
    if (c.runs.empty()) return groups;
    const size_t n_layers = c.runs.front().layers.size();
    for (const NetworkResult& r : c.runs)
        DFSIM_ASSERT(r.layers.size() == n_layers, "compare runs have different layer counts");
    for (size_t i = 0; i <= n_layers; ++i) {
        Group g;
        g.is_total = i == n_layers;
        g.name = g.is_total ? "total" : c.runs.front().layers[i].name;
        for (const NetworkResult& r : c.runs) {
            Entry e;
            e.dataflow = r.dataflow;
            e.r = g.is_total ? r.total() : r.layers[i];
            e.pes = r.arch_params.num_pes();
            e.model = r.model;
            e.timing = r.timing;
            g.entries.push_back(std::move(e));
        }
        for (size_t k = 1; k < g.entries.size(); ++k)
            if (g.entries[k].energy_per_mac() < g.entries[g.best].energy_per_mac()) g.best = k;
        const double best = g.entries[g.best].energy_per_mac();
        for (Entry& e : g.entries) e.ratio = best > 0 ? e.energy_per_mac() / best : 1.0;
        groups.push_back(std::move(g));
    }
    return groups;
}

std::string unit_per_mac(const CompareResult& c) { return c.energy_unit == EnergyUnit::Pj ? "pJ/MAC" : "E/MAC"; }

// An entry's row for the figures (report/figures.h).
FigureRow entry_row(const CompareResult& c, const Group& g, const Entry& e) {
    FigureRow w{e.r};
    w.pes = e.pes;
    w.unit = c.energy_unit;
    w.total = g.is_total;
    w.dataflow = e.dataflow;
    w.ratio_to_best = e.ratio;
    w.model = e.model;
    w.timing = e.timing;
    return w;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Back-ends

std::string compare_timing(const CompareResult& c) {
    std::string name = timing_name(RunModel::Simulation, Timing::Pass);  // no runs: the default
    for (size_t i = 0; i < c.runs.size(); ++i) {
        const std::string n = timing_name(c.runs[i].model, c.runs[i].timing);
        DFSIM_ASSERT(i == 0 || n == name, "compare runs of different timing models: " + name + ", " + n);
        name = n;
    }
    return name;
}

std::string format_compare_table(const CompareResult& c, const Provenance* prov) {
    const std::vector<Group> groups = make_groups(c);
    const std::string upm = unit_per_mac(c);
    std::ostringstream os;
    os << "dfsim compare: " << c.network << " on " << c.arch << ", energy table " << c.energy_table << " ("
       << to_string(c.energy_unit) << "), " << c.runs.size() << (c.runs.size() == 1 ? " dataflow" : " dataflows")
       << ", timing " << timing_label(compare_timing(c)) << "\n";
    if (prov) os << provenance_line(*prov);
    for (const NetworkResult& r : c.runs) {
        const ArchParams& a = r.arch_params;
        os << "  " << r.dataflow << ": " << r.arch << " (" << a.rows << "x" << a.cols << " PEs, spads "
           << a.pe.ifmap_spad_words << "/" << a.pe.filter_spad_words << "/" << a.pe.psum_spad_words << " words, GLB "
           << fmt("%.1f", static_cast<double>(a.glb.size_bytes) / 1024.0) << " KB)\n";
    }
    size_t lw = 5, dw = 8;
    for (const Group& g : groups) {
        lw = std::max(lw, g.name.size());
        for (const Entry& e : g.entries) dw = std::max(dw, e.dataflow.size());
    }
    const std::vector<Column> columns =
        compare_table_columns(c.energy_unit, static_cast<int>(lw), static_cast<int>(dw));
    os << text_line(columns, [](const Column& col) { return col.header; });
    for (size_t gi = 0; gi < groups.size(); ++gi) {
        const Group& g = groups[gi];
        if (gi > 0 && (c.runs.size() > 1 || g.is_total)) os << "\n";
        for (const Entry& e : g.entries) {
            const FigureRow w = entry_row(c, g, e);
            os << text_line(columns, [&](const Column& col) { return col.text(w); });
        }
    }
    os << "energy per MAC in " << upm << " (" << to_string(c.energy_unit)
       << " table), by level (array = NoC) and by data type "
       << "(ALU excluded from the types)\n"
       << "vs best: energy per MAC / the layer's lowest; DRAM/MAC: DRAM words read + written per MAC; "
       << "columns: docs/report.md\n";
    return os.str();
}

nlohmann::json compare_to_json(const CompareResult& c, const Provenance* prov) {
    nlohmann::json j;
    j["schema_version"] = kReportSchemaVersion;
    if (prov) j["provenance"] = provenance_json(*prov);
    j["network"] = c.network;
    j["arch"] = c.arch;
    j["energy_table"] = c.energy_table;
    j["energy_unit"] = std::string(to_string(c.energy_unit));
    j["timing"] = compare_timing(c);
    j["dataflows"] = nlohmann::json::array();
    j["runs"] = nlohmann::json::array();
    for (const NetworkResult& r : c.runs) {
        j["dataflows"].push_back(r.dataflow);
        j["runs"].push_back({{"dataflow", r.dataflow}, {"arch", arch_to_json(r.arch_params)}});
    }
    j["layers"] = nlohmann::json::array();
    const std::vector<Field> fields = compare_fields();
    for (const Group& g : make_groups(c)) {
        nlohmann::json gj;
        gj["name"] = g.name;
        if (!g.is_total) gj["shape"] = shape_json(g.entries.front().r.shape);
        gj["best_dataflow"] = g.entries[g.best].dataflow;
        gj["results"] = nlohmann::json::array();
        for (const Entry& e : g.entries) gj["results"].push_back(fields_json(fields, entry_row(c, g, e)));
        if (g.is_total)
            j["total"] = std::move(gj);
        else
            j["layers"].push_back(std::move(gj));
    }
    return j;
}

std::string compare_to_csv(const CompareResult& c, const Provenance* prov) {
    const std::vector<Field> fields = compare_fields();
    std::string csv = csv_header(fields);
    for (const Group& g : make_groups(c))
        for (const Entry& e : g.entries) csv += csv_row(fields, entry_row(c, g, e));
    return prov ? with_provenance_columns(csv, *prov) : csv;
}

// ---------------------------------------------------------------------------------------------
// Plots (gnuplot)

namespace {

struct Segment {
    std::string title, color;
    std::function<double(const Entry&)> value;  // per MAC
};

struct PlotSpec {
    std::string base;  // file name without extension
    std::string what;  // for the title
    std::vector<Segment> segments;  // bottom to top
    std::string context;  // the title's second line (plot_context), or ""
};

// x of the first bar of each group (nd bars a group, one bar's gap between groups); the total
// gets an extra half gap, with a dashed line.
std::vector<double> group_x(const std::vector<Group>& groups, size_t nd) {
    const double slot = static_cast<double>(nd) + 1.0;
    std::vector<double> x0;
    for (size_t g = 0; g < groups.size(); ++g)
        x0.push_back(static_cast<double>(g) * slot + (groups[g].is_total ? 0.5 : 0));
    return x0;
}

// A plot's data file: one row per bar (x, dataflow, layer, the segments, the total).
void write_plot_data(const CompareResult& c, const std::vector<Group>& groups, const PlotSpec& p,
                     const std::vector<double>& x0, const fs::path& dir) {
    const size_t nd = c.runs.size();
    std::ostringstream dat;
    dat << "# " << p.what << ", " << unit_per_mac(c) << ", written by dfsim compare ("
        << plot_label(c.network + " on " + c.arch + ", energy table " + c.energy_table) << ")\n# x\tdataflow\tlayer";
    for (const Segment& s : p.segments) dat << "\t" << s.title;
    dat << "\ttotal\n";
    for (size_t g = 0; g < groups.size(); ++g)
        for (size_t d = 0; d < nd; ++d) {
            const Entry& e = groups[g].entries[d];
            dat << fmt("%g", x0[g] + static_cast<double>(d)) << "\t" << plot_label(e.dataflow) << "\t"
                << plot_label(groups[g].name);
            for (const Segment& s : p.segments) dat << "\t" << fmt("%.6g", s.value(e));
            dat << "\t" << fmt("%.6g", e.energy_per_mac()) << "\n";
        }
    write_file_atomic((dir / (p.base + ".dat")).string(), dat.str());
}

// A plot's data file and gnuplot script, written into dir.
void write_plot_files(const CompareResult& c, const std::vector<Group>& groups, const PlotSpec& p,
                      const fs::path& dir) {
    const size_t nd = c.runs.size();
    const std::vector<double> x0 = group_x(groups, nd);
    write_plot_data(c, groups, p, x0, dir);
    const double xmax = x0.back() + static_cast<double>(nd) - 1;
    const int slots = static_cast<int>(groups.size() * (nd + 1));
    // about 40 px a bar, and room for each group's name (about 10 px a character at 12 pt)
    size_t name_chars = 0;
    for (const Group& g : groups) name_chars = std::max(name_chars, g.name.size());
    const int slot_px = std::max(40, static_cast<int>((name_chars * 10 + 30) / (nd + 1)));
    const int width = std::max(900, 220 + slots * slot_px);
    const int height = 650;
    // bar labels: the same decimals on every bar, three significant digits on the tallest
    double top = 0;
    for (const Group& g : groups)
        for (const Entry& e : g.entries) top = std::max(top, e.energy_per_mac());
    const std::string label_format = top >= 100 ? "%.0f" : top >= 10 ? "%.1f" : "%.2f";
    const std::string ylabel =
        c.energy_unit == EnergyUnit::Pj ? "energy per MAC (pJ/MAC)" : "energy per MAC (MAC-equivalents per MAC)";
    std::ostringstream gp;
    gp << "# " << p.what << ", written by dfsim compare. Run in this directory to re-render:\n"
       << "#   gnuplot " << p.base << ".gp    (writes " << p.base << ".png and " << p.base << ".svg)\n"
       << "# Data: " << p.base << ".dat (one row per bar: x, dataflow, layer, segments bottom to top, total).\n"
       << "if (!exists(\"outbase\")) outbase = " << gp_string(p.base) << "\n"
       << "datafile = " << gp_string(p.base + ".dat") << "\n"
       << "set datafile separator \"\\t\"\n"
       << "set encoding utf8\n"
       << "set title "
       << gp_string(c.network + " on " + c.arch + ": " + p.what + " (energy table " + c.energy_table + ")")
       << (p.context.empty() ? "" : " . \"\\n\" . " + gp_string(p.context)) << " font \",13\"\n"
       << "set ylabel " << gp_string(ylabel) << "\n"
       << "set style fill solid 1.0 border lc rgb \"#404040\"\n"
       << "set boxwidth 0.8\n"
       << "set xrange [-0.8:" << fmt("%g", xmax + 0.8) << "]\n"
       << "set yrange [0:*]\n"
       << "set offsets 0, 0, graph 0.10, 0\n"
       << "set border 3\n"
       << "set grid ytics back lt 1 lc rgb \"#dcdcdc\" lw 1\n"
       << "set ytics nomirror\n"
       << "set xtics nomirror scale 0 font \",10\"\n"
       << "set key outside right top vertical reverse Left samplen 2 spacing 1.3 font \",11\"\n"
       << "set bmargin 5\n";
    for (size_t g = 0; g < groups.size(); ++g)
        gp << "set label " << g + 1 << " " << gp_string(groups[g].name) << " at first "
           << fmt("%g", x0[g] + (static_cast<double>(nd) - 1) / 2) << ", graph 0 center offset 0,-2.4 font \""
           << (groups[g].is_total ? ":Bold,12" : ",12") << "\"\n";
    if (groups.size() > 1)
        gp << "set arrow 1 from first " << fmt("%g", x0.back() - 0.75) << ", graph 0 to first "
           << fmt("%g", x0.back() - 0.75) << ", graph 1 nohead dt 2 lc rgb \"#808080\"\n";
    // Stacked bars: each segment's box reaches the sum of it and the segments below; the
    // highest is drawn first so that the lower ones paint over it.
    const std::string font = "font \"DejaVu Sans,11\"";
    gp << "set terminal pngcairo noenhanced size " << width << "," << height << " " << font << "\n"
       << "set output outbase.\".png\"\n"
       << "plot \\\n";
    const size_t ns = p.segments.size();
    for (size_t k = ns; k-- > 0;) {
        std::string sum;
        for (size_t i = 0; i <= k; ++i) sum += (i ? "+column(" : "column(") + std::to_string(4 + i) + ")";
        gp << "    datafile using 1:(" << sum << ")" << (k == ns - 1 ? ":xtic(2)" : "") << " with boxes lc rgb "
           << gp_string(p.segments[k].color) << " title " << gp_string(p.segments[k].title) << ", \\\n";
    }
    gp << "    datafile using 1:" << 4 + ns << ":(sprintf(" << gp_string(label_format) << ", column(" << 4 + ns
       << "))) with labels offset 0,0.7 font \",9\" notitle\n"
       << "set terminal svg noenhanced size " << width << "," << height << " " << font << " background \"white\"\n"
       << "set output outbase.\".svg\"\n"
       << "replot\n"
       << "unset output\n";
    const std::string script = gp.str();
    write_file_atomic((dir / (p.base + ".gp")).string(), script);
}

}  // namespace

void write_compare_plots(const CompareResult& c, const std::string& out_dir, const Provenance* prov) {
    DFSIM_ASSERT(!c.runs.empty(), "nothing to plot");
    require_gnuplot();
    const fs::path dir(out_dir);
    fs::create_directories(dir);
    const std::vector<Group> groups = make_groups(c);

    auto lv = [](Level l) { return [l](const Entry& e) { return e.per_mac(e.r.energy.level(l)); }; };
    auto ty = [](DataType d) { return [d](const Entry& e) { return e.per_mac(e.r.energy.type(d)); }; };
    const std::function<double(const Entry&)> alu = [](const Entry& e) { return e.per_mac(e.r.energy.alu); };
    PlotSpec by_level{"energy_by_level", "energy per MAC by storage level", {{"ALU", "#999999", alu}}, ""};
    for (Level l : levels_near_first())
        by_level.segments.push_back({level_style(l).plot_title, level_style(l).color, lv(l)});
    PlotSpec by_type{"energy_by_type", "energy per MAC by data type", {{"ALU", "#999999", alu}}, ""};
    for (DataType d : kDataTypes) by_type.segments.push_back({std::string(to_string(d)), type_color(d), ty(d)});
    by_level.context = by_type.context = prov ? plot_context(c.network, *prov) : "";
    const std::vector<PlotSpec> plots = {by_level, by_type};

    std::vector<std::string> bases;
    for (const PlotSpec& p : plots) {
        write_plot_files(c, groups, p, dir);
        bases.push_back(p.base);
    }
    render_plots(dir, bases);
}

}  // namespace dfsim
