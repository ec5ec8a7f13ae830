#include "report/sweep_plots.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "base/atomic_file.h"
#include "base/fmt.h"
#include "base/types.h"
#include "report/figures.h"
#include "report/gnuplot.h"

namespace dfsim {

namespace fs = std::filesystem;

namespace {

// A line of the plots: a dataflow plus every setting but the array size, its rows by PE count.
struct Series {
    std::string title;
    std::vector<const nlohmann::json*> rows;
};

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

// sweep.dat (one block per series) and pareto.dat (the points no other beats in latency and energy).
void write_sweep_data(const std::vector<Series>& series, const fs::path& dir) {
    char buf[160];
    std::ostringstream dat;
    dat << "# written by dfsim sweep; one block per series: pes, energy_per_mac, cycles, utilization_percent, "
           "latency_ms, energy_per_inference\n";
    for (size_t k = 0; k < series.size(); ++k) {
        dat << (k ? "\n\n" : "") << "# " << plot_label(series[k].title) << "\n";
        for (const nlohmann::json* r : series[k].rows) {
            std::snprintf(buf, sizeof buf, "%d\t%.9g\t%llu\t%.6g\t%.9g\t%.9g\n", (*r)["pes"].get<int>(),
                          (*r)["energy_per_mac"].get<double>(),
                          static_cast<unsigned long long>((*r)["cycles"].get<uint64_t>()),
                          100.0 * (*r)["utilization"].get<double>(), (*r)["latency_ms"].get<double>(),
                          (*r)["energy"].get<double>() / std::max(1, (*r)["batch"].get<int>()));
            dat << buf;
        }
    }
    write_file_atomic((dir / "sweep.dat").string(), dat.str());
    // Pareto front over all points: latency ascending, each point with less energy than all before
    std::vector<std::pair<double, double>> pts;
    for (const Series& s : series)
        for (const nlohmann::json* r : s.rows)
            pts.emplace_back((*r)["latency_ms"].get<double>(),
                             (*r)["energy"].get<double>() / std::max(1, (*r)["batch"].get<int>()));
    std::sort(pts.begin(), pts.end());
    std::ostringstream front;
    front << "# latency_ms, energy_per_inference of the points no other point beats in both\n";
    double best = std::numeric_limits<double>::infinity();
    for (const auto& [lat, e] : pts)
        if (e < best) {
            best = e;
            std::snprintf(buf, sizeof buf, "%.9g\t%.9g\n", lat, e);
            front << buf;
        }
    write_file_atomic((dir / "pareto.dat").string(), front.str());
}

// The plots' gnuplot scripts (energy, cycles and utilization against the PE count, and the
// Pareto plot), their titles naming the points' timing model; returns their base names.
std::vector<std::string> write_sweep_scripts(const std::vector<Series>& series,
                                             const std::vector<std::string>& dataflows, EnergyUnit unit,
                                             const std::string& timing, const fs::path& dir) {
    const char* colors[] = {"#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#999999", "#F0E442"};
    auto color_of = [&](const std::string& title) {
        const std::string df = title.substr(0, title.find(' '));
        const size_t i = static_cast<size_t>(std::find(dataflows.begin(), dataflows.end(), df) - dataflows.begin());
        return std::string(colors[i % std::size(colors)]);
    };
    // within a dataflow, each combination of the other settings gets its own dash and marker
    auto variant_of = [&](size_t k) {
        const std::string df = series[k].title.substr(0, series[k].title.find(' '));
        int v = 0;
        for (size_t j = 0; j < k; ++j) v += series[j].title.substr(0, series[j].title.find(' ')) == df;
        return v;
    };
    const int markers[] = {7, 5, 9, 11, 13};
    const std::string e_unit = unit == EnergyUnit::Pj ? "pJ" : "MAC-equivalents";
    struct Plot {
        std::string base, ylabel, ycol;
        bool logy;
    };
    const std::vector<Plot> plots = {
        {"energy_vs_pes", "energy per MAC (" + e_unit + "/MAC)", "2", false},
        {"cycles_vs_pes", "cycles per run (batch)", "3", true},
        {"utilization_vs_pes", "PE utilization (%)", "4", false},
    };
    auto header = [&](std::ostringstream& gp, const std::string& base, const std::string& title) {
        gp << "# written by dfsim sweep; run `gnuplot " << base << ".gp` here to re-render from the .dat files\n"
           << "if (!exists(\"outbase\")) outbase = " << gp_string(base) << "\n"
           << "set encoding utf8\nset title "
           << gp_string(title + (timing.empty() ? "" : ", timing " + timing_label(timing))) << " font \",13\"\n"
           << "set grid back lt 1 lc rgb \"#dcdcdc\"\nset border 3\nset xtics nomirror\nset ytics nomirror\n"
           << "set key outside right top vertical Left reverse samplen 2 spacing 1.2 font \",10\"\n";
    };
    auto footer = [](std::ostringstream& gp, const std::string& plot_cmd) {
        const std::string font = "font \"DejaVu Sans,11\"";
        gp << "set terminal pngcairo noenhanced size 1100,650 " << font << "\nset output outbase.\".png\"\n"
           << plot_cmd << "set terminal svg noenhanced size 1100,650 " << font << " background \"white\"\n"
           << "set output outbase.\".svg\"\nreplot\nunset output\n";
    };
    std::vector<std::string> bases;
    for (const Plot& p : plots) {
        std::ostringstream gp;
        header(gp, p.base, p.ylabel + " against the PE count");
        gp << "set xlabel \"PEs in the array\"\nset ylabel " << gp_string(p.ylabel) << "\nset logscale x 2\n"
           << (p.logy ? "set logscale y 10\n" : "set yrange [0:*]\n");
        std::string cmd = "plot \\\n";
        for (size_t k = 0; k < series.size(); ++k)
            cmd += "    \"sweep.dat\" index " + std::to_string(k) + " using 1:" + p.ycol + " with linespoints pt " +
                   std::to_string(markers[variant_of(k) % 5]) + " ps 1.1 lw 2 lc rgb " +
                   gp_string(color_of(series[k].title)) + " dt " + std::to_string(1 + variant_of(k) % 5) + " title " +
                   gp_string(series[k].title) + (k + 1 < series.size() ? ", \\\n" : "\n");
        footer(gp, cmd);
        write_file_atomic((dir / (p.base + ".gp")).string(), gp.str());
        bases.push_back(p.base);
    }
    {
        std::ostringstream gp;
        header(gp, "pareto", "energy per inference against latency, every point");
        gp << "set xlabel \"latency of one run (ms at the configured clock)\"\nset ylabel "
           << gp_string("energy per inference (" + std::string(unit == EnergyUnit::Pj ? "pJ" : "MAC-equivalents") + ")")
           << "\nset logscale x 10\nset logscale y 10\n";
        std::string cmd = "plot \\\n";
        for (size_t k = 0; k < series.size(); ++k)
            cmd += "    \"sweep.dat\" index " + std::to_string(k) + " using 5:6 with points pt " +
                   std::to_string(markers[variant_of(k) % 5]) + " ps 1.3 lc rgb " +
                   gp_string(color_of(series[k].title)) + " title " + gp_string(series[k].title) + ", \\\n";
        cmd +=
            "    \"pareto.dat\" using 1:2 with linespoints pt 6 ps 2.4 lw 2 dt 2 lc rgb \"#404040\" title \"Pareto "
            "front\"\n";
        footer(gp, cmd);
        write_file_atomic((dir / "pareto.gp").string(), gp.str());
        bases.push_back("pareto");
    }
    return bases;
}

}  // namespace

void write_sweep_plots(const nlohmann::json& rows, const std::string& out_dir) {
    require_gnuplot();
    const fs::path dir(out_dir);
    std::vector<std::string> dataflows;
    EnergyUnit unit = EnergyUnit::Pj;
    const std::vector<Series> series = collect_series(rows, dataflows, unit);
    if (series.empty()) return;
    std::string timing;  // the points' (the sweep's one), from the first that has it
    for (const nlohmann::json& r : rows)
        if (timing.empty() && r.contains("timing")) timing = r["timing"].get<std::string>();
    write_sweep_data(series, dir);
    render_plots(dir, write_sweep_scripts(series, dataflows, unit, timing, dir));
}

}  // namespace dfsim
