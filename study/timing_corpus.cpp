#include "study/timing_corpus.h"

#include "base/stats.h"

#include <poll.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <new>
#include <numeric>
#include <stdexcept>

#include "base/rng.h"
#include "base/stats.h"
#include "sim/reference.h"
#include "sim/simulator.h"

namespace dfsim {

namespace {

// One random layer's shape and kind (before the MAC limit is applied).
Layer draw_layer(Rng& rng) {
    static constexpr int kFilters[] = {1, 1, 2, 3, 3, 3, 4, 5, 5, 6, 7, 9, 11};
    static constexpr int kGroups[] = {2, 4, 8};
    auto pick = [&](int lo, int hi) { return static_cast<int>(rng.uniform_int(lo, hi)); };
    Layer l;
    LayerShape& s = l.shape;
    const int kind = pick(0, 9);  // 0-4 conv, 5-6 depthwise, 7-8 grouped, 9 fc
    s.N = pick(1, 4);
    s.R = s.S = kFilters[pick(0, static_cast<int>(std::size(kFilters)) - 1)];
    s.U = pick(1, 4);
    s.P = pick(0, s.R / 2);
    s.H = pick(std::max(1, s.R - 2 * s.P), 32);
    s.W = pick(std::max(1, s.S - 2 * s.P), 32);
    if (kind <= 4) {
        s.C = pick(1, 64);
        s.M = pick(1, 64);
    } else if (kind <= 6) {
        s.C = s.M = s.G = pick(1, 64);
    } else if (kind <= 8) {
        s.G = kGroups[pick(0, 2)];
        s.C = s.G * pick(1, 64 / s.G);
        s.M = s.G * pick(1, 64 / s.G);
    } else {
        l.type = LayerType::Fc;
        s.H = s.W = s.R = s.S = pick(1, 6);
        s.U = 1;
        s.P = 0;
        s.C = pick(1, 64);
        s.M = pick(1, 64);
    }
    return l;
}

// The data and the output stage of a random layer.
void draw_data(Rng& rng, Layer& l) {
    static constexpr double kZeros[] = {0.0, 0.0, 0.25, 0.5};
    l.ifmap_data.distribution = "uniform";
    l.ifmap_data.zero_fraction = kZeros[rng.uniform_int(0, 3)];
    l.ifmap_data.seed = 1 + rng.next_u64() % 1'000'000'000;
    l.filter_data.distribution = "normal";
    l.filter_data.scale = 0.25;
    l.filter_data.seed = 1 + rng.next_u64() % 1'000'000'000;
    if (rng.uniform() < 0.5) {
        // VGG-16's rule of thumb (workloads/vgg16.yaml): keeps most outputs inside int8
        const double products = static_cast<double>(l.shape.Cg()) * l.shape.R * l.shape.S;
        const int shift = static_cast<int>(std::lround(std::log2(std::sqrt(products) * 64))) + 2;
        l.requant = Requant::scalar(1, shift, rng.uniform() < 0.5, Format{8, true});
    }
}

}  // namespace

std::vector<Layer> random_layers(int n, uint64_t seed) {
    Rng rng(seed);
    std::vector<Layer> out;
    for (int i = 0; i < n; ++i) {
        Layer l = draw_layer(rng);
        while (l.shape.macs() > kCorpusMaxMacs) l = draw_layer(rng);
        draw_data(rng, l);
        char name[16];
        std::snprintf(name, sizeof name, "r%03d", i);
        l.name = name;
        out.push_back(std::move(l));
    }
    return out;
}

std::vector<Layer> network_layers(const std::string& workload_file) {
    const Network net = with_batch(load_network(workload_file), 1);
    std::vector<Layer> out;
    for (const Layer& l : net.layers)
        if (!l.on_host()) out.push_back(l);
    return out;
}

std::vector<CorpusCase> corpus_cases(const std::string& set, const std::vector<Layer>& layers,
                                     const std::vector<std::string>& dataflows) {
    std::vector<CorpusCase> out;
    for (const Layer& l : layers)
        for (const std::string& df : dataflows) out.push_back({set, l, df});
    return out;
}

std::string shape_summary(const Layer& l) {
    const LayerShape& s = l.shape;
    const char* kind = l.type == LayerType::Fc ? "fc" : s.G == 1 ? "conv" : s.depthwise() ? "dw" : "grouped";
    char buf[160];
    std::snprintf(buf, sizeof buf, "%s N%d C%d M%d H%dxW%d R%dxS%d U%d P%d G%d", kind, s.N, s.C, s.M, s.H, s.W, s.R,
                  s.S, s.U, s.P, s.G);
    return buf;
}

double CaseResult::pass_ratio() const {
    return cycle_cycles ? static_cast<double>(pass_cycles) / static_cast<double>(cycle_cycles) : 0.0;
}

double CaseResult::estimate_ratio() const {
    return cycle_cycles ? static_cast<double>(estimated_cycles) / static_cast<double>(cycle_cycles) : 0.0;
}

std::vector<std::string> count_differences(const ActionCounts& a, const ActionCounts& b) {
    std::vector<std::string> out;  // the counters registry's names (base/stats.h)
    for (const Counter& c : counters())
        if (c.of(a) != c.of(b)) out.push_back(c.name);
    return out;
}

CaseResult run_case(const CorpusCase& c, const ArchParams& a, const EnergyTable& t, Objective obj) {
    CaseResult r;
    r.set = c.set;
    r.layer = c.layer.name;
    r.dataflow = c.dataflow;
    r.shape = shape_summary(c.layer);
    r.macs = c.layer.shape.macs();
    try {
        RunOptions opt;
        opt.dataflow = c.dataflow;
        opt.objective = obj;
        const PreparedLayer p = prepare(c.layer, a, t, opt);
        r.mapping = p.mapping->summary();  // also for a case whose simulation fails
        // one reference for both models (a calibrated layer made its own in prepare())
        const Tensor4 ref = p.reference ? *p.reference : reference_conv(p.layer, p.data.ifmap, p.data.filter);
        auto run = [&](Timing timing) {
            return simulate_mapped(p.layer, p.arch, t, *p.dataflow, *p.mapping, p.data, true, false, &ref, nullptr,
                                   timing);
        };
        const LayerResult pass = run(Timing::Pass), cycle = run(Timing::Cycle);
        r.pass_cycles = pass.cycles;
        r.cycle_cycles = cycle.cycles;
        r.estimated_cycles = pass.estimated_cycles;
        r.pass_check = std::string(to_string(pass.output_check));
        r.cycle_check = std::string(to_string(cycle.output_check));
        r.count_differences = count_differences(pass.counts, cycle.counts);
        r.pass_seconds = pass.wall_seconds;
        r.cycle_seconds = cycle.wall_seconds;
    } catch (const MappingError& e) {
        r.status = std::string("no mapping: ") + e.what();
    } catch (const std::exception& e) {
        r.status = std::string("error: ") + e.what();
    }
    std::replace(r.status.begin(), r.status.end(), '\n', ' ');  // one line (SystemC's messages have several)
    return r;
}

namespace {

nlohmann::json to_json(const CaseResult& r) {
    return {{"index", r.index},
            {"set", r.set},
            {"layer", r.layer},
            {"dataflow", r.dataflow},
            {"shape", r.shape},
            {"mapping", r.mapping},
            {"status", r.status},
            {"macs", r.macs},
            {"pass_cycles", r.pass_cycles},
            {"cycle_cycles", r.cycle_cycles},
            {"estimated_cycles", r.estimated_cycles},
            {"pass_over_cycle", r.pass_ratio()},
            {"estimate_over_cycle", r.estimate_ratio()},
            {"pass_check", r.pass_check},
            {"cycle_check", r.cycle_check},
            {"count_differences", r.count_differences},
            {"pass_seconds", r.pass_seconds},
            {"cycle_seconds", r.cycle_seconds}};
}

CaseResult from_json(const nlohmann::json& j) {
    CaseResult r;
    r.index = j.at("index").get<int>();
    r.set = j.at("set").get<std::string>();
    r.layer = j.at("layer").get<std::string>();
    r.dataflow = j.at("dataflow").get<std::string>();
    r.shape = j.at("shape").get<std::string>();
    r.mapping = j.at("mapping").get<std::string>();
    r.status = j.at("status").get<std::string>();
    r.macs = j.at("macs").get<uint64_t>();
    r.pass_cycles = j.at("pass_cycles").get<uint64_t>();
    r.cycle_cycles = j.at("cycle_cycles").get<uint64_t>();
    r.estimated_cycles = j.at("estimated_cycles").get<uint64_t>();
    r.pass_check = j.at("pass_check").get<std::string>();
    r.cycle_check = j.at("cycle_check").get<std::string>();
    r.count_differences = j.at("count_differences").get<std::vector<std::string>>();
    r.pass_seconds = j.at("pass_seconds").get<double>();
    r.cycle_seconds = j.at("cycle_seconds").get<double>();
    return r;
}

// The case order the workers take: the largest layers first (the long ones do not end the run alone).
std::vector<size_t> largest_first(const std::vector<CorpusCase>& cases) {
    std::vector<size_t> order(cases.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t x, size_t y) { return cases[x].layer.shape.macs() > cases[y].layer.shape.macs(); });
    return order;
}

void write_all(int fd, const std::string& s) {
    for (size_t done = 0; done < s.size();) {
        const ssize_t n = write(fd, s.data() + done, s.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) _exit(2);
        done += static_cast<size_t>(n);
    }
}

// A worker: takes the next case from the shared counter until none is left, and writes each
// result as one JSON line to `fd`.
[[noreturn]] void corpus_worker(const std::vector<CorpusCase>& cases, const std::vector<size_t>& order,
                                std::atomic<size_t>* next, int fd, const ArchParams& a, const EnergyTable& t,
                                Objective obj) {
    for (size_t k; (k = next->fetch_add(1)) < order.size();) {
        CaseResult r = run_case(cases[order[k]], a, t, obj);
        r.index = static_cast<int>(order[k]);
        write_all(fd, to_json(r).dump() + "\n");
    }
    std::fflush(nullptr);
    _exit(0);
}

// Reads the workers' result lines until every pipe is closed.
void collect(std::vector<int> fds, std::vector<CaseResult>& results, std::vector<bool>& have,
             const std::function<void(int, int)>& progress) {
    std::vector<std::string> pending(fds.size());
    int done = 0;
    while (std::any_of(fds.begin(), fds.end(), [](int fd) { return fd >= 0; })) {
        std::vector<pollfd> p;
        for (int fd : fds) p.push_back({fd, POLLIN, 0});
        if (poll(p.data(), p.size(), -1) < 0 && errno != EINTR) throw std::runtime_error("corpus: poll failed");
        for (size_t w = 0; w < fds.size(); ++w) {
            if (fds[w] < 0 || !(p[w].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char buf[65536];
            const ssize_t n = read(fds[w], buf, sizeof buf);
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) {
                close(fds[w]);
                fds[w] = -1;
                continue;
            }
            pending[w].append(buf, static_cast<size_t>(n));
            for (size_t eol; (eol = pending[w].find('\n')) != std::string::npos;) {
                CaseResult r = from_json(nlohmann::json::parse(pending[w].substr(0, eol)));
                pending[w].erase(0, eol + 1);
                const size_t i = static_cast<size_t>(r.index);
                results[i] = std::move(r);
                have[i] = true;
                if (progress) progress(++done, static_cast<int>(results.size()));
            }
        }
    }
}

}  // namespace

std::vector<CaseResult> run_corpus(const std::vector<CorpusCase>& cases, const ArchParams& a, const EnergyTable& t,
                                   Objective obj, int jobs, const std::function<void(int, int)>& progress) {
    const std::vector<size_t> order = largest_first(cases);
    std::vector<CaseResult> results(cases.size());
    std::vector<bool> have(cases.size(), false);
    jobs = std::max(1, std::min(jobs, static_cast<int>(cases.size())));
    if (jobs == 1) {
        for (size_t k = 0; k < order.size(); ++k) {
            results[order[k]] = run_case(cases[order[k]], a, t, obj);
            have[order[k]] = true;
            if (progress) progress(static_cast<int>(k + 1), static_cast<int>(cases.size()));
        }
    } else {
        // the workers share one counter of cases taken: the next case goes to the first one free
        void* shared =
            mmap(nullptr, sizeof(std::atomic<size_t>), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        if (shared == MAP_FAILED) throw std::runtime_error("corpus: mmap failed");
        auto* next = new (shared) std::atomic<size_t>(0);
        std::vector<int> fds;
        std::vector<pid_t> kids;
        std::fflush(nullptr);
        for (int k = 0; k < jobs; ++k) {
            int pipe_fds[2];
            if (pipe(pipe_fds) != 0) throw std::runtime_error("corpus: pipe failed");
            const pid_t pid = fork();
            if (pid < 0) throw std::runtime_error("corpus: fork failed");
            if (pid == 0) {
                close(pipe_fds[0]);
                for (int fd : fds) close(fd);
                corpus_worker(cases, order, next, pipe_fds[1], a, t, obj);
            }
            close(pipe_fds[1]);
            fds.push_back(pipe_fds[0]);
            kids.push_back(pid);
        }
        collect(fds, results, have, progress);
        for (pid_t pid : kids) waitpid(pid, nullptr, 0);
        munmap(shared, sizeof(std::atomic<size_t>));
    }
    for (size_t i = 0; i < cases.size(); ++i) {
        if (!have[i]) {  // its worker died while running it
            results[i].set = cases[i].set, results[i].layer = cases[i].layer.name,
            results[i].dataflow = cases[i].dataflow;
            results[i].shape = shape_summary(cases[i].layer);
            results[i].status = "error: missing (the worker running it died)";
        }
        results[i].index = static_cast<int>(i);
    }
    return results;
}

RatioStats ratio_stats(const std::vector<double>& ratios) {
    RatioStats s;
    s.n = static_cast<int>(ratios.size());
    if (ratios.empty()) return s;
    s.min = *std::min_element(ratios.begin(), ratios.end());
    s.max = *std::max_element(ratios.begin(), ratios.end());
    double sum = 0;
    int w3 = 0, w5 = 0, w10 = 0;
    for (double r : ratios) {
        sum += r;
        const double d = std::fabs(r - 1.0);
        s.worst = std::max(s.worst, d);
        w3 += d <= 0.03;
        w5 += d <= 0.05;
        w10 += d <= 0.10;
    }
    s.mean = sum / s.n;
    s.within3 = static_cast<double>(w3) / s.n;
    s.within5 = static_cast<double>(w5) / s.n;
    s.within10 = static_cast<double>(w10) / s.n;
    return s;
}

namespace {

CorpusSummary summarize_one(const std::string& group, const std::string& dataflow,
                            const std::vector<const CaseResult*>& rs) {
    CorpusSummary s;
    s.group = group;
    s.dataflow = dataflow;
    std::vector<double> pass, est;
    for (const CaseResult* r : rs) {
        ++s.cases;
        s.no_mapping += r->no_mapping();
        s.errors += r->failed();
        if (!r->ran()) continue;
        ++s.ran;
        s.exact += r->exact();
        s.counts_equal += r->count_differences.empty();
        pass.push_back(r->pass_ratio());
        est.push_back(r->estimate_ratio());
    }
    s.pass = ratio_stats(pass);
    s.estimate = ratio_stats(est);
    return s;
}

template <typename Key>
std::vector<std::string> in_order(const std::vector<CaseResult>& results, Key key) {
    std::vector<std::string> out;
    for (const CaseResult& r : results)
        if (std::find(out.begin(), out.end(), key(r)) == out.end()) out.push_back(key(r));
    return out;
}

}  // namespace

namespace {

// Per group (the value of `key`, in the order given; "all": every case) and dataflow.
std::vector<CorpusSummary> summarize_by(const std::vector<CaseResult>& results, const std::vector<std::string>& groups,
                                        const std::function<std::string(const CaseResult&)>& key) {
    const std::vector<std::string> dataflows = in_order(results, [](const CaseResult& r) { return r.dataflow; });
    std::vector<CorpusSummary> out;
    for (const std::string& g : groups)
        for (const std::string& df : dataflows) {
            std::vector<const CaseResult*> rs;
            for (const CaseResult& r : results)
                if ((g == "all" || key(r) == g) && r.dataflow == df) rs.push_back(&r);
            if (!rs.empty()) out.push_back(summarize_one(g, df, rs));
        }
    return out;
}

std::string kind_of(const CaseResult& r) { return r.shape.substr(0, r.shape.find(' ')); }

}  // namespace

std::vector<CorpusSummary> summarize(const std::vector<CaseResult>& results) {
    std::vector<std::string> groups = in_order(results, [](const CaseResult& r) { return r.set; });
    if (groups.size() > 1) groups.push_back("all");
    return summarize_by(results, groups, [](const CaseResult& r) { return r.set; });
}

std::vector<CorpusSummary> summarize_by_kind(const std::vector<CaseResult>& results) {
    return summarize_by(results, {"conv", "dw", "grouped", "fc"}, kind_of);
}

std::vector<CaseResult> worst_cases(const std::vector<CaseResult>& results, size_t n, bool estimate) {
    std::vector<CaseResult> ran;
    for (const CaseResult& r : results)
        if (r.ran()) ran.push_back(r);
    auto off = [estimate](const CaseResult& r) {
        return std::fabs((estimate ? r.estimate_ratio() : r.pass_ratio()) - 1.0);
    };
    std::stable_sort(ran.begin(), ran.end(), [&](const CaseResult& x, const CaseResult& y) { return off(x) > off(y); });
    if (ran.size() > n) ran.resize(n);
    return ran;
}

namespace {

void print_table(std::ostream& out, const std::vector<CorpusSummary>& sums, bool estimate,
                 const char* group = "group") {
    char line[256];
    std::snprintf(line, sizeof line, "%-14s %-5s %5s %5s %5s %4s %6s %6s %7s %7s %7s %7s %6s %6s %6s\n", group, "flow",
                  "cases", "ran", "nomap", "err", "exact", "counts", "min", "max", "mean", "worst", "<=3%", "<=5%",
                  "<=10%");
    out << line;
    for (const CorpusSummary& s : sums) {
        const RatioStats& r = estimate ? s.estimate : s.pass;
        std::snprintf(
            line, sizeof line, "%-14s %-5s %5d %5d %5d %4d %6d %6d %7.3f %7.3f %7.3f %6.1f%% %5.0f%% %5.0f%% %5.0f%%\n",
            s.group.c_str(), s.dataflow.c_str(), s.cases, s.ran, s.no_mapping, s.errors, s.exact, s.counts_equal, r.min,
            r.max, r.mean, 100 * r.worst, 100 * r.within3, 100 * r.within5, 100 * r.within10);
        out << line;
    }
}

void print_case(std::ostream& out, const CaseResult& r) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "  %-13s %-8s %-5s pass %10llu  cycle %10llu  est %10llu  pass/cycle %6.3f  est/cycle %6.3f\n",
                  r.set.c_str(), r.layer.c_str(), r.dataflow.c_str(), static_cast<unsigned long long>(r.pass_cycles),
                  static_cast<unsigned long long>(r.cycle_cycles), static_cast<unsigned long long>(r.estimated_cycles),
                  r.pass_ratio(), r.estimate_ratio());
    out << line << "      " << r.shape << " | " << r.mapping << "\n";
}

}  // namespace

