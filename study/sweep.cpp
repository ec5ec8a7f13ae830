#include "study/sweep.h"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/workers.h"
#include "base/error.h"
#include "base/fmt.h"
#include "base/hash.h"
#include "energy/energy.h"
#include "energy/physical.h"
#include "energy/tech.h"
#include "config/accelergy.h"
#include "config/yaml_reader.h"
#include "base/atomic_file.h"
#include "base/csv.h"
#include "base/version.h"
#include "study/compare.h"
#include "report/figures.h"
#include "report/gnuplot.h"
#include "report/report.h"
#include "sim/simulator.h"

namespace dfsim {

namespace fs = std::filesystem;

namespace {

std::vector<std::string> split_list(const std::string& s, char sep) {
    std::vector<std::string> out;
    std::stringstream ss(s);
    for (std::string v; std::getline(ss, v, sep);) out.push_back(v);
    if (!s.empty() && s.back() == sep) out.emplace_back();
    return out;
}

std::string slurp(const std::string& path) {
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// Why a dotted path cannot be set in the document (it goes through a value that is not a
// mapping: clock_mhz.x), or "".
std::string path_problem(const YAML::Node& root, const std::string& key) {
    const std::vector<std::string> parts = split_list(key, '.');
    YAML::Node n = YAML::Clone(root);
    std::string done;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        done += (i ? "." : "") + parts[i];
        const YAML::Node next = n[parts[i]];
        if (!next.IsDefined() || next.IsNull()) return "";  // made as a mapping
        if (!next.IsMap())
            return "expected a field of a mapping, got '" + key + "': '" + done +
                   "' is a value, not a mapping with fields";
        n.reset(next);
    }
    return "";
}

// Sets a dotted path of a YAML document to a scalar, creating mappings on the way; a path
// through a value that is not a mapping is a ConfigError naming --set.
void set_path(YAML::Node root, const std::string& key, const std::string& value) {
    if (const std::string why = path_problem(root, key); !why.empty())
        throw ConfigError("command line", "--set", 0, 0, why);
    const std::vector<std::string> parts = split_list(key, '.');
    YAML::Node n = root;
    for (size_t i = 0; i + 1 < parts.size(); ++i) {
        YAML::Node next = n[parts[i]];
        if (!next.IsDefined() || next.IsNull()) n[parts[i]] = YAML::Node(YAML::NodeType::Map);
        n.reset(n[parts[i]]);
    }
    n[parts.back()] = value;
}

bool is_run_setting(const std::string& key) { return key == "batch" || key == "bits"; }

}  // namespace

std::string SweepPoint::label() const {
    std::string s = dataflow;
    for (const auto& [k, v] : settings) s += " " + k + "=" + v;
    return s;
}

SweepAxis parse_axis(const std::string& option, const std::string& values) {
    auto bad = [&](const std::string& what) { return ConfigError("command line", option, 0, 0, what); };
    SweepAxis a;
    std::string list = values;
    if (option == "--set") {
        const size_t eq = values.find('=');
        if (eq == std::string::npos || eq == 0) throw bad("expected key=v1,v2,..., got '" + values + "'");
        a.key = values.substr(0, eq);
        list = values.substr(eq + 1);
    } else if (option == "--pe-array") {
        a.key = "pe_array";
    } else if (option == "--glb-kb") {
        a.key = "glb.size_kb";
    } else if (option == "--batch") {
        a.key = "batch";
    } else if (option == "--bits") {
        a.key = "bits";
    } else {
        throw bad("unknown sweep option");
    }
    a.values = split_list(list, ',');
    if (a.values.empty()) throw bad("expected at least one value");
    for (const std::string& v : a.values) {
        if (v.empty()) throw bad("empty value in '" + list + "'");
        if (a.key == "pe_array") {
            const size_t x = v.find('x');
            const bool ok = x != std::string::npos && x > 0 && x + 1 < v.size() &&
                            v.find_first_not_of("0123456789x") == std::string::npos &&
                            v.find('x', x + 1) == std::string::npos;
            if (!ok) throw bad("expected ROWSxCOLS values such as 12x14, got '" + v + "'");
        }
        // the ranges `run` checks (workload/layer.h), in the words of this option
        if (a.key == "batch") parse_int_in(v, 1, kMaxBatch, "command line", option, "batch sizes");
        if (a.key == "bits") parse_int_in(v, 1, kMaxBits, "command line", option, "bit widths");
    }
    return a;
}

std::vector<SweepPoint> expand(const SweepSpec& spec) {
    std::vector<SweepPoint> out;
    size_t combos = 1;
    for (const SweepAxis& ax : spec.axes) combos *= ax.values.size();
    for (const std::string& df : spec.dataflows)
        for (size_t c = 0; c < combos; ++c) {
            SweepPoint p;
            p.index = static_cast<int>(out.size());
            p.dataflow = df;
            p.settings.resize(spec.axes.size());
            size_t rest = c;  // the last axis varies fastest
            for (size_t k = spec.axes.size(); k-- > 0;) {
                const SweepAxis& ax = spec.axes[k];
                p.settings[k] = {ax.key, ax.values[rest % ax.values.size()]};
                rest /= ax.values.size();
            }
            out.push_back(std::move(p));
        }
    return out;
}

SweepFile load_sweep_spec(const std::string& path, const std::function<std::string(const std::string&)>& resolve) {
    const YamlMap root = YamlMap::load_file(path);
    SweepFile f;
    SweepSpec& s = f.spec;
    s.arch_file = resolve(root.get_string("arch", "configs/arch/eyeriss.yaml"));
    s.workload_file = resolve(root.get_string("workload", "workloads/alexnet.yaml"));
    if (root.has("energy")) s.energy_file = resolve(root.get_string("energy"));
    s.layers = root.get_string("layers", "conv");
    s.tech = root.get_string("tech", "");
    if (root.has("area")) s.area_file = resolve(root.get_string("area"));
    s.area_budget_mm2 = root.get_double("area_budget_mm2", 0.0, 1e6, 0.0);
    auto strings = [](const YamlMap& m, const std::string& key) { return m.get_string_list(key); };
    s.dataflows = strings(root, "dataflows");
    try {
        check_dataflow_list(s.dataflows);
    } catch (const ConfigError& e) {
        root.fail("dataflows", e.what());
    }
    const std::string model = root.get_enum("model", {"simulation", "analytical"}, "simulation");
    s.analytical = model == "analytical";
    if (s.analytical && root.has("timing"))
        root.fail("timing",
                  "expected no timing with model: analytical (the analytical model estimates the cycles; it has no "
                  "timing model)");
    s.timing = parse_enum(root.get_enum("timing", enum_names(kTimings), "pass"), kTimings, "timing");
    s.objective = parse_objective(root.get_enum("objective", {"energy", "cycles", "edp"}, "energy"));
    s.seed_offset = static_cast<uint64_t>(root.get_int("seed", 0, INT64_MAX, 0));
    s.check_output = root.get_bool("check", true);
    f.jobs = static_cast<int>(root.get_int("jobs", 1, 1024, 0));
    f.out = root.get_string("out", "");
    if (auto ax = root.opt_child("axes")) {
        auto add = [&](const std::string& key, const std::string& option) {
            if (!ax->has(key)) return;
            std::string joined;
            for (const std::string& v : strings(*ax, key)) joined += (joined.empty() ? "" : ",") + v;
            try {
                s.axes.push_back(parse_axis(option, joined));
            } catch (const ConfigError& e) {
                ax->fail(key, e.what());
            }
        };
        add("pe_array", "--pe-array");
        add("glb_kb", "--glb-kb");
        add("batch", "--batch");
        add("bits", "--bits");
        if (auto set = ax->opt_child("set"))
            for (const std::string& key : set->keys()) {
                std::string joined;
                for (const std::string& v : strings(*set, key)) joined += (joined.empty() ? "" : ",") + v;
                s.axes.push_back(parse_axis("--set", key + "=" + joined));
                YAML::Node arch;
                try {
                    arch = YAML::LoadFile(s.arch_file);
                } catch (const YAML::Exception&) {
                    continue;  // the architecture's own error comes when it is loaded
                }
                if (const std::string why = path_problem(arch, key); !why.empty()) set->fail(key, why);
            }
        ax->check_no_unknown_keys();
    }
    root.check_no_unknown_keys();
    return f;
}

std::string sweep_spec_yaml(const SweepSpec& spec) {
    auto abs = [](const std::string& f) { return f.empty() ? f : fs::absolute(f).lexically_normal().string(); };
    YAML::Emitter em;
    em << YAML::BeginMap;
    em << YAML::Key << "arch" << YAML::Value << abs(spec.arch_file);
    em << YAML::Key << "workload" << YAML::Value << abs(spec.workload_file);
    if (!spec.energy_file.empty()) em << YAML::Key << "energy" << YAML::Value << abs(spec.energy_file);
    em << YAML::Key << "layers" << YAML::Value << spec.layers;
    if (!spec.tech.empty()) em << YAML::Key << "tech" << YAML::Value << spec.tech;
    if (!spec.area_file.empty()) em << YAML::Key << "area" << YAML::Value << abs(spec.area_file);
    if (spec.area_budget_mm2 > 0) em << YAML::Key << "area_budget_mm2" << YAML::Value << spec.area_budget_mm2;
    em << YAML::Key << "dataflows" << YAML::Value << YAML::Flow << spec.dataflows;
    em << YAML::Key << "model" << YAML::Value << (spec.analytical ? "analytical" : "simulation");
    if (!spec.analytical) em << YAML::Key << "timing" << YAML::Value << std::string(to_string(spec.timing));
    const char* const objectives[] = {"energy", "cycles", "edp"};
    em << YAML::Key << "objective" << YAML::Value << objectives[static_cast<int>(spec.objective)];
    em << YAML::Key << "seed" << YAML::Value << spec.seed_offset;
    em << YAML::Key << "check" << YAML::Value << spec.check_output;
    // the named axes in the order load_sweep_spec reads them, then the rest under `set`
    const std::pair<const char*, const char*> named[] = {
        {"pe_array", "pe_array"}, {"glb.size_kb", "glb_kb"}, {"batch", "batch"}, {"bits", "bits"}};
    size_t next = 0, a = 0;
    em << YAML::Key << "axes" << YAML::Value << YAML::BeginMap;
    for (; a < spec.axes.size(); ++a) {
        while (next < std::size(named) && spec.axes[a].key != named[next].first) ++next;
        if (next == std::size(named)) break;
        em << YAML::Key << named[next++].second << YAML::Value << YAML::Flow << spec.axes[a].values;
    }
    if (a < spec.axes.size()) {
        em << YAML::Key << "set" << YAML::Value << YAML::BeginMap;
        for (; a < spec.axes.size(); ++a)
            em << YAML::Key << spec.axes[a].key << YAML::Value << YAML::Flow << spec.axes[a].values;
        em << YAML::EndMap;
    }
    em << YAML::EndMap << YAML::EndMap;
    return std::string(em.c_str()) + "\n";
}

namespace {

// The point's architecture from `root`, the arch file's document (changed here).
ArchParams arch_with_settings(const SweepSpec& spec, const SweepPoint& p, YAML::Node root) {
    std::string applied;
    for (const auto& [k, v] : p.settings) {
        if (is_run_setting(k)) continue;
        if (k == "pe_array") {
            set_path(root, "pe_array.rows", v.substr(0, v.find('x')));
            set_path(root, "pe_array.cols", v.substr(v.find('x') + 1));
        } else {
            set_path(root, k, v);
        }
        applied += (applied.empty() ? "" : ", ") + k + "=" + v;
    }
    YAML::Emitter em;
    em << root;
    try {
        return load_arch_from_string(em.c_str(), spec.arch_file);
    } catch (const ConfigError& e) {
        throw ConfigError("sweep point " + p.label(), "", 0, 0, std::string(e.what()) + " (with " + applied + ")");
    }
}

}  // namespace

ArchParams point_arch(const SweepSpec& spec, const SweepPoint& p) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(spec.arch_file);
    } catch (const YAML::Exception&) {
        return load_arch(spec.arch_file);  // reports the file's own error
    }
    return arch_with_settings(spec, p, root);
}

