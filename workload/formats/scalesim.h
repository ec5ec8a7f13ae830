// SCALE-Sim's topology CSVs (A. Samajdar et al., "SCALE-Sim: Systolic CNN Accelerator Simulator",
// arXiv:1811.02883; SCALE-Sim v2, topologies/conv_nets/*.csv and topologies/GEMM_mnk/*.csv), so
// users can run the same networks in both simulators. Two layouts, told apart by the header:
//   Layer name, IFMAP Height, IFMAP Width, Filter Height, Filter Width, Channels, Num Filter, Strides,
//   Layer, M, N, K,
// one layer per row. The conv header may end in "Stride Height, Stride Width" instead of
// "Strides" (SCALE-Sim's own topology writer). SCALE-Sim's IFMAP sizes already include any padding.
// As SCALE-Sim writes them: blank lines, a trailing comma, spaces and tabs around fields, CRLF,
// and a '#' comment at the end of a row (",#dw") or on a line of its own are all accepted.
#pragma once
#include <string>

#include "workload/layer.h"

namespace dfsim {

// A workload from a topology CSV: conv layers (fc where the filter covers the whole ifmap),
// padding 0, batch 1, int8 operands, synthetic data with fixed per-layer seeds, no
// requantization.
//  - a GEMM row (M x K times K x N) is a 1x1 conv: an M x 1 ifmap of K channels, N filters
//    (H = M, W = 1, C = K, M = N, R = S = 1): M*N*K MACs, as SCALE-Sim's own mapping of it
//    (IFMAP M x K, one 1 x K filter of one channel per N) has;
//  - a row whose comment is "#dw" is depthwise: groups G = Channels (Num Filter must equal
//    Channels); SCALE-Sim ignores the comment, and with Channels 1 (mobilnet_paper.csv) both run
//    one channel of the layer;
//  - a row whose name holds "DP" is SCALE-Sim's depthwise layer, which it runs as Channels
//    layers of one channel: here one grouped layer, G = Channels, Num Filter filters per group;
//  - where (IFMAP - Filter) is not a multiple of the stride, SCALE-Sim counts one output row or
//    column more than dfsim (ceil against floor): a note names those layers (Network::notes).
// Throws ConfigError naming the file, the line (the file's physical line, 1-based), the column
// and the field.
Network load_scalesim_csv(const std::string& path);
Network load_scalesim_csv_text(const std::string& text, const std::string& name);

// The conv and fc layers of `net` as a topology CSV: padding folded into the IFMAP size, a
// grouped layer as one row per group ("<name>_g<k>", its channels and filters), batch dropped
// (SCALE-Sim simulates one image). Other layer types have no row; their names go to `skipped`.
// Throws UserError for a layer name with a comma, a double quote or a line break: SCALE-Sim's
// readers split at commas and take no quotes, so such a name has no faithful row.
std::string to_scalesim_csv(const Network& net, std::string* skipped = nullptr);

}  // namespace dfsim
