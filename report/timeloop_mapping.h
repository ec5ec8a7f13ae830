// A dfsim mapping in Timeloop's mapping-YAML form (--show-mapping --mapping-format timeloop): the
// loop nest of each dataflow (docs/dataflows.md) as factors per level over Timeloop's CNN-Layer
// dimensions, the way timeloop-mapper writes its map.yaml. The levels dfsim has:
//   DRAM           temporal: the loops over buffer tiles (dataflows/tiling.h, GlbTiling)
//   GlobalBuffer   temporal: the pass loops inside a tile; spatial: its fanout to the PE array
//   RegisterFile   temporal: the loops a PE runs on its register files (none for nlr)
// Dimensions (Timeloop's projection): C and M (per group), R and S the filter's width and height
// (dfsim's S and R), N, P and Q the output's width and height (dfsim's F and E).
// Not everything is expressible: a tile or block that does not divide its extent leaves a smaller
// last one (ceil factors, whose product exceeds the extent; a comment names the dimension); the
// PE array's two axes (Timeloop's split) and row stationary's chains across both are in a comment
// only; groups run inside dfsim's image loop and Timeloop's CNN-Layer has none.
#pragma once
#include <array>
#include <string>
#include <vector>

#include "workload/layer.h"

namespace dfsim {

// Timeloop's CNN-Layer dimensions, in the order its writer lists them.
inline constexpr std::array<char, 7> kTimeloopDims{'C', 'M', 'R', 'S', 'N', 'P', 'Q'};
using TimeloopFactors = std::array<int, 7>;  // one per kTimeloopDims entry

struct TimeloopLevel {
    std::string target;
    bool spatial = false;
    TimeloopFactors factors{1, 1, 1, 1, 1, 1, 1};
    std::string permutation;  // every dimension once, innermost loop first (Timeloop's order)
};

struct TimeloopMapping {
    std::vector<TimeloopLevel> levels;  // innermost first, as timeloop-mapper writes them
    std::vector<std::string> notes;  // what Timeloop cannot say (YAML comments)
};

// The layer's extent along each dimension: C/G, M/G, S, R, N, F, E (dfsim's names).
TimeloopFactors timeloop_extents(const LayerShape& s);

// The mapping of `dataflow` (ws, nlr, os-a, os-b, os-c, rs) given as its mapping-file entry
// (Mapping::to_yaml, LayerResult::mapping_yaml). Throws UserError for an unknown dataflow.
TimeloopMapping timeloop_mapping(const LayerShape& s, const std::string& dataflow, const std::string& mapping_yaml);

// The mapping as a YAML document ("mapping:" and its levels), after comments naming the layer,
// the dataflow, dfsim's own entry and the notes.
std::string to_timeloop_mapping_yaml(const TimeloopMapping& m, const std::string& layer, const std::string& dataflow,
                                     const std::string& mapping_yaml);

}  // namespace dfsim