std::string sweep_timing(const SweepSpec& spec) {
    return timing_name(spec.analytical ? RunModel::Analytical : RunModel::Simulation, spec.timing);
}

Network point_network(const SweepSpec& spec, const SweepPoint& p, const ArchParams& a) {
    return point_network(load_network(spec.workload_file), spec, p, a);
}

Network point_network(const Network& workload, const SweepSpec& spec, const SweepPoint& p, const ArchParams& a) {
    Network net = select_layers(workload, spec.layers);
    int batch = a.batch;
    for (const auto& [k, v] : p.settings) {
        if (k == "batch") batch = std::stoi(v);
        if (k == "bits")
            for (Layer& l : net.layers) l.ifmap.bits = l.filter.bits = std::stoi(v);
    }
    net = with_batch(net, batch);
    return a.adds_on_accelerator ? with_adds_on_accelerator(net) : net;
}

// The energy table file a point runs with: --energy, else the arch's.
std::string sweep_table_file(const SweepSpec& spec, const ArchParams& a) {
    return spec.energy_file.empty() ? a.energy_table : spec.energy_file;
}

// The energy table a point runs with: sweep_table_file's, at --tech.
EnergyTable sweep_table(const SweepSpec& spec, const ArchParams& a) {
    EnergyTable t = load_energy_table_at(sweep_table_file(spec, a), spec.tech, "--tech");
    if (!spec.area_file.empty()) use_art_area(t, spec.area_file);
    return t;
}

nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& p, MappingCache* cache) {
    const ArchParams a = point_arch(spec, p);
    return run_point(spec, p, a, point_network(spec, p, a), sweep_table(spec, a), cache);
}

nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& p, const ArchParams& a, const Network& net,
                         const EnergyTable& t, MappingCache* cache) {
    nlohmann::json row;
    row["index"] = p.index;
    row["dataflow"] = p.dataflow;
    for (const auto& [k, v] : p.settings) row["settings"][k] = v;
    row["model"] = spec.analytical ? "analytical" : "simulation";
    const ArchParams ad = a.for_dataflow(p.dataflow);
    row["pes"] = ad.num_pes();
    row["pe_array"] = std::to_string(ad.rows) + "x" + std::to_string(ad.cols);
    if (spec.area_budget_mm2 > 0) {
        if (!t.area.present)
            throw ConfigError(t.file, "area", 0, 0, "an area: section (--area-budget needs the table's area model)");
        const double mm2 = area_of(ad, t.area).total();
        if (mm2 > spec.area_budget_mm2) {
            row["status"] = "over the area budget: " + fmt("%.3f", mm2) + " mm^2 > " + fmt("%g", spec.area_budget_mm2) +
                            " mm^2 (not run)";
            return row;
        }
    }
    row["glb_kb"] = static_cast<double>(ad.glb.size_bytes) / 1024.0;
    row["batch"] = net.layers.empty() ? 0 : net.layers.front().shape.N;
    row["energy_unit"] = std::string(to_string(t.unit));
    LayerResult tot;
    try {
        RunOptions opt;
        opt.dataflow = p.dataflow;
        opt.objective = spec.objective;
        opt.seed_offset = spec.seed_offset;
        opt.check_output = spec.check_output && !spec.analytical;
        opt.timing = spec.timing;
        opt.mapping_cache = cache;
        opt.max_memory = default_max_memory();
        // the same preparation either way (sim/simulator.h prepare()): host layers stay host work
        tot = (spec.analytical ? estimate_network(net, a, t, opt) : simulate_network(net, a, t, opt)).total();
        row["status"] = "ok";
        row["mapper"] = mapper_json(tot.mapper);
    } catch (const MappingError& e) {
        row["status"] = std::string("no mapping: ") + e.what();
        return row;
    }
    FigureRow w{tot};
    w.pes = ad.num_pes();
    w.area_mm2 = t.area.present ? area_of(ad, t.area).total() : 0.0;
    w.unit = t.unit;
    w.total = true;
    w.clock_mhz = ad.clock_mhz;
    w.batch = row["batch"].get<int>();
    w.model = spec.analytical ? RunModel::Analytical : RunModel::Simulation;
    w.timing = spec.timing;
    row.update(fields_json(sweep_fields(), w), /*merge_objects=*/true);
    return row;
}

