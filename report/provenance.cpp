#include "report/provenance.h"

#include <algorithm>
#include <sstream>

#include "base/csv.h"
#include "base/fmt.h"

namespace dfsim {

namespace {

bool shell_safe(const std::string& a) {
    if (a.empty()) return false;
    for (char ch : a) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                        std::string("_./:=,@%+-").find(ch) != std::string::npos;
        if (!ok) return false;
    }
    return true;
}

std::string shell_quote(const std::string& a) {
    if (shell_safe(a)) return a;
    std::string q = "'";
    for (char ch : a) {
        if (ch == '\'')
            q.append("'\\''");
        else
            q.push_back(ch);
    }
    q.push_back('\'');
    return q;
}

std::string joined(const std::vector<std::string>& v, const char* sep) {
    std::string s;
    for (const std::string& x : v) s += (s.empty() ? "" : sep) + x;
    return s;
}

}  // namespace

std::string shell_command(const std::vector<std::string>& args) {
    std::string s = "dfsim";
    for (const std::string& a : args) {
        s.push_back(' ');
        s.append(shell_quote(a));
    }
    return s;
}

std::string arch_summary(const ArchParams& a) {
    std::ostringstream os;
    os << a.rows << "x" << a.cols << " PEs, spads " << a.pe.ifmap_spad_words << "/" << a.pe.filter_spad_words << "/"
       << a.pe.psum_spad_words << " words (ifmap/filter/psum), GLB "
       << fmt("%.1f", static_cast<double>(a.glb.size_bytes) / 1024.0) << " KB in " << a.glb.banks << " banks, ";
    if (a.word_bits > 0) os << a.word_bits << "-bit words, ";
    os << a.clock_mhz << " MHz, DRAM " << a.dram.bytes_per_cycle << " B/cycle";
    return os.str();
}

std::string build_label(const Provenance& p) { return "dfsim " + p.version + " (git " + p.commit + ")"; }

nlohmann::json provenance_json(const Provenance& p) {
    return {{"dfsim_version", p.version},
            {"git_commit", p.commit},
            {"command", p.command},
            {"seed", p.seed},
            {"timing", p.timing},
            {"objective", p.objective},
            {"batch", p.batch},
            {"layers", p.layers},
            {"workload", p.workload},
            {"arch", {{"name", p.arch_name}, {"file", p.arch_file}, {"summary", p.arch_summary}}},
            {"energy_table", {{"name", p.energy_table}, {"file", p.energy_file}, {"unit", p.energy_unit}}},
            {"dataflows", p.dataflows}};
}

void set_arch_and_table(Provenance& p, const ArchParams& a, const EnergyTable& t) {
    p.arch_name = a.name;
    p.arch_file = a.file;
    p.arch_summary = arch_summary(a);
    p.pe_array = std::to_string(a.rows) + "x" + std::to_string(a.cols);
    p.energy_file = t.file;
    p.energy_table = t.name;
    p.energy_unit = to_string(t.unit);
}

std::string provenance_line(const Provenance& p) {
    // "context: " and the items, wrapped before an item that would pass 120 columns; then the command
    auto item = [](const char* name, const std::string& value) { return std::string(name).append(value); };
    const std::vector<std::string> items = {
        item("batch ", p.batch > 0 ? std::to_string(p.batch) : std::string("per point")),
        item("layers ", p.layers),
        item("seed ", std::to_string(p.seed)),
        item("objective ", p.objective),
        item("workload ", p.workload),
        item("arch ", p.arch_file),
        item("energy ", p.energy_file),
        build_label(p)};
    std::string out, line = "context:";
    // the build label measured at its longest (a 12-digit commit and "-modified"), so that where
    // the lines break does not depend on the commit (the golden tests mask it)
    const size_t build_width = std::string("dfsim  (git 0123456789ab-modified)").size() + p.version.size();
    for (size_t i = 0; i < items.size(); ++i) {
        std::string it = items[i];
        if (i + 1 < items.size()) it += ',';
        const size_t width = i + 1 == items.size() ? std::max(it.size(), build_width) : it.size();
        if (line.size() + 1 + width > 120 && line != "context:") {
            out.append(line).append("\n");
            line.clear();
            line.push_back(' ');
        }
        line.append(" ").append(it);
    }
    out.append(line).append("\ncommand: ").append(p.command).append("\n");
    return out;
}

std::vector<std::string> provenance_csv_columns() {
    return {"batch",     "layer_selection", "seed",          "objective",  "workload_file",
            "arch_file", "energy_file",     "dfsim_version", "git_commit", "command"};
}

std::vector<std::string> provenance_csv_values(const Provenance& p) {
    return {std::to_string(p.batch),
            p.layers,
            std::to_string(p.seed),
            p.objective,
            p.workload,
            p.arch_file,
            p.energy_file,
            p.version,
            p.commit,
            p.command};
}

std::string with_provenance_columns(const std::string& csv, const Provenance& p) {
    std::string head = csv_line(provenance_csv_columns()), values = csv_line(provenance_csv_values(p));
    head.pop_back();  // its "\n"
    values.pop_back();
    std::string out;
    bool first = true, quoted = false;
    for (char ch : csv) {
        if (ch == '"') quoted = !quoted;
        if (ch == '\n' && !quoted) {
            out.push_back(',');
            out.append(first ? head : values);
            first = false;
        }
        out.push_back(ch);
    }
    return out;
}

std::string plot_context(const std::string& network, const Provenance& p) {
    return network + ", layers " + p.layers + ", batch " +
           (p.batch > 0 ? std::to_string(p.batch) : std::string("per point")) + ", " + p.arch_name + " " + p.pe_array +
           " PEs, dataflow" + (p.dataflows.size() == 1 ? " " : "s ") + joined(p.dataflows, ",");
}

}  // namespace dfsim
