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
// The candidates coarse-bounded first, for the incumbent: this share of those of least block
// floor, at least kMinLeaders of them.
constexpr size_t kLeaders = 16, kMinLeaders = 256;
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

}  // namespace

MapperStats& MapperStats::operator+=(const MapperStats& o) {
    layers += o.layers, space += o.space, invalid += o.invalid, bounded += o.bounded;
    evaluated += o.evaluated, pruned += o.pruned, floored += o.floored, cache_hits += o.cache_hits;
    return *this;
}

std::unique_ptr<Mapping> search_mappings(const Dataflow& df, const Layer& l, const ArchParams& a, const EnergyTable& t,
                                         const MapperOptions& opt, MapperStats& stats) {
    Legal legal = legal_candidates(df, l, a, stats);
    const size_t n = legal.mappings.size();
    const double inf = std::numeric_limits<double>::infinity();
    // Each candidate's objective figure (of its coarse bound, its bound or its estimate: the
    // most exact it has), and where its Estimate is kept if it has more than a coarse bound (the
    // coarse bounds are many, and only their figures are ever looked at again).
    std::vector<double> figure(n);
    std::vector<Estimate> kept;
    std::vector<int32_t> slot(n, -1);
    std::vector<bool> full(n, false);
    std::vector<double> floor;  // each candidate's block floor, once known
    auto keep = [&](const std::vector<size_t>& which) {
        for (size_t i : which)
            if (slot[i] < 0) slot[i] = static_cast<int32_t>(kept.size()), kept.emplace_back();
    };
    // The bounds of candidates `which` (in map-space order), in chunks of consecutive ones (a
    // block's tilings share their passes' counts); `store`: keep the Estimates.
    auto bound_some = [&](const std::vector<size_t>& which, const BoundCutoff& cut, bool store) {
        if (store) keep(which);
        const size_t chunks = (which.size() + kChunk - 1) / kChunk;
        parallel_for(chunks, opt.jobs, [&](size_t c) {
            const size_t lo = c * kChunk, hi = std::min(which.size(), lo + kChunk);
            std::vector<const Mapping*> ms;
            for (size_t k = lo; k < hi; ++k) ms.push_back(legal.mappings[which[k]].get());
            std::vector<Estimate> out(ms.size());
            df.bound_all(l, a, t, ms, out.data(), cut);
            for (size_t k = lo; k < hi; ++k) {
                const size_t i = which[k];
                figure[i] = objective_figure(out[k - lo], opt.objective);
                DFSIM_ASSERT(floor.empty() || figure[i] >= floor[i] * (1 - 1e-9),
                             "the mapper's block floor exceeds a bound for layer " + l.name + ", " +
                                 legal.mappings[i]->summary());
                if (store) kept[static_cast<size_t>(slot[i])] = out[k - lo];
            }
        });
    };
    // Candidates `which` by figure, ties in map-space order.
    auto by_figure = [&](std::vector<size_t>& which) {
        std::sort(which.begin(), which.end(),
                  [&](size_t x, size_t y) { return figure[x] < figure[y] || (figure[x] == figure[y] && x < y); });
    };
    // Estimates candidates order[k..end) in full; returns how many were not already.
    auto estimate = [&](const std::vector<size_t>& order, size_t k, size_t end) {
        std::vector<size_t> todo;
        for (size_t j = k; j < end; ++j)
            if (!full[order[j]]) todo.push_back(order[j]);
        std::vector<bool> coarse(todo.size());
        for (size_t j = 0; j < todo.size(); ++j) coarse[j] = slot[todo[j]] < 0;  // the incumbents (below)
        keep(todo);
        parallel_for(todo.size(), opt.jobs, [&](size_t j) {
            const size_t i = todo[j];
            const Estimate e = df.estimate(l, a, t, *legal.mappings[i]);
            Estimate& b = kept[static_cast<size_t>(slot[i])];
            DFSIM_ASSERT(coarse[j] || (e.counts == b.counts && e.dynamic_energy == b.dynamic_energy &&
                                       e.energy >= b.energy && e.cycles >= b.cycles),
                         "the mapper's bound disagrees with its estimate for layer " + l.name + ", " +
                             legal.mappings[i]->summary());
            b = e;
            figure[i] = objective_figure(e, opt.objective);
        });
        for (size_t i : todo) full[i] = true;
        return todo.size();
    };
    // 1. The block floors of all (one per block of the dataflow's), the coarse bounds (passes and
    //    compulsory traffic) of the kLeaders share of least floor, and an incumbent: the kRound
    //    of those of least coarse bound, estimated in full. Then the coarse bounds of the others
    //    whose floor comes within the window of it; the rest keep their floor, already too high.
    std::vector<size_t> order(n);
    std::iota(order.begin(), order.end(), size_t{0});
    bound_some(order, BoundCutoff{opt.objective, inf, true}, false);
    floor = figure;
    std::sort(order.begin(), order.end(),
              [&](size_t x, size_t y) { return floor[x] < floor[y] || (floor[x] == floor[y] && x < y); });
    const size_t leaders = std::min(n, std::max(kMinLeaders, n / kLeaders));
    std::vector<size_t> lead(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(leaders));
    std::sort(lead.begin(), lead.end());  // map-space order: a block's tilings together
    bound_some(lead, BoundCutoff{opt.objective, -inf}, false);
    const size_t first = std::min(leaders, kRound);
    std::partial_sort(lead.begin(), lead.begin() + static_cast<std::ptrdiff_t>(first), lead.end(),
                      [&](size_t x, size_t y) { return figure[x] < figure[y] || (figure[x] == figure[y] && x < y); });
    size_t evaluated = estimate(lead, 0, first);
    double best = inf;
    for (size_t j = 0; j < first; ++j) best = std::min(best, figure[lead[j]]);
    std::vector<size_t> rest;
    for (size_t j = leaders; j < n && floor[order[j]] <= best * kWindow; ++j) rest.push_back(order[j]);
    std::sort(rest.begin(), rest.end());
    bound_some(rest, BoundCutoff{opt.objective, -inf}, false);
    stats.floored += n - leaders - rest.size();
    // 2. The bounds of the candidates whose coarse bound comes within the window of it (a few
    //    percent of them); the rest keep their coarse bound, already too high to be picked.
    std::vector<size_t> near;
    for (size_t i = 0; i < n; ++i)
        if (!full[i] && figure[i] <= best * kWindow) near.push_back(i);
    bound_some(near, BoundCutoff{}, true);
    // 3. Best bound first, candidates estimated in full until no bound left can come within the
    //    window of the best found (`best` only falls: a candidate outside the window now stays so).
    order.clear();
    for (size_t i = 0; i < n; ++i)
        if (full[i] || figure[i] <= best * kWindow) order.push_back(i);
    by_figure(order);
    size_t k = 0;
    while (k < order.size() && figure[order[k]] <= best * kWindow) {
        size_t end = k;
        while (end < order.size() && end - k < kRound && figure[order[end]] <= best * kWindow) ++end;
        evaluated += estimate(order, k, end);
        for (; k < end; ++k) best = std::min(best, figure[order[k]]);
    }
    stats.layers += 1;
    stats.bounded += n;
    stats.evaluated += evaluated;
    stats.pruned += n - evaluated;
    // pick_candidate over the candidates estimated in full, in their map-space order
    std::vector<Estimate> scored;
    std::vector<size_t> index;
    for (size_t i = 0; i < n; ++i)
        if (full[i]) scored.push_back(kept[static_cast<size_t>(slot[i])]), index.push_back(i);
    return std::move(legal.mappings[index[pick_candidate(scored, opt.objective)]]);
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