void print_corpus(std::ostream& out, const std::vector<CaseResult>& results, size_t worst) {
    const std::vector<CorpusSummary> sums = summarize(results);
    out << "pass-level / cycle-level cycles (--timing pass / --timing cycle, same mapping and data):\n";
    print_table(out, sums, false);
    out << "\nmapper's estimated / cycle-level cycles:\n";
    print_table(out, sums, true);
    const std::vector<CorpusSummary> kinds = summarize_by_kind(results);
    out << "\npass-level / cycle-level cycles by layer kind (every group):\n";
    print_table(out, kinds, false, "kind");
    out << "\nmapper's estimated / cycle-level cycles by layer kind (every group):\n";
    print_table(out, kinds, true, "kind");
    int bad = 0;
    for (const CaseResult& r : results) {
        const bool wrong = r.failed() || (r.ran() && (!r.exact() || !r.count_differences.empty()));
        if (!wrong) continue;
        if (bad++ == 0) out << "\ncases that failed (an error, an output mismatch or counts that differ):\n";
        std::string what = r.status;
        if (r.ran()) {
            what = "pass " + r.pass_check + ", cycle " + r.cycle_check;
            for (const std::string& c : r.count_differences) what += ", " + c + " differs";
        }
        out << "  " << r.set << " " << r.layer << " " << r.dataflow << ": " << what << "\n      " << r.shape
            << (r.mapping.empty() ? "" : " | " + r.mapping) << "\n";
    }
    for (bool estimate : {false, true}) {
        out << "\nthe " << worst << " worst cases by |" << (estimate ? "estimated" : "pass") << "/cycle - 1|:\n";
        for (const CaseResult& r : worst_cases(results, worst, estimate)) print_case(out, r);
    }
}