Provenance sweep_provenance(const SweepSpec& spec, const std::string& command, const Network* workload) {
    const ArchParams a = load_arch(spec.arch_file);
    const EnergyTable t = sweep_table(spec, a);
    Provenance p;
    p.version = dfsim_version();
    p.commit = dfsim_git_commit();
    p.command = command;
    p.seed = spec.seed_offset;
    p.timing = sweep_timing(spec);
    const char* const objectives[] = {"energy", "cycles", "edp"};
    p.objective = objectives[static_cast<int>(spec.objective)];
    p.batch = a.batch;
    if (p.batch == 0) {  // the workload's own
        const Network net = select_layers(workload ? *workload : load_network(spec.workload_file), spec.layers);
        p.batch = net.layers.empty() ? 0 : static_cast<int>(net.layers.front().shape.N);
    }
    for (const SweepAxis& ax : spec.axes)
        if (ax.key == "batch") p.batch = ax.values.size() == 1 ? std::stoi(ax.values.front()) : 0;
    p.layers = spec.layers;
    p.workload = spec.workload_file;
    set_arch_and_table(p, a, t);
    p.arch_file = spec.arch_file;  // the spec's, as the user named it
    p.dataflows = spec.dataflows;
    return p;
}

namespace {

// A file's contents as a key: the text itself, or for a binary file (an ONNX model; a JSON
// string must be UTF-8) its size and FNV-1a hash.
std::string key_text(const std::string& text) {
    const bool binary = std::any_of(text.begin(), text.end(),
                                    [](char c) { return c == '\0' || static_cast<unsigned char>(c) >= 0x80; });
    if (!binary) return text;
    const uint64_t h = fnv1a64(text);
    char buf[64];
    std::snprintf(buf, sizeof buf, "binary %zu bytes, fnv1a64 %016llx", text.size(),
                  static_cast<unsigned long long>(h));
    return buf;
}

// Every input that decides a point's row: the dfsim version, the files' contents, the network
// as the point runs it (the data of .npy files and ONNX weights by a hash of their values), the
// point's dataflow and settings, and the run's options.
nlohmann::json point_key(const SweepSpec& spec, const SweepPoint& p, const std::string& arch_text,
                         const std::string& workload_text, const std::string& energy_text, const Network& net) {
    nlohmann::json k;
    k["format"] = 4;  // 4: rows with pe_array; 3: the version and the network; 2: the timing model
    k["version"] = dfsim_version();
    k["arch"] = arch_text;
    k["workload"] = key_text(workload_text);
    k["network"] = nlohmann::json::array();
    for (const Layer& l : net.layers) k["network"].push_back(layer_key(l));
    k["energy"] = energy_text;
    k["layers"] = spec.layers;
    k["dataflow"] = p.dataflow;
    for (const auto& [key, v] : p.settings) k["settings"].push_back({key, v});
    k["analytical"] = spec.analytical;
    k["timing"] = sweep_timing(spec);
    k["objective"] = static_cast<int>(spec.objective);
    k["seed_offset"] = spec.seed_offset;
    k["check_output"] = spec.check_output;
    if (!spec.tech.empty()) k["tech"] = spec.tech;
    if (!spec.area_file.empty()) k["area"] = slurp(spec.area_file);  // its figures, not its name
    if (spec.area_budget_mm2 > 0) k["area_budget_mm2"] = spec.area_budget_mm2;
    return k;
}

bool point_done(const fs::path& file, const nlohmann::json& key) {
    std::ifstream in(file);
    if (!in) return false;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        return j.at("key") == key && j.contains("row");
    } catch (const std::exception&) {
        return false;
    }
}

