#include "config/scalesim_cfg.h"

#include <cctype>
#include <map>
#include <sstream>
#include <vector>

#include "base/error.h"
#include "base/input_file.h"
#include "base/text.h"

namespace dfsim {

namespace {

// One `key = value` (or `key: value`) line of the file.
struct Entry {
    std::string section, key, value;  // key as written; value trimmed
    int line = 0, column = 0;  // of the value
    bool used = false;  // mapped onto the architecture (the others are named in a note)
};

// The file as configparser reads it: [section] headers, then keys; '#' and ';' start comment lines.
class Ini {
public:
    Ini(const std::string& text, const std::string& file);
    // The entry of `key` (compared as configparser does, in lower case) in `section`, marked used;
    // null if there is none.
    Entry* find(const std::string& section, const std::string& key);
    // The same, a ConfigError naming the key if the file has none.
    Entry& need(const std::string& section, const std::string& key);
    const std::vector<Entry>& entries() const { return m_entries; }
    const std::string& file() const { return m_file; }
    [[noreturn]] void fail(const Entry& e, const std::string& expected) const {
        throw ConfigError(m_file, e.key, e.line, e.column, expected);
    }

private:
    std::string m_file;
    std::vector<Entry> m_entries;
};

Ini::Ini(const std::string& text, const std::string& file) : m_file(file) {
    std::istringstream in(text);
    std::string line, section;
    std::map<std::pair<std::string, std::string>, int> seen;  // (section, lower-case key) -> line
    for (int n = 1; std::getline(in, line); ++n) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        const std::string t = trim_space(line);
        const int col = static_cast<int>(line.find_first_not_of(" \t")) + 1;
        if (t.empty() || t[0] == '#' || t[0] == ';') continue;
        if (t[0] == '[') {
            if (t.back() != ']' || t.size() < 3)
                throw ConfigError(file, "", n, col, "expected a section header '[name]', got '" + t + "'");
            section = trim_space(t.substr(1, t.size() - 2));
            continue;
        }
        const size_t eq = t.find_first_of("=:");
        if (eq == std::string::npos || trim_space(t.substr(0, eq)).empty())
            throw ConfigError(file, "", n, col, "expected 'Key = value' or 'Key: value', got '" + t + "'");
        Entry e{section, trim_space(t.substr(0, eq)), trim_space(t.substr(eq + 1)), n, 0, false};
        if (section.empty()) throw ConfigError(file, e.key, n, col, "expected a [section] header before the first key");
        const size_t v = t.find_first_not_of(" \t", eq + 1);
        e.column = col + static_cast<int>(v == std::string::npos ? t.size() : v);
        if (const auto [it, fresh] = seen.emplace(std::make_pair(section, ascii_lower(e.key)), n); !fresh)
            throw ConfigError(
                file, e.key, n, col,
                "expected each key once in [" + section + "], got it again (line " + std::to_string(it->second) + ")");
        m_entries.push_back(e);
    }
}

Entry* Ini::find(const std::string& section, const std::string& key) {
    for (Entry& e : m_entries)
        if (e.section == section && ascii_lower(e.key) == ascii_lower(key)) {
            e.used = true;
            return &e;
        }
    return nullptr;
}

Entry& Ini::need(const std::string& section, const std::string& key) {
    if (Entry* e = find(section, key)) return *e;
    throw ConfigError(m_file, key, 0, 0, "expected a value in [" + section + "] (SCALE-Sim requires it)");
}

// A decimal integer in [lo, hi] (what Python's int() takes, spaces around it aside).
int64_t int_value(const Ini& ini, const Entry& e, const std::string& text, int64_t lo, int64_t hi) {
    const bool digits = !text.empty() && text.size() <= 18 && text.find_first_not_of("0123456789") == std::string::npos;
    const int64_t v = digits ? std::stoll(text) : -1;
    if (!digits || v < lo || v > hi)
        ini.fail(e,
                 "expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) + "], got '" + text + "'");
    return v;
}

// ArrayHeight x ArrayWidth PEs and the three SRAMs as one global buffer.
void read_array_and_buffers(Ini& ini, ArchParams& a) {
    const std::string s = "architecture_presets";
    Entry& h = ini.need(s, "ArrayHeight");
    a.rows = static_cast<int>(int_value(ini, h, h.value, 1, 1024));
    Entry& w = ini.need(s, "ArrayWidth");
    a.cols = static_cast<int>(int_value(ini, w, w.value, 1, 1024));
    constexpr int64_t kMaxKb = 1 << 20;  // the architecture YAML's glb.size_kb limit
    int64_t kb = 0;
    for (const char* key : {"IfmapSramSzkB", "FilterSramSzkB", "OfmapSramSzkB"}) {
        Entry& e = ini.need(s, key);
        kb += int_value(ini, e, e.value, 1, kMaxKb);
        if (kb > kMaxKb)
            ini.fail(e, "expected IfmapSramSzkB + FilterSramSzkB + OfmapSramSzkB at most " + std::to_string(kMaxKb) +
                            " (dfsim's one global buffer holds all three)");
    }
    a.glb.size_bytes = kb * 1024;
}

// Dataflow: os is dfsim's os-b (PE rows filters, PE columns output pixels: SCALE-Sim's output
// stationary array, transposed), ws its ws; is has no counterpart.
void read_dataflow(Ini& ini, ArchParams& a) {
    Entry& e = ini.need("architecture_presets", "Dataflow");
    if (e.value == "os")
        a.dataflow = "os-b";
    else if (e.value == "ws")
        a.dataflow = "ws";
    else if (e.value == "is")
        a.notes.push_back(ini.file() +
                          ": SCALE-Sim's input-stationary dataflow (Dataflow: is) has no dfsim equivalent; the run "
                          "takes --dataflow (default rs)");
    else
        ini.fail(e, "expected os, ws or is, got '" + e.value + "'");
}

// Bandwidth (words per cycle; SCALE-Sim's words are bytes) as the DRAM channel's bytes per cycle.
void read_bandwidth(Ini& ini, ArchParams& a) {
    Entry* mode = ini.find("run_presets", "InterfaceBandwidth");
    if (mode && mode->value != "USER" && mode->value != "CALC")
        ini.fail(*mode, "expected USER or CALC, got '" + mode->value + "'");
    Entry* bw = ini.find("architecture_presets", "Bandwidth");
    const bool calc = mode && mode->value == "CALC";
    if (!bw && !calc) {
        if (mode) ini.fail(*mode, "expected Bandwidth in [architecture_presets] with InterfaceBandwidth USER");
        a.notes.push_back(ini.file() + ": no Bandwidth; the DRAM channel moves dfsim's default " +
                          std::to_string(static_cast<int>(a.dram.bytes_per_cycle)) + " bytes per cycle");
        return;
    }
    if (bw) {
        std::vector<std::string> parts;
        std::istringstream in(bw->value);
        for (std::string p; std::getline(in, p, ',');) parts.push_back(trim_space(p));
        if (parts.empty()) parts.push_back("");
        for (const std::string& p : parts) int_value(ini, *bw, p, 1, 1000000);
        a.dram.bytes_per_cycle = static_cast<double>(int_value(ini, *bw, parts[0], 1, 1000000));
        if (parts.size() > 1)
            a.notes.push_back(ini.file() +
                              ": Bandwidth lists one value per memory bank; dfsim's one DRAM channel "
                              "takes the first, " +
                              parts[0] + " words (bytes) per cycle");
    }
    if (calc)
        a.notes.push_back(ini.file() +
                          ": InterfaceBandwidth is CALC (SCALE-Sim finds the bandwidth a run without "
                          "stalls needs); dfsim has no such mode: its DRAM channel moves " +
                          std::to_string(static_cast<int64_t>(a.dram.bytes_per_cycle)) + " bytes per cycle" +
                          (bw ? " (Bandwidth)" : " (dfsim's default)"));
}

// One note: what the file set and every field dfsim did not map, by section.
std::string mapping_note(const Ini& ini, const ArchParams& a) {
    std::string unmapped, section;
    for (const Entry& e : ini.entries()) {
        if (e.used) continue;
        unmapped += (unmapped.empty()       ? ""
                     : e.section == section ? ", "
                                            : "; ") +
                    (e.section == section ? "" : "[" + e.section + "] ") + e.key;
        section = e.section;
    }
    std::ostringstream os;
    os << ini.file() << ": SCALE-Sim config read as " << a.rows << " x " << a.cols << " PEs, a "
       << a.glb.size_bytes / 1024 << " KB global buffer and DRAM at " << a.dram.bytes_per_cycle
       << " bytes per cycle; not mapped: " << (unmapped.empty() ? "none" : unmapped)
       << "; the rest (clock, PE register files, buses, buffer banks, DRAM latency) is dfsim's default "
          "(configs/arch/eyeriss.yaml)";
    return os.str();
}

}  // namespace

ArchParams load_scalesim_cfg_text(const std::string& text, const std::string& name) {
    Ini ini(text, name);
    ArchParams a;
    a.file = name;
    const std::string base = name.substr(name.find_last_of('/') + 1);
    a.name = base.substr(0, base.rfind('.'));
    if (Entry* run = ini.find("general", "run_name"); run && !run->value.empty()) a.name = run->value;
    read_array_and_buffers(ini, a);
    read_dataflow(ini, a);
    read_bandwidth(ini, a);
    a.notes.insert(a.notes.begin(), mapping_note(ini, a));
    return a;
}

ArchParams load_scalesim_cfg(const std::string& path) { return load_scalesim_cfg_text(read_input_file(path), path); }

}  // namespace dfsim
