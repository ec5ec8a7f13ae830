#include "workload/formats/scalesim.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <sstream>
#include <vector>

#include "base/csv.h"
#include "base/error.h"
#include "base/input_file.h"
#include "base/text.h"

namespace dfsim {

namespace {

// The columns of each layout, as errors name them.
const std::vector<std::string> kConvColumns = {"Layer name",   "IFMAP Height", "IFMAP Width", "Filter Height",
                                               "Filter Width", "Channels",     "Num Filter",  "Strides"};
const std::vector<std::string> kConv2Columns = {"Layer name",   "IFMAP Height", "IFMAP Width", "Filter Height",
                                                "Filter Width", "Channels",     "Num Filter",  "Stride Height",
                                                "Stride Width"};  // SCALE-Sim's topology writer
const std::vector<std::string> kGemmColumns = {"Layer", "M", "N", "K"};
constexpr int kMaxValue = 1 << 20;

// A line's fields (trimmed, with the 1-based column at which each starts) and its comment.
struct Row {
    std::vector<std::pair<std::string, int>> fields;
    std::string comment;  // from the first field that starts with '#' to the end of the line ("" none)
    int end_column = 1;  // the column after the line's last character
};

Row split(const std::string& line) {
    Row row;
    row.end_column = static_cast<int>(line.size()) + 1;
    size_t start = 0;
    while (true) {
        const size_t comma = line.find(',', start);
        const std::string raw = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const size_t lead = raw.find_first_not_of(" \t");
        const std::string field = trim_space(raw);
        if (!field.empty() && field[0] == '#') {  // a comment runs to the end of the line
            row.comment = trim_space(line.substr(start + lead));
            break;
        }
        row.fields.emplace_back(field, static_cast<int>(start + (lead == std::string::npos ? 0 : lead)) + 1);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (!row.fields.empty() && row.fields.back().first.empty()) row.fields.pop_back();  // the trailing comma
    return row;
}

// The layout a header line names: its columns, or a ConfigError naming the first one that differs.
const std::vector<std::string>& read_header(const Row& row, const std::string& file, int line) {
    const auto& f = row.fields;
    const bool gemm = f.size() >= 2 && ascii_lower(f[1].first) == "m";
    const bool two_strides = f.size() >= 8 && ascii_lower(f[7].first) == ascii_lower(kConv2Columns[7]);
    const std::vector<std::string>& cols = gemm ? kGemmColumns : two_strides ? kConv2Columns : kConvColumns;
    const std::string what = gemm ? "the SCALE-Sim GEMM topology header" : "the SCALE-Sim topology header";
    for (size_t k = 0; k < cols.size(); ++k) {
        const bool ok = k < f.size() &&
                        (ascii_lower(f[k].first) == ascii_lower(cols[k]) ||
                         (k == 0 && (ascii_lower(f[k].first) == "layer" || ascii_lower(f[k].first) == "layer name")));
        if (!ok)
            throw ConfigError(file, "header", line, k < f.size() ? f[k].second : row.end_column,
                              "expected " + what + ", column " + std::to_string(k + 1) + " '" + cols[k] + "'");
    }
    if (f.size() != cols.size())
        throw ConfigError(file, "header", line, f[cols.size()].second,
                          "expected " + std::to_string(cols.size()) + " columns (" + cols.front() + " ... " +
                              cols.back() + "), got " + std::to_string(f.size()));
    return cols;
}

// The integer in field k of a row: [1, 2^20], else a ConfigError naming the column.
int value(const Row& row, size_t k, const std::vector<std::string>& cols, const std::string& file, int line) {
    const auto& [f, col] = row.fields[k];
    size_t used = 0;
    long long x = 0;
    try {
        x = std::stoll(f, &used);
    } catch (const std::exception&) {
        used = 0;
    }
    if (f.empty() || used != f.size() || x < 1 || x > kMaxValue)
        throw ConfigError(file, cols[k], line, col,
                          "expected an integer in [1, " + std::to_string(kMaxValue) + "], got '" + f + "'");
    return static_cast<int>(x);
}

// What the import assumed, by layer: each kind becomes one note.
struct ImportNotes {
    std::vector<std::string> dw, dp, ceil;
};

// A conv row's shape: the depthwise markings (#dw, "DP") as groups; SCALE-Sim's ceil noted.
LayerShape conv_shape(const Row& row, const std::vector<std::string>& cols, const std::string& file, int line,
                      const std::string& name, ImportNotes& notes) {
    int v[9] = {};
    for (size_t k = 1; k < cols.size(); ++k) v[k] = value(row, k, cols, file, line);
    LayerShape s;
    s.H = v[1], s.W = v[2], s.R = v[3], s.S = v[4], s.C = v[5], s.M = v[6], s.U = v[7];
    if (cols.size() == 9 && v[8] != v[7])
        throw ConfigError(file, cols[8], line, row.fields[8].second,
                          "expected the Stride Height (" + std::to_string(v[7]) + "): dfsim's layers have one stride");
    if (s.R > s.H)
        throw ConfigError(file, cols[3], line, row.fields[3].second,
                          "expected at most the IFMAP Height (" + std::to_string(s.H) + ")");
    if (s.S > s.W)
        throw ConfigError(file, cols[4], line, row.fields[4].second,
                          "expected at most the IFMAP Width (" + std::to_string(s.W) + ")");
    if (name.find("DP") != std::string::npos) {  // SCALE-Sim: Channels layers of one channel each
        if (static_cast<int64_t>(s.C) * s.M > kMaxValue)
            throw ConfigError(file, cols[6], line, row.fields[6].second,
                              "expected Channels x Num Filter at most " + std::to_string(kMaxValue) +
                                  " (a 'DP' layer has Num Filter filters per channel)");
        s.G = s.C;
        s.M *= s.C;
        notes.dp.push_back(name);
    } else if (ascii_lower(row.comment).rfind("#dw", 0) == 0) {
        if (s.M != s.C)
            throw ConfigError(
                file, cols[6], line, row.fields[6].second,
                "expected the Channels (" + std::to_string(s.C) + "): a #dw row is depthwise, one filter per channel");
        s.G = s.C;
        notes.dw.push_back(name);
    }
    if ((s.H - s.R) % s.U != 0 || (s.W - s.S) % s.U != 0) notes.ceil.push_back(name);
    return s;
}

// A GEMM row as a 1x1 conv: M x 1 pixels of K channels, N filters.
LayerShape gemm_shape(const Row& row, const std::string& file, int line) {
    LayerShape s;
    s.H = value(row, 1, kGemmColumns, file, line);
    s.M = value(row, 2, kGemmColumns, file, line);
    s.C = value(row, 3, kGemmColumns, file, line);
    return s;
}

// The layer of one row (a ConfigError naming the file, line, column and field if it is bad).
Layer read_row(const Row& row, const std::vector<std::string>& cols, const std::string& file, int line, size_t index,
               ImportNotes& notes) {
    const size_t n = row.fields.size();
    if (n < cols.size())
        throw ConfigError(file, cols[n], line, row.end_column,
                          "expected " + std::to_string(cols.size()) + " fields (" + cols.front() + " ... " +
                              cols.back() + "), got " + std::to_string(n));
    if (n > cols.size())
        throw ConfigError(file, "end of row", line, row.fields[cols.size()].second,
                          "expected " + std::to_string(cols.size()) + " fields (" + cols.front() + " ... " +
                              cols.back() + ") and then at most a '#' comment, got " + std::to_string(n));
    Layer l;
    l.name = row.fields[0].first.empty() ? "layer" + std::to_string(index) : row.fields[0].first;
    l.shape = &cols == &kGemmColumns ? gemm_shape(row, file, line) : conv_shape(row, cols, file, line, l.name, notes);
    const LayerShape& s = l.shape;
    l.type = (s.R == s.H && s.S == s.W) ? LayerType::Fc : LayerType::Conv;
    check_layer_counts(l, file + ":" + std::to_string(line), "");
    // the data sources dfsim's own workloads default to, with per-layer seeds
    l.ifmap_data.seed = 11 + 1000003ULL * index;
    l.filter_data.distribution = "normal";
    l.filter_data.seed = 23 + 1000003ULL * index;
    return l;
}

// "A, B, C" (the first `most` names, then how many more).
std::string name_list(const std::vector<std::string>& names, size_t most = 4) {
    std::string s;
    for (size_t i = 0; i < names.size() && i < most; ++i) s += (i ? ", " : "") + names[i];
    if (names.size() > most) s += " and " + std::to_string(names.size() - most) + " more";
    return s;
}

void add_notes(Network& net, const ImportNotes& n) {
    if (!n.dw.empty())
        net.notes.push_back("rows marked #dw are depthwise layers, groups = Channels (" + name_list(n.dw) +
                            "); with Channels 1 a row is one channel of the layer, as SCALE-Sim simulates it");
    if (!n.dp.empty())
        net.notes.push_back(
            "rows whose name holds 'DP' are SCALE-Sim's depthwise layers, each one grouped layer "
            "here (groups = Channels) where SCALE-Sim runs and reports one layer per channel (" +
            name_list(n.dp) + ")");
    if (!n.ceil.empty())
        net.notes.push_back(
            "SCALE-Sim counts ceil((IFMAP - Filter + Stride) / Stride) output rows and columns, "
            "dfsim floor((IFMAP - Filter) / Stride) + 1: one fewer where the stride does not divide "
            "IFMAP - Filter (" +
            name_list(n.ceil) + ")");
}

}  // namespace

Network load_scalesim_csv_text(const std::string& text, const std::string& name) {
    Network net;
    net.file = name;
    std::string base = name.substr(name.find_last_of('/') + 1);
    net.name = base.substr(0, base.rfind('.'));
    std::istringstream in(text);
    std::string line;
    int line_no = 0;
    const std::vector<std::string>* cols = nullptr;  // the header's layout, once read
    std::map<std::string, int> lines;  // each layer's line
    ImportNotes notes;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const Row row = split(line);
        if (row.fields.empty()) continue;  // a blank line, a comment line
        if (!cols) {
            cols = &read_header(row, name, line_no);
            continue;
        }
        Layer l = read_row(row, *cols, name, line_no, net.layers.size(), notes);
        if (const auto [it, fresh] = lines.emplace(l.name, line_no); !fresh)
            throw ConfigError(name, cols->front(), line_no, row.fields[0].second,
                              "expected a name no other row has, got '" + l.name + "' (line " +
                                  std::to_string(it->second) + ") again");
        net.layers.push_back(std::move(l));
    }
    if (!cols) throw ConfigError(name, "header", 0, 0, "expected the SCALE-Sim topology header line");
    if (net.layers.empty()) throw ConfigError(name, "layers", 0, 0, "expected at least one layer row");
    add_notes(net, notes);
    return net;
}

Network load_scalesim_csv(const std::string& path) { return load_scalesim_csv_text(read_input_file(path), path); }

std::string to_scalesim_csv(const Network& net, std::string* skipped) {
    std::ostringstream os;
    for (size_t k = 0; k < kConvColumns.size(); ++k) os << (k ? ", " : "") << kConvColumns[k];
    os << ",\n";
    for (const Layer& l : net.layers) {
        if (l.on_host()) {
            if (skipped) *skipped += (skipped->empty() ? "" : ", ") + l.name;
            continue;
        }
        if (csv_needs_quotes(l.name))  // SCALE-Sim's reader (and ours) splits at commas and takes no quotes
            throw UserError("layer '" + l.name + "' of " + net.file +
                            ": a SCALE-Sim topology cannot hold a name with a comma, a double quote or a line break");
        const LayerShape& s = l.shape;
        for (int g = 0; g < s.G; ++g)
            os << (s.G > 1 ? l.name + "_g" + std::to_string(g) : l.name) << ", " << s.Hp() << ", " << s.Wp() << ", "
               << s.R << ", " << s.S << ", " << s.Cg() << ", " << s.Mg() << ", " << s.U << ",\n";
    }
    return os.str();
}

}  // namespace dfsim
