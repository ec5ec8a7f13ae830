// The figures the reports show, each declared once with its name, unit, description and value:
// the counters (base/stats.h), the result's own fields (cycles, output check, formats, ...) and
// the derived figures (utilization, energy by level and data type, per MAC, DRAM bytes, ...).
// And every writer's layout over them -- the run report's JSON fields and CSV columns, its text
// and HTML tables, compare's results, CSV and table, the sweep's rows and CSV -- built from the
// counters and the level and data-type lists, so that a new counter or a new storage level
// changes no writer. docs/report.md's field tables are rendered from here (tests/test_figures.cpp).
#pragma once
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/stats.h"
#include "sim/simulator.h"

namespace dfsim {

// One row of a report: a layer's result or the total, with what its figures need besides.
struct FigureRow {
    explicit FigureRow(const LayerResult& result) : r(result) {}
    explicit FigureRow(const LayerResult&&) = delete;  // it refers to the result: not a temporary
    const LayerResult& r;
    int pes = 1;  // PEs of the array it ran on (utilization)
    EnergyUnit unit = EnergyUnit::Pj;  // the energy table's
    bool total = false;  // the total row: no shape, mapping, datapath or formats
    std::string dataflow;  // compare: the run's dataflow and its ratio to the best (NaN: not ranked)
    double ratio_to_best = 1;
    // compare: what the row is ("layer", "host", "subtotal", "total"), its layer group ("CONV",
    // "FC", ...; "" for a host layer and the total), and whether it is the best of its layer,
    // subtotal or total (the lowest energy per MAC, the first on a tie)
    std::string row_type, layer_group;
    bool best = false;
    double clock_mhz = 0;  // sweep: latency and throughput
    int batch = 0;
    double area_mm2 = 0;  // the area model's area of the run's architecture (0: none)
    RunModel model = RunModel::Simulation;  // the run's: what produced the cycles (timing_name)
    Timing timing = Timing::Pass;
    // a layer the accelerator ran (not the total, not a host layer): it has a datapath and formats
    bool accelerator_layer() const { return !total && r.executed_on == ExecutedOn::Accelerator; }
};

// A figure: a counter, a field of the result, or a formula over them.
struct Figure {
    std::string name;  // "utilization", "energy_dram", "dram_ifmap_reads" (a counter's own name)
    std::string unit;  // "fraction", "table unit", "MACs", "-" (none)
    std::string description;  // for docs/report.md (markdown)
    std::function<nlohmann::json(const FigureRow&)> value;  // null: none in this row (no field, an empty cell)
};

// What produced a run's cycles, as every report names it: `pass` or `cycle` (the simulation in
// that timing model, --timing) or `estimate` (the mappers' analytical model, nothing simulated).
std::string timing_name(RunModel model, Timing timing);
// The name with what it is, for headers and titles: "pass (pass-level model)", "cycle
// (cycle-level engine)", "estimate (analytical model)"; a name it does not know, as it is.
std::string timing_label(const std::string& name);
std::string timing_label(RunModel model, Timing timing);

// A layer's (or the total's) row of a run report: the run's PEs, energy unit, model and timing.
FigureRow run_row(const NetworkResult& r, const LayerResult& l, bool total);
FigureRow run_row(const NetworkResult& r, const LayerResult&& l, bool total) = delete;  // l must outlive the row

// A layer shape as the reports write it: {N, C, H, W, M, R, S, stride, padding, groups, E, F}.
nlohmann::json shape_json(const LayerShape& s);

// Every figure: the counters (in the registry's order), then the others.
const std::vector<Figure>& figures();
const Figure& figure(std::string_view name);  // an internal error if there is none

// A figure as one writer shows it: its JSON path and CSV column.
struct Field {
    const Figure* figure = nullptr;
    std::string json;  // path in the JSON object, dots nest ("energy.dram"); "": not in the JSON
    std::string csv;  // CSV column; "": not in the CSV
    const char* format = "%.6g";  // CSV: printf format of a real number
    std::string group;  // docs: consecutive fields of a group share one table row (see field_groups)
};

// The run report's layer entries (JSON) and CSV columns (in CSV order; the JSON sorts its keys).
// Counters with kInJson / kInCsv not placed explicitly come last: a new counter is a new last column.
std::vector<Field> run_fields();
// dfsim compare: the fields of each result (JSON) and the CSV columns.
std::vector<Field> compare_fields();
// dfsim sweep: a point's figures in its row (JSON; the point's own settings are the sweep's) and
// their CSV columns.
std::vector<Field> sweep_fields();

// The fields' JSON object for one row (paths with no value left out).
nlohmann::json fields_json(const std::vector<Field>& fields, const FigureRow& row);
// Sets j at a dotted path.
void set_json_path(nlohmann::json& j, const std::string& path, nlohmann::json v);
// The value at a dotted path, or null.
nlohmann::json json_path_value(const nlohmann::json& j, const std::string& path);
// A CSV cell's text, before quoting: a string as it is, an integer in full, a real number with
// `format`, null empty.
std::string csv_value(const nlohmann::json& v, const char* format);
// The header line and one row of the CSV columns among `fields` (each with its newline), every
// cell quoted where RFC 4180 needs it (base/csv.h).
std::string csv_header(const std::vector<Field>& fields);
std::string csv_row(const std::vector<Field>& fields, const FigureRow& row);

// A column of a text table and of its HTML twin.
struct Column {
    std::string header;  // text header
    std::string html_header;  // HTML header, with its unit
    int width = 0;  // text: right-aligned in `width` columns; negative: left-aligned; 0: the last, unpadded
    bool bar = false;  // text: " | " before it (a new group of columns)
    std::function<std::string(const FigureRow&)> text, html;  // the cells (the HTML writer escapes them)
    std::string figure;  // the figure it shows
};
// `dfsim run`'s table (text and HTML): the layer column `name_width` wide. Not `wide`: the text
// default, under 120 columns with names of up to 8 letters: no gated MACs, no energy by data type.
// with_static: a column of leakage + clock energy (tables with static figures, NetworkResult::has_static).
std::vector<Column> run_table_columns(EnergyUnit unit, int name_width, bool wide = true, bool with_static = false);
// Its second text table: precision and zeros (accelerator layers and the total). Counters with
// kInText that the first table does not show come last.
std::vector<Column> run_detail_columns(EnergyUnit unit, int name_width);
// `dfsim compare`'s table: layer and dataflow columns `name_width` and `dataflow_width` wide.
// The default columns fit 120 characters (energy per MAC, vs best, cycles, utilization, EDP,
// energy by level, output); `wide` adds the energy by data type and the DRAM accesses per MAC.
// The EDP is printed divided by `edp_scale`, three significant digits (its header names the unit,
// `edp_unit`).
std::vector<Column> compare_table_columns(EnergyUnit unit, int name_width, int dataflow_width, bool wide = false,
                                          double edp_scale = 1, const std::string& edp_unit = "J*s");
// One text line: each column's cell (or header), padded, separated by " " or " | ".
std::string text_line(const std::vector<Column>& columns, const std::function<std::string(const Column&)>& cell);

// How the reports label and colour the storage levels and data types.
struct LevelStyle {
    std::string label;  // run tables: "DRAM", "GLB", "NoC", "RF"
    std::string compare_label;  // compare tables: the same
    std::string plot_title;  // compare and sweep charts: the same
    std::string color;  // compare charts
};
LevelStyle level_style(Level l);
std::string type_color(DataType t);
// The levels nearest the ALU first (RF, NoC, GLB, DRAM): the order of compare's breakdowns.
std::vector<Level> levels_near_first();

// docs/report.md: the fields of a layout as a markdown table, `json` or CSV view (a field not
// in that view is left out; a group is one row).
std::string markdown_fields(const std::vector<Field>& fields, bool json);
// docs/report.md: every counter (name, unit, where the run report shows it, meaning), and the
// access counters' reads and writes per level and data type.
std::string markdown_counters();
std::string markdown_access_counts();

}  // namespace dfsim
