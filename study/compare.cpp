#include "study/compare.h"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include "base/workers.h"
#include "base/error.h"
#include "base/text.h"
#include "base/hash.h"
#include "energy/energy.h"
#include "base/atomic_file.h"
#include "base/fmt.h"
#include "base/safe_name.h"
#include "base/stats.h"
#include "base/version.h"
#include "report/gnuplot.h"
#include "sim/reference.h"
#include "report/report.h"

namespace dfsim {

namespace fs = std::filesystem;

// ---------------------------------------------------------------------------------------------
// Running

void check_dataflow_list(const std::vector<std::string>& dataflows) {
    auto error = [](const std::string& what) { return ConfigError("command line", "--dataflows", 0, 0, what); };
    if (dataflows.empty()) throw error("expected at least one dataflow name");
    const std::vector<std::string> names = dataflow_names();
    std::set<std::string> seen;
    for (const std::string& d : dataflows) {
        if (d.empty()) throw error("empty dataflow name in the list");
        if (!seen.insert(d).second) throw error("dataflow '" + d + "' is listed twice");
        if (std::find(names.begin(), names.end(), d) == names.end())
            throw error("unknown dataflow '" + printable(d) + "': expected one of {" + name_list(names) + "}" +
                        did_you_mean(d, names));
    }
}

std::vector<std::string> parse_dataflow_list(const std::string& csv) {
    std::vector<std::string> out;
    std::stringstream ss(csv);
    for (std::string n; std::getline(ss, n, ',');) out.push_back(n);
    if (!csv.empty() && csv.back() == ',') out.emplace_back();  // "rs," has an empty name
    check_dataflow_list(out);
    return out;
}

nlohmann::json layer_key(const Layer& l) {
    const LayerShape& s = l.shape;
    auto hash = [](const std::vector<int32_t>& v) {  // FNV-1a over the values' bytes
        Fnv1a64 f;
        for (int32_t x : v) f.u32_le(static_cast<uint32_t>(x));
        return f.h;
    };
    auto source = [&](const SyntheticSource& d) {
        // real data (a .npy file, an ONNX model's weights): its file and a hash of its values
        return nlohmann::json{{"distribution", d.distribution},
                              {"zero_fraction", d.zero_fraction},
                              {"scale", d.scale},
                              {"seed", d.seed},
                              {"file", d.file},
                              {"values", d.values ? hash(d.values->data) : 0}};
    };
    auto format = [](const Format& f) { return nlohmann::json{f.bits, f.is_signed, f.binary, f.zero_point}; };
    return {{"name", l.name},
            {"type", std::string(to_string(l.type))},
            {"shape", {s.N, s.C, s.H, s.W, s.M, s.R, s.S, s.U, s.P, s.G}},
            {"ifmap", format(l.ifmap)},
            {"filter", format(l.filter)},
            {"psum_bits", l.psum_bits},
            {"multiplier", std::string(to_string(l.multiplier))},
            {"bias", l.bias},
            {"filter_scale", l.filter_scale},
            {"requant",
             {l.requant.enabled, l.requant.multiplier, l.requant.shift, l.requant.relu, format(l.requant.out),
              l.requant.multipliers, l.requant.shifts, l.requant.calibrate}},
            // zero points (an ONNX model's quantization)
            {"quant", {l.ifmap.zero_point, l.filter.zero_point, l.requant.out.zero_point, l.requant.from_model}},
            {"ifmap_data", source(l.ifmap_data)},
            {"filter_data", source(l.filter_data)}};
}

namespace {

// The inputs a (layer, dataflow) result depends on.
nlohmann::json result_key(const Layer& l, const ArchParams& arch, const EnergyTable& t, const RunOptions& opt) {
    nlohmann::json levels = nlohmann::json::array();
    for (Level lv : kLevels) levels.push_back({t.at(lv).read, t.at(lv).write, t.at(lv).reference_bits});
    return {{"format", 5},  // 5: the version; 4: the timing model (3: counts by name; 2: a positional array)
            {"version", dfsim_version()},
            {"arch", arch_to_json(arch)},
            {"layer", layer_key(l)},
            {"energy_table",
             {{"name", t.name},
              {"unit", std::string(to_string(t.unit))},
              {"scale_with_width", t.scale_with_width},
              {"levels", levels},
              {"glb_reference_kb", t.glb_reference_kb},
              {"glb_size_exponent", t.glb_size_exponent},
              {"mac", t.mac},
              {"add", t.add},
              {"multiply", t.multiply},
              {"lut", {t.lut_read, t.lut_write, t.lut_reference_entries, t.lut_size_exponent}},
              {"xnor_popcount", t.xnor_popcount},
              {"figures", t.figures()}}},
            {"dataflow", opt.dataflow},
            {"timing", std::string(to_string(opt.timing))},
            {"seed_offset", opt.seed_offset},
            {"objective", static_cast<int>(opt.objective)},
            {"check_output", opt.check_output}};
}

// The counters by name (base/stats.h); a file missing one, or naming an unknown one, is
// from another version and is simulated again.
nlohmann::json counts_to_json(const ActionCounts& c) {
    nlohmann::json v = nlohmann::json::object();
    for (const Counter& k : counters()) v[k.name] = k.of(c);
    return v;
}

ActionCounts counts_from_json(const nlohmann::json& v) {
    ActionCounts c;
    for (const Counter& k : counters()) k.of(c) = v.at(k.name).get<uint64_t>();
    if (v.size() != counters().size()) throw std::runtime_error("counters");
    return c;
}

nlohmann::json result_to_json(const LayerResult& r) {
    return {{"mapping", r.mapping},
            {"loop_nest", r.loop_nest},
            {"cycles", r.cycles},
            {"timing", std::string(to_string(r.timing))},
            {"estimated_cycles", r.estimated_cycles},
            {"estimated_energy", r.estimated_energy},
            {"counts", counts_to_json(r.counts)},
            {"glb_bytes_used", r.glb_bytes_used},
            {"dram_busy_cycles", r.dram_busy_cycles},
            {"output_check", std::string(to_string(r.output_check))},
            {"executed_on", std::string(to_string(r.executed_on))},
            {"host_ops", r.host_ops},
            {"mismatches", r.mismatches},
            {"wall_seconds", r.wall_seconds},
            {"multiplier", std::string(to_string(r.multiplier))},
            {"ifmap_format", r.ifmap_format},
            {"filter_format", r.filter_format},
            {"ifmap_zero_fraction", r.ifmap_zero_fraction},
            {"filter_zero_fraction", r.filter_zero_fraction},
            {"gating_saved_energy", r.gating_saved_energy},
            {"mapping_yaml", r.mapping_yaml},
            {"mapper",
             {r.mapper.layers, r.mapper.space, r.mapper.invalid, r.mapper.bounded, r.mapper.evaluated, r.mapper.pruned,
              r.mapper.floored, r.mapper.cache_hits}},
            {"mapper_host_seconds", r.mapper.host_seconds}};
}

// The stored result, if its key matches; energy and widths are recomputed from the counts.
std::optional<LayerResult> load_result(const fs::path& file, const nlohmann::json& key, const Layer& l,
                                       const ArchParams& arch, const EnergyTable& t) {
    std::ifstream in(file);
    if (!in) return std::nullopt;
    try {
        const nlohmann::json j = nlohmann::json::parse(in);
        if (j.at("key") != key) return std::nullopt;
        const nlohmann::json& v = j.at("result");
        const Layer ls = stored_layer(l, arch.word_bits);
        LayerResult r;
        r.name = l.name;
        r.shape = l.shape;
        r.mapping = v.at("mapping").get<std::string>();
        r.loop_nest = v.at("loop_nest").get<std::string>();
        r.cycles = v.at("cycles").get<uint64_t>();
        r.timing = parse_enum(v.at("timing").get<std::string>(), kTimings, "timing");
        r.estimated_cycles = v.at("estimated_cycles").get<uint64_t>();
        r.estimated_energy = v.at("estimated_energy").get<double>();
        r.counts = counts_from_json(v.at("counts"));
        r.glb_bytes_used = v.at("glb_bytes_used").get<uint64_t>();
        r.dram_busy_cycles = v.at("dram_busy_cycles").get<uint64_t>();
        r.output_check = parse_enum(v.at("output_check").get<std::string>(), kOutputChecks, "output check");
        r.executed_on = parse_enum(v.at("executed_on").get<std::string>(), kExecutedOns, "executed_on");
        r.host_ops = v.at("host_ops").get<uint64_t>();
        r.mismatches = v.at("mismatches").get<uint64_t>();
        r.wall_seconds = v.at("wall_seconds").get<double>();
        r.multiplier = parse_multiplier(v.at("multiplier").get<std::string>());
        r.ifmap_format = v.at("ifmap_format").get<std::string>();
        r.filter_format = v.at("filter_format").get<std::string>();
        r.ifmap_zero_fraction = v.at("ifmap_zero_fraction").get<double>();
        r.filter_zero_fraction = v.at("filter_zero_fraction").get<double>();
        r.gating_saved_energy = v.at("gating_saved_energy").get<double>();
        r.mapping_yaml = v.at("mapping_yaml").get<std::string>();
        const std::array<uint64_t, 8> m = v.at("mapper").get<std::array<uint64_t, 8>>();
        r.mapper = MapperStats{m[0], m[1], m[2], m[3], m[4], m[5], m[6], m[7]};
        r.mapper.host_seconds = v.at("mapper_host_seconds").get<double>();
        r.widths = layer_widths(ls, arch);
        r.energy = compute_energy(r.counts, t, r.widths, arch, r.cycles);
        return r;
    } catch (const std::exception&) {
        return std::nullopt;  // unreadable or from another version: simulate again
    }
}

}  // namespace

namespace {

// One layer's results in a resume directory: the file of each run, its key, and the result if an
// earlier run left it with the same key.
struct Resumed {
    std::vector<std::optional<LayerResult>> done;
    std::vector<nlohmann::json> keys;
    std::vector<fs::path> files;
    bool all_done() const {
        return std::all_of(done.begin(), done.end(), [](const auto& d) { return d.has_value(); });
    }
};

Resumed load_resumed(const Layer& l, const CompareResult& c, const EnergyTable& t, RunOptions opt,
                     const std::string& resume_dir, SafeNames& names) {
    Resumed r;
    r.done.resize(c.runs.size());
    r.keys.resize(c.runs.size());
    r.files.resize(c.runs.size());
    if (resume_dir.empty()) return r;
    for (size_t i = 0; i < c.runs.size(); ++i) {
        opt.dataflow = c.runs[i].dataflow;
        r.keys[i] = result_key(l, c.runs[i].arch_params, t, opt);
        // the layer's name is untrusted (a workload file's, an ONNX model's): one file name inside resume_dir
        r.files[i] = fs::path(resume_dir) / (names.file_name(l.name) + "." + c.runs[i].dataflow + ".json");
        r.done[i] = load_result(r.files[i], r.keys[i], l, c.runs[i].arch_params, t);
    }
    return r;
}

// How far a compare is: its start, and the MACs of all its pairs and of those finished (in memory
// the forked workers share: they report as they finish).
struct CompareProgress {
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double macs = 0;
    std::atomic<uint64_t> macs_done{0};
};

// "dfsim compare: LAYER DATAFLOW 1.234 s [(resumed)] (K of N), E s elapsed, about L s left": K
// pairs of the N finished, the time left estimated from the share of the MACs done. On a terminal
// one live line, rewritten in place; else a line per pair.
void print_progress(std::ostream* progress, const Layer& l, const std::string& dataflow, double seconds, bool resumed,
                    size_t finished, size_t pairs, CompareProgress& p) {
    if (!progress) return;
    const uint64_t macs = l.on_host() ? 0 : l.shape.macs();
    const double done = static_cast<double>(p.macs_done.fetch_add(macs) + macs);
    const double el = std::chrono::duration<double>(std::chrono::steady_clock::now() - p.start).count();
    const double share = p.macs > 0 ? done / p.macs : 1.0;
    char buf[160];
    std::snprintf(buf, sizeof buf, "%.3f s%s (%zu of %zu)", seconds, resumed ? " (resumed)" : "", finished, pairs);
    const std::string line =
        "dfsim compare: " + l.name + " " + dataflow + " " + buf + elapsed_and_left(el, share, finished == pairs);
    const bool tty = progress == &std::cerr && isatty(STDERR_FILENO) != 0;
    // one write, so that the lines of parallel workers do not interleave
    if (tty)
        *progress << ("\r" + line + "\033[K" + (finished == pairs ? "\n" : "")) << std::flush;
    else
        *progress << (line + "\n") << std::flush;
}

}  // namespace

namespace {

// One layer's data and reference, made when a (layer, dataflow) pair of a new layer comes up.
struct LayerInputs {
    const Layer* layer = nullptr;
    std::optional<LayerData> data;
    std::optional<Tensor4> ref;
    void make(const Layer& l, const RunOptions& opt) {
        if (layer == &l) return;
        layer = &l;
        data = make_layer_data(l, opt.seed_offset);
        // (a calibrated layer's reference comes with its calibration, in prepare)
        ref.reset();
        if (opt.check_output && !l.requant.calibrate) ref = reference_conv(l, data->ifmap, data->filter);
    }
};

// Simulates one (layer, dataflow) pair and writes its result file (if `file` is set).
LayerResult simulate_pair(const Layer& l, const ArchParams& base, const EnergyTable& t, const RunOptions& opt,
                          LayerInputs& in, const fs::path& file, const nlohmann::json& key) {
    in.make(l, opt);
    LayerResult r = simulate(prepare(l, base, t, opt, in.data, in.ref));
    if (!file.empty())
        write_file_atomic(file.string(), nlohmann::json{{"key", key}, {"result", result_to_json(r)}}.dump() + "\n");
    return r;
}

// Simulates the pairs `todo` (layer index, run index) in `workers` forked processes, one SystemC
// simulation per process, each taking the next pair from a counter they share; every result goes
// to its file in `files`, from which the caller loads it. A worker whose pair fails exits quietly:
// the caller finds the result missing and simulates the pair itself, so an error is reported as
// a sequential run reports it.
void simulate_in_workers(const Network& net, const CompareResult& c, const ArchParams& base, const EnergyTable& t,
                         RunOptions opt, const std::vector<std::pair<size_t, size_t>>& todo,
                         const std::vector<Resumed>& files, int workers, std::ostream* progress, size_t pairs,
                         CompareProgress& shared_progress) {
    struct Counters {
        std::atomic<size_t> next{0}, finished{0};  // pairs taken, pairs done
    };
    const SharedObject<Counters> counters("compare");
    opt.mapper_jobs = 1;  // the workers are the parallelism
    if (progress) progress->flush();
    // fewer workers if a fork fails: the caller simulates what is left
    const std::vector<pid_t> kids = fork_workers(workers, [&](int) {
        LayerInputs in;
        if (test_fault("worker")) throw std::runtime_error("worker");  // test only: the caller must simulate the pairs
        for (size_t j; (j = counters->next.fetch_add(1)) < todo.size();) {
            const auto [li, ri] = todo[j];
            const Layer& l = net.layers[li];
            opt.dataflow = c.runs[ri].dataflow;
            const auto t0 = std::chrono::steady_clock::now();
            simulate_pair(l, base, t, opt, in, files[li].files[ri], files[li].keys[ri]);
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            print_progress(progress, l, opt.dataflow, s, false, counters->finished.fetch_add(1) + 1, pairs,
                           shared_progress);
        }
    });
    for (const pid_t pid : kids) waitpid(pid, nullptr, 0);
}

}  // namespace

CompareResult run_compare(const Network& net, const ArchParams& base, const EnergyTable& t,
                          const std::vector<std::string>& dataflows, RunOptions opt, std::ostream* progress,
                          const std::string& resume_dir, int workers) {
    check_dataflow_list(dataflows);
    MappingCache own;  // identical layers are mapped once
    if (!opt.mapping_cache) opt.mapping_cache = &own;
    CompareResult c;
    c.network = net.name;
    c.arch = base.name;
    c.energy_table = t.name;
    c.energy_unit = t.unit;
    for (const Layer& l : net.layers) c.layer_types.push_back(l.type);
    for (const std::string& d : dataflows) {
        opt.dataflow = d;
        c.runs.push_back(network_result(net, base, t, opt));
    }
    // Workers hand their results over in files: resume_dir's, or a private folder's if none.
    std::optional<TempDir> scratch;
    std::string dir = resume_dir;
    if (workers > 1 && dir.empty()) dir = scratch.emplace("dfsim_compare").path();
    if (!dir.empty()) {
        fs::create_directories(dir);
        remove_stale_temporaries(dir);  // left by a killed run (the caller holds the directory)
    }
    SafeNames names;
    std::vector<Resumed> resumed;
    std::vector<std::pair<size_t, size_t>> todo;
    for (size_t li = 0; li < net.layers.size(); ++li) {
        resumed.push_back(load_resumed(net.layers[li], c, t, opt, dir, names));
        for (size_t ri = 0; ri < c.runs.size(); ++ri)
            if (!resumed.back().done[ri]) todo.emplace_back(li, ri);
    }
    const size_t pairs = net.layers.size() * c.runs.size();
    // in memory the forked workers share
    const SharedObject<CompareProgress> prog("compare");
    for (const Layer& l : net.layers)
        if (!l.on_host()) prog->macs += static_cast<double>(l.shape.macs()) * static_cast<double>(c.runs.size());
    std::set<std::pair<size_t, size_t>> by_workers;  // reported by the workers as they finished
    if (workers > 1 && todo.size() > 1) {
        simulate_in_workers(net, c, base, t, opt, todo, resumed, std::min<int>(workers, static_cast<int>(todo.size())),
                            progress, pairs, *prog);
        for (const auto& [li, ri] : todo) {
            Resumed& r = resumed[li];
            opt.dataflow = c.runs[ri].dataflow;
            r.done[ri] = load_result(r.files[ri], r.keys[ri], net.layers[li], c.runs[ri].arch_params, t);
            if (r.done[ri]) by_workers.emplace(li, ri);
        }
    }
    LayerInputs in;  // what is left: everything with one worker, else the pairs a worker failed
    size_t reported = 0;
    for (size_t li = 0; li < net.layers.size(); ++li) {
        const Layer& l = net.layers[li];
        for (size_t ri = 0; ri < c.runs.size(); ++ri) {
            NetworkResult& r = c.runs[ri];
            opt.dataflow = r.dataflow;
            std::optional<LayerResult>& done = resumed[li].done[ri];
            const auto t0 = std::chrono::steady_clock::now();
            const bool was_done = done.has_value();
            r.layers.push_back(was_done
                                   ? std::move(*done)
                                   : simulate_pair(l, base, t, opt, in, resumed[li].files[ri], resumed[li].keys[ri]));
            const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
            if (!by_workers.count({li, ri}))
                print_progress(progress, l, r.dataflow, s, was_done, ++reported + by_workers.size(), pairs, *prog);
        }
    }
    return c;
}

CompareResult run_compare_precisions(const Network& net, const ArchParams& base, const EnergyTable& t,
                                     const std::vector<std::string>& dataflows,
                                     const std::vector<std::string>& precisions, const RunOptions& opt,
                                     std::ostream* progress, const std::string& resume_dir, int workers) {
    check_dataflow_list(dataflows);
    std::vector<Network> nets;
    for (const std::string& p : precisions) nets.push_back(with_precision(net, p));  // all checked first
    CompareResult all;
    for (size_t i = 0; i < precisions.size(); ++i) {
        const std::string dir =
            resume_dir.empty() ? "" : (fs::path(resume_dir) / safe_file_name(precisions[i])).string();
        CompareResult c = run_compare(nets[i], base, t, dataflows, opt, progress, dir, workers);
        if (i == 0) all = c, all.runs.clear();
        for (NetworkResult& r : c.runs) {
            r.dataflow += "@" + precisions[i];
            all.runs.push_back(std::move(r));
        }
    }
    return all;
}

}  // namespace dfsim
