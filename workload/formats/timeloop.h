// Timeloop's problem files (A. Parashar et al., "Timeloop: A Systematic Approach to DNN
// Accelerator Evaluation", ISPASS 2019; NVlabs/timeloop and the timeloop-accelergy-exercises), so
// users can bring the layers they describe for Timeloop. One file is one CNN layer:
//   problem:                       # Timeloop v0.4
//     version: 0.4                 # optional
//     instance: {C: 256, M: 384, R: 3, S: 3, N: 4, P: 13, Q: 13, Hstride: 1, Wstride: 1, ...}
//     shape: {name: CNN-Layer, dimensions: [C, M, R, S, N, P, Q], ...}
// or the older form whose `problem:` holds the instance keys itself (and `shape: cnn-layer`, a
// name or a mapping). The shape may be omitted; if it has a name, it must be a CNN layer's
// (CNN-Layer, CNN_Layer, conv2D, Conv2D, Convolution, in any case); a GEMM or other shape is
// refused. Other top-level keys (arch, mapper, mapspace, ...) are ignored: Timeloop often keeps
// them in one file.
//
// The instance keys, with Timeloop's projection (Inputs[w] = R*Wdilation + P*Wstride,
// Inputs[h] = S*Hdilation + Q*Hstride): R and P run along the width, S and Q along the height.
//   C          input channels (per group with G)      dfsim C (times G)
//   M (or K)   output channels (per group with G)     dfsim M (times G)
//   R, S       filter width, height                   dfsim S, R
//   P, Q       output width, height                   dfsim F, E
//   N          batch [1]                              dfsim N
//   Wstride, Hstride [1]: must be equal (dfsim's layers have one stride U)
//   Wdilation, Hdilation [1]: must be 1 (dfsim has no dilated convolutions)
//   W, H       ifmap width, height, unpadded [what the outputs imply]
//   Wpad, Hpad padding on each side [derived]
//   G          groups [1] (not a CNN-Layer dimension; some variants add it)
//   densities  {Inputs: d, Weights: d, Outputs: d}, each a number or {density: d, ...}: the
//              synthetic ifmap and filters get a zero fraction of 1 - d (Outputs is not an input)
//   bitwidths  {Inputs: b, Weights: b, Outputs: b}: the ifmap's and the filters' bits
// Timeloop has no padding: without H, the ifmap is the unpadded one the outputs imply,
// H = (Q - 1) * Hstride + S (and W alike), padding 0. With H (and no Hpad), the padding is the
// least p >= 0 with floor((H + 2p - S) / Hstride) + 1 = Q; none is an error, and so is a width
// whose padding differs from the height's (dfsim pads rows and columns alike).
// Data: synthetic as for SCALE-Sim imports (uniform ifmaps, normal filters, per-layer seeds),
// int8, no requantization. Errors are ConfigErrors naming the file, line, column and field.
#pragma once
#include <string>
#include <vector>

#include "workload/layer.h"

namespace dfsim {

class YamlMap;

// Whether a parsed YAML file is a Timeloop problem: a top-level `problem:` key and no `layers:`.
bool is_timeloop_problem(const YamlMap& root);
// A list of Timeloop problem files: a top-level `problems:` key and no `layers:`.
bool is_timeloop_list(const YamlMap& root);

// One problem file: a network of one layer named after the file (its name without .yaml/.yml,
// and without a further .prob).
Network load_timeloop_problem(const std::string& path);
Network load_timeloop_problem_text(const std::string& text, const std::string& name);
Network load_timeloop_problem(const YamlMap& root);  // a file already parsed
// The layer of one problem (already parsed); `index` seeds its synthetic data.
Layer read_timeloop_problem(const YamlMap& root, const std::string& layer_name, size_t index,
                            std::vector<std::string>& notes);

// A folder of problem files: every *.yaml and *.yml in it (not in subfolders), in sorted file
// order, one layer each; a file there that is not a Timeloop problem is an error.
Network load_timeloop_folder(const std::string& dir);
// A list file: `problems: [a.yaml, b/c.yaml, ...]` (paths relative to the list's folder), with an
// optional `name:`; a layer per entry, in order. A file listed twice gives layers NAME, NAME_2, ...
Network load_timeloop_list(const YamlMap& root);

// A conv or fc layer as a Timeloop v0.4 problem (CNN-Layer shape, M for the output channels):
// H and W (and Hpad and Wpad for a padded layer) in the instance, which Timeloop does not use and
// dfsim reads back; a grouped layer as one group (C and M per group) with a G key. Comments at
// the top say what Timeloop cannot express. A host layer (pool, add) is a UserError.
std::string to_timeloop_problem(const Layer& l, const std::string& network);

}  // namespace dfsim