nlohmann::json corpus_json(const std::vector<CaseResult>& results) {
    nlohmann::json doc;
    auto stats = [](const RatioStats& r) {
        return nlohmann::json{
            {"n", r.n},         {"min", r.min},         {"max", r.max},         {"mean", r.mean},
            {"worst", r.worst}, {"within3", r.within3}, {"within5", r.within5}, {"within10", r.within10}};
    };
    doc["summaries"] = nlohmann::json::array();
    for (const CorpusSummary& s : summarize(results))
        doc["summaries"].push_back({{"group", s.group},
                                    {"dataflow", s.dataflow},
                                    {"cases", s.cases},
                                    {"ran", s.ran},
                                    {"no_mapping", s.no_mapping},
                                    {"errors", s.errors},
                                    {"exact", s.exact},
                                    {"counts_equal", s.counts_equal},
                                    {"pass_over_cycle", stats(s.pass)},
                                    {"estimate_over_cycle", stats(s.estimate)}});
    doc["by_kind"] = nlohmann::json::array();
    for (const CorpusSummary& s : summarize_by_kind(results))
        doc["by_kind"].push_back({{"kind", s.group},
                                  {"dataflow", s.dataflow},
                                  {"ran", s.ran},
                                  {"pass_over_cycle", stats(s.pass)},
                                  {"estimate_over_cycle", stats(s.estimate)}});
    doc["cases"] = nlohmann::json::array();
    for (const CaseResult& r : results) doc["cases"].push_back(to_json(r));
    return doc;
}

}  // namespace dfsim
