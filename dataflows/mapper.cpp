#include "dataflows/mapper.h"

#include <algorithm>
#include <limits>
#include <numeric>
#include <queue>

#include "base/error.h"
#include "base/flat_map.h"
#include "base/parallel.h"
#include "dataflows/tiling.h"

namespace dfsim {

namespace {

// pick_candidate's window: candidates whose primary figure is more than this times the best's
// are never picked.
// (objective_figure of a bound, whose cycles are a lower bound, is a lower bound on the figure.)
constexpr double kWindow = 1.02;
// Candidates estimated in full per round: fixed, so that what is pruned does not depend on jobs.
constexpr size_t kRound = 16;
// The blocks of least floor listed first, for the incumbent: enough for this many legal candidates.
constexpr size_t kMinLeaders = 256;
// Candidates bounded per task.
constexpr size_t kChunk = 256;
// Candidates bounded per round of the second bound round, and of each round's least bounds, how
// many are estimated in full to lower the best (fixed: what is pruned does not depend on jobs).
constexpr size_t kNearRound = 4 * kChunk;
constexpr size_t kIncumbents = 4;
// Blocks whose floors are worked out (and, where they come within the window, listed and
// bounded) at a time, after the leaders: fixed, so that what is pruned does not depend on jobs.
constexpr size_t kBlockGroup = 8;

// A thread's room for a chunk's estimates, kept from chunk to chunk: an Estimate is large, and a
// fresh vector a chunk (tens of thousands of chunks on a large layer) went to the kernel for
// zeroed pages each time. Every element is written before it is read.
std::vector<Estimate>& chunk_estimates(size_t n) {
    thread_local std::vector<Estimate> room;
    room.resize(n);
    return room;
}

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
    host_seconds += o.host_seconds;
    return *this;
}

std::unique_ptr<Mapping> search_mappings(const Dataflow& df, const Layer& l, const ArchParams& a, const EnergyTable& t,
                                         const MapperOptions& opt, MapperStats& stats) {
    const double inf = std::numeric_limits<double>::infinity();
    // The blocks and their floors.
    std::vector<std::unique_ptr<Mapping>> blocks;
    df.for_each_block(l, a, [&](const Mapping& b) { blocks.push_back(df.clone(b)); });
    const size_t nb = blocks.size();
    // Each block's quick floor (Dataflow::quick_floors), where the dataflow has one; its floor is
    // worked out only for the blocks the quick one cannot rule out (block_floor, -inf until then).
    std::vector<double> quick(nb, -inf), block_floor(nb, -inf);
    // Their other figures (pick_candidate's secondary: cycles, or energy for the cycles
    // objective), lower bounds too.
    std::vector<double> quick_other(nb, -inf), floor_other(nb, -inf);
    auto other_of = [&](const Estimate& e) { return other_figure(e, opt.objective); };
    // x is no more than y, but for rounding (the run-time checks that a lower bound is one)
    auto below = [](double x, double y) { return x <= y * (1 + 1e-9) || x <= y + 1e-9; };
    parallel_for((nb + kChunk - 1) / kChunk, opt.jobs, [&](size_t c) {
        const size_t lo = c * kChunk, hi = std::min(nb, lo + kChunk);
        std::vector<const Mapping*> some;
        for (size_t b = lo; b < hi; ++b) some.push_back(blocks[b].get());
        std::vector<Estimate>& q = chunk_estimates(some.size());
        if (df.quick_floors(l, a, t, some, q.data()))
            for (size_t b = lo; b < hi; ++b)
                quick[b] = objective_figure(q[b - lo], opt.objective), quick_other[b] = other_of(q[b - lo]);
    });
    auto work_out_floors = [&](const std::vector<size_t>& which) {
        parallel_for(which.size(), opt.jobs, [&](size_t j) {
            const size_t b = which[j];
            if (block_floor[b] > -inf) return;
            const Estimate f = df.floor(l, a, t, *blocks[b]);
            block_floor[b] = objective_figure(f, opt.objective), floor_other[b] = other_of(f);
            DFSIM_ASSERT(
                below(quick[b], block_floor[b]) && below(quick_other[b], floor_other[b]),
                "the mapper's quick floor exceeds the floor for layer " + l.name + ", " + blocks[b]->summary());
        });
    };
    // The legal candidates, listed a block at a time as the search needs them. Each one's place in
    // the map space (block, then tiling: ties go by it), its objective figure (of its coarse bound,
    // its bound or its estimate: the most exact it has), and where its Estimate is kept if it has
    // more than a coarse bound (the coarse bounds are many, and only their figures are looked at).
    std::vector<std::unique_ptr<Mapping>> cands;
    std::vector<uint64_t> place;
    std::vector<double> figure;
    std::vector<Estimate> kept;
    std::vector<int32_t> slot;
    std::vector<char> full;
    // Each candidate's other figure (pick_candidate's secondary: cycles, or energy for the cycles
    // objective) in its coarse bound, a lower bound (-inf until it has one); whether the rounds
    // ruled it out (below); the candidates estimated in full, in the order they were.
    std::vector<double> coarse_other;
    std::vector<char> ruled_out;
    std::vector<size_t> estimated;
    // The bounded candidates, neither estimated in full nor ruled out, whose figure came within
    // the window: the best can still fall to the least of their figures (a min-heap; the ones
    // estimated since are dropped as they come to the top).
    std::priority_queue<std::pair<double, size_t>, std::vector<std::pair<double, size_t>>, std::greater<>> pending;
    auto least_pending = [&] {
        while (!pending.empty() && full[pending.top().second]) pending.pop();
        return pending.empty() ? inf : pending.top().first;
    };
    // The least other figure of the candidates estimated in full that are sure to stay in the
    // window if the best can fall no lower than `least`.
    auto sure_within = [&](double least) {
        double sure = inf;
        for (size_t i : estimated)
            if (figure[i] <= least * kWindow) sure = std::min(sure, other_of(kept[static_cast<size_t>(slot[i])]));
        return sure;
    };
    auto list_block = [&](size_t b) {
        uint64_t k = 0;
        df.for_each_tiling_of(l, a, *blocks[b], [&](const Mapping& m) {
            const uint64_t at = static_cast<uint64_t>(b) << 32 | k++;
            ++stats.space;
            if (!df.check_mapping(l, a, m).empty()) {
                ++stats.invalid;
                return;
            }
            cands.push_back(df.clone(m));
            place.push_back(at), figure.push_back(inf), slot.push_back(-1);
            full.push_back(0), coarse_other.push_back(-inf), ruled_out.push_back(0);
        });
    };
    auto before = [&](size_t x, size_t y) {  // by figure, ties in map-space order
        return figure[x] < figure[y] || (figure[x] == figure[y] && place[x] < place[y]);
    };
    TrafficMemo traffic;  // the traffic of each tiling the bounds count
    PassSums sums;  // the passes' sums of each block's tile sizes the bounds count
    auto in_place_order = [&](std::vector<size_t>& which) {
        std::sort(which.begin(), which.end(), [&](size_t x, size_t y) { return place[x] < place[y]; });
    };
    auto keep = [&](const std::vector<size_t>& which) {
        if (kept.capacity() < kept.size() + which.size())  // one growth for many, not a copy per doubling
            kept.reserve(std::max(kept.size() + which.size(), 2 * kept.capacity()));
        for (size_t i : which)
            if (slot[i] < 0) slot[i] = static_cast<int32_t>(kept.size()), kept.emplace_back();
    };
    // The bounds of candidates `which` (in map-space order), in chunks of consecutive ones (a
    // block's tilings share their passes' counts); with `all`, the Estimates in which's order.
    auto bound_some = [&](const std::vector<size_t>& which, const BoundCutoff& cut, std::vector<Estimate>* all) {
        if (all) all->resize(which.size());
        const size_t chunks = (which.size() + kChunk - 1) / kChunk;
        parallel_for(chunks, opt.jobs, [&](size_t c) {
            const size_t lo = c * kChunk, hi = std::min(which.size(), lo + kChunk);
            std::vector<const Mapping*> ms;
            for (size_t k = lo; k < hi; ++k) ms.push_back(cands[which[k]].get());
            std::vector<Estimate>& out = chunk_estimates(ms.size());
            df.bound_all(l, a, t, ms, out.data(), cut);
            for (size_t k = lo; k < hi; ++k) {
                const size_t i = which[k];
                figure[i] = objective_figure(out[k - lo], opt.objective);
                if (out[k - lo].coarse) coarse_other[i] = other_of(out[k - lo]);
                DFSIM_ASSERT(
                    figure[i] >= block_floor[place[i] >> 32] * (1 - 1e-9),
                    "the mapper's block floor exceeds a bound for layer " + l.name + ", " + cands[i]->summary());
                if (all) (*all)[k] = out[k - lo];
            }
        });
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
            const Estimate e = df.estimate(l, a, t, *cands[i]);
            Estimate& b = kept[static_cast<size_t>(slot[i])];
            DFSIM_ASSERT(
                coarse[j] || (e.counts == b.counts && e.dynamic_energy == b.dynamic_energy && e.energy >= b.energy &&
                              e.cycles >= b.cycles),
                "the mapper's bound disagrees with its estimate for layer " + l.name + ", " + cands[i]->summary());
            b = e;
            figure[i] = objective_figure(e, opt.objective);
        });
        for (size_t i : todo) full[i] = 1;
        estimated.insert(estimated.end(), todo.begin(), todo.end());
        return todo.size();
    };
    // 1. The blocks of least floor (enough for kMinLeaders legal candidates) listed, their
    //    candidates' coarse bounds (passes and compulsory traffic), and an incumbent: up to kRound
    //    of least coarse bound, estimated in full. Then the other blocks whose floor comes within
    //    the window of it are listed and coarse-bounded; the rest are only counted, their floor
    //    already too high. With quick floors, the blocks go by those: the leaders are the blocks
    //    of least quick floor, and a block's floor is worked out only if its quick floor comes
    //    within the window.
    const bool quick_first = nb > 0 && quick[0] > -inf;
    if (!quick_first) {
        std::vector<size_t> all(nb);
        std::iota(all.begin(), all.end(), size_t{0});
        work_out_floors(all);
    }
    const std::vector<double>& order_by = quick_first ? quick : block_floor;
    std::vector<size_t> by_floor(nb);
    std::iota(by_floor.begin(), by_floor.end(), size_t{0});
    std::sort(by_floor.begin(), by_floor.end(),
              [&](size_t x, size_t y) { return order_by[x] < order_by[y] || (order_by[x] == order_by[y] && x < y); });
    size_t listed = 0;
    while (listed < nb && cands.size() < kMinLeaders) {
        const size_t b = by_floor[listed++];
        work_out_floors({b});
        list_block(b);
    }
    std::vector<size_t> lead(cands.size());
    std::iota(lead.begin(), lead.end(), size_t{0});
    in_place_order(lead);
    bound_some(lead, BoundCutoff{opt.objective, -inf, false, nullptr, &sums}, nullptr);
    const size_t first = std::min(lead.size(), kRound);
    std::partial_sort(lead.begin(), lead.begin() + static_cast<std::ptrdiff_t>(first), lead.end(), before);
    // (kIncumbents at a time, stopping where the next coarse bound is no lower than the best:
    // neither it nor those after it could lower the best)
    size_t evaluated = 0;
    double best = inf;
    for (size_t j = 0; j < first && figure[lead[j]] < best;) {
        const size_t end = std::min(first, j + kIncumbents);
        evaluated += estimate(lead, j, end);
        for (; j < end; ++j) best = std::min(best, figure[lead[j]]);
    }
    // 2. The other blocks, least floor (or quick floor) first, kBlockGroup at a time while their
    //    floor comes within the window of the best: a group's blocks whose floor does are listed
    //    and their candidates' coarse bounds counted; then the bounds of the candidates whose
    //    coarse bound comes within the window (a few percent of them), least coarse bound first,
    //    kNearRound at a time, and after each round its least bounds below the best (up to
    //    kIncumbents) are estimated in full. The best falls early (the leaders' incumbent can be
    //    20% above it), so that most blocks are ruled out by their floor before they are listed,
    //    and candidates whose coarse bound is then out of the window are never bounded. The first
    //    group's rounds take the leaders' candidates too. A candidate is ruled out, never bounded
    //    again, when it cannot be picked: its coarse bound is no lower than the best (it cannot
    //    lower the window's edge) and its other figure there (a lower bound) is above that of an
    //    estimated candidate sure to stay in the window (its figure within the window of the
    //    least the best can still fall to: least_best). The same rule leaves a block unlisted.
    std::vector<size_t> unlisted;  // the blocks whose floor (or quick floor) rules them out: only counted
    std::vector<Estimate> round_bounds;
    size_t next = listed;  // the next block by floor
    // The least the best can still fall to, given `also` (the least figure of the candidates not
    // yet bounded that the caller holds): the best, the bounds not yet estimated, the next block's floor.
    auto least_best = [&](double also) {
        const double least = std::min({best, also, least_pending()});
        return next < nb ? std::min(least, order_by[by_floor[next]]) : least;
    };
    auto rounds = [&](size_t from) {  // of the candidates from `from` on
        std::vector<size_t> near;
        for (size_t i = from; i < cands.size(); ++i)
            if (!full[i] && figure[i] <= best * kWindow) near.push_back(i);
        std::sort(near.begin(), near.end(), before);
        for (size_t k = 0; k < near.size() && figure[near[k]] <= best * kWindow;) {
            const double sure = sure_within(least_best(figure[near[k]]));
            std::vector<size_t> round;
            for (; k < near.size() && round.size() < kNearRound && figure[near[k]] <= best * kWindow; ++k) {
                const size_t i = near[k];
                if (figure[i] >= best && coarse_other[i] > sure)
                    ruled_out[i] = 1;
                else
                    round.push_back(i);
            }
            if (round.empty()) continue;
            in_place_order(round);  // a block's candidates one after another: they share their passes
            bound_some(round, BoundCutoff{.traffic = &traffic, .sums = &sums}, &round_bounds);
            std::vector<size_t> in_window;  // kept: the others' figures are out of the window for good
            for (size_t j = 0; j < round.size(); ++j)
                if (figure[round[j]] <= best * kWindow) in_window.push_back(j);
            std::vector<size_t> to_keep;
            for (size_t j : in_window) to_keep.push_back(round[j]);
            keep(to_keep);
            for (size_t j : in_window) {
                kept[static_cast<size_t>(slot[round[j]])] = round_bounds[j];
                pending.push({figure[round[j]], round[j]});
            }
            for (size_t j = 0; j < round.size(); ++j)
                DFSIM_ASSERT(below(coarse_other[round[j]], other_of(round_bounds[j])),
                             "the mapper's coarse bound exceeds a bound for layer " + l.name + ", " +
                                 cands[round[j]]->summary());
            std::vector<size_t> lowest;
            for (size_t i : round)
                if (figure[i] < best) lowest.push_back(i);
            const size_t m = std::min(lowest.size(), kIncumbents);
            std::partial_sort(lowest.begin(), lowest.begin() + static_cast<std::ptrdiff_t>(m), lowest.end(), before);
            lowest.resize(m);
            evaluated += estimate(lowest, 0, lowest.size());
            for (size_t i : lowest) best = std::min(best, figure[i]);
        }
    };
    size_t rounded = 0;  // the candidates before `rounded` had their rounds
    do {
        // (a block no candidate of which can be picked, by the rounds' rule on its floor or quick
        // floor, is not listed either)
        const double sure = sure_within(least_best(inf));
        const std::vector<double>& other_by = quick_first ? quick_other : floor_other;
        std::vector<size_t> group;
        for (; next < nb && group.size() < kBlockGroup && order_by[by_floor[next]] <= best * kWindow; ++next) {
            const size_t b = by_floor[next];
            if (order_by[b] >= best && other_by[b] > sure)
                unlisted.push_back(b);
            else
                group.push_back(b);
        }
        work_out_floors(group);
        const size_t from = cands.size();
        for (size_t b : group)
            if (block_floor[b] <= best * kWindow && !(block_floor[b] >= best && floor_other[b] > sure))
                list_block(b);
            else
                unlisted.push_back(b);
        std::vector<size_t> fresh(cands.size() - from);
        std::iota(fresh.begin(), fresh.end(), from);
        in_place_order(fresh);
        bound_some(fresh, BoundCutoff{opt.objective, best * kWindow, true, nullptr, &sums}, nullptr);
        rounds(rounded);
        rounded = cands.size();
    } while (next < nb && order_by[by_floor[next]] <= best * kWindow);
    for (; next < nb; ++next) unlisted.push_back(by_floor[next]);
    uint64_t floored = 0;
    FlatMap<3, uint64_t> tilings;  // by the blocks' tile steps, all their count depends on
    for (size_t b : unlisted) {
        const std::array<int, 3> steps = df.tile_blocks_of(l, *blocks[b]);
        floored +=
            tilings.get_or_make(steps, [&] { return count_block_candidates(l, a, steps[0], steps[1], steps[2]); });
    }
    const size_t n = cands.size();
    if (n == 0) {  // no legal candidate: the error names the map space's last broken constraint
        MapperStats none;
        legal_candidates(df, l, a, none);
    }
    // 3. Best bound first, candidates estimated in full until no bound left can come within the
    //    window of the best found (`best` only falls: a candidate outside the window now stays so).
    //    Within the window pick_candidate goes by the other figure, so a candidate is passed over
    //    when it cannot be picked: its bound is no lower than the best found (it cannot lower the
    //    window's edge) and its bound's other figure (a lower bound: cycles, or energy for the
    //    cycles objective) is above the other figure of an estimated candidate sure to stay in the
    //    window (its figure within the window of every figure the best can still fall to). The
    //    candidates the rounds ruled out are left out.
    std::vector<size_t> order;
    for (size_t i = 0; i < n; ++i)
        if (!ruled_out[i] && (full[i] || figure[i] <= best * kWindow)) order.push_back(i);
    std::sort(order.begin(), order.end(), before);
    auto other = [&](size_t i) { return other_of(kept[static_cast<size_t>(slot[i])]); };
    size_t k = 0;
    while (k < order.size() && figure[order[k]] <= best * kWindow) {
        const double lowest = std::min(best, figure[order[k]]);  // the best can fall no lower
        const double sure = sure_within(lowest);
        std::vector<size_t> round;
        size_t end = k;
        for (; end < order.size() && end - k < kRound && figure[order[end]] <= best * kWindow; ++end) {
            const size_t i = order[end];
            if (full[i] || figure[i] < best || other(i) <= sure) round.push_back(i);
        }
        evaluated += estimate(round, 0, round.size());
        for (; k < end; ++k) best = std::min(best, figure[order[k]]);
    }
    // (the candidates of blocks only counted were never checked: they count as neither legal nor
    // illegal, but as bounded by their floor and pruned)
    stats.layers += 1;
    stats.space += floored;
    stats.bounded += n + floored;
    stats.evaluated += evaluated;
    stats.pruned += n + floored - evaluated;
    stats.floored += floored;
    // pick_candidate over the candidates estimated in full, in their map-space order
    std::vector<size_t> index;
    for (size_t i = 0; i < n; ++i)
        if (full[i]) index.push_back(i);
    in_place_order(index);
    std::vector<Estimate> scored;
    for (size_t i : index) scored.push_back(kept[static_cast<size_t>(slot[i])]);
    return std::move(cands[index[pick_candidate(scored, opt.objective)]]);
}

void Dataflow::for_each_candidate(const Layer& l, const ArchParams& a,
                                  const std::function<void(std::unique_ptr<Mapping>)>& visit) const {
    for_each_block(l, a,
                   [&](const Mapping& b) { for_each_tiling_of(l, a, b, [&](const Mapping& m) { visit(clone(m)); }); });
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
