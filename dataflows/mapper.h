// The mapper's search, shared by every dataflow: the dataflow lists its map space
// (Dataflow::for_each_candidate); every legal candidate gets a coarse bound (its passes and the
// compulsory traffic, BoundCutoff), the 16 of least coarse bound are estimated in full, and each
// candidate whose coarse bound comes within the window of the best of them gets the cheap first
// look (Dataflow::bound: energy exact, cycles a lower bound); then, best bound first, candidates are
// estimated in full (Dataflow::estimate) until no bound left can come within pick_candidate's
// window of the best found. The rest are pruned: none of them could have been picked, so the choice
// is the exhaustive search's (tests/test_mapper.cpp holds the two together).
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
