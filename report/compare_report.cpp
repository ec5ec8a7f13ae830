#include "report/compare_report.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <map>
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
// The model: each layer under every dataflow, the layer groups' subtotals and the total, each
// ranked by energy per MAC (host layers are not: they have no energy, cycles or MACs).

namespace {

constexpr double kNotRanked = std::numeric_limits<double>::quiet_NaN();

// One dataflow's result for one row (a layer, a subtotal, the total).
struct Entry {
    std::string dataflow;
    LayerResult r;
    int pes = 0;
    double clock_mhz = 0;
    double area_mm2 = 0;  // the run's architecture by the area model (0: none)
    RunModel model = RunModel::Simulation;  // the run's
    Timing timing = Timing::Pass;
    double ratio = kNotRanked;  // energy per MAC / the row's lowest
    bool best = false;

    double per_mac(double e) const { return r.counts.macs ? e / static_cast<double>(r.counts.macs) : 0.0; }
    double energy_per_mac() const { return per_mac(r.energy.total()); }
    double seconds() const { return clock_mhz > 0 ? static_cast<double>(r.cycles) / (clock_mhz * 1e6) : 0.0; }
    double edp() const { return r.energy.total() * seconds(); }  // table unit x s
};

enum class RowType { Layer, Host, Subtotal, Total };

const char* row_type_name(RowType t) {
    switch (t) {
        case RowType::Layer:
            return "layer";
        case RowType::Host:
            return "host";
        case RowType::Subtotal:
            return "subtotal";
        case RowType::Total:
            return "total";
    }
    return "";
}

// A layer (or a subtotal, or the total) under every dataflow, in the order asked.
struct Group {
    std::string name;
    RowType type = RowType::Layer;
    std::string layer_group;  // "CONV", "FC", ...: the layer's, or the subtotal's ("" for host and total)
    std::string layer_type;  // "conv", "fc", "pool", ... (layers only)
    std::vector<Entry> entries;
    std::vector<std::string> members;  // a subtotal's layers
    size_t best = 0;  // index of the lowest energy per MAC (the first, on a tie)
    size_t next = 0;  // the second lowest (== best with one dataflow)
    size_t fastest = 0;  // the fewest cycles (the first, on a tie)
    bool ranked() const { return type != RowType::Host; }
};

struct Model {
    std::vector<Group> layers;  // every layer in run order, host layers too
    std::vector<Group> subtotals;  // per layer group, in the order the groups first appear
    Group total;
    // The table shows the subtotals only when there are several groups (one would equal the
    // total), and only those of two or more layers (one would repeat its layer).
    bool show_subtotals() const { return subtotals.size() > 1; }
    bool shown(const Group& subtotal) const { return show_subtotals() && subtotal.members.size() > 1; }
};

void rank(Group& g) {
    if (!g.ranked() || g.entries.empty()) return;
    const size_t n = g.entries.size();
    g.best = g.fastest = 0;
    for (size_t k = 1; k < n; ++k) {
        if (g.entries[k].energy_per_mac() < g.entries[g.best].energy_per_mac()) g.best = k;
        if (g.entries[k].r.cycles < g.entries[g.fastest].r.cycles) g.fastest = k;
    }
    g.next = g.best;
    for (size_t k = 0; k < n; ++k)
        if (k != g.best && (g.next == g.best || g.entries[k].energy_per_mac() < g.entries[g.next].energy_per_mac()))
            g.next = k;
    const double best = g.entries[g.best].energy_per_mac();
    for (Entry& e : g.entries) e.ratio = best > 0 ? e.energy_per_mac() / best : 1.0;
    g.entries[g.best].best = true;
}

std::string upper(std::string s) {
    for (char& ch : s) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    return s;
}

// A layer's type: the workload's, else told from the shape (an FC layer is a conv whose filter
// covers its unpadded input, one output pixel).
std::string layer_type_of(const CompareResult& c, size_t i, const LayerResult& l) {
    if (i < c.layer_types.size()) return std::string(to_string(c.layer_types[i]));
    const LayerShape& s = l.shape;
    if (l.executed_on == ExecutedOn::Host) return "host";
    return s.R == s.H && s.S == s.W && s.P == 0 && s.E() == 1 && s.F() == 1 ? "fc" : "conv";
}

Entry make_entry(const NetworkResult& r, const LayerResult& l) {
    Entry e;
    e.dataflow = r.dataflow;
    e.r = l;
    e.pes = r.arch_params.num_pes();
    e.clock_mhz = r.arch_params.clock_mhz;
    e.area_mm2 = r.area.total();
    e.model = r.model;
    e.timing = r.timing;
    return e;
}

// The summed results of `members` (layer indices) under each dataflow, as NetworkResult::total sums them.
Group sum_group(const CompareResult& c, const std::string& name, RowType type, const std::vector<size_t>& members) {
    Group g;
    g.name = name;
    g.type = type;
    for (const NetworkResult& r : c.runs) {
        NetworkResult part;
        for (size_t i : members) part.layers.push_back(r.layers[i]);
        LayerResult t = part.total();
        t.name = name;
        g.entries.push_back(make_entry(r, t));
    }
    return g;
}

Model make_model(const CompareResult& c) {
    Model m;
    if (c.runs.empty()) return m;
    const size_t n_layers = c.runs.front().layers.size();
    for (const NetworkResult& r : c.runs)
        DFSIM_ASSERT(r.layers.size() == n_layers, "compare runs have different layer counts");
    std::vector<std::string> group_order;
    std::map<std::string, std::vector<size_t>> group_layers;
    std::vector<size_t> all;
    for (size_t i = 0; i < n_layers; ++i) {
        const LayerResult& first = c.runs.front().layers[i];
        Group g;
        g.name = first.name;
        g.layer_type = layer_type_of(c, i, first);
        g.type = first.executed_on == ExecutedOn::Host ? RowType::Host : RowType::Layer;
        for (const NetworkResult& r : c.runs) g.entries.push_back(make_entry(r, r.layers[i]));
        if (g.ranked()) {
            g.layer_group = upper(g.layer_type);
            if (!group_layers.count(g.layer_group)) group_order.push_back(g.layer_group);
            group_layers[g.layer_group].push_back(i);
            all.push_back(i);
        }
        rank(g);
        m.layers.push_back(std::move(g));
    }
    for (const std::string& name : group_order) {
        Group g = sum_group(c, name, RowType::Subtotal, group_layers[name]);
        g.layer_group = name;
        for (size_t i : group_layers[name]) g.members.push_back(m.layers[i].name);
        rank(g);
        m.subtotals.push_back(std::move(g));
    }
    m.total = sum_group(c, "total", RowType::Total, all);
    for (const Group& g : m.layers)
        if (g.ranked()) m.total.members.push_back(g.name);
    rank(m.total);
    return m;
}

// The rows the table ranks, in its order: the accelerator layers, the subtotals it shows, the total.
std::vector<const Group*> table_groups(const Model& m) {
    std::vector<const Group*> v;
    for (const Group& g : m.layers)
        if (g.ranked()) v.push_back(&g);
    for (const Group& g : m.subtotals)
        if (m.shown(g)) v.push_back(&g);
    v.push_back(&m.total);
    return v;
}

std::string unit_per_mac(const CompareResult& c) { return c.energy_unit == EnergyUnit::Pj ? "pJ/MAC" : "E/MAC"; }

// An entry's row for the figures (report/figures.h).
FigureRow entry_row(const CompareResult& c, const Group& g, const Entry& e) {
    FigureRow w{e.r};
    w.pes = e.pes;
    w.unit = c.energy_unit;
    w.total = g.type == RowType::Subtotal || g.type == RowType::Total;
    w.dataflow = g.type == RowType::Host ? "" : e.dataflow;
    w.ratio_to_best = e.ratio;
    w.model = e.model;
    w.timing = e.timing;
    w.clock_mhz = e.clock_mhz;
    w.area_mm2 = e.area_mm2;
    w.row_type = row_type_name(g.type);
    w.layer_group = g.layer_group;
    w.best = e.best;
    return w;
}

// A host layer's operation as its mapping names it ("host: max pool 3x3 ..."), without "host: ".
std::string host_operation(const Group& g) {
    const std::string& m = g.entries.front().r.mapping;
    return m.rfind("host: ", 0) == 0 ? m.substr(6) : m;
}

// The EDP of the table's rows in one unit: J·s with an SI prefix (E·s, MAC-equivalents times
// seconds, with the normalized table), the prefix that puts the smallest (nonzero) at 1 or more;
// printed with three significant digits.
struct EdpUnit {
    double scale = 1;  // divide the table-unit·s figure by it
    std::string unit;  // "nJ*s"
};
EdpUnit edp_unit(const CompareResult& c, const std::vector<const Group*>& groups, const std::string& micro,
                 const std::string& times) {
    const bool pj = c.energy_unit == EnergyUnit::Pj;
    const double to_base = pj ? 1e-12 : 1.0;  // pJ·s -> J·s
    double smallest = 0;  // nonzero
    for (const Group* g : groups)
        for (const Entry& e : g->entries)
            if (e.edp() > 0 && (smallest == 0 || e.edp() * to_base < smallest)) smallest = e.edp() * to_base;
    const SiScale s = si_scale(smallest, micro);
    return {s.factor / to_base, s.prefix + (pj ? "J" : "E") + times + "s"};
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Verdicts

namespace {

// "CONV: rs is best, 4.15 pJ/MAC, 1.24x better than ws (next best); fewest cycles: os-b, 1.18x fewer than rs"
std::string verdict(const CompareResult& c, const Group& g) {
    const std::string upm = unit_per_mac(c);
    const Entry& b = g.entries[g.best];
    std::string v = g.name + ": " + b.dataflow;
    if (g.entries.size() == 1)
        return v + " (the only dataflow), " + fmt_sig(b.energy_per_mac(), 3) + " " + upm + ", " +
               std::to_string(b.r.cycles) + " cycles";
    const Entry& n = g.entries[g.next];
    v += " is best, " + fmt_sig(b.energy_per_mac(), 3) + " " + upm + ", ";
    const double ratio = b.energy_per_mac() > 0 ? n.energy_per_mac() / b.energy_per_mac() : 1.0;
    const std::string r = fmt("%.2f", ratio);
    v += r == "1.00" ? "within 1% of " + n.dataflow + " (next best)"
                     : r + "x better than " + n.dataflow + " (next best)";
    const Entry& f = g.entries[g.fastest];
    if (g.fastest == g.best || f.r.cycles == b.r.cycles) return v + "; also the fewest cycles";
    const double cr = f.r.cycles ? static_cast<double>(b.r.cycles) / static_cast<double>(f.r.cycles) : 1.0;
    return v + "; fewest cycles: " + f.dataflow + ", " + fmt("%.2f", cr) + "x fewer than " + b.dataflow;
}

// The verdict rows: each layer group's subtotal, and the total when there are several groups.
std::vector<const Group*> verdict_groups(const Model& m) {
    std::vector<const Group*> v;
    if (m.total.members.empty() || m.total.entries.empty()) return v;  // no accelerator layer: nothing ranked
    for (const Group& g : m.subtotals) v.push_back(&g);
    if (m.subtotals.size() != 1) v.push_back(&m.total);
    return v;
}

}  // namespace

std::vector<std::string> compare_verdicts(const CompareResult& c) {
    std::vector<std::string> v;
    if (c.runs.empty()) return v;
    const Model m = make_model(c);
    for (const Group* g : verdict_groups(m)) v.push_back(verdict(c, *g));
    return v;
}

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

std::string format_compare_table(const CompareResult& c, const Provenance* prov, bool wide) {
    const Model m = make_model(c);
    const std::string upm = unit_per_mac(c);
    std::ostringstream os;
    os << "dfsim compare: " << c.network << " on " << c.arch << ", energy table " << c.energy_table << " ("
       << to_string(c.energy_unit) << "), " << c.runs.size() << (c.runs.size() == 1 ? " dataflow" : " dataflows")
       << ", timing " << timing_label(compare_timing(c)) << "\n";
    if (prov) os << provenance_line(*prov);  // wrapped within 120 columns, the command on a line of its own
    // each architecture once, with the dataflows that run on it
    std::vector<std::pair<std::string, std::string>> archs;  // description, dataflows
    for (const NetworkResult& r : c.runs) {
        const ArchParams& a = r.arch_params;
        const std::string d = r.arch + " (" + std::to_string(a.rows) + "x" + std::to_string(a.cols) + " PEs, spads " +
                              std::to_string(a.pe.ifmap_spad_words) + "/" + std::to_string(a.pe.filter_spad_words) +
                              "/" + std::to_string(a.pe.psum_spad_words) + " words, GLB " +
                              fmt("%.1f", static_cast<double>(a.glb.size_bytes) / 1024.0) + " KB)";
        auto it = std::find_if(archs.begin(), archs.end(), [&](const auto& p) { return p.first == d; });
        if (it == archs.end())
            archs.emplace_back(d, r.dataflow);
        else
            it->second += ", " + r.dataflow;
    }
    for (const auto& [d, dfs] : archs) os << wrap_line("  " + dfs + ": " + d, 120, "    ");
    const std::vector<const Group*> groups = table_groups(m);
    size_t lw = 5, dw = 8;
    for (const Group* g : groups) {
        lw = std::max(lw, g->name.size());
        for (const Entry& e : g->entries) dw = std::max(dw, e.dataflow.size());
    }
    const EdpUnit edp = edp_unit(c, groups, "u", "*");
    const std::vector<Column> columns =
        compare_table_columns(c.energy_unit, static_cast<int>(lw), static_cast<int>(dw), wide, edp.scale, edp.unit);
    os << text_line(columns, [](const Column& col) { return col.header; });
    for (size_t gi = 0; gi < groups.size(); ++gi) {
        const Group& g = *groups[gi];
        const bool first_sum = g.type != RowType::Layer && (gi == 0 || groups[gi - 1]->type == RowType::Layer);
        if (gi > 0 && (c.runs.size() > 1 || first_sum)) os << "\n";
        for (const Entry& e : g.entries) {
            const FigureRow w = entry_row(c, g, e);
            os << text_line(columns, [&](const Column& col) { return col.text(w); });
        }
    }
    std::string hosts;
    for (const Group& g : m.layers)
        if (!g.ranked())
            hosts += (hosts.empty() ? "" : ", ") + g.name + " (" + host_operation(g) + ", " +
                     std::to_string(g.entries.front().r.host_ops) + " ops)";
    if (!hosts.empty()) os << wrap_line("host layers (not simulated, not ranked): " + hosts, 120, "  ");
    std::string groups_note;
    for (const Group& g : m.subtotals)
        if (m.shown(g)) groups_note += (groups_note.empty() ? "" : ", ") + g.name;
    std::ostringstream notes;
    notes << upm << ": energy per MAC (" << to_string(c.energy_unit) << " table) by level; "
          << "vs best: ratio to the lowest of its " << (groups_note.empty() ? "layer (total)" : "layer (group, total)")
          << "\n"
          << "EDP: energy x latency (cycles / clock), in " << edp.unit
          << (c.energy_unit == EnergyUnit::Pj ? "" : " (E: MAC-equivalents)") << "; util: MACs / (cycles x PEs)"
          << (groups_note.empty() ? "" : "; " + groups_note + ": subtotals of the layer groups") << "\n"
          << (wide ? "ifmap, filter, psum: energy per MAC by data type; DRAM/MAC: DRAM words read + written per MAC"
                   : "--wide adds the energy per MAC by data type and the DRAM words per MAC")
          << "; columns: docs/report.md\n";
    std::istringstream note_lines(notes.str());
    for (std::string line; std::getline(note_lines, line);) os << wrap_line(line, 120, "  ");
    // what each dataflow's mapper did (the run table's mapper line, one per dataflow)
    bool mapped = false;
    for (const NetworkResult& r : c.runs) mapped = mapped || r.total().mapper.layers > 0;
    if (mapped) {
        os << "mapper, per dataflow:\n";
        for (const NetworkResult& r : c.runs)
            os << wrap_line("  " + r.dataflow + ": " + mapper_summary(r.total().mapper), 120, "    ");
    }
    const std::vector<const Group*> vg = verdict_groups(m);
    if (!vg.empty()) {
        os << "verdict (lowest energy per MAC):\n";
        for (const Group* g : vg) os << wrap_line("  " + verdict(c, *g), 120, "    ");
    }
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
        j["runs"].push_back({{"dataflow", r.dataflow},
                             {"arch", arch_to_json(r.arch_params)},
                             {"mapper", mapper_json(r.total().mapper)}});
    }
    j["layers"] = nlohmann::json::array();
    j["groups"] = nlohmann::json::array();
    j["verdicts"] = nlohmann::json::array();
    if (c.runs.empty()) return j;
    const Model m = make_model(c);
    const std::vector<Field> fields = compare_fields();
    auto ranked = [&](const Group& g) {
        nlohmann::json gj;
        gj["name"] = g.name;
        gj["best_dataflow"] = g.entries[g.best].dataflow;
        gj["results"] = nlohmann::json::array();
        for (const Entry& e : g.entries) gj["results"].push_back(fields_json(fields, entry_row(c, g, e)));
        return gj;
    };
    for (const Group& g : m.layers) {
        nlohmann::json gj;
        if (g.ranked()) {
            gj = ranked(g);
            gj["layer_group"] = g.layer_group;
        } else {
            gj["name"] = g.name;
            gj["host_ops"] = g.entries.front().r.host_ops;
            gj["operation"] = host_operation(g);
        }
        gj["type"] = g.layer_type;
        gj["executed_on"] = std::string(to_string(g.entries.front().r.executed_on));
        gj["shape"] = shape_json(g.entries.front().r.shape);
        j["layers"].push_back(std::move(gj));
    }
    const std::vector<const Group*> vg = verdict_groups(m);
    auto verdict_of = [&](const Group& g) {
        return std::find(vg.begin(), vg.end(), &g) != vg.end() ? nlohmann::json(verdict(c, g)) : nlohmann::json();
    };
    for (const Group& g : m.subtotals) {
        nlohmann::json gj = ranked(g);
        gj["layers"] = g.members;
        gj["next_best_dataflow"] = g.entries[g.next].dataflow;
        gj["fewest_cycles_dataflow"] = g.entries[g.fastest].dataflow;
        gj["verdict"] = verdict_of(g);
        j["groups"].push_back(std::move(gj));
    }
    nlohmann::json tj = ranked(m.total);
    tj["next_best_dataflow"] = m.total.entries[m.total.next].dataflow;
    tj["fewest_cycles_dataflow"] = m.total.entries[m.total.fastest].dataflow;
    const nlohmann::json tv = verdict_of(m.total);
    if (!tv.is_null()) tj["verdict"] = tv;
    j["total"] = std::move(tj);
    for (const Group* g : vg) j["verdicts"].push_back(verdict(c, *g));
    return j;
}

std::string compare_to_csv(const CompareResult& c, const Provenance* prov) {
    const std::vector<Field> fields = compare_fields();
    std::string csv = csv_header(fields);
    if (!c.runs.empty()) {
        const Model m = make_model(c);
        auto rows = [&](const Group& g) {
            if (!g.ranked()) {
                csv += csv_row(fields, entry_row(c, g, g.entries.front()));  // once: no dataflow
                return;
            }
            for (const Entry& e : g.entries) csv += csv_row(fields, entry_row(c, g, e));
        };
        for (const Group& g : m.layers) rows(g);
        for (const Group& g : m.subtotals) rows(g);
        rows(m.total);
    }
    return prov ? with_provenance_columns(csv, *prov) : csv;
}

// ---------------------------------------------------------------------------------------------
// Plots (gnuplot): one panel per layer group (its layers, then its subtotal past a dashed line)
// and one for the total, each with its own y axis; host layers are not drawn.

namespace {

struct Segment {
    std::string title, color;
    std::function<double(const Entry&)> value;
};

// One bar: an entry of a group.
struct Bar {
    double x = 0;
    const Entry* e = nullptr;
    std::string layer;
    bool best = false;  // the lowest of its group (by the chart's measure)
};

struct Panel {
    std::string title, ylabel;
    std::vector<Bar> bars;
    std::vector<std::pair<double, std::string>> labels;  // group name at its centre
    std::vector<bool> bold;  // the subtotal's and the total's labels
    double divider = -1;  // x of the dashed line before the subtotal (-1: none)
    double xmax = 0;
    double scale = 1;  // values are divided by it (cycles and EDP panels)
};

// A chart: stacked segments (energy) or one value per bar coloured by dataflow (cycles, EDP),
// in panels stacked top to bottom.
struct Chart {
    std::string base, what;  // file name without extension; for the title
    std::vector<Segment> segments;  // stacked, bottom to top; empty: `value`, coloured by dataflow
    std::vector<std::function<double(const Entry&)>> panel_value;  // per panel (empty: the segments' sum)
    std::vector<Panel> panels;
    std::string best_title;  // the key's name of the best bar's outline
};

// Okabe-Ito colours, one per dataflow (repeated past eight).
const char* dataflow_color(size_t i) {
    static const char* const k[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#F0E442", "#000000"};
    return k[i % 8];
}

// The panels of a chart over `sets` (each: a title and the groups it shows, the last of them the
// subtotal when `with_sum`), the best bar of each group the lowest by `measure`.
Panel make_panel(const std::string& title, const std::vector<const Group*>& groups, bool last_is_sum,
                 const std::function<double(const Entry&)>& measure) {
    Panel p;
    p.title = title;
    const size_t nd = groups.front()->entries.size();
    const double slot = static_cast<double>(nd) + 1.0;
    for (size_t gi = 0; gi < groups.size(); ++gi) {
        const Group& g = *groups[gi];
        const bool sum = last_is_sum && gi + 1 == groups.size() && groups.size() > 1;
        const double x0 = static_cast<double>(gi) * slot + (sum ? 0.5 : 0);
        if (sum) p.divider = x0 - 0.75;
        size_t best = 0;
        for (size_t d = 1; d < nd; ++d)
            if (measure(g.entries[d]) < measure(g.entries[best])) best = d;
        for (size_t d = 0; d < nd; ++d)
            p.bars.push_back({x0 + static_cast<double>(d), &g.entries[d], g.name, d == best});
        p.labels.emplace_back(x0 + (static_cast<double>(nd) - 1) / 2, g.name);
        p.bold.push_back(sum || g.type != RowType::Layer);
        p.xmax = x0 + static_cast<double>(nd) - 1;
    }
    return p;
}

// The groups of each panel: per layer group its layers and subtotal (of two or more layers), then
// the total (when several groups; with one, its subtotal is the total and is named so).
std::vector<std::pair<std::string, std::vector<const Group*>>> panel_sets(const Model& m) {
    std::vector<std::pair<std::string, std::vector<const Group*>>> sets;
    for (const Group& s : m.subtotals) {
        std::vector<const Group*> v;
        for (const Group& g : m.layers)
            if (g.ranked() && g.layer_group == s.name) v.push_back(&g);
        if (s.members.size() > 1) v.push_back(m.show_subtotals() ? &s : &m.total);
        sets.emplace_back(s.name + " layers", v);
    }
    if (m.show_subtotals()) sets.emplace_back("total (all layers)", std::vector<const Group*>{&m.total});
    return sets;
}

std::string chart_title(const CompareResult& c, const std::string& what) {
    return c.network + " on " + c.arch + ": " + what + " (energy table " + c.energy_table + ")";
}

double bar_total(const Chart& ch, size_t panel, const Bar& b) {
    if (!ch.panel_value.empty()) return ch.panel_value[panel](*b.e);
    double t = 0;
    for (const Segment& s : ch.segments) t += s.value(*b.e);
    return t;
}

// The data file: one block per panel (two blank lines between), one row per bar: x, dataflow,
// layer, the segments (or the value), total, best (1/0), the dataflow's colour.
void write_chart_data(const CompareResult& c, const Chart& ch, const fs::path& dir) {
    std::ostringstream dat;
    dat << "# " << ch.what << ", written by dfsim compare ("
        << plot_label(c.network + " on " + c.arch + ", energy table " + c.energy_table) << ")\n"
        << "# one block per panel (gnuplot's index), one row per bar\n# x\tdataflow\tlayer";
    if (ch.segments.empty())
        dat << "\tvalue";
    else
        for (const Segment& s : ch.segments) dat << "\t" << s.title;
    dat << "\ttotal\tbest\tcolor\n";
    for (size_t p = 0; p < ch.panels.size(); ++p) {
        const Panel& pn = ch.panels[p];
        if (p > 0) dat << "\n\n";
        dat << "# panel " << p << ": " << plot_label(pn.title) << "\n";
        for (const Bar& b : pn.bars) {
            size_t di = 0;
            for (size_t k = 0; k < c.runs.size(); ++k)
                if (c.runs[k].dataflow == b.e->dataflow) di = k;
            const double total = bar_total(ch, p, b) / pn.scale;
            dat << fmt("%g", b.x) << "\t" << plot_label(b.e->dataflow) << "\t" << plot_label(b.layer);
            if (ch.segments.empty())
                dat << "\t" << fmt("%.6g", total);
            else
                for (const Segment& s : ch.segments) dat << "\t" << fmt("%.6g", s.value(*b.e));
            dat << "\t" << fmt("%.6g", total) << "\t" << (b.best ? 1 : 0) << "\t"
                << std::stoul(std::string(dataflow_color(di)).substr(1), nullptr, 16) << "\n";
        }
    }
    write_file_atomic((dir / (ch.base + ".dat")).string(), dat.str());
}

// The gnuplot script: a multiplot of the panels, rendered to PNG and SVG.
void write_chart_script(const CompareResult& c, const Chart& ch, const std::string& context, const fs::path& dir) {
    const size_t nd = c.runs.size();
    const size_t nv = ch.segments.empty() ? 1 : ch.segments.size();
    const size_t total_col = 4 + nv, best_col = 5 + nv, color_col = 6 + nv;
    // about 20 px a bar in the widest panel (room for its rotated label), 240 px a panel
    double slots = 0;
    for (const Panel& p : ch.panels) slots = std::max(slots, p.xmax + 2);
    // and room for the title's longer line (about 8.5 px a character at 12 pt)
    const size_t title_chars = std::max(chart_title(c, ch.what).size(), context.size());
    const int width =
        std::clamp(std::max(static_cast<int>(150 + slots * 20), static_cast<int>(60 + 8.5 * title_chars)), 640, 1400);
    // the title (two lines), the key (two rows), then the panels, placed by hand
    const int title_h = 62, key_h = 44, panel_h = ch.segments.empty() ? 215 : 250;
    const int height = title_h + key_h + panel_h * static_cast<int>(ch.panels.size()) + 8;
    std::ostringstream gp;
    gp << "# " << ch.what << ", written by dfsim compare. Run in this directory to re-render:\n"
       << "#   gnuplot " << ch.base << ".gp    (writes " << ch.base << ".png and " << ch.base << ".svg)\n"
       << "# Data: " << ch.base << ".dat (one block per panel; one row per bar: x, dataflow, layer, "
       << (ch.segments.empty() ? "value" : "segments bottom to top")
       << ", total, best, colour as 0xRRGGBB in decimal).\n"
       << "if (!exists(\"outbase\")) outbase = " << gp_string(ch.base) << "\n"
       << "datafile = " << gp_string(ch.base + ".dat") << "\n"
       << "set datafile separator \"\\t\"\n"
       << "set encoding utf8\n"
       << "set style fill solid 1.0 border lc rgb \"#404040\"\n"
       << "set boxwidth 0.8\n"
       << "set border 3\n"
       << "set grid ytics back lt 1 lc rgb \"#dcdcdc\" lw 1\n"
       << "set ytics nomirror font \",9\"\n"
       << "set xtics nomirror scale 0 rotate by 90 right font \",8\"\n"
       << "set lmargin 10\nset rmargin 2\nset bmargin 4.5\nset tmargin 2.5\n"
       << "font = \"DejaVu Sans,10\"\n"
       << "do for [target = 1:2] {\n"
       << "  if (target == 1) { set terminal pngcairo noenhanced size " << width << "," << height
       << " font font; set output outbase.\".png\" }\n"
       << "  if (target == 2) { set terminal svg noenhanced size " << width << "," << height
       << " font font background \"white\"; set output outbase.\".svg\" }\n"
       << "  set multiplot title " << gp_string(chart_title(c, ch.what))
       << (context.empty() ? "" : " . \"\\n\" . " + gp_string(context)) << " font \",12\"\n";
    for (size_t p = 0; p < ch.panels.size(); ++p) {
        const Panel& pn = ch.panels[p];
        double top = 0;
        for (const Bar& b : pn.bars) top = std::max(top, bar_total(ch, p, b) / pn.scale);
        const std::string label_format = ch.segments.empty() ? "%.3g"
                                         : top >= 100        ? "%.0f"
                                         : top >= 10         ? "%.1f"
                                                             : "%.2f";
        const double y0 = static_cast<double>(height - title_h - key_h - panel_h * static_cast<int>(p + 1)) / height;
        gp << "  set origin 0, " << fmt("%.5f", y0) << "\n  set size 1, " << fmt("%.5f", double(panel_h) / height)
           << "\n";
        gp << "  unset label\n  unset arrow\n"
           << "  set title " << gp_string(pn.title) << " font \",11\"\n"
           << "  set ylabel " << gp_string(pn.ylabel) << " font \",10\"\n"
           << "  set xrange [-0.8:" << fmt("%g", pn.xmax + 0.8) << "]\n"
           << "  set yrange [0:*]\n  set offsets 0, 0, graph 0.16, 0\n";
        for (size_t k = 0; k < pn.labels.size(); ++k)
            gp << "  set label " << k + 1 << " " << gp_string(pn.labels[k].second) << " at first "
               << fmt("%g", pn.labels[k].first) << ", graph 0 center offset 0,-3.3 font \""
               << (pn.bold[k] ? ":Bold,10" : ",10") << "\"\n";
        if (pn.divider >= 0)
            gp << "  set arrow 1 from first " << fmt("%g", pn.divider) << ", graph 0 to first " << fmt("%g", pn.divider)
               << ", graph 1 nohead dt 2 lc rgb \"#808080\"\n";
        // the key once, above the first panel
        if (p == 0)
            gp << "  set key at screen 0.5, screen " << fmt("%.5f", 1.0 - double(title_h) / height)
               << " center top horizontal maxrows 2 Left reverse samplen 1.5 width 1 font \",9\"\n";
        else
            gp << "  unset key\n";
        gp << "  plot \\\n";
        const std::string idx = " index " + std::to_string(p);
        if (ch.segments.empty()) {
            gp << "    datafile" << idx << " using 1:" << total_col << ":" << color_col
               << ":xtic(2) with boxes lc rgb variable notitle, \\\n";
            if (p == 0)
                for (size_t d = 0; d < nd; ++d)
                    gp << "    keyentry with boxes lc rgb " << gp_string(dataflow_color(d)) << " title "
                       << gp_string(c.runs[d].dataflow) << ", \\\n";
        } else {
            for (size_t k = nv; k-- > 0;) {
                std::string sum;
                for (size_t i = 0; i <= k; ++i) sum += (i ? "+column(" : "column(") + std::to_string(4 + i) + ")";
                gp << "    datafile" << idx << " using 1:(" << sum << ")" << (k == nv - 1 ? ":xtic(2)" : "")
                   << " with boxes lc rgb " << gp_string(ch.segments[k].color) << " "
                   << (p == 0 ? "title " + gp_string(ch.segments[k].title) : std::string("notitle")) << ", \\\n";
            }
        }
        gp << "    datafile" << idx << " using 1:(column(" << best_col << ") == 1 ? column(" << total_col
           << ") : 1/0) with boxes fs empty border lc rgb \"black\" lc rgb \"black\" lw 2.5 "
           << (p == 0 ? "title " + gp_string(ch.best_title) : std::string("notitle")) << ", \\\n"
           << "    datafile" << idx << " using 1:" << total_col << ":(sprintf(" << gp_string(label_format)
           << ", column(" << total_col << "))) with labels rotate by 90 left offset 0,0.4 font \",8\" notitle\n";
    }
    gp << "  unset multiplot\n  unset output\n}\n";
    write_file_atomic((dir / (ch.base + ".gp")).string(), gp.str());
}

}  // namespace

const std::vector<std::pair<std::string, std::string>>& compare_chart_names() {
    static const std::vector<std::pair<std::string, std::string>> names = {
        {"energy_by_level", "energy per MAC by storage level"},
        {"energy_by_type", "energy per MAC by data type"},
        {"latency_edp", "latency and energy-delay product"}};
    return names;
}

void write_compare_plots(const CompareResult& c, const std::string& out_dir, const Provenance* prov) {
    DFSIM_ASSERT(!c.runs.empty(), "nothing to plot");
    require_gnuplot();
    const fs::path dir(out_dir);
    fs::create_directories(dir);
    const Model m = make_model(c);
    const auto sets = panel_sets(m);
    DFSIM_ASSERT(!sets.empty(), "no accelerator layer to plot");
    const std::string upm = unit_per_mac(c);
    const std::string context = prov ? plot_context(c.network, *prov) : "";

    auto lv = [](Level l) { return [l](const Entry& e) { return e.per_mac(e.r.energy.level(l)); }; };
    auto ty = [](DataType d) { return [d](const Entry& e) { return e.per_mac(e.r.energy.type(d)); }; };
    const std::function<double(const Entry&)> alu = [](const Entry& e) { return e.per_mac(e.r.energy.alu); };
    const std::function<double(const Entry&)> epm = [](const Entry& e) { return e.energy_per_mac(); };
    const std::string ylabel = c.energy_unit == EnergyUnit::Pj ? "pJ/MAC" : "MAC-eq./MAC";
    Chart by_level{"energy_by_level", "energy per MAC by storage level", {{"ALU", "#999999", alu}}, {}, {}, ""};
    for (Level l : levels_near_first())
        by_level.segments.push_back({level_style(l).plot_title, level_style(l).color, lv(l)});
    Chart by_type{"energy_by_type", "energy per MAC by data type", {{"ALU", "#999999", alu}}, {}, {}, ""};
    for (DataType d : kDataTypes) by_type.segments.push_back({std::string(to_string(d)), type_color(d), ty(d)});
    // leakage and clock, where the table has them: the stack then sums to the total
    const std::function<double(const Entry&)> st = [](const Entry& e) { return e.per_mac(e.r.energy.statics()); };
    const bool has_static = std::any_of(c.runs.begin(), c.runs.end(), [](const NetworkResult& r) {
        return std::any_of(r.layers.begin(), r.layers.end(),
                           [](const LayerResult& l) { return l.energy.statics() > 0; });
    });
    if (has_static)
        for (Chart* ch : {&by_level, &by_type}) ch->segments.push_back({"static (leakage, clock)", "#dddddd", st});
    for (Chart* ch : {&by_level, &by_type}) {
        ch->best_title = "lowest energy/MAC of the layer";
        for (const auto& [title, groups] : sets) {
            ch->panels.push_back(make_panel(title, groups, true, epm));
            ch->panels.back().ylabel = ylabel;
        }
    }
    // cycles (as latency) and EDP, a panel each per set
    const bool pj = c.energy_unit == EnergyUnit::Pj;
    Chart timing{"latency_edp", "latency and energy-delay product", {}, {}, {}, "lowest of the layer"};
    const std::function<double(const Entry&)> ms = [](const Entry& e) { return e.seconds() * 1e3; };
    const std::function<double(const Entry&)> edp = [pj](const Entry& e) { return e.edp() * (pj ? 1e-12 : 1.0); };
    // the layers of each group, then the subtotals and the total (their EDP, the sums' energy
    // times the sums' latency, is of another order than a layer's)
    std::vector<std::pair<std::string, std::vector<const Group*>>> time_sets;
    std::vector<const Group*> sums;
    for (const Group& s : m.subtotals) {
        std::vector<const Group*> v;
        for (const Group& g : m.layers)
            if (g.ranked() && g.layer_group == s.name) v.push_back(&g);
        time_sets.emplace_back(s.name + " layers", v);
        if (m.show_subtotals()) sums.push_back(&s);
    }
    sums.push_back(&m.total);
    time_sets.emplace_back(m.show_subtotals() ? "subtotals and total" : "total", sums);
    for (const auto& [title, groups] : time_sets) {
        Panel lat = make_panel(title + ": latency", groups, false, ms);
        lat.ylabel = "latency (ms)";
        timing.panels.push_back(lat);
        timing.panel_value.push_back(ms);
        Panel e = make_panel(title + ": energy x delay", groups, false, edp);
        double largest = 0;
        for (const Bar& b : e.bars) largest = std::max(largest, edp(*b.e));
        const SiScale s = si_scale(largest, "µ");
        e.scale = s.factor;
        e.ylabel = "EDP (" + s.prefix + (pj ? "J·s)" : "E·s)");
        timing.panels.push_back(e);
        timing.panel_value.push_back(edp);
    }
    std::vector<std::string> bases;
    for (const Chart* ch : {&by_level, &by_type, &timing}) {
        write_chart_data(c, *ch, dir);
        write_chart_script(c, *ch, context, dir);
        bases.push_back(ch->base);
    }
    render_plots(dir, bases);
}

}  // namespace dfsim