// The CSV's columns: the point's own (its JSON row's fields of the same name), then its figures.
const char* const kPointColumns[] = {"index",    "dataflow", "settings", "model", "status",
                                     "pe_array", "pes",      "glb_kb",   "batch"};

std::vector<Field> csv_fields() {
    std::vector<Field> f;
    for (const char* c : kPointColumns) f.push_back({nullptr, c, c, "%.9g", ""});
    for (const Field& x : sweep_fields()) f.push_back(x);
    return f;
}

// A cell from a point's JSON row (rows are read back from the point files), before quoting: ""
// where it has no such field (a point without a mapping), numbers as %.9g.
std::string csv_cell(const nlohmann::json& row, const Field& f) {
    if (f.json == "settings") {
        std::string s;
        if (row.contains("settings"))
            for (auto it = row["settings"].begin(); it != row["settings"].end(); ++it)
                s += (s.empty() ? "" : " ") + it.key() + "=" + it.value().get<std::string>();
        return s;
    }
    return csv_value(json_path_value(row, f.json), "%.9g");
}

// Runs the points of `todo` in `jobs` worker processes, each taking the next point from a
// counter they share (one SystemC simulation per process). A worker writes a point's file
// atomically, complete, then its index down a pipe; `finished(i)` is called once for each, as the
// indices arrive. The pipe ends when the last worker exits: nothing is polled.
void run_in_workers(const std::vector<int>& todo, int jobs, const std::function<void(int)>& write_point,
                    const std::function<void(int)>& finished) {
    const SharedObject<std::atomic<size_t>> next("sweep");  // the next point to take, from 0
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("sweep: pipe failed");
    const std::vector<pid_t> kids = fork_workers(jobs, [&](int) {
        close(fds[0]);
        for (size_t j; (j = next->fetch_add(1)) < todo.size();) {
            write_point(todo[j]);
            const int32_t i = todo[j];
            if (write(fds[1], &i, sizeof i) != sizeof i) return;  // 4 bytes: one atomic write
        }
    });
    close(fds[1]);  // the workers' ends stay open while they run
    if (!kids.empty()) {
        int32_t i = 0;
        for (;;) {
            const ssize_t got = read(fds[0], &i, sizeof i);
            if (got < 0 && errno == EINTR) continue;
            if (got != static_cast<ssize_t>(sizeof i)) break;  // 0: every worker has exited
            finished(i);
        }
    }
    close(fds[0]);
    for (const pid_t pid : kids) waitpid(pid, nullptr, 0);
    if (kids.empty()) throw std::runtime_error("sweep: fork failed");
}

