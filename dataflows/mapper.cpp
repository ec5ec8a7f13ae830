#include "dataflows/mapper.h"

#include <algorithm>
#include <limits>
#include <numeric>

#include "base/error.h"
#include "base/parallel.h"

namespace dfsim {

namespace {

// pick_candidate's window: candidates whose primary figure is more than this times the best's
// are never picked.
// (objective_figure of a bound, whose cycles are a lower bound, is a lower bound on the figure.)
constexpr double kWindow = 1.02;
// Candidates estimated in full per round: fixed, so that what is pruned does not depend on jobs.
constexpr size_t kRound = 16;
// Candidates bounded per task.
constexpr size_t kChunk = 256;

struct Legal {
    std::vector<std::unique_ptr<Mapping>> mappings;
    std::string last_reason = "no candidate";
};

Legal legal_candidates(const Dataflow& df, const Layer& l, const ArchParams& a, MapperStats& stats) {
    Legal legal;
    df.for_each_candidate(l, a, [&](std::unique_ptr<Mapping> m) {
        ++stats.space;
        std::string bad = df.check_mapping(l, a, *m);
        if (!bad.empty()) {
            ++stats.invalid;
            legal.last_reason = std::move(bad);
            return;
        }
        legal.mappings.push_back(std::move(m));
    });
    if (legal.mappings.empty())
        throw MappingError("layer " + l.name + ": no " + df.mapper_name() + " mapping fits " + a.name + " (" +
                           legal.last_reason + ")");
    return legal;
}

// pick_candidate over the candidates estimated in full (in their order in the map space).
std::unique_ptr<Mapping> pick(Legal& legal, const std::vector<Estimate>& ests, const std::vector<bool>& full,
                              Objective obj) {
    std::vector<Estimate> scored;
    std::vector<size_t> index;
    for (size_t i = 0; i < ests.size(); ++i)
        if (full[i]) scored.push_back(ests[i]), index.push_back(i);
    return std::move(legal.mappings[index[pick_candidate(scored, obj)]]);
}

}  // namespace

MapperStats& MapperStats::operator+=(const MapperStats& o) {
    layers += o.layers, space += o.space, invalid += o.invalid, bounded += o.bounded;
    evaluated += o.evaluated, pruned += o.pruned, cache_hits += o.cache_hits;
    return *this;
}

std::unique_ptr<Mapping> search_mappings(const Dataflow& df, const Layer& l, const ArchParams& a, const EnergyTable& t,
                                         const MapperOptions& opt, MapperStats& stats) {
    Legal legal = legal_candidates(df, l, a, stats);
    const size_t n = legal.mappings.size();
    const double inf = std::numeric_limits<double>::infinity();
    std::vector<Estimate> ests(n);
    std::vector<bool> full(n, false);
    auto figure = [&](size_t i) { return objective_figure(ests[i], opt.objective); };
    // the bounds in chunks of consecutive candidates (a block's tilings share their passes' counts)
    auto bound_all = [&](const BoundCutoff& cut) {
        const size_t chunks = (n + kChunk - 1) / kChunk;
        parallel_for(chunks, opt.jobs, [&](size_t c) {
            std::vector<const Mapping*> ms;
            for (size_t i = c * kChunk; i < std::min(n, (c + 1) * kChunk); ++i) ms.push_back(legal.mappings[i].get());
            std::vector<Estimate> out(ms.size());
            df.bound_all(l, a, t, ms, out.data(), cut);
            for (size_t j = 0; j < ms.size(); ++j)
                if (!full[c * kChunk + j]) ests[c * kChunk + j] = out[j];
        });
    };
    std::vector<size_t> order(n);
    auto sort_by_figure = [&] {
        std::iota(order.begin(), order.end(), size_t{0});
        std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return figure(x) < figure(y); });
    };
    // Estimates candidates order[k..end) in full; returns how many were not already.
    auto estimate = [&](size_t k, size_t end) {
        std::vector<size_t> todo;
        for (size_t j = k; j < end; ++j)
            if (!full[order[j]]) todo.push_back(order[j]);
        parallel_for(todo.size(), opt.jobs, [&](size_t j) {
            const size_t i = todo[j];
            const Estimate e = df.estimate(l, a, t, *legal.mappings[i]);
            DFSIM_ASSERT(ests[i].coarse ||  // the incumbents (below)
                             (e.counts == ests[i].counts && e.dynamic_energy == ests[i].dynamic_energy &&
                              e.energy >= ests[i].energy && e.cycles >= ests[i].cycles),
                         "the mapper's bound disagrees with its estimate for layer " + l.name + ", " +
                             legal.mappings[i]->summary());
            ests[i] = e;
        });
        for (size_t i : todo) full[i] = true;
        return todo.size();
    };
    // 1. Coarse bounds of all (passes and compulsory traffic), and an incumbent: the kRound
    //    candidates of least coarse bound, estimated in full.
    bound_all(BoundCutoff{opt.objective, -inf});
    sort_by_figure();
    size_t evaluated = estimate(0, std::min(n, kRound));
    double best = inf;
    for (size_t j = 0; j < std::min(n, kRound); ++j) best = std::min(best, figure(order[j]));
    // 2. The bounds of the candidates whose coarse bound comes within the window of it; the rest
    //    keep their coarse bound, already too high to be picked.
    bound_all(BoundCutoff{opt.objective, best * kWindow});
    // 3. Best bound first, candidates estimated in full until no bound left can come within the
    //    window of the best found.
    sort_by_figure();
    size_t k = 0;
    while (k < n && figure(order[k]) <= best * kWindow) {
        size_t end = k;
        while (end < n && end - k < kRound && figure(order[end]) <= best * kWindow) ++end;
        evaluated += estimate(k, end);
        for (; k < end; ++k) best = std::min(best, figure(order[k]));
    }
    stats.layers += 1;
    stats.bounded += n;
    stats.evaluated += evaluated;
    stats.pruned += n - evaluated;
    return pick(legal, ests, full, opt.objective);
}

std::unique_ptr<Mapping> exhaustive_search(const Dataflow& df, const Layer& l, const ArchParams& a,
                                           const EnergyTable& t, Objective obj) {
    MapperStats stats;
    Legal legal = legal_candidates(df, l, a, stats);
    std::vector<Estimate> ests;
    for (const auto& m : legal.mappings) ests.push_back(df.estimate(l, a, t, *m));
    return std::move(legal.mappings[pick_candidate(ests, obj)]);
}

std::unique_ptr<Mapping> Dataflow::choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& t,
                                                  Objective obj) const {
    MapperStats stats;
    return search_mappings(*this, l, a, t, MapperOptions{obj, 1}, stats);
}

std::unique_ptr<Mapping> Dataflow::choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& t,
                                                  const MapperOptions& opt, MapperStats* stats) const {
    MapperStats own;
    return search_mappings(*this, l, a, t, opt, stats ? *stats : own);
}

}  // namespace dfsim
