// The mapper's search, shared by every dataflow: the dataflow lists its map space block by block
// (Dataflow::for_each_block, for_each_tiling_of). Every block gets a floor (Dataflow::floor: a
// lower bound on every tiling of it); the blocks of least floor are listed, their candidates get
// a coarse bound (their passes and the compulsory traffic, BoundCutoff), and the 16 of least
// coarse bound are estimated in full: the incumbent. The other blocks whose floor comes within
// pick_candidate's window of it are listed and bounded; the rest are only counted. Each candidate
// whose coarse bound comes within the window gets the cheap first look (Dataflow::bound: energy
// exact, cycles a lower bound); then, best bound first, candidates are estimated in full
// (Dataflow::estimate) until no bound left can come within the window of the best found, passing
// over those whose bound of the other figure (what the pick goes by within the window) is above
// that of an estimated candidate sure to stay in it. The rest are pruned: none of them could have
// been picked, so the choice is the exhaustive search's
// (tests/test_mapper.cpp holds the two together).
#pragma once
#include <memory>

#include "dataflows/dataflow.h"

namespace dfsim {

// The mapping pick_candidate would choose among every legal candidate of the dataflow's map
// space; adds what the search did to `stats`. Throws MappingError naming the last constraint
// broken if no candidate is legal.
std::unique_ptr<Mapping> search_mappings(const Dataflow& df, const Layer& l, const ArchParams& a, const EnergyTable& t,
                                         const MapperOptions& opt, MapperStats& stats);

// The same choice by estimating every legal candidate in full (no bound, no pruning): the
// reference the pruned search is tested against.
std::unique_ptr<Mapping> exhaustive_search(const Dataflow& df, const Layer& l, const ArchParams& a,
                                           const EnergyTable& t, Objective obj);

}  // namespace dfsim