// The provenance columns of the sweep's CSV: report/provenance.h's, but `batch` (each row's own
// `batch` column is the batch it ran), in the same order after the figures' columns.
std::string csv_provenance(const Provenance& prov, bool header) {
    const std::vector<std::string> names = provenance_csv_columns(), values = provenance_csv_values(prov);
    std::vector<std::string> cells;
    for (size_t k = 0; k < names.size(); ++k)
        if (names[k] != "batch") cells.push_back(header ? names[k] : values[k]);
    std::string line = csv_line(cells);
    line.pop_back();  // its "\n"
    return line;
}

// results.json and results.csv: one row per point, in point order, read from the point files; a
// point of `missing` (or whose file cannot be read) gets a row with status `missing_status`.
// `known`: rows of point files this process has just written (their files are not read again).
void write_results(const SweepSpec& spec, const SweepPlan& plan, const fs::path& dir,
                   const std::function<fs::path(int)>& point_file, const std::vector<int>& missing,
                   const std::string& missing_status, const Provenance* given,
                   const std::map<int, nlohmann::json>& known = {}) {
    const std::vector<SweepPoint>& points = plan.points;
    const Provenance prov = given ? *given : sweep_provenance(spec, "", &plan.workload);
    nlohmann::json rows = nlohmann::json::array();
    const std::vector<Field> columns = csv_fields();
    std::vector<std::string> cells;
    for (const Field& f : columns) cells.push_back(f.csv);
    std::string csv = csv_line(cells);
    csv.insert(csv.size() - 1, "," + csv_provenance(prov, true));
    const std::string prov_cells = "," + csv_provenance(prov, false);
    for (size_t i = 0; i < points.size(); ++i) {
        nlohmann::json row;
        try {
            if (std::binary_search(missing.begin(), missing.end(), static_cast<int>(i)))
                throw std::runtime_error("missing");
            if (const auto k = known.find(static_cast<int>(i)); k != known.end()) {
                row = k->second;
            } else {
                std::ifstream in(point_file(static_cast<int>(i)));
                row = nlohmann::json::parse(in).at("row");
            }
        } catch (const std::exception&) {
            row = {{"index", i}, {"dataflow", points[i].dataflow}, {"status", missing_status}};
        }
        cells.clear();
        for (const Field& f : columns) cells.push_back(csv_cell(row, f));
        std::string line = csv_line(cells);
        line.insert(line.size() - 1, prov_cells);
        csv += line;
        rows.push_back(std::move(row));
    }
    nlohmann::json doc = {{"schema_version", kReportSchemaVersion},
                          {"provenance", provenance_json(prov)},
                          {"network", plan.workload.name},
                          {"arch_file", spec.arch_file},
                          {"workload_file", spec.workload_file},
                          {"energy_file", spec.energy_file},
                          {"layers", spec.layers},
                          {"model", spec.analytical ? "analytical" : "simulation"},
                          {"timing", sweep_timing(spec)},
                          {"rows", rows}};
    write_file_atomic((dir / "results.json").string(), doc.dump(2) + "\n");
    write_file_atomic((dir / "results.csv").string(), csv);
}

