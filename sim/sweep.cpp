#include "sim/sweep.h"

#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "common/config_error.h"
#include "common/energy.h"
#include "common/yaml_reader.h"
#include "sim/atomic_file.h"
#include "sim/compare.h"
#include "sim/gnuplot.h"
#include "sim/report.h"
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

// Sets a dotted path of a YAML document to a scalar, creating mappings on the way.
void set_path(YAML::Node root, const std::string& key, const std::string& value) {
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
                            v.find_first_not_of("0123456789x") == std::string::npos && v.find('x', x + 1) == std::string::npos;
            if (!ok) throw bad("expected ROWSxCOLS values such as 12x14, got '" + v + "'");
        }
        if (is_run_setting(a.key) && v.find_first_not_of("0123456789") != std::string::npos)
            throw bad("expected positive integers, got '" + v + "'");
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
    auto strings = [](const YamlMap& m, const std::string& key) { return m.get_string_list(key); };
    s.dataflows = strings(root, "dataflows");
    try {
        check_dataflow_list(s.dataflows);
    } catch (const ConfigError& e) {
        root.fail("dataflows", e.what());
    }
    const std::string model = root.get_enum("model", {"simulation", "analytical"}, "simulation");
    s.analytical = model == "analytical";
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
            }
        ax->check_no_unknown_keys();
    }
    root.check_no_unknown_keys();
    return f;
}

