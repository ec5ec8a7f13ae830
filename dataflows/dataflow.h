// A dataflow: how a layer's loops are mapped onto the PE array and the buffer hierarchy.
// Each dataflow has a mapper (chooses the mapping parameters for a layer under the storage and
// bus constraints, scoring candidates with its analytical model), a program builder (turns a
// mapping into the operations the hardware runs) and the analytical model itself (closed-form
// counts and an estimate of cycles, written separately from the hardware's own counting).
// Dataflows are registered by name (see registry.cpp); `dfsim list` prints them.
#pragma once
#include <array>
#include <functional>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <typeinfo>
#include <vector>

#include "config/arch.h"
#include "config/energy_table.h"
#include "workload/layer.h"
#include "base/error.h"
#include "base/types.h"
#include "hw/program.h"

namespace dfsim {

class YamlMap;

enum class Objective { Energy, Cycles, Edp };
Objective parse_objective(const std::string& s);  // energy | cycles | edp; throws ConfigError

// No legal mapping exists for a layer on an architecture (bad input: exit code 2).
class MappingError : public UserError {
public:
    using UserError::UserError;
};

class Mapping {
public:
    virtual ~Mapping() = default;
    virtual std::string summary() const = 0;  // one line of parameters
    virtual std::string loop_nest(const Layer& l) const = 0;  // the loop nest, one loop a line
    // The mapping as one layer's entry of a mapping file (a YAML flow map that parse_mapping
    // reads back), e.g. "{h: 3, e: 13, ..., order: e, double_buffer: true, prefetch_filters: false}".
    virtual std::string to_yaml() const = 0;
};

// A mapping as its dataflow's own (final) type M: checked by its type, then cast. A dataflow is
// only ever given its own mappings; dynamic_cast through the tiling base took 2-3% of a mapper
// search, which does this for every candidate.
template <typename M>
const M& mapping_as(const Mapping& m) {
    DFSIM_ASSERT(typeid(m) == typeid(M), "a mapping of another dataflow");
    return static_cast<const M&>(m);
}

struct Estimate {
    ActionCounts counts;  // accesses on data with no zeros other than padding
    uint64_t cycles = 0;  // estimated cycles (the simulator's are authoritative)
    bool cycles_exact = true;  // false: `cycles` is only a lower bound (Dataflow::bound)
    bool coarse = false;  // a coarse bound (BoundCutoff): counts and energy too are only lower bounds
    double energy = 0;  // table units: dynamic + static (static over `cycles`: a bound's is a lower bound too)
    double dynamic_energy = 0;  // the counts' part of `energy` (exact in a bound that is not coarse)
    uint64_t glb_bytes = 0;  // global buffer the mapping allocates
};

// How the mapper searches: for which objective, on how many threads (the choice is the same for
// any number).
struct MapperOptions {
    Objective objective = Objective::Energy;
    int jobs = 1;
};

// What a mapper's searches did (summed over the layers they mapped).
struct MapperStats {
    uint64_t layers = 0;  // layers mapped (by a search or from the cache)
    uint64_t space = 0;  // candidates in the map spaces searched
    uint64_t invalid = 0;  // of those, mappings that break a constraint
    uint64_t bounded = 0;  // legal ones scored by the cheap first look (Dataflow::bound)
    uint64_t evaluated = 0;  // of those, estimated in full (tiles walked for their cycles)
    uint64_t pruned = 0;  // legal ones never estimated in full: their bound cannot win
    uint64_t floored = 0;  // of those, ones whose block floor alone ruled them out (no tile size counted)
    uint64_t cache_hits = 0;  // layers whose mapping came from the mapping cache
    // Host wall time of the mapping, summed over layers (the search, a cache look-up or a pinned
    // mapping's parse): a measurement of the machine, not a result, so the one figure of a report
    // that a rerun does not reproduce (tests compare reports without it).
    double host_seconds = 0;
    MapperStats& operator+=(const MapperStats& o);
};

// A cut-off for Dataflow::bound_all: a mapping whose coarse bound (its passes and the layer's
// compulsory traffic: each input row it needs, each weight and each output moved once; cycles
// as for any loop order) already has an objective figure above `limit` may get that coarse bound
// (a lower bound too, cycles_exact false) without its own traffic being counted. The default
// cuts nothing. With coarse_only, no mapping's traffic is counted: each gets its coarse bound, or
// a floor if that is above the limit (what the mapper's first look at a block's tilings wants).
// `traffic`, if given, keeps the traffic counted by tiling for the whole search (TrafficMemo);
// `sums`, the passes' sums by block and tile sizes (PassSums).
class TrafficMemo;
class PassSums;
struct BoundCutoff {
    Objective objective = Objective::Energy;
    double limit = std::numeric_limits<double>::infinity();
    bool coarse_only = false;
    TrafficMemo* traffic = nullptr;
    PassSums* sums = nullptr;
};

class Dataflow {
public:
    virtual ~Dataflow() = default;
    virtual std::string name() const = 0;
    virtual std::string description() const = 0;
    // Best legal mapping for the objective (search_mappings, dataflows/mapper.h); throws
    // MappingError if none fits.
    std::unique_ptr<Mapping> choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& t,
                                            Objective obj) const;
    std::unique_ptr<Mapping> choose_mapping(const Layer& l, const ArchParams& a, const EnergyTable& t,
                                            const MapperOptions& opt, MapperStats* stats) const;
    virtual hw::Program build_program(const Layer& l, const ArchParams& a, const Mapping& m) const = 0;
    virtual Estimate estimate(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const = 0;
    // The estimate's counts and energy exactly, its cycles only as a lower bound (cycles_exact
    // false), without walking the tiles: what the mapper looks at first.
    virtual Estimate bound(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const = 0;
    // bound() of each mapping, into out[i]: a dataflow may share work between mappings alike
    // (for_each_candidate visits the tilings of a block one after another). A mapping whose coarse
    // bound is above `cut` may get that instead (BoundCutoff).
    virtual void bound_all(const Layer& l, const ArchParams& a, const EnergyTable& t,
                           const std::vector<const Mapping*>& ms, Estimate* out, const BoundCutoff& cut) const {
        (void)cut;
        for (size_t i = 0; i < ms.size(); ++i) out[i] = bound(l, a, t, *ms[i]);
    }
    // A lower bound on bound() of every candidate of m's block (the array mapping, whatever the
    // tiling: block_floor, dataflows/tiling.h; cycles_exact false, coarse true), so that the
    // mapper can rule out a block without listing its tilings. The default bounds nothing: no
    // energy, no cycles.
    virtual Estimate floor(const Layer& l, const ArchParams& a, const EnergyTable& t, const Mapping& m) const {
        (void)l, (void)a, (void)t, (void)m;
        Estimate e;
        e.cycles_exact = false, e.coarse = true;
        return e;
    }
    // A lower bound on floor() of each of `blocks` into out[i], from closed forms that model no
    // pass: much cheaper than floor(), so that the mapper rules most blocks out before it works
    // out their floors. Returns false (out untouched) where the dataflow has none: the mapper then
    // works out every block's floor.
    virtual bool quick_floors(const Layer& l, const ArchParams& a, const EnergyTable& t,
                              const std::vector<const Mapping*>& blocks, Estimate* out) const {
        (void)l, (void)a, (void)t, (void)blocks, (void)out;
        return false;
    }
    // The map space, block by block: visits a mapping of each block the mapper considers (its
    // tiling any), in order; for_each_tiling_of visits the candidates of a block, legal or not,
    // in order, each as a mapping reused for the next (clone() keeps one).
    virtual void for_each_block(const Layer& l, const ArchParams& a,
                                const std::function<void(const Mapping&)>& visit) const = 0;
    virtual void for_each_tiling_of(const Layer& l, const ArchParams& a, const Mapping& block,
                                    const std::function<void(const Mapping&)>& visit) const = 0;
    virtual std::unique_ptr<Mapping> clone(const Mapping& m) const = 0;
    // The filter, channel and output-row steps of a buffer tile of the block's candidates: all
    // that decides which tile sizes for_each_tiling_of lists (count_block_candidates counts them
    // without listing them; the mapper counts each distinct triple once).
    virtual std::array<int, 3> tile_blocks_of(const Layer& l, const Mapping& block) const = 0;
    // The map space: every candidate of every block (the two above).
    void for_each_candidate(const Layer& l, const ArchParams& a,
                            const std::function<void(std::unique_ptr<Mapping>)>& visit) const;
    // "" or the first constraint of the layer or the architecture the mapping breaks.
    virtual std::string check_mapping(const Layer& l, const ArchParams& a, const Mapping& m) const = 0;
    // The dataflow as the mapper's messages name it ("ws", "row-stationary").
    virtual std::string mapper_name() const { return name(); }
    // A mapping pinned by the user: one layer's entry of a mapping file. Throws ConfigError
    // naming the file, field and line for a bad value, an unknown field or a mapping that
    // breaks a constraint of the layer or the architecture.
    virtual std::unique_ptr<Mapping> parse_mapping(const YamlMap& y, const Layer& l, const ArchParams& a) const = 0;
};

// The mappers' choice among scored candidates: the objective's best, then among those within 2%
// of it the best by the other figure (energy <-> cycles), so that a negligible energy saving
// never costs a slow mapping. Returns an index into `ests` (which must not be empty).
size_t pick_candidate(const std::vector<Estimate>& ests, Objective obj);
// What pick_candidate ranks first: energy, cycles or their product.
double objective_figure(const Estimate& e, Objective obj);
// Its other figure, pick_candidate's secondary among the candidates within 2% of the best.
inline double other_figure(const Estimate& e, Objective obj) {
    return obj == Objective::Cycles ? e.energy : static_cast<double>(e.cycles);
}

// The registry of dataflows, by name.
const Dataflow& find_dataflow(const std::string& name);  // throws ConfigError naming the choices
std::vector<const Dataflow*> all_dataflows();
// The registered dataflows' names, in that order.
std::vector<std::string> dataflow_names();
// "expected one of {ws, ..., rs}, got 'NAME'" and a "did you mean" for a near miss.
std::string unknown_dataflow(const std::string& name);
// ConfigError (the architecture file, its line) for an equal_area entry that names no
// registered dataflow (the config room, below this one, cannot know them).
void check_equal_area(const ArchParams& a);

}  // namespace dfsim