// A row as its file holds it: dump() writes a number that is not finite as null.
nlohmann::json as_written(nlohmann::json v) {
    if (v.is_number_float() && !std::isfinite(v.get<double>())) return nullptr;
    if (v.is_structured())
        for (auto& x : v) x = as_written(std::move(x));
    return v;
}

fs::path point_path(const std::string& out_dir, int i) {
    return fs::path(out_dir) / "points" / (std::to_string(i) + ".json");
}

}  // namespace

std::string duration_text(double s) {
    char buf[32];
    if (s < 10)
        std::snprintf(buf, sizeof buf, "%.1f s", s);
    else if (s < 120)
        std::snprintf(buf, sizeof buf, "%.0f s", s);
    else if (s < 7200)
        std::snprintf(buf, sizeof buf, "%.1f min", s / 60);
    else
        std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
    return buf;
}

std::string sweep_progress_line(const SweepProgress& p, double elapsed) {
    if (!p.point)
        return p.resumed > 0 ? "dfsim sweep: " + std::to_string(p.resumed) + " of " + std::to_string(p.total) +
                                   " points done already (their files are in the folder), " +
                                   std::to_string(p.total - p.resumed) + " to run\n"
                             : "";
    std::string line = "dfsim sweep: " + std::to_string(p.done) + " of " + std::to_string(p.total) +
                       " points done: point " + std::to_string(p.point->index) + ", " + p.point->label() + "; " +
                       duration_text(elapsed) + " elapsed";
    const int ran = p.done - p.resumed;
    if (ran > 0 && p.done < p.total) line += ", ETA " + duration_text(elapsed / ran * (p.total - p.done));
    return line + "\n";
}

SweepPlan plan_sweep(const SweepSpec& spec, const std::string& out_dir, const Network* workload) {
    SweepPlan plan;
    plan.points = expand(spec);
    plan.workload = workload ? *workload : load_network(spec.workload_file);
    const std::string workload_text = slurp(spec.workload_file), arch_text = slurp(spec.arch_file);
    // point_arch depends on the settings of the architecture only (not the run settings, not the
    // dataflow): each distinct set is made once, from one parse of the arch file (point_arch
    // reports its error if it has one), and each energy table read once
    std::optional<YAML::Node> arch_doc;
    try {
        arch_doc = YAML::Load(arch_text);
    } catch (const YAML::Exception&) {}
    auto make_arch = [&](const SweepPoint& p) {
        return arch_doc ? arch_with_settings(spec, p, YAML::Clone(*arch_doc)) : point_arch(spec, p);
    };
    std::map<std::vector<std::pair<std::string, std::string>>, size_t> arch_of;  // -> its first point
    std::map<std::string, std::string> table_texts;
    for (const SweepPoint& p : plan.points) {
        std::vector<std::pair<std::string, std::string>> arch_settings;
        for (const auto& kv : p.settings)
            if (!is_run_setting(kv.first)) arch_settings.push_back(kv);
        const auto [known, added] = arch_of.try_emplace(arch_settings, plan.archs.size());
        const ArchParams& a = plan.archs.emplace_back(added ? make_arch(p) : plan.archs[known->second]);
        const Network net = point_network(plan.workload, spec, p, a);
        find_dataflow(p.dataflow);
        const std::string table_file = sweep_table_file(spec, a);
        auto [table, read] = table_texts.try_emplace(table_file);
        if (read) table->second = slurp(table_file);
        plan.keys.push_back(point_key(spec, p, arch_text, workload_text, table->second, net));
        if (!point_done(point_path(out_dir, p.index), plan.keys.back())) plan.todo.push_back(p.index);
    }
    return plan;
}