ArchParams point_arch(const SweepSpec& spec, const SweepPoint& p) {
    YAML::Node root;
    try {
        root = YAML::LoadFile(spec.arch_file);
    } catch (const YAML::Exception&) {
        return load_arch(spec.arch_file);  // reports the file's own error
    }
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

Network point_network(const SweepSpec& spec, const SweepPoint& p, const ArchParams& a) {
    Network net = select_layers(load_network(spec.workload_file), spec.layers);
    int batch = a.batch;
    for (const auto& [k, v] : p.settings) {
        if (k == "batch") batch = std::stoi(v);
        if (k == "bits")
            for (Layer& l : net.layers) l.ifmap.bits = l.filter.bits = std::stoi(v);
    }
    return with_batch(net, batch);
}

nlohmann::json run_point(const SweepSpec& spec, const SweepPoint& p) {
    nlohmann::json row;
    row["index"] = p.index;
    row["dataflow"] = p.dataflow;
    for (const auto& [k, v] : p.settings) row["settings"][k] = v;
    row["model"] = spec.analytical ? "analytical" : "simulation";
    const ArchParams a = point_arch(spec, p);
    const ArchParams ad = a.for_dataflow(p.dataflow);
    const EnergyTable t = load_energy_table(spec.energy_file.empty() ? a.energy_table : spec.energy_file);
    const Network net = point_network(spec, p, a);
    row["pes"] = ad.num_pes();
    row["glb_kb"] = static_cast<double>(ad.glb.size_bytes) / 1024.0;
    row["batch"] = net.layers.empty() ? 0 : net.layers.front().shape.N;
    row["energy_unit"] = t.unit;
    LayerResult tot;
    try {
        RunOptions opt;
        opt.dataflow = p.dataflow;
        opt.objective = spec.objective;
        opt.seed_offset = spec.seed_offset;
        opt.check_output = spec.check_output && !spec.analytical;
        if (spec.analytical) {
            const Dataflow& df = find_dataflow(p.dataflow);
            for (const Layer& l : net.layers) {
                const Layer ls = stored_layer(l, ad.word_bits);
                const Estimate e = df.estimate(ls, ad, t, *df.choose_mapping(ls, ad, t, spec.objective));
                tot.counts += e.counts;
                tot.cycles += e.cycles;
                const EnergyBreakdown b = compute_energy(e.counts, t, layer_widths(ls, ad), static_cast<double>(ad.glb.size_bytes));
                for (int i = 0; i < kNumLevels; ++i)
                    for (int j = 0; j < kNumDataTypes; ++j) tot.energy.by_level_type[i][j] += b.by_level_type[i][j];
                tot.energy.alu += b.alu;
            }
            tot.output_check = "skipped";
        } else {
            tot = simulate_network(net, a, t, opt).total();
        }
        row["status"] = "ok";
    } catch (const MappingError& e) {
        row["status"] = std::string("no mapping: ") + e.what();
        return row;
    }
    const double macs = static_cast<double>(tot.counts.macs);
    uint64_t dram = 0;
    for (DataType d : kDataTypes) dram += tot.counts.acc.at(Level::Dram, d).reads + tot.counts.acc.at(Level::Dram, d).writes;
    row["macs"] = tot.counts.macs;
    row["cycles"] = tot.cycles;
    row["utilization"] = tot.cycles ? macs / (static_cast<double>(tot.cycles) * ad.num_pes()) : 0.0;
    row["latency_ms"] = static_cast<double>(tot.cycles) / (ad.clock_mhz * 1e3);
    row["inferences_per_s"] = tot.cycles ? row["batch"].get<double>() * ad.clock_mhz * 1e6 / static_cast<double>(tot.cycles) : 0.0;
    row["energy"] = tot.energy.total();
    row["energy_per_mac"] = macs > 0 ? tot.energy.total() / macs : 0.0;
    for (Level lv : kLevels) row["energy_per_mac_by_level"][std::string(to_string(lv))] = macs > 0 ? tot.energy.level(lv) / macs : 0.0;
    row["energy_per_mac_by_level"]["alu"] = macs > 0 ? tot.energy.alu / macs : 0.0;
    for (DataType d : kDataTypes) row["energy_per_mac_by_type"][std::string(to_string(d))] = macs > 0 ? tot.energy.type(d) / macs : 0.0;
    row["dram_accesses_per_mac"] = macs > 0 ? static_cast<double>(dram) / macs : 0.0;
    row["output_check"] = tot.output_check;
    return row;
}

namespace {

// A file's contents as a key: the text itself, or for a binary file (an ONNX model; a JSON
// string must be UTF-8) its size and FNV-1a hash.
std::string key_text(const std::string& text) {
    const bool binary = std::any_of(text.begin(), text.end(), [](char c) { return c == '\0' || static_cast<unsigned char>(c) >= 0x80; });
    if (!binary) return text;
    uint64_t h = 14695981039346656037ULL;
    for (char c : text) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
    char buf[64];
    std::snprintf(buf, sizeof buf, "binary %zu bytes, fnv1a64 %016llx", text.size(), static_cast<unsigned long long>(h));
    return buf;
}

nlohmann::json point_key(const SweepSpec& spec, const SweepPoint& p, const std::string& arch_text,
                         const std::string& workload_text, const std::string& energy_text) {
    nlohmann::json k;
    k["format"] = 1;
    k["arch"] = arch_text;
    k["workload"] = key_text(workload_text);
    k["energy"] = energy_text;
    k["layers"] = spec.layers;
    k["dataflow"] = p.dataflow;
    for (const auto& [key, v] : p.settings) k["settings"].push_back({key, v});
    k["analytical"] = spec.analytical;
    k["objective"] = static_cast<int>(spec.objective);
    k["seed_offset"] = spec.seed_offset;
    k["check_output"] = spec.check_output;
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

const char* const kCsvColumns[] = {"index", "dataflow", "settings", "model", "status", "pes", "glb_kb", "batch",
                                   "macs", "cycles", "utilization", "latency_ms", "inferences_per_s", "energy",
                                   "energy_unit", "energy_per_mac", "alu", "rf", "noc", "glb", "dram", "ifmap",
                                   "filter", "psum", "dram_accesses_per_mac", "output_check"};

std::string csv_cell(const nlohmann::json& row, const std::string& col) {
    auto num = [](const nlohmann::json& v) {
        if (v.is_number_integer() || v.is_number_unsigned()) return v.dump();
        char buf[64];
        std::snprintf(buf, sizeof buf, "%.9g", v.get<double>());
        return std::string(buf);
    };
    if (col == "settings") {
        std::string s;
        if (row.contains("settings"))
            for (auto it = row["settings"].begin(); it != row["settings"].end(); ++it)
                s += (s.empty() ? "" : " ") + it.key() + "=" + it.value().get<std::string>();
        return s;
    }
    for (const char* group : {"energy_per_mac_by_level", "energy_per_mac_by_type"})
        if (row.contains(group) && row[group].contains(col)) return num(row[group][col]);
    if (!row.contains(col)) return "";
    const nlohmann::json& v = row[col];
    if (v.is_string()) {
        std::string s = v.get<std::string>();
        if (s.find_first_of(",\"\n") != std::string::npos) {
            std::string q = "\"";
            for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
            return q + "\"";
        }
        return s;
    }
    return num(v);
}

}  // namespace

SweepSummary run_sweep(const SweepSpec& spec, const std::string& out_dir, int jobs,
                       const std::function<void(int, int)>& progress) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<SweepPoint> points = expand(spec);
    const fs::path dir(out_dir), pdir = dir / "points";
    fs::create_directories(pdir);
    // Temporary files (NAME.tmp.PID, NAME.tmp.PID.EXT: write_file_atomic's and the plots') are
    // complete only once renamed; any found now were left by a run that was killed (the
    // directory belongs to one sweep at a time), so they go.
    for (const fs::path& d : {dir, pdir})
        for (const auto& entry : fs::directory_iterator(d)) {
            const std::string name = entry.path().filename().string();
            const size_t k = name.find(".tmp.");
            if (k == std::string::npos) continue;
            const size_t digits = name.find_first_not_of("0123456789", k + 5);
            if (digits == k + 5 || (digits != std::string::npos && name[digits] != '.')) continue;
            std::error_code ec;
            if (entry.is_regular_file(ec)) fs::remove(entry.path(), ec);
        }
    // every point's inputs, checked before anything runs (a bad value fails the whole sweep)
    const std::string workload_text = slurp(spec.workload_file), arch_text = slurp(spec.arch_file);
    std::vector<nlohmann::json> keys;
    std::vector<int> todo;
    for (const SweepPoint& p : points) {
        const ArchParams a = point_arch(spec, p);
        point_network(spec, p, a);
        find_dataflow(p.dataflow);
        const std::string energy = spec.energy_file.empty() ? a.energy_table : spec.energy_file;
        keys.push_back(point_key(spec, p, arch_text, workload_text, slurp(energy)));
        if (!point_done(pdir / (std::to_string(p.index) + ".json"), keys.back())) todo.push_back(p.index);
    }
    SweepSummary sum;
    sum.points = static_cast<int>(points.size());
    sum.resumed = sum.points - static_cast<int>(todo.size());
    sum.run = static_cast<int>(todo.size());
    jobs = std::max(1, std::min(jobs, static_cast<int>(todo.size())));
    // a point to run has no file from here on (a stale or damaged one goes now), so while the
    // workers run, a point is done once its file exists: they write it atomically, complete
    auto point_file = [&](int i) { return pdir / (std::to_string(i) + ".json"); };
    for (int i : todo) fs::remove(point_file(i));
    auto count_done = [&] {
        int n = sum.resumed;
        for (int i : todo) n += fs::exists(point_file(i));
        return n;
    };
    auto write_point = [&](int i) {
        nlohmann::json row;
        try {
            row = run_point(spec, points[static_cast<size_t>(i)]);
        } catch (const std::exception& e) {
            row = {{"index", i}, {"dataflow", points[static_cast<size_t>(i)].dataflow}, {"status", std::string("error: ") + e.what()}};
        }
        write_file_atomic(point_file(i).string(),
                          nlohmann::json{{"key", keys[static_cast<size_t>(i)]}, {"row", row}}.dump() + "\n");
    };
    if (!todo.empty()) {
        if (jobs == 1) {
            int done = sum.resumed;
            for (int i : todo) {
                write_point(i);
                if (progress) progress(++done, sum.points);
            }
        } else {
            // worker k runs todo[k], todo[k + jobs], ...: one SystemC simulation per process
            std::vector<pid_t> kids;
            std::fflush(nullptr);
            for (int k = 0; k < jobs; ++k) {
                const pid_t pid = fork();
                if (pid < 0) throw std::runtime_error("sweep: fork failed");
                if (pid == 0) {
                    int rc = 0;
                    try {
                        for (size_t j = static_cast<size_t>(k); j < todo.size(); j += static_cast<size_t>(jobs)) write_point(todo[j]);
                    } catch (...) {
                        rc = 1;
                    }
                    std::fflush(nullptr);
                    _exit(rc);
                }
                kids.push_back(pid);
            }
            int last = -1;
            while (!kids.empty()) {
                int status = 0;
                const auto finished = std::find_if(kids.begin(), kids.end(), [&](pid_t pid) { return waitpid(pid, &status, WNOHANG) == pid; });
                if (finished != kids.end()) {
                    kids.erase(finished);
                    continue;
                }
                const int done = count_done();
                if (progress && done != last) progress(done, sum.points);
                last = done;
                std::this_thread::sleep_for(std::chrono::milliseconds(200));
            }
            if (progress) progress(count_done(), sum.points);
        }
    }
    // results, one row per point in point order
    nlohmann::json rows = nlohmann::json::array();
    std::string csv;
    for (size_t c = 0; c < std::size(kCsvColumns); ++c) csv += std::string(c ? "," : "") + kCsvColumns[c];
    csv += "\n";
    for (size_t i = 0; i < points.size(); ++i) {
        std::ifstream in(point_file(static_cast<int>(i)));
        nlohmann::json row;
        try {
            row = nlohmann::json::parse(in).at("row");
        } catch (const std::exception&) {
            row = {{"index", i}, {"dataflow", points[i].dataflow}, {"status", "missing (worker failed)"}};
        }
        for (size_t c = 0; c < std::size(kCsvColumns); ++c) csv += std::string(c ? "," : "") + csv_cell(row, kCsvColumns[c]);
        csv += "\n";
        rows.push_back(std::move(row));
    }
    nlohmann::json doc = {{"arch_file", spec.arch_file}, {"workload_file", spec.workload_file},
                          {"energy_file", spec.energy_file}, {"layers", spec.layers},
                          {"model", spec.analytical ? "analytical" : "simulation"}, {"rows", rows}};
    write_file_atomic((dir / "results.json").string(), doc.dump(2) + "\n");
    write_file_atomic((dir / "results.csv").string(), csv);
    sum.wall_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    return sum;
}

void write_sweep_plots(const nlohmann::json& rows, const std::string& out_dir) {
    require_gnuplot();
    const fs::path dir(out_dir);
    // series: dataflow plus every setting but the array size, in row order
    struct Series {
        std::string title;
        std::vector<const nlohmann::json*> rows;
    };
    std::vector<Series> series;
    std::vector<std::string> dataflows;
    std::string unit = "pJ";
    for (const nlohmann::json& r : rows) {
        if (r.value("status", "") != "ok") continue;
        unit = r.value("energy_unit", unit);
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
    if (series.empty()) return;
    for (Series& s : series)
        std::stable_sort(s.rows.begin(), s.rows.end(), [](const nlohmann::json* a, const nlohmann::json* b) {
            return (*a)["pes"].get<int>() < (*b)["pes"].get<int>();
        });
    char buf[160];
    std::ostringstream dat;
    dat << "# written by dfsim sweep; one block per series: pes, energy_per_mac, cycles, utilization_percent, "
           "latency_ms, energy_per_inference\n";
    for (size_t k = 0; k < series.size(); ++k) {
        dat << (k ? "\n\n" : "") << "# " << series[k].title << "\n";
        for (const nlohmann::json* r : series[k].rows) {
            std::snprintf(buf, sizeof buf, "%d\t%.9g\t%llu\t%.6g\t%.9g\t%.9g\n", (*r)["pes"].get<int>(),
                          (*r)["energy_per_mac"].get<double>(), static_cast<unsigned long long>((*r)["cycles"].get<uint64_t>()),
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
            pts.emplace_back((*r)["latency_ms"].get<double>(), (*r)["energy"].get<double>() / std::max(1, (*r)["batch"].get<int>()));
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
    const std::string e_unit = unit == "pJ" ? "pJ" : "MAC-equivalents";
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
           << "set encoding utf8\nset title " << gp_string(title) << " font \",13\"\n"
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
            cmd += "    \"sweep.dat\" index " + std::to_string(k) + " using 1:" + p.ycol + " with linespoints pt " + std::to_string(markers[variant_of(k) % 5]) + " ps 1.1 lw 2 lc rgb " +
                   gp_string(color_of(series[k].title)) + " dt " + std::to_string(1 + variant_of(k) % 5) +
                   " title " + gp_string(series[k].title) + (k + 1 < series.size() ? ", \\\n" : "\n");
        footer(gp, cmd);
        write_file_atomic((dir / (p.base + ".gp")).string(), gp.str());
        bases.push_back(p.base);
    }
    {
        std::ostringstream gp;
        header(gp, "pareto", "energy per inference against latency, every point");
        gp << "set xlabel \"latency of one run (ms at the configured clock)\"\nset ylabel "
           << gp_string("energy per inference (" + std::string(unit == "pJ" ? "pJ" : "MAC-equivalents") + ")")
           << "\nset logscale x 10\nset logscale y 10\n";
        std::string cmd = "plot \\\n";
        for (size_t k = 0; k < series.size(); ++k)
            cmd += "    \"sweep.dat\" index " + std::to_string(k) + " using 5:6 with points pt " + std::to_string(markers[variant_of(k) % 5]) + " ps 1.3 lc rgb " +
                   gp_string(color_of(series[k].title)) + " title " + gp_string(series[k].title) + ", \\\n";
        cmd += "    \"pareto.dat\" using 1:2 with linespoints pt 6 ps 2.4 lw 2 dt 2 lc rgb \"#404040\" title \"Pareto front\"\n";
        footer(gp, cmd);
        write_file_atomic((dir / "pareto.gp").string(), gp.str());
        bases.push_back("pareto");
    }
    render_plots(dir, bases);
}

}  // namespace dfsim

