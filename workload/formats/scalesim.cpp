#include "workload/formats/scalesim.h"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <sstream>
#include <vector>

#include "base/csv.h"
#include "base/error.h"
#include "base/input_file.h"

namespace dfsim {

namespace {

const char* const kColumns[] = {"Layer name",   "IFMAP Height", "IFMAP Width", "Filter Height",
                                "Filter Width", "Channels",     "Num Filter",  "Strides"};
constexpr int kNumColumns = 8;

std::string trim(const std::string& s) {
    size_t a = 0, b = s.size();
    while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
    while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
    return s.substr(a, b - a);
}

std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
}

// Fields of a line with the 1-based column at which each starts.
std::vector<std::pair<std::string, int>> split(const std::string& line) {
    std::vector<std::pair<std::string, int>> out;
    size_t start = 0;
    while (true) {
        const size_t comma = line.find(',', start);
        const std::string raw = line.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
        const size_t lead = raw.find_first_not_of(" \t");
        out.emplace_back(trim(raw), static_cast<int>(start + (lead == std::string::npos ? 0 : lead)) + 1);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    if (!out.empty() && out.back().first.empty()) out.pop_back();  // SCALE-Sim's trailing comma
    return out;
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
    bool header = false;
    while (std::getline(in, line)) {
        ++line_no;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) continue;
        const auto fields = split(line);
        if (!header) {
            for (int k = 0; k < kNumColumns; ++k) {
                const bool ok = k < static_cast<int>(fields.size()) &&
                                lower(fields[static_cast<size_t>(k)].first) == lower(kColumns[k]);
                if (!ok)
                    throw ConfigError(name, "header", line_no,
                                      k < static_cast<int>(fields.size()) ? fields[static_cast<size_t>(k)].second : 1,
                                      std::string("expected the SCALE-Sim topology header, column ") +
                                          std::to_string(k + 1) + " '" + kColumns[k] + "'");
            }
            if (fields.size() != kNumColumns)
                throw ConfigError(name, "header", line_no, fields[kNumColumns].second,
                                  "expected 8 columns (Layer name ... Strides), got " + std::to_string(fields.size()));
            header = true;
            continue;
        }
        if (fields.size() != kNumColumns)
            throw ConfigError(name, "row " + std::to_string(net.layers.size() + 1), line_no, 1,
                              "expected 8 fields (Layer name ... Strides), got " + std::to_string(fields.size()));
        int v[kNumColumns] = {};
        for (int k = 1; k < kNumColumns; ++k) {
            const auto& [f, col] = fields[static_cast<size_t>(k)];
            size_t used = 0;
            long long x = 0;
            try {
                x = std::stoll(f, &used);
            } catch (const std::exception&) {
                used = 0;
            }
            if (f.empty() || used != f.size() || x < 1 || x > (1 << 20))
                throw ConfigError(name, kColumns[k], line_no, col,
                                  "expected an integer in [1, 1048576], got '" + f + "'");
            v[k] = static_cast<int>(x);
        }
        Layer l;
        l.name = fields[0].first.empty() ? "layer" + std::to_string(net.layers.size()) : fields[0].first;
        LayerShape& s = l.shape;
        s.H = v[1], s.W = v[2], s.R = v[3], s.S = v[4], s.C = v[5], s.M = v[6], s.U = v[7];
        if (s.R > s.H)
            throw ConfigError(name, kColumns[3], line_no, fields[3].second,
                              "expected at most the IFMAP Height (" + std::to_string(s.H) + ")");
        if (s.S > s.W)
            throw ConfigError(name, kColumns[4], line_no, fields[4].second,
                              "expected at most the IFMAP Width (" + std::to_string(s.W) + ")");
        l.type = (s.R == s.H && s.S == s.W) ? LayerType::Fc : LayerType::Conv;
        // the data sources dfsim's own workloads default to, with per-layer seeds
        const uint64_t index = net.layers.size();
        l.ifmap_data.seed = 11 + 1000003ULL * index;
        l.filter_data.distribution = "normal";
        l.filter_data.seed = 23 + 1000003ULL * index;
        net.layers.push_back(l);
    }
    if (!header) throw ConfigError(name, "header", 0, 0, "expected the SCALE-Sim topology header line");
    if (net.layers.empty()) throw ConfigError(name, "layers", 0, 0, "expected at least one layer row");
    return net;
}

Network load_scalesim_csv(const std::string& path) { return load_scalesim_csv_text(read_input_file(path), path); }

std::string to_scalesim_csv(const Network& net, std::string* skipped) {
    std::ostringstream os;
    for (int k = 0; k < kNumColumns; ++k) os << (k ? ", " : "") << kColumns[k];
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