void run_sweep_points(const SweepSpec& spec, const SweepPlan& plan, const std::string& out_dir,
                      const std::vector<int>& which, int jobs, const SweepProgressFn& progress,
                      std::map<int, nlohmann::json>* rows) {
    const fs::path dir(out_dir);
    fs::create_directories(dir / "points");
    MappingCache cache((dir / "mapping-cache").string());  // the points' mappings, shared by the workers
    SweepProgress state;
    state.total = static_cast<int>(plan.points.size());
    state.resumed = state.done = state.total - static_cast<int>(which.size());
    jobs = std::max(1, std::min(jobs, static_cast<int>(which.size())));
    // a point to run has no file from here on (a stale or damaged one goes now), so while the
    // workers run, a point is done once its file exists: they write it atomically, complete
    auto point_file = [&](int i) { return point_path(out_dir, i); };
    for (int i : which) fs::remove(point_file(i));
    // the energy tables the points run with, each read once (in each worker)
    std::map<std::string, EnergyTable> tables;
    auto write_point = [&](int i) {
        nlohmann::json row;
        try {
            const size_t k = static_cast<size_t>(i);
            const ArchParams& a = plan.archs[k];
            const std::string file = sweep_table_file(spec, a);
            auto t = tables.find(file);
            if (t == tables.end()) t = tables.emplace(file, sweep_table(spec, a)).first;
            row = run_point(spec, plan.points[k], a, point_network(plan.workload, spec, plan.points[k], a), t->second,
                            &cache);
        } catch (const std::exception& e) {
            row = {{"index", i},
                   {"dataflow", plan.points[static_cast<size_t>(i)].dataflow},
                   {"status", std::string("error: ") + e.what()}};
        }
        write_file_atomic(point_file(i).string(),
                          nlohmann::json{{"key", plan.keys[static_cast<size_t>(i)]}, {"row", row}}.dump() + "\n");
        if (rows && jobs == 1) (*rows)[i] = as_written(std::move(row));  // in this process: the parent's
    };
    auto finished = [&](int i) {
        ++state.done;
        state.point = &plan.points[static_cast<size_t>(i)];
        if (progress) progress(state);
    };
    if (which.empty()) return;
    if (progress) progress(state);  // the count before any point runs
    if (jobs == 1) {
        for (int i : which) {
            write_point(i);
            finished(i);
        }
    } else {
        run_in_workers(which, jobs, write_point, finished);
    }
}

SweepSummary run_sweep(const SweepSpec& spec, const std::string& out_dir, int jobs, const SweepProgressFn& progress,
                       const std::function<void()>& validated, const Provenance* prov, const Network* workload) {
    const auto t0 = std::chrono::steady_clock::now();
    // every point's inputs, checked before anything runs or is made (a bad value fails the whole
    // sweep and leaves no directory behind)
    const SweepPlan plan = plan_sweep(spec, out_dir, workload);
    if (validated) validated();
    fs::create_directories(fs::path(out_dir) / "points");
    remove_stale_temporaries(out_dir);
    remove_stale_temporaries((fs::path(out_dir) / "points").string());
    SweepSummary sum;
    sum.points = static_cast<int>(plan.points.size());
    sum.resumed = sum.points - static_cast<int>(plan.todo.size());
    sum.run = static_cast<int>(plan.todo.size());
    std::map<int, nlohmann::json> rows;  // the points run in this process (one job)
    run_sweep_points(spec, plan, out_dir, plan.todo, jobs, progress, &rows);
    write_results(
        spec, plan, out_dir, [&](int i) { return point_path(out_dir, i); }, {}, "missing (worker failed)", prov, rows);
    sum.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sum;
}

SweepCollection collect_sweep(const SweepSpec& spec, const std::string& out_dir, const Provenance* prov) {
    const SweepPlan plan = plan_sweep(spec, out_dir);
    SweepCollection c;
    c.points = static_cast<int>(plan.points.size());
    c.missing = plan.todo;
    write_results(
        spec, plan, out_dir, [&](int i) { return point_path(out_dir, i); }, c.missing,
        "missing (no point file of these inputs)", prov);
    std::ifstream in(fs::path(out_dir) / "results.json");
    const nlohmann::json doc = nlohmann::json::parse(in);  // kept: the loop runs over a part of it
    for (const nlohmann::json& row : doc["rows"]) {
        const std::string status = row.value("status", "");
        if (status.rfind("error", 0) == 0) c.failed.emplace_back(row["index"].get<int>(), status);
    }
    return c;
}

}  // namespace dfsim
